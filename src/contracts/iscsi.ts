/**
 * iSCSI (SRS-03): targets with portals, initiator groups, CHAP and LUNs on zvols, files or whole
 * disks; the backend settings (scst or tgt), sessions and configuration drift. Reading is
 * iscsi.read; targets and LUNs need iscsi.write; settings and drift repair need iscsi.admin;
 * whole disks need iscsi.disks (checked by the handler when a LUN is put on one).
 * CHAP secrets go in, never out: outputs say only whether one is set.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { contractSet, defineContract, definePermissions } from './core.js';
import { driftContracts } from './drift.js';
import { listOf, listShape, noInput } from './list.js';
import { absolutePath } from './share-schemas.js';
import { isoTime } from './time.js';
import { BACKING_PATH, CHAP_SECRET, CHAP_USER, ISCSI_ALIAS, SCST_NAME, iscsiNameProblem } from '../vocabulary/iscsi.js';

/** Exporting whole disks: a LUN on one hands every block of the disk to an initiator. */
export const ISCSI_DISKS_PERMISSION = 'iscsi.disks';

export const iscsiPermissions = definePermissions([
  { name: 'iscsi.read', description: 'See iSCSI targets, LUNs, sessions and configuration drift', level: 'read' },
  { name: 'iscsi.write', description: 'Create, change and delete iSCSI targets, initiator groups and LUNs', level: 'operate' },
  { name: 'iscsi.admin', description: 'iSCSI backend settings and drift repair', level: 'admin' },
  { name: ISCSI_DISKS_PERMISSION, description: 'Export whole disks over iSCSI: mark a disk for export, put a LUN on it', level: 'admin' },
]);

const ok = z.object({ ok: z.literal(true).describe('Done') });

// Targets and LUNs: input

const iscsiName = (what: string) =>
  z
    .string()
    .max(223)
    .superRefine((n, c) => {
      const problem = iscsiNameProblem(n);
      if (problem) c.addIssue({ code: 'custom', message: `${what}: ${problem}` });
    });
const chapSchema = z.object({
  user: z.string().max(64).regex(CHAP_USER, "1 to 64 letters, digits, '.', '_', '@', ':' or '-'").describe('CHAP user name'),
  secret: z
    .string()
    .max(16)
    .regex(CHAP_SECRET, '12 to 16 characters: letters, digits and punctuation except quotes, backslash, braces, backtick and space')
    .describe('CHAP secret (12-16 characters); never shown again'),
});
const portalSchema = z.object({
  ip: z
    .string()
    .max(45)
    .refine((ip) => isIP(ip) !== 0, 'an IPv4 or IPv6 address')
    .describe('Address to accept connections on'),
  port: z.number().int().min(1).max(65535).default(3260).describe('TCP port (3260)'),
});
const groupSchema = z.object({
  name: z.string().max(50).regex(SCST_NAME, "letters, digits, '_', '.', '-' (up to 50)").describe('Initiator group name'),
  initiators: z.array(iscsiName('initiator').describe('Initiator IQN')).min(1).max(256).describe('Initiator names (IQN) in the group'),
});

export const LUN_BACKING_TYPES = ['zvol', 'file', 'disk'] as const;

const backingSchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('zvol').describe('A ZFS volume'), zvol: z.string().max(255).describe('The zvol, e.g. tank/vms/vm1') }),
    z.object({
      type: z.literal('file').describe('A file inside a mounted dataset'),
      path: absolutePath(BACKING_PATH, 'letters, digits and . _ @ + - / only').describe('The backing file'),
      sizeBytes: z
        .number()
        .int()
        .min(1024 * 1024)
        .max(Number.MAX_SAFE_INTEGER)
        .optional()
        .describe('Create (sparse) or grow the file to this size; never smaller than an existing file (files are never shortened)'),
    }),
    z.object({
      type: z.literal('disk').describe('A whole disk that no pool uses, marked for export by an Admin (needs iscsi.disks)'),
      path: z
        .string()
        .max(255)
        .regex(/^\/dev\/[A-Za-z0-9._\-/:]+$/, 'a /dev path')
        .refine((p) => !p.includes('..'), "no '..'")
        .describe('e.g. /dev/disk/by-id/wwn-0x5000...; stored by its stable by-id name'),
    }),
  ])
  .describe("What holds the LUN's blocks");
