/**
 * The simulated appliance's Bacula 9.6: bconsole, `bacula-dir -t` and `bacula-sd -t`, answering
 * in the formats captured from the real tools (test/fixtures/bacula), so the same driver and
 * parsers run against it. It keeps a catalogue (a few weeks of nightly incrementals and weekly
 * fulls with some failures, volumes in pools) in a JSON file on the simulated host; a job started
 * runs over the host's (simulated) clock, waits for a volume or a client like the real director,
 * and a restore writes its files into the simulated file tree.
 *
 * The director's configuration is read from the simulated files (/etc/bacula/bacula-dir.conf and
 * what it includes, Calypso's calypso.conf among them) when it is checked or reloaded: a job on a
 * client, FileSet, pool or storage that does not exist, a duplicate name or an unbalanced brace is
 * refused as bacula-dir refuses it.
 */
import { readableBy, type HostFiles, type RunResult } from '../host.js';

export const BACULA_SIM_STATE = '/var/lib/calypso-sim/bacula.json';
const ETC = '/etc/bacula';
const DIRECTOR = 'calypso-dir';
const VERSION = '9.6.7 (10 December 2020)';
/** Simulated transfer rate of a backup, bytes per second. */
const RATE = 40 * 1024 * 1024;
const DAY = 86_400_000;

interface SimJob {
  jobId: number;
  name: string;
  type: 'B' | 'R';
  level: string;
  status: string;
  client: string;
  pool: string | null;
  fileset: string | null;
  storage: string;
  files: number;
  bytes: number;
  /** What the run will have read when done. */
  plannedFiles: number;
  plannedBytes: number;
  schedMs: number;
  startMs: number | null;
  endMs: number | null;
  errors: number;
  volume: string | null;
  log: { atMs: number; text: string }[];
  /** A restore: where the files go, which paths. */
  restore?: { where: string; paths: string[]; client: string };
}

interface SimVolume {
  mediaId: number;
  name: string;
  pool: string;
  status: string;
  bytes: number;
  mediaType: string;
  storage: string;
  lastWrittenMs: number | null;
}

interface Resource {
  kind: string;
  name: string;
  fields: Record<string, string[]>;
}

interface BaculaSimState {
  nextJobId: number;
  nextMediaId: number;
  jobs: SimJob[];
  volumes: SimVolume[];
  /** Clients whose file daemon does not answer. */
  downClients: string[];
  /** The resources the director loaded at its last start or reload. */
  loaded: Resource[];
  /** BVFS restore tables: name -> paths selected. */
  bvfsTables: Record<string, string[]>;
  messages: string[];
}

export interface BaculaSimContext {
  files: HostFiles;
  input?: string;
  now: number;
}

const ok = (stdout = ''): RunResult => ({ code: 0, stdout, stderr: '' });
const fail = (stderr: string, code = 1): RunResult => ({ code, stdout: stderr, stderr });

// The simulated director's own configuration (what an appliance's packages and installer leave).

const BASE_DIR_CONF = `Director {
  Name = ${DIRECTOR}
  DIRport = 9101
  QueryFile = "/etc/bacula/scripts/query.sql"
  WorkingDirectory = "/var/lib/bacula"
  PidDirectory = "/run/bacula"
  Maximum Concurrent Jobs = 20
  Password = "simulated-director-password"
  Messages = Daemon
}
Catalog {
  Name = MyCatalog
  dbname = "bacula"; dbuser = "bacula"; dbpassword = ""
}
Messages {
  Name = Standard
  catalog = all
}
Messages {
  Name = Daemon
  catalog = all
}
Storage {
  Name = File1
  Address = 127.0.0.1
  SDPort = 9103
  Password = "simulated-storage-password"
  Device = FileStorage
  Media Type = File
}
Pool {
  Name = Default
  Pool Type = Backup
  Label Format = "Vol-"
}
Pool {
  Name = Scratch
  Pool Type = Backup
}
Client {
  Name = calypso-fd
  Address = 127.0.0.1
  Catalog = MyCatalog
  Password = "simulated-client-password"
}
Client {
  Name = web1-fd
  Address = web1.example.net
  Catalog = MyCatalog
  Password = "simulated-client-password"
}
Client {
  Name = db1-fd
  Address = db1.example.net
  Catalog = MyCatalog
  Password = "simulated-client-password"
}
Client {
  Name = laptop7-fd
  Address = laptop7.example.net
  Catalog = MyCatalog
  Password = "simulated-client-password"
}
FileSet {
  Name = "WebSet"
  Include {
    File = /var/www
    File = /etc
  }
}
FileSet {
  Name = "DbSet"
  Include {
    File = /var/backups/postgresql
  }
}
FileSet {
  Name = "HomeSet"
  Include {
    File = /home
  }
}
Job {
  Name = web1-nightly
  Type = Backup
  Level = Incremental
  Client = web1-fd
  FileSet = WebSet
  Storage = File1
  Pool = Default
  Messages = Standard
}
Job {
  Name = db1-nightly
  Type = Backup
  Level = Incremental
  Client = db1-fd
  FileSet = DbSet
  Storage = File1
  Pool = Default
  Messages = Standard
}
Job {
  Name = laptop7-home
  Type = Backup
  Level = Incremental
  Client = laptop7-fd
  FileSet = HomeSet
  Storage = File1
  Pool = Default
  Messages = Standard
}
Job {
  Name = RestoreFiles
  Type = Restore
  Client = calypso-fd
  FileSet = HomeSet
  Storage = File1
  Pool = Default
  Messages = Standard
  Where = /tank/restores
}
@/etc/bacula/calypso.conf
`;

const BASE_SD_CONF = `Storage {
  Name = calypso-sd
  SDPort = 9103
  WorkingDirectory = "/var/lib/bacula"
  Pid Directory = "/run/bacula"
}
Director {
  Name = ${DIRECTOR}
  Password = "simulated-storage-password"
}
Device {
  Name = FileStorage
  Media Type = File
  Archive Device = /tank/backups/bacula
  LabelMedia = yes
  Random Access = yes
  AutomaticMount = yes
  RemovableMedia = no
}
@/etc/bacula/calypso-sd.conf
`;

const BASE_BCONSOLE_CONF = `Director {\n  Name = ${DIRECTOR}\n  DIRport = 9101\n  address = 127.0.0.1\n  Password = "simulated-director-password"\n}\n`;

