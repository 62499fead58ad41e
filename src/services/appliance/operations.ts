/** The appliance subsystem's operations (issue 15): feature licenses so far. */
import { applianceContracts as c, appliancePermissions } from '../../contracts/appliance.js';
import { implement, type Registry } from '../core/registry.js';
import type { LicenseBook } from './licenses.js';
import { registerSnmp } from './snmp.js';
import { registerTime } from './time.js';

export function registerAppliance(registry: Registry, licenses: LicenseBook): void {
  registry.addPermissions(appliancePermissions);
  registerTime(registry);
  registerSnmp(registry);
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
}
