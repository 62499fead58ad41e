/**
 * The Host seam: the only way src/system reaches the machine.
 * Commands are argument arrays, never shell strings.
 */
import { forEachLine } from './lines.js';

export interface RunOptions {
  /** Written to the command's standard input. */
  input?: string | Buffer;
  /** Kill the command after this many milliseconds (default 60 s). */
  timeoutMs?: number;
  /** Exit codes that are not failures (default [0]). */
  okCodes?: number[];
  /** Extra environment entries (LC_ALL=C is always set). */
  env?: Record<string, string>;
  /** Argument values (a tool that only takes a password on its command line) kept out of history and errors. */
  secrets?: string[];
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** One command the host ran, kept so a face can "show the command". */
export interface CommandRecord {
  seq: number;
  at: string;
  command: string;
  args: string[];
  code: number | null;
  durationMs: number;
  error?: string;
}

export interface HostFiles {
  read(path: string): Promise<string>;
  /** Returns null when the file does not exist. */
  readIfExists(path: string): Promise<string | null>;
  list(dir: string): Promise<string[]>;
  exists(path: string): Promise<boolean>;
  /**
   * Temp file, fsync, rename; the previous version is kept as `${path}.prev` (with the owner and
   * group the file had). `mode`: its permission bits; `group`: the group it belongs to (a name,
   * e.g. `bacula`, so a daemon running as that group's user can read a root-owned 0640 file).
   */
  writeAtomic(path: string, content: string, opts?: WriteOptions): Promise<void>;
  /** Put back the `.prev` version kept by the last writeAtomic (or remove the file if there was none). */
  restorePrevious(path: string): Promise<void>;
  /** The file's permission bits, owner and group (names), or null when it does not exist. */
  stat(path: string): Promise<FileStat | null>;
}

export interface WriteOptions {
  mode?: number;
  group?: string;
}

export interface FileStat {
  mode: number;
  owner: string;
  group: string;
}

/** Whether a daemon running as `user` (with that user's group of the same name) may read a file. */
export function readableBy(st: FileStat, user: string): boolean {
  if (user === 'root') return true;
  if (st.owner === user) return (st.mode & 0o400) !== 0;
  if (st.group === user) return (st.mode & 0o040) !== 0;
  return (st.mode & 0o004) !== 0;
}

/** One side of a pipe: a command and its argument array. */
export interface PipeCommand {
  command: string;
  args: string[];
  /** Argument values kept out of history and errors. */
  secrets?: string[];
}

export interface PipeOptions {
  /** Aborting kills both commands (SIGTERM); the result then says cancelled. */
  signal?: AbortSignal;
  /** Kill both after this many milliseconds (default: no limit; a transfer takes what it takes). */
  timeoutMs?: number;
  /**
   * Bytes per second the stream may take from the first command to the second. Calypso relays
   * the stream itself and pauses it to stay under the limit, so it holds for any pair of tools.
   */
  limitBytesPerSecond?: number;
  /** Each line either command writes on standard error, as it comes. */
  onStderr?: (side: 'source' | 'sink', line: string) => void;
  /** Bytes relayed so far and when (the host's clock, epoch ms); called a few times a second at most. */
  onBytes?: (bytes: number, atMs: number) => void;
  env?: Record<string, string>;
}

export interface PipeSideResult {
  /** Exit code; null when killed or not started. */
  code: number | null;
  stderr: string;
}

export interface PipeResult {
  source: PipeSideResult;
  sink: PipeSideResult & { stdout: string };
  /** Bytes that went from the first command to the second. */
  bytes: number;
  /** Ended by the signal (or the timeout). */
  cancelled: boolean;
  /** When it started and ended (the host's clock, epoch ms). */
  startedAtMs: number;
  endedAtMs: number;
}

/** How a streamed command ended: its standard output went to the line callback, not here. */
export interface RunLinesResult {
  code: number;
  stderr: string;
}

export interface Host {
  /** 'local' for the real machine, 'sim' for the simulated appliance. */
  readonly kind: 'local' | 'sim';
  run(command: string, args: string[], opts?: RunOptions): Promise<RunResult>;
  /**
   * Like run, but each line of standard output (without its '\n') goes to `onLine` as it comes and
   * none is kept: for listings that can exceed any buffer (`zfs list -t snapshot` of a million
   * snapshots). run keeps its size bound; this has none. Standard error is kept (bounded) and a
   * failing exit code throws HostCommandError as run does. Hosts without it are read with
   * runLinesOf's fallback (run, then split).
   */
  runLines?(command: string, args: string[], onLine: (line: string) => void, opts?: RunOptions): Promise<RunLinesResult>;
  /**
   * `source | sink`: the first command's standard output into the second's standard input, never
   * through a shell. Both exit codes and both standard errors come back; a failing side is not
   * thrown (the caller reads both: a receive refusal explains a send's broken pipe).
   */
  pipe?(source: PipeCommand, sink: PipeCommand, opts?: PipeOptions): Promise<PipeResult>;
  readonly files: HostFiles;
  /**
   * Something that changes whenever what a listing shows may have changed (the simulator's model
   * generation). Without it, cached listings are read again once their second is up.
   */
  revision?(): Promise<string | number>;
  /** The host's clock in epoch ms, when it is not the wall clock (the simulator's can be moved by tests). */
  now?(): number;
  /** The most recent commands, oldest first (bounded). */
  history(limit?: number): CommandRecord[];
  close?(): Promise<void>;
}

/** host.runLines when the host streams, otherwise run and the same lines from its answer. */
export async function runLinesOf(host: Host, command: string, args: string[], onLine: (line: string) => void, opts?: RunOptions): Promise<RunLinesResult> {
  if (host.runLines) return host.runLines(command, args, onLine, opts);
  const result = await host.run(command, args, opts);
  forEachLine(result.stdout, onLine);
  return { code: result.code, stderr: result.stderr };
}

/** The arguments as history and errors may show them: secret values replaced. */
export function maskSecrets(args: string[], secrets: string[] = []): string[] {
  return args.map((a) => (secrets.includes(a) ? '[redacted]' : a));
}

/** How much of a failed command's standard output its HostCommandError keeps: the end, where a tool says why. */
export const STDOUT_TAIL_CHARS = 4096;

/**
 * The end of a failed command's standard output as its error keeps it: the last STDOUT_TAIL_CHARS characters, with the
 * command's secrets (RunOptions.secrets: a passphrase a tool may echo) replaced as in its arguments.
 */
export function stdoutTail(stdout: string, secrets: string[] = []): string {
  // Replaced before the cut, so no piece of a secret is left at its edge.
  let text = stdout;
  for (const s of secrets) if (s && text.includes(s)) text = text.split(s).join('[redacted]');
  return text.length > STDOUT_TAIL_CHARS ? text.slice(-STDOUT_TAIL_CHARS) : text;
}

/** A tool exited with a failure code (or could not be started, or timed out). */
export class HostCommandError extends Error {
  readonly command: string;
  readonly args: string[];
  readonly code: number | null;
  readonly stderr: string;
  /**
   * The end of what the command printed on standard output (bconsole, zfs, scstadmin and testparm print some of their
   * reasons there), for the adapters that recognise a reason: at most STDOUT_TAIL_CHARS, secrets replaced (stdoutTail).
   * Never shown: not in the message nor in publicMessage(), and not enumerable, so neither the logger's error serializer
   * nor JSON copies it (a tool's listing may hold what its arguments did not, a configuration's secrets).
   */
  declare readonly stdout: string;
  constructor(command: string, args: string[], code: number | null, stderr: string, message?: string, stdout = '') {
    super(message ?? `${command} ${args.join(' ')} failed (exit ${code ?? 'none'}): ${stderr.trim().split('\n')[0] ?? ''}`);
    this.name = 'HostCommandError';
    this.command = command;
    this.args = args;
    this.code = code;
    this.stderr = stderr;
    // Callers pass stdoutTail(...): already cut and its secrets replaced.
    Object.defineProperty(this, 'stdout', { value: stdout, enumerable: false });
  }
}

/** A tool answered, but with output Calypso cannot read (a wrong version, a truncated answer, garbage). */
export class ToolOutputError extends Error {
  constructor(
    readonly tool: string,
    detail: string,
  ) {
    super(`${tool} printed output Calypso cannot read: ${detail}`);
    this.name = 'ToolOutputError';
  }
}

/** JSON.parse for a tool's --json / -J output: anything unreadable becomes a ToolOutputError naming the tool. */
export function parseToolJson(tool: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ToolOutputError(tool, (err as Error).message);
  }
}

/** parseToolJson for tools whose answer is one JSON object (lsblk -J, smartctl -j). */
export function parseToolObject(tool: string, text: string): Record<string, unknown> {
  const doc = parseToolJson(tool, text);
  if (!doc || typeof doc !== 'object') throw new ToolOutputError(tool, 'not a JSON object');
  return doc as Record<string, unknown>;
}

/** Thrown before running a command when an argument that came from a user could be read as an option. */
export class UnsafeArgumentError extends Error {
  constructor(readonly value: string) {
    super(`refusing to pass ${JSON.stringify(value)} to a command: a user value may not start with '-' or contain NUL or newlines`);
    this.name = 'UnsafeArgumentError';
  }
}

/** Adapters call this on every user-supplied value before it is placed in an argument array. */
export function userArg(value: string): string {
  if (value.length === 0 || value.startsWith('-') || /[\0\n\r]/.test(value)) throw new UnsafeArgumentError(value);
  return value;
}
