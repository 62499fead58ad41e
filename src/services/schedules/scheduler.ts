/**
 * The one scheduler (issue 10, section 4; ARCHITECTURE.md "Jobs, schedules and events").
 *
 * - A run of a schedule is a job (type `schedule.<kind>`, owner system) with its log and result;
 *   the work inside it calls operations as the system actor through the registry, so every change
 *   is audited with face 'system'.
 * - A schedule never runs twice at once: a run due while the previous one is still going is
 *   recorded as skipped, naming the job still running; "run now" meanwhile is a 409.
 * - Missed runs, one rule: a run is fired when its time has come and it is at most
 *   `graceSeconds` late; later than that (the process was down, or asleep) it is recorded as
 *   missed, once, whatever number of runs fell in the gap, and the next one is computed from now.
 *   So at start a run missed within the grace window runs once, and an older one is only recorded.
 *
 * WHICH PROCESS RUNS IT: the daemon (`calypso serve`, the only process that builds the services
 * for a data directory, under its OS lock) starts it; consoles are clients, so no run is ever doubled.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { SYSTEM_ACTOR, type CallMeta } from '../core/context.js';
import { Conflict, NotFound, publicMessage } from '../core/errors.js';
import type { JobManager } from '../core/jobs.js';
import { nextRunAfter } from '../../contracts/cron.js';
import { KINDS } from './kinds.js';
import type { ScheduleKind } from '../../contracts/schedules.js';

export interface SchedulerOptions {
  /** The clock (tests inject one). */
  now?: () => number;
  /** Waits between polls inside a run (tests advance their clock instead). */
  sleep?: (ms: number) => Promise<void>;
  /** Time zone cron expressions are read in; the appliance's own by default. */
  timezone?: string;
  /** Longest wait between two looks at the table (a schedule changed by another path is seen). */
  maxWaitMs?: number;
}

export type RunTrigger = 'schedule' | 'manual';
import type { RunResult } from '../../contracts/schedules.js';
import { Mutex } from '../../lib/lock.js';

export interface ScheduleRow {
  id: number;
  kind: string;
  target: string;
  cron: string;
  options: string;
  grace_seconds: number;
  enabled: boolean | number;
  description: string;
  created_at: string;
  updated_at: string;
  created_by: string;
  next_run_at: string | null;
  last_run_at: string | null;
  last_result: string | null;
  last_message: string | null;
  last_job_id: number | null;
}

export interface RunRow {
  id: number;
  schedule_id: number;
  trigger: string;
  due_at: string | null;
  started_at: string;
  finished_at: string | null;
  result: RunResult;
  message: string | null;
  job_id: number | null;
}

type Invoke = <T = unknown>(name: string, input: unknown, meta: CallMeta) => Promise<T>;

