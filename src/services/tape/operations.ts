/**
 * Tape and VTL (issue 12): libraries, changer jobs, the media inventory and pools, vaulting and
 * cleaning, and mhvtl libraries. The Bacula autochanger integration belongs to the backup
 * subsystem and is not here.
 */
import type { Knex } from 'knex';
import { tapeContracts as c, tapePermissions } from '../../contracts/tape.js';
import { page } from '../../contracts/list.js';
import { nowIso } from '../../contracts/time.js';
import { MhvtlAdapter } from '../../system/vtl/index.js';
import type { Attachments } from '../core/attachments.js';
import type { Ctx } from '../core/context.js';
import { Conflict, NotFound, ValidationError } from '../core/errors.js';
import { implement, type Registry } from '../core/registry.js';
import { applyUnit, registerDrift } from '../shares/apply.js';
import { changerJob, cleanPlan, exportPlan, importPlan, inventoryPlan, loadPlan, returnPlan, transferPlan, unloadPlan } from './changer.js';
import { describeLibrary, libraryDetail, tape, toMedia, vtlNames } from './libraries.js';
import {
  VTL_LOCK,
  applyVtls,
  capacityOf,
  checkSlots,
  cleaningBarcodes,
  dataBarcodes,
  ensureNoUnmanaged,
  findVtl,
  homeFor,
  loadVtls,
  nextLibraryId,
  toVtl,
  unmanagedLibraries,
  vtlAttachments,
  vtlDrift,
  type Vtl,
} from './vtl.js';

type Row = Record<string, unknown>;

async function poolRows(db: Knex) {
  const pools = await db('tape_pools').orderBy('name');
  const counts = await db('tape_media').select('pool', 'state').whereNotNull('pool');
  return pools.map((p: Row) => {
    const mine = counts.filter((m: Row) => m.pool === p.name);
    return {
      name: String(p.name),
      description: String(p.description),
      retentionSeconds: Number(p.retention_seconds),
      allocation: String(p.allocation) as 'oldest-first',
      lowWritable: Number(p.low_writable),
      media: mine.length,
      writable: mine.filter((m: Row) => m.state === 'writable').length,
    };
  });
}

async function poolNamed(db: Knex, name: string) {
  const p = (await poolRows(db)).find((x) => x.name === name);
  if (!p) throw new NotFound(`no media pool ${name}`);
  return p;
}

async function mediaNamed(db: Knex, barcode: string) {
  const r = await db('tape_media').where({ barcode }).first();
  if (!r) throw new NotFound(`no cartridge ${barcode} in the media inventory`);
  return toMedia(r);
}