const lunInput = z.object({
  lun: z.number().int().min(0).max(16383).describe('LUN number (tgt reserves 0)'),
  backing: backingSchema,
  group: z.string().max(50).regex(SCST_NAME).nullable().default(null).describe('Initiator group that sees it (null: every initiator allowed on the target)'),
  readOnly: z.boolean().default(false).describe('Read-only LUN'),
  enabled: z.boolean().default(true).describe('Exported'),
});
/** The LUNs of a target, as create, update and adopt check them. */
export const lunsInput = z.array(lunInput).max(256).describe('Logical units');
export type LunInput = z.infer<typeof lunsInput>[number];

/** A whole target, as create and adopt check it. */
export const targetInput = z.object({
  name: iscsiName('target name').describe('Target IQN, e.g. iqn.2005-10.org.calypso:vm-store'),
  alias: z.string().max(64).regex(ISCSI_ALIAS, 'letters, digits, space and . _ : - (up to 64)').default('').describe('Human-readable alias'),
  enabled: z.boolean().default(true).describe('Offered to initiators'),
  portals: z.array(portalSchema).max(32).default([]).describe('Portals (empty: every address)'),
  chap: chapSchema.nullable().default(null).describe('CHAP: initiators must authenticate with this user and secret'),
  mutualChap: chapSchema.nullable().default(null).describe('Mutual CHAP: the target authenticates to initiators too'),
  groups: z.array(groupSchema).max(64).default([]).describe('Initiator groups'),
  luns: lunsInput.default([]),
});

// Targets and LUNs: output

export const iscsiLunSchema = z.object({
  lun: z.number().describe('LUN number'),
  type: z.enum(LUN_BACKING_TYPES).describe('Backing type'),
  path: z.string().describe('Backing device or file'),
  dataset: z.string().nullable().describe('The zvol or the dataset holding the file'),
  group: z.string().nullable().describe('Initiator group, or null for all'),
  readOnly: z.boolean().describe('Read only'),
  enabled: z.boolean().describe('Exported'),
});
export type IscsiLun = z.infer<typeof iscsiLunSchema>;

export const iscsiTargetSchema = z.object({
  name: z.string().describe('Target IQN'),
  alias: z.string().describe('Alias'),
  enabled: z.boolean().describe('Offered to initiators'),
  portals: z.array(z.object({ ip: z.string().describe('Address'), port: z.number().describe('Port') })).describe('Portals (empty: every address)'),
  chap: z
    .object({ user: z.string().describe('CHAP user'), secretSet: z.literal(true).describe('A secret is set (never shown)') })
    .nullable()
    .describe('CHAP: initiators must authenticate'),
  mutualChap: z
    .object({ user: z.string().describe('Mutual CHAP user'), secretSet: z.literal(true).describe('A secret is set (never shown)') })
    .nullable()
    .describe('Mutual CHAP: the target authenticates too'),
  groups: z.array(z.object({ name: z.string().describe('Group'), initiators: z.array(z.string()).describe('Initiators') })).describe('Initiator groups'),
  luns: z.array(iscsiLunSchema).describe('Logical units'),
  createdAt: isoTime().describe('Created (ISO-8601)'),
  updatedAt: isoTime().describe('Last changed (ISO-8601)'),
});
export type IscsiTarget = z.infer<typeof iscsiTargetSchema>;

// Whole disks

