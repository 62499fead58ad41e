/**
 * The appliance's network (issue 15, docs/network.md): read live through iproute2, changed with a
 * safety net. An apply validates the whole configuration, refuses to touch the interface the
 * caller came in on unless its name is typed in `confirmInterface`, makes it live (netplan on an
 * appliance, live `ip` commands on a test host or the simulated appliance) and records a pending
 * change. The daemon owns the revert timer (NetworkChanges, with an injectable clock): unless the
 * change is confirmed within the window, it calls appliance.network.revert as the system, so the
 * revert is audited like the apply and the confirm.
 */
import net from 'node:net';
import type { Knex } from 'knex';
import { networkContracts as c, networkPermissions, type NetworkConfigInput } from '../../contracts/appliance-network.js';
import {
  canonicalIp,
  configFromLive,
  inSubnet,
  isBroadcastAddress,
  isNetworkAddress,
  NetplanRenderer,
  NetworkAdapter,
  parseCidr,
  parseResolvConf,
  planIpChanges,
  renderResolvConf,
  unusableAddress,
  type Cidr,
  type LiveNetwork,
  type NetworkConfig,
} from '../../system/network/index.js';
import { SYSTEM_ACTOR, type CallMeta, type Ctx } from '../core/context.js';
import { Conflict, HostCommandError, NotFound, ValidationError } from '../core/errors.js';
import { implement, type Registry } from '../core/registry.js';
import { applyUnit } from '../shares/apply.js';
import { readSetting, writeSetting } from '../shares/settings.js';

/** The revert timer's clock: tests move it by hand, the daemon uses the wall clock and setTimeout. */
export interface NetworkClock {
  now(): number;
  /** Calls fn once after ms; returns a function that cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

export const WALL_CLOCK: NetworkClock = {
  now: () => Date.now(),
  setTimer: (ms, fn) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

type Invoke = <T = unknown>(name: string, input: unknown, meta: CallMeta) => Promise<T>;
const SYSTEM_META: CallMeta = { actor: SYSTEM_ACTOR, face: 'system' };

/**
 * The daemon's pending network changes: one timer per change, armed at apply and again at start
 * (a change left pending by a stopped daemon is reverted as soon as it starts, if its deadline passed).
 */
export class NetworkChanges {
  readonly clock: NetworkClock;
  private readonly timers = new Map<number, () => void>();
  private readonly running = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(opts: { clock?: NetworkClock } = {}) {
    this.clock = opts.clock ?? WALL_CLOCK;
  }

  arm(id: number, deadlineMs: number, call: Invoke): void {
    this.cancel(id);
    if (this.stopped) return;
    const cancel = this.clock.setTimer(Math.max(0, deadlineMs - this.clock.now()), () => {
      this.timers.delete(id);
      const run = call('appliance.network.revert', { id }, SYSTEM_META)
        .catch(() => undefined) // audited by the invoker (result and error); the row says revert-failed
        .finally(() => this.running.delete(run));
      this.running.add(run);
    });
    this.timers.set(id, cancel);
  }

  cancel(id: number): void {
    this.timers.get(id)?.();
    this.timers.delete(id);
  }

  /** Re-arms the timers of changes left pending (daemon start). */
  async recover(db: Knex, call: Invoke): Promise<void> {
    const rows = (await db('network_changes').where({ state: 'pending' })) as ChangeRow[];
    for (const r of rows) this.arm(r.id, Date.parse(r.deadline_at), call);
  }

