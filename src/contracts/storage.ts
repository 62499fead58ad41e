/**
 * Storage (SRS-01): disks, pools, vdevs, datasets, zvols and the ARC. The input vocabulary
 * (names checked by ZFS's own rules, exact sizes, properties) is checked here, before any
 * command runs; the handlers are in src/services/storage.
 */
import { z } from 'zod';
import { contractSet, defineContract, definePermissions } from './core.js';
import { jobSchema } from './jobs.js';
import { cursorListOf, cursorShape, listOf, listShape } from './list.js';
import { plainText } from './text.js';
import { isoTime } from './time.js';
import { validateZfsName, type ZfsNameKind } from '../vocabulary/zfs-names.js';
import { ZFS_SIZE_MAX, ZVOL_SIZE_MAX, exactUnits, parseExactSize } from '../vocabulary/zfs-size.js';
import type { Vdev } from '../vocabulary/zpool-status.js';

function zfsName(kind: ZfsNameKind, what: string) {
  return z
    .string()
    .min(1, `${what} is empty`)
    .max(255, `${what} is longer than 255 characters`)
    .superRefine((value, ctx) => {
      const problem = validateZfsName(value, kind);
      if (problem) ctx.addIssue({ code: 'custom', message: `invalid ${what} ${JSON.stringify(value.slice(0, 80))}: ${problem}` });
    });
}

export const poolName = zfsName('pool', 'pool name')
  .refine((n) => !/\s/.test(n), 'a pool name may not contain spaces (its mountpoint would)')
  .describe('Pool name');
export const datasetName = zfsName('dataset', 'dataset name')
  .refine((n) => n.includes('/'), 'a dataset name has the form pool/name')
  .describe('Dataset or zvol name, e.g. tank/backups');
export const anyDatasetName = zfsName('dataset', 'dataset name').describe('Dataset, zvol or pool root dataset name');
export const snapshotName = zfsName('snapshot', 'snapshot name').describe('Full snapshot name: dataset@snapshot');
/** The part after '@'. */
export const snapshotShortName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_.:-]+$/, "letters, digits, '_', '.', ':' and '-' only")
  .refine((s) => !s.startsWith('-'), "may not start with '-'")
  .describe("Snapshot name (the part after '@')");

/** A whole disk: a kernel name (sdb, nvme0n1) or a /dev path (by-id, by-path...). */
export const diskName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^(\/dev\/[A-Za-z0-9_./:+-]+|[A-Za-z0-9][A-Za-z0-9_:.+-]*)$/, 'a disk name such as sdb or a /dev/disk/by-id/... path')
  .refine((s) => !s.includes('..'), "may not contain '..'")
  .describe('Disk, e.g. sdb or /dev/disk/by-id/wwn-0x5000...');

/** Device as `zpool status` names it: a disk, a partition, a path or a GUID. */
export const deviceName = diskName.describe('Device as zpool status names it: disk, path or GUID');

/**
 * A size in bytes: a JSON number of bytes (exact up to 2^53), or a string of bytes or of a number
 * with a unit as ZFS reads them ("10G", "1.5T", "1E", "4KiB"). Parsed exactly (bigint): a value
 * that is not a whole number of bytes, or lies outside [min, max], is refused at the contract,
 * before any command. The value handed on is the exact byte count as decimal digits, which is
 * also what the audit row records and what goes on the zfs command line.
 */
export function exactBytes(opts: { min?: bigint; max: bigint; maxText: string; check?: (bytes: bigint) => string | null; none?: boolean }) {
  return z.union([z.number(), z.string().max(48)]).transform((v, ctx) => {
    if (opts.none && v === 'none') return 'none';
    const parsed = parseExactSize(v);
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if ('problem' in parsed) return fail(parsed.problem);
    if (parsed.bytes > opts.max) return fail(`${typeof v === 'string' ? v.trim() : v} is more than ZFS allows here (at most ${opts.maxText})`);
    if (opts.min !== undefined && parsed.bytes < opts.min) return fail(`at least ${exactUnits(opts.min)}`);
    const problem = opts.check?.(parsed.bytes);
    if (problem) return fail(problem);
    return parsed.bytes.toString();
  });
}

