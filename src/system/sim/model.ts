/**
 * The state of the simulated appliance: disks, pools with their vdev trees, datasets,
 * snapshots. Plain JSON so it can be persisted as is.
 */

export type LeafState = 'ONLINE' | 'OFFLINE' | 'FAULTED' | 'UNAVAIL' | 'REMOVED';

export interface SimDisk {
  name: string;
  sizeBytes: number;
  rotational: boolean;
  tran: 'sata' | 'sas' | 'nvme';
  vendor: string;
  model: string;
  serial: string;
  wwn: string;
  rev: string;
  hctl: string | null;
  rpm: number;
  temperatureC: number;
  powerOnHours: number;
  powerCycles: number;
  reallocatedSectors: number;
  smartPassed: boolean;
  /** Set by faultDisk: the drive answers no I/O. */
  failed: boolean;
  /** Signatures left on a disk no pool uses (an old partition table or filesystem); wipefs -a clears them. */
  signatures?: { pttype?: string; fstype?: string; label?: string };
  /** SMART self-tests, newest first (smartctl -t short|long; the log smartctl -l selftest prints). */
  selfTests?: SimSelfTest[];
}

export interface SimSelfTest {
  type: 'short' | 'long';
  startMs: number;
  durationMs: number;
  /** The drive's power-on hours when the test started. */
  hours: number;
  /** A failing drive stops the test at a read failure. */
  failed: boolean;
}

export interface SimLeaf {
  kind: 'disk';
  disk: string;
  /** The device path as given to zpool ("/dev/sdb", "/dev/disk/by-id/ata-...") without partition. */
  path: string;
  guid: string;
  state: LeafState;
  read: number;
  write: number;
  cksum: number;
  /** 'errors': FAULTED "too many errors"; 'missing': shown by GUID, "was <path>". */
  aux?: 'errors' | 'missing';
  resilvering?: boolean;
}

export interface SimGroup {
  kind: 'mirror' | 'raidz' | 'draid' | 'replacing' | 'spare';
  parity?: number;
  draid?: { data: number; children: number; spares: number };
  children: SimVdev[];
}

export type SimVdev = SimLeaf | SimGroup;

export interface SimScan {
  func: 'scrub' | 'resilver';
  /** Canceled scans keep their record; running ones derive progress from the clock. */
  state: 'scanning' | 'finished' | 'canceled';
  startMs: number;
  endMs?: number;
  pausedAtMs?: number;
  pausedTotalMs: number;
  durationMs: number;
  totalBytes: number;
  repairedBytes: number;
  errors: number;
}

export interface SimPool {
  name: string;
  guid: string;
  createdMs: number;
  exported: boolean;
  props: Record<string, string>;
  vdevs: SimVdev[];
  logs: SimVdev[];
  special: SimVdev[];
  dedup: SimVdev[];
  cache: SimLeaf[];
  spares: SimLeaf[];
  scan: SimScan | null;
  /** Fragmentation percentage shown by zpool list. */
  fragmentation: number;
  io: { readOps: number; writeOps: number; readBytes: number; writeBytes: number };
}

export interface SimDataset {
  name: string;
  type: 'filesystem' | 'volume';
  guid: string;
  createtxg: number;
  creation: number;
  /** Properties set locally (string values as `zfs set` takes them, sizes in bytes). */
  props: Record<string, string>;
  referenced: number;
  /** Bytes only this dataset holds (differs from referenced for clones). */
  unique: number;
  origin?: string;
}

export interface SimSnapshot {
  name: string;
  guid: string;
  createtxg: number;
  creation: number;
  referenced: number;
  used: number;
  holds?: Record<string, number>;
  userProps?: Record<string, string>;
}

export interface SimModel {
  version: 1;
  txg: number;
  disks: SimDisk[];
  pools: SimPool[];
  datasets: SimDataset[];
  snapshots: SimSnapshot[];
  arc: { hits: number; misses: number; l2Hits: number; l2Misses: number; bootMs: number };
}

const GiB = 1024 ** 3;
const TiB = 1024 ** 4;

