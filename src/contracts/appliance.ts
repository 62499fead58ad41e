/**
 * The appliance's own settings (issue 15). So far: feature licenses. Reading them is
 * appliance.read (every built-in role: the About screen shows what is licensed); importing and
 * removing a license is appliance.licenses (Admin).
 */
import { z } from 'zod';
import { contractSet, defineContract, definePermissions } from './core.js';
import { FEATURES } from '../vocabulary/license.js';
import { isoTime } from './time.js';
import { listShape } from './list.js';
import { plainText } from './text.js';

export const appliancePermissions = definePermissions([
  { name: 'appliance.read', description: 'See the appliance settings and its licenses', level: 'read' },
  { name: 'appliance.licenses', description: 'Import and remove feature licenses', level: 'admin' },
  { name: 'appliance.services', description: 'Start, stop, restart, enable and disable the appliance services', level: 'admin' },
  { name: 'appliance.power', description: 'Reboot and shut down the appliance', level: 'admin' },
  // Admin-level, as Linux keeps the journal to the adm/systemd-journal groups: sshd writes what a user typed as a name
  // ("Invalid user <a password typed in the wrong field>"), and both logs name addresses and accounts. A custom role
  // can still be given it on purpose.
  { name: 'appliance.logs', description: "Read the system journal and Calypso's own log", level: 'admin' },
]);

/**
 * The appliance's services: systemd units Calypso knows, never free text. `configuredBy` names the
 * subsystem whose apply step reloads it after a change (its settings are changed there, not here).
 */
export const APPLIANCE_SERVICES = [
  { unit: 'smbd', name: 'SMB file sharing (Samba)', configuredBy: 'shares' },
  { unit: 'nfs-server', name: 'NFS file sharing', configuredBy: 'shares' },
  { unit: 'scst', name: 'iSCSI target (SCST)', configuredBy: 'iscsi' },
  { unit: 'bacula-dir', name: 'Backup director (Bacula)', configuredBy: 'backup' },
  { unit: 'bacula-sd', name: 'Backup storage daemon (Bacula)', configuredBy: 'backup' },
  { unit: 'bacula-fd', name: 'Backup file daemon (Bacula)', configuredBy: 'backup' },
  { unit: 'ceph-radosgw@rgw.calypso', name: 'S3 object storage (Ceph RGW)', configuredBy: 'objects' },
  { unit: 'chrony', name: 'Time synchronisation (chrony)', configuredBy: 'time' },
  { unit: 'snmpd', name: 'SNMP agent (Net-SNMP)', configuredBy: 'snmp' },
  { unit: 'ssh', name: 'SSH server (OpenSSH)', configuredBy: null },
  { unit: 'calypso', name: 'Calypso (this daemon)', configuredBy: null },
] as const;
export type ApplianceService = (typeof APPLIANCE_SERVICES)[number];

export const serviceUnit = z
  .enum(APPLIANCE_SERVICES.map((s) => s.unit) as [ApplianceService['unit'], ...ApplianceService['unit'][]])
  .describe('The service (its systemd unit)');

export const serviceSchema = z.object({
  unit: serviceUnit,
  name: z.string().describe('The service in words'),
  configuredBy: z.string().nullable().describe('The subsystem whose apply step reloads it after a change (null: none)'),
  activeState: z.string().describe('systemd ActiveState: active, inactive, failed, activating, deactivating, reloading (unknown: no systemd to ask)'),
  subState: z.string().describe('systemd SubState: running, exited, dead, failed...'),
  enabled: z.boolean().nullable().describe('Starts at boot (null: not installed or unknown)'),
  installed: z.boolean().describe('The unit exists on this appliance'),
  sinceAt: isoTime().nullable().describe('When it entered its current state, when known'),
  mainPid: z.number().nullable().describe('Its main process, when running'),
  result: z.string().describe('How it last ended: success, exit-code, signal, timeout...'),
  text: z.string().describe('The state in a sentence'),
});

export const journalLineSchema = z.object({
  at: isoTime().describe('When it was logged'),
  priority: z.number().describe('syslog priority: 0 emergency ... 3 error, 4 warning, 6 info, 7 debug'),
  message: z.string().describe('The line'),
});

export const FEATURE_STATES = ['licensed', 'trial', 'grace', 'expired', 'unlicensed'] as const;

export const featureStatusSchema = z.object({
  feature: z.enum(FEATURES).describe('The feature'),
  name: z.string().describe('The feature in words'),
  state: z
    .enum(FEATURE_STATES)
    .describe('licensed or trial: works; grace: expired, works for a few days more; expired or unlicensed: its operations are refused (403)'),
  endsAt: isoTime().nullable().describe('When the license or trial ends (in grace: when the grace ends)'),
  licenseId: z.string().nullable().describe('The license that grants it (null for the trial)'),
  capacity: z.object({ unit: z.string(), amount: z.number() }).nullable().describe('What the license allows of it, when bounded'),
  text: z.string().describe('The state in a sentence, with what to do'),
});
export type FeatureStatus = z.infer<typeof featureStatusSchema>;

