/**
 * File sharing (SRS-02): SMB shares, the SMB service, SMB passwords of Calypso users and NFS
 * exports on datasets, rendered to the tools' config files, and the drift of those files.
 * Reading is shares.read; shares and exports need shares.write; the SMB service, SMB passwords
 * and drift repair need shares.admin (so does an export giving root to many hosts, checked by
 * the handler).
 */
import { z } from 'zod';
import { contractSet, defineContract, definePermissions } from './core.js';
import { driftContracts } from './drift.js';
import { USER_NAME } from './iam.js';
import { listOf, listShape, noInput } from './list.js';
import { accountName, hostPattern, nfsPath, shadowFormat, smbPath, smbShareName, smbText } from './share-schemas.js';
import { isoTime } from './time.js';

export const sharesPermissions = definePermissions([
  { name: 'shares.read', description: 'See SMB shares, NFS exports, SMB sessions and configuration drift', level: 'read' },
  { name: 'shares.write', description: 'Create, change and delete SMB shares and NFS exports', level: 'operate' },
  { name: 'shares.admin', description: 'SMB service settings, start/stop, SMB passwords, drift repair', level: 'admin' },
]);

const ok = z.object({ ok: z.literal(true).describe('Done') });

// SMB shares

export const DEFAULT_SHADOW_FORMAT = 'auto-%Y%m%d-%H%M';

/** The settable fields of an SMB share (besides its name and path), as create, update and adopt check them. */
export const smbShareFields = {
  comment: smbText(256, 'comment').describe('Description shown to clients'),
  enabled: z.boolean().describe('Offered to clients (available = yes)'),
  readOnly: z.boolean().describe('Clients may only read'),
  browseable: z.boolean().describe('Listed when clients browse the server'),
  guestOk: z.boolean().describe('Clients may connect without a password, as the guest account'),
  validUsers: z.array(accountName).max(100).describe('Only these users may connect (empty: anyone who authenticates)'),
  validGroups: z.array(accountName).max(100).describe('Members of these groups may connect too'),
  hostsAllow: z.array(hostPattern).max(100).describe('Only these hosts or networks may connect (empty: any)'),
  hostsDeny: z.array(hostPattern).max(100).describe('These hosts or networks may not connect'),
  shadowCopy: z.boolean().describe("Show the dataset's ZFS snapshots as Windows Previous Versions (vfs_shadow_copy2)"),
  shadowFormat: shadowFormat,
  recycleBin: z.boolean().describe('Deleted files go to .recycle/USER in the share (vfs_recycle)'),
  timeMachine: z.boolean().describe('Advertise as a macOS Time Machine destination (vfs_fruit)'),
};

export const smbShareSchema = z.object({
  name: z.string().describe('Share name'),
  path: z.string().describe('Shared directory'),
  dataset: z.string().describe('The dataset holding the directory'),
  comment: z.string().describe('Description'),
  enabled: z.boolean().describe('Offered to clients'),
  readOnly: z.boolean().describe('Read only'),
  browseable: z.boolean().describe('Browseable'),
  guestOk: z.boolean().describe('Guest access'),
  validUsers: z.array(z.string()).describe('Allowed users'),
  validGroups: z.array(z.string()).describe('Allowed groups'),
  hostsAllow: z.array(z.string()).describe('Allowed hosts'),
  hostsDeny: z.array(z.string()).describe('Denied hosts'),
  shadowCopy: z.boolean().describe('Snapshots as Previous Versions'),
  shadowFormat: z.string().describe('Snapshot name pattern for Previous Versions'),
  recycleBin: z.boolean().describe('Recycle bin'),
  timeMachine: z.boolean().describe('Time Machine destination'),
  createdAt: isoTime().describe('Created (ISO-8601)'),
  updatedAt: isoTime().describe('Last changed (ISO-8601)'),
});
export type SmbShare = z.infer<typeof smbShareSchema>;

const shareNameKey = z.string().max(80).describe('Share name');

// The SMB service

export const SMB_MIN_PROTOCOLS = ['SMB2', 'SMB2_02', 'SMB2_10', 'SMB3', 'SMB3_00', 'SMB3_11'] as const;
export const SMB_ENCRYPTIONS = ['off', 'if_required', 'desired', 'required'] as const;

/** The SMB global settings, as update and adopt check them. */
export const smbSettingsFields = {
  workgroup: z
    .string()
    .max(15)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/, 'a NetBIOS workgroup: up to 15 letters, digits, _ . -')
    .describe('Workgroup (NetBIOS domain)'),
  serverString: smbText(200, 'server string').describe('Server description shown to clients'),
  minProtocol: z.enum(SMB_MIN_PROTOCOLS).describe('Oldest SMB dialect accepted (server min protocol)'),
  encryption: z.enum(SMB_ENCRYPTIONS).describe('Transport encryption (server smb encrypt)'),
};

