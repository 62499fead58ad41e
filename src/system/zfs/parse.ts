/**
 * Pure parsers of ZFS tool output: OpenZFS 0.8 to 2.3, and the old zfs-fuse dialect
 * (no -p on list, "scrub:" instead of "scan:", human sizes).
 */
import type { Vdev } from '../../vocabulary/zpool-status.js';

export interface ScanStatus {
  function: 'scrub' | 'resilver';
  state: 'scanning' | 'finished' | 'canceled' | 'paused';
  percentDone?: number;
  errors?: number;
  /** Bytes repaired (scrub) or resilvered (resilver). */
  repaired?: number;
  scanned?: number;
  issued?: number;
  total?: number;
  /** Bytes per second, as printed (only while scanning and not paused). */
  scanRate?: number;
  issueRate?: number;
  /** Seconds left as estimated by the tool, when it printed an estimate. */
  secondsToGo?: number;
  /** Duration of a finished scan in seconds. */
  durationSeconds?: number;
  /** Times exactly as printed by the tool (ctime format, host local time). */
  startedAt?: string;
  endedAt?: string;
  pausedAt?: string;
  /** For a sequential (dRAID) rebuild: the top-level vdev being rebuilt. */
  vdev?: string;
  /** The scan line(s) as printed. */
  text: string;
}

export type { Vdev };

export interface ZpoolStatus {
  name: string;
  state: string;
  /** Pool GUID, printed by `zpool import` listings. */
  id?: string;
  status?: string;
  action?: string;
  see?: string;
  scan: ScanStatus | null;
  remove?: string;
  checkpoint?: string;
  expand?: string;
  /** The pool's own line in the config tree (its counters). */
  root?: Vdev;
  vdevs: Vdev[];
  logs: Vdev[];
  cache: Vdev[];
  spares: Vdev[];
  special: Vdev[];
  dedup: Vdev[];
  errors: string;
}

const SIZE_RE = /^(\d+(?:\.\d+)?)\s*([BKMGTPEZ]?)(?:i?B)?$/i;
const SHIFT: Record<string, number> = { '': 0, B: 0, K: 1, M: 2, G: 3, T: 4, P: 5, E: 6, Z: 7 };

/**
 * A size or counter as the ZFS tools print it: exact bytes ("123456"), or zfs_nicenum
 * abbreviations, which are base 1024 ("1.24K" is 1.24 x 1024). "-", "none", "" and anything
 * unreadable give null.
 */
export function parseSize(text: string | undefined): number | null {
  if (text === undefined) return null;
  const t = text.trim();
  if (t === '' || t === '-' || t === 'none') return null;
  if (/^\d+$/.test(t)) return Number(t);
  const m = SIZE_RE.exec(t);
  if (!m) return null;
  return Math.round(Number(m[1]) * 1024 ** SHIFT[m[2]!.toUpperCase()]!);
}

function sizeOrZero(text: string | undefined): number {
  return parseSize(text) ?? 0;
}

/** "00:01:02", "1 days 02:03:04", "0 days 00:01:02" (0.8), "0h4m" (0.7, zfs-fuse). */
export function parseDuration(text: string): number | null {
  const t = text.trim();
  let m = /^(?:(\d+) days? )?(\d+):(\d{2}):(\d{2})$/.exec(t);
  if (m) return Number(m[1] ?? 0) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
  m = /^(\d+)h(\d+)m$/.exec(t);
  if (m) return Number(m[1]) * 3600 + Number(m[2]) * 60;
  return null;
}

