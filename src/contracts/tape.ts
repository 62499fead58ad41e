/**
 * Tape libraries and virtual tape libraries (issue 12): discovery, changer operations (load,
 * unload, transfer, import, export, inventory) as jobs serialized per changer, the media
 * inventory with pools, vaulting, cleaning and damaged/retired marking, and mhvtl libraries
 * managed end to end. Reading is tape.read; moving cartridges is tape.operate; virtual libraries,
 * marking media and pool changes are tape.admin.
 */
import { z } from 'zod';
import { contractSet, defineContract, definePermissions } from './core.js';
import { driftContracts } from './drift.js';
import { jobSchema } from './jobs.js';
import { listOf, listShape, noInput } from './list.js';
import { datasetName } from './storage.js';
import { isoTime } from './time.js';
import { BARCODE, LTO_GENERATIONS, POOL_NAME, VAULT_NAME, VTL_NAME } from '../vocabulary/tape.js';

export const tapePermissions = definePermissions([
  { name: 'tape.read', description: 'See tape libraries, drives, slots, media, pools and virtual libraries', level: 'read' },
  { name: 'tape.operate', description: 'Move cartridges: load, unload, transfer, import, export, inventory, clean, vault moves', level: 'operate' },
  { name: 'tape.admin', description: 'Create, change and delete virtual libraries; mark media damaged or retired; media pools', level: 'admin' },
]);

const ok = z.object({ ok: z.literal(true).describe('Done') });

/** A library is named by its changer's serial number: stable across reboots, unlike /dev/sgN. */
export const libraryKey = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, "the library's serial number: letters, digits, '_', '.', ':' or '-'")
  .describe("The library: its changer's serial number (tape.libraries.list), e.g. DEC1234567");
export const barcode = z.string().max(16).regex(BARCODE, '1 to 16 upper-case letters and digits').describe('Barcode (volume tag), e.g. E01001L8');
const slotNumber = (what: string) => z.coerce.number().int().min(1).max(10000).describe(what);
const driveNumber = z.coerce.number().int().min(0).max(255).describe('Drive element (mtx counts drives from 0)');
export const poolName = z.string().max(32).regex(POOL_NAME, "a pool name: letters, digits, '_', '.', '-' (up to 32)").describe('Media pool, e.g. weekly');
const vaultName = z
  .string()
  .max(64)
  .regex(VAULT_NAME, "a vault location: letters, digits, space, '_', '.', '-' (up to 64)")
  .describe('Vault location, e.g. Offsite-A');

export const MEDIA_STATES = ['writable', 'full', 'damaged', 'retired', 'cleaning'] as const;
export const LOCATION_KINDS = ['slot', 'drive', 'mailslot', 'vault', 'unknown'] as const;

export const tapeAlertSchema = z.object({ code: z.number().describe('TapeAlert parameter code (1-64)'), name: z.string().describe('Flag name') });

export const tapeDriveSchema = z.object({
  element: z.number().nullable().describe('Drive element number in the changer (from 0), or null when not known'),
  mapping: z.enum(['device.conf', 'address-order', 'confirmed', 'none']).describe('How Calypso knows which drive is at this element'),
  device: z.string().nullable().describe('Non-rewinding tape node (/dev/nstN)'),
  genericDevice: z.string().describe('SCSI generic node (/dev/sgN)'),
  stablePath: z.string().nullable().describe('/dev/tape/by-id name'),
  vendor: z.string().describe('Vendor'),
  model: z.string().describe('Model'),
  serial: z.string().nullable().describe('Serial number'),
  full: z.boolean().describe('A cartridge is in the drive'),
  barcode: z.string().nullable().describe('Its barcode'),
  sourceSlot: z.number().nullable().describe('The slot it came from, or null'),
  status: z.array(z.string()).describe('mt status bits (BOT, ONLINE, DR_OPEN, WR_PROT...)'),
  tapeAlerts: z.array(tapeAlertSchema).describe('TapeAlert flags set'),
  needsCleaning: z.boolean().describe('The drive asks for cleaning (TapeAlert 20 or 21)'),
  problem: z.string().nullable().describe('Why a reading is missing (a tool failed), or null'),
});

