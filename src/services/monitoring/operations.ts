/** Monitoring and alerting (SRS-09): the handlers of metrics.*, alerts.* and monitoring.* (contracts in src/contracts/monitoring.ts). */
import {
  ALERT_SOURCES,
  ALERT_STATES,
  SEVERITIES,
  monitoringContracts as c,
  monitoringPermissions,
  type Alert,
  type AlertRule,
  type EmailSettingsInput,
  type MaintenanceWindowView,
  type NotificationChannel,
  type SnmpTrapSettingsInput,
  type WebhookSettingsInput,
} from '../../contracts/monitoring.js';
import type { Ctx } from '../core/context.js';
import { Conflict, NotFound, ValidationError } from '../core/errors.js';
import { redactUrl } from '../core/redact.js';
import { implement, type Registry } from '../core/registry.js';
import { toRule, toWindow } from './alerts.js';
import { METRICS, matches, parseSelector, type Labels } from './metrics.js';
import { toChannel, type ChannelConfig, type ChannelRow } from './notify.js';
import { snmpChannelSecret, snmpTrapConfig } from './snmp-channel.js';
import type { Rule } from './rules.js';
import type { Monitoring } from './service.js';

function parseTime(text: string | undefined, path: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) throw new ValidationError(`${path} is not a time`, [{ path, message: 'ISO-8601 time or epoch milliseconds' }]);
  return ms;
}

/** A query list ("a,b" or repeated parameters) as the allowed values it names. */
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
function keepHiddenUrl(url: string, row: ChannelRow): string {
  const stored = toChannel(row).config;
  if (stored.type !== 'webhook' || stored.webhook.url === url) return url;
  return redactUrl(stored.webhook.url) === url ? stored.webhook.url : url;
}

function ruleOut(r: Rule): AlertRule {
  const { builtinKey, ...rest } = r;
  return { ...rest, builtin: builtinKey !== null };
}

function windowOut(w: ReturnType<typeof toWindow>, now: number): MaintenanceWindowView {
  return { ...w, startsAt: new Date(w.startsAt).toISOString(), endsAt: new Date(w.endsAt).toISOString(), active: w.startsAt <= now && now < w.endsAt };
}

function channelOut(row: ChannelRow): NotificationChannel {
  const ch = toChannel(row);
  return {
    id: ch.id,
    name: ch.name,
    type: ch.config.type,
    enabled: ch.enabled,
    severities: ch.severities,
    notifyResolved: ch.notifyResolved,
    hasSecret: ch.hasSecret,
    // A password or token in the URL is hidden from every reader (the stored URL keeps it).
    webhook: ch.config.type === 'webhook' ? { ...ch.config.webhook, url: redactUrl(ch.config.webhook.url) } : null,
    email: ch.config.type === 'email' ? ch.config.email : null,
    snmp: ch.config.type === 'snmp' ? ch.config.snmp : null,
  };
}

async function requireRule(ctx: Ctx, ruleId: number): Promise<Rule> {
  const row = await ctx.db('alert_rules').where({ id: ruleId }).first();
  if (!row) throw new NotFound(`alert rule ${ruleId} does not exist`);
  return toRule(row);
}