const SYSTEM_META: CallMeta = { actor: SYSTEM_ACTOR, face: 'system' };
const iso = (ms: number) => new Date(ms).toISOString();
const clip = (s: string, n = 500) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export class Scheduler {
  readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly timezone: string | undefined;
  private readonly maxWaitMs: number;
  private invoke: Invoke | null = null;
  /** Runs in progress, by schedule id. */
  private readonly running = new Map<number, { jobId: number | null; done: Promise<void> }>();
  private timer: NodeJS.Timeout | null = null;
  private started = false;
  /** Ticks run one at a time. */
  private readonly ticking = new Mutex();
  /** Aborted by stop(): a run waiting on a long test ends at once instead of holding the shutdown. */
  private halt = new AbortController();

  constructor(
    private readonly deps: { db: Knex; jobs: JobManager; log: Logger },
    opts: SchedulerOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.timezone = opts.timezone;
    this.maxWaitMs = opts.maxWaitMs ?? 60_000;
  }

  /** The registry's invoker (built after the scheduler's operations are registered). */
  attach(invoke: Invoke): void {
    this.invoke = invoke;
  }

  /** The next run strictly after `afterMs`, as ISO, or null. */
  nextAfter(cron: string, afterMs: number = this.now()): string | null {
    const next = nextRunAfter(cron, afterMs, this.timezone);
    return next === null ? null : iso(next);
  }

  /** Catches up (the grace rule) and keeps firing due runs until stop(). */
  async start(): Promise<void> {
    this.started = true;
    if (this.halt.signal.aborted) this.halt = new AbortController();
    await this.tick();
    this.arm();
  }

  async stop(): Promise<void> {
    this.started = false;
    this.halt.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.ticking.idle();
  }

  /** Fires every enabled schedule whose time has come (or records it missed). One at a time. */
  tick(): Promise<void> {
    const run = this.ticking.run(() => this.fireDue());
    run.catch((err: unknown) => this.deps.log.error({ err }, 'scheduler tick failed'));
    return run;
  }

  /** A schedule was created, changed or enabled: look again at when to wake. */
  changed(): void {
    if (this.started) this.arm();
  }

  /** Starts a run now, outside the schedule; 409 while one is going. */
  async runNow(id: number): Promise<RunRow> {
    const row = await this.deps.db('schedules').where({ id }).first();
    if (!row) throw new NotFound(`schedule ${id} does not exist`);
    const busy = this.running.get(id);
    if (busy) throw new Conflict(`schedule ${id} is running (job ${busy.jobId ?? 'starting'}); wait for it to end`);
    return this.execute(row, 'manual', null);
  }

  isRunning(id: number): boolean {
    return this.running.has(id);
  }

  /** Waits for every run in progress (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running.values()].map((r) => r.done));
  }

  /** The injected wait, cut short by stop() or by cancelling the run's job. */
  private wait(ms: number, cancelled: AbortSignal): Promise<void> {
    const halt = this.halt.signal;
    if (halt.aborted || cancelled.aborted) return Promise.reject(new Error(halt.aborted ? 'Calypso stopped during the run' : 'cancelled'));
    return new Promise<void>((resolve, reject) => {
      const stop = () => reject(new Error(halt.aborted ? 'Calypso stopped during the run' : 'cancelled'));
      halt.addEventListener('abort', stop, { once: true });
      cancelled.addEventListener('abort', stop, { once: true });
      this.sleep(ms).then(() => {
        halt.removeEventListener('abort', stop);
        cancelled.removeEventListener('abort', stop);
        resolve();
      }, reject);
    });
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    void this.deps
      .db('schedules')
      .where({ enabled: true })
      .whereNotNull('next_run_at')
      .min({ next: 'next_run_at' })
      .first()
      .then((r: { next?: string | null } | undefined) => {
        if (!this.started) return;
        const wait = r?.next ? Math.max(0, Date.parse(r.next) - this.now()) : this.maxWaitMs;
        this.timer = setTimeout(
          () => {
            void this.tick().finally(() => this.started && this.arm());
          },
          Math.min(wait, this.maxWaitMs),
        );
        this.timer.unref();
      })
      .catch((err: unknown) => this.deps.log.error({ err }, 'scheduler could not read schedules'));
  }

  private async fireDue(): Promise<void> {
    const nowMs = this.now();
    const rows: ScheduleRow[] = await this.deps.db('schedules').where({ enabled: true }).orderBy('id');
    for (const row of rows) {
      if (!row.next_run_at) {
        await this.deps
          .db('schedules')
          .where({ id: row.id })
          .update({ next_run_at: this.nextAfter(row.cron, nowMs) });
        continue;
      }
      const dueMs = Date.parse(row.next_run_at);
      if (dueMs > nowMs) continue;
      const next = this.nextAfter(row.cron, nowMs);
      await this.deps.db('schedules').where({ id: row.id }).update({ next_run_at: next });
      const lateMs = nowMs - dueMs;
      if (lateMs > row.grace_seconds * 1000) {
        await this.record(row.id, {
          trigger: 'schedule',
          due_at: row.next_run_at,
          result: 'missed',
          message: `missed: due at ${row.next_run_at}, ${Math.round(lateMs / 1000)} s late (grace ${row.grace_seconds} s), Calypso was not running`,
        });
        continue;
      }
      await this.execute(row, 'schedule', row.next_run_at).catch((err: unknown) =>
        this.deps.log.error({ err, schedule: row.id }, 'scheduled run failed to start'),
      );
    }
  }

  /** Records a run that did not start (skipped before a job, or missed) and the schedule's last result. */
  private async record(
    scheduleId: number,
    r: { trigger: RunTrigger; due_at: string | null; result: RunResult; message: string; job_id?: number | null },
  ): Promise<RunRow> {
    const at = iso(this.now());
    const row = {
      schedule_id: scheduleId,
      trigger: r.trigger,
      due_at: r.due_at,
      started_at: at,
      finished_at: at,
      result: r.result,
      message: clip(r.message),
      job_id: r.job_id ?? null,
    };
    const [inserted] = await this.deps.db('schedule_runs').insert(row).returning('id');
    await this.deps
      .db('schedules')
      .where({ id: scheduleId })
      .update({ last_run_at: at, last_result: r.result, last_message: row.message, last_job_id: row.job_id });
    return { id: Number(typeof inserted === 'object' ? inserted.id : inserted), ...row } as RunRow;
  }

  private async execute(row: ScheduleRow, trigger: RunTrigger, dueAt: string | null): Promise<RunRow> {
    const busy = this.running.get(row.id);
    if (busy) {
      return this.record(row.id, {
        trigger,
        due_at: dueAt,
        result: 'skipped',
        message: `skipped: the previous run (job ${busy.jobId ?? 'starting'}) is still running`,
        job_id: busy.jobId,
      });
    }
    // Claimed before the first await: two ticks or a tick and "run now" cannot both start it.
    let finish!: () => void;
    const slot = { jobId: null as number | null, done: new Promise<void>((r) => (finish = r)) };
    this.running.set(row.id, slot);
    try {
      const invoke = this.invoke;
      if (!invoke) throw new Error('the scheduler is not attached to the service layer');
      const kind = KINDS[row.kind as ScheduleKind];
      if (!kind) throw new Error(`unknown schedule kind ${row.kind}`);
      const options = kind.options.parse(JSON.parse(row.options));
      const startedAt = iso(this.now());
      const [inserted] = await this.deps
        .db('schedule_runs')
        .insert({ schedule_id: row.id, trigger, due_at: dueAt, started_at: startedAt, finished_at: null, result: 'running', message: null, job_id: null })
        .returning('id');
      const runId = Number(typeof inserted === 'object' ? inserted.id : inserted);
      const call = <T>(name: string, input: unknown) => invoke<T>(name, input, SYSTEM_META);
      // What the run ends with, set by the work; written to the run's row only once the job's own row has its final
      // state and result (the job manager's `ended`), so a reader who sees the run finished finds its job finished.
      let result: RunResult = 'failed';
      let message = '';
      const job = await this.deps.jobs.start(
        {
          type: `schedule.${row.kind}`,
          description: `${kind.summary} ${row.target} (schedule ${row.id}, ${trigger})`,
          owner: 'system',
          target: row.target,
          cancellable: true,
        },
        async (handle) => {
          try {
            slot.jobId = handle.id;
            await this.deps.db('schedule_runs').where({ id: runId }).update({ job_id: handle.id });
            await this.deps
              .db('schedules')
              .where({ id: row.id })
              .update({ last_run_at: startedAt, last_result: 'running', last_message: null, last_job_id: handle.id });
            const outcome = await kind.run({ call, job: handle, now: this.now, sleep: (ms) => this.wait(ms, handle.signal) }, row.target, options);
            if ('skipped' in outcome) {
              result = 'skipped';
              message = `skipped: ${outcome.skipped}`;
              await handle.log(message);
              return { skipped: outcome.skipped };
            }
            result = 'succeeded';
            message = 'done';
            return outcome.result;
          } catch (err) {
            message = handle.signal.aborted ? 'cancelled' : publicMessage(err) === 'internal error' ? (err as Error).message : publicMessage(err);
            throw err;
          }
        },
        async (ended) => {
          try {
            const at = iso(this.now());
            await this.deps
              .db('schedule_runs')
              .where({ id: runId })
              .update({ finished_at: at, result, message: clip(message) });
            await this.deps
              .db('schedules')
              .where({ id: row.id })
              .update({ last_run_at: startedAt, last_result: result, last_message: clip(message), last_job_id: ended.id });
          } finally {
            this.running.delete(row.id);
            finish();
          }
        },
      );
      slot.jobId = job.id;
      const now = (await this.deps.db('schedule_runs').where({ id: runId }).first()) as RunRow;
      return { ...now, job_id: job.id };
    } catch (err) {
      if (slot.jobId === null) {
        this.running.delete(row.id);
        finish();
      }
      throw err;
    }
  }
}