/** Bytes up to what a 64-bit ZFS size property holds (2^64 - 1). */
export const sizeValue = exactBytes({ max: ZFS_SIZE_MAX, maxText: '16E - 1 byte, 18446744073709551615 bytes' });

const isPowerOfTwo = (n: bigint) => n > 0n && (n & (n - 1n)) === 0n;
/** A power of two from min to max bytes (record and block sizes). */
export function powerOfTwoBytes(min: bigint, max: bigint) {
  return exactBytes({
    min,
    max,
    maxText: exactUnits(max),
    check: (n) => (isPowerOfTwo(n) ? null : `a power of two from ${exactUnits(min)} to ${exactUnits(max)}`),
  });
}

/** A zvol size: at least 1M, below 2^63 (a block device's offsets are signed 64-bit). */
export const zvolSize = exactBytes({ min: 1n << 20n, max: ZVOL_SIZE_MAX, maxText: '8E - 1 byte, 9223372036854775807 bytes' });

const onOff = z.enum(['on', 'off']);
const sizeOrNone = exactBytes({ max: ZFS_SIZE_MAX, maxText: '16E - 1 byte, 18446744073709551615 bytes', none: true });
/** A quota of 0 is ZFS's "none" (zfs refuses quota=0 and asks for none). */
const quotaOrNone = sizeOrNone.transform((v) => (v === '0' ? 'none' : v));

export const COMPRESSION = [
  'on',
  'off',
  'lz4',
  'zstd',
  'zstd-fast',
  'gzip',
  'lzjb',
  'zle',
  ...Array.from({ length: 19 }, (_, i) => `zstd-${i + 1}`),
  ...Array.from({ length: 9 }, (_, i) => `gzip-${i + 1}`),
] as const;

/** Properties Calypso lets a user set, with ZFS's own value rules. */
export const datasetProperties = z
  .object({
    compression: z.enum(COMPRESSION).optional().describe('Compression algorithm'),
    quota: quotaOrNone.optional().describe('Limit on the dataset and its descendants (bytes, 10G, or none; at most 2^64 - 1 bytes)'),
    refquota: quotaOrNone.optional().describe('Limit on the dataset itself (bytes, 10G, or none; at most 2^64 - 1 bytes)'),
    reservation: sizeOrNone.optional().describe('Space guaranteed to the dataset and descendants (bytes, 10G, or none; at most 2^64 - 1 bytes)'),
    refreservation: sizeOrNone.optional().describe('Space guaranteed to the dataset itself (bytes, 10G, or none; at most 2^64 - 1 bytes)'),
    recordsize: powerOfTwoBytes(512n, 16n << 20n)
      .optional()
      .describe('Record size for filesystems (power of two, 512 B to 16 M)'),
    atime: onOff.optional().describe('Update access times'),
    sync: z.enum(['standard', 'always', 'disabled']).optional().describe('Synchronous write behaviour'),
    dedup: z.enum(['on', 'off', 'verify', 'sha256', 'sha256,verify', 'sha512', 'skein', 'blake3']).optional().describe('Deduplication'),
    readonly: onOff.optional().describe('Refuse writes'),
    comments: plainText().max(1024).optional().describe('Free text stored as the user property org.calypso:comments'),
  })
  .strict()
  .describe('ZFS properties');

export type DatasetProperties = z.infer<typeof datasetProperties>;

export const COMMENTS_PROPERTY = 'org.calypso:comments';

/** Property map as the adapter sends it to `zfs create -o` / `zfs set`. */
export function toZfsProperties(props: DatasetProperties): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined) continue;
    out[k === 'comments' ? COMMENTS_PROPERTY : k] = String(v);
  }
  return out;
}

export const LAYOUTS = ['stripe', 'mirror', 'raidz1', 'raidz2', 'raidz3', 'draid'] as const;
export type LayoutType = (typeof LAYOUTS)[number];

