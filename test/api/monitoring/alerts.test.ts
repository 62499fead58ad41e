/** Rule evaluation: for-duration, dedupe, resolve, escalation, snooze, dismiss, maintenance windows, jobs, history filters. */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { startTestApp, type TestApp, bearer } from '../../helpers/app.js';
import { LIST_CACHE_MS } from '../../../src/services/monitoring/alerts.js';
import { manualClock, scriptedProbe, T0 } from '../../helpers/monitoring.js';

const clock = manualClock();
const gauge = scriptedProbe('gauge', ['test_gauge', 'calypso_pool_health', 'calypso_pool_capacity_percent']);
let t: TestApp;
let ruleId: number;
const admin = () => bearer(t.adminToken);

async function alertsOf(query: Record<string, string | number> = {}) {
  const res = await t.http.get('/api/v1/alerts').query(query).set(admin());
  expect(res.status).toBe(200);
  return res.body as { items: any[]; total: number };
}

async function tickAt(offsetMs: number) {
  clock.set(T0 + offsetMs);
  await t.app.monitoring.tick();
  await t.app.monitoring.idle();
}

beforeAll(async () => {
  t = await startTestApp({ monitoring: { now: clock.now, probes: [gauge.probe], notifier: { attempts: 1, backoffMs: 1 } } });
  const res = await t.http
    .post('/api/v1/alerts/rules')
    .set(admin())
    .send({
      name: 'Gauge high',
      metric: 'test_gauge',
      selector: { zone: '!ignored' },
      operator: '>',
      threshold: 10,
      criticalThreshold: 50,
      forSeconds: 10,
      severity: 'warning',
      message: 'gauge {{zone}} is {{value}} (over {{threshold}})',
    });
  expect(res.status).toBe(201);
  ruleId = res.body.id;
});
afterAll(async () => {
  await t.close();
});

describe('threshold rules', () => {
  beforeEach(async () => {
    gauge.set([]);
    await tickAt(0);
  });

  test('a condition must hold for forSeconds; then one alert per label set, which resolves when it clears', async () => {
    gauge.set([
      ['test_gauge', 20, { zone: 'a' }],
      ['test_gauge', 30, { zone: 'b' }],
      ['test_gauge', 99, { zone: 'ignored' }],
      ['test_gauge', 5, { zone: 'c' }],
    ]);
    await tickAt(1_000);
    await tickAt(6_000);
    expect((await alertsOf({ ruleId })).items.filter((a) => !a.resolvedAt)).toHaveLength(0);
    await tickAt(11_000);
    await tickAt(16_000);
    await tickAt(21_000);
    const open = (await alertsOf({ ruleId, active: 'true' })).items;
    expect(open.map((a) => a.labels.zone).sort()).toEqual(['a', 'b']);
    expect(open.find((a) => a.labels.zone === 'a')).toMatchObject({
      severity: 'warning',
      state: 'open',
      source: 'rule',
      title: 'Gauge high: a',
      message: 'gauge a is 20 (over 10)',
      ruleId,
    });

    // The condition clears for a, goes on for b: a resolves, b stays the same alert.
    gauge.set([
      ['test_gauge', 3, { zone: 'a' }],
      ['test_gauge', 30, { zone: 'b' }],
    ]);
    await tickAt(26_000);
    const after = (await alertsOf({ ruleId })).items;
    const a = after.filter((x) => x.labels.zone === 'a');
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ state: 'resolved' });
    expect(a[0].resolvedAt).toBe(new Date(T0 + 26_000).toISOString());
    expect(after.filter((x) => x.labels.zone === 'b' && !x.resolvedAt)).toHaveLength(1);

    // A dip shorter than the for-duration does not re-open a: the timer restarts.
    gauge.set([['test_gauge', 20, { zone: 'a' }]]);
    await tickAt(31_000);
    gauge.set([['test_gauge', 2, { zone: 'a' }]]);
    await tickAt(36_000);
    gauge.set([['test_gauge', 20, { zone: 'a' }]]);
    await tickAt(41_000);
    expect((await alertsOf({ ruleId, active: 'true' })).items.filter((x) => x.labels.zone === 'a')).toHaveLength(0);
    // b's series vanished with its probe answering: resolved too.
    expect((await alertsOf({ ruleId, active: 'true' })).items.filter((x) => x.labels.zone === 'b')).toHaveLength(0);
  });

  test('severity escalates past criticalThreshold on the same alert, and a failing probe holds alerts as they are', async () => {
    gauge.set([['test_gauge', 20, { zone: 'e' }]]);
    await tickAt(100_000);
    await tickAt(111_000);
    const [first] = (await alertsOf({ ruleId, active: 'true' })).items;
    expect(first).toMatchObject({ severity: 'warning', labels: { zone: 'e' } });
    gauge.set([['test_gauge', 75, { zone: 'e' }]]);
    await tickAt(116_000);
    const [escalated] = (await alertsOf({ ruleId, active: 'true' })).items;
    expect(escalated).toMatchObject({ id: first.id, severity: 'critical' });

    gauge.state.fail = 'device busy';
    await tickAt(121_000);
    expect((await alertsOf({ ruleId, active: 'true' })).items.map((a) => a.id)).toEqual([first.id]);
    const current = await t.http.get('/api/v1/metrics').set(admin());
    expect(current.body.probes).toEqual([expect.objectContaining({ name: 'gauge', ok: false, error: 'device busy' })]);
    gauge.state.fail = null;
    gauge.set([]);
    await tickAt(126_000);
    expect((await alertsOf({ ruleId, active: 'true' })).items).toEqual([]);
  });

  test('a probe that hangs times out without stalling the collection, and is reported', async () => {
    gauge.state.hang = true;
    // The collection ends on the probe's own timeout while the probe is still running (the next
    // collection finds it in flight; it is released only below): it did not wait for the probe,
    // which is what this shows, with no wall-clock limit.
    const c = await t.app.monitoring.tick();
    expect(c.probes[0]).toMatchObject({ name: 'gauge', ok: false, error: 'no answer within 200 ms' });
    // Still hanging: not started twice.
    const again = await t.app.monitoring.tick();
    expect(again.probes[0].error).toBe('still running from an earlier collection');
    gauge.release();
    await new Promise((r) => setImmediate(r));
    expect((await t.app.monitoring.tick()).probes[0]).toMatchObject({ ok: true });
  });
});

