/** Monitoring and alerting (SRS-09): metrics, history, alerts, rules, maintenance windows, notifications. */
import { z } from 'zod';
import { PLAIN_LINES, PLAIN_LINES_MESSAGE, plainText } from '../../contracts/text.js';
import type { Ctx } from '../core/context.js';
import { Conflict, NotFound, ValidationError } from '../core/errors.js';
import { redactUrl } from '../core/redact.js';
import { listOf, listShape, noInput, rowId } from '../../contracts/list.js';
import { defineOperation, definePermissions, type Registry } from '../core/registry.js';
import { isoTime } from '../../contracts/time.js';
import { ALERT_STATES, toRule, toWindow, type Alert } from './alerts.js';
import { METRICS, matches, parseSelector, type Labels } from './metrics.js';
import { toChannel, type ChannelConfig } from './notify.js';
import { ALERT_SOURCES, OPERATORS, SEVERITIES, type Rule } from './rules.js';
import type { Monitoring } from './service.js';

export const monitoringPermissions = definePermissions([
  { name: 'metrics.read', description: 'See current metrics and their history; scrape /metrics', level: 'read' },
  { name: 'alerts.read', description: 'See alerts, alert rules, maintenance windows and notification channels', level: 'read' },
  { name: 'alerts.ack', description: 'Acknowledge, dismiss and snooze alerts', level: 'operate' },
  { name: 'monitoring.write', description: 'Change alert rules, maintenance windows, notification channels, collector settings and the scrape token', level: 'admin' },
]);

const labelsSchema = z.record(z.string(), z.string()).describe('Labels: name to value');
const severity = z.enum(SEVERITIES).describe('info, warning or critical');
const source = z.enum(ALERT_SOURCES).describe('Where the alert comes from');
const id = rowId('Id');
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

