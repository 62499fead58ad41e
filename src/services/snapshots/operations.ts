/** Snapshots (the snapshot half of SRS-07): create, list, destroy (ranges too), hold, rollback, clone. */
import { z } from 'zod';
import type { Ctx } from '../core/context.js';
import { Conflict, NotFound } from '../core/errors.js';
import { listOf, listShape, mapOncePerListing, page } from '../../contracts/list.js';
import { defineOperation, definePermissions, type Registry } from '../core/registry.js';
import { anyDatasetName, datasetName, datasetProperties, snapshotName, snapshotShortName, toZfsProperties } from '../storage/schemas.js';
import { datasetDetail, zfs } from '../storage/operations.js';
import type { DatasetListEntry } from '../../system/zfs/index.js';
import { isoTime, toIsoTime } from '../../contracts/time.js';

export const snapshotPermissions = definePermissions([
  { name: 'snapshots.read', description: 'See snapshots and holds', level: 'read' },
  { name: 'snapshots.write', description: 'Take snapshots, hold and release them', level: 'operate' },
  { name: 'snapshots.destroy', description: 'Destroy snapshots and roll datasets back', level: 'admin' },
]);

const snapshotSchema = z.object({
  name: z.string().describe('Full name dataset@snapshot'),
  dataset: z.string().describe('Dataset or zvol'),
  snapshot: z.string().describe("The part after '@'"),
  usedBytes: z.number().nullable().describe('Space only this snapshot holds'),
  referencedBytes: z.number().nullable().describe('Data it refers to'),
  createdAt: isoTime().nullable().describe('Creation time (ISO-8601)'),
  holds: z.number().describe('Number of user holds'),
});
type Snapshot = z.infer<typeof snapshotSchema>;

const tag = z.string().min(1).max(200).regex(/^[A-Za-z0-9_.:-]+$/, "letters, digits, '_', '.', ':' and '-'").refine((s) => !s.startsWith('-'), "may not start with '-'").describe('Hold tag');

async function listSnapshots(ctx: Ctx, dataset?: string, recursive = false): Promise<Snapshot[]> {
  return toSnapshots(await zfs(ctx).listSnapshots({ dataset, recursive }));
}

function toSnapshot(r: DatasetListEntry): Snapshot {
  const [ds, snap] = r.name.split('@');
  const creation = Number(r.raw.creation);
  return {
    name: r.name, dataset: ds, snapshot: snap, usedBytes: r.used, referencedBytes: r.referenced,
    createdAt: Number.isFinite(creation) && creation > 0 ? new Date(creation * 1000).toISOString() : null,
    holds: Number(r.raw.userrefs) || 0,
  };
}

const toSnapshots = mapOncePerListing(toSnapshot);

async function requireSnapshot(ctx: Ctx, name: string): Promise<Snapshot> {
  const [dataset] = name.split('@');
  const snaps = await listSnapshots(ctx, dataset).catch(() => [] as Snapshot[]);
  const snap = snaps.find((s) => s.name === name);
  if (!snap) throw new NotFound(`snapshot ${name} does not exist`);
  return snap;
}

