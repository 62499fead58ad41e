/**
 * Date, time zone and NTP (chrony): the desired state is a row of `settings`; applying renders
 * chrony.conf, writes it atomically, has chronyd check it (`chronyd -p -f`) and restarts the
 * unit; a failing step puts the previous file back and the transaction rolls the row back.
 */
import type { Knex } from 'knex';
import { timeContracts as c, timePermissions, type NtpServer, type NtpStatus } from '../../contracts/appliance-time.js';
import { ChronyAdapter, renderChronyConf } from '../../system/chrony/index.js';
import { readTimezone, restartUnit, setTimezone } from '../../system/chrony/timedatectl.js';
import type { Ctx } from '../core/context.js';
import { HostCommandError, ValidationError } from '../core/errors.js';
import { implement, type Registry } from '../core/registry.js';
import { applyUnit, writeThenActivate } from '../shares/apply.js';
import { readSetting, writeSetting } from '../shares/settings.js';
import { applianceDeployment, type ApplianceDeployment } from './deployment.js';

export interface TimeSettings {
  timezone: string;
  servers: NtpServer[];
  allowClients: string[];
}

export const DEFAULT_TIME_SETTINGS: TimeSettings = {
  timezone: 'Etc/UTC',
  servers: [{ host: 'pool.ntp.org', kind: 'pool', iburst: true, prefer: false, port: null, minpoll: null, maxpoll: null }],
  allowClients: [],
};

export const TIME_SETTINGS_KEY = 'appliance.time';
const LOCK = 'chrony.conf';

export const timeSettings = (db: Knex) => readSetting(db, TIME_SETTINGS_KEY, DEFAULT_TIME_SETTINGS);

function checkServers(servers: NtpServer[]): void {
  const seen = new Set<string>();
  servers.forEach((s, i) => {
    const key = s.host.toLowerCase().replace(/\.$/, '');
    if (seen.has(key)) throw new ValidationError(`${s.host} is listed twice`, [{ path: `servers.${i}.host`, message: 'each server once' }]);
    seen.add(key);
    if (s.minpoll !== null && s.maxpoll !== null && s.minpoll > s.maxpoll)
      throw new ValidationError(`minpoll ${s.minpoll} is above maxpoll ${s.maxpoll} for ${s.host}`, [
        { path: `servers.${i}.minpoll`, message: 'at most maxpoll' },
      ]);
  });
}

export async function restart(ctx: Ctx, dep: ApplianceDeployment, unit: string): Promise<void> {
  if (dep.serviceManager === 'systemctl') await restartUnit(ctx.host, unit);
}

export async function applyChrony(ctx: Ctx, trx: Knex, next: TimeSettings): Promise<void> {
  const dep = await applianceDeployment(trx);
  const content = renderChronyConf({ sources: next.servers, allow: next.allowClients }, dep.chronyBase);
  const chrony = new ChronyAdapter(ctx.host, dep.chronyc);
  // chronyd checks a candidate first: a file it refuses never replaces the live one.
  const candidate = `${dep.chronyConfPath}.candidate`;
  await ctx.host.files.writeAtomic(candidate, content, { mode: 0o644 });
  await chrony.validate(candidate);
  await writeThenActivate(
    ctx,
    dep.chronyConfPath,
    content,
    0o644,
    () => restart(ctx, dep, dep.chronyUnit),
    () => restart(ctx, dep, dep.chronyUnit),
  );
}

/** What chronyc says, in the contract's words and units. */
export async function ntpStatus(ctx: Pick<Ctx, 'host' | 'db'>): Promise<NtpStatus> {
  const dep = await applianceDeployment(ctx.db);
  const chrony = new ChronyAdapter(ctx.host, dep.chronyc);
  const [t, sources] = await Promise.all([chrony.tracking(), chrony.sources()]);
  return {
    synchronised: t.synchronised,
    leapStatus: t.leapStatus,
    stratum: t.stratum,
    reference: t.reference,
    referenceId: t.referenceId,
    systemTimeOffsetSeconds: t.systemTimeOffset,
    lastOffsetSeconds: t.lastOffset,
    rmsOffsetSeconds: t.rmsOffset,
    frequencyPpm: t.frequencyPpm,
    rootDelaySeconds: t.rootDelay,
    rootDispersionSeconds: t.rootDispersion,
    updateIntervalSeconds: t.updateIntervalSeconds,
    lastUpdateAt: t.referenceTime > 0 ? new Date(t.referenceTime * 1000).toISOString() : null,
    sources: sources.map((s) => ({
      mode: s.mode,
      state: s.state,
      address: s.address,
      stratum: s.stratum,
      pollSeconds: 2 ** s.poll,
      reach: s.reach,
      lastRxSeconds: s.lastRxSeconds,
      offsetSeconds: s.offset,
      errorSeconds: s.error,
    })),
  };
}

async function currentZone(ctx: Ctx, dep: ApplianceDeployment, stored: string): Promise<string> {
  if (dep.timezoneManager !== 'timedatectl') return stored;
  return (await readTimezone(ctx.host)) || stored;
}

export function registerTime(registry: Registry): void {
  registry.addPermissions(timePermissions);
  registry.add(
    implement(c['appliance.time.get'], async (ctx) => {
      const s = await timeSettings(ctx.db);
      const dep = await applianceDeployment(ctx.db);
      return {
        zone: await currentZone(ctx, dep, s.timezone),
        hostTimeAt: new Date(ctx.host.now?.() ?? Date.now()).toISOString(),
        ntp: { servers: s.servers, allowClients: s.allowClients },
      };
    }),
  );
  registry.add(
    implement(c['appliance.time.update'], (ctx, i) =>
      applyUnit(ctx, 'timezone', async (trx) => {
        const s = await timeSettings(trx);
        const dep = await applianceDeployment(trx);
        await writeSetting(trx, TIME_SETTINGS_KEY, { ...s, timezone: i.zone });
        if (dep.timezoneManager === 'timedatectl') await setTimezone(ctx.host, i.zone);
        return { zone: i.zone };
      }),
    ),
  );
  registry.add(
    implement(c['appliance.ntp.update'], (ctx, i) => {
      checkServers(i.servers);
      return applyUnit(ctx, LOCK, async (trx) => {
        const next = { ...(await timeSettings(trx)), servers: i.servers, allowClients: [...new Set(i.allowClients)] };
        await writeSetting(trx, TIME_SETTINGS_KEY, next);
        await applyChrony(ctx, trx, next);
        return { servers: next.servers, allowClients: next.allowClients };
      });
    }),
  );
  registry.add(implement(c['appliance.ntp.status'], (ctx) => ntpStatus(ctx)));
}

/** Why chronyc could not answer, when that means "nothing to report" rather than a failing probe: not installed, or chronyd not running (the service-down rule's business). */
function chronyAbsent(err: unknown): boolean {
  if (!(err instanceof HostCommandError)) return false;
  return (err.code === null && /not found|ENOENT/.test(err.message)) || /Cannot talk to daemon/.test(err.stderr);
}

/** The readings of the NTP alert rules: synchronised or not, and the offset while synchronised. */
export async function ntpReadings(deps: Pick<Ctx, 'host' | 'db'>): Promise<{ synchronised: boolean; offsetSeconds: number | null } | null> {
  try {
    const dep = await applianceDeployment(deps.db);
    const t = await new ChronyAdapter(deps.host, dep.chronyc).tracking();
    return { synchronised: t.synchronised, offsetSeconds: t.synchronised ? Math.abs(t.systemTimeOffset) : null };
  } catch (err) {
    if (chronyAbsent(err)) return null;
    throw err;
  }
}