export const exportDiskSchema = z.object({
  name: z.string().describe('Kernel name now (sdk; it may change at the next boot)'),
  path: z.string().nullable().describe('Stable path a LUN uses (/dev/disk/by-id/wwn-...), or null without a WWN'),
  wwn: z.string().nullable().describe('World Wide Name: the identity the mark is stored by'),
  model: z.string().nullable().describe('Model'),
  serial: z.string().nullable().describe('Serial number'),
  sizeBytes: z.number().describe('Size in bytes'),
  pool: z.string().nullable().describe('The imported pool using it, or null'),
  signatures: z.array(z.string()).describe('Partition tables, filesystems, partitions and mounts found on it'),
  marked: z.boolean().describe('Marked for export by an Admin'),
  markedBy: z.string().nullable().describe('Who marked it'),
  markedAt: isoTime().nullable().describe('When (ISO-8601)'),
  usedBy: z.array(z.string()).describe('LUNs on it (target/lun)'),
  exportable: z.boolean().describe('A disk LUN may use it now'),
  reason: z.string().nullable().describe('Why it may not be exported (or marked), or null'),
});
export type ExportDisk = z.infer<typeof exportDiskSchema>;

// Settings and sessions

export const ISCSI_BACKENDS = ['scst', 'tgt'] as const;

export const iscsiSettingsSchema = z.object({
  backend: z.enum(ISCSI_BACKENDS).describe('scst: kernel SCST via /etc/scst.conf; tgt: the user-space tgtd'),
  tgtControlPort: z.number().int().min(1).max(65535).nullable().describe("tgtd's control port (tgtadm -C); null: the default"),
});
export type IscsiSettings = z.infer<typeof iscsiSettingsSchema>;

export const iscsiSessionsSchema = z.object({
  available: z.boolean().describe('The backend reports sessions (tgt does; scst sessions are not read yet)'),
  items: z
    .array(
      z.object({
        target: z.string().describe('Target IQN'),
        initiator: z.string().describe('Initiator IQN'),
        addresses: z.array(z.string()).describe('Connection addresses'),
      }),
    )
    .describe('Sessions'),
});
export type IscsiSession = z.infer<typeof iscsiSessionsSchema>['items'][number];

const targetKey = z.string().max(223).describe('Target IQN');
const diskKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9._\-/:]+$/, 'a disk name, /dev path or WWN')
  .describe('The disk: its name (sdk), a /dev path (/dev/disk/by-id/wwn-...) or its WWN');