let guidCounter = 0;
/** 64-bit decimal GUIDs like ZFS prints; deterministic per process so tests are stable. */
export function newGuid(seed = Date.now()): string {
  guidCounter++;
  const hi = (Math.imul(seed ^ (guidCounter * 2654435761), 2246822519) >>> 0) % 4294967;
  const lo = (Math.imul(guidCounter + 0x9e3779b9, 3266489917) >>> 0).toString().padStart(10, '0');
  return `${hi + 1000000}${lo}`.slice(0, 19);
}

function disk(
  name: string,
  sizeBytes: number,
  kind: 'hdd' | 'ssd' | 'nvme',
  model: string,
  serial: string,
  wwn: string,
  index: number,
  temperatureC: number,
  powerOnHours: number,
): SimDisk {
  const isNvme = kind === 'nvme';
  return {
    name,
    sizeBytes,
    rotational: kind === 'hdd',
    tran: isNvme ? 'nvme' : 'sata',
    vendor: isNvme ? '' : 'ATA',
    model,
    serial,
    wwn,
    rev: kind === 'hdd' ? 'SC60' : isNvme ? '5B2QGXA7' : 'HXT7404Q',
    hctl: isNvme ? null : `${Math.floor(index / 8)}:0:${index % 8}:0`,
    rpm: kind === 'hdd' ? (sizeBytes > 6 * TiB ? 7200 : 5400) : 0,
    temperatureC,
    powerOnHours,
    powerCycles: 40 + index * 3,
    reallocatedSectors: 0,
    smartPassed: true,
    failed: false,
  };
}

export function defaultDisks(): SimDisk[] {
  const hdd4 = 4000787030016;
  const hdd8 = 8001563222016;
  const ssd960 = 960197124096;
  const ssd1920 = 1920383410176;
  const list: SimDisk[] = [];
  const letters = 'abcdefghijklmn';
  for (let i = 0; i < 6; i++) {
    list.push(
      disk(
        `sd${letters[i]}`,
        hdd4,
        'hdd',
        'WDC WD40EFRX-68N32N0',
        `WD-WCC7K${(4012345 + i * 7919).toString()}`,
        `0x50014ee2b${(0x5a3c10 + i * 0x111).toString(16)}`,
        i,
        33 + (i % 3),
        28112 + i * 37,
      ),
    );
  }
  for (let i = 6; i < 10; i++) {
    list.push(
      disk(
        `sd${letters[i]}`,
        hdd8,
        'hdd',
        'ST8000VN004-2M2101',
        `WSD${(0x5a0000 + i * 13).toString(36).toUpperCase()}`,
        `0x5000c500c${(0x3f21a0 + i * 0x222).toString(16)}`,
        i,
        35 + (i % 2),
        9120 + i * 11,
      ),
    );
  }
  for (let i = 10; i < 12; i++) {
    list.push(
      disk(
        `sd${letters[i]}`,
        ssd960,
        'ssd',
        'SAMSUNG MZ7LH960HAJR-00005',
        `S45NNE0M${(602113 + i).toString()}`,
        `0x5002538e4${(0x0a1b20 + i).toString(16)}`,
        i,
        29,
        14003 + i,
      ),
    );
  }
  for (let i = 12; i < 14; i++) {
    list.push(
      disk(
        `sd${letters[i]}`,
        ssd1920,
        'ssd',
        'INTEL SSDSC2KB019T8',
        `PHYF9${(20400123 + i).toString()}1P9DGN`,
        `0x55cd2e41${(0x51c0d0 + i).toString(16)}`,
        i,
        31,
        7420 + i,
      ),
    );
  }
  list.push(disk('nvme0n1', 1000204886016, 'nvme', 'Samsung SSD 980 PRO 1TB', 'S5GXNF0R312345K', 'eui.002538b311b0c1a2', 14, 41, 3011));
  return list;
}

function leaf(diskName: string): SimLeaf {
  return { kind: 'disk', disk: diskName, path: `/dev/${diskName}`, guid: newGuid(), state: 'ONLINE', read: 0, write: 0, cksum: 0 };
}

export function newLeaf(diskName: string, path: string): SimLeaf {
  return { ...leaf(diskName), path };
}

const DAY = 86400;

