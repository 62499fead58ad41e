/**
 * The simulated appliance's file-sharing and iSCSI tools: testparm, smbcontrol, smbstatus,
 * smbpasswd, exportfs, scstadmin and tgtadm (with getent/useradd/systemctl/truncate for the
 * accounts, units and files they need). They read and write the simulated host's files and keep
 * a little state of their own (running daemons, passdb, active exports, tgt targets) in a JSON
 * file on that host, so a demo survives a restart.
 */
import type { HostFiles, RunResult } from '../host.js';
import { parseExportEntries, type ExportEntry } from '../nfs/index.js';
import { parseSmbConf } from '../samba/conf.js';

export const SHARE_SIM_STATE = '/var/lib/calypso-sim/shares.json';

interface SimTgtLun {
  lun: number;
  path: string;
  readOnly: boolean;
}
interface SimTgtTarget {
  tid: number;
  name: string;
  luns: SimTgtLun[];
  acl: string[];
  accounts: string[];
  outgoing: string[];
}

export interface ShareSimState {
  smbdRunning: boolean;
  smbUsers: string[];
  unixUsers: string[];
  activeExports: ExportEntry[];
  scstLoaded: string | null;
  tgtTargets: SimTgtTarget[];
  tgtAccounts: string[];
  fileSizes: Record<string, number>;
  /** Symbolic links of the simulated file tree: link path -> target (absolute). */
  links: Record<string, string>;
}

export interface ShareSimContext {
  files: HostFiles;
  input?: string;
  /** Size in bytes of a simulated block device (/dev/zvol/...), or null. */
  deviceSize?: (path: string) => number | null;
}

const TOOLS = new Set([
  'testparm',
  'smbcontrol',
  'smbstatus',
  'smbpasswd',
  'exportfs',
  'scstadmin',
  'tgtadm',
  'getent',
  'useradd',
  'systemctl',
  'truncate',
  'realpath',
  'stat',
]);
const SHARE_UNITS = new Set(['smbd', 'smbd.service']);

function ok(stdout = '', stderr = ''): RunResult {
  return { code: 0, stdout, stderr };
}
function fail(stderr: string, code = 1): RunResult {
  return { code, stdout: '', stderr: stderr.endsWith('\n') ? stderr : `${stderr}\n` };
}

async function loadState(files: HostFiles): Promise<ShareSimState> {
  const text = await files.readIfExists(SHARE_SIM_STATE);
  const base: ShareSimState = {
    smbdRunning: true,
    smbUsers: [],
    unixUsers: ['root', 'nobody'],
    activeExports: [],
    scstLoaded: null,
    tgtTargets: [],
    tgtAccounts: [],
    fileSizes: {},
    links: {},
  };
  return text ? { ...base, ...(JSON.parse(text) as Partial<ShareSimState>) } : base;
}

/**
 * Answers one command if it is a sharing tool (null: not mine, let the host try its own).
 * systemctl and getent are claimed only for the units and databases sharing needs.
 */
export async function simulateShareTool(tool: string, args: string[], ctx: ShareSimContext): Promise<RunResult | null> {
  if (!TOOLS.has(tool)) return null;
  // systemctl: only its own verbs on its own units; `show`, and lists naming other units, are the simulated systemd's.
  if (tool === 'systemctl') {
    const units = args.slice(1).filter((a, i, all) => !a.startsWith('-') && all[i - 1] !== '-p');
    if (args[0] === 'show' || !units.length || !units.every((a) => SHARE_UNITS.has(a))) return null;
  }
  if (tool === 'getent' && args[0] !== 'passwd') return null;
  const state = await loadState(ctx.files);
  const before = JSON.stringify(state);
  const result = await answer(tool, args, ctx, state);
  if (JSON.stringify(state) !== before) await ctx.files.writeAtomic(SHARE_SIM_STATE, JSON.stringify(state));
  return result;
}

