/**
 * Backup metrics and alerts on the simulated appliance: calypso_backup_* per job in /metrics, an
 * alert when a run fails, another when a job has not completed for days.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { backupProbe } from '../../../src/services/backup/metrics.js';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';

let clock = Date.parse('2026-11-30T12:00:00Z');
const host = new SimulatedHost({ now: () => clock });
let t: TestApp;

beforeAll(async () => {
  process.env.CALYPSO_BACKUP_POLL_MS = '20';
  t = await startTestApp({ host, monitoring: { now: () => clock, probes: [backupProbe(host)] } });
});
afterAll(async () => {
  await t.close();
  delete process.env.CALYPSO_BACKUP_POLL_MS;
});

const alerts = async () =>
  (await t.http.get('/api/v1/alerts?limit=100').set(bearer(t.adminToken))).body.items as { ruleName?: string; message: string; state: string }[];

test('per-job metrics from the catalog reach /metrics', async () => {
  const c = await t.app.monitoring.tick();
  const byJob = (name: string) => c.sample.values.filter((v) => v.name === name).map((v) => [v.labels.job, v.value]);
  expect(byJob('calypso_backup_job_last_status')).toEqual(expect.arrayContaining([['web1-nightly', 0]]));
  expect(byJob('calypso_backup_job_last_bytes').length).toBe(3);
  expect(c.sample.values.find((v) => v.name === 'calypso_backup_director_up')?.value).toBe(1);
  const text = (await t.app.monitoring.prometheusText()).body;
  expect(text).toMatch(/calypso_backup_job_last_duration_seconds\{job="db1-nightly"\} \d+/);
  expect((await alerts()).filter((a) => /backup job/i.test(a.message))).toEqual([]);
});

test('a failed run and a job overdue for days raise alerts', async () => {
  const run = await t.http.post('/api/v1/backup/jobs/laptop7-home/run').set(bearer(t.adminToken)).send({});
  expect(run.status).toBe(200);
  clock += 5 * 60_000;
  expect((await t.app.jobs.wait(run.body.calypsoJobId, 10_000)).state).toBe('failed');
  clock += 3 * 86_400_000;
  await t.app.monitoring.tick();
  const messages = (await alerts()).map((a) => a.message);
  expect(messages).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^The last run of backup job laptop7-home failed/),
      expect.stringMatching(/^Backup job web1-nightly has not completed for/),
    ]),
  );
});
