/** Storage (SRS-01): disks, pools, vdevs, datasets, zvols and the ARC, over the ZFS and disk adapters. */
import { DiskAdapter, SelfTestRefused, byIdPath, deviceOnDisk, diskUsage, type DiskInfo } from '../../system/disks/index.js';
import { diskLunUsers, readMarks } from '../iscsi/disks.js';
import {
  BadCursorError,
  ZfsAdapter,
  type DatasetListEntry,
  type ListingIndex,
  pageKey,
  type ListingQuery,
  type VdevSpec,
  type Vdev,
  type ZpoolStatus,
} from '../../system/zfs/index.js';
import type { Attachments } from '../core/attachments.js';
import type { Ctx } from '../core/context.js';
import { Conflict, NotFound, ValidationError } from '../core/errors.js';
import { page } from '../../contracts/list.js';
import { implement, type Contract, type AnyObjectSchema, type Registry } from '../core/registry.js';
import {
  COMMENTS_PROPERTY,
  MIN_DISKS,
  storageContracts as c,
  storagePermissions,
  toZfsProperties,
  type CreatePoolInput,
  type Dataset,
  type LayoutType,
  type PoolDetail,
  type Scan,
  poolDetailSchema,
} from '../../contracts/storage.js';
import { ZVOL_SIZE_MAX, parseExactSize } from '../../vocabulary/zfs-size.js';
import { toIsoTime } from '../../contracts/time.js';
import { sameRecord, TrustedPages, TrustedRows } from '../core/trusted-rows.js';

const adapters = new WeakMap<Ctx['host'], ZfsAdapter>();
/** One adapter per host, so the ZFS dialect is detected once rather than on every call. */
export const zfs = (ctx: Ctx): ZfsAdapter => {
  let adapter = adapters.get(ctx.host);
  if (!adapter) adapters.set(ctx.host, (adapter = new ZfsAdapter(ctx.host)));
  return adapter;
};

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

function toDataset(e: DatasetListEntry): Dataset {
  const base = e.name.split('@')[0];
  return {
    name: e.name,
    type: e.type,
    pool: base.split('/')[0],
    depth: base.split('/').length - 1,
    usedBytes: e.used,
    availableBytes: e.available,
    referencedBytes: e.referenced,
    quotaBytes: e.quota || null,
    mountpoint: e.mountpoint,
    origin: e.raw.origin && e.raw.origin !== '-' ? e.raw.origin : null,
  };
}

/** Each listed row's answer, made once per listing (the index hands out the same rows until a change). */
const datasetOf = (() => {
  const made = new WeakMap<DatasetListEntry, Dataset>();
  return (e: DatasetListEntry): Dataset => {
    let d = made.get(e);
    if (!d) made.set(e, (d = toDataset(e)));
    return d;
  };
})();

/** One page of a listing index; a cursor the index did not give is the caller's error (400). */
function indexPage<E>(index: ListingIndex<E>, q: ListingQuery): { positions: number[]; total: number; nextCursor: string | null } {
  try {
    return index.page(q);
  } catch (err) {
    if (err instanceof BadCursorError) throw new ValidationError(err.message, [{ path: 'cursor', message: err.message }]);
    throw err;
  }
}

/**
 * The answer for one page of a listing index: a page asked before of this very index (and
 * version) is answered as it was (TrustedPages); a new one is built from `row(position)`, rows
 * shaped, validated and serialized once per content (TrustedRows), not per page.
 */
export function listingPage<E, R>(pages: TrustedPages, index: ListingIndex<E>, q: ListingQuery, row: (position: number) => R) {
  return pages.at(index, pageKey(q), () => {
    const p = indexPage(index, q);
    return { items: p.positions.map(row), total: p.total, nextCursor: p.nextCursor };
  });
}

async function listPoolSummaries(ctx: Ctx) {
  return (await zfs(ctx).listPools()).map((p) => ({
    name: p.name,
    health: p.health,
    sizeBytes: p.size,
    allocatedBytes: p.allocated,
    freeBytes: p.free,
    capacityPercent: p.capacity,
    fragmentationPercent: p.fragmentation,
    dedupRatio: p.dedupratio,
  }));
}

