/**
 * The NTP alert rules on the simulated appliance: an offset past 0.5 s for five minutes raises a
 * warning (critical past 5 s) and clears when the clock is back; servers that never answer
 * leave the clock unsynchronised, which raises its own alert after fifteen minutes.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { setSimClockOffset } from '../../../src/system/sim/chrony.js';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';
import { manualClock } from '../../helpers/monitoring.js';

const clock = manualClock(Date.parse('2026-03-01T12:00:00Z'));
const host = new SimulatedHost({ now: clock.now });
let t: TestApp;

async function after(ms: number) {
  clock.advance(ms);
  const c = await t.app.monitoring.tick();
  await t.app.monitoring.idle();
  return c;
}
const systemAlerts = async () =>
  (await t.http.get('/api/v1/alerts').query({ source: 'system', active: 'true' }).set(bearer(t.adminToken))).body.items as {
    title: string;
    severity: string;
    message: string;
  }[];

beforeAll(async () => {
  t = await startTestApp({ host, monitoring: { now: clock.now } });
  await after(5000);
});
afterAll(async () => {
  await t.close();
});

test('the NTP probe answers on the simulated appliance', async () => {
  const c = await after(5000);
  expect(c.probes.find((p) => p.name === 'ntp')).toMatchObject({ ok: true });
  const metrics = (await t.http.get('/api/v1/metrics').query({ metric: 'calypso_ntp' }).set(bearer(t.adminToken))).body;
  expect(JSON.stringify(metrics)).toContain('calypso_ntp_synchronised');
  expect(await systemAlerts()).toEqual([]);
});

test('a clock offset past the threshold for five minutes raises a warning, then critical, then clears', async () => {
  await setSimClockOffset(host.files, -2.5);
  await after(5000);
  expect(await systemAlerts()).toEqual([]);
  await after(300_000);
  expect(await systemAlerts()).toEqual([
    expect.objectContaining({ title: expect.stringMatching(/^Clock offset/), severity: 'warning', message: expect.stringContaining('2.5 s away') }),
  ]);
  await setSimClockOffset(host.files, 7);
  await after(5000);
  expect((await systemAlerts())[0]).toMatchObject({ severity: 'critical' });
  await setSimClockOffset(host.files, 0.00002);
  await after(5000);
  expect(await systemAlerts()).toEqual([]);
});

test('servers that never answer: not synchronised, alerted after fifteen minutes', async () => {
  const res = await t.http
    .put('/api/v1/appliance/ntp')
    .set(bearer(t.adminToken))
    .send({ servers: [{ host: 'ntp.invalid' }] });
  expect(res.status).toBe(200);
  await after(5000);
  expect(await systemAlerts()).toEqual([]);
  await after(900_000);
  expect(await systemAlerts()).toEqual([expect.objectContaining({ title: expect.stringMatching(/^NTP not synchronised/), severity: 'warning' })]);
  const back = await t.http
    .put('/api/v1/appliance/ntp')
    .set(bearer(t.adminToken))
    .send({ servers: [{ host: 'pool.ntp.org', kind: 'pool' }] });
  expect(back.status).toBe(200);
  await after(5000);
  expect(await systemAlerts()).toEqual([]);
});
