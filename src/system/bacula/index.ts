/**
 * Bacula adapter: every bconsole command Calypso sends, each in the most parseable form the
 * director has (`.api 2` key=value blocks, `llist` records, name lists; `list` tables nowhere),
 * and the config checks (`bacula-dir -t -c`, `bacula-sd -t -c`). Values are validated by the
 * service and passed through consoleValue() here. Paths come from BaculaPaths.
 *
 * Not used on purpose: `.sql query=...` (9.6.7 prints its rows with no line breaks between them,
 * see test/fixtures/bacula/README.md) and `llist jobs jobid=N` (it prints every job).
 * Bareos 2x: the same commands exist; `.api 2` becomes `.api json` there (see parse.ts).
 */
import { randomInt } from 'node:crypto';
import { HostCommandError, userArg, type Host } from '../host.js';
import { SystemdAdapter } from '../systemd/index.js';
import { Bconsole, BaculaCommandError, consoleValue } from './bconsole.js';
import {
  parseBvfsList,
  parseClientStatus,
  parseDirectorStatus,
  parseJobIdList,
  parseJobDetails,
  parseJobLog,
  parseNameList,
  parseQueuedJobId,
  parseRunningDetails,
  parseVolumes,
  type BaculaJobDetail,
  type BaculaVolume,
  type BvfsEntry,
  type ClientStatus,
  type DirectorStatus,
  type JobLogEntry,
  type RunningDetail,
} from './parse.js';

export { BaculaCommandError, BaculaRefusal, consoleValue } from './bconsole.js';
export type { BaculaJob, BaculaJobDetail, BaculaVolume, BvfsEntry, ClientStatus, DirectorStatus, JobLogEntry, RunningDetail } from './parse.js';

/** Where the director's and storage daemon's files are (Debian's layout under `etc`). */
export interface BaculaPaths {
  bconsoleConf: string;
  directorConf: string;
  /** Calypso's include file of the director (`@` line in directorConf). */
  calypsoConf: string;
  storageDaemonConf: string;
  /** Calypso's include file of the storage daemon (its Devices). */
  calypsoSdConf: string;
  /** The director's Restore job that restores run as. */
  restoreJob: string;
  /** The catalog new clients use. */
  catalog: string;
  /** The Messages resource new jobs use. */
  messages: string;
  /**
   * The group the daemons run as (Debian: bacula). Calypso's files are written root-owned, in
   * this group, mode 0640, so the director and storage daemon can read them and nobody else can
   * (they hold passwords).
   */
  group: string;
}

export function baculaPaths(etc = '/etc/bacula', group = 'bacula'): BaculaPaths {
  return {
    bconsoleConf: `${etc}/bconsole.conf`,
    directorConf: `${etc}/bacula-dir.conf`,
    calypsoConf: `${etc}/calypso.conf`,
    storageDaemonConf: `${etc}/bacula-sd.conf`,
    calypsoSdConf: `${etc}/calypso-sd.conf`,
    restoreJob: 'RestoreFiles',
    catalog: 'MyCatalog',
    messages: 'Standard',
    group,
  };
}

/**
 * How the storage daemon is restarted after its devices change (bacula-sd 9.6 has no reload; it
 * reads its configuration only when it starts):
 * - systemctl: the appliance's unit (`systemctl restart bacula-sd`);
 * - pidfile: a bacula-sd the caller started in the background itself (no systemd: a test, a
 *   container): stopped by the pid in its pid file (SIGTERM, then waiting for it to end), started
 *   again with `bacula-sd -c <its configuration>`, which puts itself in the background.
 * Bareos 2x: the same (bareos-sd has no reload either; its unit is bareos-sd).
 */
export type StorageDaemonControl = { kind: 'systemctl'; unit: string } | { kind: 'pidfile'; pidFile: string };

export const VOLUME_STATUSES = ['Append', 'Full', 'Used', 'Read-Only', 'Disabled', 'Archive', 'Error', 'Cleaning'] as const;
export type VolumeStatus = (typeof VOLUME_STATUSES)[number];
export const REPLACE_MODES = ['always', 'ifnewer', 'ifolder', 'never'] as const;

