/**
 * Monitoring and alerting (SRS-09): metrics, history, alerts, rules, maintenance windows,
 * notifications. Reading metrics is metrics.read, reading alerts alerts.read; acknowledging,
 * dismissing and snoozing alerts alerts.ack; every change of configuration monitoring.write.
 */
import { z } from 'zod';
import { contractSet, defineContract, definePermissions } from './core.js';
import { listOf, listShape, noInput, rowId } from './list.js';
import { PLAIN_LINES, PLAIN_LINES_MESSAGE, plainText } from './text.js';
import { isoTime } from './time.js';

export type Severity = 'info' | 'warning' | 'critical';
export const SEVERITIES: Severity[] = ['info', 'warning', 'critical'];
export type Operator = '>' | '>=' | '<' | '<=' | '==' | '!=';
export const OPERATORS: Operator[] = ['>', '>=', '<', '<=', '==', '!='];
/** A threshold rule watches a metric; a job-failed rule watches the job bus. */
export type RuleKind = 'threshold' | 'job-failed';
/** Where an alert came from, for filtering: the built-in areas, or a user's rule. */
export type AlertSource = 'pool' | 'disk' | 'system' | 'service' | 'job' | 'monitoring' | 'rule' | 'tape';
export const ALERT_SOURCES: AlertSource[] = ['pool', 'disk', 'system', 'service', 'job', 'monitoring', 'rule', 'tape'];
export type AlertState = 'open' | 'acknowledged' | 'snoozed' | 'resolved' | 'dismissed';
export const ALERT_STATES: AlertState[] = ['open', 'acknowledged', 'snoozed', 'resolved', 'dismissed'];

export const monitoringPermissions = definePermissions([
  { name: 'metrics.read', description: 'See current metrics and their history; scrape /metrics', level: 'read' },
  { name: 'alerts.read', description: 'See alerts, alert rules, maintenance windows and notification channels', level: 'read' },
  { name: 'alerts.ack', description: 'Acknowledge, dismiss and snooze alerts', level: 'operate' },
  {
    name: 'monitoring.write',
    description: 'Change alert rules, maintenance windows, notification channels, collector settings and the scrape token',
    level: 'admin',
  },
]);

const labelsSchema = z.record(z.string(), z.string()).describe('Labels: name to value');
const severity = z.enum(SEVERITIES).describe('info, warning or critical');
const source = z.enum(ALERT_SOURCES).describe('Where the alert comes from');
const id = rowId('Id');
const byId = z.object({ id });
const ok = z.object({ ok: z.literal(true).describe('The operation succeeded') });
const when = z.string().max(40).describe('ISO-8601 time or epoch milliseconds');

const metricValue = z.object({
  name: z.string().describe('Metric name'),
  labels: labelsSchema,
  value: z.number().describe('Value'),
});
const probeStatus = z.object({
  name: z.string().describe('Probe'),
  ok: z.boolean().describe('Answered in time'),
  durationMs: z.number().describe('How long it took'),
  error: z.string().nullable().describe('Why it failed'),
  cached: z.boolean().describe('Not due this time: its last values were reused'),
});

export const currentMetricsSchema = z.object({
  at: isoTime().nullable().describe('When the values were collected (null before the first collection)'),
  intervalSeconds: z.number().describe('Seconds between collections'),
  values: z.array(metricValue).describe('One value per series'),
  probes: z.array(probeStatus).describe('How each probe fared'),
});
export type CurrentMetrics = z.infer<typeof currentMetricsSchema>;

export const metricDescriptionSchema = z.object({
  name: z.string().describe('Metric name'),
  help: z.string().describe('What it measures'),
  labels: z.array(z.string()).describe('Label names'),
});
export type MetricDescription = z.infer<typeof metricDescriptionSchema>;

export const metricHistorySchema = z.object({
  metric: z.string().describe('Metric name'),
  fromAt: isoTime().describe('Start'),
  toAt: isoTime().describe('End'),
  stepSeconds: z.number().describe('Seconds per point'),
  resolutionSeconds: z.number().describe('Source: 0 raw samples, 60 or 900 second averages'),
  series: z
    .array(
      z.object({
        labels: labelsSchema,
        points: z.array(z.tuple([z.number(), z.number()])).describe('[epoch ms, average value]'),
      }),
    )
    .describe('One entry per label set'),
});
export type MetricHistory = z.infer<typeof metricHistorySchema>;

