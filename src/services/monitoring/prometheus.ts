/** The Prometheus exposition of the latest sample, with Calypso's own process metrics. */
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Severity } from '../../contracts/monitoring.js';
import { METRICS, type MetricValue } from './metrics.js';

export class PrometheusExport {
  private readonly registry = new Registry();
  private readonly gauges = new Map<string, Gauge<string>>();
  private readonly alerts: Gauge<string>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'calypso_' });
    this.alerts = new Gauge({
      name: 'calypso_alerts_active',
      help: 'Open or acknowledged alerts that are not silenced, per severity',
      labelNames: ['severity'],
      registers: [this.registry],
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private gauge(name: string, labelNames: string[]): Gauge<string> {
    let g = this.gauges.get(name);
    if (!g) {
      const known = METRICS[name];
      g = new Gauge({ name, help: known?.help ?? name, labelNames: [...new Set([...(known?.labels ?? []), ...labelNames])], registers: [this.registry] });
      this.gauges.set(name, g);
    }
    return g;
  }

  async render(values: MetricValue[], alerts: Record<Severity, number>): Promise<string> {
    const byName = new Map<string, MetricValue[]>();
    for (const v of values) {
      if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(v.name)) continue;
      const list = byName.get(v.name) ?? [];
      list.push(v);
      byName.set(v.name, list);
    }
    for (const [name, g] of this.gauges) if (!byName.has(name)) g.reset();
    for (const [name, list] of byName) {
      const g = this.gauge(name, [...new Set(list.flatMap((v) => Object.keys(v.labels)))]);
      g.reset();
      for (const v of list) {
        // A label this metric was first seen without cannot be added to its gauge later: drop the series.
        if (Object.keys(v.labels).every((k) => (g as unknown as { labelNames: string[] }).labelNames.includes(k))) g.set(v.labels, v.value);
      }
    }
    for (const [severity, n] of Object.entries(alerts)) this.alerts.set({ severity }, n);
    return this.registry.metrics();
  }
}
