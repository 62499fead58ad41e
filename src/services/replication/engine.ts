/**
 * One run of a replication task, inside its job. For every source dataset (and its children when
 * recursive, less the excluded ones):
 *
 * 1. an interrupted transfer is resumed from the target's receive_resume_token (`zfs send -t`);
 *    a token that no longer works is discarded (`zfs receive -A`) and the log says so;
 * 2. the newest snapshot source and target share (same GUID) is the base; target snapshots newer
 *    than it stop the run ("Waiting: ...") unless the task allows rolling the target back (-F);
 *    no common snapshot means a full send, only when "allow from scratch" is set;
 * 3. the selected snapshots newer than the base go in one `zfs send -I` (or a chain of `-i`),
 *    piped into `zfs receive -s -u` (over ssh for a remote side), with progress from the bytes of
 *    the `-nP` estimate, the rate and the time left; a network error is retried with backoff and
 *    the retry resumes where the stream broke;
 * 4. the new base is held on the source (ZFS user hold where the dialect has holds; the run's
 *    record is the logical hold retention reads everywhere) and the old one released; the target
 *    is set read-only when asked and its retention applied.
 *
 * Refusals come back as sentences with the next step (status in plain words).
 */
import type { Knex } from 'knex';
import type { Host, PipeResult } from '../../system/host.js';
import { HostCommandError } from '../../system/host.js';
import { sshFailure, type SshEndpoint } from '../../system/ssh/index.js';
import { ZfsEndpoint, type EndpointSnapshot } from '../../system/zfs/send-endpoint.js';
import {
  abortReceiveArgs,
  capabilities,
  parseSendEstimate,
  parseSendProgress,
  receiveArgs,
  sendArgs,
  SendProgressTracker,
  type SendSpec,
} from '../../system/zfs/send.js';
import { parseSnapshotName } from '../../contracts/snapshot-naming.js';
import type { JobHandle } from '../core/jobs.js';
import { ApplianceError } from '../core/errors.js';
import { planRetention, taskCovers, type RetentionTask } from './retention.js';
import { childTarget, json, loadConnection, targetFor, type ReplicatedDatasetRow, type ReplicationTaskRow, type SnapshotTaskRow } from './store.js';