// A tiny reader of Bacula's configuration syntax: resources, `Key = value` (quoted with \ escapes
// or bare), nested blocks (their File = lines kept under the resource), @includes.

class ConfError extends Error {}

function tokenizeValue(raw: string): string {
  const v = raw.trim().replace(/;\s*$/, '');
  if (v.startsWith('"')) {
    let out = '';
    for (let i = 1; i < v.length; i++) {
      const ch = v[i]!;
      if (ch === '\\') {
        out += v[++i] ?? '';
        continue;
      }
      if (ch === '"') return out;
      out += ch;
    }
    throw new ConfError('get_char: called after EOF. You may have a open double quote without the closing double quote.');
  }
  return v;
}

/**
 * A configuration with its includes. `asUser`: the daemon reads it as that user (a reload: the
 * daemon runs as bacula), so an include it may not read is refused as Bacula refuses it; `-t` run
 * by Calypso as root reads everything.
 */
async function readConf(files: HostFiles, path: string, depth = 0, asUser = 'root'): Promise<string> {
  if (depth > 5) throw new ConfError(`too many nested includes at ${path}`);
  const text = await files.readIfExists(path);
  if (text === null) throw new ConfError(`Cannot open config file "${path}": ERR=No such file or directory`);
  if (depth > 0) {
    const st = await files.stat(path);
    if (st && !readableBy(st, asUser)) throw new ConfError(`Cannot open included config file ${path}: Permission denied`);
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const inc = /^\s*@(\/\S+)\s*$/.exec(line);
    if (inc) out.push(await readConf(files, inc[1]!, depth + 1, asUser));
    else out.push(line);
  }
  return out.join('\n');
}

/** Splits `a; b = c` lines and braces into statements, respecting quotes. */
function statements(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      cur += ch;
      if (ch === '\\') cur += text[++i] ?? '';
      else if (ch === '"') quoted = false;
      continue;
    }
    if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      out.push(cur);
      cur = '';
      continue;
    }
    if (ch === '"') quoted = true;
    if (ch === '{' || ch === '}') {
      out.push(cur);
      out.push(ch);
      cur = '';
      continue;
    }
    if (ch === '\n' || ch === ';') {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (quoted) throw new ConfError('get_char: called after EOF. You may have a open double quote without the closing double quote.');
  out.push(cur);
  return out.map((s) => s.trim()).filter(Boolean);
}

const NAME_OK = /^[A-Za-z0-9 :._-]+$/;

function parseResources(text: string): Resource[] {
  const res: Resource[] = [];
  let depth = 0;
  let current: Resource | null = null;
  let pendingKind: string | null = null;
  for (const st of statements(text)) {
    if (st === '{') {
      if (depth === 0) {
        if (!pendingKind) throw new ConfError('Unexpected "{"');
        current = { kind: pendingKind, name: '', fields: {} };
        res.push(current);
      }
      depth++;
      pendingKind = null;
      continue;
    }
    if (st === '}') {
      depth--;
      if (depth < 0) throw new ConfError('Unexpected "}"');
      if (depth === 0) {
        if (current && !current.name) throw new ConfError(`Name not specified for resource ${current.kind}`);
        current = null;
      }
      continue;
    }
    const m = /^([A-Za-z][A-Za-z ]*?)\s*=\s*(.*)$/.exec(st);
    if (!m) {
      if (depth === 0 || /^[A-Za-z]+$/.test(st)) {
        pendingKind = st;
        continue;
      }
      throw new ConfError(`Keyword expected, got: ${st}`);
    }
    if (!current) throw new ConfError(`Keyword "${m[1]}" outside of a resource`);
    const key = m[1]!.replace(/\s+/g, '').toLowerCase();
    const value = tokenizeValue(m[2]!);
    if (key === 'name' && depth === 1) {
      if (!NAME_OK.test(value)) throw new ConfError(`Illegal character in name.`);
      current.name = value;
    }
    (current.fields[key] ??= []).push(value);
  }
  if (depth !== 0) throw new ConfError('Unexpected end of file: a resource is missing its closing brace');
  return res;
}

function checkDirector(res: Resource[]): void {
  const names = new Map<string, Set<string>>();
  for (const r of res) {
    const set = names.get(r.kind.toLowerCase()) ?? new Set<string>();
    if (set.has(r.name)) throw new ConfError(`Attempt to define second "${r.kind}" resource named "${r.name}" is not permitted.`);
    set.add(r.name);
    names.set(r.kind.toLowerCase(), set);
  }
  const has = (kind: string, name: string | undefined) => !!name && !!names.get(kind)?.has(name);
  // A Job naming JobDefs takes every directive it does not set from them, as the director does when it loads.
  for (const r of res.filter((x) => x.kind.toLowerCase() === 'job' && x.fields['jobdefs'])) {
    const defs = res.find((x) => x.kind.toLowerCase() === 'jobdefs' && x.name === r.fields['jobdefs']![0]);
    if (!defs) throw new ConfError(`Could not find config Resource "${r.fields['jobdefs']![0]}" referenced on line in Job "${r.name}".`);
    for (const [k, v] of Object.entries(defs.fields)) if (k !== 'name' && !r.fields[k]) r.fields[k] = [...v];
  }
  for (const r of res.filter((x) => x.kind.toLowerCase() === 'job' || x.kind.toLowerCase() === 'jobdefs')) {
    for (const [field, kind] of [
      ['client', 'client'],
      ['fileset', 'fileset'],
      ['pool', 'pool'],
      ['storage', 'storage'],
      ['schedule', 'schedule'],
    ] as const) {
      const v = r.fields[field]?.[0];
      if (v !== undefined && !has(kind, v)) throw new ConfError(`Could not find config Resource "${v}" referenced on line in Job "${r.name}".`);
    }
  }
  if (!names.get('job')?.size) throw new ConfError('No Job records defined');
}

// The catalogue

