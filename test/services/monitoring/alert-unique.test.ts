/**
 * One unresolved alert per rule and label set, enforced by the database (migration 013): two
 * service layers on one database (as two processes would be) raising the same alert at once
 * open exactly one; the migration resolves existing duplicates keeping the oldest; a
 * duplicate written straight to the table is refused and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Knex } from 'knex';
import { createCalypso, type Calypso } from '../../../src/services/index.js';
import { openDb } from '../../../src/services/db.js';
import * as m013 from '../../../migrations/013_alert_open_unique.js';
import { silentLog } from '../../helpers/app.js';
import { createTestDb, refusal, type TestDb } from '../../helpers/db.js';
import { RecordingHost } from '../../helpers/recording-host.js';
import { manualClock, T0 } from '../../helpers/monitoring.js';

let testDb: TestDb;
let secondDb: Knex;
let a: Calypso;
let b: Calypso;
const clock = manualClock();

beforeAll(async () => {
  testDb = await createTestDb();
  // The second "process": its own connection (pool) to the same database.
  secondDb = openDb({ url: testDb.url, dataDir: testDb.dataDir });
  const opts = { host: new RecordingHost(), log: silentLog, jwtSecret: 'test-secret-0123456789abcdef', monitoring: { now: clock.now, probes: [] } };
  a = await createCalypso({ ...opts, db: testDb.db });
  b = await createCalypso({ ...opts, db: secondDb });
  await Promise.all([a.monitoring.init(), b.monitoring.init()]);
});
afterAll(async () => {
  await a.monitoring.stop();
  await b.monitoring.stop();
  await secondDb.destroy();
  await testDb.drop();
});

const unresolved = (db: Knex, key?: string) => {
  const q = db('alerts').whereNull('resolved_at');
  if (key) q.where({ dedupe_key: key });
  return q.orderBy('id');
};

describe('one open alert per rule and labels', () => {
  test('two engines raising the same job failures at once open each alert once', async () => {
    const failures = Array.from({ length: 12 }, (_, i) => ({ id: 100 + i, type: 'storage.scrub', state: 'failed', target: `pool${i}`, error: 'I/O error' }));
    await Promise.all(failures.flatMap((job) => [a.monitoring.alerts.onJob(job), b.monitoring.alerts.onJob(job)]));
    await Promise.all([a.monitoring.alerts.idle(), b.monitoring.alerts.idle()]);
    const rows = await unresolved(testDb.db);
    expect(rows).toHaveLength(12);
    expect(new Set(rows.map((r: { dedupe_key: string }) => r.dedupe_key)).size).toBe(12);
    // Both engines follow the same alerts: a success seen by the second resolves what the first opened.
    expect(a.monitoring.alerts.activeCounts()).toEqual(b.monitoring.alerts.activeCounts());
    await b.monitoring.alerts.onJob({ ...failures[0]!, id: 200, state: 'succeeded' });
    expect(await unresolved(testDb.db)).toHaveLength(11);
  });

  test('two engines evaluating the same threshold rule at once open one alert per label set', async () => {
    const now = clock.now();
    await testDb.db('alert_rules').insert({
      name: 'Hot',
      kind: 'threshold',
      source: 'rule',
      metric: 'test_temp',
      selector: '{}',
      operator: '>',
      threshold: 50,
      for_seconds: 0,
      severity: 'warning',
      message: '{{zone}} is {{value}}',
      enabled: true,
      created_at: now,
      updated_at: now,
    });
    await Promise.all([a.monitoring.alerts.rulesChanged(), b.monitoring.alerts.rulesChanged()]);
    const values = ['a', 'b', 'c'].map((zone) => ({ name: 'test_temp', labels: { zone }, value: 70 }));
    const collection = { at: now, sample: { at: new Date(now).toISOString(), values }, known: new Set(['test_temp']) };
    await Promise.all([a.monitoring.alerts.evaluate(collection), b.monitoring.alerts.evaluate(collection)]);
    const rows = (await unresolved(testDb.db)).filter((r: { source: string; title: string }) => r.title.startsWith('Hot'));
    expect(rows.map((r: { title: string }) => r.title).sort()).toEqual(['Hot: a', 'Hot: b', 'Hot: c']);
    // Each engine lists the same three alerts as active.
    const listed = await b.monitoring.alerts.list({ active: true, limit: 100, offset: 0 });
    expect(listed.items.filter((x) => x.title.startsWith('Hot'))).toHaveLength(3);
  });

  test('a duplicate unresolved alert written straight to the table is refused and changes nothing', async () => {
    const [existing] = await unresolved(testDb.db);
    const before = await testDb.db('alerts').orderBy('id');
    const dup = { ...existing, id: undefined, opened_at: T0, updated_at: T0 };
    delete dup.id;
    expect(await refusal(testDb.db('alerts').insert(dup))).toMatch(/unique|duplicate/i);
    expect(await testDb.db('alerts').orderBy('id')).toEqual(before);
    // A resolved one with the same key is history, not a duplicate.
    await testDb.db('alerts').insert({ ...dup, state: 'resolved', resolved_at: T0 });
  });
});

describe('migration 013', () => {
  test('resolves existing duplicates, keeping the oldest unresolved one, then enforces the rule', async () => {
    const db = testDb.db;
    await m013.down(db);
    const base = {
      rule_id: null,
      source: 'rule',
      severity: 'warning',
      title: 'Dup',
      message: 'dup',
      labels: '{}',
      value: null,
      silenced: false,
      acknowledged_at: null,
      acknowledged_by: null,
      snoozed_until: null,
      dismissed_at: null,
      dismissed_by: null,
    };
    const key = 'rule:999|dup=1';
    const ins = async (row: Record<string, unknown>) =>
      Number(
        (
          (
            await db('alerts')
              .insert({ ...base, dedupe_key: key, updated_at: T0, resolved_at: null, ...row })
              .returning('id')
          )[0] as { id: number }
        ).id,
      );
    const newer = await ins({ state: 'open', opened_at: T0 + 2000 });
    const oldest = await ins({ state: 'acknowledged', opened_at: T0 });
    const dismissed = await ins({ state: 'dismissed', opened_at: T0 + 1000 });
    const history = await ins({ state: 'resolved', opened_at: T0 - 5000, resolved_at: T0 - 4000 });
    const other = await db('alerts').whereNull('resolved_at').whereNot({ dedupe_key: key }).orderBy('id');

    await m013.up(db);
    const rows = Object.fromEntries((await db('alerts').where({ dedupe_key: key })).map((r: Record<string, any>) => [Number(r.id), r]));
    expect(rows[oldest]).toMatchObject({ state: 'acknowledged', resolved_at: null });
    expect(rows[newer]).toMatchObject({ state: 'resolved' });
    expect(rows[newer].resolved_at).not.toBeNull();
    expect(rows[dismissed]).toMatchObject({ state: 'dismissed' });
    expect(rows[dismissed].resolved_at).not.toBeNull();
    expect(Number(rows[history].resolved_at)).toBe(T0 - 4000);
    // Alerts of other keys are untouched.
    expect(await db('alerts').whereNull('resolved_at').whereNot({ dedupe_key: key }).orderBy('id')).toEqual(other);
    expect(await refusal(ins({ state: 'open', opened_at: T0 + 3000 }))).toMatch(/unique|duplicate/i);
    expect(await unresolved(db, key)).toHaveLength(1);
  });
});