/** The scan as the API names it: sizes in `*Bytes`, times ISO-8601 (a time the tool printed that does not parse is left out; `text` keeps it). */
function scanOf(s: NonNullable<ZpoolStatus['scan']>): Scan {
  const startedAt = toIsoTime(s.startedAt);
  const endedAt = toIsoTime(s.endedAt);
  return {
    function: s.function,
    state: s.state,
    text: s.text,
    ...(s.percentDone !== undefined ? { percentDone: s.percentDone } : {}),
    ...(s.errors !== undefined ? { errors: s.errors } : {}),
    ...(s.repaired !== undefined ? { repairedBytes: s.repaired } : {}),
    ...(s.secondsToGo !== undefined ? { remainingSeconds: s.secondsToGo } : {}),
    ...(s.durationSeconds !== undefined ? { durationSeconds: s.durationSeconds } : {}),
    ...(startedAt ? { startedAt } : {}),
    ...(endedAt ? { endedAt } : {}),
  };
}

export async function poolDetailOf(ctx: Ctx, name: string): Promise<PoolDetail> {
  const summary = (await listPoolSummaries(ctx)).find((p) => p.name === name);
  if (!summary) throw new NotFound(`pool ${name} does not exist`);
  const [status] = await zfs(ctx).poolStatus(name);
  const found = status ? problems(status, []) : [];
  // Only a pool with trouble, or with devices named by stable paths, pays for the disk inventory that names the disks.
  const disks = status && (found.length || hasStableNames(status)) ? await new DiskAdapter(ctx.host).list({ smart: false }) : [];
  const problemDevices = found.length && status ? problems(status, disks) : found;
  return {
    ...summary,
    status: status?.status ?? null,
    action: status?.action ?? null,
    scan: status?.scan ? scanOf(status.scan) : null,
    vdevs: status?.vdevs ?? [],
    logs: status?.logs ?? [],
    cache: status?.cache ?? [],
    spares: status?.spares ?? [],
    special: status?.special ?? [],
    dedup: status?.dedup ?? [],
    errors: status?.errors ?? '',
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
      name: d.name,
      path: d.path,
      wwn: d.wwn,
      stablePath: byIdPath(d),
      model: d.model,
      serial: d.serial,
      sizeBytes: d.sizeBytes,
      type: d.type,
      rotational: d.rotational,
      temperatureC: d.temperatureC,
      smartHealth: d.smartHealth,
      powerOnSeconds: d.powerOnHours === null ? null : d.powerOnHours * 3600,
      inUse: Boolean(u),
      pool: u?.pool ?? null,
      vdev: u?.vdev ?? null,
      role: u?.section ?? null,
      state: u?.state ?? null,
    };
  });
}

type InventoryDisk = Awaited<ReturnType<typeof diskInventory>>[number];

