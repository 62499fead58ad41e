/**
 * Schedules as operations: list, get, create, update, delete, enable, disable, run now and the
 * history of runs. Reading is schedules.read; changing needs schedules.manage and the permission
 * of the schedule's kind (storage.scrub for scrubs, storage.devices for SMART tests).
 */
import { actorHas, SYSTEM_ACTOR, type Ctx } from '../core/context.js';
import { Forbidden, NotFound, ValidationError } from '../core/errors.js';
import { scheduleContracts as c, schedulePermissions, type Schedule, type ScheduleKind, type ScheduleRun, type RunResult } from '../../contracts/schedules.js';
import { implement, type Registry } from '../core/registry.js';
import { nowIso } from '../../contracts/time.js';
import { cronProblem, describeCron, normaliseCron } from '../../contracts/cron.js';
import { KINDS } from './kinds.js';
import type { RunRow, Scheduler, ScheduleRow } from './scheduler.js';

function toRun(r: RunRow): ScheduleRun {
  return {
    id: Number(r.id),
    scheduleId: Number(r.schedule_id),
    trigger: r.trigger as 'schedule' | 'manual',
    dueAt: r.due_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    result: r.result,
    message: r.message,
    jobId: r.job_id === null ? null : Number(r.job_id),
  };
}

export function registerSchedules(registry: Registry, scheduler: Scheduler): void {
  registry.addPermissions(schedulePermissions);

  const toSchedule = (r: ScheduleRow): Schedule => ({
    id: Number(r.id),
    kind: r.kind as ScheduleKind,
    target: r.target,
    cron: r.cron,
    cronText: describeCron(r.cron),
    options: JSON.parse(r.options),
    graceSeconds: Number(r.grace_seconds),
    enabled: Boolean(r.enabled),
    description: r.description,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    nextRunAt: r.next_run_at,
    lastRun:
      r.last_run_at && r.last_result
        ? { at: r.last_run_at, result: r.last_result as RunResult, message: r.last_message, jobId: r.last_job_id === null ? null : Number(r.last_job_id) }
        : null,
    running: scheduler.isRunning(Number(r.id)),
  });
  const load = async (ctx: Ctx, id: number): Promise<ScheduleRow> => {
    const row = await ctx.db('schedules').where({ id }).first();
    if (!row) throw new NotFound(`schedule ${id} does not exist`);
    return row;
  };
  const mayManage = (ctx: Ctx, kind: ScheduleKind) => {
    const need = KINDS[kind].permission;
    if (!actorHas(ctx.actor, need)) throw new Forbidden(`${KINDS[kind].summary} schedules need the ${need} permission too`);
  };
  const checkCron = (cron: string) => {
    const problem = cronProblem(cron, undefined);
    if (problem) throw new ValidationError(`cron: ${problem}`, [{ path: 'cron', message: problem }]);
    return normaliseCron(cron);
  };
  /** The kind's options, strict: a field of another kind is refused with its name. */
  const checkOptions = (kind: ScheduleKind, given: Record<string, unknown>) => {
    const parsed = KINDS[kind].options.strict().safeParse(Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)));
    if (!parsed.success) {
      const errors = parsed.error.issues.map((i) => ({
        path: ['options', ...i.path.map(String), ...((i as { keys?: string[] }).keys ?? [])].join('.'),
        message: i.message,
      }));
      throw new ValidationError(`options: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors);
    }
    return parsed.data;
  };
  /** The target checked as the system (the caller may manage scrubs without reading disks). */
  const checkTarget = (ctx: Ctx, kind: ScheduleKind, target: string) =>
    KINDS[kind].checkTarget((name, input) => ctx.call(name, input, { actor: SYSTEM_ACTOR, face: 'system' }), target);

  registry.add(
    implement(c['schedules.list'], async (ctx, i) => {
      const q = ctx.db('schedules');
      if (i.kind) q.where('kind', i.kind);
      const [{ n }] = await q.clone().count({ n: '*' });
      const rows: ScheduleRow[] = await q.orderBy('id').limit(i.limit).offset(i.offset);
      return { items: rows.map(toSchedule), total: Number(n) };
    }),
  );
  registry.add(implement(c['schedules.get'], async (ctx, i) => toSchedule(await load(ctx, i.id))));
  registry.add(
    implement(c['schedules.create'], async (ctx, i) => {
      mayManage(ctx, i.kind);
      const cron = checkCron(i.cron);
      const options = checkOptions(i.kind, i.options);
      const target = await checkTarget(ctx, i.kind, i.target);
      const now = nowIso();
      const [inserted] = await ctx
        .db('schedules')
        .insert({
          kind: i.kind,
          target,
          cron,
          options: JSON.stringify(options),
          grace_seconds: i.graceSeconds,
          enabled: i.enabled,
          description: i.description,
          created_at: now,
          updated_at: now,
          created_by: ctx.actor?.username ?? 'system',
          next_run_at: i.enabled ? scheduler.nextAfter(cron) : null,
        })
        .returning('id');
      scheduler.changed();
      return toSchedule(await load(ctx, Number(typeof inserted === 'object' ? inserted.id : inserted)));
    }),
  );
  registry.add(
    implement(c['schedules.update'], async (ctx, i) => {
      const row = await load(ctx, i.id);
      mayManage(ctx, row.kind as ScheduleKind);
      const patch: Record<string, unknown> = { updated_at: nowIso() };
      if (i.cron !== undefined) {
        patch.cron = checkCron(i.cron);
        if (row.enabled) patch.next_run_at = scheduler.nextAfter(patch.cron as string);
      }
      if (i.options !== undefined) patch.options = JSON.stringify(checkOptions(row.kind as ScheduleKind, { ...JSON.parse(row.options), ...i.options }));
      if (i.graceSeconds !== undefined) patch.grace_seconds = i.graceSeconds;
      if (i.description !== undefined) patch.description = i.description;
      await ctx.db('schedules').where({ id: i.id }).update(patch);
      scheduler.changed();
      return toSchedule(await load(ctx, i.id));
    }),
  );
  registry.add(
    implement(c['schedules.delete'], async (ctx, i) => {
      const row = await load(ctx, i.id);
      mayManage(ctx, row.kind as ScheduleKind);
      await ctx.db.transaction(async (trx) => {
        await trx('schedule_runs').where({ schedule_id: i.id }).delete();
        await trx('schedules').where({ id: i.id }).delete();
      });
      scheduler.changed();
      return { deleted: true };
    }),
  );
  for (const enabled of [true, false]) {
    const verb = enabled ? ('enable' as const) : ('disable' as const);
    registry.add(
      implement(c[`schedules.${verb}`], async (ctx, i) => {
        const row = await load(ctx, i.id);
        mayManage(ctx, row.kind as ScheduleKind);
        if (Boolean(row.enabled) !== enabled) {
          await ctx
            .db('schedules')
            .where({ id: i.id })
            .update({ enabled, updated_at: nowIso(), next_run_at: enabled ? scheduler.nextAfter(row.cron) : null });
          scheduler.changed();
        }
        return toSchedule(await load(ctx, i.id));
      }),
    );
  }
  registry.add(
    implement(c['schedules.run'], async (ctx, i) => {
      const row = await load(ctx, i.id);
      mayManage(ctx, row.kind as ScheduleKind);
      return toRun(await scheduler.runNow(i.id));
    }),
  );
  registry.add(
    implement(c['schedules.runs'], async (ctx, i) => {
      await load(ctx, i.id);
      const q = ctx.db('schedule_runs').where({ schedule_id: i.id });
      if (i.result) q.where('result', i.result);
      const [{ n }] = await q.clone().count({ n: '*' });
      const rows: RunRow[] = await q.orderBy('id', 'desc').limit(i.limit).offset(i.offset);
      return { items: rows.map(toRun), total: Number(n) };
    }),
  );
}
