/**
 * Changer operations as jobs, one at a time per changer: a second request while one runs is a
 * 409 naming the running job, and a request whose target is occupied (a full drive, a full slot,
 * an empty source) is a 409 saying so before any job starts. Only the daemon runs jobs, so the
 * one-per-changer rule lives in its memory.
 */
import type { Knex } from 'knex';
import type { DiscoveredLibrary, MtxStatus } from '../../system/tape/index.js';
import { nowIso } from '../../contracts/time.js';
import { isCleaningBarcode } from '../../vocabulary/tape.js';
import type { Ctx } from '../core/context.js';
import { Conflict, NotFound } from '../core/errors.js';
import type { Job, JobHandle } from '../core/jobs.js';
import { findLibrary, mappedDrives, syncMedia, tape, vtlNames } from './libraries.js';

const running = new Map<string, string>();

/** What runs on a changer now ("job 12: load slot 3 -> drive 0"), or null. */
export function busyWith(serial: string): string | null {
  return running.get(serial) ?? null;
}

export interface ChangerPlan {
  /** Job type (the operation name). */
  type: string;
  description: string;
  target: string;
  /** Checks the element status and refuses (Conflict) what cannot be done; returns the work. */
  plan: (st: MtxStatus, lib: DiscoveredLibrary) => Promise<(job: JobHandle) => Promise<unknown>> | ((job: JobHandle) => Promise<unknown>);
}

/** Reserves the changer, checks the plan against the live status, then runs it as a job. */
export async function changerJob(ctx: Ctx, serial: string, spec: ChangerPlan): Promise<{ job: Job }> {
  const lib = await findLibrary(ctx, serial);
  const current = running.get(serial);
  if (current) throw new Conflict(`library ${serial} is busy: ${current}; one changer operation runs at a time`);
  running.set(serial, spec.description);
  try {
    const st = await tape(ctx).status(lib.sg);
    const work = await spec.plan(st, lib);
    const job = await ctx.jobs.start(
      { type: spec.type, description: spec.description, owner: ctx.actor?.username ?? 'system', target: spec.target },
      async (handle) => {
        try {
          const out = await work(handle);
          await handle.progress(95, 'reading the element status');
          await syncMedia(ctx, lib, await vtlNames(ctx.db), await tape(ctx).status(lib.sg));
          return out;
        } finally {
          running.delete(serial);
        }
      },
    );
    running.set(serial, `job ${job.id}: ${spec.description}`);
    return { job };
  } catch (err) {
    running.delete(serial);
    throw err;
  }
}

export function slotOf(st: MtxStatus, index: number, what: string) {
  const s = st.slots.find((x) => x.index === index);
  if (!s) throw new NotFound(`the library has no slot ${index} (slots 1-${st.slots.length})`);
  if (what === 'source' && !s.full) throw new Conflict(`slot ${index} is empty: nothing to move`);
  if (what === 'target' && s.full) throw new Conflict(`slot ${index} is occupied${s.barcode ? ` by ${s.barcode}` : ''}`);
  return s;
}

export function driveOf(st: MtxStatus, index: number) {
  const d = st.drives.find((x) => x.index === index);
  if (!d) throw new NotFound(`the library has no drive ${index} (drives 0-${st.drives.length - 1})`);
  return d;
}

/** The non-rewinding node of the drive at an element, when known. */
async function nstOf(ctx: Ctx, lib: DiscoveredLibrary, element: number): Promise<string | null> {
  return (await mappedDrives(ctx.db, lib)).find((d) => d.element === element)?.nst ?? null;
}

/**
 * After a load into `element`, the drive that now reports a cartridge is the one at that element:
 * when that is not the drive the address order guessed, the confirmed mapping is stored.
 */
async function confirmDrive(ctx: Ctx, lib: DiscoveredLibrary, element: number, job: JobHandle): Promise<void> {
  const drives = await mappedDrives(ctx.db, lib);
  const adapter = tape(ctx);
  for (const d of drives) {
    if (!d.nst || !d.serial) continue;
    const st = await adapter.mtStatus(d.nst).catch(() => null);
    if (!st || st.bits.includes('DR_OPEN')) continue;
    if (d.element !== element || d.mapping === 'address-order') {
      await upsertMap(ctx.db, lib.serial, element, d.serial);
      if (d.element !== element) await job.log(`drive ${d.serial} (${d.nst}) is element ${element}, not ${d.element}: mapping corrected`);
    }
    return;
  }
}

async function upsertMap(db: Knex, library: string, element: number, serial: string): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('tape_drive_map').where({ library, serial }).delete();
    await trx('tape_drive_map').where({ library, element }).delete();
    await trx('tape_drive_map').insert({ library, element, serial, confirmed_at: nowIso() });
  });
}

