/**
 * The client's address, for the audit log and login throttling. X-Forwarded-For is believed
 * only as far as it was written by proxies we trust: walking it from the right (the hop
 * nearest to us), the client is the first entry that is not a trusted proxy. Anything odd
 * (the socket peer is not a trusted proxy, an entry that is not an IP address) stops the walk.
 */
import net from 'node:net';

/** The longest text form of an IP address (IPv4-mapped IPv6). */
const MAX_IP_TEXT = 45;
/** Entries of X-Forwarded-For looked at, from the right: a chain of proxies is short. */
const MAX_HOPS = 16;

/** `::ffff:192.0.2.1` -> `192.0.2.1`: one spelling per client, whichever socket family it came on. */
export function normalizeIp(address: string): string {
  const m = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return m ? m[1]! : address.toLowerCase();
}

/** An address or CIDR of the trusted proxy list, or why not. */
export function parseTrustedEntry(entry: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const [addr = '', prefixText, extra] = entry.trim().split('/');
  const address = normalizeIp(addr);
  const version = net.isIP(address);
  if (!version || extra !== undefined || address.includes('%'))
    throw new Error(`${JSON.stringify(entry)} is not an IP address or CIDR (e.g. 127.0.0.1, ::1, 10.0.0.0/8)`);
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= max)) throw new Error(`${JSON.stringify(entry)}: the prefix length must be 0-${max}`);
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

export class TrustedProxies {
  private readonly list = new net.BlockList();
  readonly empty: boolean;

  /** Throws on an entry that is not an address or CIDR. */
  constructor(entries: readonly string[]) {
    for (const e of entries) {
      const { address, prefix, family } = parseTrustedEntry(e);
      this.list.addSubnet(address, prefix, family);
    }
    this.empty = entries.length === 0;
  }

  trusts(address: string): boolean {
    if (this.empty) return false;
    const ip = normalizeIp(address);
    const version = net.isIP(ip);
    return version !== 0 && this.list.check(ip, version === 4 ? 'ipv4' : 'ipv6');
  }

  /** The client address of a request from `peer` (the socket's remote address) with this X-Forwarded-For. */
  clientAddress(peer: string | undefined, forwardedFor: string | undefined): string | undefined {
    const socket = peer === undefined ? undefined : normalizeIp(peer);
    if (socket === undefined || !forwardedFor || !this.trusts(socket)) return socket;
    // Only the last MAX_HOPS entries are read; a megabyte-long header costs nothing more.
    const cut = forwardedFor.length > MAX_HOPS * (MAX_IP_TEXT + 2);
    const pieces = (cut ? forwardedFor.slice(-MAX_HOPS * (MAX_IP_TEXT + 2)) : forwardedFor).split(',');
    // A cut header's first piece may be the end of a longer entry: never read it as an address.
    const hops = (cut ? pieces.slice(1) : pieces).slice(-MAX_HOPS).reverse();
    let nearest = socket;
    for (const raw of hops) {
      const hop = raw.trim();
      if (hop.length === 0 || hop.length > MAX_IP_TEXT || hop.includes('%') || net.isIP(hop) === 0) return socket;
      const ip = normalizeIp(hop);
      if (!this.trusts(ip)) return ip;
      nearest = ip;
    }
    // Every hop is a trusted proxy: the farthest one is the best we know.
    return nearest;
  }
}
