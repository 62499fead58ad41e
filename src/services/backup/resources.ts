/**
 * The Bacula resources Calypso owns (clients, FileSets, schedules, pools, repositories, jobs):
 * stored in backup_resources, rendered into the director's include file (and the storage
 * daemon's, for repositories), checked with `bacula-dir -t -c` and applied with `reload`, as one
 * unit with the database change (src/services/shares/apply.ts): a refused configuration leaves
 * the old file and the database as they were.
 */
import type { Knex } from 'knex';
import { BaculaAdapter, baculaPaths, type BaculaPaths, type StorageDaemonControl } from '../../system/bacula/index.js';
import {
  BaculaConfigValueError,
  renderDirectorConf,
  renderStorageDaemonConf,
  type ClientConf,
  type DeviceConf,
  type FileSetConf,
  type JobConf,
  type JobDefsConf,
  type PoolConf,
  type ScheduleConf,
  type StorageConf,
} from '../../system/bacula/config.js';
import { nowIso } from '../../contracts/time.js';
import type { Ctx } from '../core/context.js';
import { Conflict, NotFound, ValidationError } from '../core/errors.js';
import { applyUnit, writeThenActivate } from '../shares/apply.js';

export const BACKUP_LOCK = 'bacula';

export type ResourceKind = 'client' | 'fileset' | 'schedule' | 'pool' | 'repository' | 'job' | 'jobdefs';

export interface RepositorySpec {
  name: string;
  dataset: string;
  path: string;
  mediaType: string;
  maxConcurrentJobs: number;
}

export type ClientSpec = Omit<ClientConf, 'password'>;
export type JobSpec = Omit<JobConf, 'messages'>;

interface Specs {
  client: ClientSpec;
  fileset: FileSetConf;
  schedule: ScheduleConf;
  pool: PoolConf;
  repository: RepositorySpec;
  job: JobSpec;
  jobdefs: JobDefsConf;
}

/**
 * Where the director's files are: /etc/bacula, or CALYPSO_BACULA_ETC (the real-peer tests run a
 * director on loopback with its files in a temp directory). The storage daemon a repository
 * belongs to is reached at CALYPSO_BACULA_SD_ADDRESS:CALYPSO_BACULA_SD_PORT (127.0.0.1:9103).
 */
export function backupPaths(): BaculaPaths {
  return baculaPaths(process.env.CALYPSO_BACULA_ETC || '/etc/bacula', process.env.CALYPSO_BACULA_GROUP || 'bacula');
}

/**
 * How the storage daemon is restarted when its devices change: CALYPSO_BACULA_SD_CONTROL is
 * `systemctl` (the appliance: `systemctl restart bacula-sd`, the default; CALYPSO_BACULA_SD_UNIT
 * names another unit) or `pidfile:/abs/path.pid` (a bacula-sd run in the background without
 * systemd, as the real-peer tests run it).
 */
export function storageDaemonControl(): StorageDaemonControl {
  const v = process.env.CALYPSO_BACULA_SD_CONTROL || 'systemctl';
  if (v.startsWith('pidfile:') && v.slice('pidfile:'.length).startsWith('/')) return { kind: 'pidfile', pidFile: v.slice('pidfile:'.length) };
  if (v !== 'systemctl') throw new Error(`CALYPSO_BACULA_SD_CONTROL must be systemctl or pidfile:/path, not ${JSON.stringify(v)}`);
  return { kind: 'systemctl', unit: process.env.CALYPSO_BACULA_SD_UNIT || 'bacula-sd' };
}

export function adapterFor(ctx: Pick<Ctx, 'host'>): BaculaAdapter {
  return new BaculaAdapter(ctx.host, backupPaths());
}

export async function listResources<K extends ResourceKind>(db: Knex, kind: K): Promise<Specs[K][]> {
  const rows = await db('backup_resources').where({ kind }).orderBy('name');
  return rows.map((r: Record<string, unknown>) => JSON.parse(String(r.spec)) as Specs[K]);
}

export async function getResource<K extends ResourceKind>(db: Knex, kind: K, name: string): Promise<Specs[K] | null> {
  const row = await db('backup_resources').where({ kind, name }).first();
  return row ? (JSON.parse(String(row.spec)) as Specs[K]) : null;
}

export async function requireResource<K extends ResourceKind>(db: Knex, kind: K, name: string): Promise<Specs[K]> {
  const found = await getResource(db, kind, name);
  if (!found) throw new NotFound(`no backup ${kind} ${name}`);
  return found;
}