function fileTree(fileset: string | null, client: string): { dirs: string[]; files: { path: string; size: number }[] } {
  const roots = fileset === 'DbSet' ? ['/var/backups/postgresql'] : fileset === 'WebSet' ? ['/var/www', '/etc'] : ['/home'];
  const files: { path: string; size: number }[] = [];
  const dirs = new Set<string>();
  let seed = [...client].reduce((n, c) => n + c.charCodeAt(0), 0);
  for (const root of roots) {
    for (const sub of ['docs', 'logs', 'data']) {
      const dir = `${root}/${sub}/`;
      dirs.add(dir);
      for (let i = 1; i <= 4; i++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        files.push({ path: `${dir}${sub}-${i}.${sub === 'logs' ? 'log' : 'dat'}`, size: 4096 + (seed % 900_000) });
      }
    }
    files.push({ path: `${root}/README`, size: 1200 });
  }
  const all = new Set<string>();
  for (const d of dirs) {
    const parts = d.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) all.add(`/${parts.slice(0, i).join('/')}/`);
  }
  for (const f of files) {
    const parts = f.path.split('/').filter(Boolean).slice(0, -1);
    for (let i = 1; i <= parts.length; i++) all.add(`/${parts.slice(0, i).join('/')}/`);
  }
  return { dirs: [...all].sort(), files };
}

function seedCatalogue(now: number): BaculaSimState {
  const st: BaculaSimState = { nextJobId: 1, nextMediaId: 1, jobs: [], volumes: [], downClients: ['laptop7-fd'], loaded: [], bvfsTables: {}, messages: [] };
  const defs = [
    { name: 'web1-nightly', client: 'web1-fd', fileset: 'WebSet', full: 38 * 1024 ** 3, incr: 900 * 1024 ** 2 },
    { name: 'db1-nightly', client: 'db1-fd', fileset: 'DbSet', full: 120 * 1024 ** 3, incr: 6 * 1024 ** 3 },
    { name: 'laptop7-home', client: 'laptop7-fd', fileset: 'HomeSet', full: 22 * 1024 ** 3, incr: 300 * 1024 ** 2 },
  ];
  for (let i = 1; i <= 8; i++)
    st.volumes.push({
      mediaId: st.nextMediaId++,
      name: `Vol-${String(i).padStart(4, '0')}`,
      pool: 'Default',
      status: i < 8 ? 'Full' : 'Append',
      bytes: i < 8 ? 53_687_091_200 : 12_884_901_888,
      mediaType: 'File',
      storage: 'File1',
      lastWrittenMs: now - (8 - i) * 3 * DAY,
    });
  st.volumes.push({
    mediaId: st.nextMediaId++,
    name: 'Scratch-0001',
    pool: 'Scratch',
    status: 'Append',
    bytes: 215,
    mediaType: 'File',
    storage: 'File1',
    lastWrittenMs: null,
  });
  const midnight = Math.floor(now / DAY) * DAY;
  for (let d = 21; d >= 1; d--) {
    const day = midnight - d * DAY;
    const weekday = new Date(day).getUTCDay();
    defs.forEach((def, k) => {
      const level = weekday === 0 ? 'F' : 'I';
      const start = day + (23 * 60 + 5 + k * 20) * 60_000;
      const bytes = Math.round((level === 'F' ? def.full : def.incr) * (0.9 + ((d * 7 + k) % 20) / 100));
      const files = Math.round(bytes / (level === 'F' ? 180_000 : 450_000));
      let status = 'T';
      if (def.client === 'laptop7-fd' && d % 6 === 0) status = 'f';
      if (def.name === 'db1-nightly' && d === 9) status = 'E';
      if (def.name === 'web1-nightly' && d === 4) status = 'A';
      const okRun = status === 'T';
      const duration = Math.round(bytes / RATE) * 1000;
      const job: SimJob = {
        jobId: st.nextJobId++,
        name: def.name,
        type: 'B',
        level,
        status,
        client: def.client,
        pool: 'Default',
        fileset: def.fileset,
        storage: 'File1',
        files: okRun ? files : 0,
        bytes: okRun ? bytes : 0,
        plannedFiles: files,
        plannedBytes: bytes,
        schedMs: start - 2000,
        startMs: start,
        endMs: okRun ? start + duration : start + 20_000,
        errors: okRun ? 0 : 1,
        volume: okRun ? `Vol-${String(Math.min(8, Math.ceil((22 - d) / 3))).padStart(4, '0')}` : null,
        log: [],
      };
      job.log = reportLog(
        job,
        okRun ? undefined : status === 'f' ? `Could not connect to Client: ${def.client}. ERR=Connection refused` : 'Error writing to the volume',
      );
      st.jobs.push(job);
    });
  }
  return st;
}