export interface RestoreRequest {
  jobIds: number[];
  fileIds: number[];
  dirIds: number[];
  client: string;
  restoreClient: string;
  /** Prefix the files are restored under; '/' puts them back where they were; null: the restore job's own. */
  where: string | null;
  replace: (typeof REPLACE_MODES)[number];
}

const ids = (list: number[]) => {
  if (!list.length || list.some((n) => !Number.isSafeInteger(n) || n <= 0))
    throw new BaculaCommandError('(refused)', '', `not a list of ids: ${list.join(',')}`);
  return list.join(',');
};

export class BaculaAdapter {
  readonly console: Bconsole;

  constructor(
    private readonly host: Host,
    readonly paths: BaculaPaths,
    opts: { timeoutMs?: number } = {},
  ) {
    this.console = new Bconsole(host, { configPath: paths.bconsoleConf, timeoutMs: opts.timeoutMs });
  }

  /** `.api 2` + `status dir`: the director's name and version, running jobs with what they wait for, recent ends. */
  async directorStatus(): Promise<DirectorStatus & { details: RunningDetail[] }> {
    const [, text] = await this.console.batch(['.api 2', 'status dir']);
    return { ...parseDirectorStatus(text!), details: parseRunningDetails(text!) };
  }

  /** The catalog's jobs, newest last (`llist jobs`), optionally of one job resource or client. */
  async jobs(filter: { job?: string; client?: string; limit?: number } = {}): Promise<BaculaJobDetail[]> {
    const parts = ['llist jobs'];
    if (filter.job) parts.push(`job=${consoleValue(filter.job)}`);
    if (filter.client) parts.push(`client=${consoleValue(filter.client)}`);
    if (filter.limit) parts.push(`limit=${Math.max(1, Math.floor(filter.limit))}`);
    return parseJobDetails(await this.console.one(parts.join(' ')));
  }

  async job(jobId: number): Promise<BaculaJobDetail | null> {
    return parseJobDetails(await this.console.one(`llist jobid=${ids([jobId])}`)).find((j) => j.jobId === jobId) ?? null;
  }

  async jobLog(jobId: number): Promise<JobLogEntry[]> {
    return parseJobLog(await this.console.one(`llist joblog jobid=${ids([jobId])}`));
  }

  async volumes(): Promise<BaculaVolume[]> {
    return parseVolumes(await this.console.one('llist volumes'));
  }

  /** Resource names the running director knows (`.jobs`, `.clients`, `.pools`, `.storage`, `.filesets`). */
  async names(kind: 'jobs' | 'clients' | 'pools' | 'storage' | 'filesets'): Promise<string[]> {
    return parseNameList(await this.console.one(`.${kind}`));
  }

  /** Several clients' status in one bconsole session. */
  async clientStatuses(clients: string[]): Promise<ClientStatus[]> {
    if (!clients.length) return [];
    return (await this.console.batch(clients.map((c) => `status client=${consoleValue(c)}`))).map((text) => parseClientStatus(text));
  }

  async clientStatus(client: string): Promise<ClientStatus> {
    return parseClientStatus(await this.console.one(`status client=${consoleValue(client)}`));
  }

  /** Starts a job now; returns its JobId. */
  async run(job: string, level: string): Promise<number> {
    const text = await this.console.one(`run job=${consoleValue(job)} level=${consoleValue(level)} yes`);
    const jobId = parseQueuedJobId(text);
    if (jobId === null) throw new BaculaCommandError(`run job=${job}`, text, `the director did not queue ${job}`);
    return jobId;
  }

  async cancel(jobId: number): Promise<void> {
    await this.console.one(`cancel jobid=${ids([jobId])} yes`);
  }

  async label(storage: string, volume: string, pool: string): Promise<void> {
    const text = await this.console.one(`label storage=${consoleValue(storage)} volume=${consoleValue(volume)} pool=${consoleValue(pool)}`);
    if (!/successfully created/.test(text)) throw new BaculaCommandError(`label volume=${volume}`, text, `the volume ${volume} was not labelled`);
  }

  async updateVolumeStatus(volume: string, status: VolumeStatus): Promise<void> {
    await this.console.one(`update volume=${consoleValue(volume)} volstatus=${consoleValue(status)}`);
  }

