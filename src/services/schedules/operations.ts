/**
 * Schedules as operations: list, get, create, update, delete, enable, disable, run now and the
 * history of runs. Reading is schedules.read; changing needs schedules.manage and the permission
 * of the schedule's kind (storage.scrub for scrubs, storage.devices for SMART tests).
 */
import { z } from 'zod';
import { actorHas, SYSTEM_ACTOR, type Ctx } from '../core/context.js';
import { Forbidden, NotFound, ValidationError } from '../core/errors.js';
import { listOf, listShape, rowId } from '../core/list.js';
import { defineOperation, definePermissions, type Registry } from '../core/registry.js';
import { plainText } from '../core/text.js';
import { isoTime, nowIso } from '../core/time.js';
import { cronProblem, describeCron, normaliseCron } from './cron.js';
import { KINDS, SCHEDULE_KINDS, type ScheduleKind } from './kinds.js';
import { RUN_RESULTS as RESULTS, type RunResult, type RunRow, type Scheduler, type ScheduleRow } from './scheduler.js';

export const schedulePermissions = definePermissions([
  { name: 'schedules.read', description: 'See schedules and the history of their runs', level: 'read' },
  { name: 'schedules.manage', description: 'Create, change, delete, enable, disable and run schedules (with the permission of their kind)', level: 'operate' },
]);

const cronField = z.string().max(100).describe('Cron expression, five fields: minute hour day-of-month month day-of-week (e.g. "0 3 * * 0": Sundays at 03:00); at most once a minute');
const optionsField = z.object({
  skipWhenScanning: z.boolean().optional().describe('pool.scrub: skip the run while a scrub or resilver is running or a scrub is paused (default true)'),
  minDaysSinceLast: z.number().int().min(0).max(365).optional().describe('pool.scrub: skip when the last scrub ended less than this many days ago (default 0: never skip for that)'),
  testType: z.enum(['short', 'long']).optional().describe('disk.smart-test: short (minutes) or long (the whole surface, hours); default short'),
}).describe('Options of the kind: pool.scrub takes skipWhenScanning and minDaysSinceLast; disk.smart-test takes testType');
const graceField = z.number().int().min(0).max(7 * 86400).describe('How late (seconds) a run missed while Calypso was down may still run at start; later, it is recorded as missed');
const descriptionField = plainText().max(200).describe('A note for people');

const scheduleSchema = z.object({
  id: z.number().describe('Schedule id'),
  kind: z.enum(SCHEDULE_KINDS).describe('What it does'),
  target: z.string().describe('The pool or disk it works on'),
  cron: z.string().describe('Cron expression'),
  cronText: z.string().describe('The schedule in words (e.g. "weekly on Sunday at 03:00")'),
  options: z.record(z.string(), z.unknown()).describe('Options of the kind, defaults filled in'),
  graceSeconds: z.number().describe('How late a missed run may still run at start'),
  enabled: z.boolean().describe('Runs when due'),
  description: z.string().describe('A note for people'),
  createdBy: z.string().describe('Who created it'),
  createdAt: isoTime().describe('When it was created'),
  updatedAt: isoTime().describe('When it was last changed'),
  nextRunAt: isoTime().nullable().describe('When it runs next (null when disabled)'),
  lastRun: z.object({
    at: isoTime().describe('When it last ran, was skipped or was missed'),
    result: z.enum(RESULTS).describe('What became of it'),
    message: z.string().nullable().describe('Why it was skipped, missed or failed'),
    jobId: z.number().nullable().describe('Its job'),
  }).nullable().describe('The last run (null: never)'),
  running: z.boolean().describe('A run is going now'),
});

const runSchema = z.object({
  id: z.number().describe('Run id'),
  scheduleId: z.number().describe('Schedule id'),
  trigger: z.enum(['schedule', 'manual']).describe('Due by the schedule, or run now by someone'),
  dueAt: isoTime().nullable().describe('When it was due (null for run now)'),
  startedAt: isoTime().describe('When it started or was recorded'),
  finishedAt: isoTime().nullable().describe('When it ended'),
  result: z.enum(RESULTS).describe('running, succeeded, failed, skipped (with the reason) or missed'),
  message: z.string().nullable().describe('Why it was skipped, missed or failed'),
  jobId: z.number().nullable().describe('The job of the run'),
});

