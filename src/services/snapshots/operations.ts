/** Snapshots (the snapshot half of SRS-07): create, list, destroy (ranges too), hold, rollback, clone. */
import type { Ctx } from '../core/context.js';
import { Conflict, NotFound } from '../core/errors.js';
import { mapOncePerListing } from '../../contracts/list.js';
import { implement, type Registry } from '../core/registry.js';
import { snapshotContracts as c, snapshotPermissions, type Snapshot } from '../../contracts/snapshots.js';
import { toZfsProperties } from '../../contracts/storage.js';
import { datasetDetail, listingPage, zfs } from '../storage/operations.js';
import { snapshotRow, type DatasetListEntry, type SnapshotRow } from '../../system/zfs/index.js';
import { toIsoTime } from '../../contracts/time.js';
import { TrustedPages, TrustedRows } from '../core/trusted-rows.js';

async function listSnapshots(ctx: Ctx, dataset?: string, recursive = false): Promise<Snapshot[]> {
  return toSnapshots(await zfs(ctx).listSnapshots({ dataset, recursive }));
}

function toSnapshot(r: DatasetListEntry): Snapshot {
  const [ds, snap] = r.name.split('@');
  const creation = Number(r.raw.creation);
  return {
    name: r.name,
    dataset: ds,
    snapshot: snap,
    usedBytes: r.used,
    referencedBytes: r.referenced,
    createdAt: Number.isFinite(creation) && creation > 0 ? new Date(creation * 1000).toISOString() : null,
    holds: Number(r.raw.userrefs) || 0,
  };
}

const toSnapshots = mapOncePerListing(toSnapshot);

function snapshotOf(r: SnapshotRow): Snapshot {
  const at = r.name.indexOf('@');
  return {
    name: r.name,
    dataset: r.name.slice(0, at),
    snapshot: r.name.slice(at + 1),
    usedBytes: r.used,
    referencedBytes: r.referenced,
    createdAt: r.creation !== null && r.creation > 0 ? new Date(r.creation * 1000).toISOString() : null,
    holds: r.userrefs || 0,
  };
}

async function requireSnapshot(ctx: Ctx, name: string): Promise<Snapshot> {
  const [dataset] = name.split('@');
  const snaps = await listSnapshots(ctx, dataset).catch(() => [] as Snapshot[]);
  const snap = snaps.find((s) => s.name === name);
  if (!snap) throw new NotFound(`snapshot ${name} does not exist`);
  return snap;
}

export function registerSnapshots(registry: Registry): void {
  const listRows = new TrustedRows(
    c['snapshots.list'].output.shape.items.element,
    (a: SnapshotRow, b: SnapshotRow) => a.used === b.used && a.referenced === b.referenced && a.creation === b.creation && a.userrefs === b.userrefs,
  );
  const pages = new TrustedPages(c['snapshots.list'].output);
  registry.addPermissions(snapshotPermissions);

  registry.add(
    implement(c['snapshots.list'], async (ctx, i) => {
      if (i.dataset) await datasetDetail(ctx, i.dataset);
      // From the listing's index (streamed from zfs list, sorted once per change): a million
      // snapshots are paged by binary search, and only the page's rows become objects.
      const s = await zfs(ctx).snapshotIndex({ dataset: i.dataset, recursive: i.recursive === 'true' });
      return listingPage(pages, s.index, i, (at) => {
        const r = snapshotRow(s, at);
        return listRows.at(r.name, r, snapshotOf);
      });
    }),
  );
  registry.add(
    implement(c['snapshots.create'], async (ctx, i) => {
      await datasetDetail(ctx, i.dataset);
      const full = `${i.dataset}@${i.name}`;
      if ((await listSnapshots(ctx, i.dataset)).some((s) => s.name === full)) throw new Conflict(`snapshot ${full} already exists`);
      await zfs(ctx).snapshot(full, { recursive: i.recursive });
      return requireSnapshot(ctx, full);
    }),
  );
  registry.add(
    implement(c['snapshots.destroy'], async (ctx, i) => {
      const first = await requireSnapshot(ctx, i.name);
      const all = await listSnapshots(ctx, first.dataset);
      let victims = [first];
      if (i.through) {
        const from = all.findIndex((s) => s.name === i.name);
        const to = all.findIndex((s) => s.snapshot === i.through);
        if (to < 0) throw new NotFound(`snapshot ${first.dataset}@${i.through} does not exist`);
        if (to < from) throw new Conflict(`${i.through} is older than ${first.snapshot}: give the range oldest first`);
        victims = all.slice(from, to + 1);
      }
      const held = victims.filter((s) => s.holds > 0);
      if (held.length) throw new Conflict(`held snapshots cannot be destroyed: ${held.map((s) => s.name).join(', ')}; release their holds first`);
      await zfs(ctx).destroySnapshot(i.through ? `${i.name}%${i.through}` : i.name, { recursive: i.recursive });
      return { destroyed: victims.map((s) => s.name) };
    }),
  );
  registry.add(
    implement(c['snapshots.rollback'], async (ctx, i) => {
      const snap = await requireSnapshot(ctx, i.name);
      const all = await listSnapshots(ctx, snap.dataset);
      const newer = all.slice(all.findIndex((s) => s.name === i.name) + 1);
      if (newer.length && !i.destroyNewer) {
        throw new Conflict(
          `${newer.length} newer snapshot(s) exist (${newer
            .slice(0, 5)
            .map((s) => s.snapshot)
            .join(', ')}${newer.length > 5 ? ', ...' : ''}); rolling back destroys them: set destroyNewer`,
        );
      }
      const held = newer.filter((s) => s.holds > 0);
      if (held.length) throw new Conflict(`newer snapshots are held: ${held.map((s) => s.name).join(', ')}`);
      await zfs(ctx).rollback(i.name, { destroyNewer: i.destroyNewer });
      return { rolledBackTo: i.name, destroyed: newer.map((s) => s.name) };
    }),
  );
  registry.add(
    implement(c['snapshots.clone'], async (ctx, i) => {
      await requireSnapshot(ctx, i.name);
      if (i.target.split('/')[0] !== i.name.split('/')[0]) throw new Conflict('a clone must be in the same pool as its snapshot');
      await zfs(ctx).clone(i.name, i.target, toZfsProperties(i.properties));
      const ds = await datasetDetail(ctx, i.target);
      return { name: ds.name, origin: ds.origin ?? i.name, mountpoint: ds.mountpoint };
    }),
  );
  registry.add(
    implement(c['snapshots.holds'], async (ctx, i) => {
      await requireSnapshot(ctx, i.name);
      const items = (await zfs(ctx).holds(i.name)).map((h) => ({ tag: h.tag, placedAt: toIsoTime(h.timestamp) }));
      return { items, total: items.length };
    }),
  );
  for (const verb of ['hold', 'release'] as const) {
    registry.add(
      implement(c[`snapshots.${verb}`], async (ctx, i) => {
        await requireSnapshot(ctx, i.name);
        const tags = (await zfs(ctx).holds(i.name)).map((h) => h.tag);
        if (verb === 'hold' && tags.includes(i.tag)) throw new Conflict(`${i.name} already has a hold ${i.tag}`);
        if (verb === 'release' && !tags.includes(i.tag)) throw new NotFound(`${i.name} has no hold ${i.tag}`);
        await zfs(ctx)[verb](i.tag, i.name, { recursive: i.recursive });
        return requireSnapshot(ctx, i.name);
      }),
    );
  }
}
