/**
 * Schedules: list, get, create, update, delete, enable, disable, run now and the history of runs.
 * Reading is schedules.read; changing needs schedules.manage and the permission of the schedule's
 * kind (storage.scrub for scrubs, storage.devices for SMART tests), checked by the handler.
 */
import { z } from 'zod';
import { contractSet, defineContract, definePermissions } from './core.js';
import { listOf, listShape, rowId } from './list.js';
import { plainText } from './text.js';
import { isoTime } from './time.js';

export const SCHEDULE_KINDS = ['pool.scrub', 'disk.smart-test', 'snapshot.task', 'replication.task', 'config.export'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];
export const RUN_RESULTS = ['running', 'succeeded', 'failed', 'skipped', 'missed'] as const;
export type RunResult = (typeof RUN_RESULTS)[number];

export const schedulePermissions = definePermissions([
  { name: 'schedules.read', description: 'See schedules and the history of their runs', level: 'read' },
  { name: 'schedules.manage', description: 'Create, change, delete, enable, disable and run schedules (with the permission of their kind)', level: 'operate' },
]);

const cronField = z
  .string()
  .max(100)
  .describe('Cron expression, five fields: minute hour day-of-month month day-of-week (e.g. "0 3 * * 0": Sundays at 03:00); at most once a minute');
const optionsField = z
  .object({
    skipWhenScanning: z.boolean().optional().describe('pool.scrub: skip the run while a scrub or resilver is running or a scrub is paused (default true)'),
    minDaysSinceLast: z
      .number()
      .int()
      .min(0)
      .max(365)
      .optional()
      .describe('pool.scrub: skip when the last scrub ended less than this many days ago (default 0: never skip for that)'),
    testType: z.enum(['short', 'long']).optional().describe('disk.smart-test: short (minutes) or long (the whole surface, hours); default short'),
    keep: z.number().int().min(1).max(1000).optional().describe('config.export: how many exports to keep, older ones are deleted (default 10)'),
  })
  .describe('Options of the kind: pool.scrub takes skipWhenScanning and minDaysSinceLast; disk.smart-test takes testType; config.export takes keep');
const graceField = z
  .number()
  .int()
  .min(0)
  .max(7 * 86400)
  .describe('How late (seconds) a run missed while Calypso was down may still run at start; later, it is recorded as missed');
const descriptionField = plainText().max(200).describe('A note for people');

export const scheduleSchema = z.object({
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
  lastRun: z
    .object({
      at: isoTime().describe('When it last ran, was skipped or was missed'),
      result: z.enum(RUN_RESULTS).describe('What became of it'),
      message: z.string().nullable().describe('Why it was skipped, missed or failed'),
      jobId: z.number().nullable().describe('Its job'),
    })
    .nullable()
    .describe('The last run (null: never)'),
  running: z.boolean().describe('A run is going now'),
});
export type Schedule = z.infer<typeof scheduleSchema>;

export const runSchema = z.object({
  id: z.number().describe('Run id'),
  scheduleId: z.number().describe('Schedule id'),
  trigger: z.enum(['schedule', 'manual']).describe('Due by the schedule, or run now by someone'),
  dueAt: isoTime().nullable().describe('When it was due (null for run now)'),
  startedAt: isoTime().describe('When it started or was recorded'),
  finishedAt: isoTime().nullable().describe('When it ended'),
  result: z.enum(RUN_RESULTS).describe('running, succeeded, failed, skipped (with the reason) or missed'),
  message: z.string().nullable().describe('Why it was skipped, missed or failed'),
  jobId: z.number().nullable().describe('The job of the run'),
});
export type ScheduleRun = z.infer<typeof runSchema>;

const scheduleId = rowId('Schedule id');
const byId = z.object({ id: scheduleId });

export const scheduleContracts = contractSet([
  defineContract({
    name: 'schedules.list',
    summary: 'List schedules',
    permission: 'schedules.read',
    mutating: false,
    input: z.object({ ...listShape, kind: z.enum(SCHEDULE_KINDS).optional().describe('Only schedules of this kind') }),
    output: listOf(scheduleSchema),
    http: { method: 'GET', path: '/schedules' },
  }),
  defineContract({
    name: 'schedules.get',
    summary: 'Show a schedule',
    permission: 'schedules.read',
    mutating: false,
    input: byId,
    output: scheduleSchema,
    http: { method: 'GET', path: '/schedules/:id' },
  }),
  defineContract({
    name: 'schedules.create',
    summary: 'Create a schedule (periodic scrub of a pool, SMART self-test of a disk)',
    permission: 'schedules.manage',
    mutating: true,
    input: z.object({
      kind: z.enum(SCHEDULE_KINDS).describe('pool.scrub, disk.smart-test or config.export'),
      target: plainText().min(1).max(200).describe('The pool (pool.scrub), disk (disk.smart-test) or appliance (config.export)'),
      cron: cronField,
      options: optionsField.default({}),
      graceSeconds: graceField.default(3600),
      enabled: z.boolean().default(true).describe('Runs when due'),
      description: descriptionField.default(''),
    }),
    output: scheduleSchema,
    target: (i) => `${i.kind} ${i.target}`,
    http: { method: 'POST', path: '/schedules' },
  }),
  defineContract({
    name: 'schedules.update',
    summary: 'Change a schedule (its time, options, grace window or note)',
    permission: 'schedules.manage',
    mutating: true,
    input: z.object({
      id: scheduleId,
      cron: cronField.optional(),
      options: optionsField.optional(),
      graceSeconds: graceField.optional(),
      description: descriptionField.optional(),
    }),
    output: scheduleSchema,
    target: (i) => `schedule ${i.id}`,
    http: { method: 'PATCH', path: '/schedules/:id' },
  }),
  defineContract({
    name: 'schedules.delete',
    summary: 'Delete a schedule and its history (a run going now goes on)',
    permission: 'schedules.manage',
    mutating: true,
    input: byId,
    output: z.object({ deleted: z.boolean().describe('Always true') }),
    target: (i) => `schedule ${i.id}`,
    http: { method: 'DELETE', path: '/schedules/:id' },
  }),
  defineContract({
    name: 'schedules.enable',
    summary: 'Enable a schedule (next run computed from now; nothing missed is caught up)',
    permission: 'schedules.manage',
    mutating: true,
    input: byId,
    output: scheduleSchema,
    target: (i) => `schedule ${i.id}`,
    http: { method: 'POST', path: '/schedules/:id/enable' },
  }),
  defineContract({
    name: 'schedules.disable',
    summary: 'Disable a schedule',
    permission: 'schedules.manage',
    mutating: true,
    input: byId,
    output: scheduleSchema,
    target: (i) => `schedule ${i.id}`,
    http: { method: 'POST', path: '/schedules/:id/disable' },
  }),
  defineContract({
    name: 'schedules.run',
    summary: 'Run a schedule now (409 while a run of it is going)',
    permission: 'schedules.manage',
    mutating: true,
    input: byId,
    output: runSchema,
    target: (i) => `schedule ${i.id}`,
    http: { method: 'POST', path: '/schedules/:id/run' },
  }),
  defineContract({
    name: 'schedules.runs',
    summary: "History of a schedule's runs, newest first",
    permission: 'schedules.read',
    mutating: false,
    input: z.object({ id: scheduleId, ...listShape, result: z.enum(RUN_RESULTS).optional().describe('Only runs with this result') }),
    output: listOf(runSchema),
    http: { method: 'GET', path: '/schedules/:id/runs' },
  }),
]);
