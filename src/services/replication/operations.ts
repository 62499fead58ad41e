/**
 * Data protection as operations: periodic snapshot tasks, replication tasks, SSH connections and
 * a dataset's timeline (see src/contracts/replication.ts for who may do what). Each task owns a
 * schedule of the one scheduler (kinds snapshot.task and replication.task); a run is a job of its
 * own with progress and log, started by the schedule, by "run now", or (replication) after a
 * snapshot task it follows.
 */
import { SYSTEM_ACTOR, type CallMeta, type Ctx } from '../core/context.js';
import { Conflict, NotFound, ValidationError } from '../core/errors.js';
import type { JobHandle } from '../core/jobs.js';
import { implement, type Registry } from '../core/registry.js';
import { replicationContracts as c, replicationPermissions, type ReplicationTask, type SnapshotTask } from '../../contracts/replication.js';
import { describeLifetime, parseLifetime } from '../../contracts/snapshot-naming.js';
import { nowIso } from '../../contracts/time.js';
import { ZfsEndpoint } from '../../system/zfs/send-endpoint.js';
import { HostCommandError } from '../../system/host.js';
import { fingerprint, generateKeyPair, knownHostsLine, parsePublicKey, publicKeyOf, scanHostKeys, sshArgs, sshFailure } from '../../system/ssh/index.js';
import { holdTag, knownHostsPath, ReplicationStop, runReplication } from './engine.js';
import { retentionPlan, runSnapshotTask } from './snapshot-tasks.js';
import {
  childTarget,
  json,
  loadConnection,
  loadReplicationTask,
  loadSnapshotTask,
  targetFor,
  toReplicationTask,
  toSnapshotTask,
  toSshConnection,
  type ReplicatedDatasetRow,
  type ReplicationTaskRow,
  type SnapshotTaskRow,
  type SshConnectionRow,
} from './store.js';
import { taskCovers } from './retention.js';

export interface ReplicationOptions {
  /** Where key pairs and pinned host keys are kept (0700; keys 0600). */
  sshDir?: string;
  /** Waits between retries (tests shorten them). */
  sleep?: (ms: number) => Promise<void>;
  /** Time zone of naming schemas and task windows (the appliance's by default). */
  timeZone?: string;
}

const SYSTEM: CallMeta = { actor: SYSTEM_ACTOR, face: 'system' };
const bad = (path: string, message: string) => new ValidationError(`${path}: ${message}`, [{ path, message }]);
const clip = (s: string) => (s.length > 1000 ? `${s.slice(0, 999)}…` : s);

