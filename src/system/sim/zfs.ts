import type { RunResult } from '../host.js';
import { validateZfsName } from '../../vocabulary/zfs-names.js';
import { canonicalProperty, parseSize } from '../zfs/parse.js';
import { niceNumber, zfsShortDate } from '../zfs/format.js';
import { ZFS_SIZE_MAX, parseExactSize } from '../../vocabulary/zfs-size.js';
import { getopt, ok, ToolExit } from './common.js';
import { newGuid } from './model.js';
import type { SimDataset, SimPool, SimSnapshot } from './model.js';
import type { Space } from './state.js';
import type { SimContext } from './zpool.js';

type Target = { kind: 'ds'; ds: SimDataset } | { kind: 'snap'; snap: SimSnapshot };

interface PropDef {
  inherit: boolean;
  def: string;
  values?: string;
  check?: (v: string) => boolean;
  size?: boolean;
  fs: boolean;
  vol: boolean;
}

const ONOFF = { values: 'on | off', check: (v: string) => v === 'on' || v === 'off' };
const COMPRESSION_VALUES =
  'on | off | lzjb | gzip | gzip-[1-9] | zle | lz4 | zstd | zstd-[1-19] | zstd-fast | zstd-fast-[1-10,20,30,40,50,60,70,80,90,100,500,1000]';

const SETTABLE: Record<string, PropDef> = {
  quota: { inherit: false, def: '0', size: true, fs: true, vol: false },
  reservation: { inherit: false, def: '0', size: true, fs: true, vol: true },
  refquota: { inherit: false, def: '0', size: true, fs: true, vol: false },
  refreservation: { inherit: false, def: '0', size: true, fs: true, vol: true },
  recordsize: {
    inherit: true,
    def: '131072',
    size: true,
    fs: true,
    vol: false,
    values: 'power of 2 from 512B to 16M',
    check: (v) => powerOfTwo(v, 512, 16 * 1024 * 1024),
  },
  mountpoint: {
    inherit: true,
    def: '',
    fs: true,
    vol: false,
    values: "an absolute path, 'none', or 'legacy'",
    check: (v) => v.startsWith('/') || v === 'none' || v === 'legacy',
  },
  sharenfs: { inherit: true, def: 'off', fs: true, vol: false },
  sharesmb: { inherit: true, def: 'off', fs: true, vol: false },
  checksum: {
    inherit: true,
    def: 'on',
    fs: true,
    vol: true,
    values: 'on | off | fletcher2 | fletcher4 | sha256 | sha512 | skein | edonr | blake3',
    check: (v) => ['on', 'off', 'fletcher2', 'fletcher4', 'sha256', 'sha512', 'skein', 'edonr', 'blake3'].includes(v),
  },
  compression: {
    inherit: true,
    def: 'off',
    fs: true,
    vol: true,
    values: COMPRESSION_VALUES,
    check: (v) =>
      /^(on|off|lzjb|gzip|gzip-[1-9]|zle|lz4|zstd|zstd-([1-9]|1[0-9])|zstd-fast|zstd-fast-([1-9]|10|20|30|40|50|60|70|80|90|100|500|1000))$/.test(v),
  },
  atime: { inherit: true, def: 'on', fs: true, vol: false, ...ONOFF },
  relatime: { inherit: true, def: 'on', fs: true, vol: false, ...ONOFF },
  devices: { inherit: true, def: 'on', fs: true, vol: false, ...ONOFF },
  exec: { inherit: true, def: 'on', fs: true, vol: false, ...ONOFF },
  setuid: { inherit: true, def: 'on', fs: true, vol: false, ...ONOFF },
  readonly: { inherit: true, def: 'off', fs: true, vol: true, ...ONOFF },
  snapdir: { inherit: true, def: 'hidden', fs: true, vol: false, values: 'hidden | visible', check: (v) => v === 'hidden' || v === 'visible' },
  canmount: { inherit: false, def: 'on', fs: true, vol: false, values: 'on | off | noauto', check: (v) => ['on', 'off', 'noauto'].includes(v) },
  xattr: { inherit: true, def: 'sa', fs: true, vol: false, values: 'on | off | dir | sa', check: (v) => ['on', 'off', 'dir', 'sa'].includes(v) },
  copies: { inherit: true, def: '1', fs: true, vol: true, values: '1 | 2 | 3', check: (v) => ['1', '2', '3'].includes(v) },
  dedup: {
    inherit: true,
    def: 'off',
    fs: true,
    vol: true,
    values: 'on | off | verify | sha256[,verify] | sha512[,verify] | skein[,verify] | edonr,verify | blake3[,verify]',
    check: (v) => /^(on|off|verify|(sha256|sha512|skein|blake3)(,verify)?|edonr,verify)$/.test(v),
  },
  sync: {
    inherit: true,
    def: 'standard',
    fs: true,
    vol: true,
    values: 'standard | always | disabled',
    check: (v) => ['standard', 'always', 'disabled'].includes(v),
  },
  primarycache: { inherit: true, def: 'all', fs: true, vol: true, values: 'all | none | metadata', check: (v) => ['all', 'none', 'metadata'].includes(v) },
  secondarycache: { inherit: true, def: 'all', fs: true, vol: true, values: 'all | none | metadata', check: (v) => ['all', 'none', 'metadata'].includes(v) },
  logbias: { inherit: true, def: 'latency', fs: true, vol: true, values: 'latency | throughput', check: (v) => v === 'latency' || v === 'throughput' },
  acltype: {
    inherit: true,
    def: 'off',
    fs: true,
    vol: false,
    values: 'off | nfsv4 | posix',
    check: (v) => ['off', 'nfsv4', 'posix', 'noacl', 'posixacl'].includes(v),
  },
  aclinherit: { inherit: true, def: 'restricted', fs: true, vol: false },
  aclmode: { inherit: true, def: 'discard', fs: true, vol: false },
  volsize: { inherit: false, def: '0', size: true, fs: false, vol: true },
  volmode: {
    inherit: true,
    def: 'default',
    fs: true,
    vol: true,
    values: 'default | full | geom | dev | none',
    check: (v) => ['default', 'full', 'geom', 'dev', 'none'].includes(v),
  },
  snapdev: { inherit: true, def: 'hidden', fs: true, vol: true, values: 'hidden | visible', check: (v) => v === 'hidden' || v === 'visible' },
  redundant_metadata: {
    inherit: true,
    def: 'all',
    fs: true,
    vol: true,
    values: 'all | most | some | none',
    check: (v) => ['all', 'most', 'some', 'none'].includes(v),
  },
  dnodesize: {
    inherit: true,
    def: 'legacy',
    fs: true,
    vol: false,
    values: 'legacy | auto | 1k | 2k | 4k | 8k | 16k',
    check: (v) => ['legacy', 'auto', '1k', '2k', '4k', '8k', '16k'].includes(v),
  },
  special_small_blocks: { inherit: true, def: '0', size: true, fs: true, vol: false },
  filesystem_limit: { inherit: false, def: 'none', fs: true, vol: false },
  snapshot_limit: { inherit: false, def: 'none', fs: true, vol: true },
};

const CREATE_ONLY: Record<string, PropDef> = {
  volblocksize: { inherit: false, def: '16384', size: true, fs: false, vol: true, check: (v) => powerOfTwo(v, 512, 128 * 1024) },
  casesensitivity: {
    inherit: false,
    def: 'sensitive',
    fs: true,
    vol: false,
    values: 'sensitive | insensitive | mixed',
    check: (v) => ['sensitive', 'insensitive', 'mixed'].includes(v),
  },
  normalization: { inherit: false, def: 'none', fs: true, vol: false },
  utf8only: { inherit: false, def: 'off', fs: true, vol: false, ...ONOFF },
  encryption: { inherit: false, def: 'off', fs: true, vol: true },
};

