import { HostCommandError, runLinesOf, ToolOutputError, userArg } from '../host.js';
import { ListingIndex, ListingIndexBuilder } from './listing-index.js';
import type { Host } from '../host.js';
import { refusalOf } from '../tool-refusal.js';
import { ZFS_REFUSALS } from './refusals.js';
import { sizeArgument } from '../../vocabulary/zfs-size.js';
import {
  groupProperties,
  parseArcstats,
  parseDestroyDryRun,
  parseSize,
  parseZfsGet,
  parseZfsHolds,
  parseZfsList,
  parseZfsVersion,
  parseZpoolIostat,
  parseZpoolList,
  parseZpoolStatus,
  zfsListLineParser,
} from './parse.js';
import type { ArcStats, DatasetListEntry, DatasetType, Hold, IostatEntry, PoolListEntry, ZfsVersion, ZpoolStatus } from './parse.js';

export * from './parse.js';
export { ToolRefusal } from '../tool-refusal.js';
export { BadCursorError, ListingIndex, pageKey } from './listing-index.js';
export type { ListingPage, ListingQuery } from './listing-index.js';

export type Dialect = 'openzfs' | 'zfs-fuse';

export type VdevType = 'stripe' | 'mirror' | 'raidz1' | 'raidz2' | 'raidz3' | `draid${string}`;

export interface VdevSpec {
  /** 'stripe' lists plain disks (each its own top-level vdev). */
  type: VdevType;
  disks: string[];
}

export interface CreatePoolInput {
  name: string;
  vdevs: VdevSpec[];
  log?: VdevSpec[];
  cache?: string[];
  spares?: string[];
  special?: VdevSpec[];
  force?: boolean;
  mountpoint?: string;
  /** Pool properties (-o), e.g. ashift, autotrim. */
  properties?: Record<string, string>;
  /** Properties of the root filesystem (-O), e.g. compression. */
  filesystemProperties?: Record<string, string>;
}

export interface ListDatasetsInput {
  root?: string;
  types?: DatasetType[];
  /** Levels below root to include; undefined means all (recursive). */
  depth?: number;
}

export interface CreateZvolInput {
  name: string;
  /** Bytes (exact: a bigint, or a number up to 2^53), or a size string ZFS accepts ("50G"). */
  size: bigint | number | string;
  blocksize?: bigint | number | string;
  sparse?: boolean;
  properties?: Record<string, string>;
}

const LIST_COLUMNS = ['name', 'type', 'used', 'available', 'referenced', 'quota', 'mountpoint', 'origin', 'creation', 'compressratio'];
const POOL_COLUMNS = ['name', 'size', 'allocated', 'free', 'fragmentation', 'capacity', 'dedupratio', 'health', 'altroot'];
const FUSE_POOL_COLUMNS = ['name', 'size', 'allocated', 'free', 'capacity', 'dedupratio', 'health', 'altroot'];

/** Properties whose value is a byte count: exact decimal digits or a size with a unit, never 1e+21. */
const SIZE_PROPERTIES = new Set(['quota', 'refquota', 'reservation', 'refreservation', 'volsize', 'volblocksize', 'recordsize', 'special_small_blocks']);

function propertyAssignment(k: string, v: string): string {
  const value = SIZE_PROPERTIES.has(k) && v !== 'none' && v !== 'auto' ? sizeArgument(v) : v;
  return `${userArg(k)}=${value}`;
}

function propertyArgs(flag: string, props: Record<string, string> | undefined): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(props ?? {})) out.push(flag, propertyAssignment(k, v));
  return out;
}

function vdevTokens(spec: VdevSpec): string[] {
  const disks = spec.disks.map(userArg);
  if (spec.type === 'stripe') return disks;
  if (!/^(mirror|raidz[123]|draid[123]?(:\d+[dcs])*)$/.test(spec.type)) throw new Error(`unknown vdev type ${spec.type}`);
  return [spec.type, ...disks];
}

/**
 * Results of read-only listings, shared by every adapter on a host and kept for a second:
 * a page of 50 out of 10,000 datasets, or a burst of clients asking for the pool list, must
 * not run and parse `zfs list` each time. Any other zpool/zfs command through an adapter on
 * that host clears it at once; changes made behind the adapter's back (another process) are
 * seen within READ_TTL_MS of the host's clock.
 */
const READ_TTL_MS = 1000;
const READ_ONLY_SUBCOMMANDS = new Set(['list', 'get', 'status', 'holds', 'iostat', 'version']);
const readCaches = new WeakMap<Host, Map<string, { at: number; value: Promise<unknown>; revision?: string | number }>>();

