/**
 * The Prometheus exposition of the latest sample, with Calypso's own process metrics.
 * Calypso's series are written here from the catalogue (type and help), so a counter is exported
 * as a counter with its absolute value; the per-second rates the collector derives for the console
 * and the rules are left out (Prometheus computes them from the counters).
 */
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Severity } from '../../contracts/monitoring.js';
import { METRICS, type Labels, type MetricValue } from './metrics.js';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const escapeHelp = (text: string) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (text: string) => text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

function formatLabels(labels: Labels): string {
  const keys = Object.keys(labels)
    .filter((k) => LABEL.test(k))
    .sort();
  return keys.length ? `{${keys.map((k) => `${k}="${escapeLabel(labels[k]!)}"`).join(',')}}` : '';
}

/** The text of Calypso's metric families: HELP and TYPE once per family, one line per series, no duplicates. */
export function renderFamilies(values: MetricValue[]): string {
  const byName = new Map<string, Map<string, number>>();
  for (const v of values) {
    if (!NAME.test(v.name) || METRICS[v.name]?.rateOf) continue;
    const series = byName.get(v.name) ?? new Map<string, number>();
    series.set(formatLabels(v.labels), v.value);
    byName.set(v.name, series);
  }
  let out = '';
  for (const [name, series] of [...byName].sort(([a], [b]) => a.localeCompare(b))) {
    const info = METRICS[name];
    out += `# HELP ${name} ${escapeHelp(info?.help ?? name)}\n# TYPE ${name} ${info?.type ?? 'gauge'}\n`;
    for (const [labels, value] of series) out += `${name}${labels} ${formatValue(value)}\n`;
  }
  return out;
}

export class PrometheusExport {
  private readonly registry = new Registry();
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

  async render(values: MetricValue[], alerts: Record<Severity, number>): Promise<string> {
    for (const [severity, n] of Object.entries(alerts)) this.alerts.set({ severity }, n);
    return `${renderFamilies(values)}${tidyProcessMetrics(await this.registry.metrics())}`;
  }
}

/**
 * prom-client's process metrics, made to pass promtool: it writes NaN as "Nan", and exports
 * nodejs_active_{handles,requests,resources}_total as gauges (a _total gauge breaks the naming
 * rule); the same counts are in nodejs_active_{handles,requests,resources} by type, so those go.
 */
const GAUGES_NAMED_TOTAL = /^(# (HELP|TYPE) )?calypso_nodejs_active_(handles|requests|resources)_total\b/;
function tidyProcessMetrics(text: string): string {
  const lines = text.split('\n').filter((line) => line && !GAUGES_NAMED_TOTAL.test(line));
  return lines.map((line) => (line.startsWith('#') ? line : line.replace(/ Nan$/, ' NaN'))).join('\n') + (lines.length ? '\n' : '');
}
