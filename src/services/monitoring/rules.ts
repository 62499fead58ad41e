/** Alert rules: the built-in set, comparison, and message templates. */
import type { AlertSource, Operator, RuleKind, Severity } from '../../contracts/monitoring.js';
import { POOL_HEALTH_NAMES, type Labels } from './metrics.js';
import { BACKUP_RULES } from '../backup/rules.js';

export interface Rule {
  id: number;
  /** Set on built-in rules, which can be tuned and disabled but not deleted or repointed. */
  builtinKey: string | null;
  name: string;
  kind: RuleKind;
  source: AlertSource;
  metric: string | null;
  selector: Labels;
  operator: Operator;
  threshold: number;
  /** Past this value (compared with the same operator) the alert becomes critical. */
  criticalThreshold: number | null;
  forSeconds: number;
  severity: Severity;
  message: string;
  enabled: boolean;
}

export type BuiltinRule = Omit<Rule, 'id' | 'builtinKey' | 'enabled'> & { key: string };

/** The alert sources of SRS-09 that come with the appliance. */
export const BUILTIN_RULES: BuiltinRule[] = [
  {
    key: 'pool-health',
    name: 'Pool health',
    kind: 'threshold',
    source: 'pool',
    metric: 'calypso_pool_health',
    selector: {},
    operator: '>=',
    threshold: 1,
    criticalThreshold: null,
    forSeconds: 0,
    severity: 'critical',
    message: 'Pool {{pool}} is {{value|health}}: replace or bring back the failed devices (zpool status {{pool}})',
  },
  {
    key: 'pool-capacity',
    name: 'Pool capacity',
    kind: 'threshold',
    source: 'pool',
    metric: 'calypso_pool_capacity_percent',
    selector: {},
    operator: '>=',
    threshold: 80,
    criticalThreshold: 90,
    forSeconds: 0,
    severity: 'warning',
    message: 'Pool {{pool}} is {{value}}% full (warning at 80%, critical at 90%)',
  },
  {
    key: 'pool-device-errors',
    name: 'Pool device errors',
    kind: 'threshold',
    source: 'pool',
    metric: 'calypso_pool_device_errors',
    selector: {},
    operator: '>',
    threshold: 0,
    criticalThreshold: null,
    forSeconds: 0,
    severity: 'warning',
    message: 'Device {{device}} of pool {{pool}} has {{value}} read, write or checksum errors',
  },
  {
    key: 'pool-scrub-errors',
    name: 'Scrub found errors',
    kind: 'threshold',
    source: 'pool',
    metric: 'calypso_pool_scrub_errors',
    selector: {},
    operator: '>',
    threshold: 0,
    criticalThreshold: null,
    forSeconds: 0,
    severity: 'critical',
    message: 'The last scrub of pool {{pool}} found {{value}} errors',
  },
  {
    key: 'disk-smart',
    name: 'Disk SMART failure',
    kind: 'threshold',
    source: 'disk',
    metric: 'calypso_disk_smart_failed',
    selector: {},
    operator: '>=',
    threshold: 1,
    criticalThreshold: null,
    forSeconds: 0,
    severity: 'critical',
    message: 'SMART reports disk {{disk}} as failing: replace it',
  },
  {
    key: 'disk-temperature',
    name: 'Disk temperature',
    kind: 'threshold',
    source: 'disk',
    metric: 'calypso_disk_temperature_celsius',
    selector: {},
    operator: '>=',
    threshold: 50,
    criticalThreshold: 60,
    forSeconds: 300,
    severity: 'warning',
    message: 'Disk {{disk}} is at {{value}} °C',
  },
  {
    key: 'memory-pressure',
    name: 'Memory pressure',
    kind: 'threshold',
    source: 'system',
    metric: 'calypso_memory_available_percent',
    selector: {},
    operator: '<',
    threshold: 10,
    criticalThreshold: 5,
    forSeconds: 60,
    severity: 'warning',
    message: 'Only {{value}}% of memory is available',
  },
  {
    key: 'service-down',
    name: 'Service down',
    kind: 'threshold',
    source: 'service',
    metric: 'calypso_service_up',
    selector: {},
    operator: '<',
    threshold: 1,
    criticalThreshold: null,
    forSeconds: 30,
    severity: 'critical',
    message: 'Service {{service}} is not running',
  },
  {
    key: 'objectstore-quota',
    name: 'Object storage quota',
    kind: 'threshold',
    source: 'service',
    metric: 'calypso_objectstore_quota_used_percent',
    selector: {},
    operator: '>=',
    threshold: 85,
    criticalThreshold: 95,
    forSeconds: 0,
    severity: 'warning',
    message: 'Object storage {{scope}} {{name}} uses {{value}}% of its quota (warning at 85%, critical at 95%)',
  },
  {
    key: 'ntp-unsynchronised',
    name: 'NTP not synchronised',
    kind: 'threshold',
    source: 'system',
    metric: 'calypso_ntp_synchronised',
    selector: {},
    operator: '<',
    threshold: 1,
    criticalThreshold: null,
    forSeconds: 900,
    severity: 'warning',
    message: 'The clock is not synchronised with any NTP source: check the NTP servers (System, Time & NTP) and that they are reachable',
  },
  {
    key: 'ntp-offset',
    name: 'Clock offset',
    kind: 'threshold',
    source: 'system',
    metric: 'calypso_ntp_offset_seconds',
    selector: {},
    operator: '>=',
    threshold: 0.5,
    criticalThreshold: 5,
    forSeconds: 300,
    severity: 'warning',
    message: 'The clock is {{value}} s away from NTP time (warning at 0.5 s, critical at 5 s)',
  },
  {
    key: 'probe-failing',
    name: 'Monitoring probe failing',
    kind: 'threshold',
    source: 'monitoring',
    metric: 'calypso_probe_success',
    selector: {},
    operator: '<',
    threshold: 1,
    criticalThreshold: null,
    forSeconds: 60,
    severity: 'warning',
    message: 'The {{probe}} probe has failed for a minute: its metrics and alerts are stale',
  },
  {
    key: 'tape-cleaning',
    name: 'Tape drive needs cleaning',
    kind: 'threshold',
    source: 'tape',
    metric: 'calypso_tape_drive_cleaning_required',
    selector: {},
    operator: '>=',
    threshold: 1,
    criticalThreshold: null,
    forSeconds: 0,
    severity: 'warning',
    message: 'Drive {{drive}} of tape library {{library}} asks for cleaning (TapeAlert): clean it (tape.clean)',
  },
  {
    key: 'tape-drive-hardware',
    name: 'Tape drive hardware error',
    kind: 'threshold',
    source: 'tape',
    metric: 'calypso_tape_drive_hardware_error',
    selector: {},
    operator: '>=',
    threshold: 1,
    criticalThreshold: null,
    forSeconds: 0,
    severity: 'critical',
    message: 'Drive {{drive}} of tape library {{library}} reports a hardware error (TapeAlert): call for service',
  },
  {
    key: 'tape-media-damaged',
    name: 'Tape cartridge damaged',
    kind: 'threshold',
    source: 'tape',
    metric: 'calypso_tape_drive_media_error',
    selector: {},
    operator: '>=',
    threshold: 1,
    criticalThreshold: null,
    forSeconds: 0,
    severity: 'warning',
    message: 'The cartridge in drive {{drive}} of tape library {{library}} is damaged or worn out (TapeAlert): mark it damaged and replace it',
  },
  {
    key: 'tape-pool-low',
    name: 'Media pool low on writable tapes',
    kind: 'threshold',
    source: 'tape',
    metric: 'calypso_tape_pool_writable_shortfall',
    selector: {},
    operator: '>',
    threshold: 0,
    criticalThreshold: null,
    forSeconds: 0,
    severity: 'warning',
    message: 'Media pool {{pool}} needs {{value}} more writable cartridges to reach its low-water mark',
  },
  {
    key: 'replication-lag',
    name: 'Replica behind',
    kind: 'threshold',
    source: 'job',
    metric: 'calypso_replication_overdue_seconds',
    selector: {},
    operator: '>',
    threshold: 0,
    criticalThreshold: 86400,
    forSeconds: 0,
    severity: 'warning',
    message: 'Replication task {{task}} ({{name}}) is {{value}} s past its allowed lag: see its state for the next step',
  },
  {
    key: 'job-failed',
    name: 'Job failed',
    kind: 'job-failed',
    source: 'job',
    metric: null,
    selector: {},
    operator: '==',
    threshold: 0,
    criticalThreshold: null,
    forSeconds: 0,
    severity: 'warning',
    message: 'Job {{job}} ({{type}}{{target| on }}) failed: {{error}}',
  },
  ...BACKUP_RULES,
];

