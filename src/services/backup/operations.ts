/**
 * Backup with Bacula (issue 11): the operations of src/contracts/backup.ts. Definitions live in
 * the database and are applied to the director (resources.ts); runs, volumes and files are read
 * live from the director's catalog through bconsole.
 */
import { backupContracts as c, backupPermissions, type BackupClient } from '../../contracts/backup.js';
import { page } from '../../contracts/list.js';
import { ZfsAdapter } from '../../system/zfs/index.js';
import type { BaculaAdapter, BaculaJobDetail, BaculaVolume, ClientStatus } from '../../system/bacula/index.js';
import type { Attachment, Attachments } from '../core/attachments.js';
import { actorHas, type Ctx } from '../core/context.js';
import { Conflict, Forbidden, NotFound, ValidationError } from '../core/errors.js';
import { implement, type Registry } from '../core/registry.js';
import type { JobDefsConf, PoolConf } from '../../system/bacula/config.js';
import {
  adapterFor,
  changeResources,
  deleteResource,
  effectiveJob,
  getResource,
  insertResource,
  jobsUsing,
  listResources,
  requireResource,
  updateResource,
  type ClientSpec,
  type JobSpec,
} from './resources.js';
import { isoFromBacula, levelCode, progressOf, toRun, waitingReason } from './runs.js';

/** How often a followed job is polled (CALYPSO_BACKUP_POLL_MS, default 1 s). */
const pollMs = () => Number(process.env.CALYPSO_BACKUP_POLL_MS || 1000);

function toClient(spec: ClientSpec, status: ClientStatus | null = null, managed = true): BackupClient {
  return {
    managed,
    name: spec.name,
    address: spec.address,
    port: spec.port,
    catalog: spec.catalog,
    fileRetentionDays: spec.fileRetentionDays,
    jobRetentionDays: spec.jobRetentionDays,
    enabled: spec.enabled,
    passwordSet: managed,
    reachable: status ? status.reachable : null,
    version: status?.version ?? null,
    error: status?.error ?? null,
  };
}

function toVolume(v: BaculaVolume) {
  return {
    mediaId: v.mediaId,
    name: v.name,
    status: v.status,
    usedBytes: v.bytes,
    pool: v.pool,
    mediaType: v.mediaType,
    lastWrittenAt: isoFromBacula(v.lastWritten),
  };
}

async function clientStatuses(bacula: BaculaAdapter, names: string[]): Promise<Map<string, ClientStatus>> {
  const out = new Map<string, ClientStatus>();
  if (!names.length) return out;
  const statuses = await bacula.clientStatuses(names);
  names.forEach((n, i) => out.set(n, statuses[i]!));
  return out;
}

/** Bytes of the last run of `job` at `level` that ended well, for estimates. */
function previousBytes(history: BaculaJobDetail[], job: string, level: string, before: number): number | null {
  const prev = history.filter((h) => h.name === job && h.level === level && h.status === 'T' && h.jobId < before).sort((a, b) => b.jobId - a.jobId)[0];
  return prev ? prev.bytes : null;
}

async function directorStatus(ctx: Ctx) {
  const bacula = adapterFor(ctx);
  const status = await bacula.directorStatus();
  const history = status.running.length ? await bacula.jobs() : [];
  const jobs = await listResources(ctx.db, 'job');
  // Live counters only from clients of jobs that transfer: asking an unreachable client costs a connect timeout.
  const transferring = new Set(status.running.filter((j) => j.status === 'R').map((j) => j.jobId));
  const clients = [
    ...new Set(
      status.details
        .filter((d) => transferring.has(d.jobId))
        .map((d) => d.client)
        .filter((x): x is string => !!x),
    ),
  ];
  const live = new Map<number, ClientStatus['running'][number]>();
  for (const client of clients) {
    const s = await bacula.clientStatus(client).catch(() => null);
    for (const r of s?.running ?? []) live.set(r.jobId, r);
  }
  const running = status.running.map((j) => {
    const detail = status.details.find((d) => d.jobId === j.jobId);
    const catalog = history.find((h) => h.jobId === j.jobId);
    const pool = catalog?.pool ?? jobs.find((d) => d.name === j.name)?.pool ?? null;
    const started = isoFromBacula(j.startTime);
    const waitingSeconds = started ? Math.max(0, (ctx.host.now?.() ?? Date.now()) - Date.parse(started)) / 1000 : null;
    const waiting = waitingReason(j.status, detail?.statusText ?? '', {
      pool,
      client: detail?.client ?? null,
      storage: detail?.storage ?? null,
      waitingSeconds,
    });
    return {
      ...toRun({ ...j, client: detail?.client ?? null, pool }),
      waiting,
      progress: progressOf(live.get(j.jobId), previousBytes(history, j.name, j.level, j.jobId)),
    };
  });
  return { name: status.name, version: status.version, running, recent: status.terminated.map((j) => toRun(j)) };
}