/** Smallest number of disks in one vdev of each layout. */
export const MIN_DISKS: Record<LayoutType, number> = { stripe: 1, mirror: 2, raidz1: 3, raidz2: 4, raidz3: 5, draid: 3 };

export const storagePermissions = definePermissions([
  { name: 'storage.read', description: 'See disks, pools, datasets, zvols and ARC statistics', level: 'read' },
  { name: 'storage.scrub', description: 'Start, pause and stop scrubs', level: 'operate' },
  { name: 'storage.devices', description: 'Online, offline, clear and replace pool devices; start SMART self-tests', level: 'operate' },
  { name: 'storage.wipe', description: 'Wipe the signatures (partition tables, filesystem and pool labels) off disks no pool or LUN uses', level: 'admin' },
  { name: 'storage.write', description: 'Create pools, datasets and zvols; change their properties; import and export pools', level: 'admin' },
  { name: 'storage.destroy', description: 'Destroy pools, datasets and zvols', level: 'admin' },
]);

export type { Vdev };

export const vdevSchema: z.ZodType<Vdev> = z.lazy(() =>
  z.object({
    name: z.string().describe('Device or group name'),
    state: z.string().describe('ONLINE, DEGRADED, FAULTED, UNAVAIL, OFFLINE, REMOVED, AVAIL, INUSE'),
    read: z.number().describe('Read errors'),
    write: z.number().describe('Write errors'),
    checksum: z.number().describe('Checksum errors'),
    note: z.string().optional().describe('What zpool status says about it (e.g. "was /dev/sdc", "too many errors")'),
    children: z.array(vdevSchema).describe('Members of a group vdev'),
  }),
);

export const selfTestSchema = z.object({
  type: z.string().describe('Short offline, Extended offline (NVMe: Short, Extended)'),
  status: z.string().describe('As the drive reports it, e.g. Completed without error, Completed: read failure'),
  passed: z.boolean().nullable().describe('true: completed without error; false: failed; null: aborted or unknown'),
  lifetimeSeconds: z.number().nullable().describe('Power-on time when it ended (the drive counts whole hours)'),
  lba: z.number().nullable().describe('First failing LBA, when reported'),
});
export type SelfTest = z.infer<typeof selfTestSchema>;

export const diskSchema = z.object({
  name: z.string().describe('Kernel name (sdb)'),
  path: z.string().describe('/dev path'),
  wwn: z.string().nullable().describe('World Wide Name (NVMe: EUI-64/NGUID), or null'),
  stablePath: z.string().nullable().describe('Name that survives reboots (/dev/disk/by-id/wwn-...), used for new pools; null without a WWN'),
  model: z.string().nullable().describe('Model'),
  serial: z.string().nullable().describe('Serial number'),
  sizeBytes: z.number().describe('Capacity in bytes'),
  type: z.enum(['hdd', 'ssd', 'nvme']).describe('Kind of device'),
  rotational: z.boolean().describe('Spinning disk'),
  temperatureC: z.number().nullable().describe('Temperature from SMART'),
  smartHealth: z.string().describe('PASSED, FAILED or UNKNOWN'),
  powerOnSeconds: z.number().nullable().describe('Power-on time from SMART, in seconds (SMART counts whole hours)'),
  inUse: z.boolean().describe('Part of a pool'),
  pool: z.string().nullable().describe('Pool using it'),
  vdev: z.string().nullable().describe('Top-level vdev using it'),
  role: z.string().nullable().describe('data, logs, cache, spares, special or dedup'),
  state: z.string().nullable().describe('Its state in the pool'),
});
export type Disk = z.infer<typeof diskSchema>;

export const diskDetailSchema = diskSchema.extend({
  selfTestRunning: z
    .object({
      type: z.string().nullable().describe('Short or Extended, when the drive says'),
      remainingPercent: z.number().nullable().describe('Percent of the test still to run'),
      text: z.string().describe('As the drive reports it'),
    })
    .nullable()
    .describe('The SMART self-test running now, or null'),
  selfTests: z.array(selfTestSchema).describe('SMART self-test log, newest first'),
});
export type DiskDetail = z.infer<typeof diskDetailSchema>;