export async function insertResource<K extends ResourceKind>(trx: Knex.Transaction, kind: K, spec: Specs[K], secret: string | null = null): Promise<void> {
  const name = (spec as { name: string }).name;
  if (await trx('backup_resources').where({ kind, name }).first()) throw new Conflict(`a backup ${kind} named ${name} exists`);
  const now = nowIso();
  await trx('backup_resources').insert({ kind, name, spec: JSON.stringify(spec), secret, created_at: now, updated_at: now });
}

export async function updateResource<K extends ResourceKind>(trx: Knex.Transaction, kind: K, spec: Specs[K], secret?: string): Promise<void> {
  const name = (spec as { name: string }).name;
  const change: Record<string, unknown> = { spec: JSON.stringify(spec), updated_at: nowIso() };
  if (secret !== undefined) change.secret = secret;
  await trx('backup_resources').where({ kind, name }).update(change);
}

export async function deleteResource(trx: Knex.Transaction, kind: ResourceKind, name: string): Promise<void> {
  const n = await trx('backup_resources').where({ kind, name }).delete();
  if (!n) throw new NotFound(`no backup ${kind} ${name}`);
}

export type JobField = 'client' | 'fileset' | 'schedule' | 'pool' | 'storage' | 'level' | 'priority' | 'maxRunSeconds';
const INHERITED: JobField[] = ['client', 'fileset', 'schedule', 'pool', 'storage', 'level', 'priority', 'maxRunSeconds'];

/** What a job runs with: its own values, else its JobDefs' (null where neither sets one). */
export function effectiveJob(j: JobSpec, defs: JobDefsConf[]): JobSpec {
  const d = j.jobDefs ? defs.find((x) => x.name === j.jobDefs) : undefined;
  if (!d) return j;
  const out = { ...j } as Record<string, unknown>;
  for (const f of INHERITED) if (out[f] === null || out[f] === undefined) out[f] = d[f];
  return out as unknown as JobSpec;
}

/** The jobs and JobDefs that use a resource (a client, FileSet, schedule, pool or storage), for refusing its removal. */
export async function jobsUsing(db: Knex, field: 'client' | 'fileset' | 'schedule' | 'pool' | 'storage', name: string): Promise<string[]> {
  const defs = await listResources(db, 'jobdefs');
  return [
    ...(await listResources(db, 'job')).filter((j) => effectiveJob(j, defs)[field] === name).map((j) => j.name),
    ...defs.filter((d) => d[field] === name).map((d) => `${d.name} (JobDefs)`),
  ];
}

/** The storage daemon's Director password, read from its configuration (the director must present it). */
export function storageDaemonPassword(sdConf: string): string | null {
  const m = /Director\s*\{[^}]*?Password\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(sdConf);
  return m ? m[1]!.replace(/\\(.)/g, '$1') : null;
}

async function directorConf(ctx: Ctx, trx: Knex.Transaction, paths: BaculaPaths) {
  const rows = await trx('backup_resources').orderBy('name');
  const of = <K extends ResourceKind>(kind: K) => rows.filter((r: Record<string, unknown>) => r.kind === kind);
  const spec = <T>(r: Record<string, unknown>) => JSON.parse(String(r.spec)) as T;
  const repositories = of('repository').map((r) => spec<RepositorySpec>(r));
  let storages: StorageConf[] = [];
  if (repositories.length) {
    const sdPassword = storageDaemonPassword((await ctx.host.files.readIfExists(paths.storageDaemonConf)) ?? '');
    if (!sdPassword) throw new ValidationError(`the storage daemon's configuration ${paths.storageDaemonConf} has no Director password Calypso can use`);
    storages = repositories.map((r) => ({
      name: r.name,
      address: process.env.CALYPSO_BACULA_SD_ADDRESS || '127.0.0.1',
      port: Number(process.env.CALYPSO_BACULA_SD_PORT || 9103),
      password: sdPassword,
      device: r.name,
      mediaType: r.mediaType,
      maxConcurrentJobs: r.maxConcurrentJobs,
    }));
  }
  return {
    clients: of('client').map((r) => ({ ...spec<ClientSpec>(r), password: String(r.secret ?? '') })),
    filesets: of('fileset').map((r) => spec<FileSetConf>(r)),
    schedules: of('schedule').map((r) => spec<ScheduleConf>(r)),
    pools: of('pool').map((r) => spec<PoolConf>(r)),
    storages,
    messages: paths.messages,
    jobDefs: of('jobdefs').map((r) => spec<JobDefsConf>(r)),
    jobs: of('job').map((r) => ({ ...spec<JobSpec>(r), messages: paths.messages })),
    devices: repositories.map((r): DeviceConf => ({ name: r.name, archivePath: r.path, mediaType: r.mediaType, maxConcurrentJobs: r.maxConcurrentJobs })),
  };
}