async function answer(tool: string, args: string[], ctx: ShareSimContext, state: ShareSimState): Promise<RunResult> {
  switch (tool) {
    case 'testparm':
      return testparm(args, ctx);
    case 'smbcontrol':
      return smbcontrol(args, state);
    case 'smbstatus':
      return smbstatus(args, ctx, state);
    case 'smbpasswd':
      return smbpasswd(args, ctx, state);
    case 'getent': {
      const name = args[1];
      return name && state.unixUsers.includes(name)
        ? ok(`${name}:x:${1000 + state.unixUsers.indexOf(name)}:100::/nonexistent:/usr/sbin/nologin\n`)
        : { code: 2, stdout: '', stderr: '' };
    }
    case 'useradd': {
      const name = args[args.length - 1]!;
      if (state.unixUsers.includes(name)) return fail(`useradd: user '${name}' already exists`, 9);
      state.unixUsers.push(name);
      return ok();
    }
    case 'systemctl':
      return systemctl(args, state);
    case 'exportfs':
      return exportfs(args, ctx, state);
    case 'scstadmin':
      return scstadmin(args, ctx, state);
    case 'tgtadm':
      return tgtadm(args, ctx, state);
    case 'truncate': {
      // GNU truncate -s [>|<]SIZE: '>' grows only ("at least"), '<' shrinks only ("at most").
      const i = args.indexOf('-s');
      const spec = /^([<>]?)(\d+)$/.exec(args[i + 1] ?? '');
      const path = resolveLinks(state, args[args.length - 1]!);
      if (i < 0 || !spec) return fail("truncate: you must specify either '--size' or '--reference'");
      const size = Number(spec[2]);
      const old = state.fileSizes[path] ?? 0;
      state.fileSizes[path] = spec[1] === '>' ? Math.max(old, size) : spec[1] === '<' ? Math.min(old, size) : size;
      return ok();
    }
    case 'realpath': {
      const path = args.filter((a) => !a.startsWith('-'))[0];
      if (!path) return fail("realpath: missing operand\nTry 'realpath --help' for more information.");
      return ok(`${resolveLinks(state, path)}\n`);
    }
    case 'stat':
      return simStat(args, ctx, state);
  }
  return fail(`${tool}: command not found`, 127);
}

/** A path with the simulated symbolic links resolved (realpath -m: missing components kept). */
function resolveLinks(state: ShareSimState, path: string): string {
  let p = path;
  for (let hops = 0; hops < 40; hops++) {
    const link = Object.keys(state.links ?? {})
      .filter((l) => p === l || p.startsWith(`${l}/`))
      .sort((a, b) => b.length - a.length)[0];
    if (!link) return p;
    p = state.links[link]! + p.slice(link.length);
  }
  return p;
}

/** stat -L -c FORMAT FILE with the %F (file type) and %s (size) directives. */
async function simStat(args: string[], ctx: ShareSimContext, state: ShareSimState): Promise<RunResult> {
  const c = args.indexOf('-c');
  const format = c >= 0 ? (args[c + 1] ?? '') : '%F:%s';
  const given = args.filter((a, i) => !a.startsWith('-') && i !== c + 1)[0];
  if (!given) return fail("stat: missing operand\nTry 'stat --help' for more information.");
  const path = resolveLinks(state, given);
  let kind: string;
  let size: number;
  const content = await ctx.files.readIfExists(path);
  if (state.fileSizes[path] !== undefined) {
    size = state.fileSizes[path]!;
    kind = size > 0 ? 'regular file' : 'regular empty file';
  } else if (content !== null) {
    size = Buffer.byteLength(content);
    kind = size > 0 ? 'regular file' : 'regular empty file';
  } else if (Object.keys(state.fileSizes).some((f) => f.startsWith(`${path}/`)) || (await ctx.files.exists(path))) {
    size = 4096;
    kind = 'directory';
  } else {
    return fail(`stat: cannot statx '${given}': No such file or directory`);
  }
  return ok(`${format.replace(/%F/g, kind).replace(/%s/g, String(size))}\n`);
}

