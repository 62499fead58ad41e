/** Notifications to loopback sinks: webhook (retries with backoff, timeouts, auth header) and SMTP, routed by severity; secrets stay hidden. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { manualClock, scriptedProbe, smtpSink, T0, webhookSink } from '../../helpers/monitoring.js';

const clock = manualClock();
const probe = scriptedProbe('gauge', ['test_gauge']);
let t: TestApp;
const admin = () => ({ Authorization: `Bearer ${t.adminToken}` });
let step = 0;

async function fire(zone: string, value: number) {
  probe.set([['test_gauge', value, { zone }]]);
  clock.set(T0 + ++step * 5000);
  await t.app.monitoring.tick();
  await t.app.monitoring.idle();
}
async function clear() {
  probe.set([]);
  clock.set(T0 + ++step * 5000);
  await t.app.monitoring.tick();
  await t.app.monitoring.idle();
}

beforeAll(async () => {
  t = await startTestApp({ monitoring: { now: clock.now, probes: [probe.probe], notifier: { attempts: 3, backoffMs: 20 } } });
  for (const [name, severity, threshold] of [
    ['Gauge warning', 'warning', 10],
    ['Gauge critical', 'critical', 100],
  ] as const) {
    const res = await t.http
      .post('/api/v1/alerts/rules')
      .set(admin())
      .send({ name, metric: 'test_gauge', operator: '>', threshold, severity, selector: { zone: name === 'Gauge warning' ? 'w' : 'c' } });
    expect(res.status).toBe(201);
  }
});
afterAll(async () => {
  await t.close();
});

describe('webhook', () => {
  test('retries a failing receiver with backoff, sends the Authorization secret, and never shows the secret', async () => {
    const sink = await webhookSink([503, 500]);
    const ch = await t.http
      .post('/api/v1/alerts/channels')
      .set(admin())
      .send({ name: 'ops-hook', webhook: { url: sink.url, timeoutMs: 2000 }, severities: ['critical'], secret: 'Bearer hook-secret-value' });
    expect(ch.status).toBe(201);
    expect(ch.body).toMatchObject({ type: 'webhook', hasSecret: true, severities: ['critical'], webhook: { url: sink.url, timeoutMs: 2000 } });
    expect(JSON.stringify(ch.body)).not.toContain('hook-secret-value');

    await fire('w', 50);
    await fire('c', 500);
    const hits = await sink.waitFor(3);
    // Routed by severity: only the critical alert; two failures then success.
    expect(hits.every((h) => h.body.alert.severity === 'critical')).toBe(true);
    expect(hits[2].headers.authorization).toBe('Bearer hook-secret-value');
    expect(hits[2].headers['content-type']).toBe('application/json');
    expect(hits[2].body).toMatchObject({ event: 'firing', alert: { title: 'Gauge critical: c', state: 'open', labels: { zone: 'c' } } });
    const deliveries = await t.http.get('/api/v1/alerts/deliveries').query({ channelId: ch.body.id }).set(admin());
    expect(deliveries.body.items[0]).toMatchObject({ status: 'sent', attempts: 3, event: 'firing', alertId: hits[2].body.alert.id });

    await clear();
    await sink.waitFor(4);
    expect(sink.hits[3].body).toMatchObject({ event: 'resolved', alert: { state: 'resolved' } });

    const list = await t.http.get('/api/v1/alerts/channels').set(admin());
    expect(JSON.stringify(list.body)).not.toContain('hook-secret-value');
    const audit = await t.http.get('/api/v1/audit').query({ operation: 'alerts.channels.create' }).set(admin());
    expect(audit.body.items[0].input.secret).toBe('[redacted]');
    expect(JSON.stringify(await t.app.db('audit_log').select())).not.toContain('hook-secret-value');
    await t.http.delete(`/api/v1/alerts/channels/${ch.body.id}`).set(admin());
    await sink.close();
  });

  test('gives up after the attempts, stops at once on a 4xx, and times out a receiver that never answers', async () => {
    const gone = await webhookSink([410]);
    const flaky = await webhookSink([502, 502, 502]);
    const silent = http.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
    const ids: number[] = [];
    for (const [name, url, timeoutMs] of [
      ['gone', gone.url, 2000],
      ['flaky', flaky.url, 2000],
      ['silent', silentUrl, 500],
    ] as const) {
      ids.push((await t.http.post('/api/v1/alerts/channels').set(admin()).send({ name, webhook: { url, timeoutMs } })).body.id);
    }
    const results = await Promise.all(ids.map(async (id) => (await t.http.post(`/api/v1/alerts/channels/${id}/test`).set(admin())).body));
    expect(results.map((r) => [r.status, r.attempts])).toEqual([
      ['failed', 1],
      ['failed', 3],
      ['failed', 3],
    ]);
    expect(results[0].error).toBe('the webhook answered 410');
    expect(results[2].error).toBe('no answer within 500 ms');
    expect(gone.hits[0].body).toMatchObject({ event: 'test', alert: { title: 'Test notification from Calypso' } });
    for (const id of ids) await t.http.delete(`/api/v1/alerts/channels/${id}`).set(admin());
    silent.closeAllConnections();
    await new Promise((r) => silent.close(r));
    await gone.close();
    await flaky.close();
  });
});

describe('email', () => {
  test('sends through SMTP with authentication, routed by severity, password never shown', async () => {
    const sink = await smtpSink({ user: 'calypso', pass: 'smtp-pass-123' });
    const ch = await t.http
      .post('/api/v1/alerts/channels')
      .set(admin())
      .send({
        name: 'ops-mail',
        severities: ['warning'],
        notifyResolved: false,
        email: {
          host: '127.0.0.1',
          port: sink.port,
          from: 'calypso@appliance.test',
          to: ['ops@example.com', 'oncall@example.com'],
          username: 'calypso',
          timeoutMs: 3000,
        },
        secret: 'smtp-pass-123',
      });
    expect(ch.status).toBe(201);
    expect(ch.body.email).toMatchObject({ host: '127.0.0.1', username: 'calypso' });
    expect(JSON.stringify(ch.body)).not.toContain('smtp-pass-123');

    await fire('c', 500);
    await fire('w', 50);
    const [mail] = await sink.waitFor(1);
    expect(mail).toMatchObject({ from: 'calypso@appliance.test', to: ['ops@example.com', 'oncall@example.com'], auth: 'calypso' });
    expect(mail.data).toMatch(/^Subject: \[Calypso WARNING\] Gauge warning: w$/m);
    expect(mail.data).toContain('test_gauge is 50 (> 10)');
    await clear();
    await t.app.monitoring.idle();
    expect(sink.mails).toHaveLength(1);

    const wrong = await t.http.patch(`/api/v1/alerts/channels/${ch.body.id}`).set(admin()).send({ secret: 'wrong' });
    expect(wrong.body.hasSecret).toBe(true);
    const test = await t.http.post(`/api/v1/alerts/channels/${ch.body.id}/test`).set(admin());
    expect(test.body).toMatchObject({ status: 'failed', attempts: 1 });
    expect(test.body.error).toMatch(/535|auth/i);
    await sink.close();
  });

  test('a channel takes exactly one kind of settings', async () => {
    const both = await t.http
      .post('/api/v1/alerts/channels')
      .set(admin())
      .send({ name: 'x', webhook: { url: 'http://127.0.0.1:1/' }, email: { host: 'h', from: 'a@b.c', to: ['a@b.c'] } });
    expect(both.status).toBe(400);
    const none = await t.http.post('/api/v1/alerts/channels').set(admin()).send({ name: 'y' });
    expect(none.status).toBe(400);
    const ftp = await t.http
      .post('/api/v1/alerts/channels')
      .set(admin())
      .send({ name: 'z', webhook: { url: 'ftp://127.0.0.1/' } });
    expect(ftp.status).toBe(400);
  });
});
