/** Runs the probes of one collection concurrently, each with its own timeout, and builds the sample. */
import { publicMessage } from '../core/errors.js';
import type { MetricValue, Sample } from './metrics.js';
import type { Probe } from './probes.js';

export interface ProbeStatus {
  name: string;
  ok: boolean;
  durationMs: number;
  error: string | null;
  /** A slow probe that was not due this time: its last values were reused. */
  cached: boolean;
}

export interface Collection {
  at: number;
  sample: Sample;
  probes: ProbeStatus[];
  /** Metric names whose probe answered: only these may open or resolve alerts. */
  known: Set<string>;
  durationMs: number;
}

class ProbeTimeout extends Error {}

export class Collector {
  /** A probe that outlived its timeout is still running: it is not started again until it ends. */
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly lastRun = new Map<string, { at: number; values: MetricValue[] }>();

  constructor(
    private readonly probes: Probe[],
    private readonly now: () => number,
  ) {}

  async collect(): Promise<Collection> {
    const at = this.now();
    const started = performance.now();
    const results = await Promise.all(this.probes.map((p) => this.runProbe(p, at)));
    const values: MetricValue[] = [];
    const known = new Set<string>(['calypso_probe_success', 'calypso_probe_duration_seconds', 'calypso_collector_duration_seconds']);
    for (const { probe, status, values: vs } of results) {
      values.push(...vs);
      if (status.ok) for (const m of probe.provides) known.add(m);
      values.push({ name: 'calypso_probe_success', labels: { probe: probe.name }, value: status.ok ? 1 : 0 });
      if (!status.cached) values.push({ name: 'calypso_probe_duration_seconds', labels: { probe: probe.name }, value: status.durationMs / 1000 });
    }
    const durationMs = performance.now() - started;
    values.push({ name: 'calypso_collector_duration_seconds', labels: {}, value: durationMs / 1000 });
    return { at, sample: { at: new Date(at).toISOString(), values }, probes: results.map((r) => r.status), known, durationMs };
  }

  private async runProbe(probe: Probe, at: number): Promise<{ probe: Probe; status: ProbeStatus; values: MetricValue[] }> {
    const last = this.lastRun.get(probe.name);
    if (probe.everyMs && last && at - last.at < probe.everyMs) {
      return { probe, status: { name: probe.name, ok: true, durationMs: 0, error: null, cached: true }, values: last.values };
    }
    if (this.inFlight.has(probe.name)) {
      return { probe, status: { name: probe.name, ok: false, durationMs: 0, error: 'still running from an earlier collection', cached: false }, values: [] };
    }
    const started = performance.now();
    const running = probe.collect(at);
    this.inFlight.set(probe.name, running);
    running.then(
      () => this.inFlight.delete(probe.name),
      () => this.inFlight.delete(probe.name),
    );
    let timer: NodeJS.Timeout | undefined;
    try {
      const values = await Promise.race([
        running,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new ProbeTimeout(`no answer within ${probe.timeoutMs} ms`)), probe.timeoutMs);
        }),
      ]);
      this.lastRun.set(probe.name, { at, values });
      return { probe, status: { name: probe.name, ok: true, durationMs: performance.now() - started, error: null, cached: false }, values };
    } catch (err) {
      const error =
        err instanceof ProbeTimeout ? err.message : publicMessage(err) === 'internal error' ? String((err as Error)?.message ?? err) : publicMessage(err);
      return { probe, status: { name: probe.name, ok: false, durationMs: performance.now() - started, error, cached: false }, values: [] };
    } finally {
      clearTimeout(timer);
    }
  }
}
