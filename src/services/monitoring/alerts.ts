/**
 * The alert engine: evaluates rules after each sample (one active alert per rule and label
 * set), resolves alerts whose condition cleared, follows failed jobs, applies snoozes and
 * maintenance windows, and hands state changes to the notifier and the event bus.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Alert, AlertSource, AlertState, Operator, RuleKind, Severity } from '../../contracts/monitoring.js';
import type { EventBus } from '../core/events.js';
import { Conflict, NotFound, ValidationError } from '../core/errors.js';
import { isUniqueViolation } from '../db.js';
import { labelsKey, matches, type Labels } from './metrics.js';
import type { Collection } from './collector.js';
import { BUILTIN_RULES, compare, renderTemplate, severityFor, severityRank, type Rule } from './rules.js';
import { Mutex } from '../../lib/lock.js';

/** An alert as faces see it (its schema is the contract's). */
export type { Alert } from '../../contracts/monitoring.js';

export interface MaintenanceWindow {
  id: number;
  name: string;
  description: string;
  startsAt: number;
  endsAt: number;
  /** Only alerts whose labels match (empty: all). */
  selector: Labels;
  /** Only alerts from these sources (empty: all). */
  sources: AlertSource[];
  createdBy: string;
}

export type NotifyEvent = 'firing' | 'resolved';

interface Row {
  id: number;
  dedupe_key: string;
  rule_id: number | null;
  source: string;
  severity: string;
  state: string;
  title: string;
  message: string;
  labels: string;
  value: number | null;
  silenced: boolean | number;
  opened_at: number;
  updated_at: number;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  snoozed_until: number | null;
  dismissed_at: number | null;
  dismissed_by: string | null;
  resolved_at: number | null;
}

const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString());

