/**
 * The service layer's front door: builds the registry from every subsystem and gives
 * faces one way to call an operation. Faces import this module, never the subsystems' internals.
 */
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Host } from '../system/host.js';
import { SYSTEM_ACTOR, type CallMeta, type Deps } from './core/context.js';
import type { AnonymousAuditOptions } from './core/audit.js';
import { EventBus } from './core/events.js';
import { makeInvoker } from './core/invoke.js';
import { JobManager } from './core/jobs.js';
import { Registry } from './core/registry.js';
import { Attachments } from './core/attachments.js';
import { migrate } from './db.js';
import { registerIam, syncBuiltinRoles } from './iam/operations.js';
import { AuthEngine } from './iam/sessions.js';
import type { ThrottleClock } from './iam/throttle.js';
import { registerJobs } from './jobs/operations.js';
import { registerMonitoring } from './monitoring/operations.js';
import { Monitoring, type MonitoringOptions } from './monitoring/service.js';
import { registerStorage } from './storage/operations.js';
import { registerSnapshots } from './snapshots/operations.js';
import { registerSim } from './sim/operations.js';
import { registerShares } from './shares/operations.js';
import { registerIscsi } from './iscsi/operations.js';
import { registerTape } from './tape/operations.js';
import { registerSystem, type AboutInfo } from './system/operations.js';
import { registerAppliance, type ApplianceOptions } from './appliance/operations.js';
import { registerConfig } from './appliance/config.js';
import { LicenseBook, type LicenseOptions } from './appliance/licenses.js';
import { NetworkChanges } from './appliance/network.js';
import { registerTerminal, TerminalService, type TerminalOptions } from './appliance/terminal.js';
import { registerSchedules } from './schedules/operations.js';
import { registerObjects } from './objects/operations.js';
import { registerBackup } from './backup/operations.js';
import { Scheduler, type SchedulerOptions } from './schedules/scheduler.js';
import { registerReplication, type ReplicationOptions } from './replication/operations.js';

export * from './core/errors.js';
export type { Actor, UserActor, CallMeta, Face } from './core/context.js';
export type { AnyOperation, PermissionDef } from './core/registry.js';
export { AUTHENTICATED, PUBLIC, callerInputSchema } from './core/registry.js';
export type { CalypsoEvent } from './core/events.js';
export type { Job } from './core/jobs.js';
export type { CommandRecord } from '../system/host.js';
export { redact } from './core/redact.js';
export type { AnonymousAuditOptions } from './core/audit.js';
export { mayReceive } from './monitoring/service.js';
export type { Monitoring, MonitoringOptions } from './monitoring/service.js';
export type { Alert } from './monitoring/alerts.js';
export type { Scheduler, SchedulerOptions } from './schedules/scheduler.js';
export type { LicenseOptions } from './appliance/licenses.js';
export type { ApplianceOptions } from './appliance/operations.js';
export type { TerminalOptions, TerminalService, TerminalChannel, OpenConnection } from './appliance/terminal.js';
export { TERMINAL_WS_PATH, MAX_FRAME_BYTES } from './appliance/terminal.js';
export type { LocalPeer } from './core/context.js';
export type { MetricValue, Sample } from './monitoring/metrics.js';

export interface CalypsoOptions {
  db: Knex;
  host: Host;
  log: Logger;
  /** HMAC key for access tokens. */
  jwtSecret: string;
  /**
   * Mark jobs left 'running' as interrupted. Only the daemon (calypso serve, holding the data
   * directory's lock) may: a one-shot CLI command next to it would cut its live jobs.
   */
  recoverJobs?: boolean;
  /** Clock, probes and retry timing of the collector and notifier (tests). */
  monitoring?: MonitoringOptions;
  /** Rate limit of anonymous failures' audit rows (tests inject a clock). */
  anonymousAudit?: AnonymousAuditOptions;
  /** Clock, poll wait and time zone of the scheduler (tests). */
  schedules?: SchedulerOptions;
  /** Clock of tokens, sessions and the login throttle (tests; also replaceable later as app.auth.clock). */
  authClock?: ThrottleClock;
  /** What system.info says of this daemon (version, database...); main.ts fills in the API address after listening. */
  about?: Partial<AboutInfo>;
  /** Accepted license keys and the clock of license expiry (tests). */
  licenses?: LicenseOptions;
  /** Timing of the appliance subsystem (tests). */
  appliance?: ApplianceOptions;
  /** Where SSH keys live, retry waits, time zone of naming schemas (data protection). */
  replication?: ReplicationOptions;
  /** The terminal: the WebSocket one's switch (off by default), idle time, clock, pty (tests). */
  terminal?: TerminalOptions;
}