export const poolSchema = z.object({
  name: z.string().describe('Pool name'),
  health: z.string().describe('ONLINE, DEGRADED, FAULTED, SUSPENDED, UNAVAIL...'),
  sizeBytes: z.number().nullable().describe('Raw size'),
  allocatedBytes: z.number().nullable().describe('Allocated'),
  freeBytes: z.number().nullable().describe('Free'),
  capacityPercent: z.number().nullable().describe('Allocated percent'),
  fragmentationPercent: z.number().nullable().describe('Free-space fragmentation'),
  dedupRatio: z.number().nullable().describe('Deduplication ratio'),
});
/** A pool as the list shows it: health and capacity. */
export type Pool = z.infer<typeof poolSchema>;

export const scanSchema = z
  .object({
    function: z.enum(['scrub', 'resilver']).describe('What is scanning'),
    state: z.enum(['scanning', 'finished', 'canceled', 'paused']).describe('Scan state'),
    percentDone: z.number().optional().describe('Percent done'),
    errors: z.number().optional().describe('Errors found'),
    repairedBytes: z.number().optional().describe('Bytes repaired'),
    remainingSeconds: z.number().optional().describe('Estimated seconds left'),
    durationSeconds: z.number().optional().describe('How long a finished scan took, in seconds'),
    startedAt: isoTime().optional().describe('Start (ISO-8601; the printed text is in `text`)'),
    endedAt: isoTime().optional().describe('End (ISO-8601; the printed text is in `text`)'),
    text: z.string().describe('The scan lines as printed'),
  })
  .nullable();
/** A scrub or resilver, running or last finished. */
export type Scan = NonNullable<z.infer<typeof scanSchema>>;

export const poolDetailSchema = poolSchema.extend({
  status: z.string().nullable().describe('What zpool status says is wrong'),
  action: z.string().nullable().describe('What zpool status says to do'),
  scan: scanSchema.describe('Last or running scrub/resilver'),
  vdevs: z.array(vdevSchema).describe('Data vdevs'),
  logs: z.array(vdevSchema).describe('Log (SLOG) vdevs'),
  cache: z.array(vdevSchema).describe('L2ARC devices'),
  spares: z.array(vdevSchema).describe('Hot spares'),
  special: z.array(vdevSchema).describe('Special allocation class vdevs'),
  dedup: z.array(vdevSchema).describe('Dedup vdevs'),
  errors: z.string().describe('Data error summary'),
  deviceDisks: z
    .record(z.string(), z.string())
    .describe('Kernel name of the disk under each device named by a stable path (wwn-0x5000c500a1b2c3d4 -> sdc), to show beside it'),
  problemDevices: z
    .array(
      z.object({
        name: z.string().describe('Device as zpool status names it'),
        disk: z.string().nullable().describe('The disk it is on (sdc), when known'),
        state: z.string().describe('State'),
        note: z.string().nullable().describe('Note'),
        read: z.number().describe('Read errors'),
        write: z.number().describe('Write errors'),
        checksum: z.number().describe('Checksum errors'),
      }),
    )
    .describe('Leaf devices that are not ONLINE or have errors, with the disk each is on'),
});
/** A pool with its vdev tree, scan and errors. */
export type PoolDetail = z.infer<typeof poolDetailSchema>;
/** A leaf device that is not ONLINE or has errors. */
export type ProblemDevice = PoolDetail['problemDevices'][number];

export const importablePoolSchema = z.object({
  name: z.string().describe('Pool name'),
  id: z.string().nullable().describe('Pool GUID'),
  state: z.string().describe('State'),
  vdevs: z.array(vdevSchema).describe('Its devices'),
});
export type ImportablePool = z.infer<typeof importablePoolSchema>;

