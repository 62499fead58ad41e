/** Metric history: memory window, 1-minute and 15-minute rollups, retention, and GET /metrics/history. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { migrate } from '../../../src/services/db.js';
import { MetricStore } from '../../../src/services/monitoring/store.js';
import { createTestDb, type TestDb } from '../../helpers/db.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { manualClock, scriptedProbe, T0 } from '../../helpers/monitoring.js';

const MIN = 60_000;
const DAY = 24 * 3600_000;

describe('MetricStore', () => {
  let tdb: TestDb;
  let store: MetricStore;
  beforeAll(async () => {
    tdb = await createTestDb();
    await migrate(tdb.db);
    store = new MetricStore(tdb.db);
    // 40 minutes of 5-second samples; the value is the minute number, so every 1-minute average is known.
    for (let t = T0; t < T0 + 40 * MIN; t += 5000) {
      const minute = Math.floor((t - T0) / MIN);
      store.add(t, [
        { name: 'x', labels: { disk: 'sda' }, value: minute },
        { name: 'x', labels: { disk: 'sdb' }, value: 100 + (t % MIN) / 5000 },
      ]);
    }
    await store.persist();
  });
  afterAll(async () => {
    await tdb.drop();
  });

  const rows = (resolution: number) =>
    tdb
      .db('metric_rollups')
      .join('metric_series', 'metric_series.id', 'metric_rollups.series_id')
      .where({ resolution })
      .orderBy(['metric_series.labels', 't'])
      .select('labels', 't', 'avg', 'min', 'max', 'count');

  test('finished minutes are written as 1-minute buckets with average, min, max and count', async () => {
    const one = await rows(60);
    const sda = one.filter((r) => r.labels.includes('sda'));
    expect(sda).toHaveLength(39);
    expect(sda.map((r) => Number(r.avg))).toEqual(Array.from({ length: 39 }, (_, i) => i));
    expect(sda.every((r) => Number(r.count) === 12)).toBe(true);
    const sdb = one.filter((r) => r.labels.includes('sdb'));
    expect(sdb[0]).toMatchObject({ min: 100, max: 111, avg: 105.5 });
    expect(Number(sda[0].t)).toBe(T0);
    expect(typeof sda[0].t === 'number' || typeof sda[0].t === 'bigint').toBe(true);
  });

  test('15-minute buckets aggregate the raw samples', async () => {
    const quarter = (await rows(900)).filter((r) => r.labels.includes('sda'));
    expect(quarter.map((r) => [Number(r.t) - T0, Number(r.avg), Number(r.count), Number(r.min), Number(r.max)])).toEqual([
      [0, 7, 180, 0, 14],
      [15 * MIN, 22, 180, 15, 29],
    ]);
  });

  test('history answers from memory for the last hour, from rollups further back, averaged per step', async () => {
    const now = T0 + 40 * MIN;
    const raw = await store.history({ metric: 'x', selector: { disk: 'sda' }, from: T0, to: now, stepSeconds: 5, now });
    expect(raw.resolutionSeconds).toBe(0);
    expect(raw.series).toHaveLength(1);
    expect(raw.series[0].points).toHaveLength(480);

    const perMinute = await store.history({ metric: 'x', selector: { disk: 'sda' }, from: T0, to: now, stepSeconds: 300, now });
    expect(perMinute.resolutionSeconds).toBe(60);
    expect(perMinute.series[0].points.slice(0, 3)).toEqual([
      [T0, 2],
      [T0 + 5 * MIN, 7],
      [T0 + 10 * MIN, 12],
    ]);

    const both = await store.history({ metric: 'x', selector: {}, from: T0, to: now, stepSeconds: 600, now });
    expect(both.series.map((s) => s.labels)).toEqual([{ disk: 'sda' }, { disk: 'sdb' }]);

    const later = T0 + 3 * DAY;
    const old = await store.history({ metric: 'x', selector: { disk: 'sda' }, from: T0, to: T0 + 40 * MIN, stepSeconds: 900, now: later });
    expect(old.resolutionSeconds).toBe(900);
    expect(old.series[0].points).toEqual([
      [T0, 7],
      [T0 + 15 * MIN, 22],
    ]);

    await expect(store.history({ metric: 'x', selector: {}, from: T0, to: T0 + 30 * DAY, stepSeconds: 60, now })).rejects.toThrow(/more than 11000 points/);
    await expect(store.history({ metric: 'x', selector: {}, from: now, to: T0, now })).rejects.toThrow(/after from/);
  });

  test('memory keeps one hour; retention drops 1-minute buckets after 2 days and 15-minute ones after 90', async () => {
    store.add(T0 + 2 * 3600_000, [{ name: 'x', labels: { disk: 'sda' }, value: 1 }]);
    const raw = await store.history({ metric: 'x', selector: { disk: 'sda' }, from: T0, to: T0 + 40 * MIN, stepSeconds: 5, now: T0 + 50 * MIN });
    expect(raw.series).toEqual([]);
    expect(store.latest(T0 + 2 * 3600_000, 60_000)).toEqual([{ name: 'x', labels: { disk: 'sda' }, value: 1 }]);
    await store.flushAll();

    const before60 = (await rows(60)).length;
    const before900 = (await rows(900)).length;
    expect(await store.enforceRetention(T0 + DAY)).toBe(0);
    // Everything from the first 40 minutes is older than two days here; the lone later sample is not.
    const deleted = await store.enforceRetention(T0 + 2 * DAY + 45 * MIN);
    expect(deleted).toBe(before60 - 1);
    expect((await rows(900)).length).toBe(before900);
    await store.enforceRetention(T0 + 91 * DAY);
    expect((await rows(900)).length).toBe(0);
    expect(await tdb.db('metric_series').count({ n: '*' })).toEqual([{ n: 0 }]);

    // After the series were dropped, new buckets recreate them.
    store.add(T0 + 91 * DAY, [{ name: 'x', labels: { disk: 'sda' }, value: 5 }]);
    store.add(T0 + 91 * DAY + MIN, [{ name: 'x', labels: { disk: 'sda' }, value: 5 }]);
    expect(await store.persist()).toBe(1);
  });
});

describe('GET /metrics/history', () => {
  const clock = manualClock();
  const probe = scriptedProbe('gauge', ['test_gauge']);
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ monitoring: { now: clock.now, probes: [probe.probe] } });
    for (let i = 0; i < 36; i++) {
      probe.set([
        ['test_gauge', i, { zone: 'a' }],
        ['test_gauge', -i, { zone: 'b' }],
      ]);
      clock.set(T0 + i * 5000);
      await t.app.monitoring.tick();
    }
  });
  afterAll(async () => {
    await t.close();
  });

  test('returns the series of one metric, filtered by labels', async () => {
    const res = await t.http
      .get('/api/v1/metrics/history')
      .query({ metric: 'test_gauge', match: 'zone=a', from: new Date(T0).toISOString(), to: String(T0 + 180_000), step: 60 })
      .set('Authorization', `Bearer ${t.adminToken}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ metric: 'test_gauge', stepSeconds: 60, resolutionSeconds: 60 });
    expect(res.body.series).toEqual([
      {
        labels: { zone: 'a' },
        points: [
          [T0, 5.5],
          [T0 + 60_000, 17.5],
        ],
      },
    ]);
    const raw = await t.http
      .get('/api/v1/metrics/history')
      .query({ metric: 'test_gauge', from: String(T0), to: String(T0 + 180_000), step: 30 })
      .set('Authorization', `Bearer ${t.adminToken}`);
    expect(raw.body.resolutionSeconds).toBe(0);
    expect(raw.body.series.map((s: any) => s.points.length)).toEqual([6, 6]);
  });

  test('current values, and bad queries answer 400', async () => {
    const cur = await t.http.get('/api/v1/metrics').query({ metric: 'test_', match: 'zone=b' }).set('Authorization', `Bearer ${t.adminToken}`);
    expect(cur.body.values).toEqual([{ name: 'test_gauge', labels: { zone: 'b' }, value: -35 }]);
    expect(cur.body.at).toBe(new Date(T0 + 35 * 5000).toISOString());
    for (const query of [
      { metric: 'bad name' },
      { metric: 'test_gauge', from: 'yesterday' },
      { metric: 'test_gauge', match: 'zone' },
      { metric: 'test_gauge', from: String(T0), to: String(T0 + 90 * DAY), step: 60 },
    ]) {
      const res = await t.http.get('/api/v1/metrics/history').query(query).set('Authorization', `Bearer ${t.adminToken}`);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
    }
  });
});