describe('acknowledge, snooze, dismiss', () => {
  let alertId: number;
  beforeAll(async () => {
    gauge.set([['test_gauge', 20, { zone: 's' }]]);
    await tickAt(200_000);
    await tickAt(211_000);
    alertId = (await alertsOf({ ruleId, active: 'true' })).items[0].id;
  });

  test('an Operator acknowledges; a ReadOnly user may not', async () => {
    const reader = await t.userWithRoles('reader', ['ReadOnly']);
    expect((await t.http.post(`/api/v1/alerts/${alertId}/acknowledge`).set(bearer(reader))).status).toBe(403);
    const operator = await t.userWithRoles('operator', ['Operator']);
    const res = await t.http.post(`/api/v1/alerts/${alertId}/acknowledge`).set(bearer(operator));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'operator' });
    expect((await t.http.post(`/api/v1/alerts/${alertId}/acknowledge`).set(bearer(operator))).status).toBe(409);
  });

  test('a snooze ends at its time and the alert is open again', async () => {
    const until = new Date(T0 + 240_000).toISOString();
    const res = await t.http.post(`/api/v1/alerts/${alertId}/snooze`).set(admin()).send({ until });
    expect(res.body).toMatchObject({ state: 'snoozed', snoozeEndsAt: until });
    expect(
      (
        await t.http
          .post(`/api/v1/alerts/${alertId}/snooze`)
          .set(admin())
          .send({ until: new Date(T0).toISOString() })
      ).status,
    ).toBe(400);
    await tickAt(230_000);
    expect((await t.http.get(`/api/v1/alerts/${alertId}`).set(admin())).body.state).toBe('snoozed');
    await tickAt(240_000);
    expect((await t.http.get(`/api/v1/alerts/${alertId}`).set(admin())).body).toMatchObject({ state: 'open', snoozeEndsAt: null });
  });

  test('a dismissed alert stays closed while its condition lasts, then a new one can open', async () => {
    const res = await t.http.post(`/api/v1/alerts/${alertId}/dismiss`).set(admin());
    expect(res.body).toMatchObject({ state: 'dismissed', dismissedBy: 'admin' });
    await tickAt(250_000);
    await tickAt(265_000);
    expect((await alertsOf({ ruleId, active: 'true' })).items.map((a) => a.id)).toEqual([alertId]);
    gauge.set([]);
    await tickAt(270_000);
    const closed = (await t.http.get(`/api/v1/alerts/${alertId}`).set(admin())).body;
    expect(closed).toMatchObject({ state: 'dismissed' });
    expect(closed.resolvedAt).not.toBeNull();
    gauge.set([['test_gauge', 20, { zone: 's' }]]);
    await tickAt(275_000);
    await tickAt(286_000);
    const reopened = (await alertsOf({ ruleId, active: 'true' })).items;
    expect(reopened).toHaveLength(1);
    expect(reopened[0].id).not.toBe(alertId);
    gauge.set([]);
    await tickAt(290_000);
  });
});