/** The inventory disk a user's name means: sdb, /dev/sdb, or its stable path. */
function findInventoryDisk(disks: InventoryDisk[], given: string): InventoryDisk | undefined {
  const short = given.replace(/^\/dev\//, '');
  return disks.find(
    (x) => x.name === short || x.path === given || (x.stablePath !== null && (x.stablePath === given || x.stablePath === `/dev/disk/by-id/${short}`)),
  );
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
    else if (d.wwn !== null && marks.some((m) => m.wwn === d.wwn))
      out.set(d.name, 'an Admin marked it for export over iSCSI (iscsi.disks.unmark-export takes the mark back)');
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
async function planPool(
  ctx: Ctx,
  input: CreatePoolInput,
  disks: InventoryDisk[],
): Promise<{ vdevs: VdevSpec[]; log?: VdevSpec[]; cache?: string[]; spares?: string[]; special?: VdevSpec[]; warnings: string[] }> {
  const { layout } = input;
  const sections: [string, string[]][] = [
    ['layout.disks', layout.disks],
    ['log', input.log ?? []],
    ['cache', input.cache ?? []],
    ['spares', input.spares ?? []],
    ['special', input.special ?? []],
  ];
  const chosen: { given: string; disk: InventoryDisk }[] = [];
  for (const [path, list] of sections) {
    for (const d of list) {
      const disk = findInventoryDisk(disks, d);
      if (!disk) throw new ValidationError(`no disk ${d}`, [{ path, message: `no disk ${d}` }]);
      const twice = chosen.find((c) => c.disk.name === disk.name);
      if (twice)
        throw new ValidationError(`disk ${d} is listed twice${twice.given !== d ? ` (as ${twice.given})` : ''}`, [{ path, message: `${d} listed twice` }]);
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
  if (layout.type === 'stripe')
    return { vdevs: [{ type: 'stripe', disks: dataDisks }], ...extras, warnings: ['a stripe has no redundancy: losing any disk loses the pool'] };
  if (layout.disks.length % width !== 0) {
    throw new ValidationError(`${layout.disks.length} disks cannot be split into vdevs of ${width}`, [
      { path: 'layout.width', message: 'must divide the number of disks' },
    ]);
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
      throw new ValidationError(`dRAID${parity} with ${data} data and ${spares} spares needs more than ${width} disks`, [
        { path: 'layout.draid', message: 'parity + data + spares must fit in the disks' },
      ]);
    }
    vdevType = `draid${parity}:${data}d:${width}c:${spares}s`;
  } else if (width < MIN_DISKS[layout.type as LayoutType]) {
    throw new ValidationError(`${layout.type} needs at least ${MIN_DISKS[layout.type as LayoutType]} disks per vdev, got ${width}`, [
      { path: 'layout.disks', message: `at least ${MIN_DISKS[layout.type as LayoutType]} disks` },
    ]);
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

export function registerStorage(registry: Registry, attachments: Attachments): void {
  // A row is made from the listed columns only (toDataset: the typed fields are parsed from them), so equal columns make it again.
  const datasetRows = new TrustedRows(c['storage.datasets.list'].output.shape.items.element, (a: DatasetListEntry, b: DatasetListEntry) =>
    sameRecord(a.raw, b.raw),
  );
  const datasetPages = new TrustedPages(c['storage.datasets.list'].output);
  registry.addPermissions(storagePermissions);

  registry.add(
    implement(c['storage.disks.list'], async (ctx, i) => {
      const disks = await diskInventory(ctx);
      return page(i.free ? disks.filter((d) => d.inUse === (i.free === 'false')) : disks, i);
    }),
  );

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
  registry.add(
    implement(c['storage.disks.get'], async (ctx, i) => {
      const { disk } = await findDisk(ctx, i.name);
      return { ...disk, ...(await selfTests(ctx, disk.path)) };
    }),
  );
  registry.add(
    implement(c['storage.disks.smart-test'], async (ctx, i) => {
      const { disk } = await findDisk(ctx, i.name);
      try {
        await new DiskAdapter(ctx.host).startSelfTest(disk.path, i.type);
      } catch (err) {
        if (err instanceof SelfTestRefused) throw new Conflict(`${disk.name}: ${err.message}`);
        throw err;
      }
      return { ...disk, ...(await selfTests(ctx, disk.path)) };
    }),
  );
  registry.add(
    implement(c['storage.disks.wipe'], async (ctx, i) => {
      const { disk, disks } = await findDisk(ctx, i.name);
      if (disk.inUse) throw new Conflict(`disk ${disk.name} is in use by pool ${disk.pool}: wiping it would destroy the pool's data`);
      const claim = (await iscsiClaims(ctx, disks)).get(disk.name);
      if (claim) throw new Conflict(`disk ${disk.name} cannot be wiped: ${claim}`);
      const device = (await new DiskAdapter(ctx.host).blockDevices()).find((b) => b.name === disk.name);
      if (!device) throw new NotFound(`no disk ${i.name}`);
      const mounted = [device, ...device.children].filter((b) => b.mountpoint !== null || b.fstype === 'swap');
      if (mounted.length)
        throw new Conflict(
          `disk ${disk.name} is in use by the system: ${mounted.map((b) => `${b.name} ${b.mountpoint ? `mounted at ${b.mountpoint}` : 'is swap'}`).join(', ')}`,
        );
      // A disk of an exported pool (or one from another appliance) could still be imported.
      const importable = (
        await zfs(ctx)
          .listImportable()
          .catch(() => [])
      ).find((p) => {
        const walk = (vs: Vdev[]): boolean =>
          vs.some((v) =>
            v.children.length
              ? walk(v.children)
              : deviceOnDisk(v.name, {
                  ...disk,
                  partitions: device.children.map((c) => c.name),
                  temperatureC: null,
                  powerOnHours: null,
                  smartHealth: 'UNKNOWN',
                }),
          );
        return walk(p.vdevs);
      });
      if (importable)
        throw new Conflict(
          `disk ${disk.name} belongs to pool ${importable.name}, which can be imported: import and destroy that pool first if its data is not needed`,
        );
      const erased = await new DiskAdapter(ctx.host).wipe([...device.children.map((c) => c.path), device.path]);
      ctx.events.publish({ type: 'storage', change: 'disk.wiped', object: disk.name });
      return { disk: disk.name, erased };
    }),
  );

  registry.add(implement(c['storage.pools.list'], async (ctx, i) => page(await listPoolSummaries(ctx), i)));
  registry.add(implement(c['storage.pools.get'], (ctx, i) => poolDetailOf(ctx, i.name)));
  registry.add(
    implement(c['storage.pools.create'], async (ctx, i) => {
      if ((await listPoolSummaries(ctx)).some((p) => p.name === i.name)) throw new Conflict(`pool ${i.name} already exists`);
      const { vdevs, log, cache, spares, special, warnings } = await planPool(ctx, i, await diskInventory(ctx));
      const job = await ctx.jobs.start(
        {
          type: 'storage.pools.create',
          description: `Create pool ${i.name} (${i.layout.type}, ${i.layout.disks.length} disks)`,
          owner: ctx.actor?.username ?? 'system',
          target: i.name,
        },
        async (handle) => {
          await handle.progress(10, 'zpool create');
          await zfs(ctx).createPool({
            name: i.name,
            vdevs,
            log,
            cache,
            spares,
            special,
            force: i.force,
            filesystemProperties: { compression: i.compression },
          });
          await handle.log(`created ${i.name}`);
          ctx.events.publish({ type: 'storage', change: 'pool.created', object: i.name });
          return { pool: i.name };
        },
      );
      const done = await ctx.jobs.wait(job.id, 10_000);
      if (done.state === 'failed') throw new Conflict(`creating ${i.name} failed: ${done.error}`);
      return { job: done, pool: done.state === 'succeeded' ? await poolDetailOf(ctx, i.name) : null, warnings };
    }),
  );
  registry.add(
    implement(c['storage.pools.destroy'], async (ctx, i) => {
      await poolDetailOf(ctx, i.name);
      const users = await attachments.of(ctx, i.name);
      if (users.length) throw new Conflict(`pool ${i.name} is in use by ${users.map((u) => `${u.kind} ${u.name}`).join(', ')}: remove those first`);
      await zfs(ctx).destroyPool(i.name, { force: i.force });
      ctx.events.publish({ type: 'storage', change: 'pool.destroyed', object: i.name });
      return { destroyed: i.name };
    }),
  );
  registry.add(
    implement(c['storage.pools.export'], async (ctx, i) => {
      await poolDetailOf(ctx, i.name);
      await zfs(ctx).exportPool(i.name, { force: i.force });
      return { exported: i.name };
    }),
  );
  registry.add(
    implement(c['storage.pools.importable'], async (ctx) => {
      const items = (await zfs(ctx).listImportable()).map((p) => ({ name: p.name, id: p.id ?? null, state: p.state, vdevs: p.vdevs }));
      return { items, total: items.length };
    }),
  );
  registry.add(
    implement(c['storage.pools.import'], async (ctx, i) => {
      // Refused here rather than by zpool, so a wrong name is a 404/409 and not a failed tool (502).
      if (!(await zfs(ctx).listImportable()).some((p) => p.name === i.name)) throw new NotFound(`no pool ${i.name} is available for import`);
      const as = i.newName ?? i.name;
      if ((await listPoolSummaries(ctx)).some((p) => p.name === as)) throw new Conflict(`a pool named ${as} is already imported`);
      await zfs(ctx).importPool(i.name, { newName: i.newName });
      return poolDetailOf(ctx, i.newName ?? i.name);
    }),
  );
  registry.add(
    implement(c['storage.pools.scrub'], async (ctx, i) => {
      await poolDetailOf(ctx, i.name);
      await zfs(ctx).scrub(i.name, i.action);
      let job = null;
      // Resuming a paused scrub: the job that follows it is still running (paused is not finished).
      const following =
        i.action === 'start'
          ? (await ctx.jobs.list({ state: 'running', type: 'storage.scrub', limit: 1000, offset: 0 })).items.find((j) => j.target === i.name)
          : undefined;
      if (following) job = following;
      else if (i.action === 'start') {
        job = await ctx.jobs.start(
          { type: 'storage.scrub', description: `Scrub ${i.name}`, owner: ctx.actor?.username ?? 'system', target: i.name, cancellable: true },
          async (handle) => followScrub(ctx, i.name, handle),
        );
      }
      return { job, scan: (await poolDetailOf(ctx, i.name)).scan };
    }),
  );

  type DeviceInput = { pool: string; device: string; newDevice?: string; temporary?: boolean };
  const device = <I extends AnyObjectSchema>(contract: Contract<I, typeof poolDetailSchema>, run: (a: ZfsAdapter, i: DeviceInput) => Promise<void>) =>
    registry.add(
      implement(contract, async (ctx, input) => {
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
      }),
    );
  device(c['storage.devices.online'], (a, i) => a.online(i.pool, i.device));
  device(c['storage.devices.offline'], (a, i) => a.offline(i.pool, i.device, { temporary: i.temporary }));
  device(c['storage.devices.clear'], (a, i) => a.clear(i.pool, i.device));
  device(c['storage.devices.replace'], (a, i) => a.replace(i.pool, i.device, i.newDevice));
  device(c['storage.devices.attach'], (a, i) => a.attach(i.pool, i.device, i.newDevice!));
  device(c['storage.devices.detach'], (a, i) => a.detach(i.pool, i.device));

  registry.add(
    implement(c['storage.datasets.list'], async (ctx, i) => {
      const types = i.type === 'all' ? (['filesystem', 'volume'] as const) : ([i.type] as const);
      if (i.root !== undefined && !(await exists(ctx, i.root))) throw new NotFound(`dataset ${i.root} does not exist`);
      // From the listing's index: sorted once per change, a page is a binary search and a slice.
      const index = await zfs(ctx).datasetIndex({ root: i.root, types: [...types] });
      return listingPage(datasetPages, index, i, (at) => {
        const e = index.extra(at);
        return datasetRows.at(e.name, e, datasetOf);
      });
    }),
  );
  registry.add(implement(c['storage.datasets.get'], async (ctx, i) => datasetDetail(ctx, i.name)));
  registry.add(
    implement(c['storage.datasets.create'], async (ctx, i) => {
      await requireParent(ctx, i.name, i.createParents);
      if (await exists(ctx, i.name)) throw new Conflict(`${i.name} already exists`);
      await zfs(ctx).createDataset({ name: i.name, properties: toZfsProperties(i.properties), createParents: i.createParents });
      ctx.events.publish({ type: 'storage', change: 'dataset.created', object: i.name });
      return datasetDetail(ctx, i.name);
    }),
  );
  registry.add(
    implement(c['storage.datasets.update'], async (ctx, i) => {
      const before = await datasetDetail(ctx, i.name);
      if (before.type === 'volume' && i.properties.recordsize !== undefined)
        throw new ValidationError('a zvol has no recordsize (its volblocksize is fixed at creation)', [
          { path: 'properties.recordsize', message: 'not for zvols' },
        ]);
      await zfs(ctx).setProperties(i.name, toZfsProperties(i.properties));
      for (const p of i.inherit) await zfs(ctx).inheritProperty(i.name, p === 'comments' ? COMMENTS_PROPERTY : p);
      return datasetDetail(ctx, i.name);
    }),
  );
  registry.add(implement(c['storage.datasets.dependents'], async (ctx, i) => dependentsOf(ctx, i.name, attachments)));
  registry.add(
    implement(c['storage.datasets.destroy'], async (ctx, i) => {
      const deps = await dependentsOf(ctx, i.name, attachments);
      if ((deps.children.length || deps.snapshots.length) && !i.recursive) {
        throw new Conflict(`${i.name} has ${deps.children.length} children and ${deps.snapshots.length} snapshots: destroy them too with recursive: true`);
      }
      if (deps.clones.length && !i.dependents)
        throw new Conflict(`snapshots of ${i.name} have clones (${deps.clones.join(', ')}): destroy them too with dependents: true`);
      const uses = await attachments.of(ctx, i.name);
      if (uses.length && !i.removeAttachments)
        throw new Conflict(`${i.name} is in use by ${uses.map((u) => `${u.kind} ${u.name}`).join(', ')}: remove them first, or set removeAttachments`);
      for (const u of uses) if (u.remove) await ctx.call(u.remove.operation, u.remove.input, ctx);
      await zfs(ctx).destroy(i.name, { recursive: i.recursive, dependents: i.dependents });
      ctx.events.publish({ type: 'storage', change: 'dataset.destroyed', object: i.name });
      return { destroyed: [i.name, ...deps.children, ...deps.snapshots, ...(i.dependents ? deps.clones : [])] };
    }),
  );
  registry.add(
    implement(c['storage.datasets.promote'], async (ctx, i) => {
      const ds = await datasetDetail(ctx, i.name);
      if (!ds.origin) throw new Conflict(`${i.name} is not a clone`);
      await zfs(ctx).promote(i.name);
      return datasetDetail(ctx, i.name);
    }),
  );

  registry.add(
    implement(c['storage.zvols.create'], async (ctx, i) => {
      await requireParent(ctx, i.name, false);
      if (await exists(ctx, i.name)) throw new Conflict(`${i.name} already exists`);
      const size = i.volblocksize ? wholeBlocks(BigInt(i.size), BigInt(i.volblocksize), 'size') : BigInt(i.size);
      await zfs(ctx).createZvol({ name: i.name, size, blocksize: i.volblocksize, sparse: i.sparse, properties: toZfsProperties(i.properties) });
      return datasetDetail(ctx, i.name);
    }),
  );
  registry.add(
    implement(c['storage.zvols.resize'], async (ctx, i) => {
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
    }),
  );

  registry.add(
    implement(c['storage.arc.get'], async (ctx) => {
      const a = await zfs(ctx).arcStats();
      if (!a)
        return {
          available: false,
          sizeBytes: 0,
          targetBytes: 0,
          maxBytes: 0,
          hits: 0,
          misses: 0,
          hitRatioPercent: null,
          mruBytes: 0,
          mfuBytes: 0,
          l2SizeBytes: 0,
          l2Hits: 0,
          l2Misses: 0,
          l2HitRatioPercent: null,
        };
      const l2 = a.l2Hits + a.l2Misses;
      return {
        available: true,
        sizeBytes: a.size,
        targetBytes: a.target,
        maxBytes: a.max,
        hits: a.hits,
        misses: a.misses,
        hitRatioPercent: a.hitRatio === null ? null : Math.round(a.hitRatio * 10000) / 100,
        mruBytes: a.mruSize,
        mfuBytes: a.mfuSize,
        l2SizeBytes: a.l2Size,
        l2Hits: a.l2Hits,
        l2Misses: a.l2Misses,
        l2HitRatioPercent: l2 ? Math.round((a.l2Hits / l2) * 10000) / 100 : null,
      };
    }),
  );
}

/** `size` rounded up to a whole number of `block`s, exactly; refused when that passes the largest zvol. */
function wholeBlocks(size: bigint, block: bigint, path: string): bigint {
  const rounded = ((size + block - 1n) / block) * block;
  if (rounded > ZVOL_SIZE_MAX)
    throw new ValidationError(`${size} bytes rounded up to whole ${block}-byte blocks is more than a zvol may hold`, [{ path, message: 'too large' }]);
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
  const rows = await zfs(ctx)
    .listDatasets({ root: name, depth: 0, types: ['filesystem', 'volume'] })
    .catch(() => []);
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
async function followScrub(
  ctx: Ctx,
  pool: string,
  handle: { signal: AbortSignal; progress(p: number, t?: string): Promise<void>; log(l: string): Promise<void> },
) {
  for (;;) {
    if (handle.signal.aborted) {
      await zfs(ctx)
        .scrub(pool, 'stop')
        .catch(() => undefined);
      await handle.log('scrub stopped by the user');
      return { stopped: true };
    }
    const [status] = await zfs(ctx).poolStatus(pool);
    const scan = status?.scan;
    if (!scan || scan.function !== 'scrub') return { state: 'unknown' };
    // A paused scrub is not finished: the job waits (still cancellable) until it is resumed or stopped.
    if (scan.state === 'paused') {
      await handle.progress(scan.percentDone ?? 0, 'paused: start the scrub again to resume it');
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    if (scan.state !== 'scanning') {
      await handle.log(scan.text);
      if (scan.state === 'canceled')
        throw new Conflict(`the scrub of ${pool} was stopped before it finished (zpool scrub -s); start it again to scrub from the beginning`);
      return { state: scan.state, errors: scan.errors ?? 0, repairedBytes: scan.repaired ?? 0 };
    }
    await handle.progress(scan.percentDone ?? 0, scan.secondsToGo !== undefined ? `${Math.round(scan.secondsToGo)} s to go` : 'scanning');
    await new Promise((r) => setTimeout(r, 1000));
  }
}
