import type { SimDataset, SimGroup, SimLeaf, SimModel, SimPool, SimScan, SimSnapshot, SimVdev } from './model.js';

export interface Space {
  used: number;
  available: number;
  usedbysnapshots: number;
  usedbydataset: number;
  usedbychildren: number;
  usedbyrefreservation: number;
}

export interface ScanProgress {
  fraction: number;
  scanned: number;
  issued: number;
  elapsedMs: number;
  paused: boolean;
  done: boolean;
}

/** Bytes a partitioned whole disk gives ZFS: the 8 MiB reserved partition and alignment are lost. */
const PARTITION_OVERHEAD = 10 * 1024 * 1024;
/** Padding and allocation overhead of raidz/draid relative to the ideal data fraction. */
const RAIDZ_EFFICIENCY = 0.97;
const MAX_SLOP = 128 * 1024 ** 3;
const MIN_SLOP = 128 * 1024 ** 2;

export function isLeaf(v: SimVdev): v is SimLeaf {
  return v.kind === 'disk';
}

export function* leaves(vdevs: SimVdev[]): Generator<SimLeaf> {
  for (const v of vdevs) {
    if (isLeaf(v)) yield v;
    else yield* leaves(v.children);
  }
}

export function allPoolVdevs(pool: SimPool): SimVdev[] {
  return [...pool.vdevs, ...pool.logs, ...pool.special, ...pool.dedup, ...pool.cache, ...pool.spares];
}

export function groupTypeName(g: SimGroup): string {
  if (g.kind === 'raidz') return `raidz${g.parity ?? 1}`;
  if (g.kind === 'draid' && g.draid) return `draid${g.parity ?? 1}:${g.draid.data}d:${g.draid.children}c:${g.draid.spares}s`;
  return g.kind;
}

function healthy(state: string): boolean {
  return state === 'ONLINE' || state === 'DEGRADED';
}

/** vdev_state of an interior vdev from its children, as vdev_*_state_change would set it. */
export function vdevState(v: SimVdev): string {
  if (isLeaf(v)) return v.state;
  const states = v.children.map(vdevState);
  const bad = states.filter((s) => !healthy(s)).length;
  const degraded = states.some((s) => s === 'DEGRADED');
  let tolerated: number;
  if (v.kind === 'raidz' || v.kind === 'draid') tolerated = (v.parity ?? 1) + (v.kind === 'draid' ? 0 : 0);
  else tolerated = v.children.length - 1;
  if (bad > tolerated) return 'UNAVAIL';
  return bad > 0 || degraded ? 'DEGRADED' : 'ONLINE';
}

export function poolState(pool: SimPool): string {
  const tops = [...pool.vdevs, ...pool.special, ...pool.dedup].map(vdevState);
  if (tops.some((s) => !healthy(s))) return 'UNAVAIL';
  const logs = pool.logs.map(vdevState);
  if (tops.some((s) => s === 'DEGRADED') || logs.some((s) => s !== 'ONLINE')) return 'DEGRADED';
  return 'ONLINE';
}

export class SimState {
  readonly dsByName = new Map<string, SimDataset>();
  readonly snapByName = new Map<string, SimSnapshot>();
  /** Snapshots of each dataset in creation order. */
  readonly snapsOf = new Map<string, SimSnapshot[]>();
  private spaceCache = new Map<string, Map<string, Space>>();

  constructor(
    readonly model: SimModel,
    private readonly diskSize: (name: string) => number,
  ) {
    for (const d of model.datasets) this.dsByName.set(d.name, d);
    for (const s of model.snapshots) this.indexSnapshot(s);
    for (const list of this.snapsOf.values()) list.sort((a, b) => a.createtxg - b.createtxg);
  }

  private indexSnapshot(s: SimSnapshot): void {
    this.snapByName.set(s.name, s);
    const base = s.name.slice(0, s.name.indexOf('@'));
    let list = this.snapsOf.get(base);
    if (!list) {
      list = [];
      this.snapsOf.set(base, list);
    }
    list.push(s);
  }

  /** Called after every change so derived space numbers are recomputed. */
  touch(): void {
    this.spaceCache.clear();
  }

  nextTxg(): number {
    this.model.txg += 1;
    return this.model.txg;
  }