  async moveVolume(volume: string, pool: string): Promise<void> {
    await this.console.one(`update volume=${consoleValue(volume)} pool=${consoleValue(pool)}`);
  }

  /**
   * After a Pool resource changed: `update pool=` copies it into the catalog's Pool record, then
   * `update volume allfrompool=` copies the record's retention, maximum size and recycling onto the
   * pool's existing volumes (Bacula applies a Pool's settings to a volume only when it is labelled).
   * One command at a time: after a pool it does not know, bconsole goes on with the automatically
   * selected pool (test/fixtures/bacula/update-pool.txt).
   */
  async updatePoolFromResource(pool: string): Promise<void> {
    const record = await this.console.one(`update pool=${consoleValue(pool)}`);
    if (/does not exist/.test(record) || !/Pool DB record updated from resource\./.test(record))
      throw new BaculaCommandError(`update pool=${pool}`, record, `the director did not update the catalog record of pool ${pool}`);
    const volumes = await this.console.one(`update volume allfrompool=${consoleValue(pool)}`);
    if (/Could not find Pool/.test(volumes) || !volumes.includes(`All Volume defaults updated from "${pool}" Pool record.`))
      throw new BaculaCommandError(`update volume allfrompool=${pool}`, volumes, `the director did not update the volumes of pool ${pool}`);
  }

  async purgeVolume(volume: string): Promise<void> {
    await this.console.one(`purge volume=${consoleValue(volume)} yes`);
  }

  async pruneVolume(volume: string): Promise<void> {
    await this.console.one(`prune volume=${consoleValue(volume)} yes`);
  }

  /** The jobs a restore from `jobId` needs (its Full and the Differential/Incrementals after it). */
  async restoreChain(jobId: number): Promise<number[]> {
    return parseJobIdList(await this.console.one(`.bvfs_get_jobids jobid=${ids([jobId])}`));
  }

  /** Builds BVFS's cache for the jobs (needed before browsing them). */
  async bvfsUpdate(jobIds: number[]): Promise<void> {
    await this.console.one(`.bvfs_update jobid=${ids(jobIds)}`);
  }

  /** Folders and files directly under `path` ('' lists the roots) in the merged view of `jobIds`. */
  async bvfsList(jobIds: number[], path: string): Promise<{ dirs: BvfsEntry[]; files: BvfsEntry[] }> {
    const where = path === '' ? 'path=""' : `path=${consoleValue(path)}`;
    const [dirs, files] = await this.console.batch([`.bvfs_lsdirs jobid=${ids(jobIds)} ${where}`, `.bvfs_lsfiles jobid=${ids(jobIds)} ${where}`]);
    return { dirs: parseBvfsList(dirs!, 'dirs'), files: parseBvfsList(files!, 'files') };
  }

  /** Restores the selected files and folders as a job: `.bvfs_restore` into a temporary table, `restore file=?table`, cleanup. */
  async restore(r: RestoreRequest): Promise<number> {
    const table = `b2${randomInt(100000, 999999)}`;
    const select = [`.bvfs_restore path=${table} jobid=${ids(r.jobIds)}`];
    if (r.fileIds.length) select.push(`fileid=${ids(r.fileIds)}`);
    if (r.dirIds.length) select.push(`dirid=${ids(r.dirIds)}`);
    if (!r.fileIds.length && !r.dirIds.length) throw new BaculaCommandError('.bvfs_restore', '', 'nothing selected to restore');
    const run = [
      'restore',
      `client=${consoleValue(r.client)}`,
      `restoreclient=${consoleValue(r.restoreClient)}`,
      `restorejob=${consoleValue(this.paths.restoreJob)}`,
      `file=?${table}`,
      ...(r.where === null ? [] : [`where=${consoleValue(r.where)}`]),
      `replace=${consoleValue(r.replace)}`,
      'done',
      'yes',
    ].join(' ');
    await this.console.one(select.join(' '));
    try {
      const text = await this.console.one(run);
      const jobId = parseQueuedJobId(text);
      if (jobId === null) throw new BaculaCommandError('restore', text, 'the director did not queue the restore');
      return jobId;
    } finally {
      await this.console.one(`.bvfs_cleanup path=${table}`).catch(() => undefined);
    }
  }

