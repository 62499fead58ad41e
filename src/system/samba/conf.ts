/**
 * smb.conf rendering and parsing. Values are checked here too (not only in the service's
 * schemas): nothing this module writes can end a line, continue one, or open a section.
 */
import { SMB_SHARE_NAME, smbValueProblem } from '../../vocabulary/smb.js';

export type SmbMinProtocol = 'SMB2' | 'SMB2_02' | 'SMB2_10' | 'SMB3' | 'SMB3_00' | 'SMB3_11';
export type SmbEncryption = 'off' | 'if_required' | 'desired' | 'required';

export interface SmbGlobals {
  workgroup: string;
  serverString: string;
  minProtocol: SmbMinProtocol;
  encryption: SmbEncryption;
  /** Deployment parameters (ports, interfaces, private and state directories), rendered as given. */
  extra: Record<string, string>;
}

export interface SmbShareConf {
  name: string;
  path: string;
  comment: string;
  enabled: boolean;
  readOnly: boolean;
  browseable: boolean;
  guestOk: boolean;
  validUsers: string[];
  validGroups: string[];
  hostsAllow: string[];
  hostsDeny: string[];
  /** ZFS snapshots as Previous Versions (vfs_shadow_copy2); null: off. */
  shadowCopy: { format: string } | null;
  recycleBin: boolean;
  timeMachine: boolean;
}

export class SmbConfError extends Error {}

function line(key: string, value: string): string {
  const problem = smbValueProblem(value) ?? (/[[\]=\r\n]/.test(key) ? 'bad parameter name' : null);
  if (problem) throw new SmbConfError(`smb.conf ${key}: ${problem}`);
  return `\t${key} = ${value}\n`;
}

function section(name: string): string {
  if (!SMB_SHARE_NAME.test(name) && name !== 'global') throw new SmbConfError(`smb.conf section name ${JSON.stringify(name)} is not allowed`);
  return `[${name}]\n`;
}

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');

export const SMB_HEADER = '# Managed by Calypso. Edits here are reported as drift; adopt them or overwrite them from the console.\n';

export function vfsObjects(share: SmbShareConf): string[] {
  const out: string[] = [];
  if (share.shadowCopy) out.push('shadow_copy2');
  if (share.recycleBin) out.push('recycle');
  if (share.timeMachine) out.push('catia', 'fruit', 'streams_xattr');
  return out;
}

/** The whole smb.conf Calypso owns, deterministic for a given input (drift compares text). */
export function renderSmbConf(globals: SmbGlobals, shares: SmbShareConf[]): string {
  let out = SMB_HEADER;
  out += section('global');
  out += line('workgroup', globals.workgroup);
  if (globals.serverString) out += line('server string', globals.serverString);
  out += line('server min protocol', globals.minProtocol);
  out += line('server smb encrypt', globals.encryption);
  out += line('passdb backend', 'tdbsam');
  out += line('map to guest', shares.some((s) => s.guestOk) ? 'Bad User' : 'Never');
  if (shares.some((s) => s.timeMachine)) {
    out += line('fruit:aapl', 'yes');
    out += line('fruit:model', 'MacSamba');
  }
  for (const [k, v] of Object.entries(globals.extra).sort(([a], [b]) => (a < b ? -1 : 1))) out += line(k, v);
  for (const s of [...shares].sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1))) {
    out += `\n${section(s.name)}`;
    out += line('path', s.path);
    if (s.comment) out += line('comment', s.comment);
    if (!s.enabled) out += line('available', 'no');
    out += line('read only', yesNo(s.readOnly));
    out += line('browseable', yesNo(s.browseable));
    out += line('guest ok', yesNo(s.guestOk));
    const valid = [...s.validUsers, ...s.validGroups.map((g) => `@${g}`)];
    if (valid.length) out += line('valid users', valid.join(' '));
    if (s.hostsAllow.length) out += line('hosts allow', s.hostsAllow.join(' '));
    if (s.hostsDeny.length) out += line('hosts deny', s.hostsDeny.join(' '));
    const vfs = vfsObjects(s);
    if (vfs.length) out += line('vfs objects', vfs.join(' '));
    if (s.shadowCopy) {
      out += line('shadow:snapdir', '.zfs/snapshot');
      out += line('shadow:sort', 'desc');
      out += line('shadow:localtime', 'no');
      out += line('shadow:format', s.shadowCopy.format);
    }
    if (s.recycleBin) {
      out += line('recycle:repository', '.recycle/%U');
      out += line('recycle:keeptree', 'yes');
      out += line('recycle:versions', 'yes');
      out += line('recycle:touch', 'yes');
    }
    if (s.timeMachine) {
      out += line('fruit:time machine', 'yes');
      out += line('fruit:metadata', 'stream');
    }
  }
  return out;
}

export interface SmbConfSection {
  name: string;
  params: [string, string][];
}