// eslint-disable-next-line no-control-regex -- matches the ESC of colour codes to strip them
const ANSI_RE = /\x1b\[[0-9;]*m/g;
const HEADER_RE = /^\s*(pool|id|state|status|action|see|scan|scrub|remove|checkpoint|expand|config|errors):(?: (.*))?$/;

function expandTabs(line: string): string {
  let out = '';
  for (const ch of line) {
    if (ch === '\t') out += ' '.repeat(8 - (out.length % 8));
    else out += ch;
  }
  return out;
}

function leadingWidth(line: string): number {
  const expanded = expandTabs(line);
  return expanded.length - expanded.trimStart().length;
}

const COUNTER_RE = /^\d+(?:\.\d+)?[KMGTPE]?$/;
const CLASS_HEADERS: Record<string, 'logs' | 'cache' | 'spares' | 'special' | 'dedup'> = {
  logs: 'logs',
  cache: 'cache',
  spares: 'spares',
  special: 'special',
  dedup: 'dedup',
};

function parseVdevLine(text: string): Vdev | null {
  const tokens = text.trim().split(/\s+/);
  if (tokens.length < 2) return null;
  const [name, state] = tokens as [string, string];
  const vdev: Vdev = { name, state, read: 0, write: 0, checksum: 0, children: [] };
  let rest: string[];
  if (tokens.length >= 5 && COUNTER_RE.test(tokens[2]!) && COUNTER_RE.test(tokens[3]!) && COUNTER_RE.test(tokens[4]!)) {
    vdev.read = sizeOrZero(tokens[2]);
    vdev.write = sizeOrZero(tokens[3]);
    vdev.checksum = sizeOrZero(tokens[4]);
    rest = tokens.slice(5);
  } else {
    rest = tokens.slice(2);
  }
  if (rest.length > 0) vdev.note = rest.join(' ');
  return vdev;
}

function parseConfig(lines: string[], pool: ZpoolStatus): void {
  const headerIndex = lines.findIndex((l) => /^\s*NAME\s+STATE\b/.test(l));
  const body = headerIndex >= 0 ? lines.slice(headerIndex + 1) : lines;
  const base = headerIndex >= 0 ? leadingWidth(lines[headerIndex]!) : Math.min(...body.filter((l) => l.trim()).map(leadingWidth));
  let section: Vdev[] = pool.vdevs;
  let inPoolTree = false;
  const stack: { indent: number; vdev: Vdev }[] = [];
  for (const raw of body) {
    if (raw.trim() === '') continue;
    const indent = leadingWidth(raw) - base;
    const trimmed = raw.trim();
    if (indent <= 0) {
      stack.length = 0;
      const cls = CLASS_HEADERS[trimmed];
      if (cls) {
        section = pool[cls];
        inPoolTree = false;
        continue;
      }
      const root = parseVdevLine(trimmed);
      if (root && !inPoolTree && root.name === pool.name) {
        pool.root = root;
        section = pool.vdevs;
        inPoolTree = true;
      }
      continue;
    }
    const vdev = parseVdevLine(trimmed);
    if (!vdev) continue;
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent) parent.vdev.children.push(vdev);
    else section.push(vdev);
    stack.push({ indent, vdev });
  }
}

function joinContinuation(lines: string[]): string {
  return lines
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join(' ');
}

/** Parses the scan section (first line without its "scan:" key, then its continuation lines). */
export function parseScan(lines: string[]): ScanStatus | null {
  const parts = lines.map((l) => l.trim()).filter((l) => l !== '');
  if (parts.length === 0) return null;
  const text = parts.join('\n');
  let first = parts[0]!.replace(/^thorough /, '');
  if (/^none requested/.test(first) || /^scrub: none requested/.test(first)) return null;
  first = first.replace(/^(scrub|resilver): /, '');

  let m = /^scrub repaired (\S+) in (.+?) with (\d+) errors on (.+)$/.exec(first);
  if (m) {
    return withDuration({ function: 'scrub', state: 'finished', repaired: sizeOrZero(m[1]), errors: Number(m[3]), endedAt: m[4]!, text }, m[2]!);
  }
  m = /^resilvered (?:\((.+?)\) )?(\S+) in (.+?) with (\d+) errors on (.+)$/.exec(first);
  if (m) {
    const scan: ScanStatus = { function: 'resilver', state: 'finished', repaired: sizeOrZero(m[2]), errors: Number(m[4]), endedAt: m[5]!, text };
    if (m[1]) scan.vdev = m[1];
    return withDuration(scan, m[3]!);
  }
  m = /^(scrub|resilver) completed after (\S+) with (\d+) errors on (.+)$/.exec(first);
  if (m) {
    return withDuration({ function: m[1] as 'scrub' | 'resilver', state: 'finished', errors: Number(m[3]), endedAt: m[4]!, text }, m[2]!);
  }
  m = /^(scrub|resilver)(?: \((.+?)\))? (?:canceled|stopped)(?: after \S+)? on (.+)$/.exec(first);
  if (m) {
    const scan: ScanStatus = { function: m[1] as 'scrub' | 'resilver', state: 'canceled', endedAt: m[3]!, text };
    if (m[2]) scan.vdev = m[2];
    return scan;
  }
  let scan: ScanStatus;
  m = /^(scrub|resilver)(?: \((.+?)\))? in progress since (.+)$/.exec(first);
  const paused = /^scrub paused since (.+)$/.exec(first);
  const fuseProgress = /^(scrub|resilver) in progress for (\S+), ([\d.]+)% done, (\S+) to go$/.exec(first);
  if (m) {
    scan = { function: m[1] as 'scrub' | 'resilver', state: 'scanning', startedAt: m[3]!, text };
    if (m[2]) scan.vdev = m[2];
  } else if (paused) {
    scan = { function: 'scrub', state: 'paused', pausedAt: paused[1]!, text };
  } else if (fuseProgress) {
    scan = { function: fuseProgress[1] as 'scrub' | 'resilver', state: 'scanning', percentDone: Number(fuseProgress[3]), text };
    const left = parseDuration(fuseProgress[4]!);
    if (left !== null) scan.secondsToGo = left;
    return scan;
  } else {
    return null;
  }
  for (const line of parts.slice(1)) applyProgressLine(scan, line);
  return scan;
}