export function toAlert(r: Row): Alert {
  return {
    id: Number(r.id),
    severity: r.severity as Severity,
    state: r.state as AlertState,
    source: r.source as AlertSource,
    title: r.title,
    message: r.message,
    labels: JSON.parse(r.labels),
    ruleId: r.rule_id === null ? null : Number(r.rule_id),
    value: r.value === null ? null : Number(r.value),
    silenced: Boolean(r.silenced),
    openedAt: iso(r.opened_at)!,
    updatedAt: iso(r.updated_at)!,
    acknowledgedAt: iso(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
    snoozeEndsAt: iso(r.snoozed_until),
    dismissedAt: iso(r.dismissed_at),
    dismissedBy: r.dismissed_by,
    resolvedAt: iso(r.resolved_at),
  };
}

/** A row of alert_rules as the drivers return it. */
export interface RuleRow {
  id: number;
  builtin_key: string | null;
  name: string;
  kind: string;
  source: string;
  metric: string | null;
  /** JSON labels. */
  selector: string;
  operator: string;
  threshold: number;
  critical_threshold: number | null;
  for_seconds: number;
  severity: string;
  message: string;
  enabled: boolean | number;
}

/** A row of maintenance_windows as the drivers return it (PostgreSQL answers bigints as strings). */
export interface WindowRow {
  id: number;
  name: string;
  description: string;
  starts_at: number | string;
  ends_at: number | string;
  /** JSON labels. */
  selector: string;
  /** JSON list of sources. */
  sources: string;
  created_by: string;
}

export function toRule(r: RuleRow): Rule {
  return {
    id: Number(r.id),
    builtinKey: r.builtin_key ?? null,
    name: r.name,
    kind: r.kind as RuleKind,
    source: r.source as AlertSource,
    metric: r.metric ?? null,
    selector: JSON.parse(r.selector),
    operator: r.operator as Operator,
    threshold: Number(r.threshold),
    criticalThreshold: r.critical_threshold === null || r.critical_threshold === undefined ? null : Number(r.critical_threshold),
    forSeconds: Number(r.for_seconds),
    severity: r.severity as Severity,
    message: r.message,
    enabled: Boolean(r.enabled),
  };
}

export function toWindow(r: WindowRow): MaintenanceWindow {
  return {
    id: Number(r.id),
    name: r.name,
    description: r.description,
    startsAt: Number(r.starts_at),
    endsAt: Number(r.ends_at),
    selector: JSON.parse(r.selector),
    sources: JSON.parse(r.sources),
    createdBy: r.created_by,
  };
}

export interface AlertFilter {
  severity?: Severity[];
  state?: AlertState[];
  source?: AlertSource[];
  ruleId?: number;
  /** Opened at or after. */
  from?: number;
  /** Opened at or before. */
  to?: number;
  /** Only alerts not yet resolved. */
  active?: boolean;
  limit: number;
  offset: number;
}

/** A unique index refused the row (PostgreSQL 23505, SQLite SQLITE_CONSTRAINT_UNIQUE). */

/** How long a list answer may be served from memory when nothing changed here (other daemons' changes show within it). */
export const LIST_CACHE_MS = 1000;
const LIST_CACHE_ENTRIES = 64;

export class AlertEngine {
  private rules: Rule[] = [];
  private windows: MaintenanceWindow[] = [];
  /** Alerts not yet resolved, by dedupe key (a dismissed one stays here until its condition clears). */
  private readonly active = new Map<string, Row>();
  /** When each firing series started firing, for the for-duration. */
  private readonly pending = new Map<string, number>();
  /** Serializes changes, so the in-memory view of active alerts always matches the database. */
  private readonly lock = new Mutex();
  private ready: Promise<void> | null = null;
  /**
   * Answers of list() by filter, each with the generation it was read under: every change this
   * engine makes to the alerts table bumps the generation (publish()), so an answer read before a
   * change is never served after it. Kept at most LIST_CACHE_MS, for the changes another daemon
   * on the same database makes (issue 16: the list was two queries per request).
   */
  private readonly listCache = new Map<string, { generation: number; at: number; answer: { items: Alert[]; total: number } }>();
  private generation = 0;

  constructor(
    private readonly db: Knex,
    private readonly events: EventBus,
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly notify: (event: NotifyEvent, alert: Alert) => void,
  ) {}

  /** Seeds the built-in rules (keeping an administrator's tuning) and loads the state. Idempotent. */
  init(): Promise<void> {
    this.ready ??= this.lock.run(async () => {
      const existing = new Set(
        (await this.db('alert_rules').whereNotNull('builtin_key').select('builtin_key')).map((r: { builtin_key: string }) => r.builtin_key),
      );
      const now = this.now();
      for (const b of BUILTIN_RULES) {
        if (existing.has(b.key)) continue;
        await this.db('alert_rules')
          .insert({
            builtin_key: b.key,
            name: b.name,
            kind: b.kind,
            source: b.source,
            metric: b.metric,
            selector: JSON.stringify(b.selector),
            operator: b.operator,
            threshold: b.threshold,
            critical_threshold: b.criticalThreshold,
            for_seconds: b.forSeconds,
            severity: b.severity,
            message: b.message,
            enabled: true,
            created_at: now,
            updated_at: now,
          })
          .onConflict('builtin_key')
          .ignore();
      }
      await this.loadRules();
      await this.loadWindows();
      const rows: Row[] = await this.db('alerts').whereNull('resolved_at');
      for (const r of rows) this.active.set(r.dedupe_key, r);
    });
    return this.ready;
  }

  private async loadRules(): Promise<void> {
    this.rules = (await this.db('alert_rules').orderBy('id')).map(toRule);
  }

  private async loadWindows(): Promise<void> {
    this.windows = (await this.db('maintenance_windows').where('ends_at', '>', this.now() - 24 * 3600 * 1000)).map(toWindow);
  }

  /**
   * After a rule was created, changed or deleted: alerts of rules now disabled or gone resolve,
   * and so do those of `restarted` rules (whose condition changed), to fire again on new terms.
   */
  rulesChanged(restarted: number[] = []): Promise<void> {
    return this.lock.run(async () => {
      await this.loadRules();
      const byId = new Map(this.rules.map((r) => [r.id, r]));
      const stale = (ruleId: number) => !byId.get(ruleId)?.enabled || restarted.includes(ruleId);
      const now = this.now();
      for (const row of [...this.active.values()]) {
        if (row.rule_id !== null && stale(Number(row.rule_id))) await this.resolve(row, now);
      }
      for (const key of [...this.pending.keys()]) {
        if (stale(Number(key.split('|')[0]!.slice('rule:'.length)))) this.pending.delete(key);
      }
    });
  }

  windowsChanged(): Promise<void> {
    return this.lock.run(async () => {
      await this.loadWindows();
      await this.applyWindowsAndSnoozes(this.now());
    });
  }

  ruleList(): Rule[] {
    return this.rules;
  }

  /** Evaluates every enabled threshold rule against one collection. */
  evaluate(c: Pick<Collection, 'at' | 'sample' | 'known'>): Promise<void> {
    return this.lock.run(async () => {
      const now = c.at;
      for (const rule of this.rules) {
        if (rule.kind !== 'threshold' || !rule.enabled || !rule.metric || !c.known.has(rule.metric)) continue;
        const firing = new Set<string>();
        for (const val of c.sample.values) {
          if (val.name !== rule.metric || !matches(rule.selector, val.labels)) continue;
          const key = `rule:${rule.id}|${labelsKey(val.labels)}`;
          const existing = this.active.get(key);
          const stillFiring = compare(rule.operator, val.value, rule.threshold);
          if (!stillFiring) {
            this.pending.delete(key);
            continue;
          }
          firing.add(key);
          const since = this.pending.get(key) ?? now;
          this.pending.set(key, since);
          if (!existing && now - since < rule.forSeconds * 1000) continue;
          await this.fire(key, rule, val.labels, val.value, now);
        }
        for (const row of [...this.active.values()]) {
          if (row.rule_id !== null && Number(row.rule_id) === rule.id && !firing.has(row.dedupe_key)) await this.resolve(row, now);
        }
        for (const key of [...this.pending.keys()]) if (key.startsWith(`rule:${rule.id}|`) && !firing.has(key)) this.pending.delete(key);
      }
      await this.applyWindowsAndSnoozes(now);
    });
  }

  /** A job changed: a failure opens (or refreshes) an alert; a later success of the same kind resolves it. */
  onJob(job: { id: number; type: string; state: string; target: string | null; error: string | null }): Promise<void> {
    return this.lock.run(async () => {
      const rule = this.rules.find((r) => r.kind === 'job-failed');
      if (!rule) return;
      const labels: Labels = job.target ? { type: job.type, target: job.target } : { type: job.type };
      const key = `rule:${rule.id}|${labelsKey(labels)}`;
      const now = this.now();
      if (job.state === 'failed' && rule.enabled) {
        await this.fire(key, rule, labels, null, now, { job: job.id, error: job.error ?? 'unknown error' });
      } else if (job.state === 'succeeded') {
        const row = this.active.get(key);
        if (row) await this.resolve(row, now);
      }
    });
  }

  private async fire(key: string, rule: Rule, labels: Labels, value: number | null, now: number, extra: Record<string, string | number> = {}): Promise<void> {
    const severity = value === null ? rule.severity : severityFor(rule, value);
    const vars = { ...labels, ...extra, value: value ?? undefined, threshold: rule.threshold, metric: rule.metric ?? '', rule: rule.name };
    const message = renderTemplate(rule.message, vars);
    const existing = this.active.get(key);
    if (existing) {
      const escalated = severityRank(severity) > severityRank(existing.severity as Severity);
      const changed = existing.severity !== severity || (rule.kind === 'job-failed' && existing.message !== message);
      if (!changed) return;
      const patch = { severity, message, value, updated_at: now };
      await this.db('alerts').where({ id: existing.id }).update(patch);
      Object.assign(existing, patch);
      this.publish(existing);
      if (escalated && (existing.state === 'open' || existing.state === 'acknowledged') && !existing.silenced) this.notify('firing', toAlert(existing));
      return;
    }
    const title = Object.keys(labels).length ? `${rule.name}: ${Object.values(labels).join(' ')}` : rule.name;
    const silenced = this.silencedBy(rule.source, labels, now) !== null;
    const row: Omit<Row, 'id'> = {
      dedupe_key: key,
      rule_id: rule.id,
      source: rule.source,
      severity,
      state: 'open',
      title: title.slice(0, 300),
      message,
      labels: JSON.stringify(labels),
      value,
      silenced,
      opened_at: now,
      updated_at: now,
      acknowledged_at: null,
      acknowledged_by: null,
      snoozed_until: null,
      dismissed_at: null,
      dismissed_by: null,
      resolved_at: null,
    };
    let inserted: unknown;
    try {
      [inserted] = await this.db('alerts').insert(row).returning('id');
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // Another engine on this database opened it first (the unique index on unresolved
      // dedupe keys, migration 013): it is already open, so follow that one instead.
      const theirs: Row | undefined = await this.db('alerts').where({ dedupe_key: key }).whereNull('resolved_at').first();
      if (!theirs) throw err;
      this.active.set(key, theirs);
      return this.fire(key, rule, labels, value, now, extra);
    }
    const full: Row = { ...row, id: Number(typeof inserted === 'object' && inserted !== null ? (inserted as { id: number }).id : inserted) };
    this.active.set(key, full);
    this.publish(full);
    if (!silenced) this.notify('firing', toAlert(full));
  }

  private async resolve(row: Row, now: number): Promise<void> {
    const state = row.state === 'dismissed' ? 'dismissed' : 'resolved';
    await this.db('alerts').where({ id: row.id }).update({ state, resolved_at: now, updated_at: now });
    Object.assign(row, { state, resolved_at: now, updated_at: now });
    this.active.delete(row.dedupe_key);
    this.pending.delete(row.dedupe_key);
    this.publish(row);
    if (state === 'resolved' && !row.silenced) this.notify('resolved', toAlert(row));
  }

  private silencedBy(source: string, labels: Labels, now: number): MaintenanceWindow | null {
    return (
      this.windows.find(
        (w) => w.startsAt <= now && now < w.endsAt && (w.sources.length === 0 || w.sources.includes(source as AlertSource)) && matches(w.selector, labels),
      ) ?? null
    );
  }

  /** Snoozes that ran out reopen; windows that began or ended silence or unsilence. */
  private async applyWindowsAndSnoozes(now: number): Promise<void> {
    for (const row of [...this.active.values()]) {
      const patch: Partial<Row> = {};
      if (row.state === 'snoozed' && row.snoozed_until !== null && Number(row.snoozed_until) <= now) {
        patch.state = 'open';
        patch.snoozed_until = null;
      }
      const silenced = this.silencedBy(row.source, JSON.parse(row.labels), now) !== null;
      if (silenced !== Boolean(row.silenced)) patch.silenced = silenced;
      if (Object.keys(patch).length === 0) continue;
      patch.updated_at = now;
      await this.db('alerts').where({ id: row.id }).update(patch);
      const wasQuiet = Boolean(row.silenced) || row.state === 'snoozed';
      Object.assign(row, patch);
      this.publish(row);
      if (wasQuiet && !row.silenced && row.state === 'open') this.notify('firing', toAlert(row));
    }
  }

  private publish(row: Row): void {
    this.generation++;
    this.listCache.clear();
    this.events.publish({ type: 'alert', alert: toAlert(row) });
  }

  private async change(id: number, allowed: AlertState[], patch: (row: Row) => Partial<Row>): Promise<Alert> {
    return this.lock.run(async () => {
      const row = [...this.active.values()].find((r) => Number(r.id) === id) ?? (await this.db('alerts').where({ id }).first());
      if (!row) throw new NotFound(`alert ${id} does not exist`);
      if (!allowed.includes(row.state as AlertState) || row.resolved_at !== null) {
        throw new Conflict(`alert ${id} is ${row.resolved_at !== null && row.state !== 'resolved' ? `${row.state} and resolved` : row.state}`);
      }
      const p = { ...patch(row), updated_at: this.now() };
      await this.db('alerts').where({ id }).update(p);
      Object.assign(row, p);
      this.publish(row);
      return toAlert(row);
    });
  }

  acknowledge(id: number, by: string): Promise<Alert> {
    return this.change(id, ['open', 'snoozed'], () => ({ state: 'acknowledged', acknowledged_at: this.now(), acknowledged_by: by, snoozed_until: null }));
  }

  /** Closed by a user: it stays closed while its condition lasts, and does not notify. */
  dismiss(id: number, by: string): Promise<Alert> {
    return this.change(id, ['open', 'acknowledged', 'snoozed'], () => ({
      state: 'dismissed',
      dismissed_at: this.now(),
      dismissed_by: by,
      snoozed_until: null,
    }));
  }

  snooze(id: number, until: number, by: string): Promise<Alert> {
    const now = this.now();
    if (until <= now) throw new ValidationError('snooze until a time in the future', [{ path: 'until', message: 'must be in the future' }]);
    if (until > now + 30 * 24 * 3600 * 1000) throw new ValidationError('snooze for at most 30 days', [{ path: 'until', message: 'at most 30 days ahead' }]);
    return this.change(id, ['open', 'acknowledged', 'snoozed'], () => ({ state: 'snoozed', snoozed_until: until, acknowledged_by: by }));
  }

  /** The answer may be shared with other callers: read it, do not change it (the operation's output parse copies it). */
  async list(f: AlertFilter): Promise<{ items: Alert[]; total: number }> {
    const key = JSON.stringify([f.severity, f.state, f.source, f.ruleId, f.from, f.to, f.active, f.limit, f.offset]);
    const now = this.now();
    const hit = this.listCache.get(key);
    if (hit && hit.generation === this.generation && now - hit.at < LIST_CACHE_MS && now >= hit.at) return hit.answer;
    const generation = this.generation;
    const answer = await this.query(f);
    if (generation === this.generation) {
      if (this.listCache.size >= LIST_CACHE_ENTRIES) this.listCache.clear();
      this.listCache.set(key, { generation, at: now, answer });
    }
    return answer;
  }

  private async query(f: AlertFilter): Promise<{ items: Alert[]; total: number }> {
    const q = this.db('alerts');
    if (f.severity?.length) q.whereIn('severity', f.severity);
    if (f.state?.length) q.whereIn('state', f.state);
    if (f.source?.length) q.whereIn('source', f.source);
    if (f.ruleId !== undefined) q.where('rule_id', f.ruleId);
    if (f.from !== undefined) q.where('opened_at', '>=', f.from);
    if (f.to !== undefined) q.where('opened_at', '<=', f.to);
    if (f.active === true) q.whereNull('resolved_at');
    if (f.active === false) q.whereNotNull('resolved_at');
    const [{ n }] = await q.clone().count({ n: '*' });
    const rows: Row[] = await q.orderBy('opened_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset);
    return { items: rows.map(toAlert), total: Number(n) };
  }

  async get(id: number): Promise<Alert> {
    const row = await this.db('alerts').where({ id }).first();
    if (!row) throw new NotFound(`alert ${id} does not exist`);
    return toAlert(row);
  }

  /** Alerts that need attention (open or acknowledged, not silenced), per severity: for headers and /metrics. */
  activeCounts(): Record<Severity, number> {
    const out: Record<Severity, number> = { info: 0, warning: 0, critical: 0 };
    for (const r of this.active.values()) if ((r.state === 'open' || r.state === 'acknowledged') && !r.silenced) out[r.severity as Severity]++;
    return out;
  }

  /** Waits for changes in progress. */
  idle(): Promise<void> {
    return this.lock.run(async () => undefined);
  }
}