export const scrapeTokenSchema = z.object({
  token: z.string().describe('Bearer token for /metrics; shown only now (only its hash is kept)'),
  createdAt: isoTime().describe('When it was made'),
});
export type ScrapeToken = z.infer<typeof scrapeTokenSchema>;

export const collectorSettingsSchema = z.object({
  intervalSeconds: z.number().describe('Seconds between collections (5-30)'),
  smartIntervalSeconds: z.number().describe('Seconds between SMART readings'),
  watchedServices: z.array(z.string()).describe('systemd units watched for the service-down alert'),
  scrapeTokenConfigured: z.boolean().describe('A Prometheus scrape token exists'),
  scrapeTokenCreatedAt: isoTime().nullable().describe('When it was made'),
});
export type CollectorSettings = z.infer<typeof collectorSettingsSchema>;

export const alertCountsSchema = z.object({
  info: z.number().describe('Open or acknowledged info alerts'),
  warning: z.number().describe('Open or acknowledged warnings'),
  critical: z.number().describe('Open or acknowledged critical alerts'),
});
export type AlertCounts = z.infer<typeof alertCountsSchema>;

export const alertSchema = z.object({
  id: z.number().describe('Alert id'),
  severity,
  state: z.enum(ALERT_STATES).describe('open, acknowledged, snoozed, resolved or dismissed'),
  source,
  title: z.string().describe('Short title'),
  message: z.string().describe('What happened and what to do'),
  labels: labelsSchema,
  ruleId: z.number().nullable().describe('The rule that raised it'),
  value: z.number().nullable().describe('The value that fired it (or last changed its severity)'),
  silenced: z.boolean().describe('Inside a maintenance window: no notifications'),
  openedAt: isoTime().describe('When it opened'),
  updatedAt: isoTime().describe('Last change'),
  acknowledgedAt: isoTime().nullable().describe('When it was acknowledged'),
  acknowledgedBy: z.string().nullable().describe('Who acknowledged or snoozed it'),
  snoozeEndsAt: isoTime().nullable().describe('When the snooze ends'),
  dismissedAt: isoTime().nullable().describe('When it was dismissed'),
  dismissedBy: z.string().nullable().describe('Who dismissed it'),
  resolvedAt: isoTime().nullable().describe('When its condition cleared'),
});
/** An alert as faces see it; times are ISO-8601 UTC. */
export type Alert = z.infer<typeof alertSchema>;

export const alertRuleSchema = z.object({
  id: z.number().describe('Rule id'),
  builtin: z.boolean().describe('Built-in rules can be tuned and disabled but not deleted'),
  name: z.string().describe('Rule name; the alert title starts with it'),
  kind: z.enum(['threshold', 'job-failed']).describe('threshold: watches a metric; job-failed: watches jobs'),
  source,
  metric: z.string().nullable().describe('Metric watched'),
  selector: labelsSchema.describe('Only series with these labels ("*" any value, "!x" not x)'),
  operator: z.enum(OPERATORS).describe('Comparison of value to threshold'),
  threshold: z.number().describe('Fires when value OPERATOR threshold'),
  criticalThreshold: z.number().nullable().describe('Past this (same operator) the alert is critical'),
  forSeconds: z.number().describe('The condition must hold this long before the alert opens'),
  severity,
  message: z.string().describe('Message template: {{label}}, {{value}}, {{threshold}}, {{value|bytes}}'),
  enabled: z.boolean().describe('Evaluated or not'),
});
export type AlertRule = z.infer<typeof alertRuleSchema>;

export const maintenanceWindowSchema = z.object({
  id: z.number().describe('Window id'),
  name: z.string().describe('Name'),
  description: z.string().describe('Why'),
  startsAt: isoTime().describe('Start'),
  endsAt: isoTime().describe('End'),
  selector: labelsSchema.describe('Only alerts with these labels (empty: all)'),
  sources: z.array(source).describe('Only alerts from these sources (empty: all)'),
  createdBy: z.string().describe('Who created it'),
  active: z.boolean().describe('In force now'),
});
/** A maintenance window as faces see it (the alert engine's own keeps epoch milliseconds). */
export type MaintenanceWindowView = z.infer<typeof maintenanceWindowSchema>;

