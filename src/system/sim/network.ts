/**
 * The simulated appliance's network, answering iproute2 6.1 as the real one does (the JSON of
 * `ip -j [-d] link|addr|route show`, `ip -j route get`) and its changes (`ip link set|add|del`,
 * `ip addr add|del`, `ip route replace|del default`), with the real refusals and exit codes
 * (test/fixtures/iproute2/errors.txt): an unknown device, an address already there or missing, an
 * MTU out of range, a gateway outside every connected subnet. `cat /sys/class/net/X/speed` gives
 * the link speed. Default: eth0 (management, 10.0.0.10/24), eth1 and eth2 in an 802.3ad bond0 with
 * a VLAN bond0.100, eth3 unplugged. State is a JSON file on the simulated host.
 */
import type { HostFiles, RunResult } from '../host.js';
import { canonicalIp, inSubnet, ipBytes, parseCidr, type Cidr } from '../network/config.js';
import { fail, ok } from './common.js';

export const NETWORK_SIM_STATE = '/var/lib/calypso-sim/network.json';

interface SimAddr {
  family: 'inet' | 'inet6';
  local: string;
  prefixlen: number;
  dynamic?: boolean;
}

interface SimLink {
  index: number;
  name: string;
  kind: 'loopback' | 'ether' | 'bond' | 'vlan';
  mtu: number;
  mac: string;
  up: boolean;
  /** A cable is in (ports); bonds and VLANs follow their lower links. */
  cable: boolean;
  master: string | null;
  parent: string | null;
  vlanId: number | null;
  bond: { mode: string; xmitHashPolicy: string; lacpRate: string } | null;
  /** Mb/s of a port. */
  speed: number | null;
  addrs: SimAddr[];
}

interface SimRoute {
  family: 4 | 6;
  gateway: string;
  dev: string;
}

export interface NetworkSimState {
  links: SimLink[];
  defaults: SimRoute[];
  nextIndex: number;
}

const port = (index: number, name: string, mac: string, extra: Partial<SimLink> = {}): SimLink => ({
  index,
  name,
  kind: 'ether',
  mtu: 1500,
  mac,
  up: true,
  cable: true,
  master: null,
  parent: null,
  vlanId: null,
  bond: null,
  speed: 10000,
  addrs: [],
  ...extra,
});

export function defaultNetworkState(): NetworkSimState {
  return {
    links: [
      port(1, 'lo', '00:00:00:00:00:00', {
        kind: 'loopback',
        mtu: 65536,
        speed: null,
        addrs: [
          { family: 'inet', local: '127.0.0.1', prefixlen: 8 },
          { family: 'inet6', local: '::1', prefixlen: 128 },
        ],
      }),
      port(2, 'eth0', '52:54:00:12:34:01', {
        addrs: [
          { family: 'inet', local: '10.0.0.10', prefixlen: 24 },
          { family: 'inet6', local: 'fd00:10::10', prefixlen: 64 },
        ],
      }),
      port(3, 'eth1', '52:54:00:12:34:02', { master: 'bond0', mtu: 9000 }),
      port(4, 'eth2', '52:54:00:12:34:02', { master: 'bond0', mtu: 9000 }),
      port(5, 'eth3', '52:54:00:12:34:04', { cable: false, up: false, speed: null }),
      port(6, 'bond0', '52:54:00:12:34:02', {
        kind: 'bond',
        mtu: 9000,
        speed: null,
        bond: { mode: '802.3ad', xmitHashPolicy: 'layer3+4', lacpRate: 'fast' },
      }),
      port(7, 'bond0.100', '52:54:00:12:34:02', {
        kind: 'vlan',
        mtu: 9000,
        speed: null,
        parent: 'bond0',
        vlanId: 100,
        addrs: [{ family: 'inet', local: '192.168.100.10', prefixlen: 24 }],
      }),
    ],
    defaults: [
      { family: 4, gateway: '10.0.0.1', dev: 'eth0' },
      { family: 6, gateway: 'fd00:10::1', dev: 'eth0' },
    ],
    nextIndex: 8,
  };
}

class IpExit extends Error {
  constructor(
    readonly stderr: string,
    readonly code: number,
  ) {
    super(stderr);
  }
}

const noDevice = (name: string) => new IpExit(`Cannot find device "${name}"`, 1);

