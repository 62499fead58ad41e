/**
 * Input vocabulary of file sharing: every value is checked before it can reach smb.conf or the
 * exports file. The grammar of both files is src/vocabulary's (smb.ts, nfs.ts), which the
 * renderers in src/system check again on what they write.
 */
import path from 'node:path';
import { z } from 'zod';
import { NFS_PATH, nfsClientProblem } from '../vocabulary/nfs.js';
import { SMB_RESERVED_SECTIONS, SMB_SHARE_NAME, smbValueProblem } from '../vocabulary/smb.js';
import { controlCharacterProblem } from './text.js';

/** Absolute, normalised paths without control characters. */
export function absolutePath(extra: RegExp, hint: string) {
  return z
    .string()
    .min(1)
    .max(1024)
    .superRefine((p, c) => {
      if (!p.startsWith('/')) c.addIssue({ code: 'custom', message: 'must be an absolute path' });
      // eslint-disable-next-line no-control-regex -- control characters are what this refuses
      else if (/[\0-\x1f\x7f]/.test(p)) c.addIssue({ code: 'custom', message: 'may not contain control characters (line breaks included)' });
      else if (path.posix.normalize(p) !== p || (p.length > 1 && p.endsWith('/')))
        c.addIssue({ code: 'custom', message: "must be normalised: no '..', '.', '//' or trailing '/'" });
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
    else if (!SMB_SHARE_NAME.test(name))
      c.addIssue({
        code: 'custom',
        message: "letters, digits, space, '_', '.', '-' (a final '$' hides the share); start with a letter, digit or '_'; no space at the end",
      });
  })
  .describe('Share name as clients see it (\\\\server\\NAME)');

/** A one-line smb.conf value: no line break, no trailing backslash, no '[' or ']'. */
export function smbText(max: number, what: string) {
  return z
    .string()
    .max(max)
    .superRefine((v, c) => {
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

export const nfsPath = absolutePath(NFS_PATH, 'letters, digits and . _ @ + - / only (no spaces)').describe('Directory to export: inside a mounted dataset');

export const accountName = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, "letters, digits, '_', '.', '-'; start with a letter, digit or '_'")
  .describe('User or group name');

export const hostPattern = z
  .string()
  .max(255)
  .superRefine((h, c) => {
    const problem = h === 'ALL' ? null : h === '' ? 'is empty' : nfsClientProblem(h);
    // One client per rule: "bad host(rw" is refused whole, never split into hosts and options.
    if (problem)
      c.addIssue({
        code: 'custom',
        message: `client ${JSON.stringify(h.slice(0, 80))}: ${problem}; expected a host name (backup1.example.com), an IP address, a network (10.0.0.0/24), a netgroup (@name) or a wildcard (*.example.com, *)`,
      });
  })
  .describe('Address, network (CIDR), host name, netgroup (@name) or wildcard (*.example.com)');

export const shadowFormat = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]*%[A-Za-z0-9_.:%-]*$/, 'a strftime pattern of snapshot names, e.g. auto-%Y%m%d-%H%M (letters, digits, _ . : - and % only)')
  .max(64)
  .describe('How snapshot names encode their time (shadow:format), e.g. auto-%Y%m%d-%H%M');