/** Parameters the simulated testparm knows; parametric ones (module:option) are always accepted. */
const SMB_PARAMS = new Set([
  'workgroup',
  'server string',
  'server min protocol',
  'server smb encrypt',
  'passdb backend',
  'map to guest',
  'path',
  'comment',
  'available',
  'read only',
  'browseable',
  'guest ok',
  'valid users',
  'hosts allow',
  'hosts deny',
  'vfs objects',
  'smb ports',
  'interfaces',
  'bind interfaces only',
  'disable netbios',
  'private dir',
  'state directory',
  'cache directory',
  'lock directory',
  'pid directory',
  'ncalrpc dir',
  'log file',
  'log level',
  'netbios name',
  'security',
  'writeable',
  'browsable',
  'public',
]);

async function readConfigArg(path: string | undefined, ctx: ShareSimContext): Promise<string | null> {
  if (!path) return null;
  if (path === '/dev/stdin') return ctx.input ?? '';
  return ctx.files.readIfExists(path);
}

async function testparm(args: string[], ctx: ShareSimContext): Promise<RunResult> {
  const file = args.filter((a) => !a.startsWith('-'))[0] ?? '/etc/samba/smb.conf';
  const text = await readConfigArg(file, ctx);
  if (text === null) return fail(`Load smb config files from ${file}\nError loading services.`);
  let stderr = `Load smb config files from ${file}\n`;
  for (const raw of text.split('\n')) {
    const l = raw.trim();
    if (!l || l.startsWith('#') || l.startsWith(';')) continue;
    if (l.startsWith('[')) {
      if (!/^\[[^\]]+\]$/.test(l)) stderr += `Ignoring badly formed line in configuration file: ${l}\n`;
      continue;
    }
    const eq = l.indexOf('=');
    if (eq < 0) {
      stderr += `Ignoring badly formed line in configuration file: ${l}\n`;
      continue;
    }
    const key = l.slice(0, eq).trim().toLowerCase();
    if (!key.includes(':') && !SMB_PARAMS.has(key)) stderr += `Unknown parameter encountered: "${key}"\nIgnoring unknown parameter "${key}"\n`;
  }
  stderr += 'Loaded services file OK.\nWeak crypto is allowed by GnuTLS (e.g. NTLM as a compatibility fallback)\n\nServer role: ROLE_STANDALONE\n\n';
  const body = parseSmbConf(text)
    .map((s) => `[${s.name}]\n${s.params.map(([k, v]) => `\t${k} = ${v}\n`).join('')}`)
    .join('\n');
  return ok(`# Global parameters\n${body}`, stderr);
}

function smbcontrol(args: string[], state: ShareSimState): RunResult {
  const rest = args[0] === '-s' ? args.slice(2) : args;
  if (rest[0] !== 'smbd') return fail(`Can't find pid for destination '${rest[0] ?? ''}'`);
  if (!state.smbdRunning) return fail("Can't find pid for destination 'smbd'");
  if (rest[1] === 'ping') return ok('PONG from pid 1207\n');
  if (rest[1] === 'reload-config') return ok();
  return fail(`smbcontrol: unknown message type ${rest[1] ?? ''}`);
}

