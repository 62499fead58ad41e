/** The appliance subsystem's operations (issue 15): feature licenses, services, power and logs so far. */
import { applianceContracts as c, appliancePermissions } from '../../contracts/appliance.js';
import { implement, type Registry } from '../core/registry.js';
import type { LicenseBook } from './licenses.js';
import { registerServices } from './services.js';
import { registerPower } from './power.js';
import { registerLogs } from './logs.js';
import { registerSnmp } from './snmp.js';
import { registerTime } from './time.js';
import { NetworkChanges, registerNetwork } from './network.js';

export interface ApplianceOptions {
  /** Milliseconds between a reboot's answer and the command (tests: 0). */
  powerDelayMs?: number;
  /** Calypso's own log file (the daemon's; null: it logs nowhere readable). */
  logFile?: () => string | null;
  /** The pending network changes and their revert timer (tests inject one with a manual clock). */
  network?: NetworkChanges;
  /** Where scheduled configuration exports are kept (the daemon's data directory/config-exports; unset: none are kept). */
  configExportDir?: string;
}

export function registerAppliance(registry: Registry, licenses: LicenseBook, opts: ApplianceOptions = {}): void {
  registry.addPermissions(appliancePermissions);
  registerTime(registry);
  registerSnmp(registry);
  registerNetwork(registry, opts.network ?? new NetworkChanges());
  registry.add(
    implement(c['appliance.licenses.list'], async () => ({
      features: await licenses.status(),
      licenses: await licenses.licenses(),
      trialEndsAt: await licenses.trialEndsAt(),
    })),
  );
  registry.add(implement(c['appliance.licenses.import'], async (ctx, i) => licenses.import(i.text, ctx.actor?.username ?? 'system')));
  registry.add(
    implement(c['appliance.licenses.remove'], async (_ctx, i) => {
      await licenses.remove(i.id);
      return { ok: true as const };
    }),
  );
  registerServices(registry);
  registerPower(registry, { delayMs: opts.powerDelayMs });
  registerLogs(registry, opts.logFile ?? (() => null));
}
