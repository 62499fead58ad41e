/**
 * Input vocabulary of file sharing: every value is checked before it can reach smb.conf or the
 * exports file. The renderers in src/system check what they write again, with their own copy of
 * the rules below (src/system and src/contracts import nothing of each other);
 * test/shares/vocabulary.test.ts keeps the two copies equal.
 */
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { controlCharacterProblem } from './text.js';

/** Section names smb.conf gives a meaning of its own (src/system/samba/conf.ts has the same list). */
export const SMB_RESERVED_SECTIONS = ['global', 'homes', 'printers', 'print$', 'ipc$'];

/** Share names: what Windows clients and smb.conf both accept; never a bracket, newline or backslash. */
export const SMB_SHARE_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9 _.-]{0,77}[A-Za-z0-9_.-])?\$?$/;

/**
 * Why `value` cannot be an smb.conf value, or null. A line break would start a new line (and
 * with it a new section); a trailing backslash joins the next line; NUL ends the file for Samba.
 */
export function smbValueProblem(value: string): string | null {
  if (/[\r\n\0]/.test(value)) return 'may not contain line breaks or NUL';
  if (/\\\s*$/.test(value)) return 'may not end with a backslash (it would continue onto the next line)';
  if (value !== value.trim()) return 'may not start or end with spaces';
  return null;
}

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

/** Absolute, normalised paths without control characters. */
export function absolutePath(extra: RegExp, hint: string) {
  return z.string().min(1).max(1024).superRefine((p, c) => {
    if (!p.startsWith('/')) c.addIssue({ code: 'custom', message: 'must be an absolute path' });
    else if (/[\0-\x1f\x7f]/.test(p)) c.addIssue({ code: 'custom', message: 'may not contain control characters (line breaks included)' });
    else if (path.posix.normalize(p) !== p || (p.length > 1 && p.endsWith('/'))) c.addIssue({ code: 'custom', message: "must be normalised: no '..', '.', '//' or trailing '/'" });
    else if (!extra.test(p)) c.addIssue({ code: 'custom', message: hint });
  });
}

export const smbShareName = z
  .string()
  .min(1)
  .max(80)
  .superRefine((name, c) => {
    if (/[\r\n\0]/.test(name)) c.addIssue({ code: 'custom', message: 'a share name may not contain line breaks: they would start a new line of smb.conf' });
    else if (/[[\]]/.test(name)) c.addIssue({ code: 'custom', message: "a share name may not contain '[' or ']': they would start a new smb.conf section" });
    else if (SMB_RESERVED_SECTIONS.includes(name.toLowerCase())) c.addIssue({ code: 'custom', message: `${name} is a reserved section name` });
    else if (!SMB_SHARE_NAME.test(name)) c.addIssue({ code: 'custom', message: "letters, digits, space, '_', '.', '-' (a final '$' hides the share); start with a letter, digit or '_'; no space at the end" });
  })
  .describe('Share name as clients see it (\\\\server\\NAME)');

/** A one-line smb.conf value: no line break, no trailing backslash, no '[' or ']'. */
export function smbText(max: number, what: string) {
  return z.string().max(max).superRefine((v, c) => {
    const problem = smbValueProblem(v) ?? controlCharacterProblem(v) ?? (/[[\]]/.test(v) ? "may not contain '[' or ']'" : null);
    if (problem) c.addIssue({ code: 'custom', message: `${what} ${problem}` });
  });
}

export const smbPath = absolutePath(/^\/[^%\\"]*$/, "may not contain '%', '\\' or '\"'")
  .superRefine((v, c) => {
    const problem = smbValueProblem(v);
    if (problem) c.addIssue({ code: 'custom', message: `path ${problem}` });
  })
  .describe('Directory to share: inside a mounted dataset, e.g. /tank/shares/finance');

export const nfsPath = absolutePath(NFS_PATH, "letters, digits and . _ @ + - / only (no spaces)").describe('Directory to export: inside a mounted dataset');

export const accountName = z.string().max(64).regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, "letters, digits, '_', '.', '-'; start with a letter, digit or '_'").describe('User or group name');

export const hostPattern = z
  .string()
  .max(255)
  .superRefine((h, c) => {
    const problem = h === 'ALL' ? null : h === '' ? 'is empty' : nfsClientProblem(h);
    // One client per rule: "bad host(rw" is refused whole, never split into hosts and options.
    if (problem) c.addIssue({ code: 'custom', message: `client ${JSON.stringify(h.slice(0, 80))}: ${problem}; expected a host name (backup1.example.com), an IP address, a network (10.0.0.0/24), a netgroup (@name) or a wildcard (*.example.com, *)` });
  })
  .describe('Address, network (CIDR), host name, netgroup (@name) or wildcard (*.example.com)');

export const shadowFormat = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]*%[A-Za-z0-9_.:%-]*$/, "a strftime pattern of snapshot names, e.g. auto-%Y%m%d-%H%M (letters, digits, _ . : - and % only)")
  .max(64)
  .describe('How snapshot names encode their time (shadow:format), e.g. auto-%Y%m%d-%H%M');
