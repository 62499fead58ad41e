/**
 * The "done when", on the simulated appliance over real HTTP: faulting a disk raises a
 * critical pool alert at the next collection, in GET /api/v1/alerts and in the event stream;
 * healing resolves it; a user rule "cpu usage > 0 for 10 s" fires and its webhook arrives.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import request from 'supertest';
import { listen, type RunningServer } from '../../../src/api/server.js';
import { SimulatedHost } from '../../../src/system/sim/index.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { manualClock, SseReader, webhookSink } from '../../helpers/monitoring.js';

const clock = manualClock(Date.now());
let t: TestApp;
let server: RunningServer;
let api: ReturnType<typeof request>;
const admin = () => ({ Authorization: `Bearer ${t.adminToken}` });

/** One collection interval later. */
async function nextInterval() {
  clock.advance(5000);
  const c = await t.app.monitoring.tick();
  await t.app.monitoring.idle();
  return c;
}

beforeAll(async () => {
  t = await startTestApp({ host: new SimulatedHost({ now: clock.now }), monitoring: { now: clock.now, notifier: { attempts: 2, backoffMs: 10 } } });
  server = await listen(t.koa, { port: 0, host: '127.0.0.1' });
  api = request(server.url);
  await nextInterval();
});
afterAll(async () => {
  await server.close();
  await t.close();
});

test('a faulted disk raises a critical pool alert within one interval, in the API and the stream; healing resolves it', async () => {
  const sse = await SseReader.open(`${server.url}/api/v1/events?types=alert`, admin());
  await sse.waitFor((e) => e.event === 'ready');
  expect((await api.get('/api/v1/alerts').query({ source: 'pool', active: 'true' }).set(admin())).body.total).toBe(0);

  expect((await api.post('/api/v1/sim/fault-disk').set(admin()).send({ disk: 'sdb' })).status).toBe(200);
  const c = await nextInterval();
  expect(c.probes.filter((p) => !p.ok)).toEqual([]);

  const open = (await api.get('/api/v1/alerts').query({ source: 'pool', severity: 'critical', active: 'true' }).set(admin())).body.items;
  expect(open).toHaveLength(1);
  expect(open[0]).toMatchObject({ state: 'open', severity: 'critical', title: 'Pool health: tank', labels: { pool: 'tank' } });
  expect(open[0].message).toMatch(/Pool tank is DEGRADED/);
  const streamed = await sse.waitFor((e) => e.event === 'alert' && e.data.alert.id === open[0].id && e.data.alert.state === 'open');
  expect(streamed.data.alert.severity).toBe('critical');

  expect((await api.post('/api/v1/sim/heal-disk').set(admin()).send({ disk: 'sdb' })).status).toBe(200);
  await nextInterval();
  const after = (await api.get(`/api/v1/alerts/${open[0].id}`).set(admin())).body;
  expect(after.state).toBe('resolved');
  await sse.waitFor((e) => e.event === 'alert' && e.data.alert.id === open[0].id && e.data.alert.state === 'resolved');
  expect((await api.get('/api/v1/alerts').query({ source: 'pool', active: 'true' }).set(admin())).body.total).toBe(0);
  sse.close();
});

test('a user rule "cpu usage > 0 for 10 s" fires and its webhook notification arrives', async () => {
  const sink = await webhookSink();
  try {
    const ch = await api
      .post('/api/v1/alerts/channels')
      .set(admin())
      .send({ name: 'cpu-hook', webhook: { url: sink.url }, severities: ['warning'] });
    expect(ch.status).toBe(201);
    const rule = await api
      .post('/api/v1/alerts/rules')
      .set(admin())
      .send({ name: 'CPU busy', metric: 'calypso_cpu_usage_percent', operator: '>', threshold: 0, forSeconds: 10, severity: 'warning' });
    expect(rule.status).toBe(201);
    // Keep a core busy between collections so the usage measured is above zero.
    const busy = async () => {
      const until = performance.now() + 60;
      while (performance.now() < until);
      return nextInterval();
    };
    await busy();
    await busy();
    expect((await api.get('/api/v1/alerts').query({ ruleId: rule.body.id }).set(admin())).body.total).toBe(0);
    await busy();
    const fired = (await api.get('/api/v1/alerts').query({ ruleId: rule.body.id, active: 'true' }).set(admin())).body.items;
    expect(fired.length).toBeGreaterThanOrEqual(1);
    const hits = await sink.waitFor(1);
    expect(hits[0].body).toMatchObject({ event: 'firing', alert: { ruleId: rule.body.id, severity: 'warning', source: 'rule' } });
    expect(hits[0].body.alert.title).toMatch(/^CPU busy/);
  } finally {
    await sink.close();
  }
});