export interface EngineDeps {
  db: Knex;
  host: Host;
  /** Where SSH keys and pinned host keys live. */
  sshDir: string;
  /** Waits before a retry; rejects when the job is cancelled. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  now(): number;
}

export type RunState = 'succeeded' | 'waiting' | 'failed';

/** A run that ended without bringing a target up to date, with the sentence to show. */
export class ReplicationStop extends ApplianceError {
  constructor(
    readonly state: Exclude<RunState, 'succeeded'>,
    message: string,
    /** A network error: worth another try. */
    readonly transient = false,
  ) {
    super(message, 502);
  }
}

export function holdTag(taskId: number): string {
  return `calypso-replication-${taskId}`;
}

export function knownHostsPath(sshDir: string, connectionId: number): string {
  return `${sshDir}/known_hosts-${connectionId}`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
export function bytesText(n: number): string {
  let v = n;
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${UNITS[i]}`;
}

function durationText(s: number): string {
  if (s < 90) return `${Math.max(1, Math.round(s))} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** "12.0 MiB of 40.0 MiB at 5.0 MiB/s, about 6 s left" */
export function progressText(sent: number, estimate: number | null, rate: number | null): string {
  const of = estimate ? ` of ${bytesText(estimate)}` : '';
  const at = rate && rate > 0 ? ` at ${bytesText(rate)}/s` : '';
  const left = estimate && rate && rate > 0 && estimate > sent ? `, about ${durationText((estimate - sent) / rate)} left` : '';
  return `${bytesText(sent)}${of}${at}${left}`;
}

/**
 * What a failed `send | receive` means, in words with the next step. `transient` errors (the
 * network) are retried; the others need someone.
 */
export function explainTransfer(r: PipeResult, target: string, peer: string | null): ReplicationStop {
  const sink = r.sink.stderr;
  const source = r.source.stderr;
  const ssh = peer ? sshFailure(`${sink}\n${source}`, peer) : null;
  if (ssh) return new ReplicationStop(ssh.kind === 'unreachable' ? 'failed' : 'waiting', ssh.message, ssh.kind === 'unreachable');
  if (/read-only/i.test(sink)) return new ReplicationStop('waiting', `Target pool is read-only: import ${target.split('/')[0]} read-write to receive`);
  if (/does not\s+match incremental source|has been modified\s+since most recent snapshot/.test(sink))
    return new ReplicationStop('waiting', `Waiting: the target has snapshots newer than the last common one; allow rollback of the target or remove them`);
  if (/destination '.*' exists|destination has snapshots/.test(sink))
    return new ReplicationStop('waiting', `The target ${target} exists and shares no snapshot with the source: remove it or choose another target`);
  if (/incomplete stream|Broken pipe|signal received|Connection reset/i.test(`${sink}\n${source}`))
    return new ReplicationStop('failed', `The transfer to ${target} broke off (${(sink || source).trim().split('\n')[0]}); it resumes on the next try`, true);
  if (/out of space|quota exceeded/i.test(sink))
    return new ReplicationStop('failed', `The target pool is full: free space on ${target.split('/')[0]} or raise its quota`);
  const line = (r.sink.code !== 0 ? sink : source).trim().split('\n')[0] ?? 'no message';
  return new ReplicationStop('failed', `zfs ${r.sink.code !== 0 ? 'receive' : 'send'} failed: ${line}`);
}

interface Side {
  source: ZfsEndpoint;
  target: ZfsEndpoint;
  peer: string | null;
}

async function endpoints(deps: EngineDeps, task: ReplicationTaskRow): Promise<Side> {
  const local = new ZfsEndpoint(deps.host, null);
  if (task.transport === 'local') return { source: local, target: local, peer: null };
  if (task.connection_id === null) throw new ReplicationStop('failed', 'The task uses SSH but names no connection: choose one');
  const c = await loadConnection(deps.db, task.connection_id);
  if (!c.host_key) throw new ReplicationStop('waiting', `SSH host key of ${c.host} is not pinned: confirm its fingerprint in the connection`);
  const ssh: SshEndpoint = { host: c.host, port: Number(c.port), user: c.user, keyPath: c.key_path, knownHostsPath: knownHostsPath(deps.sshDir, Number(c.id)) };
  const remote = new ZfsEndpoint(deps.host, ssh);
  return task.direction === 'push' ? { source: local, target: remote, peer: c.host } : { source: remote, target: local, peer: c.host };
}

/** The naming schemas that select the task's snapshots of `dataset`. */
export async function selectionSchemas(db: Knex, task: ReplicationTaskRow, dataset: string): Promise<string[]> {
  const ids = json<number[]>(task.snapshot_task_ids);
  const rows: SnapshotTaskRow[] = ids.length ? await db('snapshot_tasks').whereIn('id', ids) : [];
  const schemas = rows
    .filter((t) => taskCovers({ dataset: t.dataset, recursive: Boolean(t.recursive), exclude: json(t.exclude) }, dataset))
    .map((t) => t.naming_schema);
  if (task.naming_schema) schemas.push(task.naming_schema);
  return [...new Set(schemas)];
}

const selected = (schemas: string[], s: EndpointSnapshot) => schemas.some((x) => parseSnapshotName(x, s.short) !== null);

/** The datasets of a task and where each lands. */
async function plan(task: ReplicationTaskRow, side: Side): Promise<{ source: string; target: string }[]> {
  const sources = json<string[]>(task.sources);
  const exclude = json<string[]>(task.exclude);
  const out: { source: string; target: string }[] = [];
  for (const s of sources) {
    const t = targetFor(sources, task.target, s);
    const all = task.recursive ? await side.source.tree(s) : [s];
    if (all.length === 0) throw new ReplicationStop('failed', `The source ${s} does not exist on ${side.source.describe()}: fix the task's sources`);
    for (const d of all) if (taskCovers({ dataset: s, recursive: Boolean(task.recursive), exclude }, d)) out.push({ source: d, target: childTarget(s, t, d) });
  }
  return out;
}

interface Transfer {
  label: string;
  spec: SendSpec | { resumeToken: string };
  estimate: number | null;
}

export interface DatasetOutcome {
  source: string;
  target: string;
  newest: string | null;
  bytes: number;
  note: string;
}

export async function runReplication(
  deps: EngineDeps,
  task: ReplicationTaskRow,
  job: JobHandle,
): Promise<{ message: string; bytes: number; datasets: DatasetOutcome[] }> {
  const side = await endpoints(deps, task);
  const [srcDialect, dstDialect] = await Promise.all([side.source.dialect(), side.target.dialect()]).catch((err: unknown) => {
    if (err instanceof HostCommandError && side.peer) {
      const ssh = sshFailure(err.stderr, side.peer);
      if (ssh) throw new ReplicationStop(ssh.kind === 'unreachable' ? 'failed' : 'waiting', ssh.message, ssh.kind === 'unreachable');
    }
    throw err;
  });
  const datasets = await plan(task, side);
  await job.log(`${datasets.length} dataset(s) from ${side.source.describe()} (${srcDialect}) to ${side.target.describe()} (${dstDialect})`);
  const outcomes: DatasetOutcome[] = [];
  let total = 0;
  for (let i = 0; i < datasets.length; i++) {
    const d = datasets[i]!;
    const out = await replicateDataset(deps, task, side, d.source, d.target, job, { index: i, count: datasets.length });
    outcomes.push(out);
    total += out.bytes;
  }
  const newest = outcomes.map((o) => o.newest).filter(Boolean);
  const message =
    outcomes.length === 1
      ? `Up to date: ${outcomes[0]!.newest ?? 'no snapshot selected yet'} on ${outcomes[0]!.target}${total ? ` (${bytesText(total)} sent)` : ''}`
      : `Up to date: ${newest.length} of ${outcomes.length} datasets replicated${total ? ` (${bytesText(total)} sent)` : ''}`;
  return { message, bytes: total, datasets: outcomes };
}

async function replicateDataset(
  deps: EngineDeps,
  task: ReplicationTaskRow,
  side: Side,
  source: string,
  target: string,
  job: JobHandle,
  pos: { index: number; count: number },
): Promise<DatasetOutcome> {
  const srcDialect = await side.source.dialect();
  const caps = capabilities(srcDialect);
  const schemas = await selectionSchemas(deps.db, task, source);
  let bytes = 0;
  let note = '';

  for (let attempt = 0; ; attempt++) {
    try {
      // 1. Resume an interrupted transfer.
      const token = await side.target.resumeToken(target);
      if (token) {
        await job.log(`${target}: an interrupted transfer left a resume token; resuming it`);
        const est = caps.estimate ? await estimate(side, sendArgs({ resumeToken: token }, srcDialect, { dryRun: true })).catch(() => null) : null;
        const r = await transfer(deps, task, side, { label: `${source} (resumed)`, spec: { resumeToken: token }, estimate: est }, target, job, pos);
        if (r.ok) {
          bytes += r.bytes;
          await job.log(`${target}: resumed transfer finished (${bytesText(r.bytes)})`);
        } else if (
          /used in the initial send no longer exists|no longer exists|resume token is corrupt|no longer the same snapshot/.test(r.result.source.stderr)
        ) {
          await side.target.zfs(abortReceiveArgs(target));
          note =
            'the interrupted transfer could not be resumed (its snapshot is gone): its state was discarded (zfs receive -A) and the transfer started again';
          await job.log(`${target}: ${note}`);
        } else {
          throw explainTransfer(r.result, target, side.peer);
        }
      }

      // 2. Where source and target stand.
      const [srcSnaps, dstSnaps] = await Promise.all([side.source.snapshots(source), side.target.snapshots(target)]);
      const wanted = srcSnaps.filter((s) => selected(schemas, s));
      if (wanted.length === 0) {
        await job.log(`${source}: no snapshot matches the task's selection yet; nothing to send`);
        return { source, target, newest: null, bytes, note: note || 'no snapshot selected yet' };
      }
      const dstGuids = new Set(dstSnaps.map((s) => s.guid));
      const common = [...srcSnaps].reverse().find((s) => dstGuids.has(s.guid)) ?? null;
      const newestWanted = wanted.at(-1)!;
      let force = false;
      if (common) {
        const commonOnTarget = dstSnaps.findIndex((s) => s.guid === common.guid);
        const newerOnTarget = dstSnaps.slice(commonOnTarget + 1);
        if (newerOnTarget.length > 0) {
          if (!task.allow_target_rollback)
            throw new ReplicationStop(
              'waiting',
              `Waiting: the target has snapshots newer than the last common one (${newerOnTarget
                .slice(0, 3)
                .map((s) => s.short)
                .join(', ')}); allow rollback of the target or remove them`,
            );
          force = true;
          await job.log(`${target}: rolling back ${newerOnTarget.length} newer snapshot(s) on the target to ${common.short} (rollback allowed)`);
        }
      } else if (dstSnaps.length > 0) {
        throw new ReplicationStop('waiting', `No common snapshot: ${target} has snapshots but none of ${source}'s; remove them or choose another target`);
      } else if (await side.target.exists(target)) {
        if (!task.allow_from_scratch) {
          const est = caps.estimate ? await estimate(side, sendArgs({ snapshot: newestWanted.name }, srcDialect, { dryRun: true })).catch(() => null) : null;
          throw new ReplicationStop(
            'waiting',
            `No common snapshot: a full send${est ? ` of ${bytesText(est)}` : ''} is needed and ${target} exists; enable 'allow from scratch'`,
          );
        }
        force = true;
      }

      // 3. What to send.
      const transfers: Transfer[] = [];
      const opts = { properties: Boolean(task.properties), raw: Boolean(task.raw), compressed: Boolean(task.compressed) };
      const after = common ? srcSnaps.slice(srcSnaps.findIndex((s) => s.guid === common.guid) + 1) : srcSnaps;
      const todo = after.filter((s) => selected(schemas, s));
      if (common && todo.length === 0) {
        await recordState(deps.db, task, source, target, common, 0);
        await holdBase(deps, task, side, source, common);
        await job.log(`${source}: ${target} is up to date (${common.short})`);
        await applyTargetRetention(deps, task, side, source, target, job);
        return { source, target, newest: common.short, bytes, note };
      }
      if (!common) {
        if (!task.allow_from_scratch) {
          const est = caps.estimate
            ? await estimate(side, sendArgs({ snapshot: newestWanted.name, ...opts }, srcDialect, { dryRun: true })).catch(() => null)
            : null;
          throw new ReplicationStop('waiting', `No common snapshot: a full send${est ? ` of ${bytesText(est)}` : ''} is needed; enable 'allow from scratch'`);
        }
        const first = wanted[0]!;
        transfers.push({ label: `${first.name} (full)`, spec: { snapshot: first.name, ...opts }, estimate: null });
        const rest = wanted.slice(1);
        if (rest.length) transfers.push(...incrementals(first, rest, Boolean(task.intermediates), opts));
      } else {
        transfers.push(...incrementals(common, todo, Boolean(task.intermediates), opts));
      }
      if (caps.estimate) {
        for (const t of transfers) t.estimate = await estimate(side, sendArgs(t.spec, srcDialect, { dryRun: true })).catch(() => null);
      }
      const totalEstimate = transfers.every((t) => t.estimate !== null) ? transfers.reduce((s, t) => s + t.estimate!, 0) : null;
      await job.log(
        `${source} -> ${target}: ${transfers.map((t) => t.label).join(', ')}${totalEstimate !== null ? `, about ${bytesText(totalEstimate)}` : ''}`,
      );

      // 4. Send.
      for (let k = 0; k < transfers.length; k++) {
        const t = transfers[k]!;
        const r = await transfer(deps, task, side, t, target, job, pos, force && k === 0);
        if (!r.ok) throw explainTransfer(r.result, target, side.peer);
        bytes += r.bytes;
        await job.log(`${t.label}: ${bytesText(r.bytes)} sent`);
      }
      if (task.target_readonly) await side.target.setReadOnly(target);
      const newest = todo.at(-1) ?? wanted.at(-1)!;
      await recordState(deps.db, task, source, target, newest, bytes);
      await holdBase(deps, task, side, source, newest);
      await applyTargetRetention(deps, task, side, source, target, job);
      return { source, target, newest: newest.short, bytes, note };
    } catch (err) {
      if (err instanceof ReplicationStop && err.transient && attempt < Number(task.retries) && !job.signal.aborted) {
        const wait = Number(task.retry_delay_seconds) * 1000 * 2 ** attempt;
        await job.log(`${err.message}; retry ${attempt + 1} of ${task.retries} in ${Math.round(wait / 1000)} s`);
        await deps.sleep(wait, job.signal);
        continue;
      }
      throw err;
    }
  }
}

function incrementals(
  base: EndpointSnapshot,
  todo: EndpointSnapshot[],
  intermediates: boolean,
  opts: { properties: boolean; raw: boolean; compressed: boolean },
): Transfer[] {
  if (intermediates) {
    const last = todo.at(-1)!;
    return [
      { label: `${base.short}..${last.short} (-I)`, spec: { snapshot: last.name, from: `@${base.short}`, intermediates: true, ...opts }, estimate: null },
    ];
  }
  const out: Transfer[] = [];
  let prev = base;
  for (const s of todo) {
    out.push({ label: `${prev.short}..${s.short} (-i)`, spec: { snapshot: s.name, from: `@${prev.short}`, ...opts }, estimate: null });
    prev = s;
  }
  return out;
}

async function estimate(side: Side, args: string[]): Promise<number | null> {
  const text = await side.source.zfs(args);
  const e = parseSendEstimate(text);
  return e.streams.length ? e.totalBytes : null;
}

async function transfer(
  deps: EngineDeps,
  task: ReplicationTaskRow,
  side: Side,
  t: Transfer,
  target: string,
  job: JobHandle,
  pos: { index: number; count: number },
  force = false,
): Promise<{ ok: true; bytes: number } | { ok: false; result: PipeResult }> {
  if (!deps.host.pipe) throw new ReplicationStop('failed', 'this host cannot pipe one command into another');
  const [srcDialect, dstDialect] = [await side.source.dialect(), await side.target.dialect()];
  const send = sendArgs(t.spec, srcDialect, { progress: true });
  const recv = receiveArgs({ target, resumable: true, noMount: true, force }, dstDialect);
  const tracker = new SendProgressTracker();
  let sent = 0;
  let startAt: number | null = null;
  let lastAt = 0;
  let lastShown = 0;
  // Progress writes in order: a late running update must not land after the final one.
  let writes: Promise<void> = Promise.resolve();
  const write = (percent: number, text: string) => (writes = writes.then(() => job.progress(percent, text)).catch(() => undefined));
  const show = (bytes: number, atMs: number) => {
    sent = Math.max(sent, bytes);
    startAt ??= atMs;
    lastAt = atMs;
    if (atMs - lastShown < 1000 && bytes < (t.estimate ?? Infinity)) return;
    lastShown = atMs;
    const rate = lastAt > startAt ? (sent * 1000) / (lastAt - startAt) : null;
    const share = t.estimate ? Math.min(1, sent / t.estimate) : 0;
    const percent = ((pos.index + share) / pos.count) * 100;
    void write(percent, `${t.label}: ${progressText(sent, t.estimate, rate)}`);
  };
  const result = await deps.host.pipe(side.source.command(send), side.target.command(recv), {
    signal: job.signal,
    limitBytesPerSecond: task.bandwidth_limit_bytes === null ? undefined : Number(task.bandwidth_limit_bytes),
    onStderr: (s, line) => {
      if (s !== 'source') return;
      const p = parseSendProgress(line);
      if (p) show(tracker.add(p), deps.now());
    },
    onBytes: (b, at) => show(b, at),
  });
  if (result.cancelled) throw new ReplicationStop('failed', 'Cancelled: the transfer stopped; the next run resumes it');
  if (result.source.code === 0 && result.sink.code === 0) {
    const elapsed = (result.endedAtMs - result.startedAtMs) / 1000;
    await write(((pos.index + 1) / pos.count) * 100, `${t.label}: ${progressText(result.bytes, t.estimate, elapsed > 0 ? result.bytes / elapsed : null)}`);
    return { ok: true, bytes: result.bytes };
  }
  return { ok: false, result };
}

async function recordState(db: Knex, task: ReplicationTaskRow, source: string, target: string, snap: EndpointSnapshot, bytes: number): Promise<void> {
  const row = {
    task_id: task.id,
    source,
    target,
    snapshot: snap.short,
    guid: snap.guid,
    snapshot_created_at: snap.creation ? new Date(snap.creation * 1000).toISOString() : null,
    replicated_at: new Date().toISOString(),
    bytes,
  };
  const existing: ReplicatedDatasetRow | undefined = await db('replication_datasets').where({ task_id: task.id, source }).first();
  if (existing) {
    await db('replication_datasets')
      .where({ id: existing.id })
      .update({ ...row, total_bytes: Number(existing.total_bytes) + bytes });
  } else {
    await db('replication_datasets').insert({ ...row, total_bytes: bytes });
  }
}

/** The source keeps the new base held (ZFS user hold where the dialect has them); the previous base is released. */
async function holdBase(deps: EngineDeps, task: ReplicationTaskRow, side: Side, source: string, base: EndpointSnapshot): Promise<void> {
  const tag = holdTag(task.id);
  const snaps = await side.source.snapshots(source);
  const held = await side.source.hold(tag, base.name);
  if (!held) return;
  for (const s of snaps) {
    if (s.name !== base.name && s.holds > 0) await side.source.release(tag, s.name);
  }
}

/** Target retention: the source tasks' lifetimes (same), a custom lifetime, or none; never the newest common snapshot. */
async function applyTargetRetention(deps: EngineDeps, task: ReplicationTaskRow, side: Side, source: string, target: string, job: JobHandle): Promise<void> {
  if (task.target_retention === 'none') return;
  const ids = json<number[]>(task.snapshot_task_ids);
  const rows: SnapshotTaskRow[] = ids.length ? await deps.db('snapshot_tasks').whereIn('id', ids) : [];
  const tasks: RetentionTask[] = rows
    .filter((t) => taskCovers({ dataset: t.dataset, recursive: Boolean(t.recursive), exclude: json(t.exclude) }, source))
    .map((t) => ({
      id: Number(t.id),
      dataset: target,
      recursive: false,
      exclude: [],
      namingSchema: t.naming_schema,
      lifetimeSeconds: task.target_retention === 'custom' && task.target_lifetime_seconds ? Number(task.target_lifetime_seconds) : Number(t.lifetime_seconds),
    }));
  if (task.naming_schema && task.target_retention === 'custom' && task.target_lifetime_seconds)
    tasks.push({
      id: 0,
      dataset: target,
      recursive: false,
      exclude: [],
      namingSchema: task.naming_schema,
      lifetimeSeconds: Number(task.target_lifetime_seconds),
    });
  if (tasks.length === 0) return;
  const snaps = await side.target.snapshots(target);
  const newest = snaps.at(-1);
  const needed = new Map<string, string>(newest ? [[newest.name, 'it is the newest replica, the base of the next transfer']] : []);
  const planned = planRetention(
    snaps.map((s) => ({ name: s.name, holds: s.holds, clones: [] })),
    tasks,
    deps.now(),
    needed,
  );
  for (const p of planned.filter((x) => x.action === 'destroy')) {
    await side.target.destroySnapshot(p.name);
    await job.log(`target retention destroyed ${p.name}: ${p.reason}`);
  }
}

/**
 * The logical holds: source snapshots a replication task still needs, with the reason. The last
 * replicated snapshot (the next incremental's base) and every selected snapshot not yet sent.
 */
export async function replicationNeeds(db: Knex, dataset: string, snapshots: { name: string; short: string }[]): Promise<Map<string, string>> {
  const needs = new Map<string, string>();
  const tasks: ReplicationTaskRow[] = await db('replication_tasks').where({ enabled: true, direction: 'push' });
  for (const task of tasks) {
    const sources = json<string[]>(task.sources);
    const exclude = json<string[]>(task.exclude);
    if (!sources.some((s) => taskCovers({ dataset: s, recursive: Boolean(task.recursive), exclude }, dataset))) continue;
    const schemas = await selectionSchemas(db, task, dataset);
    const state: ReplicatedDatasetRow | undefined = await db('replication_datasets').where({ task_id: task.id, source: dataset }).first();
    const baseIdx = state?.snapshot ? snapshots.findIndex((s) => s.short === state.snapshot) : -1;
    if (baseIdx >= 0) needs.set(snapshots[baseIdx]!.name, `replication task ${task.id} (${task.name}) needs it: the last snapshot its target has`);
    for (const s of snapshots.slice(baseIdx + 1)) {
      if (schemas.some((x) => parseSnapshotName(x, s.short) !== null) && !needs.has(s.name))
        needs.set(s.name, `replication task ${task.id} (${task.name}) has not sent it yet`);
    }
  }
  return needs;
}
