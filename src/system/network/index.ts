/**
 * The appliance's network through iproute2: reading links, addresses and routes (`ip -j`), the
 * speed from sysfs, and changing them live (`ip link|addr|route`). Every value placed in an
 * argument array went through userArg (names were validated against INTERFACE_NAME before).
 *
 * Two ways to make a configuration real (docs/network.md):
 * - `ip`: the planner turns "from -> to" into live iproute2 commands (the test host, a network
 *   namespace, the simulated appliance); nothing survives a reboot there.
 * - a renderer (netplan on Ubuntu 24.04): the whole configuration rendered to one file, checked by
 *   the tool, written atomically and applied.
 */
import type { Host } from '../host.js';
import { HostCommandError, userArg } from '../host.js';
import type { NetworkConfig } from './config.js';
import { canonicalIp, parseCidr } from './config.js';
import { parseIpAddr, parseIpLink, parseIpRoute, parseRouteGet, type Address, type Link, type Route, type RouteLookup } from './parse.js';

export * from './config.js';
export * from './parse.js';
export { NetplanRenderer, type NetworkRenderer, type RenderedFile } from './netplan.js';

export interface LiveNetwork {
  links: Link[];
  addresses: Map<string, Address[]>;
  routes4: Route[];
  routes6: Route[];
}

/** One iproute2 command of a plan: `ip ARGS`. */
export type IpCommand = string[];

export class NetworkAdapter {
  constructor(
    private readonly host: Host,
    private readonly ip = 'ip',
  ) {}

  async read(): Promise<LiveNetwork> {
    const [links, addrs, r4, r6] = await Promise.all([
      this.host.run(this.ip, ['-j', '-d', 'link', 'show']),
      this.host.run(this.ip, ['-j', 'addr', 'show']),
      this.host.run(this.ip, ['-j', 'route', 'show']),
      // `-family inet6` is `-6` spelled so that every option Calypso passes is a word.
      this.host.run(this.ip, ['-j', '-family', 'inet6', 'route', 'show']),
    ]);
    return { links: parseIpLink(links.stdout), addresses: parseIpAddr(addrs.stdout), routes4: parseIpRoute(r4.stdout), routes6: parseIpRoute(r6.stdout) };
  }

  /**
   * Link speed in Mb/s from /sys/class/net/NAME/speed, read by a command (not Host.files) so that
   * a host inside a network namespace reads the namespace's own sysfs. null: unknown (a virtual or
   * down link answers EINVAL or -1).
   */
  async speed(name: string): Promise<number | null> {
    const r = await this.host.run('cat', [`/sys/class/net/${userArg(name)}/speed`], { okCodes: [0, 1] });
    const n = Number(r.stdout.trim());
    return r.code === 0 && Number.isInteger(n) && n > 0 ? n : null;
  }

  /** The link (and gateway) traffic to `address` leaves by: the interface a client came in on. */
  async routeTo(address: string): Promise<RouteLookup | null> {
    const ip = canonicalIp(address);
    if (!ip) return null;
    const args = ['-j', ...(ip.includes(':') ? ['-family', 'inet6'] : []), 'route', 'get', userArg(ip)];
    try {
      return parseRouteGet((await this.host.run(this.ip, args)).stdout);
    } catch (err) {
      // "Network is unreachable": no route, so no interface carries that client.
      if (err instanceof HostCommandError && err.code !== null) return null;
      throw err;
    }
  }

  /** Runs a plan's commands in order; the first refusal stops it (HostCommandError names the command). */
  async run(plan: IpCommand[]): Promise<void> {
    for (const args of plan) await this.host.run(this.ip, args);
  }
}

const liveStatic = (live: LiveNetwork, name: string) =>
  (live.addresses.get(name) ?? []).filter((a) => a.scope === 'global' && !a.dynamic).map((a) => `${canonicalIp(a.address)}/${a.prefix}`);

const canonicalCidr = (text: string) => {
  const c = parseCidr(text);
  return c ? `${c.address}/${c.prefix}` : text;
};

function defaultGateway(routes: Route[]): string | null {
  return routes.find((r) => r.dst === 'default' && r.gateway)?.gateway ?? null;
}

/**
 * The iproute2 commands that take the live network from `from` to `to` (a revert is the same
 * with the two swapped). Calypso owns the interfaces, bonds and VLANs named in either
 * configuration: a managed interface keeps exactly its configured static addresses.
 * Order: VLANs and bonds that go away first, then new bonds and their ports, new VLANs, then
 * MTU, addresses and link state, and the default routes last (they need their subnet).
 */