const webhookIn = z.object({
  url: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .describe('Where alerts are POSTed as JSON'),
  timeoutMs: z.number().int().min(500).max(60_000).default(5000).describe('Give up on one attempt after this long'),
});
export type WebhookSettingsInput = z.infer<typeof webhookIn>;
const emailIn = z.object({
  host: z.string().min(1).max(253).describe('SMTP server'),
  port: z.number().int().min(1).max(65535).default(587).describe('SMTP port'),
  secure: z.boolean().default(false).describe('TLS from the start (port 465); otherwise STARTTLS when offered'),
  requireTls: z.boolean().default(false).describe('Refuse to send without encryption'),
  username: z.string().max(200).nullable().default(null).describe('SMTP login (none: no authentication)'),
  from: plainText().min(3).max(254).describe('Sender address'),
  to: z.array(z.email().max(254)).min(1).max(50).describe('Recipients'),
  timeoutMs: z.number().int().min(500).max(60_000).default(10_000).describe('Connection and reply timeout'),
});
export type EmailSettingsInput = z.infer<typeof emailIn>;

/** An SNMP trap channel: where traps go and who they say sent them. The secrets travel in `secret` and `privSecret`. */
const snmpTrapIn = z.object({
  manager: z
    .string()
    .min(1)
    .max(253)
    .regex(
      /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|[0-9A-Fa-f:.]+)$/,
      'a host name or an IP address',
    )
    .describe('The SNMP manager that receives the traps (host name or IP address)'),
  port: z.number().int().min(1).max(65535).default(162).describe('Its UDP port'),
  version: z.enum(['2c', '3']).default('2c').describe('2c: community (in secret); 3: a user with authPriv (passphrases in secret and privSecret)'),
  user: z
    .string()
    .min(1)
    .max(32)
    .regex(/^[A-Za-z0-9_.@][A-Za-z0-9_.@-]*$/, 'letters, digits, dots, @, dashes and underscores, not starting with a dash')
    .nullable()
    .default(null)
    .describe('SNMPv3 user (version 3)'),
  authProtocol: z.enum(['SHA', 'SHA-256']).default('SHA-256').describe('SNMPv3 authentication protocol'),
  privProtocol: z.literal('AES').default('AES').describe('SNMPv3 privacy protocol (AES-128)'),
  engineId: z
    .string()
    .max(66)
    .regex(/^0x[0-9A-Fa-f]{10,64}$/, '0x and 10 to 64 hex digits')
    .nullable()
    .default(null)
    .describe('SNMPv3 engine ID the traps are sent with (the manager keys the user to it); null: Calypso makes one'),
});
export type SnmpTrapSettingsInput = z.infer<typeof snmpTrapIn>;

export const notificationChannelSchema = z.object({
  id: z.number().describe('Channel id'),
  name: z.string().describe('Name'),
  type: z.enum(['webhook', 'email', 'snmp']).describe('Kind of channel'),
  enabled: z.boolean().describe('Sends or not'),
  severities: z.array(severity).describe('Alert severities routed to it'),
  notifyResolved: z.boolean().describe('Also send when an alert resolves'),
  webhook: webhookIn
    .extend({ timeoutMs: z.number().describe('Timeout per attempt') })
    .nullable()
    .describe('Webhook settings'),
  email: emailIn
    .extend({
      port: z.number().describe('Port'),
      secure: z.boolean().describe('Implicit TLS'),
      requireTls: z.boolean().describe('Encryption required'),
      username: z.string().nullable().describe('SMTP login'),
      timeoutMs: z.number().describe('Timeout'),
    })
    .nullable()
    .describe('Email settings'),
  snmp: snmpTrapIn
    .extend({
      port: z.number().describe('UDP port'),
      version: z.enum(['2c', '3']).describe('SNMP version'),
      user: z.string().nullable().describe('SNMPv3 user'),
      authProtocol: z.enum(['SHA', 'SHA-256']).describe('SNMPv3 authentication protocol'),
      privProtocol: z.literal('AES').describe('SNMPv3 privacy protocol'),
      engineId: z.string().nullable().describe('SNMPv3 engine ID of the sender'),
    })
    .nullable()
    .describe('SNMP trap settings'),
  hasSecret: z.boolean().describe('A password, Authorization header, community or passphrase is stored (never shown)'),
});
export type NotificationChannel = z.infer<typeof notificationChannelSchema>;