export const licenseSchema = z.object({
  id: z.string().describe('License id'),
  licensee: z.string().describe('Who it was issued to'),
  issuedAt: isoTime().describe('When it was issued'),
  graceDays: z.number().describe('Days a feature keeps working after it expired'),
  features: z
    .array(z.object({ feature: z.enum(FEATURES), capacity: z.object({ unit: z.string(), amount: z.number() }).nullable(), expiresAt: isoTime() }))
    .describe('What it grants, each until when'),
  importedAt: isoTime().describe('When it was imported'),
  importedBy: z.string().describe('Who imported it'),
});

const serviceAction = (action: 'start' | 'stop' | 'restart' | 'enable' | 'disable', summary: string, dangerous: boolean) =>
  defineContract({
    name: `appliance.services.${action}` as const,
    summary,
    permission: 'appliance.services',
    mutating: true,
    dangerous,
    input: z.object({ unit: serviceUnit }),
    output: serviceSchema,
    target: (i: { unit: string }) => i.unit,
    http: { method: 'POST', path: `/appliance/services/:unit/${action}` },
  });

const powerAction = (action: 'reboot' | 'shutdown', summary: string) =>
  defineContract({
    name: `appliance.power.${action}` as const,
    summary,
    permission: 'appliance.power',
    mutating: true,
    dangerous: true,
    input: z.object({
      force: z.boolean().default(false).describe('Go ahead while jobs are running (they are marked interrupted)'),
    }),
    output: z.object({
      action: z.enum(['reboot', 'shutdown']).describe('What was done'),
      startsAt: isoTime().describe('When it starts (a few seconds after this answer, so the answer arrives)'),
      interruptedJobs: z.array(z.number()).describe('Jobs that were running and are marked interrupted'),
      text: z.string().describe('What happens now, in a sentence'),
    }),
    target: () => action,
    http: { method: 'POST', path: `/appliance/power/${action}` },
  });

const logText = plainText().max(200).describe('Only lines containing this text (case-insensitive, taken literally)');

export const calypsoLogLineSchema = z.object({
  offset: z.number().describe('Byte offset of the line in the log: pass it as before to read older lines'),
  at: isoTime().nullable().describe('When it was logged'),
  level: z.string().describe('trace, debug, info, warn, error or fatal'),
  message: z.string().describe('The message'),
  detail: z.string().describe('The other fields of the line, as JSON (errors, ids)'),
});

export const journalEntrySchema = z.object({
  at: isoTime().describe('When it was logged'),
  priority: z.number().describe('syslog priority: 0 emergency, 3 error, 4 warning, 5 notice, 6 info, 7 debug'),
  unit: z.string().nullable().describe('The systemd unit that logged it'),
  message: z.string().describe('The line'),
});

/**
 * GET /api/v1/appliance/logs/stream (Server-Sent Events, not an operation of the registry): new
 * lines of a log as they are written, with the paged reads' filters. Unknown parameters, and a
 * filter of the other source, are refused.
 */
export const LOG_STREAM_SOURCES = ['calypso', 'journal'] as const;
export const logStreamQuery = z
  .object({
    source: z.enum(LOG_STREAM_SOURCES).describe("Which log: Calypso's own, or the system journal"),
    after: z.coerce
      .number()
      .int()
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .optional()
      .describe('calypso only: follow from this byte offset (default: the end of the log)'),
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).optional().describe('calypso only: lines at this level or above'),
    unit: serviceUnit.optional().describe('journal only: only this service'),
    priority: z.coerce.number().int().min(0).max(7).optional().describe('journal only: entries at this priority or more urgent'),
    text: logText.optional(),
    access_token: z.string().max(4096).optional().describe('Access token, for clients that cannot send an Authorization header'),
  })
  .strict()
  .superRefine((q, ctx) => {
    const other = q.source === 'calypso' ? (['unit', 'priority'] as const) : (['after', 'level'] as const);
    for (const key of other) if (q[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `not a filter of the ${q.source} log` });
  });
export type LogStreamQuery = z.infer<typeof logStreamQuery>;

const licenseId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dots and dashes')
  .refine((v) => !v.startsWith('-'), 'may not start with a dash')
  .describe('License id');

