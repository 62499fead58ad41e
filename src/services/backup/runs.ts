/**
 * Job runs as people read them: Bacula's one-letter codes in words, what a waiting job waits for
 * and what fixes it, and live progress with an estimate of the time left from the previous
 * successful run of the same job and level.
 */
import type { BaculaJob, BaculaJobDetail, ClientStatus, RunningDetail } from '../../system/bacula/index.js';
import type { BackupRun } from '../../contracts/backup.js';

/** Job status codes (Bacula's src/jcr.h), in words. */
export const STATUS_TEXT: Record<string, string> = {
  C: 'created, not yet running',
  R: 'running',
  B: 'blocked',
  T: 'completed',
  W: 'completed with warnings',
  E: 'terminated in error',
  e: 'completed with non-fatal errors',
  f: 'fatal error',
  D: 'verify found differences',
  A: 'cancelled',
  I: 'incomplete',
  F: 'waiting for the client',
  S: 'waiting for the storage daemon',
  m: 'waiting for a new volume',
  M: 'waiting for a volume to be mounted',
  s: 'waiting for a storage resource',
  j: 'waiting for a job resource',
  c: 'waiting for a client resource',
  d: 'waiting on the maximum of concurrent jobs',
  t: 'waiting for its start time',
  p: 'waiting for higher-priority jobs to finish',
  a: 'storage daemon despooling attributes',
  i: 'inserting file records',
  l: 'despooling data',
  L: 'committing data',
};

export const LEVEL_TEXT: Record<string, string> = {
  F: 'Full',
  I: 'Incremental',
  D: 'Differential',
  B: 'Base',
  f: 'Virtual Full',
  V: 'Verify (init catalog)',
  C: 'Verify (catalog)',
  O: 'Verify (volume to catalog)',
  d: 'Verify (disk to catalog)',
  A: 'Verify (data)',
  '': '',
};

export const TYPE_TEXT: Record<string, string> = {
  B: 'Backup',
  R: 'Restore',
  V: 'Verify',
  A: 'Admin',
  C: 'Copy',
  M: 'Migration',
  D: 'Admin (console)',
  g: 'Migration (job)',
};

const LEVEL_CODE: Record<string, string> = { Full: 'F', Incremental: 'I', Differential: 'D' };
export const levelCode = (level: string) => LEVEL_CODE[level] ?? level;

export function outcomeOf(status: string): BackupRun['outcome'] {
  if (status === 'T') return 'ok';
  if (status === 'W' || status === 'e' || status === 'D') return 'warning';
  if (status === 'A') return 'cancelled';
  if (status === 'E' || status === 'f' || status === 'I' || status === 'B') return 'failed';
  if (status === 'R' || status === 'a' || status === 'i' || status === 'l' || status === 'L' || status === 'C') return 'running';
  return 'waiting';
}

/** Bacula's catalog times are the director's local time without a zone: read as the appliance's local time. */
export function isoFromBacula(t: string | null): string | null {
  if (!t) return null;
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)$/.exec(t);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

export function toRun(j: BaculaJob & Partial<Pick<BaculaJobDetail, 'endTime' | 'errors' | 'client' | 'pool'>>): BackupRun {
  const startedAt = isoFromBacula(j.startTime);
  const endedAt = isoFromBacula(j.endTime ?? null);
  const durationSeconds = startedAt && endedAt ? Math.max(0, Math.round((Date.parse(endedAt) - Date.parse(startedAt)) / 1000)) : null;
  return {
    jobId: j.jobId,
    name: j.name,
    type: j.type,
    typeText: TYPE_TEXT[j.type] ?? j.type,
    level: j.level,
    levelText: LEVEL_TEXT[j.level] ?? j.level,
    status: j.status,
    statusText: STATUS_TEXT[j.status] ?? `status ${j.status}`,
    outcome: outcomeOf(j.status),
    files: j.files,
    jobBytes: j.bytes,
    startedAt,
    endedAt,
    durationSeconds,
    rateBytes: durationSeconds ? Math.round(j.bytes / Math.max(1, durationSeconds)) : null,
    errors: j.errors ?? 0,
    client: j.client ?? null,
    pool: j.pool ?? null,
  };
}

/** How long a job may wait on its client before it is reported unreachable. */
export const CONNECT_GRACE_SECONDS = 20;

