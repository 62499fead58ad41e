/**
 * The Bacula configuration Calypso owns, rendered into one file the director includes
 * (`@/etc/bacula/calypso.conf` in bacula-dir.conf) and one the storage daemon includes (its
 * Devices). Every value goes through `name()` or `quoted()`: names are Bacula's own character set
 * (letters, digits, `.`, `_`, `-`), and every other value is a double-quoted string with `\` and
 * `"` escaped and control characters refused, so a quote, newline, brace, `@` include or `|`
 * pipe in a value stays inside its string (bacula-dir's lexer treats `\"` and `\\` as escapes and
 * `{ } @ |` as literal inside quotes: test/fixtures/bacula/bdirjson-escaping.json). FileSet paths
 * must be absolute: a leading `|` (run a program) or `<` (read a list) is Bacula syntax, refused.
 *
 * Bareos 2x takes the same resources with a few renamed directives (Pool `Label Format` and
 * `Maximum Volume Bytes` are the same; FileSet `Options { Compression = GZIP }` is the same;
 * Bareos puts each resource in its own file under bareos-dir.d/, which one include of this file
 * replaces).
 */

/** A value Calypso refused to put in a configuration file (the service validates first; this is the last line). */
export class BaculaConfigValueError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'BaculaConfigValueError';
  }
}

/** Bacula resource names: what its `Name =` accepts, without spaces (they would need quoting in bconsole too). */
export const BACULA_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,126}$/;
/** Hosts: a DNS name or an IPv4/IPv6 address. */
export const BACULA_ADDRESS = /^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$/;

export function name(field: string, value: string): string {
  if (!BACULA_NAME.test(value)) throw new BaculaConfigValueError(field, `not a Bacula name: ${JSON.stringify(value)}`);
  return value;
}