function fmtTime(ms: number | null): string {
  if (ms === null) return '0000-00-00 00:00:00';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function uniqueName(j: SimJob): string {
  return `${j.name}.${fmtTime(j.schedMs).replace(' ', '_').replace(/:/g, '.')}_${String(j.jobId % 100).padStart(2, '0')}`;
}

const LEVEL_WORD: Record<string, string> = { F: 'Full', I: 'Incremental', D: 'Differential' };
const TERMINATION: Record<string, string> = { T: 'Backup OK', E: '*** Backup Error ***', f: '*** Backup Error ***', A: 'Backup Canceled' };

function reportLog(j: SimJob, problem?: string): SimJob['log'] {
  const start = j.startMs ?? j.schedMs;
  const log: SimJob['log'] = [{ atMs: start, text: `${DIRECTOR} JobId ${j.jobId}: Start Backup JobId ${j.jobId}, Job=${uniqueName(j)}` }];
  log.push({ atMs: start, text: `${DIRECTOR} JobId ${j.jobId}: Using Device "FileStorage" to write.` });
  if (problem) log.push({ atMs: start + 10_000, text: `${DIRECTOR} JobId ${j.jobId}: Fatal error: ${problem}` });
  if (j.endMs !== null) {
    const rows = [
      `${DIRECTOR} JobId ${j.jobId}: Bacula ${DIRECTOR} 9.6.7 (10Dec20):`,
      `  JobId:                  ${j.jobId}`,
      `  Job:                    ${uniqueName(j)}`,
      `  Backup Level:           ${LEVEL_WORD[j.level] ?? j.level}`,
      `  Client:                 "${j.client}"`,
      `  FileSet:                "${j.fileset ?? ''}"`,
      `  Pool:                   "${j.pool ?? ''}" (From Job resource)`,
      `  SD Files Written:       ${j.files}`,
      `  SD Bytes Written:       ${j.bytes.toLocaleString('en-US')}`,
      `  Volume name(s):         ${j.volume ?? ''}`,
      `  Non-fatal FD errors:    0`,
      `  Termination:            ${TERMINATION[j.status] ?? 'Backup OK'}`,
      '',
    ];
    log.push({ atMs: j.endMs, text: rows.join('\n') });
  }
  return log;
}

// Time: a job's state at `now`

function appendable(st: BaculaSimState, pool: string): SimVolume | undefined {
  return st.volumes.find((v) => v.pool === pool && (v.status === 'Append' || v.status === 'Recycle' || v.status === 'Purged'));
}

function labelFormatOf(st: BaculaSimState, pool: string): string | null {
  const r = st.loaded.find((x) => x.kind.toLowerCase() === 'pool' && x.name === pool);
  return r?.fields['labelformat']?.[0] ?? null;
}

/** Moves every unfinished job forward to `now`: start, wait for a volume or a client, transfer, end. */
function settle(st: BaculaSimState, now: number): void {
  for (const j of st.jobs) {
    if (j.endMs !== null) continue;
    if (j.startMs === null) j.startMs = j.schedMs + 2000;
    if (now < j.startMs) {
      j.status = 'C';
      continue;
    }
    if (j.type === 'R') {
      const done = j.startMs + 4000;
      if (now >= done) finish(st, j, 'T', done);
      else j.status = 'R';
      continue;
    }
    if (st.downClients.includes(j.client)) {
      j.status = 'F';
      if (now - j.startMs > 120_000) {
        j.log.push({
          atMs: j.startMs + 10_000,
          text: `${DIRECTOR} JobId ${j.jobId}: Warning: bsockcore.c:201 Could not connect to Client: ${j.client}. ERR=Connection refused`,
        });
        finish(st, j, 'f', j.startMs + 120_000);
      }
      continue;
    }
    if (!j.volume) {
      let vol = appendable(st, j.pool ?? 'Default');
      const format = labelFormatOf(st, j.pool ?? 'Default');
      if (!vol && format) {
        vol = newVolume(st, `${format}${String(st.nextMediaId).padStart(4, '0')}`, j.pool ?? 'Default', j.storage);
        j.log.push({ atMs: now, text: `${DIRECTOR} JobId ${j.jobId}: Created new Volume="${vol.name}", Pool="${vol.pool}"` });
      }
      if (!vol) {
        j.status = 'm';
        if (!j.log.some((l) => /appendable/.test(l.text)))
          j.log.push({ atMs: now, text: `calypso-sd JobId ${j.jobId}: Job ${uniqueName(j)} is waiting. Cannot find any appendable volumes.` });
        continue;
      }
      j.volume = vol.name;
      j.startMs = Math.max(j.startMs, now - 1);
    }
    const elapsed = now - j.startMs;
    const total = Math.max(1000, Math.round((j.plannedBytes / RATE) * 1000));
    if (elapsed >= total) {
      j.files = j.plannedFiles;
      j.bytes = j.plannedBytes;
      finish(st, j, 'T', j.startMs + total);
    } else {
      j.status = 'R';
    }
  }
}

function newVolume(st: BaculaSimState, name: string, pool: string, storage: string): SimVolume {
  const v: SimVolume = { mediaId: st.nextMediaId++, name, pool, status: 'Append', bytes: 215, mediaType: 'File', storage, lastWrittenMs: null };
  st.volumes.push(v);
  return v;
}

function finish(st: BaculaSimState, j: SimJob, status: string, at: number): void {
  j.status = status;
  j.endMs = at;
  if (status !== 'T') {
    j.files = 0;
    j.bytes = 0;
    j.errors = status === 'A' ? 0 : 1;
  }
  const vol = st.volumes.find((v) => v.name === j.volume);
  if (vol && status === 'T' && j.type === 'B') {
    vol.bytes += j.bytes;
    vol.lastWrittenMs = at;
  }
  j.log = [...j.log.filter((l) => !/Termination:/.test(l.text)), ...reportLog(j).slice(-1)];
}

/** Live counters while a job transfers. */
function liveOf(j: SimJob, now: number): { files: number; bytes: number; rate: number } {
  if (j.status !== 'R' || j.startMs === null || j.type !== 'B') return { files: 0, bytes: 0, rate: 0 };
  const total = Math.max(1000, Math.round((j.plannedBytes / RATE) * 1000));
  const f = Math.min(1, (now - j.startMs) / total);
  return { files: Math.floor(j.plannedFiles * f), bytes: Math.floor(j.plannedBytes * f), rate: RATE };
}

// Answers, in 9.6.7's formats

function llistJob(j: SimJob): string {
  const rows: [string, string | number][] = [
    ['JobId', j.jobId],
    ['Job', uniqueName(j)],
    ['Name', j.name],
    ['PurgedFiles', 0],
    ['Type', j.type],
    ['Level', j.level],
    ['ClientId', 1],
    ['ClientName', j.client],
    ['JobStatus', j.endMs === null && j.status !== 'C' ? 'R' : j.status],
    ['SchedTime', fmtTime(j.schedMs)],
    ['StartTime', fmtTime(j.startMs)],
    ['EndTime', fmtTime(j.endMs)],
    ['RealEndTime', fmtTime(j.endMs)],
    ['JobTDate', Math.floor((j.endMs ?? j.schedMs) / 1000)],
    ['JobFiles', j.files],
    ['JobBytes', j.bytes],
    ['ReadBytes', j.bytes],
    ['JobErrors', j.errors],
    ['JobMissingFiles', 0],
    ['PoolName', j.pool ?? 'NULL'],
    ['FileSet', j.fileset ?? 'NULL'],
    ['Comment', ''],
  ];
  return `${rows.map(([k, v]) => `${k.padStart(16)}: ${v}`).join('\n')}\n`;
}

function llistVolume(v: SimVolume): string {
  const rows: [string, string | number][] = [
    ['MediaId', v.mediaId],
    ['VolumeName', v.name],
    ['Slot', 0],
    ['MediaType', v.mediaType],
    ['LastWritten', v.lastWrittenMs === null ? 0 : fmtTime(v.lastWrittenMs)],
    ['VolBytes', v.bytes],
    ['VolStatus', v.status],
    ['Enabled', 1],
    ['Recycle', 1],
    ['Comment', 'NULL'],
  ];
  return `${rows.map(([k, v2]) => `${k.padStart(17)}: ${v2}`).join('\n')}\n`;
}

function apiStatusDir(st: BaculaSimState): string {
  const running = st.jobs.filter((j) => j.endMs === null);
  const terminated = st.jobs.filter((j) => j.endMs !== null).slice(-10);
  const desc: Record<string, string> = {
    R: 'is running',
    C: 'is waiting execution',
    m: 'is waiting for an appendable Volume',
    F: '',
  };
  const out = [
    'header:',
    `name=${DIRECTOR}`,
    `version=${VERSION}`,
    'uname=x86_64-pc-linux-gnu debian bookworm/sid',
    `jobs_run=${st.jobs.filter((j) => j.endMs !== null).length}`,
    `jobs_running=${running.length}`,
    '',
  ];
  if (running.length) {
    out.push('running:', '');
    for (const j of running) {
      out.push(
        `jobid=${j.jobId}`,
        `level=${j.type === 'R' ? ' ' : j.level}`,
        `type=${j.type}`,
        `status=${j.status}`,
        `status_desc=${j.status === 'F' ? `is waiting on Client ${j.client}` : (desc[j.status] ?? 'is running')}`,
        'comment=',
        'jobbytes=0',
        `jobfiles=0`,
        `job=${uniqueName(j)}`,
        `name=${j.name}`,
        `clientname=${j.client}`,
        `fileset=${j.fileset ?? ''}`,
        `storage=${j.storage}`,
        'rstorage=',
        `schedtime=${fmtTime(j.schedMs)}`,
        `starttime=${fmtTime(j.startMs)}`,
        'priority=10',
        'errors=0',
        '',
        '',
      );
    }
  } else out.push('No Jobs running.', '====');
  out.push('terminated:', '');
  for (const j of terminated) {
    out.push(
      `jobid=${j.jobId}`,
      `level=${j.type === 'R' ? ' ' : j.level}`,
      `type=${j.type}`,
      `status=${j.status}`,
      `status_desc=${j.status === 'T' ? 'OK' : 'Error'}`,
      `jobbytes=${j.bytes}`,
      `jobfiles=${j.files}`,
      `job=${uniqueName(j)}`,
      `starttime=${fmtTime(j.startMs)}`,
      `endtime=${fmtTime(j.endMs)}`,
      `errors=${j.errors}`,
      '',
      '',
    );
  }
  out.push('====');
  return out.join('\n');
}

function statusClient(st: BaculaSimState, client: string, now: number): string {
  if (!st.loaded.some((r) => r.kind.toLowerCase() === 'client' && r.name === client)) return `Client resource "${client}" not found.\n`;
  const address = st.loaded.find((r) => r.kind.toLowerCase() === 'client' && r.name === client)?.fields['address']?.[0] ?? '127.0.0.1';
  if (st.downClients.includes(client)) return `Connecting to Client ${client} at ${address}:9102\nFailed to connect to Client ${client}.\n====\n`;
  const lines = [
    `Connecting to Client ${client} at ${address}:9102`,
    '',
    `${client} Version: ${VERSION}  x86_64-pc-linux-gnu debian bookworm/sid`,
    '',
    'Running Jobs:',
  ];
  for (const j of st.jobs.filter((x) => x.client === client && x.status === 'R' && x.type === 'B')) {
    const live = liveOf(j, now);
    lines.push(
      `JobId ${j.jobId} Job ${uniqueName(j)} is running.`,
      `    ${LEVEL_WORD[j.level] ?? 'Full'} Backup Job started: ${fmtTime(j.startMs)}`,
      `    Files=${live.files.toLocaleString('en-US')} Bytes=${live.bytes.toLocaleString('en-US')} AveBytes/sec=${live.rate.toLocaleString('en-US')} LastBytes/sec=${live.rate.toLocaleString('en-US')} Errors=0`,
      `    Processing file: ${fileTree(j.fileset, j.client).files[live.files % 13]?.path ?? '/'}`,
    );
  }
  lines.push('====', '');
  return lines.join('\n');
}

function args(line: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of line.matchAll(/(\S+?)=("([^"]*)"|\S*)|(\S+)/g)) {
    if (m[4]) out.set(m[4], '');
    else out.set(m[1]!, m[3] ?? m[2]!);
  }
  return out;
}

