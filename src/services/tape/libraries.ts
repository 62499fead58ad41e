/**
 * Libraries as the services see them: discovery (physical and mhvtl alike), one library's
 * drives and slots, and the media inventory kept in step with what mtx status reports.
 */
import type { Knex } from 'knex';
import { TapeAdapter, type DiscoveredDrive, type DiscoveredLibrary, type MtxStatus } from '../../system/tape/index.js';
import type { z } from 'zod';
import type { mediaSchema, tapeDriveSchema, tapeLibraryDetailSchema, tapeLibrarySchema, tapeSlotSchema } from '../../contracts/tape.js';
import { nowIso } from '../../contracts/time.js';
import { generationOf, isCleaningBarcode, mediaTypeOf } from '../../vocabulary/tape.js';
import type { Ctx } from '../core/context.js';
import { NotFound, publicMessage } from '../core/errors.js';
import { busyWith } from './changer.js';

export type TapeLibrary = z.infer<typeof tapeLibrarySchema>;
export type TapeLibraryDetail = z.infer<typeof tapeLibraryDetailSchema>;
export type TapeDrive = z.infer<typeof tapeDriveSchema>;
export type TapeSlot = z.infer<typeof tapeSlotSchema>;
export type MediaRow = z.infer<typeof mediaSchema>;

type Row = Record<string, unknown>;

export const tape = (ctx: Pick<Ctx, 'host'>) => new TapeAdapter(ctx.host);

/** Cleaning loads a new cleaning cartridge gives (LTO universal cleaning cartridges: 50; mhvtl's: 20). */
export const CLEANING_LOADS = { physical: 50, virtual: 20 };

export async function vtlNames(db: Knex): Promise<Map<number, string>> {
  return new Map((await db('vtl_libraries').select('library_id', 'name')).map((r: Row) => [Number(r.library_id), String(r.name)]));
}

export function displayName(lib: DiscoveredLibrary, names: Map<number, string>): string {
  if (lib.mhvtlId !== null) return names.get(lib.mhvtlId) ?? `mhvtl library ${lib.mhvtlId}`;
  return `${lib.vendor} ${lib.model}`;
}

/** The discovered library with this serial, or a 404. */
export async function findLibrary(ctx: Ctx, serial: string): Promise<DiscoveredLibrary> {
  const lib = (await tape(ctx).discover()).find((l) => l.serial === serial);
  if (!lib) throw new NotFound(`no tape library ${serial}: tape.libraries.list names the libraries found`);
  return lib;
}

/** A discovered drive, with its element confirmed by a load when one did. */
export type MappedDrive = Omit<DiscoveredDrive, 'mapping'> & { mapping: DiscoveredDrive['mapping'] | 'confirmed' };

/** Drive elements with their confirmed serials applied (a load proved which drive sits at which element). */
export async function mappedDrives(db: Knex, lib: DiscoveredLibrary): Promise<MappedDrive[]> {
  const confirmed = await db('tape_drive_map').where({ library: lib.serial });
  return lib.drives.map((d) => {
    const c = confirmed.find((r: Row) => r.serial === d.serial);
    return c ? { ...d, element: Number(c.element), mapping: 'confirmed' as const } : d;
  });
}

export async function describeLibrary(ctx: Ctx, lib: DiscoveredLibrary, names: Map<number, string>, status?: MtxStatus | null): Promise<TapeLibrary> {
  let st: MtxStatus | null = status ?? null;
  let problem: string | null = null;
  if (status === undefined) {
    try {
      st = await tape(ctx).status(lib.sg);
    } catch (err) {
      problem = publicMessage(err);
    }
  }
  const busy = busyWith(lib.serial);
  return {
    serial: lib.serial,
    name: displayName(lib, names),
    vendor: lib.vendor,
    model: lib.model,
    device: lib.sg,
    stablePath: lib.stablePath,
    virtual: lib.mhvtlId !== null,
    mhvtlId: lib.mhvtlId,
    drives: st ? st.drives.length : lib.drives.length,
    slots: st ? st.slots.filter((s) => !s.importExport).length : 0,
    mailSlots: st ? st.slots.filter((s) => s.importExport).length : 0,
    full: st ? st.slots.filter((s) => s.full).length : 0,
    state: !st ? 'offline' : busy ? 'busy' : 'online',
    busyWith: busy,
    problem,
  };
}