const TERMINAL = new Set(['T', 'W', 'E', 'e', 'f', 'A', 'D', 'I']);

/**
 * Starts a Calypso job that follows a Bacula job to its end: progress (files, bytes, rate,
 * estimate) on the event stream, a failure when Bacula's run fails; cancelling it cancels the
 * Bacula job.
 */
async function follow(ctx: Ctx, jobId: number, name: string, level: string, kind: 'backup' | 'restore') {
  const bacula = adapterFor(ctx);
  const owner = ctx.actor?.username ?? 'system';
  return ctx.jobs.start(
    { type: `backup.${kind}`, description: `${kind === 'backup' ? 'Backup' : 'Restore'} ${name} (JobId ${jobId})`, owner, target: name, cancellable: true },
    async (handle) => {
      const history = await bacula.jobs({ job: name }).catch(() => []);
      const expected = previousBytes(history, name, level, jobId);
      let cancelled = false;
      let unanswered = 0;
      handle.signal.addEventListener('abort', () => {
        cancelled = true;
        void bacula.cancel(jobId).catch(() => undefined);
      });
      for (;;) {
        const run = await bacula.job(jobId).catch(() => null);
        unanswered = run ? 0 : unanswered + 1;
        // The director gone for a minute or more: Calypso stops following (the job may still end well).
        if (unanswered * pollMs() > 60_000 || (cancelled && unanswered > 3))
          throw new Conflict(`lost track of Bacula job ${jobId}: the director does not answer`);
        if (run && TERMINAL.has(run.status)) {
          const r = toRun(run);
          await handle.log(`JobId ${jobId} ${r.statusText}: ${r.files} files, ${r.jobBytes} bytes`);
          if (r.outcome === 'failed' || (r.outcome === 'cancelled' && !cancelled)) throw new Conflict(`Bacula job ${jobId} ${r.statusText}`);
          return r;
        }
        const status = await bacula.directorStatus().catch(() => null);
        const detail = status?.details.find((d) => d.jobId === jobId);
        const current = status?.running.find((j) => j.jobId === jobId);
        if (current && detail) {
          const started = isoFromBacula(current.startTime);
          const waitingSeconds = started ? Math.max(0, (ctx.host.now?.() ?? Date.now()) - Date.parse(started)) / 1000 : null;
          const waiting = waitingReason(current.status, detail.statusText, {
            pool: run?.pool ?? null,
            client: detail.client,
            storage: detail.storage,
            waitingSeconds,
          });
          const live =
            detail.client && current.status === 'R'
              ? (await bacula.clientStatus(detail.client).catch(() => null))?.running.find((r) => r.jobId === jobId)
              : undefined;
          const p = progressOf(live, expected);
          const text = waiting
            ? `${waiting.reason}: ${waiting.action}`
            : p
              ? `${p.files} files, ${p.doneBytes} bytes${p.remainingSeconds !== null ? `, about ${p.remainingSeconds} s left` : ''}`
              : 'running';
          await handle.progress(p?.percent ?? 0, text);
        }
        await new Promise((r) => setTimeout(r, pollMs()));
      }
    },
  );
}

async function requireKnown(ctx: Ctx, bacula: BaculaAdapter, kind: 'client' | 'fileset' | 'schedule' | 'pool', name: string, field: string): Promise<void> {
  if (await getResource(ctx.db, kind, name)) return;
  const live =
    kind === 'schedule' ? [] : await bacula.names(kind === 'client' ? 'clients' : kind === 'fileset' ? 'filesets' : 'pools').catch(() => [] as string[]);
  if (!live.includes(name)) throw new ValidationError(`no ${kind} named ${name}`, [{ path: field, message: `no ${kind} named ${name}` }]);
}

async function requireStorage(ctx: Ctx, bacula: BaculaAdapter, name: string): Promise<void> {
  if (await getResource(ctx.db, 'repository', name)) return;
  const live = await bacula.names('storage').catch(() => [] as string[]);
  if (!live.includes(name)) throw new ValidationError(`no storage named ${name}`, [{ path: 'storage', message: `no storage or repository named ${name}` }]);
}