/** A double-quoted Bacula string. */
export function quoted(field: string, value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new BaculaConfigValueError(field, 'control characters (newlines, tabs) are not allowed');
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function absolute(field: string, value: string): string {
  if (!value.startsWith('/') || value.includes('\0')) throw new BaculaConfigValueError(field, 'an absolute path (starting with /)');
  return quoted(field, value);
}

function int(field: string, value: number, min = 0): string {
  if (!Number.isSafeInteger(value) || value < min) throw new BaculaConfigValueError(field, `a whole number of at least ${min}`);
  return String(value);
}

function address(field: string, value: string): string {
  if (!BACULA_ADDRESS.test(value)) throw new BaculaConfigValueError(field, 'a host name or IP address');
  return value;
}

const yesNo = (b: boolean) => (b ? 'yes' : 'no');

export const BACKUP_LEVELS = ['Full', 'Incremental', 'Differential'] as const;
export type BackupLevel = (typeof BACKUP_LEVELS)[number];
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export const COMPRESSIONS = ['none', 'gzip', 'lzo'] as const;
export const SIGNATURES = ['none', 'MD5', 'SHA1'] as const;

export interface ClientConf {
  name: string;
  address: string;
  port: number;
  password: string;
  catalog: string;
  fileRetentionDays: number;
  jobRetentionDays: number;
  enabled: boolean;
}

export interface FileSetConf {
  name: string;
  include: string[];
  exclude: string[];
  compression: (typeof COMPRESSIONS)[number];
  signature: (typeof SIGNATURES)[number];
}

/** One line of a schedule, as the user fills it: a level, a time of day, and days (none: every day). */
export interface ScheduleRun {
  level: BackupLevel;
  hour: number;
  minute: number;
  days: Weekday[];
}

export interface ScheduleConf {
  name: string;
  runs: ScheduleRun[];
}

export interface PoolConf {
  name: string;
  volumeRetentionDays: number;
  maxVolumeBytes: number | null;
  labelFormat: string | null;
  recycle: boolean;
  autoPrune: boolean;
}

export interface StorageConf {
  name: string;
  address: string;
  port: number;
  password: string;
  device: string;
  mediaType: string;
  maxConcurrentJobs: number;
}

/** JobDefs: defaults jobs name with `JobDefs =`; every field may be left unset (null). */
export interface JobDefsConf {
  name: string;
  client: string | null;
  fileset: string | null;
  schedule: string | null;
  pool: string | null;
  storage: string | null;
  level: BackupLevel | null;
  priority: number | null;
  maxRunSeconds: number | null;
}

/**
 * A Job. With `jobDefs`, a null client, FileSet, pool, storage, level or priority is left out of
 * the rendered Job, so Bacula takes it from the JobDefs (and a change of the JobDefs reaches the
 * job); without, they are all required.
 */
export interface JobConf extends JobDefsConf {
  jobDefs?: string | null;
  enabled: boolean;
  messages: string;
}

export interface DeviceConf {
  name: string;
  archivePath: string;
  mediaType: string;
  maxConcurrentJobs: number;
}

export interface DirectorConf {
  /** The Messages resource JobDefs use (the director's own; default Standard). */
  messages?: string;
  jobDefs?: JobDefsConf[];
  clients: ClientConf[];
  filesets: FileSetConf[];
  schedules: ScheduleConf[];
  pools: PoolConf[];
  storages: StorageConf[];
  jobs: JobConf[];
}

/** The Run= lines of a schedule: one per day named (Bacula's own syntax: `Level=Full sun at 23:05`), or `daily`. */
export function runLines(s: ScheduleConf): string[] {
  const lines: string[] = [];
  s.runs.forEach((r, i) => {
    const field = `schedules.${s.name}.runs.${i}`;
    if (!BACKUP_LEVELS.includes(r.level)) throw new BaculaConfigValueError(`${field}.level`, `one of ${BACKUP_LEVELS.join(', ')}`);
    if (!Number.isInteger(r.hour) || r.hour < 0 || r.hour > 23) throw new BaculaConfigValueError(`${field}.hour`, 'an hour 0-23');
    if (!Number.isInteger(r.minute) || r.minute < 0 || r.minute > 59) throw new BaculaConfigValueError(`${field}.minute`, 'a minute 0-59');
    const at = `${String(r.hour).padStart(2, '0')}:${String(r.minute).padStart(2, '0')}`;
    const bad = r.days.find((d) => !WEEKDAYS.includes(d));
    if (bad) throw new BaculaConfigValueError(`${field}.days`, `a weekday (${WEEKDAYS.join(', ')})`);
    const days = r.days.length ? [...new Set(r.days)].sort((a, b) => WEEKDAYS.indexOf(a) - WEEKDAYS.indexOf(b)) : ['daily'];
    for (const d of days) lines.push(`  Run = Level=${r.level} ${d} at ${at}`);
  });
  return lines;
}

function block(kind: string, body: string[]): string {
  return `${kind} {\n${body.join('\n')}\n}\n`;
}

export function renderClient(c: ClientConf): string {
  return block('Client', [
    `  Name = ${name('client.name', c.name)}`,
    `  Address = ${address('client.address', c.address)}`,
    `  FDPort = ${int('client.port', c.port, 1)}`,
    `  Catalog = ${name('client.catalog', c.catalog)}`,
    `  Password = ${quoted('client.password', c.password)}`,
    `  File Retention = ${int('client.fileRetentionDays', c.fileRetentionDays, 1)} days`,
    `  Job Retention = ${int('client.jobRetentionDays', c.jobRetentionDays, 1)} days`,
    `  AutoPrune = yes`,
    `  Enabled = ${yesNo(c.enabled)}`,
  ]);
}

export function renderFileSet(f: FileSetConf): string {
  if (!f.include.length) throw new BaculaConfigValueError('fileset.include', 'at least one folder to back up');
  const options: string[] = [];
  if (f.signature !== 'none') options.push(`signature = ${f.signature}`);
  if (f.compression === 'gzip') options.push('compression = GZIP');
  if (f.compression === 'lzo') options.push('compression = LZO');
  const optionBlock = options.length ? [`    Options {`, ...options.map((o) => `      ${o}`), `    }`] : [];
  const include = [`  Include {`, ...optionBlock, ...f.include.map((p, i) => `    File = ${absolute(`fileset.include.${i}`, p)}`), `  }`];
  const exclude = f.exclude.length ? [`  Exclude {`, ...f.exclude.map((p, i) => `    File = ${absolute(`fileset.exclude.${i}`, p)}`), `  }`] : [];
  return block('FileSet', [`  Name = ${name('fileset.name', f.name)}`, ...include, ...exclude]);
}

export function renderSchedule(s: ScheduleConf): string {
  return block('Schedule', [`  Name = ${name('schedule.name', s.name)}`, ...runLines(s)]);
}

export function renderPool(p: PoolConf): string {
  const body = [
    `  Name = ${name('pool.name', p.name)}`,
    `  Pool Type = Backup`,
    `  Recycle = ${yesNo(p.recycle)}`,
    `  AutoPrune = ${yesNo(p.autoPrune)}`,
    `  Volume Retention = ${int('pool.volumeRetentionDays', p.volumeRetentionDays, 1)} days`,
  ];
  if (p.maxVolumeBytes !== null) body.push(`  Maximum Volume Bytes = ${int('pool.maxVolumeBytes', p.maxVolumeBytes, 1)}`);
  if (p.labelFormat !== null) body.push(`  Label Format = ${quoted('pool.labelFormat', name('pool.labelFormat', p.labelFormat))}`);
  return block('Pool', body);
}

export function renderStorage(s: StorageConf): string {
  return block('Storage', [
    `  Name = ${name('storage.name', s.name)}`,
    `  Address = ${address('storage.address', s.address)}`,
    `  SDPort = ${int('storage.port', s.port, 1)}`,
    `  Password = ${quoted('storage.password', s.password)}`,
    `  Device = ${name('storage.device', s.device)}`,
    `  Media Type = ${name('storage.mediaType', s.mediaType)}`,
    `  Maximum Concurrent Jobs = ${int('storage.maxConcurrentJobs', s.maxConcurrentJobs, 1)}`,
  ]);
}

function level(field: string, value: BackupLevel): string {
  if (!BACKUP_LEVELS.includes(value)) throw new BaculaConfigValueError(field, `one of ${BACKUP_LEVELS.join(', ')}`);
  return value;
}

/** The lines a Job and a JobDefs share, for the fields that are set. */
function jobLines(kind: 'job' | 'jobdefs', j: Omit<JobDefsConf, 'name'>): string[] {
  const body: string[] = [];
  if (j.level !== null) body.push(`  Level = ${level(`${kind}.level`, j.level)}`);
  if (j.client !== null) body.push(`  Client = ${name(`${kind}.client`, j.client)}`);
  if (j.fileset !== null) body.push(`  FileSet = ${name(`${kind}.fileset`, j.fileset)}`);
  if (j.pool !== null) body.push(`  Pool = ${name(`${kind}.pool`, j.pool)}`);
  if (j.storage !== null) body.push(`  Storage = ${name(`${kind}.storage`, j.storage)}`);
  if (j.priority !== null) body.push(`  Priority = ${int(`${kind}.priority`, j.priority, 1)}`);
  if (j.schedule) body.push(`  Schedule = ${name(`${kind}.schedule`, j.schedule)}`);
  if (j.maxRunSeconds !== null) body.push(`  Max Run Time = ${int(`${kind}.maxRunSeconds`, j.maxRunSeconds, 1)} seconds`);
  return body;
}

export function renderJobDefs(d: JobDefsConf, messages: string): string {
  return block('JobDefs', [
    `  Name = ${name('jobdefs.name', d.name)}`,
    `  Type = Backup`,
    ...jobLines('jobdefs', d),
    `  Messages = ${name('jobdefs.messages', messages)}`,
  ]);
}

export function renderJob(j: JobConf): string {
  if (!j.jobDefs)
    for (const f of ['client', 'fileset', 'pool', 'storage', 'level', 'priority'] as const)
      if (j[f] === null) throw new BaculaConfigValueError(`job.${f}`, 'required when the job names no JobDefs');
  const body = [
    `  Name = ${name('job.name', j.name)}`,
    ...(j.jobDefs ? [`  JobDefs = ${name('job.jobDefs', j.jobDefs)}`] : []),
    `  Type = Backup`,
    ...jobLines('job', j),
    `  Messages = ${name('job.messages', j.messages)}`,
    `  Enabled = ${yesNo(j.enabled)}`,
  ];
  return block('Job', body);
}

export const CONF_HEADER = '# Written by Calypso: changes made here are overwritten. Manage these resources in Calypso.\n';

/** The director's include file: every resource Calypso owns, in a stable order. */
export function renderDirectorConf(conf: DirectorConf): string {
  const messages = conf.messages ?? 'Standard';
  const parts = [
    ...(conf.jobDefs ?? []).map((d) => renderJobDefs(d, messages)),
    ...conf.clients.map(renderClient),
    ...conf.filesets.map(renderFileSet),
    ...conf.schedules.map(renderSchedule),
    ...conf.pools.map(renderPool),
    ...conf.storages.map(renderStorage),
    ...conf.jobs.map(renderJob),
  ];
  return `${CONF_HEADER}\n${parts.join('\n')}`;
}

export function renderDevice(d: DeviceConf): string {
  return block('Device', [
    `  Name = ${name('device.name', d.name)}`,
    `  Media Type = ${name('device.mediaType', d.mediaType)}`,
    `  Archive Device = ${absolute('device.archivePath', d.archivePath)}`,
    `  LabelMedia = yes`,
    `  Random Access = yes`,
    `  AutomaticMount = yes`,
    `  RemovableMedia = no`,
    `  AlwaysOpen = no`,
    `  Maximum Concurrent Jobs = ${int('device.maxConcurrentJobs', d.maxConcurrentJobs, 1)}`,
  ]);
}

/** The storage daemon's include file: one File device per backup repository. */
export function renderStorageDaemonConf(devices: DeviceConf[]): string {
  return `${CONF_HEADER}\n${devices.map(renderDevice).join('\n')}`;
}

/** Hides the passwords of a rendered file (for drift reports and logs). */
export function redactBaculaConf(text: string): string {
  return text.replace(/^(\s*Password = )"(?:[^"\\]|\\.)*"/gm, '$1"[redacted]"');
}
