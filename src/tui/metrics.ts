/**
 * Metric history for the dashboard and the live charts. It listens to the monitoring
 * service's 'metric' events; where no sampler runs it asks `metrics.current`, and where
 * monitoring is not in this build it reads pool capacity and ARC from the storage service.
 * It never reads the machine itself: the console only talks to services.
 */
import { EventEmitter } from 'node:events';
import type { CurrentMetrics } from '../contracts/monitoring.js';
import type { Appliance, ConsoleEvent } from './appliance.js';

/** One series' value, as metrics.current and the 'metric' events carry it. */
export type MetricValue = CurrentMetrics['values'][number];

export interface MetricSample {
  at: string;
  values: MetricValue[];
}

export interface Series {
  id: string;
  name: string;
  labels: Record<string, string>;
  points: number[];
  last: number;
}

const HISTORY = 180;
/** Samples on the bus this recent mean a sampler runs: no need to ask. */
const EVENT_SILENCE_MS = 15_000;

export function seriesId(name: string, labels: Record<string, string> = {}): string {
  const keys = Object.keys(labels).sort();
  return keys.length ? `${name}{${keys.map((k) => `${k}=${labels[k]}`).join(',')}}` : name;
}

function asSample(value: unknown): MetricSample | null {
  const v = value as { sample?: unknown; at?: unknown; values?: unknown };
  const s = (v && typeof v === 'object' && 'sample' in v ? v.sample : v) as { at?: unknown; values?: unknown } | null;
  if (!s || !Array.isArray(s.values)) return null;
  const values = (s.values as MetricValue[]).filter((x) => x && typeof x.name === 'string' && typeof x.value === 'number');
  return { at: typeof s.at === 'string' ? s.at : new Date().toISOString(), values: values.map((x) => ({ ...x, labels: x.labels ?? {} })) };
}

/** Where the numbers come from, said on the dashboard. */
export type MetricSource = 'events' | 'metrics.current' | 'storage' | 'none';

export class MetricsStore extends EventEmitter {
  readonly series = new Map<string, Series>();
  source: MetricSource = 'none';
  lastEventAt = 0;
  lastError: string | null = null;
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private polling = false;

  constructor(
    private readonly app: Appliance,
    private readonly intervalMs = 2000,
  ) {
    super();
    this.unsubscribe = app.subscribe(
      (e: ConsoleEvent) => {
        const sample = asSample((e as { sample?: unknown }).sample);
        if (!sample) return;
        this.lastEventAt = Date.now();
        this.source = 'events';
        this.add(sample);
      },
      ['metric'],
    );
  }

  start(): void {
    this.stop();
    const tick = () => {
      void this.poll();
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  dispose(): void {
    this.stop();
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  get(name: string, labels: Record<string, string> = {}): Series | undefined {
    return this.series.get(seriesId(name, labels));
  }

  /** Every series of a metric, e.g. one per pool or interface. */
  all(name: string): Series[] {
    return [...this.series.values()].filter((s) => s.name === name).sort((a, b) => a.id.localeCompare(b.id));
  }

  add(sample: MetricSample): void {
    for (const v of sample.values) {
      const id = seriesId(v.name, v.labels);
      let s = this.series.get(id);
      if (!s) {
        s = { id, name: v.name, labels: v.labels, points: [], last: v.value };
        this.series.set(id, s);
      }
      s.points.push(v.value);
      if (s.points.length > HISTORY) s.points.splice(0, s.points.length - HISTORY);
      s.last = v.value;
    }
    this.emit('change');
  }

  private async poll(): Promise<void> {
    // While the monitoring service publishes samples, they are the source; asking as well would double points.
    if (this.polling || Date.now() - this.lastEventAt < EVENT_SILENCE_MS) return;
    this.polling = true;
    try {
      if (this.app.contract('metrics.current')) {
        const current = await this.app.call('metrics.current', {});
        this.source = 'metrics.current';
        // Before the first collection there is no time and no value yet.
        this.add({ at: current.at ?? new Date().toISOString(), values: current.values });
      } else if (this.app.contract('storage.pools.list')) {
        this.source = 'storage';
        this.add(await this.storageSample());
      }
      this.lastError = null;
    } catch (err) {
      this.lastError = (err as Error).message;
      this.emit('change');
    } finally {
      this.polling = false;
    }
  }

  private async storageSample(): Promise<MetricSample> {
    const values: MetricValue[] = [];
    const pools = await this.app.call('storage.pools.list', { limit: 1000 });
    for (const p of pools.items) values.push({ name: 'calypso_pool_capacity_percent', labels: { pool: p.name }, value: p.capacityPercent ?? 0 });
    if (this.app.contract('storage.arc.get')) {
      const arc = await this.app.call('storage.arc.get', {});
      if (arc.available) {
        values.push({ name: 'calypso_arc_hit_ratio_percent', labels: {}, value: arc.hitRatioPercent ?? 0 });
        values.push({ name: 'calypso_arc_size_bytes', labels: {}, value: arc.sizeBytes });
      }
    }
    return { at: new Date().toISOString(), values };
  }
}