  pool(name: string): SimPool | undefined {
    return this.model.pools.find((p) => p.name === name && !p.exported);
  }

  poolOf(datasetName: string): SimPool | undefined {
    return this.pool(datasetName.split(/[/@]/)[0]!);
  }

  /** A filesystem or volume of an imported pool. */
  dataset(name: string): SimDataset | undefined {
    const d = this.dsByName.get(name);
    return d && this.poolOf(name) ? d : undefined;
  }

  snapshot(name: string): SimSnapshot | undefined {
    const s = this.snapByName.get(name);
    return s && this.poolOf(name) ? s : undefined;
  }

  addDataset(d: SimDataset): void {
    this.model.datasets.push(d);
    this.dsByName.set(d.name, d);
    this.touch();
  }

  removeDataset(name: string): void {
    this.dsByName.delete(name);
    this.model.datasets = this.model.datasets.filter((d) => d.name !== name);
    for (const s of this.snapsOf.get(name) ?? []) this.snapByName.delete(s.name);
    this.snapsOf.delete(name);
    this.model.snapshots = this.model.snapshots.filter((s) => this.snapByName.has(s.name));
    this.touch();
  }

  addSnapshot(s: SimSnapshot): void {
    this.model.snapshots.push(s);
    this.indexSnapshot(s);
    this.touch();
  }

  /** Adds many snapshots at once; they must be newer than existing ones of their datasets. */
  addSnapshotsBulk(list: SimSnapshot[]): void {
    for (const s of list) {
      this.model.snapshots.push(s);
      this.indexSnapshot(s);
    }
    this.touch();
  }

  removeSnapshots(names: Set<string>): void {
    if (names.size === 0) return;
    for (const name of names) {
      const s = this.snapByName.get(name);
      if (!s) continue;
      this.snapByName.delete(name);
      const base = name.slice(0, name.indexOf('@'));
      const list = this.snapsOf.get(base);
      if (list)
        this.snapsOf.set(
          base,
          list.filter((x) => x !== s),
        );
    }
    this.model.snapshots = this.model.snapshots.filter((s) => !names.has(s.name));
    this.touch();
  }

