/**
 * Backup with Bacula (issue 11): clients, FileSets, schedules, pools, repositories and jobs the
 * director runs, their history and logs, live progress, volumes, and restores browsed with BVFS.
 *
 * Who may do what:
 * - backup.read (ReadOnly): definitions, history, status, volumes; never a password, never the
 *   names of backed-up files (browsing a backup reads the client's file names: operate).
 * - backup.operate (Operator): run, cancel and rerun jobs, label volumes, test a client, browse a
 *   backup and restore it to the client it came from, into the original location or the restore
 *   job's own folder. Nothing that widens access: restoring to another client or to a path of the
 *   operator's choosing would copy one machine's files where other people can read them.
 * - backup.admin (Admin): define clients, FileSets, schedules, pools, repositories and jobs
 *   (enable/disable included), change a volume's status or pool, purge and prune (typed
 *   confirmation), restore to another client or path.
 */
import { z } from 'zod';
import { contractSet, defineContract, definePermissions } from './core.js';
import { listOf, listShape, noInput } from './list.js';
import { isoTime } from './time.js';

export const backupPermissions = definePermissions([
  { name: 'backup.read', description: 'See backup clients, jobs, schedules, pools, volumes, history and logs', level: 'read' },
  { name: 'backup.operate', description: 'Run, cancel and rerun backups, label volumes, browse backups and restore to the original client', level: 'operate' },
  {
    name: 'backup.admin',
    description: 'Define backup clients, FileSets, schedules, pools, repositories and jobs; purge and prune volumes; restore anywhere',
    level: 'admin',
  },
]);