export const datasetSchema = z.object({
  name: z.string().describe('Full name'),
  type: z.enum(['filesystem', 'volume', 'snapshot', 'bookmark']).describe('filesystem or volume (zvol)'),
  pool: z.string().describe('Pool'),
  depth: z.number().describe('Levels below the pool root'),
  usedBytes: z.number().nullable().describe('Bytes used including descendants and snapshots'),
  availableBytes: z.number().nullable().describe('Bytes available'),
  referencedBytes: z.number().nullable().describe('Bytes referenced'),
  quotaBytes: z.number().nullable().describe('Quota in bytes (null: none)'),
  mountpoint: z.string().nullable().describe('Mount point (filesystems)'),
  origin: z.string().nullable().describe('Snapshot this is a clone of'),
});
/** A dataset or zvol. */
export type Dataset = z.infer<typeof datasetSchema>;

export const propertyValueSchema = z.object({
  value: z.string().describe('Value as zfs get -p prints it'),
  source: z.string().describe('local, default, inherited from X, -'),
});
export type PropertyValue = z.infer<typeof propertyValueSchema>;

export const datasetDetailSchema = datasetSchema.extend({ properties: z.record(z.string(), propertyValueSchema).describe('Every property, exact values') });
/** A dataset or zvol with every property. */
export type DatasetDetail = z.infer<typeof datasetDetailSchema>;
/** The same, as the operations that change a dataset answer it. */
const changedDatasetSchema = datasetSchema.extend({ properties: z.record(z.string(), propertyValueSchema).describe('Every property') });

export const datasetDependentsSchema = z.object({
  children: z.array(z.string()).describe('Datasets and zvols below it'),
  snapshots: z.array(z.string()).describe("Its snapshots and its children's"),
  clones: z.array(z.string()).describe('Clones of those snapshots elsewhere (destroyed only with dependents)'),
  attachments: z
    .array(
      z.object({
        kind: z.string().describe('smb, nfs, iscsi...'),
        name: z.string().describe('The share or target'),
        dataset: z.string().describe('The dataset it uses'),
      }),
    )
    .describe('Shares and targets that use it'),
});
/** What destroying a dataset would take with it. */
export type DatasetDependents = z.infer<typeof datasetDependentsSchema>;

export const arcStatsSchema = z.object({
  available: z.boolean().describe('False when the ZFS module exposes no arcstats'),
  sizeBytes: z.number().describe('ARC size'),
  targetBytes: z.number().describe('Target size (c)'),
  maxBytes: z.number().describe('Maximum (c_max)'),
  hits: z.number().describe('Hits'),
  misses: z.number().describe('Misses'),
  hitRatioPercent: z.number().nullable().describe('Hit ratio'),
  mruBytes: z.number().describe('MRU size'),
  mfuBytes: z.number().describe('MFU size'),
  l2SizeBytes: z.number().describe('L2ARC size'),
  l2Hits: z.number().describe('L2ARC hits'),
  l2Misses: z.number().describe('L2ARC misses'),
  l2HitRatioPercent: z.number().nullable().describe('L2ARC hit ratio'),
});
export type ArcStats = z.infer<typeof arcStatsSchema>;

const layoutSchema = z.object({
  type: z.enum(LAYOUTS).describe('stripe, mirror, raidz1, raidz2, raidz3 or draid'),
  disks: z.array(diskName).min(1).max(256).describe('Disks for the data vdevs'),
  width: z
    .number()
    .int()
    .min(1)
    .max(256)
    .optional()
    .describe('Disks per vdev: split `disks` into several vdevs of this width (e.g. 2 for striped mirrors); default one vdev'),
  draid: z
    .object({
      parity: z.number().int().min(1).max(3).default(1).describe('Parity level'),
      data: z.number().int().min(1).max(255).optional().describe('Data disks per redundancy group'),
      spares: z.number().int().min(0).max(16).default(0).describe('Distributed spares'),
    })
    .optional()
    .describe('dRAID geometry'),
});