export function registerMonitoring(registry: Registry, monitoring: Monitoring): void {
  registry.addPermissions(monitoringPermissions);
  const ready = async () => monitoring.init();

  registry.add(
    implement(c['metrics.current'], async (_ctx, i) => {
      await ready();
      const last = monitoring.lastCollection();
      const selector = selectorOf(i.match, 'match');
      const values = (last?.sample.values ?? []).filter((v) => (!i.metric || v.name.startsWith(i.metric)) && matches(selector, v.labels));
      return { at: last?.sample.at ?? null, intervalSeconds: monitoring.settings().intervalSeconds, values, probes: last?.probes ?? [] };
    }),
  );
  registry.add(
    implement(c['metrics.catalogue'], async () => {
      const items = Object.entries(METRICS).map(([name, m]) => ({ name, help: m.help, labels: m.labels }));
      return { items, total: items.length };
    }),
  );
  registry.add(
    implement(c['metrics.history'], async (_ctx, i) => {
      await ready();
      const now = monitoring.now();
      const to = parseTime(i.to, 'to') ?? now;
      const from = parseTime(i.from, 'from') ?? to - 3600_000;
      const h = await monitoring.store.history({ metric: i.metric, selector: selectorOf(i.match, 'match'), from, to, stepSeconds: i.step, now });
      const { from: start, to: end, ...rest } = h;
      return { ...rest, fromAt: new Date(start).toISOString(), toAt: new Date(end).toISOString() };
    }),
  );
  registry.add(implement(c['metrics.scrapeToken.create'], () => monitoring.createScrapeToken()));
  registry.add(
    implement(c['metrics.scrapeToken.delete'], async () => {
      if (!(await monitoring.deleteScrapeToken())) throw new NotFound('there is no scrape token');
      return { ok: true as const };
    }),
  );
  const settingsOut = () => ({
    ...monitoring.settings(),
    scrapeTokenConfigured: monitoring.scrapeTokenInfo().configured,
    scrapeTokenCreatedAt: monitoring.scrapeTokenInfo().createdAt,
  });
  registry.add(
    implement(c['monitoring.settings.get'], async () => {
      await ready();
      return settingsOut();
    }),
  );
  registry.add(
    implement(c['monitoring.settings.update'], async (_ctx, i) => {
      await monitoring.updateSettings(Object.fromEntries(Object.entries(i).filter(([, v]) => v !== undefined)));
      return settingsOut();
    }),
  );

  registry.add(
    implement(c['alerts.summary'], async () => {
      await ready();
      return monitoring.alerts.activeCounts();
    }),
  );
  registry.add(
    implement(c['alerts.list'], async (_ctx, i) => {
      await ready();
      return monitoring.alerts.list({
        severity: parseCsv(i.severity, SEVERITIES, 'severity'),
        state: parseCsv(i.state, ALERT_STATES, 'state'),
        source: parseCsv(i.source, ALERT_SOURCES, 'source'),
        ruleId: i.ruleId,
        active: i.active === undefined ? undefined : i.active === 'true',
        from: parseTime(i.from, 'from'),
        to: parseTime(i.to, 'to'),
        limit: i.limit,
        offset: i.offset,
      });
    }),
  );

  registry.add(
    implement(c['alerts.rules.list'], async () => {
      await ready();
      const items = monitoring.alerts.ruleList().map(ruleOut);
      return { items, total: items.length };
    }),
  );
  registry.add(implement(c['alerts.rules.get'], async (ctx, i) => ruleOut(await requireRule(ctx, i.id))));
  registry.add(
    implement(c['alerts.rules.create'], async (ctx, i) => {
      await ready();
      const now = monitoring.now();
      const [row] = await ctx
        .db('alert_rules')
        .insert({
          builtin_key: null,
          name: i.name,
          kind: 'threshold',
          source: 'rule',
          metric: i.metric,
          selector: JSON.stringify(i.selector),
          operator: i.operator,
          threshold: i.threshold,
          critical_threshold: i.criticalThreshold,
          for_seconds: i.forSeconds,
          severity: i.severity,
          message: i.message ?? `{{metric}} is {{value}} (${i.operator} {{threshold}})`,
          enabled: i.enabled,
          created_at: now,
          updated_at: now,
        })
        .returning('id');
      await monitoring.alerts.rulesChanged();
      return ruleOut(await requireRule(ctx, Number(typeof row === 'object' ? row.id : row)));
    }),
  );
  registry.add(
    implement(c['alerts.rules.update'], async (ctx, i) => {
      await ready();
      const rule = await requireRule(ctx, i.id);
      if (rule.builtinKey !== null) {
        const fixed = (['name', 'metric', 'selector', 'operator'] as const).filter((k) => i[k] !== undefined);
        if (fixed.length)
          throw new ValidationError(
            `a built-in rule's ${fixed.join(', ')} cannot change: disable it and create your own`,
            fixed.map((path) => ({ path, message: 'fixed on a built-in rule' })),
          );
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
    }),
  );
  registry.add(
    implement(c['alerts.rules.delete'], async (ctx, i) => {
      await ready();
      const rule = await requireRule(ctx, i.id);
      if (rule.builtinKey !== null) throw new Conflict(`${rule.name} is built in: disable it instead`);
      await ctx.db('alert_rules').where({ id: i.id }).delete();
      await monitoring.alerts.rulesChanged();
      return { ok: true as const };
    }),
  );

  registry.add(
    implement(c['alerts.maintenance.list'], async (ctx, i) => {
      const now = monitoring.now();
      const q = ctx.db('maintenance_windows');
      if (i.current === 'true') q.where('ends_at', '>', now);
      const [{ n }] = await q.clone().count({ n: '*' });
      const rows = await q.orderBy('starts_at', 'desc').limit(i.limit).offset(i.offset);
      return { items: rows.map((r) => windowOut(toWindow(r), now)), total: Number(n) };
    }),
  );
  const checkWindow = (startsAt: number, endsAt: number) => {
    if (endsAt <= startsAt) throw new ValidationError('a window must end after it starts', [{ path: 'endsAt', message: 'must be after startsAt' }]);
    if (endsAt - startsAt > 31 * 24 * 3600 * 1000)
      throw new ValidationError('a window lasts at most 31 days', [{ path: 'endsAt', message: 'at most 31 days after startsAt' }]);
  };
  registry.add(
    implement(c['alerts.maintenance.create'], async (ctx, i) => {
      await ready();
      const startsAt = parseTime(i.startsAt, 'startsAt')!;
      const endsAt = parseTime(i.endsAt, 'endsAt')!;
      checkWindow(startsAt, endsAt);
      const now = monitoring.now();
      const [row] = await ctx
        .db('maintenance_windows')
        .insert({
          name: i.name,
          description: i.description,
          starts_at: startsAt,
          ends_at: endsAt,
          selector: JSON.stringify(i.selector),
          sources: JSON.stringify(i.sources),
          created_by: actorName(ctx),
          created_at: now,
        })
        .returning('id');
      await monitoring.alerts.windowsChanged();
      return windowOut(
        toWindow(
          await ctx
            .db('maintenance_windows')
            .where({ id: Number(typeof row === 'object' ? row.id : row) })
            .first(),
        ),
        now,
      );
    }),
  );
  registry.add(
    implement(c['alerts.maintenance.update'], async (ctx, i) => {
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
    }),
  );
  registry.add(
    implement(c['alerts.maintenance.delete'], async (ctx, i) => {
      await ready();
      if (!(await ctx.db('maintenance_windows').where({ id: i.id }).delete())) throw new NotFound(`maintenance window ${i.id} does not exist`);
      await monitoring.alerts.windowsChanged();
      return { ok: true as const };
    }),
  );

  const channelConfig = (i: { webhook?: WebhookSettingsInput; email?: EmailSettingsInput; snmp?: SnmpTrapSettingsInput }): ChannelConfig => {
    const given = [i.webhook && 'webhook', i.email && 'email', i.snmp && 'snmp'].filter(Boolean);
    if (given.length !== 1)
      throw new ValidationError('give either webhook, email or snmp settings', [
        { path: given[1] ?? 'webhook', message: 'exactly one of webhook, email and snmp' },
      ]);
    if (i.snmp) return { type: 'snmp', snmp: snmpTrapConfig(i.snmp) };
    return i.webhook ? { type: 'webhook', webhook: i.webhook } : { type: 'email', email: i.email! };
  };
  const configText = (config: ChannelConfig) =>
    JSON.stringify(config.type === 'webhook' ? config.webhook : config.type === 'snmp' ? config.snmp : config.email);
  const requireChannel = async (ctx: Ctx, channelId: number) => {
    const row = await ctx.db('notification_channels').where({ id: channelId }).first();
    if (!row) throw new NotFound(`notification channel ${channelId} does not exist`);
    return row;
  };
  registry.add(
    implement(c['alerts.channels.list'], async (ctx) => {
      const items = (await ctx.db('notification_channels').orderBy('id')).map(channelOut);
      return { items, total: items.length };
    }),
  );
  registry.add(
    implement(c['alerts.channels.create'], async (ctx, i) => {
      const config = channelConfig(i);
      if (config.type !== 'snmp' && i.privSecret !== undefined)
        throw new ValidationError('privSecret is for SNMPv3 channels only', [{ path: 'privSecret', message: 'not for this channel' }]);
      if (await ctx.db('notification_channels').where({ name: i.name }).first()) throw new Conflict(`a channel named ${i.name} exists`);
      const now = monitoring.now();
      const [row] = await ctx
        .db('notification_channels')
        .insert({
          name: i.name,
          type: config.type,
          enabled: i.enabled,
          severities: JSON.stringify([...new Set(i.severities)]),
          notify_resolved: i.notifyResolved,
          config: configText(config),
          secret: config.type === 'snmp' ? snmpChannelSecret(config.snmp, null, i) : (i.secret ?? null),
          created_at: now,
          updated_at: now,
        })
        .returning('id');
      return channelOut(await requireChannel(ctx, Number(typeof row === 'object' ? row.id : row)));
    }),
  );
  registry.add(
    implement(c['alerts.channels.update'], async (ctx, i) => {
      const row = await requireChannel(ctx, i.id);
      const patch: Record<string, unknown> = { updated_at: monitoring.now() };
      if (i.webhook || i.email || i.snmp) {
        const config = channelConfig(i);
        if (config.type !== row.type) throw new ValidationError(`this is a ${row.type} channel`, [{ path: config.type, message: `give ${row.type} settings` }]);
        // The URL as answers show it (credentials hidden) means "keep the stored one": an edit
        // that resends what it was shown must not replace the password with the asterisks.
        if (config.type === 'webhook') config.webhook = { ...config.webhook, url: keepHiddenUrl(config.webhook.url, row) };
        // An SNMPv3 channel keeps its engine ID unless a new one is given: the manager keys the user to it.
        if (config.type === 'snmp' && !i.snmp?.engineId)
          config.snmp = { ...config.snmp, engineId: (JSON.parse(row.config) as { engineId?: string }).engineId ?? config.snmp.engineId };
        patch.config = configText(config);
      }
      if (i.name !== undefined) patch.name = i.name;
      if (i.enabled !== undefined) patch.enabled = i.enabled;
      if (i.severities !== undefined) patch.severities = JSON.stringify([...new Set(i.severities)]);
      if (i.notifyResolved !== undefined) patch.notify_resolved = i.notifyResolved;
      if (row.type === 'snmp') {
        const config = patch.config
          ? (JSON.parse(String(patch.config)) as ReturnType<typeof snmpTrapConfig>)
          : (JSON.parse(row.config) as ReturnType<typeof snmpTrapConfig>);
        patch.secret = snmpChannelSecret(config, row.secret ?? null, i);
      } else if (i.privSecret !== undefined)
        throw new ValidationError('privSecret is for SNMPv3 channels only', [{ path: 'privSecret', message: 'not for this channel' }]);
      else if (i.secret !== undefined) patch.secret = i.secret;
      await ctx.db('notification_channels').where({ id: i.id }).update(patch);
      return channelOut(await requireChannel(ctx, i.id));
    }),
  );
  registry.add(
    implement(c['alerts.channels.delete'], async (ctx, i) => {
      if (!(await ctx.db('notification_channels').where({ id: i.id }).delete())) throw new NotFound(`notification channel ${i.id} does not exist`);
      return { ok: true as const };
    }),
  );
  registry.add(
    implement(c['alerts.channels.test'], async (_ctx, i) => {
      const at = new Date(monitoring.now()).toISOString();
      const sample: Alert = {
        id: 0,
        severity: 'info',
        state: 'open',
        source: 'monitoring',
        title: 'Test notification from Calypso',
        message: 'If you can read this, the channel works.',
        labels: {},
        ruleId: null,
        value: null,
        silenced: false,
        openedAt: at,
        updatedAt: at,
        acknowledgedAt: null,
        acknowledgedBy: null,
        snoozeEndsAt: null,
        dismissedAt: null,
        dismissedBy: null,
        resolvedAt: null,
      };
      return monitoring.notifier.deliverNow(i.id, 'test', sample);
    }),
  );
  registry.add(implement(c['alerts.deliveries.list'], (_ctx, i) => monitoring.notifier.deliveries(i)));

  // Last: /alerts/:id would otherwise take /alerts/rules and the other fixed paths.
  registry.add(implement(c['alerts.get'], (_ctx, i) => monitoring.alerts.get(i.id)));
  registry.add(
    implement(c['alerts.acknowledge'], async (ctx, i) => {
      await ready();
      return monitoring.alerts.acknowledge(i.id, actorName(ctx));
    }),
  );
  registry.add(
    implement(c['alerts.dismiss'], async (ctx, i) => {
      await ready();
      return monitoring.alerts.dismiss(i.id, actorName(ctx));
    }),
  );
  registry.add(
    implement(c['alerts.snooze'], async (ctx, i) => {
      await ready();
      return monitoring.alerts.snooze(i.id, parseTime(i.until, 'until')!, actorName(ctx));
    }),
  );
}
