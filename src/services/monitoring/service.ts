/**
 * Monitoring: the collector loop, metric history, the alert engine, notifications, the
 * Prometheus export and the scrape token, wired once per Calypso instance.
 */
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Host } from '../../system/host.js';
import { LocalMachineProbe, type MachineProbe } from '../../system/metrics/index.js';
import type { Actor } from '../core/context.js';
import { actorHas } from '../core/context.js';
import type { CalypsoEvent, EventBus } from '../core/events.js';
import type { Job } from '../core/jobs.js';
import { nowIso } from '../../contracts/time.js';
import { AlertEngine } from './alerts.js';
import { Collector, type Collection } from './collector.js';
import { Notifier, type NotifierOptions } from './notify.js';
import { hostProbes, machineProbes, ntpProbe, type Probe } from './probes.js';
import { tapeProbe } from '../tape/probe.js';
import { backupProbe } from '../backup/metrics.js';
import { ntpReadings } from '../appliance/time.js';
import type { TrapSender } from './snmp-trap.js';
import { LocalTrapSender } from '../../system/snmp/local-trap.js';
import { replicationProbe } from '../replication/metrics.js';
import { PrometheusExport } from './prometheus.js';
import { objectStoreProbe } from '../objects/metrics.js';
import { MetricStore } from './store.js';

export interface MonitoringSettings {
  /** Seconds between collections, 5 to 30. */
  intervalSeconds: number;
  /** Seconds between SMART readings. */
  smartIntervalSeconds: number;
  /** systemd units whose state raises the service-down alert. */
  watchedServices: string[];
}

export const DEFAULT_SETTINGS: MonitoringSettings = { intervalSeconds: 5, smartIntervalSeconds: 300, watchedServices: [] };
const SETTINGS_KEY = 'monitoring.settings';
const SCRAPE_TOKEN_KEY = 'monitoring.scrape_token';
const RETENTION_EVERY_MS = 60 * 60 * 1000;

export interface MonitoringOptions {
  /** The clock (epoch ms); tests move it by hand. */
  now?: () => number;
  /** Readings of the machine; the local machine through systeminformation by default. */
  machine?: MachineProbe;
  /** Replaces every probe (tests). */
  probes?: Probe[];
  /** Seconds `zpool iostat` measures pool throughput over; 0 turns the pool-io probe off. */
  poolIoSeconds?: number;
  notifier?: Partial<NotifierOptions>;
  /** How SNMP traps are sent (snmptrap on the daemon's machine by default). */
  trapSender?: TrapSender;
}

interface Deps {
  db: Knex;
  host: Host;
  events: EventBus;
  log: Logger;
}

/** Which permission a subscriber needs to receive an event of each type. */
const EVENT_PERMISSION: Record<CalypsoEvent['type'], string> = {
  job: 'jobs.read',
  alert: 'alerts.read',
  metric: 'metrics.read',
  audit: 'audit.read',
  storage: 'storage.read',
};

export function mayReceive(actor: Actor | null, event: CalypsoEvent): boolean {
  const permission = EVENT_PERMISSION[event.type];
  return permission !== undefined && actorHas(actor, permission);
}

const hashToken = (token: string): string => crypto.createHash('sha256').update(token).digest('hex');

export class Monitoring {
  readonly now: () => number;
  readonly store: MetricStore;
  readonly alerts: AlertEngine;
  readonly notifier: Notifier;
  private settingsValue: MonitoringSettings = { ...DEFAULT_SETTINGS };
  private readonly collector: Collector;
  private prometheus: PrometheusExport | null = null;
  private last: Collection | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private ticking: Promise<Collection> | null = null;
  private lastRetention = 0;
  private ready: Promise<void> | null = null;
  private scrapeToken: { hash: string; createdAt: string } | null = null;
  private readonly unsubscribe: () => void;
  /** SMART is read less often than the rest; its period is a setting. */
  private readonly smartProbe: Probe | null;

  constructor(
    private readonly deps: Deps,
    opts: MonitoringOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.store = new MetricStore(deps.db);
    this.notifier = new Notifier(deps.db, deps.log, this.now, { attempts: 3, backoffMs: 1000, ...opts.notifier }, opts.trapSender ?? new LocalTrapSender());
    this.alerts = new AlertEngine(deps.db, deps.events, deps.log, this.now, (event, alert) => this.notifier.dispatch(event, alert));
    const probes = opts.probes ?? [
      ...machineProbes(opts.machine ?? new LocalMachineProbe()),
      ...hostProbes(deps.host, {
        smartEveryMs: DEFAULT_SETTINGS.smartIntervalSeconds * 1000,
        poolIoSeconds: opts.poolIoSeconds ?? 1,
        watchedServices: () => this.settingsValue.watchedServices,
      }),
      tapeProbe(deps.host, deps.db),
      objectStoreProbe(deps),
      backupProbe(deps.host),
      ntpProbe(() => ntpReadings(deps)),
      replicationProbe(deps.db),
    ];
    this.collector = new Collector(probes, this.now);
    this.smartProbe = probes.find((p) => p.name === 'smart') ?? null;
    this.unsubscribe = deps.events.subscribe(
      (e) => {
        if (e.type !== 'job') return;
        const job = e.job as Job;
        if (job.state !== 'failed' && job.state !== 'succeeded') return;
        void this.init()
          .then(() => this.alerts.onJob(job))
          .catch((err) => deps.log.error({ err }, 'job alert failed'));
      },
      ['job'],
    );
  }

