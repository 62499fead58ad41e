/** GET /api/v1/events read through a real HTTP connection: authentication, filtering by permission, heartbeats, unsubscribe. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { eventsMount } from '../../../src/api/events.js';
import { listen, type RunningServer } from '../../../src/api/server.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { manualClock, scriptedProbe, SseReader, T0 } from '../../helpers/monitoring.js';

const clock = manualClock();
const probe = scriptedProbe('gauge', ['test_gauge']);
let t: TestApp;
let server: RunningServer;
const listeners = () => (t.app.events as unknown as { emitter: { listenerCount(e: string): number } }).emitter.listenerCount('event');

beforeAll(async () => {
  t = await startTestApp({ monitoring: { now: clock.now, probes: [probe.probe] }, mounts: (app) => [eventsMount(app, { heartbeatMs: 100 })] });
  server = await listen(t.koa, { port: 0, host: '127.0.0.1' });
  await t.http
    .post('/api/v1/alerts/rules')
    .set('Authorization', `Bearer ${t.adminToken}`)
    .send({ name: 'Gauge', metric: 'test_gauge', operator: '>', threshold: 1, severity: 'critical' });
});
afterAll(async () => {
  await server.close();
  await t.close();
});

describe('event stream', () => {
  test('refuses a caller without a valid token', async () => {
    const none = await SseReader.open(`${server.url}/api/v1/events`);
    expect(none.status).toBe(401);
    const bad = await SseReader.open(`${server.url}/api/v1/events?access_token=nope`);
    expect(bad.status).toBe(401);
    const badType = await SseReader.open(`${server.url}/api/v1/events?types=gossip`, { Authorization: `Bearer ${t.adminToken}` });
    expect(badType.status).toBe(400);
  });

  test('carries metric samples, alert changes and job progress, with heartbeats', async () => {
    const base = listeners();
    const sse = await SseReader.open(`${server.url}/api/v1/events`, { Authorization: `Bearer ${t.adminToken}` });
    expect(sse.status).toBe(200);
    expect(sse.headers['content-type']).toMatch(/^text\/event-stream/);
    const ready = await sse.waitFor((e) => e.event === 'ready');
    expect(ready.data.types).toEqual(['alert', 'job', 'metric', 'audit', 'storage']);
    expect(listeners()).toBe(base + 1);

    probe.set([['test_gauge', 5, { zone: 'a' }]]);
    clock.set(T0 + 5000);
    await t.app.monitoring.tick();
    const metric = await sse.waitFor((e) => e.event === 'metric');
    expect(metric.data.sample.at).toBe(new Date(T0 + 5000).toISOString());
    expect(metric.data.sample.values).toEqual(expect.arrayContaining([{ name: 'test_gauge', labels: { zone: 'a' }, value: 5 }]));
    const opened = await sse.waitFor((e) => e.event === 'alert' && e.data.alert.state === 'open');
    expect(opened.data.alert).toMatchObject({ severity: 'critical', source: 'rule', labels: { zone: 'a' } });

    const ack = await t.http.post(`/api/v1/alerts/${opened.data.alert.id}/acknowledge`).set('Authorization', `Bearer ${t.adminToken}`);
    expect(ack.status).toBe(200);
    await sse.waitFor((e) => e.event === 'alert' && e.data.alert.state === 'acknowledged');

    const job = await t.app.jobs.start({ type: 'test.job', description: 'a job', owner: 'admin' }, async (h) => {
      await h.progress(50, 'half');
      return 'ok';
    });
    await sse.waitFor((e) => e.event === 'job' && e.data.job.id === job.id && e.data.job.progress === 50);
    await sse.waitFor((e) => e.event === 'job' && e.data.job.id === job.id && e.data.job.state === 'succeeded');
    await sse.waitFor(() => sse.comments.some((c) => c.startsWith('heartbeat')));
    // Bus ids: one epoch, sequence numbers that only go up.
    const seqs = sse.events
      .map((e) => /^([0-9a-z]+)-(\d+)$/.exec(e.id ?? '')!)
      .map((m) => {
        expect(m[1]).toBe(t.app.events.epoch);
        return Number(m[2]);
      });
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    sse.close();
    const deadline = Date.now() + 5000;
    while (listeners() !== base && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(listeners()).toBe(base);
    probe.set([]);
    await t.app.monitoring.tick();
  });

  test('sends each caller only the event types its permissions cover; ?access_token= works', async () => {
    const role = await t.http
      .post('/api/v1/roles')
      .set('Authorization', `Bearer ${t.adminToken}`)
      .send({ name: 'MetricsOnly', permissions: ['metrics.read'] });
    expect(role.status).toBe(201);
    const token = await t.userWithRoles('grafana', ['MetricsOnly']);
    const limited = await SseReader.open(`${server.url}/api/v1/events?access_token=${encodeURIComponent(token)}`);
    const full = await SseReader.open(`${server.url}/api/v1/events?types=alert`, { Authorization: `Bearer ${t.adminToken}` });
    expect((await limited.waitFor((e) => e.event === 'ready')).data.types).toEqual(['metric']);
    await full.waitFor((e) => e.event === 'ready');

    probe.set([['test_gauge', 9, { zone: 'b' }]]);
    clock.set(T0 + 60_000);
    await t.app.monitoring.tick();
    await full.waitFor((e) => e.event === 'alert' && e.data.alert.labels.zone === 'b');
    clock.set(T0 + 65_000);
    await t.app.monitoring.tick();
    // The second sample comes after the alert on the same bus: had the alert been sent, it would be here.
    await limited.waitFor((e) => e.event === 'metric' && e.data.sample.at === new Date(T0 + 65_000).toISOString());
    expect(limited.events.map((e) => e.event)).toEqual(['ready', 'metric', 'metric']);
    expect(full.events.every((e) => e.event === 'ready' || e.event === 'alert')).toBe(true);
    limited.close();
    full.close();
  });

  test('ends the stream once its session is over (checked at each heartbeat)', async () => {
    const token = await t.userWithRoles('leaver', ['ReadOnly']);
    const sse = await SseReader.open(`${server.url}/api/v1/events`, { Authorization: `Bearer ${token}` });
    await sse.waitFor((e) => e.event === 'ready');
    expect((await t.http.post('/api/v1/auth/logout').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    const end = await sse.waitFor((e) => e.event === 'end');
    expect(end.data.reason).toMatch(/session ended/);
    await sse.waitForEnd();
  });
});