export function loadPlan(ctx: Ctx, slot: number, drive: number): ChangerPlan['plan'] {
  return (st, lib) => {
    const s = slotOf(st, slot, 'source');
    const d = driveOf(st, drive);
    if (d.full) throw new Conflict(`drive ${drive} is occupied by ${d.barcode ?? 'a cartridge without a label'}: unload it first`);
    if (s.importExport) throw new Conflict(`slot ${slot} is a mail slot: import the cartridge first`);
    return async (job) => {
      await job.progress(10, `loading ${s.barcode ?? `slot ${slot}`} into drive ${drive}`);
      await tape(ctx).load(lib.sg, slot, drive);
      await job.log(`loaded ${s.barcode ?? '(no label)'} from slot ${slot} into drive ${drive}`);
      await job.progress(80, 'checking which drive holds it');
      await confirmDrive(ctx, lib, drive, job);
      if (s.barcode) await ctx.db('tape_media').where({ barcode: s.barcode }).update({ last_seen_at: nowIso() });
      return { barcode: s.barcode, slot, drive };
    };
  };
}

export function unloadPlan(ctx: Ctx, drive: number, slot: number | undefined): ChangerPlan['plan'] {
  return (st, lib) => {
    const d = driveOf(st, drive);
    if (!d.full) throw new Conflict(`drive ${drive} is empty: nothing to unload`);
    const to = slot ?? d.sourceSlot;
    if (to === null) throw new Conflict(`drive ${drive} does not know which slot its cartridge came from: give a slot`);
    slotOf(st, to, 'target');
    return async (job) => {
      const nst = await nstOf(ctx, lib, drive);
      if (nst) {
        await job.progress(10, 'rewinding and ejecting (mt offline)');
        await tape(ctx)
          .offline(nst)
          .catch((err) => job.log(`mt offline: ${(err as Error).message}`));
      }
      await job.progress(40, `unloading drive ${drive} into slot ${to}`);
      await tape(ctx).unload(lib.sg, to, drive);
      await job.log(`unloaded ${d.barcode ?? '(no label)'} from drive ${drive} into slot ${to}`);
      return { barcode: d.barcode, slot: to, drive };
    };
  };
}

export function transferPlan(ctx: Ctx, from: number, to: number): ChangerPlan['plan'] {
  return (st, lib) => {
    const s = slotOf(st, from, 'source');
    slotOf(st, to, 'target');
    return async (job) => {
      await job.progress(10, `moving ${s.barcode ?? `slot ${from}`} to slot ${to}`);
      await tape(ctx).transfer(lib.sg, from, to);
      await job.log(`moved ${s.barcode ?? '(no label)'} from slot ${from} to slot ${to}`);
      return { barcode: s.barcode, from, to };
    };
  };
}

export function importPlan(ctx: Ctx, pool: string | null): ChangerPlan['plan'] {
  return (st, lib) => {
    const incoming = st.slots.filter((s) => s.importExport && s.full);
    if (incoming.length === 0) throw new Conflict('the mail slots are empty: nothing to import');
    const free = st.slots.filter((s) => !s.importExport && !s.full);
    if (free.length < incoming.length) throw new Conflict(`${incoming.length} cartridges wait in the mail slots and only ${free.length} slots are free`);
    return async (job) => {
      const moved: { barcode: string | null; slot: number }[] = [];
      for (const [i, s] of incoming.entries()) {
        const to = free[i]!.index;
        await job.progress(10 + (80 * i) / incoming.length, `importing ${s.barcode ?? `mail slot ${s.index}`} into slot ${to}`);
        await tape(ctx).transfer(lib.sg, s.index, to);
        if (s.barcode) {
          const row = await ctx.db('tape_media').where({ barcode: s.barcode }).first();
          if (row)
            await ctx
              .db('tape_media')
              .where({ barcode: s.barcode })
              .update({ vault: null, ...(pool && !row.pool ? { pool } : {}) });
        }
        moved.push({ barcode: s.barcode, slot: to });
      }
      if (pool) await syncMedia(ctx, lib, await vtlNames(ctx.db), await tape(ctx).status(lib.sg), pool);
      await job.log(`imported ${moved.map((m) => `${m.barcode ?? '(no label)'} -> ${m.slot}`).join(', ')}`);
      return { imported: moved };
    };
  };
}