export const notificationDeliverySchema = z.object({
  id: z.number().describe('Delivery id'),
  channelId: z.number().describe('Channel'),
  alertId: z.number().nullable().describe('Alert (none for a test)'),
  event: z.string().describe('firing, resolved or test'),
  at: isoTime().describe('When it ended'),
  status: z.enum(['sent', 'failed']).describe('Outcome'),
  attempts: z.number().describe('Attempts made'),
  error: z.string().nullable().describe('Last error'),
});
export type NotificationDelivery = z.infer<typeof notificationDeliverySchema>;

/** A query list: "a,b" or repeated parameters. */
const csv = (what: string) =>
  z
    .union([z.string().max(300), z.array(z.string().max(50)).max(20)])
    .optional()
    .describe(`${what}; several separated by commas`);

const metricName = z
  .string()
  .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'a Prometheus metric name')
  .max(200);
const selectorIn = z
  .record(
    z
      .string()
      .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/)
      .max(100),
    z.string().max(200),
  )
  .refine((s) => Object.keys(s).length <= 20, 'at most 20 labels');
const template = z.string().min(1).max(2000).regex(PLAIN_LINES, PLAIN_LINES_MESSAGE);

const ruleFields = {
  name: plainText().min(1).max(200).describe('Rule name'),
  metric: metricName.describe('Metric to watch (GET /metrics/catalogue lists them)'),
  selector: selectorIn.default({}).describe('Only series with these labels ("*" any value, "!x" not x)'),
  operator: z.enum(OPERATORS).describe('Comparison of value to threshold'),
  threshold: z.number().describe('Fires when value OPERATOR threshold'),
  criticalThreshold: z.number().nullable().default(null).describe('Past this (same operator) the alert becomes critical'),
  forSeconds: z.number().int().min(0).max(86_400).default(0).describe('The condition must hold this long first'),
  severity: severity.default('warning'),
  message: template.optional().describe('Message template: {{label}}, {{value}}, {{threshold}}, {{metric}}; default names the metric and value'),
  enabled: z.boolean().default(true).describe('Evaluate it'),
};

const windowFields = {
  name: plainText().min(1).max(200).describe('Name'),
  description: plainText().max(1000).default('').describe('Why'),
  startsAt: when.describe('Start: ISO-8601 time or epoch milliseconds'),
  endsAt: when.describe('End: ISO-8601 time or epoch milliseconds'),
  selector: selectorIn.default({}).describe('Only alerts with these labels (empty: all)'),
  sources: z.array(source).max(10).default([]).describe('Only alerts from these sources (empty: all)'),
};

const channelFields = {
  name: plainText().min(1).max(100).describe('Name'),
  enabled: z.boolean().default(true).describe('Send or not'),
  severities: z.array(severity).min(1).default(['warning', 'critical']).describe('Alert severities routed to this channel'),
  notifyResolved: z.boolean().default(true).describe('Also send when an alert resolves'),
  webhook: webhookIn.optional().describe('Webhook settings (for a webhook channel)'),
  email: emailIn.optional().describe('SMTP settings (for an email channel)'),
  snmp: snmpTrapIn.optional().describe('SNMP trap settings (for an SNMP trap channel)'),
  secret: z
    .string()
    .max(2000)
    .regex(/^[^\r\n\0]*$/, 'one line')
    .nullable()
    .optional()
    .describe(
      'Webhook: the Authorization header value (e.g. "Bearer ..."). Email: the SMTP password. SNMP: the v2c community or the v3 authentication passphrase. Write-only; null removes it',
    ),
  privSecret: z
    .string()
    .max(64)
    .regex(/^[^\r\n\0]*$/, 'one line')
    .optional()
    .describe('SNMPv3 channel: the privacy passphrase. Write-only'),
};