const FS_ORDER = [
  'type',
  'creation',
  'used',
  'available',
  'referenced',
  'compressratio',
  'mounted',
  'quota',
  'reservation',
  'recordsize',
  'mountpoint',
  'sharenfs',
  'checksum',
  'compression',
  'atime',
  'devices',
  'exec',
  'setuid',
  'readonly',
  'zoned',
  'snapdir',
  'aclmode',
  'aclinherit',
  'createtxg',
  'canmount',
  'xattr',
  'copies',
  'version',
  'utf8only',
  'normalization',
  'casesensitivity',
  'vscan',
  'nbmand',
  'sharesmb',
  'refquota',
  'refreservation',
  'guid',
  'primarycache',
  'secondarycache',
  'usedbysnapshots',
  'usedbydataset',
  'usedbychildren',
  'usedbyrefreservation',
  'logbias',
  'objsetid',
  'dedup',
  'mlslabel',
  'sync',
  'dnodesize',
  'refcompressratio',
  'written',
  'logicalused',
  'logicalreferenced',
  'volmode',
  'filesystem_limit',
  'snapshot_limit',
  'filesystem_count',
  'snapshot_count',
  'snapdev',
  'acltype',
  'context',
  'fscontext',
  'defcontext',
  'rootcontext',
  'relatime',
  'redundant_metadata',
  'overlay',
  'encryption',
  'keylocation',
  'keyformat',
  'pbkdf2iters',
  'special_small_blocks',
];
const VOL_ORDER = [
  'type',
  'creation',
  'used',
  'available',
  'referenced',
  'compressratio',
  'reservation',
  'volsize',
  'volblocksize',
  'checksum',
  'compression',
  'readonly',
  'createtxg',
  'copies',
  'refreservation',
  'guid',
  'primarycache',
  'secondarycache',
  'usedbysnapshots',
  'usedbydataset',
  'usedbychildren',
  'usedbyrefreservation',
  'logbias',
  'objsetid',
  'dedup',
  'mlslabel',
  'sync',
  'refcompressratio',
  'written',
  'logicalused',
  'logicalreferenced',
  'volmode',
  'snapshot_limit',
  'snapshot_count',
  'snapdev',
  'context',
  'fscontext',
  'defcontext',
  'rootcontext',
  'redundant_metadata',
  'encryption',
  'keylocation',
  'keyformat',
  'pbkdf2iters',
];
const SNAP_ORDER = [
  'type',
  'creation',
  'used',
  'referenced',
  'compressratio',
  'devices',
  'exec',
  'setuid',
  'createtxg',
  'xattr',
  'version',
  'utf8only',
  'normalization',
  'casesensitivity',
  'nbmand',
  'guid',
  'primarycache',
  'secondarycache',
  'defer_destroy',
  'userrefs',
  'objsetid',
  'mlslabel',
  'refcompressratio',
  'written',
  'clones',
  'logicalreferenced',
  'acltype',
  'context',
  'fscontext',
  'defcontext',
  'rootcontext',
  'encryption',
];
const KNOWN = new Set([...FS_ORDER, ...VOL_ORDER, ...SNAP_ORDER, 'name', 'origin', 'userrefs', 'clones', 'defer_destroy']);

function powerOfTwo(v: string, min: number, max: number): boolean {
  const n = parseSize(v);
  return n !== null && n >= min && n <= max && (n & (n - 1)) === 0;
}

function parentName(name: string): string | null {
  const i = name.lastIndexOf('/');
  return i < 0 ? null : name.slice(0, i);
}

function baseOf(name: string): string {
  const at = name.indexOf('@');
  return at < 0 ? name : name.slice(0, at);
}