const alertSchema = z.object({
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

const ruleSchema = z.object({
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

const windowSchema = z.object({
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

const webhookIn = z.object({
  url: z.url({ protocol: /^https?$/ }).max(2000).describe('Where alerts are POSTed as JSON'),
  timeoutMs: z.number().int().min(500).max(60_000).default(5000).describe('Give up on one attempt after this long'),
});
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
const channelSchema = z.object({
  id: z.number().describe('Channel id'),
  name: z.string().describe('Name'),
  type: z.enum(['webhook', 'email']).describe('Kind of channel'),
  enabled: z.boolean().describe('Sends or not'),
  severities: z.array(severity).describe('Alert severities routed to it'),
  notifyResolved: z.boolean().describe('Also send when an alert resolves'),
  webhook: webhookIn.extend({ timeoutMs: z.number().describe('Timeout per attempt') }).nullable().describe('Webhook settings'),
  email: emailIn.extend({ port: z.number().describe('Port'), secure: z.boolean().describe('Implicit TLS'), requireTls: z.boolean().describe('Encryption required'), username: z.string().nullable().describe('SMTP login'), timeoutMs: z.number().describe('Timeout') }).nullable().describe('Email settings'),
  hasSecret: z.boolean().describe('A password or Authorization header is stored (never shown)'),
});
const deliverySchema = z.object({
  id: z.number().describe('Delivery id'),
  channelId: z.number().describe('Channel'),
  alertId: z.number().nullable().describe('Alert (none for a test)'),
  event: z.string().describe('firing, resolved or test'),
  at: isoTime().describe('When it ended'),
  status: z.enum(['sent', 'failed']).describe('Outcome'),
  attempts: z.number().describe('Attempts made'),
  error: z.string().nullable().describe('Last error'),
});
const settingsSchema = z.object({
  intervalSeconds: z.number().describe('Seconds between collections (5-30)'),
  smartIntervalSeconds: z.number().describe('Seconds between SMART readings'),
  watchedServices: z.array(z.string()).describe('systemd units watched for the service-down alert'),
  scrapeTokenConfigured: z.boolean().describe('A Prometheus scrape token exists'),
  scrapeTokenCreatedAt: isoTime().nullable().describe('When it was made'),
});

function parseTime(text: string | undefined, path: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) throw new ValidationError(`${path} is not a time`, [{ path, message: 'ISO-8601 time or epoch milliseconds' }]);
  return ms;
}

/** A query list: "a,b" or repeated parameters. */
const csv = (what: string) => z.union([z.string().max(300), z.array(z.string().max(50)).max(20)]).optional().describe(`${what}; several separated by commas`);
function parseCsv<T extends string>(value: string | string[] | undefined, allowed: readonly T[], path: string): T[] | undefined {
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : value.split(',')).map((s) => s.trim()).filter(Boolean);
  const bad = items.filter((i) => !allowed.includes(i as T));
  if (bad.length) throw new ValidationError(`unknown ${path} ${bad.join(', ')}`, [{ path, message: `one of ${allowed.join(', ')}` }]);
  return items as T[];
}

function selectorOf(text: string | undefined, path: string): Labels {
  try {
    return parseSelector(text);
  } catch (err) {
    throw new ValidationError((err as Error).message, [{ path, message: 'name=value pairs separated by commas' }]);
  }
}

const actorName = (ctx: Ctx): string => ctx.actor?.username ?? 'system';

/** The stored webhook URL when `url` is its redacted form (as answers show it), else `url`. */
function keepHiddenUrl(url: string, row: Record<string, unknown>): string {
  const stored = toChannel(row).config;
  if (stored.type !== 'webhook' || stored.webhook.url === url) return url;
  return redactUrl(stored.webhook.url) === url ? stored.webhook.url : url;
}

function ruleOut(r: Rule): z.infer<typeof ruleSchema> {
  const { builtinKey, ...rest } = r;
  return { ...rest, builtin: builtinKey !== null };
}

function windowOut(w: ReturnType<typeof toWindow>, now: number): z.infer<typeof windowSchema> {
  return { ...w, startsAt: new Date(w.startsAt).toISOString(), endsAt: new Date(w.endsAt).toISOString(), active: w.startsAt <= now && now < w.endsAt };
}

function channelOut(row: Record<string, unknown>): z.infer<typeof channelSchema> {
  const c = toChannel(row);
  return {
    id: c.id, name: c.name, type: c.config.type, enabled: c.enabled, severities: c.severities, notifyResolved: c.notifyResolved, hasSecret: c.hasSecret,
    // A password or token in the URL is hidden from every reader (the stored URL keeps it).
    webhook: c.config.type === 'webhook' ? { ...c.config.webhook, url: redactUrl(c.config.webhook.url) } : null, email: c.config.type === 'email' ? c.config.email : null,
  };
}

const metricName = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'a Prometheus metric name').max(200);
const selectorIn = z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/).max(100), z.string().max(200)).refine((s) => Object.keys(s).length <= 20, 'at most 20 labels');
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
  secret: z.string().max(2000).regex(/^[^\r\n\0]*$/, 'one line').nullable().optional().describe('Webhook: the Authorization header value (e.g. "Bearer ..."). Email: the SMTP password. Write-only; null removes it'),
};

async function requireRule(ctx: Ctx, ruleId: number): Promise<Rule> {
  const row = await ctx.db('alert_rules').where({ id: ruleId }).first();
  if (!row) throw new NotFound(`alert rule ${ruleId} does not exist`);
  return toRule(row);
}

