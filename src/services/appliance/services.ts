/**
 * The appliance's services (issue 15): state, since when, enabled at boot and recent log lines of
 * the units Calypso knows (APPLIANCE_SERVICES), and start/stop/restart/enable/disable through
 * systemd. A service Calypso configures is reloaded by its own subsystem's apply step; here it is
 * only started, stopped or restarted as a whole. Calypso does not stop, restart or disable itself
 * from one of its own calls (the answer would never arrive): that is `calypso stop` or systemctl.
 */
import { APPLIANCE_SERVICES, applianceContracts as c, type ApplianceService } from '../../contracts/appliance.js';
import { z } from 'zod';
import { HostCommandError } from '../../system/host.js';
import { SystemdAdapter, type UnitAction, type UnitState } from '../../system/systemd/index.js';
import { actorHas, type Ctx } from '../core/context.js';
import { ApplianceError, Conflict } from '../core/errors.js';
import { implement, type Registry } from '../core/registry.js';

type Service = z.infer<(typeof c)['appliance.services.list']['output']>['items'][number];

function describe(s: UnitState): string {
  // systemd's own words for the time ("Mon 2026-11-30 06:38:01 UTC"); the ISO time is in sinceAt.
  const since = s.sinceText || s.since;
  if (s.loadState === 'not-found') return 'not installed on this appliance';
  switch (s.activeState) {
    case 'active':
      return `running${since ? ` since ${since}` : ''}${s.unitFileState === 'disabled' ? '; not started at boot' : ''}`;
    case 'failed':
      return `failed (${s.result || 'unknown reason'})${since ? ` at ${since}` : ''}: see its log, then start it`;
    case 'inactive':
      return `stopped${since ? ` since ${since}` : ''}${s.unitFileState === 'enabled' ? '; starts at boot' : ''}`;
    default:
      return s.activeState;
  }
}

function toService(def: ApplianceService, s: UnitState | null): Service {
  if (!s)
    return {
      unit: def.unit,
      name: def.name,
      configuredBy: def.configuredBy,
      activeState: 'unknown',
      subState: 'unknown',
      enabled: null,
      installed: false,
      sinceAt: null,
      mainPid: null,
      result: '',
      text: 'unknown: this machine has no systemd to ask',
    };
  return {
    unit: def.unit,
    name: def.name,
    configuredBy: def.configuredBy,
    activeState: s.activeState,
    subState: s.subState,
    enabled: s.unitFileState === 'enabled' ? true : s.unitFileState === 'disabled' ? false : null,
    installed: s.loadState !== 'not-found',
    sinceAt: s.since,
    mainPid: s.mainPid,
    result: s.result,
    text: describe(s),
  };
}

async function states(ctx: Ctx, defs: readonly ApplianceService[]): Promise<{ manager: 'systemd' | 'none'; items: Service[] }> {
  try {
    const shown = await new SystemdAdapter(ctx.host).show(defs.map((d) => d.unit));
    return { manager: 'systemd', items: defs.map((d, i) => toService(d, shown[i]!)) };
  } catch (err) {
    if (SystemdAdapter.absent(err)) return { manager: 'none', items: defs.map((d) => toService(d, null)) };
    throw err;
  }
}

const definition = (unit: string) => APPLIANCE_SERVICES.find((s) => s.unit === unit)!;

export function registerServices(registry: Registry): void {
  registry.add(
    implement(c['appliance.services.list'], async (ctx) => {
      const { manager, items } = await states(ctx, APPLIANCE_SERVICES);
      return { items, total: items.length, manager };
    }),
  );
  registry.add(
    implement(c['appliance.services.get'], async (ctx, i) => {
      const { manager, items } = await states(ctx, [definition(i.unit)]);
      // The journal is Admin-level (appliance.logs): a reader of the service's state does not get its log lines.
      const mayRead = actorHas(ctx.actor, 'appliance.logs');
      const log = !mayRead
        ? null
        : manager === 'none'
          ? []
          : (await new SystemdAdapter(ctx.host).journal(i.unit, i.lines)).map(({ at, priority, message }) => ({ at, priority, message }));
      return { ...items[0]!, log };
    }),
  );

  const act = (action: UnitAction) =>
    registry.add(
      implement(c[`appliance.services.${action}`], async (ctx, i) => {
        const def = definition(i.unit);
        if (def.unit === 'calypso' && action !== 'start' && action !== 'enable')
          throw new Conflict(`Calypso cannot ${action} itself from one of its own calls: use \`calypso stop\` or systemctl on the appliance`);
        const { manager, items } = await states(ctx, [def]);
        if (manager === 'none')
          throw new Conflict(`this machine has no systemd: ${def.name} cannot be ${action === 'stop' ? 'stopped' : `${action}ed`} from Calypso`);
        if (!items[0]!.installed) throw new Conflict(`${def.name} (${def.unit}) is not installed on this appliance`);
        try {
          await new SystemdAdapter(ctx.host).act(def.unit, action);
        } catch (err) {
          if (err instanceof HostCommandError) {
            const first = err.stderr.trim().split('\n')[0] ?? '';
            throw new ApplianceError(
              `${action} ${def.unit} failed: ${first || `systemctl exited ${err.code ?? 'without a code'}`} (its log: GET /appliance/services/${def.unit})`,
            );
          }
          throw err;
        }
        return (await states(ctx, [def])).items[0]!;
      }),
    );
  for (const action of ['start', 'stop', 'restart', 'enable', 'disable'] as const) act(action);
}
