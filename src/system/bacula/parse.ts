/**
 * Pure parsers of bconsole's answers (Bacula 9.6.7; fixtures in test/fixtures/bacula with their
 * README). Each takes the text of one command's answer as the driver hands it over, and skips the
 * lines bconsole puts around an answer (banner, echoed command, catalog selection, "You have
 * messages."), never reading them as data.
 *
 * Bareos 2x differences, where these parsers would need a branch: Bareos has `.api 2` JSON
 * (`.api json`) instead of key=value blocks, prints `list jobs` with a different column set
 * (JobId, Name, Client, StartTime, Type, Level, JobFiles, JobBytes, JobStatus) and `llist` records
 * with lower-case keys (`jobid:`, `jobstatus:`); parseJobs maps columns by name and compares keys
 * case-insensitively for that reason.
 */

/** One job as the catalog or the director reports it; type, level and status are Bacula's one-letter codes. */
export interface BaculaJob {
  jobId: number;
  name: string;
  type: string;
  level: string;
  status: string;
  files: number;
  bytes: number;
  /** As Bacula prints it, `YYYY-MM-DD HH:MM:SS` in the director's local time; null when the job never started. */
  startTime: string | null;
}

export interface BaculaVolume {
  mediaId: number;
  name: string;
  status: string;
  bytes: number;
  /** From the `Pool:` heading above the volume; null when the answer had none (`list volumes pool=X`). */
  pool: string | null;
  mediaType: string;
  lastWritten: string | null;
}

export interface DirectorStatus {
  name: string;
  version: string;
  running: BaculaJob[];
  terminated: BaculaJob[];
}

const NOISE = [
  /^Connecting to Director \S+$/,
  /^\d{4} OK: \d+ /,
  /^Enter a period to cancel a command\.$/,
  /^Automatically selected Catalog: /,
  /^Using Catalog "/,
  /^You have messages\.$/,
  /^You have no messages\.$/,
];

/** Whether a line is one bconsole adds around every answer. */
export function isNoise(line: string): boolean {
  return NOISE.some((re) => re.test(line));
}

/** The answer's lines without bconsole's own (and without the echoed command when given). */
export function answerLines(text: string, command?: string): string[] {
  const lines = text.replace(/\r/g, '').split('\n');
  const out: string[] = [];
  let echoed = command === undefined;
  for (const line of lines) {
    if (!echoed && line.trim() === command!.trim()) {
      echoed = true;
      continue;
    }
    if (isNoise(line)) continue;
    out.push(line);
  }
  return out;
}

const DOT_COMMAND = /^\.[a-z_]+(\s|$)|^(list|llist|status|run|cancel|label|update|purge|prune|restore|reload|messages|version|show|delete|estimate)(\s|$)/;

/** Lines that are bconsole's echo of a typed command (the fixtures' answers start with one). */
function isEcho(line: string): boolean {
  return DOT_COMMAND.test(line.trim()) && !/[:=]\s/.test(line);
}

function int(value: string | undefined): number {
  const n = Number(
    String(value ?? '')
      .replace(/,/g, '')
      .trim(),
  );
  return Number.isFinite(n) ? n : 0;
}

/** A catalog time, or null for the ones Bacula prints when there is none. */
export function baculaTime(value: string | undefined): string | null {
  const v = (value ?? '').trim();
  if (!v || v === '0' || v === 'NULL' || v.startsWith('0000-00-00')) return null;
  return v;
}

/** Rows of an ASCII table (`+---+` rules, `| a | b |` rows) as records keyed by the header cells; one table per call of `onTable`. */
function asciiTables(lines: string[]): { rows: Record<string, string>[]; headingBefore: string | null }[] {
  const tables: { rows: Record<string, string>[]; headingBefore: string | null }[] = [];
  let header: string[] | null = null;
  let current: Record<string, string>[] | null = null;
  let lastText: string | null = null;
  for (const line of lines) {
    if (line.startsWith('+-')) continue;
    if (line.startsWith('|')) {
      const cells = line
        .slice(1, line.lastIndexOf('|'))
        .split('|')
        .map((c) => c.trim());
      if (!header) {
        header = cells;
        current = [];
        tables.push({ rows: current, headingBefore: lastText });
      } else {
        current!.push(Object.fromEntries(header.map((h, i) => [h.toLowerCase(), cells[i] ?? ''])));
      }
      continue;
    }
    header = null;
    current = null;
    if (line.trim()) lastText = line.trim();
  }
  return tables;
}

/**
 * `Key: value` records separated by blank lines (llist). A value may run over several lines
 * (llist joblog's LogText); a line without a `Key:` prefix continues the previous value.
 */