function chainOf(st: BaculaSimState, jobId: number): number[] {
  const job = st.jobs.find((j) => j.jobId === jobId);
  if (!job || job.status !== 'T') return [];
  const same = st.jobs.filter((j) => j.name === job.name && j.status === 'T' && j.jobId <= jobId).sort((a, b) => b.jobId - a.jobId);
  const chain: number[] = [];
  for (const j of same) {
    chain.unshift(j.jobId);
    if (j.level === 'F') break;
  }
  return chain;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function b64(n: number): string {
  if (n <= 0) return 'A';
  let s = '';
  while (n > 0) {
    s = B64[n % 64]! + s;
    n = Math.floor(n / 64);
  }
  return s;
}
const lstat = (size: number, mtime: number) => `P4A IMKc IGk B A A A ${b64(size)} BAA o ${b64(mtime)} ${b64(mtime)} ${b64(mtime)} A A C`;

/** Stable ids for BVFS: a path's PathId and a file's FileId are derived from the job and its position. */
function bvfsView(st: BaculaSimState, jobIds: number[]) {
  const job = st.jobs.find((j) => j.jobId === jobIds[jobIds.length - 1]);
  const tree = fileTree(job?.fileset ?? null, job?.client ?? '');
  const pathIds = new Map(['/', ...tree.dirs].map((d, i) => [d, i + 1]));
  const files = tree.files.map((f, i) => ({ ...f, fileId: (jobIds[0] ?? 1) * 1000 + i + 1, jobId: jobIds[i % jobIds.length] ?? 1 }));
  return { tree, pathIds, files, mtime: Math.floor((job?.startMs ?? 0) / 1000) - 3600 };
}

async function restoreFiles(ctx: BaculaSimContext, j: SimJob): Promise<void> {
  if (!j.restore) return;
  const prefix = j.restore.where === '/' ? '' : j.restore.where.replace(/\/$/, '');
  for (const p of j.restore.paths) await ctx.files.writeAtomic(`${prefix}${p}`, `simulated content of ${p} restored by JobId ${j.jobId}\n`);
}

async function bconsole(ctx: BaculaSimContext, st: BaculaSimState, argv: string[]): Promise<RunResult> {
  const c = argv.indexOf('-c');
  const conf = c >= 0 ? argv[c + 1] : undefined;
  if (!conf || !conf.startsWith('/')) return fail('Connecting to Director localhost:9101\nFailed to connect to Director: bconsole.conf not found\n');
  if (!(await ctx.files.exists(conf))) return fail(`Error: Cannot open config file "${conf}": ERR=No such file or directory\n`);
  const out = [`Connecting to Director 127.0.0.1:9101`, `1000 OK: 103 ${DIRECTOR} Version: ${VERSION}`, 'Enter a period to cancel a command.'];
  const restored: SimJob[] = [];
  for (const raw of (ctx.input ?? '').split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (line === 'quit') {
      out.push('quit');
      break;
    }
    out.push(line);
    const [cmd] = line.split(/\s+/);
    const a = args(line);
    const catalog = () => out.push('Automatically selected Catalog: MyCatalog', 'Using Catalog "MyCatalog"');
    settle(st, ctx.now);
    switch (cmd) {
      case 'version':
        out.push(`${DIRECTOR} Version: ${VERSION} x86_64-pc-linux-gnu debian bookworm/sid`);
        break;
      case '.api':
        break;
      case 'status':
        if (a.has('dir') || a.has('director')) out.push(apiStatusDir(st));
        else if (a.has('client')) out.push(statusClient(st, a.get('client')!, ctx.now));
        else if (a.has('storage')) out.push(await statusStorage(ctx, st, a.get('storage')!));
        else out.push('Status available for: dir client storage');
        break;
      case '.jobs':
      case '.clients':
      case '.pools':
      case '.storage':
      case '.filesets': {
        const kind = { '.jobs': 'job', '.clients': 'client', '.pools': 'pool', '.storage': 'storage', '.filesets': 'fileset' }[cmd]!;
        const type = a.get('type');
        for (const r of st.loaded.filter((x) => x.kind.toLowerCase() === kind)) {
          if (type && (r.fields['type']?.[0] ?? '').toLowerCase().slice(0, 1) !== type.toLowerCase()) continue;
          out.push(r.name);
        }
        break;
      }
      case 'llist':
      case 'list': {
        catalog();
        if (a.has('joblog')) {
          const j = st.jobs.find((x) => x.jobId === Number(a.get('jobid')));
          for (const l of j?.log ?? []) out.push(`    Time: ${fmtTime(l.atMs)}`, ` LogText: ${l.text}`, '\\', '');
        } else if (a.has('jobs') || a.has('jobid')) {
          let jobs = st.jobs;
          if (a.has('jobid')) jobs = jobs.filter((j) => j.jobId === Number(a.get('jobid')));
          if (a.get('job')) jobs = jobs.filter((j) => j.name === a.get('job'));
          if (a.get('client')) jobs = jobs.filter((j) => j.client === a.get('client'));
          if (a.get('limit')) jobs = jobs.slice(-Number(a.get('limit')));
          if (!jobs.length) out.push('No results to list.');
          for (const j of jobs) out.push(llistJob(j));
        } else if (a.has('volumes') || a.has('volume')) {
          const one = a.get('volume');
          const pools = [...new Set(st.volumes.map((v) => v.pool))];
          for (const pool of pools) {
            const vols = st.volumes.filter((v) => v.pool === pool && (!one || v.name === one));
            if (!vols.length) continue;
            if (!one) out.push(`Pool: ${pool}`);
            for (const v of vols) out.push(llistVolume(v));
          }
        }
        break;
      }
      case 'run': {
        const name = a.get('job') ?? '';
        const def = st.loaded.find((r) => r.kind.toLowerCase() === 'job' && r.name === name);
        if (!def) {
          catalog();
          out.push(`Job "${name}" not found`, 'Select Job resource (1-3): ');
          return ok(`${out.join('\n')}\n`);
        }
        const level = ({ Full: 'F', Incremental: 'I', Differential: 'D' } as Record<string, string>)[a.get('level') ?? ''] ?? 'I';
        const client = def.fields['client']?.[0] ?? '';
        const fileset = def.fields['fileset']?.[0] ?? null;
        const hasFull = st.jobs.some((j) => j.name === name && j.level === 'F' && j.status === 'T');
        const effective = level !== 'F' && !hasFull ? 'F' : level;
        const tree = fileTree(fileset, client);
        const fullBytes = tree.files.reduce((n, f) => n + f.size, 0);
        const job: SimJob = {
          jobId: st.nextJobId++,
          name,
          type: 'B',
          level: effective,
          status: 'C',
          client,
          pool: def.fields['pool']?.[0] ?? 'Default',
          fileset,
          storage: def.fields['storage']?.[0] ?? 'File1',
          files: 0,
          bytes: 0,
          plannedFiles: effective === 'F' ? tree.files.length + tree.dirs.length : 3,
          plannedBytes: effective === 'F' ? fullBytes * 400 : Math.round(fullBytes * 12),
          schedMs: ctx.now,
          startMs: null,
          endMs: null,
          errors: 0,
          volume: null,
          log: [],
        };
        job.log = reportLog(job);
        st.jobs.push(job);
        out.push('Using Catalog "MyCatalog"', `Job queued. JobId=${job.jobId}`);
        break;
      }
      case 'cancel': {
        const id = Number(a.get('jobid'));
        const j = st.jobs.find((x) => x.jobId === id && x.endMs === null);
        if (!j) {
          out.push(`Warning Job JobId=${id} is not running.`);
          break;
        }
        finish(st, j, 'A', ctx.now);
        out.push(`2001 Job "${uniqueName(j)}" marked to be canceled.`, `3000 JobId=${id} Job="${uniqueName(j)}" marked to be canceled.`);
        break;
      }
      case 'label': {
        catalog();
        const name = a.get('volume') ?? '';
        const pool = a.get('pool') ?? 'Default';
        if (st.volumes.some((v) => v.name === name)) {
          out.push(`Media record for new Volume "${name}" already exists.`, 'Enter new Volume name: ');
          return ok(`${out.join('\n')}\n`);
        }
        if (!st.loaded.some((r) => r.kind.toLowerCase() === 'pool' && r.name === pool)) {
          out.push(`Pool "${pool}" not found`);
          break;
        }
        newVolume(st, name, pool, a.get('storage') ?? 'File1');
        out.push(
          `Connecting to Storage daemon ${a.get('storage')} at 127.0.0.1:9103 ...`,
          `Sending label command for Volume "${name}" Slot 0 ...`,
          `3000 OK label. VolBytes=215 VolABytes=0 VolType=1 Volume="${name}" Device="FileStorage" (/tank/backups/bacula)`,
          `Catalog record for Volume "${name}", Slot 0  successfully created.`,
        );
        break;
      }
      case 'update': {
        catalog();
        if (a.has('pool') && !a.has('volume')) {
          // `update pool=X`: the catalog record from the resource (the real one prints the record as a table first).
          if (!st.loaded.some((r) => r.kind.toLowerCase() === 'pool' && r.name === a.get('pool'))) {
            out.push(`Error: Pool resource "${a.get('pool')}" does not exist.`, 'Automatically selected Pool: Default');
            break;
          }
          out.push('Pool DB record updated from resource.');
          break;
        }
        if (a.has('allfrompool')) {
          const pool = a.get('allfrompool')!;
          if (!st.loaded.some((r) => r.kind.toLowerCase() === 'pool' && r.name === pool)) {
            out.push(`Could not find Pool "${pool}": ERR=Pool record not found in Catalog.`, 'Automatically selected Pool: Default');
            break;
          }
          out.push(`All Volume defaults updated from "${pool}" Pool record.`);
          break;
        }
        const v = st.volumes.find((x) => x.name === a.get('volume'));
        if (!v) {
          out.push(`Volume "${a.get('volume')}" not found.`);
          break;
        }
        if (a.has('volstatus')) {
          const s = a.get('volstatus')!;
          if (!['Append', 'Full', 'Used', 'Read-Only', 'Disabled', 'Archive', 'Error', 'Cleaning', 'Recycle'].includes(s)) {
            out.push(`Invalid VolStatus specified: ${s}`);
            break;
          }
          v.status = s;
          out.push(`New Volume status is: ${s}`);
        }
        if (a.has('pool')) {
          if (!st.loaded.some((r) => r.kind.toLowerCase() === 'pool' && r.name === a.get('pool'))) {
            out.push(`Pool "${a.get('pool')}" not found`);
            break;
          }
          v.pool = a.get('pool')!;
          out.push(`New Pool is: ${v.pool}`);
        }
        break;
      }
      case 'purge':
      case 'prune': {
        catalog();
        const v = st.volumes.find((x) => x.name === a.get('volume'));
        if (!v) {
          out.push(`Volume "${a.get('volume')}" not found.`);
          break;
        }
        if (cmd === 'purge' && !['Append', 'Full', 'Used', 'Error'].includes(v.status)) {
          out.push(`Volume "${v.name}" has VolStatus "${v.status}" and cannot be purged.`);
          break;
        }
        if (cmd === 'prune' && !['Full', 'Used'].includes(v.status)) {
          out.push(`Cannot prune Volume "${v.name}" because the volume status is "${v.status}" and should be Full or Used.`);
          break;
        }
        const expired = (j: SimJob) => cmd === 'purge' || (j.endMs ?? 0) < ctx.now - 365 * DAY;
        const before = st.jobs.length;
        st.jobs = st.jobs.filter((j) => j.volume !== v.name || !expired(j));
        if (!st.jobs.some((j) => j.volume === v.name)) {
          v.status = 'Purged';
          out.push(`There are no more Jobs associated with Volume "${v.name}". Marking it purged.`);
        } else out.push(`Pruned ${before - st.jobs.length} Jobs on Volume "${v.name}" from catalog.`);
        break;
      }
      case '.bvfs_get_jobids':
        out.push('Using Catalog "MyCatalog"', chainOf(st, Number(a.get('jobid'))).join(','));
        break;
      case '.bvfs_update':
      case '.bvfs_cleanup':
        out.push('Using Catalog "MyCatalog"');
        if (cmd === '.bvfs_cleanup') delete st.bvfsTables[a.get('path') ?? ''];
        break;
      case '.bvfs_lsdirs':
      case '.bvfs_lsfiles': {
        out.push('Using Catalog "MyCatalog"');
        const jobIds = (a.get('jobid') ?? '').split(',').map(Number);
        const view = bvfsView(st, jobIds);
        const path = a.get('path') ?? '';
        if (cmd === '.bvfs_lsdirs') {
          const children = path === '' ? ['/'] : view.tree.dirs.filter((d) => d !== path && d.startsWith(path) && !d.slice(path.length, -1).includes('/'));
          out.push(`${view.pathIds.get(path) ?? 0}\t0\t0\t0\tA A A A A A A A A A A A A A\t.`);
          for (const d of children)
            out.push(`${view.pathIds.get(d)}\t0\t0\t${jobIds[0]}\t${lstat(4096, view.mtime)}\t${path === '' ? '/' : d.slice(path.length)}`);
        } else {
          for (const f of view.files.filter((x) => x.path.startsWith(path) && !x.path.slice(path.length).includes('/')))
            out.push(`${view.pathIds.get(path)}\t${f.fileId}\t${f.fileId}\t${f.jobId}\t${lstat(f.size, view.mtime)}\t${f.path.slice(path.length)}`);
        }
        break;
      }
      case '.bvfs_restore': {
        out.push('Using Catalog "MyCatalog"');
        const jobIds = (a.get('jobid') ?? '').split(',').map(Number);
        const view = bvfsView(st, jobIds);
        const fileIds = (a.get('fileid') ?? '').split(',').filter(Boolean).map(Number);
        const dirIds = (a.get('dirid') ?? '').split(',').filter(Boolean).map(Number);
        const dirs = [...view.pathIds].filter(([, id]) => dirIds.includes(id)).map(([p]) => p);
        const paths = view.files.filter((f) => fileIds.includes(f.fileId) || dirs.some((d) => f.path.startsWith(d))).map((f) => f.path);
        st.bvfsTables[a.get('path') ?? ''] = paths;
        out.push('OK');
        break;
      }
      case 'restore': {
        const table = (a.get('file') ?? '').replace(/^\?/, '');
        const paths = st.bvfsTables[table];
        if (!paths) {
          out.push('Using Catalog "MyCatalog"', 'No files selected to be restored.');
          break;
        }
        const restoreJob = st.loaded.find((r) => r.kind.toLowerCase() === 'job' && (r.fields['type']?.[0] ?? '').toLowerCase() === 'restore');
        const where = a.get('where') ?? restoreJob?.fields['where']?.[0] ?? '/tmp/bacula-restores';
        const client = a.get('restoreclient') ?? a.get('client') ?? 'calypso-fd';
        const job: SimJob = {
          jobId: st.nextJobId++,
          name: a.get('restorejob') ?? restoreJob?.name ?? 'RestoreFiles',
          type: 'R',
          level: 'F',
          status: 'C',
          client,
          pool: null,
          fileset: null,
          storage: 'File1',
          files: paths.length,
          bytes: paths.length * 4096,
          plannedFiles: paths.length,
          plannedBytes: paths.length * 4096,
          schedMs: ctx.now,
          startMs: null,
          endMs: null,
          errors: 0,
          volume: null,
          log: [],
          restore: { where, paths, client },
        };
        st.jobs.push(job);
        restored.push(job);
        out.push(
          'Using Catalog "MyCatalog"',
          `${paths.length} file${paths.length === 1 ? '' : 's'} selected to be restored.`,
          '',
          `Job queued. JobId=${job.jobId}`,
        );
        break;
      }
      case 'reload': {
        const r = await loadDirector(ctx.files, `${ETC}/bacula-dir.conf`, 'bacula').catch((err: Error) => err);
        if (r instanceof Error) out.push(`Error: ${r.message}`, 'Please correct configuration file');
        else st.loaded = r;
        break;
      }
      case 'messages':
        out.push(...st.messages.splice(0));
        break;
      default:
        out.push(`${cmd}: is an invalid command.`);
    }
  }
  for (const j of restored) await restoreFiles(ctx, j);
  return ok(`${out.join('\n')}\n`);
}

/** Bacula's "30-Nov-26 10:06". */
function startedWords(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getMonth()];
  return `${p(d.getDate())}-${mon}-${p(d.getFullYear() % 100)} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** `status storage=NAME`: the storage daemon's header and its devices (those of its configuration). */
async function statusStorage(ctx: BaculaSimContext, st: BaculaSimState, name: string): Promise<string> {
  const storage = st.loaded.find((r) => r.kind.toLowerCase() === 'storage' && r.name === name);
  if (!storage) return `Storage resource "${name}": not found`;
  const address = storage.fields['address']?.[0] ?? '127.0.0.1';
  const port = storage.fields['sdport']?.[0] ?? '9103';
  const devices = parseResources(await readConf(ctx.files, `${ETC}/bacula-sd.conf`).catch(() => '')).filter((r) => r.kind.toLowerCase() === 'device');
  const lines = [
    `Connecting to Storage daemon ${name} at ${address}:${port}`,
    '',
    `calypso-sd Version: ${VERSION} x86_64-pc-linux-gnu debian bookworm/sid`,
    `Daemon started ${startedWords(ctx.now - 3 * 3600_000)}. Jobs: run=0, running=0.`,
    '',
    'Running Jobs:',
    'No Jobs running.',
    '====',
    '',
    'Device status:',
    '',
    ...devices.map((d) => `Device File: "${d.name}" (${d.fields['archivedevice']?.[0] ?? ''}) is not open.`),
    '====',
  ];
  return lines.join('\n');
}

async function loadDirector(files: HostFiles, path = `${ETC}/bacula-dir.conf`, asUser = 'root'): Promise<Resource[]> {
  const res = parseResources(await readConf(files, path, 0, asUser));
  checkDirector(res);
  return res;
}

async function ensureInstalled(files: HostFiles): Promise<void> {
  // As Debian's packages and the installer leave them: root's, group bacula, 0640.
  const conf = { mode: 0o640, group: 'bacula' };
  if (!(await files.exists(`${ETC}/bacula-dir.conf`))) await files.writeAtomic(`${ETC}/bacula-dir.conf`, BASE_DIR_CONF, conf);
  if (!(await files.exists(`${ETC}/bacula-sd.conf`))) await files.writeAtomic(`${ETC}/bacula-sd.conf`, BASE_SD_CONF, conf);
  if (!(await files.exists(`${ETC}/bconsole.conf`))) await files.writeAtomic(`${ETC}/bconsole.conf`, BASE_BCONSOLE_CONF, conf);
  if (!(await files.exists(`${ETC}/calypso.conf`))) await files.writeAtomic(`${ETC}/calypso.conf`, '', conf);
  if (!(await files.exists(`${ETC}/calypso-sd.conf`))) await files.writeAtomic(`${ETC}/calypso-sd.conf`, '', conf);
}

async function loadState(ctx: BaculaSimContext): Promise<BaculaSimState> {
  const text = await ctx.files.readIfExists(BACULA_SIM_STATE);
  if (text) return JSON.parse(text) as BaculaSimState;
  await ensureInstalled(ctx.files);
  const st = seedCatalogue(ctx.now);
  st.loaded = await loadDirector(ctx.files);
  return st;
}

const TOOLS = new Set(['bconsole', 'bacula-dir', 'bacula-sd']);

/** Answers bconsole, bacula-dir and bacula-sd like Bacula 9.6.7; null for any other tool. */
export async function simulateBacula(tool: string, argv: string[], ctx: BaculaSimContext): Promise<RunResult | null> {
  if (!TOOLS.has(tool)) return null;
  const st = await loadState(ctx);
  let result: RunResult;
  if (tool === 'bconsole') result = await bconsole(ctx, st, argv);
  else {
    const c = argv.indexOf('-c');
    const path = c >= 0 ? argv[c + 1] : undefined;
    if (!argv.includes('-t') || !path) return fail(`${tool}: the simulated appliance runs only ${tool} -t -c FILE\n`);
    try {
      if (tool === 'bacula-dir') await loadDirector(ctx.files, path);
      else parseResources(await readConf(ctx.files, path));
      result = ok();
    } catch (err) {
      if (!(err instanceof ConfError)) throw err;
      result = fail(`${tool}: ERROR TERMINATION at parse_conf.c:481\nConfig error: ${err.message}\n`);
    }
  }
  await ctx.files.writeAtomic(BACULA_SIM_STATE, JSON.stringify(st));
  return result;
}

/** Makes a simulated client's file daemon stop (or start) answering (demos and tests). */
export async function setBaculaClientDown(files: HostFiles, now: number, client: string, down: boolean): Promise<void> {
  const st = await loadState({ files, now });
  st.downClients = down ? [...new Set([...st.downClients, client])] : st.downClients.filter((c) => c !== client);
  await files.writeAtomic(BACULA_SIM_STATE, JSON.stringify(st));
}
