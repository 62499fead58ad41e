/**
 * A replica that falls behind its task's allowed lag raises the built-in "Replica behind" alert,
 * through the monitoring collector and its rules, with the task named; within the lag, no alert.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Knex } from 'knex';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { replicationProbe } from '../../../src/services/replication/metrics.js';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';

let t: TestApp;
let db: Knex | null = null;
let monitoringNow = Date.now();

beforeAll(async () => {
  const host = new SimulatedHost();
  t = await startTestApp({ host, monitoring: { now: () => monitoringNow, probes: [replicationProbe(() => db!)] } });
  db = t.testDb.db;
  await host.run('zfs', ['create', 'tank/lagged']);
});
afterAll(async () => {
  await t.close();
});

const openAlerts = async () =>
  ((await t.http.get('/api/v1/alerts').set(bearer(t.adminToken))).body.items as { message: string; state: string }[]).filter((a) => a.state === 'open');

test('past its allowed lag a task raises "Replica behind"; within it, nothing', async () => {
  const res = await t.http
    .post('/api/v1/replication/tasks')
    .set(bearer(t.adminToken))
    .send({
      name: 'offsite',
      sources: ['tank/lagged'],
      target: 'tank/lagged-copy',
      namingSchema: 'auto-%Y-%m-%d_%H-%M',
      trigger: 'schedule',
      cron: '0 1 * * *',
      lagAlertSeconds: 3600,
    });
  expect(res.status).toBe(201);
  monitoringNow = Date.now() + 30 * 60_000;
  await t.app.monitoring.tick();
  await t.app.monitoring.idle();
  expect((await openAlerts()).filter((a) => /Replication task/.test(a.message))).toEqual([]);
  monitoringNow = Date.now() + 3 * 3600_000;
  await t.app.monitoring.tick();
  await t.app.monitoring.idle();
  const alerts = (await openAlerts()).filter((a) => /Replication task/.test(a.message));
  expect(alerts).toHaveLength(1);
  expect(alerts[0]!.message).toMatch(
    new RegExp(`^Replication task ${res.body.id} \\(offsite\\) is \\d+ s past its allowed lag: see its state for the next step$`),
  );
});