export function registerTape(registry: Registry, attachments: Attachments): void {
  registry.addPermissions(tapePermissions);
  attachments.register(vtlAttachments());

  registry.add(
    implement(c['tape.libraries.list'], async (ctx, i) => {
      const names = await vtlNames(ctx.db);
      const libs = await tape(ctx).discover();
      return page(await Promise.all(libs.map((l) => describeLibrary(ctx, l, names))), i);
    }),
  );
  registry.add(implement(c['tape.libraries.get'], (ctx, i) => libraryDetail(ctx, i.library)));

  const job = (type: string, description: string, target: string) => ({ type, description, target });
  registry.add(
    implement(c['tape.load'], (ctx, i) =>
      changerJob(ctx, i.library, { ...job('tape.load', `load slot ${i.slot} into drive ${i.drive}`, i.library), plan: loadPlan(ctx, i.slot, i.drive) }),
    ),
  );
  registry.add(
    implement(c['tape.unload'], (ctx, i) =>
      changerJob(ctx, i.library, {
        ...job('tape.unload', `unload drive ${i.drive}${i.slot ? ` into slot ${i.slot}` : ''}`, i.library),
        plan: unloadPlan(ctx, i.drive, i.slot),
      }),
    ),
  );
  registry.add(
    implement(c['tape.transfer'], (ctx, i) => {
      if (i.from === i.to) throw new ValidationError('from and to are the same slot', [{ path: 'to', message: 'a different slot' }]);
      return changerJob(ctx, i.library, { ...job('tape.transfer', `move slot ${i.from} to slot ${i.to}`, i.library), plan: transferPlan(ctx, i.from, i.to) });
    }),
  );
  registry.add(
    implement(c['tape.import'], async (ctx, i) => {
      if (i.pool) await poolNamed(ctx.db, i.pool);
      return changerJob(ctx, i.library, { ...job('tape.import', 'import the mail slots', i.library), plan: importPlan(ctx, i.pool) });
    }),
  );
  registry.add(
    implement(c['tape.export'], (ctx, i) =>
      changerJob(ctx, i.library, {
        ...job('tape.export', `export ${i.barcodes.join(', ')}`, i.library),
        plan: exportPlan(ctx, [...new Set(i.barcodes)], null),
      }),
    ),
  );
  registry.add(
    implement(c['tape.inventory'], (ctx, i) => changerJob(ctx, i.library, { ...job('tape.inventory', 'inventory', i.library), plan: inventoryPlan(ctx) })),
  );
  registry.add(
    implement(c['tape.clean'], (ctx, i) =>
      changerJob(ctx, i.library, { ...job('tape.clean', `clean drive ${i.drive}`, i.library), plan: cleanPlan(ctx, i.drive) }),
    ),
  );
  registry.add(
    implement(c['tape.vault.move'], (ctx, i) =>
      changerJob(ctx, i.library, {
        ...job('tape.vault.move', `send ${i.barcodes.join(', ')} to the vault ${i.vault}`, i.library),
        plan: exportPlan(ctx, [...new Set(i.barcodes)], i.vault),
      }),
    ),
  );
  registry.add(
    implement(c['tape.vault.return'], (ctx, i) =>
      changerJob(ctx, i.library, { ...job('tape.vault.return', `take back ${i.barcode} from the vault`, i.library), plan: returnPlan(ctx, i.barcode) }),
    ),
  );

  registry.add(
    implement(c['tape.media.list'], async (ctx, i) => {
      const q = ctx.db('tape_media').orderBy('barcode');
      if (i.pool) q.where({ pool: i.pool });
      if (i.state) q.where({ state: i.state });
      if (i.location) q.where({ location_kind: i.location });
      if (i.library) q.where({ library: i.library });
      return page((await q).map(toMedia), i);
    }),
  );
  registry.add(implement(c['tape.media.get'], (ctx, i) => mediaNamed(ctx.db, i.barcode)));
  registry.add(
    implement(c['tape.media.update'], async (ctx, i) => {
      const m = await mediaNamed(ctx.db, i.barcode);
      if (i.pool !== null) await poolNamed(ctx.db, i.pool);
      if (m.state === 'cleaning' && i.pool !== null) throw new Conflict(`${i.barcode} is a cleaning cartridge: it belongs to no pool`);
      await ctx.db('tape_media').where({ barcode: i.barcode }).update({ pool: i.pool });
      return mediaNamed(ctx.db, i.barcode);
    }),
  );
  registry.add(
    implement(c['tape.media.mark'], async (ctx, i) => {
      const m = await mediaNamed(ctx.db, i.barcode);
      if (m.state === 'cleaning') throw new Conflict(`${i.barcode} is a cleaning cartridge`);
      await ctx.db('tape_media').where({ barcode: i.barcode }).update({ state: i.state });
      return mediaNamed(ctx.db, i.barcode);
    }),
  );
  registry.add(
    implement(c['tape.labels.generate'], async (ctx, i) => {
      const width = 6 - i.prefix.length;
      if (String(i.start + i.count - 1).length > width)
        throw new ValidationError(`numbers up to ${i.start + i.count - 1} do not fit in ${width} digits after the prefix ${i.prefix}`, [
          { path: 'count', message: 'too many for the prefix' },
        ]);
      const all = dataBarcodes({ barcodePrefix: i.prefix, barcodeStart: i.start, cartridges: i.count, driveGeneration: i.generation });
      const known = new Set((await ctx.db('tape_media').whereIn('barcode', all).select('barcode')).map((r: Row) => String(r.barcode)));
      return { barcodes: all.filter((b) => !known.has(b)), skipped: all.filter((b) => known.has(b)) };
    }),
  );

  registry.add(implement(c['tape.pools.list'], async (ctx, i) => page(await poolRows(ctx.db), i)));
  registry.add(
    implement(c['tape.pools.create'], async (ctx, i) => {
      if (await ctx.db('tape_pools').where({ name: i.name }).first()) throw new Conflict(`media pool ${i.name} already exists`);
      await ctx.db('tape_pools').insert({
        name: i.name,
        description: i.description,
        retention_seconds: i.retentionSeconds,
        allocation: i.allocation,
        low_writable: i.lowWritable,
        created_at: nowIso(),
      });
      return poolNamed(ctx.db, i.name);
    }),
  );
  registry.add(
    implement(c['tape.pools.update'], async (ctx, i) => {
      await poolNamed(ctx.db, i.name);
      const patch: Row = {};
      if (i.description !== undefined) patch.description = i.description;
      if (i.retentionSeconds !== undefined) patch.retention_seconds = i.retentionSeconds;
      if (i.allocation !== undefined) patch.allocation = i.allocation;
      if (i.lowWritable !== undefined) patch.low_writable = i.lowWritable;
      if (Object.keys(patch).length) await ctx.db('tape_pools').where({ name: i.name }).update(patch);
      return poolNamed(ctx.db, i.name);
    }),
  );
  registry.add(
    implement(c['tape.pools.delete'], async (ctx, i) => {
      await poolNamed(ctx.db, i.name);
      await ctx.db.transaction(async (trx) => {
        await trx('tape_media').where({ pool: i.name }).update({ pool: null });
        await trx('tape_pools').where({ name: i.name }).delete();
      });
      return { ok: true as const };
    }),
  );

  registerVtl(registry);
}