async function load(files: HostFiles): Promise<NetworkSimState> {
  const text = await files.readIfExists(NETWORK_SIM_STATE);
  return text ? (JSON.parse(text) as NetworkSimState) : defaultNetworkState();
}

function find(state: NetworkSimState, name: string | undefined): SimLink {
  const l = state.links.find((x) => x.name === name);
  if (!l || name === undefined) throw noDevice(name ?? '');
  return l;
}

/** Carrier: a port's cable; a bond has a port with carrier; a VLAN follows its parent. */
function carrier(state: NetworkSimState, l: SimLink): boolean {
  if (!l.up) return false;
  if (l.kind === 'loopback') return true;
  if (l.kind === 'ether') return l.cable;
  if (l.kind === 'bond') return state.links.some((m) => m.master === l.name && m.up && m.cable);
  const parent = state.links.find((p) => p.name === l.parent);
  return !!parent && carrier(state, parent);
}

function flags(state: NetworkSimState, l: SimLink): string[] {
  if (l.kind === 'loopback') return ['LOOPBACK', 'UP', 'LOWER_UP'];
  const f = ['BROADCAST', 'MULTICAST'];
  if (l.master) f.push('SLAVE');
  if (l.kind === 'bond') f.push('MASTER');
  if (l.up) f.push('UP', ...(carrier(state, l) ? ['LOWER_UP'] : []));
  if (l.up && !carrier(state, l)) f.unshift('NO-CARRIER');
  return f;
}

function operstate(state: NetworkSimState, l: SimLink): string {
  if (l.kind === 'loopback') return 'UNKNOWN';
  if (!l.up) return 'DOWN';
  if (carrier(state, l)) return 'UP';
  return l.kind === 'vlan' ? 'LOWERLAYERDOWN' : 'DOWN';
}

const maxMtu = (l: SimLink) => (l.kind === 'ether' ? 9216 : l.kind === 'loopback' ? 0 : 65535);

function linkJson(state: NetworkSimState, l: SimLink, details: boolean): Record<string, unknown> {
  const e: Record<string, unknown> = { ifindex: l.index };
  if (l.parent) e['link'] = l.parent;
  Object.assign(e, { ifname: l.name, flags: flags(state, l), mtu: l.mtu, qdisc: l.kind === 'ether' ? 'mq' : 'noqueue' });
  if (l.master) e['master'] = l.master;
  Object.assign(e, {
    operstate: operstate(state, l),
    ...(details ? { linkmode: 'DEFAULT' } : {}),
    group: 'default',
    txqlen: 1000,
    link_type: l.kind === 'loopback' ? 'loopback' : 'ether',
    address: l.mac,
    broadcast: l.kind === 'loopback' ? '00:00:00:00:00:00' : 'ff:ff:ff:ff:ff:ff',
  });
  if (!details) return e;
  Object.assign(e, { promiscuity: 0, allmulti: 0, min_mtu: l.kind === 'loopback' ? 0 : 68, max_mtu: maxMtu(l) });
  const info: Record<string, unknown> = {};
  if (l.kind === 'bond' && l.bond) {
    const ports = state.links.filter((m) => m.master === l.name);
    info['info_kind'] = 'bond';
    info['info_data'] = {
      mode: l.bond.mode,
      miimon: 100,
      updelay: 0,
      downdelay: 0,
      use_carrier: 1,
      xmit_hash_policy: l.bond.xmitHashPolicy,
      min_links: 0,
      ad_lacp_active: 'on',
      ad_lacp_rate: l.bond.lacpRate,
      ad_select: 'stable',
      ...(l.bond.mode === '802.3ad' && ports.length
        ? { ad_info: { aggregator: 1, num_ports: ports.filter((p) => p.cable).length, actor_key: 15, partner_key: 32, partner_mac: '00:1c:73:aa:bb:cc' } }
        : {}),
    };
  }
  if (l.kind === 'vlan') info['info_kind'] = 'vlan';
  if (l.kind === 'vlan') info['info_data'] = { protocol: '802.1Q', id: l.vlanId, flags: ['REORDER_HDR'] };
  const master = l.master ? state.links.find((m) => m.name === l.master) : undefined;
  if (master?.bond) {
    const lacp = master.bond.mode === '802.3ad';
    const good = ['active', 'aggregating', 'in_sync', 'collecting', 'distributing'];
    info['info_slave_kind'] = 'bond';
    info['info_slave_data'] = {
      state: l.cable ? 'ACTIVE' : 'BACKUP',
      mii_status: l.cable && l.up ? 'UP' : 'DOWN',
      link_failure_count: 0,
      perm_hwaddr: l.mac,
      queue_id: 0,
      ...(lacp
        ? {
            ad_aggregator_id: 1,
            ad_actor_oper_port_state: l.cable ? 61 : 69,
            ad_actor_oper_port_state_str: l.cable ? good : ['active', 'aggregating', 'defaulted'],
            ad_partner_oper_port_state: l.cable ? 61 : 1,
            ad_partner_oper_port_state_str: l.cable ? good : ['active'],
          }
        : {}),
    };
  }
  if (Object.keys(info).length) e['linkinfo'] = info;
  return e;
}