/** Sections and `key = value` pairs as Samba reads them (comments, continuations, case of keys folded). */
export function parseSmbConf(text: string): SmbConfSection[] {
  const sections: SmbConfSection[] = [];
  let current: SmbConfSection | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let raw = lines[i]!.replace(/\r$/, '');
    while (/\\$/.test(raw) && i + 1 < lines.length) raw = raw.slice(0, -1) + lines[++i]!.replace(/\r$/, '');
    const l = raw.trim();
    if (!l || l.startsWith('#') || l.startsWith(';')) continue;
    const header = /^\[([^\]]*)\]/.exec(l);
    if (header) {
      current = { name: header[1]!.trim(), params: [] };
      sections.push(current);
      continue;
    }
    const eq = l.indexOf('=');
    if (eq < 0 || !current) continue;
    current.params.push([l.slice(0, eq).trim().toLowerCase().replace(/\s+/g, ' '), l.slice(eq + 1).trim()]);
  }
  return sections;
}

const BOOL_TRUE = new Set(['yes', 'true', '1', 'on']);
const bool = (v: string): boolean => BOOL_TRUE.has(v.toLowerCase());
const words = (v: string): string[] => v.split(/[\s,]+/).filter(Boolean);

/** Parameters the renderer writes; anything else in a hand-edited file is reported, not adopted. */
const KNOWN_SHARE_PARAMS = new Set([
  'path',
  'comment',
  'available',
  'read only',
  'writeable',
  'writable',
  'browseable',
  'browsable',
  'guest ok',
  'public',
  'valid users',
  'hosts allow',
  'allow hosts',
  'hosts deny',
  'deny hosts',
  'vfs objects',
  'shadow:snapdir',
  'shadow:sort',
  'shadow:localtime',
  'shadow:format',
  'recycle:repository',
  'recycle:keeptree',
  'recycle:versions',
  'recycle:touch',
  'fruit:time machine',
  'fruit:metadata',
]);
const KNOWN_GLOBAL_PARAMS = new Set([
  'workgroup',
  'server string',
  'server min protocol',
  'min protocol',
  'server smb encrypt',
  'smb encrypt',
  'passdb backend',
  'map to guest',
  'fruit:aapl',
  'fruit:model',
]);

export interface AdoptedSmbConf {
  globals: Omit<SmbGlobals, 'extra'> & { extra: Record<string, string> };
  shares: SmbShareConf[];
  /** `section: parameter` entries that Calypso does not manage and would drop. */
  ignored: string[];
}

/** Reads a (possibly hand-edited) smb.conf back into Calypso's model, for "adopt". */
export function adoptSmbConf(text: string, defaults: Omit<SmbGlobals, 'extra'>, extraKeys: string[]): AdoptedSmbConf {
  const ignored: string[] = [];
  const globals = { ...defaults, extra: {} as Record<string, string> };
  const shares: SmbShareConf[] = [];
  const extra = new Set(extraKeys.map((k) => k.toLowerCase()));
  for (const sec of parseSmbConf(text)) {
    const p = new Map(sec.params);
    if (sec.name.toLowerCase() === 'global') {
      for (const [k, v] of sec.params) {
        if (k === 'workgroup') globals.workgroup = v;
        else if (k === 'server string') globals.serverString = v;
        else if (k === 'server min protocol' || k === 'min protocol') globals.minProtocol = v.toUpperCase() as SmbMinProtocol;
        else if (k === 'server smb encrypt' || k === 'smb encrypt') globals.encryption = v.toLowerCase() as SmbEncryption;
        else if (extra.has(k)) globals.extra[k] = v;
        else if (!KNOWN_GLOBAL_PARAMS.has(k)) ignored.push(`global: ${k}`);
      }
      continue;
    }
    for (const [k] of sec.params) if (!KNOWN_SHARE_PARAMS.has(k)) ignored.push(`${sec.name}: ${k}`);
    const valid = words(p.get('valid users') ?? '');
    const vfs = words(p.get('vfs objects') ?? '');
    const readOnly = p.has('read only')
      ? bool(p.get('read only')!)
      : p.has('writeable')
        ? !bool(p.get('writeable')!)
        : p.has('writable')
          ? !bool(p.get('writable')!)
          : true;
    shares.push({
      name: sec.name,
      path: p.get('path') ?? '',
      comment: p.get('comment') ?? '',
      enabled: p.has('available') ? bool(p.get('available')!) : true,
      readOnly,
      browseable: bool(p.get('browseable') ?? p.get('browsable') ?? 'yes'),
      guestOk: bool(p.get('guest ok') ?? p.get('public') ?? 'no'),
      validUsers: valid.filter((u) => !u.startsWith('@') && !u.startsWith('+')),
      validGroups: valid.filter((u) => u.startsWith('@') || u.startsWith('+')).map((g) => g.replace(/^[@+&]+/, '')),
      hostsAllow: words(p.get('hosts allow') ?? p.get('allow hosts') ?? ''),
      hostsDeny: words(p.get('hosts deny') ?? p.get('deny hosts') ?? ''),
      shadowCopy: vfs.includes('shadow_copy2') ? { format: p.get('shadow:format') ?? 'auto-%Y%m%d-%H%M' } : null,
      recycleBin: vfs.includes('recycle'),
      timeMachine: bool(p.get('fruit:time machine') ?? 'no'),
    });
  }
  return { globals, shares, ignored };
}