async function smbstatus(args: string[], ctx: ShareSimContext, state: ShareSimState): Promise<RunResult> {
  const conf = args[0] === '-s' ? args[1]! : '/etc/samba/smb.conf';
  const out: Record<string, unknown> = {
    timestamp: new Date().toISOString(),
    version: '4.17.12-Debian',
    smb_conf: conf,
    sessions: {},
    tcons: {},
    open_files: {},
  };
  const text = state.smbdRunning ? await ctx.files.readIfExists(conf) : null;
  const share = text ? parseSmbConf(text).find((s) => s.name !== 'global') : undefined;
  if (share) {
    // One demo client, so the console's sessions view has something to show.
    const server = { pid: '4211', task_id: '0', vnn: '4294967295', unique_id: '1804289383' };
    const path = share.params.find(([k]) => k === 'path')?.[1] ?? '/';
    out.sessions = {
      '3104925118': {
        session_id: '3104925118',
        server_id: server,
        uid: 1001,
        gid: 100,
        username: 'alice',
        groupname: 'users',
        remote_machine: '192.168.1.23',
        hostname: 'ipv4:192.168.1.23:50112',
        session_dialect: 'SMB3_11',
        encryption: { cipher: '-', degree: 'none' },
        signing: { cipher: 'AES-128-GMAC', degree: 'partial' },
      },
    };
    out.tcons = {
      '2911': {
        service: share.name,
        server_id: server,
        tcon_id: '2911',
        session_id: '3104925118',
        machine: '192.168.1.23',
        connected_at: new Date(Date.now() - 3600_000).toISOString(),
        encryption: { cipher: '-', degree: 'none' },
        signing: { cipher: '-', degree: 'none' },
      },
    };
    out.open_files = {
      [`${path}/Q3 report.xlsx`]: {
        service_path: path,
        filename: 'Q3 report.xlsx',
        fileid: { devid: 2049, inode: 131, extid: 0 },
        num_pending_deletes: 0,
        opens: {
          '4211/7': {
            server_id: server,
            uid: 1001,
            share_file_id: '7',
            sharemode: { hex: '0x00000003', READ: true, WRITE: true, DELETE: false, text: 'RW' },
            access_mask: { hex: '0x00000003', text: 'RW' },
            caching: {},
            oplock: {},
            lease: {},
            opened_at: new Date(Date.now() - 600_000).toISOString(),
          },
        },
      },
    };
  }
  return ok(JSON.stringify(out));
}

function smbpasswd(args: string[], ctx: ShareSimContext, state: ShareSimState): RunResult {
  const user = args[args.length - 1]!;
  if (args.includes('-x')) {
    if (!state.smbUsers.includes(user)) return fail(`Failed to find entry for user ${user}.`);
    state.smbUsers = state.smbUsers.filter((u) => u !== user);
    return ok(`Deleted user ${user}.\n`);
  }
  if (args.includes('-a')) {
    const [a, b] = (ctx.input ?? '').split('\n');
    if (!a || a !== b) return fail('Mismatch - password unchanged.\nUnable to get new password.');
    if (!state.unixUsers.includes(user)) return fail(`Failed to add entry for user ${user}.`);
    if (!state.smbUsers.includes(user)) state.smbUsers.push(user);
    return ok(`Added user ${user}.\n`);
  }
  return fail('smbpasswd: unsupported options in the simulated appliance');
}

function systemctl(args: string[], state: ShareSimState): RunResult {
  const verb = args[0];
  if (verb === 'is-active') return state.smbdRunning ? ok('active\n') : { code: 3, stdout: 'inactive\n', stderr: '' };
  if (verb === 'start' || verb === 'restart' || (verb === 'enable' && args.includes('--now'))) state.smbdRunning = true;
  else if (verb === 'stop' || (verb === 'disable' && args.includes('--now'))) state.smbdRunning = false;
  else if (verb !== 'enable' && verb !== 'disable' && verb !== 'reload') return fail(`Unknown command verb ${verb ?? ''}.`);
  return ok();
}