export const iscsiContracts = contractSet([
  defineContract({
    name: 'iscsi.targets.list',
    summary: 'List iSCSI targets',
    permission: 'iscsi.read',
    mutating: false,
    input: z.object({ ...listShape }),
    output: listOf(iscsiTargetSchema),
    http: { method: 'GET', path: '/iscsi/targets' },
  }),
  defineContract({
    name: 'iscsi.targets.get',
    summary: 'Show an iSCSI target',
    permission: 'iscsi.read',
    mutating: false,
    input: z.object({ name: targetKey }),
    output: iscsiTargetSchema,
    http: { method: 'GET', path: '/iscsi/targets/:name' },
  }),
  defineContract({
    name: 'iscsi.targets.create',
    summary: 'Create an iSCSI target',
    permission: 'iscsi.write',
    mutating: true,
    input: targetInput,
    output: iscsiTargetSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/iscsi/targets' },
  }),
  defineContract({
    name: 'iscsi.targets.update',
    summary: 'Change an iSCSI target (lists given replace the current ones)',
    permission: 'iscsi.write',
    mutating: true,
    input: z.object({
      name: targetKey,
      alias: z.string().max(64).regex(ISCSI_ALIAS).optional().describe('Alias'),
      enabled: z.boolean().optional().describe('Offered to initiators'),
      portals: z.array(portalSchema).max(32).optional().describe('Portals'),
      chap: chapSchema.nullable().optional().describe('CHAP credentials (null: none)'),
      mutualChap: chapSchema.nullable().optional().describe('Mutual CHAP credentials (null: none)'),
      groups: z.array(groupSchema).max(64).optional().describe('Initiator groups'),
      luns: lunsInput.optional(),
    }),
    output: iscsiTargetSchema,
    target: (i) => i.name,
    http: { method: 'PATCH', path: '/iscsi/targets/:name' },
  }),
  defineContract({
    name: 'iscsi.targets.delete',
    summary: 'Delete an iSCSI target (its zvols and files stay)',
    permission: 'iscsi.write',
    mutating: true,
    dangerous: true,
    input: z.object({ name: targetKey }),
    output: ok,
    target: (i) => i.name,
    http: { method: 'DELETE', path: '/iscsi/targets/:name' },
  }),
  defineContract({
    name: 'iscsi.luns.delete',
    summary: 'Remove a LUN from a target (the zvol or file stays)',
    permission: 'iscsi.write',
    mutating: true,
    dangerous: true,
    input: z.object({ name: targetKey, lun: z.coerce.number().int().min(0).max(16383).describe('LUN number') }),
    output: ok,
    target: (i) => `${i.name}/${i.lun}`,
    http: { method: 'DELETE', path: '/iscsi/targets/:name/luns/:lun' },
  }),
  defineContract({
    name: 'iscsi.disks.list',
    summary: 'Whole disks: which may be exported over iSCSI, and why not',
    permission: 'iscsi.read',
    mutating: false,
    input: z.object({ ...listShape }),
    output: listOf(exportDiskSchema),
    http: { method: 'GET', path: '/iscsi/disks' },
  }),
  defineContract({
    name: 'iscsi.disks.mark-export',
    summary: 'Mark a blank, unpooled disk for export as an iSCSI LUN',
    permission: ISCSI_DISKS_PERMISSION,
    mutating: true,
    description: "Stored by the disk's WWN. Refused for a disk in a pool, or holding a partition table, filesystem or pool label, or mounted.",
    input: z.object({ disk: diskKey }),
    output: exportDiskSchema,
    target: (i) => i.disk,
    http: { method: 'POST', path: '/iscsi/disks/export-marks' },
  }),
  defineContract({
    name: 'iscsi.disks.unmark-export',
    summary: "Take back a disk's export mark (refused while a LUN uses it)",
    permission: ISCSI_DISKS_PERMISSION,
    mutating: true,
    input: z.object({ disk: diskKey }),
    output: ok,
    target: (i) => i.disk,
    http: { method: 'DELETE', path: '/iscsi/disks/export-marks/:disk' },
  }),
  defineContract({
    name: 'iscsi.settings.get',
    summary: 'iSCSI backend settings',
    permission: 'iscsi.read',
    mutating: false,
    input: noInput,
    output: iscsiSettingsSchema,
    http: { method: 'GET', path: '/iscsi/settings' },
  }),
  defineContract({
    name: 'iscsi.settings.update',
    summary: 'Choose the iSCSI backend (applies every target to it)',
    permission: 'iscsi.admin',
    mutating: true,
    input: z.object({
      backend: z.enum(ISCSI_BACKENDS).optional().describe('scst or tgt'),
      tgtControlPort: z.number().int().min(0).max(65535).nullable().optional().describe("tgtd's control port (tgtadm -C); null: the default"),
    }),
    output: iscsiSettingsSchema,
    http: { method: 'PATCH', path: '/iscsi/settings' },
  }),
  defineContract({
    name: 'iscsi.sessions.list',
    summary: 'Initiators logged in to targets',
    permission: 'iscsi.read',
    mutating: false,
    input: noInput,
    output: iscsiSessionsSchema,
    http: { method: 'GET', path: '/iscsi/sessions' },
  }),
  ...driftContracts({
    name: 'iscsi.drift',
    path: '/iscsi/drift',
    readPermission: 'iscsi.read',
    adminPermission: 'iscsi.admin',
    summary: 'Compare the live iSCSI configuration with the database',
    resolveSummary: 'Repair iSCSI drift: adopt the live scst.conf or overwrite the live configuration',
    actionDescription: 'adopt: take the live scst.conf into the database (scst backend); overwrite: apply what the database says',
    ignoredDescription: 'Live settings Calypso does not manage (dropped on adopt)',
  }),
]);