export function registerSnapshots(registry: Registry): void {
  registry.addPermissions(snapshotPermissions);

  registry.add(defineOperation({
    name: 'snapshots.list', summary: 'List snapshots', permission: 'snapshots.read', mutating: false,
    input: z.object({
      ...listShape,
      dataset: anyDatasetName.optional().describe("Only this dataset's snapshots"),
      recursive: z.enum(['true', 'false']).default('false').describe("true: also its children's snapshots"),
      search: z.string().max(255).optional().describe('Part of the snapshot name'),
    }),
    output: listOf(snapshotSchema),
    http: { method: 'GET', path: '/snapshots' },
    handler: async (ctx, i) => {
      if (i.dataset) await datasetDetail(ctx, i.dataset);
      let snaps = await listSnapshots(ctx, i.dataset, i.recursive === 'true');
      if (i.search) snaps = snaps.filter((s) => s.name.includes(i.search!));
      return page(snaps, i);
    },
  }));
  registry.add(defineOperation({
    name: 'snapshots.create', summary: 'Take a snapshot', permission: 'snapshots.write', mutating: true,
    input: z.object({ dataset: anyDatasetName, name: snapshotShortName, recursive: z.boolean().default(false).describe('Also snapshot every child, atomically') }),
    output: snapshotSchema, target: (i) => `${i.dataset}@${i.name}`,
    http: { method: 'POST', path: '/snapshots' },
    handler: async (ctx, i) => {
      await datasetDetail(ctx, i.dataset);
      const full = `${i.dataset}@${i.name}`;
      if ((await listSnapshots(ctx, i.dataset)).some((s) => s.name === full)) throw new Conflict(`snapshot ${full} already exists`);
      await zfs(ctx).snapshot(full, { recursive: i.recursive });
      return requireSnapshot(ctx, full);
    },
  }));
  registry.add(defineOperation({
    name: 'snapshots.destroy', summary: 'Destroy a snapshot, or a range of snapshots', permission: 'snapshots.destroy', mutating: true, dangerous: true,
    input: z.object({
      name: snapshotName,
      through: snapshotShortName.optional().describe("Destroy the range from `name` through this later snapshot of the same dataset (zfs destroy ds@a%b)"),
      recursive: z.boolean().default(false).describe("Also the same-named snapshots of children"),
    }),
    output: z.object({ destroyed: z.array(z.string()).describe('Snapshots destroyed') }),
    target: (i) => (i.through ? `${i.name}%${i.through}` : i.name),
    http: { method: 'DELETE', path: '/snapshots/:name' },
    handler: async (ctx, i) => {
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
    },
  }));
  registry.add(defineOperation({
    name: 'snapshots.rollback', summary: 'Roll a dataset back to a snapshot', permission: 'snapshots.destroy', mutating: true, dangerous: true,
    input: z.object({ name: snapshotName, destroyNewer: z.boolean().default(false).describe('Destroy the snapshots taken after this one (zfs rollback -r); required when there are any') }),
    output: z.object({ rolledBackTo: z.string().describe('The snapshot'), destroyed: z.array(z.string()).describe('Newer snapshots destroyed') }),
    target: (i) => i.name,
    http: { method: 'POST', path: '/snapshots/:name/rollback' },
    handler: async (ctx, i) => {
      const snap = await requireSnapshot(ctx, i.name);
      const all = await listSnapshots(ctx, snap.dataset);
      const newer = all.slice(all.findIndex((s) => s.name === i.name) + 1);
      if (newer.length && !i.destroyNewer) {
        throw new Conflict(`${newer.length} newer snapshot(s) exist (${newer.slice(0, 5).map((s) => s.snapshot).join(', ')}${newer.length > 5 ? ', ...' : ''}); rolling back destroys them: set destroyNewer`);
      }
      const held = newer.filter((s) => s.holds > 0);
      if (held.length) throw new Conflict(`newer snapshots are held: ${held.map((s) => s.name).join(', ')}`);
      await zfs(ctx).rollback(i.name, { destroyNewer: i.destroyNewer });
      return { rolledBackTo: i.name, destroyed: newer.map((s) => s.name) };
    },
  }));
  registry.add(defineOperation({
    name: 'snapshots.clone', summary: 'Clone a snapshot into a new dataset', permission: 'storage.write', mutating: true,
    input: z.object({ name: snapshotName, target: datasetName.describe('The new dataset'), properties: datasetProperties.default({}) }),
    output: z.object({ name: z.string().describe('The clone'), origin: z.string().describe('The snapshot it came from'), mountpoint: z.string().nullable().describe('Where it is mounted') }),
    target: (i) => i.target,
    http: { method: 'POST', path: '/snapshots/:name/clone' },
    handler: async (ctx, i) => {
      await requireSnapshot(ctx, i.name);
      if (i.target.split('/')[0] !== i.name.split('/')[0]) throw new Conflict('a clone must be in the same pool as its snapshot');
      await zfs(ctx).clone(i.name, i.target, toZfsProperties(i.properties));
      const ds = await datasetDetail(ctx, i.target);
      return { name: ds.name, origin: ds.origin ?? i.name, mountpoint: ds.mountpoint };
    },
  }));
  registry.add(defineOperation({
    name: 'snapshots.holds', summary: 'List the holds on a snapshot', permission: 'snapshots.read', mutating: false,
    input: z.object({ name: snapshotName }),
    output: listOf(z.object({ tag: z.string().describe('Hold tag'), placedAt: isoTime().nullable().describe('When it was placed (ISO-8601; null if the tool printed no readable time)') })),
    http: { method: 'GET', path: '/snapshots/:name/holds' },
    handler: async (ctx, i) => {
      await requireSnapshot(ctx, i.name);
      const items = (await zfs(ctx).holds(i.name)).map((h) => ({ tag: h.tag, placedAt: toIsoTime(h.timestamp) }));
      return { items, total: items.length };
    },
  }));
  for (const [verb, summary] of [['hold', 'Hold a snapshot (it cannot be destroyed while held)'], ['release', 'Release a hold']] as const) {
    registry.add(defineOperation({
      name: `snapshots.${verb}`, summary, permission: 'snapshots.write', mutating: true,
      input: z.object({ name: snapshotName, tag, recursive: z.boolean().default(false).describe('Also the same-named snapshots of children') }),
      output: snapshotSchema, target: (i) => i.name,
      http: { method: 'POST', path: `/snapshots/:name/${verb}` },
      handler: async (ctx, i) => {
        await requireSnapshot(ctx, i.name);
        const tags = (await zfs(ctx).holds(i.name)).map((h) => h.tag);
        if (verb === 'hold' && tags.includes(i.tag)) throw new Conflict(`${i.name} already has a hold ${i.tag}`);
        if (verb === 'release' && !tags.includes(i.tag)) throw new NotFound(`${i.name} has no hold ${i.tag}`);
        await zfs(ctx)[verb](i.tag, i.name, { recursive: i.recursive });
        return requireSnapshot(ctx, i.name);
      },
    }));
  }
}
