/**
 * Jobs: the long-running work of every subsystem (scrubs, pool creation, SMART tests...), its
 * progress and log. Reading is jobs.read; cancelling a running job is jobs.cancel.
 */
import { z } from 'zod';
import { contractSet, defineContract, definePermissions } from './core.js';
import { listOf, listShape, rowId } from './list.js';
import { isoTime } from './time.js';

export const JOB_STATES = ['running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;

export const jobPermissions = definePermissions([
  { name: 'jobs.read', description: 'See jobs, their progress and logs', level: 'read' },
  { name: 'jobs.cancel', description: 'Cancel a running job', level: 'operate' },
]);

export const jobSchema = z.object({
  id: z.number().describe('Job id'),
  type: z.string().describe('What kind of job (e.g. storage.scrub)'),
  description: z.string().describe('What the job does'),
  state: z.enum(JOB_STATES).describe('Where the job is'),
  progress: z.number().describe('Percent done'),
  progressText: z.string().nullable().describe('What it is doing now'),
  owner: z.string().describe('Who started it'),
  target: z.string().nullable().describe('The object it works on'),
  createdAt: isoTime().describe('When it started'),
  finishedAt: isoTime().nullable().describe('When it ended'),
  result: z.unknown().describe('What it produced'),
  error: z.string().nullable().describe('Why it failed'),
  cancellable: z.boolean().describe('Whether it can be cancelled'),
});
export type Job = z.infer<typeof jobSchema>;

export const jobDetailSchema = jobSchema.extend({
  log: z.array(z.object({ at: isoTime().describe('When'), line: z.string().describe('Log line') })).describe('Log lines, oldest first'),
});
export type JobDetail = z.infer<typeof jobDetailSchema>;

const jobId = rowId('Job id');

export const jobContracts = contractSet([
  defineContract({
    name: 'jobs.list',
    summary: 'List jobs',
    permission: 'jobs.read',
    mutating: false,
    input: z.object({
      ...listShape,
      state: z.enum(JOB_STATES).optional().describe('Only jobs in this state'),
      type: z.string().max(100).optional().describe('Only jobs of this type'),
    }),
    output: listOf(jobSchema),
    http: { method: 'GET', path: '/jobs' },
  }),
  defineContract({
    name: 'jobs.get',
    summary: 'Show a job with its log',
    permission: 'jobs.read',
    mutating: false,
    input: z.object({ id: jobId }),
    output: jobDetailSchema,
    http: { method: 'GET', path: '/jobs/:id' },
  }),
  defineContract({
    name: 'jobs.cancel',
    summary: 'Cancel a running job',
    permission: 'jobs.cancel',
    mutating: true,
    input: z.object({ id: jobId }),
    output: jobSchema,
    target: (i) => `job ${i.id}`,
    http: { method: 'POST', path: '/jobs/:id/cancel' },
  }),
]);