/** A snapshot listing read into an index: names sorted, sizes in columns (no object per snapshot). */
export interface SnapshotIndex {
  index: ListingIndex<number>;
  /** By the row number an index entry carries (the order zfs printed them in, then rows spliced in). */
  used: number[];
  referenced: number[];
  /** Epoch seconds; NaN when the tool printed none. */
  creation: number[];
  userrefs: number[];
}

/** One row of a SnapshotIndex, as a page hands it out. */
export interface SnapshotRow {
  name: string;
  used: number | null;
  referenced: number | null;
  creation: number | null;
  userrefs: number;
}

export function snapshotRow(s: SnapshotIndex, position: number): SnapshotRow {
  const row = s.index.extra(position);
  const num = (v: number): number | null => (Number.isFinite(v) ? v : null);
  return {
    name: s.index.name(position),
    used: num(s.used[row]!),
    referenced: num(s.referenced[row]!),
    creation: num(s.creation[row]!),
    userrefs: Number.isFinite(s.userrefs[row]!) ? s.userrefs[row]! : 0,
  };
}

/** A cached listing index: `snapshots` says which snapshot listing it is (null: datasets). */
interface IndexEntry {
  at: number;
  value: Promise<unknown>;
  revision?: string | number;
  snapshots: { dataset?: string; recursive?: boolean } | null;
}
const indexCaches = new WeakMap<Host, Map<string, IndexEntry>>();

/**
 * A write made through the adapter. `affects`: the datasets whose snapshots it may change ([] for
 * a dry run), or null when the adapter cannot tell (recursive operations, datasets, pools...).
 * `overlapped`: another write ran at the same time, so neither can say what the revision's move was.
 */
interface WriteToken {
  affects: string[] | null;
  overlapped: boolean;
  /** The host's revision just before the command (undefined: not read yet, or a host without one). */
  before?: string | number;
  /** The command has ended and the indexes are being brought up to date (endWrite). */
  splicing: boolean;
  done: Promise<void>;
  finish: () => void;
}
const activeWrites = new WeakMap<Host, Set<WriteToken>>();

/**
 * Forget cached listings of this host (the simulator calls it when its model changes). The short-
 * lived listings go; the indexes are kept but checked against the host's revision at their next
 * read, unless a write made through the adapter updates them first (see endWrite).
 */
export function invalidateZfsCache(host: Host): void {
  readCaches.get(host)?.clear();
  for (const e of indexCaches.get(host)?.values() ?? []) e.at = -Infinity;
}

function dropIndexes(host: Host): void {
  indexCaches.get(host)?.clear();
}

/** The dataset a snapshot name (or destroy spec "ds@a%b", "ds@a,b") belongs to. */
function datasetOf(snapshot: string): string {
  const at = snapshot.indexOf('@');
  return at === -1 ? snapshot : snapshot.slice(0, at);
}

function covers(listing: { dataset?: string; recursive?: boolean }, dataset: string): boolean {
  if (listing.dataset === undefined) return true;
  return dataset === listing.dataset || (listing.recursive === true && dataset.startsWith(`${listing.dataset}/`));
}

/** Snapshot rows in columns, in the order zfs printed them. */
interface SnapshotColumns {
  names: string[];
  seqs: number[];
  used: number[];
  referenced: number[];
  creation: number[];
  userrefs: number[];
}

function snapshotColumns(): SnapshotColumns {
  return { names: [], seqs: [], used: [], referenced: [], creation: [], userrefs: [] };
}