/** The demo appliance: raidz2 `tank` on six 4 TB drives with backup, share and VM datasets. */
export function defaultModel(nowMs = Date.now()): SimModel {
  const now = Math.floor(nowMs / 1000);
  const created = now - 200 * DAY;
  let txg = 100;
  const ds = (name: string, referenced: number, props: Record<string, string> = {}, ageDays = 190): SimDataset => ({
    name,
    type: 'filesystem',
    guid: newGuid(nowMs),
    createtxg: (txg += 17),
    creation: now - ageDays * DAY,
    props,
    referenced,
    unique: referenced,
  });
  const snap = (name: string, referenced: number, used: number, ageSeconds: number): SimSnapshot => ({
    name,
    guid: newGuid(nowMs),
    createtxg: (txg += 31),
    creation: now - ageSeconds,
    referenced,
    used,
  });
  const pool: SimPool = {
    name: 'tank',
    guid: '7214587796341252291',
    createdMs: created * 1000,
    exported: false,
    props: { ashift: '12', autotrim: 'off', autoexpand: 'off', autoreplace: 'off', comment: '-', failmode: 'wait' },
    vdevs: [{ kind: 'raidz', parity: 2, children: ['sda', 'sdb', 'sdc', 'sdd', 'sde', 'sdf'].map(leaf) }],
    logs: [],
    special: [],
    dedup: [],
    cache: [],
    spares: [],
    scan: {
      func: 'scrub',
      state: 'finished',
      startMs: (now - 6 * DAY) * 1000,
      endMs: (now - 6 * DAY + 3 * 3600 + 14 * 60 + 9) * 1000,
      pausedTotalMs: 0,
      durationMs: (3 * 3600 + 14 * 60 + 9) * 1000,
      totalBytes: 0,
      repairedBytes: 0,
      errors: 0,
    },
    fragmentation: 4,
    io: { readOps: 1843211, writeOps: 9920311, readBytes: 91 * 1024 * GiB, writeBytes: 212 * 1024 * GiB },
  };
  const vm1: SimDataset = {
    ...ds('tank/vms/vm1', 18 * GiB + 341 * 1024 * 1024, {}, 120),
    type: 'volume',
    props: { volsize: String(50 * GiB), volblocksize: '16384', refreservation: String(51 * GiB + 678 * 1024 * 1024) },
  };
  const datasets: SimDataset[] = [
    { ...ds('tank', 98304, { compression: 'lz4', atime: 'off', xattr: 'sa', acltype: 'posix' }, 200), createtxg: 1 },
    ds('tank/backups', 196608),
    ds('tank/backups/bacula', Math.round(3.21 * TiB), { recordsize: String(1024 * 1024), 'calypso:role': 'bacula-storage' }),
    ds('tank/shares', Math.round(151.4 * GiB), { sharesmb: 'off' }),
    ds('tank/shares/finance', Math.round(420.7 * GiB), { quota: String(1 * TiB) }),
    ds('tank/vms', 98304),
    vm1,
  ];
  const snapshots: SimSnapshot[] = [
    snap('tank/backups/bacula@daily-2024-05-01', Math.round(3.02 * TiB), Math.round(41.2 * GiB), 3 * DAY),
    snap('tank/backups/bacula@daily-2024-05-02', Math.round(3.11 * TiB), Math.round(28.9 * GiB), 2 * DAY),
    snap('tank/backups/bacula@daily-2024-05-03', Math.round(3.18 * TiB), Math.round(12.3 * GiB), DAY),
    snap('tank/shares/finance@hourly-2024-05-03-1000', Math.round(418.2 * GiB), Math.round(1.2 * GiB), 3 * 3600),
    snap('tank/shares/finance@hourly-2024-05-03-1100', Math.round(419.6 * GiB), Math.round(640 * 1024 * 1024), 2 * 3600),
    snap('tank/shares/finance@hourly-2024-05-03-1200', Math.round(420.1 * GiB), Math.round(210 * 1024 * 1024), 3600),
    snap('tank/vms/vm1@before-upgrade', Math.round(17.9 * GiB), Math.round(2.1 * GiB), 10 * DAY),
  ];
  snapshots[2]!.holds = { 'calypso-replication': now - DAY };
  return {
    version: 1,
    txg: txg + 100,
    disks: defaultDisks(),
    pools: [pool],
    datasets,
    snapshots,
    arc: { hits: 48211993, misses: 2210931, l2Hits: 0, l2Misses: 0, bootMs: nowMs - 19 * DAY * 1000 },
  };
}
