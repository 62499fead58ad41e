import { jobContracts as c, jobPermissions } from '../../contracts/jobs.js';
import { implement, type Registry } from '../core/registry.js';

export function registerJobs(registry: Registry): void {
  registry.addPermissions(jobPermissions);
  registry.add(implement(c['jobs.list'], (ctx, i) => ctx.jobs.list(i)));
  registry.add(implement(c['jobs.get'], async (ctx, i) => ({ ...(await ctx.jobs.get(i.id)), log: await ctx.jobs.logs(i.id) })));
  registry.add(implement(c['jobs.cancel'], (ctx, i) => ctx.jobs.cancel(i.id)));
}