function addrJson(state: NetworkSimState, l: SimLink): Record<string, unknown> {
  const e = linkJson(state, l, false);
  e['addr_info'] = l.addrs.map((a) => ({
    family: a.family,
    local: a.local,
    prefixlen: a.prefixlen,
    scope: l.kind === 'loopback' ? 'host' : 'global',
    ...(a.dynamic ? { dynamic: true } : {}),
    ...(a.family === 'inet' ? { label: l.name } : {}),
    valid_life_time: a.dynamic ? 86000 : 4294967295,
    preferred_life_time: a.dynamic ? 86000 : 4294967295,
  }));
  return e;
}

function addressText(bytes: number[], family: 'inet' | 'inet6'): string {
  if (family === 'inet') return bytes.join('.');
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return canonicalIp(words.join(':'))!;
}

/** The address with its host part cleared (the subnet) or set (fill 1). `ip addr add` without `brd` prints no broadcast, as here. */
function masked(a: SimAddr, fill: 0 | 1): string {
  const bytes = ipBytes(a.local).map((b, i) => {
    const hostBits = Math.max(0, Math.min(8, (i + 1) * 8 - a.prefixlen));
    const mask = (1 << hostBits) - 1;
    return fill ? b | mask : b & ~mask & 255;
  });
  return addressText(bytes, a.family);
}

const subnetOf = (a: SimAddr) => `${masked(a, 0)}/${a.prefixlen}`;
const cidrOf = (a: SimAddr): Cidr => ({ family: a.family === 'inet' ? 4 : 6, address: a.local, prefix: a.prefixlen });

/** The up link whose connected subnet holds `address` (the kernel's "on-link" test). */
function onLink(state: NetworkSimState, address: string): { link: SimLink; addr: SimAddr } | null {
  for (const l of state.links) {
    if (!l.up || l.kind === 'loopback') continue;
    for (const a of l.addrs) if (a.prefixlen < (a.family === 'inet' ? 32 : 128) && inSubnet(address, cidrOf(a))) return { link: l, addr: a };
  }
  return null;
}

/** The kernel drops a route whose gateway is no longer on a connected subnet. */
function pruneRoutes(state: NetworkSimState): void {
  state.defaults = state.defaults.filter((r) => onLink(state, r.gateway)?.link.name === r.dev);
}

function routesJson(state: NetworkSimState, family: 4 | 6): Record<string, unknown>[] {
  const kernel: Record<string, unknown>[] = [];
  for (const l of state.links) {
    if (!l.up || l.kind === 'loopback') continue;
    for (const a of l.addrs) {
      if ((a.family === 'inet') !== (family === 4)) continue;
      if (family === 4) kernel.push({ dst: subnetOf(a), dev: l.name, protocol: 'kernel', scope: 'link', prefsrc: a.local, flags: [] });
      else kernel.push({ dst: subnetOf(a), dev: l.name, protocol: 'kernel', metric: 256, flags: [], pref: 'medium' });
    }
  }
  const defaults = state.defaults
    .filter((r) => r.family === family)
    .map((r) =>
      family === 4
        ? { dst: 'default', gateway: r.gateway, dev: r.dev, flags: [] }
        : { dst: 'default', gateway: r.gateway, dev: r.dev, metric: 1024, flags: [], pref: 'medium' },
    );
  return family === 4 ? [...defaults, ...kernel] : [...kernel, ...defaults];
}