  /** Direct child filesystems and volumes, sorted by name. */
  children(name: string): SimDataset[] {
    const prefix = `${name}/`;
    return this.model.datasets
      .filter((d) => d.name.startsWith(prefix) && !d.name.slice(prefix.length).includes('/'))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  descendants(name: string): SimDataset[] {
    const prefix = `${name}/`;
    return this.model.datasets.filter((d) => d.name.startsWith(prefix));
  }

  clonesOf(snapshotName: string): SimDataset[] {
    return this.model.datasets.filter((d) => d.origin === snapshotName);
  }

  /** Raw pool size (as zpool list shows it) and the space datasets can use. */
  poolSizes(pool: SimPool): { size: number; usable: number; dataFactor: number } {
    let size = 0;
    let usable = 0;
    let parityWeighted = 0;
    for (const top of [...pool.vdevs, ...pool.special, ...pool.dedup]) {
      const leafSizes = [...leaves([top])].map((l) => this.diskSize(l.disk) - PARTITION_OVERHEAD);
      const min = Math.min(...leafSizes);
      if (isLeaf(top)) {
        size += min;
        usable += min;
        parityWeighted += min;
      } else if (top.kind === 'mirror' || top.kind === 'replacing' || top.kind === 'spare') {
        size += min;
        usable += min;
        parityWeighted += min;
      } else if (top.kind === 'raidz') {
        const n = top.children.length;
        const p = top.parity ?? 1;
        size += min * n;
        usable += min * (n - p) * RAIDZ_EFFICIENCY;
        parityWeighted += min * (n - p);
      } else {
        const cfg = top.draid ?? { data: top.children.length - (top.parity ?? 1), children: top.children.length, spares: 0 };
        const p = top.parity ?? 1;
        const width = cfg.data + p;
        const raw = min * (cfg.children - cfg.spares);
        size += raw;
        usable += ((raw * cfg.data) / width) * RAIDZ_EFFICIENCY;
        parityWeighted += (raw * cfg.data) / width;
      }
    }
    const slop = Math.min(Math.max(usable / 32, MIN_SLOP), MAX_SLOP);
    return {
      size: Math.floor(size),
      usable: Math.max(0, Math.floor(usable - slop)),
      dataFactor: parityWeighted > 0 ? size / parityWeighted : 1,
    };
  }

  /** Bytes allocated on the vdevs (data plus parity), as zpool list ALLOC shows. */
  poolAllocated(pool: SimPool): number {
    let data = 0;
    const prefix = `${pool.name}/`;
    for (const d of this.model.datasets) {
      if (d.name === pool.name || d.name.startsWith(prefix)) {
        data += d.unique;
        for (const s of this.snapsOf.get(d.name) ?? []) data += s.used;
      }
    }
    const { dataFactor, size } = this.poolSizes(pool);
    return Math.min(size, Math.floor(data * dataFactor) + pool.vdevs.length * 2 * 1024 * 1024);
  }

  refreservation(d: SimDataset): number {
    return Number(d.props['refreservation'] ?? 0) || 0;
  }

  /** used/avail/usedby* of every filesystem and volume of a pool, in one pass. */
  space(pool: SimPool): Map<string, Space> {
    const cached = this.spaceCache.get(pool.name);
    if (cached) return cached;
    const prefix = `${pool.name}/`;
    const members = this.model.datasets.filter((d) => d.name === pool.name || d.name.startsWith(prefix));
    const byDepth = [...members].sort((a, b) => b.name.split('/').length - a.name.split('/').length);
    const out = new Map<string, Space>();
    const childCharge = new Map<string, number>();
    for (const d of byDepth) {
      let snaps = 0;
      for (const s of this.snapsOf.get(d.name) ?? []) snaps += s.used;
      const usedbyrefreservation = Math.max(0, this.refreservation(d) - d.unique);
      const usedbychildren = childCharge.get(d.name) ?? 0;
      const used = d.unique + snaps + usedbychildren + usedbyrefreservation;
      out.set(d.name, { used, available: 0, usedbysnapshots: snaps, usedbydataset: d.unique, usedbychildren, usedbyrefreservation });
      const parent = d.name.includes('/') ? d.name.slice(0, d.name.lastIndexOf('/')) : null;
      if (parent) {
        const reservation = Number(d.props['reservation'] ?? 0) || 0;
        childCharge.set(parent, (childCharge.get(parent) ?? 0) + Math.max(used, reservation));
      }
    }
    const { usable } = this.poolSizes(pool);
    const byDepthAsc = [...byDepth].reverse();
    for (const d of byDepthAsc) {
      const sp = out.get(d.name)!;
      let avail: number;
      if (d.name === pool.name) {
        avail = usable - sp.used;
      } else {
        const parent = out.get(d.name.slice(0, d.name.lastIndexOf('/')))!;
        const reservation = Number(d.props['reservation'] ?? 0) || 0;
        avail = parent.available + Math.max(0, reservation - sp.used);
      }
      const quota = Number(d.props['quota'] ?? 0) || 0;
      if (quota > 0) avail = Math.min(avail, quota - sp.used);
      const refquota = Number(d.props['refquota'] ?? 0) || 0;
      if (refquota > 0) avail = Math.min(avail, refquota - d.referenced);
      if (d.type === 'volume') avail = Math.max(avail, 0) + sp.usedbyrefreservation;
      sp.available = Math.max(0, Math.floor(avail));
    }
    this.spaceCache.set(pool.name, out);
    return out;
  }
}

/** Where a running scan is, derived from the wall clock so no timer is needed. */
export function scanProgress(scan: SimScan, nowMs: number): ScanProgress {
  const paused = scan.pausedAtMs !== undefined;
  const effectiveNow = paused ? scan.pausedAtMs! : nowMs;
  const elapsedMs = Math.max(0, effectiveNow - scan.startMs - scan.pausedTotalMs);
  const fraction = scan.state === 'finished' ? 1 : Math.min(1, elapsedMs / scan.durationMs);
  // Metadata scanning runs ahead of the issue phase, as in the sorted scrub of 0.8+.
  const scannedFraction = Math.min(1, fraction * 1.6);
  return {
    fraction,
    scanned: Math.floor(scan.totalBytes * scannedFraction),
    issued: Math.floor(scan.totalBytes * fraction),
    elapsedMs,
    paused,
    done: scan.state === 'scanning' && !paused && fraction >= 1,
  };
}
