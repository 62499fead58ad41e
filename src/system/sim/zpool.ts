import type { RunResult } from '../host.js';
import { validateZfsName } from '../../vocabulary/zfs-names.js';
import { ctime, niceBytes, niceNumber, secondsToDhms } from '../zfs/format.js';
import { byIdName, getopt, ok, partitionPath, shortDeviceName, ToolExit } from './common.js';
import { newGuid, newLeaf } from './model.js';
import type { SimDataset, SimDisk, SimGroup, SimLeaf, SimPool, SimVdev } from './model.js';
import { groupTypeName, isLeaf, leaves, poolState, scanProgress, SimState, vdevState } from './state.js';

export interface SimContext {
  state: SimState;
  now: number;
}

const LIST_COLUMNS = ['name', 'size', 'allocated', 'free', 'checkpoint', 'expandsize', 'fragmentation', 'capacity', 'dedupratio', 'health', 'altroot'];
const POOL_PROP_ALIASES: Record<string, string> = {
  alloc: 'allocated',
  cap: 'capacity',
  frag: 'fragmentation',
  dedup: 'dedupratio',
  expandsz: 'expandsize',
  ckpoint: 'checkpoint',
  rdonly: 'readonly',
};
const POOL_GET_ORDER = [
  'size',
  'capacity',
  'altroot',
  'health',
  'guid',
  'version',
  'bootfs',
  'delegation',
  'autoreplace',
  'cachefile',
  'failmode',
  'listsnapshots',
  'autoexpand',
  'dedupratio',
  'free',
  'allocated',
  'readonly',
  'ashift',
  'comment',
  'expandsize',
  'freeing',
  'fragmentation',
  'leaked',
  'multihost',
  'checkpoint',
  'load_guid',
  'autotrim',
  'compatibility',
  'bcloneused',
  'bclonesaved',
  'bcloneratio',
];
const SETTABLE_POOL_PROPS = new Set([
  'autoreplace',
  'autoexpand',
  'autotrim',
  'comment',
  'failmode',
  'listsnapshots',
  'delegation',
  'cachefile',
  'bootfs',
  'multihost',
  'compatibility',
  'ashift',
]);

function findDisk(state: SimState, arg: string): { disk: SimDisk; path: string } | null {
  for (const disk of state.model.disks) {
    if (arg === disk.name || arg === `/dev/${disk.name}`) return { disk, path: `/dev/${disk.name}` };
    if (arg === `/dev/disk/by-id/${byIdName(disk)}` || arg === byIdName(disk)) return { disk, path: `/dev/disk/by-id/${byIdName(disk)}` };
    if (disk.tran !== 'nvme' && (arg === `/dev/disk/by-id/wwn-${disk.wwn}` || arg === `wwn-${disk.wwn}`))
      return { disk, path: `/dev/disk/by-id/wwn-${disk.wwn}` };
    // udev names an NVMe namespace by its EUI-64 or NGUID: nvme-eui.002538b311b0c1a2.
    if (disk.tran === 'nvme' && (arg === `/dev/disk/by-id/nvme-${disk.wwn}` || arg === `nvme-${disk.wwn}`))
      return { disk, path: `/dev/disk/by-id/nvme-${disk.wwn}` };
  }
  return null;
}

/** The pool (imported or exported) holding a disk, and whether as a spare. */
export function diskOwner(state: SimState, diskName: string): { pool: SimPool; spare: boolean } | null {
  for (const pool of state.model.pools) {
    if (pool.spares.some((l) => l.disk === diskName)) return { pool, spare: true };
    const all = [...pool.vdevs, ...pool.logs, ...pool.special, ...pool.dedup, ...pool.cache];
    for (const l of leaves(all)) if (l.disk === diskName) return { pool, spare: false };
  }
  return null;
}

function requirePool(ctx: SimContext, name: string | undefined): SimPool {
  if (name === undefined) throw new ToolExit('missing pool name argument', 2);
  const pool = ctx.state.pool(name);
  if (!pool) throw new ToolExit(`cannot open '${name}': no such pool`);
  return pool;
}

function leafName(leaf: SimLeaf, fullPaths: boolean): string {
  if (leaf.aux === 'missing') return leaf.guid;
  return fullPaths ? partitionPath(leaf.path) : shortDeviceName(leaf.path);
}

/** Finds a leaf by any name zpool accepts for it: short, full, partition, by-id, GUID. */
function findLeaf(ctx: SimContext, pool: SimPool, arg: string): { leaf: SimLeaf; parent: SimGroup | null; siblings: SimVdev[] } | null {
  const matches = (l: SimLeaf): boolean => {
    if (arg === l.guid) return true;
    const names = [l.path, partitionPath(l.path), shortDeviceName(l.path), shortDeviceName(partitionPath(l.path))];
    if (names.includes(arg)) return true;
    const found = findDisk(ctx.state, arg);
    return found !== null && found.disk.name === l.disk;
  };
  const visit = (list: SimVdev[], parent: SimGroup | null): ReturnType<typeof findLeaf> => {
    for (const v of list) {
      if (isLeaf(v)) {
        if (matches(v)) return { leaf: v, parent, siblings: list };
      } else {
        const r = visit(v.children, v);
        if (r) return r;
      }
    }
    return null;
  };
  return visit([...pool.vdevs, ...pool.logs, ...pool.special, ...pool.dedup], null) ?? visit(pool.cache, null) ?? visit(pool.spares, null);
}

interface StatusOptions {
  fullPaths: boolean;
  literal: boolean;
}

function counter(n: number, literal: boolean): string {
  return (literal ? String(n) : niceNumber(n)).padStart(5);
}