describe('maintenance windows', () => {
  test('alerts inside a window are recorded but silenced (no notification); after it they notify', async () => {
    const { webhookSink } = await import('../../helpers/monitoring.js');
    const sink = await webhookSink();
    const ch = await t.http
      .post('/api/v1/alerts/channels')
      .set(admin())
      .send({ name: 'mw-hook', webhook: { url: sink.url }, severities: ['critical'], notifyResolved: false });
    expect(ch.status).toBe(201);
    const win = await t.http
      .post('/api/v1/alerts/maintenance')
      .set(admin())
      .send({
        name: 'Disk swap',
        startsAt: new Date(T0 + 300_000).toISOString(),
        endsAt: new Date(T0 + 400_000).toISOString(),
        selector: { pool: 'tank' },
        sources: ['pool'],
      });
    expect(win.status).toBe(201);
    expect(win.body).toMatchObject({ createdBy: 'admin', active: false });
    gauge.set([
      ['calypso_pool_health', 1, { pool: 'tank' }],
      ['calypso_pool_health', 2, { pool: 'backup' }],
    ]);
    await tickAt(310_000);
    const pools = (await alertsOf({ source: 'pool', active: 'true' })).items;
    expect(pools.map((a) => [a.labels.pool, a.severity, a.silenced]).sort()).toEqual([
      ['backup', 'critical', false],
      ['tank', 'critical', true],
    ]);
    expect((await t.http.get('/api/v1/alerts/summary').set(admin())).body).toMatchObject({ critical: 1 });
    await sink.waitFor(1);
    expect(sink.hits.map((h) => h.body.alert.labels.pool)).toEqual(['backup']);

    await tickAt(400_000);
    await sink.waitFor(2);
    expect(sink.hits[1].body).toMatchObject({ event: 'firing', alert: { labels: { pool: 'tank' }, silenced: false } });
    gauge.set([]);
    await tickAt(405_000);
    await t.http.delete(`/api/v1/alerts/channels/${ch.body.id}`).set(admin());
    await sink.close();
  });
});

