/**
 * Whole disks as iSCSI LUNs (issue 19). A LUN on a raw disk hands every block of it to an
 * initiator, so a disk backing is accepted only when all of these hold:
 *   - it is a whole disk of this appliance (lsblk type "disk"): not a partition, not /dev/mem,
 *     not a zvol or any other device node;
 *   - it has a WWN, so it is named by /dev/disk/by-id/wwn-... (or nvme-eui...), never by /dev/sdX,
 *     whose names move between boots;
 *   - no imported pool uses it;
 *   - an Admin marked it for export (`iscsi.disks.mark-export`, audited, stored by WWN), and at
 *     that moment it held no partition table, no filesystem or pool signature and no mount:
 *     whatever appears on it afterwards was written by the initiator Calypso exported it to;
 *   - the caller holds `iscsi.disks` (Admin level) when the call adds a disk LUN.
 */
import type { Knex } from 'knex';
import { ISCSI_DISKS_PERMISSION, type ExportDisk } from '../../contracts/iscsi.js';
import { DiskAdapter, byIdPath, diskUsage, type BlockDevice, type DiskInfo } from '../../system/disks/index.js';
import { ZfsAdapter } from '../../system/zfs/index.js';
import { actorHas, type Ctx } from '../core/context.js';
import { Conflict, Forbidden, NotFound, ValidationError } from '../core/errors.js';
import { nowIso } from '../../contracts/time.js';
import { readSetting, writeSetting } from '../shares/settings.js';

export const EXPORT_DISKS_KEY = 'iscsi.export-disks';

export interface ExportMark {
  /** The disk's WWN (lsblk), its stable identity. */
  wwn: string;
  serial: string | null;
  model: string | null;
  sizeBytes: number;
  markedAt: string;
  markedBy: string;
}

interface Marks {
  disks: ExportMark[];
}

export const readMarks = async (db: Knex): Promise<ExportMark[]> => (await readSetting<Marks>(db, EXPORT_DISKS_KEY, { disks: [] })).disks;
export const writeMarks = (db: Knex, disks: ExportMark[]): Promise<void> => writeSetting<Marks>(db, EXPORT_DISKS_KEY, { disks });

const STABLE_PATH = /^\/[A-Za-z0-9._@+\-/]*$/;

export interface DiskCandidate {
  device: BlockDevice;
  /** null when the disk has no usable WWN. */
  wwn: string | null;
  stablePath: string | null;
  pool: string | null;
  /** Partition tables, filesystems, partitions and mounts found on it. */
  signatures: string[];
}

function signaturesOf(d: BlockDevice): string[] {
  const out: string[] = [];
  if (d.pttype) out.push(`partition table ${d.pttype}`);
  if (d.fstype) out.push(`${d.fstype} signature${d.label ? ` (${d.label})` : ''}`);
  if (d.mountpoint) out.push(`mounted at ${d.mountpoint}`);
  for (const c of d.children) out.push(`partition ${c.name}${c.fstype ? ` (${c.fstype}${c.label ? ` ${c.label}` : ''})` : ''}`);
  return out;
}

/** Every whole disk with what decides whether it may be exported. */
export async function diskCandidates(ctx: Ctx): Promise<DiskCandidate[]> {
  const adapter = new DiskAdapter(ctx.host);
  const [devices, pools] = await Promise.all([adapter.blockDevices(), new ZfsAdapter(ctx.host).poolStatus()]);
  const disks = devices.filter((d) => d.type === 'disk' && d.sizeBytes > 0 && !/^(zram|loop|ram|zd)/.test(d.name));
  const infos = disks.map<DiskInfo>((d) => ({
    name: d.name,
    path: d.path,
    model: d.model,
    serial: d.serial,
    wwn: d.wwn,
    sizeBytes: d.sizeBytes,
    rotational: d.rotational,
    type: 'hdd',
    temperatureC: null,
    smartHealth: 'UNKNOWN',
    powerOnHours: null,
    partitions: d.children.map((c) => c.name),
  }));
  const usage = diskUsage(infos, pools);
  return disks.map((d) => {
    const stablePath = byIdPath({ wwn: d.wwn, tran: d.tran, name: d.name });
    const usable = stablePath !== null && STABLE_PATH.test(stablePath);
    return {
      device: d,
      wwn: usable ? d.wwn : null,
      stablePath: usable ? stablePath : null,
      pool: usage.get(d.name)?.pool ?? null,
      signatures: signaturesOf(d),
    };
  });
}