function statusReason(pool: SimPool): { status: string; action: string; see?: string } | null {
  const all = [...leaves([...pool.vdevs, ...pool.logs, ...pool.special, ...pool.dedup])];
  const state = poolState(pool);
  if (pool.scan?.func === 'resilver' && pool.scan.state === 'scanning') {
    return {
      status: 'One or more devices is currently being resilvered.  The pool will\n\tcontinue to function, possibly in a degraded state.',
      action: 'Wait for the resilver to complete.',
    };
  }
  if (all.some((l) => l.state === 'FAULTED')) {
    if (state === 'UNAVAIL') {
      return {
        status: 'One or more devices are faulted in response to persistent errors.  There are insufficient replicas for the pool to\n\tcontinue functioning.',
        action:
          "Destroy and re-create the pool from a backup source.  Manually marking the device\n\trepaired using 'zpool clear' may allow some data to be recovered.",
      };
    }
    return {
      status:
        'One or more devices are faulted in response to persistent errors.\n\tSufficient replicas exist for the pool to continue functioning in a\n\tdegraded state.',
      action: "Replace the faulted device, or use 'zpool clear' to mark the device\n\trepaired.",
    };
  }
  if (all.some((l) => l.state === 'UNAVAIL')) {
    if (state === 'UNAVAIL') {
      return {
        status: 'One or more devices could not be opened.  There are insufficient\n\treplicas for the pool to continue functioning.',
        action: "Attach the missing device and online it using 'zpool online'.",
        see: 'https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-3C',
      };
    }
    return {
      status: 'One or more devices could not be opened.  Sufficient replicas exist for\n\tthe pool to continue functioning in a degraded state.',
      action: "Attach the missing device and online it using 'zpool online'.",
      see: 'https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-2Q',
    };
  }
  if (all.some((l) => l.state === 'OFFLINE')) {
    return {
      status:
        'One or more devices has been taken offline by the administrator.\n\tSufficient replicas exist for the pool to continue functioning in a\n\tdegraded state.',
      action: "Online the device using 'zpool online' or replace the device with\n\t'zpool replace'.",
    };
  }
  if (all.some((l) => l.read + l.write + l.cksum > 0)) {
    return {
      status: 'One or more devices has experienced an unrecoverable error.  An\n\tattempt was made to correct the error.  Applications are unaffected.',
      action: "Determine if the device needs to be replaced, and clear the errors\n\tusing 'zpool clear' or replace the device with 'zpool replace'.",
      see: 'https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-9P',
    };
  }
  return null;
}

function scanLines(ctx: SimContext, pool: SimPool): string {
  const scan = pool.scan;
  if (!scan) return '  scan: none requested\n';
  const start = new Date(scan.startMs);
  if (scan.state === 'finished') {
    const end = new Date(scan.endMs ?? scan.startMs);
    const took = secondsToDhms(((scan.endMs ?? scan.startMs) - scan.startMs) / 1000);
    if (scan.func === 'scrub') return `  scan: scrub repaired ${niceBytes(scan.repairedBytes)} in ${took} with ${scan.errors} errors on ${ctime(end)}\n`;
    return `  scan: resilvered ${niceBytes(scan.repairedBytes)} in ${took} with ${scan.errors} errors on ${ctime(end)}\n`;
  }
  if (scan.state === 'canceled') return `  scan: ${scan.func} canceled on ${ctime(new Date(scan.endMs ?? ctx.now))}\n`;
  const p = scanProgress(scan, ctx.now);
  let out: string;
  if (p.paused) out = `  scan: scrub paused since ${ctime(new Date(scan.pausedAtMs!))}\n\tscrub started on ${ctime(start)}\n`;
  else out = `  scan: ${scan.func} in progress since ${ctime(start)}\n`;
  const elapsed = Math.max(1, Math.floor(p.elapsedMs / 1000));
  const scanRate = Math.floor(p.scanned / elapsed);
  const issueRate = Math.floor(p.issued / elapsed);
  const total = niceBytes(scan.totalBytes);
  out += `\t${niceBytes(p.scanned)} / ${total} scanned`;
  if (!p.paused && scanRate > 0) out += ` at ${niceBytes(scanRate)}/s`;
  out += `, ${niceBytes(p.issued)} / ${total} issued`;
  if (!p.paused && issueRate > 0) out += ` at ${niceBytes(issueRate)}/s`;
  out += '\n';
  const repaired = Math.floor(scan.repairedBytes * p.fraction);
  out += `\t${niceBytes(repaired)} ${scan.func === 'scrub' ? 'repaired' : 'resilvered'}, ${(100 * p.fraction).toFixed(2)}% done`;
  if (!p.paused) {
    const estimable = scan.totalBytes >= p.issued && issueRate >= 10 * 1024 * 1024 && (scan.func === 'scrub' ? p.issued > 0 : repaired > 0);
    out += estimable ? `, ${secondsToDhms((scan.totalBytes - p.issued) / issueRate)} to go\n` : ', no estimated completion time\n';
  } else {
    out += '\n';
  }
  return out;
}

interface Row {
  depth: number;
  name: string;
  state: string;
  counters: [number, number, number] | null;
  note: string;
}

function vdevRows(ctx: SimContext, pool: SimPool, v: SimVdev, depth: number, id: number, opts: StatusOptions, rows: Row[], spareSection = false): void {
  if (isLeaf(v)) {
    let state: string = v.state;
    let note = '';
    if (spareSection) {
      const inUse = [...leaves([...pool.vdevs, ...pool.logs, ...pool.special])].some((l) => l.disk === v.disk);
      state = inUse ? 'INUSE' : v.state === 'ONLINE' ? 'AVAIL' : v.state;
      if (inUse) note = 'currently in use';
    } else if (v.aux === 'missing') {
      note = `was ${partitionPath(v.path)}`;
    } else if (v.aux === 'errors' && v.state === 'FAULTED') {
      note = 'too many errors';
    } else if (v.resilvering && pool.scan?.func === 'resilver' && pool.scan.state === 'scanning') {
      note = '(resilvering)';
    }
    rows.push({ depth, name: leafName(v, opts.fullPaths), state, counters: spareSection ? null : [v.read, v.write, v.cksum], note });
    return;
  }
  const state = vdevState(v);
  rows.push({ depth, name: `${groupTypeName(v)}-${id}`, state, counters: [0, 0, 0], note: state === 'UNAVAIL' ? 'insufficient replicas' : '' });
  v.children.forEach((c, i) => vdevRows(ctx, pool, c, depth + 2, i, opts, rows));
}