export const tapeSlotSchema = z.object({
  index: z.number().describe('Storage element number (from 1; mail slots included)'),
  full: z.boolean().describe('Holds a cartridge'),
  barcode: z.string().nullable().describe('Barcode, or null (empty, or a cartridge without a label)'),
  alternateBarcode: z.string().nullable().describe('Alternate volume tag, when the library reports one'),
  mailSlot: z.boolean().describe('An import/export element'),
  cleaning: z.boolean().describe('A cleaning cartridge (barcode starts with CLN)'),
  pool: z.string().nullable().describe('Media pool of the cartridge'),
  state: z.enum(MEDIA_STATES).nullable().describe('State of the cartridge in the media inventory'),
});

export const tapeLibrarySchema = z.object({
  serial: z.string().describe("Changer serial number: the library's key"),
  name: z.string().describe('Display name (vendor model, or the virtual library name)'),
  vendor: z.string().describe('Vendor'),
  model: z.string().describe('Model'),
  device: z.string().describe('Changer generic node (/dev/sgN)'),
  stablePath: z.string().nullable().describe('/dev/tape/by-id name'),
  virtual: z.boolean().describe('A virtual library of mhvtl'),
  mhvtlId: z.number().nullable().describe("mhvtl's library number"),
  drives: z.number().describe('Drives'),
  slots: z.number().describe('Storage slots (mail slots not counted)'),
  mailSlots: z.number().describe('Import/export slots'),
  full: z.number().describe('Slots holding a cartridge'),
  state: z.enum(['online', 'busy', 'offline']).describe('online; busy: a changer job is running; offline: mtx status failed'),
  busyWith: z.string().nullable().describe('The running job, when busy'),
  problem: z.string().nullable().describe('Why offline'),
});

export const tapeLibraryDetailSchema = tapeLibrarySchema.extend({
  driveList: z.array(tapeDriveSchema).describe('Drives, in element order'),
  slotList: z.array(tapeSlotSchema).describe('Slots and mail slots, in element order'),
});

export const mediaSchema = z.object({
  barcode: z.string().describe('Barcode'),
  mediaType: z.string().nullable().describe('Media type from the barcode suffix (L6, L7, L8, L9, CU...)'),
  generation: z.enum(LTO_GENERATIONS).nullable().describe('LTO generation of a data cartridge'),
  virtual: z.boolean().describe('A cartridge of a virtual library'),
  locationKind: z.enum(LOCATION_KINDS).describe('Where it is'),
  library: z.string().nullable().describe('Library serial, when in a library'),
  libraryName: z.string().nullable().describe('Library display name'),
  slot: z.number().nullable().describe('Slot (or mail slot) number'),
  drive: z.number().nullable().describe('Drive element'),
  vault: z.string().nullable().describe('Vault location, when offsite'),
  pool: z.string().nullable().describe('Media pool'),
  state: z.enum(MEDIA_STATES).describe('writable, full, damaged, retired, or cleaning (a cleaning cartridge)'),
  cleaningUsesLeft: z.number().nullable().describe('Cleaning loads left (cleaning cartridges)'),
  cleaningUses: z.number().describe('Times it cleaned a drive'),
  lastSeenAt: isoTime().describe('When Calypso last saw it'),
  lastWrittenAt: isoTime().nullable().describe('When it was last written'),
  retainUntilAt: isoTime().nullable().describe('Its data must be kept until then'),
});
export type Media = z.infer<typeof mediaSchema>;

export const ALLOCATION_POLICIES = ['oldest-first', 'fill-first', 'round-robin'] as const;
export const mediaPoolSchema = z.object({
  name: z.string().describe('Pool name'),
  description: z.string().describe('What it is for'),
  retentionSeconds: z.number().describe('How long data written to its cartridges is kept'),
  allocation: z.enum(ALLOCATION_POLICIES).describe('Which writable cartridge is used next'),
  lowWritable: z.number().describe('Alert when fewer writable cartridges than this are left'),
  media: z.number().describe('Cartridges in the pool'),
  writable: z.number().describe('Writable cartridges in the pool'),
});