export interface ApplyOptions {
  /** Restart the storage daemon even while jobs run (they fail). */
  force?: boolean;
  /**
   * A step after the director reloaded (`update pool=` after a Pool changed); if it fails, the
   * previous file is put back and reloaded and the transaction rolls back.
   */
  after?: () => Promise<void>;
  /** A step once the change is allowed, before any file is written (a repository's folder handed to the daemon's user). */
  prepare?: () => Promise<void>;
}

/**
 * Renders what the transaction holds, writes it atomically, has the director check it and reload
 * it; a refusal puts the previous file back (and reloads it) and throws, so the transaction rolls
 * back. The storage daemon's devices file is written and checked the same way when it changes,
 * and the daemon is restarted (bacula-sd 9.6 has no reload), which is refused while jobs run
 * unless forced: a restart ends every job reading or writing through it. The appliance has one
 * storage daemon, so every running job of the director counts. A restart that fails puts both
 * files back and starts the daemon again on the previous devices.
 */
export async function applyBacula(ctx: Ctx, trx: Knex.Transaction, opts: ApplyOptions = {}): Promise<void> {
  const paths = backupPaths();
  const adapter = new BaculaAdapter(ctx.host, paths);
  const conf = await directorConf(ctx, trx, paths);
  let dirText: string;
  let sdText: string;
  try {
    dirText = renderDirectorConf(conf);
    sdText = renderStorageDaemonConf(conf.devices);
  } catch (err) {
    if (err instanceof BaculaConfigValueError) throw new ValidationError(err.message, [{ path: err.field, message: err.message }]);
    throw err;
  }
  // Root's, readable by the daemons' group only: the files hold the clients' and storage daemon's passwords.
  const confMode = { mode: 0o640, group: paths.group };
  const sdBefore = await ctx.host.files.readIfExists(paths.calypsoSdConf);
  // Written when its text differs; the daemon restarts only when its devices do (not for the
  // header Calypso adds to the empty file an installation leaves).
  const devicesOf = (t: string | null) =>
    (t ?? '')
      .split('\n')
      .filter((l) => l.trim() && !l.trim().startsWith('#'))
      .join('\n');
  const sdWrite = sdBefore !== sdText;
  const sdChanged = devicesOf(sdBefore) !== devicesOf(sdText);
  const control = sdChanged ? storageDaemonControl() : null;
  if (sdChanged) {
    const running = (await adapter.directorStatus()).running;
    if (running.length && !opts.force)
      throw new Conflict(
        `the storage daemon must restart to use the changed repositories, which would end the running job${running.length > 1 ? 's' : ''} ${running
          .map((j) => `${j.name} (JobId ${j.jobId})`)
          .join(', ')}: wait for ${running.length > 1 ? 'them' : 'it'} to end, or force the change`,
      );
  }
  if (opts.prepare) await opts.prepare();
  if (sdWrite) await writeThenActivate(ctx, paths.calypsoSdConf, sdText, confMode, () => adapter.checkStorageDaemonConf());
  try {
    await writeThenActivate(
      ctx,
      paths.calypsoConf,
      dirText,
      confMode,
      async () => {
        await adapter.checkDirectorConf();
        await adapter.reload();
      },
      () => adapter.reload(),
    );
  } catch (err) {
    if (sdWrite) await ctx.host.files.restorePrevious(paths.calypsoSdConf);
    throw err;
  }
  if (control) {
    const storage = conf.storages[0]?.name ?? (await adapter.names('storage').catch(() => [] as string[]))[0] ?? null;
    try {
      await adapter.restartStorageDaemon(control, storage);
    } catch (err) {
      await ctx.host.files.restorePrevious(paths.calypsoSdConf);
      await ctx.host.files.restorePrevious(paths.calypsoConf);
      await adapter.reload().catch((again) => ctx.log.warn({ err: again }, 'reloading the previous director configuration failed too'));
      await adapter
        .restartStorageDaemon(control, null)
        .catch((again) => ctx.log.warn({ err: again }, 'starting the storage daemon on its previous devices failed too'));
      throw err;
    }
  }
}

/** A change to the resources as one unit: database, render, check, write, reload. */
export function changeResources<T>(ctx: Ctx, change: (trx: Knex.Transaction) => Promise<T>, opts: ApplyOptions = {}): Promise<T> {
  return applyUnit(ctx, BACKUP_LOCK, async (trx) => {
    const out = await change(trx);
    await applyBacula(ctx, trx, opts);
    if (opts.after) {
      try {
        await opts.after();
      } catch (err) {
        const paths = backupPaths();
        await ctx.host.files.restorePrevious(paths.calypsoConf);
        await new BaculaAdapter(ctx.host, paths)
          .reload()
          .catch((again) => ctx.log.warn({ err: again }, 'reloading the previous director configuration failed too'));
        throw err;
      }
    }
    return out;
  });
}