export async function libraryDetail(ctx: Ctx, serial: string): Promise<TapeLibraryDetail> {
  const lib = await findLibrary(ctx, serial);
  const names = await vtlNames(ctx.db);
  const st = await tape(ctx).status(lib.sg);
  await syncMedia(ctx, lib, names, st);
  const summary = await describeLibrary(ctx, lib, names, st);
  const drives = await mappedDrives(ctx.db, lib);
  const media = new Map((await ctx.db('tape_media').where({ library: lib.serial })).map((r: Row) => [String(r.barcode), r]));
  const driveList: TapeDrive[] = [];
  for (const e of st.drives) {
    const d = drives.find((x) => x.element === e.index);
    const base: TapeDrive = {
      element: e.index,
      mapping: d ? d.mapping : 'none',
      device: d?.nst ?? null,
      genericDevice: d?.sg ?? '',
      stablePath: d?.stablePath ?? null,
      vendor: d?.vendor ?? '',
      model: d?.model ?? '',
      serial: d?.serial ?? null,
      full: e.full,
      barcode: e.barcode,
      sourceSlot: e.sourceSlot,
      status: [],
      tapeAlerts: [],
      needsCleaning: false,
      problem: d ? null : 'no tape device found for this drive element',
    };
    if (d) {
      const problems: string[] = [];
      if (d.nst)
        base.status =
          (
            await tape(ctx)
              .mtStatus(d.nst)
              .catch((err) => (problems.push(publicMessage(err)), null))
          )?.bits ?? [];
      const flags = await tape(ctx)
        .tapeAlerts(d.sg)
        .catch((err) => (problems.push(publicMessage(err)), []));
      base.tapeAlerts = flags.filter((f) => f.set).map((f) => ({ code: f.code, name: f.name }));
      base.needsCleaning = base.tapeAlerts.some((f) => f.code === 0x14 || f.code === 0x15);
      base.problem = problems.length ? problems.join('; ') : null;
    }
    driveList.push(base);
  }
  const slotList: TapeSlot[] = st.slots.map((s) => {
    const m = s.barcode ? media.get(s.barcode) : undefined;
    return {
      index: s.index,
      full: s.full,
      barcode: s.barcode,
      alternateBarcode: s.alternateBarcode,
      mailSlot: s.importExport,
      cleaning: s.cleaning,
      pool: m ? ((m.pool as string | null) ?? null) : null,
      state: m ? (String(m.state) as TapeSlot['state']) : null,
    };
  });
  return { ...summary, driveList, slotList };
}

/**
 * Brings tape_media in step with one library's element status: every labelled cartridge seen is
 * recorded where it is; cartridges recorded in this library and not seen are 'unknown' (taken out
 * by hand), except those on their way to a vault, which keep it.
 */
export async function syncMedia(ctx: Ctx, lib: DiscoveredLibrary, names: Map<number, string>, st: MtxStatus, newPool: string | null = null): Promise<void> {
  const now = nowIso();
  const virtual = lib.mhvtlId !== null;
  const libraryName = displayName(lib, names);
  const seen = new Set<string>();
  const place = async (barcode: string, kind: 'slot' | 'drive' | 'mailslot', slot: number | null, drive: number | null) => {
    seen.add(barcode);
    const row = await ctx.db('tape_media').where({ barcode }).first();
    const cleaning = isCleaningBarcode(barcode);
    if (!row) {
      await ctx.db('tape_media').insert({
        barcode,
        media_type: mediaTypeOf(barcode),
        virtual,
        location_kind: kind,
        library: lib.serial,
        library_name: libraryName,
        slot,
        drive,
        vault: null,
        pool: cleaning ? null : newPool,
        state: cleaning ? 'cleaning' : 'writable',
        cleaning_uses_left: cleaning ? (virtual ? CLEANING_LOADS.virtual : CLEANING_LOADS.physical) : null,
        cleaning_uses: 0,
        last_seen_at: now,
      });
      return;
    }
    // A cartridge in a mail slot on its way to a vault stays recorded as in the vault.
    const outbound = row.vault && kind === 'mailslot';
    await ctx
      .db('tape_media')
      .where({ barcode })
      .update(
        outbound
          ? { last_seen_at: now }
          : { location_kind: kind, library: lib.serial, library_name: libraryName, slot, drive, vault: null, virtual, last_seen_at: now },
      );
  };
  for (const d of st.drives) if (d.full && d.barcode) await place(d.barcode, 'drive', d.sourceSlot, d.index);
  for (const s of st.slots) if (s.full && s.barcode) await place(s.barcode, s.importExport ? 'mailslot' : 'slot', s.index, null);
  const gone = (await ctx.db('tape_media').where({ library: lib.serial }).whereNot('location_kind', 'vault')).filter((r: Row) => !seen.has(String(r.barcode)));
  for (const r of gone)
    await ctx
      .db('tape_media')
      .where({ barcode: r.barcode })
      .update({ location_kind: r.vault ? 'vault' : 'unknown', slot: null, drive: null });
}

export function toMedia(r: Row): MediaRow {
  const mediaType = (r.media_type as string | null) ?? null;
  return {
    barcode: String(r.barcode),
    mediaType,
    generation: isCleaningBarcode(String(r.barcode)) ? null : generationOf(mediaType),
    virtual: Boolean(r.virtual),
    locationKind: String(r.location_kind) as MediaRow['locationKind'],
    library: (r.library as string | null) ?? null,
    libraryName: (r.library_name as string | null) ?? null,
    slot: r.slot === null || r.slot === undefined ? null : Number(r.slot),
    drive: r.drive === null || r.drive === undefined ? null : Number(r.drive),
    vault: (r.vault as string | null) ?? null,
    pool: (r.pool as string | null) ?? null,
    state: String(r.state) as MediaRow['state'],
    cleaningUsesLeft: r.cleaning_uses_left === null || r.cleaning_uses_left === undefined ? null : Number(r.cleaning_uses_left),
    cleaningUses: Number(r.cleaning_uses ?? 0),
    lastSeenAt: String(r.last_seen_at),
    lastWrittenAt: (r.last_written_at as string | null) ?? null,
    retainUntilAt: (r.retain_until_at as string | null) ?? null,
  };
}