describe('jobs and history', () => {
  test('a failed job raises an alert; a later success of the same job resolves it', async () => {
    const failing = await t.app.jobs.start({ type: 'storage.scrub', description: 'scrub tank', owner: 'admin', target: 'tank' }, async () => {
      throw new Error('pool I/O is currently suspended');
    });
    await t.app.jobs.wait(failing.id, 5000);
    await t.app.monitoring.idle();
    const [alert] = (await alertsOf({ source: 'job', active: 'true' })).items;
    expect(alert).toMatchObject({ severity: 'warning', labels: { type: 'storage.scrub', target: 'tank' } });
    expect(alert.message).toContain(`Job ${failing.id} (storage.scrub on tank) failed`);
    const ok = await t.app.jobs.start({ type: 'storage.scrub', description: 'scrub tank', owner: 'admin', target: 'tank' }, async () => 'done');
    await t.app.jobs.wait(ok.id, 5000);
    await t.app.monitoring.idle();
    expect((await t.http.get(`/api/v1/alerts/${alert.id}`).set(admin())).body.state).toBe('resolved');
  });

  test('history filters by severity, state, source and time, and paginates', async () => {
    const all = await alertsOf({ limit: 1000 });
    expect(all.total).toBeGreaterThan(5);
    const crit = await alertsOf({ severity: 'critical' });
    expect(crit.items.every((a) => a.severity === 'critical')).toBe(true);
    const mixed = await alertsOf({ state: 'resolved,dismissed', limit: 1000 });
    expect(mixed.items.every((a) => ['resolved', 'dismissed'].includes(a.state))).toBe(true);
    expect((await alertsOf({ source: 'job' })).items.every((a) => a.source === 'job')).toBe(true);
    const window = await alertsOf({ from: new Date(T0 + 200_000).toISOString(), to: String(T0 + 300_000), limit: 1000 });
    expect(window.items.length).toBeGreaterThan(0);
    expect(window.items.every((a) => Date.parse(a.openedAt) >= T0 + 200_000 && Date.parse(a.openedAt) <= T0 + 300_000)).toBe(true);
    const p1 = await alertsOf({ limit: 2, offset: 0 });
    const p2 = await alertsOf({ limit: 2, offset: 2 });
    expect(p1.items).toHaveLength(2);
    expect(p1.total).toBe(all.total);
    expect(p2.items[0].id).not.toBe(p1.items[1].id);
    expect(Date.parse(p1.items[0].openedAt)).toBeGreaterThanOrEqual(Date.parse(p1.items[1].openedAt));
    expect((await t.http.get('/api/v1/alerts').query({ severity: 'loud' }).set(admin())).status).toBe(400);
  });

  test('rules: built-ins can be tuned and disabled, not deleted; deleting a rule resolves its alerts', async () => {
    const rules = (await t.http.get('/api/v1/alerts/rules').set(admin())).body.items;
    const health = rules.find((r: any) => r.name === 'Pool health');
    expect(health).toMatchObject({ builtin: true, metric: 'calypso_pool_health', severity: 'critical', enabled: true });
    expect(rules.map((r: any) => r.name)).toEqual(
      expect.arrayContaining([
        'Pool capacity',
        'Disk SMART failure',
        'Disk temperature',
        'Memory pressure',
        'Service down',
        'Job failed',
        'Scrub found errors',
        'Pool device errors',
      ]),
    );
    expect((await t.http.delete(`/api/v1/alerts/rules/${health.id}`).set(admin())).status).toBe(409);
    expect((await t.http.patch(`/api/v1/alerts/rules/${health.id}`).set(admin()).send({ metric: 'test_gauge' })).status).toBe(400);
    const cap = rules.find((r: any) => r.name === 'Pool capacity');
    gauge.set([['calypso_pool_capacity_percent', 85, { pool: 'tank' }]]);
    await tickAt(500_000);
    const [warn] = (await alertsOf({ source: 'pool', active: 'true' })).items;
    expect(warn).toMatchObject({ severity: 'warning', message: 'Pool tank is 85% full (warning at 80%, critical at 90%)' });
    gauge.set([['calypso_pool_capacity_percent', 93, { pool: 'tank' }]]);
    await tickAt(505_000);
    expect((await t.http.get(`/api/v1/alerts/${warn.id}`).set(admin())).body.severity).toBe('critical');
    const disabled = await t.http.patch(`/api/v1/alerts/rules/${cap.id}`).set(admin()).send({ enabled: false });
    expect(disabled.body.enabled).toBe(false);
    expect((await t.http.get(`/api/v1/alerts/${warn.id}`).set(admin())).body.state).toBe('resolved');
    await t.http.patch(`/api/v1/alerts/rules/${cap.id}`).set(admin()).send({ enabled: true });

    gauge.set([['test_gauge', 20, { zone: 'z' }]]);
    await tickAt(600_000);
    await tickAt(611_000);
    const [mine] = (await alertsOf({ ruleId, active: 'true' })).items;
    expect((await t.http.delete(`/api/v1/alerts/rules/${ruleId}`).set(admin())).status).toBe(200);
    expect((await t.http.get(`/api/v1/alerts/${mine.id}`).set(admin())).body.state).toBe('resolved');
    expect(
      (await t.http.post('/api/v1/alerts/rules').set(admin()).send({ name: 'bad', metric: 'no spaces allowed', operator: '>', threshold: 1 })).status,
    ).toBe(400);
    const audit = await t.http.get('/api/v1/audit').query({ operation: 'alerts.rules.delete' }).set(admin());
    expect(audit.body.items[0]).toMatchObject({ actor: 'admin', result: 'ok', target: `rule ${ruleId}` });
  });
});

describe('the list answered from memory (issue 16)', () => {
  test('an alert another daemon on the same database opened shows once the list cache time has passed', async () => {
    const before = await alertsOf({ source: 'system' });
    const at = clock.now();
    await t.testDb.db('alerts').insert({
      dedupe_key: 'other-daemon|test',
      rule_id: null,
      source: 'system',
      severity: 'info',
      state: 'open',
      title: 'opened by another daemon',
      message: 'written straight to the shared database',
      labels: '{}',
      value: null,
      silenced: false,
      opened_at: at,
      updated_at: at,
      acknowledged_at: null,
      acknowledged_by: null,
      snoozed_until: null,
      dismissed_at: null,
      dismissed_by: null,
      resolved_at: null,
    });
    clock.advance(LIST_CACHE_MS);
    const after = await alertsOf({ source: 'system' });
    expect(after.total).toBe(before.total + 1);
    expect(after.items.map((a: any) => a.title)).toContain('opened by another daemon');
  });
});