/** The references a job or JobDefs sets (the ones it leaves unset are not checked here). */
async function checkRefs(ctx: Ctx, j: Pick<JobSpec, 'client' | 'fileset' | 'schedule' | 'pool' | 'storage'>): Promise<void> {
  const bacula = adapterFor(ctx);
  if (j.client) await requireKnown(ctx, bacula, 'client', j.client, 'client');
  if (j.fileset) await requireKnown(ctx, bacula, 'fileset', j.fileset, 'fileset');
  if (j.schedule) await requireKnown(ctx, bacula, 'schedule', j.schedule, 'schedule');
  if (j.pool) await requireKnown(ctx, bacula, 'pool', j.pool, 'pool');
  if (j.storage) await requireStorage(ctx, bacula, j.storage);
}

/**
 * A job as it will be saved: its JobDefs exists, what it runs with (its own values, else the
 * JobDefs') names a client, FileSet, pool and storage that exist, and a level and priority are
 * set on the job when neither sets them (Incremental, 10).
 */
async function normalizedJob(ctx: Ctx, j: JobSpec): Promise<JobSpec> {
  const defs = await listResources(ctx.db, 'jobdefs');
  if (j.jobDefs && !defs.some((d) => d.name === j.jobDefs))
    throw new ValidationError(`no JobDefs named ${j.jobDefs}`, [{ path: 'jobDefs', message: `no JobDefs named ${j.jobDefs}` }]);
  const spec: JobSpec = { ...j, jobDefs: j.jobDefs ?? null };
  const eff = effectiveJob(spec, defs);
  if (eff.level === null) spec.level = 'Incremental';
  if (eff.priority === null) spec.priority = 10;
  const missing = (['client', 'fileset', 'pool', 'storage'] as const).filter((f) => !eff[f]);
  if (missing.length)
    throw new ValidationError(
      `the job needs a ${missing.join(', ')}${spec.jobDefs ? ` (its JobDefs ${spec.jobDefs} sets none)` : ''}`,
      missing.map((f) => ({ path: f, message: spec.jobDefs ? `required: JobDefs ${spec.jobDefs} does not set it` : 'required' })),
    );
  await checkRefs(ctx, eff);
  return spec;
}

function toJobView(j: JobSpec, history: BaculaJobDetail[], managed = true, defs: JobDefsConf[] = []) {
  const last = history.filter((h) => h.name === j.name).sort((a, b) => b.jobId - a.jobId)[0];
  const run = last ? toRun(last) : null;
  const eff = effectiveJob(j, defs);
  return {
    name: j.name,
    managed,
    jobDefs: j.jobDefs ?? null,
    client: eff.client ?? '',
    fileset: eff.fileset ?? '',
    schedule: eff.schedule,
    pool: eff.pool ?? '',
    storage: eff.storage ?? '',
    level: eff.level ?? 'Incremental',
    priority: eff.priority ?? 10,
    maxRunSeconds: eff.maxRunSeconds,
    enabled: j.enabled,
    lastRun: run ? { jobId: run.jobId, status: run.statusText, ok: run.outcome === 'ok', at: run.startedAt } : null,
  };
}

async function refusedIfUsed(ctx: Ctx, field: 'client' | 'fileset' | 'schedule' | 'pool' | 'storage', name: string): Promise<void> {
  const users = await jobsUsing(ctx.db, field, name);
  if (users.length)
    throw new Conflict(
      `${name} is used by the job${users.length > 1 ? 's' : ''} ${users.join(', ')}: change or delete ${users.length > 1 ? 'them' : 'it'} first`,
    );
}

/** A dataset a repository stores volumes on cannot be destroyed (the storage service asks). */
function repositoryAttachments(): (ctx: Ctx, dataset: string) => Promise<Attachment[]> {
  return async (ctx, dataset) =>
    (await listResources(ctx.db, 'repository'))
      .filter((r) => r.dataset === dataset || r.dataset.startsWith(`${dataset}/`))
      .map((r) => ({
        kind: 'backup-repository',
        name: r.name,
        dataset: r.dataset,
        remove: { operation: 'backup.repositories.delete', input: { name: r.name, confirm: r.name } },
      }));
}

async function volumeNamed(bacula: BaculaAdapter, name: string) {
  const v = (await bacula.volumes()).find((x) => x.name === name);
  if (!v) throw new NotFound(`no volume ${name}`);
  return toVolume(v);
}