function routeGet(state: NetworkSimState, target: string): Record<string, unknown>[] {
  const ip = canonicalIp(target);
  if (!ip) throw new IpExit(`Error: any valid prefix is expected rather than "${target}".`, 1);
  const family = ip.includes(':') ? 6 : 4;
  const own = state.links.flatMap((l) => l.addrs).some((a) => canonicalIp(a.local) === ip);
  if (own || (family === 4 && ip.startsWith('127.')) || ip === '::1')
    return [{ type: 'local', dst: ip, dev: 'lo', prefsrc: family === 4 ? '127.0.0.1' : '::1', flags: [], uid: 0, cache: ['local'] }];
  const direct = onLink(state, ip);
  if (direct) return [{ dst: ip, dev: direct.link.name, prefsrc: direct.addr.local, flags: [], uid: 0, cache: [] }];
  const r = state.defaults.find((d) => d.family === family);
  if (!r) throw new IpExit('RTNETLINK answers: Network is unreachable', 2);
  const src = onLink(state, r.gateway);
  return [{ dst: ip, gateway: r.gateway, dev: r.dev, prefsrc: src?.addr.local ?? '', flags: [], uid: 0, cache: [] }];
}

function linkSet(state: NetworkSimState, args: string[]): void {
  let i = 0;
  if (args[i] === 'dev') i++;
  const l = find(state, args[i++]);
  while (i < args.length) {
    const word = args[i++];
    if (word === 'up') l.up = true;
    else if (word === 'down') l.up = false;
    else if (word === 'mtu') {
      const v = args[i++] ?? '';
      if (!/^\d+$/.test(v)) throw new IpExit(`Error: argument "${v}" is wrong: Invalid "mtu" value`, 1);
      const mtu = Number(v);
      const ports = state.links.filter((m) => m.master === l.name);
      // A bond carries no more than its smallest port can.
      const limit = ports.length ? Math.min(...ports.map(maxMtu)) : maxMtu(l);
      if (mtu > limit) throw new IpExit('Error: mtu greater than device maximum.', 2);
      if (mtu < 68) throw new IpExit('Error: mtu less than device minimum.', 2);
      const parent = l.parent ? state.links.find((p) => p.name === l.parent) : undefined;
      if (parent && mtu > parent.mtu) throw new IpExit('RTNETLINK answers: Numerical result out of range', 2);
      l.mtu = mtu;
      // A bond's ports follow its MTU, as the bonding driver does.
      for (const m of state.links) if (m.master === l.name) m.mtu = mtu;
    } else if (word === 'master') {
      const m = find(state, args[i++]);
      if (m.kind !== 'bond') throw new IpExit('Error: Device can not be enslaved.', 2);
      if (l.up) throw new IpExit('Error: Device can not be enslaved while up.', 2);
      if (l.addrs.length) l.addrs = [];
      l.master = m.name;
      l.mtu = m.mtu;
    } else if (word === 'nomaster') l.master = null;
    else throw new IpExit(`Error: either "dev" is duplicate, or "${word}" is a garbage.`, 1);
  }
  pruneRoutes(state);
}