export const createPoolInput = z.object({
  name: poolName,
  layout: layoutSchema.describe('Data vdev layout'),
  log: z.array(diskName).max(8).optional().describe('SLOG devices (two or more are mirrored)'),
  cache: z.array(diskName).max(16).optional().describe('L2ARC devices'),
  spares: z.array(diskName).max(16).optional().describe('Hot spares'),
  special: z.array(diskName).max(8).optional().describe('Special allocation class devices (two or more are mirrored)'),
  force: z.boolean().default(false).describe('Pass -f: use disks of different sizes or with old labels'),
  compression: z.enum(['lz4', 'zstd', 'off']).default('lz4').describe('Compression of the root dataset'),
});
/** A pool creation request, defaults filled in. */
export type CreatePoolInput = z.infer<typeof createPoolInput>;

const diskKey = diskName.describe('The disk: sdb, /dev/sdb or its /dev/disk/by-id path');

const deviceInput = z.object({ pool: poolName, device: deviceName });

/** The operations on one device of a pool: POST /storage/pools/:pool/<verb>, answering the pool. */
const deviceContract = <const V extends string, I extends typeof deviceInput>(verb: V, summary: string, input: I) =>
  defineContract({
    name: `storage.devices.${verb}` as `storage.devices.${V}`,
    summary,
    permission: 'storage.devices',
    mutating: true,
    input,
    output: poolDetailSchema,
    target: (i: z.infer<typeof deviceInput>) => `${i.pool}/${i.device}`,
    http: { method: 'POST', path: `/storage/pools/:pool/${verb}` },
  });

