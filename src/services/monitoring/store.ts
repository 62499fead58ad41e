/**
 * Metric history: the last hour at full resolution in memory; in the database, 1-minute
 * buckets kept for 2 days and 15-minute buckets kept for 90 days.
 */
import type { Knex } from 'knex';
import { ValidationError } from '../core/errors.js';
import { labelsKey, matches, seriesKey, type Labels, type MetricValue } from './metrics.js';

export const MEMORY_WINDOW_MS = 60 * 60 * 1000;
export const RESOLUTIONS = [
  { seconds: 60, retentionMs: 2 * 24 * 3600 * 1000 },
  { seconds: 900, retentionMs: 90 * 24 * 3600 * 1000 },
] as const;
/** Most points one series may have in one history answer. */
export const MAX_POINTS = 11_000;

interface MemorySeries {
  name: string;
  labels: Labels;
  t: number[];
  v: number[];
  /** Index of the oldest point still in the window (the arrays are compacted now and then). */
  head: number;
}

interface Bucket {
  seriesKey: string;
  name: string;
  labels: Labels;
  resolution: number;
  t: number;
  sum: number;
  min: number;
  max: number;
  count: number;
}

export interface HistorySeries {
  labels: Labels;
  /** [epoch ms, value]: the average over each step. */
  points: [number, number][];
}

export interface HistoryAnswer {
  metric: string;
  from: number;
  to: number;
  stepSeconds: number;
  /** Where the points came from: 0 for the in-memory samples, else the bucket width in seconds. */
  resolutionSeconds: number;
  series: HistorySeries[];
}

export class MetricStore {
  private readonly memory = new Map<string, MemorySeries>();
  /** Buckets being filled, per resolution and series. */
  private readonly open = new Map<string, Bucket>();
  /** Finished buckets not yet written. */
  private pending: Bucket[] = [];
  private readonly seriesIds = new Map<string, number>();

  constructor(private readonly db: Knex) {}

  add(at: number, values: MetricValue[]): void {
    for (const val of values) {
      if (!Number.isFinite(val.value)) continue;
      const key = seriesKey(val.name, val.labels);
      let s = this.memory.get(key);
      if (!s) {
        s = { name: val.name, labels: val.labels, t: [], v: [], head: 0 };
        this.memory.set(key, s);
      }
      s.t.push(at);
      s.v.push(val.value);
      for (const r of RESOLUTIONS) this.accumulate(key, val, r.seconds, at);
    }
    this.trimMemory(at);
  }

  private accumulate(key: string, val: MetricValue, resolution: number, at: number): void {
    const width = resolution * 1000;
    const t = Math.floor(at / width) * width;
    const id = `${resolution}|${key}`;
    const b = this.open.get(id);
    if (b && b.t === t) {
      b.sum += val.value;
      b.min = Math.min(b.min, val.value);
      b.max = Math.max(b.max, val.value);
      b.count++;
      return;
    }
    if (b) this.pending.push(b);
    this.open.set(id, { seriesKey: key, name: val.name, labels: val.labels, resolution, t, sum: val.value, min: val.value, max: val.value, count: 1 });
  }

  private trimMemory(now: number): void {
    const cutoff = now - MEMORY_WINDOW_MS;
    for (const [key, s] of this.memory) {
      while (s.head < s.t.length && s.t[s.head]! < cutoff) s.head++;
      if (s.head === s.t.length) {
        this.memory.delete(key);
        continue;
      }
      if (s.head > 256 && s.head * 2 > s.t.length) {
        s.t = s.t.slice(s.head);
        s.v = s.v.slice(s.head);
        s.head = 0;
      }
    }
    // Series that stopped reporting: their half-filled buckets are finished too.
    for (const [id, b] of this.open) {
      if (b.t + b.resolution * 1000 * 2 < now) {
        this.pending.push(b);
        this.open.delete(id);
      }
    }
  }

  /** Writes finished buckets. Idempotent per bucket: a rewrite replaces the row. */
  async persist(): Promise<number> {
    if (this.pending.length === 0) return 0;
    const batch = this.pending;
    this.pending = [];
    try {
      const rows = [];
      for (const b of batch) {
        rows.push({ resolution: b.resolution, series_id: await this.seriesId(b), t: b.t, avg: b.sum / b.count, min: b.min, max: b.max, count: b.count });
      }
      for (let i = 0; i < rows.length; i += 200) {
        await this.db('metric_rollups')
          .insert(rows.slice(i, i + 200))
          .onConflict(['resolution', 'series_id', 't'])
          .merge();
      }
      return rows.length;
    } catch (err) {
      this.pending = batch.concat(this.pending);
      throw err;
    }
  }

  /** Finishes every open bucket (on shutdown), then writes. */
  async flushAll(): Promise<number> {
    for (const b of this.open.values()) this.pending.push(b);
    this.open.clear();
    return this.persist();
  }