export function parseRecords(lines: string[]): { record: Record<string, string>; headingBefore: string | null }[] {
  const out: { record: Record<string, string>; headingBefore: string | null }[] = [];
  let current: Record<string, string> | null = null;
  let lastKey: string | null = null;
  let heading: string | null = null;
  // llist right-aligns its keys: every key of a record ends at the same column. A line whose
  // `Word:` ends elsewhere ("  Build OS:   ..." inside a LogText) continues the previous value.
  let colonAt = -1;
  for (const line of lines) {
    if (current && lastKey === 'logtext' && !current['logtext']!.endsWith('\\')) {
      // A log text runs until its closing `\` line, blank lines and `Key:` lines of its report included.
      current['logtext'] += `\n${line}`;
      continue;
    }
    const m = /^(\s+)([A-Za-z][A-Za-z0-9_]*): ?(.*)$/.exec(line);
    const at = m ? m[1]!.length + m[2]!.length : -1;
    if (m && (!current || at === colonAt)) {
      const key = m[2]!.toLowerCase();
      if (!current || key in current) {
        current = {};
        colonAt = at;
        out.push({ record: current, headingBefore: heading });
      }
      current[key] = m[3]!.trimEnd();
      lastKey = key;
      continue;
    }
    if (!line.trim()) {
      current = null;
      lastKey = null;
      continue;
    }
    if (current && lastKey) {
      current[lastKey] = `${current[lastKey]}\n${line}`;
      continue;
    }
    heading = line.trim();
  }
  return out;
}

function isTable(lines: string[]): boolean {
  return lines.some((l) => l.startsWith('+-'));
}

function jobFrom(r: Record<string, string>): BaculaJob | null {
  const jobId = int(r['jobid']);
  if (!jobId) return null;
  return {
    jobId,
    name: r['name'] ?? '',
    type: (r['type'] ?? '').trim(),
    level: (r['level'] ?? '').trim(),
    status: (r['jobstatus'] ?? '').trim(),
    files: int(r['jobfiles']),
    bytes: int(r['jobbytes']),
    startTime: baculaTime(r['starttime']),
  };
}

/**
 * `list jobs` (an ASCII table) or `llist jobs` / `llist jobid=N` (`Key: value` records): the same
 * function takes both. A job listed twice (9.6's `llist jobs jobid=N` prints every job, then N
 * again) is kept once.
 */
export function parseJobs(text: string): BaculaJob[] {
  const lines = answerLines(text).filter((l) => !isEcho(l));
  const raw = isTable(lines) ? asciiTables(lines).flatMap((t) => t.rows) : parseRecords(lines).map((r) => r.record);
  const seen = new Set<number>();
  const jobs: BaculaJob[] = [];
  for (const r of raw) {
    const job = jobFrom(r);
    if (!job || seen.has(job.jobId)) continue;
    seen.add(job.jobId);
    jobs.push(job);
  }
  return jobs;
}

function poolOfHeading(heading: string | null): string | null {
  const m = /^Pool: (.+)$/.exec(heading ?? '');
  return m ? m[1]!.trim() : null;
}

/** `list volumes` or `llist volumes` (also `llist volume=X`); the pool comes from the `Pool:` heading above each group. */
export function parseVolumes(text: string): BaculaVolume[] {
  const lines = answerLines(text).filter((l) => !isEcho(l));
  const volumes: BaculaVolume[] = [];
  const push = (r: Record<string, string>, heading: string | null) => {
    const mediaId = int(r['mediaid']);
    if (!mediaId) return;
    volumes.push({
      mediaId,
      name: r['volumename'] ?? '',
      status: r['volstatus'] ?? '',
      bytes: int(r['volbytes']),
      pool: poolOfHeading(heading),
      mediaType: r['mediatype'] ?? '',
      lastWritten: baculaTime(r['lastwritten']),
    });
  };
  if (isTable(lines)) for (const t of asciiTables(lines)) for (const r of t.rows) push(r, t.headingBefore);
  else for (const { record, headingBefore } of parseRecords(lines)) push(record, headingBefore);
  return volumes;
}

/** `.api 2` key=value blocks: a section name line (`running:`), then blocks separated by blank lines. */
export function parseApiSections(text: string): Map<string, Record<string, string>[]> {
  const sections = new Map<string, Record<string, string>[]>();
  let section = '';
  let block: Record<string, string> | null = null;
  for (const line of answerLines(text)) {
    const heading = /^([a-z]+):$/.exec(line.trim());
    if (heading) {
      section = heading[1]!;
      if (!sections.has(section)) sections.set(section, []);
      block = null;
      continue;
    }
    const kv = /^([a-z_]+)=(.*)$/.exec(line);
    if (kv && section) {
      if (!block) {
        block = {};
        sections.get(section)!.push(block);
      }
      block[kv[1]!] = kv[2]!;
      continue;
    }
    if (!line.trim() || line.startsWith('====')) block = null;
  }
  return sections;
}