  /**
   * Restarts the storage daemon so it reads its devices again, then waits (up to `readyMs`) until
   * the director reaches it through `storage` (`status storage=`), so the next job or label finds it.
   */
  async restartStorageDaemon(control: StorageDaemonControl, storage: string | null, readyMs = 60_000): Promise<void> {
    if (control.kind === 'systemctl') await new SystemdAdapter(this.host).act(control.unit, 'restart');
    else {
      const text = await this.host.files.readIfExists(control.pidFile);
      const pid = Number(text?.trim());
      if (Number.isSafeInteger(pid) && pid > 1) {
        const alive = async () => (await this.host.run('kill', ['-0', String(pid)], { okCodes: [0, 1] })).code === 0;
        if (await alive()) {
          await this.host.run('kill', ['-TERM', String(pid)], { okCodes: [0, 1] });
          await this.until(readyMs, 'the storage daemon to stop', async () => !(await alive()));
        }
      }
      await this.host.run('bacula-sd', ['-c', userArg(this.paths.storageDaemonConf)], { timeoutMs: 30_000 });
    }
    if (storage) await this.until(readyMs, `the storage daemon to answer for ${storage}`, async () => this.storageAnswers(storage));
  }

  /**
   * Hands a repository's folder to the storage daemon's user (Debian runs bacula-sd as
   * bacula:tape): owner bacula, group bacula, 0750, so it can write volumes there and nobody
   * else can read them. Bareos 2x: its user is bareos.
   */
  async prepareArchiveFolder(path: string, user = 'bacula'): Promise<void> {
    if (!path.startsWith('/')) throw new BaculaCommandError('(refused)', '', `not an absolute folder: ${path}`);
    await this.host.run('chown', [`${userArg(user)}:${userArg(this.paths.group)}`, userArg(path)], { timeoutMs: 30_000 });
    await this.host.run('chmod', ['0750', userArg(path)], { timeoutMs: 30_000 });
  }

  /** Whether the director reaches the storage daemon of `storage` (`status storage=`). */
  async storageAnswers(storage: string): Promise<boolean> {
    const text = await this.console.one(`status storage=${consoleValue(storage)}`).catch(() => '');
    return /Version: \d/.test(text) && !/Failed to connect to Storage daemon/i.test(text);
  }

  private async until(ms: number, what: string, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (await check()) return;
      if (Date.now() > deadline) throw new BaculaCommandError('(restart storage daemon)', '', `waited ${Math.round(ms / 1000)} s for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Makes the director read its configuration again. */
  async reload(): Promise<void> {
    const text = await this.console.one('reload');
    const problem = text.split('\n').find((l) => /error|Please correct/i.test(l));
    if (problem) throw new BaculaCommandError('reload', text, `the director refused its new configuration: ${problem.trim()}`);
  }

  /** `bacula-dir -t -c FILE`: the director's own check of a configuration (includes read). */
  async checkDirectorConf(path = this.paths.directorConf): Promise<void> {
    await this.check('bacula-dir', path);
  }

  async checkStorageDaemonConf(path = this.paths.storageDaemonConf): Promise<void> {
    await this.check('bacula-sd', path);
  }

  private async check(binary: string, path: string): Promise<void> {
    try {
      await this.host.run(binary, ['-t', '-c', path], { timeoutMs: 30_000 });
    } catch (err) {
      if (!(err instanceof HostCommandError)) throw err;
      // The daemon echoes the offending line of the file, which may hold a password: only its
      // sentence and the position are kept.
      const text = err.stderr;
      const why = /Config error: (.+)/.exec(text)?.[1] ?? /Fatal error: (.+)/.exec(text)?.[1] ?? /ERROR in (\S+)/.exec(text)?.[0] ?? 'it exited with an error';
      const where = /: (line \d+, col \d+ of file \S+)/.exec(text)?.[1];
      const sentence = `${binary} refused the configuration: ${why}${where ? ` (${where})` : ''}`;
      throw new HostCommandError(binary, ['-t', '-c', path], err.code, `${sentence}\n`, sentence);
    }
  }
}