const poolInput = {
  description: z.string().max(200).default('').describe('What it is for'),
  retentionSeconds: z
    .number()
    .int()
    .min(0)
    .max(100 * 365 * 86400)
    .default(30 * 86400)
    .describe('How long data written to its cartridges is kept (seconds)'),
  allocation: z.enum(ALLOCATION_POLICIES).default('oldest-first').describe('Which writable cartridge is used next'),
  lowWritable: z.number().int().min(0).max(10000).default(2).describe('Alert when fewer writable cartridges than this are left'),
};

export const VTL_EMULATION_NAMES = ['STK L700', 'IBM 03584L32', 'HP MSL'] as const;

const vtlShape = {
  emulation: z.enum(VTL_EMULATION_NAMES).describe('Library vendor/model emulated'),
  driveCount: z.number().int().min(1).max(16).describe('Number of drives'),
  driveGeneration: z.enum(LTO_GENERATIONS).describe('Drive model: LTO-5 to LTO-9'),
  slots: z.number().int().min(1).max(1000).describe('Storage slots'),
  mailSlots: z.number().int().min(0).max(32).describe('Import/export slots (MAP)'),
  barcodePrefix: z
    .string()
    .max(4)
    .regex(/^[A-Z0-9]{1,4}$/, '1 to 4 upper-case letters or digits')
    .describe('Barcode prefix, e.g. V: cartridges are PREFIX + number + media suffix (V00001L8)'),
  barcodeStart: z.number().int().min(0).max(99999).default(1).describe('First cartridge number'),
  cartridges: z.number().int().min(0).max(1000).describe('Data cartridges to create (in the first slots)'),
  cleaningCartridges: z.number().int().min(0).max(4).default(1).describe('Cleaning cartridges (in the last slots)'),
  capacityBytes: z
    .number()
    .int()
    .min(1024 ** 3)
    .max(18 * 1000 ** 4)
    .nullable()
    .default(null)
    .describe('Cartridge capacity (null: the native capacity of the generation)'),
  compression: z.boolean().default(true).describe('Drives compress'),
  backingDataset: datasetName.describe('Dataset whose mountpoint holds the cartridges (e.g. tank/vtl)'),
};

export const vtlSchema = z.object({
  name: z.string().describe('Virtual library name'),
  libraryId: z.number().describe("mhvtl's library number"),
  emulation: z.enum(VTL_EMULATION_NAMES).describe('Emulated vendor/model'),
  driveCount: z.number().describe('Drives'),
  driveGeneration: z.enum(LTO_GENERATIONS).describe('Drive generation'),
  slots: z.number().describe('Storage slots'),
  mailSlots: z.number().describe('Mail slots'),
  barcodePrefix: z.string().describe('Barcode prefix'),
  barcodeStart: z.number().describe('First cartridge number'),
  cartridges: z.number().describe('Data cartridges'),
  cleaningCartridges: z.number().describe('Cleaning cartridges'),
  capacityBytes: z.number().describe('Cartridge capacity'),
  compression: z.boolean().describe('Drives compress'),
  backingDataset: z.string().describe('Dataset holding the cartridges'),
  homeDirectory: z.string().describe('Directory the cartridges live in'),
  serial: z.string().describe("The changer's serial number (its key in tape.libraries)"),
  createdAt: isoTime().describe('Created'),
  updatedAt: isoTime().describe('Last changed'),
});

const vtlNameKey = z
  .string()
  .max(32)
  .regex(VTL_NAME, "a name: letters, digits, '_', '.', '-' (up to 32), starting with a letter or digit")
  .describe('Virtual library name, e.g. vtl1');

const jobOut = z.object({ job: jobSchema.describe('The job doing it: follow it with jobs.get or the event stream') });
const opCommon = { permission: 'tape.operate', mutating: true } as const;