export const applianceContracts = contractSet([
  defineContract({
    name: 'appliance.services.list',
    summary: 'The appliance services: state, since when, enabled at boot',
    permission: 'appliance.read',
    mutating: false,
    input: z.object({}),
    output: z.object({
      items: z.array(serviceSchema).describe('Every service Calypso knows'),
      total: z.number().int().describe('How many'),
      manager: z.enum(['systemd', 'none']).describe('none: this machine has no systemd to ask (a container or a development machine)'),
    }),
    http: { method: 'GET', path: '/appliance/services' },
  }),
  defineContract({
    name: 'appliance.services.get',
    summary: 'One service with its recent log lines',
    permission: 'appliance.read',
    mutating: false,
    input: z.object({
      unit: serviceUnit,
      lines: z.coerce.number().int().min(1).max(1000).default(50).describe('How many recent log lines (at most 1000)'),
    }),
    output: serviceSchema.extend({
      log: z
        .array(journalLineSchema)
        .nullable()
        .describe('Its newest journal lines, oldest first; null when your roles do not grant appliance.logs (the journal is Admin-level)'),
    }),
    http: { method: 'GET', path: '/appliance/services/:unit' },
  }),
  serviceAction('start', 'Start a service', false),
  serviceAction('restart', 'Restart a service (its clients are cut off while it restarts)', false),
  serviceAction('enable', 'Start a service at boot', false),
  serviceAction('stop', 'Stop a service (its clients are cut off until it is started)', true),
  serviceAction('disable', 'Do not start a service at boot', true),
  defineContract({
    name: 'appliance.logs.calypso',
    summary: "Calypso's own log, newest first, a page at a time (read backwards: never the whole file)",
    permission: 'appliance.logs',
    mutating: false,
    input: z.object({
      before: z.coerce
        .number()
        .int()
        .min(0)
        .max(Number.MAX_SAFE_INTEGER)
        .optional()
        .describe('Only lines before this byte offset (the nextBefore of the previous page)'),
      limit: listShape.limit,
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('trace').describe('Only lines at this level or above'),
      text: logText.optional(),
    }),
    output: z.object({
      items: z.array(calypsoLogLineSchema).describe('Lines, newest first'),
      nextBefore: z.number().nullable().describe('Ask again with before=this for older lines (null: the start of the log)'),
      file: z.string().nullable().describe('The log file (null: this daemon logs nowhere readable)'),
    }),
    http: { method: 'GET', path: '/appliance/logs/calypso' },
  }),
  defineContract({
    name: 'appliance.logs.journal',
    summary: 'The system journal, newest first, filtered by service, priority, time and text',
    permission: 'appliance.logs',
    mutating: false,
    input: z.object({
      unit: serviceUnit.optional().describe('Only this service'),
      priority: z.coerce.number().int().min(0).max(7).default(7).describe('Only entries at this priority or more urgent (3: errors and worse)'),
      sinceAt: isoTime().max(40).optional().describe('Only entries from this time'),
      untilAt: isoTime().max(40).optional().describe('Only entries before this time (the oldest entry of the previous page, to page back)'),
      text: logText.optional(),
      limit: listShape.limit,
    }),
    output: z.object({
      items: z.array(journalEntrySchema).describe('Entries, newest first'),
      manager: z.enum(['systemd', 'none']).describe('none: this machine has no journal to read'),
    }),
    http: { method: 'GET', path: '/appliance/logs/journal' },
  }),
  powerAction('reboot', 'Reboot the appliance (refused while jobs run unless forced; type "reboot" to confirm)'),
  powerAction('shutdown', 'Shut the appliance down (refused while jobs run unless forced; type "shutdown" to confirm)'),
  defineContract({
    name: 'appliance.licenses.list',
    summary: 'Feature licenses: what each feature may do and until when, and the imported license files',
    permission: 'appliance.read',
    mutating: false,
    input: z.object({}),
    output: z.object({
      features: z.array(featureStatusSchema).describe('Every licensable feature, licensed or not'),
      licenses: z.array(licenseSchema).describe('Imported licenses'),
      trialEndsAt: isoTime().nullable().describe('When the trial that every fresh install gets ends (null: no trial)'),
    }),
    http: { method: 'GET', path: '/appliance/licenses' },
  }),
  defineContract({
    name: 'appliance.licenses.import',
    summary: 'Import a license file (its one line of text)',
    permission: 'appliance.licenses',
    mutating: true,
    input: z.object({
      text: z
        .string()
        .min(1)
        .max(16 * 1024)
        .describe('The license file: one line, calypso-license-1.<payload>.<signature>'),
    }),
    output: licenseSchema,
    http: { method: 'POST', path: '/appliance/licenses' },
  }),
  defineContract({
    name: 'appliance.licenses.remove',
    summary: 'Remove a license (its features stop working unless another license or the trial grants them)',
    permission: 'appliance.licenses',
    mutating: true,
    dangerous: true,
    input: z.object({ id: licenseId }),
    output: z.object({ ok: z.literal(true) }),
    target: (i) => i.id,
    http: { method: 'DELETE', path: '/appliance/licenses/:id' },
  }),
]);
