import type { Knex } from 'knex';

/**
 * Network changes applied with a safety net (issue 15): each apply is a row, pending until it is
 * confirmed or reverted (by hand, or by the daemon when its deadline passes). The configuration
 * before and after is kept, so a revert after a daemon restart still knows what to put back.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('network_changes', (t) => {
    t.increments('id').primary();
    t.string('state', 20).notNullable();
    t.text('config_before').notNullable();
    t.text('config_after').notNullable();
    t.string('created_by', 100).notNullable();
    t.string('created_at', 40).notNullable();
    t.string('client_address', 64).nullable();
    t.string('deadline_at', 40).notNullable();
    t.string('finished_by', 100).nullable();
    t.string('finished_at', 40).nullable();
    t.text('message').nullable();
    t.index(['state']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('network_changes');
}
