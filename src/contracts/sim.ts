/**
 * Control of the simulated appliance, for demos and tests: fault and heal disks, fill pools,
 * reset and seed. These operations exist only when the host is simulated; all need sim.control.
 */
import { z } from 'zod';
import { contractSet, defineContract, definePermissions } from './core.js';
import { datasetName, diskName, poolName } from './storage.js';
import { serviceUnit } from './appliance.js';

export const simPermissions = definePermissions([
  { name: 'sim.control', description: 'Fault and heal simulated disks, fill pools, reset and seed the simulated appliance', level: 'admin' },
]);

const ok = z.object({ ok: z.literal(true).describe('Done') });

export const simSeedResultSchema = z.object({ datasets: z.number().describe('Datasets added'), snapshots: z.number().describe('Snapshots added') });
export type SimSeedResult = z.infer<typeof simSeedResultSchema>;

const simTapeLibrary = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a simulated library: msl, mhvtl-10... or its serial')
  .describe('Simulated library (msl, mhvtl-<id>, or its serial), e.g. msl');

const common = { permission: 'sim.control', mutating: true, onlyOnHost: 'sim' as const };

export const simContracts = contractSet([
  defineContract({
    ...common,
    name: 'sim.faultDisk',
    summary: 'Make a simulated disk fail',
    input: z.object({
      disk: diskName,
      mode: z.enum(['faulted', 'removed']).default('faulted').describe('faulted: too many errors; removed: the disk vanished'),
    }),
    output: ok,
    target: (i) => i.disk,
    http: { method: 'POST', path: '/sim/fault-disk' },
  }),
  defineContract({
    ...common,
    name: 'sim.healDisk',
    summary: 'Bring a simulated disk back (it resilvers)',
    input: z.object({ disk: diskName }),
    output: ok,
    target: (i) => i.disk,
    http: { method: 'POST', path: '/sim/heal-disk' },
  }),
  defineContract({
    ...common,
    name: 'sim.fill',
    summary: 'Fill a simulated pool to a percentage',
    input: z.object({ pool: poolName, percent: z.number().min(0).max(99).describe('Target allocation percent') }),
    output: ok,
    target: (i) => i.pool,
    http: { method: 'POST', path: '/sim/fill' },
  }),
  defineContract({
    ...common,
    name: 'sim.failService',
    summary: 'Make a simulated service fail (it stays down until repaired and started)',
    input: z.object({ unit: serviceUnit }),
    output: ok,
    target: (i) => i.unit,
    http: { method: 'POST', path: '/sim/fail-service' },
  }),
  defineContract({
    ...common,
    name: 'sim.repairService',
    summary: 'Repair a simulated service (start it again to bring it back)',
    input: z.object({ unit: serviceUnit }),
    output: ok,
    target: (i) => i.unit,
    http: { method: 'POST', path: '/sim/repair-service' },
  }),
  defineContract({
    ...common,
    name: 'sim.reset',
    summary: 'Reset the simulated appliance to its default model',
    input: z.object({}),
    output: ok,
    http: { method: 'POST', path: '/sim/reset' },
  }),
  defineContract({
    ...common,
    name: 'sim.seed',
    summary: 'Add many datasets and snapshots (scale tests, demos)',
    input: z.object({
      datasets: z.number().int().min(0).max(100_000).default(0).describe('Filesystems to add'),
      snapshots: z.number().int().min(0).max(1_000_000).default(0).describe('Snapshots to spread over them'),
      parent: datasetName.default('tank/seed').describe('Where the datasets go'),
    }),
    output: simSeedResultSchema,
    http: { method: 'POST', path: '/sim/seed' },
  }),
  defineContract({
    ...common,
    name: 'sim.tapeFault',
    summary: 'Make a simulated tape library misbehave (drive hardware error, stuck slot, cleaning request) or clear its faults',
    input: z.object({
      library: simTapeLibrary,
      kind: z.enum(['drive-error', 'stuck-slot', 'needs-cleaning', 'clear']).describe('The fault'),
      drive: z.number().int().min(0).max(255).default(0).describe('Drive element (drive-error, needs-cleaning)'),
      slot: z.number().int().min(1).max(10000).default(1).describe('Slot (stuck-slot)'),
    }),
    output: ok,
    target: (i) => i.library,
    http: { method: 'POST', path: '/sim/tape-fault' },
  }),
  defineContract({
    ...common,
    name: 'sim.tapeMailSlot',
    summary: 'Put a cartridge into a mail slot of a simulated library (as an operator at the library would)',
    input: z.object({
      library: simTapeLibrary,
      barcode: z
        .string()
        .max(16)
        .regex(/^[A-Z0-9]{1,16}$/, '1 to 16 upper-case letters and digits')
        .describe('Barcode, e.g. N00001L9'),
    }),
    output: ok,
    target: (i) => i.library,
    http: { method: 'POST', path: '/sim/tape-mail-slot' },
  }),
]);