export interface Calypso {
  /** Shells on the appliance: the WebSocket terminal's tickets and connections (the API face mounts it). */
  readonly terminal: TerminalService;
  readonly registry: Registry;
  readonly events: EventBus;
  readonly jobs: JobManager;
  readonly auth: AuthEngine;
  readonly host: Host;
  readonly db: Knex;
  /** Metrics, alerts and notifications; collecting starts with startMonitoring. */
  readonly monitoring: Monitoring;
  /** Periodic scrubs and SMART tests; runs only once startScheduler is called (the data directory's owner). */
  readonly scheduler: Scheduler;
  /** What system.info answers; the composition root may complete it (apiUrl once listening). */
  readonly about: AboutInfo;
  /** Run an operation as the caller in `meta`: authorized, validated, audited. */
  call<T = unknown>(name: string, input: unknown, meta: CallMeta): Promise<T>;
  /** Database reachable (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Every subsystem registers its permissions and operations here, one line each. */
export function buildRegistry(
  auth: AuthEngine,
  monitoring: Monitoring,
  scheduler: Scheduler,
  host: Host,
  about: AboutInfo,
  licenses: LicenseBook,
  appliance: ApplianceOptions = {},
  replication?: ReplicationOptions,
  terminal?: TerminalService,
): Registry {
  const registry = new Registry();
  const attachments = new Attachments();
  registerIam(registry, auth);
  registerJobs(registry);
  registerMonitoring(registry, monitoring);
  registerStorage(registry, attachments);
  registerSnapshots(registry);
  registerSim(registry);
  registerShares(registry, attachments);
  registerIscsi(registry, attachments);
  registerTape(registry, attachments);
  registerSchedules(registry, scheduler);
  registerSystem(registry, host, about);
  registerAppliance(registry, licenses, appliance);
  registerConfig(registry, { registry, scheduler, monitoring, licenses, version: () => about.version, exportDir: () => appliance.configExportDir ?? null });
  registerObjects(registry);
  registerBackup(registry, attachments);
  registerReplication(registry, replication);
  if (terminal) registerTerminal(registry, terminal);
  return registry;
}

/** Migrates, syncs the built-in roles, marks interrupted jobs, and returns the wired services. */
export async function createCalypso(opts: CalypsoOptions): Promise<Calypso> {
  await migrate(opts.db);
  const events = new EventBus();
  const jobs = new JobManager(opts.db, events, opts.log);
  const auth = new AuthEngine(opts.db, opts.jwtSecret, opts.authClock);
  // Every audited change may touch a user, a role or a group: auth.me reads them again.
  events.subscribe(() => auth.forgetProfiles(), ['audit']);
  const monitoring = new Monitoring({ db: opts.db, host: opts.host, events, log: opts.log }, opts.monitoring);
  const scheduler = new Scheduler({ db: opts.db, jobs, log: opts.log }, opts.schedules);
  const about: AboutInfo = { version: 'unknown', database: 'unknown', apiUrl: null, logFile: null, ...opts.about };
  const licenses = new LicenseBook(opts.db, opts.licenses);
  const terminal = new TerminalService({ db: opts.db, host: opts.host, events, log: opts.log }, opts.terminal);
  // The trial starts at the first start of the database, not at the first call of a licensed operation (which may be refused).
  await licenses.trialEndsAt();
  // The revert timers of pending network changes: owned here, re-armed at start, stopped at close.
  const network = opts.appliance?.network ?? new NetworkChanges();
  const registry = buildRegistry(
    auth,
    monitoring,
    scheduler,
    opts.host,
    about,
    licenses,
    { logFile: () => about.logFile, ...opts.appliance, network },
    opts.replication,
    terminal,
  );
  await syncBuiltinRoles(opts.db, registry);
  const interrupted = opts.recoverJobs === false ? 0 : await jobs.recover();
  if (opts.recoverJobs !== false) await terminal.recover();
  if (interrupted) opts.log.warn({ interrupted }, 'jobs interrupted by the last stop');
  const base: Omit<Deps, 'call'> = { db: opts.db, host: opts.host, events, jobs, log: opts.log };
  const invoker = makeInvoker(registry, base, { anonymousAudit: opts.anonymousAudit, gate: (operation) => licenses.check(operation) });
  const call = invoker as Calypso['call'];
  scheduler.attach(call);
  if (opts.recoverJobs !== false) await network.recover(opts.db, call);
  return {
    registry,
    terminal,
    events,
    jobs,
    auth,
    host: opts.host,
    db: opts.db,
    monitoring,
    scheduler,
    call,
    about,
    ping: async () => {
      await opts.db.raw('select 1');
    },
    close: async () => {
      await network.stop();
      await terminal.closeAll().catch((err: unknown) => opts.log.error({ err }, 'closing the terminals failed'));
      await monitoring.stop();
      await scheduler.stop();
      await jobs.idle();
      await invoker.stop().catch((err: unknown) => opts.log.error({ err }, 'audit write failed'));
      await opts.host.close?.();
      await opts.db.destroy();
    },
  };
}

/** Starts the metric collector (every 5-30 s) and with it alert evaluation. */
export async function startMonitoring(app: Calypso): Promise<void> {
  await app.monitoring.start();
}

/**
 * Starts the scheduler: catches up runs missed within their grace window, then fires due runs.
 * The daemon calls it (see src/services/schedules/scheduler.ts).
 */
export async function startScheduler(app: Calypso): Promise<void> {
  await app.scheduler.start();
}

/**
 * First start: create `admin` with the given password, or a random one that is returned
 * so the caller can print it once. Returns null when users already exist.
 */
export async function ensureAdmin(app: Calypso, password?: string): Promise<{ username: string; password: string; generated: boolean } | null> {
  const [{ n }] = await app.db('users').count({ n: '*' });
  if (Number(n) > 0) return null;
  const generated = !password;
  const pw = password ?? crypto.randomBytes(12).toString('base64url');
  await app.call(
    'iam.users.create',
    { username: 'admin', password: pw, displayName: 'Administrator', roles: ['Admin'] },
    { actor: SYSTEM_ACTOR, face: 'system' },
  );
  return { username: 'admin', password: pw, generated };
}

/** Bootstrap and recovery from the TTY (`calypso user ...`): runs as the system, audited with face=cli. */
export const CLI_META: CallMeta = { actor: SYSTEM_ACTOR, face: 'cli' };
