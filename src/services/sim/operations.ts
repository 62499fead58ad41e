/** Control of the simulated appliance, for demos and tests: exists only when the host is simulated. */
import { z } from 'zod';
import { SimulatedHost } from '../../system/sim/simulated-host.js';
import type { Ctx } from '../core/context.js';
import { NotFound } from '../core/errors.js';
import { defineOperation, definePermissions, type Registry } from '../core/registry.js';
import { datasetName, diskName, poolName } from '../storage/schemas.js';

export const simPermissions = definePermissions([
  { name: 'sim.control', description: 'Fault and heal simulated disks, fill pools, reset and seed the simulated appliance', level: 'admin' },
]);

function sim(ctx: Ctx): SimulatedHost {
  if (!(ctx.host instanceof SimulatedHost)) throw new NotFound('this is not a simulated appliance');
  return ctx.host;
}

/** The simulator reports unknown objects with plain Errors; callers get a 404 naming them. */
async function simCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Error && /^no simulated/.test(err.message)) throw new NotFound(err.message);
    throw err;
  }
}

const ok = z.object({ ok: z.literal(true).describe('Done') });

export function registerSim(registry: Registry): void {
  registry.addPermissions(simPermissions);
  const common = { permission: 'sim.control', mutating: true, onlyOnHost: 'sim' as const };
  registry.add(defineOperation({
    ...common, name: 'sim.faultDisk', summary: 'Make a simulated disk fail',
    input: z.object({ disk: diskName, mode: z.enum(['faulted', 'removed']).default('faulted').describe('faulted: too many errors; removed: the disk vanished') }),
    output: ok, target: (i) => i.disk,
    http: { method: 'POST', path: '/sim/fault-disk' },
    handler: async (ctx, i) => {
      await simCall(() => sim(ctx).faultDisk(i.disk.replace(/^\/dev\//, ''), i.mode));
      ctx.events.publish({ type: 'storage', change: 'disk.faulted', object: i.disk });
      return { ok: true as const };
    },
  }));
  registry.add(defineOperation({
    ...common, name: 'sim.healDisk', summary: 'Bring a simulated disk back (it resilvers)',
    input: z.object({ disk: diskName }), output: ok, target: (i) => i.disk,
    http: { method: 'POST', path: '/sim/heal-disk' },
    handler: async (ctx, i) => {
      await simCall(() => sim(ctx).healDisk(i.disk.replace(/^\/dev\//, '')));
      ctx.events.publish({ type: 'storage', change: 'disk.healed', object: i.disk });
      return { ok: true as const };
    },
  }));
  registry.add(defineOperation({
    ...common, name: 'sim.fill', summary: 'Fill a simulated pool to a percentage',
    input: z.object({ pool: poolName, percent: z.number().min(0).max(99).describe('Target allocation percent') }), output: ok, target: (i) => i.pool,
    http: { method: 'POST', path: '/sim/fill' },
    handler: async (ctx, i) => {
      await simCall(() => sim(ctx).fill(i.pool, i.percent));
      return { ok: true as const };
    },
  }));
  registry.add(defineOperation({
    ...common, name: 'sim.reset', summary: 'Reset the simulated appliance to its default model',
    input: z.object({}), output: ok,
    http: { method: 'POST', path: '/sim/reset' },
    handler: async (ctx) => {
      await sim(ctx).reset();
      return { ok: true as const };
    },
  }));
  registry.add(defineOperation({
    ...common, name: 'sim.seed', summary: 'Add many datasets and snapshots (scale tests, demos)',
    input: z.object({
      datasets: z.number().int().min(0).max(100_000).default(0).describe('Filesystems to add'),
      snapshots: z.number().int().min(0).max(1_000_000).default(0).describe('Snapshots to spread over them'),
      parent: datasetName.default('tank/seed').describe('Where the datasets go'),
    }),
    output: z.object({ datasets: z.number().describe('Datasets added'), snapshots: z.number().describe('Snapshots added') }),
    http: { method: 'POST', path: '/sim/seed' },
    handler: async (ctx, i) => simCall(() => sim(ctx).seed(i)),
  }));
}