function formatPoolStatus(ctx: SimContext, pool: SimPool, opts: StatusOptions): string {
  const state = poolState(pool);
  let out = `  pool: ${pool.name}\n state: ${state}\n`;
  const reason = statusReason(pool);
  if (reason) {
    out += `status: ${reason.status}\naction: ${reason.action}\n`;
    if (reason.see) out += `   see: ${reason.see}\n`;
  }
  out += scanLines(ctx, pool);
  const rows: Row[] = [{ depth: 0, name: pool.name, state, counters: [0, 0, 0], note: state === 'UNAVAIL' ? 'insufficient replicas' : '' }];
  let topId = 0;
  pool.vdevs.forEach((v) => vdevRows(ctx, pool, v, 2, topId++, opts, rows));
  const classes: [string, SimVdev[]][] = [
    ['dedup', pool.dedup],
    ['special', pool.special],
    ['logs', pool.logs],
  ];
  const headerRows = new Map<number, string>();
  for (const [label, list] of classes) {
    if (list.length === 0) continue;
    headerRows.set(rows.length, `\t${label}\t\n`);
    list.forEach((v) => vdevRows(ctx, pool, v, 2, topId++, opts, rows));
  }
  if (pool.cache.length > 0) {
    headerRows.set(rows.length, '\tcache\n');
    pool.cache.forEach((v, i) => vdevRows(ctx, pool, v, 2, i, opts, rows));
  }
  if (pool.spares.length > 0) {
    headerRows.set(rows.length, '\tspares\n');
    pool.spares.forEach((v, i) => vdevRows(ctx, pool, v, 2, i, opts, rows, true));
  }
  const width = Math.max(10, ...rows.map((r) => r.name.length + r.depth));
  out += 'config:\n\n';
  out += `\t${'NAME'.padEnd(width)}  ${'STATE'.padEnd(8)} ${'READ'.padStart(5)} ${'WRITE'.padStart(5)} ${'CKSUM'.padStart(5)}\n`;
  rows.forEach((r, i) => {
    const header = headerRows.get(i);
    if (header) out += header;
    let line = `\t${' '.repeat(r.depth)}${r.name.padEnd(width - r.depth)}  ${r.state.padEnd(8)}`;
    if (r.counters) line += ` ${counter(r.counters[0], opts.literal)} ${counter(r.counters[1], opts.literal)} ${counter(r.counters[2], opts.literal)}`;
    if (r.note) line += `  ${r.note}`;
    out += `${line.replace(/\s+$/, '')}\n`;
  });
  out += '\nerrors: No known data errors\n';
  return out;
}

/** Moves finished scans to their final state; called before every command. */
export function settleScans(ctx: SimContext): boolean {
  let changed = false;
  for (const pool of ctx.state.model.pools) {
    const scan = pool.scan;
    if (!scan || scan.state !== 'scanning') continue;
    const p = scanProgress(scan, ctx.now);
    if (!p.done) continue;
    scan.state = 'finished';
    scan.endMs = scan.startMs + scan.pausedTotalMs + scan.durationMs;
    changed = true;
    if (scan.func === 'resilver') finishResilver(pool);
  }
  return changed;
}

function finishResilver(pool: SimPool): void {
  const fix = (list: SimVdev[]): SimVdev[] =>
    list.map((v) => {
      if (isLeaf(v)) {
        delete v.resilvering;
        return v;
      }
      v.children = fix(v.children);
      if (v.kind === 'replacing') {
        // The old device leaves once the new one holds a full copy.
        const last = v.children[v.children.length - 1]!;
        return last;
      }
      return v;
    });
  pool.vdevs = fix(pool.vdevs);
  pool.logs = fix(pool.logs);
  pool.special = fix(pool.special);
}

export function startResilver(ctx: SimContext, pool: SimPool): void {
  const total = ctx.state.poolAllocated(pool);
  const width = Math.max(1, [...leaves(pool.vdevs)].length);
  pool.scan = {
    func: 'resilver',
    state: 'scanning',
    startMs: ctx.now,
    pausedTotalMs: 0,
    durationMs: 10_000,
    totalBytes: total,
    repairedBytes: Math.floor(total / width),
    errors: 0,
  };
}

function zpoolStatus(ctx: SimContext, args: string[]): RunResult {
  const o = getopt(args, 'igLpPsvxDtT', 'cT', 'usage:\n\tstatus [-c [script1,script2,...]] [-igLpPstvxD]  [-T d|u] [pool] ... \n\t    [interval [count]]');
  const pools = o.operands.length > 0 ? o.operands.map((n) => requirePool(ctx, n)) : ctx.state.model.pools.filter((p) => !p.exported);
  if (pools.length === 0) return ok('no pools available\n');
  const opts = { fullPaths: o.flags.has('P'), literal: o.flags.has('p') };
  if (o.flags.has('x')) {
    const sick = pools.filter((p) => poolState(p) !== 'ONLINE' || statusReason(p));
    if (sick.length === 0) return ok(o.operands.length > 0 ? pools.map((p) => `pool '${p.name}' is healthy\n`).join('') : 'all pools are healthy\n');
    return ok(sick.map((p) => formatPoolStatus(ctx, p, opts)).join('\n'));
  }
  return ok(pools.map((p) => formatPoolStatus(ctx, p, opts)).join('\n'));
}