export const smbServiceSchema = z.object({
  enabled: z.boolean().describe('smbd is meant to run'),
  running: z.boolean().nullable().describe('smbd answers (null: could not tell)'),
  configPath: z.string().describe('The smb.conf Calypso writes'),
  workgroup: z.string().describe('Workgroup'),
  serverString: z.string().describe('Server description'),
  minProtocol: z.string().describe('Oldest SMB dialect accepted'),
  encryption: z.string().describe('Transport encryption'),
});
export type SmbService = z.infer<typeof smbServiceSchema>;

export const smbSessionsSchema = z.object({
  sessions: z
    .array(
      z.object({
        sessionId: z.string().describe('Session id'),
        username: z.string().describe('User'),
        group: z.string().describe('Primary group'),
        remoteMachine: z.string().describe('Client address or name'),
        dialect: z.string().describe('SMB dialect'),
        encryption: z.string().describe('Encryption degree'),
        signing: z.string().describe('Signing degree'),
        shares: z
          .array(
            z.object({
              share: z.string().describe('Share'),
              connectedAt: isoTime().nullable().describe('Connected at (null if smbstatus printed no readable time)'),
            }),
          )
          .describe('Shares in use'),
      }),
    )
    .describe('Logged-in clients'),
  openFiles: z
    .array(
      z.object({
        path: z.string().describe('Full path'),
        share: z.string().describe('Share'),
        filename: z.string().describe('Path inside the share'),
        uid: z.number().nullable().describe('Unix uid of the opener'),
        access: z.string().describe('R, W or RW'),
        openedAt: isoTime().nullable().describe('Opened at (null if smbstatus printed no readable time)'),
      }),
    )
    .describe('Files open over SMB'),
});
export type SmbSessions = z.infer<typeof smbSessionsSchema>;

// SMB passwords of Calypso users

export const smbUserSchema = z.object({
  username: z.string().describe('Calypso user'),
  enabledAt: isoTime().describe('When SMB was enabled for the user: its SMB password first set (ISO-8601)'),
});
export type SmbUser = z.infer<typeof smbUserSchema>;

// NFS exports

export const NFS_ACCESS = ['ro', 'rw'] as const;
export const NFS_SQUASH = ['root_squash', 'all_squash', 'no_root_squash'] as const;
export const NFS_SEC = ['sys', 'krb5', 'krb5i', 'krb5p'] as const;

export const nfsClientInput = z.object({
  host: hostPattern
    .refine((h) => h !== 'ALL', 'use * for every host')
    .describe('Who may mount: address, network (10.0.0.0/24), host name, wildcard (*.example.com, *) or @netgroup'),
  access: z.enum(NFS_ACCESS).describe('Read-only or read-write'),
  squash: z.enum(NFS_SQUASH).default('root_squash').describe('Map root (root_squash), everyone (all_squash) or nobody (no_root_squash) to the anonymous user'),
  sec: z.array(z.enum(NFS_SEC)).min(1).max(4).default(['sys']).describe('Security flavours, in order of preference'),
  anonuid: z.number().int().min(0).max(4294967294).nullable().default(null).describe('Unix uid of the anonymous user (null: the default, nobody)'),
  anongid: z.number().int().min(0).max(4294967294).nullable().default(null).describe('Unix gid of the anonymous user'),
});

/** The client rules of an export, as create, update and adopt check them. */
export const nfsClientsInput = z
  .array(nfsClientInput)
  .min(1)
  .max(100)
  .superRefine((cs, c) => {
    const seen = new Set<string>();
    for (const [i, x] of cs.entries()) {
      if (seen.has(x.host)) c.addIssue({ code: 'custom', path: [i, 'host'], message: `${x.host} is listed twice` });
      seen.add(x.host);
    }
  })
  .describe('Per-client rules');

export const nfsExportSchema = z.object({
  path: z.string().describe('Exported directory'),
  dataset: z.string().describe('The dataset holding it'),
  comment: z.string().describe('Description'),
  enabled: z.boolean().describe('Exported'),
  clients: z
    .array(
      z.object({
        host: z.string().describe('Client'),
        access: z.enum(NFS_ACCESS).describe('Access'),
        squash: z.string().describe('Squash mode'),
        sec: z.array(z.string()).describe('Security flavours'),
        anonuid: z.number().nullable().describe('Anonymous uid'),
        anongid: z.number().nullable().describe('Anonymous gid'),
      }),
    )
    .describe('Per-client rules'),
  createdAt: isoTime().describe('Created (ISO-8601)'),
  updatedAt: isoTime().describe('Last changed (ISO-8601)'),
});
export type NfsExport = z.infer<typeof nfsExportSchema>;

