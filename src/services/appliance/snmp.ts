/**
 * The SNMP agent (Net-SNMP snmpd): desired state in a `settings` row, secrets included (they
 * are needed to render snmpd.conf) but never answered: outputs say only that one is set, and
 * the audit log redacts the input's secret fields by name. Applying renders snmpd.conf (mode
 * 0600: it holds the communities and passphrases), writes it atomically and restarts snmpd (or
 * stops it when disabled); a failure restores the previous file and rolls the row back.
 */
import type { Knex } from 'knex';
import type { z } from 'zod';
import { snmpContracts as c, snmpPermissions, type SnmpSettings } from '../../contracts/appliance-snmp.js';
import { stopUnit } from '../../system/chrony/timedatectl.js';
import { renderSnmpdConf, type SnmpAuthProtocol } from '../../system/snmp/index.js';
import type { Ctx } from '../core/context.js';
import { NotFound, ValidationError } from '../core/errors.js';
import { implement, type Registry } from '../core/registry.js';
import { applyUnit, writeThenActivate } from '../shares/apply.js';
import { readSetting, writeSetting } from '../shares/settings.js';
import { applianceDeployment } from './deployment.js';
import { restart } from './time.js';

interface StoredCommunity {
  name: string;
  secret: string;
  sources: string[];
}
interface StoredUser {
  name: string;
  authProtocol: SnmpAuthProtocol;
  privProtocol: 'AES';
  authPassphrase: string;
  privPassphrase: string;
}
export interface StoredSnmp {
  enabled: boolean;
  listenAddress: string;
  port: number;
  location: string;
  contact: string;
  communities: StoredCommunity[];
  users: StoredUser[];
}

export const DEFAULT_SNMP: StoredSnmp = { enabled: false, listenAddress: '0.0.0.0', port: 161, location: '', contact: '', communities: [], users: [] };
export const SNMP_SETTINGS_KEY = 'appliance.snmp';
const LOCK = 'snmpd.conf';

export const storedSnmp = (db: Knex) => readSetting(db, SNMP_SETTINGS_KEY, DEFAULT_SNMP);

function view(s: StoredSnmp): SnmpSettings {
  return {
    enabled: s.enabled,
    listenAddress: s.listenAddress,
    port: s.port,
    location: s.location,
    contact: s.contact,
    communities: s.communities.map((x) => ({ name: x.name, sources: x.sources, secretSet: Boolean(x.secret) })),
    users: s.users.map((u) => ({
      name: u.name,
      authProtocol: u.authProtocol,
      privProtocol: u.privProtocol,
      secretsSet: Boolean(u.authPassphrase && u.privPassphrase),
    })),
  };
}

type UpdateInput = z.infer<(typeof c)['appliance.snmp.update']['input']>;

/** An address alone is that one host: 192.0.2.5 -> 192.0.2.5/32. */
const asNetwork = (v: string) => (v.includes('/') ? v : `${v}/${v.includes(':') ? 128 : 32}`);

function once<T>(items: T[], key: (t: T) => string, field: string): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) throw new ValidationError(`${k} is listed twice`, [{ path: `${field}.${i}.name`, message: 'each name once' }]);
    seen.add(k);
  });
}

/** The next stored state: lists replace the old ones, a secret left out is kept from the entry of the same name. */
function merge(old: StoredSnmp, i: UpdateInput): StoredSnmp {
  const next: StoredSnmp = {
    ...old,
    enabled: i.enabled ?? old.enabled,
    listenAddress: i.listenAddress ?? old.listenAddress,
    port: i.port ?? old.port,
    location: i.location ?? old.location,
    contact: i.contact ?? old.contact,
  };
  if (i.communities) {
    once(i.communities, (x) => x.name, 'communities');
    next.communities = i.communities.map((x, n) => {
      const secret = x.secret ?? old.communities.find((o) => o.name === x.name)?.secret;
      if (!secret)
        throw new ValidationError(`community ${x.name} is new: give its secret`, [
          { path: `communities.${n}.secret`, message: 'required for a new community' },
        ]);
      return { name: x.name, secret, sources: [...new Set(x.sources.map(asNetwork))] };
    });
  }
  if (i.users) {
    once(i.users, (u) => u.name, 'users');
    next.users = i.users.map((u, n) => {
      const was = old.users.find((o) => o.name === u.name);
      const authPassphrase = u.authSecret ?? was?.authPassphrase;
      const privPassphrase = u.privSecret ?? was?.privPassphrase;
      if (!authPassphrase || !privPassphrase)
        throw new ValidationError(`user ${u.name} is new: give both passphrases`, [
          { path: `users.${n}.${authPassphrase ? 'privSecret' : 'authSecret'}`, message: 'required for a new user' },
        ]);
      return { name: u.name, authProtocol: u.authProtocol, privProtocol: u.privProtocol, authPassphrase, privPassphrase };
    });
  }
  return next;
}