function withDuration(scan: ScanStatus, duration: string): ScanStatus {
  const seconds = parseDuration(duration);
  if (seconds !== null) scan.durationSeconds = seconds;
  return scan;
}

function applyProgressLine(scan: ScanStatus, line: string): void {
  let m = /^scrub started on (.+)$/.exec(line);
  if (m) {
    scan.startedAt = m[1]!;
    return;
  }
  // 2.0+: "1.23G / 4.56G scanned at 100M/s, 500M / 4.56G issued at 50M/s"
  m = /^(\S+) \/ (\S+) scanned(?: at (\S+)\/s)?, (\S+) \/ (\S+) issued(?: at (\S+)\/s)?/.exec(line);
  if (m) {
    scan.scanned = sizeOrZero(m[1]);
    scan.total = sizeOrZero(m[2]);
    if (m[3]) scan.scanRate = sizeOrZero(m[3]);
    scan.issued = sizeOrZero(m[4]);
    if (m[6]) scan.issueRate = sizeOrZero(m[6]);
    return;
  }
  // 0.8: "1.23G scanned at 100M/s, 500M issued at 50M/s, 4.56G total" (paused: no rates)
  m = /^(\S+) scanned(?: at (\S+)\/s)?, (\S+) issued(?: at (\S+)\/s)?, (\S+) total/.exec(line);
  if (m) {
    scan.scanned = sizeOrZero(m[1]);
    if (m[2]) scan.scanRate = sizeOrZero(m[2]);
    scan.issued = sizeOrZero(m[3]);
    if (m[4]) scan.issueRate = sizeOrZero(m[4]);
    scan.total = sizeOrZero(m[5]);
    return;
  }
  // 0.7: "14.3G scanned out of 2.45T at 120M/s, 5h45m to go"
  m = /^(\S+) scanned out of (\S+)(?: at (\S+)\/s)?(?:, (\S+) to go)?/.exec(line);
  if (m) {
    scan.scanned = sizeOrZero(m[1]);
    scan.total = sizeOrZero(m[2]);
    if (m[3]) scan.scanRate = sizeOrZero(m[3]);
    const left = m[4] ? parseDuration(m[4]) : null;
    if (left !== null) scan.secondsToGo = left;
    return;
  }
  m = /^(\S+) (?:repaired|resilvered), ([\d.]+)% done(?:, (.+?) to go)?/.exec(line);
  if (m) {
    scan.repaired = sizeOrZero(m[1]);
    scan.percentDone = Number(m[2]);
    const left = m[3] ? parseDuration(m[3]) : null;
    if (left !== null) scan.secondsToGo = left;
  }
}

/**
 * `zpool status` (any flags that keep the human layout: -P, -p, -v, -x, -L, -g) and the pool
 * listing of `zpool import`; several pools in one text.
 */
