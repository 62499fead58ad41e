/**
 * Virtual tape libraries (mhvtl) managed end to end: stored in vtl_libraries, rendered to
 * device.conf and library_contents.NNN, validated across files before anything is written,
 * written atomically (the previous version kept), cartridges created with mktape in a directory
 * of a dataset (an attachment: the dataset cannot be destroyed under it), then mhvtl restarted.
 * A failing step puts the previous files back and restarts mhvtl on them.
 */
import type { Knex } from 'knex';
import type { z } from 'zod';
import { ZfsAdapter } from '../../system/zfs/index.js';
import {
  DEVICE_CONF,
  MhvtlAdapter,
  contentsPath,
  parseDeviceConf,
  renderDeviceConf,
  renderLibraryContents,
  validateVtlFiles,
  type VtlLibraryConf,
} from '../../system/vtl/index.js';
import type { vtlSchema } from '../../contracts/tape.js';
import type { Drift } from '../../contracts/drift.js';
import { LTO_NATIVE_MB, type LtoGeneration } from '../../vocabulary/tape.js';
import type { Attachment } from '../core/attachments.js';
import type { Ctx } from '../core/context.js';
import { Conflict, NotFound, ValidationError } from '../core/errors.js';
import { lineDiff } from '../shares/apply.js';

export type Vtl = z.infer<typeof vtlSchema>;
type Row = Record<string, unknown>;

export const VTL_LOCK = 'mhvtl';

