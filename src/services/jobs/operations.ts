import { z } from 'zod';
import { defineOperation, definePermissions, type Registry } from '../core/registry.js';
import { listOf, listShape, rowId } from '../../contracts/list.js';
import { isoTime } from '../../contracts/time.js';

export const jobPermissions = definePermissions([
  { name: 'jobs.read', description: 'See jobs, their progress and logs', level: 'read' },
  { name: 'jobs.cancel', description: 'Cancel a running job', level: 'operate' },
]);

export const jobSchema = z.object({
  id: z.number().describe('Job id'),
  type: z.string().describe('What kind of job (e.g. storage.scrub)'),
  description: z.string().describe('What the job does'),
  state: z.enum(['running', 'succeeded', 'failed', 'cancelled', 'interrupted']).describe('Where the job is'),
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

const jobId = rowId('Job id');

export function registerJobs(registry: Registry): void {
  registry.addPermissions(jobPermissions);
  registry.add(defineOperation({
    name: 'jobs.list', summary: 'List jobs', permission: 'jobs.read', mutating: false,
    input: z.object({
      ...listShape,
      state: z.enum(['running', 'succeeded', 'failed', 'cancelled', 'interrupted']).optional().describe('Only jobs in this state'),
      type: z.string().max(100).optional().describe('Only jobs of this type'),
    }),
    output: listOf(jobSchema),
    http: { method: 'GET', path: '/jobs' },
    handler: (ctx, i) => ctx.jobs.list(i),
  }));
  registry.add(defineOperation({
    name: 'jobs.get', summary: 'Show a job with its log', permission: 'jobs.read', mutating: false,
    input: z.object({ id: jobId }),
    output: jobSchema.extend({ log: z.array(z.object({ at: isoTime().describe('When'), line: z.string().describe('Log line') })).describe('Log lines, oldest first') }),
    http: { method: 'GET', path: '/jobs/:id' },
    handler: async (ctx, i) => ({ ...(await ctx.jobs.get(i.id)), log: await ctx.jobs.logs(i.id) }),
  }));
  registry.add(defineOperation({
    name: 'jobs.cancel', summary: 'Cancel a running job', permission: 'jobs.cancel', mutating: true,
    input: z.object({ id: jobId }), output: jobSchema, target: (i) => `job ${i.id}`,
    http: { method: 'POST', path: '/jobs/:id/cancel' },
    handler: (ctx, i) => ctx.jobs.cancel(i.id),
  }));
}
