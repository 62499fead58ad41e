/**
 * The object store in /metrics (calypso_objectstore_*, valid for promtool) and the built-in quota
 * alert: a bucket pushed past 85% of its quota opens a warning, past 95% a critical one, and
 * lowering its use below resolves it. On the simulated appliance, with the collector's clock moved
 * by hand (the probe runs once a minute).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { SimulatedHost } from '../../../src/system/sim/index.js';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';
import { manualClock } from '../../helpers/monitoring.js';
import { parsePrometheusText } from '../../helpers/prom-text.js';

const clock = manualClock(Date.now());
let t: TestApp;
const admin = () => bearer(t.adminToken);

async function nextMinute() {
  clock.advance(61_000);
  await t.app.monitoring.tick();
  await t.app.monitoring.idle();
}

beforeAll(async () => {
  t = await startTestApp({ host: new SimulatedHost({ now: clock.now }), monitoring: { now: clock.now } });
  await nextMinute();
});
afterAll(async () => {
  await t.close();
});

test('buckets and users in /metrics, valid Prometheus text', async () => {
  const res = await t.http.get('/metrics').set(admin());
  expect(res.status).toBe(200);
  // Only the object store's lines: Node's own event-loop gauges read NaN before their first interval.
  const objectLines = res.text
    .split('\n')
    .filter((l) => l.includes('calypso_objectstore_'))
    .join('\n');
  const series = [...parsePrometheusText(`${objectLines}\n`).values()].flatMap((f) => f.samples);
  const value = (name: string, labels: Record<string, string>) =>
    series.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
  expect(value('calypso_objectstore_up', { provider: 'simulated' })).toBe(1);
  expect(value('calypso_objectstore_bucket_objects', { bucket: 'bacula-volumes', owner: 'backup' })).toBe(1240);
  expect(value('calypso_objectstore_bucket_size_bytes', { bucket: 'veeam-repo', owner: 'backup' })).toBe(78 * 1024 ** 3);
  expect(value('calypso_objectstore_user_objects', { user: 'backup' })).toBe(1240 + 8800);
  expect(value('calypso_objectstore_quota_used_percent', { scope: 'bucket', name: 'veeam-repo' })).toBe(78);
  // Buckets without a quota have no quota series.
  expect(value('calypso_objectstore_quota_used_percent', { scope: 'bucket', name: 'archive-2026' })).toBeUndefined();
  if (fs.existsSync('/usr/bin/promtool')) {
    expect(execFileSync('promtool', ['check', 'metrics'], { input: `${objectLines}\n`, encoding: 'utf8' })).toBe('');
  }
});

test('the quota alert: warning past 85%, critical past 95%, resolved below', async () => {
  const alerts = async () =>
    (await t.http.get('/api/v1/alerts').query({ active: 'true' }).set(admin())).body.items.filter(
      (a: { labels: Record<string, string> }) => a.labels.name === 'bacula-volumes',
    );
  expect(await alerts()).toEqual([]);
  // 1240 objects: a quota of 1400 is 88.6%, of 1300 is 95.4%.
  await t.http.put('/api/v1/objects/buckets/bacula-volumes/quota').set(admin()).send({ maxSizeBytes: null, maxObjects: 1400 });
  await nextMinute();
  const warning = await alerts();
  expect(warning).toHaveLength(1);
  expect(warning[0]).toMatchObject({ severity: 'warning', source: 'service', labels: { scope: 'bucket', name: 'bacula-volumes' } });
  expect(warning[0].message).toBe('Object storage bucket bacula-volumes uses 88.6% of its quota (warning at 85%, critical at 95%)');
  await t.http.put('/api/v1/objects/buckets/bacula-volumes/quota').set(admin()).send({ maxSizeBytes: null, maxObjects: 1300 });
  await nextMinute();
  expect((await alerts())[0]).toMatchObject({ severity: 'critical' });
  await t.http.put('/api/v1/objects/buckets/bacula-volumes/quota').set(admin()).send({ maxSizeBytes: null, maxObjects: null });
  await nextMinute();
  expect(await alerts()).toEqual([]);
});
