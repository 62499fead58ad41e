/**
 * Data protection (issue 14): periodic snapshot tasks (a schedule, a naming schema, a lifetime),
 * replication tasks (push or pull, to a local pool or over SSH) and the SSH connections they use.
 *
 * Who may do what:
 * - reading tasks, connections (public keys and pinned fingerprints only) and timelines:
 *   snapshots.read / replication.read;
 * - running a task now: snapshots.write (snapshot tasks) / replication.operate (replication), so
 *   an Operator may protect data on demand under the rules an Admin set;
 * - creating, changing or deleting tasks (a lifetime decides what retention destroys, a target
 *   decides where data goes) and SSH connections, key material and host-key trust:
 *   snapshots.tasks.admin / replication.admin, Admin only.
 */
import { z } from 'zod';
import { contractSet, defineContract, definePermissions } from './core.js';
import { cronProblem } from './cron.js';
import { listOf, listShape, rowId } from './list.js';
import { namingSchemaProblem, parseLifetime } from './snapshot-naming.js';
import { anyDatasetName } from './storage.js';
import { plainText } from './text.js';
import { isoTime } from './time.js';
import { jobSchema } from './jobs.js';

export const replicationPermissions = definePermissions([
  {
    name: 'snapshots.tasks.admin',
    description: 'Create, change and delete periodic snapshot tasks (their lifetimes decide what retention destroys)',
    level: 'admin',
  },
  { name: 'replication.read', description: 'See replication tasks, their state, SSH connections (public parts) and timelines', level: 'read' },
  { name: 'replication.operate', description: 'Run a replication task now', level: 'operate' },
  {
    name: 'replication.admin',
    description: 'Create, change and delete replication tasks and SSH connections, their keys and trusted host keys',
    level: 'admin',
  },
]);

/** A cron expression a task can use: five fields, firing at least once. */
const taskCron = z
  .string()
  .max(100)
  .superRefine((v, ctx) => {
    const problem = cronProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: `the schedule ${problem}` });
  })
  .meta({
    description: 'When it runs: five cron fields, minute hour day month weekday (the console offers hourly, daily at, weekly on, custom)',
    examples: ['0 * * * *'],
  });

export const namingSchema = z
  .string()
  .max(200)
  .superRefine((v, ctx) => {
    const problem = namingSchemaProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: `the naming schema ${problem}` });
  })
  .describe('Snapshot names with strftime fields: %Y %m %d %H %M (and %S %y %j, or %s alone), e.g. auto-%Y-%m-%d_%H-%M');

const lifetime = z
  .string()
  .max(40)
  .refine((v) => parseLifetime(v) !== null, 'a lifetime is a number and a unit: "12 hours", "2 weeks", "6 months" (30 days), "1 year"')
  .describe('How long its snapshots are kept, e.g. "2 weeks"');

const clock = z
  .string()
  .max(5)
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day HH:MM (24 h)')
  .describe('Time of day HH:MM');

const excludeList = z.array(anyDatasetName).max(100).describe('Children left out (with their own children)');

const taskId = rowId('Task id');
const connectionId = rowId('SSH connection id');

export const RUN_STATES = ['never', 'running', 'succeeded', 'skipped', 'waiting', 'failed'] as const;

const lastRunSchema = z
  .object({
    at: isoTime().describe('When it last ran'),
    state: z.enum(RUN_STATES).describe('How it ended'),
    message: z.string().describe('What happened, in words'),
    jobId: z.number().nullable().describe('Its job (log and progress)'),
  })
  .nullable()
  .describe('The last run (null: never ran)');

export const snapshotTaskSchema = z.object({
  id: z.number().describe('Task id'),
  dataset: z.string().describe('Dataset snapshotted'),
  recursive: z.boolean().describe('Also its children'),
  exclude: z.array(z.string()).describe('Children left out'),
  namingSchema: z.string().describe('Naming schema'),
  keepFor: z.string().describe('Lifetime in words'),
  lifetimeSeconds: z.number().describe('Lifetime of its snapshots'),
  cron: z.string().describe('Schedule (cron)'),
  cronText: z.string().describe('Schedule in words'),
  windowFrom: z.string().nullable().describe('Runs only from this time of day (HH:MM), or at any hour'),
  windowTo: z.string().nullable().describe('Runs only until this time of day (HH:MM)'),
  allowEmpty: z.boolean().describe('Takes a snapshot even when nothing was written since the last one'),
  enabled: z.boolean().describe('Runs when due'),
  description: z.string().describe('A note for people'),
  scheduleId: z.number().nullable().describe('Its schedule in the one scheduler'),
  nextRunAt: isoTime().nullable().describe('Next run (null when disabled)'),
  lastRun: lastRunSchema,
  state: z.string().describe('Its state in words, with the next step when something is wrong'),
});
export type SnapshotTask = z.infer<typeof snapshotTaskSchema>;