/** The job's resource name from its unique Job name (`BackupTest.2026-11-30_06.41.05_04`). */
export function jobNameOf(unique: string): string {
  return unique.replace(/\.\d{4}-\d\d-\d\d_\d\d\.\d\d\.\d\d_\d+$/, '');
}

function apiJob(b: Record<string, string>): BaculaJob | null {
  const jobId = int(b['jobid']);
  if (!jobId) return null;
  return {
    jobId,
    name: b['name'] ?? jobNameOf(b['job'] ?? ''),
    type: (b['type'] ?? '').trim(),
    level: (b['level'] ?? '').trim(),
    status: (b['status'] ?? '').trim(),
    files: int(b['jobfiles']),
    bytes: int(b['jobbytes']),
    startTime: baculaTime(b['starttime']),
  };
}

/** The answer to `.api 2` then `status dir`. */
export function parseDirectorStatus(text: string): DirectorStatus {
  const sections = parseApiSections(text);
  const header = sections.get('header')?.[0];
  if (!header || !header['name']) throw new Error('not an `.api 2` status dir answer: no header block');
  const jobs = (name: string) => (sections.get(name) ?? []).map(apiJob).filter((j): j is BaculaJob => j !== null);
  return { name: header['name'], version: header['version'] ?? '', running: jobs('running'), terminated: jobs('terminated') };
}

/** A running job with what the director says it is doing (`status_desc`) and its client. */
export interface RunningDetail {
  jobId: number;
  statusText: string;
  client: string | null;
  storage: string | null;
}

/** The running blocks of `.api 2` + `status dir` with their descriptions (the waiting reasons). */
export function parseRunningDetails(text: string): RunningDetail[] {
  return (parseApiSections(text).get('running') ?? [])
    .filter((b) => int(b['jobid']) > 0)
    .map((b) => ({ jobId: int(b['jobid']), statusText: b['status_desc'] ?? '', client: b['clientname'] || null, storage: b['storage'] || null }));
}

/** Names one per line (`.jobs`, `.clients`, `.pools`, `.storage`, `.filesets`). */
export function parseNameList(text: string): string[] {
  return answerLines(text)
    .filter((l) => l.trim() && !isEcho(l))
    .map((l) => l.trim());
}

export interface ClientStatus {
  reachable: boolean;
  version: string | null;
  /** Live counters of jobs the file daemon is running: the director has none until a job ends. */
  running: { jobId: number; files: number; bytes: number; bytesPerSecond: number; currentFile: string | null }[];
  /** The failure line when it could not be reached. */
  error: string | null;
}

/** `status client=NAME` (plain or after `.api 2`; 9.6 prints the same text for both). The file daemon names itself in it. */
export function parseClientStatus(text: string): ClientStatus {
  const lines = answerLines(text);
  const failed = lines.find((l) => /^Failed to connect to Client /.test(l) || /^Client \S+ not found/.test(l));
  if (failed) return { reachable: false, version: null, running: [], error: failed.trim() };
  // The file daemon names itself (its own Name, which need not be the director's name for it).
  const versionLine = lines.find((l) => /^\S+ Version: \S+/.test(l));
  if (!versionLine) return { reachable: false, version: null, running: [], error: lines.find((l) => l.trim())?.trim() ?? 'no answer' };
  const version = /Version: (\S+)/.exec(versionLine)?.[1] ?? null;
  const running: ClientStatus['running'] = [];
  let current: ClientStatus['running'][number] | null = null;
  for (const line of lines) {
    const head = /^JobId (\d+) Job \S+ is running\./.exec(line);
    if (head) {
      current = { jobId: Number(head[1]), files: 0, bytes: 0, bytesPerSecond: 0, currentFile: null };
      running.push(current);
      continue;
    }
    if (!current) continue;
    const counters = /^\s+Files=([\d,]+) Bytes=([\d,]+) AveBytes\/sec=([\d,]+)/.exec(line);
    if (counters) {
      current.files = int(counters[1]);
      current.bytes = int(counters[2]);
      current.bytesPerSecond = int(counters[3]);
    }
    const file = /^\s+Processing file: (.+)$/.exec(line);
    if (file) current.currentFile = file[1]!;
    if (line.startsWith('====')) current = null;
  }
  return { reachable: true, version, running, error: null };
}

