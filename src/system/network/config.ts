/**
 * The appliance's network configuration as Calypso owns it (the desired state), and small
 * address helpers shared by the planner, the renderers and the simulated appliance.
 */
import net from 'node:net';

export const BOND_MODES = ['balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb'] as const;
export type BondMode = (typeof BOND_MODES)[number];
export const XMIT_HASH_POLICIES = ['layer2', 'layer2+3', 'layer3+4', 'encap2+3', 'encap3+4', 'vlan+srcmac'] as const;
export type XmitHashPolicy = (typeof XMIT_HASH_POLICIES)[number];
export const LACP_RATES = ['slow', 'fast'] as const;
export type LacpRate = (typeof LACP_RATES)[number];

export interface InterfaceConfig {
  /** A physical port, a bond or a VLAN (declared in bonds / vlans). */
  name: string;
  dhcp4: boolean;
  dhcp6: boolean;
  /** Static addresses in CIDR form (10.0.0.10/24, fd00::10/64). */
  addresses: string[];
  /** null: leave the MTU as it is. */
  mtu: number | null;
}

export interface VlanConfig {
  name: string;
  parent: string;
  id: number;
}

export interface BondConfig {
  name: string;
  members: string[];
  mode: BondMode;
  /** 802.3ad only. */
  lacpRate: LacpRate | null;
  /** balance-xor and 802.3ad only. */
  xmitHashPolicy: XmitHashPolicy | null;
}

export interface NetworkConfig {
  hostname: string;
  domain: string;
  interfaces: InterfaceConfig[];
  vlans: VlanConfig[];
  bonds: BondConfig[];
  gateway4: string | null;
  gateway6: string | null;
  dns: { servers: string[]; search: string[] };
}

/** Interface names the kernel accepts and no tool reads as an option: 1-15 of [A-Za-z0-9_.-], not starting with '-', not '.' or '..'. */
export const INTERFACE_NAME = /^(?!\.{1,2}$)[A-Za-z0-9_.][A-Za-z0-9_.-]{0,14}$/;

/** The canonical text of an address (IPv6 compressed and lower case), or null when it is not one. */
export function canonicalIp(address: string): string | null {
  const family = net.isIP(address);
  if (family === 4) return address;
  if (family !== 6 || address.includes('%')) return null;
  // The WHATWG URL parser prints IPv6 in its canonical (RFC 5952) form.
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

export interface Cidr {
  family: 4 | 6;
  address: string;
  prefix: number;
}

/** `10.0.0.10/24` -> its parts, or null. The prefix is required. */
export function parseCidr(text: string): Cidr | null {
  const m = /^([0-9A-Fa-f:.]+)\/(\d{1,3})$/.exec(text);
  if (!m) return null;
  const address = canonicalIp(m[1]!);
  if (!address) return null;
  const family = net.isIP(address) as 4 | 6;
  const prefix = Number(m[2]);
  if (prefix > (family === 4 ? 32 : 128)) return null;
  return { family, address, prefix };
}

export const cidrText = (c: Cidr) => `${c.address}/${c.prefix}`;

/** Whether `address` lies in the subnet of `cidr`. */
export function inSubnet(address: string, cidr: Cidr): boolean {
  const ip = canonicalIp(address);
  if (!ip || net.isIP(ip) !== cidr.family) return false;
  const list = new net.BlockList();
  list.addSubnet(cidr.address, cidr.prefix, cidr.family === 4 ? 'ipv4' : 'ipv6');
  return list.check(ip, cidr.family === 4 ? 'ipv4' : 'ipv6');
}

/** The bytes of an address (4 or 16). */
export function ipBytes(address: string): number[] {
  if (net.isIPv4(address)) return address.split('.').map(Number);
  const [head = '', tail] = address.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const words = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return words.flatMap((w) => {
    const n = parseInt(w, 16);
    return [n >> 8, n & 255];
  });
}

/** The network address of a CIDR is its host part all zeros. */
export function isNetworkAddress(c: Cidr): boolean {
  const maxBits = c.family === 4 ? 32 : 128;
  if (c.family === 6 || c.prefix >= maxBits - 1) return false;
  const bytes = ipBytes(c.address);
  return bytes.every((b, i) => {
    const hostBits = Math.max(0, Math.min(8, (i + 1) * 8 - c.prefix));
    return (b & ((1 << hostBits) - 1)) === 0;
  });
}

/** IPv4 broadcast: the host part all ones. */
export function isBroadcastAddress(c: Cidr): boolean {
  if (c.family !== 4 || c.prefix >= 31) return false;
  const bytes = ipBytes(c.address);
  return bytes.every((b, i) => {
    const hostBits = Math.max(0, Math.min(8, (i + 1) * 8 - c.prefix));
    const mask = (1 << hostBits) - 1;
    return (b & mask) === mask;
  });
}

/** Loopback, multicast, unspecified or link-local: never an address to configure on a port. */
export function unusableAddress(c: Cidr): string | null {
  const b = ipBytes(c.address);
  if (c.family === 4) {
    if (b[0] === 127) return 'a loopback address';
    if (b[0]! >= 224) return 'a multicast or reserved address';
    if (b.every((x) => x === 0)) return 'the unspecified address';
    if (b[0] === 169 && b[1] === 254) return 'a link-local address (the kernel makes those)';
    return null;
  }
  if (b.every((x) => x === 0)) return 'the unspecified address';
  if (b.slice(0, 15).every((x) => x === 0) && b[15] === 1) return 'the loopback address';
  if (b[0] === 0xff) return 'a multicast address';
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return 'a link-local address (the kernel makes those)';
  return null;
}