const ok = z.object({ ok: z.literal(true).describe('Done') });

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const nameOf = (what: string) => z.string().max(63).regex(NAME, `${what}: 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit`);
/** An absolute path Bacula and bconsole can carry: no quotes, backslashes or control characters, no `..`. */
// eslint-disable-next-line no-control-regex -- control characters are what is refused
const PATH = /^\/[^"\\\u0000-\u001f\u007f]{0,1022}$/;
const pathOf = (what: string) =>
  z
    .string()
    .max(1023)
    .regex(PATH, `${what}: an absolute path without quotes, backslashes or control characters`)
    .refine((p) => !p.split('/').includes('..'), `${what}: no '..'`);
const ADDRESS = /^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$/;

export const BACKUP_LEVELS = ['Full', 'Incremental', 'Differential'] as const;
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export const VOLUME_STATUSES = ['Append', 'Full', 'Used', 'Read-Only', 'Disabled', 'Archive', 'Error'] as const;

const forceRestart = z
  .boolean()
  .default(false)
  .describe('Restart the storage daemon even while jobs run on it (they are ended); without it the change is refused, naming them')
  .meta({ label: 'Restart even while jobs run' });

const jobIdField = z.coerce.number().int().positive().max(2_147_483_647).describe("Bacula's job number (JobId)").meta({ label: 'Bacula job' });

// Clients

export const backupClientSchema = z.object({
  name: z.string().describe('Client (file daemon) name'),
  managed: z.boolean().describe("Defined in Calypso (false: in the director's own configuration, shown read-only)"),
  address: z.string().describe('Host name or address'),
  port: z.number().describe('File daemon port'),
  catalog: z.string().describe('Catalog its jobs are recorded in'),
  fileRetentionDays: z.number().describe('Days file records are kept'),
  jobRetentionDays: z.number().describe('Days job records are kept'),
  enabled: z.boolean().describe('Jobs may run on it'),
  passwordSet: z.boolean().describe('Calypso holds its password (never shown)'),
  reachable: z.boolean().nullable().describe('Answered `status client` (null: not asked)'),
  version: z.string().nullable().describe('File daemon version when reachable'),
  error: z.string().nullable().describe('Why it could not be reached'),
});
export type BackupClient = z.infer<typeof backupClientSchema>;

const clientFields = {
  address: z.string().max(253).regex(ADDRESS, 'a host name or IP address').describe('Host name or address of the file daemon'),
  port: z.number().int().min(1).max(65535).default(9102).describe('File daemon port (9102)'),
  password: z
    .string()
    .min(12)
    .max(128)
    // eslint-disable-next-line no-control-regex -- control characters are what is refused
    .regex(/^[^\u0000-\u001f\u007f]+$/, 'no control characters')
    .describe("The file daemon's Director password (12-128 characters); write-only"),
  fileRetentionDays: z.number().int().min(1).max(36500).default(60).describe('Days file records are kept (60)'),
  jobRetentionDays: z.number().int().min(1).max(36500).default(180).describe('Days job records are kept (180)'),
  enabled: z.boolean().default(true).describe('Jobs may run on it'),
};

// FileSets, schedules, pools, repositories

export const backupFileSetSchema = z.object({
  name: z.string().describe('FileSet name'),
  include: z.array(z.string()).describe('Folders and files backed up'),
  exclude: z.array(z.string()).describe('Folders and files left out'),
  compression: z.enum(['none', 'gzip', 'lzo']).describe('Software compression'),
  signature: z.enum(['none', 'MD5', 'SHA1']).describe('Checksum recorded per file'),
});

const scheduleRunSchema = z.object({
  level: z.enum(BACKUP_LEVELS).describe('Backup level of this run'),
  hour: z.number().int().min(0).max(23).describe('Hour of the day it starts (0-23)'),
  minute: z.number().int().min(0).max(59).default(0).describe('Minute it starts (0-59)'),
  days: z.array(z.enum(WEEKDAYS)).max(7).default([]).describe('Days of the week (none: every day)'),
});
export const backupScheduleSchema = z.object({
  name: z.string().describe('Schedule name'),
  runs: z.array(scheduleRunSchema).describe('When it runs, at which level'),
});

export const backupPoolSchema = z.object({
  name: z.string().describe('Pool name'),
  volumeRetentionDays: z.number().describe('Days before a volume may be recycled'),
  maxVolumeBytes: z.number().nullable().describe('Largest volume size in bytes (null: no limit)'),
  labelFormat: z.string().nullable().describe('Prefix Bacula labels new volumes with automatically (null: label by hand)'),
  recycle: z.boolean().describe('Volumes past retention are reused'),
  autoPrune: z.boolean().describe('Expired records are pruned after each job'),
  managed: z.boolean().describe('Defined in Calypso (false: in the director’s own configuration)'),
  volumes: z.number().describe('Volumes in the pool'),
  totalBytes: z.number().describe('Bytes on its volumes'),
  appendable: z.number().describe('Volumes that can take more data'),
});

export const backupRepositorySchema = z.object({
  name: z.string().describe('Repository (storage) name'),
  dataset: z.string().describe('ZFS dataset holding its volumes'),
  path: z.string().describe('Archive folder on the dataset'),
  mediaType: z.string().describe('Media type of its volumes'),
  maxConcurrentJobs: z.number().describe('Jobs writing at once'),
  usedBytes: z.number().nullable().describe('Used bytes of the dataset'),
  availableBytes: z.number().nullable().describe('Free bytes of the dataset'),
});

// Jobs and runs

export const backupJobDefsSchema = z.object({
  name: z.string().describe('JobDefs name'),
  client: z.string().nullable().describe('Client (null: each job sets its own)'),
  fileset: z.string().nullable().describe('File set (null: each job sets its own)'),
  schedule: z.string().nullable().describe('Schedule (null: none)'),
  pool: z.string().nullable().describe('Pool (null: each job sets its own)'),
  storage: z.string().nullable().describe('Storage (null: each job sets its own)'),
  level: z.enum(BACKUP_LEVELS).nullable().describe('Default level (null: each job sets its own)'),
  priority: z.number().nullable().describe('Priority (null: each job sets its own)'),
  maxRunSeconds: z.number().nullable().describe('Cancelled after this long (null: no limit)'),
});

/** JobDefs fields, unset (null) by default on create, left as they are when absent on update. */
const jobDefsField = {
  client: () => nameOf('client').nullable().describe('Client (null: each job sets its own)'),
  fileset: () => nameOf('FileSet').nullable().describe('File set (null: each job sets its own)'),
  schedule: () => nameOf('schedule').nullable().describe('Schedule (null: none)'),
  pool: () => nameOf('pool').nullable().describe('Pool (null: each job sets its own)'),
  storage: () => nameOf('storage').nullable().describe('Storage (null: each job sets its own)'),
  level: () => z.enum(BACKUP_LEVELS).nullable().describe('Default level (null: each job sets its own)'),
  priority: () => z.number().int().min(1).max(100).nullable().describe('Priority, lower runs first (null: each job sets its own)'),
  maxRunSeconds: () =>
    z
      .number()
      .int()
      .min(60)
      .max(30 * 86400)
      .nullable()
      .describe('Cancel after this long (null: no limit)'),
};
const jobDefsCreateFields = {
  client: jobDefsField.client().default(null),
  fileset: jobDefsField.fileset().default(null),
  schedule: jobDefsField.schedule().default(null),
  pool: jobDefsField.pool().default(null),
  storage: jobDefsField.storage().default(null),
  level: jobDefsField.level().default(null),
  priority: jobDefsField.priority().default(null),
  maxRunSeconds: jobDefsField.maxRunSeconds().default(null),
};
const jobDefsUpdateFields = {
  client: jobDefsField.client().optional(),
  fileset: jobDefsField.fileset().optional(),
  schedule: jobDefsField.schedule().optional(),
  pool: jobDefsField.pool().optional(),
  storage: jobDefsField.storage().optional(),
  level: jobDefsField.level().optional(),
  priority: jobDefsField.priority().optional(),
  maxRunSeconds: jobDefsField.maxRunSeconds().optional(),
};

export const backupJobSchema = z.object({
  name: z.string().describe('Job name'),
  managed: z.boolean().describe("Defined in Calypso (false: in the director's own configuration, shown read-only)"),
  jobDefs: z.string().nullable().describe('JobDefs it takes the values it does not set from (null: none)'),
  client: z.string().describe('Client backed up'),
  fileset: z.string().describe('FileSet'),
  schedule: z.string().nullable().describe('Schedule (null: run by hand)'),
  pool: z.string().describe('Pool written to'),
  storage: z.string().describe('Storage (repository) written to'),
  level: z.enum(BACKUP_LEVELS).describe('Default level'),
  priority: z.number().describe('Priority (lower runs first)'),
  maxRunSeconds: z.number().nullable().describe('Cancelled after this long (null: no limit)'),
  enabled: z.boolean().describe('Its schedule runs it'),
  lastRun: z
    .object({
      jobId: z.number().describe('JobId'),
      status: z.string().describe('Status in words'),
      ok: z.boolean().describe('Ended well'),
      at: isoTime().nullable().describe('Started'),
    })
    .nullable()
    .describe('The last run in the catalog'),
});

export const backupRunSchema = z.object({
  jobId: z.number().describe("Bacula's JobId"),
  name: z.string().describe('Job name'),
  type: z.string().describe('Type code (B backup, R restore...)'),
  typeText: z.string().describe('Type in words'),
  level: z.string().describe('Level code (F, I, D)'),
  levelText: z.string().describe('Level in words'),
  status: z.string().describe('Bacula status code (T, E, f, A, R...)'),
  statusText: z.string().describe('Status in words'),
  outcome: z.enum(['ok', 'warning', 'failed', 'cancelled', 'running', 'waiting']).describe('What the status means'),
  files: z.number().describe('Files'),
  jobBytes: z.number().describe('Bytes written by the job'),
  startedAt: isoTime().nullable().describe('Started'),
  endedAt: isoTime().nullable().describe('Ended'),
  durationSeconds: z.number().nullable().describe('Duration'),
  rateBytes: z.number().nullable().describe('Average rate, bytes per second'),
  errors: z.number().describe('Errors'),
  client: z.string().nullable().describe('Client'),
  pool: z.string().nullable().describe('Pool'),
});
export type BackupRun = z.infer<typeof backupRunSchema>;

export const runningJobSchema = backupRunSchema.extend({
  waiting: z
    .object({ reason: z.string().describe('What it waits for, in plain words'), action: z.string().describe('What fixes it') })
    .nullable()
    .describe('Why it is not moving, or null'),
  progress: z
    .object({
      files: z.number().describe('Files so far'),
      doneBytes: z.number().describe('Bytes so far'),
      rateBytes: z.number().describe('Average rate, bytes per second'),
      expectedBytes: z.number().nullable().describe('Bytes of the previous successful run of the same job and level'),
      percent: z.number().nullable().describe('Done, from the previous run (null: no previous run)'),
      remainingSeconds: z.number().nullable().describe('Estimated time left'),
      currentFile: z.string().nullable().describe('File being read'),
    })
    .nullable()
    .describe('Live counters from the file daemon (null: not reading yet)'),
});

export const directorStatusSchema = z.object({
  name: z.string().describe('Director name'),
  version: z.string().describe('Director version'),
  running: z.array(runningJobSchema).describe('Jobs running or waiting'),
  recent: z.array(backupRunSchema).describe('Jobs that ended since the director started'),
});

export const jobLogSchema = z.object({
  run: backupRunSchema,
  log: z.array(z.object({ at: isoTime().nullable().describe('When'), text: z.string().describe('Message') })).describe('The job log'),
});

export const volumeSchema = z.object({
  mediaId: z.number().describe('MediaId'),
  name: z.string().describe('Volume name'),
  status: z.string().describe('Volume status (Append, Full, Used, Read-Only...)'),
  usedBytes: z.number().describe('Bytes written on it'),
  pool: z.string().nullable().describe('Pool'),
  mediaType: z.string().describe('Media type'),
  lastWrittenAt: isoTime().nullable().describe('Last written'),
});

export const browseEntrySchema = z.object({
  name: z.string().describe('Name (folders end in /)'),
  path: z.string().describe('Full path'),
  isDir: z.boolean().describe('A folder'),
  id: z.number().describe('The id to select it by: FileId for a file, PathId for a folder'),
  jobId: z.number().describe('The job the entry comes from'),
  sizeBytes: z.number().describe('Size'),
  modifiedAt: isoTime().nullable().describe('Modified'),
});

const startedSchema = z.object({
  jobId: z.number().describe("Bacula's JobId"),
  calypsoJobId: z.number().describe('The Calypso job that follows it (progress on the event stream)'),
});

const volumeName = nameOf('volume').max(63).describe('Volume name');

export const backupContracts = contractSet([
  defineContract({
    name: 'backup.status',
    summary: 'Director status: running jobs with progress and waiting reasons, recent ends',
    permission: 'backup.read',
    mutating: false,
    input: noInput,
    output: directorStatusSchema,
    http: { method: 'GET', path: '/backup/status' },
  }),
  // Clients
  defineContract({
    name: 'backup.clients.list',
    summary: 'Backup clients, with whether each answers',
    permission: 'backup.read',
    mutating: false,
    input: z.object({ ...listShape, probe: z.coerce.boolean().default(true).describe('Ask each client for its status (one bconsole session)') }),
    output: listOf(backupClientSchema),
    http: { method: 'GET', path: '/backup/clients' },
  }),
  defineContract({
    name: 'backup.clients.create',
    summary: 'Add a backup client',
    permission: 'backup.admin',
    mutating: true,
    input: z.object({ name: nameOf('client').describe('Client name, e.g. web1-fd'), ...clientFields }),
    output: backupClientSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/backup/clients' },
  }),
  defineContract({
    name: 'backup.clients.update',
    summary: 'Change a backup client (enable, disable, address, password, retention)',
    permission: 'backup.admin',
    mutating: true,
    input: z.object({
      name: nameOf('client').describe('Client name'),
      address: clientFields.address.optional(),
      port: z.number().int().min(1).max(65535).optional().describe('File daemon port'),
      password: clientFields.password.optional(),
      fileRetentionDays: z.number().int().min(1).max(36500).optional().describe('Days file records are kept'),
      jobRetentionDays: z.number().int().min(1).max(36500).optional().describe('Days job records are kept'),
      enabled: z.boolean().optional().describe('Jobs may run on it'),
    }),
    output: backupClientSchema,
    target: (i) => i.name,
    http: { method: 'PATCH', path: '/backup/clients/:name' },
  }),
  defineContract({
    name: 'backup.clients.delete',
    summary: 'Remove a backup client (refused while a job uses it; its catalog records stay)',
    permission: 'backup.admin',
    mutating: true,
    dangerous: true,
    input: z.object({ name: nameOf('client').describe('Client name') }),
    output: ok,
    target: (i) => i.name,
    http: { method: 'DELETE', path: '/backup/clients/:name' },
  }),
  defineContract({
    name: 'backup.clients.test',
    summary: "Test the connection to a client's file daemon",
    permission: 'backup.operate',
    mutating: true,
    input: z.object({ name: nameOf('client').describe('Client name') }),
    output: backupClientSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/backup/clients/:name/test' },
  }),
  // FileSets
  defineContract({
    name: 'backup.filesets.list',
    summary: 'FileSets: what jobs back up',
    permission: 'backup.read',
    mutating: false,
    input: z.object({ ...listShape }),
    output: listOf(backupFileSetSchema),
    http: { method: 'GET', path: '/backup/filesets' },
  }),
  defineContract({
    name: 'backup.filesets.create',
    summary: 'Define a FileSet',
    permission: 'backup.admin',
    mutating: true,
    input: z.object({
      name: nameOf('FileSet').describe('File set name, e.g. home-dirs'),
      include: z.array(pathOf('include').describe('A folder or file, e.g. /srv/data')).min(1).max(100).describe('Folders and files to back up'),
      exclude: z.array(pathOf('exclude').describe('A folder or file, e.g. /srv/data/cache')).max(100).default([]).describe('Folders and files to leave out'),
      compression: z.enum(['none', 'gzip', 'lzo']).default('none').describe('Software compression'),
      signature: z.enum(['none', 'MD5', 'SHA1']).default('MD5').describe('Checksum recorded per file'),
    }),
    output: backupFileSetSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/backup/filesets' },
  }),
  defineContract({
    name: 'backup.filesets.update',
    summary: 'Change a FileSet (folders, exclusions, compression, checksum)',
    description: 'The next run of each job using it is a Full: Bacula upgrades the level when a FileSet changes.',
    permission: 'backup.admin',
    mutating: true,
    input: z.object({
      name: nameOf('FileSet').describe('File set name'),
      include: z.array(pathOf('include').describe('A folder or file, e.g. /srv/data')).min(1).max(100).optional().describe('Folders and files to back up'),
      exclude: z.array(pathOf('exclude').describe('A folder or file, e.g. /srv/data/cache')).max(100).optional().describe('Folders and files to leave out'),
      compression: z.enum(['none', 'gzip', 'lzo']).optional().describe('Software compression'),
      signature: z.enum(['none', 'MD5', 'SHA1']).optional().describe('Checksum recorded per file'),
    }),
    output: backupFileSetSchema,
    target: (i) => i.name,
    http: { method: 'PATCH', path: '/backup/filesets/:name' },
  }),
  defineContract({
    name: 'backup.filesets.delete',
    summary: 'Remove a FileSet (refused while a job uses it)',
    permission: 'backup.admin',
    mutating: true,
    dangerous: true,
    input: z.object({ name: nameOf('FileSet').describe('File set name') }),
    output: ok,
    target: (i) => i.name,
    http: { method: 'DELETE', path: '/backup/filesets/:name' },
  }),
  // Schedules
  defineContract({
    name: 'backup.schedules.list',
    summary: 'Backup schedules',
    permission: 'backup.read',
    mutating: false,
    input: z.object({ ...listShape }),
    output: listOf(backupScheduleSchema),
    http: { method: 'GET', path: '/backup/schedules' },
  }),
  defineContract({
    name: 'backup.schedules.create',
    summary: 'Define a backup schedule (levels, days, time of day)',
    permission: 'backup.admin',
    mutating: true,
    input: z.object({
      name: nameOf('schedule').describe('Schedule name, e.g. nightly'),
      runs: z.array(scheduleRunSchema).min(1).max(20).describe('When it runs'),
    }),
    output: backupScheduleSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/backup/schedules' },
  }),
  defineContract({
    name: 'backup.schedules.update',
    summary: 'Change when a schedule runs (its levels, days and times)',
    permission: 'backup.admin',
    mutating: true,
    input: z.object({
      name: nameOf('schedule').describe('Schedule name'),
      runs: z.array(scheduleRunSchema).min(1).max(20).describe('When it runs (replaces the previous runs)'),
    }),
    output: backupScheduleSchema,
    target: (i) => i.name,
    http: { method: 'PATCH', path: '/backup/schedules/:name' },
  }),
  defineContract({
    name: 'backup.schedules.delete',
    summary: 'Remove a schedule (refused while a job uses it)',
    permission: 'backup.admin',
    mutating: true,
    dangerous: true,
    input: z.object({ name: nameOf('schedule').describe('Schedule name') }),
    output: ok,
    target: (i) => i.name,
    http: { method: 'DELETE', path: '/backup/schedules/:name' },
  }),
  // Pools
  defineContract({
    name: 'backup.pools.list',
    summary: 'Pools with their volume totals',
    permission: 'backup.read',
    mutating: false,
    input: z.object({ ...listShape }),
    output: listOf(backupPoolSchema),
    http: { method: 'GET', path: '/backup/pools' },
  }),
  defineContract({
    name: 'backup.pools.create',
    summary: 'Define a pool',
    permission: 'backup.admin',
    mutating: true,
    input: z.object({
      name: nameOf('pool').describe('Pool name, e.g. Daily'),
      volumeRetentionDays: z.number().int().min(1).max(36500).default(365).describe('Days before a volume may be recycled (365)'),
      maxVolumeBytes: z
        .number()
        .int()
        .min(1024 * 1024)
        .max(Number.MAX_SAFE_INTEGER)
        .nullable()
        .default(50 * 1024 ** 3)
        .describe('Largest volume in bytes (50 GiB; null: no limit)'),
      labelFormat: nameOf('label format').max(40).nullable().default(null).describe('Prefix for automatic labels, e.g. Vol- (null: label by hand)'),
      recycle: z.boolean().default(true).describe('Reuse volumes past retention'),
      autoPrune: z.boolean().default(true).describe('Prune expired records after each job'),
    }),
    output: backupPoolSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/backup/pools' },
  }),
  defineContract({
    name: 'backup.pools.update',
    summary: "Change a pool's retention, volume size, label format or recycling (its existing volumes follow)",
    permission: 'backup.admin',
    mutating: true,
    input: z.object({
      name: nameOf('pool').describe('Pool name'),
      volumeRetentionDays: z.number().int().min(1).max(36500).optional().describe('Days before a volume may be recycled'),
      maxVolumeBytes: z
        .number()
        .int()
        .min(1024 * 1024)
        .max(Number.MAX_SAFE_INTEGER)
        .nullable()
        .optional()
        .describe('Largest volume in bytes (null: no limit)'),
      labelFormat: nameOf('label format').max(40).nullable().optional().describe('Prefix for automatic labels (null: label by hand)'),
      recycle: z.boolean().optional().describe('Reuse volumes past retention'),
      autoPrune: z.boolean().optional().describe('Prune expired records after each job'),
    }),
    output: backupPoolSchema,
    target: (i) => i.name,
    http: { method: 'PATCH', path: '/backup/pools/:name' },
  }),
  defineContract({
    name: 'backup.pools.delete',
    summary: 'Remove a pool definition (refused while a job uses it; its volumes stay in the catalog)',
    permission: 'backup.admin',
    mutating: true,
    dangerous: true,
    input: z.object({ name: nameOf('pool').describe('Pool name') }),
    output: ok,
    target: (i) => i.name,
    http: { method: 'DELETE', path: '/backup/pools/:name' },
  }),
  // Repositories
  defineContract({
    name: 'backup.repositories.list',
    summary: 'Backup repositories: ZFS datasets used as File devices, with their space',
    permission: 'backup.read',
    mutating: false,
    input: z.object({ ...listShape }),
    output: listOf(backupRepositorySchema),
    http: { method: 'GET', path: '/backup/repositories' },
  }),
  defineContract({
    name: 'backup.repositories.create',
    summary: 'Make a ZFS dataset a backup repository (a File device and its Storage)',
    permission: 'backup.admin',
    mutating: true,
    input: z.object({
      name: nameOf('repository').describe('Repository (Storage and Device) name, e.g. repo1'),
      dataset: z.string().min(1).max(255).describe('A mounted ZFS filesystem dedicated to backups, e.g. tank/backups/bacula'),
      mediaType: nameOf('media type').default('File').describe('Media type of its volumes (File)'),
      maxConcurrentJobs: z.number().int().min(1).max(100).default(5).describe('Jobs writing at once (5)'),
      force: forceRestart,
    }),
    output: backupRepositorySchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/backup/repositories' },
  }),
  defineContract({
    name: 'backup.repositories.update',
    summary: 'Change a repository’s media type or concurrent jobs (restarts the storage daemon)',
    permission: 'backup.admin',
    mutating: true,
    input: z.object({
      name: nameOf('repository').describe('Repository name'),
      mediaType: nameOf('media type').optional().describe('Media type of its volumes'),
      maxConcurrentJobs: z.number().int().min(1).max(100).optional().describe('Jobs writing at once'),
      force: forceRestart,
    }),
    output: backupRepositorySchema,
    target: (i) => i.name,
    http: { method: 'PATCH', path: '/backup/repositories/:name' },
  }),
  defineContract({
    name: 'backup.repositories.delete',
    summary: 'Stop using a dataset as a repository (refused while a job writes to it; the volumes stay on the dataset)',
    permission: 'backup.admin',
    mutating: true,
    dangerous: true,
    input: z.object({ name: nameOf('repository').describe('Repository name'), force: forceRestart }),
    output: ok,
    target: (i) => i.name,
    http: { method: 'DELETE', path: '/backup/repositories/:name' },
  }),
  // Jobs
  defineContract({
    name: 'backup.jobs.list',
    summary: 'Backup jobs with their last run',
    permission: 'backup.read',
    mutating: false,
    input: z.object({ ...listShape }),
    output: listOf(backupJobSchema),
    http: { method: 'GET', path: '/backup/jobs' },
  }),
  defineContract({
    name: 'backup.jobs.create',
    summary: 'Define a backup job',
    permission: 'backup.admin',
    mutating: true,
    input: z.object({
      name: nameOf('job').describe('Job name, e.g. web1-nightly'),
      jobDefs: nameOf('JobDefs')
        .nullable()
        .default(null)
        .describe('JobDefs whose values it takes where it sets none (null: none)')
        .meta({ label: 'Job defaults' }),
      client: nameOf('client').optional().describe('Client to back up, e.g. web1-fd (required without JobDefs)'),
      fileset: nameOf('FileSet').optional().describe('File set (required without JobDefs)'),
      schedule: nameOf('schedule').nullable().default(null).describe('Schedule (null: by hand only, or the JobDefs’ one)'),
      pool: nameOf('pool').optional().describe('Pool to write to (required without JobDefs)'),
      storage: nameOf('storage').optional().describe('Storage (repository) to write to (required without JobDefs)'),
      level: z.enum(BACKUP_LEVELS).optional().describe('Default level (the JobDefs’ one, else Incremental)'),
      priority: z.number().int().min(1).max(100).optional().describe('Priority, lower runs first (the JobDefs’ one, else 10)'),
      maxRunSeconds: z
        .number()
        .int()
        .min(60)
        .max(30 * 86400)
        .nullable()
        .default(null)
        .describe('Cancel after this long (null: no limit)'),
      enabled: z.boolean().default(true).describe('Its schedule runs it'),
    }),
    output: backupJobSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/backup/jobs' },
  }),
  defineContract({
    name: 'backup.jobs.update',
    summary: 'Change a backup job (enable, disable, schedule, pool, level...)',
    permission: 'backup.admin',
    mutating: true,
    input: z.object({
      name: nameOf('job').describe('Job name'),
      jobDefs: nameOf('JobDefs').nullable().optional().describe('JobDefs (null: none)').meta({ label: 'Job defaults' }),
      client: nameOf('client').nullable().optional().describe('Client (null: the JobDefs’ one)'),
      fileset: nameOf('FileSet').nullable().optional().describe('File set (null: the JobDefs’ one)'),
      schedule: nameOf('schedule').nullable().optional().describe('Schedule (null: by hand only, or the JobDefs’ one)'),
      pool: nameOf('pool').nullable().optional().describe('Pool (null: the JobDefs’ one)'),
      storage: nameOf('storage').nullable().optional().describe('Storage (null: the JobDefs’ one)'),
      level: z.enum(BACKUP_LEVELS).nullable().optional().describe('Default level (null: the JobDefs’ one)'),
      priority: z.number().int().min(1).max(100).nullable().optional().describe('Priority (null: the JobDefs’ one)'),
      maxRunSeconds: z
        .number()
        .int()
        .min(60)
        .max(30 * 86400)
        .nullable()
        .optional()
        .describe('Cancel after this long'),
      enabled: z.boolean().optional().describe('Its schedule runs it'),
    }),
    output: backupJobSchema,
    target: (i) => i.name,
    http: { method: 'PATCH', path: '/backup/jobs/:name' },
  }),
  // JobDefs
  defineContract({
    name: 'backup.jobdefs.list',
    summary: 'JobDefs: defaults shared by backup jobs',
    permission: 'backup.read',
    mutating: false,
    input: z.object({ ...listShape }),
    output: listOf(backupJobDefsSchema),
    http: { method: 'GET', path: '/backup/jobdefs' },
  }),
  defineContract({
    name: 'backup.jobdefs.create',
    summary: 'Define JobDefs (defaults jobs name and take what they do not set from)',
    permission: 'backup.admin',
    mutating: true,
    input: z.object({ name: nameOf('JobDefs').describe('JobDefs name, e.g. nightly-defaults').meta({ label: 'Job defaults' }), ...jobDefsCreateFields }),
    output: backupJobDefsSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/backup/jobdefs' },
  }),
  defineContract({
    name: 'backup.jobdefs.update',
    summary: 'Change JobDefs (every job naming it follows, for the values it does not set)',
    permission: 'backup.admin',
    mutating: true,
    input: z.object({ name: nameOf('JobDefs').describe('JobDefs name').meta({ label: 'Job defaults' }), ...jobDefsUpdateFields }),
    output: backupJobDefsSchema,
    target: (i) => i.name,
    http: { method: 'PATCH', path: '/backup/jobdefs/:name' },
  }),
  defineContract({
    name: 'backup.jobdefs.delete',
    summary: 'Remove JobDefs (refused while a job names it)',
    permission: 'backup.admin',
    mutating: true,
    dangerous: true,
    input: z.object({ name: nameOf('JobDefs').describe('JobDefs name').meta({ label: 'Job defaults' }) }),
    output: ok,
    target: (i) => i.name,
    http: { method: 'DELETE', path: '/backup/jobdefs/:name' },
  }),
  defineContract({
    name: 'backup.jobs.delete',
    summary: 'Remove a backup job definition (its history stays in the catalog)',
    permission: 'backup.admin',
    mutating: true,
    dangerous: true,
    input: z.object({ name: nameOf('job').describe('Job name') }),
    output: ok,
    target: (i) => i.name,
    http: { method: 'DELETE', path: '/backup/jobs/:name' },
  }),
  defineContract({
    name: 'backup.jobs.run',
    summary: 'Run a backup job now',
    permission: 'backup.operate',
    mutating: true,
    input: z.object({ name: nameOf('job').describe('Job name'), level: z.enum(BACKUP_LEVELS).optional().describe("Level (default: the job's)") }),
    output: startedSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/backup/jobs/:name/run' },
  }),
  // Runs
  defineContract({
    name: 'backup.history.list',
    summary: 'Job history from the catalog, newest first',
    permission: 'backup.read',
    mutating: false,
    input: z.object({
      ...listShape,
      job: nameOf('job').optional().describe('Only this job'),
      client: nameOf('client').optional().describe('Only this client'),
    }),
    output: listOf(backupRunSchema),
    http: { method: 'GET', path: '/backup/history' },
  }),
  defineContract({
    name: 'backup.history.get',
    summary: "A run and its log (the director's messages)",
    permission: 'backup.read',
    mutating: false,
    input: z.object({ jobId: jobIdField }),
    output: jobLogSchema,
    http: { method: 'GET', path: '/backup/history/:jobId' },
  }),
  defineContract({
    name: 'backup.runs.cancel',
    summary: 'Cancel a running or waiting job',
    permission: 'backup.operate',
    mutating: true,
    input: z.object({ jobId: jobIdField }),
    output: ok,
    target: (i) => String(i.jobId),
    http: { method: 'POST', path: '/backup/runs/:jobId/cancel' },
  }),
  defineContract({
    name: 'backup.runs.rerun',
    summary: 'Run a finished job again, at the same level',
    permission: 'backup.operate',
    mutating: true,
    input: z.object({ jobId: jobIdField }),
    output: startedSchema,
    target: (i) => String(i.jobId),
    http: { method: 'POST', path: '/backup/runs/:jobId/rerun' },
  }),
  // Volumes
  defineContract({
    name: 'backup.volumes.list',
    summary: 'Volumes in every pool',
    permission: 'backup.read',
    mutating: false,
    input: z.object({ ...listShape, pool: nameOf('pool').optional().describe('Only this pool') }),
    output: listOf(volumeSchema),
    http: { method: 'GET', path: '/backup/volumes' },
  }),
  defineContract({
    name: 'backup.volumes.label',
    summary: 'Label a new volume in a pool (name given, or the next of the pool’s label format)',
    permission: 'backup.operate',
    mutating: true,
    input: z.object({
      pool: nameOf('pool').describe('Pool'),
      storage: nameOf('storage').describe('Storage the volume is made on'),
      name: volumeName.optional().describe('Volume name (default: the next of the pool’s label format, or Vol-NNNN)'),
    }),
    output: volumeSchema,
    target: (i) => i.name ?? i.pool,
    http: { method: 'POST', path: '/backup/volumes' },
  }),
  defineContract({
    name: 'backup.volumes.update',
    summary: "Change a volume's status or move it to another pool",
    permission: 'backup.admin',
    mutating: true,
    input: z.object({
      name: volumeName,
      status: z.enum(VOLUME_STATUSES).optional().describe('New status'),
      pool: nameOf('pool').optional().describe('Move to this pool'),
    }),
    output: volumeSchema,
    target: (i) => i.name,
    http: { method: 'PATCH', path: '/backup/volumes/:name' },
  }),
  defineContract({
    name: 'backup.volumes.purge',
    summary: 'Purge a volume: forget every job and file on it now, whatever the retention',
    permission: 'backup.admin',
    mutating: true,
    dangerous: true,
    input: z.object({ name: volumeName }),
    output: volumeSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/backup/volumes/:name/purge' },
  }),
  defineContract({
    name: 'backup.volumes.prune',
    summary: 'Prune a volume: forget the jobs and files on it whose retention has passed',
    permission: 'backup.admin',
    mutating: true,
    dangerous: true,
    input: z.object({ name: volumeName }),
    output: volumeSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/backup/volumes/:name/prune' },
  }),
  // Restore
  defineContract({
    name: 'backup.restore.browse',
    summary: 'Browse the files of a backup (its Full and the jobs after it)',
    description:
      "Reading a client's file names is an Operator right, audited (who looked at which backup's files): ReadOnly users see job totals, not the files. It also builds BVFS's cache in the catalog.",
    permission: 'backup.operate',
    mutating: true,
    input: z.object({
      jobId: jobIdField,
      path: z
        .string()
        .max(1024)
        // eslint-disable-next-line no-control-regex -- control characters are what is refused
        .regex(/^(\/[^"\\\u0000-\u001f\u007f]*)?$/, 'empty (the roots) or an absolute folder path')
        .default('')
        .describe('Folder to list ("" for the roots, then e.g. /home/)'),
    }),
    output: z.object({
      jobIds: z.array(z.number()).describe('The jobs merged in the view'),
      path: z.string().describe('Folder listed'),
      entries: z.array(browseEntrySchema).describe('Folders, then files'),
    }),
    http: { method: 'POST', path: '/backup/restore/:jobId/browse' },
  }),
  defineContract({
    name: 'backup.restore.point',
    summary: 'The backup to restore a client as it was at a point in time',
    description:
      'The last backup of the client that ended well at or before `at`, and the jobs a restore from it reads (its Full, Differential and Incrementals).',
    permission: 'backup.read',
    mutating: false,
    input: z.object({
      client: nameOf('client').describe('Client, e.g. web1-fd'),
      at: z.iso.datetime({ offset: true }).max(40).describe('The point in time (ISO-8601)'),
    }),
    output: z.object({ run: backupRunSchema, jobIds: z.array(z.number()).describe('The jobs a restore from it reads') }),
    http: { method: 'GET', path: '/backup/restore/point' },
  }),
  defineContract({
    name: 'backup.restore.run',
    summary: 'Restore selected files and folders of a backup',
    description:
      "Operators restore to the backup's own client, either to the original location (replacing existing files never or only if they are older: overwriting live files with replace=always or ifnewer needs backup.admin) or to the restore job's folder; another client or another folder needs backup.admin.",
    permission: 'backup.operate',
    mutating: true,
    input: z.object({
      jobId: jobIdField,
      files: z.array(z.number().int().positive()).max(10000).default([]).describe('FileIds of files to restore'),
      dirs: z.array(z.number().int().positive()).max(10000).default([]).describe('PathIds of folders to restore (with everything in them)'),
      client: nameOf('client').optional().describe("Client to restore to (default: the backup's; another one needs backup.admin)"),
      where: z
        .enum(['original', 'restore-folder'])
        .or(pathOf('where'))
        .default('restore-folder')
        .describe("original: where the files were; restore-folder: the restore job's folder; a path (backup.admin): under that folder"),
      replace: z.enum(['always', 'ifnewer', 'ifolder', 'never']).default('never').describe('Existing files: replace always, if newer, if older, or never'),
    }),
    output: startedSchema,
    target: (i) => String(i.jobId),
    http: { method: 'POST', path: '/backup/restore/:jobId' },
  }),
]);
