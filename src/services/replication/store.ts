/** Rows of the data-protection tables, and the shapes the contracts answer. */
import type { Knex } from 'knex';
import { describeCron } from '../../contracts/cron.js';
import { describeLifetime } from '../../contracts/snapshot-naming.js';
import type { ReplicationTask, SnapshotTask, SshConnection } from '../../contracts/replication.js';
import { NotFound } from '../core/errors.js';

export interface SnapshotTaskRow {
  id: number;
  dataset: string;
  recursive: boolean | number;
  exclude: string;
  naming_schema: string;
  lifetime_seconds: number;
  cron: string;
  window_from: string | null;
  window_to: string | null;
  allow_empty: boolean | number;
  enabled: boolean | number;
  description: string;
  schedule_id: number | null;
  last_run_at: string | null;
  last_state: string | null;
  last_message: string | null;
  last_job_id: number | null;
}

export interface ReplicationTaskRow {
  id: number;
  name: string;
  direction: 'push' | 'pull';
  transport: 'local' | 'ssh';
  connection_id: number | null;
  sources: string;
  target: string;
  recursive: boolean | number;
  exclude: string;
  snapshot_task_ids: string;
  naming_schema: string | null;
  trigger: 'after-snapshot-task' | 'schedule';
  cron: string | null;
  intermediates: boolean | number;
  properties: boolean | number;
  raw: boolean | number;
  compressed: boolean | number;
  allow_from_scratch: boolean | number;
  allow_target_rollback: boolean | number;
  target_readonly: boolean | number;
  target_retention: 'same' | 'custom' | 'none';
  target_lifetime_seconds: number | null;
  retries: number;
  retry_delay_seconds: number;
  bandwidth_limit_bytes: number | string | null;
  lag_alert_seconds: number | null;
  enabled: boolean | number;
  description: string;
  schedule_id: number | null;
  last_run_at: string | null;
  last_state: string | null;
  last_message: string | null;
  last_job_id: number | null;
  last_success_at: string | null;
  created_at: string;
}

export interface SshConnectionRow {
  id: number;
  name: string;
  host: string;
  port: number;
  user: string;
  key_path: string;
  key_origin: 'generated' | 'imported';
  public_key: string;
  host_key: string | null;
  offered_host_key: string | null;
}

export interface ReplicatedDatasetRow {
  id: number;
  task_id: number;
  source: string;
  target: string;
  snapshot: string | null;
  guid: string | null;
  snapshot_created_at: string | null;
  replicated_at: string | null;
  bytes: number | string;
  total_bytes: number | string;
}

export const json = <T>(s: string): T => JSON.parse(s) as T;
const num = (v: number | string | null) => (v === null ? null : Number(v));
const RUN_STATE = new Set(['running', 'succeeded', 'skipped', 'waiting', 'failed']);

function lastRun(r: { last_run_at: string | null; last_state: string | null; last_message: string | null; last_job_id: number | null }) {
  if (!r.last_run_at || !r.last_state || !RUN_STATE.has(r.last_state)) return null;
  return {
    at: r.last_run_at,
    state: r.last_state as 'running' | 'succeeded' | 'skipped' | 'waiting' | 'failed',
    message: r.last_message ?? '',
    jobId: num(r.last_job_id),
  };
}

export function toSnapshotTask(r: SnapshotTaskRow, nextRunAt: string | null): SnapshotTask {
  const last = lastRun(r);
  const enabled = Boolean(r.enabled);
  const state = !enabled
    ? 'Disabled: enable it to take snapshots again'
    : !last
      ? `Never ran: first run ${nextRunAt ?? 'when scheduled'}`
      : last.state === 'running'
        ? `Running (job ${last.jobId})`
        : last.state === 'failed'
          ? `Failed: ${last.message}`
          : last.message;
  return {
    id: Number(r.id),
    dataset: r.dataset,
    recursive: Boolean(r.recursive),
    exclude: json(r.exclude),
    namingSchema: r.naming_schema,
    keepFor: describeLifetime(Number(r.lifetime_seconds)),
    lifetimeSeconds: Number(r.lifetime_seconds),
    cron: r.cron,
    cronText: describeCron(r.cron),
    windowFrom: r.window_from,
    windowTo: r.window_to,
    allowEmpty: Boolean(r.allow_empty),
    enabled,
    description: r.description,
    scheduleId: num(r.schedule_id),
    nextRunAt: enabled ? nextRunAt : null,
    lastRun: last,
    state,
  };
}