export const storageContracts = contractSet([
  defineContract({
    name: 'storage.disks.list',
    summary: 'List disks with SMART health and pool membership',
    permission: 'storage.read',
    mutating: false,
    input: z.object({ ...listShape, free: z.enum(['true', 'false']).optional().describe('true: only disks no pool uses') }),
    output: listOf(diskSchema),
    http: { method: 'GET', path: '/storage/disks' },
  }),
  defineContract({
    name: 'storage.disks.get',
    summary: 'Show a disk with its SMART self-test log',
    permission: 'storage.read',
    mutating: false,
    input: z.object({ name: diskKey }),
    output: diskDetailSchema,
    http: { method: 'GET', path: '/storage/disks/:name' },
  }),
  defineContract({
    name: 'storage.disks.smart-test',
    summary: 'Start a SMART self-test (short: minutes; long: the whole surface, hours)',
    permission: 'storage.devices',
    mutating: true,
    input: z.object({ name: diskKey, type: z.enum(['short', 'long']).describe('short (about 2 minutes) or long (reads every sector; hours on a large disk)') }),
    output: diskDetailSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/storage/disks/:name/smart-test' },
  }),
  defineContract({
    name: 'storage.disks.wipe',
    summary: 'Wipe a disk: erase its partition table and filesystem or pool labels',
    permission: 'storage.wipe',
    mutating: true,
    dangerous: true,
    description:
      'Runs wipefs -a on its partitions and then on the disk. Refused for a disk in an imported or importable pool, a mounted disk, and a disk that backs an iSCSI LUN or is marked for iSCSI export.',
    input: z.object({ name: diskKey }),
    output: z.object({ disk: z.string().describe('The disk wiped'), erased: z.array(z.string()).describe('Each signature erased (device: type at offset)') }),
    target: (i) => i.name,
    http: { method: 'POST', path: '/storage/disks/:name/wipe' },
  }),

  defineContract({
    name: 'storage.pools.list',
    summary: 'List pools with health and capacity',
    permission: 'storage.read',
    mutating: false,
    input: z.object({ ...listShape }),
    output: listOf(poolSchema),
    http: { method: 'GET', path: '/storage/pools' },
  }),
  defineContract({
    name: 'storage.pools.get',
    summary: 'Show a pool: vdev tree, scan, errors',
    permission: 'storage.read',
    mutating: false,
    input: z.object({ name: poolName }),
    output: poolDetailSchema,
    http: { method: 'GET', path: '/storage/pools/:name' },
  }),
  defineContract({
    name: 'storage.pools.create',
    summary: 'Create a pool',
    permission: 'storage.write',
    mutating: true,
    input: createPoolInput,
    output: z.object({
      job: jobSchema.describe('The creation job'),
      pool: poolDetailSchema.nullable().describe('The pool, when it was ready within a few seconds'),
      warnings: z.array(z.string()).describe('Things to know about this layout'),
    }),
    target: (i) => i.name,
    http: { method: 'POST', path: '/storage/pools' },
  }),
  defineContract({
    name: 'storage.pools.destroy',
    summary: 'Destroy a pool and all its data',
    permission: 'storage.destroy',
    mutating: true,
    dangerous: true,
    input: z.object({ name: poolName, force: z.boolean().default(false).describe('Unmount busy datasets') }),
    output: z.object({ destroyed: z.string().describe('The pool destroyed') }),
    target: (i) => i.name,
    http: { method: 'DELETE', path: '/storage/pools/:name' },
  }),
  defineContract({
    name: 'storage.pools.export',
    summary: 'Export a pool (to move its disks)',
    permission: 'storage.write',
    mutating: true,
    dangerous: true,
    input: z.object({ name: poolName, force: z.boolean().default(false).describe('Unmount busy datasets') }),
    output: z.object({ exported: z.string().describe('The pool exported') }),
    target: (i) => i.name,
    http: { method: 'POST', path: '/storage/pools/:name/export' },
  }),
  defineContract({
    name: 'storage.pools.importable',
    summary: 'List pools that can be imported',
    permission: 'storage.read',
    mutating: false,
    input: z.object({}),
    output: listOf(importablePoolSchema),
    http: { method: 'GET', path: '/storage/import' },
  }),
  defineContract({
    name: 'storage.pools.import',
    summary: 'Import a pool',
    permission: 'storage.write',
    mutating: true,
    input: z.object({ name: poolName, newName: poolName.optional().describe('Import under another name') }),
    output: poolDetailSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/storage/import' },
  }),
  defineContract({
    name: 'storage.pools.scrub',
    summary: 'Start, pause or stop a scrub',
    permission: 'storage.scrub',
    mutating: true,
    input: z.object({ name: poolName, action: z.enum(['start', 'pause', 'stop']).default('start').describe('What to do') }),
    output: z.object({ job: jobSchema.nullable().describe('The job following a started scrub'), scan: scanSchema.describe('Scan state now') }),
    target: (i) => i.name,
    http: { method: 'POST', path: '/storage/pools/:name/scrub' },
  }),

  deviceContract('online', 'Bring a device online', deviceInput),
  deviceContract('offline', 'Take a device offline', deviceInput.extend({ temporary: z.boolean().default(false).describe('Until the next reboot only') })),
  deviceContract('clear', 'Clear device error counters', deviceInput),
  deviceContract(
    'replace',
    'Replace a device (resilver onto a new disk)',
    deviceInput.extend({ newDevice: diskName.optional().describe("The new disk; omit when the new disk took the old one's place") }),
  ),
  deviceContract(
    'attach',
    'Attach a disk to a device (making or widening a mirror)',
    deviceInput.extend({ newDevice: diskName.describe('The disk to attach') }),
  ),
  deviceContract('detach', 'Detach a device from a mirror', deviceInput),

  defineContract({
    name: 'storage.datasets.list',
    summary: 'List datasets and zvols as a tree',
    permission: 'storage.read',
    mutating: false,
    input: z.object({
      ...listShape,
      root: anyDatasetName.optional().describe('Only this dataset and what is below it'),
      type: z.enum(['filesystem', 'volume', 'all']).default('all').describe('filesystem, volume (zvols) or all'),
      search: z.string().max(255).optional().describe('Part of the name'),
      ...cursorShape,
    }),
    output: cursorListOf(datasetSchema),
    http: { method: 'GET', path: '/storage/datasets' },
  }),
  defineContract({
    name: 'storage.datasets.get',
    summary: 'Show a dataset with its properties',
    permission: 'storage.read',
    mutating: false,
    input: z.object({ name: anyDatasetName }),
    output: datasetDetailSchema,
    http: { method: 'GET', path: '/storage/datasets/:name' },
  }),
  defineContract({
    name: 'storage.datasets.create',
    summary: 'Create a dataset',
    permission: 'storage.write',
    mutating: true,
    input: z.object({
      name: datasetName,
      properties: datasetProperties.default({}),
      createParents: z.boolean().default(false).describe('Create missing parents (zfs create -p)'),
    }),
    output: datasetDetailSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/storage/datasets' },
  }),
  defineContract({
    name: 'storage.datasets.update',
    summary: 'Change dataset or zvol properties',
    permission: 'storage.write',
    mutating: true,
    input: z.object({
      name: anyDatasetName,
      properties: datasetProperties.default({}),
      inherit: z
        .array(z.enum(['compression', 'quota', 'refquota', 'reservation', 'refreservation', 'recordsize', 'atime', 'sync', 'dedup', 'readonly', 'comments']))
        .max(20)
        .default([])
        .describe('Properties to reset to the inherited value'),
    }),
    output: datasetDetailSchema,
    target: (i) => i.name,
    http: { method: 'PATCH', path: '/storage/datasets/:name' },
  }),
  defineContract({
    name: 'storage.datasets.dependents',
    summary: 'What destroying a dataset would take with it',
    permission: 'storage.read',
    mutating: false,
    input: z.object({ name: anyDatasetName }),
    output: datasetDependentsSchema,
    http: { method: 'GET', path: '/storage/datasets/:name/dependents' },
  }),
  defineContract({
    name: 'storage.datasets.destroy',
    summary: 'Destroy a dataset or zvol',
    permission: 'storage.destroy',
    mutating: true,
    dangerous: true,
    input: z.object({
      name: datasetName,
      recursive: z.boolean().default(false).describe('Also destroy children and snapshots (zfs destroy -r)'),
      dependents: z.boolean().default(false).describe('Also destroy clones elsewhere (zfs destroy -R)'),
      removeAttachments: z.boolean().default(false).describe('First remove the shares and targets that use it'),
    }),
    output: z.object({ destroyed: z.array(z.string()).describe('Everything destroyed') }),
    target: (i) => i.name,
    http: { method: 'DELETE', path: '/storage/datasets/:name' },
  }),
  defineContract({
    name: 'storage.datasets.promote',
    summary: "Promote a clone (it takes over its origin's snapshots)",
    permission: 'storage.write',
    mutating: true,
    input: z.object({ name: datasetName }),
    output: changedDatasetSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/storage/datasets/:name/promote' },
  }),

  defineContract({
    name: 'storage.zvols.create',
    summary: 'Create a zvol (block device)',
    permission: 'storage.write',
    mutating: true,
    input: z.object({
      name: datasetName,
      size: zvolSize.describe('Size: bytes or e.g. 50G (at least 1M, below 8E; rounded up to a whole number of blocks)'),
      volblocksize: powerOfTwoBytes(512n, 128n << 10n)
        .optional()
        .describe('Block size, fixed at creation (default 16K)'),
      sparse: z.boolean().default(false).describe('Thin provisioned: no reservation'),
      properties: datasetProperties.default({}),
    }),
    output: changedDatasetSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/storage/zvols' },
  }),
  defineContract({
    name: 'storage.zvols.resize',
    summary: 'Grow a zvol',
    permission: 'storage.write',
    mutating: true,
    input: z.object({ name: datasetName, size: zvolSize.describe('New size: bytes or e.g. 100G (below 8E; rounded up to a whole number of blocks)') }),
    output: changedDatasetSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/storage/zvols/:name/resize' },
  }),

  defineContract({
    name: 'storage.arc.get',
    summary: 'ARC statistics',
    permission: 'storage.read',
    mutating: false,
    input: z.object({}),
    output: arcStatsSchema,
    http: { method: 'GET', path: '/storage/arc' },
  }),
]);
