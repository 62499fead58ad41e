import type { Knex } from 'knex';

/**
 * One unresolved alert per dedupe key (rule and label set), enforced by the database: two alert
 * engines (two processes on one data directory, until the daemon owns the engine alone) can
 * no longer both open the same alert. "Unresolved" is `resolved_at IS NULL`, the engine's own
 * notion of active: a dismissed alert stays active (state 'dismissed') until its condition
 * clears, and keeps state 'dismissed' once resolved, so `state <> 'resolved'` would not do.
 * Existing duplicates are resolved first, keeping the oldest (earliest opened, then lowest id).
 */
export const INDEX = 'alerts_unresolved_dedupe_key_unique';

export async function up(knex: Knex): Promise<void> {
  const dupes: { dedupe_key: string }[] = await knex('alerts').whereNull('resolved_at').groupBy('dedupe_key').havingRaw('count(*) > 1').select('dedupe_key');
  const now = Date.now();
  for (const { dedupe_key } of dupes) {
    const rows: { id: number; state: string }[] = await knex('alerts')
      .where({ dedupe_key })
      .whereNull('resolved_at')
      .orderBy('opened_at')
      .orderBy('id')
      .select('id', 'state');
    for (const r of rows.slice(1)) {
      await knex('alerts')
        .where({ id: r.id })
        .update({ state: r.state === 'dismissed' ? 'dismissed' : 'resolved', resolved_at: now, updated_at: now });
    }
  }
  await knex.raw(`CREATE UNIQUE INDEX ${INDEX} ON alerts (dedupe_key) WHERE resolved_at IS NULL`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP INDEX IF EXISTS ${INDEX}`);
}
