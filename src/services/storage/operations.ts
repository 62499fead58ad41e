/** Storage (SRS-01): disks, pools, vdevs, datasets, zvols and the ARC, over the ZFS and disk adapters. */
import { z } from 'zod';
import { DiskAdapter, SelfTestRefused, byIdPath, deviceOnDisk, diskUsage, type DiskInfo } from '../../system/disks/index.js';
import { diskLunUsers, readMarks } from '../iscsi/disks.js';
import { ZfsAdapter, type DatasetListEntry, type VdevSpec, type Vdev, type ZpoolStatus } from '../../system/zfs/index.js';
import type { Attachments } from '../core/attachments.js';
import type { Ctx } from '../core/context.js';
import { Conflict, NotFound, ValidationError } from '../core/errors.js';
import { listOf, listShape, mapOncePerListing, page } from '../../contracts/list.js';
import { defineOperation, definePermissions, type Registry } from '../core/registry.js';
import { jobSchema } from '../jobs/operations.js';
import {
  COMMENTS_PROPERTY, LAYOUTS, MIN_DISKS, anyDatasetName, datasetName, datasetProperties, deviceName, diskName, poolName,
  powerOfTwoBytes, toZfsProperties, zvolSize, type LayoutType,
} from './schemas.js';
import { ZVOL_SIZE_MAX, parseExactSize } from '../../system/zfs/size.js';
import { isoTime, toIsoTime } from '../../contracts/time.js';

export const storagePermissions = definePermissions([
  { name: 'storage.read', description: 'See disks, pools, datasets, zvols and ARC statistics', level: 'read' },
  { name: 'storage.scrub', description: 'Start, pause and stop scrubs', level: 'operate' },
  { name: 'storage.devices', description: 'Online, offline, clear and replace pool devices; start SMART self-tests', level: 'operate' },
  { name: 'storage.wipe', description: 'Wipe the signatures (partition tables, filesystem and pool labels) off disks no pool or LUN uses', level: 'admin' },
  { name: 'storage.write', description: 'Create pools, datasets and zvols; change their properties; import and export pools', level: 'admin' },
  { name: 'storage.destroy', description: 'Destroy pools, datasets and zvols', level: 'admin' },
]);

const adapters = new WeakMap<Ctx['host'], ZfsAdapter>();
/** One adapter per host, so the ZFS dialect is detected once rather than on every call. */
export const zfs = (ctx: Ctx): ZfsAdapter => {
  let adapter = adapters.get(ctx.host);
  if (!adapter) adapters.set(ctx.host, (adapter = new ZfsAdapter(ctx.host)));
  return adapter;
};