  private async seriesId(b: Bucket): Promise<number> {
    const cached = this.seriesIds.get(b.seriesKey);
    if (cached !== undefined) return cached;
    await this.db('metric_series')
      .insert({ name: b.name, labels: labelsKey(b.labels), series_key: b.seriesKey })
      .onConflict('series_key')
      .ignore();
    const row = await this.db('metric_series').where({ series_key: b.seriesKey }).first('id');
    const id = Number(row.id);
    this.seriesIds.set(b.seriesKey, id);
    return id;
  }

  /** Deletes buckets past their retention and series left without any. Returns rows deleted. */
  async enforceRetention(now: number): Promise<number> {
    let deleted = 0;
    for (const r of RESOLUTIONS) {
      deleted += await this.db('metric_rollups')
        .where('resolution', r.seconds)
        .andWhere('t', '<', now - r.retentionMs)
        .delete();
    }
    const orphans = await this.db('metric_series')
      .whereNotExists(this.db('metric_rollups').select(this.db.raw('1')).whereRaw('metric_rollups.series_id = metric_series.id'))
      .select('id', 'series_key');
    if (orphans.length) {
      for (const o of orphans) this.seriesIds.delete(o.series_key);
      const ids = orphans.map((o: { id: number }) => o.id);
      for (let i = 0; i < ids.length; i += 500)
        await this.db('metric_series')
          .whereIn('id', ids.slice(i, i + 500))
          .delete();
    }
    return deleted;
  }

  /** The most recent value of every series seen in the last `maxAgeMs`. */
  latest(now: number, maxAgeMs: number): MetricValue[] {
    const out: MetricValue[] = [];
    for (const s of this.memory.values()) {
      const i = s.t.length - 1;
      if (i >= s.head && s.t[i]! >= now - maxAgeMs) out.push({ name: s.name, labels: s.labels, value: s.v[i]! });
    }
    return out;
  }

  /**
   * Points of one metric between from and to, averaged per step. The source is the finest
   * one that still covers `from`: memory (last hour), 1-minute buckets (2 days), 15-minute buckets.
   */
  async history(q: { metric: string; selector: Labels; from: number; to: number; stepSeconds?: number; now: number }): Promise<HistoryAnswer> {
    if (q.to <= q.from) throw new ValidationError('to must be after from', [{ path: 'to', message: 'must be after from' }]);
    const span = q.to - q.from;
    const step = Math.max(1, q.stepSeconds ?? Math.max(1, Math.ceil(span / 1000 / 500)));
    if (span / (step * 1000) > MAX_POINTS) {
      throw new ValidationError(`that would be more than ${MAX_POINTS} points per series: raise step`, [
        { path: 'step', message: `at least ${Math.ceil(span / 1000 / MAX_POINTS)} s for this range` },
      ]);
    }
    const resolution = q.from >= q.now - MEMORY_WINDOW_MS && step < 60 ? 0 : q.from >= q.now - RESOLUTIONS[0].retentionMs && step < 900 ? 60 : 900;
    const stepMs = step * 1000;
    const buckets = new Map<string, { labels: Labels; sums: Map<number, { sum: number; weight: number }> }>();
    const add = (labels: Labels, t: number, value: number, weight: number) => {
      const key = labelsKey(labels);
      let s = buckets.get(key);
      if (!s) buckets.set(key, (s = { labels, sums: new Map() }));
      const bt = Math.floor(t / stepMs) * stepMs;
      const cur = s.sums.get(bt) ?? { sum: 0, weight: 0 };
      cur.sum += value * weight;
      cur.weight += weight;
      s.sums.set(bt, cur);
    };
    if (resolution === 0) {
      for (const s of this.memory.values()) {
        if (s.name !== q.metric || !matches(q.selector, s.labels)) continue;
        for (let i = s.head; i < s.t.length; i++) if (s.t[i]! >= q.from && s.t[i]! <= q.to) add(s.labels, s.t[i]!, s.v[i]!, 1);
      }
    } else {
      const rows: { labels: string; t: number; avg: number; count: number }[] = await this.db('metric_rollups')
        .join('metric_series', 'metric_series.id', 'metric_rollups.series_id')
        .where({ 'metric_series.name': q.metric, 'metric_rollups.resolution': resolution })
        .andWhere('metric_rollups.t', '>=', Math.floor(q.from / (resolution * 1000)) * resolution * 1000)
        .andWhere('metric_rollups.t', '<=', q.to)
        .orderBy('metric_rollups.t')
        .select('metric_series.labels', 'metric_rollups.t', 'metric_rollups.avg', 'metric_rollups.count');
      for (const r of rows) {
        const labels = Object.fromEntries(JSON.parse(r.labels) as [string, string][]);
        if (matches(q.selector, labels)) add(labels, Number(r.t), Number(r.avg), Number(r.count));
      }
    }
    const series = [...buckets.values()]
      .map((s) => ({
        labels: s.labels,
        points: [...s.sums.entries()].sort((a, b) => a[0] - b[0]).map(([t, x]) => [t, x.sum / x.weight] as [number, number]),
      }))
      .sort((a, b) => labelsKey(a.labels).localeCompare(labelsKey(b.labels)));
    return { metric: q.metric, from: q.from, to: q.to, stepSeconds: step, resolutionSeconds: resolution, series };
  }

  seriesCount(): number {
    return this.memory.size;
  }
}