/** `Job queued. JobId=N` after `run` or `restore`; null when the answer has none. */
export function parseQueuedJobId(text: string): number | null {
  const m = /^Job queued\. JobId=(\d+)$/m.exec(text);
  return m ? Number(m[1]) : null;
}

/**
 * The question bconsole was left asking when the command could not be done as typed
 * (`Select Job resource (1-3):`, `Enter new Volume name:`): its input ended there, so the answer
 * is a refusal, whatever the exit code. Null when the answer ends normally.
 */
export function trailingPrompt(text: string): string | null {
  const lines = text.replace(/\r/g, '').split('\n');
  let last = lines.length - 1;
  while (last >= 0 && !lines[last]!.trim()) last--;
  const line = lines[last] ?? '';
  return /:\s*$/.test(line) && /(Select|Enter|\(yes\/mod\/no\)|\(\d+-\d+\))/.test(line) ? line.trim() : null;
}

/** One line of a job's log (`llist joblog jobid=N`). */
export interface JobLogEntry {
  at: string | null;
  text: string;
}

/** `llist joblog jobid=N`: Time / LogText records, each text ending with a lone `\`. */
export function parseJobLog(text: string): JobLogEntry[] {
  const lines = answerLines(text).filter((l) => !isEcho(l));
  return parseRecords(lines)
    .filter(({ record }) => 'logtext' in record)
    .map(({ record }) => ({
      at: baculaTime(record['time']),
      text: record['logtext']!.replace(/\n\\$/, '').replace(/\\$/, '').trimEnd(),
    }));
}

/** An entry of `.bvfs_lsdirs` / `.bvfs_lsfiles`. */
export interface BvfsEntry {
  pathId: number;
  /** FilenameId for files; 0 for directories. */
  filenameId: number;
  fileId: number;
  jobId: number;
  name: string;
  isDir: boolean;
  sizeBytes: number;
  /** Modification time in epoch seconds, from the LStat field. */
  mtime: number;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** One field of Bacula's base64 LStat encoding (its own digit order, not RFC 4648). */
export function fromBase64(field: string): number {
  let n = 0;
  let neg = false;
  for (const ch of field) {
    if (ch === '-') {
      neg = true;
      continue;
    }
    const v = B64.indexOf(ch);
    if (v < 0) return 0;
    n = n * 64 + v;
  }
  return neg ? -n : n;
}

/**
 * Rows `PathId FilenameId FileId JobId LStat Name` (tab-separated). The `.` and `..` entries of
 * lsdirs are left out. LStat fields: dev ino mode nlink uid gid rdev size blksize blocks atime mtime ctime ...
 */
export function parseBvfsList(text: string, kind: 'dirs' | 'files'): BvfsEntry[] {
  const out: BvfsEntry[] = [];
  for (const line of answerLines(text)) {
    const cols = line.split('\t');
    if (cols.length < 6) continue;
    const name = cols.slice(5).join('\t');
    if (kind === 'dirs' && (name === '.' || name === '..')) continue;
    const lstat = cols[4]!.split(' ');
    out.push({
      pathId: int(cols[0]),
      filenameId: int(cols[1]),
      fileId: int(cols[2]),
      jobId: int(cols[3]),
      name,
      isDir: kind === 'dirs',
      sizeBytes: fromBase64(lstat[7] ?? 'A'),
      mtime: fromBase64(lstat[11] ?? 'A'),
    });
  }
  return out;
}

/** `.bvfs_get_jobids jobid=N`: the jobs a restore of N needs (its Full, Differential, Incrementals). */
export function parseJobIdList(text: string): number[] {
  const line = answerLines(text).find((l) => /^\d+(,\d+)*$/.test(l.trim()));
  return line ? line.trim().split(',').map(Number) : [];
}

/** A job of `llist jobs` / `llist jobid=N` with what the history shows beyond parseJobs' shape. */
export interface BaculaJobDetail extends BaculaJob {
  endTime: string | null;
  errors: number;
  client: string | null;
  pool: string | null;
}

/** `llist jobs` / `llist jobid=N` records with end time, errors, client and pool. */
export function parseJobDetails(text: string): BaculaJobDetail[] {
  const lines = answerLines(text).filter((l) => !isEcho(l));
  const seen = new Set<number>();
  const out: BaculaJobDetail[] = [];
  for (const { record } of parseRecords(lines)) {
    const job = jobFrom(record);
    if (!job || seen.has(job.jobId)) continue;
    seen.add(job.jobId);
    const text = (k: string) => (record[k] && record[k] !== 'NULL' ? record[k]! : null);
    out.push({ ...job, endTime: baculaTime(record['endtime']), errors: int(record['joberrors']), client: text('clientname'), pool: text('poolname') });
  }
  return out;
}