export function parseZpoolStatus(text: string): ZpoolStatus[] {
  const lines = text
    .replace(ANSI_RE, '')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''));
  const blocks: string[][] = [];
  for (const line of lines) {
    if (/^\s*pool: /.test(line)) blocks.push([line]);
    else blocks[blocks.length - 1]?.push(line);
  }
  return blocks.map(parsePoolBlock);
}

function parsePoolBlock(block: string[]): ZpoolStatus {
  const pool: ZpoolStatus = {
    name: '',
    state: '',
    scan: null,
    vdevs: [],
    logs: [],
    cache: [],
    spares: [],
    special: [],
    dedup: [],
    errors: '',
  };
  const sections: { key: string; lines: string[] }[] = [];
  let inConfig = false;
  for (const line of block) {
    const header = HEADER_RE.exec(line);
    // Inside "config:" every line is a tree line; only "errors:" ends the tree.
    if (header && (!inConfig || header[1] === 'errors')) {
      sections.push({ key: header[1]!, lines: [header[2] ?? ''] });
      inConfig = header[1] === 'config';
    } else if (sections.length > 0) {
      sections[sections.length - 1]!.lines.push(line);
    }
  }
  const scans: ScanStatus[] = [];
  for (const { key, lines } of sections) {
    switch (key) {
      case 'pool':
        pool.name = lines[0]!.trim();
        break;
      case 'id':
        pool.id = lines[0]!.trim();
        break;
      case 'state':
        pool.state = lines[0]!.trim().split(/\s+/)[0] ?? '';
        break;
      case 'status':
        pool.status = joinContinuation(lines);
        break;
      case 'action':
        pool.action = joinContinuation(lines);
        break;
      case 'see':
        pool.see = joinContinuation(lines);
        break;
      case 'remove':
        pool.remove = joinContinuation(lines);
        break;
      case 'checkpoint':
        pool.checkpoint = joinContinuation(lines);
        break;
      case 'expand':
        pool.expand = joinContinuation(lines);
        break;
      case 'scan':
      case 'scrub': {
        const scan = parseScan(lines);
        if (scan) scans.push(scan);
        break;
      }
      case 'config':
        parseConfig(lines.slice(1), pool);
        break;
      case 'errors':
        pool.errors = [
          lines[0]!.trim(),
          ...lines
            .slice(1)
            .map((l) => l.trim())
            .filter((l) => l !== ''),
        ].join('\n');
        break;
    }
  }
  // When a healing resilver and a sequential rebuild are both shown, the active one matters most.
  pool.scan = scans.find((s) => s.state === 'scanning' || s.state === 'paused') ?? scans[0] ?? null;
  return pool;
}

/** Walks a vdev tree depth first. */
export function* walkVdevs(vdevs: Vdev[]): Generator<Vdev> {
  for (const v of vdevs) {
    yield v;
    yield* walkVdevs(v.children);
  }
}

const GROUPING_RE = /^(mirror|raidz[123]?|draid[123]?(?::\d+[dcs])*|replacing|spare|root)(-\d+)*$/;

/** Whether a vdev name names a grouping vdev (mirror-0, raidz2-1, replacing-0, draid2:4d:12c:1s-0) rather than a device. */
export function isGroupingVdev(vdev: Vdev): boolean {
  return vdev.children.length > 0 || GROUPING_RE.test(vdev.name);
}

/** Leaf devices (disks, files, partitions) of a pool, with the section they are in. */
export function leafVdevs(pool: ZpoolStatus): { vdev: Vdev; section: 'data' | 'logs' | 'cache' | 'spares' | 'special' | 'dedup'; topLevel: string }[] {
  const out: { vdev: Vdev; section: 'data' | 'logs' | 'cache' | 'spares' | 'special' | 'dedup'; topLevel: string }[] = [];
  const sections = [
    ['data', pool.vdevs],
    ['logs', pool.logs],
    ['cache', pool.cache],
    ['spares', pool.spares],
    ['special', pool.special],
    ['dedup', pool.dedup],
  ] as const;
  for (const [section, tops] of sections) {
    for (const top of tops) {
      for (const v of walkVdevs([top])) {
        // A distributed spare (draid2-0-0) names a virtual device, not a disk.
        if (!isGroupingVdev(v) && !/^draid\d-\d+-\d+$/.test(v.name)) out.push({ vdev: v, section, topLevel: top.name });
      }
    }
  }
  return out;
}

