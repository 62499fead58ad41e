/**
 * What a schedule can do. Each kind says which permission manages it, what its target is, which
 * options it takes and how one run goes. A run calls operations as the system actor (audited
 * with face 'system') from inside its job. Snapshot tasks, replication and backups add kinds here.
 */
import { z } from 'zod';
import type { JobHandle } from '../core/jobs.js';
import { Conflict, NotFound } from '../core/errors.js';

import type { ScheduleKind } from '../../contracts/schedules.js';

/** What a run gets: operations as the system actor, its job, and the scheduler's clock. */
export interface RunContext {
  call<T = unknown>(name: string, input: unknown): Promise<T>;
  job: JobHandle;
  now(): number;
  /** Waits between polls of a long test (tests move a fake clock instead of sleeping). */
  sleep(ms: number): Promise<void>;
}

/** A run either did its work (result) or decided not to (skipped, with the reason). */
export type RunOutcome = { skipped: string } | { result: Record<string, unknown> };

export interface KindDef<O extends z.ZodObject = z.ZodObject> {
  kind: ScheduleKind;
  summary: string;
  /** Needed, besides schedules.manage, to create, change, delete or run a schedule of this kind. */
  permission: string;
  targetNoun: string;
  options: O;
  /** The canonical target name; NotFound when it does not exist. */
  checkTarget(call: RunContext['call'], target: string): Promise<string>;
  run(r: RunContext, target: string, options: z.infer<O>): Promise<RunOutcome>;
}

interface Scan {
  function: 'scrub' | 'resilver';
  state: string;
  endedAt?: string;
}

const scrubOptions = z.object({
  skipWhenScanning: z.boolean().default(true).describe('pool.scrub: skip the run while a scrub or resilver is running or a scrub is paused'),
  minDaysSinceLast: z
    .number()
    .int()
    .min(0)
    .max(365)
    .default(0)
    .describe('pool.scrub: skip when the last scrub ended less than this many days ago (0: never skip for that)'),
});

const smartOptions = z.object({
  testType: z.enum(['short', 'long']).default('short').describe('disk.smart-test: short (minutes) or long (the whole surface, hours)'),
});

const DAY_MS = 86_400_000;

const poolScrub: KindDef<typeof scrubOptions> = {
  kind: 'pool.scrub',
  summary: 'Scrub a pool',
  permission: 'storage.scrub',
  targetNoun: 'pool',
  options: scrubOptions,
  async checkTarget(call, target) {
    const pools = await call<{ items: { name: string }[] }>('storage.pools.list', { limit: 1000 });
    if (!pools.items.some((p) => p.name === target)) throw new NotFound(`no pool ${target}`);
    return target;
  },
  async run(r, pool, o) {
    const { scan } = await r.call<{ scan: Scan | null }>('storage.pools.get', { name: pool });
    if (scan && (scan.state === 'scanning' || scan.state === 'paused') && o.skipWhenScanning) {
      return { skipped: `a ${scan.function} of ${pool} is ${scan.state === 'paused' ? 'paused' : 'running'}` };
    }
    if (o.minDaysSinceLast > 0 && scan?.function === 'scrub' && scan.state === 'finished' && scan.endedAt) {
      const ageMs = r.now() - Date.parse(scan.endedAt);
      if (ageMs < o.minDaysSinceLast * DAY_MS) {
        return { skipped: `the last scrub of ${pool} ended at ${scan.endedAt}, less than ${o.minDaysSinceLast} days ago` };
      }
    }
    const started = await r.call<{ job: { id: number } | null }>('storage.pools.scrub', { name: pool, action: 'start' });
    await r.job.log(`scrub of ${pool} started${started.job ? ` (job ${started.job.id} follows it)` : ''}`);
    return { result: { pool, scrubJobId: started.job?.id ?? null } };
  },
};

interface DiskDetail {
  name: string;
  selfTestRunning: { text: string } | null;
  selfTests: { type: string; status: string; passed: boolean | null }[];
}

/** Polls of a running self-test; a long test on a large disk takes hours. */
const SELF_TEST_POLL_MS = 60_000;
const SELF_TEST_MAX_POLLS = 7 * 24 * 60;

