/** Control of the simulated appliance, for demos and tests: exists only when the host is simulated. */
import { simContracts as c, simPermissions } from '../../contracts/sim.js';
import { SimulatedHost } from '../../system/sim/simulated-host.js';
import { applyTapeFault, insertIntoMailSlot, resetTapeLibraries, type TapeFault } from '../../system/sim/tape.js';
import type { Ctx } from '../core/context.js';
import { NotFound } from '../core/errors.js';
import { implement, type Registry } from '../core/registry.js';

function sim(ctx: Ctx): SimulatedHost {
  if (!(ctx.host instanceof SimulatedHost)) throw new NotFound('this is not a simulated appliance');
  return ctx.host;
}

/** The simulator reports unknown objects with plain Errors; callers get a 404 naming them. */
async function simCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Error && /^(no simulated|the simulated appliance has no)/.test(err.message)) throw new NotFound(err.message);
    throw err;
  }
}

export function registerSim(registry: Registry): void {
  registry.addPermissions(simPermissions);
  registry.add(
    implement(c['sim.faultDisk'], async (ctx, i) => {
      await simCall(() => sim(ctx).faultDisk(i.disk.replace(/^\/dev\//, ''), i.mode));
      ctx.events.publish({ type: 'storage', change: 'disk.faulted', object: i.disk });
      return { ok: true as const };
    }),
  );
  registry.add(
    implement(c['sim.healDisk'], async (ctx, i) => {
      await simCall(() => sim(ctx).healDisk(i.disk.replace(/^\/dev\//, '')));
      ctx.events.publish({ type: 'storage', change: 'disk.healed', object: i.disk });
      return { ok: true as const };
    }),
  );
  registry.add(
    implement(c['sim.fill'], async (ctx, i) => {
      await simCall(() => sim(ctx).fill(i.pool, i.percent));
      return { ok: true as const };
    }),
  );
  registry.add(
    implement(c['sim.failService'], async (ctx, i) => {
      await simCall(() => sim(ctx).failService(i.unit));
      return { ok: true as const };
    }),
  );
  registry.add(
    implement(c['sim.repairService'], async (ctx, i) => {
      await simCall(() => sim(ctx).repairService(i.unit));
      return { ok: true as const };
    }),
  );
  registry.add(
    implement(c['sim.reset'], async (ctx) => {
      await sim(ctx).reset();
      await resetTapeLibraries(sim(ctx).files);
      return { ok: true as const };
    }),
  );
  registry.add(implement(c['sim.seed'], async (ctx, i) => simCall(() => sim(ctx).seed(i))));
  registry.add(
    implement(c['sim.tapeFault'], async (ctx, i) => {
      const fault = (
        i.kind === 'stuck-slot'
          ? { kind: i.kind, library: i.library, slot: i.slot }
          : i.kind === 'clear'
            ? { kind: i.kind, library: i.library }
            : { kind: i.kind, library: i.library, drive: i.drive }
      ) as TapeFault;
      await simCall(() => applyTapeFault(sim(ctx).files, fault));
      return { ok: true as const };
    }),
  );
  registry.add(
    implement(c['sim.tapeMailSlot'], async (ctx, i) => {
      await simCall(() => insertIntoMailSlot(sim(ctx).files, i.library, i.barcode));
      return { ok: true as const };
    }),
  );
}