function poolProp(ctx: SimContext, pool: SimPool, prop: string, literal: boolean): { value: string; source: string } | null {
  const { size } = ctx.state.poolSizes(pool);
  const alloc = ctx.state.poolAllocated(pool);
  const num = (n: number): string => (literal ? String(n) : niceNumber(n));
  const local = pool.props[prop];
  switch (prop) {
    case 'name':
      return { value: pool.name, source: '-' };
    case 'size':
      return { value: num(size), source: '-' };
    case 'allocated':
      return { value: num(alloc), source: '-' };
    case 'free':
      return { value: num(size - alloc), source: '-' };
    case 'capacity':
      return { value: literal ? String(Math.round((alloc / size) * 100)) : `${Math.round((alloc / size) * 100)}%`, source: '-' };
    case 'fragmentation':
      return { value: literal ? String(pool.fragmentation) : `${pool.fragmentation}%`, source: '-' };
    case 'dedupratio':
      return { value: literal ? '1.00' : '1.00x', source: '-' };
    case 'health':
      return { value: poolState(pool), source: '-' };
    case 'guid':
    case 'load_guid':
      return { value: pool.guid, source: '-' };
    case 'altroot':
      return { value: pool.props['altroot'] ?? '-', source: pool.props['altroot'] ? 'local' : 'default' };
    case 'checkpoint':
    case 'expandsize':
      return { value: '-', source: '-' };
    case 'freeing':
    case 'leaked':
    case 'bcloneused':
    case 'bclonesaved':
      return { value: '0', source: '-' };
    case 'bcloneratio':
      return { value: literal ? '1.00' : '1.00x', source: '-' };
    case 'version':
      return { value: '-', source: 'default' };
    case 'readonly':
      return { value: 'off', source: '-' };
    case 'ashift':
      return { value: local ?? '0', source: local ? 'local' : 'default' };
    case 'compatibility':
      return { value: local ?? 'off', source: local ? 'local' : 'default' };
  }
  const defaults: Record<string, string> = {
    bootfs: '-',
    delegation: 'on',
    autoreplace: 'off',
    cachefile: '-',
    failmode: 'wait',
    listsnapshots: 'off',
    autoexpand: 'off',
    comment: '-',
    multihost: 'off',
    autotrim: 'off',
  };
  if (!(prop in defaults)) return null;
  return local !== undefined && local !== defaults[prop] ? { value: local, source: 'local' } : { value: defaults[prop]!, source: 'default' };
}