const diskSmart: KindDef<typeof smartOptions> = {
  kind: 'disk.smart-test',
  summary: 'SMART self-test of a disk',
  permission: 'storage.devices',
  targetNoun: 'disk',
  options: smartOptions,
  async checkTarget(call, target) {
    const disk = await call<DiskDetail>('storage.disks.get', { name: target });
    return disk.name;
  },
  /**
   * Starts the self-test and follows it to its end; a failed test fails the run's job, and the
   * monitoring's job-failed rule raises the alert (resolved by the next run that passes).
   */
  async run(r, disk, o) {
    const before = await r.call<DiskDetail>('storage.disks.get', { name: disk });
    if (before.selfTestRunning) return { skipped: `a self-test is already running on ${disk} (${before.selfTestRunning.text})` };
    await r.call('storage.disks.smart-test', { name: disk, type: o.testType });
    await r.job.log(`${o.testType} self-test of ${disk} started`);
    for (let i = 0; i < SELF_TEST_MAX_POLLS && !r.job.signal.aborted; i++) {
      const now = await r.call<DiskDetail>('storage.disks.get', { name: disk });
      if (!now.selfTestRunning) {
        const last = now.selfTests[0];
        if (!last) throw new Error(`${disk}: the self-test log is empty after the test`);
        await r.job.log(`${disk}: ${last.type}: ${last.status}`);
        if (last.passed === false) throw new Error(`SMART ${o.testType} self-test of ${disk} failed: ${last.status}`);
        return { result: { disk, testType: o.testType, status: last.status, passed: last.passed } };
      }
      await r.job.progress(Math.min(99, i), now.selfTestRunning.text);
      await r.sleep(SELF_TEST_POLL_MS);
    }
    throw new Error(`${disk}: the self-test did not end while followed`);
  },
};

/** Polls of a task's job (its run is its own job, with progress and log). */
const TASK_POLL_MS = 2_000;

/**
 * Snapshot and replication tasks keep their definition in their own tables; the schedule fires
 * the task's own run (a job of its own) and follows it to its end, so the schedule's history
 * says how each run went. A schedule is made by its task (target: the task id), never by hand.
 */
function taskKind(kind: 'snapshot.task' | 'replication.task', noun: string, permission: string, ops: { get: string; run: string }): KindDef {
  return {
    kind,
    summary: `Run ${noun}`,
    permission,
    targetNoun: noun,
    options: z.object({}),
    async checkTarget(call, target) {
      if (!/^\d{1,9}$/.test(target)) throw new NotFound(`no ${noun} ${target}`);
      const task = await call<{ scheduleId: number | null }>(ops.get, { id: Number(target) });
      if (task.scheduleId !== null) throw new Conflict(`${noun} ${target} has its schedule (${task.scheduleId}): change the task's own schedule instead`);
      return target;
    },
    async run(r, target) {
      let started: { job: { id: number } };
      try {
        started = await r.call<{ job: { id: number } }>(ops.run, { id: Number(target) });
      } catch (err) {
        if (err instanceof Conflict) return { skipped: err.message };
        throw err;
      }
      await r.job.log(`${noun} ${target}: job ${started.job.id} does the work`);
      for (;;) {
        const job = await r.call<{ state: string; error: string | null; result: unknown }>('jobs.get', { id: started.job.id });
        if (job.state !== 'running') {
          if (job.state !== 'succeeded') throw new Error(job.error ?? `${noun} ${target}: job ${started.job.id} ${job.state}`);
          return { result: { jobId: started.job.id, ...((job.result as Record<string, unknown> | null) ?? {}) } };
        }
        await r.sleep(TASK_POLL_MS);
      }
    },
  };
}

const exportOptions = z.object({
  keep: z.number().int().min(1).max(1000).default(10).describe('config.export: how many exports to keep (older ones are deleted)'),
});

/**
 * A configuration export into the daemon's exports directory (its data directory's
 * config-exports), keeping the newest `keep`. Unencrypted, so without secrets: no passphrase is
 * stored to seal them (an encrypted export is made by hand, with its passphrase).
 */
const configExport: KindDef<typeof exportOptions> = {
  kind: 'config.export',
  summary: 'Export the configuration',
  permission: 'appliance.configuration',
  targetNoun: 'appliance',
  options: exportOptions,
  async checkTarget(_call, target) {
    if (target !== 'appliance') throw new NotFound(`the target of a configuration export is "appliance", not ${target}`);
    return target;
  },
  async run(r, _target, o) {
    const out = await r.call<{ file: { name: string; sizeBytes: number }; deleted: string[] }>('appliance.config.exports.write', { keep: o.keep });
    await r.job.log(`wrote ${out.file.name} (${out.file.sizeBytes} bytes)${out.deleted.length ? `; deleted ${out.deleted.join(', ')}` : ''}`);
    return { result: { file: out.file.name, deleted: out.deleted } };
  },
};

export const KINDS: Record<ScheduleKind, KindDef> = {
  'pool.scrub': poolScrub as unknown as KindDef,
  'disk.smart-test': diskSmart as unknown as KindDef,
  'snapshot.task': taskKind('snapshot.task', 'snapshot task', 'snapshots.tasks.admin', { get: 'snapshots.tasks.get', run: 'snapshots.tasks.run' }),
  'replication.task': taskKind('replication.task', 'replication task', 'replication.admin', { get: 'replication.tasks.get', run: 'replication.tasks.run' }),
  'config.export': configExport as unknown as KindDef,
};