export const monitoringContracts = contractSet([
  defineContract({
    name: 'metrics.current',
    summary: 'Current metric values',
    permission: 'metrics.read',
    mutating: false,
    input: z.object({
      metric: z.string().max(200).optional().describe('Only metrics whose name starts with this'),
      match: z.string().max(500).optional().describe('Only series with these labels: name=value,name=value'),
    }),
    output: currentMetricsSchema,
    http: { method: 'GET', path: '/metrics' },
  }),
  defineContract({
    name: 'metrics.catalogue',
    summary: 'Metric names the collector produces',
    permission: 'metrics.read',
    mutating: false,
    input: noInput,
    output: listOf(metricDescriptionSchema),
    http: { method: 'GET', path: '/metrics/catalogue' },
  }),
  defineContract({
    name: 'metrics.history',
    summary: 'History of one metric',
    permission: 'metrics.read',
    mutating: false,
    description: 'The last hour comes from memory at full resolution; older ranges from 1-minute (2 days) or 15-minute (90 days) averages.',
    input: z.object({
      metric: metricName.describe('Metric name'),
      match: z.string().max(500).optional().describe('Only series with these labels: name=value,name=value'),
      from: when.optional().describe('Start (default: an hour ago)'),
      to: when.optional().describe('End (default: now)'),
      step: z.coerce.number().int().min(1).max(86_400).optional().describe('Seconds per point (default: about 500 points)'),
    }),
    output: metricHistorySchema,
    http: { method: 'GET', path: '/metrics/history' },
  }),
  defineContract({
    name: 'metrics.scrapeToken.create',
    summary: 'Make a new Prometheus scrape token (replaces the old one)',
    permission: 'monitoring.write',
    mutating: true,
    input: noInput,
    output: scrapeTokenSchema,
    http: { method: 'POST', path: '/metrics/scrape-token' },
  }),
  defineContract({
    name: 'metrics.scrapeToken.delete',
    summary: 'Revoke the Prometheus scrape token',
    permission: 'monitoring.write',
    mutating: true,
    input: noInput,
    output: ok,
    http: { method: 'DELETE', path: '/metrics/scrape-token' },
  }),
  defineContract({
    name: 'monitoring.settings.get',
    summary: 'Collector settings',
    permission: 'metrics.read',
    mutating: false,
    input: noInput,
    output: collectorSettingsSchema,
    http: { method: 'GET', path: '/monitoring/settings' },
  }),
  defineContract({
    name: 'monitoring.settings.update',
    summary: 'Change collector settings',
    permission: 'monitoring.write',
    mutating: true,
    input: z.object({
      intervalSeconds: z.number().int().min(5).max(30).optional().describe('Seconds between collections (5-30)'),
      smartIntervalSeconds: z.number().int().min(60).max(86_400).optional().describe('Seconds between SMART readings'),
      watchedServices: z
        .array(
          z
            .string()
            .max(100)
            .regex(/^[A-Za-z0-9@._:-]{1,100}$/, 'a systemd unit name'),
        )
        .max(50)
        .optional()
        .describe('systemd units watched for the service-down alert'),
    }),
    output: collectorSettingsSchema,
    http: { method: 'PATCH', path: '/monitoring/settings' },
  }),

  defineContract({
    name: 'alerts.summary',
    summary: 'Counts of alerts needing attention, per severity',
    permission: 'alerts.read',
    mutating: false,
    input: noInput,
    output: alertCountsSchema,
    http: { method: 'GET', path: '/alerts/summary' },
  }),
  defineContract({
    name: 'alerts.list',
    summary: 'Alerts, newest first',
    permission: 'alerts.read',
    mutating: false,
    input: z.object({
      ...listShape,
      severity: csv('Only these severities (info, warning, critical)'),
      state: csv('Only these states (open, acknowledged, snoozed, resolved, dismissed)'),
      source: csv(`Only these sources (${ALERT_SOURCES.join(', ')})`),
      ruleId: rowId('Only alerts of this rule').optional(),
      active: z.enum(['true', 'false']).optional().describe('true: not yet resolved; false: resolved'),
      from: when.optional().describe('Opened at or after'),
      to: when.optional().describe('Opened at or before'),
    }),
    output: listOf(alertSchema),
    http: { method: 'GET', path: '/alerts' },
  }),

  defineContract({
    name: 'alerts.rules.list',
    summary: 'Alert rules, built-in and user-defined',
    permission: 'alerts.read',
    mutating: false,
    input: noInput,
    output: listOf(alertRuleSchema),
    http: { method: 'GET', path: '/alerts/rules' },
  }),
  defineContract({
    name: 'alerts.rules.get',
    summary: 'Show an alert rule',
    permission: 'alerts.read',
    mutating: false,
    input: byId,
    output: alertRuleSchema,
    http: { method: 'GET', path: '/alerts/rules/:id' },
  }),
  defineContract({
    name: 'alerts.rules.create',
    summary: 'Create a threshold rule on a metric',
    permission: 'monitoring.write',
    mutating: true,
    input: z.object(ruleFields),
    output: alertRuleSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/alerts/rules' },
  }),
  defineContract({
    name: 'alerts.rules.update',
    summary: 'Change an alert rule (built-in: threshold, duration, severity, message, enabled)',
    permission: 'monitoring.write',
    mutating: true,
    input: z.object({
      id,
      name: ruleFields.name.optional(),
      metric: ruleFields.metric.optional(),
      selector: selectorIn.optional().describe('Only series with these labels'),
      operator: ruleFields.operator.optional(),
      threshold: ruleFields.threshold.optional(),
      criticalThreshold: z.number().nullable().optional().describe('Past this the alert becomes critical; null: never'),
      forSeconds: z.number().int().min(0).max(86_400).optional().describe('The condition must hold this long first'),
      severity: severity.optional(),
      message: template.optional().describe('Message template'),
      enabled: z.boolean().optional().describe('Evaluate it'),
    }),
    output: alertRuleSchema,
    target: (i) => `rule ${i.id}`,
    http: { method: 'PATCH', path: '/alerts/rules/:id' },
  }),
  defineContract({
    name: 'alerts.rules.delete',
    summary: 'Delete a user-defined alert rule (its open alerts resolve)',
    permission: 'monitoring.write',
    mutating: true,
    input: byId,
    output: ok,
    target: (i) => `rule ${i.id}`,
    http: { method: 'DELETE', path: '/alerts/rules/:id' },
  }),

  defineContract({
    name: 'alerts.maintenance.list',
    summary: 'Maintenance windows',
    permission: 'alerts.read',
    mutating: false,
    input: z.object({ ...listShape, current: z.enum(['true', 'false']).optional().describe('true: only windows not yet over') }),
    output: listOf(maintenanceWindowSchema),
    http: { method: 'GET', path: '/alerts/maintenance' },
  }),
  defineContract({
    name: 'alerts.maintenance.create',
    summary: 'Schedule a maintenance window (alerts inside it are silenced)',
    permission: 'monitoring.write',
    mutating: true,
    input: z.object(windowFields),
    output: maintenanceWindowSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/alerts/maintenance' },
  }),
  defineContract({
    name: 'alerts.maintenance.update',
    summary: 'Change a maintenance window (e.g. end it now)',
    permission: 'monitoring.write',
    mutating: true,
    input: z.object({
      id,
      name: windowFields.name.optional(),
      description: plainText().max(1000).optional().describe('Why'),
      startsAt: when.optional().describe('Start'),
      endsAt: when.optional().describe('End'),
      selector: selectorIn.optional().describe('Only alerts with these labels'),
      sources: z.array(source).max(10).optional().describe('Only alerts from these sources'),
    }),
    output: maintenanceWindowSchema,
    target: (i) => `window ${i.id}`,
    http: { method: 'PATCH', path: '/alerts/maintenance/:id' },
  }),
  defineContract({
    name: 'alerts.maintenance.delete',
    summary: 'Delete a maintenance window',
    permission: 'monitoring.write',
    mutating: true,
    input: byId,
    output: ok,
    target: (i) => `window ${i.id}`,
    http: { method: 'DELETE', path: '/alerts/maintenance/:id' },
  }),

  defineContract({
    name: 'alerts.channels.list',
    summary: 'Notification channels',
    permission: 'alerts.read',
    mutating: false,
    input: noInput,
    output: listOf(notificationChannelSchema),
    http: { method: 'GET', path: '/alerts/channels' },
  }),
  defineContract({
    name: 'alerts.channels.create',
    summary: 'Add a notification channel (webhook, email or SNMP trap)',
    permission: 'monitoring.write',
    mutating: true,
    input: z.object(channelFields),
    output: notificationChannelSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/alerts/channels' },
  }),
  defineContract({
    name: 'alerts.channels.update',
    summary: 'Change a notification channel',
    permission: 'monitoring.write',
    mutating: true,
    input: z.object({
      id,
      name: channelFields.name.optional(),
      enabled: z.boolean().optional().describe('Send or not'),
      severities: z.array(severity).min(1).optional().describe('Alert severities routed to this channel'),
      notifyResolved: z.boolean().optional().describe('Also send when an alert resolves'),
      webhook: webhookIn.optional().describe('Replace the webhook settings'),
      email: emailIn.optional().describe('Replace the SMTP settings'),
      snmp: snmpTrapIn.optional().describe('Replace the SNMP trap settings'),
      secret: channelFields.secret,
      privSecret: channelFields.privSecret,
    }),
    output: notificationChannelSchema,
    target: (i) => `channel ${i.id}`,
    http: { method: 'PATCH', path: '/alerts/channels/:id' },
  }),
  defineContract({
    name: 'alerts.channels.delete',
    summary: 'Delete a notification channel',
    permission: 'monitoring.write',
    mutating: true,
    input: byId,
    output: ok,
    target: (i) => `channel ${i.id}`,
    http: { method: 'DELETE', path: '/alerts/channels/:id' },
  }),
  defineContract({
    name: 'alerts.channels.test',
    summary: 'Send a test notification through a channel now',
    permission: 'monitoring.write',
    mutating: true,
    input: byId,
    output: notificationDeliverySchema,
    target: (i) => `channel ${i.id}`,
    http: { method: 'POST', path: '/alerts/channels/:id/test' },
  }),
  defineContract({
    name: 'alerts.deliveries.list',
    summary: 'Notification delivery log, newest first',
    permission: 'alerts.read',
    mutating: false,
    input: z.object({
      ...listShape,
      channelId: rowId('Only this channel').optional(),
      alertId: rowId('Only this alert').optional(),
    }),
    output: listOf(notificationDeliverySchema),
    http: { method: 'GET', path: '/alerts/deliveries' },
  }),

  // Registered last: /alerts/:id would otherwise take /alerts/rules and the other fixed paths.
  defineContract({
    name: 'alerts.get',
    summary: 'Show an alert',
    permission: 'alerts.read',
    mutating: false,
    input: byId,
    output: alertSchema,
    http: { method: 'GET', path: '/alerts/:id' },
  }),
  defineContract({
    name: 'alerts.acknowledge',
    summary: 'Acknowledge an alert (someone is on it)',
    permission: 'alerts.ack',
    mutating: true,
    input: byId,
    output: alertSchema,
    target: (i) => `alert ${i.id}`,
    http: { method: 'POST', path: '/alerts/:id/acknowledge' },
  }),
  defineContract({
    name: 'alerts.dismiss',
    summary: 'Dismiss an alert (it stays closed while its condition lasts)',
    permission: 'alerts.ack',
    mutating: true,
    input: byId,
    output: alertSchema,
    target: (i) => `alert ${i.id}`,
    http: { method: 'POST', path: '/alerts/:id/dismiss' },
  }),
  defineContract({
    name: 'alerts.snooze',
    summary: 'Snooze an alert until a given time',
    permission: 'alerts.ack',
    mutating: true,
    input: z.object({ id, until: when.describe('Until when: ISO-8601 time or epoch milliseconds (at most 30 days ahead)') }),
    output: alertSchema,
    target: (i) => `alert ${i.id}`,
    http: { method: 'POST', path: '/alerts/:id/snooze' },
  }),
]);
