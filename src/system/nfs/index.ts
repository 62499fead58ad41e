/** NFS exports: rendering the exports file Calypso owns, `exportfs -ra` to apply it, `exportfs -v` to read what is live. */
import { NFS_PATH, nfsClientProblem } from '../../vocabulary/nfs.js';
import type { Host } from '../host.js';

export type NfsSquash = 'root_squash' | 'all_squash' | 'no_root_squash';
export type NfsSec = 'sys' | 'krb5' | 'krb5i' | 'krb5p';

export interface NfsClientRule {
  /** An address, a network (CIDR), a host name, a wildcard (*.example.com, *) or a netgroup (@name). */
  host: string;
  access: 'ro' | 'rw';
  squash: NfsSquash;
  sec: NfsSec[];
  anonuid: number | null;
  anongid: number | null;
}

export interface NfsExportConf {
  path: string;
  enabled: boolean;
  comment: string;
  clients: NfsClientRule[];
}

export function clientOptions(c: NfsClientRule): string {
  const opts = [c.access, c.squash, `sec=${(c.sec.length ? c.sec : ['sys']).join(':')}`, 'no_subtree_check'];
  if (c.anonuid !== null) opts.push(`anonuid=${c.anonuid}`);
  if (c.anongid !== null) opts.push(`anongid=${c.anongid}`);
  return opts.join(',');
}

export const EXPORTS_HEADER = '# Managed by Calypso. Edits here are reported as drift; adopt them or overwrite them from the console.\n';

export function renderExports(exports: NfsExportConf[]): string {
  let out = EXPORTS_HEADER;
  for (const e of [...exports].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    if (!e.enabled || e.clients.length === 0) continue;
    if (!NFS_PATH.test(e.path)) throw new Error(`exports path ${JSON.stringify(e.path)} is not allowed`);
    for (const c of e.clients) {
      const problem = nfsClientProblem(c.host);
      if (problem) throw new Error(problem);
    }
    out += `${e.path} ${e.clients.map((c) => `${c.host}(${clientOptions(c)})`).join(' ')}\n`;
  }
  return out;
}

export interface ExportEntry {
  path: string;
  client: string;
  options: string[];
}

/** An exports file, or `exportfs -v` output (one client per line; a long path sits on its own line). */
export function parseExportEntries(text: string): ExportEntry[] {
  const out: ExportEntry[] = [];
  let pendingPath: string | null = null;
  for (const raw of text.split('\n')) {
    const l = raw.replace(/#.*$/, '').trimEnd();
    if (!l.trim()) continue;
    const continuation = /^\s/.test(l);
    const tokens = l.trim().split(/\s+/);
    let path: string | null;
    if (continuation) path = pendingPath;
    else {
      path = tokens.shift()!;
      pendingPath = path;
    }
    if (!path) continue;
    for (const t of tokens) {
      const m = /^([^(]*)(?:\(([^)]*)\))?$/.exec(t);
      if (!m) continue;
      out.push({ path, client: m[1] || '*', options: m[2] ? m[2].split(',').filter(Boolean) : [] });
    }
  }
  return out;
}

/** Groups entries of an exports file back into Calypso's model (for "adopt"). */
export function adoptExports(text: string): { exports: NfsExportConf[]; ignored: string[] } {
  const byPath = new Map<string, NfsExportConf>();
  const ignored: string[] = [];
  const known = /^(ro|rw|root_squash|all_squash|no_root_squash|no_all_squash|no_subtree_check|sec=.*|anonuid=\d+|anongid=\d+)$/;
  for (const e of parseExportEntries(text)) {
    const exp = byPath.get(e.path) ?? { path: e.path, enabled: true, comment: '', clients: [] };
    byPath.set(e.path, exp);
    const opt = new Set(e.options);
    const value = (k: string) => e.options.find((o) => o.startsWith(`${k}=`))?.slice(k.length + 1);
    for (const o of e.options) if (!known.test(o)) ignored.push(`${e.path} ${e.client}: ${o}`);
    exp.clients.push({
      host: e.client,
      access: opt.has('rw') ? 'rw' : 'ro',
      squash: opt.has('no_root_squash') ? 'no_root_squash' : opt.has('all_squash') ? 'all_squash' : 'root_squash',
      sec: (value('sec') ?? 'sys').split(':').filter((s): s is NfsSec => ['sys', 'krb5', 'krb5i', 'krb5p'].includes(s)),
      anonuid: value('anonuid') !== undefined ? Number(value('anonuid')) : null,
      anongid: value('anongid') !== undefined ? Number(value('anongid')) : null,
    });
  }
  return { exports: [...byPath.values()], ignored };
}

export class NfsAdapter {
  constructor(private readonly host: Host) {}

  /** Re-export everything in /etc/exports and /etc/exports.d, dropping what is no longer there. */
  async reload(): Promise<void> {
    await this.host.run('exportfs', ['-ra']);
  }

  async active(): Promise<ExportEntry[]> {
    return parseExportEntries((await this.host.run('exportfs', ['-v'])).stdout);
  }
}