export function planIpChanges(from: NetworkConfig, to: NetworkConfig, live: LiveNetwork): IpCommand[] {
  const plan: IpCommand[] = [];
  const links = new Map(live.links.map((l) => [l.name, l]));
  const toBonds = new Map(to.bonds.map((b) => [b.name, b]));
  const toVlans = new Map(to.vlans.map((v) => [v.name, v]));

  for (const v of from.vlans) if (!toVlans.has(v.name) && links.has(v.name)) plan.push(['link', 'del', 'dev', userArg(v.name)]);
  for (const b of from.bonds) {
    if (toBonds.has(b.name) || !links.has(b.name)) continue;
    for (const l of live.links) if (l.master === b.name) plan.push(['link', 'set', 'dev', userArg(l.name), 'nomaster']);
    plan.push(['link', 'del', 'dev', userArg(b.name)]);
  }
  for (const b of to.bonds) {
    if (!links.has(b.name)) {
      const opts: string[] = ['mode', b.mode];
      if (b.xmitHashPolicy) opts.push('xmit_hash_policy', b.xmitHashPolicy);
      if (b.lacpRate && b.mode === '802.3ad') opts.push('lacp_rate', b.lacpRate);
      plan.push(['link', 'add', 'name', userArg(b.name), 'type', 'bond', ...opts]);
    }
    for (const l of live.links) {
      if (l.master === b.name && !b.members.includes(l.name)) plan.push(['link', 'set', 'dev', userArg(l.name), 'nomaster']);
    }
    for (const m of b.members) {
      if (links.get(m)?.master === b.name) continue;
      // A port joins a bond while down; it comes up with the bond.
      plan.push(['link', 'set', 'dev', userArg(m), 'down'], ['link', 'set', 'dev', userArg(m), 'master', userArg(b.name)]);
      plan.push(['link', 'set', 'dev', userArg(m), 'up']);
    }
  }
  for (const v of to.vlans) {
    const l = links.get(v.name);
    if (l && l.parent === v.parent && l.vlanId === v.id) continue;
    if (l) plan.push(['link', 'del', 'dev', userArg(v.name)]);
    plan.push(['link', 'add', 'link', userArg(v.parent), 'name', userArg(v.name), 'type', 'vlan', 'id', String(v.id)]);
  }

  const toIfaces = new Map(to.interfaces.map((i) => [i.name, i]));
  // Interfaces no longer configured lose the static addresses Calypso gave them.
  const deleted = new Set([...from.vlans.filter((v) => !toVlans.has(v.name)), ...from.bonds.filter((b) => !toBonds.has(b.name))].map((x) => x.name));
  for (const i of from.interfaces) {
    if (toIfaces.has(i.name) || !links.has(i.name) || deleted.has(i.name)) continue;
    const live4 = new Set(liveStatic(live, i.name));
    for (const a of i.addresses.map(canonicalCidr)) if (live4.has(a)) plan.push(['addr', 'del', a, 'dev', userArg(i.name)]);
  }
  for (const i of to.interfaces) {
    const l = links.get(i.name);
    const created = !l && (toBonds.has(i.name) || toVlans.has(i.name));
    if (i.mtu !== null && (created || (l && l.mtu !== i.mtu))) plan.push(['link', 'set', 'dev', userArg(i.name), 'mtu', String(i.mtu)]);
    const want = new Set(i.addresses.map(canonicalCidr));
    const have = new Set(created ? [] : liveStatic(live, i.name));
    for (const a of have) if (!want.has(a)) plan.push(['addr', 'del', a, 'dev', userArg(i.name)]);
    for (const a of want) if (!have.has(a)) plan.push(['addr', 'add', a, 'dev', userArg(i.name)]);
    // Up when Calypso changes it (a port left down and untouched stays down).
    const changed = JSON.stringify(from.interfaces.find((x) => x.name === i.name) ?? null) !== JSON.stringify(i);
    if (created || (l && !l.adminUp && changed)) plan.push(['link', 'set', 'dev', userArg(i.name), 'up']);
  }

  const gw = (family: '4' | '6', want: string | null, routes: Route[]) => {
    const have = defaultGateway(routes);
    const v6 = family === '6' ? ['-family', 'inet6'] : [];
    if (want && canonicalIp(want) !== (have && canonicalIp(have))) plan.push([...v6, 'route', 'replace', 'default', 'via', userArg(want)]);
    else if (!want && have) plan.push([...v6, 'route', 'del', 'default', 'via', userArg(have)]);
  };
  gw('4', to.gateway4, live.routes4);
  gw('6', to.gateway6, live.routes6);
  return plan;
}

/** A first configuration read from the live network (before Calypso has stored one). */
export function configFromLive(live: LiveNetwork, hostname: string, domain: string, dns: { servers: string[]; search: string[] }): NetworkConfig {
  // Bridges and ports of a bond or bridge are not configured as interfaces of their own.
  const managed = live.links.filter((l) => l.kind !== 'loopback' && l.kind !== 'bridge' && !l.master);
  return {
    hostname,
    domain,
    interfaces: managed.map((l) => {
      const addrs = live.addresses.get(l.name) ?? [];
      return {
        name: l.name,
        dhcp4: addrs.some((a) => a.family === 'inet' && a.dynamic),
        dhcp6: addrs.some((a) => a.family === 'inet6' && a.dynamic && a.scope === 'global'),
        addresses: addrs.filter((a) => a.scope === 'global' && !a.dynamic).map((a) => `${canonicalIp(a.address)}/${a.prefix}`),
        mtu: l.mtu,
      };
    }),
    vlans: live.links.filter((l) => l.kind === 'vlan' && l.parent && l.vlanId !== null).map((l) => ({ name: l.name, parent: l.parent!, id: l.vlanId! })),
    bonds: live.links
      .filter((l) => l.kind === 'bond' && l.bond)
      .map((l) => ({
        name: l.name,
        members: live.links.filter((m) => m.master === l.name).map((m) => m.name),
        mode: (l.bond!.mode as NetworkConfig['bonds'][number]['mode']) ?? 'active-backup',
        lacpRate: l.bond!.mode === '802.3ad' ? ((l.bond!.lacpRate as 'slow' | 'fast' | null) ?? 'slow') : null,
        xmitHashPolicy: (l.bond!.xmitHashPolicy as NetworkConfig['bonds'][number]['xmitHashPolicy']) ?? null,
      })),
    gateway4: defaultGateway(live.routes4),
    gateway6: defaultGateway(live.routes6),
    dns,
  };
}