async function exportfs(args: string[], ctx: ShareSimContext, state: ShareSimState): Promise<RunResult> {
  if (args.includes('-v') || args.includes('-s')) {
    const lines = state.activeExports.map((e) => {
      const opts = [
        'sync',
        'wdelay',
        'hide',
        ...e.options.filter((o) => o === 'no_subtree_check' || o.startsWith('anon')),
        ...e.options.filter((o) => o.startsWith('sec=')),
        e.options.includes('rw') ? 'rw' : 'ro',
        e.options.includes('no_root_squash') ? 'no_root_squash' : 'root_squash',
        e.options.includes('all_squash') ? 'all_squash' : 'no_all_squash',
      ];
      const sep = e.path.length > 15 ? '\n\t\t' : `${' '.repeat(Math.max(1, 16 - e.path.length))}\t`;
      return `${e.path}${args.includes('-s') ? '  ' : sep}${e.client}(${opts.join(',')})\n`;
    });
    return ok(lines.join(''));
  }
  if (!args.includes('-ra') && !args.includes('-r')) return fail('exportfs: only -ra and -v are simulated');
  const texts = [await ctx.files.readIfExists('/etc/exports')];
  for (const f of await ctx.files.list('/etc/exports.d')) if (f.endsWith('.exports')) texts.push(await ctx.files.readIfExists(`/etc/exports.d/${f}`));
  const entries: ExportEntry[] = [];
  const known =
    /^(ro|rw|root_squash|all_squash|no_root_squash|no_all_squash|no_subtree_check|subtree_check|sync|async|secure|insecure|sec=[a-z0-9:]+|anonuid=\d+|anongid=\d+|fsid=\S+|crossmnt|nohide|hide|wdelay|no_wdelay)$/;
  for (const text of texts) {
    if (!text) continue;
    for (const e of parseExportEntries(text)) {
      const bad = e.options.find((o) => !known.test(o));
      if (bad) return fail(`exportfs: ${e.path}: unknown keyword "${bad}"`);
      if (!e.path.startsWith('/')) return fail(`exportfs: Invalid export path: ${e.path}`);
      entries.push(e);
    }
  }
  state.activeExports = entries;
  return ok();
}