function nameHash(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

class Props {
  private spaces = new Map<string, Map<string, Space>>();
  constructor(
    private readonly ctx: SimContext,
    private readonly literal: boolean,
  ) {}

  private space(ds: SimDataset): Space {
    const pool = this.ctx.state.poolOf(ds.name)!;
    let map = this.spaces.get(pool.name);
    if (!map) {
      map = this.ctx.state.space(pool);
      this.spaces.set(pool.name, map);
    }
    return map.get(ds.name)!;
  }

  private num(n: number): string {
    return this.literal ? String(Math.floor(n)) : niceNumber(n);
  }

  /** A stored byte count (decimal digits): exact with -p, as zfs prints 64-bit values. */
  private exact(text: string): string {
    return this.literal && /^\d+$/.test(text) ? BigInt(text).toString() : this.num(Number(text));
  }

  private ratio(r: number): string {
    return this.literal ? r.toFixed(2) : `${r.toFixed(2)}x`;
  }

  /** Inherited value of a property and where it comes from. */
  inherited(dsName: string, prop: string): { value: string; source: string; from: string | null } {
    let cur: string | null = dsName;
    while (cur !== null) {
      const d = this.ctx.state.dsByName.get(cur);
      const v = d?.props[prop];
      if (v !== undefined) return { value: v, source: cur === dsName ? 'local' : `inherited from ${cur}`, from: cur };
      cur = parentName(cur);
    }
    return { value: SETTABLE[prop]?.def ?? CREATE_ONLY[prop]?.def ?? '-', source: 'default', from: null };
  }

  compressRatio(dsName: string): number {
    const c = this.inherited(baseOf(dsName), 'compression').value;
    return c === 'off' ? 1 : 1 + (nameHash(baseOf(dsName)) % 70) / 100;
  }

  get(t: Target, prop: string): { value: string; source: string } | null {
    const p = canonicalProperty(prop);
    if (t.kind === 'snap') return this.snapProp(t.snap, p);
    const ds = t.ds;
    const isVol = ds.type === 'volume';
    const order = isVol ? VOL_ORDER : FS_ORDER;
    if (p.includes(':')) {
      const v = this.inherited(ds.name, p);
      return v.source === 'default' ? { value: '-', source: '-' } : { value: v.value, source: v.source };
    }
    if (p !== 'name' && p !== 'origin' && !order.includes(p)) return KNOWN.has(p) ? { value: '-', source: '-' } : null;
    const sp = this.space(ds);
    const ro = (value: string): { value: string; source: string } => ({ value, source: '-' });
    const sizeOrNone = (n: string | undefined): string => {
      const v = Number(n ?? 0);
      return v > 0 ? this.exact(n!) : this.literal ? '0' : 'none';
    };
    switch (p) {
      case 'name':
        return ro(ds.name);
      case 'type':
        return ro(ds.type);
      case 'creation':
        return ro(this.literal ? String(ds.creation) : zfsShortDate(new Date(ds.creation * 1000)));
      case 'used':
        return ro(this.num(sp.used));
      case 'available':
        return ro(this.num(sp.available));
      case 'referenced':
        return ro(this.num(ds.referenced));
      case 'compressratio':
      case 'refcompressratio':
        return ro(this.ratio(this.compressRatio(ds.name)));
      case 'mounted':
        return ro('yes');
      case 'origin':
        return ro(ds.origin ?? '-');
      case 'usedbysnapshots':
        return ro(this.num(sp.usedbysnapshots));
      case 'usedbydataset':
        return ro(this.num(sp.usedbydataset));
      case 'usedbychildren':
        return ro(this.num(sp.usedbychildren));
      case 'usedbyrefreservation':
        return ro(this.num(sp.usedbyrefreservation));
      case 'logicalused':
        return ro(this.num(sp.used * this.compressRatio(ds.name)));
      case 'logicalreferenced':
        return ro(this.num(ds.referenced * this.compressRatio(ds.name)));
      case 'written': {
        const snaps = this.ctx.state.snapsOf.get(ds.name);
        const last = snaps?.[snaps.length - 1];
        return ro(this.num(last ? Math.max(0, ds.referenced - last.referenced) : ds.referenced));
      }
      case 'createtxg':
        return ro(String(ds.createtxg));
      case 'guid':
        return ro(ds.guid);
      case 'objsetid':
        return ro(String(ds.createtxg * 3 + 54));
      case 'version':
        return ro('5');
      case 'zoned':
      case 'vscan':
      case 'nbmand':
      case 'overlay':
        return { value: p === 'overlay' ? 'on' : 'off', source: 'default' };
      case 'mlslabel':
        return ro('none');
      case 'context':
      case 'fscontext':
      case 'defcontext':
      case 'rootcontext':
        return { value: 'none', source: 'default' };
      case 'keylocation':
        return { value: 'none', source: 'default' };
      case 'keyformat':
        return { value: 'none', source: 'default' };
      case 'pbkdf2iters':
        return { value: '0', source: 'default' };
      case 'filesystem_count':
      case 'snapshot_count':
        return { value: this.literal ? '18446744073709551615' : 'none', source: 'default' };
      case 'volsize':
        return { value: this.exact(ds.props['volsize'] ?? '0'), source: 'local' };
      case 'volblocksize':
        return { value: this.num(Number(ds.props['volblocksize'] ?? 16384)), source: 'default' };
      case 'mountpoint': {
        const v = this.inherited(ds.name, 'mountpoint');
        if (v.from === null) return { value: `/${ds.name}`, source: 'default' };
        if (v.value === 'none' || v.value === 'legacy' || v.from === ds.name) return { value: v.value, source: v.source };
        const rel = ds.name.slice(v.from.length);
        return { value: `${v.value === '/' ? '' : v.value}${rel}`, source: v.source };
      }
      case 'quota':
      case 'refquota':
      case 'reservation':
      case 'refreservation': {
        const local = ds.props[p];
        return { value: sizeOrNone(local), source: local !== undefined ? 'local' : 'default' };
      }
      case 'filesystem_limit':
      case 'snapshot_limit': {
        const local = ds.props[p];
        return { value: local ?? (this.literal ? '18446744073709551615' : 'none'), source: local !== undefined ? 'local' : 'default' };
      }
    }
    const def = SETTABLE[p] ?? CREATE_ONLY[p];
    if (!def) return ro('-');
    if (!def.inherit) {
      const local = ds.props[p];
      const value = local ?? def.def;
      return { value: def.size ? this.exact(value) : value, source: local !== undefined ? 'local' : p in CREATE_ONLY ? '-' : 'default' };
    }
    const v = this.inherited(ds.name, p);
    return { value: def.size ? this.num(Number(v.value)) : v.value, source: v.source };
  }

  private snapProp(s: SimSnapshot, p: string): { value: string; source: string } | null {
    const ro = (value: string): { value: string; source: string } => ({ value, source: '-' });
    if (p.includes(':')) {
      const v = s.userProps?.[p];
      return v !== undefined ? { value: v, source: 'local' } : { value: '-', source: '-' };
    }
    switch (p) {
      case 'name':
        return ro(s.name);
      case 'type':
        return ro('snapshot');
      case 'creation':
        return ro(this.literal ? String(s.creation) : zfsShortDate(new Date(s.creation * 1000)));
      case 'used':
        return ro(this.num(s.used));
      case 'referenced':
        return ro(this.num(s.referenced));
      case 'logicalreferenced':
        return ro(this.num(s.referenced * this.compressRatio(s.name)));
      case 'compressratio':
      case 'refcompressratio':
        return ro(this.ratio(this.compressRatio(s.name)));
      case 'createtxg':
        return ro(String(s.createtxg));
      case 'guid':
        return ro(s.guid);
      case 'objsetid':
        return ro(String(s.createtxg * 3 + 55));
      case 'defer_destroy':
        return ro('off');
      case 'userrefs':
        return ro(String(Object.keys(s.holds ?? {}).length));
      case 'written':
        return ro(this.num(s.used));
      case 'clones':
        return ro(
          this.ctx.state
            .clonesOf(s.name)
            .map((d) => d.name)
            .join(','),
        );
      case 'version':
        return ro('5');
      case 'available':
      case 'mountpoint':
      case 'quota':
      case 'reservation':
      case 'refquota':
      case 'refreservation':
      case 'volsize':
      case 'origin':
      case 'usedbysnapshots':
      case 'usedbydataset':
      case 'usedbychildren':
      case 'usedbyrefreservation':
      case 'mounted':
      case 'recordsize':
      case 'compression':
      case 'canmount':
      case 'sharenfs':
      case 'sharesmb':
      case 'readonly':
        return ro('-');
    }
    if (SNAP_ORDER.includes(p)) {
      const def = SETTABLE[p] ?? CREATE_ONLY[p];
      return def ? { value: this.inherited(baseOf(s.name), p).value, source: this.inherited(baseOf(s.name), p).source } : { value: '-', source: '-' };
    }
    return KNOWN.has(p) ? ro('-') : null;
  }

  allProps(t: Target): string[] {
    const base = t.kind === 'snap' ? SNAP_ORDER : t.ds.type === 'volume' ? VOL_ORDER : FS_ORDER;
    const user = new Set<string>();
    if (t.kind === 'snap') {
      for (const k of Object.keys(t.snap.userProps ?? {})) user.add(k);
    } else {
      let cur: string | null = t.ds.name;
      while (cur !== null) {
        for (const k of Object.keys(this.ctx.state.dsByName.get(cur)?.props ?? {})) if (k.includes(':')) user.add(k);
        cur = parentName(cur);
      }
    }
    return [...base, ...[...user].sort()];
  }
}

function resolveTarget(ctx: SimContext, name: string): Target | null {
  if (name.includes('@')) {
    const snap = ctx.state.snapshot(name);
    return snap ? { kind: 'snap', snap } : null;
  }
  const ds = ctx.state.dataset(name);
  return ds ? { kind: 'ds', ds } : null;
}

function targetName(t: Target): string {
  return t.kind === 'ds' ? t.ds.name : t.snap.name;
}

function targetType(t: Target): string {
  return t.kind === 'ds' ? t.ds.type : 'snapshot';
}

function notExist(name: string): ToolExit {
  return new ToolExit(`cannot open '${name}': dataset does not exist`);
}

interface Entry {
  t: Target;
  base: string;
  snap: boolean;
  txg: number;
  /** Stands for all of this dataset's snapshots, oldest first (a listing in the default order expands it as it prints). */
  allSnapsOf?: SimDataset;
}

function entryOf(t: Target): Entry {
  return t.kind === 'ds' ? { t, base: t.ds.name, snap: false, txg: t.ds.createtxg } : { t, base: baseOf(t.snap.name), snap: true, txg: t.snap.createtxg };
}

/** zfs_sort's default order: dataset names by strcmp, a dataset before its snapshots, snapshots by createtxg. */
function defaultCompare(a: Entry, b: Entry): number {
  if (a.base !== b.base) return a.base < b.base ? -1 : 1;
  if (a.snap !== b.snap) return a.snap ? 1 : -1;
  return a.txg - b.txg;
}

function parseTypes(value: string | undefined, fallback: string[]): Set<string> {
  if (value === undefined) return new Set(fallback);
  const out = new Set<string>();
  for (const t of value.split(',')) {
    if (t === 'all') ['filesystem', 'volume', 'snapshot', 'bookmark'].forEach((x) => out.add(x));
    else if (t === 'fs' || t === 'filesystem') out.add('filesystem');
    else if (t === 'vol' || t === 'volume') out.add('volume');
    else if (t === 'snap' || t === 'snapshot') out.add('snapshot');
    else if (t === 'bookmark') out.add('bookmark');
    else
      throw new ToolExit(
        `invalid type '${t}'\nusage:\n\tlist [-Hp] [-r|-d max] [-o property[,...]] [-s property]...\n\t    [-S property]... [-t type[,...]] [filesystem|volume|snapshot] ...`,
        2,
      );
  }
  return out;
}

/** Datasets and snapshots selected by names, recursion and types, as zfs_for_each does. */
function collect(
  ctx: SimContext,
  operands: string[],
  recursive: boolean,
  depth: number | null,
  types: Set<string>,
  errors: string[],
  lazySnapshots = false,
): Entry[] {
  const out: Entry[] = [];
  const addTree = (root: SimDataset, maxDepth: number | null): void => {
    const rootDepth = root.name.split('/').length;
    const members = [root, ...ctx.state.descendants(root.name)];
    for (const d of members) {
      const rel = d.name.split('/').length - rootDepth;
      if (maxDepth !== null && rel > maxDepth) continue;
      if (types.has(d.type)) out.push(entryOf({ kind: 'ds', ds: d }));
      if (types.has('snapshot') && (maxDepth === null || rel + 1 <= maxDepth)) {
        // One entry in place of a million: sorted after the dataset, before the next one.
        if (lazySnapshots) out.push({ t: { kind: 'ds', ds: d }, base: d.name, snap: true, txg: -Infinity, allSnapsOf: d });
        else for (const s of ctx.state.snapsOf.get(d.name) ?? []) out.push({ t: { kind: 'snap', snap: s }, base: d.name, snap: true, txg: s.createtxg });
      }
    }
  };
  if (operands.length === 0) {
    for (const pool of ctx.state.model.pools) {
      if (pool.exported) continue;
      const root = ctx.state.dsByName.get(pool.name);
      if (!root) continue;
      addTree(root, depth);
    }
    return out;
  }
  for (const name of operands) {
    const t = resolveTarget(ctx, name);
    if (!t) {
      errors.push(`cannot open '${name}': dataset does not exist`);
      continue;
    }
    if (t.kind === 'snap') {
      out.push(entryOf(t));
      continue;
    }
    const snapOnly = types.has('snapshot') && !types.has('filesystem') && !types.has('volume');
    if (recursive || depth !== null) addTree(t.ds, depth);
    else if (snapOnly) addTree(t.ds, 1);
    else if (types.has(t.ds.type)) out.push(entryOf(t));
  }
  return out;
}

const LIST_USAGE =
  'usage:\n\tlist [-Hp] [-r|-d max] [-o property[,...]] [-s property]...\n\t    [-S property]... [-t type[,...]] [filesystem|volume|snapshot] ...';

function sortEntries(entries: Entry[], props: Props, keys: { prop: string; desc: boolean }[]): void {
  if (keys.length === 0) {
    entries.sort(defaultCompare);
    return;
  }
  const cache = new Map<Entry, (string | number)[]>();
  const keyOf = (e: Entry): (string | number)[] => {
    let k = cache.get(e);
    if (!k) {
      k = keys.map(({ prop }) => {
        const v = props.get(e.t, prop)?.value ?? '';
        const n = Number(v);
        return v !== '' && v !== '-' && Number.isFinite(n) ? n : v;
      });
      cache.set(e, k);
    }
    return k;
  };
  entries.sort((a, b) => {
    const ka = keyOf(a);
    const kb = keyOf(b);
    for (let i = 0; i < keys.length; i++) {
      const x = ka[i]!;
      const y = kb[i]!;
      if (x === y) continue;
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : 1;
      return keys[i]!.desc ? -c : c;
    }
    return defaultCompare(a, b);
  });
}

/** What a `zfs list` prints, its lines produced one at a time (`-H`: a million snapshots never make one string). */
export interface ZfsListPlan {
  columns: string[];
  scripted: boolean;
  /** Each row's cells, in order. */
  rows: Iterable<string[]>;
  /** Each row as a `-H` line (tab-separated, no '\n'); the common snapshot columns are printed without the generic property lookup. */
  lines(): Iterable<string>;
  stderr: string;
  code: number;
}

export function zfsListPlan(ctx: SimContext, args: string[]): ZfsListPlan {
  const o = getopt(args, 'Hprd', 'oOtsSd', LIST_USAGE);
  const columns = (o.values.get('o')?.join(',') ?? 'name,used,avail,refer,mountpoint').split(',').map(canonicalProperty);
  for (const c of columns) {
    if (!KNOWN.has(c) && !c.includes(':')) throw new ToolExit(`bad property list: invalid property '${c}'\n${LIST_USAGE}`, 2);
  }
  const depthValue = o.values.get('d')?.[0];
  const depth = depthValue !== undefined ? Number(depthValue) : null;
  if (depthValue !== undefined && !Number.isInteger(depth)) throw new ToolExit(`invalid depth '${depthValue}'\n${LIST_USAGE}`, 2);
  const types = parseTypes(o.values.get('t')?.join(','), ['filesystem', 'volume']);
  const errors: string[] = [];
  const sortKeys = [
    ...(o.values.get('s') ?? []).map((p) => ({ prop: canonicalProperty(p), desc: false })),
    ...(o.values.get('S') ?? []).map((p) => ({ prop: canonicalProperty(p), desc: true })),
  ];
  const entries = collect(ctx, o.operands, o.flags.has('r'), depth, types, errors, sortKeys.length === 0);
  const literal = o.flags.has('p');
  const props = new Props(ctx, literal);
  sortEntries(entries, props, sortKeys);
  const cells = (t: Target): string[] => columns.map((c) => props.get(t, c)?.value ?? '-');
  function* rows(): Generator<string[]> {
    for (const e of entries) {
      if (!e.allSnapsOf) {
        yield cells(e.t);
        continue;
      }
      for (const snap of ctx.state.snapsOf.get(e.allSnapsOf.name) ?? []) yield cells({ kind: 'snap', snap });
    }
  }
  const fast = literal ? columns.map((c) => FAST_SNAPSHOT_COLUMNS[c]) : [];
  const fastSnapshots = literal && fast.every((f) => f !== undefined);
  function* lines(): Generator<string> {
    for (const e of entries) {
      if (!e.allSnapsOf) {
        yield cells(e.t).join('\t');
        continue;
      }
      for (const snap of ctx.state.snapsOf.get(e.allSnapsOf.name) ?? []) {
        if (!fastSnapshots) {
          yield cells({ kind: 'snap', snap }).join('\t');
          continue;
        }
        let line = fast[0]!(snap);
        for (let i = 1; i < fast.length; i++) line += `\t${fast[i]!(snap)}`;
        yield line;
      }
    }
  }
  return { columns, scripted: o.flags.has('H'), rows: rows(), lines, stderr: errors.map((e) => `${e}\n`).join(''), code: errors.length > 0 ? 1 : 0 };
}

/** `-p` values of a snapshot's most listed properties, as snapProp prints them (a million lines: no lookup per cell). */
const FAST_SNAPSHOT_COLUMNS: Record<string, ((s: SimSnapshot) => string) | undefined> = {
  name: (s) => s.name,
  used: (s) => String(Math.floor(s.used)),
  referenced: (s) => String(Math.floor(s.referenced)),
  creation: (s) => String(s.creation),
  createtxg: (s) => String(s.createtxg),
  userrefs: (s) => (s.holds ? String(Object.keys(s.holds).length) : '0'),
};

function zfsList(ctx: SimContext, args: string[]): RunResult {
  const plan = zfsListPlan(ctx, args);
  const { columns, code } = plan;
  const rows = [...plan.rows];
  const stderr = plan.stderr;
  let stdout: string;
  if (plan.scripted) {
    stdout = rows.map((r) => r.join('\t')).join('\n');
    if (rows.length > 0) stdout += '\n';
  } else if (rows.length === 0) {
    return { code, stdout: '', stderr: stderr || 'no datasets available\n' };
  } else {
    const header = columns.map((c) => (({ available: 'AVAIL', referenced: 'REFER', compressratio: 'RATIO' }) as Record<string, string>)[c] ?? c.toUpperCase());
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const numeric = columns.map((c) =>
      [
        'used',
        'available',
        'referenced',
        'quota',
        'refquota',
        'reservation',
        'refreservation',
        'volsize',
        'written',
        'usedbysnapshots',
        'usedbydataset',
        'usedbychildren',
        'usedbyrefreservation',
        'compressratio',
      ].includes(c),
    );
    const fmt = (cells: string[]): string =>
      cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
    stdout = [fmt(header), ...rows.map(fmt)].join('\n') + '\n';
  }
  return { code, stdout, stderr };
}

const GET_USAGE =
  'usage:\n\tget [-rHp] [-d max] [-o "all" | field[,...]]\n\t    [-t type[,...]] [-s source[,...]]\n\t    <"all" | property[,...]> [filesystem|volume|snapshot|bookmark] ...';

function zfsGet(ctx: SimContext, args: string[]): RunResult {
  const o = getopt(args, 'rHp', 'odts', GET_USAGE);
  const [propArg, ...names] = o.operands;
  if (propArg === undefined) throw new ToolExit(`missing property argument\n${GET_USAGE}`, 2);
  const fields = (o.values.get('o')?.join(',') ?? 'name,property,value,source').split(',');
  const sources = o.values.get('s')?.join(',').split(',');
  const depthValue = o.values.get('d')?.[0];
  const types = parseTypes(o.values.get('t')?.join(','), ['filesystem', 'volume', 'snapshot']);
  const errors: string[] = [];
  const entries =
    names.length === 0
      ? collect(ctx, [], true, null, types, errors)
      : collect(
          ctx,
          names,
          o.flags.has('r'),
          depthValue !== undefined ? Number(depthValue) : null,
          o.flags.has('r') || depthValue !== undefined ? types : new Set(['filesystem', 'volume', 'snapshot']),
          errors,
        );
  entries.sort(defaultCompare);
  const props = new Props(ctx, o.flags.has('p'));
  const requested = propArg === 'all' ? null : propArg.split(',').map(canonicalProperty);
  if (requested) {
    for (const p of requested) {
      if (!KNOWN.has(p) && !p.includes(':') && !(p in SETTABLE)) throw new ToolExit(`bad property list: invalid property '${p}'\n${GET_USAGE}`, 2);
    }
  }
  const lines: string[] = [];
  const sep = o.flags.has('H') ? '\t' : '  ';
  for (const e of entries) {
    const list = requested ?? props.allProps(e.t);
    for (const prop of list) {
      const v = props.get(e.t, prop) ?? { value: '-', source: '-' };
      if (sources) {
        const kind = v.source.startsWith('inherited') ? 'inherited' : v.source === '-' ? 'none' : v.source;
        if (!sources.includes(kind)) continue;
      }
      const row: Record<string, string> = { name: targetName(e.t), property: prop, value: v.value, source: v.source, received: '-' };
      lines.push(fields.map((f) => row[f] ?? '-').join(sep));
    }
  }
  return { code: errors.length > 0 ? 1 : 0, stdout: lines.map((l) => `${l}\n`).join(''), stderr: errors.map((e) => `${e}\n`).join('') };
}

/** Validates and normalises a property assignment; sizes become byte strings. */
function checkProperty(name: string, prop: string, value: string, forType: 'filesystem' | 'volume' | 'snapshot', creating: boolean): [string, string] {
  const p = canonicalProperty(prop);
  const prefix = `cannot ${creating ? 'create' : 'set property for'} '${name}'`;
  if (p.includes(':')) {
    if (value.length > 8191) throw new ToolExit(`${prefix}: property value too long`);
    return [p, value];
  }
  if (forType === 'snapshot') throw new ToolExit(`${prefix}: this property can not be modified for snapshots`);
  const def = SETTABLE[p] ?? (creating ? CREATE_ONLY[p] : undefined);
  if (!def) {
    if (KNOWN.has(p)) throw new ToolExit(`${prefix}: '${p}' is readonly`);
    throw new ToolExit(`${prefix}: invalid property '${p}'`);
  }
  if ((forType === 'volume' && !def.vol) || (forType === 'filesystem' && !def.fs)) {
    throw new ToolExit(`${prefix}: '${p}' does not apply to datasets of this type`);
  }
  if (def.size) {
    if (value === 'none' && ['quota', 'refquota', 'reservation', 'refreservation'].includes(p)) return [p, '0'];
    // zfs_nicestrtonum(): exact to the byte, at most 2^64 - 1.
    const n = /^\d+(\.\d+)?([KMGTPEZ](I?B)?|B)?$/i.test(value) ? parseExactSize(value) : null;
    if (n === null) throw new ToolExit(`${prefix}: bad numeric value '${value}'`);
    const bytes = 'problem' in n ? BigInt(Math.floor(parseSize(value) ?? 0)) : n.bytes; // fractions of a byte are cut
    if (bytes > ZFS_SIZE_MAX) throw new ToolExit(`${prefix}: numeric value is too large`);
    if (def.check && !def.check(value)) throw new ToolExit(`${prefix}: '${p}' must be ${def.values ?? 'valid'}`);
    return [p, bytes.toString()];
  }
  if (def.check && !def.check(value)) throw new ToolExit(`${prefix}: '${p}' must be one of '${def.values}'`);
  return [p, value];
}

function parseAssignments(values: string[] | undefined, usage: string): [string, string][] {
  return (values ?? []).map((v) => {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new ToolExit(`missing '=' for property=value argument\n${usage}`, 2);
    return [v.slice(0, eq), v.slice(eq + 1)];
  });
}

const CREATE_USAGE =
  'usage:\n\tcreate [-Pnpuv] [-o property=value] ... <filesystem>\n\tcreate [-Pnpsv] [-b blocksize] [-o property=value] ... -V <size> <volume>';

function checkParent(ctx: SimContext, name: string, makeParents: boolean, verb: string): SimPool {
  const poolName = name.split('/')[0]!;
  const pool = ctx.state.pool(poolName);
  if (!pool) throw new ToolExit(`cannot ${verb} '${name}': no such pool '${poolName}'`);
  const parent = parentName(name);
  if (parent === null) throw new ToolExit(`cannot ${verb} '${name}': missing dataset name`);
  const p = ctx.state.dataset(parent);
  if (!p) {
    if (!makeParents) throw new ToolExit(`cannot ${verb} '${name}': parent does not exist`);
    checkParent(ctx, parent, true, verb);
    addFilesystem(ctx, parent, {});
  } else if (p.type === 'volume') {
    throw new ToolExit(`cannot ${verb} '${name}': parent is not a filesystem`);
  }
  return pool;
}

function addFilesystem(ctx: SimContext, name: string, props: Record<string, string>): SimDataset {
  const d: SimDataset = {
    name,
    type: 'filesystem',
    guid: newGuid(ctx.now),
    createtxg: ctx.state.nextTxg(),
    creation: Math.floor(ctx.now / 1000),
    props,
    referenced: 98304,
    unique: 98304,
  };
  ctx.state.addDataset(d);
  return d;
}

function zfsCreate(ctx: SimContext, args: string[]): RunResult {
  const o = getopt(args, 'pusnvP', 'oVb', CREATE_USAGE);
  const name = o.operands[0];
  if (name === undefined) throw new ToolExit(`missing ${o.values.has('V') ? 'volume' : 'filesystem'} argument\n${CREATE_USAGE}`, 2);
  if (o.operands.length > 1) throw new ToolExit(`too many arguments\n${CREATE_USAGE}`, 2);
  const invalid = validateZfsName(name, 'dataset');
  if (invalid) throw new ToolExit(`cannot create '${name}': ${invalid}`);
  const isVol = o.values.has('V');
  const props: Record<string, string> = {};
  for (const [k, v] of parseAssignments(o.values.get('o'), CREATE_USAGE)) {
    const [p, value] = checkProperty(name, k, v, isVol ? 'volume' : 'filesystem', true);
    props[p] = value;
  }
  if (ctx.state.dataset(name)) throw new ToolExit(`cannot create '${name}': dataset already exists`);
  const pool = checkParent(ctx, name, o.flags.has('p'), 'create');
  if (!isVol) {
    if (o.flags.has('n')) return ok();
    addFilesystem(ctx, name, props);
    return ok();
  }
  const sizeText = o.values.get('V')![0]!;
  const exact = /^\d+(\.\d+)?([KMGTPEZ](I?B)?|B)?$/i.test(sizeText) ? parseExactSize(sizeText) : null;
  const volsize = exact === null ? 0n : 'problem' in exact ? BigInt(Math.floor(parseSize(sizeText) ?? 0)) : exact.bytes;
  if (volsize === 0n) throw new ToolExit(`bad volume size '${sizeText}': bad numeric value '${sizeText}'`, 2);
  if (volsize > ZFS_SIZE_MAX) throw new ToolExit(`bad volume size '${sizeText}': numeric value is too large`, 2);
  const bsText = o.values.get('b')?.[0];
  if (bsText !== undefined) {
    const [, bs] = checkProperty(name, 'volblocksize', bsText, 'volume', true);
    props['volblocksize'] = bs;
  }
  const blocksize = BigInt(props['volblocksize'] ?? 16384);
  if (volsize % blocksize !== 0n) throw new ToolExit(`cannot create '${name}': volume size must be a multiple of volume block size`);
  props['volsize'] = volsize.toString();
  if (!o.flags.has('s') && props['refreservation'] === undefined) {
    props['refreservation'] = ((((volsize * 1032n) / 1000n + 8191n) / 8192n) * 8192n).toString();
    const parentSpace = ctx.state.space(pool).get(parentName(name)!);
    if (parentSpace && Number(props['refreservation']) > parentSpace.available) throw new ToolExit(`cannot create '${name}': out of space`);
  }
  if (o.flags.has('n')) return ok();
  ctx.state.addDataset({
    name,
    type: 'volume',
    guid: newGuid(ctx.now),
    createtxg: ctx.state.nextTxg(),
    creation: Math.floor(ctx.now / 1000),
    props,
    referenced: 57344,
    unique: 57344,
  });
  return ok();
}

function zfsSet(ctx: SimContext, args: string[]): RunResult {
  const assignments: [string, string][] = [];
  let i = 0;
  while (i < args.length && args[i]!.includes('=')) {
    const a = args[i++]!;
    const eq = a.indexOf('=');
    assignments.push([a.slice(0, eq), a.slice(eq + 1)]);
  }
  const names = args.slice(i);
  if (assignments.length === 0)
    throw new ToolExit('missing property=value argument(s)\nusage:\n\tset <property=value> ... <filesystem|volume|snapshot> ...', 2);
  if (names.length === 0) throw new ToolExit('missing dataset name(s)\nusage:\n\tset <property=value> ... <filesystem|volume|snapshot> ...', 2);
  for (const name of names) {
    const t = resolveTarget(ctx, name);
    if (!t) throw notExist(name);
    const changes: [string, string][] = assignments.map(([k, v]) => checkProperty(name, k, v, targetType(t) as 'filesystem' | 'volume' | 'snapshot', false));
    if (t.kind === 'snap') {
      t.snap.userProps = { ...t.snap.userProps, ...Object.fromEntries(changes) };
      continue;
    }
    const space = ctx.state.space(ctx.state.poolOf(name)!).get(name)!;
    for (const [p, v] of changes) {
      if (p === 'quota' && Number(v) > 0 && Number(v) < space.used)
        throw new ToolExit(`cannot set property for '${name}': size is less than current used or reserved space`);
      if (p === 'refquota' && Number(v) > 0 && Number(v) < t.ds.referenced)
        throw new ToolExit(`cannot set property for '${name}': size is less than current used or reserved space`);
      if ((p === 'reservation' || p === 'refreservation') && Number(v) > space.available + space.used)
        throw new ToolExit(`cannot set property for '${name}': size is greater than available space`);
      if (p === 'volsize' && BigInt(v) % BigInt(t.ds.props['volblocksize'] ?? 16384) !== 0n)
        throw new ToolExit(`cannot set property for '${name}': volsize must be a multiple of volume block size`);
    }
    for (const [p, v] of changes) t.ds.props[p] = v;
  }
  ctx.state.touch();
  return ok();
}

function zfsInherit(ctx: SimContext, args: string[]): RunResult {
  const o = getopt(args, 'rS', '', 'usage:\n\tinherit [-rS] <property> <filesystem|volume|snapshot> ...');
  const [prop, ...names] = o.operands;
  if (!prop || names.length === 0) throw new ToolExit('missing property argument\nusage:\n\tinherit [-rS] <property> <filesystem|volume|snapshot> ...', 2);
  const p = canonicalProperty(prop);
  if (!p.includes(':') && !(p in SETTABLE)) throw new ToolExit(KNOWN.has(p) ? `'${p}' property is read-only` : `invalid property '${p}'`);
  for (const name of names) {
    const t = resolveTarget(ctx, name);
    if (!t) throw notExist(name);
    if (t.kind === 'snap') {
      if (t.snap.userProps) delete t.snap.userProps[p];
      continue;
    }
    const list = o.flags.has('r') ? [t.ds, ...ctx.state.descendants(t.ds.name)] : [t.ds];
    for (const d of list) delete d.props[p];
  }
  ctx.state.touch();
  return ok();
}

/** Expands "fs@a%b", "fs@a,b", "fs@%b" into snapshots of fs, oldest first. */
function expandSnapSpec(ctx: SimContext, fs: string, spec: string): SimSnapshot[] {
  const snaps = ctx.state.snapsOf.get(fs) ?? [];
  const out = new Set<SimSnapshot>();
  for (const part of spec.split(',')) {
    const pct = part.indexOf('%');
    if (pct < 0) {
      const s = ctx.state.snapByName.get(`${fs}@${part}`);
      if (s) out.add(s);
      continue;
    }
    const from = part.slice(0, pct);
    const to = part.slice(pct + 1);
    const fromSnap = from ? ctx.state.snapByName.get(`${fs}@${from}`) : snaps[0];
    const toSnap = to ? ctx.state.snapByName.get(`${fs}@${to}`) : snaps[snaps.length - 1];
    if (!fromSnap || !toSnap) continue;
    for (const s of snaps) if (s.createtxg >= fromSnap.createtxg && s.createtxg <= toSnap.createtxg) out.add(s);
  }
  return [...out].sort((a, b) => a.createtxg - b.createtxg);
}

/** Everything that depends on a dataset (clones of its snapshots and their trees), outside it. */
function dependentClones(ctx: SimContext, snaps: SimSnapshot[], exclude: Set<string>): SimDataset[] {
  const out: SimDataset[] = [];
  const seen = new Set<string>();
  const visitSnap = (s: SimSnapshot): void => {
    for (const c of ctx.state.clonesOf(s.name)) {
      if (exclude.has(c.name) || seen.has(c.name)) continue;
      for (const d of [c, ...ctx.state.descendants(c.name)]) {
        if (seen.has(d.name)) continue;
        seen.add(d.name);
        out.push(d);
        for (const cs of ctx.state.snapsOf.get(d.name) ?? []) visitSnap(cs);
      }
    }
  };
  snaps.forEach(visitSnap);
  return out;
}

/** Post-order list (children first, a dataset's snapshots before it) of what destroying a tree removes. */
function destroyOrder(ctx: SimContext, roots: SimDataset[]): string[] {
  const names = new Set<string>();
  for (const r of roots) {
    names.add(r.name);
    for (const d of ctx.state.descendants(r.name)) names.add(d.name);
  }
  const sorted = [...names].sort((a, b) => b.split('/').length - a.split('/').length || (a < b ? 1 : -1));
  const out: string[] = [];
  for (const n of sorted) {
    for (const s of ctx.state.snapsOf.get(n) ?? []) out.push(s.name);
    out.push(n);
  }
  return out;
}

function zfsDestroy(ctx: SimContext, args: string[]): RunResult {
  const o = getopt(
    args,
    'dfnprRv',
    '',
    'usage:\n\tdestroy [-fnpRrv] <filesystem|volume>\n\tdestroy [-dnpRrv] <filesystem|volume>@<snap>[%<snap>][,...]\n\tdestroy <filesystem|volume>#<bookmark>',
  );
  const name = o.operands[0];
  if (name === undefined) throw new ToolExit('missing dataset argument\nusage:\n\tdestroy [-fnpRrv] <filesystem|volume>', 2);
  const recursive = o.flags.has('r') || o.flags.has('R');
  const dryRun = o.flags.has('n');
  const verbose = o.flags.has('v');
  const parsable = o.flags.has('p');
  let out = '';
  const say = (n: string): void => {
    if (verbose) out += parsable ? `destroy\t${n}\n` : `${dryRun ? 'would' : 'will'} destroy ${n}\n`;
  };
  const at = name.indexOf('@');
  if (at >= 0) {
    const fs = name.slice(0, at);
    const spec = name.slice(at + 1);
    const root = ctx.state.dataset(fs);
    if (!root) throw notExist(fs);
    const fsList = recursive ? [root, ...ctx.state.descendants(fs)] : [root];
    const snaps: SimSnapshot[] = [];
    for (const d of fsList) snaps.push(...expandSnapSpec(ctx, d.name, spec));
    if (snaps.length === 0) throw new ToolExit('could not find any snapshots to destroy; check snapshot names.');
    const clones = dependentClones(ctx, snaps, new Set());
    if (clones.length > 0 && !o.flags.has('R')) {
      const first = snaps.find((s) => ctx.state.clonesOf(s.name).length > 0)!;
      throw new ToolExit(
        `cannot destroy '${first.name}': snapshot has dependent clones\nuse '-R' to destroy the following datasets:\n${destroyOrder(
          ctx,
          clones.filter((c) => c.origin && snaps.some((s) => s.name === c.origin)),
        ).join('\n')}`,
      );
    }
    const cloneOrder = destroyOrder(
      ctx,
      clones.filter((c) => !clones.some((p) => c.name.startsWith(`${p.name}/`))),
    );
    cloneOrder.forEach(say);
    snaps.forEach((s) => say(s.name));
    const reclaim = snaps.reduce((sum, s) => sum + s.used, 0);
    if (verbose) out += parsable ? `reclaim\t${reclaim}\n` : `${dryRun ? 'would' : 'will'} reclaim ${niceNumber(reclaim)}\n`;
    if (dryRun) return ok(out);
    const held = snaps.find((s) => Object.keys(s.holds ?? {}).length > 0);
    if (held) return { code: 1, stdout: out, stderr: `cannot destroy snapshot ${held.name}: dataset is busy\n` };
    removeNames(ctx, cloneOrder);
    ctx.state.removeSnapshots(new Set(snaps.map((s) => s.name)));
    return ok(out);
  }
  const ds = ctx.state.dataset(name);
  if (!ds) throw notExist(name);
  if (!name.includes('/') && !recursive) {
    throw new ToolExit(
      `cannot destroy '${name}': operation does not apply to pools\nuse 'zfs destroy -r ${name}' to destroy all datasets in the pool\nuse 'zpool destroy ${name}' to destroy the pool itself`,
    );
  }
  const own = destroyOrder(ctx, [ds]);
  if (!recursive && own.length > 1) {
    throw new ToolExit(
      `cannot destroy '${name}': ${ds.type} has children\nuse '-r' to destroy the following datasets:\n${own.filter((n) => n !== name).join('\n')}`,
    );
  }
  const treeSnaps = own.filter((n) => n.includes('@')).map((n) => ctx.state.snapByName.get(n)!);
  const ownSet = new Set(own);
  const clones = dependentClones(ctx, treeSnaps, ownSet);
  if (clones.length > 0 && !o.flags.has('R')) {
    throw new ToolExit(
      `cannot destroy '${name}': ${ds.type} has dependent clones\nuse '-R' to destroy the following datasets:\n${destroyOrder(ctx, clones).join('\n')}`,
    );
  }
  const order = [
    ...destroyOrder(
      ctx,
      clones.filter((c) => !clones.some((p) => c.name.startsWith(`${p.name}/`))),
    ),
    ...own,
  ];
  order.forEach(say);
  if (dryRun) return ok(out);
  const held = order.map((n) => ctx.state.snapByName.get(n)).find((s) => s && Object.keys(s.holds ?? {}).length > 0);
  if (held) return { code: 1, stdout: out, stderr: `cannot destroy snapshot ${held.name}: dataset is busy\n` };
  removeNames(ctx, order);
  return ok(out);
}

function removeNames(ctx: SimContext, names: string[]): void {
  ctx.state.removeSnapshots(new Set(names.filter((n) => n.includes('@'))));
  for (const n of names) if (!n.includes('@')) ctx.state.removeDataset(n);
}

function zfsSnapshot(ctx: SimContext, args: string[]): RunResult {
  const usage = 'usage:\n\tsnapshot [-r] [-o property=value] ... <filesystem|volume>@<snap> ...';
  const o = getopt(args, 'r', 'o', usage);
  if (o.operands.length === 0) throw new ToolExit(`missing snapshot argument\n${usage}`, 2);
  const userProps = Object.fromEntries(parseAssignments(o.values.get('o'), usage));
  const created: SimSnapshot[] = [];
  const txg = ctx.state.nextTxg();
  for (const name of o.operands) {
    const invalid = validateZfsName(name, 'snapshot');
    if (invalid) throw new ToolExit(`cannot create snapshot '${name}': ${invalid}`);
    const at = name.indexOf('@');
    const fs = name.slice(0, at);
    const snapName = name.slice(at + 1);
    const root = ctx.state.dataset(fs);
    if (!root) throw new ToolExit(`cannot open '${fs}': dataset does not exist\n${usage}`, 2);
    const list = o.flags.has('r') ? [root, ...ctx.state.descendants(fs)] : [root];
    for (const d of list) {
      const full = `${d.name}@${snapName}`;
      if (ctx.state.snapByName.has(full)) throw new ToolExit(`cannot create snapshot '${full}': dataset already exists`);
      created.push({
        name: full,
        guid: newGuid(ctx.now),
        createtxg: txg,
        creation: Math.floor(ctx.now / 1000),
        referenced: d.referenced,
        used: 0,
        ...(Object.keys(userProps).length > 0 ? { userProps } : {}),
      });
    }
  }
  ctx.state.addSnapshotsBulk(created);
  return ok();
}

function zfsRollback(ctx: SimContext, args: string[]): RunResult {
  const o = getopt(args, 'rRf', '', 'usage:\n\trollback [-rRf] <snapshot>');
  const name = o.operands[0];
  if (name === undefined || !name.includes('@')) throw new ToolExit(`missing dataset argument\nusage:\n\trollback [-rRf] <snapshot>`, 2);
  const snap = ctx.state.snapshot(name);
  if (!snap) throw notExist(name);
  const fs = baseOf(name);
  const ds = ctx.state.dataset(fs)!;
  const newer = (ctx.state.snapsOf.get(fs) ?? []).filter((s) => s.createtxg > snap.createtxg);
  if (newer.length > 0 && !o.flags.has('r') && !o.flags.has('R')) {
    throw new ToolExit(
      `cannot rollback to '${name}': more recent snapshots or bookmarks exist\nuse '-r' to force deletion of the following snapshots and bookmarks:\n${newer
        .slice(0, 32)
        .map((s) => s.name)
        .join('\n')}${newer.length > 32 ? '\nOutput limited to 32 snapshots/bookmarks' : ''}`,
    );
  }
  const clones = dependentClones(ctx, newer, new Set());
  if (clones.length > 0 && !o.flags.has('R')) {
    throw new ToolExit(
      `cannot rollback to '${name}': clones of previous snapshots exist\nuse '-R' to force deletion of the following clones and dependents:\n${destroyOrder(ctx, clones).join('\n')}`,
    );
  }
  const held = newer.find((s) => Object.keys(s.holds ?? {}).length > 0);
  if (held) throw new ToolExit(`cannot destroy snapshot ${held.name}: dataset is busy`);
  removeNames(ctx, destroyOrder(ctx, clones));
  ctx.state.removeSnapshots(new Set(newer.map((s) => s.name)));
  ds.referenced = snap.referenced;
  ds.unique = Math.max(ds.unique - (ds.referenced - snap.referenced), snap.referenced);
  ctx.state.touch();
  return ok();
}

function zfsClone(ctx: SimContext, args: string[]): RunResult {
  const usage = 'usage:\n\tclone [-p] [-o property=value] ... <snapshot> <filesystem|volume>';
  const o = getopt(args, 'pu', 'o', usage);
  const [source, target] = o.operands;
  if (source === undefined) throw new ToolExit(`missing source dataset argument\n${usage}`, 2);
  if (target === undefined) throw new ToolExit(`missing target dataset argument\n${usage}`, 2);
  const snap = ctx.state.snapshot(source);
  if (!snap) throw notExist(source);
  const invalid = validateZfsName(target, 'dataset');
  if (invalid) throw new ToolExit(`cannot create '${target}': ${invalid}`);
  if (target.split('/')[0] !== source.split('/')[0]!.split('@')[0]) throw new ToolExit(`cannot create '${target}': source and target pools differ`);
  if (ctx.state.dataset(target)) throw new ToolExit(`cannot create '${target}': dataset already exists`);
  checkParent(ctx, target, o.flags.has('p'), 'create');
  const origin = ctx.state.dataset(baseOf(source))!;
  const props: Record<string, string> = {};
  for (const [k, v] of parseAssignments(o.values.get('o'), usage)) {
    const [p, value] = checkProperty(target, k, v, origin.type, true);
    props[p] = value;
  }
  if (origin.type === 'volume') {
    props['volsize'] = origin.props['volsize'] ?? '0';
    if (origin.props['volblocksize']) props['volblocksize'] = origin.props['volblocksize'];
  }
  ctx.state.addDataset({
    name: target,
    type: origin.type,
    guid: newGuid(ctx.now),
    createtxg: ctx.state.nextTxg(),
    creation: Math.floor(ctx.now / 1000),
    props,
    referenced: snap.referenced,
    unique: 8192,
    origin: snap.name,
  });
  return ok();
}

function zfsPromote(ctx: SimContext, args: string[]): RunResult {
  const name = args[0];
  if (name === undefined) throw new ToolExit('missing clone filesystem argument\nusage:\n\tpromote <clone-filesystem>', 2);
  const clone = ctx.state.dataset(name);
  if (!clone) throw notExist(name);
  if (!clone.origin) throw new ToolExit(`cannot promote '${name}': not a cloned filesystem`);
  const originSnap = ctx.state.snapByName.get(clone.origin)!;
  const originSnapName = originSnap.name;
  const originFs = ctx.state.dataset(baseOf(clone.origin))!;
  const moving = (ctx.state.snapsOf.get(originFs.name) ?? []).filter((s) => s.createtxg <= originSnap.createtxg);
  for (const s of moving) {
    const short = s.name.slice(s.name.indexOf('@') + 1);
    if (ctx.state.snapByName.has(`${name}@${short}`))
      throw new ToolExit(`cannot promote '${name}': snapshot name '${short}' from origin conflicts with '${name}@${short}' from target`);
  }
  const renames = new Map<string, string>();
  ctx.state.removeSnapshots(new Set(moving.map((s) => s.name)));
  for (const s of moving) {
    const renamed = `${name}${s.name.slice(s.name.indexOf('@'))}`;
    renames.set(s.name, renamed);
    s.name = renamed;
  }
  ctx.state.addSnapshotsBulk(moving);
  ctx.state.snapsOf.get(name)!.sort((a, b) => a.createtxg - b.createtxg);
  for (const d of ctx.state.model.datasets) if (d.origin && renames.has(d.origin)) d.origin = renames.get(d.origin)!;
  delete clone.origin;
  originFs.origin = renames.get(originSnapName)!;
  const moved = moving.reduce((sum, s) => sum + s.used, 0) + originSnap.referenced;
  clone.unique += Math.min(originFs.unique, moved);
  originFs.unique = Math.max(8192, originFs.unique - moved);
  ctx.state.touch();
  return ok();
}

function zfsHold(ctx: SimContext, args: string[], release: boolean): RunResult {
  const verb = release ? 'release' : 'hold';
  const usage = `usage:\n\t${verb} [-r] <tag> <snapshot> ...`;
  const o = getopt(args, 'r', '', usage);
  const [tag, ...names] = o.operands;
  if (tag === undefined || names.length === 0) throw new ToolExit(`wrong number of arguments\n${usage}`, 2);
  let code = 0;
  let stderr = '';
  for (const name of names) {
    if (!name.includes('@')) throw new ToolExit(`'${name}' is not a snapshot\n${usage}`, 2);
    const snap = ctx.state.snapshot(name);
    if (!snap) {
      stderr += release ? `cannot release hold from snapshot '${name}': dataset does not exist\n` : `cannot hold snapshot '${name}': dataset does not exist\n`;
      code = 1;
      continue;
    }
    const targets = withSameNamedBelow(ctx, snap, name, o.flags.has('r'));
    for (const s of targets) {
      const holds = s.holds ?? {};
      if (release) {
        if (!(tag in holds)) {
          stderr += `cannot release hold from snapshot '${s.name}': no such tag on this dataset\n`;
          code = 1;
          continue;
        }
        delete holds[tag];
      } else {
        if (tag in holds) {
          stderr += `cannot hold snapshot '${s.name}': tag already exists on this dataset\n`;
          code = 1;
          continue;
        }
        holds[tag] = Math.floor(ctx.now / 1000);
      }
      if (Object.keys(holds).length > 0) s.holds = holds;
      else delete s.holds;
    }
  }
  return { code, stdout: '', stderr };
}

function holdDate(sec: number): string {
  const d = new Date(sec * 1000);
  const short = zfsShortDate(d);
  return short.replace(/ ([ \d]\d):(\d\d) /, (_m, h: string, m: string) => ` ${h.trim().padStart(2, '0')}:${m} `);
}

/** The snapshot and, with -r, the same-named snapshots of its dataset's descendants. */
function withSameNamedBelow(ctx: SimContext, snap: SimSnapshot, name: string, recursive: boolean): SimSnapshot[] {
  const targets = [snap];
  if (!recursive) return targets;
  const short = name.slice(name.indexOf('@'));
  for (const d of ctx.state.descendants(baseOf(name))) {
    const s = ctx.state.snapByName.get(`${d.name}${short}`);
    if (s) targets.push(s);
  }
  return targets;
}

function zfsHolds(ctx: SimContext, args: string[]): RunResult {
  const o = getopt(args, 'rHp', '', 'usage:\n\tholds [-rHp] <snapshot> ...');
  if (o.operands.length === 0) throw new ToolExit('missing snapshot argument\nusage:\n\tholds [-rHp] <snapshot> ...', 2);
  const rows: string[][] = [];
  for (const name of o.operands) {
    const snap = ctx.state.snapshot(name);
    if (!snap) throw notExist(name);
    const targets = withSameNamedBelow(ctx, snap, name, o.flags.has('r'));
    for (const s of targets) {
      for (const [tag, ts] of Object.entries(s.holds ?? {})) rows.push([s.name, tag, o.flags.has('p') ? String(ts) : holdDate(ts)]);
    }
  }
  if (o.flags.has('H')) return ok(rows.map((r) => `${r.join('\t')}\n`).join(''));
  if (rows.length === 0) return ok();
  const header = ['NAME', 'TAG', 'TIMESTAMP'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return ok([header, ...rows].map((r) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c)).join('  ')).join('\n') + '\n');
}