export function compare(op: Operator, value: number, threshold: number): boolean {
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
export function severityRank(s: Severity): number {
  return SEVERITY_RANK[s];
}

/** The severity a firing value deserves under this rule. */
export function severityFor(rule: Rule, value: number): Severity {
  if (rule.criticalThreshold !== null && compare(rule.operator, value, rule.criticalThreshold)) return 'critical';
  return rule.severity;
}

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return String(Math.round(n * 100) / 100);
}

function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${formatNumber(v)} ${units[i]}`;
}

/**
 * `{{name}}` is a label (or value, threshold, metric, rule); `{{value|health}}` names a pool
 * health code, `{{value|bytes}}` prints a size, `{{label| prefix}}` prints the prefix and the
 * label only when the label is set. Unknown names render empty.
 */
export function renderTemplate(template: string, vars: Record<string, string | number | undefined>): string {
  return template.replace(/\{\{\s*([A-Za-z_][\w.]*)\s*(?:\|([^}]*))?\}\}/g, (_m, name: string, filter?: string) => {
    const raw = vars[name];
    if (raw === undefined || raw === '') return '';
    if (filter === 'health' && typeof raw === 'number') return POOL_HEALTH_NAMES[raw] ?? String(raw);
    if (filter === 'bytes' && typeof raw === 'number') return formatBytes(raw);
    const text = typeof raw === 'number' ? formatNumber(raw) : raw;
    return filter !== undefined && filter !== 'health' && filter !== 'bytes' ? `${filter}${text}` : text;
  });
}