function linkAdd(state: NetworkSimState, args: string[]): void {
  let parent: string | null = null;
  let name: string | null = null;
  let type: string | null = null;
  let i = 0;
  for (; i < args.length && type === null; i++) {
    const w = args[i]!;
    if (w === 'link') parent = args[++i] ?? null;
    else if (w === 'name') name = args[++i] ?? null;
    else if (w === 'type') type = args[++i] ?? null;
    else if (!name) name = w;
    else throw new IpExit(`Error: either "dev" is duplicate, or "${w}" is a garbage.`, 1);
  }
  if (!name) throw new IpExit('Not enough information: "dev" argument is required.', 1);
  if (state.links.some((l) => l.name === name)) throw new IpExit('RTNETLINK answers: File exists', 2);
  const opts = new Map<string, string>();
  for (; i < args.length; i += 2) opts.set(args[i]!, args[i + 1] ?? '');
  const base = port(state.nextIndex, name, '', { speed: null });
  if (type === 'vlan') {
    const lower = find(state, parent ?? undefined);
    const id = Number(opts.get('id'));
    if (!opts.has('id') || !Number.isInteger(id) || id < 0 || id > 4094)
      throw new IpExit(`Error: argument "${opts.get('id') ?? ''}" is wrong: id is invalid`, 1);
    if (state.links.some((l) => l.kind === 'vlan' && l.parent === lower.name && l.vlanId === id)) throw new IpExit('RTNETLINK answers: File exists', 2);
    state.links.push({ ...base, kind: 'vlan', parent: lower.name, vlanId: id, mtu: lower.mtu, mac: lower.mac, up: false });
  } else if (type === 'bond') {
    const mode = opts.get('mode') ?? 'balance-rr';
    const modes = ['balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb'];
    if (!modes.includes(mode)) throw new IpExit(`Error: argument "${mode}" is wrong: invalid mode`, 1);
    const xmit = opts.get('xmit_hash_policy') ?? 'layer2';
    const rate = opts.get('lacp_rate') ?? 'slow';
    const mac = `52:54:00:aa:00:${state.nextIndex.toString(16).padStart(2, '0')}`;
    state.links.push({ ...base, kind: 'bond', mac, up: false, bond: { mode, xmitHashPolicy: xmit, lacpRate: rate } });
  } else throw new IpExit('Error: Unknown device type.', 2);
  state.nextIndex++;
}

function linkDel(state: NetworkSimState, args: string[]): void {
  const name = args[0] === 'dev' ? args[1] : args[0];
  const l = find(state, name);
  if (l.kind === 'ether' || l.kind === 'loopback') throw new IpExit('RTNETLINK answers: Operation not supported', 2);
  state.links = state.links.filter((x) => x !== l && !(x.kind === 'vlan' && x.parent === l.name));
  for (const m of state.links) if (m.master === l.name) m.master = null;
  pruneRoutes(state);
}

function addrChange(state: NetworkSimState, verb: 'add' | 'del', args: string[]): void {
  const text = args[0] ?? '';
  const di = args.indexOf('dev');
  const withPrefix = text.includes('/') ? text : `${text}/${text.includes(':') ? 128 : 32}`;
  const c = parseCidr(withPrefix);
  if (!c) throw new IpExit(`Error: any valid prefix is expected rather than "${text}".`, 1);
  if (di < 0) throw new IpExit('Not enough information: "dev" argument is required.', 1);
  const l = find(state, args[di + 1]);
  const family = c.family === 4 ? 'inet' : 'inet6';
  const at = l.addrs.findIndex((a) => a.family === family && canonicalIp(a.local) === c.address && a.prefixlen === c.prefix);
  if (verb === 'add') {
    if (at >= 0) throw new IpExit(c.family === 4 ? 'Error: ipv4: Address already assigned.' : 'RTNETLINK answers: File exists', 2);
    l.addrs.push({ family, local: c.address, prefixlen: c.prefix });
  } else {
    if (at < 0) throw new IpExit(c.family === 4 ? 'Error: ipv4: Address not found.' : 'RTNETLINK answers: Cannot assign requested address', 2);
    l.addrs.splice(at, 1);
    pruneRoutes(state);
  }
}

function routeChange(state: NetworkSimState, family: 4 | 6, verb: string, args: string[]): void {
  if (args[0] !== 'default') throw new IpExit('Error: the simulated appliance only keeps default routes.', 2);
  const vi = args.indexOf('via');
  const via = vi >= 0 ? args[vi + 1] : undefined;
  if (verb === 'del' || verb === 'delete') {
    const at = state.defaults.findIndex((r) => r.family === family && (!via || canonicalIp(r.gateway) === canonicalIp(via)));
    if (at < 0) throw new IpExit('RTNETLINK answers: No such process', 2);
    state.defaults.splice(at, 1);
    return;
  }
  const gw = via ? canonicalIp(via) : null;
  if (!gw || (gw.includes(':') ? 6 : 4) !== family) throw new IpExit(`Error: inet${family === 6 ? '6' : ''} prefix is expected rather than "${via ?? ''}".`, 1);
  const link = onLink(state, gw);
  if (!link) throw new IpExit('Error: Nexthop has invalid gateway.', 2);
  if (verb === 'add' && state.defaults.some((r) => r.family === family)) throw new IpExit('RTNETLINK answers: File exists', 2);
  state.defaults = [...state.defaults.filter((r) => r.family !== family), { family, gateway: gw, dev: link.link.name }];
}