/**
 * What a waiting job waits for, in plain words, and what fixes it; from the director's
 * `status_desc` (9.6.7: "is waiting for an appendable Volume", "is waiting on Client X", "is
 * waiting on max Client jobs"...) and the status code.
 */
export function waitingReason(
  status: string,
  statusText: string,
  ctx: { pool: string | null; client: string | null; storage: string | null; waitingSeconds?: number | null },
): { reason: string; action: string } | null {
  const pool = ctx.pool ?? 'its pool';
  // "is waiting execution": created, about to start; nothing to fix.
  if (status === 'C' || /waiting execution/.test(statusText)) return null;
  if (status === 'm' || /appendable Volume|new Volume|create a volume/i.test(statusText))
    return {
      reason: `waiting for an appendable volume in pool ${pool}`,
      action: `Label a volume in pool ${pool} (Backup > Volumes), or give the pool a label format so Bacula labels new volumes itself.`,
    };
  if (status === 'M' || /mount/i.test(statusText))
    return { reason: 'waiting for a volume to be mounted', action: `Mount the volume on storage ${ctx.storage ?? ''} or label a new one.`.replace('  ', ' ') };
  // Every job waits on its client for a moment while they connect: unreachable only once it lasts.
  if ((status === 'F' || /waiting on Client/i.test(statusText)) && (ctx.waitingSeconds ?? Infinity) < CONNECT_GRACE_SECONDS)
    return { reason: `connecting to client ${ctx.client ?? ''}`.trim(), action: 'Nothing yet; if this lasts, check that the file daemon runs on the client.' };
  if (status === 'F' || /waiting on Client/i.test(statusText))
    return {
      reason: `client ${ctx.client ?? ''} unreachable`.replace('  ', ' '),
      action: 'Check that the file daemon runs on the client and that its address, port and password match (Backup > Clients > test).',
    };
  if ((status === 'S' || /waiting on Storage/i.test(statusText)) && (ctx.waitingSeconds ?? Infinity) < CONNECT_GRACE_SECONDS)
    return { reason: 'connecting to the storage daemon', action: 'Nothing yet; if this lasts, check that the storage daemon runs.' };
  if (status === 'S' || /waiting on Storage/i.test(statusText))
    return { reason: 'storage daemon unreachable', action: 'Check that the storage daemon runs and that the repository dataset is mounted.' };
  if (['d', 'j', 'c', 's'].includes(status) || /max .*jobs/i.test(statusText))
    return {
      reason: 'waiting on max concurrent jobs',
      action: "Wait for the running jobs to end, or raise the limit (the repository's or client's maximum concurrent jobs).",
    };
  if (status === 'p' || /higher priority/i.test(statusText))
    return { reason: 'waiting for higher-priority jobs to finish', action: 'Wait, or lower the job’s priority number.' };
  if (status === 't' || /start time/i.test(statusText)) return { reason: 'waiting for its start time', action: 'Nothing: it starts at its scheduled time.' };
  if (/waiting/i.test(statusText)) return { reason: statusText.replace(/^is /, ''), action: "Look at the job's log for what it needs." };
  return null;
}

export interface Progress {
  files: number;
  doneBytes: number;
  rateBytes: number;
  expectedBytes: number | null;
  percent: number | null;
  remainingSeconds: number | null;
  currentFile: string | null;
}

/**
 * Live counters from the file daemon and, when the same job ran before at the same level and
 * ended well, how far along it is and an estimate of the time left at the current rate.
 */
export function progressOf(live: ClientStatus['running'][number] | undefined, previousBytes: number | null): Progress | null {
  if (!live) return null;
  const expected = previousBytes && previousBytes > 0 ? previousBytes : null;
  const percent = expected ? Math.min(99, Math.round((live.bytes / expected) * 100)) : null;
  const remainingSeconds = expected && live.bytesPerSecond > 0 ? Math.max(0, Math.round((expected - live.bytes) / live.bytesPerSecond)) : null;
  return {
    files: live.files,
    doneBytes: live.bytes,
    rateBytes: live.bytesPerSecond,
    expectedBytes: expected,
    percent,
    remainingSeconds,
    currentFile: live.currentFile,
  };
}

export type { RunningDetail };