export const tapeContracts = contractSet([
  defineContract({
    name: 'tape.libraries.list',
    summary: 'Tape libraries (physical and virtual) found on the appliance',
    permission: 'tape.read',
    mutating: false,
    input: z.object({ ...listShape }),
    output: listOf(tapeLibrarySchema),
    http: { method: 'GET', path: '/tape/libraries' },
  }),
  defineContract({
    name: 'tape.libraries.get',
    summary: 'One library: drives (cartridge, status, TapeAlert), slots and mail slots',
    permission: 'tape.read',
    mutating: false,
    input: z.object({ library: libraryKey }),
    output: tapeLibraryDetailSchema,
    http: { method: 'GET', path: '/tape/libraries/:library' },
  }),
  defineContract({
    ...opCommon,
    name: 'tape.load',
    summary: 'Load a cartridge from a slot into a drive',
    input: z.object({ library: libraryKey, slot: slotNumber('Slot to take the cartridge from'), drive: driveNumber }),
    output: jobOut,
    target: (i) => `${i.library} slot ${i.slot} -> drive ${i.drive}`,
    http: { method: 'POST', path: '/tape/libraries/:library/load' },
  }),
  defineContract({
    ...opCommon,
    name: 'tape.unload',
    summary: 'Unload a drive into the slot its cartridge came from (or another)',
    input: z.object({
      library: libraryKey,
      drive: driveNumber,
      slot: slotNumber('Slot to put it in (default: where it came from)').optional(),
    }),
    output: jobOut,
    target: (i) => `${i.library} drive ${i.drive}`,
    http: { method: 'POST', path: '/tape/libraries/:library/unload' },
  }),
  defineContract({
    ...opCommon,
    name: 'tape.transfer',
    summary: 'Move a cartridge from one slot to another',
    input: z.object({ library: libraryKey, from: slotNumber('Slot to take it from'), to: slotNumber('Slot to put it in') }),
    output: jobOut,
    target: (i) => `${i.library} slot ${i.from} -> ${i.to}`,
    http: { method: 'POST', path: '/tape/libraries/:library/transfer' },
  }),
  defineContract({
    ...opCommon,
    name: 'tape.import',
    summary: 'Take the cartridges in the mail slots into free slots',
    input: z.object({ library: libraryKey, pool: poolName.nullable().default(null).describe('Pool for new cartridges (null: none)') }),
    output: jobOut,
    target: (i) => i.library,
    http: { method: 'POST', path: '/tape/libraries/:library/import' },
  }),
  defineContract({
    ...opCommon,
    name: 'tape.export',
    summary: 'Put cartridges into the mail slots (to take them out)',
    input: z.object({ library: libraryKey, barcodes: z.array(barcode).min(1).max(32).describe('Cartridges to export') }),
    output: jobOut,
    target: (i) => `${i.library}: ${i.barcodes.join(' ')}`,
    http: { method: 'POST', path: '/tape/libraries/:library/export' },
  }),
  defineContract({
    ...opCommon,
    name: 'tape.inventory',
    summary: 'Rescan the barcodes and update the media inventory',
    input: z.object({ library: libraryKey }),
    output: jobOut,
    target: (i) => i.library,
    http: { method: 'POST', path: '/tape/libraries/:library/inventory' },
  }),
  defineContract({
    ...opCommon,
    name: 'tape.clean',
    summary: 'Clean a drive with a cleaning cartridge of the library',
    input: z.object({ library: libraryKey, drive: driveNumber }),
    output: jobOut,
    target: (i) => `${i.library} drive ${i.drive}`,
    http: { method: 'POST', path: '/tape/libraries/:library/clean' },
  }),
  defineContract({
    name: 'tape.media.list',
    summary: 'Every cartridge Calypso has seen, physical and virtual',
    permission: 'tape.read',
    mutating: false,
    input: z.object({
      ...listShape,
      pool: poolName.optional().describe('Only this pool'),
      state: z.enum(MEDIA_STATES).optional().describe('Only this state'),
      location: z.enum(LOCATION_KINDS).optional().describe('Only this kind of location'),
      library: libraryKey.optional().describe('Only in this library'),
    }),
    output: listOf(mediaSchema),
    http: { method: 'GET', path: '/tape/media' },
  }),
  defineContract({
    name: 'tape.media.get',
    summary: 'One cartridge',
    permission: 'tape.read',
    mutating: false,
    input: z.object({ barcode }),
    output: mediaSchema,
    http: { method: 'GET', path: '/tape/media/:barcode' },
  }),
  defineContract({
    name: 'tape.media.update',
    summary: "Change a cartridge's pool",
    permission: 'tape.admin',
    mutating: true,
    input: z.object({ barcode, pool: poolName.nullable().describe('Pool (null: none)') }),
    output: mediaSchema,
    target: (i) => i.barcode,
    http: { method: 'PATCH', path: '/tape/media/:barcode' },
  }),
  defineContract({
    name: 'tape.media.mark',
    summary: 'Mark a cartridge damaged or retired (it is never written again)',
    permission: 'tape.admin',
    mutating: true,
    dangerous: true,
    input: z.object({ barcode, state: z.enum(['damaged', 'retired']).describe('damaged or retired') }),
    output: mediaSchema,
    target: (i) => i.barcode,
    http: { method: 'POST', path: '/tape/media/:barcode/mark' },
  }),
  defineContract({
    ...opCommon,
    name: 'tape.vault.move',
    summary: 'Send cartridges offsite: export them through the mail slots and record the vault',
    input: z.object({ library: libraryKey, barcodes: z.array(barcode).min(1).max(32).describe('Cartridges to send'), vault: vaultName }),
    output: jobOut,
    target: (i) => `${i.barcodes.join(' ')} -> ${i.vault}`,
    http: { method: 'POST', path: '/tape/vault/move' },
  }),
  defineContract({
    ...opCommon,
    name: 'tape.vault.return',
    summary: 'Take back a cartridge returned from the vault (it is in a mail slot)',
    input: z.object({ library: libraryKey, barcode }),
    output: jobOut,
    target: (i) => i.barcode,
    http: { method: 'POST', path: '/tape/vault/return' },
  }),
  defineContract({
    name: 'tape.labels.generate',
    summary: 'Barcodes for a run of labels (prefix, numbers, media suffix), skipping barcodes already known',
    permission: 'tape.read',
    mutating: false,
    input: z.object({
      prefix: z
        .string()
        .max(4)
        .regex(/^[A-Z0-9]{1,4}$/, '1 to 4 upper-case letters or digits')
        .describe('Prefix'),
      start: z.coerce.number().int().min(0).max(99999).describe('First number'),
      count: z.coerce.number().int().min(1).max(500).describe('How many labels'),
      generation: z.enum(LTO_GENERATIONS).describe('Media generation (gives the L5..L9 suffix)'),
    }),
    output: z.object({ barcodes: z.array(z.string()).describe('Barcodes to print'), skipped: z.array(z.string()).describe('Already in the inventory') }),
    http: { method: 'GET', path: '/tape/labels' },
  }),
  defineContract({
    name: 'tape.pools.list',
    summary: 'Media pools',
    permission: 'tape.read',
    mutating: false,
    input: z.object({ ...listShape }),
    output: listOf(mediaPoolSchema),
    http: { method: 'GET', path: '/tape/pools' },
  }),
  defineContract({
    name: 'tape.pools.create',
    summary: 'Create a media pool',
    permission: 'tape.admin',
    mutating: true,
    input: z.object({ name: poolName, ...poolInput }),
    output: mediaPoolSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/tape/pools' },
  }),
  defineContract({
    name: 'tape.pools.update',
    summary: 'Change a media pool',
    permission: 'tape.admin',
    mutating: true,
    input: z.object({
      name: poolName,
      description: poolInput.description.unwrap().optional().describe('What it is for'),
      retentionSeconds: poolInput.retentionSeconds.unwrap().optional().describe('How long data written to its cartridges is kept (seconds)'),
      allocation: poolInput.allocation.unwrap().optional().describe('Which writable cartridge is used next'),
      lowWritable: poolInput.lowWritable.unwrap().optional().describe('Alert when fewer writable cartridges than this are left'),
    }),
    output: mediaPoolSchema,
    target: (i) => i.name,
    http: { method: 'PATCH', path: '/tape/pools/:name' },
  }),
  defineContract({
    name: 'tape.pools.delete',
    summary: 'Delete a media pool (its cartridges keep their data and belong to no pool)',
    permission: 'tape.admin',
    mutating: true,
    dangerous: true,
    input: z.object({ name: poolName }),
    output: ok,
    target: (i) => i.name,
    http: { method: 'DELETE', path: '/tape/pools/:name' },
  }),
  defineContract({
    name: 'vtl.libraries.list',
    summary: 'Virtual tape libraries (mhvtl) Calypso manages',
    permission: 'tape.read',
    mutating: false,
    input: z.object({ ...listShape }),
    output: listOf(vtlSchema),
    http: { method: 'GET', path: '/vtl/libraries' },
  }),
  defineContract({
    name: 'vtl.libraries.get',
    summary: 'One virtual library',
    permission: 'tape.read',
    mutating: false,
    input: z.object({ name: vtlNameKey }),
    output: vtlSchema,
    http: { method: 'GET', path: '/vtl/libraries/:name' },
  }),
  defineContract({
    name: 'vtl.libraries.create',
    summary: 'Create a virtual tape library: device.conf, library_contents, cartridges (mktape), restart mhvtl',
    permission: 'tape.admin',
    mutating: true,
    input: z.object({ name: vtlNameKey, ...vtlShape }),
    output: vtlSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/vtl/libraries' },
  }),
  defineContract({
    name: 'vtl.libraries.update',
    summary: 'Change a virtual library (drives, slots, mail slots, compression; more cartridges)',
    permission: 'tape.admin',
    mutating: true,
    input: z.object({
      name: vtlNameKey,
      driveCount: vtlShape.driveCount.optional(),
      driveGeneration: vtlShape.driveGeneration.optional(),
      slots: vtlShape.slots.optional(),
      mailSlots: vtlShape.mailSlots.optional(),
      cartridges: vtlShape.cartridges.optional(),
      compression: vtlShape.compression.unwrap().optional().describe('Drives compress'),
    }),
    output: vtlSchema,
    target: (i) => i.name,
    http: { method: 'PATCH', path: '/vtl/libraries/:name' },
  }),
  defineContract({
    name: 'vtl.libraries.delete',
    summary: 'Delete a virtual library (its cartridge files stay in the backing directory)',
    permission: 'tape.admin',
    mutating: true,
    dangerous: true,
    input: z.object({ name: vtlNameKey }),
    output: ok,
    target: (i) => i.name,
    http: { method: 'DELETE', path: '/vtl/libraries/:name' },
  }),
  defineContract({
    name: 'vtl.daemons.control',
    summary: "Start, stop or restart mhvtl's daemons",
    permission: 'tape.admin',
    mutating: true,
    input: z.object({ action: z.enum(['start', 'stop', 'restart']).describe('What to do') }),
    output: z.object({ active: z.boolean().describe('mhvtl.target is active now') }),
    target: (i) => `mhvtl ${i.action}`,
    http: { method: 'POST', path: '/vtl/daemons' },
  }),
  defineContract({
    name: 'vtl.daemons.status',
    summary: "Whether mhvtl's daemons run",
    permission: 'tape.read',
    mutating: false,
    input: noInput,
    output: z.object({ active: z.boolean().describe('mhvtl.target is active') }),
    http: { method: 'GET', path: '/vtl/daemons' },
  }),
  ...driftContracts({
    name: 'vtl.drift',
    path: '/vtl/drift',
    readPermission: 'tape.read',
    adminPermission: 'tape.admin',
    summary: "Compare mhvtl's device.conf and library_contents files with what Calypso would write",
    resolveSummary: 'Repair VTL drift: overwrite the hand-edited files with what Calypso says (adopt is refused: device.conf is rendered from Calypso)',
    actionDescription: 'overwrite: write what the database says and restart mhvtl; adopt is not supported for mhvtl',
    ignoredDescription: 'Nothing is adopted for mhvtl',
  }),
]);