export const nfsActiveSchema = z.object({
  items: z
    .array(
      z.object({ path: z.string().describe('Directory'), client: z.string().describe('Client'), options: z.array(z.string()).describe('Effective options') }),
    )
    .describe('Active exports, one per client'),
});
export type NfsActiveExport = z.infer<typeof nfsActiveSchema>['items'][number];

const confirmRoot = z
  .string()
  .max(1024)
  .optional()
  .describe('Typed confirmation, needed only when the export gives root to many hosts (see wideRootRules): the export path');
const exportPathKey = z.string().max(1024).describe('Exported directory (URL-encoded in the route)');

const optional = <T extends Record<string, z.ZodType>>(fields: T) =>
  Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.optional()])) as { [K in keyof T]: z.ZodOptional<T[K]> };

export const sharesContracts = contractSet([
  defineContract({
    name: 'shares.smb.list',
    summary: 'List SMB shares',
    permission: 'shares.read',
    mutating: false,
    input: z.object({ ...listShape, search: z.string().max(80).optional().describe('Part of the name or path') }),
    output: listOf(smbShareSchema),
    http: { method: 'GET', path: '/shares/smb' },
  }),
  defineContract({
    name: 'shares.smb.get',
    summary: 'Show an SMB share',
    permission: 'shares.read',
    mutating: false,
    input: z.object({ name: shareNameKey }),
    output: smbShareSchema,
    http: { method: 'GET', path: '/shares/smb/:name' },
  }),
  defineContract({
    name: 'shares.smb.create',
    summary: 'Create an SMB share',
    permission: 'shares.write',
    mutating: true,
    input: z.object({
      name: smbShareName,
      path: smbPath,
      comment: smbShareFields.comment.default(''),
      enabled: smbShareFields.enabled.default(true),
      readOnly: smbShareFields.readOnly.default(false),
      browseable: smbShareFields.browseable.default(true),
      guestOk: smbShareFields.guestOk.default(false),
      validUsers: smbShareFields.validUsers.default([]),
      validGroups: smbShareFields.validGroups.default([]),
      hostsAllow: smbShareFields.hostsAllow.default([]),
      hostsDeny: smbShareFields.hostsDeny.default([]),
      shadowCopy: smbShareFields.shadowCopy.default(false),
      shadowFormat: smbShareFields.shadowFormat.default(DEFAULT_SHADOW_FORMAT),
      recycleBin: smbShareFields.recycleBin.default(false),
      timeMachine: smbShareFields.timeMachine.default(false),
    }),
    output: smbShareSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/shares/smb' },
  }),
  defineContract({
    name: 'shares.smb.update',
    summary: 'Change an SMB share',
    permission: 'shares.write',
    mutating: true,
    input: z.object({ name: shareNameKey, path: smbPath.optional(), ...optional(smbShareFields) }),
    output: smbShareSchema,
    target: (i) => i.name,
    http: { method: 'PATCH', path: '/shares/smb/:name' },
  }),
  defineContract({
    name: 'shares.smb.delete',
    summary: 'Delete an SMB share (the files stay)',
    permission: 'shares.write',
    mutating: true,
    dangerous: true,
    input: z.object({ name: shareNameKey }),
    output: ok,
    target: (i) => i.name,
    http: { method: 'DELETE', path: '/shares/smb/:name' },
  }),
  defineContract({
    name: 'shares.smb.service.get',
    summary: 'SMB service: state and global settings',
    permission: 'shares.read',
    mutating: false,
    input: noInput,
    output: smbServiceSchema,
    http: { method: 'GET', path: '/shares/smb-service' },
  }),
  defineContract({
    name: 'shares.smb.service.update',
    summary: 'Change the SMB global settings',
    permission: 'shares.admin',
    mutating: true,
    input: z.object(optional(smbSettingsFields)),
    output: smbServiceSchema,
    http: { method: 'PATCH', path: '/shares/smb-service' },
  }),
  defineContract({
    name: 'shares.smb.service.enable',
    summary: 'Start the SMB service (and start it at boot)',
    permission: 'shares.admin',
    mutating: true,
    input: noInput,
    output: smbServiceSchema,
    http: { method: 'POST', path: '/shares/smb-service/enable' },
  }),
  defineContract({
    name: 'shares.smb.service.disable',
    summary: 'Stop the SMB service (and keep it stopped at boot)',
    permission: 'shares.admin',
    mutating: true,
    input: noInput,
    output: smbServiceSchema,
    http: { method: 'POST', path: '/shares/smb-service/disable' },
  }),
  defineContract({
    name: 'shares.smb.service.reload',
    summary: 'Rewrite smb.conf and make smbd reread it',
    permission: 'shares.admin',
    mutating: true,
    input: noInput,
    output: ok,
    http: { method: 'POST', path: '/shares/smb-service/reload' },
  }),
  defineContract({
    name: 'shares.smb.sessions',
    summary: 'SMB sessions and open files',
    permission: 'shares.read',
    mutating: false,
    input: noInput,
    output: smbSessionsSchema,
    http: { method: 'GET', path: '/shares/smb-service/sessions' },
  }),
  ...driftContracts({
    name: 'shares.smb.drift',
    path: '/shares/smb-service/drift',
    readPermission: 'shares.read',
    adminPermission: 'shares.admin',
    summary: 'Compare the live smb.conf with what Calypso would write',
    resolveSummary: 'Repair smb.conf drift: adopt the live file or overwrite it',
    ignoredDescription: 'Live parameters Calypso does not manage (dropped on adopt)',
  }),
  defineContract({
    name: 'shares.smb.users.list',
    summary: 'Calypso users who may use SMB',
    permission: 'shares.read',
    mutating: false,
    input: z.object({ ...listShape }),
    output: listOf(smbUserSchema),
    http: { method: 'GET', path: '/shares/smb-users' },
  }),
  defineContract({
    name: 'shares.smb.users.set',
    summary: "Set a Calypso user's SMB password (allows them to use SMB)",
    permission: 'shares.admin',
    mutating: true,
    input: z.object({
      username: z.string().max(32).regex(USER_NAME, 'a Calypso login name').describe('Calypso user'),
      password: z
        .string()
        .min(8)
        .max(128)
        .regex(/^[^\r\n\0]*$/, 'one line')
        .describe('SMB password (kept by Samba only, never by Calypso)'),
    }),
    output: smbUserSchema,
    target: (i) => i.username,
    http: { method: 'POST', path: '/shares/smb-users' },
  }),
  defineContract({
    name: 'shares.smb.users.remove',
    summary: "Remove a user's SMB password (they can no longer use SMB)",
    permission: 'shares.admin',
    mutating: true,
    dangerous: true,
    input: z.object({ username: z.string().max(64).describe('Calypso user') }),
    output: ok,
    target: (i) => i.username,
    http: { method: 'DELETE', path: '/shares/smb-users/:username' },
  }),

  defineContract({
    name: 'shares.nfs.list',
    summary: 'List NFS exports',
    permission: 'shares.read',
    mutating: false,
    input: z.object({ ...listShape }),
    output: listOf(nfsExportSchema),
    http: { method: 'GET', path: '/shares/nfs' },
  }),
  defineContract({
    name: 'shares.nfs.get',
    summary: 'Show an NFS export',
    permission: 'shares.read',
    mutating: false,
    input: z.object({ path: exportPathKey }),
    output: nfsExportSchema,
    http: { method: 'GET', path: '/shares/nfs/:path' },
  }),
  defineContract({
    name: 'shares.nfs.create',
    summary: 'Export a directory over NFS',
    permission: 'shares.write',
    mutating: true,
    input: z.object({
      path: nfsPath,
      clients: nfsClientsInput,
      comment: smbText(256, 'comment').default('').describe('Description'),
      enabled: z.boolean().default(true).describe('Exported'),
      confirm: confirmRoot,
    }),
    output: nfsExportSchema,
    target: (i) => i.path,
    http: { method: 'POST', path: '/shares/nfs' },
  }),
  defineContract({
    name: 'shares.nfs.update',
    summary: 'Change an NFS export',
    permission: 'shares.write',
    mutating: true,
    input: z.object({
      path: exportPathKey,
      clients: nfsClientsInput.optional(),
      comment: smbText(256, 'comment').optional().describe('Description'),
      enabled: z.boolean().optional().describe('Exported'),
      confirm: confirmRoot,
    }),
    output: nfsExportSchema,
    target: (i) => i.path,
    http: { method: 'PATCH', path: '/shares/nfs/:path' },
  }),
  defineContract({
    name: 'shares.nfs.delete',
    summary: 'Stop exporting a directory (the files stay)',
    permission: 'shares.write',
    mutating: true,
    dangerous: true,
    input: z.object({ path: exportPathKey }),
    output: ok,
    target: (i) => i.path,
    http: { method: 'DELETE', path: '/shares/nfs/:path' },
  }),
  defineContract({
    name: 'shares.nfs.active',
    summary: 'What the NFS server exports now (exportfs -v)',
    permission: 'shares.read',
    mutating: false,
    input: noInput,
    output: nfsActiveSchema,
    http: { method: 'GET', path: '/shares/nfs-active' },
  }),
  ...driftContracts({
    name: 'shares.nfs.drift',
    path: '/shares/nfs-drift',
    readPermission: 'shares.read',
    adminPermission: 'shares.admin',
    summary: 'Compare the live exports file with what Calypso would write',
    resolveSummary: 'Repair exports drift: adopt the live file or overwrite it',
    ignoredDescription: 'Live options Calypso does not manage (dropped on adopt)',
  }),
]);