export function registerMonitoring(registry: Registry, monitoring: Monitoring): void {
  registry.addPermissions(monitoringPermissions);
  const ready = async () => monitoring.init();

  registry.add(defineOperation({
    name: 'metrics.current', summary: 'Current metric values', permission: 'metrics.read', mutating: false,
    input: z.object({
      metric: z.string().max(200).optional().describe('Only metrics whose name starts with this'),
      match: z.string().max(500).optional().describe('Only series with these labels: name=value,name=value'),
    }),
    output: z.object({
      at: isoTime().nullable().describe('When the values were collected (null before the first collection)'),
      intervalSeconds: z.number().describe('Seconds between collections'),
      values: z.array(metricValue).describe('One value per series'),
      probes: z.array(probeStatus).describe('How each probe fared'),
    }),
    http: { method: 'GET', path: '/metrics' },
    handler: async (_ctx, i) => {
      await ready();
      const last = monitoring.lastCollection();
      const selector = selectorOf(i.match, 'match');
      const values = (last?.sample.values ?? []).filter((v) => (!i.metric || v.name.startsWith(i.metric)) && matches(selector, v.labels));
      return { at: last?.sample.at ?? null, intervalSeconds: monitoring.settings().intervalSeconds, values, probes: last?.probes ?? [] };
    },
  }));
  registry.add(defineOperation({
    name: 'metrics.catalogue', summary: 'Metric names the collector produces', permission: 'metrics.read', mutating: false,
    input: noInput,
    output: listOf(z.object({ name: z.string().describe('Metric name'), help: z.string().describe('What it measures'), labels: z.array(z.string()).describe('Label names') })),
    http: { method: 'GET', path: '/metrics/catalogue' },
    handler: async () => {
      const items = Object.entries(METRICS).map(([name, m]) => ({ name, help: m.help, labels: m.labels }));
      return { items, total: items.length };
    },
  }));
  registry.add(defineOperation({
    name: 'metrics.history', summary: 'History of one metric', permission: 'metrics.read', mutating: false,
    description: 'The last hour comes from memory at full resolution; older ranges from 1-minute (2 days) or 15-minute (90 days) averages.',
    input: z.object({
      metric: metricName.describe('Metric name'),
      match: z.string().max(500).optional().describe('Only series with these labels: name=value,name=value'),
      from: when.optional().describe('Start (default: an hour ago)'),
      to: when.optional().describe('End (default: now)'),
      step: z.coerce.number().int().min(1).max(86_400).optional().describe('Seconds per point (default: about 500 points)'),
    }),
    output: z.object({
      metric: z.string().describe('Metric name'),
      fromAt: isoTime().describe('Start'),
      toAt: isoTime().describe('End'),
      stepSeconds: z.number().describe('Seconds per point'),
      resolutionSeconds: z.number().describe('Source: 0 raw samples, 60 or 900 second averages'),
      series: z.array(z.object({
        labels: labelsSchema,
        points: z.array(z.tuple([z.number(), z.number()])).describe('[epoch ms, average value]'),
      })).describe('One entry per label set'),
    }),
    http: { method: 'GET', path: '/metrics/history' },
    handler: async (_ctx, i) => {
      await ready();
      const now = monitoring.now();
      const to = parseTime(i.to, 'to') ?? now;
      const from = parseTime(i.from, 'from') ?? to - 3600_000;
      const h = await monitoring.store.history({ metric: i.metric, selector: selectorOf(i.match, 'match'), from, to, stepSeconds: i.step, now });
      const { from: start, to: end, ...rest } = h;
      return { ...rest, fromAt: new Date(start).toISOString(), toAt: new Date(end).toISOString() };
    },
  }));
  registry.add(defineOperation({
    name: 'metrics.scrapeToken.create', summary: 'Make a new Prometheus scrape token (replaces the old one)', permission: 'monitoring.write', mutating: true,
    input: noInput,
    output: z.object({
      token: z.string().describe('Bearer token for /metrics; shown only now (only its hash is kept)'),
      createdAt: isoTime().describe('When it was made'),
    }),
    http: { method: 'POST', path: '/metrics/scrape-token' },
    handler: () => monitoring.createScrapeToken(),
  }));
  registry.add(defineOperation({
    name: 'metrics.scrapeToken.delete', summary: 'Revoke the Prometheus scrape token', permission: 'monitoring.write', mutating: true,
    input: noInput, output: ok,
    http: { method: 'DELETE', path: '/metrics/scrape-token' },
    handler: async () => {
      if (!(await monitoring.deleteScrapeToken())) throw new NotFound('there is no scrape token');
      return { ok: true as const };
    },
  }));
  const settingsOut = () => ({ ...monitoring.settings(), scrapeTokenConfigured: monitoring.scrapeTokenInfo().configured, scrapeTokenCreatedAt: monitoring.scrapeTokenInfo().createdAt });
  registry.add(defineOperation({
    name: 'monitoring.settings.get', summary: 'Collector settings', permission: 'metrics.read', mutating: false,
    input: noInput, output: settingsSchema,
    http: { method: 'GET', path: '/monitoring/settings' },
    handler: async () => {
      await ready();
      return settingsOut();
    },
  }));
  registry.add(defineOperation({
    name: 'monitoring.settings.update', summary: 'Change collector settings', permission: 'monitoring.write', mutating: true,
    input: z.object({
      intervalSeconds: z.number().int().min(5).max(30).optional().describe('Seconds between collections (5-30)'),
      smartIntervalSeconds: z.number().int().min(60).max(86_400).optional().describe('Seconds between SMART readings'),
      watchedServices: z.array(z.string().max(100).regex(/^[A-Za-z0-9@._:-]{1,100}$/, 'a systemd unit name')).max(50).optional().describe('systemd units watched for the service-down alert'),
    }),
    output: settingsSchema,
    http: { method: 'PATCH', path: '/monitoring/settings' },
    handler: async (_ctx, i) => {
      await monitoring.updateSettings(Object.fromEntries(Object.entries(i).filter(([, v]) => v !== undefined)));
      return settingsOut();
    },
  }));

  registry.add(defineOperation({
    name: 'alerts.summary', summary: 'Counts of alerts needing attention, per severity', permission: 'alerts.read', mutating: false,
    input: noInput,
    output: z.object({
      info: z.number().describe('Open or acknowledged info alerts'),
      warning: z.number().describe('Open or acknowledged warnings'),
      critical: z.number().describe('Open or acknowledged critical alerts'),
    }),
    http: { method: 'GET', path: '/alerts/summary' },
    handler: async () => {
      await ready();
      return monitoring.alerts.activeCounts();
    },
  }));
  registry.add(defineOperation({
    name: 'alerts.list', summary: 'Alerts, newest first', permission: 'alerts.read', mutating: false,
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
    handler: async (_ctx, i) => {
      await ready();
      return monitoring.alerts.list({
        severity: parseCsv(i.severity, SEVERITIES, 'severity'), state: parseCsv(i.state, ALERT_STATES, 'state'), source: parseCsv(i.source, ALERT_SOURCES, 'source'),
        ruleId: i.ruleId, active: i.active === undefined ? undefined : i.active === 'true',
        from: parseTime(i.from, 'from'), to: parseTime(i.to, 'to'), limit: i.limit, offset: i.offset,
      });
    },
  }));

  registry.add(defineOperation({
    name: 'alerts.rules.list', summary: 'Alert rules, built-in and user-defined', permission: 'alerts.read', mutating: false,
    input: noInput, output: listOf(ruleSchema),
    http: { method: 'GET', path: '/alerts/rules' },
    handler: async () => {
      await ready();
      const items = monitoring.alerts.ruleList().map(ruleOut);
      return { items, total: items.length };
    },
  }));
  registry.add(defineOperation({
    name: 'alerts.rules.get', summary: 'Show an alert rule', permission: 'alerts.read', mutating: false,
    input: z.object({ id }), output: ruleSchema,
    http: { method: 'GET', path: '/alerts/rules/:id' },
    handler: async (ctx, i) => ruleOut(await requireRule(ctx, i.id)),
  }));
  registry.add(defineOperation({
    name: 'alerts.rules.create', summary: 'Create a threshold rule on a metric', permission: 'monitoring.write', mutating: true,
    input: z.object(ruleFields), output: ruleSchema, target: (i) => i.name,
    http: { method: 'POST', path: '/alerts/rules' },
    handler: async (ctx, i) => {
      await ready();
      const now = monitoring.now();
      const [row] = await ctx.db('alert_rules').insert({
        builtin_key: null, name: i.name, kind: 'threshold', source: 'rule', metric: i.metric, selector: JSON.stringify(i.selector),
        operator: i.operator, threshold: i.threshold, critical_threshold: i.criticalThreshold, for_seconds: i.forSeconds, severity: i.severity,
        message: i.message ?? `{{metric}} is {{value}} (${i.operator} {{threshold}})`, enabled: i.enabled, created_at: now, updated_at: now,
      }).returning('id');
      await monitoring.alerts.rulesChanged();
      return ruleOut(await requireRule(ctx, Number(typeof row === 'object' ? row.id : row)));
    },
  }));
  registry.add(defineOperation({
    name: 'alerts.rules.update', summary: 'Change an alert rule (built-in: threshold, duration, severity, message, enabled)', permission: 'monitoring.write', mutating: true,
    input: z.object({
      id,
      name: ruleFields.name.optional(), metric: ruleFields.metric.optional(), selector: selectorIn.optional().describe('Only series with these labels'),
      operator: ruleFields.operator.optional(), threshold: ruleFields.threshold.optional(),
      criticalThreshold: z.number().nullable().optional().describe('Past this the alert becomes critical; null: never'),
      forSeconds: z.number().int().min(0).max(86_400).optional().describe('The condition must hold this long first'),
      severity: severity.optional(), message: template.optional().describe('Message template'), enabled: z.boolean().optional().describe('Evaluate it'),
    }),
    output: ruleSchema, target: (i) => `rule ${i.id}`,
    http: { method: 'PATCH', path: '/alerts/rules/:id' },
    handler: async (ctx, i) => {
      await ready();
      const rule = await requireRule(ctx, i.id);
      if (rule.builtinKey !== null) {
        const fixed = (['name', 'metric', 'selector', 'operator'] as const).filter((k) => i[k] !== undefined);
        if (fixed.length) throw new ValidationError(`a built-in rule's ${fixed.join(', ')} cannot change: disable it and create your own`, fixed.map((path) => ({ path, message: 'fixed on a built-in rule' })));
      }
      const patch: Record<string, unknown> = { updated_at: monitoring.now() };
      if (i.name !== undefined) patch.name = i.name;
      if (i.metric !== undefined) patch.metric = i.metric;
      if (i.selector !== undefined) patch.selector = JSON.stringify(i.selector);
      if (i.operator !== undefined) patch.operator = i.operator;
      if (i.threshold !== undefined) patch.threshold = i.threshold;
      if (i.criticalThreshold !== undefined) patch.critical_threshold = i.criticalThreshold;
      if (i.forSeconds !== undefined) patch.for_seconds = i.forSeconds;
      if (i.severity !== undefined) patch.severity = i.severity;
      if (i.message !== undefined) patch.message = i.message;
      if (i.enabled !== undefined) patch.enabled = i.enabled;
      await ctx.db('alert_rules').where({ id: i.id }).update(patch);
      // A rule whose condition changed starts over: its alerts resolve and re-fire under the new terms.
      const redefined = [i.metric, i.selector, i.operator, i.threshold].some((v) => v !== undefined);
      await monitoring.alerts.rulesChanged(redefined ? [i.id] : []);
      return ruleOut(await requireRule(ctx, i.id));
    },
  }));
  registry.add(defineOperation({
    name: 'alerts.rules.delete', summary: 'Delete a user-defined alert rule (its open alerts resolve)', permission: 'monitoring.write', mutating: true,
    input: z.object({ id }), output: ok, target: (i) => `rule ${i.id}`,
    http: { method: 'DELETE', path: '/alerts/rules/:id' },
    handler: async (ctx, i) => {
      await ready();
      const rule = await requireRule(ctx, i.id);
      if (rule.builtinKey !== null) throw new Conflict(`${rule.name} is built in: disable it instead`);
      await ctx.db('alert_rules').where({ id: i.id }).delete();
      await monitoring.alerts.rulesChanged();
      return { ok: true as const };
    },
  }));

  registry.add(defineOperation({
    name: 'alerts.maintenance.list', summary: 'Maintenance windows', permission: 'alerts.read', mutating: false,
    input: z.object({ ...listShape, current: z.enum(['true', 'false']).optional().describe('true: only windows not yet over') }),
    output: listOf(windowSchema),
    http: { method: 'GET', path: '/alerts/maintenance' },
    handler: async (ctx, i) => {
      const now = monitoring.now();
      const q = ctx.db('maintenance_windows');
      if (i.current === 'true') q.where('ends_at', '>', now);
      const [{ n }] = await q.clone().count({ n: '*' });
      const rows = await q.orderBy('starts_at', 'desc').limit(i.limit).offset(i.offset);
      return { items: rows.map((r) => windowOut(toWindow(r), now)), total: Number(n) };
    },
  }));
  const checkWindow = (startsAt: number, endsAt: number) => {
    if (endsAt <= startsAt) throw new ValidationError('a window must end after it starts', [{ path: 'endsAt', message: 'must be after startsAt' }]);
    if (endsAt - startsAt > 31 * 24 * 3600 * 1000) throw new ValidationError('a window lasts at most 31 days', [{ path: 'endsAt', message: 'at most 31 days after startsAt' }]);
  };
  registry.add(defineOperation({
    name: 'alerts.maintenance.create', summary: 'Schedule a maintenance window (alerts inside it are silenced)', permission: 'monitoring.write', mutating: true,
    input: z.object(windowFields), output: windowSchema, target: (i) => i.name,
    http: { method: 'POST', path: '/alerts/maintenance' },
    handler: async (ctx, i) => {
      await ready();
      const startsAt = parseTime(i.startsAt, 'startsAt')!;
      const endsAt = parseTime(i.endsAt, 'endsAt')!;
      checkWindow(startsAt, endsAt);
      const now = monitoring.now();
      const [row] = await ctx.db('maintenance_windows').insert({
        name: i.name, description: i.description, starts_at: startsAt, ends_at: endsAt, selector: JSON.stringify(i.selector),
        sources: JSON.stringify(i.sources), created_by: actorName(ctx), created_at: now,
      }).returning('id');
      await monitoring.alerts.windowsChanged();
      return windowOut(toWindow(await ctx.db('maintenance_windows').where({ id: Number(typeof row === 'object' ? row.id : row) }).first()), now);
    },
  }));
  registry.add(defineOperation({
    name: 'alerts.maintenance.update', summary: 'Change a maintenance window (e.g. end it now)', permission: 'monitoring.write', mutating: true,
    input: z.object({
      id, name: windowFields.name.optional(), description: plainText().max(1000).optional().describe('Why'),
      startsAt: when.optional().describe('Start'), endsAt: when.optional().describe('End'),
      selector: selectorIn.optional().describe('Only alerts with these labels'), sources: z.array(source).max(10).optional().describe('Only alerts from these sources'),
    }),
    output: windowSchema, target: (i) => `window ${i.id}`,
    http: { method: 'PATCH', path: '/alerts/maintenance/:id' },
    handler: async (ctx, i) => {
      await ready();
      const row = await ctx.db('maintenance_windows').where({ id: i.id }).first();
      if (!row) throw new NotFound(`maintenance window ${i.id} does not exist`);
      const startsAt = parseTime(i.startsAt, 'startsAt') ?? Number(row.starts_at);
      const endsAt = parseTime(i.endsAt, 'endsAt') ?? Number(row.ends_at);
      checkWindow(startsAt, endsAt);
      const patch: Record<string, unknown> = { starts_at: startsAt, ends_at: endsAt };
      if (i.name !== undefined) patch.name = i.name;
      if (i.description !== undefined) patch.description = i.description;
      if (i.selector !== undefined) patch.selector = JSON.stringify(i.selector);
      if (i.sources !== undefined) patch.sources = JSON.stringify(i.sources);
      await ctx.db('maintenance_windows').where({ id: i.id }).update(patch);
      await monitoring.alerts.windowsChanged();
      return windowOut(toWindow(await ctx.db('maintenance_windows').where({ id: i.id }).first()), monitoring.now());
    },
  }));
  registry.add(defineOperation({
    name: 'alerts.maintenance.delete', summary: 'Delete a maintenance window', permission: 'monitoring.write', mutating: true,
    input: z.object({ id }), output: ok, target: (i) => `window ${i.id}`,
    http: { method: 'DELETE', path: '/alerts/maintenance/:id' },
    handler: async (ctx, i) => {
      await ready();
      if (!(await ctx.db('maintenance_windows').where({ id: i.id }).delete())) throw new NotFound(`maintenance window ${i.id} does not exist`);
      await monitoring.alerts.windowsChanged();
      return { ok: true as const };
    },
  }));

  const channelConfig = (i: { webhook?: z.infer<typeof webhookIn>; email?: z.infer<typeof emailIn> }): ChannelConfig => {
    if (Boolean(i.webhook) === Boolean(i.email)) throw new ValidationError('give either webhook or email settings', [{ path: i.webhook ? 'email' : 'webhook', message: 'exactly one of webhook and email' }]);
    return i.webhook ? { type: 'webhook', webhook: i.webhook } : { type: 'email', email: i.email! };
  };
  const requireChannel = async (ctx: Ctx, channelId: number) => {
    const row = await ctx.db('notification_channels').where({ id: channelId }).first();
    if (!row) throw new NotFound(`notification channel ${channelId} does not exist`);
    return row;
  };
  registry.add(defineOperation({
    name: 'alerts.channels.list', summary: 'Notification channels', permission: 'alerts.read', mutating: false,
    input: noInput, output: listOf(channelSchema),
    http: { method: 'GET', path: '/alerts/channels' },
    handler: async (ctx) => {
      const items = (await ctx.db('notification_channels').orderBy('id')).map(channelOut);
      return { items, total: items.length };
    },
  }));
  registry.add(defineOperation({
    name: 'alerts.channels.create', summary: 'Add a notification channel (webhook or email)', permission: 'monitoring.write', mutating: true,
    input: z.object(channelFields), output: channelSchema, target: (i) => i.name,
    http: { method: 'POST', path: '/alerts/channels' },
    handler: async (ctx, i) => {
      const config = channelConfig(i);
      if (await ctx.db('notification_channels').where({ name: i.name }).first()) throw new Conflict(`a channel named ${i.name} exists`);
      const now = monitoring.now();
      const [row] = await ctx.db('notification_channels').insert({
        name: i.name, type: config.type, enabled: i.enabled, severities: JSON.stringify([...new Set(i.severities)]), notify_resolved: i.notifyResolved,
        config: JSON.stringify(config.type === 'webhook' ? config.webhook : config.email), secret: i.secret ?? null, created_at: now, updated_at: now,
      }).returning('id');
      return channelOut(await requireChannel(ctx, Number(typeof row === 'object' ? row.id : row)));
    },
  }));
  registry.add(defineOperation({
    name: 'alerts.channels.update', summary: 'Change a notification channel', permission: 'monitoring.write', mutating: true,
    input: z.object({
      id, name: channelFields.name.optional(), enabled: z.boolean().optional().describe('Send or not'),
      severities: z.array(severity).min(1).optional().describe('Alert severities routed to this channel'),
      notifyResolved: z.boolean().optional().describe('Also send when an alert resolves'),
      webhook: webhookIn.optional().describe('Replace the webhook settings'), email: emailIn.optional().describe('Replace the SMTP settings'),
      secret: channelFields.secret,
    }),
    output: channelSchema, target: (i) => `channel ${i.id}`,
    http: { method: 'PATCH', path: '/alerts/channels/:id' },
    handler: async (ctx, i) => {
      const row = await requireChannel(ctx, i.id);
      const patch: Record<string, unknown> = { updated_at: monitoring.now() };
      if (i.webhook || i.email) {
        const config = channelConfig(i);
        if (config.type !== row.type) throw new ValidationError(`this is a ${row.type} channel`, [{ path: config.type, message: `give ${row.type} settings` }]);
        // The URL as answers show it (credentials hidden) means "keep the stored one": an edit
        // that resends what it was shown must not replace the password with the asterisks.
        if (config.type === 'webhook') config.webhook = { ...config.webhook, url: keepHiddenUrl(config.webhook.url, row) };
        patch.config = JSON.stringify(config.type === 'webhook' ? config.webhook : config.email);
      }
      if (i.name !== undefined) patch.name = i.name;
      if (i.enabled !== undefined) patch.enabled = i.enabled;
      if (i.severities !== undefined) patch.severities = JSON.stringify([...new Set(i.severities)]);
      if (i.notifyResolved !== undefined) patch.notify_resolved = i.notifyResolved;
      if (i.secret !== undefined) patch.secret = i.secret;
      await ctx.db('notification_channels').where({ id: i.id }).update(patch);
      return channelOut(await requireChannel(ctx, i.id));
    },
  }));
  registry.add(defineOperation({
    name: 'alerts.channels.delete', summary: 'Delete a notification channel', permission: 'monitoring.write', mutating: true,
    input: z.object({ id }), output: ok, target: (i) => `channel ${i.id}`,
    http: { method: 'DELETE', path: '/alerts/channels/:id' },
    handler: async (ctx, i) => {
      if (!(await ctx.db('notification_channels').where({ id: i.id }).delete())) throw new NotFound(`notification channel ${i.id} does not exist`);
      return { ok: true as const };
    },
  }));
  registry.add(defineOperation({
    name: 'alerts.channels.test', summary: 'Send a test notification through a channel now', permission: 'monitoring.write', mutating: true,
    input: z.object({ id }), output: deliverySchema, target: (i) => `channel ${i.id}`,
    http: { method: 'POST', path: '/alerts/channels/:id/test' },
    handler: async (_ctx, i) => {
      const at = new Date(monitoring.now()).toISOString();
      const sample: Alert = {
        id: 0, severity: 'info', state: 'open', source: 'monitoring', title: 'Test notification from Calypso', message: 'If you can read this, the channel works.',
        labels: {}, ruleId: null, value: null, silenced: false, openedAt: at, updatedAt: at, acknowledgedAt: null, acknowledgedBy: null,
        snoozeEndsAt: null, dismissedAt: null, dismissedBy: null, resolvedAt: null,
      };
      return monitoring.notifier.deliverNow(i.id, 'test', sample);
    },
  }));
  registry.add(defineOperation({
    name: 'alerts.deliveries.list', summary: 'Notification delivery log, newest first', permission: 'alerts.read', mutating: false,
    input: z.object({
      ...listShape,
      channelId: rowId('Only this channel').optional(),
      alertId: rowId('Only this alert').optional(),
    }),
    output: listOf(deliverySchema),
    http: { method: 'GET', path: '/alerts/deliveries' },
    handler: (_ctx, i) => monitoring.notifier.deliveries(i),
  }));

  // Last: /alerts/:id would otherwise take /alerts/rules and the other fixed paths.
  registry.add(defineOperation({
    name: 'alerts.get', summary: 'Show an alert', permission: 'alerts.read', mutating: false,
    input: z.object({ id }), output: alertSchema,
    http: { method: 'GET', path: '/alerts/:id' },
    handler: (_ctx, i) => monitoring.alerts.get(i.id),
  }));
  registry.add(defineOperation({
    name: 'alerts.acknowledge', summary: 'Acknowledge an alert (someone is on it)', permission: 'alerts.ack', mutating: true,
    input: z.object({ id }), output: alertSchema, target: (i) => `alert ${i.id}`,
    http: { method: 'POST', path: '/alerts/:id/acknowledge' },
    handler: async (ctx, i) => {
      await ready();
      return monitoring.alerts.acknowledge(i.id, actorName(ctx));
    },
  }));
  registry.add(defineOperation({
    name: 'alerts.dismiss', summary: 'Dismiss an alert (it stays closed while its condition lasts)', permission: 'alerts.ack', mutating: true,
    input: z.object({ id }), output: alertSchema, target: (i) => `alert ${i.id}`,
    http: { method: 'POST', path: '/alerts/:id/dismiss' },
    handler: async (ctx, i) => {
      await ready();
      return monitoring.alerts.dismiss(i.id, actorName(ctx));
    },
  }));
  registry.add(defineOperation({
    name: 'alerts.snooze', summary: 'Snooze an alert until a given time', permission: 'alerts.ack', mutating: true,
    input: z.object({ id, until: when.describe('Until when: ISO-8601 time or epoch milliseconds (at most 30 days ahead)') }),
    output: alertSchema, target: (i) => `alert ${i.id}`,
    http: { method: 'POST', path: '/alerts/:id/snooze' },
    handler: async (ctx, i) => {
      await ready();
      return monitoring.alerts.snooze(i.id, parseTime(i.until, 'until')!, actorName(ctx));
    },
  }));
}