function registerVtl(registry: Registry): void {
  registry.add(implement(c['vtl.libraries.list'], async (ctx, i) => page(await loadVtls(ctx.db), i)));
  registry.add(implement(c['vtl.libraries.get'], async (ctx, i) => toVtl(await findVtl(ctx.db, i.name))));
  registry.add(
    implement(c['vtl.libraries.create'], async (ctx, i) => {
      checkSlots(i);
      const home = await homeFor(ctx, i.backingDataset, i.name);
      return applyUnit(ctx, VTL_LOCK, async (trx) => {
        if (await trx('vtl_libraries').where({ name: i.name }).first()) throw new Conflict(`virtual library ${i.name} already exists`);
        ensureNoUnmanaged(await unmanagedLibraries(ctx, await loadVtls(trx)));
        const libraryId = await nextLibraryId(trx);
        const now = nowIso();
        await trx('vtl_libraries').insert({
          name: i.name,
          library_id: libraryId,
          emulation: i.emulation,
          drive_count: i.driveCount,
          drive_generation: i.driveGeneration,
          slots: i.slots,
          mail_slots: i.mailSlots,
          barcode_prefix: i.barcodePrefix,
          barcode_start: i.barcodeStart,
          cartridges: i.cartridges,
          cleaning_cartridges: i.cleaningCartridges,
          capacity_bytes: capacityOf(i.driveGeneration, i.capacityBytes),
          compression: i.compression,
          backing_dataset: i.backingDataset,
          home_directory: home,
          serial: `VTL${String(libraryId).padStart(4, '0')}`,
          created_at: now,
          updated_at: now,
        });
        const vtl = toVtl(await findVtl(trx, i.name));
        const media = [
          ...dataBarcodes(vtl).map((barcode) => ({ vtl, barcode, type: 'data' as const })),
          ...cleaningBarcodes(vtl).map((barcode) => ({ vtl, barcode, type: 'clean' as const })),
        ];
        await applyVtls(ctx, await loadVtls(trx), media);
        return vtl;
      });
    }),
  );
  registry.add(
    implement(c['vtl.libraries.update'], async (ctx, i) =>
      applyUnit(ctx, VTL_LOCK, async (trx) => {
        const before = toVtl(await findVtl(trx, i.name));
        ensureNoUnmanaged(await unmanagedLibraries(ctx, await loadVtls(trx)));
        if (i.cartridges !== undefined && i.cartridges < before.cartridges)
          throw new Conflict(
            `${i.name} has ${before.cartridges} cartridges: cartridges are never removed by a change (their data stays); give at least ${before.cartridges}`,
          );
        if (i.driveGeneration !== undefined && i.driveGeneration !== before.driveGeneration && before.cartridges > 0)
          throw new Conflict(`${i.name}'s cartridges are ${before.driveGeneration} media: the drive generation of a library with cartridges cannot change`);
        const after: Vtl = {
          ...before,
          driveCount: i.driveCount ?? before.driveCount,
          driveGeneration: i.driveGeneration ?? before.driveGeneration,
          slots: i.slots ?? before.slots,
          mailSlots: i.mailSlots ?? before.mailSlots,
          cartridges: i.cartridges ?? before.cartridges,
          compression: i.compression ?? before.compression,
        };
        checkSlots(after);
        await trx('vtl_libraries').where({ name: i.name }).update({
          drive_count: after.driveCount,
          drive_generation: after.driveGeneration,
          slots: after.slots,
          mail_slots: after.mailSlots,
          cartridges: after.cartridges,
          compression: after.compression,
          updated_at: nowIso(),
        });
        const old = new Set(dataBarcodes(before));
        const media = dataBarcodes(after)
          .filter((b) => !old.has(b))
          .map((barcode) => ({ vtl: after, barcode, type: 'data' as const }));
        await applyVtls(ctx, await loadVtls(trx), media);
        return toVtl(await findVtl(trx, i.name));
      }),
    ),
  );
  registry.add(
    implement(c['vtl.libraries.delete'], async (ctx, i) =>
      applyUnit(ctx, VTL_LOCK, async (trx) => {
        const row = await findVtl(trx, i.name);
        await trx('vtl_libraries').where({ id: row.id }).delete();
        await applyVtls(ctx, await loadVtls(trx), []);
        return { ok: true as const };
      }),
    ),
  );
  registry.add(
    implement(c['vtl.daemons.control'], async (ctx, i) => {
      const mhvtl = new MhvtlAdapter(ctx.host);
      await mhvtl.daemons(i.action);
      return { active: await mhvtl.active() };
    }),
  );
  registry.add(implement(c['vtl.daemons.status'], async (ctx) => ({ active: await new MhvtlAdapter(ctx.host).active() })));
  registerDrift(registry, c['vtl.drift'], c['vtl.drift.resolve'], {
    lock: VTL_LOCK,
    drift: (ctx: Ctx, db: Knex) => vtlDrift(ctx, db),
    repair: async (ctx, trx, action) => {
      if (action === 'adopt')
        throw new ValidationError(
          'adopt is not supported for mhvtl: Calypso renders device.conf from its own definitions; use overwrite, or create the libraries in Calypso',
        );
      await applyVtls(ctx, await loadVtls(trx), []);
      return [];
    },
  });
}