const snapshotTaskFields = {
  dataset: anyDatasetName.describe('Dataset to snapshot'),
  recursive: z.boolean().default(false).describe('Also its children (one atomic snapshot)'),
  exclude: excludeList.default([]),
  namingSchema: namingSchema.default('auto-%Y-%m-%d_%H-%M'),
  lifetime: lifetime.default('2 weeks'),
  cron: taskCron,
  windowFrom: clock.nullable().default(null).describe('Only run from this time of day (HH:MM); null: any hour'),
  windowTo: clock.nullable().default(null).describe('Only run until this time of day (HH:MM); null: any hour'),
  allowEmpty: z.boolean().default(true).describe('Take a snapshot even when nothing was written (false: skip, reading the written property)'),
  enabled: z.boolean().default(true).describe('Runs when due'),
  description: plainText().max(200).default('').describe('A note for people'),
};

export const DIRECTIONS = ['push', 'pull'] as const;
export const TRANSPORTS = ['local', 'ssh'] as const;
export const TARGET_RETENTION = ['same', 'custom', 'none'] as const;

export const replicationTaskSchema = z.object({
  id: z.number().describe('Task id'),
  name: z.string().describe('Name'),
  direction: z.enum(DIRECTIONS).describe('push: from here to the target; pull: from the peer to here'),
  transport: z.enum(TRANSPORTS).describe('local (another pool here) or ssh'),
  connectionId: z.number().nullable().describe('SSH connection (ssh transport)'),
  sources: z.array(z.string()).describe('Source datasets'),
  target: z.string().describe('Target dataset (sources land below it, by their last name part)'),
  recursive: z.boolean().describe('Also the sources children'),
  exclude: z.array(z.string()).describe('Children left out'),
  snapshotTaskIds: z.array(z.number()).describe('Replicates the snapshots of these periodic snapshot tasks'),
  namingSchema: z.string().nullable().describe('Or the snapshots whose names match this schema'),
  trigger: z.enum(['after-snapshot-task', 'schedule']).describe('Runs after its snapshot tasks, or on its own schedule'),
  cron: z.string().nullable().describe('Its own schedule'),
  cronText: z.string().nullable().describe('Its schedule in words'),
  intermediates: z.boolean().describe('Sends every snapshot in between (zfs send -I) rather than only the selected ones (-i)'),
  properties: z.boolean().describe('Sends dataset properties (-p)'),
  raw: z.boolean().describe('Raw send of encrypted datasets (-w)'),
  compressed: z.boolean().describe('Compressed, large-block stream (-c -L -e)'),
  allowFromScratch: z.boolean().describe('A full send is allowed when source and target share no snapshot'),
  allowTargetRollback: z.boolean().describe('The target is rolled back to the last common snapshot (receive -F) when it has newer ones'),
  targetReadOnly: z.boolean().describe('The target is kept read-only'),
  targetRetention: z.enum(TARGET_RETENTION).describe("same as the source's tasks, a custom lifetime, or none (keep everything)"),
  targetLifetimeSeconds: z.number().nullable().describe('Lifetime on the target (custom retention)'),
  retries: z.number().describe('Retries after a network error'),
  retryDelaySeconds: z.number().describe('First wait before a retry; doubled each time'),
  bandwidthLimitBytes: z.number().nullable().describe('Bytes per second the stream may take (null: no limit)'),
  lagAlertSeconds: z.number().nullable().describe('Alert when the replica is older than this'),
  enabled: z.boolean().describe('Runs when due'),
  description: z.string().describe('A note for people'),
  scheduleId: z.number().nullable().describe('Its schedule in the one scheduler'),
  nextRunAt: isoTime().nullable().describe('Next scheduled run'),
  lastRun: lastRunSchema,
  lastSuccessAt: isoTime().nullable().describe('When a run last brought the target up to date'),
  lagSeconds: z.number().nullable().describe('Age of the newest snapshot on every target (null: never replicated)'),
  state: z.string().describe('Its state in words, always with the next step'),
});
export type ReplicationTask = z.infer<typeof replicationTaskSchema>;