const vdevSchema: z.ZodType<Vdev> = z.lazy(() =>
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

const selfTestSchema = z.object({
  type: z.string().describe('Short offline, Extended offline (NVMe: Short, Extended)'),
  status: z.string().describe('As the drive reports it, e.g. Completed without error, Completed: read failure'),
  passed: z.boolean().nullable().describe('true: completed without error; false: failed; null: aborted or unknown'),
  lifetimeSeconds: z.number().nullable().describe('Power-on time when it ended (the drive counts whole hours)'),
  lba: z.number().nullable().describe('First failing LBA, when reported'),
});

const diskSchema = z.object({
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

const poolSummary = z.object({
  name: z.string().describe('Pool name'),
  health: z.string().describe('ONLINE, DEGRADED, FAULTED, SUSPENDED, UNAVAIL...'),
  sizeBytes: z.number().nullable().describe('Raw size'),
  allocatedBytes: z.number().nullable().describe('Allocated'),
  freeBytes: z.number().nullable().describe('Free'),
  capacityPercent: z.number().nullable().describe('Allocated percent'),
  fragmentationPercent: z.number().nullable().describe('Free-space fragmentation'),
  dedupRatio: z.number().nullable().describe('Deduplication ratio'),
});

const scanSchema = z
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

const poolDetail = poolSummary.extend({
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
  deviceDisks: z.record(z.string(), z.string()).describe('Kernel name of the disk under each device named by a stable path (wwn-0x5000c500a1b2c3d4 -> sdc), to show beside it'),
  problemDevices: z.array(z.object({
    name: z.string().describe('Device as zpool status names it'),
    disk: z.string().nullable().describe('The disk it is on (sdc), when known'),
    state: z.string().describe('State'),
    note: z.string().nullable().describe('Note'),
    read: z.number().describe('Read errors'), write: z.number().describe('Write errors'), checksum: z.number().describe('Checksum errors'),
  })).describe('Leaf devices that are not ONLINE or have errors, with the disk each is on'),
});

const datasetSchema = z.object({
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

const propertyValue = z.object({ value: z.string().describe('Value as zfs get -p prints it'), source: z.string().describe('local, default, inherited from X, -') });

/** The disk a leaf vdev lives on: by path, partition, or the "was /dev/..." note of a missing device. */
function diskOf(v: Vdev, disks: DiskInfo[]): string | null {
  const names = [v.name, v.note?.startsWith('was ') ? v.note.slice(4) : ''].filter(Boolean);
  return disks.find((d) => names.some((n) => deviceOnDisk(n, d)))?.name ?? null;
}

/** A leaf named by a stable path (by-id, by-path, by-uuid...) rather than its kernel name. */
const STABLE_NAME = /^(\/dev\/disk\/|wwn-|nvme-|ata-|scsi-|usb-|pci-|dm-uuid-|eui\.)/;

/** For leaves named by a stable path: the disk each is on (short kernel name). */
function deviceDisks(pool: ZpoolStatus, disks: DiskInfo[]): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (vs: Vdev[]) => {
    for (const v of vs) {
      if (v.children.length) walk(v.children);
      else if (STABLE_NAME.test(v.name)) {
        const disk = diskOf(v, disks);
        if (disk) out[v.name] = disk;
      }
    }
  };
  walk([...pool.vdevs, ...pool.logs, ...pool.cache, ...pool.spares, ...pool.special, ...pool.dedup]);
  return out;
}

const hasStableNames = (pool: ZpoolStatus): boolean => {
  const walk = (vs: Vdev[]): boolean => vs.some((v) => (v.children.length ? walk(v.children) : STABLE_NAME.test(v.name)));
  return walk([...pool.vdevs, ...pool.logs, ...pool.cache, ...pool.spares, ...pool.special, ...pool.dedup]);
};

function problems(pool: ZpoolStatus, disks: DiskInfo[]) {
  const out: { name: string; disk: string | null; state: string; note: string | null; read: number; write: number; checksum: number }[] = [];
  const walk = (vs: Vdev[]) => {
    for (const v of vs) {
      if (v.children.length) walk(v.children);
      else if (!['ONLINE', 'AVAIL', 'INUSE'].includes(v.state) || v.read + v.write + v.checksum > 0) {
        out.push({ name: v.name, disk: diskOf(v, disks), state: v.state, note: v.note ?? null, read: v.read, write: v.write, checksum: v.checksum });
      }
    }
  };
  walk([...pool.vdevs, ...pool.logs, ...pool.cache, ...pool.spares, ...pool.special, ...pool.dedup]);
  return out;
}

function toDataset(e: DatasetListEntry): z.infer<typeof datasetSchema> {
  const base = e.name.split('@')[0];
  return {
    name: e.name, type: e.type, pool: base.split('/')[0], depth: base.split('/').length - 1,
    usedBytes: e.used, availableBytes: e.available, referencedBytes: e.referenced, quotaBytes: e.quota || null,
    mountpoint: e.mountpoint, origin: e.raw.origin && e.raw.origin !== '-' ? e.raw.origin : null,
  };
}

const toDatasets = mapOncePerListing(toDataset);

async function listPoolSummaries(ctx: Ctx) {
  return (await zfs(ctx).listPools()).map((p) => ({
    name: p.name, health: p.health, sizeBytes: p.size, allocatedBytes: p.allocated, freeBytes: p.free,
    capacityPercent: p.capacity, fragmentationPercent: p.fragmentation, dedupRatio: p.dedupratio,
  }));
}

/** The scan as the API names it: sizes in `*Bytes`, times ISO-8601 (a time the tool printed that does not parse is left out; `text` keeps it). */
function scanOf(s: NonNullable<ZpoolStatus['scan']>): NonNullable<z.infer<typeof scanSchema>> {
  const startedAt = toIsoTime(s.startedAt);
  const endedAt = toIsoTime(s.endedAt);
  return {
    function: s.function, state: s.state, text: s.text,
    ...(s.percentDone !== undefined ? { percentDone: s.percentDone } : {}),
    ...(s.errors !== undefined ? { errors: s.errors } : {}),
    ...(s.repaired !== undefined ? { repairedBytes: s.repaired } : {}),
    ...(s.secondsToGo !== undefined ? { remainingSeconds: s.secondsToGo } : {}),
    ...(s.durationSeconds !== undefined ? { durationSeconds: s.durationSeconds } : {}),
    ...(startedAt ? { startedAt } : {}),
    ...(endedAt ? { endedAt } : {}),
  };
}

export async function poolDetailOf(ctx: Ctx, name: string): Promise<z.infer<typeof poolDetail>> {
  const summary = (await listPoolSummaries(ctx)).find((p) => p.name === name);
  if (!summary) throw new NotFound(`pool ${name} does not exist`);
  const [status] = await zfs(ctx).poolStatus(name);
  const found = status ? problems(status, []) : [];
  // Only a pool with trouble, or with devices named by stable paths, pays for the disk inventory that names the disks.
  const disks = status && (found.length || hasStableNames(status)) ? await new DiskAdapter(ctx.host).list({ smart: false }) : [];
  const problemDevices = found.length && status ? problems(status, disks) : found;
  return {
    ...summary,
    status: status?.status ?? null, action: status?.action ?? null,
    scan: status?.scan ? scanOf(status.scan) : null,
    vdevs: status?.vdevs ?? [], logs: status?.logs ?? [], cache: status?.cache ?? [], spares: status?.spares ?? [],
    special: status?.special ?? [], dedup: status?.dedup ?? [], errors: status?.errors ?? '',
    deviceDisks: status && disks.length ? deviceDisks(status, disks) : {},
    problemDevices,
  };
}

export async function diskInventory(ctx: Ctx) {
  const [disks, pools] = await Promise.all([new DiskAdapter(ctx.host).list(), zfs(ctx).poolStatus()]);
  const usage = diskUsage(disks, pools);
  return disks.map((d) => {
    const u = usage.get(d.name);
    return {
      name: d.name, path: d.path, wwn: d.wwn, stablePath: byIdPath(d), model: d.model, serial: d.serial, sizeBytes: d.sizeBytes, type: d.type, rotational: d.rotational,
      temperatureC: d.temperatureC, smartHealth: d.smartHealth, powerOnSeconds: d.powerOnHours === null ? null : d.powerOnHours * 3600,
      inUse: Boolean(u), pool: u?.pool ?? null, vdev: u?.vdev ?? null, role: u?.section ?? null, state: u?.state ?? null,
    };
  });
}

const layoutSchema = z.object({
  type: z.enum(LAYOUTS).describe('stripe, mirror, raidz1, raidz2, raidz3 or draid'),
  disks: z.array(diskName).min(1).max(256).describe('Disks for the data vdevs'),
  width: z.number().int().min(1).max(256).optional().describe('Disks per vdev: split `disks` into several vdevs of this width (e.g. 2 for striped mirrors); default one vdev'),
  draid: z
    .object({
      parity: z.number().int().min(1).max(3).default(1).describe('Parity level'),
      data: z.number().int().min(1).max(255).optional().describe('Data disks per redundancy group'),
      spares: z.number().int().min(0).max(16).default(0).describe('Distributed spares'),
    })
    .optional()
    .describe('dRAID geometry'),
});

const createPoolInput = z.object({
  name: poolName,
  layout: layoutSchema.describe('Data vdev layout'),
  log: z.array(diskName).max(8).optional().describe('SLOG devices (two or more are mirrored)'),
  cache: z.array(diskName).max(16).optional().describe('L2ARC devices'),
  spares: z.array(diskName).max(16).optional().describe('Hot spares'),
  special: z.array(diskName).max(8).optional().describe('Special allocation class devices (two or more are mirrored)'),
  force: z.boolean().default(false).describe('Pass -f: use disks of different sizes or with old labels'),
  compression: z.enum(['lz4', 'zstd', 'off']).default('lz4').describe('Compression of the root dataset'),
});

type InventoryDisk = Awaited<ReturnType<typeof diskInventory>>[number];

/** The inventory disk a user's name means: sdb, /dev/sdb, or its stable path. */
function findInventoryDisk(disks: InventoryDisk[], given: string): InventoryDisk | undefined {
  const short = given.replace(/^\/dev\//, '');
  return disks.find((x) => x.name === short || x.path === given || (x.stablePath !== null && (x.stablePath === given || x.stablePath === `/dev/disk/by-id/${short}`)));
}

/** The name a new vdev member goes on the command line with: its stable path where it has one. */
const commandLineName = (d: InventoryDisk): string => d.stablePath ?? d.path;

/**
 * Why a disk is iSCSI's (issue 19): it backs a whole-disk LUN, or an Admin marked it for export.
 * Putting it in a pool would write ZFS labels over an initiator's data, or over a disk about to be
 * handed to one. Returns disk name -> reason.
 */
async function iscsiClaims(ctx: Ctx, disks: InventoryDisk[]): Promise<Map<string, string>> {
  const [marks, users] = await Promise.all([readMarks(ctx.db), diskLunUsers(ctx.db)]);
  const out = new Map<string, string>();
  for (const d of disks) {
    const luns = [...users.entries()].filter(([p]) => p === d.stablePath || p === d.path || (d.wwn !== null && p.endsWith(`-${d.wwn}`))).flatMap(([, u]) => u);
    if (luns.length) out.set(d.name, `it backs iSCSI LUN ${luns.join(', ')}`);
    else if (d.wwn !== null && marks.some((m) => m.wwn === d.wwn)) out.set(d.name, 'an Admin marked it for export over iSCSI (iscsi.disks.unmark-export takes the mark back)');
  }
  return out;
}

/** Refuses a disk that iSCSI uses or is about to (409 with the reason). */
async function refuseIscsiDisks(ctx: Ctx, disks: InventoryDisk[], chosen: { given: string; disk: InventoryDisk }[]): Promise<void> {
  if (!chosen.length) return;
  const claims = await iscsiClaims(ctx, disks);
  for (const { given, disk } of chosen) {
    const why = claims.get(disk.name);
    if (why) throw new Conflict(`disk ${given}${given === disk.name ? '' : ` (${disk.name})`} cannot go in a pool: ${why}`);
  }
}

/** Turns the request into vdev specs and refuses what ZFS would refuse, before any command runs. */
async function planPool(ctx: Ctx, input: z.infer<typeof createPoolInput>, disks: InventoryDisk[]): Promise<{ vdevs: VdevSpec[]; log?: VdevSpec[]; cache?: string[]; spares?: string[]; special?: VdevSpec[]; warnings: string[] }> {
  const { layout } = input;
  const sections: [string, string[]][] = [['layout.disks', layout.disks], ['log', input.log ?? []], ['cache', input.cache ?? []], ['spares', input.spares ?? []], ['special', input.special ?? []]];
  const chosen: { given: string; disk: InventoryDisk }[] = [];
  for (const [path, list] of sections) {
    for (const d of list) {
      const disk = findInventoryDisk(disks, d);
      if (!disk) throw new ValidationError(`no disk ${d}`, [{ path, message: `no disk ${d}` }]);
      const twice = chosen.find((c) => c.disk.name === disk.name);
      if (twice) throw new ValidationError(`disk ${d} is listed twice${twice.given !== d ? ` (as ${twice.given})` : ''}`, [{ path, message: `${d} listed twice` }]);
      if (disk.inUse) throw new Conflict(`disk ${d} is in use by pool ${disk.pool}`);
      chosen.push({ given: d, disk });
    }
  }
  await refuseIscsiDisks(ctx, disks, chosen);
  // New pools name their disks by stable paths where the host has them: /dev/sdX names move between boots.
  const stable = (list: string[] | undefined) => list?.map((d) => commandLineName(findInventoryDisk(disks, d)!));
  const extras = { log: mirrored(stable(input.log)), cache: stable(input.cache), spares: stable(input.spares), special: mirrored(stable(input.special)) };
  const dataDisks = stable(layout.disks)!;
  const width = layout.width ?? layout.disks.length;
  if (layout.type === 'stripe') return { vdevs: [{ type: 'stripe', disks: dataDisks }], ...extras, warnings: ['a stripe has no redundancy: losing any disk loses the pool'] };
  if (layout.disks.length % width !== 0) {
    throw new ValidationError(`${layout.disks.length} disks cannot be split into vdevs of ${width}`, [{ path: 'layout.width', message: 'must divide the number of disks' }]);
  }
  const groups: string[][] = [];
  for (let i = 0; i < dataDisks.length; i += width) groups.push(dataDisks.slice(i, i + width));
  let vdevType: string = layout.type;
  if (layout.type === 'draid') {
    const g = layout.draid ?? { parity: 1, spares: 0 };
    const parity = g.parity ?? 1;
    const spares = g.spares ?? 0;
    const data = g.data ?? Math.min(8, width - parity - spares);
    if (data < 1 || parity + data + spares > width) {
      throw new ValidationError(`dRAID${parity} with ${data} data and ${spares} spares needs more than ${width} disks`, [{ path: 'layout.draid', message: 'parity + data + spares must fit in the disks' }]);
    }
    vdevType = `draid${parity}:${data}d:${width}c:${spares}s`;
  } else if (width < MIN_DISKS[layout.type as LayoutType]) {
    throw new ValidationError(`${layout.type} needs at least ${MIN_DISKS[layout.type as LayoutType]} disks per vdev, got ${width}`, [{ path: 'layout.disks', message: `at least ${MIN_DISKS[layout.type as LayoutType]} disks` }]);
  }
  const warnings: string[] = [];
  const sizes = new Set(layout.disks.map((d) => findInventoryDisk(disks, d)!.sizeBytes));
  if (sizes.size > 1) warnings.push('the data disks differ in size: each vdev is limited by its smallest disk');
  const kinds = new Set(layout.disks.map((d) => findInventoryDisk(disks, d)!.type));
  if (kinds.size > 1) warnings.push('the data disks mix HDD and SSD: the pool runs at the speed of the slowest');
  return { vdevs: groups.map((disks) => ({ type: vdevType as VdevSpec['type'], disks })), ...extras, warnings };
}

const mirrored = (disks: string[] | undefined): VdevSpec[] | undefined =>
  disks?.length ? [{ type: disks.length > 1 ? 'mirror' : 'stripe', disks }] : undefined;

const deviceOp = () => z.object({ pool: poolName, device: deviceName });

export function registerStorage(registry: Registry, attachments: Attachments): void {
  registry.addPermissions(storagePermissions);

  registry.add(defineOperation({
    name: 'storage.disks.list', summary: 'List disks with SMART health and pool membership', permission: 'storage.read', mutating: false,
    input: z.object({ ...listShape, free: z.enum(['true', 'false']).optional().describe('true: only disks no pool uses') }),
    output: listOf(diskSchema),
    http: { method: 'GET', path: '/storage/disks' },
    handler: async (ctx, i) => {
      const disks = await diskInventory(ctx);
      return page(i.free ? disks.filter((d) => d.inUse === (i.free === 'false')) : disks, i);
    },
  }));

  const diskKey = diskName.describe('The disk: sdb, /dev/sdb or its /dev/disk/by-id path');
  const findDisk = async (ctx: Ctx, given: string) => {
    const disks = await diskInventory(ctx);
    const disk = findInventoryDisk(disks, given);
    if (!disk) throw new NotFound(`no disk ${given}`);
    return { disk, disks };
  };
  const selfTests = async (ctx: Ctx, path: string) => {
    const log = await new DiskAdapter(ctx.host).selfTestLog(path);
    const entries = (log?.entries ?? []).map(({ lifetimeHours, ...e }) => ({ ...e, lifetimeSeconds: lifetimeHours === null ? null : lifetimeHours * 3600 }));
    return { selfTestRunning: log?.running ?? null, selfTests: entries };
  };
  const diskDetail = diskSchema.extend({
    selfTestRunning: z.object({
      type: z.string().nullable().describe('Short or Extended, when the drive says'),
      remainingPercent: z.number().nullable().describe('Percent of the test still to run'),
      text: z.string().describe('As the drive reports it'),
    }).nullable().describe('The SMART self-test running now, or null'),
    selfTests: z.array(selfTestSchema).describe('SMART self-test log, newest first'),
  });

  registry.add(defineOperation({
    name: 'storage.disks.get', summary: 'Show a disk with its SMART self-test log', permission: 'storage.read', mutating: false,
    input: z.object({ name: diskKey }), output: diskDetail,
    http: { method: 'GET', path: '/storage/disks/:name' },
    handler: async (ctx, i) => {
      const { disk } = await findDisk(ctx, i.name);
      return { ...disk, ...(await selfTests(ctx, disk.path)) };
    },
  }));
  registry.add(defineOperation({
    name: 'storage.disks.smart-test', summary: 'Start a SMART self-test (short: minutes; long: the whole surface, hours)', permission: 'storage.devices', mutating: true,
    input: z.object({ name: diskKey, type: z.enum(['short', 'long']).describe('short (about 2 minutes) or long (reads every sector; hours on a large disk)') }),
    output: diskDetail, target: (i) => i.name,
    http: { method: 'POST', path: '/storage/disks/:name/smart-test' },
    handler: async (ctx, i) => {
      const { disk } = await findDisk(ctx, i.name);
      try {
        await new DiskAdapter(ctx.host).startSelfTest(disk.path, i.type);
      } catch (err) {
        if (err instanceof SelfTestRefused) throw new Conflict(`${disk.name}: ${err.message}`);
        throw err;
      }
      return { ...disk, ...(await selfTests(ctx, disk.path)) };
    },
  }));
  registry.add(defineOperation({
    name: 'storage.disks.wipe', summary: 'Wipe a disk: erase its partition table and filesystem or pool labels', permission: 'storage.wipe', mutating: true, dangerous: true,
    description: 'Runs wipefs -a on its partitions and then on the disk. Refused for a disk in an imported or importable pool, a mounted disk, and a disk that backs an iSCSI LUN or is marked for iSCSI export.',
    input: z.object({ name: diskKey }),
    output: z.object({ disk: z.string().describe('The disk wiped'), erased: z.array(z.string()).describe('Each signature erased (device: type at offset)') }),
    target: (i) => i.name,
    http: { method: 'POST', path: '/storage/disks/:name/wipe' },
    handler: async (ctx, i) => {
      const { disk, disks } = await findDisk(ctx, i.name);
      if (disk.inUse) throw new Conflict(`disk ${disk.name} is in use by pool ${disk.pool}: wiping it would destroy the pool's data`);
      const claim = (await iscsiClaims(ctx, disks)).get(disk.name);
      if (claim) throw new Conflict(`disk ${disk.name} cannot be wiped: ${claim}`);
      const device = (await new DiskAdapter(ctx.host).blockDevices()).find((b) => b.name === disk.name);
      if (!device) throw new NotFound(`no disk ${i.name}`);
      const mounted = [device, ...device.children].filter((b) => b.mountpoint !== null || b.fstype === 'swap');
      if (mounted.length) throw new Conflict(`disk ${disk.name} is in use by the system: ${mounted.map((b) => `${b.name} ${b.mountpoint ? `mounted at ${b.mountpoint}` : 'is swap'}`).join(', ')}`);
      // A disk of an exported pool (or one from another appliance) could still be imported.
      const importable = (await zfs(ctx).listImportable().catch(() => [])).find((p) => {
        const walk = (vs: Vdev[]): boolean => vs.some((v) => (v.children.length ? walk(v.children) : deviceOnDisk(v.name, { ...disk, partitions: device.children.map((c) => c.name), temperatureC: null, powerOnHours: null, smartHealth: 'UNKNOWN' })));
        return walk(p.vdevs);
      });
      if (importable) throw new Conflict(`disk ${disk.name} belongs to pool ${importable.name}, which can be imported: import and destroy that pool first if its data is not needed`);
      const erased = await new DiskAdapter(ctx.host).wipe([...device.children.map((c) => c.path), device.path]);
      ctx.events.publish({ type: 'storage', change: 'disk.wiped', object: disk.name });
      return { disk: disk.name, erased };
    },
  }));

  registry.add(defineOperation({
    name: 'storage.pools.list', summary: 'List pools with health and capacity', permission: 'storage.read', mutating: false,
    input: z.object({ ...listShape }), output: listOf(poolSummary),
    http: { method: 'GET', path: '/storage/pools' },
    handler: async (ctx, i) => page(await listPoolSummaries(ctx), i),
  }));
  registry.add(defineOperation({
    name: 'storage.pools.get', summary: 'Show a pool: vdev tree, scan, errors', permission: 'storage.read', mutating: false,
    input: z.object({ name: poolName }), output: poolDetail,
    http: { method: 'GET', path: '/storage/pools/:name' },
    handler: (ctx, i) => poolDetailOf(ctx, i.name),
  }));
  registry.add(defineOperation({
    name: 'storage.pools.create', summary: 'Create a pool', permission: 'storage.write', mutating: true,
    input: createPoolInput,
    output: z.object({ job: jobSchema.describe('The creation job'), pool: poolDetail.nullable().describe('The pool, when it was ready within a few seconds'), warnings: z.array(z.string()).describe('Things to know about this layout') }),
    target: (i) => i.name,
    http: { method: 'POST', path: '/storage/pools' },
    handler: async (ctx, i) => {
      if ((await listPoolSummaries(ctx)).some((p) => p.name === i.name)) throw new Conflict(`pool ${i.name} already exists`);
      const { vdevs, log, cache, spares, special, warnings } = await planPool(ctx, i, await diskInventory(ctx));
      const job = await ctx.jobs.start(
        { type: 'storage.pools.create', description: `Create pool ${i.name} (${i.layout.type}, ${i.layout.disks.length} disks)`, owner: ctx.actor?.username ?? 'system', target: i.name },
        async (handle) => {
          await handle.progress(10, 'zpool create');
          await zfs(ctx).createPool({
            name: i.name, vdevs, log, cache, spares, special,
            force: i.force, filesystemProperties: { compression: i.compression },
          });
          await handle.log(`created ${i.name}`);
          ctx.events.publish({ type: 'storage', change: 'pool.created', object: i.name });
          return { pool: i.name };
        },
      );
      const done = await ctx.jobs.wait(job.id, 10_000);
      if (done.state === 'failed') throw new Conflict(`creating ${i.name} failed: ${done.error}`);
      return { job: done, pool: done.state === 'succeeded' ? await poolDetailOf(ctx, i.name) : null, warnings };
    },
  }));
  registry.add(defineOperation({
    name: 'storage.pools.destroy', summary: 'Destroy a pool and all its data', permission: 'storage.destroy', mutating: true, dangerous: true,
    input: z.object({ name: poolName, force: z.boolean().default(false).describe('Unmount busy datasets') }),
    output: z.object({ destroyed: z.string().describe('The pool destroyed') }), target: (i) => i.name,
    http: { method: 'DELETE', path: '/storage/pools/:name' },
    handler: async (ctx, i) => {
      await poolDetailOf(ctx, i.name);
      const users = await attachments.of(ctx, i.name);
      if (users.length) throw new Conflict(`pool ${i.name} is in use by ${users.map((u) => `${u.kind} ${u.name}`).join(', ')}: remove those first`);
      await zfs(ctx).destroyPool(i.name, { force: i.force });
      ctx.events.publish({ type: 'storage', change: 'pool.destroyed', object: i.name });
      return { destroyed: i.name };
    },
  }));
  registry.add(defineOperation({
    name: 'storage.pools.export', summary: 'Export a pool (to move its disks)', permission: 'storage.write', mutating: true, dangerous: true,
    input: z.object({ name: poolName, force: z.boolean().default(false).describe('Unmount busy datasets') }),
    output: z.object({ exported: z.string().describe('The pool exported') }), target: (i) => i.name,
    http: { method: 'POST', path: '/storage/pools/:name/export' },
    handler: async (ctx, i) => {
      await poolDetailOf(ctx, i.name);
      await zfs(ctx).exportPool(i.name, { force: i.force });
      return { exported: i.name };
    },
  }));
  registry.add(defineOperation({
    name: 'storage.pools.importable', summary: 'List pools that can be imported', permission: 'storage.read', mutating: false,
    input: z.object({}), output: listOf(z.object({ name: z.string().describe('Pool name'), id: z.string().nullable().describe('Pool GUID'), state: z.string().describe('State'), vdevs: z.array(vdevSchema).describe('Its devices') })),
    http: { method: 'GET', path: '/storage/import' },
    handler: async (ctx) => {
      const items = (await zfs(ctx).listImportable()).map((p) => ({ name: p.name, id: p.id ?? null, state: p.state, vdevs: p.vdevs }));
      return { items, total: items.length };
    },
  }));
  registry.add(defineOperation({
    name: 'storage.pools.import', summary: 'Import a pool', permission: 'storage.write', mutating: true,
    input: z.object({ name: poolName, newName: poolName.optional().describe('Import under another name') }),
    output: poolDetail, target: (i) => i.name,
    http: { method: 'POST', path: '/storage/import' },
    handler: async (ctx, i) => {
      // Refused here rather than by zpool, so a wrong name is a 404/409 and not a failed tool (502).
      if (!(await zfs(ctx).listImportable()).some((p) => p.name === i.name)) throw new NotFound(`no pool ${i.name} is available for import`);
      const as = i.newName ?? i.name;
      if ((await listPoolSummaries(ctx)).some((p) => p.name === as)) throw new Conflict(`a pool named ${as} is already imported`);
      await zfs(ctx).importPool(i.name, { newName: i.newName });
      return poolDetailOf(ctx, i.newName ?? i.name);
    },
  }));
  registry.add(defineOperation({
    name: 'storage.pools.scrub', summary: 'Start, pause or stop a scrub', permission: 'storage.scrub', mutating: true,
    input: z.object({ name: poolName, action: z.enum(['start', 'pause', 'stop']).default('start').describe('What to do') }),
    output: z.object({ job: jobSchema.nullable().describe('The job following a started scrub'), scan: scanSchema.describe('Scan state now') }),
    target: (i) => i.name,
    http: { method: 'POST', path: '/storage/pools/:name/scrub' },
    handler: async (ctx, i) => {
      await poolDetailOf(ctx, i.name);
      await zfs(ctx).scrub(i.name, i.action);
      let job = null;
      if (i.action === 'start') {
        job = await ctx.jobs.start(
          { type: 'storage.scrub', description: `Scrub ${i.name}`, owner: ctx.actor?.username ?? 'system', target: i.name, cancellable: true },
          async (handle) => followScrub(ctx, i.name, handle),
        );
      }
      return { job, scan: (await poolDetailOf(ctx, i.name)).scan };
    },
  }));

  type DeviceInput = { pool: string; device: string; newDevice?: string; temporary?: boolean };
  const device = (name: string, summary: string, path: string, run: (a: ZfsAdapter, i: DeviceInput) => Promise<void>, extra: z.ZodRawShape = {}) =>
    registry.add(defineOperation({
      name: `storage.devices.${name}`, summary, permission: 'storage.devices', mutating: true,
      input: deviceOp().extend(extra), output: poolDetail, target: (i) => `${(i as DeviceInput).pool}/${(i as DeviceInput).device}`,
      http: { method: 'POST', path: `/storage/pools/:pool/${path}` },
      handler: async (ctx, input) => {
        const i = { ...(input as DeviceInput) };
        await poolDetailOf(ctx, i.pool);
        if (i.newDevice !== undefined) {
          // The new disk: refused when iSCSI has it; named by its stable path where it has one.
          const disks = await diskInventory(ctx);
          const disk = findInventoryDisk(disks, i.newDevice);
          if (disk) {
            await refuseIscsiDisks(ctx, disks, [{ given: i.newDevice, disk }]);
            if (!disk.inUse) i.newDevice = commandLineName(disk);
          }
        }
        await run(zfs(ctx), i);
        return poolDetailOf(ctx, i.pool);
      },
    }));
  device('online', 'Bring a device online', 'online', (a, i) => a.online(i.pool, i.device));
  device('offline', 'Take a device offline', 'offline', (a, i) => a.offline(i.pool, i.device, { temporary: i.temporary }), { temporary: z.boolean().default(false).describe('Until the next reboot only') });
  device('clear', 'Clear device error counters', 'clear', (a, i) => a.clear(i.pool, i.device));
  device('replace', 'Replace a device (resilver onto a new disk)', 'replace', (a, i) => a.replace(i.pool, i.device, i.newDevice), { newDevice: diskName.optional().describe('The new disk; omit when the new disk took the old one\'s place') });
  device('attach', 'Attach a disk to a device (making or widening a mirror)', 'attach', (a, i) => a.attach(i.pool, i.device, i.newDevice!), { newDevice: diskName.describe('The disk to attach') });
  device('detach', 'Detach a device from a mirror', 'detach', (a, i) => a.detach(i.pool, i.device));

  registry.add(defineOperation({
    name: 'storage.datasets.list', summary: 'List datasets and zvols as a tree', permission: 'storage.read', mutating: false,
    input: z.object({
      ...listShape,
      root: anyDatasetName.optional().describe('Only this dataset and what is below it'),
      type: z.enum(['filesystem', 'volume', 'all']).default('all').describe('filesystem, volume (zvols) or all'),
      search: z.string().max(255).optional().describe('Part of the name'),
    }),
    output: listOf(datasetSchema),
    http: { method: 'GET', path: '/storage/datasets' },
    handler: async (ctx, i) => {
      const types = i.type === 'all' ? (['filesystem', 'volume'] as const) : ([i.type] as const);
      if (i.root !== undefined && !(await exists(ctx, i.root))) throw new NotFound(`dataset ${i.root} does not exist`);
      let rows = toDatasets(await zfs(ctx).listDatasets({ root: i.root, types: [...types] }));
      if (i.search) rows = rows.filter((r) => r.name.includes(i.search!));
      return page(rows, i);
    },
  }));
  registry.add(defineOperation({
    name: 'storage.datasets.get', summary: 'Show a dataset with its properties', permission: 'storage.read', mutating: false,
    input: z.object({ name: anyDatasetName }),
    output: datasetSchema.extend({ properties: z.record(z.string(), propertyValue).describe('Every property, exact values') }),
    http: { method: 'GET', path: '/storage/datasets/:name' },
    handler: async (ctx, i) => datasetDetail(ctx, i.name),
  }));
  registry.add(defineOperation({
    name: 'storage.datasets.create', summary: 'Create a dataset', permission: 'storage.write', mutating: true,
    input: z.object({ name: datasetName, properties: datasetProperties.default({}), createParents: z.boolean().default(false).describe('Create missing parents (zfs create -p)') }),
    output: datasetSchema.extend({ properties: z.record(z.string(), propertyValue).describe('Every property, exact values') }),
    target: (i) => i.name,
    http: { method: 'POST', path: '/storage/datasets' },
    handler: async (ctx, i) => {
      await requireParent(ctx, i.name, i.createParents);
      if (await exists(ctx, i.name)) throw new Conflict(`${i.name} already exists`);
      await zfs(ctx).createDataset({ name: i.name, properties: toZfsProperties(i.properties), createParents: i.createParents });
      ctx.events.publish({ type: 'storage', change: 'dataset.created', object: i.name });
      return datasetDetail(ctx, i.name);
    },
  }));
  registry.add(defineOperation({
    name: 'storage.datasets.update', summary: 'Change dataset or zvol properties', permission: 'storage.write', mutating: true,
    input: z.object({
      name: anyDatasetName, properties: datasetProperties.default({}),
      inherit: z.array(z.enum(['compression', 'quota', 'refquota', 'reservation', 'refreservation', 'recordsize', 'atime', 'sync', 'dedup', 'readonly', 'comments'])).max(20).default([]).describe('Properties to reset to the inherited value'),
    }),
    output: datasetSchema.extend({ properties: z.record(z.string(), propertyValue).describe('Every property, exact values') }),
    target: (i) => i.name,
    http: { method: 'PATCH', path: '/storage/datasets/:name' },
    handler: async (ctx, i) => {
      const before = await datasetDetail(ctx, i.name);
      if (before.type === 'volume' && i.properties.recordsize !== undefined) throw new ValidationError('a zvol has no recordsize (its volblocksize is fixed at creation)', [{ path: 'properties.recordsize', message: 'not for zvols' }]);
      await zfs(ctx).setProperties(i.name, toZfsProperties(i.properties));
      for (const p of i.inherit) await zfs(ctx).inheritProperty(i.name, p === 'comments' ? COMMENTS_PROPERTY : p);
      return datasetDetail(ctx, i.name);
    },
  }));
  registry.add(defineOperation({
    name: 'storage.datasets.dependents', summary: 'What destroying a dataset would take with it', permission: 'storage.read', mutating: false,
    input: z.object({ name: anyDatasetName }),
    output: z.object({
      children: z.array(z.string()).describe('Datasets and zvols below it'),
      snapshots: z.array(z.string()).describe('Its snapshots and its children\'s'),
      clones: z.array(z.string()).describe('Clones of those snapshots elsewhere (destroyed only with dependents)'),
      attachments: z.array(z.object({ kind: z.string().describe('smb, nfs, iscsi...'), name: z.string().describe('The share or target'), dataset: z.string().describe('The dataset it uses') })).describe('Shares and targets that use it'),
    }),
    http: { method: 'GET', path: '/storage/datasets/:name/dependents' },
    handler: async (ctx, i) => dependentsOf(ctx, i.name, attachments),
  }));
  registry.add(defineOperation({
    name: 'storage.datasets.destroy', summary: 'Destroy a dataset or zvol', permission: 'storage.destroy', mutating: true, dangerous: true,
    input: z.object({
      name: datasetName,
      recursive: z.boolean().default(false).describe('Also destroy children and snapshots (zfs destroy -r)'),
      dependents: z.boolean().default(false).describe('Also destroy clones elsewhere (zfs destroy -R)'),
      removeAttachments: z.boolean().default(false).describe('First remove the shares and targets that use it'),
    }),
    output: z.object({ destroyed: z.array(z.string()).describe('Everything destroyed') }),
    target: (i) => i.name,
    http: { method: 'DELETE', path: '/storage/datasets/:name' },
    handler: async (ctx, i) => {
      const deps = await dependentsOf(ctx, i.name, attachments);
      if ((deps.children.length || deps.snapshots.length) && !i.recursive) {
        throw new Conflict(`${i.name} has ${deps.children.length} children and ${deps.snapshots.length} snapshots: destroy them too with recursive: true`);
      }
      if (deps.clones.length && !i.dependents) throw new Conflict(`snapshots of ${i.name} have clones (${deps.clones.join(', ')}): destroy them too with dependents: true`);
      const uses = await attachments.of(ctx, i.name);
      if (uses.length && !i.removeAttachments) throw new Conflict(`${i.name} is in use by ${uses.map((u) => `${u.kind} ${u.name}`).join(', ')}: remove them first, or set removeAttachments`);
      for (const u of uses) if (u.remove) await ctx.call(u.remove.operation, u.remove.input, ctx);
      await zfs(ctx).destroy(i.name, { recursive: i.recursive, dependents: i.dependents });
      ctx.events.publish({ type: 'storage', change: 'dataset.destroyed', object: i.name });
      return { destroyed: [i.name, ...deps.children, ...deps.snapshots, ...(i.dependents ? deps.clones : [])] };
    },
  }));
  registry.add(defineOperation({
    name: 'storage.datasets.promote', summary: 'Promote a clone (it takes over its origin\'s snapshots)', permission: 'storage.write', mutating: true,
    input: z.object({ name: datasetName }), output: datasetSchema.extend({ properties: z.record(z.string(), propertyValue).describe('Every property') }), target: (i) => i.name,
    http: { method: 'POST', path: '/storage/datasets/:name/promote' },
    handler: async (ctx, i) => {
      const ds = await datasetDetail(ctx, i.name);
      if (!ds.origin) throw new Conflict(`${i.name} is not a clone`);
      await zfs(ctx).promote(i.name);
      return datasetDetail(ctx, i.name);
    },
  }));

  registry.add(defineOperation({
    name: 'storage.zvols.create', summary: 'Create a zvol (block device)', permission: 'storage.write', mutating: true,
    input: z.object({
      name: datasetName,
      size: zvolSize.describe('Size: bytes or e.g. 50G (at least 1M, below 8E; rounded up to a whole number of blocks)'),
      volblocksize: powerOfTwoBytes(512n, 128n << 10n).optional().describe('Block size, fixed at creation (default 16K)'),
      sparse: z.boolean().default(false).describe('Thin provisioned: no reservation'),
      properties: datasetProperties.default({}),
    }),
    output: datasetSchema.extend({ properties: z.record(z.string(), propertyValue).describe('Every property') }),
    target: (i) => i.name,
    http: { method: 'POST', path: '/storage/zvols' },
    handler: async (ctx, i) => {
      await requireParent(ctx, i.name, false);
      if (await exists(ctx, i.name)) throw new Conflict(`${i.name} already exists`);
      const size = i.volblocksize ? wholeBlocks(BigInt(i.size), BigInt(i.volblocksize), 'size') : BigInt(i.size);
      await zfs(ctx).createZvol({ name: i.name, size, blocksize: i.volblocksize, sparse: i.sparse, properties: toZfsProperties(i.properties) });
      return datasetDetail(ctx, i.name);
    },
  }));
  registry.add(defineOperation({
    name: 'storage.zvols.resize', summary: 'Grow a zvol', permission: 'storage.write', mutating: true,
    input: z.object({ name: datasetName, size: zvolSize.describe('New size: bytes or e.g. 100G (below 8E; rounded up to a whole number of blocks)') }),
    output: datasetSchema.extend({ properties: z.record(z.string(), propertyValue).describe('Every property') }),
    target: (i) => i.name,
    http: { method: 'POST', path: '/storage/zvols/:name/resize' },
    handler: async (ctx, i) => {
      const ds = await datasetDetail(ctx, i.name);
      if (ds.type !== 'volume') throw new ValidationError(`${i.name} is not a zvol`, [{ path: 'name', message: 'not a zvol' }]);
      const exact = (text: string | undefined, fallback: bigint) => {
        const parsed = text === undefined ? null : parseExactSize(text);
        return parsed && 'bytes' in parsed ? parsed.bytes : fallback;
      };
      const current = exact(ds.properties.volsize?.value, 0n);
      const block = exact(ds.properties.volblocksize?.value, 16384n) || 16384n;
      const size = wholeBlocks(BigInt(i.size), block, 'size');
      if (size < current) throw new Conflict(`shrinking ${i.name} from ${current} to ${size} bytes would cut off data; Calypso only grows zvols`);
      if (size === current) return ds;
      await zfs(ctx).setProperties(i.name, { volsize: size.toString() });
      return datasetDetail(ctx, i.name);
    },
  }));

  registry.add(defineOperation({
    name: 'storage.arc.get', summary: 'ARC statistics', permission: 'storage.read', mutating: false,
    input: z.object({}),
    output: z.object({
      available: z.boolean().describe('False when the ZFS module exposes no arcstats'),
      sizeBytes: z.number().describe('ARC size'), targetBytes: z.number().describe('Target size (c)'), maxBytes: z.number().describe('Maximum (c_max)'),
      hits: z.number().describe('Hits'), misses: z.number().describe('Misses'), hitRatioPercent: z.number().nullable().describe('Hit ratio'),
      mruBytes: z.number().describe('MRU size'), mfuBytes: z.number().describe('MFU size'),
      l2SizeBytes: z.number().describe('L2ARC size'), l2Hits: z.number().describe('L2ARC hits'), l2Misses: z.number().describe('L2ARC misses'),
      l2HitRatioPercent: z.number().nullable().describe('L2ARC hit ratio'),
    }),
    http: { method: 'GET', path: '/storage/arc' },
    handler: async (ctx) => {
      const a = await zfs(ctx).arcStats();
      if (!a) return { available: false, sizeBytes: 0, targetBytes: 0, maxBytes: 0, hits: 0, misses: 0, hitRatioPercent: null, mruBytes: 0, mfuBytes: 0, l2SizeBytes: 0, l2Hits: 0, l2Misses: 0, l2HitRatioPercent: null };
      const l2 = a.l2Hits + a.l2Misses;
      return {
        available: true, sizeBytes: a.size, targetBytes: a.target, maxBytes: a.max, hits: a.hits, misses: a.misses,
        hitRatioPercent: a.hitRatio === null ? null : Math.round(a.hitRatio * 10000) / 100,
        mruBytes: a.mruSize, mfuBytes: a.mfuSize, l2SizeBytes: a.l2Size, l2Hits: a.l2Hits, l2Misses: a.l2Misses,
        l2HitRatioPercent: l2 ? Math.round((a.l2Hits / l2) * 10000) / 100 : null,
      };
    },
  }));
}

/** `size` rounded up to a whole number of `block`s, exactly; refused when that passes the largest zvol. */
function wholeBlocks(size: bigint, block: bigint, path: string): bigint {
  const rounded = ((size + block - 1n) / block) * block;
  if (rounded > ZVOL_SIZE_MAX) throw new ValidationError(`${size} bytes rounded up to whole ${block}-byte blocks is more than a zvol may hold`, [{ path, message: 'too large' }]);
  return rounded;
}

async function exists(ctx: Ctx, name: string): Promise<boolean> {
  try {
    await zfs(ctx).getProperties(name, ['type']);
    return true;
  } catch {
    return false;
  }
}

async function requireParent(ctx: Ctx, name: string, createParents: boolean): Promise<void> {
  const parent = name.split('/').slice(0, -1).join('/');
  const pool = name.split('/')[0];
  if (!(await exists(ctx, createParents ? pool : parent))) throw new NotFound(`${createParents ? `pool ${pool}` : parent} does not exist`);
}

export async function datasetDetail(ctx: Ctx, name: string) {
  const rows = await zfs(ctx).listDatasets({ root: name, depth: 0, types: ['filesystem', 'volume'] }).catch(() => []);
  const row = rows.find((r) => r.name === name);
  if (!row) throw new NotFound(`dataset ${name} does not exist`);
  return { ...toDataset(row), properties: await zfs(ctx).getProperties(name) };
}

async function dependentsOf(ctx: Ctx, name: string, attachments: Attachments) {
  await datasetDetail(ctx, name);
  const below = await zfs(ctx).listDatasets({ root: name, types: ['filesystem', 'volume', 'snapshot'] });
  const all = await zfs(ctx).listDependents(name, { recursive: true, dependents: true });
  const own = new Set(below.map((r) => r.name));
  return {
    children: below.filter((r) => r.name !== name && r.type !== 'snapshot').map((r) => r.name),
    snapshots: below.filter((r) => r.type === 'snapshot').map((r) => r.name),
    clones: all.datasets.filter((d) => !own.has(d) && d !== name),
    attachments: (await attachments.of(ctx, name)).map(({ kind, name: n, dataset }) => ({ kind, name: n, dataset })),
  };
}

/** Follows a running scrub until it ends, as job progress. Cancelling the job stops the scrub. */
async function followScrub(ctx: Ctx, pool: string, handle: { signal: AbortSignal; progress(p: number, t?: string): Promise<void>; log(l: string): Promise<void> }) {
  for (;;) {
    if (handle.signal.aborted) {
      await zfs(ctx).scrub(pool, 'stop').catch(() => undefined);
      await handle.log('scrub stopped by the user');
      return { stopped: true };
    }
    const [status] = await zfs(ctx).poolStatus(pool);
    const scan = status?.scan;
    if (!scan || scan.function !== 'scrub') return { state: 'unknown' };
    if (scan.state !== 'scanning') {
      await handle.log(scan.text);
      if (scan.state === 'canceled') throw new Error('the scrub was canceled');
      return { state: scan.state, errors: scan.errors ?? 0, repairedBytes: scan.repaired ?? 0 };
    }
    await handle.progress(scan.percentDone ?? 0, scan.secondsToGo !== undefined ? `${Math.round(scan.secondsToGo)} s to go` : 'scanning');
    await new Promise((r) => setTimeout(r, 1000));
  }
}