/** Exports cartridges to the mail slots; with `vault`, records them as sent there. */
export function exportPlan(ctx: Ctx, barcodes: string[], vault: string | null): ChangerPlan['plan'] {
  return async (st, lib) => {
    const sources = barcodes.map((b) => {
      if (st.drives.some((d) => d.barcode === b)) throw new Conflict(`${b} is in a drive: unload it first`);
      const s = st.slots.find((x) => x.barcode === b);
      if (!s) throw new Conflict(`${b} is not in library ${lib.serial}`);
      if (s.importExport) throw new Conflict(`${b} is already in mail slot ${s.index}`);
      return s;
    });
    const mail = st.slots.filter((s) => s.importExport && !s.full);
    if (st.slots.every((s) => !s.importExport)) throw new Conflict(`library ${lib.serial} has no mail slots`);
    if (mail.length < sources.length)
      throw new Conflict(`${sources.length} cartridges to export and ${mail.length} free mail slots: empty the mail slots first`);
    return async (job) => {
      for (const [i, s] of sources.entries()) {
        await job.progress(10 + (80 * i) / sources.length, `exporting ${s.barcode} to mail slot ${mail[i]!.index}`);
        await tape(ctx).transfer(lib.sg, s.index, mail[i]!.index);
        if (vault) await ctx.db('tape_media').where({ barcode: s.barcode! }).update({ vault, location_kind: 'vault' });
      }
      await job.log(`exported ${barcodes.join(', ')}${vault ? ` for the vault ${vault}` : ''}: take them out of the mail slots`);
      return { exported: barcodes, vault };
    };
  };
}

export function returnPlan(ctx: Ctx, barcode: string): ChangerPlan['plan'] {
  return async (st, lib) => {
    const s = st.slots.find((x) => x.importExport && x.barcode === barcode);
    if (!s) throw new Conflict(`${barcode} is not in a mail slot of ${lib.serial}: put it in a mail slot first`);
    const free = st.slots.find((x) => !x.importExport && !x.full);
    if (!free) throw new Conflict(`library ${lib.serial} has no free slot`);
    return async (job) => {
      await job.progress(20, `taking ${barcode} from mail slot ${s.index} into slot ${free.index}`);
      await tape(ctx).transfer(lib.sg, s.index, free.index);
      await ctx.db('tape_media').where({ barcode }).update({ vault: null, location_kind: 'slot', library: lib.serial, slot: free.index });
      await job.log(`${barcode} is back from the vault, in slot ${free.index}`);
      return { barcode, slot: free.index };
    };
  };
}

export function inventoryPlan(ctx: Ctx): ChangerPlan['plan'] {
  return (_st, lib) => async (job) => {
    await job.progress(10, 'the library scans its barcodes (mtx inventory)');
    await tape(ctx).inventory(lib.sg);
    const st = await tape(ctx).status(lib.sg);
    await job.log(`${st.slots.filter((s) => s.full).length} cartridges in ${st.slots.length} slots, ${st.drives.filter((d) => d.full).length} in drives`);
    return { full: st.slots.filter((s) => s.full).length, slots: st.slots.length };
  };
}

/** Loads a cleaning cartridge with uses left into the drive, then puts it back; counts the use. */
export function cleanPlan(ctx: Ctx, drive: number): ChangerPlan['plan'] {
  return async (st, lib) => {
    const d = driveOf(st, drive);
    if (d.full) throw new Conflict(`drive ${drive} is occupied by ${d.barcode ?? 'a cartridge'}: unload it before cleaning`);
    const rows = new Map((await ctx.db('tape_media').where({ state: 'cleaning' })).map((r: Record<string, unknown>) => [String(r.barcode), r]));
    const cart = st.slots.find(
      (s) => s.full && !s.importExport && s.barcode && isCleaningBarcode(s.barcode) && Number(rows.get(s.barcode)?.cleaning_uses_left ?? 1) > 0,
    );
    if (!cart) throw new Conflict(`library ${lib.serial} has no cleaning cartridge with uses left: import one`);
    return async (job) => {
      await job.progress(10, `loading cleaning cartridge ${cart.barcode} into drive ${drive}`);
      await tape(ctx).load(lib.sg, cart.index, drive);
      await job.progress(60, 'cleaning');
      await tape(ctx).unload(lib.sg, cart.index, drive);
      const row = await ctx.db('tape_media').where({ barcode: cart.barcode! }).first();
      if (row)
        await ctx
          .db('tape_media')
          .where({ barcode: cart.barcode! })
          .update({ cleaning_uses: Number(row.cleaning_uses) + 1, cleaning_uses_left: Math.max(0, Number(row.cleaning_uses_left ?? 0) - 1) });
      await job.log(`drive ${drive} cleaned with ${cart.barcode}`);
      return { drive, cleaningCartridge: cart.barcode };
    };
  };
}