  /** Loads settings, the scrape token and the alert state; seeds the built-in rules. Idempotent. */
  init(): Promise<void> {
    this.ready ??= (async () => {
      const row = await this.deps.db('settings').where({ key: SETTINGS_KEY }).first();
      if (row) this.settingsValue = { ...DEFAULT_SETTINGS, ...JSON.parse(row.value) };
      this.applySettings();
      const token = await this.deps.db('settings').where({ key: SCRAPE_TOKEN_KEY }).first();
      this.scrapeToken = token ? JSON.parse(token.value) : null;
      await this.alerts.init();
    })();
    return this.ready;
  }

  private applySettings(): void {
    if (this.smartProbe) this.smartProbe.everyMs = this.settingsValue.smartIntervalSeconds * 1000;
  }

  settings(): MonitoringSettings {
    return { ...this.settingsValue };
  }

  async updateSettings(patch: Partial<MonitoringSettings>): Promise<MonitoringSettings> {
    await this.init();
    this.settingsValue = { ...this.settingsValue, ...patch };
    await this.deps
      .db('settings')
      .insert({ key: SETTINGS_KEY, value: JSON.stringify(this.settingsValue), updated_at: nowIso() })
      .onConflict('key')
      .merge();
    this.applySettings();
    if (this.running) this.schedule(0);
    return this.settings();
  }

  /** Starts collecting every intervalSeconds. */
  async start(): Promise<void> {
    await this.init();
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const started = Date.now();
      this.tick()
        .catch((err) => this.deps.log.error({ err }, 'metric collection failed'))
        .finally(() => {
          if (this.running) this.schedule(Math.max(0, this.settingsValue.intervalSeconds * 1000 - (Date.now() - started)));
        });
    }, delayMs);
    this.timer.unref();
  }

  /**
   * One collection: probes, history, the metric event, rule evaluation, and the database
   * rollups. Calls never overlap; a call during a collection waits for it and runs after.
   */
  tick(): Promise<Collection> {
    const previous = this.ticking ?? Promise.resolve(null);
    const next = previous.catch(() => null).then(() => this.collectOnce());
    this.ticking = next;
    return next;
  }

  private async collectOnce(): Promise<Collection> {
    await this.init();
    const c = await this.collector.collect();
    this.last = c;
    this.store.add(c.at, c.sample.values);
    for (const p of c.probes) if (!p.ok) this.deps.log.warn({ probe: p.name, error: p.error }, 'probe failed');
    this.deps.events.publish({ type: 'metric', sample: c.sample });
    await this.alerts.evaluate(c);
    try {
      await this.store.persist();
      if (c.at - this.lastRetention >= RETENTION_EVERY_MS) {
        this.lastRetention = c.at;
        await this.store.enforceRetention(c.at);
        await this.deps
          .db('notification_deliveries')
          .where('at', '<', c.at - 90 * 24 * 3600 * 1000)
          .delete();
      }
    } catch (err) {
      this.deps.log.error({ err }, 'writing metric history failed');
    }
    return c;
  }

  lastCollection(): Collection | null {
    return this.last;
  }

  async prometheusText(): Promise<{ contentType: string; body: string }> {
    await this.init();
    this.prometheus ??= new PrometheusExport();
    const values = this.last?.sample.values ?? [];
    return { contentType: this.prometheus.contentType, body: await this.prometheus.render(values, this.alerts.activeCounts()) };
  }

  /** A new scrape token replaces the old one; only its hash is kept. */
  async createScrapeToken(): Promise<{ token: string; createdAt: string }> {
    await this.init();
    const token = `cps_${crypto.randomBytes(32).toString('base64url')}`;
    const record = { hash: hashToken(token), createdAt: nowIso() };
    await this.deps
      .db('settings')
      .insert({ key: SCRAPE_TOKEN_KEY, value: JSON.stringify(record), updated_at: record.createdAt })
      .onConflict('key')
      .merge();
    this.scrapeToken = record;
    return { token, createdAt: record.createdAt };
  }

  async deleteScrapeToken(): Promise<boolean> {
    await this.init();
    const existed = this.scrapeToken !== null;
    await this.deps.db('settings').where({ key: SCRAPE_TOKEN_KEY }).delete();
    this.scrapeToken = null;
    return existed;
  }

  scrapeTokenInfo(): { configured: boolean; createdAt: string | null } {
    return { configured: this.scrapeToken !== null, createdAt: this.scrapeToken?.createdAt ?? null };
  }

  async verifyScrapeToken(token: string): Promise<boolean> {
    await this.init();
    if (!this.scrapeToken || !token.startsWith('cps_')) return false;
    return crypto.timingSafeEqual(Buffer.from(hashToken(token), 'hex'), Buffer.from(this.scrapeToken.hash, 'hex'));
  }

  /** Waits for the collection, alert changes and deliveries in progress. */
  async idle(): Promise<void> {
    await this.ticking?.catch(() => undefined);
    await this.alerts.idle();
    await this.notifier.idle();
  }

  /** Stops the loop, writes the unfinished buckets, lets deliveries finish. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.unsubscribe();
    await this.idle();
    if (this.ready) await this.store.flushAll().catch((err) => this.deps.log.error({ err }, 'writing metric history failed'));
  }
}