function zfsRename(ctx: SimContext, args: string[]): RunResult {
  const usage =
    'usage:\n\trename [-f] <filesystem|volume|snapshot> <filesystem|volume|snapshot>\n\trename -p [-f] <filesystem|volume> <filesystem|volume>\n\trename -r <snapshot> <snapshot>';
  const o = getopt(args, 'fpru', '', usage);
  const [from, to] = o.operands;
  if (from === undefined || to === undefined) throw new ToolExit(`missing ${from === undefined ? 'source' : 'target'} dataset argument\n${usage}`, 2);
  const t = resolveTarget(ctx, from);
  if (!t) throw notExist(from);
  const invalid = validateZfsName(to, t.kind === 'snap' ? 'snapshot' : 'dataset');
  if (invalid) throw new ToolExit(`cannot rename to '${to}': ${invalid}`);
  if (resolveTarget(ctx, to)) throw new ToolExit(`cannot rename to '${to}': dataset already exists`);
  if (t.kind === 'snap') {
    if (baseOf(to) !== baseOf(from)) throw new ToolExit(`cannot rename to '${to}': snapshots must be part of same dataset`);
    const oldShort = from.slice(from.indexOf('@'));
    const newShort = to.slice(to.indexOf('@'));
    const list = [t.snap];
    if (o.flags.has('r')) {
      for (const d of ctx.state.descendants(baseOf(from))) {
        const s = ctx.state.snapByName.get(`${d.name}${oldShort}`);
        if (s) list.push(s);
      }
    }
    ctx.state.removeSnapshots(new Set(list.map((s) => s.name)));
    for (const s of list) {
      const renamed = `${baseOf(s.name)}${newShort}`;
      for (const c of ctx.state.clonesOf(s.name)) c.origin = renamed;
      s.name = renamed;
    }
    ctx.state.addSnapshotsBulk(list);
    for (const s of list) ctx.state.snapsOf.get(baseOf(s.name))!.sort((a, b) => a.createtxg - b.createtxg);
    return ok();
  }
  if (to.split('/')[0] !== from.split('/')[0]) throw new ToolExit(`cannot rename to '${to}': datasets must be within same pool`);
  if (!from.includes('/')) throw new ToolExit(`cannot rename to '${to}': operation does not apply to pools`);
  if (to.startsWith(`${from}/`)) throw new ToolExit(`cannot rename to '${to}': New dataset name cannot be a descendant of current dataset name`);
  checkParent(ctx, to, o.flags.has('p'), 'rename to');
  const tree = [t.ds, ...ctx.state.descendants(from)];
  const mapName = (n: string): string => to + n.slice(from.length);
  const snaps = tree.flatMap((d) => ctx.state.snapsOf.get(d.name) ?? []);
  ctx.state.removeSnapshots(new Set(snaps.map((s) => s.name)));
  for (const d of tree) {
    ctx.state.dsByName.delete(d.name);
    d.name = mapName(d.name);
    ctx.state.dsByName.set(d.name, d);
  }
  const renames = new Map<string, string>();
  for (const s of snaps) {
    const renamed = mapName(s.name);
    renames.set(s.name, renamed);
    s.name = renamed;
  }
  ctx.state.addSnapshotsBulk(snaps);
  for (const d of ctx.state.model.datasets) if (d.origin && renames.has(d.origin)) d.origin = renames.get(d.origin)!;
  ctx.state.touch();
  return ok();
}