/** Splits `-H` output (tab-separated) into rows of named columns. */
export function parseTabular(text: string, columns: readonly string[]): Record<string, string>[] {
  const rows: Record<string, string>[] = [];
  const lines = text.split('\n');
  for (const line of lines) {
    if (line === '') continue;
    const fields = line.split('\t');
    const row: Record<string, string> = {};
    for (let i = 0; i < columns.length; i++) row[columns[i]!] = fields[i] ?? '';
    rows.push(row);
  }
  return rows;
}

const ZFS_PROP_ALIASES: Record<string, string> = {
  avail: 'available',
  refer: 'referenced',
  reserv: 'reservation',
  refreserv: 'refreservation',
  compress: 'compression',
  ratio: 'compressratio',
  refratio: 'refcompressratio',
  volblock: 'volblocksize',
  recsize: 'recordsize',
  lrefer: 'logicalreferenced',
  lused: 'logicalused',
  usedsnap: 'usedbysnapshots',
  usedds: 'usedbydataset',
  usedchild: 'usedbychildren',
  usedrefreserv: 'usedbyrefreservation',
};

const ZPOOL_PROP_ALIASES: Record<string, string> = {
  alloc: 'allocated',
  cap: 'capacity',
  frag: 'fragmentation',
  dedup: 'dedupratio',
  expandsz: 'expandsize',
  ckpoint: 'checkpoint',
};

/** The full name of a dataset property given by its abbreviation (avail, refer, compress...). */
export function canonicalProperty(name: string): string {
  return ZFS_PROP_ALIASES[name] ?? name;
}

/** The full name of a pool property given by its abbreviation (alloc, cap, frag, dedup...). */
export function canonicalPoolProperty(name: string): string {
  return ZPOOL_PROP_ALIASES[name] ?? name;
}

export interface PoolListEntry {
  name: string;
  size: number | null;
  allocated: number | null;
  free: number | null;
  fragmentation: number | null;
  capacity: number | null;
  dedupratio: number | null;
  health: string;
  altroot: string | null;
  /** Every requested column as printed. */
  raw: Record<string, string>;
}