function zpoolList(ctx: SimContext, args: string[]): RunResult {
  const o = getopt(args, 'gHLpPv', 'oT', 'usage:\n\tlist [-gHLpPv] [-o property[,...]] [-T d|u] [pool] ... \n\t    [interval [count]]');
  const columns = (o.values.get('o')?.join(',').split(',') ?? LIST_COLUMNS).map((c) => POOL_PROP_ALIASES[c] ?? c);
  for (const c of columns) {
    if (!['name', ...POOL_GET_ORDER].includes(c))
      throw new ToolExit(
        `bad property list: invalid property '${c}'\nusage:\n\tlist [-gHLpPv] [-o property[,...]] [-T d|u] [pool] ... \n\t    [interval [count]]`,
        2,
      );
  }
  const pools = o.operands.length > 0 ? o.operands.map((n) => requirePool(ctx, n)) : ctx.state.model.pools.filter((p) => !p.exported);
  if (pools.length === 0) return ok('', 'no pools available\n');
  const literal = o.flags.has('p');
  const rows = pools.map((p) => columns.map((c) => poolProp(ctx, p, c, literal)?.value ?? '-'));
  if (o.flags.has('H')) return ok(rows.map((r) => `${r.join('\t')}\n`).join(''));
  const header = columns.map((c) =>
    c
      .toUpperCase()
      .replace('ALLOCATED', 'ALLOC')
      .replace('CAPACITY', 'CAP')
      .replace('FRAGMENTATION', 'FRAG')
      .replace('DEDUPRATIO', 'DEDUP')
      .replace('CHECKPOINT', 'CKPOINT')
      .replace('EXPANDSIZE', 'EXPANDSZ'),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (cells: string[]): string =>
    cells
      .map((c, i) => (i === 0 || columns[i] === 'health' || columns[i] === 'altroot' ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .replace(/\s+$/, '');
  return ok([fmt(header), ...rows.map(fmt)].join('\n') + '\n');
}

function zpoolGet(ctx: SimContext, args: string[]): RunResult {
  const o = getopt(args, 'Hp', 'o', 'usage:\n\tget [-Hp] [-o "all" | field[,...]] <"all" | property[,...]> <pool> ...');
  const [propArg, ...poolNames] = o.operands;
  if (propArg === undefined)
    throw new ToolExit('missing property argument\nusage:\n\tget [-Hp] [-o "all" | field[,...]] <"all" | property[,...]> <pool> ...', 2);
  const fields = o.values.get('o')?.join(',').split(',') ?? ['name', 'property', 'value', 'source'];
  const pools = poolNames.length > 0 ? poolNames.map((n) => requirePool(ctx, n)) : ctx.state.model.pools.filter((p) => !p.exported);
  const props = propArg === 'all' ? POOL_GET_ORDER : propArg.split(',').map((p) => POOL_PROP_ALIASES[p] ?? p);
  const lines: string[][] = [];
  for (const pool of pools) {
    for (const prop of props) {
      const v = poolProp(ctx, pool, prop, o.flags.has('p'));
      if (!v) throw new ToolExit(`bad property list: invalid property '${prop}'`, 2);
      const row: Record<string, string> = { name: pool.name, property: prop, value: v.value, source: v.source };
      lines.push(fields.map((f) => row[f] ?? '-'));
    }
  }
  return ok(lines.map((l) => `${l.join(o.flags.has('H') ? '\t' : '  ')}\n`).join(''));
}

function zpoolSet(ctx: SimContext, args: string[]): RunResult {
  const [assignment, poolName] = args;
  if (!assignment || !poolName) throw new ToolExit('missing property=value argument\nusage:\n\tset <property=value> <pool>', 2);
  const eq = assignment.indexOf('=');
  if (eq < 0) throw new ToolExit(`missing value in property=value argument\nusage:\n\tset <property=value> <pool>`, 2);
  const pool = requirePool(ctx, poolName);
  const prop = assignment.slice(0, eq);
  const value = assignment.slice(eq + 1);
  if (!SETTABLE_POOL_PROPS.has(prop)) {
    if (poolProp(ctx, pool, prop, true)) throw new ToolExit(`cannot set property for '${pool.name}': property '${prop}' is readonly`);
    throw new ToolExit(`cannot set property for '${pool.name}': invalid property '${prop}'`);
  }
  if (['autoreplace', 'autoexpand', 'autotrim', 'listsnapshots', 'delegation', 'multihost'].includes(prop) && !['on', 'off'].includes(value)) {
    throw new ToolExit(`cannot set property for '${pool.name}': property '${prop}' must be one of 'on | off'`);
  }
  pool.props[prop] = value;
  return ok();
}

type VdevSpec = Pick<SimPool, 'vdevs' | 'logs' | 'special' | 'dedup' | 'cache' | 'spares'>;

const GROUP_RE = /^(mirror|raidz[123]?|draid[123]?(?::\d+[dcs])*)$/;

function parseVdevSpec(ctx: SimContext, tokens: string[], force: boolean, forPool: string | null): VdevSpec {
  const spec: VdevSpec = { vdevs: [], logs: [], special: [], dedup: [], cache: [], spares: [] };
  let section: keyof VdevSpec = 'vdevs';
  let i = 0;
  const errors: string[] = [];
  const seen = new Set<string>();
  const device = (arg: string): SimLeaf => {
    const found = findDisk(ctx.state, arg);
    if (!found) throw new ToolExit(`cannot open '${arg}': no such device in /dev\nmust be a full path or shorthand device name`);
    if (seen.has(found.disk.name)) {
      throw new ToolExit(
        `cannot create '${forPool ?? ''}': one or more vdevs refer to the same device, or one of\nthe devices is part of an active md or lvm device`,
      );
    }
    seen.add(found.disk.name);
    const owner = diskOwner(ctx.state, found.disk.name);
    if (owner && !(section === 'spares' && owner.spare)) {
      const what = owner.pool.exported ? 'exported' : 'active';
      if (!owner.pool.exported || !force) errors.push(`${partitionPath(found.path)} is part of ${what} pool '${owner.pool.name}'`);
    }
    return newLeaf(found.disk.name, found.path);
  };
  while (i < tokens.length) {
    const t = tokens[i]!;
    if (t === 'log' || t === 'logs') {
      section = 'logs';
      i++;
      continue;
    }
    if (t === 'cache') {
      section = 'cache';
      i++;
      continue;
    }
    if (t === 'spare') {
      section = 'spares';
      i++;
      continue;
    }
    if (t === 'special') {
      section = 'special';
      i++;
      continue;
    }
    if (t === 'dedup') {
      section = 'dedup';
      i++;
      continue;
    }
    const group = GROUP_RE.exec(t);
    if (group) {
      if (section === 'cache' || section === 'spares')
        throw new ToolExit(`invalid vdev specification: ${section === 'cache' ? 'cache' : 'spare'} devices must be disks or files`);
      i++;
      const members: SimLeaf[] = [];
      while (i < tokens.length && !GROUP_RE.test(tokens[i]!) && !['log', 'logs', 'cache', 'spare', 'special', 'dedup'].includes(tokens[i]!))
        members.push(device(tokens[i++]!));
      let g: SimGroup;
      if (t === 'mirror') {
        if (members.length < 2) throw new ToolExit(`invalid vdev specification: mirror requires at least 2 devices`);
        g = { kind: 'mirror', children: members };
      } else if (t.startsWith('raidz')) {
        const parity = Number(t.slice(5) || '1');
        if (members.length < parity + 1) throw new ToolExit(`invalid vdev specification: ${t} requires at least ${parity + 1} devices`);
        g = { kind: 'raidz', parity, children: members };
      } else {
        const m = /^draid([123]?)((?::\d+[dcs])*)$/.exec(t)!;
        const parity = Number(m[1] || '1');
        const opts = Object.fromEntries([...m[2]!.matchAll(/:(\d+)([dcs])/g)].map((x) => [x[2]!, Number(x[1])]));
        const spares = opts['s'] ?? 0;
        const data = opts['d'] ?? Math.min(8, members.length - parity - spares);
        const children = opts['c'] ?? members.length;
        if (children !== members.length) throw new ToolExit(`invalid number of dRAID children; ${children} required but ${members.length} provided`);
        if (members.length < parity + data + spares) throw new ToolExit(`invalid vdev specification: ${t} requires at least ${parity + data + spares} devices`);
        g = { kind: 'draid', parity, draid: { data, children, spares }, children: members };
      }
      (spec[section] as SimVdev[]).push(g);
      continue;
    }
    const l = device(t);
    (spec[section] as SimVdev[]).push(l);
    i++;
  }
  if (errors.length > 0) {
    const overridable = errors.every((e) => e.includes('exported pool'));
    throw new ToolExit(
      `invalid vdev specification\n${force || !overridable ? 'the following errors must be manually repaired:' : "use '-f' to override the following errors:"}\n${errors.join('\n')}`,
    );
  }
  const kinds = new Set(spec.vdevs.map((v) => (isLeaf(v) ? 'disk' : groupTypeName(v).replace(/:.*/, ''))));
  if (kinds.size > 1 && !force) {
    const [a, b] = [...kinds];
    throw new ToolExit(
      `invalid vdev specification\nuse '-f' to override the following errors:\nmismatched replication level: both ${a} and ${b} vdevs are present`,
    );
  }
  return spec;
}

function newRootDataset(ctx: SimContext, pool: SimPool, props: Record<string, string>, mountpoint: string | undefined): SimDataset {
  const now = Math.floor(ctx.now / 1000);
  const p: Record<string, string> = { ...props };
  if (mountpoint !== undefined) p['mountpoint'] = mountpoint;
  return { name: pool.name, type: 'filesystem', guid: newGuid(ctx.now), createtxg: 1, creation: now, props: p, referenced: 24576, unique: 24576 };
}

function parseAssignments(values: string[] | undefined, usage: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new ToolExit(`missing '=' for property=value argument\n${usage}`, 2);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

const CREATE_USAGE =
  'usage:\n\tcreate [-fnd] [-o property=value] ... \n\t    [-O file-system-property=value] ... \n\t    [-m mountpoint] [-R root] <pool> <vdev> ...';

function zpoolCreate(ctx: SimContext, args: string[]): RunResult {
  const o = getopt(args, 'fnd', 'oOmRt', CREATE_USAGE);
  const [name, ...tokens] = o.operands;
  if (name === undefined) throw new ToolExit(`missing pool name argument\n${CREATE_USAGE}`, 2);
  if (tokens.length === 0) throw new ToolExit(`missing vdev specification\n${CREATE_USAGE}`, 2);
  const invalid = validateZfsName(name, 'pool');
  if (invalid) throw new ToolExit(`cannot create '${name}': ${invalid}`);
  if (ctx.state.model.pools.some((p) => p.name === name && !p.exported)) throw new ToolExit(`cannot create '${name}': pool already exists`);
  const force = o.flags.has('f');
  const spec = parseVdevSpec(ctx, tokens, force, name);
  if (spec.vdevs.length === 0) throw new ToolExit('invalid vdev specification: at least one toplevel vdev must be specified');
  const poolProps = parseAssignments(o.values.get('o'), CREATE_USAGE);
  const fsProps = parseAssignments(o.values.get('O'), CREATE_USAGE);
  const mount = o.values.get('m')?.[0];
  if (o.flags.has('n')) {
    return ok(`would create '${name}' with the following layout:\n\n\t${name}\n`);
  }
  // A forced create takes disks from exported pools: those pools can no longer be imported.
  if (force) {
    const taken = new Set([...leaves([...spec.vdevs, ...spec.logs, ...spec.special, ...spec.dedup, ...spec.cache, ...spec.spares])].map((l) => l.disk));
    ctx.state.model.pools = ctx.state.model.pools.filter((p) => !p.exported || ![...leaves([...p.vdevs, ...p.logs])].some((l) => taken.has(l.disk)));
  }
  const pool: SimPool = {
    name,
    guid: newGuid(ctx.now),
    createdMs: ctx.now,
    exported: false,
    props: { ashift: '12', ...poolProps, ...(o.values.get('R') ? { altroot: o.values.get('R')![0]! } : {}) },
    ...spec,
    scan: null,
    fragmentation: 0,
    io: { readOps: 0, writeOps: 0, readBytes: 0, writeBytes: 0 },
  };
  ctx.state.model.pools.push(pool);
  ctx.state.addDataset(newRootDataset(ctx, pool, fsProps, mount));
  return ok();
}

function zpoolDestroy(ctx: SimContext, args: string[]): RunResult {
  const o = getopt(args, 'f', '', 'usage:\n\tdestroy [-f] <pool>');
  const pool = requirePool(ctx, o.operands[0]);
  for (const d of ctx.state.model.datasets.filter((d) => d.name === pool.name || d.name.startsWith(`${pool.name}/`))) ctx.state.removeDataset(d.name);
  ctx.state.model.pools = ctx.state.model.pools.filter((p) => p !== pool);
  ctx.state.touch();
  return ok();
}

function zpoolExport(ctx: SimContext, args: string[]): RunResult {
  const o = getopt(args, 'af', '', 'usage:\n\texport [-af] <pool> ...');
  if (o.operands.length === 0) throw new ToolExit('missing pool argument\nusage:\n\texport [-af] <pool> ...', 2);
  for (const name of o.operands) {
    const pool = requirePool(ctx, name);
    pool.exported = true;
  }
  ctx.state.touch();
  return ok();
}

function importListing(ctx: SimContext, pool: SimPool): string {
  const rows: Row[] = [];
  pool.vdevs.forEach((v, i) => vdevRows(ctx, pool, v, 2, i, { fullPaths: false, literal: false }, rows));
  const all = [{ depth: 0, name: pool.name, state: poolState(pool) }, ...rows];
  const width = Math.max(10, ...all.map((r) => r.name.length + r.depth));
  let out = `   pool: ${pool.name}\n     id: ${pool.guid}\n  state: ${poolState(pool)}\n`;
  out += ' action: The pool can be imported using its name or numeric identifier.\n config:\n\n';
  for (const r of all) out += `\t${' '.repeat(r.depth)}${r.name.padEnd(width - r.depth)}  ${r.state}\n`;
  return out;
}

function zpoolImport(ctx: SimContext, args: string[]): RunResult {
  const o = getopt(
    args,
    'aDfFmnNlsX',
    'dcoR',
    'usage:\n\timport [-d dir] [-D]\n\timport [-o mntopts] [-o property=value] ... \n\t    [-d dir | -c cachefile] [-D] [-l] [-f] [-m] [-N] [-R root] [-F [-n]] -a',
  );
  const exported = ctx.state.model.pools.filter((p) => p.exported);
  if (o.operands.length === 0 && !o.flags.has('a')) {
    if (exported.length === 0) return ok('', 'no pools available to import\n');
    return ok(exported.map((p) => importListing(ctx, p)).join('\n'));
  }
  const targets = o.flags.has('a') ? exported : [exported.find((p) => p.name === o.operands[0] || p.guid === o.operands[0])];
  const target = targets[0];
  if (!target && !o.flags.has('a')) throw new ToolExit(`cannot import '${o.operands[0]}': no such pool available`);
  for (const pool of targets) {
    if (!pool) continue;
    const newName = o.flags.has('a') ? undefined : o.operands[1];
    if (ctx.state.pool(newName ?? pool.name))
      throw new ToolExit(`cannot import '${pool.name}': a pool with that name is already created/imported,\nand no additional pools with that name were found`);
    if (newName) {
      const invalid = validateZfsName(newName, 'pool');
      if (invalid) throw new ToolExit(`cannot import '${pool.name}' as '${newName}': ${invalid}`);
      renamePoolDatasets(ctx, pool.name, newName);
      pool.name = newName;
    }
    pool.exported = false;
  }
  ctx.state.touch();
  return ok();
}

function renamePoolDatasets(ctx: SimContext, from: string, to: string): void {
  const rename = (n: string): string => (n === from || n.startsWith(`${from}/`) || n.startsWith(`${from}@`) ? to + n.slice(from.length) : n);
  const ds = ctx.state.model.datasets.filter((d) => d.name === from || d.name.startsWith(`${from}/`));
  const snaps = ctx.state.model.snapshots.filter((s) => s.name.startsWith(`${from}/`) || s.name.startsWith(`${from}@`));
  for (const d of ds) ctx.state.dsByName.delete(d.name);
  for (const s of snaps) ctx.state.snapByName.delete(s.name);
  const oldLists = [...ctx.state.snapsOf.entries()].filter(([k]) => k === from || k.startsWith(`${from}/`));
  for (const [k] of oldLists) ctx.state.snapsOf.delete(k);
  for (const d of ds) {
    d.name = rename(d.name);
    if (d.origin) d.origin = rename(d.origin);
    ctx.state.dsByName.set(d.name, d);
  }
  for (const s of snaps) {
    s.name = rename(s.name);
    ctx.state.snapByName.set(s.name, s);
  }
  for (const [k, list] of oldLists) ctx.state.snapsOf.set(rename(k), list);
}

function zpoolScrub(ctx: SimContext, args: string[]): RunResult {
  const o = getopt(args, 'psew', '', 'usage:\n\tscrub [-s | -p] [-w] [-e] <pool> ...');
  if (o.operands.length === 0) throw new ToolExit('missing pool name argument\nusage:\n\tscrub [-s | -p] [-w] [-e] <pool> ...', 2);
  for (const name of o.operands) {
    const pool = requirePool(ctx, name);
    const scan = pool.scan;
    const active = scan?.state === 'scanning';
    if (o.flags.has('s')) {
      if (!active || scan!.func !== 'scrub') throw new ToolExit(`cannot cancel scrubbing ${name}: there is no active scrub`);
      scan!.state = 'canceled';
      scan!.endMs = ctx.now;
      delete scan!.pausedAtMs;
      continue;
    }
    if (o.flags.has('p')) {
      if (!active || scan!.func !== 'scrub') throw new ToolExit(`cannot pause scrubbing ${name}: there is no active scrub`);
      if (scan!.pausedAtMs !== undefined) throw new ToolExit(`cannot pause scrubbing ${name}: scrub is paused; use 'zpool scrub' to resume scrub`);
      scan!.pausedAtMs = ctx.now;
      continue;
    }
    if (active && scan!.func === 'resilver') throw new ToolExit(`cannot scrub ${name}: currently resilvering`);
    if (active && scan!.pausedAtMs !== undefined) {
      scan!.pausedTotalMs += ctx.now - scan!.pausedAtMs;
      delete scan!.pausedAtMs;
      continue;
    }
    if (active) throw new ToolExit(`cannot scrub ${name}: currently scrubbing; use 'zpool scrub -s' to cancel scrub`);
    const total = ctx.state.poolAllocated(pool);
    pool.scan = { func: 'scrub', state: 'scanning', startMs: ctx.now, pausedTotalMs: 0, durationMs: 20_000, totalBytes: total, repairedBytes: 0, errors: 0 };
  }
  return ok();
}

function deviceCommand(ctx: SimContext, verb: string, args: string[]): RunResult {
  const o = getopt(args, 'eftsw', 'o', `usage:\n\t${verb} <pool> <device> ...`);
  const [poolName, devName, newDev] = o.operands;
  const pool = requirePool(ctx, poolName);
  if (devName === undefined && verb !== 'clear') throw new ToolExit(`missing device name\nusage:\n\t${verb} <pool> <device> ...`, 2);
  if (verb === 'clear' && devName === undefined) {
    for (const l of leaves(pool.vdevs.concat(pool.logs, pool.special, pool.dedup, pool.cache))) clearLeaf(ctx, l);
    return ok();
  }
  const found = findLeaf(ctx, pool, devName!);
  if (!found && verb !== 'replace') throw new ToolExit(`cannot ${verb} ${devName}: no such device in pool`);
  switch (verb) {
    case 'offline': {
      const { leaf, parent } = found!;
      const siblingsOk = parent ? parent.children.filter((c) => c !== leaf && vdevState(c) === 'ONLINE').length : 0;
      const needed = parent?.kind === 'raidz' ? parent.children.length - (parent.parity ?? 1) - 1 : 1;
      if (!parent || siblingsOk < needed) throw new ToolExit(`cannot offline ${devName}: no valid replicas`);
      leaf.state = 'OFFLINE';
      return ok();
    }
    case 'online': {
      const { leaf } = found!;
      const disk = ctx.state.model.disks.find((d) => d.name === leaf.disk);
      if (disk?.failed) {
        leaf.state = 'UNAVAIL';
        return ok(
          '',
          `warning: device '${devName}' onlined, but remains in faulted state\nuse 'zpool replace' to replace devices that are no longer present\n`,
        );
      }
      leaf.state = 'ONLINE';
      return ok();
    }
    case 'clear':
      clearLeaf(ctx, found!.leaf);
      return ok();
    case 'detach': {
      const { leaf, parent } = found!;
      if (!parent || !['mirror', 'replacing', 'spare'].includes(parent.kind))
        throw new ToolExit(`cannot detach ${devName}: only applicable to mirror and replacing vdevs`);
      parent.children = parent.children.filter((c) => c !== leaf);
      if (parent.children.length === 1) replaceNode(pool, parent, parent.children[0]!);
      return ok();
    }
    case 'attach': {
      if (newDev === undefined)
        throw new ToolExit('missing <new_device> specification\nusage:\n\tattach [-fsw] [-o property=value] <pool> <device> <new-device>', 2);
      const { leaf, parent } = found!;
      const spec = parseVdevSpec(ctx, [newDev], o.flags.has('f'), pool.name);
      const added = spec.vdevs[0] as SimLeaf;
      if (parent && parent.kind === 'raidz') throw new ToolExit(`cannot attach ${newDev} to ${devName}: can only attach to mirrors and top-level disks`);
      if (parent && parent.kind === 'mirror') parent.children.push(added);
      else replaceNode(pool, leaf, { kind: 'mirror', children: [leaf, added] });
      added.resilvering = true;
      startResilver(ctx, pool);
      return ok();
    }
    case 'replace': {
      const target = found ?? null;
      if (!target) throw new ToolExit(`cannot replace ${devName} with ${newDev ?? devName}: no such device in pool`);
      const { leaf } = target;
      let replacement: SimLeaf;
      if (newDev === undefined) {
        const disk = ctx.state.model.disks.find((d) => d.name === leaf.disk);
        if (disk?.failed)
          throw new ToolExit(`cannot replace ${devName} with ${devName}: ${partitionPath(leaf.path)} is busy, or device removal is in progress`);
        replacement = newLeaf(leaf.disk, leaf.path);
      } else {
        const spec = parseVdevSpec(ctx, [newDev], o.flags.has('f'), pool.name);
        replacement = spec.vdevs[0] as SimLeaf;
      }
      replacement.resilvering = true;
      replaceNode(pool, leaf, { kind: 'replacing', children: [leaf, replacement] });
      startResilver(ctx, pool);
      return ok();
    }
  }
  throw new ToolExit(`unrecognized command '${verb}'`, 2);
}

function clearLeaf(ctx: SimContext, l: SimLeaf): void {
  l.read = 0;
  l.write = 0;
  l.cksum = 0;
  const disk = ctx.state.model.disks.find((d) => d.name === l.disk);
  if ((l.state === 'FAULTED' || l.state === 'UNAVAIL') && disk && !disk.failed) {
    l.state = 'ONLINE';
    delete l.aux;
  }
}

/** Replaces a node wherever it sits in the pool's trees. */
export function replaceNode(pool: SimPool, from: SimVdev, to: SimVdev): void {
  const swap = (list: SimVdev[]): SimVdev[] =>
    list.map((v) => {
      if (v === from) return to;
      if (!isLeaf(v) && v !== to) v.children = swap(v.children);
      return v;
    });
  pool.vdevs = swap(pool.vdevs);
  pool.logs = swap(pool.logs);
  pool.special = swap(pool.special);
  pool.dedup = swap(pool.dedup);
}

function zpoolIostat(ctx: SimContext, args: string[]): RunResult {
  const o = getopt(
    args,
    'gHLpPvyl',
    'T',
    'usage:\n\tiostat [[[-c [script1,script2,...][-lq]]|[-rw]] [-T d | u] [-ghHLpPvy]\n\t    [[pool ...]|[pool vdev ...]|[vdev ...]] [[-n] interval [count]]',
  );
  const names = o.operands.filter((n) => !/^\d+$/.test(n));
  const pools = names.length > 0 ? names.map((n) => requirePool(ctx, n)) : ctx.state.model.pools.filter((p) => !p.exported);
  if (pools.length === 0) return ok('', 'no pools available\n');
  const literal = o.flags.has('p');
  const num = (n: number): string => (literal ? String(Math.floor(n)) : niceNumber(n));
  const lines: string[] = [];
  for (const pool of pools) {
    const { size } = ctx.state.poolSizes(pool);
    const alloc = ctx.state.poolAllocated(pool);
    const uptime = Math.max(1, (ctx.now - pool.createdMs) / 1000);
    const io = pool.io;
    const row = (name: string, a: string, f: string, share: number): string =>
      [
        name,
        a,
        f,
        num((io.readOps / uptime) * share),
        num((io.writeOps / uptime) * share),
        num((io.readBytes / uptime) * share),
        num((io.writeBytes / uptime) * share),
      ].join('\t');
    lines.push(row(pool.name, num(alloc), num(size - alloc), 1));
    if (o.flags.has('v')) {
      const na = literal ? '0' : '-';
      pool.vdevs.forEach((v, i) => {
        const leafList = [...leaves([v])];
        if (isLeaf(v))
          lines.push(row(leafName(v, o.flags.has('P')), num(alloc / pool.vdevs.length), num((size - alloc) / pool.vdevs.length), 1 / pool.vdevs.length));
        else lines.push(row(`${groupTypeName(v)}-${i}`, num(alloc / pool.vdevs.length), num((size - alloc) / pool.vdevs.length), 1 / pool.vdevs.length));
        if (!isLeaf(v)) for (const l of leafList) lines.push(row(leafName(l, o.flags.has('P')), na, na, 1 / pool.vdevs.length / leafList.length));
      });
    }
  }
  if (o.flags.has('H')) return ok(lines.map((l) => `${l}\n`).join(''));
  const width = Math.max(10, ...lines.map((l) => l.split('\t')[0]!.length));
  let out = `${''.padEnd(width)}    capacity     operations     bandwidth \n${'pool'.padEnd(width)}  alloc   free   read  write   read  write\n${'-'.repeat(width)}  -----  -----  -----  -----  -----  -----\n`;
  for (const l of lines) {
    const [n, ...cells] = l.split('\t');
    out += `${n!.padEnd(width)}  ${cells.map((c) => c.padStart(5)).join('  ')}\n`;
  }
  out += `${'-'.repeat(width)}  -----  -----  -----  -----  -----  -----\n`;
  return ok(out);
}

export function zpoolCommand(ctx: SimContext, args: string[]): RunResult {
  const [verb, ...rest] = args;
  switch (verb) {
    case 'status':
      return zpoolStatus(ctx, rest);
    case 'list':
      return zpoolList(ctx, rest);
    case 'get':
      return zpoolGet(ctx, rest);
    case 'set':
      return zpoolSet(ctx, rest);
    case 'create':
      return zpoolCreate(ctx, rest);
    case 'destroy':
      return zpoolDestroy(ctx, rest);
    case 'export':
      return zpoolExport(ctx, rest);
    case 'import':
      return zpoolImport(ctx, rest);
    case 'scrub':
      return zpoolScrub(ctx, rest);
    case 'iostat':
      return zpoolIostat(ctx, rest);
    case 'replace':
    case 'attach':
    case 'detach':
    case 'online':
    case 'offline':
    case 'clear':
      return deviceCommand(ctx, verb, rest);
    case 'version':
      return ok('zfs-2.2.2-1\nzfs-kmod-2.2.2-1\n');
    case undefined:
      throw new ToolExit('missing command\nusage: zpool command args ...', 2);
    default:
      throw new ToolExit(`unrecognized command '${verb}'\nusage: zpool command args ...`, 2);
  }
}