async function scstadmin(args: string[], ctx: ShareSimContext, state: ShareSimState): Promise<RunResult> {
  const at = args.findIndex((a) => a === '-config' || a === '-check_config');
  if (at < 0) return fail('scstadmin: only -config and -check_config are simulated');
  const path = args[at + 1];
  const text = path ? await ctx.files.readIfExists(path) : null;
  if (text === null) return fail(`FATAL: Unable to open specified configuration file ${path ?? ''}: No such file or directory`, 2);
  let depth = 0;
  for (const [n, raw] of text.split('\n').entries()) {
    const l = raw.replace(/#.*$/, '').trim();
    if (!l) continue;
    if (l.endsWith('{')) depth++;
    else if (l === '}') depth--;
    if (depth < 0) return fail(`FATAL: Parse error in configuration file ${path}, line ${n + 1}: unbalanced '}'`, 2);
  }
  if (depth !== 0) return fail(`FATAL: Parse error in configuration file ${path}: missing '}'`, 2);
  if (args[at] === '-check_config')
    return ok('\nCollecting current configuration: done.\n\nChecking configuration file... done.\n\t(No warnings found.)\n\nAll done.\n');
  state.scstLoaded = text;
  return ok('\nCollecting current configuration: done.\n\n-> Applying configuration.\n\nAll done.\n');
}

function tgtShow(state: ShareSimState, ctx: ShareSimContext): string {
  let out = '';
  for (const t of [...state.tgtTargets].sort((a, b) => a.tid - b.tid)) {
    out += `Target ${t.tid}: ${t.name}\n    System information:\n        Driver: iscsi\n        State: ready\n    I_T nexus information:\n    LUN information:\n`;
    const lu = (n: number, type: string, size: number, ro: boolean, bsType: string, path: string) =>
      `        LUN: ${n}\n            Type: ${type}\n            SCSI ID: IET     ${String(t.tid).padStart(4, '0')}${String(n).padStart(4, '0')}\n            SCSI SN: beaf${t.tid}${n}\n` +
      `            Size: ${Math.floor(size / 1000 / 1000)} MB, Block size: ${type === 'controller' ? 1 : 512}\n            Online: Yes\n            Removable media: No\n            Prevent removal: No\n` +
      `            Readonly: ${ro ? 'Yes' : 'No'}\n            SWP: No\n            Thin-provisioning: No\n            Backing store type: ${bsType}\n            Backing store path: ${path}\n            Backing store flags: \n`;
    out += lu(0, 'controller', 0, false, 'null', 'None');
    for (const l of t.luns) out += lu(l.lun, 'disk', ctx.deviceSize?.(l.path) ?? state.fileSizes[l.path] ?? 0, l.readOnly, 'rdwr', l.path);
    out += '    Account information:\n';
    for (const a of t.accounts) out += `        ${a}\n`;
    for (const a of t.outgoing) out += `        ${a} (outgoing)\n`;
    out += '    ACL information:\n';
    for (const a of t.acl) out += `        ${a}\n`;
  }
  return out;
}

function tgtadm(argv: string[], ctx: ShareSimContext, state: ShareSimState): RunResult {
  const opt = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const mode = opt('--mode');
  const op = opt('--op');
  const tid = Number(opt('--tid'));
  const target = state.tgtTargets.find((t) => t.tid === tid);
  const invalid = fail('tgtadm: invalid request', 22);
  const noTarget = fail("tgtadm: can't find the target", 22);
  if (mode === 'target') {
    if (op === 'show') return ok(tgtShow(state, ctx));
    if (op === 'new') {
      const name = opt('--targetname');
      if (!name || target || state.tgtTargets.some((t) => t.name === name)) return fail('tgtadm: this target already exists', 22);
      state.tgtTargets.push({ tid, name, luns: [], acl: [], accounts: [], outgoing: [] });
      return ok();
    }
    if (!target) return noTarget;
    if (op === 'delete') {
      state.tgtTargets = state.tgtTargets.filter((t) => t !== target);
      return ok();
    }
    if (op === 'bind') {
      const who = opt('--initiator-address') ?? opt('--initiator-name');
      if (!who) return invalid;
      if (!target.acl.includes(who)) target.acl.push(who);
      return ok();
    }
    return invalid;
  }
  if (mode === 'logicalunit') {
    if (!target) return noTarget;
    const lun = Number(opt('--lun'));
    if (op === 'new') {
      const path = opt('--backing-store');
      if (!path || lun === 0 || target.luns.some((l) => l.lun === lun)) return fail('tgtadm: this logical unit number already exists', 22);
      target.luns.push({ lun, path, readOnly: false });
      return ok();
    }
    const l = target.luns.find((x) => x.lun === lun);
    if (!l) return fail("tgtadm: can't find the logical unit", 22);
    if (op === 'update') {
      l.readOnly = opt('--params') === 'readonly=1';
      return ok();
    }
    if (op === 'delete') {
      target.luns = target.luns.filter((x) => x !== l);
      return ok();
    }
    return invalid;
  }
  if (mode === 'account') {
    const user = opt('--user');
    if (op === 'show') return ok(`Account list:\n${state.tgtAccounts.map((a) => `    ${a}\n`).join('')}`);
    if (!user) return invalid;
    if (op === 'new') {
      if (state.tgtAccounts.includes(user)) return fail('tgtadm: this account already exists', 22);
      state.tgtAccounts.push(user);
      return ok();
    }
    if (op === 'delete') {
      if (!state.tgtAccounts.includes(user)) return fail("tgtadm: can't find the account", 22);
      state.tgtAccounts = state.tgtAccounts.filter((a) => a !== user);
      for (const t of state.tgtTargets) {
        t.accounts = t.accounts.filter((a) => a !== user);
        t.outgoing = t.outgoing.filter((a) => a !== user);
      }
      return ok();
    }
    if (op === 'bind') {
      if (!target) return noTarget;
      if (!state.tgtAccounts.includes(user)) return fail("tgtadm: can't find the account", 22);
      (argv.includes('--outgoing') ? target.outgoing : target.accounts).push(user);
      return ok();
    }
  }
  return invalid;
}

/** Whether the simulated smbd runs (the simulated systemd shows smbd.service from this). */
export async function simulatedSmbdRunning(files: HostFiles): Promise<boolean> {
  return (await loadState(files)).smbdRunning;
}