/** The integer a field of only digits (1 to 15 of them) spells, or -1: no substring, no regular expression. */
function digitsAt(line: string, from: number, to: number): number {
  if (to <= from || to - from > 15) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = line.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** One snapshot row, reused from line to line (a million lines: one object, not a million). */
interface SnapshotLine {
  name: string;
  group: string;
  used: number;
  referenced: number;
  creation: number;
  userrefs: number;
  txg: number;
}

/** Where the first six tab-separated fields of a line start and end (reused: no array per line). */
const fieldStart = new Int32Array(6);
const fieldEnd = new Int32Array(6);

/** Splits like line.split('\t') would for fields 0..5, without a substring; returns how many there are. */
function splitFields(line: string): number {
  let n = 0;
  let from = 0;
  while (n < 6) {
    const tab = line.indexOf('\t', from);
    fieldStart[n] = from;
    fieldEnd[n] = tab === -1 ? line.length : tab;
    n++;
    if (tab === -1) break;
    from = tab + 1;
  }
  return n;
}

function fieldText(line: string, k: number, n: number): string | undefined {
  return k < n ? line.slice(fieldStart[k], fieldEnd[k]) : undefined;
}

/** A size field: what parseSize gives (NaN for none). */
function sizeField(line: string, k: number, n: number): number {
  if (k >= n) return NaN;
  const d = digitsAt(line, fieldStart[k]!, fieldEnd[k]!);
  return d >= 0 ? d : (parseSize(fieldText(line, k, n)) ?? NaN);
}

/** A numeric field: what Number() gives. */
function numberField(line: string, k: number, n: number): number {
  if (k >= n) return NaN;
  const d = digitsAt(line, fieldStart[k]!, fieldEnd[k]!);
  return d >= 0 ? d : Number(fieldText(line, k, n));
}

/**
 * One line of `zfs list -H [-p] -t snapshot -o name,used,referenced,creation,userrefs,createtxg`
 * into `row`: false for an empty line. Fields of plain digits (what `-p` prints) are read in
 * place; anything else (zfs-fuse's "1.5K", a date, "-") goes through the general parsers, with the
 * same results as splitting the line. `row.group` stays the same string while the dataset does.
 */
function readSnapshotLine(line: string, row: SnapshotLine): boolean {
  if (line === '') return false;
  const n = splitFields(line);
  const name = n > 1 ? line.slice(0, fieldEnd[0]) : line;
  const at = name.indexOf('@');
  if (at <= 0) throw new ToolOutputError('zfs', `a snapshot listing printed ${JSON.stringify(name.slice(0, 80))}`);
  row.name = name;
  if (at !== row.group.length || !name.startsWith(row.group)) row.group = name.slice(0, at);
  row.used = sizeField(line, 1, n);
  row.referenced = sizeField(line, 2, n);
  const created = numberField(line, 3, n);
  if (3 < n && fieldEnd[3]! > fieldStart[3]! && Number.isFinite(created)) {
    row.creation = fieldEnd[3]! - fieldStart[3]! === 1 && line.charCodeAt(fieldStart[3]!) === 45 ? NaN : created; // '-'
  } else row.creation = NaN;
  row.userrefs = numberField(line, 4, n);
  const txg = numberField(line, 5, n);
  row.txg = Number.isFinite(txg) ? txg : 0;
  return true;
}

function snapshotLine(): SnapshotLine {
  return { name: '', group: '', used: NaN, referenced: NaN, creation: NaN, userrefs: NaN, txg: 0 };
}

/**
 * Replaces `dataset`'s snapshots in `s` by `rows` (that dataset's snapshots as zfs lists them now),
 * in place. The new rows' sizes are appended to the columns; when the rows nobody points at any
 * more outnumber the live ones, the columns are compacted into the index's order.
 */
function spliceSnapshots(s: SnapshotIndex, dataset: string, rows: SnapshotColumns): void {
  const base = s.used.length;
  s.index.spliceGroup(dataset, { names: rows.names, seqs: rows.seqs, extras: rows.names.map((_, j) => base + j) });
  for (let j = 0; j < rows.names.length; j++) {
    s.used.push(rows.used[j]!);
    s.referenced.push(rows.referenced[j]!);
    s.creation.push(rows.creation[j]!);
    s.userrefs.push(rows.userrefs[j]!);
  }
  if (s.used.length > 2 * s.index.size + 1024) {
    const n = s.index.size;
    const gather = (col: number[]): number[] => Array.from({ length: n }, (_, i) => col[s.index.extra(i)]!);
    s.used = gather(s.used);
    s.referenced = gather(s.referenced);
    s.creation = gather(s.creation);
    s.userrefs = gather(s.userrefs);
    s.index.setExtras((_, i) => i);
  }
}

/** Typed access to zpool and zfs on a Host, for OpenZFS 2.x and (in a degraded way) zfs-fuse. */
export class ZfsAdapter {
  private dialectCache: { dialect: Dialect; version: ZfsVersion | null } | null = null;

  constructor(private readonly host: Host) {}

  private async zpool(args: string[], okCodes?: number[]): Promise<string> {
    return this.runTool('zpool', args, okCodes);
  }

  /** `affects`: for a write, the datasets whose snapshots it may change (null: cannot tell). */
  private async zfs(args: string[], okCodes?: number[], affects: string[] | null = null): Promise<string> {
    return this.runTool('zfs', args, okCodes, affects);
  }

  private async runTool(tool: 'zpool' | 'zfs', args: string[], okCodes?: number[], affects: string[] | null = null): Promise<string> {
    const changes = !READ_ONLY_SUBCOMMANDS.has(args[0] ?? '') || args.includes('-n');
    if (!changes) return this.runCommand(tool, args, okCodes);
    const dryRun = !READ_ONLY_SUBCOMMANDS.has(args[0] ?? '') && args.includes('-n');
    const token = this.beginWrite(dryRun ? [] : affects);
    let before: string | number | undefined;
    try {
      before = await this.host.revision?.();
      token.before = before;
      invalidateZfsCache(this.host);
      return await this.runCommand(tool, args, okCodes);
    } finally {
      token.splicing = true;
      invalidateZfsCache(this.host);
      await this.endWrite(token, before);
    }
  }

  private async runCommand(tool: 'zpool' | 'zfs', args: string[], okCodes?: number[]): Promise<string> {
    try {
      return (await this.host.run(tool, args, okCodes ? { okCodes } : {})).stdout;
    } catch (err) {
      // "currently scrubbing", "dataset is busy", "out of space"...: the user's answer, not a fault.
      throw refusalOf(err, ZFS_REFUSALS) ?? err;
    }
  }

  private beginWrite(affects: string[] | null): WriteToken {
    let active = activeWrites.get(this.host);
    if (!active) activeWrites.set(this.host, (active = new Set()));
    let finish = (): void => {};
    const done = new Promise<void>((resolve) => (finish = resolve));
    const token: WriteToken = { affects, overlapped: active.size > 0, splicing: false, done, finish };
    for (const other of active) other.overlapped = true;
    active.add(token);
    return token;
  }

  /**
   * After a write: the cached indexes that were current just before it (their revision is the one
   * read then) and that it cannot have changed move to the revision after it; the snapshot indexes
   * covering a dataset it changed get that dataset's snapshots re-listed (`zfs list -d 1`) and
   * spliced in. Anything else (a write the adapter cannot account for, two writes at once, the
   * revision moving during the re-listing, a host without a revision) drops every index.
   * Index readers wait for the writes being spliced in when they arrive, never for a write's command (cachedIndex).
   */
  private async endWrite(token: WriteToken, before: string | number | undefined): Promise<void> {
    try {
      const entries = indexCaches.get(this.host);
      if (!entries || entries.size === 0) return;
      const affects = token.affects;
      if (affects === null || token.overlapped || before === undefined || !this.host.revision) return dropIndexes(this.host);
      const after = await this.host.revision();
      const datasets = [...new Set(affects)];
      const relisted = new Map<string, SnapshotColumns>();
      const updates: { key: string; entry: IndexEntry; value: unknown; datasets: string[] }[] = [];
      for (const [key, entry] of entries) {
        if (entry.revision !== before || (entry.snapshots === null && datasets.length > 0)) {
          entries.delete(key);
          continue;
        }
        const listing = entry.snapshots;
        const mine = listing ? datasets.filter((d) => covers(listing, d)) : [];
        const value = await entry.value;
        for (const d of mine) if (!relisted.has(d)) relisted.set(d, await this.listSnapshotColumns(['-d', '1', userArg(d)]));
        updates.push({ key, entry, value, datasets: mine });
      }
      if ((await this.host.revision()) !== after || token.overlapped) return dropIndexes(this.host);
      // From here on synchronous: the indexes change in place between two events, never mid-page.
      const now = this.host.now?.() ?? Date.now();
      for (const { key, entry, value, datasets: mine } of updates) {
        if (entries.get(key) !== entry) continue; // replaced by a fresh read meanwhile
        for (const d of mine) spliceSnapshots(value as SnapshotIndex, d, relisted.get(d)!);
        entry.revision = after;
        entry.at = now;
      }
    } catch {
      dropIndexes(this.host);
    } finally {
      activeWrites.get(this.host)?.delete(token);
      token.finish();
    }
  }

  /** A listing from the shared short-lived cache, or computed (and shared with concurrent callers). */
  private cached<T>(key: string, compute: () => Promise<T>): Promise<T> {
    let cache = readCaches.get(this.host);
    if (!cache) readCaches.set(this.host, (cache = new Map()));
    const now = this.host.now?.() ?? Date.now();
    const hit = cache.get(key);
    if (hit && now - hit.at >= 0 && now - hit.at < READ_TTL_MS) return hit.value as Promise<T>;
    const value = compute();
    const entry = { at: now, value };
    cache.set(key, entry);
    value.catch(() => {
      if (cache.get(key) === entry) cache.delete(key);
    });
    return value;
  }

  /**
   * A listing index from the shared cache: like cached(), but once its second is up it is kept
   * while the host's revision (when the host has one) says nothing changed, so a million
   * snapshots are not read again every second on an appliance at rest.
   */
  private async cachedIndex<T>(key: string, compute: () => Promise<T>, snapshots: IndexEntry['snapshots'] = null): Promise<T> {
    const writing = activeWrites.get(this.host);
    if (writing && writing.size > 0) {
      // Writes whose command has ended are updating the index in place (one dataset re-listed): wait for those, not
      // for later ones.
      const splicing = [...writing].filter((w) => w.splicing);
      if (splicing.length > 0) await Promise.all(splicing.map((w) => w.done));
      // A write whose command still runs has not happened yet (zfs may take seconds, or be held by a busy pool): the
      // index as it was just before it is a true answer, so the reader neither waits for it nor rebuilds the index
      // its end is about to update.
      const hit = indexCaches.get(this.host)?.get(key);
      const running = [...(activeWrites.get(this.host) ?? [])].filter((w) => !w.splicing);
      if (hit && hit.revision !== undefined && running.some((w) => w.before === hit.revision)) return hit.value as Promise<T>;
    }
    let cache = indexCaches.get(this.host);
    if (!cache) indexCaches.set(this.host, (cache = new Map()));
    const now = this.host.now?.() ?? Date.now();
    const hit = cache.get(key);
    if (hit && now - hit.at >= 0 && now - hit.at < READ_TTL_MS) return hit.value as Promise<T>;
    const revision = this.host.revision ? await this.host.revision() : undefined;
    const again = cache.get(key);
    if (again && again === hit && revision !== undefined && again.revision === revision) {
      again.at = now;
      return again.value as Promise<T>;
    }
    if (again && again !== hit) return again.value as Promise<T>; // another caller started a fresh read meanwhile
    const value = compute();
    const entry: IndexEntry = { at: now, value, revision, snapshots };
    cache.set(key, entry);
    value.catch(() => {
      if (cache.get(key) === entry) cache.delete(key);
    });
    return value;
  }

  /** A command's standard output line by line (Host.runLines), with the same cache clearing and refusals as runTool. */
  private async streamTool(tool: 'zpool' | 'zfs', args: string[], onLine: (line: string) => void): Promise<void> {
    try {
      await runLinesOf(this.host, tool, args, onLine);
    } catch (err) {
      throw refusalOf(err, ZFS_REFUSALS) ?? err;
    }
  }

  /** `zfs version`; zfs-fuse has no such command and is recognised by that. */
  async detect(): Promise<{ dialect: Dialect; version: ZfsVersion | null }> {
    if (this.dialectCache) return this.dialectCache;
    let detected: { dialect: Dialect; version: ZfsVersion | null };
    try {
      const version = parseZfsVersion(await this.zfs(['version']));
      detected = { dialect: version ? 'openzfs' : 'zfs-fuse', version };
    } catch (err) {
      if (!(err instanceof HostCommandError) || err.code === null) throw err;
      detected = { dialect: 'zfs-fuse', version: null };
    }
    this.dialectCache = detected;
    return detected;
  }

  async dialect(): Promise<Dialect> {
    return (await this.detect()).dialect;
  }

  async listPools(): Promise<PoolListEntry[]> {
    return this.cached('listPools', () => this.readPools());
  }

  private async readPools(): Promise<PoolListEntry[]> {
    const fuse = (await this.dialect()) === 'zfs-fuse';
    const columns = fuse ? FUSE_POOL_COLUMNS : POOL_COLUMNS;
    const args = fuse ? ['list', '-H', '-o', columns.join(',')] : ['list', '-H', '-p', '-o', columns.join(',')];
    return parseZpoolList(await this.zpool(args), columns);
  }

  async poolStatus(name?: string): Promise<ZpoolStatus[]> {
    return this.cached(`poolStatus ${name ?? ''}`, () => this.readPoolStatus(name));
  }

  private async readPoolStatus(name?: string): Promise<ZpoolStatus[]> {
    const fuse = (await this.dialect()) === 'zfs-fuse';
    const args = fuse ? ['status'] : ['status', '-P', '-p'];
    if (name !== undefined) args.push(userArg(name));
    return parseZpoolStatus(await this.zpool(args));
  }

  async createPool(input: CreatePoolInput): Promise<void> {
    const args = ['create'];
    if (input.force) args.push('-f');
    args.push(...propertyArgs('-o', input.properties), ...propertyArgs('-O', input.filesystemProperties));
    if (input.mountpoint !== undefined) args.push('-m', userArg(input.mountpoint));
    args.push(userArg(input.name));
    for (const v of input.vdevs) args.push(...vdevTokens(v));
    if (input.special?.length) args.push('special', ...input.special.flatMap(vdevTokens));
    if (input.log?.length) args.push('log', ...input.log.flatMap(vdevTokens));
    if (input.cache?.length) args.push('cache', ...input.cache.map(userArg));
    if (input.spares?.length) args.push('spare', ...input.spares.map(userArg));
    await this.zpool(args);
  }

  /** zfs-fuse may still hold a just-unmounted pool or dataset: it answers "busy" for a moment. */
  private async retryBusy(run: () => Promise<unknown>, retries: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await run();
        return;
      } catch (err) {
        const busy = err instanceof HostCommandError && /busy/.test(err.stderr);
        if (!busy || attempt >= retries) throw err;
        await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
      }
    }
  }

  async destroyPool(name: string, opts: { force?: boolean; retries?: number } = {}): Promise<void> {
    const args = ['destroy', ...(opts.force ? ['-f'] : []), userArg(name)];
    await this.retryBusy(() => this.zpool(args), opts.retries ?? 5);
  }

  async exportPool(name: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.zpool(['export', ...(opts.force ? ['-f'] : []), userArg(name)]);
  }

  /** Pools that `zpool import` can see; `dirs` searches file vdevs (-d). */
  async listImportable(dirs: string[] = []): Promise<ZpoolStatus[]> {
    const args = ['import', ...dirs.flatMap((d) => ['-d', userArg(d)])];
    return parseZpoolStatus(await this.zpool(args));
  }

  async importPool(name: string, opts: { newName?: string; force?: boolean; dirs?: string[] } = {}): Promise<void> {
    const args = ['import', ...(opts.force ? ['-f'] : []), ...(opts.dirs ?? []).flatMap((d) => ['-d', userArg(d)]), userArg(name)];
    if (opts.newName) args.push(userArg(opts.newName));
    await this.zpool(args);
  }

  async scrub(pool: string, action: 'start' | 'pause' | 'stop' = 'start'): Promise<void> {
    const flag = action === 'pause' ? ['-p'] : action === 'stop' ? ['-s'] : [];
    await this.zpool(['scrub', ...flag, userArg(pool)]);
  }

  async replace(pool: string, device: string, newDevice?: string, opts: { force?: boolean } = {}): Promise<void> {
    const args = ['replace', ...(opts.force ? ['-f'] : []), userArg(pool), userArg(device)];
    if (newDevice !== undefined) args.push(userArg(newDevice));
    await this.zpool(args);
  }

  async attach(pool: string, device: string, newDevice: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.zpool(['attach', ...(opts.force ? ['-f'] : []), userArg(pool), userArg(device), userArg(newDevice)]);
  }

  async detach(pool: string, device: string): Promise<void> {
    await this.zpool(['detach', userArg(pool), userArg(device)]);
  }

  async online(pool: string, device: string): Promise<void> {
    await this.zpool(['online', userArg(pool), userArg(device)]);
  }

  async offline(pool: string, device: string, opts: { temporary?: boolean } = {}): Promise<void> {
    await this.zpool(['offline', ...(opts.temporary ? ['-t'] : []), userArg(pool), userArg(device)]);
  }

  async clear(pool: string, device?: string): Promise<void> {
    await this.zpool(['clear', userArg(pool), ...(device !== undefined ? [userArg(device)] : [])]);
  }

  async poolProperties(pool: string, props: string[] = ['all']): Promise<Record<string, { value: string; source: string }>> {
    const fuse = (await this.dialect()) === 'zfs-fuse';
    const args = ['get', fuse ? '-H' : '-Hp', '-o', 'name,property,value,source', props.map(userArg).join(','), userArg(pool)];
    return groupProperties(parseZfsGet(await this.zpool(args))).get(pool) ?? {};
  }

  async listDatasets(input: ListDatasetsInput = {}): Promise<DatasetListEntry[]> {
    return this.cached(`listDatasets ${JSON.stringify(input)}`, () => this.readDatasets(input));
  }

  private async readDatasets(input: ListDatasetsInput): Promise<DatasetListEntry[]> {
    const fuse = (await this.dialect()) === 'zfs-fuse';
    const columns = LIST_COLUMNS;
    // zfs-fuse refuses `list -p`; its human sizes are parsed instead (at K/M/G precision).
    const args = ['list', '-H', ...(fuse ? [] : ['-p']), '-o', columns.join(','), '-t', (input.types ?? ['filesystem', 'volume']).join(',')];
    if (input.depth !== undefined) args.push('-d', String(input.depth));
    else if (input.root !== undefined) args.push('-r');
    if (input.root !== undefined) args.push(userArg(input.root));
    return parseZfsList(await this.zfs(args), columns);
  }

  /** Exact values via `zfs get -Hp` (works on zfs-fuse too). */
  async getProperties(name: string, props: string[] = ['all']): Promise<Record<string, { value: string; source: string }>> {
    return this.cached(`getProperties ${name} ${props.join(',')}`, () => this.readProperties(name, props));
  }

  private async readProperties(name: string, props: string[]): Promise<Record<string, { value: string; source: string }>> {
    const args = ['get', '-Hp', '-o', 'name,property,value,source', props.map(userArg).join(','), userArg(name)];
    return groupProperties(parseZfsGet(await this.zfs(args))).get(name) ?? {};
  }

  async createDataset(input: { name: string; properties?: Record<string, string>; createParents?: boolean }): Promise<void> {
    await this.zfs(['create', ...(input.createParents ? ['-p'] : []), ...propertyArgs('-o', input.properties), userArg(input.name)]);
  }

  async createZvol(input: CreateZvolInput): Promise<void> {
    const args = ['create', ...(input.sparse ? ['-s'] : [])];
    if (input.blocksize !== undefined) args.push('-b', userArg(sizeArgument(input.blocksize)));
    args.push(...propertyArgs('-o', input.properties), '-V', userArg(sizeArgument(input.size)), userArg(input.name));
    await this.zfs(args);
  }

  async setProperties(name: string, props: Record<string, string>): Promise<void> {
    const assignments = Object.entries(props).map(([k, v]) => propertyAssignment(k, v));
    if (assignments.length === 0) return;
    await this.zfs(['set', ...assignments, userArg(name)]);
  }

  async inheritProperty(name: string, prop: string, opts: { recursive?: boolean } = {}): Promise<void> {
    await this.zfs(['inherit', ...(opts.recursive ? ['-r'] : []), userArg(prop), userArg(name)]);
  }

  async destroy(name: string, opts: { recursive?: boolean; dependents?: boolean } = {}): Promise<void> {
    const flags = [...(opts.recursive ? ['-r'] : []), ...(opts.dependents ? ['-R'] : [])];
    const args = ['destroy', ...flags, userArg(name)];
    // On OpenZFS "busy" means a hold or a user of the dataset: retrying would not help.
    const affects = name.includes('@') && !opts.recursive && !opts.dependents ? [datasetOf(name)] : null;
    await this.retryBusy(() => this.zfs(args, undefined, affects), (await this.dialect()) === 'zfs-fuse' ? 5 : 0);
  }

  /**
   * What `destroy` with these options would remove (dry run). zfs-fuse has no -n: there the
   * answer is computed from a recursive listing and cannot include clones elsewhere.
   */
  async listDependents(
    name: string,
    opts: { recursive?: boolean; dependents?: boolean } = { recursive: true },
  ): Promise<{ datasets: string[]; reclaim: number | null }> {
    if ((await this.dialect()) === 'zfs-fuse') {
      if (name.includes('@')) return { datasets: [name], reclaim: null };
      const rows = await this.listDatasets({ root: name, types: ['filesystem', 'volume', 'snapshot'] });
      return { datasets: rows.map((r) => r.name).reverse(), reclaim: null };
    }
    const flags = ['-n', '-v', '-p', ...(opts.recursive ? ['-r'] : []), ...(opts.dependents ? ['-R'] : [])];
    return parseDestroyDryRun(await this.zfs(['destroy', ...flags, userArg(name)]));
  }

  async snapshot(name: string, opts: { recursive?: boolean; properties?: Record<string, string> } = {}): Promise<void> {
    const affects = opts.recursive ? null : [datasetOf(name)];
    await this.zfs(['snapshot', ...(opts.recursive ? ['-r'] : []), ...propertyArgs('-o', opts.properties), userArg(name)], undefined, affects);
  }

  async listSnapshots(input: { dataset?: string; recursive?: boolean } = {}): Promise<DatasetListEntry[]> {
    return this.cached(`listSnapshots ${JSON.stringify(input)}`, () => this.readSnapshots(input));
  }

  private async readSnapshots(input: { dataset?: string; recursive?: boolean }): Promise<DatasetListEntry[]> {
    const fuse = (await this.dialect()) === 'zfs-fuse';
    const columns = ['name', 'used', 'referenced', 'creation', 'userrefs'];
    const args = ['list', '-H', ...(fuse ? [] : ['-p']), '-t', 'snapshot', '-o', columns.join(',')];
    if (input.dataset !== undefined) args.push(...(input.recursive ? ['-r'] : ['-d', '1']), userArg(input.dataset));
    // Streamed: the answer may exceed any buffer (Host.runLines); the lines parse as parseZfsList would.
    const parseLine = zfsListLineParser(columns);
    const out: DatasetListEntry[] = [];
    await this.streamTool('zfs', args, (line) => {
      const row = parseLine(line);
      if (row) out.push(row);
    });
    return out;
  }

  /** Datasets as a sorted index (pages, cursors, name prefixes), read once per change. */
  async datasetIndex(input: ListDatasetsInput = {}): Promise<ListingIndex<DatasetListEntry>> {
    return this.cachedIndex(`datasetIndex ${JSON.stringify(input)}`, async () => {
      const builder = new ListingIndexBuilder<DatasetListEntry>();
      for (const row of await this.listDatasets(input)) builder.add(row.name, row.name, 0, row);
      return builder.freeze();
    });
  }

  /**
   * Snapshots as a sorted index, `zfs list -t snapshot` streamed line by line into it: a million
   * snapshots are never one string nor a million objects (the sizes go into typed columns).
   */
  async snapshotIndex(input: { dataset?: string; recursive?: boolean } = {}): Promise<SnapshotIndex> {
    const listing = { ...(input.dataset !== undefined ? { dataset: input.dataset } : {}), ...(input.recursive ? { recursive: true } : {}) };
    return this.cachedIndex(`snapshotIndex ${JSON.stringify(input)}`, () => this.readSnapshotIndex(input), listing);
  }

  private async readSnapshotIndex(input: { dataset?: string; recursive?: boolean }): Promise<SnapshotIndex> {
    const scope = input.dataset !== undefined ? [...(input.recursive ? ['-r'] : ['-d', '1']), userArg(input.dataset)] : [];
    const builder = new ListingIndexBuilder<number>();
    const used: number[] = [];
    const referenced: number[] = [];
    const creation: number[] = [];
    const userrefs: number[] = [];
    const row = snapshotLine();
    await this.streamSnapshots(scope, (line) => {
      if (!readSnapshotLine(line, row)) return;
      builder.add(row.name, row.group, row.txg, used.length);
      used.push(row.used);
      referenced.push(row.referenced);
      creation.push(row.creation);
      userrefs.push(row.userrefs);
    });
    return { index: builder.freeze(), used, referenced, creation, userrefs };
  }

  private async streamSnapshots(scope: string[], onLine: (line: string) => void): Promise<void> {
    const fuse = (await this.dialect()) === 'zfs-fuse';
    const columns = ['name', 'used', 'referenced', 'creation', 'userrefs', 'createtxg'];
    await this.streamTool('zfs', ['list', '-H', ...(fuse ? [] : ['-p']), '-t', 'snapshot', '-o', columns.join(','), ...scope], onLine);
  }

  /** `zfs list -t snapshot` (with `scope`: `-d 1 <dataset>`...) streamed into columns. */
  private async listSnapshotColumns(scope: string[]): Promise<SnapshotColumns> {
    const c = snapshotColumns();
    const row = snapshotLine();
    await this.streamSnapshots(scope, (line) => {
      if (!readSnapshotLine(line, row)) return;
      c.names.push(row.name);
      c.seqs.push(row.txg);
      c.used.push(row.used);
      c.referenced.push(row.referenced);
      c.creation.push(row.creation);
      c.userrefs.push(row.userrefs);
    });
    return c;
  }

  /** One snapshot, or a range/list in `zfs destroy` syntax ("pool/ds@a%b", "pool/ds@a,b"). */
  async destroySnapshot(spec: string, opts: { recursive?: boolean; dependents?: boolean } = {}): Promise<void> {
    if (!spec.includes('@')) throw new Error(`not a snapshot: ${spec}`);
    await this.destroy(spec, opts);
  }

  async rollback(snapshot: string, opts: { destroyNewer?: boolean; destroyClones?: boolean } = {}): Promise<void> {
    const flags = [...(opts.destroyNewer ? ['-r'] : []), ...(opts.destroyClones ? ['-R'] : [])];
    await this.zfs(['rollback', ...flags, userArg(snapshot)]);
  }

  async clone(snapshot: string, target: string, properties?: Record<string, string>): Promise<void> {
    await this.zfs(['clone', ...propertyArgs('-o', properties), userArg(snapshot), userArg(target)]);
  }

  async promote(name: string): Promise<void> {
    await this.zfs(['promote', userArg(name)]);
  }

  async rename(from: string, to: string, opts: { recursive?: boolean; createParents?: boolean } = {}): Promise<void> {
    const flags = [...(opts.recursive ? ['-r'] : []), ...(opts.createParents ? ['-p'] : [])];
    const affects = from.includes('@') && !opts.recursive ? [datasetOf(from)] : null;
    await this.zfs(['rename', ...flags, userArg(from), userArg(to)], undefined, affects);
  }

  async hold(tag: string, snapshot: string, opts: { recursive?: boolean } = {}): Promise<void> {
    await this.zfs(['hold', ...(opts.recursive ? ['-r'] : []), userArg(tag), userArg(snapshot)], undefined, opts.recursive ? null : [datasetOf(snapshot)]);
  }

  async release(tag: string, snapshot: string, opts: { recursive?: boolean } = {}): Promise<void> {
    await this.zfs(['release', ...(opts.recursive ? ['-r'] : []), userArg(tag), userArg(snapshot)], undefined, opts.recursive ? null : [datasetOf(snapshot)]);
  }

  async holds(snapshot: string, opts: { recursive?: boolean } = {}): Promise<Hold[]> {
    return parseZfsHolds(await this.zfs(['holds', '-H', '-p', ...(opts.recursive ? ['-r'] : []), userArg(snapshot)]));
  }

  async arcStats(): Promise<ArcStats | null> {
    const text = await this.host.files.readIfExists('/proc/spl/kstat/zfs/arcstats');
    return text === null ? null : parseArcstats(text);
  }

  async iostat(pool?: string): Promise<IostatEntry[]> {
    const fuse = (await this.dialect()) === 'zfs-fuse';
    if (fuse) return [];
    return parseZpoolIostat(await this.zpool(['iostat', '-H', '-p', ...(pool !== undefined ? [userArg(pool)] : [])]));
  }
}