const replicationTaskFields = {
  name: plainText().min(1).max(100).describe('Name'),
  direction: z.enum(DIRECTIONS).default('push').describe('push (here to the target) or pull (the peer to here)'),
  transport: z.enum(TRANSPORTS).default('local').describe('local or ssh'),
  connectionId: connectionId.nullable().default(null).describe('SSH connection (ssh transport; null: local)'),
  sources: z.array(anyDatasetName).min(1).max(50).describe('Source datasets'),
  target: anyDatasetName.describe('Target dataset'),
  recursive: z.boolean().default(false).describe('Also the sources children'),
  exclude: excludeList.default([]),
  snapshotTaskIds: z.array(taskId).max(20).default([]).describe('Replicate the snapshots of these periodic snapshot tasks'),
  namingSchema: namingSchema.nullable().default(null).describe('Or replicate snapshots whose names match this schema'),
  trigger: z.enum(['after-snapshot-task', 'schedule']).default('after-snapshot-task').describe('After its snapshot tasks, or on its own schedule'),
  cron: taskCron.nullable().default(null).describe('Its own schedule (trigger schedule)'),
  intermediates: z.boolean().default(true).describe('zfs send -I (every snapshot in between) rather than -i'),
  properties: z.boolean().default(true).describe('Send dataset properties (-p)'),
  raw: z.boolean().default(false).describe('Raw send (-w), for encrypted datasets'),
  compressed: z.boolean().default(true).describe('Compressed, large-block stream'),
  allowFromScratch: z.boolean().default(false).describe('Allow a full send when there is no common snapshot'),
  allowTargetRollback: z.boolean().default(false).describe('Roll the target back to the last common snapshot when it has newer ones'),
  targetReadOnly: z.boolean().default(true).describe('Keep the target read-only'),
  targetRetention: z.enum(TARGET_RETENTION).default('same').describe('same, custom or none'),
  targetLifetime: lifetime.nullable().default(null).describe('Lifetime on the target (custom retention)'),
  retries: z.number().int().min(0).max(10).default(3).describe('Retries after a network error'),
  retryDelaySeconds: z.number().int().min(0).max(3600).default(30).describe('First wait before a retry (doubled each time)'),
  bandwidthLimitBytes: z
    .number()
    .int()
    .min(65_536)
    .max(1e12)
    .nullable()
    .default(null)
    .describe('Bytes per second the stream may take (at least 64 KiB/s; null: no limit)'),
  lagAlertSeconds: z
    .number()
    .int()
    .min(3600)
    .max(90 * 86400)
    .nullable()
    .default(null)
    .describe('Alert when the replica is older than this (null: no lag alert)'),
  enabled: z.boolean().default(true).describe('Runs when due'),
  description: plainText().max(200).default('').describe('A note for people'),
};

export const sshConnectionSchema = z.object({
  id: z.number().describe('Connection id'),
  name: z.string().describe('Name'),
  host: z.string().describe('Peer host name or address'),
  port: z.number().describe('SSH port'),
  user: z.string().describe('User on the peer'),
  publicKey: z.string().describe("Calypso's public key for this peer: add it to the peer's authorized_keys"),
  keyOrigin: z.enum(['generated', 'imported']).describe('Made by Calypso or imported'),
  hostKeyFingerprint: z.string().nullable().describe('The pinned host key (SHA256 fingerprint), null until confirmed'),
  offeredFingerprint: z.string().nullable().describe('A host key the peer offers that is not pinned yet: confirm it if it is the one you expect'),
  state: z.string().describe('In words, with the next step'),
});
export type SshConnection = z.infer<typeof sshConnectionSchema>;

export const SSH_HOST_PATTERN =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$|^[0-9A-Fa-f:]{2,39}$/;
export const SSH_USER_PATTERN = /^[a-z_][a-z0-9_.-]{0,31}$/;

const sshHost = z
  .string()
  .max(253)
  .regex(SSH_HOST_PATTERN, 'a host name (letters, digits, dots, hyphens; not starting with one) or an IP address')
  .describe('Peer host name or address');
const sshUser = z
  .string()
  .max(32)
  .regex(SSH_USER_PATTERN, 'a user name: lower-case letters, digits, _ . - (not starting with - or a digit)')
  .describe('User on the peer');
const privateKey = z
  .string()
  .max(16_384)
  .regex(
    /^-----BEGIN (OPENSSH|PRIVATE|EC PRIVATE|RSA PRIVATE) KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END (OPENSSH|PRIVATE|EC PRIVATE|RSA PRIVATE) KEY-----\r?\n?$/,
    'an unencrypted private key in OpenSSH or PEM form (-----BEGIN OPENSSH PRIVATE KEY----- ...)',
  )
  .describe('Private key to import (write-only: never shown again, kept 0600 in the data directory)');