export async function applySnmpd(ctx: Ctx, trx: Knex, s: StoredSnmp): Promise<void> {
  const dep = await applianceDeployment(trx);
  const content = renderSnmpdConf(
    {
      listenAddress: s.listenAddress,
      port: s.port,
      location: s.location,
      contact: s.contact,
      communities: s.communities.map((x) => ({ community: x.secret, sources: x.sources })),
      users: s.users,
    },
    dep.snmpdExtra,
  );
  const activate = async (settings: StoredSnmp) => {
    if (dep.serviceManager !== 'systemctl') return;
    if (settings.enabled) await restart(ctx, dep, dep.snmpdUnit);
    else await stopUnit(ctx.host, dep.snmpdUnit);
  };
  const previous = await storedSnmp(trx);
  await writeThenActivate(
    ctx,
    dep.snmpdConfPath,
    content,
    0o600,
    () => activate(s),
    () => activate(previous),
  );
}

/** One apply: the change as an update of the whole state, computed from the stored one inside the unit. */
function change(ctx: Ctx, update: (old: StoredSnmp) => UpdateInput): Promise<SnmpSettings> {
  return applyUnit(ctx, LOCK, async (trx) => {
    const old = await storedSnmp(trx);
    const next = merge(old, update(old));
    await applySnmpd(ctx, trx, next);
    await writeSetting(trx, SNMP_SETTINGS_KEY, next);
    return view(next);
  });
}

/** The stored lists as an update keeps them (secrets left out: kept by name). */
const communitiesOf = (s: StoredSnmp) => s.communities.map((x) => ({ name: x.name, sources: x.sources }));
const usersOf = (s: StoredSnmp) => s.users.map((u) => ({ name: u.name, authProtocol: u.authProtocol, privProtocol: u.privProtocol }));

export function registerSnmp(registry: Registry): void {
  registry.addPermissions(snmpPermissions);
  registry.add(implement(c['appliance.snmp.get'], async (ctx) => view(await storedSnmp(ctx.db))));
  registry.add(implement(c['appliance.snmp.update'], (ctx, i) => change(ctx, () => i)));
  registry.add(
    implement(c['appliance.snmp.communities.set'], (ctx, i) =>
      change(ctx, (old) => ({
        communities: old.communities.some((x) => x.name === i.name) ? communitiesOf(old).map((x) => (x.name === i.name ? i : x)) : [...communitiesOf(old), i],
      })),
    ),
  );
  registry.add(
    implement(c['appliance.snmp.communities.remove'], (ctx, i) =>
      change(ctx, (old) => {
        if (!old.communities.some((x) => x.name === i.name)) throw new NotFound(`community ${i.name} does not exist`);
        return { communities: communitiesOf(old).filter((x) => x.name !== i.name) };
      }),
    ),
  );
  registry.add(
    implement(c['appliance.snmp.users.set'], (ctx, i) =>
      change(ctx, (old) => ({
        users: old.users.some((u) => u.name === i.name) ? usersOf(old).map((u) => (u.name === i.name ? i : u)) : [...usersOf(old), i],
      })),
    ),
  );
  registry.add(
    implement(c['appliance.snmp.users.remove'], (ctx, i) =>
      change(ctx, (old) => {
        if (!old.users.some((u) => u.name === i.name)) throw new NotFound(`user ${i.name} does not exist`);
        return { users: usersOf(old).filter((u) => u.name !== i.name) };
      }),
    ),
  );
}
