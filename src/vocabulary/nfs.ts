/**
 * The exports file's grammar: the paths and client specifications exportfs reads. One copy for
 * the contracts (what a caller may send) and the renderer in src/system/nfs (what it agrees to
 * write).
 */
import { isIP } from 'node:net';

/** Paths exportfs reads without quoting or octal escapes. */
export const NFS_PATH = /^\/[A-Za-z0-9._@+\-/]*$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9*?]([A-Za-z0-9*?-]{0,62})(\.[A-Za-z0-9*?]([A-Za-z0-9*?-]{0,62}))*$/;

/** Why `host` is not an exports client, or null. */
export function nfsClientProblem(host: string): string | null {
  if (host === '*') return null;
  if (host.startsWith('@')) return /^@[A-Za-z0-9_.-]{1,64}$/.test(host) ? null : 'a netgroup is @ followed by letters, digits, _ . -';
  const slash = host.indexOf('/');
  if (slash >= 0) {
    const addr = host.slice(0, slash);
    const bits = host.slice(slash + 1);
    const family = isIP(addr);
    if (!family) return `${addr} is not an IP address`;
    if (!/^\d{1,3}$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128)) return `/${bits} is not a prefix length for IPv${family}`;
    return null;
  }
  if (isIP(host)) return null;
  if (/^[\d.]+$/.test(host)) return `${host} is not a valid IPv4 address`;
  return HOSTNAME.test(host) ? null : `${host} is not an address, network, host name or wildcard`;
}
