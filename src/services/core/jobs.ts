/**
 * Long operations (scrub, pool creation, replication...) run as persisted jobs with
 * state, progress, log lines and a result, published on the event bus.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { EventBus } from './events.js';
import { nowIso } from '../../contracts/time.js';
import { within } from '../../lib/within.js';
import { Conflict, NotFound, publicMessage } from './errors.js';

export type JobState = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

export interface Job {
  id: number;
  type: string;
  description: string;
  state: JobState;
  progress: number;
  progressText: string | null;
  owner: string;
  target: string | null;
  createdAt: string;
  finishedAt: string | null;
  result: unknown;
  error: string | null;
  cancellable: boolean;
}

export interface JobHandle {
  readonly id: number;
  /** Set when the user cancelled; long loops check it. */
  readonly signal: AbortSignal;
  progress(percent: number, text?: string): Promise<void>;
  log(line: string): Promise<void>;
}

interface Running {
  controller: AbortController;
  cancellable: boolean;
  done: Promise<void>;
}

function toJob(row: Record<string, unknown>): Job {
  return {
    id: Number(row.id),
    type: String(row.type),
    description: String(row.description),
    state: row.state as JobState,
    progress: Number(row.progress),
    progressText: (row.progress_text as string | null) ?? null,
    owner: String(row.owner),
    target: (row.target as string | null) ?? null,
    createdAt: String(row.created_at),
    finishedAt: (row.finished_at as string | null) ?? null,
    result: row.result ? JSON.parse(String(row.result)) : null,
    error: (row.error as string | null) ?? null,
    cancellable: Boolean(row.cancellable),
  };
}

export class JobManager {
  private readonly running = new Map<number, Running>();
  /** Jobs ended by interrupt(): their own ending does not overwrite the 'interrupted' state. */
  private readonly interrupted = new Set<number>();

  constructor(
    private readonly db: Knex,
    private readonly events: EventBus,
    private readonly log: Logger,
  ) {}

  /** Jobs that were running when the process died are marked interrupted. */
  async recover(): Promise<number> {
    return this.db('jobs')
      .where({ state: 'running' })
      .update({ state: 'interrupted', finished_at: nowIso(), error: 'Calypso stopped while the job was running' });
  }

  /**
   * Creates the job row and runs `work` in the background. Returns the job as created,
   * so a face can show its id and follow it on the event bus.
   *
   * `ended`, when given, runs once the job's row holds its final state and result (or error), before the job is
   * published as ended and before wait(), cancel() and idle() return: a record that follows the job (a schedule's run)
   * is written there, so whoever sees that record finished finds the job finished too. Its failure is logged.
   */
  async start(
    spec: { type: string; description: string; owner: string; target?: string; cancellable?: boolean },
    work: (job: JobHandle) => Promise<unknown>,
    ended?: (job: Job) => Promise<void>,
  ): Promise<Job> {
    const [inserted] = await this.db('jobs')
      .insert({
        type: spec.type,
        description: spec.description,
        state: 'running',
        progress: 0,
        owner: spec.owner,
        target: spec.target ?? null,
        created_at: nowIso(),
        cancellable: spec.cancellable ?? false,
      })
      .returning('id');
    const id = Number(typeof inserted === 'object' ? inserted.id : inserted);
    const controller = new AbortController();
    const handle: JobHandle = {
      id,
      signal: controller.signal,
      progress: async (percent, text) => {
        await this.db('jobs')
          .where({ id })
          .update({ progress: Math.max(0, Math.min(100, Math.round(percent))), progress_text: text ?? null });
        await this.publish(id);
      },
      log: async (line) => {
        await this.db('job_logs').insert({ job_id: id, at: nowIso(), line });
      },
    };
    const job = await this.get(id);
    this.events.publish({ type: 'job', job });
    const done = (async () => {
      try {
        const result = await work(handle);
        const cancelled = controller.signal.aborted;
        if (this.interrupted.has(id)) return;
        await this.db('jobs')
          .where({ id })
          .update({
            state: cancelled ? 'cancelled' : 'succeeded',
            progress: cancelled ? undefined : 100,
            finished_at: nowIso(),
            result: JSON.stringify(result ?? null),
          });
      } catch (err) {
        const cancelled = controller.signal.aborted;
        if (this.interrupted.has(id)) return;
        if (!cancelled) this.log.warn({ err, jobId: id }, 'job failed');
        await this.db('jobs')
          .where({ id })
          .update({ state: cancelled ? 'cancelled' : 'failed', finished_at: nowIso(), error: publicMessage(err) });
      } finally {
        if (ended) {
          await this.get(id)
            .then(ended)
            .catch((err: unknown) => this.log.error({ err, jobId: id }, 'recording the end of a job failed'));
        }
        this.running.delete(id);
        await this.publish(id).catch(() => undefined);
      }
    })();
    this.running.set(id, { controller, cancellable: spec.cancellable ?? false, done });
    return job;
  }

  async get(id: number): Promise<Job> {
    const row = await this.db('jobs').where({ id }).first();
    if (!row) throw new NotFound(`job ${id} does not exist`);
    return toJob(row);
  }

  async list(filter: { state?: JobState; type?: string; limit: number; offset: number }): Promise<{ items: Job[]; total: number }> {
    const q = this.db('jobs');
    if (filter.state) q.where('state', filter.state);
    if (filter.type) q.where('type', filter.type);
    const [{ n }] = await q.clone().count({ n: '*' });
    const rows = await q.orderBy('id', 'desc').limit(filter.limit).offset(filter.offset);
    return { items: rows.map(toJob), total: Number(n) };
  }

  async logs(id: number): Promise<{ at: string; line: string }[]> {
    return this.db('job_logs').where({ job_id: id }).orderBy('id').select('at', 'line');
  }

  async cancel(id: number): Promise<Job> {
    const run = this.running.get(id);
    if (!run) throw new Conflict(`job ${id} is not running`);
    if (!run.cancellable) throw new Conflict(`job ${id} cannot be cancelled`);
    run.controller.abort();
    await run.done;
    return this.get(id);
  }

  /** The job once it has ended, or as it is after `timeoutMs` if it is still running. */
  async wait(id: number, timeoutMs: number): Promise<Job> {
    const run = this.running.get(id);
    if (run && (await within(run.done, timeoutMs))) await run.done;
    return this.get(id);
  }

  runningCount(): number {
    return this.running.size;
  }

  /** Ids of the jobs this process is running (a shutdown marks those it cannot wait for). */
  runningIds(): number[] {
    return [...this.running.keys()];
  }

  /**
   * Ends every running job as interrupted (a reboot of the appliance): each is aborted and marked
   * at once, whatever it does with the abort; returns their ids.
   */
  async interruptAll(reason: string): Promise<number[]> {
    const ids = this.runningIds();
    if (!ids.length) return [];
    for (const id of ids) {
      this.interrupted.add(id);
      this.running.get(id)?.controller.abort();
    }
    await this.db('jobs').whereIn('id', ids).update({ state: 'interrupted', finished_at: nowIso(), error: reason });
    for (const id of ids) await this.publish(id).catch(() => undefined);
    return ids;
  }

  /** Waits for every running job (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  private async publish(id: number): Promise<void> {
    this.events.publish({ type: 'job', job: await this.get(id) });
  }
}
