/** Snapshots (the snapshot half of SRS-07): create, list, destroy (ranges too), hold, rollback, clone. */
import { z } from 'zod';
import { contractSet, defineContract, definePermissions } from './core.js';
import { cursorListOf, cursorShape, listOf, listShape } from './list.js';
import { anyDatasetName, datasetName, datasetProperties, snapshotName, snapshotShortName } from './storage.js';
import { isoTime } from './time.js';

export const snapshotPermissions = definePermissions([
  { name: 'snapshots.read', description: 'See snapshots and holds', level: 'read' },
  { name: 'snapshots.write', description: 'Take snapshots, hold and release them', level: 'operate' },
  { name: 'snapshots.destroy', description: 'Destroy snapshots and roll datasets back', level: 'admin' },
]);

export const snapshotSchema = z.object({
  name: z.string().describe('Full name dataset@snapshot'),
  dataset: z.string().describe('Dataset or zvol'),
  snapshot: z.string().describe("The part after '@'"),
  usedBytes: z.number().nullable().describe('Space only this snapshot holds'),
  referencedBytes: z.number().nullable().describe('Data it refers to'),
  createdAt: isoTime().nullable().describe('Creation time (ISO-8601)'),
  holds: z.number().describe('Number of user holds'),
});
export type Snapshot = z.infer<typeof snapshotSchema>;

export const snapshotHoldSchema = z.object({
  tag: z.string().describe('Hold tag'),
  placedAt: isoTime().nullable().describe('When it was placed (ISO-8601; null if the tool printed no readable time)'),
});
export type SnapshotHold = z.infer<typeof snapshotHoldSchema>;

const tag = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_.:-]+$/, "letters, digits, '_', '.', ':' and '-'")
  .refine((s) => !s.startsWith('-'), "may not start with '-'")
  .describe('Hold tag');

/** Hold and release: the same input, the snapshot as it is afterwards. */
const holdContract = <const V extends 'hold' | 'release'>(verb: V, summary: string) =>
  defineContract({
    name: `snapshots.${verb}` as `snapshots.${V}`,
    summary,
    permission: 'snapshots.write',
    mutating: true,
    input: z.object({ name: snapshotName, tag, recursive: z.boolean().default(false).describe('Also the same-named snapshots of children') }),
    output: snapshotSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: `/snapshots/:name/${verb}` },
  });

export const snapshotContracts = contractSet([
  defineContract({
    name: 'snapshots.list',
    summary: 'List snapshots',
    permission: 'snapshots.read',
    mutating: false,
    input: z.object({
      ...listShape,
      dataset: anyDatasetName.optional().describe("Only this dataset's snapshots"),
      recursive: z.enum(['true', 'false']).default('false').describe("true: also its children's snapshots"),
      search: z.string().max(255).optional().describe('Part of the snapshot name'),
      ...cursorShape,
    }),
    output: cursorListOf(snapshotSchema),
    http: { method: 'GET', path: '/snapshots' },
  }),
  defineContract({
    name: 'snapshots.create',
    summary: 'Take a snapshot',
    permission: 'snapshots.write',
    mutating: true,
    input: z.object({
      dataset: anyDatasetName,
      name: snapshotShortName,
      recursive: z.boolean().default(false).describe('Also snapshot every child, atomically'),
    }),
    output: snapshotSchema,
    target: (i) => `${i.dataset}@${i.name}`,
    http: { method: 'POST', path: '/snapshots' },
  }),
  defineContract({
    name: 'snapshots.destroy',
    summary: 'Destroy a snapshot, or a range of snapshots',
    permission: 'snapshots.destroy',
    mutating: true,
    dangerous: true,
    input: z.object({
      name: snapshotName,
      through: snapshotShortName.optional().describe('Destroy the range from `name` through this later snapshot of the same dataset (zfs destroy ds@a%b)'),
      recursive: z.boolean().default(false).describe('Also the same-named snapshots of children'),
    }),
    output: z.object({ destroyed: z.array(z.string()).describe('Snapshots destroyed') }),
    target: (i) => (i.through ? `${i.name}%${i.through}` : i.name),
    http: { method: 'DELETE', path: '/snapshots/:name' },
  }),
  defineContract({
    name: 'snapshots.rollback',
    summary: 'Roll a dataset back to a snapshot',
    permission: 'snapshots.destroy',
    mutating: true,
    dangerous: true,
    input: z.object({
      name: snapshotName,
      destroyNewer: z.boolean().default(false).describe('Destroy the snapshots taken after this one (zfs rollback -r); required when there are any'),
    }),
    output: z.object({ rolledBackTo: z.string().describe('The snapshot'), destroyed: z.array(z.string()).describe('Newer snapshots destroyed') }),
    target: (i) => i.name,
    http: { method: 'POST', path: '/snapshots/:name/rollback' },
  }),
  defineContract({
    name: 'snapshots.clone',
    summary: 'Clone a snapshot into a new dataset',
    permission: 'storage.write',
    mutating: true,
    input: z.object({ name: snapshotName, target: datasetName.describe('The new dataset'), properties: datasetProperties.default({}) }),
    output: z.object({
      name: z.string().describe('The clone'),
      origin: z.string().describe('The snapshot it came from'),
      mountpoint: z.string().nullable().describe('Where it is mounted'),
    }),
    target: (i) => i.target,
    http: { method: 'POST', path: '/snapshots/:name/clone' },
  }),
  defineContract({
    name: 'snapshots.holds',
    summary: 'List the holds on a snapshot',
    permission: 'snapshots.read',
    mutating: false,
    input: z.object({ name: snapshotName }),
    output: listOf(snapshotHoldSchema),
    http: { method: 'GET', path: '/snapshots/:name/holds' },
  }),
  holdContract('hold', 'Hold a snapshot (it cannot be destroyed while held)'),
  holdContract('release', 'Release a hold'),
]);