export function toReplicationTask(r: ReplicationTaskRow, extra: { nextRunAt: string | null; lagSeconds: number | null }): ReplicationTask {
  const last = lastRun(r);
  const enabled = Boolean(r.enabled);
  const snapshotTaskIds = json<number[]>(r.snapshot_task_ids);
  const when =
    r.trigger === 'schedule'
      ? `next run ${extra.nextRunAt ?? 'when scheduled'}`
      : `runs after snapshot task${snapshotTaskIds.length === 1 ? '' : 's'} ${snapshotTaskIds.join(', ')}`;
  const state = !enabled
    ? 'Disabled: enable it to replicate again'
    : !last
      ? `Never ran: ${when}, or run it now`
      : last.state === 'running'
        ? `Running (job ${last.jobId}): follow its progress in the job`
        : last.message;
  return {
    id: Number(r.id),
    name: r.name,
    direction: r.direction,
    transport: r.transport,
    connectionId: num(r.connection_id),
    sources: json(r.sources),
    target: r.target,
    recursive: Boolean(r.recursive),
    exclude: json(r.exclude),
    snapshotTaskIds,
    namingSchema: r.naming_schema,
    trigger: r.trigger,
    cron: r.cron,
    cronText: r.cron ? describeCron(r.cron) : null,
    intermediates: Boolean(r.intermediates),
    properties: Boolean(r.properties),
    raw: Boolean(r.raw),
    compressed: Boolean(r.compressed),
    allowFromScratch: Boolean(r.allow_from_scratch),
    allowTargetRollback: Boolean(r.allow_target_rollback),
    targetReadOnly: Boolean(r.target_readonly),
    targetRetention: r.target_retention,
    targetLifetimeSeconds: num(r.target_lifetime_seconds),
    retries: Number(r.retries),
    retryDelaySeconds: Number(r.retry_delay_seconds),
    bandwidthLimitBytes: num(r.bandwidth_limit_bytes),
    lagAlertSeconds: num(r.lag_alert_seconds),
    enabled,
    description: r.description,
    scheduleId: num(r.schedule_id),
    nextRunAt: enabled && r.trigger === 'schedule' ? extra.nextRunAt : null,
    lastRun: last,
    lastSuccessAt: r.last_success_at,
    lagSeconds: extra.lagSeconds,
    state,
  };
}

export function toSshConnection(r: SshConnectionRow, fingerprintOf: (line: string) => string | null): SshConnection {
  const pinned = r.host_key ? fingerprintOf(r.host_key) : null;
  const offered = r.offered_host_key && r.offered_host_key !== r.host_key ? fingerprintOf(r.offered_host_key) : null;
  const state = !pinned
    ? offered
      ? `Host key not trusted yet: compare ${offered} with the peer's (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and confirm it`
      : 'No host key: the peer did not answer a scan; check host and port, then scan again'
    : offered
      ? `SSH host key changed for ${r.host}: confirm the new fingerprint ${offered} if the peer was reinstalled`
      : `Host key pinned (${pinned}); add the public key to ${r.user}@${r.host}'s authorized_keys`;
  return {
    id: Number(r.id),
    name: r.name,
    host: r.host,
    port: Number(r.port),
    user: r.user,
    publicKey: r.public_key,
    keyOrigin: r.key_origin,
    hostKeyFingerprint: pinned,
    offeredFingerprint: offered,
    state,
  };
}

export async function loadSnapshotTask(db: Knex, id: number): Promise<SnapshotTaskRow> {
  const row = await db('snapshot_tasks').where({ id }).first();
  if (!row) throw new NotFound(`snapshot task ${id} does not exist`);
  return row;
}

export async function loadReplicationTask(db: Knex, id: number): Promise<ReplicationTaskRow> {
  const row = await db('replication_tasks').where({ id }).first();
  if (!row) throw new NotFound(`replication task ${id} does not exist`);
  return row;
}

export async function loadConnection(db: Knex, id: number): Promise<SshConnectionRow> {
  const row = await db('ssh_connections').where({ id }).first();
  if (!row) throw new NotFound(`SSH connection ${id} does not exist`);
  return row;
}

/** The target dataset a source lands in: below the target, by the source's last name part (one source: the target itself). */
export function targetFor(sources: string[], target: string, source: string): string {
  if (sources.length === 1) return target;
  return `${target}/${source.slice(source.lastIndexOf('/') + 1)}`;
}

/** The target of a child of a source when replicating recursively. */
export function childTarget(source: string, sourceTarget: string, child: string): string {
  return child === source ? sourceTarget : `${sourceTarget}${child.slice(source.length)}`;
}