function percentOrRatio(text: string | undefined): number | null {
  if (text === undefined) return null;
  const t = text.trim().replace(/[%x]$/, '');
  if (t === '' || t === '-') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** `zpool list -H [-p] -o COLUMNS`. Without -p (zfs-fuse) sizes are human and capacity has a '%'. */
export function parseZpoolList(text: string, columns: readonly string[]): PoolListEntry[] {
  const canonical = columns.map(canonicalPoolProperty);
  return parseTabular(text, canonical).map((raw) => ({
    name: raw['name'] ?? '',
    size: parseSize(raw['size']),
    allocated: parseSize(raw['allocated']),
    free: parseSize(raw['free']),
    fragmentation: percentOrRatio(raw['fragmentation']),
    capacity: percentOrRatio(raw['capacity']),
    dedupratio: percentOrRatio(raw['dedupratio']),
    health: raw['health'] ?? '',
    altroot: raw['altroot'] === undefined || raw['altroot'] === '-' ? null : raw['altroot'],
    raw,
  }));
}

export type DatasetType = 'filesystem' | 'volume' | 'snapshot' | 'bookmark';

export interface DatasetListEntry {
  name: string;
  type: DatasetType;
  used: number | null;
  available: number | null;
  referenced: number | null;
  quota: number | null;
  mountpoint: string | null;
  /** Every requested column as printed, keyed by full property name. */
  raw: Record<string, string>;
}

const SIZE_PROPS = new Set([
  'used',
  'available',
  'referenced',
  'quota',
  'refquota',
  'reservation',
  'refreservation',
  'volsize',
  'usedbysnapshots',
  'usedbydataset',
  'usedbychildren',
  'usedbyrefreservation',
  'logicalused',
  'logicalreferenced',
  'written',
  'recordsize',
  'volblocksize',
  'size',
  'allocated',
  'free',
]);

/** Whether a property holds a byte count. */
export function isSizeProperty(name: string): boolean {
  return SIZE_PROPS.has(canonicalProperty(name));
}

function typeFromName(name: string): DatasetType {
  if (name.includes('@')) return 'snapshot';
  if (name.includes('#')) return 'bookmark';
  return 'filesystem';
}

/**
 * One line of `zfs list -H [-p] -o COLUMNS` to its entry (null for an empty line): what
 * parseZfsList does per line, for output read as a stream (Host.runLines). Kept to one split per
 * line so 100,000 snapshot lines parse in a few tens of milliseconds.
 */
export function zfsListLineParser(columns: readonly string[]): (line: string) => DatasetListEntry | null {
  const canonical = columns.map(canonicalProperty);
  const nameIdx = canonical.indexOf('name');
  const typeIdx = canonical.indexOf('type');
  const idx = (p: string): number => canonical.indexOf(p);
  const usedIdx = idx('used');
  const availIdx = idx('available');
  const referIdx = idx('referenced');
  const quotaIdx = idx('quota');
  const mountIdx = idx('mountpoint');
  return (line) => {
    if (line === '') return null;
    const fields = line.split('\t');
    const raw: Record<string, string> = {};
    for (let i = 0; i < canonical.length; i++) raw[canonical[i]!] = fields[i] ?? '';
    const name = nameIdx >= 0 ? fields[nameIdx]! : '';
    const mount = mountIdx >= 0 ? fields[mountIdx] : undefined;
    return {
      name,
      type: typeIdx >= 0 ? (fields[typeIdx] as DatasetType) : typeFromName(name),
      used: usedIdx >= 0 ? parseSize(fields[usedIdx]) : null,
      available: availIdx >= 0 ? parseSize(fields[availIdx]) : null,
      referenced: referIdx >= 0 ? parseSize(fields[referIdx]) : null,
      // zfs-fuse prints quota 0 for "no quota" with -p
      quota: quotaIdx >= 0 ? parseSize(fields[quotaIdx]) || null : null,
      mountpoint: mount === undefined || mount === '-' || mount === 'none' ? null : mount,
      raw,
    };
  };
}

/** `zfs list -H [-p] -o COLUMNS`, the whole answer at once. */
export function parseZfsList(text: string, columns: readonly string[]): DatasetListEntry[] {
  const parseLine = zfsListLineParser(columns);
  const out: DatasetListEntry[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end > start) out.push(parseLine(text.slice(start, end))!);
    start = end + 1;
  }
  return out;
}

export interface PropertyValue {
  name: string;
  property: string;
  value: string;
  source: string;
}

/** One line of `zfs get -H -o name,property,value,source` (null for an empty line), for streamed output. */
export function parseZfsGetLine(line: string): PropertyValue | null {
  if (line === '') return null;
  const fields = line.split('\t');
  return { name: fields[0] ?? '', property: fields[1] ?? '', value: fields[2] ?? '', source: fields[3] ?? '' };
}

/** `zfs get -H [-p] -o name,property,value,source` and `zpool get -H [-p] -o name,property,value,source`. */
export function parseZfsGet(text: string): PropertyValue[] {
  return parseTabular(text, ['name', 'property', 'value', 'source']).map((r) => ({
    name: r['name']!,
    property: r['property']!,
    value: r['value']!,
    source: r['source']!,
  }));
}

/** Groups `zfs get` rows by dataset: name -> property -> {value, source}. */
export function groupProperties(rows: PropertyValue[]): Map<string, Record<string, { value: string; source: string }>> {
  const out = new Map<string, Record<string, { value: string; source: string }>>();
  for (const r of rows) {
    let props = out.get(r.name);
    if (!props) {
      props = {};
      out.set(r.name, props);
    }
    props[r.property] = { value: r.value, source: r.source };
  }
  return out;
}

export interface IostatEntry {
  name: string;
  allocated: number | null;
  free: number | null;
  readOps: number;
  writeOps: number;
  readBytes: number;
  writeBytes: number;
}

/**
 * `zpool iostat -H [-p] [-v]`: one tab-separated row per pool (and per vdev with -v, names
 * unindented, classes separated by blank lines).
 */