type Schedule = z.infer<typeof scheduleSchema>;

function toRun(r: RunRow): z.infer<typeof runSchema> {
  return {
    id: Number(r.id), scheduleId: Number(r.schedule_id), trigger: r.trigger as 'schedule' | 'manual', dueAt: r.due_at, startedAt: r.started_at,
    finishedAt: r.finished_at, result: r.result, message: r.message, jobId: r.job_id === null ? null : Number(r.job_id),
  };
}

const scheduleId = rowId('Schedule id');

export function registerSchedules(registry: Registry, scheduler: Scheduler): void {
  registry.addPermissions(schedulePermissions);

  const toSchedule = (r: ScheduleRow): Schedule => ({
    id: Number(r.id), kind: r.kind as ScheduleKind, target: r.target, cron: r.cron, cronText: describeCron(r.cron),
    options: JSON.parse(r.options), graceSeconds: Number(r.grace_seconds), enabled: Boolean(r.enabled), description: r.description,
    createdBy: r.created_by, createdAt: r.created_at, updatedAt: r.updated_at, nextRunAt: r.next_run_at,
    lastRun: r.last_run_at && r.last_result
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
      const errors = parsed.error.issues.map((i) => ({ path: ['options', ...i.path.map(String), ...((i as { keys?: string[] }).keys ?? [])].join('.'), message: i.message }));
      throw new ValidationError(`options: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors);
    }
    return parsed.data;
  };
  /** The target checked as the system (the caller may manage scrubs without reading disks). */
  const checkTarget = (ctx: Ctx, kind: ScheduleKind, target: string) =>
    KINDS[kind].checkTarget((name, input) => ctx.call(name, input, { actor: SYSTEM_ACTOR, face: 'system' }), target);

  registry.add(defineOperation({
    name: 'schedules.list', summary: 'List schedules', permission: 'schedules.read', mutating: false,
    input: z.object({ ...listShape, kind: z.enum(SCHEDULE_KINDS).optional().describe('Only schedules of this kind') }),
    output: listOf(scheduleSchema),
    http: { method: 'GET', path: '/schedules' },
    handler: async (ctx, i) => {
      const q = ctx.db('schedules');
      if (i.kind) q.where('kind', i.kind);
      const [{ n }] = await q.clone().count({ n: '*' });
      const rows: ScheduleRow[] = await q.orderBy('id').limit(i.limit).offset(i.offset);
      return { items: rows.map(toSchedule), total: Number(n) };
    },
  }));
  registry.add(defineOperation({
    name: 'schedules.get', summary: 'Show a schedule', permission: 'schedules.read', mutating: false,
    input: z.object({ id: scheduleId }), output: scheduleSchema,
    http: { method: 'GET', path: '/schedules/:id' },
    handler: async (ctx, i) => toSchedule(await load(ctx, i.id)),
  }));
  registry.add(defineOperation({
    name: 'schedules.create', summary: 'Create a schedule (periodic scrub of a pool, SMART self-test of a disk)', permission: 'schedules.manage', mutating: true,
    input: z.object({
      kind: z.enum(SCHEDULE_KINDS).describe('pool.scrub or disk.smart-test'),
      target: plainText().min(1).max(200).describe('The pool (pool.scrub) or disk (disk.smart-test)'),
      cron: cronField,
      options: optionsField.default({}),
      graceSeconds: graceField.default(3600),
      enabled: z.boolean().default(true).describe('Runs when due'),
      description: descriptionField.default(''),
    }),
    output: scheduleSchema, target: (i) => `${i.kind} ${i.target}`,
    http: { method: 'POST', path: '/schedules' },
    handler: async (ctx, i) => {
      mayManage(ctx, i.kind);
      const cron = checkCron(i.cron);
      const options = checkOptions(i.kind, i.options);
      const target = await checkTarget(ctx, i.kind, i.target);
      const now = nowIso();
      const [inserted] = await ctx.db('schedules').insert({
        kind: i.kind, target, cron, options: JSON.stringify(options), grace_seconds: i.graceSeconds, enabled: i.enabled,
        description: i.description, created_at: now, updated_at: now, created_by: ctx.actor?.username ?? 'system',
        next_run_at: i.enabled ? scheduler.nextAfter(cron) : null,
      }).returning('id');
      scheduler.changed();
      return toSchedule(await load(ctx, Number(typeof inserted === 'object' ? inserted.id : inserted)));
    },
  }));
  registry.add(defineOperation({
    name: 'schedules.update', summary: 'Change a schedule (its time, options, grace window or note)', permission: 'schedules.manage', mutating: true,
    input: z.object({
      id: scheduleId, cron: cronField.optional(), options: optionsField.optional(), graceSeconds: graceField.optional(), description: descriptionField.optional(),
    }),
    output: scheduleSchema, target: (i) => `schedule ${i.id}`,
    http: { method: 'PATCH', path: '/schedules/:id' },
    handler: async (ctx, i) => {
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
    },
  }));
  registry.add(defineOperation({
    name: 'schedules.delete', summary: 'Delete a schedule and its history (a run going now goes on)', permission: 'schedules.manage', mutating: true,
    input: z.object({ id: scheduleId }), output: z.object({ deleted: z.boolean().describe('Always true') }), target: (i) => `schedule ${i.id}`,
    http: { method: 'DELETE', path: '/schedules/:id' },
    handler: async (ctx, i) => {
      const row = await load(ctx, i.id);
      mayManage(ctx, row.kind as ScheduleKind);
      await ctx.db.transaction(async (trx) => {
        await trx('schedule_runs').where({ schedule_id: i.id }).delete();
        await trx('schedules').where({ id: i.id }).delete();
      });
      scheduler.changed();
      return { deleted: true };
    },
  }));
  for (const enabled of [true, false]) {
    const verb = enabled ? 'enable' : 'disable';
    registry.add(defineOperation({
      name: `schedules.${verb}`, summary: enabled ? 'Enable a schedule (next run computed from now; nothing missed is caught up)' : 'Disable a schedule', permission: 'schedules.manage', mutating: true,
      input: z.object({ id: scheduleId }), output: scheduleSchema, target: (i) => `schedule ${i.id}`,
      http: { method: 'POST', path: `/schedules/:id/${verb}` },
      handler: async (ctx, i) => {
        const row = await load(ctx, i.id);
        mayManage(ctx, row.kind as ScheduleKind);
        if (Boolean(row.enabled) !== enabled) {
          await ctx.db('schedules').where({ id: i.id }).update({ enabled, updated_at: nowIso(), next_run_at: enabled ? scheduler.nextAfter(row.cron) : null });
          scheduler.changed();
        }
        return toSchedule(await load(ctx, i.id));
      },
    }));
  }
  registry.add(defineOperation({
    name: 'schedules.run', summary: 'Run a schedule now (409 while a run of it is going)', permission: 'schedules.manage', mutating: true,
    input: z.object({ id: scheduleId }), output: runSchema, target: (i) => `schedule ${i.id}`,
    http: { method: 'POST', path: '/schedules/:id/run' },
    handler: async (ctx, i) => {
      const row = await load(ctx, i.id);
      mayManage(ctx, row.kind as ScheduleKind);
      return toRun(await scheduler.runNow(i.id));
    },
  }));
  registry.add(defineOperation({
    name: 'schedules.runs', summary: 'History of a schedule\'s runs, newest first', permission: 'schedules.read', mutating: false,
    input: z.object({ id: scheduleId, ...listShape, result: z.enum(RESULTS).optional().describe('Only runs with this result') }),
    output: listOf(runSchema),
    http: { method: 'GET', path: '/schedules/:id/runs' },
    handler: async (ctx, i) => {
      await load(ctx, i.id);
      const q = ctx.db('schedule_runs').where({ schedule_id: i.id });
      if (i.result) q.where('result', i.result);
      const [{ n }] = await q.clone().count({ n: '*' });
      const rows: RunRow[] = await q.orderBy('id', 'desc').limit(i.limit).offset(i.offset);
      return { items: rows.map(toRun), total: Number(n) };
    },
  }));
}