  /** Resolves once every revert the timers started has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const id of [...this.timers.keys()]) this.cancel(id);
    await this.idle();
  }
}

interface ChangeRow {
  id: number;
  state: 'pending' | 'confirmed' | 'reverted' | 'revert-failed';
  config_before: string;
  config_after: string;
  created_by: string;
  created_at: string;
  client_address: string | null;
  deadline_at: string;
  finished_by: string | null;
  finished_at: string | null;
  message: string | null;
}

/** How this appliance makes a network configuration live (installer and tests; never the API). */
export interface NetworkDeployment {
  /** netplan: render /etc/netplan, `netplan generate`, `netplan apply`; ip: live iproute2 commands (test hosts, the simulator). */
  mode: 'netplan' | 'ip';
  netplanPath: string;
  /** The resolver file read for the DNS servers in use (systemd-resolved's upstream list on Ubuntu). */
  resolvConfPath: string;
  /** ip mode: where the DNS settings are written as resolv.conf (null: stored only). */
  dnsWritePath: string | null;
  /** hostnamectl sets the host name; none: stored only (a namespace shares the machine's host name). */
  hostnameManager: 'hostnamectl' | 'none';
  revertSeconds: number;
}

export const NETWORK_DEPLOYMENT_KEY = 'appliance.network.deployment';
export const NETWORK_CONFIG_KEY = 'appliance.network.config';

export function defaultNetworkDeployment(kind: 'local' | 'sim'): NetworkDeployment {
  return {
    mode: kind === 'sim' ? 'ip' : 'netplan',
    netplanPath: '/etc/netplan/90-calypso.yaml',
    resolvConfPath: kind === 'sim' ? '/etc/resolv.conf' : '/run/systemd/resolve/resolv.conf',
    dnsWritePath: kind === 'sim' ? '/etc/resolv.conf' : null,
    hostnameManager: kind === 'sim' ? 'none' : 'hostnamectl',
    revertSeconds: 60,
  };
}

export const networkDeployment = (db: Knex, kind: 'local' | 'sim') => readSetting(db, NETWORK_DEPLOYMENT_KEY, defaultNetworkDeployment(kind));

/** For the installer and tests: how the network is applied (never through the API). */
export async function setNetworkDeployment(db: Knex, kind: 'local' | 'sim', patch: Partial<NetworkDeployment>): Promise<NetworkDeployment> {
  const next = { ...(await networkDeployment(db, kind)), ...patch };
  await writeSetting(db, NETWORK_DEPLOYMENT_KEY, next);
  return next;
}

async function readDns(ctx: Pick<Ctx, 'host'>, dep: NetworkDeployment) {
  const text = await ctx.host.files.readIfExists(dep.resolvConfPath);
  return text === null ? null : parseResolvConf(text);
}

async function liveHostname(ctx: Pick<Ctx, 'host'>, dep: NetworkDeployment): Promise<{ hostname: string; domain: string } | null> {
  if (dep.hostnameManager !== 'hostnamectl') return null;
  const fqdn = (await ctx.host.run('hostname', ['-f'], { okCodes: [0, 1] })).stdout.trim();
  const [hostname = '', ...rest] = fqdn.split('.');
  return hostname ? { hostname, domain: rest.join('.') } : null;
}

/** The stored configuration, or (first use) the one read from the live network. */
async function currentConfig(ctx: Pick<Ctx, 'host' | 'db'>, dep: NetworkDeployment, live: LiveNetwork): Promise<NetworkConfig> {
  const row = await ctx.db('settings').where({ key: NETWORK_CONFIG_KEY }).first();
  if (row) return JSON.parse(row.value as string) as NetworkConfig;
  const names = (await liveHostname(ctx, dep)) ?? { hostname: 'calypso', domain: '' };
  const dns = (await readDns(ctx, dep)) ?? { nameservers: [], search: [] };
  return configFromLive(live, names.hostname, names.domain, { servers: dns.nameservers, search: dns.search });
}

const isLoopback = (a: string) => {
  const ip = canonicalIp(a.replace(/^::ffff:/i, ''));
  return !ip || ip === '::1' || ip.startsWith('127.');
};

/**
 * The interface the caller came in on: where the appliance's route to the caller's address leaves.
 * The local console (no address: the Unix socket) and loopback clients came in on none.
 */
async function managementInterface(ctx: Ctx, adapter: NetworkAdapter): Promise<{ dev: string; gateway: string | null } | null> {
  if (!ctx.address || isLoopback(ctx.address)) return null;
  const r = await adapter.routeTo(ctx.address.replace(/^::ffff:(?=\d)/i, ''));
  if (!r || r.type === 'local' || r.dev === 'lo') return null;
  return { dev: r.dev, gateway: r.gateway };
}

function normalize(i: NetworkConfigInput): NetworkConfig {
  const canon = (cidr: string) => {
    const p = parseCidr(cidr);
    return p ? `${p.address}/${p.prefix}` : cidr;
  };
  return {
    hostname: i.hostname,
    domain: i.domain ?? '',
    interfaces: i.interfaces.map((x) => ({
      name: x.name,
      dhcp4: x.dhcp4 ?? false,
      dhcp6: x.dhcp6 ?? false,
      addresses: (x.addresses ?? []).map(canon),
      mtu: x.mtu ?? null,
    })),
    vlans: (i.vlans ?? []).map((v) => ({ name: v.name, parent: v.parent, id: v.id })),
    bonds: (i.bonds ?? []).map((b) => ({
      name: b.name,
      members: b.members,
      mode: b.mode,
      lacpRate: b.mode === '802.3ad' ? (b.lacpRate ?? 'slow') : null,
      xmitHashPolicy: b.xmitHashPolicy ?? null,
    })),
    gateway4: i.gateway4 ? canonicalIp(i.gateway4) : null,
    gateway6: i.gateway6 ? canonicalIp(i.gateway6) : null,
    dns: { servers: (i.dns.servers ?? []).map((s) => canonicalIp(s) ?? s), search: i.dns.search ?? [] },
  };
}

const bad = (message: string, path: string, why = message): never => {
  throw new ValidationError(message, [{ path, message: why }]);
};

/** Everything that must hold before anything is written or run (the contract checked the syntax). */
export function validateNetwork(cfg: NetworkConfig, live: LiveNetwork, before?: NetworkConfig): void {
  const links = new Map(live.links.map((l) => [l.name, l]));
  const bonds = new Map(cfg.bonds.map((b) => [b.name, b]));
  const vlans = new Map(cfg.vlans.map((v) => [v.name, v]));
  const ports = (name: string) => {
    const l = links.get(name);
    return !!l && (l.kind === 'ethernet' || l.kind === 'veth' || l.kind === 'other');
  };

  const declared = new Set<string>();
  cfg.bonds.forEach((b, i) => {
    if (declared.has(b.name)) bad(`${b.name} is declared twice`, `bonds.${i}.name`, 'each name once');
    declared.add(b.name);
    const l = links.get(b.name);
    if (l && l.kind !== 'bond') bad(`${b.name} already exists and is not a bond (${l.kind})`, `bonds.${i}.name`, 'a name not used by another interface');
  });
  cfg.vlans.forEach((v, i) => {
    if (declared.has(v.name)) bad(`${v.name} is declared twice`, `vlans.${i}.name`, 'each name once');
    declared.add(v.name);
    const l = links.get(v.name);
    if (l && l.kind !== 'vlan') bad(`${v.name} already exists and is not a VLAN (${l.kind})`, `vlans.${i}.name`, 'a name not used by another interface');
  });

  const memberOf = new Map<string, string>();
  cfg.bonds.forEach((b, i) => {
    b.members.forEach((m, j) => {
      const path = `bonds.${i}.members.${j}`;
      const other = memberOf.get(m);
      if (other) bad(`${m} is a member of ${other} and of ${b.name}: a port belongs to one bond only`, path, 'a port in one bond only');
      if (!ports(m)) bad(links.has(m) ? `${m} is not a port that can join a bond` : `there is no interface ${m}`, path, 'an existing port');
      const master = links.get(m)?.master;
      if (master && links.get(master)?.kind === 'bridge') bad(`${m} is a port of the bridge ${master}`, path, 'a port not in a bridge');
      memberOf.set(m, b.name);
    });
    if (b.mode !== '802.3ad' && b.lacpRate) bad(`the LACP rate applies to 802.3ad bonds only (${b.name} is ${b.mode})`, `bonds.${i}.lacpRate`);
    if (b.xmitHashPolicy && b.mode !== '802.3ad' && b.mode !== 'balance-xor')
      bad(`a transmit hash policy applies to 802.3ad and balance-xor bonds only (${b.name} is ${b.mode})`, `bonds.${i}.xmitHashPolicy`);
  });
  const seenVlan = new Set<string>();
  cfg.vlans.forEach((v, i) => {
    const key = `${v.parent}/${v.id}`;
    if (seenVlan.has(key)) bad(`VLAN ${v.id} is declared twice on ${v.parent}`, `vlans.${i}.id`, 'one VLAN id per parent');
    seenVlan.add(key);
    if (!bonds.has(v.parent) && !links.has(v.parent))
      bad(`there is no interface ${v.parent} for VLAN ${v.name}`, `vlans.${i}.parent`, 'an existing port or bond');
    if (memberOf.has(v.parent)) bad(`${v.parent} is a port of ${memberOf.get(v.parent)}: put the VLAN on the bond`, `vlans.${i}.parent`);
    if (vlans.has(v.parent)) bad(`${v.parent} is itself a VLAN`, `vlans.${i}.parent`, 'a port or bond');
  });

  const names = new Set<string>();
  const owner = new Map<string, string>();
  const subnets: { cidr: Cidr; iface: string }[] = [];
  cfg.interfaces.forEach((x, i) => {
    if (names.has(x.name)) bad(`${x.name} is configured twice`, `interfaces.${i}.name`, 'each interface once');
    names.add(x.name);
    const l = links.get(x.name);
    if (!l && !declared.has(x.name)) bad(`there is no interface ${x.name}`, `interfaces.${i}.name`, 'an existing interface, bond or VLAN');
    if (l && (l.kind === 'loopback' || l.kind === 'bridge') && !declared.has(x.name))
      bad(`${x.name} is a ${l.kind}: Calypso does not configure it`, `interfaces.${i}.name`);
    if (memberOf.has(x.name)) bad(`${x.name} is a port of ${memberOf.get(x.name)}: configure the bond instead`, `interfaces.${i}.name`);
    x.addresses.forEach((a, j) => {
      const path = `interfaces.${i}.addresses.${j}`;
      const cidr = parseCidr(a);
      if (!cidr) return bad(`${a} is not an address with a prefix length`, path);
      const why = unusableAddress(cidr);
      if (why) bad(`${a} is ${why}`, path, 'a unicast address');
      if (isNetworkAddress(cidr)) bad(`${a} is the network address of its subnet`, path, 'a host address');
      if (isBroadcastAddress(cidr)) bad(`${a} is the broadcast address of its subnet`, path, 'a host address');
      const prev = owner.get(cidr.address);
      if (prev) bad(`${cidr.address} is configured twice (${prev} and ${x.name})`, path, 'each address once');
      owner.set(cidr.address, x.name);
      subnets.push({ cidr, iface: x.name });
    });
  });
  // An address held live by an interface Calypso does not configure is a duplicate too (one it
  // configured until now loses its static addresses, or goes away with its bond or VLAN).
  const released = new Set([...(before?.interfaces ?? []), ...(before?.vlans ?? []), ...(before?.bonds ?? [])].map((x) => x.name));
  for (const [name, addrs] of live.addresses) {
    if (names.has(name) || name === 'lo' || released.has(name)) continue;
    for (const a of addrs) {
      const ip = canonicalIp(a.address);
      if (ip && owner.has(ip) && a.scope === 'global') bad(`${ip} is already in use on ${name}`, 'interfaces', 'each address once');
    }
  }

  cfg.interfaces.forEach((x, i) => {
    // Under 1280 bytes the kernel removes IPv6 from a link (and refuses IPv6 addresses on it).
    if (x.mtu !== null && x.mtu < 1280 && (x.dhcp6 || x.addresses.some((a) => a.includes(':'))))
      bad(`IPv6 needs an MTU of at least 1280 (${x.name} has IPv6 and an MTU of ${x.mtu})`, `interfaces.${i}.mtu`, 'at least 1280 with IPv6');
    const v = vlans.get(x.name);
    if (!v || x.mtu === null) return;
    const parentMtu = cfg.interfaces.find((p) => p.name === v.parent)?.mtu ?? links.get(v.parent)?.mtu ?? null;
    if (parentMtu !== null && x.mtu > parentMtu) bad(`the MTU of ${x.name} (${x.mtu}) is above its parent ${v.parent}'s (${parentMtu})`, `interfaces.${i}.mtu`);
  });

  const gateway = (gw: string | null, family: 4 | 6, field: string) => {
    if (!gw) return;
    if (net.isIP(gw) !== family) bad(`${gw} is not an IPv${family} address`, field);
    if (owner.has(gw)) bad(`${gw} is one of the appliance's own addresses`, field, 'another machine');
    const cidr = parseCidr(`${gw}/${family === 4 ? 32 : 128}`)!;
    if (unusableAddress(cidr) && !(family === 6 && /^fe80:/i.test(gw))) bad(`${gw} cannot be a gateway (${unusableAddress(cidr)})`, field);
    if (family === 6 && /^fe80:/i.test(gw))
      bad(`a link-local IPv6 gateway needs an interface: not supported in this build; use an address of a configured subnet`, field);
    if (!subnets.some((s) => s.cidr.family === family && inSubnet(gw, s.cidr)))
      bad(`the gateway ${gw} is not on a configured subnet`, field, 'an address inside one of the static subnets');
  };
  gateway(cfg.gateway4, 4, 'gateway4');
  gateway(cfg.gateway6, 6, 'gateway6');

  const dup = cfg.dns.servers.find((s, i) => cfg.dns.servers.indexOf(s) !== i);
  if (dup) bad(`${dup} is listed twice`, 'dns.servers', 'each server once');
}

/** The interfaces a change touches (the management one must be confirmed by name). */
function touches(before: NetworkConfig, after: NetworkConfig, iface: string, viaGateway: string | null): boolean {
  const same = <T>(a: T | undefined, b: T | undefined) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  const related = new Set([iface]);
  const vlan = [...before.vlans, ...after.vlans].find((v) => v.name === iface);
  if (vlan) related.add(vlan.parent);
  for (const b of [...before.bonds, ...after.bonds]) if (b.name === iface || related.has(b.name)) b.members.forEach((m) => related.add(m));
  for (const n of related) {
    if (
      !same(
        before.interfaces.find((x) => x.name === n),
        after.interfaces.find((x) => x.name === n),
      )
    )
      return true;
    if (
      !same(
        before.vlans.find((x) => x.name === n),
        after.vlans.find((x) => x.name === n),
      )
    )
      return true;
    if (
      !same(
        before.bonds.find((x) => x.name === n),
        after.bonds.find((x) => x.name === n),
      )
    )
      return true;
    // Made a port of a bond: it loses its addresses.
    if (after.bonds.some((b) => b.members.includes(n)) !== before.bonds.some((b) => b.members.includes(n))) return true;
  }
  if (viaGateway) {
    const v6 = viaGateway.includes(':');
    if ((v6 ? before.gateway6 : before.gateway4) !== (v6 ? after.gateway6 : after.gateway4)) return true;
  }
  return false;
}

/** Makes `to` live (from `from`); answers the commands it ran. On a failure mid-way, what was done is undone. */
async function makeLive(ctx: Ctx, dep: NetworkDeployment, from: NetworkConfig, to: NetworkConfig): Promise<string[]> {
  const ran: string[] = [];
  if (dep.mode === 'ip') {
    const adapter = new NetworkAdapter(ctx.host);
    const plan = planIpChanges(from, to, await adapter.read());
    try {
      for (const args of plan) {
        await adapter.run([args]);
        ran.push(`ip ${args.join(' ')}`);
      }
    } catch (err) {
      const back = planIpChanges(to, from, await adapter.read());
      for (const args of back) await adapter.run([args]).catch((again) => ctx.log.warn({ err: again, args }, 'undoing a failed network apply: a step failed'));
      throw err;
    }
    if (dep.dnsWritePath) {
      await ctx.host.files.writeAtomic(dep.dnsWritePath, renderResolvConf({ nameservers: to.dns.servers, search: to.dns.search }), { mode: 0o644 });
      ran.push(`write ${dep.dnsWritePath}`);
    }
  } else {
    const renderer = new NetplanRenderer(dep.netplanPath);
    const files = renderer.render(to);
    for (const f of files) await ctx.host.files.writeAtomic(f.path, f.content, { mode: f.mode });
    const undo = async () => {
      for (const f of files) await ctx.host.files.restorePrevious(f.path);
    };
    try {
      const check = renderer.checkCommand();
      await ctx.host.run(check[0], check[1]);
      ran.push(`${check[0]} ${check[1].join(' ')}`);
      const apply = renderer.applyCommand();
      await ctx.host.run(apply[0], apply[1], { timeoutMs: 120_000 });
      ran.push(`${apply[0]} ${apply[1].join(' ')}`);
    } catch (err) {
      await undo();
      const apply = renderer.applyCommand();
      await ctx.host.run(apply[0], apply[1]).catch((again) => ctx.log.warn({ err: again }, 'reapplying the previous netplan failed too'));
      throw err;
    }
  }
  if (dep.hostnameManager === 'hostnamectl' && (from.hostname !== to.hostname || from.domain !== to.domain)) {
    const fqdn = to.domain ? `${to.hostname}.${to.domain}` : to.hostname;
    await ctx.host.run('hostnamectl', ['set-hostname', fqdn]);
    ran.push(`hostnamectl set-hostname ${fqdn}`);
  }
  return ran;
}

const iso = (ms: number) => new Date(ms).toISOString();
const actorName = (ctx: Ctx) => ctx.actor?.username ?? 'system';
const LOCK = 'network';

async function pendingRow(db: Knex): Promise<ChangeRow | undefined> {
  return (await db('network_changes').where({ state: 'pending' }).orderBy('id', 'desc').first()) as ChangeRow | undefined;
}

export function registerNetwork(registry: Registry, changes: NetworkChanges): void {
  registry.addPermissions(networkPermissions);

  registry.add(
    implement(c['appliance.network.get'], async (ctx) => {
      const dep = await networkDeployment(ctx.db, ctx.host.kind);
      const adapter = new NetworkAdapter(ctx.host);
      const live = await adapter.read();
      const config = await currentConfig(ctx, dep, live);
      const mgmt = await managementInterface(ctx, adapter);
      const shown = live.links.filter((l) => l.kind !== 'loopback');
      const speeds = await Promise.all(shown.map((l) => adapter.speed(l.name)));
      const names = (await liveHostname(ctx, dep)) ?? { hostname: config.hostname, domain: config.domain };
      const dns = (await readDns(ctx, dep)) ?? { nameservers: config.dns.servers, search: config.dns.search };
      const row = await pendingRow(ctx.db);
      const now = changes.clock.now();
      return {
        hostname: names.hostname,
        domain: names.domain,
        interfaces: shown.map((l, n) => {
          const addrs = live.addresses.get(l.name) ?? [];
          const conf = config.interfaces.find((x) => x.name === l.name);
          const dhcp = conf ? conf.dhcp4 || conf.dhcp6 : addrs.some((a) => a.dynamic && a.scope === 'global');
          const stat = conf ? conf.addresses.length > 0 : addrs.some((a) => !a.dynamic && a.scope === 'global');
          const port = l.bondPort;
          return {
            name: l.name,
            kind: l.kind,
            state: l.state,
            adminUp: l.adminUp,
            carrier: l.carrier,
            mac: l.mac,
            mtu: l.mtu,
            speedMbps: speeds[n] ?? null,
            addresses: addrs.map((a) => ({ address: `${a.address}/${a.prefix}`, family: a.family, scope: a.scope, dynamic: a.dynamic })),
            addressing: stat && dhcp ? ('static+dhcp' as const) : stat ? ('static' as const) : dhcp ? ('dhcp' as const) : ('none' as const),
            master: l.master,
            parent: l.kind === 'vlan' ? l.parent : null,
            vlanId: l.vlanId,
            bond: l.bond
              ? {
                  mode: l.bond.mode,
                  xmitHashPolicy: l.bond.xmitHashPolicy,
                  lacpRate: l.bond.mode === '802.3ad' ? l.bond.lacpRate : null,
                  members: live.links.filter((m) => m.master === l.name).map((m) => m.name),
                  aggregatorId: l.bond.aggregatorId,
                  partnerMac: l.bond.partnerMac,
                }
              : null,
            lacp: port
              ? {
                  state: port.state,
                  miiStatus: port.miiStatus,
                  actor: port.lacpActorState,
                  partner: port.lacpPartnerState,
                  inSync: ['aggregating', 'in_sync', 'collecting', 'distributing'].every((f) => port.lacpActorState.includes(f)),
                }
              : null,
            bridgePorts: l.kind === 'bridge' ? live.links.filter((m) => m.master === l.name).map((m) => m.name) : [],
            management: mgmt?.dev === l.name,
          };
        }),
        gateway4: live.routes4.find((r) => r.dst === 'default')?.gateway ?? null,
        gateway6: live.routes6.find((r) => r.dst === 'default')?.gateway ?? null,
        dns: { servers: dns.nameservers, search: dns.search },
        config,
        renderer: dep.mode,
        managementInterface: mgmt?.dev ?? null,
        pending: row
          ? {
              id: row.id,
              createdBy: row.created_by,
              createdAt: row.created_at,
              deadlineAt: row.deadline_at,
              remainingSeconds: Math.max(0, Math.ceil((Date.parse(row.deadline_at) - now) / 1000)),
            }
          : null,
      };
    }),
  );

  registry.add(
    implement(c['appliance.network.apply'], async (ctx, input) => {
      const { confirmInterface, ...rest } = input;
      const after = normalize(rest);
      const dep = await networkDeployment(ctx.db, ctx.host.kind);
      const adapter = new NetworkAdapter(ctx.host);
      const result = await applyUnit(ctx, LOCK, async (trx) => {
        const pending = await pendingRow(trx);
        if (pending)
          throw new Conflict(
            `network change ${pending.id} by ${pending.created_by} is waiting for confirmation until ${pending.deadline_at}: confirm or revert it first`,
          );
        const live = await adapter.read();
        const before = await currentConfig({ host: ctx.host, db: trx }, dep, live);
        validateNetwork(after, live, before);
        const mgmt = await managementInterface(ctx, adapter);
        if (mgmt && touches(before, after, mgmt.dev, mgmt.gateway) && confirmInterface !== mgmt.dev)
          throw new ValidationError(
            `this change touches ${mgmt.dev}, the interface this session came in on: you may lose the connection. Type its name in confirmInterface to apply it anyway (it is reverted after ${dep.revertSeconds} s unless confirmed).`,
            [{ path: 'confirmInterface', message: `type ${mgmt.dev} to confirm` }],
          );
        const now = changes.clock.now();
        const deadline = now + dep.revertSeconds * 1000;
        const [inserted] = await trx('network_changes')
          .insert({
            state: 'pending',
            config_before: JSON.stringify(before),
            config_after: JSON.stringify(after),
            created_by: actorName(ctx),
            created_at: iso(now),
            client_address: ctx.address?.slice(0, 64) ?? null,
            deadline_at: iso(deadline),
          })
          .returning('id');
        const id = Number(typeof inserted === 'object' ? (inserted as { id: number }).id : inserted);
        await writeSetting(trx, NETWORK_CONFIG_KEY, after);
        const commands = await makeLive(ctx, dep, before, after);
        return { id, deadline, commands };
      });
      changes.arm(result.id, result.deadline, ctx.call);
      return { changeId: result.id, deadlineAt: iso(result.deadline), revertSeconds: dep.revertSeconds, renderer: dep.mode, commands: result.commands };
    }),
  );

  registry.add(
    implement(c['appliance.network.confirm'], async (ctx, { id }) =>
      applyUnit(ctx, LOCK, async (trx) => {
        const row = (await trx('network_changes').where({ id }).first()) as ChangeRow | undefined;
        if (!row) throw new NotFound(`no network change ${id}`);
        if (row.state !== 'pending') throw new Conflict(`network change ${id} is ${row.state}, not pending`);
        const now = changes.clock.now();
        if (now >= Date.parse(row.deadline_at)) throw new Conflict(`network change ${id} passed its deadline (${row.deadline_at}): it is being reverted`);
        await trx('network_changes')
          .where({ id })
          .update({ state: 'confirmed', finished_by: actorName(ctx), finished_at: iso(now) });
        changes.cancel(id);
        return { id, state: 'confirmed' };
      }),
    ),
  );

  registry.add(
    implement(c['appliance.network.revert'], async (ctx, { id }) => {
      const dep = await networkDeployment(ctx.db, ctx.host.kind);
      try {
        return await applyUnit(ctx, LOCK, async (trx) => {
          const row = (await trx('network_changes').where({ id }).first()) as ChangeRow | undefined;
          if (!row) throw new NotFound(`no network change ${id}`);
          if (row.state !== 'pending') throw new Conflict(`network change ${id} is ${row.state}, not pending`);
          changes.cancel(id);
          const before = JSON.parse(row.config_before) as NetworkConfig;
          const after = JSON.parse(row.config_after) as NetworkConfig;
          await trx('network_changes')
            .where({ id })
            .update({ state: 'reverted', finished_by: actorName(ctx), finished_at: iso(changes.clock.now()) });
          await writeSetting(trx, NETWORK_CONFIG_KEY, before);
          await makeLive(ctx, dep, after, before);
          return { id, state: 'reverted' };
        });
      } catch (err) {
        if (err instanceof HostCommandError || !(err instanceof NotFound || err instanceof Conflict)) {
          await ctx
            .db('network_changes')
            .where({ id, state: 'pending' })
            .update({
              state: 'revert-failed',
              finished_by: actorName(ctx),
              finished_at: iso(changes.clock.now()),
              message: String((err as Error).message).slice(0, 2000),
            });
        }
        throw err;
      }
    }),
  );
}