function zfsMount(ctx: SimContext, args: string[], unmount: boolean): RunResult {
  if (unmount || args.length > 0) return ok();
  const props = new Props(ctx, true);
  const lines = ctx.state.model.datasets
    .filter((d) => d.type === 'filesystem' && ctx.state.poolOf(d.name))
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((d) => ({ d, mp: props.get({ kind: 'ds', ds: d }, 'mountpoint')!.value }))
    .filter(({ mp }) => mp.startsWith('/'))
    .map(({ d, mp }) => `${d.name.padEnd(27)}  ${mp}\n`);
  return ok(lines.join(''));
}

export function zfsCommand(ctx: SimContext, args: string[]): RunResult {
  const [verb, ...rest] = args;
  switch (verb) {
    case 'version':
      return ok('zfs-2.2.2-1\nzfs-kmod-2.2.2-1\n');
    case 'list':
      return zfsList(ctx, rest);
    case 'get':
      return zfsGet(ctx, rest);
    case 'set':
      return zfsSet(ctx, rest);
    case 'inherit':
      return zfsInherit(ctx, rest);
    case 'create':
      return zfsCreate(ctx, rest);
    case 'destroy':
      return zfsDestroy(ctx, rest);
    case 'snapshot':
    case 'snap':
      return zfsSnapshot(ctx, rest);
    case 'rollback':
      return zfsRollback(ctx, rest);
    case 'clone':
      return zfsClone(ctx, rest);
    case 'promote':
      return zfsPromote(ctx, rest);
    case 'hold':
      return zfsHold(ctx, rest, false);
    case 'release':
      return zfsHold(ctx, rest, true);
    case 'holds':
      return zfsHolds(ctx, rest);
    case 'rename':
      return zfsRename(ctx, rest);
    case 'mount':
      return zfsMount(ctx, rest, false);
    case 'unmount':
    case 'umount':
      return zfsMount(ctx, rest, true);
    case undefined:
      throw new ToolExit('missing command\nusage: zfs command args ...', 2);
    default:
      throw new ToolExit(`unrecognized command '${verb}'\nusage: zfs command args ...`, 2);
  }
}
