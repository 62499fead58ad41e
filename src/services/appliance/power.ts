/**
 * Reboot and shut down (issue 15). Refused while jobs run unless forced, naming them; forced, the
 * running jobs are marked interrupted first. The command runs a few seconds after the answer, so
 * the caller hears that it was accepted. On the simulated appliance a reboot restarts its services
 * (a unit made to fail stays failed) and a shutdown stops them; the daemon itself goes on.
 */
import { applianceContracts as c } from '../../contracts/appliance.js';
import type { Ctx } from '../core/context.js';
import { Conflict } from '../core/errors.js';
import { implement, type Registry } from '../core/registry.js';

/** Delay between the answer and the command. */
export const POWER_DELAY_MS = 3000;

export function registerPower(registry: Registry, opts: { delayMs?: number } = {}): void {
  const delay = opts.delayMs ?? POWER_DELAY_MS;
  const power = (action: 'reboot' | 'shutdown') =>
    registry.add(
      implement(c[`appliance.power.${action}`], async (ctx: Ctx, i) => {
        const running = await ctx.jobs.list({ state: 'running', limit: 50, offset: 0 });
        if (running.total > 0 && !i.force) {
          const named = running.items.map((j) => `job ${j.id} (${j.description})`).join(', ');
          throw new Conflict(
            `${running.total} job${running.total === 1 ? ' is' : 's are'} running: ${named}. Wait for them, or send force: true to ${action} anyway (they will be marked interrupted).`,
          );
        }
        const interruptedJobs = running.total
          ? await ctx.jobs.interruptAll(
              `the appliance was ${action === 'reboot' ? 'rebooted' : 'shut down'} by ${ctx.actor?.username ?? 'the system'} while the job ran`,
            )
          : [];
        const startsAt = new Date(Date.now() + delay).toISOString();
        const verb = action === 'reboot' ? 'reboot' : 'poweroff';
        const host = ctx.host;
        const log = ctx.log;
        setTimeout(() => {
          host.run('systemctl', [verb], { timeoutMs: 60_000 }).catch((err: unknown) => log.error({ err }, `systemctl ${verb} failed`));
        }, delay).unref();
        log.warn({ action, by: ctx.actor?.username, interruptedJobs }, `appliance ${action} requested`);
        return {
          action,
          startsAt,
          interruptedJobs,
          text:
            host.kind === 'sim'
              ? `The simulated appliance ${action === 'reboot' ? 'reboots: its services restart' : 'shuts down: its services stop'} in ${Math.round(delay / 1000)} s; Calypso goes on.`
              : `The appliance ${action === 'reboot' ? 'reboots' : 'shuts down'} in ${Math.round(delay / 1000)} s.`,
        };
      }),
    );
  power('reboot');
  power('shutdown');
}