const timelineSchema = z.object({
  dataset: z.string().describe('Dataset'),
  snapshots: z
    .array(
      z.object({
        name: z.string().describe('Snapshot name (after @)'),
        createdAt: isoTime().nullable().describe('When it was taken'),
        tasks: z.array(z.number()).describe('Snapshot tasks that name it'),
        holds: z.number().describe('User holds'),
        replicatedTo: z.array(z.string()).describe('Targets (task: dataset) holding the same snapshot'),
        retention: z.string().describe('What retention will do with it, and why'),
        expiresAt: isoTime().nullable().describe('When its lifetime ends (null: no task manages it)'),
      }),
    )
    .describe('Snapshots, oldest first'),
});

type Optionalized<S extends z.ZodRawShape> = { [K in keyof S]: z.ZodOptional<S[K] extends z.ZodDefault<infer T> ? T : S[K]> };

/** The fields of a create input as an update takes them: each optional, without its default. */
function optionalized<S extends z.ZodRawShape>(shape: S): Optionalized<S> {
  return Object.fromEntries(
    Object.entries(shape).map(([k, v]) => {
      const inner = v instanceof z.ZodDefault ? (v.unwrap() as z.ZodType) : (v as z.ZodType);
      return [k, inner.optional().describe((v as z.ZodType).description ?? inner.description ?? k)];
    }),
  ) as unknown as Optionalized<S>;
}

