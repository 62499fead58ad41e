/**
 * Parsers of iproute2's JSON output (`ip -j [-d] link show`, `ip -j addr show`, `ip -j [-6] route show`,
 * `ip -j route get ADDR`) and of resolv.conf: pure functions, tested on samples captured from
 * iproute2 6.1 (test/fixtures/iproute2).
 */
import { parseToolJson, ToolOutputError } from '../host.js';

export type LinkKind = 'ethernet' | 'bond' | 'vlan' | 'bridge' | 'veth' | 'loopback' | 'other';

export interface BondInfo {
  mode: string;
  xmitHashPolicy: string | null;
  lacpRate: string | null;
  miimon: number | null;
  /** The 802.3ad aggregator and partner, when the mode is 802.3ad and the kernel reports them. */
  aggregatorId: number | null;
  partnerMac: string | null;
}

export interface BondPortInfo {
  /** ACTIVE or BACKUP. */
  state: string;
  miiStatus: string;
  linkFailures: number;
  /** LACP actor port state flags (active, aggregating, in_sync, collecting, distributing...). */
  lacpActorState: string[];
  lacpPartnerState: string[];
}

export interface Link {
  index: number;
  name: string;
  kind: LinkKind;
  /** operstate: UP, DOWN, LOWERLAYERDOWN, UNKNOWN... */
  state: string;
  flags: string[];
  /** The administrative state: the UP flag. */
  adminUp: boolean;
  carrier: boolean;
  mtu: number;
  minMtu: number | null;
  maxMtu: number | null;
  mac: string | null;
  /** The bond or bridge this link is a port of. */
  master: string | null;
  /** The lower link of a VLAN (or the peer of a veth). */
  parent: string | null;
  vlanId: number | null;
  bond: BondInfo | null;
  bondPort: BondPortInfo | null;
}

export interface Address {
  family: 'inet' | 'inet6';
  address: string;
  prefix: number;
  scope: string;
  /** Has a finite lifetime: given by DHCP or router advertisements, not configured statically. */
  dynamic: boolean;
}

export interface Route {
  dst: string;
  gateway: string | null;
  dev: string | null;
  protocol: string | null;
  metric: number | null;
}

export interface RouteLookup {
  dst: string;
  dev: string;
  gateway: string | null;
  prefsrc: string | null;
  type: string | null;
}

type Obj = Record<string, unknown>;

function list(tool: string, text: string): Obj[] {
  const doc = parseToolJson(tool, text.trim() === '' ? '[]' : text);
  if (!Array.isArray(doc)) throw new ToolOutputError(tool, 'not a JSON array');
  return doc.map((e) => {
    if (!e || typeof e !== 'object') throw new ToolOutputError(tool, 'an entry is not an object');
    return e as Obj;
  });
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const obj = (v: unknown): Obj | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null);

function kindOf(e: Obj, info: Obj | null): LinkKind {
  const k = str(info?.['info_kind']);
  if (k === 'bond' || k === 'vlan' || k === 'bridge' || k === 'veth') return k;
  if (str(e['link_type']) === 'loopback') return 'loopback';
  if (!k && str(e['link_type']) === 'ether') return 'ethernet';
  return 'other';
}