function inside(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`);
}

export function registerReplication(registry: Registry, opts: ReplicationOptions = {}): void {
  registry.addPermissions(replicationPermissions);
  const sshDir = opts.sshDir ?? '/var/lib/calypso/ssh';
  const timeZone = opts.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
  const sleepFor = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  /** Runs going in this daemon, by task: never two runs of one task at once. */
  const running = new Map<string, number>();

  const scheduleOf = async (ctx: Ctx, id: number | null) => {
    if (id === null) return null;
    return ctx.db('schedules').where({ id }).first() as Promise<{ next_run_at: string | null } | undefined>;
  };
  const snapshotTaskOut = async (ctx: Ctx, row: SnapshotTaskRow): Promise<SnapshotTask> =>
    toSnapshotTask(row, (await scheduleOf(ctx, row.schedule_id))?.next_run_at ?? null);
  const replicationOut = async (ctx: Ctx, row: ReplicationTaskRow): Promise<ReplicationTask> => {
    const states: ReplicatedDatasetRow[] = await ctx.db('replication_datasets').where({ task_id: row.id });
    const created = states.map((s) => (s.snapshot_created_at ? Date.parse(s.snapshot_created_at) : null));
    const lagSeconds =
      created.length && created.every((x) => x !== null) ? Math.max(0, Math.round((Date.now() - Math.min(...(created as number[]))) / 1000)) : null;
    return toReplicationTask(row, { nextRunAt: (await scheduleOf(ctx, row.schedule_id))?.next_run_at ?? null, lagSeconds });
  };

  /** A task's schedule, made and changed through the scheduler's own operations (as the system). */
  const syncSchedule = async (
    ctx: Ctx,
    kind: 'snapshot.task' | 'replication.task',
    table: string,
    id: number,
    cron: string | null,
    enabled: boolean,
    scheduleId: number | null,
  ) => {
    if (cron === null) {
      if (scheduleId !== null) {
        await ctx.call('schedules.delete', { id: scheduleId }, SYSTEM);
        await ctx.db(table).where({ id }).update({ schedule_id: null });
      }
      return;
    }
    if (scheduleId === null) {
      const s = await ctx.call<{ id: number }>(
        'schedules.create',
        { kind, target: String(id), cron, enabled, description: `${kind === 'snapshot.task' ? 'snapshot' : 'replication'} task ${id}` },
        SYSTEM,
      );
      await ctx.db(table).where({ id }).update({ schedule_id: s.id });
      return;
    }
    await ctx.call('schedules.update', { id: scheduleId, cron }, SYSTEM);
    await ctx.call(enabled ? 'schedules.enable' : 'schedules.disable', { id: scheduleId }, SYSTEM);
  };

  const startJob = async (
    ctx: Ctx,
    key: string,
    spec: { type: string; description: string; target: string },
    work: (job: JobHandle) => Promise<Record<string, unknown>>,
  ) => {
    const busy = running.get(key);
    if (busy !== undefined) throw new Conflict(`${spec.target} is running (job ${busy || 'starting'}); wait for it to end`);
    running.set(key, 0);
    try {
      const job = await ctx.jobs.start({ ...spec, owner: ctx.actor?.username ?? 'system', cancellable: true }, async (handle) => {
        running.set(key, handle.id);
        try {
          return await work(handle);
        } finally {
          running.delete(key);
        }
      });
      return job;
    } catch (err) {
      running.delete(key);
      throw err;
    }
  };

  // ---- periodic snapshot tasks -------------------------------------------------------------

  const checkSnapshotTask = async (
    ctx: Ctx,
    t: { dataset: string; recursive: boolean; exclude: string[]; windowFrom: string | null; windowTo: string | null },
  ) => {
    if (!(await new ZfsEndpoint(ctx.host, null).exists(t.dataset))) throw new NotFound(`dataset ${t.dataset} does not exist`);
    for (const x of t.exclude) if (!x.startsWith(`${t.dataset}/`)) throw bad('exclude', `${x} is not below ${t.dataset}: only its children can be left out`);
    if (t.exclude.length && !t.recursive) throw bad('exclude', 'only a recursive task has children to leave out: set recursive');
    if ((t.windowFrom === null) !== (t.windowTo === null)) throw bad('windowTo', 'give both ends of the hours it may run, or neither');
  };

  const startSnapshotRun = async (ctx: Ctx, row: SnapshotTaskRow) =>
    startJob(
      ctx,
      `snap:${row.id}`,
      { type: 'snapshots.task', description: `Snapshot task ${row.id}: ${row.dataset}`, target: `snapshot task ${row.id}` },
      async (job) => {
        await ctx.db('snapshot_tasks').where({ id: row.id }).update({ last_run_at: nowIso(), last_state: 'running', last_message: null, last_job_id: job.id });
        try {
          const out = await runSnapshotTask({ db: ctx.db, host: ctx.host, now: () => ctx.host.now?.() ?? Date.now(), timeZone }, row, job);
          await ctx
            .db('snapshot_tasks')
            .where({ id: row.id })
            .update({ last_state: out.state, last_message: clip(out.message) });
          if (out.snapshot) await followers(ctx, row.id, job);
          return { ...out };
        } catch (err) {
          await ctx
            .db('snapshot_tasks')
            .where({ id: row.id })
            .update({ last_state: 'failed', last_message: clip((err as Error).message) });
          throw err;
        }
      },
    );

  /** Replication tasks that run after this snapshot task. */
  const followers = async (ctx: Ctx, snapshotTaskId: number, job: JobHandle) => {
    const rows: ReplicationTaskRow[] = await ctx.db('replication_tasks').where({ enabled: true, trigger: 'after-snapshot-task' });
    for (const r of rows.filter((x) => json<number[]>(x.snapshot_task_ids).includes(snapshotTaskId))) {
      try {
        const j = await startReplicationRun(ctx, r);
        await job.log(`started replication task ${r.id} (${r.name}): job ${j.id}`);
      } catch (err) {
        await job.log(`replication task ${r.id} (${r.name}) not started: ${(err as Error).message}`);
      }
    }
  };

  registry.add(
    implement(c['snapshots.tasks.list'], async (ctx, i) => {
      const q = ctx.db('snapshot_tasks');
      if (i.dataset) q.where({ dataset: i.dataset });
      const [{ n }] = await q.clone().count({ n: '*' });
      const rows: SnapshotTaskRow[] = await q.orderBy('id').limit(i.limit).offset(i.offset);
      return { items: await Promise.all(rows.map((r) => snapshotTaskOut(ctx, r))), total: Number(n) };
    }),
  );
  registry.add(implement(c['snapshots.tasks.get'], async (ctx, i) => snapshotTaskOut(ctx, await loadSnapshotTask(ctx.db, i.id))));
  registry.add(
    implement(c['snapshots.tasks.create'], async (ctx, i) => {
      await checkSnapshotTask(ctx, i);
      const now = nowIso();
      const [inserted] = await ctx
        .db('snapshot_tasks')
        .insert({
          dataset: i.dataset,
          recursive: i.recursive,
          exclude: JSON.stringify(i.exclude),
          naming_schema: i.namingSchema,
          lifetime_seconds: parseLifetime(i.lifetime)!,
          cron: i.cron.trim().split(/\s+/).join(' '),
          window_from: i.windowFrom,
          window_to: i.windowTo,
          allow_empty: i.allowEmpty,
          enabled: i.enabled,
          description: i.description,
          created_at: now,
          updated_at: now,
        })
        .returning('id');
      const id = Number(typeof inserted === 'object' ? inserted.id : inserted);
      try {
        await syncSchedule(ctx, 'snapshot.task', 'snapshot_tasks', id, i.cron, i.enabled, null);
      } catch (err) {
        await ctx.db('snapshot_tasks').where({ id }).delete();
        throw err;
      }
      return snapshotTaskOut(ctx, await loadSnapshotTask(ctx.db, id));
    }),
  );
  registry.add(
    implement(c['snapshots.tasks.update'], async (ctx, i) => {
      const row = await loadSnapshotTask(ctx.db, i.id);
      const merged = {
        dataset: i.dataset ?? row.dataset,
        recursive: i.recursive ?? Boolean(row.recursive),
        exclude: i.exclude ?? json<string[]>(row.exclude),
        windowFrom: i.windowFrom !== undefined ? i.windowFrom : row.window_from,
        windowTo: i.windowTo !== undefined ? i.windowTo : row.window_to,
      };
      await checkSnapshotTask(ctx, merged);
      const cron = i.cron !== undefined ? i.cron.trim().split(/\s+/).join(' ') : row.cron;
      const enabled = i.enabled ?? Boolean(row.enabled);
      await ctx
        .db('snapshot_tasks')
        .where({ id: i.id })
        .update({
          dataset: merged.dataset,
          recursive: merged.recursive,
          exclude: JSON.stringify(merged.exclude),
          naming_schema: i.namingSchema ?? row.naming_schema,
          lifetime_seconds: i.lifetime !== undefined ? parseLifetime(i.lifetime)! : row.lifetime_seconds,
          cron,
          window_from: merged.windowFrom,
          window_to: merged.windowTo,
          allow_empty: i.allowEmpty ?? Boolean(row.allow_empty),
          enabled,
          description: i.description ?? row.description,
          updated_at: nowIso(),
        });
      if (cron !== row.cron || enabled !== Boolean(row.enabled))
        await syncSchedule(ctx, 'snapshot.task', 'snapshot_tasks', i.id, cron, enabled, row.schedule_id);
      return snapshotTaskOut(ctx, await loadSnapshotTask(ctx.db, i.id));
    }),
  );
  registry.add(
    implement(c['snapshots.tasks.delete'], async (ctx, i) => {
      const row = await loadSnapshotTask(ctx.db, i.id);
      const users: ReplicationTaskRow[] = await ctx.db('replication_tasks');
      const user = users.find((r) => json<number[]>(r.snapshot_task_ids).includes(i.id));
      if (user) throw new Conflict(`replication task ${user.id} (${user.name}) replicates this task's snapshots: take it out of that task first`);
      if (row.schedule_id !== null) await ctx.call('schedules.delete', { id: row.schedule_id }, SYSTEM);
      await ctx.db('snapshot_tasks').where({ id: i.id }).delete();
      return { deleted: true };
    }),
  );
  registry.add(implement(c['snapshots.tasks.run'], async (ctx, i) => ({ job: await startSnapshotRun(ctx, await loadSnapshotTask(ctx.db, i.id)) })));

  // ---- replication tasks --------------------------------------------------------------------

  const startReplicationRun = async (ctx: Ctx, row: ReplicationTaskRow) =>
    startJob(
      ctx,
      `repl:${row.id}`,
      { type: 'replication.run', description: `Replication task ${row.id}: ${row.name}`, target: `replication task ${row.id}` },
      async (job) => {
        const fresh = await loadReplicationTask(ctx.db, row.id);
        await ctx
          .db('replication_tasks')
          .where({ id: row.id })
          .update({ last_run_at: nowIso(), last_state: 'running', last_message: null, last_job_id: job.id });
        try {
          const out = await runReplication(
            {
              db: ctx.db,
              host: ctx.host,
              sshDir,
              now: () => ctx.host.now?.() ?? Date.now(),
              sleep: (ms, signal) =>
                signal.aborted
                  ? Promise.reject(new ReplicationStop('failed', 'Cancelled'))
                  : Promise.race([
                      sleepFor(ms),
                      new Promise<never>((_r, reject) =>
                        signal.addEventListener('abort', () => reject(new ReplicationStop('failed', 'Cancelled')), { once: true }),
                      ),
                    ]),
            },
            fresh,
            job,
          );
          await ctx
            .db('replication_tasks')
            .where({ id: row.id })
            .update({ last_state: 'succeeded', last_message: clip(out.message), last_success_at: nowIso() });
          return { message: out.message, bytes: out.bytes, datasets: out.datasets };
        } catch (err) {
          const state = err instanceof ReplicationStop ? err.state : 'failed';
          const message = err instanceof ReplicationStop ? err.message : `Failed: ${(err as Error).message}`;
          await job.log(message);
          await ctx
            .db('replication_tasks')
            .where({ id: row.id })
            .update({ last_state: state, last_message: clip(message) });
          throw err instanceof ReplicationStop ? err : new ReplicationStop('failed', message);
        }
      },
    );

  type TaskInput = {
    direction: 'push' | 'pull';
    transport: 'local' | 'ssh';
    connectionId: number | null;
    sources: string[];
    target: string;
    snapshotTaskIds: number[];
    namingSchema: string | null;
    trigger: 'after-snapshot-task' | 'schedule';
    cron: string | null;
    targetRetention: 'same' | 'custom' | 'none';
    targetLifetime: string | null;
  };
  const checkReplicationTask = async (ctx: Ctx, t: TaskInput, self: number | null) => {
    if (t.transport === 'local' && t.connectionId !== null) throw bad('connectionId', 'a local task uses no SSH connection');
    if (t.transport === 'ssh' && t.connectionId === null) throw bad('connectionId', 'an SSH task needs a connection: create one first');
    if (t.direction === 'pull' && t.transport !== 'ssh') throw bad('direction', 'pull replicates from a peer: choose the ssh transport and a connection');
    if (t.connectionId !== null) await loadConnection(ctx.db, t.connectionId);
    if (t.snapshotTaskIds.length === 0 && t.namingSchema === null)
      throw bad('snapshotTaskIds', 'say which snapshots to replicate: those of periodic snapshot tasks, or a naming schema');
    for (const id of t.snapshotTaskIds) await loadSnapshotTask(ctx.db, id);
    if (t.trigger === 'schedule' && t.cron === null) throw bad('cron', 'a task on its own schedule needs a cron expression');
    if (t.trigger === 'after-snapshot-task' && t.snapshotTaskIds.length === 0)
      throw bad('trigger', 'to run after snapshot tasks, name them in snapshotTaskIds (or use a schedule)');
    if (t.trigger === 'after-snapshot-task' && t.cron !== null) throw bad('cron', 'a task that runs after its snapshot tasks has no schedule of its own');
    if (t.targetRetention === 'custom' && t.targetLifetime === null) throw bad('targetLifetime', 'custom target retention needs a lifetime');
    if (new Set(t.sources).size !== t.sources.length) throw bad('sources', 'a source is listed twice');
    const sameSide = t.transport === 'local';
    for (const s of t.sources) {
      if (sameSide && inside(t.target, s)) throw bad('target', `the target ${t.target} is inside its own source ${s}: it would replicate into itself`);
      if (sameSide && inside(s, t.target)) throw bad('target', `the source ${s} is inside the target ${t.target}: receiving would overwrite it`);
    }
    for (const s of t.sources)
      for (const o of t.sources) if (s !== o && inside(s, o)) throw bad('sources', `${s} is inside ${o}: use recursive instead of listing both`);
    if (t.direction === 'push') {
      const local = new ZfsEndpoint(ctx.host, null);
      for (const s of t.sources) if (!(await local.exists(s))) throw new NotFound(`dataset ${s} does not exist`);
    }
    if (t.transport === 'local' && !(await new ZfsEndpoint(ctx.host, null).exists(t.target.split('/')[0]!)))
      throw new NotFound(`pool ${t.target.split('/')[0]} does not exist`);
    const others: ReplicationTaskRow[] = await ctx.db('replication_tasks').whereNot({ id: self ?? 0 });
    for (const o of others) {
      const sameWhere = o.transport === t.transport && (o.connection_id ?? null) === t.connectionId && o.direction === t.direction;
      if (sameWhere && (inside(o.target, t.target) || inside(t.target, o.target)))
        throw bad('target', `replication task ${o.id} (${o.name}) already writes to ${o.target}: two tasks would fight over the same target`);
    }
  };

  const replicationRow = (i: TaskInput & Record<string, unknown>) => ({
    name: i['name'],
    direction: i.direction,
    transport: i.transport,
    connection_id: i.connectionId,
    sources: JSON.stringify(i.sources),
    target: i.target,
    recursive: i['recursive'],
    exclude: JSON.stringify(i['exclude']),
    snapshot_task_ids: JSON.stringify(i.snapshotTaskIds),
    naming_schema: i.namingSchema,
    trigger: i.trigger,
    cron: i.cron === null ? null : i.cron.trim().split(/\s+/).join(' '),
    intermediates: i['intermediates'],
    properties: i['properties'],
    raw: i['raw'],
    compressed: i['compressed'],
    allow_from_scratch: i['allowFromScratch'],
    allow_target_rollback: i['allowTargetRollback'],
    target_readonly: i['targetReadOnly'],
    target_retention: i.targetRetention,
    target_lifetime_seconds: i.targetLifetime === null ? null : parseLifetime(i.targetLifetime),
    retries: i['retries'],
    retry_delay_seconds: i['retryDelaySeconds'],
    bandwidth_limit_bytes: i['bandwidthLimitBytes'],
    lag_alert_seconds: i['lagAlertSeconds'],
    enabled: i['enabled'],
    description: i['description'],
  });

  const fromRow = (r: ReplicationTaskRow) => ({
    name: r.name,
    direction: r.direction,
    transport: r.transport,
    connectionId: r.connection_id === null ? null : Number(r.connection_id),
    sources: json<string[]>(r.sources),
    target: r.target,
    recursive: Boolean(r.recursive),
    exclude: json<string[]>(r.exclude),
    snapshotTaskIds: json<number[]>(r.snapshot_task_ids),
    namingSchema: r.naming_schema,
    trigger: r.trigger,
    cron: r.cron,
    intermediates: Boolean(r.intermediates),
    properties: Boolean(r.properties),
    raw: Boolean(r.raw),
    compressed: Boolean(r.compressed),
    allowFromScratch: Boolean(r.allow_from_scratch),
    allowTargetRollback: Boolean(r.allow_target_rollback),
    targetReadOnly: Boolean(r.target_readonly),
    targetRetention: r.target_retention,
    targetLifetime: r.target_lifetime_seconds === null ? null : describeLifetime(Number(r.target_lifetime_seconds)),
    retries: Number(r.retries),
    retryDelaySeconds: Number(r.retry_delay_seconds),
    bandwidthLimitBytes: r.bandwidth_limit_bytes === null ? null : Number(r.bandwidth_limit_bytes),
    lagAlertSeconds: r.lag_alert_seconds === null ? null : Number(r.lag_alert_seconds),
    enabled: Boolean(r.enabled),
    description: r.description,
  });

  registry.add(
    implement(c['replication.tasks.list'], async (ctx, i) => {
      const [{ n }] = await ctx.db('replication_tasks').count({ n: '*' });
      const rows: ReplicationTaskRow[] = await ctx.db('replication_tasks').orderBy('id').limit(i.limit).offset(i.offset);
      return { items: await Promise.all(rows.map((r) => replicationOut(ctx, r))), total: Number(n) };
    }),
  );
  registry.add(implement(c['replication.tasks.get'], async (ctx, i) => replicationOut(ctx, await loadReplicationTask(ctx.db, i.id))));
  registry.add(
    implement(c['replication.tasks.create'], async (ctx, i) => {
      await checkReplicationTask(ctx, i, null);
      const now = nowIso();
      const [inserted] = await ctx
        .db('replication_tasks')
        .insert({ ...replicationRow(i), created_at: now, updated_at: now })
        .returning('id');
      const id = Number(typeof inserted === 'object' ? inserted.id : inserted);
      try {
        await syncSchedule(ctx, 'replication.task', 'replication_tasks', id, i.trigger === 'schedule' ? i.cron : null, i.enabled, null);
      } catch (err) {
        await ctx.db('replication_tasks').where({ id }).delete();
        throw err;
      }
      return replicationOut(ctx, await loadReplicationTask(ctx.db, id));
    }),
  );
  registry.add(
    implement(c['replication.tasks.update'], async (ctx, i) => {
      const row = await loadReplicationTask(ctx.db, i.id);
      const given = Object.fromEntries(Object.entries(i).filter(([k, v]) => k !== 'id' && v !== undefined));
      const merged = { ...fromRow(row), ...given } as ReturnType<typeof fromRow>;
      await checkReplicationTask(ctx, merged, i.id);
      await ctx
        .db('replication_tasks')
        .where({ id: i.id })
        .update({ ...replicationRow(merged), updated_at: nowIso() });
      const cron = merged.trigger === 'schedule' ? merged.cron : null;
      await syncSchedule(ctx, 'replication.task', 'replication_tasks', i.id, cron, merged.enabled, row.schedule_id);
      return replicationOut(ctx, await loadReplicationTask(ctx.db, i.id));
    }),
  );
  registry.add(
    implement(c['replication.tasks.delete'], async (ctx, i) => {
      const row = await loadReplicationTask(ctx.db, i.id);
      if (running.has(`repl:${i.id}`)) throw new Conflict(`replication task ${i.id} is running: cancel its job first`);
      const states: ReplicatedDatasetRow[] = await ctx.db('replication_datasets').where({ task_id: i.id });
      const local = new ZfsEndpoint(ctx.host, null);
      if (row.direction === 'push') {
        for (const s of states) if (s.snapshot) await local.release(holdTag(i.id), `${s.source}@${s.snapshot}`).catch(() => undefined);
      }
      if (row.schedule_id !== null) await ctx.call('schedules.delete', { id: row.schedule_id }, SYSTEM);
      await ctx.db('replication_datasets').where({ task_id: i.id }).delete();
      await ctx.db('replication_tasks').where({ id: i.id }).delete();
      return { deleted: true };
    }),
  );
  registry.add(implement(c['replication.tasks.run'], async (ctx, i) => ({ job: await startReplicationRun(ctx, await loadReplicationTask(ctx.db, i.id)) })));

  registry.add(
    implement(c['replication.timeline'], async (ctx, i) => {
      const local = new ZfsEndpoint(ctx.host, null);
      if (!(await local.exists(i.dataset))) throw new NotFound(`dataset ${i.dataset} does not exist`);
      const snaps = await local.snapshots(i.dataset);
      const now = ctx.host.now?.() ?? Date.now();
      const plan = new Map((await retentionPlan(ctx.db, local, [i.dataset], now, timeZone)).map((p) => [p.name, p]));
      const where = new Map<string, string[]>();
      const tasks: ReplicationTaskRow[] = await ctx.db('replication_tasks').where({ direction: 'push' });
      for (const t of tasks) {
        const sources = json<string[]>(t.sources);
        const source = sources.find((s) => taskCovers({ dataset: s, recursive: Boolean(t.recursive), exclude: json(t.exclude) }, i.dataset));
        if (!source) continue;
        const target = childTarget(source, targetFor(sources, t.target, source), i.dataset);
        try {
          const conn = t.connection_id === null ? null : await loadConnection(ctx.db, t.connection_id);
          const endpoint = conn
            ? new ZfsEndpoint(ctx.host, {
                host: conn.host,
                port: Number(conn.port),
                user: conn.user,
                keyPath: conn.key_path,
                knownHostsPath: knownHostsPath(sshDir, Number(conn.id)),
              })
            : local;
          const guids = new Set((await endpoint.snapshots(target)).map((s) => s.guid));
          for (const s of snaps) if (guids.has(s.guid)) where.set(s.name, [...(where.get(s.name) ?? []), `${t.name}: ${conn ? `${conn.host}:` : ''}${target}`]);
        } catch {
          // An unreachable peer: its column stays empty; the task's own state says why.
        }
      }
      return {
        dataset: i.dataset,
        snapshots: snaps.map((s) => {
          const p = plan.get(s.name);
          return {
            name: s.short,
            createdAt: s.creation ? new Date(s.creation * 1000).toISOString() : null,
            tasks: p?.tasks ?? [],
            holds: s.holds,
            replicatedTo: where.get(s.name) ?? [],
            retention: p ? (p.action === 'destroy' ? `removed at the next run: ${p.reason}` : `kept: ${p.reason}`) : 'kept: no snapshot task names it',
            expiresAt: p && Number.isFinite(p.expiresAtMs) ? new Date(p.expiresAtMs).toISOString() : null,
          };
        }),
      };
    }),
  );

  // ---- SSH connections ------------------------------------------------------------------------

  const fp = (line: string) => {
    const k = parsePublicKey(line);
    return k ? fingerprint(k) : null;
  };
  const connectionOut = (r: SshConnectionRow) => toSshConnection(r, fp);
  const scan = async (ctx: Ctx, r: SshConnectionRow): Promise<string | null> => {
    const keys = await scanHostKeys(ctx.host, { host: r.host, port: Number(r.port) }).catch(() => []);
    const pick = keys.find((k) => k.type === 'ssh-ed25519') ?? keys[0];
    return pick ? `${pick.type} ${pick.base64}` : null;
  };

  registry.add(
    implement(c['replication.connections.list'], async (ctx, i) => {
      const [{ n }] = await ctx.db('ssh_connections').count({ n: '*' });
      const rows: SshConnectionRow[] = await ctx.db('ssh_connections').orderBy('id').limit(i.limit).offset(i.offset);
      return { items: rows.map(connectionOut), total: Number(n) };
    }),
  );
  registry.add(
    implement(c['replication.connections.create'], async (ctx, i) => {
      const now = nowIso();
      const [inserted] = await ctx
        .db('ssh_connections')
        .insert({
          name: i.name,
          host: i.host,
          port: i.port,
          user: i.user,
          key_path: '',
          key_origin: i.privateKey ? 'imported' : 'generated',
          public_key: '',
          created_at: now,
          updated_at: now,
        })
        .returning('id');
      const id = Number(typeof inserted === 'object' ? inserted.id : inserted);
      const keyPath = `${sshDir}/id_ed25519-${id}`;
      try {
        await ctx.host.files.writeAtomic(knownHostsPath(sshDir, id), '', { mode: 0o600 });
        let publicKey: string;
        if (i.privateKey) {
          await ctx.host.files.writeAtomic(keyPath, i.privateKey.endsWith('\n') ? i.privateKey : `${i.privateKey}\n`, { mode: 0o600 });
          try {
            publicKey = await publicKeyOf(ctx.host, keyPath);
          } catch {
            await ctx.host.files.restorePrevious(keyPath);
            throw bad('privateKey', 'ssh-keygen cannot read this key (a passphrase, or not a private key): import an unencrypted OpenSSH key');
          }
        } else {
          publicKey = await generateKeyPair(ctx.host, keyPath, `calypso-${id}`);
        }
        const row = { key_path: keyPath, public_key: publicKey.trim(), updated_at: nowIso() };
        await ctx.db('ssh_connections').where({ id }).update(row);
        const offered = await scan(ctx, { ...(await loadConnection(ctx.db, id)), ...row });
        await ctx.db('ssh_connections').where({ id }).update({ offered_host_key: offered });
      } catch (err) {
        await ctx.db('ssh_connections').where({ id }).delete();
        throw err;
      }
      return connectionOut(await loadConnection(ctx.db, id));
    }),
  );
  registry.add(
    implement(c['replication.connections.scan'], async (ctx, i) => {
      const r = await loadConnection(ctx.db, i.id);
      const offered = await scan(ctx, r);
      if (!offered) throw new ValidationError(`${r.host}:${r.port} offered no host key: check the host name and port, and that sshd runs there`);
      await ctx.db('ssh_connections').where({ id: i.id }).update({ offered_host_key: offered, updated_at: nowIso() });
      return connectionOut(await loadConnection(ctx.db, i.id));
    }),
  );
  registry.add(
    implement(c['replication.connections.trust'], async (ctx, i) => {
      const r = await loadConnection(ctx.db, i.id);
      const offered = r.offered_host_key;
      if (!offered || offered === r.host_key) throw new Conflict(`no new host key is offered for ${r.host}: scan it first`);
      if (fp(offered) !== i.fingerprint)
        throw new Conflict(`${r.host} offers ${fp(offered)}, not ${i.fingerprint}: nothing was trusted; scan again and compare`);
      const [type, b64] = offered.split(' ');
      await ctx.host.files.writeAtomic(knownHostsPath(sshDir, i.id), `${knownHostsLine(r.host, Number(r.port), { type: type!, base64: b64! })}\n`, {
        mode: 0o600,
      });
      await ctx.db('ssh_connections').where({ id: i.id }).update({ host_key: offered, offered_host_key: null, updated_at: nowIso() });
      return connectionOut(await loadConnection(ctx.db, i.id));
    }),
  );
  registry.add(
    implement(c['replication.connections.test'], async (ctx, i) => {
      const r = await loadConnection(ctx.db, i.id);
      if (!r.host_key) return { ok: false, message: `The host key of ${r.host} is not pinned: scan it and confirm its fingerprint` };
      try {
        await ctx.host.run(
          'ssh',
          sshArgs({ host: r.host, port: Number(r.port), user: r.user, keyPath: r.key_path, knownHostsPath: knownHostsPath(sshDir, i.id) }, [
            'zfs',
            'list',
            '-H',
            '-o',
            'name',
            '-d',
            '0',
          ]),
          { timeoutMs: 30_000 },
        );
        return { ok: true, message: `Connected to ${r.user}@${r.host} and ran zfs list` };
      } catch (err) {
        if (err instanceof HostCommandError) {
          const why = sshFailure(err.stderr, r.host);
          if (why) {
            if (why.kind === 'host-key-changed') {
              const offered = await scan(ctx, r);
              if (offered) await ctx.db('ssh_connections').where({ id: i.id }).update({ offered_host_key: offered });
            }
            return { ok: false, message: why.message };
          }
          return { ok: false, message: `Connected, but zfs failed on ${r.host}: ${err.stderr.trim().split('\n')[0]}` };
        }
        throw err;
      }
    }),
  );
  registry.add(
    implement(c['replication.connections.delete'], async (ctx, i) => {
      const r = await loadConnection(ctx.db, i.id);
      const user = await ctx.db('replication_tasks').where({ connection_id: i.id }).first();
      if (user) throw new Conflict(`replication task ${user.id} (${user.name}) uses this connection: change or delete it first`);
      await ctx.db('ssh_connections').where({ id: i.id }).delete();
      // HostFiles cannot unlink: the key files are emptied, twice, so the copy writeAtomic keeps (.prev) is empty too.
      for (const p of [r.key_path, `${r.key_path}.pub`, knownHostsPath(sshDir, i.id)]) {
        if (!p) continue;
        for (let k = 0; k < 2; k++) await ctx.host.files.writeAtomic(p, '', { mode: 0o600 }).catch(() => undefined);
      }
      return { deleted: true };
    }),
  );
}