export const replicationContracts = contractSet([
  defineContract({
    name: 'snapshots.tasks.list',
    summary: 'List periodic snapshot tasks',
    permission: 'snapshots.read',
    mutating: false,
    input: z.object({ ...listShape, dataset: anyDatasetName.optional().describe('Only tasks of this dataset') }),
    output: listOf(snapshotTaskSchema),
    http: { method: 'GET', path: '/snapshot-tasks' },
  }),
  defineContract({
    name: 'snapshots.tasks.get',
    summary: 'Show a periodic snapshot task',
    permission: 'snapshots.read',
    mutating: false,
    input: z.object({ id: taskId }),
    output: snapshotTaskSchema,
    http: { method: 'GET', path: '/snapshot-tasks/:id' },
  }),
  defineContract({
    name: 'snapshots.tasks.create',
    summary: 'Create a periodic snapshot task (scheduled snapshots with a lifetime)',
    permission: 'snapshots.tasks.admin',
    mutating: true,
    input: z.object(snapshotTaskFields),
    output: snapshotTaskSchema,
    target: (i) => i.dataset,
    http: { method: 'POST', path: '/snapshot-tasks' },
  }),
  defineContract({
    name: 'snapshots.tasks.update',
    summary: 'Change a periodic snapshot task',
    permission: 'snapshots.tasks.admin',
    mutating: true,
    input: z.object({
      id: taskId,
      ...optionalized(snapshotTaskFields),
    }),
    output: snapshotTaskSchema,
    target: (i) => `snapshot task ${i.id}`,
    http: { method: 'PATCH', path: '/snapshot-tasks/:id' },
  }),
  defineContract({
    name: 'snapshots.tasks.delete',
    summary: 'Delete a periodic snapshot task (its snapshots stay)',
    permission: 'snapshots.tasks.admin',
    mutating: true,
    input: z.object({ id: taskId }),
    output: z.object({ deleted: z.boolean().describe('Always true') }),
    target: (i) => `snapshot task ${i.id}`,
    http: { method: 'DELETE', path: '/snapshot-tasks/:id' },
  }),
  defineContract({
    name: 'snapshots.tasks.run',
    summary: 'Run a periodic snapshot task now (snapshot, then its retention)',
    permission: 'snapshots.write',
    mutating: true,
    input: z.object({ id: taskId }),
    output: z.object({ job: jobSchema.describe('The run') }),
    target: (i) => `snapshot task ${i.id}`,
    http: { method: 'POST', path: '/snapshot-tasks/:id/run' },
  }),
  defineContract({
    name: 'replication.tasks.list',
    summary: 'List replication tasks',
    permission: 'replication.read',
    mutating: false,
    input: z.object({ ...listShape }),
    output: listOf(replicationTaskSchema),
    http: { method: 'GET', path: '/replication/tasks' },
  }),
  defineContract({
    name: 'replication.tasks.get',
    summary: 'Show a replication task',
    permission: 'replication.read',
    mutating: false,
    input: z.object({ id: taskId }),
    output: replicationTaskSchema,
    http: { method: 'GET', path: '/replication/tasks/:id' },
  }),
  defineContract({
    name: 'replication.tasks.create',
    summary: 'Create a replication task',
    permission: 'replication.admin',
    mutating: true,
    input: z.object(replicationTaskFields),
    output: replicationTaskSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/replication/tasks' },
  }),
  defineContract({
    name: 'replication.tasks.update',
    summary: 'Change a replication task',
    permission: 'replication.admin',
    mutating: true,
    input: z.object({
      id: taskId,
      ...optionalized(replicationTaskFields),
    }),
    output: replicationTaskSchema,
    target: (i) => `replication task ${i.id}`,
    http: { method: 'PATCH', path: '/replication/tasks/:id' },
  }),
  defineContract({
    name: 'replication.tasks.delete',
    summary: 'Delete a replication task (source and target data stay; its holds are released)',
    permission: 'replication.admin',
    mutating: true,
    input: z.object({ id: taskId }),
    output: z.object({ deleted: z.boolean().describe('Always true') }),
    target: (i) => `replication task ${i.id}`,
    http: { method: 'DELETE', path: '/replication/tasks/:id' },
  }),
  defineContract({
    name: 'replication.tasks.run',
    summary: 'Run a replication task now (409 while it runs)',
    permission: 'replication.operate',
    mutating: true,
    input: z.object({ id: taskId }),
    output: z.object({ job: jobSchema.describe('The run: progress (bytes of the estimate, rate, time left) and log') }),
    target: (i) => `replication task ${i.id}`,
    http: { method: 'POST', path: '/replication/tasks/:id/run' },
  }),
  defineContract({
    name: 'replication.timeline',
    summary: "A dataset's snapshots: which task took them, where they are replicated, what retention removes next",
    permission: 'replication.read',
    mutating: false,
    input: z.object({ dataset: anyDatasetName.describe('Dataset') }),
    output: timelineSchema,
    http: { method: 'GET', path: '/replication/timeline' },
  }),
  defineContract({
    name: 'replication.connections.list',
    summary: 'List SSH connections (public keys and pinned fingerprints; private keys never leave the appliance)',
    permission: 'replication.read',
    mutating: false,
    input: z.object({ ...listShape }),
    output: listOf(sshConnectionSchema),
    http: { method: 'GET', path: '/replication/connections' },
  }),
  defineContract({
    name: 'replication.connections.create',
    summary: "Create an SSH connection: a new ed25519 key pair (or an imported key) and the peer's host key offered for confirmation",
    permission: 'replication.admin',
    mutating: true,
    input: z.object({
      name: plainText().min(1).max(100).describe('Name'),
      host: sshHost,
      port: z.number().int().min(1).max(65535).default(22).describe('SSH port'),
      user: sshUser.default('root'),
      privateKey: privateKey.optional(),
    }),
    output: sshConnectionSchema,
    target: (i) => `${i.user}@${i.host}:${i.port}`,
    http: { method: 'POST', path: '/replication/connections' },
  }),
  defineContract({
    name: 'replication.connections.scan',
    summary: "Read the peer's host key again (after it changed): offered for confirmation, not trusted",
    permission: 'replication.admin',
    mutating: true,
    input: z.object({ id: connectionId }),
    output: sshConnectionSchema,
    target: (i) => `ssh connection ${i.id}`,
    http: { method: 'POST', path: '/replication/connections/:id/scan' },
  }),
  defineContract({
    name: 'replication.connections.trust',
    summary: 'Pin the offered host key after comparing its fingerprint',
    permission: 'replication.admin',
    mutating: true,
    dangerous: true,
    input: z.object({
      id: connectionId,
      fingerprint: z
        .string()
        .max(50)
        .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'a fingerprint SHA256:... as ssh shows it')
        .meta({ description: 'The fingerprint you compared', examples: ['SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s'] }),
    }),
    output: sshConnectionSchema,
    target: (i) => i.fingerprint,
    http: { method: 'POST', path: '/replication/connections/:id/trust' },
  }),
  defineContract({
    name: 'replication.connections.test',
    summary: 'Connect and run `zfs list` on the peer (a changed host key is read and offered for confirmation)',
    permission: 'replication.operate',
    mutating: true,
    input: z.object({ id: connectionId }),
    output: z.object({ ok: z.boolean().describe('Connected and ran zfs'), message: z.string().describe('What happened, with the next step') }),
    target: (i) => `ssh connection ${i.id}`,
    http: { method: 'POST', path: '/replication/connections/:id/test' },
  }),
  defineContract({
    name: 'replication.connections.delete',
    summary: 'Delete an SSH connection and its key pair (refused while a task uses it)',
    permission: 'replication.admin',
    mutating: true,
    dangerous: true,
    input: z.object({ id: connectionId }),
    output: z.object({ deleted: z.boolean().describe('Always true') }),
    target: (i) => `ssh connection ${i.id}`,
    http: { method: 'DELETE', path: '/replication/connections/:id' },
  }),
]);