/** `ip -j link show` or `ip -j -d link show` (the details add kind, bond, VLAN and port data). */
export function parseIpLink(text: string): Link[] {
  return list('ip link', text).map((e) => {
    const name = str(e['ifname']);
    const index = num(e['ifindex']);
    if (!name || index === null) throw new ToolOutputError('ip link', 'an entry without ifname or ifindex');
    const info = obj(e['linkinfo']);
    const data = obj(info?.['info_data']);
    const kind = kindOf(e, info);
    const flags = strs(e['flags']);
    let bond: BondInfo | null = null;
    if (kind === 'bond' && data) {
      const ad = obj(data['ad_info']);
      bond = {
        mode: str(data['mode']) ?? 'unknown',
        xmitHashPolicy: str(data['xmit_hash_policy']),
        lacpRate: str(data['ad_lacp_rate']),
        miimon: num(data['miimon']),
        aggregatorId: num(ad?.['aggregator']),
        partnerMac: str(ad?.['partner_mac']),
      };
    }
    const slave = obj(info?.['info_slave_data']);
    const bondPort: BondPortInfo | null =
      str(info?.['info_slave_kind']) === 'bond' && slave
        ? {
            state: str(slave['state']) ?? 'unknown',
            miiStatus: str(slave['mii_status']) ?? 'unknown',
            linkFailures: num(slave['link_failure_count']) ?? 0,
            lacpActorState: strs(slave['ad_actor_oper_port_state_str']),
            lacpPartnerState: strs(slave['ad_partner_oper_port_state_str']),
          }
        : null;
    return {
      index,
      name,
      kind,
      state: str(e['operstate']) ?? 'UNKNOWN',
      flags,
      adminUp: flags.includes('UP'),
      carrier: flags.includes('LOWER_UP'),
      mtu: num(e['mtu']) ?? 0,
      minMtu: num(e['min_mtu']),
      maxMtu: num(e['max_mtu']),
      mac: str(e['address']),
      master: str(e['master']),
      parent: str(e['link']),
      vlanId: kind === 'vlan' ? num(data?.['id']) : null,
      bond,
      bondPort,
    };
  });
}

/** `ip -j addr show`: the addresses of each link, by link name. */
export function parseIpAddr(text: string): Map<string, Address[]> {
  const out = new Map<string, Address[]>();
  for (const e of list('ip addr', text)) {
    const name = str(e['ifname']);
    if (!name) throw new ToolOutputError('ip addr', 'an entry without ifname');
    const addrs: Address[] = [];
    for (const raw of Array.isArray(e['addr_info']) ? (e['addr_info'] as unknown[]) : []) {
      const a = obj(raw);
      const family = str(a?.['family']);
      const local = str(a?.['local']);
      const prefix = num(a?.['prefixlen']);
      if (!a || (family !== 'inet' && family !== 'inet6') || !local || prefix === null) continue;
      addrs.push({ family, address: local, prefix, scope: str(a['scope']) ?? 'global', dynamic: a['dynamic'] === true });
    }
    out.set(name, addrs);
  }
  return out;
}

/** `ip -j route show` / `ip -j -6 route show`. */
export function parseIpRoute(text: string): Route[] {
  return list('ip route', text).map((e) => ({
    dst: str(e['dst']) ?? 'default',
    gateway: str(e['gateway']),
    dev: str(e['dev']),
    protocol: str(e['protocol']),
    metric: num(e['metric']),
  }));
}

/** `ip -j route get ADDR`: the link (and gateway) traffic to ADDR leaves by. */
export function parseRouteGet(text: string): RouteLookup | null {
  const e = list('ip route get', text)[0];
  if (!e) return null;
  const dev = str(e['dev']);
  if (!dev) return null;
  return { dst: str(e['dst']) ?? '', dev, gateway: str(e['gateway']), prefsrc: str(e['prefsrc']), type: str(e['type']) };
}

export interface ResolvConf {
  nameservers: string[];
  search: string[];
}

/** resolv.conf(5): `nameserver` lines and the last `search` (or `domain`) line. */
export function parseResolvConf(text: string): ResolvConf {
  const nameservers: string[] = [];
  let search: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) nameservers.push(rest[0]);
    else if ((key === 'search' || key === 'domain') && rest.length) search = rest;
  }
  return { nameservers, search };
}

/** resolv.conf as Calypso writes it where it owns the file (a host without systemd-resolved). */
export function renderResolvConf(conf: ResolvConf): string {
  const lines = ['# Written by Calypso: changes made here are replaced at the next network apply.'];
  if (conf.search.length) lines.push(`search ${conf.search.join(' ')}`);
  for (const ns of conf.nameservers) lines.push(`nameserver ${ns}`);
  return `${lines.join('\n')}\n`;
}