export function toVtl(r: Row): Vtl {
  return {
    name: String(r.name),
    libraryId: Number(r.library_id),
    emulation: String(r.emulation) as Vtl['emulation'],
    driveCount: Number(r.drive_count),
    driveGeneration: String(r.drive_generation) as LtoGeneration,
    slots: Number(r.slots),
    mailSlots: Number(r.mail_slots),
    barcodePrefix: String(r.barcode_prefix),
    barcodeStart: Number(r.barcode_start),
    cartridges: Number(r.cartridges),
    cleaningCartridges: Number(r.cleaning_cartridges),
    capacityBytes: Number(r.capacity_bytes),
    compression: Boolean(r.compression),
    backingDataset: String(r.backing_dataset),
    homeDirectory: String(r.home_directory),
    serial: String(r.serial),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

/** Barcodes of a library's data cartridges: PREFIX + number (6 characters together) + L5..L9. */
export function dataBarcodes(v: Pick<Vtl, 'barcodePrefix' | 'barcodeStart' | 'cartridges' | 'driveGeneration'>): string[] {
  const width = 6 - v.barcodePrefix.length;
  const suffix = `L${v.driveGeneration.slice(3)}`;
  return Array.from({ length: v.cartridges }, (_, i) => `${v.barcodePrefix}${String(v.barcodeStart + i).padStart(width, '0')}${suffix}`);
}

export function cleaningBarcodes(v: Pick<Vtl, 'libraryId' | 'cleaningCartridges'>): string[] {
  return Array.from({ length: v.cleaningCartridges }, (_, i) => `CLN${String(v.libraryId).padStart(3, '0')}${i + 1}L1`);
}

/** The library as rendered: data cartridges in the first slots, cleaning ones in the last. */
export function toConf(v: Vtl): VtlLibraryConf {
  const slots: (string | null)[] = Array.from({ length: v.slots }, () => null);
  dataBarcodes(v).forEach((b, i) => (slots[i] = b));
  cleaningBarcodes(v).forEach((b, i) => (slots[v.slots - 1 - i] = b));
  return {
    id: v.libraryId,
    channel: (v.libraryId - 10) / 20,
    emulation: v.emulation,
    serial: v.serial,
    homeDirectory: v.homeDirectory,
    drives: Array.from({ length: v.driveCount }, (_, i) => ({
      id: v.libraryId + i + 1,
      generation: v.driveGeneration,
      serial: `${v.serial}D${String(i + 1).padStart(2, '0')}`,
    })),
    mailSlots: v.mailSlots,
    slots,
    compression: v.compression,
    compressionFactor: 1,
  };
}

export async function loadVtls(db: Knex): Promise<Vtl[]> {
  return (await db('vtl_libraries').orderBy('library_id')).map(toVtl);
}

export interface Rendered {
  deviceConf: string;
  contents: Map<number, string>;
}

export function renderAll(vtls: Vtl[]): Rendered {
  const confs = vtls.map(toConf);
  return { deviceConf: renderDeviceConf(confs), contents: new Map(confs.map((c) => [c.id, renderLibraryContents(c)])) };
}

/** The form field a cross-file problem is about, so a form shows it inline. */
function fieldOf(message: string): string {
  if (/barcode/.test(message)) return 'barcodePrefix';
  if (/mail slots/.test(message)) return 'mailSlots';
  if (/slots?/.test(message)) return 'slots';
  if (/drives?/.test(message)) return 'driveCount';
  if (/home directory/.test(message)) return 'backingDataset';
  return 'name';
}

/** Cross-file validation of what would be written; a problem is a 400 naming the file and what is wrong. */
export function checkRendered(vtls: Vtl[], rendered: Rendered): void {
  const expected = new Map(vtls.map((v) => [v.libraryId, { slots: v.slots, mailSlots: v.mailSlots }]));
  const problems = validateVtlFiles(rendered.deviceConf, rendered.contents, expected);
  if (problems.length > 0)
    throw new ValidationError(`the virtual library configuration is inconsistent: ${problems.map((p) => `${p.file}: ${p.message}`).join('; ')}`, [
      ...problems.map((p) => ({ path: fieldOf(p.message), message: `${p.file}: ${p.message}` })),
    ]);
}

/** The mounted directory of a dataset: mhvtl's home directory for a library goes in it. */
export async function homeFor(ctx: Ctx, dataset: string, name: string): Promise<string> {
  const all = await new ZfsAdapter(ctx.host).listDatasets({ types: ['filesystem'] });
  const d = all.find((x) => x.name === dataset);
  if (!d) throw new ValidationError(`${dataset} is not a filesystem dataset`, [{ path: 'backingDataset', message: 'no such dataset' }]);
  if (!d.mountpoint || !d.mountpoint.startsWith('/') || d.mountpoint === '/')
    throw new ValidationError(`${dataset} is not mounted (mountpoint ${d.mountpoint ?? 'none'})`, [
      { path: 'backingDataset', message: 'must be a mounted dataset' },
    ]);
  // device.conf takes the directory unquoted, one line: nothing but plain path characters.
  if (!/^\/[A-Za-z0-9._@+\-/]*$/.test(d.mountpoint))
    throw new ValidationError(`${dataset} is mounted at ${JSON.stringify(d.mountpoint)}, which mhvtl's device.conf cannot hold`, [
      { path: 'backingDataset', message: 'its mountpoint may hold only letters, digits and . _ @ + - /' },
    ]);
  return `${d.mountpoint}/mhvtl-${name}`;
}

/** Libraries device.conf defines that Calypso does not (the package's default, or hand-made ones). */
export async function unmanagedLibraries(ctx: Ctx, vtls: Vtl[]): Promise<number[]> {
  const text = await ctx.host.files.readIfExists(DEVICE_CONF);
  if (!text) return [];
  try {
    return parseDeviceConf(text)
      .devices.filter((d) => d.kind === 'Library' && !vtls.some((v) => v.libraryId === d.id))
      .map((d) => d.id);
  } catch {
    return [];
  }
}

/**
 * Writes the rendered files and restarts mhvtl. `newMedia` are created with mktape first. On a
 * failure the previous files are put back and mhvtl restarted on them, then the error is thrown
 * (the caller's transaction rolls back).
 */
export async function applyVtls(ctx: Ctx, vtls: Vtl[], newMedia: { vtl: Vtl; barcode: string; type: 'data' | 'clean' }[]): Promise<void> {
  const rendered = renderAll(vtls);
  checkRendered(vtls, rendered);
  const mhvtl = new MhvtlAdapter(ctx.host);
  for (const m of newMedia) {
    const sizeMb = Math.floor(m.vtl.capacityBytes / 1_000_000);
    await mhvtl.mktape(m.vtl.libraryId, m.barcode, sizeMb, m.type, m.vtl.driveGeneration, m.vtl.homeDirectory);
  }
  const written: string[] = [];
  try {
    for (const [id, text] of rendered.contents) {
      await ctx.host.files.writeAtomic(contentsPath(id), text, { mode: 0o644 });
      written.push(contentsPath(id));
    }
    await ctx.host.files.writeAtomic(DEVICE_CONF, rendered.deviceConf, { mode: 0o644 });
    written.push(DEVICE_CONF);
    await mhvtl.daemons('restart');
  } catch (err) {
    for (const f of written.reverse()) await ctx.host.files.restorePrevious(f).catch((e) => ctx.log.warn({ err: e, file: f }, 'restoring a VTL file failed'));
    await mhvtl.daemons('restart').catch((again) => ctx.log.warn({ err: again }, 'restarting mhvtl on the previous files failed too'));
    throw err;
  }
}

export async function nextLibraryId(db: Knex): Promise<number> {
  const ids = (await db('vtl_libraries').select('library_id')).map((r: Row) => Number(r.library_id));
  for (let id = 10; ; id += 20) if (!ids.includes(id)) return id;
}

export function capacityOf(gen: LtoGeneration, capacityBytes: number | null): number {
  return capacityBytes ?? LTO_NATIVE_MB[gen] * 1_000_000;
}

export async function findVtl(db: Knex, name: string): Promise<Row> {
  const row = await db('vtl_libraries').where({ name }).first();
  if (!row) throw new NotFound(`no virtual library ${name}`);
  return row;
}

export function checkSlots(v: Pick<Vtl, 'slots' | 'cartridges' | 'cleaningCartridges'>): void {
  if (v.cartridges + v.cleaningCartridges > v.slots)
    throw new ValidationError(`${v.cartridges} data and ${v.cleaningCartridges} cleaning cartridges do not fit in ${v.slots} slots`, [
      { path: 'slots', message: 'at least as many slots as cartridges' },
    ]);
}

export async function vtlDrift(ctx: Ctx, db: Knex): Promise<Drift> {
  const vtls = await loadVtls(db);
  const rendered = renderAll(vtls);
  const live = await ctx.host.files.readIfExists(DEVICE_CONF);
  const changes: string[] = [];
  if (live === null) {
    if (vtls.length === 0) return { inSync: true, file: DEVICE_CONF, missing: true, changes: [] };
  } else if (live !== rendered.deviceConf) changes.push(...lineDiff(rendered.deviceConf, live).map((l) => `${DEVICE_CONF}: ${l}`));
  for (const [id, text] of rendered.contents) {
    const file = contentsPath(id);
    const l = await ctx.host.files.readIfExists(file);
    if (l === null) changes.push(`${file}: missing`);
    else if (l !== text) changes.push(...lineDiff(text, l).map((x) => `${file}: ${x}`));
  }
  return { inSync: live !== null && changes.length === 0, file: DEVICE_CONF, missing: live === null, changes };
}

export function vtlAttachments(): (ctx: Ctx, dataset: string) => Promise<Attachment[]> {
  return async (ctx, dataset) =>
    (await loadVtls(ctx.db))
      .filter((v) => v.backingDataset === dataset || v.backingDataset.startsWith(`${dataset}/`))
      .map((v) => ({
        kind: 'vtl',
        name: v.name,
        dataset: v.backingDataset,
        remove: { operation: 'vtl.libraries.delete', input: { name: v.name, confirm: v.name } },
      }));
}

export function ensureNoUnmanaged(ids: number[]): void {
  if (ids.length > 0)
    throw new Conflict(
      `${DEVICE_CONF} defines libraries Calypso does not manage (${ids.join(', ')}): see vtl.drift; resolving it with overwrite replaces them with Calypso's`,
    );
}