export function registerBackup(registry: Registry, attachments: Attachments): void {
  registry.addPermissions(backupPermissions);
  attachments.register(repositoryAttachments());

  registry.add(implement(c['backup.status'], (ctx) => directorStatus(ctx)));

  // Clients
  registry.add(
    implement(c['backup.clients.list'], async (ctx, i) => {
      const bacula = adapterFor(ctx);
      const specs = await listResources(ctx.db, 'client');
      // Clients of the director's own configuration are shown too, read-only.
      const own = (await bacula.names('clients').catch(() => [] as string[])).filter((n) => !specs.some((s) => s.name === n));
      const all = [
        ...specs.map((s) => ({ spec: s, managed: true })),
        ...own.map((name) => ({
          spec: { name, address: '', port: 9102, catalog: bacula.paths.catalog, fileRetentionDays: 0, jobRetentionDays: 0, enabled: true },
          managed: false,
        })),
      ].sort((a, b) => a.spec.name.localeCompare(b.spec.name));
      const shown = page(all, i);
      // One session for every client; if the director cannot ask them all in time, the list still answers, states unknown.
      const names = shown.items.map((s) => s.spec.name);
      const statuses = i.probe ? await clientStatuses(bacula, names).catch(() => new Map<string, ClientStatus>()) : new Map<string, ClientStatus>();
      return { items: shown.items.map((s) => toClient(s.spec, statuses.get(s.spec.name) ?? null, s.managed)), total: shown.total };
    }),
  );
  registry.add(
    implement(c['backup.clients.create'], async (ctx, i) => {
      const { password, ...rest } = i;
      const spec: ClientSpec = { ...rest, catalog: adapterFor(ctx).paths.catalog };
      await changeResources(ctx, (trx) => insertResource(trx, 'client', spec, password));
      return toClient(spec);
    }),
  );
  registry.add(
    implement(c['backup.clients.update'], async (ctx, i) => {
      const { password, name, ...change } = i;
      const current = await requireResource(ctx.db, 'client', name);
      const defined = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined));
      const spec: ClientSpec = { ...current, ...defined };
      await changeResources(ctx, (trx) => updateResource(trx, 'client', spec, password));
      return toClient(spec);
    }),
  );
  registry.add(
    implement(c['backup.clients.delete'], async (ctx, i) => {
      await refusedIfUsed(ctx, 'client', i.name);
      await changeResources(ctx, (trx) => deleteResource(trx, 'client', i.name));
      return { ok: true as const };
    }),
  );
  registry.add(
    implement(c['backup.clients.test'], async (ctx, i) => {
      const spec = await requireResource(ctx.db, 'client', i.name);
      return toClient(spec, await adapterFor(ctx).clientStatus(i.name));
    }),
  );

  // FileSets, schedules, pools
  registry.add(implement(c['backup.filesets.list'], async (ctx, i) => page(await listResources(ctx.db, 'fileset'), i)));
  registry.add(
    implement(c['backup.filesets.create'], async (ctx, i) => {
      await changeResources(ctx, (trx) => insertResource(trx, 'fileset', i));
      return i;
    }),
  );
  const changed = <T extends object>(current: T, change: Record<string, unknown>): T => ({
    ...current,
    ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)),
  });
  registry.add(
    implement(c['backup.filesets.update'], async (ctx, i) => {
      const spec = changed(await requireResource(ctx.db, 'fileset', i.name), i);
      await changeResources(ctx, (trx) => updateResource(trx, 'fileset', spec));
      return spec;
    }),
  );
  registry.add(
    implement(c['backup.filesets.delete'], async (ctx, i) => {
      await refusedIfUsed(ctx, 'fileset', i.name);
      await changeResources(ctx, (trx) => deleteResource(trx, 'fileset', i.name));
      return { ok: true as const };
    }),
  );
  registry.add(implement(c['backup.schedules.list'], async (ctx, i) => page(await listResources(ctx.db, 'schedule'), i)));
  registry.add(
    implement(c['backup.schedules.create'], async (ctx, i) => {
      await changeResources(ctx, (trx) => insertResource(trx, 'schedule', i));
      return i;
    }),
  );
  registry.add(
    implement(c['backup.schedules.update'], async (ctx, i) => {
      const spec = changed(await requireResource(ctx.db, 'schedule', i.name), i);
      await changeResources(ctx, (trx) => updateResource(trx, 'schedule', spec));
      return spec;
    }),
  );
  registry.add(
    implement(c['backup.schedules.delete'], async (ctx, i) => {
      await refusedIfUsed(ctx, 'schedule', i.name);
      await changeResources(ctx, (trx) => deleteResource(trx, 'schedule', i.name));
      return { ok: true as const };
    }),
  );
  const poolView = (name: string, spec: PoolConf | undefined, volumes: BaculaVolume[]) => {
    const vols = volumes.filter((v) => v.pool === name);
    return {
      name,
      volumeRetentionDays: spec?.volumeRetentionDays ?? 0,
      maxVolumeBytes: spec?.maxVolumeBytes ?? null,
      labelFormat: spec?.labelFormat ?? null,
      recycle: spec?.recycle ?? false,
      autoPrune: spec?.autoPrune ?? false,
      managed: !!spec,
      volumes: vols.length,
      totalBytes: vols.reduce((n, v) => n + v.bytes, 0),
      appendable: vols.filter((v) => v.status === 'Append' || v.status === 'Recycle' || v.status === 'Purged').length,
    };
  };
  registry.add(
    implement(c['backup.pools.list'], async (ctx, i) => {
      const bacula = adapterFor(ctx);
      const managed = await listResources(ctx.db, 'pool');
      const live = await bacula.names('pools').catch(() => [] as string[]);
      const volumes = await bacula.volumes().catch(() => [] as BaculaVolume[]);
      const names = [...new Set([...managed.map((p) => p.name), ...live])].sort();
      return page(
        names.map((name) =>
          poolView(
            name,
            managed.find((p) => p.name === name),
            volumes,
          ),
        ),
        i,
      );
    }),
  );
  registry.add(
    implement(c['backup.pools.update'], async (ctx, i) => {
      const bacula = adapterFor(ctx);
      const spec = changed(await requireResource(ctx.db, 'pool', i.name), i);
      // Reloaded, then the catalog's pool record and its volumes follow the resource; if the
      // director refuses that, the change is undone (file and database) like a refused file.
      await changeResources(ctx, (trx) => updateResource(trx, 'pool', spec), { after: () => bacula.updatePoolFromResource(i.name) });
      return poolView(i.name, spec, await bacula.volumes().catch(() => [] as BaculaVolume[]));
    }),
  );
  registry.add(
    implement(c['backup.pools.create'], async (ctx, i) => {
      await changeResources(ctx, (trx) => insertResource(trx, 'pool', i));
      return { ...i, managed: true, volumes: 0, totalBytes: 0, appendable: 0 };
    }),
  );
  registry.add(
    implement(c['backup.pools.delete'], async (ctx, i) => {
      await refusedIfUsed(ctx, 'pool', i.name);
      await changeResources(ctx, (trx) => deleteResource(trx, 'pool', i.name));
      return { ok: true as const };
    }),
  );

  // Repositories
  const repoView = async (ctx: Ctx, r: { name: string; dataset: string; path: string; mediaType: string; maxConcurrentJobs: number }) => {
    const ds = (await new ZfsAdapter(ctx.host).listDatasets({ types: ['filesystem'] }).catch(() => [])).find((d) => d.name === r.dataset);
    return { ...r, usedBytes: ds?.used ?? null, availableBytes: ds?.available ?? null };
  };
  registry.add(
    implement(c['backup.repositories.list'], async (ctx, i) => {
      const shown = page(await listResources(ctx.db, 'repository'), i);
      return { items: await Promise.all(shown.items.map((r) => repoView(ctx, r))), total: shown.total };
    }),
  );
  registry.add(
    implement(c['backup.repositories.create'], async (ctx, i) => {
      const ds = (await new ZfsAdapter(ctx.host).listDatasets({ types: ['filesystem'] })).find((d) => d.name === i.dataset);
      if (!ds) throw new ValidationError(`no filesystem dataset ${i.dataset}`, [{ path: 'dataset', message: 'a ZFS filesystem of an imported pool' }]);
      if (!ds.mountpoint || !ds.mountpoint.startsWith('/') || ds.mountpoint === '/')
        throw new ValidationError(`${i.dataset} is not mounted on a folder of its own`, [{ path: 'dataset', message: 'must be mounted (not legacy, not /)' }]);
      const used = (await listResources(ctx.db, 'repository')).find((r) => r.dataset === i.dataset);
      if (used) throw new Conflict(`${i.dataset} is already the repository ${used.name}`);
      const spec = { name: i.name, dataset: i.dataset, path: ds.mountpoint, mediaType: i.mediaType, maxConcurrentJobs: i.maxConcurrentJobs };
      // The storage daemon runs as bacula: the folder becomes its own before the device points at it.
      await changeResources(ctx, (trx) => insertResource(trx, 'repository', spec), {
        force: i.force,
        prepare: () => adapterFor(ctx).prepareArchiveFolder(spec.path),
      });
      return repoView(ctx, spec);
    }),
  );
  registry.add(
    implement(c['backup.repositories.update'], async (ctx, i) => {
      const current = await requireResource(ctx.db, 'repository', i.name);
      const spec = { ...current, mediaType: i.mediaType ?? current.mediaType, maxConcurrentJobs: i.maxConcurrentJobs ?? current.maxConcurrentJobs };
      await changeResources(ctx, (trx) => updateResource(trx, 'repository', spec), { force: i.force });
      return repoView(ctx, spec);
    }),
  );
  registry.add(
    implement(c['backup.repositories.delete'], async (ctx, i) => {
      await refusedIfUsed(ctx, 'storage', i.name);
      await changeResources(ctx, (trx) => deleteResource(trx, 'repository', i.name), { force: i.force });
      return { ok: true as const };
    }),
  );

  // Jobs
  registry.add(
    implement(c['backup.jobs.list'], async (ctx, i) => {
      const bacula = adapterFor(ctx);
      const specs = await listResources(ctx.db, 'job');
      const history = await bacula.jobs().catch(() => [] as BaculaJobDetail[]);
      // Backup jobs of the director's own configuration are shown too, read-only, with what their last run says.
      const own = (await bacula.names('jobs').catch(() => [] as string[]))
        .filter((n) => !specs.some((s) => s.name === n))
        .map((name): JobSpec | null => {
          const last = history.filter((h) => h.name === name).sort((a, b) => b.jobId - a.jobId)[0];
          if (!last || last.type !== 'B') return null;
          return {
            name,
            jobDefs: null,
            client: last.client ?? '',
            fileset: '',
            schedule: null,
            pool: last.pool ?? '',
            storage: '',
            level: 'Incremental',
            priority: 10,
            maxRunSeconds: null,
            enabled: true,
          };
        })
        .filter((j): j is JobSpec => j !== null);
      const all = [...specs.map((j) => ({ j, managed: true })), ...own.map((j) => ({ j, managed: false }))].sort((a, b) => a.j.name.localeCompare(b.j.name));
      const shown = page(all, i);
      const defs = await listResources(ctx.db, 'jobdefs');
      return { items: shown.items.map((x) => toJobView(x.j, history, x.managed, defs)), total: shown.total };
    }),
  );
  registry.add(
    implement(c['backup.jobs.create'], async (ctx, i) => {
      const spec = await normalizedJob(ctx, {
        name: i.name,
        jobDefs: i.jobDefs,
        client: i.client ?? null,
        fileset: i.fileset ?? null,
        schedule: i.schedule,
        pool: i.pool ?? null,
        storage: i.storage ?? null,
        level: i.level ?? null,
        priority: i.priority ?? null,
        maxRunSeconds: i.maxRunSeconds,
        enabled: i.enabled,
      });
      await changeResources(ctx, (trx) => insertResource(trx, 'job', spec));
      return toJobView(spec, [], true, await listResources(ctx.db, 'jobdefs'));
    }),
  );
  registry.add(
    implement(c['backup.jobs.update'], async (ctx, i) => {
      const { name, ...change } = i;
      const current = await requireResource(ctx.db, 'job', name);
      const spec = await normalizedJob(ctx, changed({ jobDefs: null, ...current }, change));
      await changeResources(ctx, (trx) => updateResource(trx, 'job', spec));
      return toJobView(spec, [], true, await listResources(ctx.db, 'jobdefs'));
    }),
  );

  // JobDefs
  registry.add(implement(c['backup.jobdefs.list'], async (ctx, i) => page(await listResources(ctx.db, 'jobdefs'), i)));
  registry.add(
    implement(c['backup.jobdefs.create'], async (ctx, i) => {
      await checkRefs(ctx, i);
      await changeResources(ctx, (trx) => insertResource(trx, 'jobdefs', i));
      return i;
    }),
  );
  registry.add(
    implement(c['backup.jobdefs.update'], async (ctx, i) => {
      const spec = changed(await requireResource(ctx.db, 'jobdefs', i.name), i);
      await checkRefs(ctx, spec);
      // The jobs naming it must still have everything they need once it changes.
      const jobs = (await listResources(ctx.db, 'job')).filter((j) => j.jobDefs === i.name);
      const defs = [...(await listResources(ctx.db, 'jobdefs')).filter((d) => d.name !== i.name), spec];
      for (const j of jobs) {
        const eff = effectiveJob(j, defs);
        const missing = (['client', 'fileset', 'pool', 'storage'] as const).filter((f) => !eff[f]);
        if (missing.length)
          throw new Conflict(`job ${j.name} takes its ${missing.join(', ')} from ${i.name}: set ${missing.length > 1 ? 'them' : 'it'} on the job first`);
      }
      await changeResources(ctx, (trx) => updateResource(trx, 'jobdefs', spec));
      return spec;
    }),
  );
  registry.add(
    implement(c['backup.jobdefs.delete'], async (ctx, i) => {
      const users = (await listResources(ctx.db, 'job')).filter((j) => j.jobDefs === i.name).map((j) => j.name);
      if (users.length)
        throw new Conflict(
          `${i.name} is named by the job${users.length > 1 ? 's' : ''} ${users.join(', ')}: change or delete ${users.length > 1 ? 'them' : 'it'} first`,
        );
      await changeResources(ctx, (trx) => deleteResource(trx, 'jobdefs', i.name));
      return { ok: true as const };
    }),
  );
  registry.add(
    implement(c['backup.jobs.delete'], async (ctx, i) => {
      await changeResources(ctx, (trx) => deleteResource(trx, 'job', i.name));
      return { ok: true as const };
    }),
  );
  registry.add(
    implement(c['backup.jobs.run'], async (ctx, i) => {
      const spec = await getResource(ctx.db, 'job', i.name);
      if (!spec && !(await adapterFor(ctx).names('jobs')).includes(i.name)) throw new NotFound(`no backup job ${i.name}`);
      const level = i.level ?? (spec ? effectiveJob(spec, await listResources(ctx.db, 'jobdefs')).level : null) ?? 'Incremental';
      const jobId = await adapterFor(ctx).run(i.name, level);
      const job = await follow(ctx, jobId, i.name, levelCode(level), 'backup');
      return { jobId, calypsoJobId: job.id };
    }),
  );

  // History and runs
  registry.add(
    implement(c['backup.history.list'], async (ctx, i) => {
      const runs = (await adapterFor(ctx).jobs({ job: i.job, client: i.client })).sort((a, b) => b.jobId - a.jobId).map((j) => toRun(j));
      return page(runs, i);
    }),
  );
  registry.add(
    implement(c['backup.history.get'], async (ctx, i) => {
      const bacula = adapterFor(ctx);
      const run = await bacula.job(i.jobId);
      if (!run) throw new NotFound(`no job ${i.jobId} in the catalog`);
      const log = await bacula.jobLog(i.jobId);
      return { run: toRun(run), log: log.map((l) => ({ at: isoFromBacula(l.at), text: l.text })) };
    }),
  );
  registry.add(
    implement(c['backup.runs.cancel'], async (ctx, i) => {
      await adapterFor(ctx).cancel(i.jobId);
      return { ok: true as const };
    }),
  );
  registry.add(
    implement(c['backup.runs.rerun'], async (ctx, i) => {
      const bacula = adapterFor(ctx);
      const run = await bacula.job(i.jobId);
      if (!run) throw new NotFound(`no job ${i.jobId} in the catalog`);
      if (run.type !== 'B') throw new ValidationError(`job ${i.jobId} is not a backup; restores are run again from the restore browser`);
      const level = { F: 'Full', I: 'Incremental', D: 'Differential' }[run.level] ?? 'Incremental';
      const jobId = await bacula.run(run.name, level);
      const job = await follow(ctx, jobId, run.name, run.level, 'backup');
      return { jobId, calypsoJobId: job.id };
    }),
  );

  // Volumes
  registry.add(
    implement(c['backup.volumes.list'], async (ctx, i) => {
      const all = (await adapterFor(ctx).volumes()).filter((v) => !i.pool || v.pool === i.pool).map(toVolume);
      return page(all, i);
    }),
  );
  registry.add(
    implement(c['backup.volumes.label'], async (ctx, i) => {
      const bacula = adapterFor(ctx);
      const existing = await bacula.volumes();
      let name = i.name;
      if (!name) {
        const prefix = (await getResource(ctx.db, 'pool', i.pool))?.labelFormat ?? 'Vol-';
        let n = existing.length + 1;
        while (existing.some((v) => v.name === `${prefix}${String(n).padStart(4, '0')}`)) n++;
        name = `${prefix}${String(n).padStart(4, '0')}`;
      }
      if (existing.some((v) => v.name === name)) throw new Conflict(`a volume named ${name} exists`);
      await bacula.label(i.storage, name, i.pool);
      return volumeNamed(bacula, name);
    }),
  );
  registry.add(
    implement(c['backup.volumes.update'], async (ctx, i) => {
      const bacula = adapterFor(ctx);
      await volumeNamed(bacula, i.name);
      if (!i.status && !i.pool) throw new ValidationError('nothing to change: give status or pool');
      if (i.status) await bacula.updateVolumeStatus(i.name, i.status);
      if (i.pool) await bacula.moveVolume(i.name, i.pool);
      return volumeNamed(bacula, i.name);
    }),
  );
  registry.add(
    implement(c['backup.volumes.purge'], async (ctx, i) => {
      const bacula = adapterFor(ctx);
      await volumeNamed(bacula, i.name);
      await bacula.purgeVolume(i.name);
      return volumeNamed(bacula, i.name);
    }),
  );
  registry.add(
    implement(c['backup.volumes.prune'], async (ctx, i) => {
      const bacula = adapterFor(ctx);
      await volumeNamed(bacula, i.name);
      await bacula.pruneVolume(i.name);
      return volumeNamed(bacula, i.name);
    }),
  );

  // Restore
  registry.add(
    implement(c['backup.restore.browse'], async (ctx, i) => {
      const bacula = adapterFor(ctx);
      const run = await bacula.job(i.jobId);
      if (!run || run.type !== 'B') throw new NotFound(`no backup job ${i.jobId} in the catalog`);
      const jobIds = await bacula.restoreChain(i.jobId);
      if (!jobIds.length) throw new NotFound(`job ${i.jobId} has no files to browse (purged, or it failed)`);
      await bacula.bvfsUpdate(jobIds);
      const path = i.path === '' || i.path.endsWith('/') ? i.path : `${i.path}/`;
      const { dirs, files } = await bacula.bvfsList(jobIds, path);
      const at = (t: number) => (t > 0 ? new Date(t * 1000).toISOString() : null);
      const entries = [
        ...dirs.map((d) => ({ name: d.name, path: `${path}${d.name}`, isDir: true, id: d.pathId, jobId: d.jobId, sizeBytes: 0, modifiedAt: at(d.mtime) })),
        ...files.map((f) => ({
          name: f.name,
          path: `${path}${f.name}`,
          isDir: false,
          id: f.fileId,
          jobId: f.jobId,
          sizeBytes: f.sizeBytes,
          modifiedAt: at(f.mtime),
        })),
      ];
      return { jobIds, path, entries };
    }),
  );
  registry.add(
    implement(c['backup.restore.point'], async (ctx, i) => {
      const bacula = adapterFor(ctx);
      const limit = Date.parse(i.at);
      const run = (await bacula.jobs({ client: i.client }))
        .filter((j) => j.type === 'B' && j.status === 'T')
        .map((j) => toRun(j))
        .filter((r) => r.endedAt !== null && Date.parse(r.endedAt) <= limit)
        .sort((a, b) => b.jobId - a.jobId)[0];
      if (!run) throw new NotFound(`no backup of ${i.client} ended well at or before ${i.at}`);
      return { run, jobIds: await bacula.restoreChain(run.jobId) };
    }),
  );
  registry.add(
    implement(c['backup.restore.run'], async (ctx, i) => {
      const bacula = adapterFor(ctx);
      const run = await bacula.job(i.jobId);
      if (!run || run.type !== 'B' || !run.client) throw new NotFound(`no backup job ${i.jobId} in the catalog`);
      const client = i.client ?? run.client;
      const widens = client !== run.client || (i.where !== 'original' && i.where !== 'restore-folder');
      if (widens && !actorHas(ctx.actor, 'backup.admin'))
        throw new Forbidden(
          'restoring to another client or to a folder of your choosing needs backup.admin: it copies files where other people may read them. Restore to the original location or the restore folder instead',
        );
      // In place, 'always' and 'ifnewer' overwrite the live files with older copies: an Admin's decision.
      if (i.where === 'original' && (i.replace === 'always' || i.replace === 'ifnewer') && !actorHas(ctx.actor, 'backup.admin'))
        throw new Forbidden(
          `restoring in place with replace=${i.replace} overwrites live files and needs backup.admin. Restore in place with replace=never or ifolder, or to the restore folder`,
        );
      if (!i.files.length && !i.dirs.length)
        throw new ValidationError('select at least one file or folder to restore', [{ path: 'files', message: 'nothing selected' }]);
      const jobIds = await bacula.restoreChain(i.jobId);
      const where = i.where === 'original' ? '/' : i.where === 'restore-folder' ? null : i.where;
      const jobId = await bacula.restore({ jobIds, fileIds: i.files, dirIds: i.dirs, client: run.client, restoreClient: client, where, replace: i.replace });
      const job = await follow(ctx, jobId, bacula.paths.restoreJob, '', 'restore');
      return { jobId, calypsoJobId: job.id };
    }),
  );
}