function ip(state: NetworkSimState, argv: string[]): RunResult {
  let json = false;
  let details = false;
  let family: 4 | 6 = 4;
  let i = 0;
  for (; i < argv.length && argv[i]!.startsWith('-'); i++) {
    const f = argv[i]!;
    if (f === '-j' || f === '-json') json = true;
    else if (f === '-d' || f === '-details') details = true;
    else if (f === '-6') family = 6;
    else if (f === '-family' || f === '-f') {
      const name = argv[++i];
      if (name === 'inet6') family = 6;
      else if (name === 'inet') family = 4;
      else throw new IpExit(`Error: argument "${name ?? ''}" is wrong: invalid address family`, 1);
    } else if (f === '-4') family = 4;
    else throw new IpExit(`Option "${f}" is unknown, try "ip -help".`, 255);
  }
  const [object, verb = 'show', ...rest] = argv.slice(i);
  const shown = (items: Record<string, unknown>[]) => ok(json ? `${JSON.stringify(items)}\n` : items.map((x) => JSON.stringify(x)).join('\n'));
  const only = (): SimLink[] => {
    if (rest[0] === 'dev' || (rest[0] && rest[0] !== 'dev')) {
      const name = rest[0] === 'dev' ? rest[1] : rest[0];
      const l = state.links.find((x) => x.name === name);
      if (!l) throw new IpExit(`Device "${name ?? ''}" does not exist.`, 1);
      return [l];
    }
    return state.links;
  };
  if (object === 'link') {
    if (verb === 'show' || verb === 'list') return shown(only().map((l) => linkJson(state, l, details)));
    if (verb === 'set') linkSet(state, rest);
    else if (verb === 'add') linkAdd(state, rest);
    else if (verb === 'del' || verb === 'delete') linkDel(state, rest);
    else throw new IpExit(`Command "${verb}" is unknown, try "ip link help".`, 255);
    return ok();
  }
  if (object === 'addr' || object === 'address') {
    if (verb === 'show' || verb === 'list') return shown(only().map((l) => addrJson(state, l)));
    if (verb === 'add' || verb === 'del') addrChange(state, verb, rest);
    else throw new IpExit(`Command "${verb}" is unknown, try "ip address help".`, 255);
    return ok();
  }
  if (object === 'route') {
    if (verb === 'show' || verb === 'list') return shown(routesJson(state, family));
    if (verb === 'get') return shown(routeGet(state, rest[0] ?? ''));
    if (verb === 'replace' || verb === 'add' || verb === 'del' || verb === 'delete') routeChange(state, family, verb, rest);
    else throw new IpExit(`Command "${verb}" is unknown, try "ip route help".`, 255);
    return ok();
  }
  throw new IpExit(`Object "${object ?? ''}" is unknown, try "ip help".`, 1);
}

/** `ip ...` and `cat /sys/class/net/X/speed` on the simulated appliance; null for other commands. */
export async function simulateNetworkTool(tool: string, args: string[], files: HostFiles): Promise<RunResult | null> {
  const speedPath = tool === 'cat' && args.length === 1 ? /^\/sys\/class\/net\/([^/]+)\/speed$/.exec(args[0]!) : null;
  if (tool !== 'ip' && !speedPath) return null;
  const state = await load(files);
  if (speedPath) {
    const l = state.links.find((x) => x.name === speedPath[1]);
    if (!l) return fail(`cat: ${args[0]}: No such file or directory`);
    const speed = l.kind === 'bond' ? state.links.filter((m) => m.master === l.name && m.cable).reduce((n, m) => n + (m.speed ?? 0), 0) || null : l.speed;
    return speed && carrier(state, l) ? ok(`${speed}\n`) : fail(`cat: ${args[0]}: Invalid argument`);
  }
  const before = JSON.stringify(state);
  let result: RunResult;
  try {
    result = ip(state, args);
  } catch (err) {
    if (!(err instanceof IpExit)) throw err;
    return fail(err.stderr, err.code);
  }
  if (JSON.stringify(state) !== before) await files.writeAtomic(NETWORK_SIM_STATE, JSON.stringify(state));
  return result;
}
