/**
 * Configuration backup and restore, and the support bundle (issue 15). Every operation here is
 * Admin's (appliance.configuration): an export names every user, share and network Calypso
 * knows (with the secrets when encrypted), a restore replaces all of it, and a support bundle
 * holds the logs. An Operator or a read-only user gets 403 from each, listing included.
 *
 * Secrets (password hashes, CHAP and SNMP secrets, channel and S3 keys, Bacula passwords) are in
 * an export only when it is encrypted with a passphrase; an unencrypted export leaves them out,
 * and restoring it keeps this appliance's secret of each item it already has.
 */
import { z } from 'zod';
import { contractSet, defineContract, definePermissions } from './core.js';
import { isoTime } from './time.js';

export const configPermissions = definePermissions([
  {
    name: 'appliance.configuration',
    description: 'Export and restore the appliance configuration (secrets included when encrypted) and make support bundles (logs)',
    level: 'admin',
  },
]);

/** The largest configuration file taken (a config of thousands of shares is well under it). */
export const MAX_CONFIG_FILE = 8 * 1024 * 1024;

const passphrase = z
  .string()
  .min(12)
  .max(1024)
  .describe('Passphrase that encrypts the export (at least 12 characters): the export then holds the secrets too; never logged');

const configFile = z.string().min(1).max(MAX_CONFIG_FILE).describe('The configuration file, as exported (its whole text)');

export const configSectionSchema = z.object({
  name: z.string().describe('Section (a subsystem): iam, settings, monitoring, shares, iscsi, tape, protection, schedules, backup, objects, licenses'),
  title: z.string().describe('The section in words'),
  count: z.number().int().describe('How many items of the section the file holds'),
});

export const sectionChangeSchema = z.object({
  name: z.string().describe('Section'),
  title: z.string().describe('The section in words'),
  added: z.array(z.string()).describe('Items the restore adds'),
  changed: z.array(z.string()).describe('Items the restore changes'),
  removed: z.array(z.string()).describe('Items the restore removes'),
  unchanged: z.number().int().describe('Items the restore leaves as they are'),
});

export const configHeaderSchema = z.object({
  formatVersion: z.number().int().describe('Version of the file format'),
  calypsoVersion: z.string().describe('Calypso version that wrote it'),
  createdAt: isoTime().describe('When it was written'),
  hostname: z.string().describe('The appliance it was written on'),
  encrypted: z.boolean().describe('Encrypted with a passphrase (then it holds the secrets)'),
  secretsIncluded: z.boolean().describe('It holds the secrets (only when encrypted)'),
});

const previewOutput = z.object({
  header: configHeaderSchema.describe('What the file says of itself'),
  sections: z.array(sectionChangeSchema).describe('What a restore would change, per section'),
  warnings: z.array(z.string()).describe('What the restore cannot carry over, in sentences'),
  text: z.string().describe('The preview in a sentence'),
});

export const configExportFileSchema = z.object({
  name: z.string().describe('File name'),
  sizeBytes: z.number().int().describe('Size in bytes'),
  modifiedAt: isoTime().describe('When it was written'),
});

export const configContracts = contractSet([
  defineContract({
    name: 'appliance.config.export',
    summary: 'Export the configuration (settings and the desired state of every subsystem, not the data) as one file',
    description:
      'Without a passphrase the file holds no secret (passwords, keys, community strings): restoring it keeps the secrets this appliance has. With a passphrase it is encrypted (scrypt, AES-256-GCM) and holds them all.',
    permission: 'appliance.configuration',
    mutating: true,
    input: z.object({ passphrase: passphrase.optional() }),
    output: z.object({
      fileName: z.string().describe('A file name for it'),
      content: z.string().describe('The file'),
      header: configHeaderSchema.describe('What the file says of itself'),
      sections: z.array(configSectionSchema).describe('What it holds'),
    }),
    http: { method: 'POST', path: '/appliance/config/export' },
  }),
  defineContract({
    name: 'appliance.config.preview',
    summary: 'Check a configuration file and show what restoring it would change (nothing is changed)',
    permission: 'appliance.configuration',
    mutating: false,
    input: z.object({ file: configFile, passphrase: passphrase.optional() }),
    output: previewOutput,
    http: { method: 'POST', path: '/appliance/config/preview' },
  }),
  defineContract({
    name: 'appliance.config.restore',
    summary: 'Restore a configuration file: replaces every section and re-applies each subsystem (type "restore" to confirm)',
    description:
      'One unit: the database changes in one transaction and every subsystem re-applies its files; a failing step rolls the database back and puts the previous files back. The restoring administrator keeps their account, password and Admin role. Other sessions end.',
    permission: 'appliance.configuration',
    mutating: true,
    dangerous: true,
    input: z.object({ file: configFile, passphrase: passphrase.optional() }),
    output: previewOutput.extend({ applied: z.array(z.string()).describe('Subsystems whose configuration was re-applied') }),
    target: () => 'restore',
    http: { method: 'POST', path: '/appliance/config/restore' },
  }),
  defineContract({
    name: 'appliance.config.exports',
    summary: 'Scheduled configuration exports kept on the appliance, newest first',
    permission: 'appliance.configuration',
    mutating: false,
    input: z.object({}),
    output: z.object({
      directory: z.string().nullable().describe('Where scheduled exports are written (null: this daemon keeps none)'),
      items: z.array(configExportFileSchema).describe('Exports, newest first'),
    }),
    http: { method: 'GET', path: '/appliance/config/exports' },
  }),
  defineContract({
    name: 'appliance.config.exports.write',
    summary: 'Write an export into the exports directory and keep only the newest ones (what a config.export schedule runs)',
    permission: 'appliance.configuration',
    mutating: true,
    input: z.object({ keep: z.number().int().min(1).max(1000).default(10).describe('How many exports to keep (older ones are deleted)') }),
    output: z.object({
      file: configExportFileSchema.describe('The export written'),
      deleted: z.array(z.string()).describe('Older exports deleted'),
    }),
    http: { method: 'POST', path: '/appliance/config/exports' },
  }),
  defineContract({
    name: 'appliance.support.bundle',
    summary: 'A support bundle: versions, settings with every secret redacted, recent logs and the status commands, as one tar.gz',
    description: 'GET /api/v1/appliance/support-bundle.tar.gz streams the same archive as a file.',
    permission: 'appliance.configuration',
    mutating: true,
    input: z.object({}),
    output: z.object({
      fileName: z.string().describe('A file name for it'),
      sizeBytes: z.number().int().describe('Size of the archive'),
      sha256: z.string().describe('SHA-256 of the archive'),
      files: z.array(z.string()).describe('Files in the archive'),
      contentBase64: z.string().describe('The archive (tar.gz), base64'),
    }),
    http: { method: 'POST', path: '/appliance/support-bundle' },
  }),
]);