/** The disk a user's path names: /dev/sdX, sdX, /dev/disk/by-id/wwn-..., or the stable path Calypso stores. */
export function findDisk(candidates: DiskCandidate[], given: string): DiskCandidate | undefined {
  const short = given.replace(/^\/dev\//, '');
  return candidates.find(
    (c) =>
      c.device.name === short ||
      c.device.path === given ||
      (c.stablePath !== null && c.stablePath === given) ||
      (c.wwn !== null && (given === `/dev/disk/by-id/wwn-${c.wwn}` || given === `/dev/disk/by-id/nvme-${c.wwn}`)),
  );
}

const notADisk = (given: string, field: string) =>
  new ValidationError(
    `${given} is not a whole disk of this appliance: a disk LUN takes a disk (e.g. /dev/disk/by-id/wwn-0x5000c500a1b2c3d4) that no pool uses and an Admin marked for export`,
    [{ path: field, message: 'not a whole disk' }],
  );

/**
 * A disk backing checked as the module comment says; returns the stable path the LUN is stored
 * and rendered with.
 */
export async function checkDiskBacking(ctx: Ctx, candidates: DiskCandidate[], marks: ExportMark[], given: string, field: string): Promise<string> {
  const c = findDisk(candidates, given);
  if (!c) throw notADisk(given, field);
  if (!c.wwn || !c.stablePath)
    throw new ValidationError(`${given} has no WWN, so it has no stable name (/dev/sdX names move between boots): it cannot be exported`, [
      { path: field, message: 'no WWN' },
    ]);
  if (c.pool) throw new Conflict(`${given} (${c.device.name}) is a member of pool ${c.pool}: exporting it would hand the pool's blocks to an initiator`);
  if (!marks.some((m) => m.wwn === c.wwn)) {
    throw new Conflict(`${given} (${c.device.name}, WWN ${c.wwn}) is not marked for export: an Admin marks it first (iscsi.disks.mark-export)`);
  }
  return c.stablePath;
}

/** Refuses, before any command runs, a caller without `iscsi.disks` who adds a disk LUN. */
export function requireDiskPermission(ctx: Ctx, addsDisk: boolean): void {
  if (addsDisk && !actorHas(ctx.actor, ISCSI_DISKS_PERMISSION)) {
    throw new Forbidden(`a LUN on a whole disk needs the ${ISCSI_DISKS_PERMISSION} permission (Admin): it hands every block of the disk to an initiator`);
  }
}

/** Which LUNs use each disk path. */
export async function diskLunUsers(db: Knex): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const r of await db('iscsi_targets')) {
    for (const l of JSON.parse(String(r.luns)) as { lun: number; type: string; path: string }[]) {
      if (l.type !== 'disk') continue;
      out.set(l.path, [...(out.get(l.path) ?? []), `${String(r.name)}/${l.lun}`]);
    }
  }
  return out;
}

export async function describeDisks(ctx: Ctx): Promise<ExportDisk[]> {
  const [candidates, marks, users] = await Promise.all([diskCandidates(ctx), readMarks(ctx.db), diskLunUsers(ctx.db)]);
  return candidates.map((c) => {
    const mark = c.wwn ? marks.find((m) => m.wwn === c.wwn) : undefined;
    const usedBy = c.stablePath ? (users.get(c.stablePath) ?? []) : [];
    const reason = !c.wwn
      ? 'no WWN: no stable name'
      : c.pool
        ? `member of pool ${c.pool}`
        : !mark && c.signatures.length
          ? `holds ${c.signatures.join(', ')}`
          : !mark
            ? 'not marked for export'
            : null;
    return {
      name: c.device.name,
      path: c.stablePath,
      wwn: c.wwn,
      model: c.device.model,
      serial: c.device.serial,
      sizeBytes: c.device.sizeBytes,
      pool: c.pool,
      signatures: c.signatures,
      marked: Boolean(mark),
      markedBy: mark?.markedBy ?? null,
      markedAt: mark?.markedAt ?? null,
      usedBy,
      exportable: reason === null,
      reason,
    };
  });
}

/** Marks a blank disk that no pool uses; refuses with the reason otherwise. */
export async function markDisk(ctx: Ctx, trx: Knex, given: string): Promise<string> {
  const candidates = await diskCandidates(ctx);
  const c = findDisk(candidates, given);
  if (!c) throw notADisk(given, 'disk');
  if (!c.wwn || !c.stablePath)
    throw new ValidationError(`${given} has no WWN, so it has no stable name: it cannot be marked for export`, [{ path: 'disk', message: 'no WWN' }]);
  if (c.pool) throw new Conflict(`${given} (${c.device.name}) is a member of pool ${c.pool}`);
  if (c.signatures.length) {
    throw new Conflict(
      `${given} (${c.device.name}) is not blank: it holds ${c.signatures.join(', ')}. Calypso exports only disks with no partition table, filesystem or pool label; wipe it deliberately first if its data is not needed`,
    );
  }
  const marks = await readMarks(trx);
  if (!marks.some((m) => m.wwn === c.wwn)) {
    marks.push({
      wwn: c.wwn,
      serial: c.device.serial,
      model: c.device.model,
      sizeBytes: c.device.sizeBytes,
      markedAt: nowIso(),
      markedBy: ctx.actor?.username ?? 'system',
    });
    await writeMarks(trx, marks);
  }
  return c.wwn;
}

/** Removes a mark (by WWN, stable path or current name); refused while a LUN uses the disk. */
export async function unmarkDisk(ctx: Ctx, trx: Knex, given: string): Promise<string> {
  const marks = await readMarks(trx);
  let wwn = marks.find((m) => m.wwn === given)?.wwn;
  if (!wwn) wwn = findDisk(await diskCandidates(ctx), given)?.wwn ?? undefined;
  const mark = wwn ? marks.find((m) => m.wwn === wwn) : undefined;
  if (!mark) throw new NotFound(`${given} is not marked for export`);
  const users = await diskLunUsers(trx);
  const using = [...users.entries()].filter(([p]) => p.endsWith(`-${mark.wwn}`)).flatMap(([, u]) => u);
  if (using.length) throw new Conflict(`${given} is exported by ${using.join(', ')}: remove those LUNs first`);
  await writeMarks(
    trx,
    marks.filter((m) => m !== mark),
  );
  return mark.wwn;
}