export function parseZpoolIostat(text: string): IostatEntry[] {
  return parseTabular(text, ['name', 'alloc', 'free', 'rops', 'wops', 'rbytes', 'wbytes'])
    .filter((r) => r['name']!.trim() !== '')
    .map((r) => ({
      name: r['name']!.trim(),
      allocated: r['alloc'] === '-' ? null : parseSize(r['alloc']),
      free: r['free'] === '-' ? null : parseSize(r['free']),
      readOps: sizeOrZero(r['rops']),
      writeOps: sizeOrZero(r['wops']),
      readBytes: sizeOrZero(r['rbytes']),
      writeBytes: sizeOrZero(r['wbytes']),
    }));
}

export interface ArcStats {
  size: number;
  target: number;
  max: number;
  min: number;
  hits: number;
  misses: number;
  /** hits / (hits + misses), 0..1; null when there was no access yet. */
  hitRatio: number | null;
  mruSize: number;
  mfuSize: number;
  l2Size: number;
  l2Hits: number;
  l2Misses: number;
  /** Every counter of the kstat. */
  raw: Record<string, number>;
}

/** /proc/spl/kstat/zfs/arcstats: a kstat header line, a column header, then "name type data". */
export function parseArcstats(text: string): ArcStats {
  const raw: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(\w+)\s+(\d+)\s+(-?\d+)\s*$/.exec(line);
    if (m) raw[m[1]!] = Number(m[3]);
  }
  const get = (k: string): number => raw[k] ?? 0;
  const accesses = get('hits') + get('misses');
  return {
    size: get('size'),
    target: get('c'),
    max: get('c_max'),
    min: get('c_min'),
    hits: get('hits'),
    misses: get('misses'),
    hitRatio: accesses > 0 ? get('hits') / accesses : null,
    mruSize: get('mru_size'),
    mfuSize: get('mfu_size'),
    l2Size: get('l2_size'),
    l2Hits: get('l2_hits'),
    l2Misses: get('l2_misses'),
    raw,
  };
}

export interface ZfsVersion {
  /** "2.2.2-1" */
  userland: string;
  kernel: string | null;
  major: number;
  minor: number;
  patch: number;
}

/** `zfs version`: "zfs-2.2.2-1\nzfs-kmod-2.2.2-1". Null when the text is not that (zfs-fuse has no `version`). */
export function parseZfsVersion(text: string): ZfsVersion | null {
  const user = /^zfs-(\d+)\.(\d+)\.(\d+)(\S*)$/m.exec(text);
  if (!user) return null;
  const kmod = /^zfs-kmod-(\S+)$/m.exec(text);
  return {
    userland: `${user[1]}.${user[2]}.${user[3]}${user[4]}`,
    kernel: kmod ? kmod[1]! : null,
    major: Number(user[1]),
    minor: Number(user[2]),
    patch: Number(user[3]),
  };
}

export interface Hold {
  snapshot: string;
  tag: string;
  /** As printed: epoch seconds with -p, otherwise "Sun Mar 10 00:24 2024". */
  timestamp: string;
}

/** `zfs holds -H [-p] [-r] SNAPSHOT...` */
export function parseZfsHolds(text: string): Hold[] {
  return parseTabular(text, ['snapshot', 'tag', 'timestamp']).map((r) => ({
    snapshot: r['snapshot']!,
    tag: r['tag']!,
    timestamp: r['timestamp']!,
  }));
}

/** `zfs destroy -n -v [-p]`: the datasets that would be destroyed and the space reclaimed. */
export function parseDestroyDryRun(text: string): { datasets: string[]; reclaim: number | null } {
  const datasets: string[] = [];
  let reclaim: number | null = null;
  for (const line of text.split('\n')) {
    let m = /^(?:would destroy|will destroy) (.+)$/.exec(line) ?? /^destroy\t(.+)$/.exec(line);
    if (m) {
      datasets.push(m[1]!);
      continue;
    }
    m = /^(?:would reclaim|will reclaim) (\S+)$/.exec(line) ?? /^reclaim\t(\d+)$/.exec(line);
    if (m) reclaim = parseSize(m[1]);
  }
  return { datasets, reclaim };
}
