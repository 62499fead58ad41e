import { execFile, spawn } from 'node:child_process';
import { CommandHistory } from './command-history.js';
import { HostCommandError, maskSecrets, STDOUT_TAIL_CHARS, stdoutTail } from './host.js';
import type { CommandRecord, Host, HostFiles, PipeCommand, PipeOptions, PipeResult, RunLinesResult, RunOptions, RunResult } from './host.js';
import { LineSplitter } from './lines.js';
import { runLocalPipe } from './local-pipe.js';
import { LocalFiles } from './local-files.js';

export interface LocalHostOptions {
  /** Default timeout of a command in milliseconds (60 s). */
  timeoutMs?: number;
  /** Largest stdout or stderr accepted from a command (64 MiB): `zfs list` of 100k snapshots is ~10 MiB. */
  maxBuffer?: number;
  /** How many commands history() keeps (500). */
  historySize?: number;
}

interface ExecFailure extends Error {
  code?: number | string | null;
  killed?: boolean;
  signal?: NodeJS.Signals | null;
}

/** The real machine: commands through execFile (never a shell), files through node:fs. */
export class LocalHost implements Host {
  readonly kind = 'local' as const;
  readonly files: HostFiles = new LocalFiles();
  private readonly log: CommandHistory;
  private readonly timeoutMs: number;
  private readonly maxBuffer: number;

  constructor(opts: LocalHostOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.maxBuffer = opts.maxBuffer ?? 64 * 1024 * 1024;
    this.log = new CommandHistory(opts.historySize ?? 500);
  }

  history(limit?: number): CommandRecord[] {
    return this.log.list(limit);
  }

  pipe(source: PipeCommand, sink: PipeCommand, opts?: PipeOptions): Promise<PipeResult> {
    return runLocalPipe(this.log, source, sink, opts);
  }

  run(command: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    const okCodes = opts.okCodes ?? [0];
    const started = Date.now();
    const at = new Date(started).toISOString();
    return new Promise<RunResult>((resolve, reject) => {
      const child = execFile(
        command,
        args,
        {
          encoding: 'utf8',
          timeout: opts.timeoutMs ?? this.timeoutMs,
          maxBuffer: this.maxBuffer,
          env: { ...process.env, ...opts.env, LC_ALL: 'C' },
          windowsHide: true,
        },
        (error: ExecFailure | null, stdout: string, stderr: string) => {
          const durationMs = Date.now() - started;
          if (error && typeof error.code !== 'number') {
            const reason = describeFailure(error, opts.timeoutMs ?? this.timeoutMs);
            this.log.add({ at, command, args: maskSecrets(args, opts.secrets), code: null, durationMs, error: reason });
            reject(
              new HostCommandError(
                command,
                maskSecrets(args, opts.secrets),
                null,
                stderr ?? '',
                `${command}: ${reason}`,
                stdoutTail(stdout ?? '', opts.secrets),
              ),
            );
            return;
          }
          const code = error ? (error.code as number) : 0;
          const result: RunResult = { code, stdout, stderr };
          if (!okCodes.includes(code)) {
            const err = new HostCommandError(command, maskSecrets(args, opts.secrets), code, stderr, undefined, stdoutTail(stdout, opts.secrets));
            this.log.add({ at, command, args: maskSecrets(args, opts.secrets), code, durationMs, error: err.message });
            reject(err);
            return;
          }
          this.log.add({ at, command, args: maskSecrets(args, opts.secrets), code, durationMs });
          resolve(result);
        },
      );
      // A command may exit without reading its input; the resulting EPIPE says nothing the exit code does not.
      child.stdin?.on('error', () => undefined);
      if (opts.input !== undefined) child.stdin?.end(opts.input);
      else child.stdin?.end();
    });
  }

  /**
   * run, with standard output handed to `onLine` line by line as it arrives (no size bound: only
   * the line being assembled is held); standard error is kept up to the same bound as run's.
   */
  runLines(command: string, args: string[], onLine: (line: string) => void, opts: RunOptions = {}): Promise<RunLinesResult> {
    const okCodes = opts.okCodes ?? [0];
    const started = Date.now();
    const at = new Date(started).toISOString();
    const shown = maskSecrets(args, opts.secrets);
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    return new Promise<RunLinesResult>((resolve, reject) => {
      const child = spawn(command, args, { env: { ...process.env, ...opts.env, LC_ALL: 'C' }, windowsHide: true, stdio: ['pipe', 'pipe', 'pipe'] });
      const splitter = new LineSplitter(onLine);
      let stderr = '';
      // The end of standard output, for the error of a failing command (its lines went to onLine as they came).
      let tail = '';
      let failure: string | null = null;
      let settled = false;
      const finish = (code: number | null, reason: string | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const durationMs = Date.now() - started;
        if (code === null || reason) {
          const why = reason ?? 'ended without an exit code';
          this.log.add({ at, command, args: shown, code: null, durationMs, error: why });
          reject(new HostCommandError(command, shown, null, stderr, `${command}: ${why}`, stdoutTail(tail, opts.secrets)));
          return;
        }
        if (!okCodes.includes(code)) {
          const err = new HostCommandError(command, shown, code, stderr, undefined, stdoutTail(tail, opts.secrets));
          this.log.add({ at, command, args: shown, code, durationMs, error: err.message });
          reject(err);
          return;
        }
        this.log.add({ at, command, args: shown, code, durationMs });
        resolve({ code, stderr });
      };
      const timer = setTimeout(() => {
        failure = `timed out after ${timeoutMs} ms (killed by SIGTERM)`;
        child.kill('SIGTERM');
      }, timeoutMs);
      child.stdout.setEncoding('utf8'); // a StringDecoder: a character split across two chunks stays whole
      child.stdout.on('data', (chunk: string) => {
        // Twice the bound: a secret across the cut is still whole when stdoutTail replaces it.
        tail = (tail + chunk).slice(-2 * STDOUT_TAIL_CHARS);
        if (failure) return;
        try {
          splitter.push(chunk);
        } catch (err) {
          // The parser refused a line: stop the command, report the parser's error.
          failure = (err as Error).message;
          child.kill('SIGTERM');
        }
      });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        if (stderr.length < this.maxBuffer) stderr += chunk.slice(0, this.maxBuffer - stderr.length);
      });
      child.on('error', (err: NodeJS.ErrnoException) => finish(null, describeFailure(err, timeoutMs)));
      child.on('close', (code, signal) => {
        if (!failure) {
          try {
            splitter.end();
          } catch (err) {
            failure = (err as Error).message;
          }
        }
        finish(code, failure ?? (code === null ? `killed by signal ${signal ?? 'unknown'}` : null));
      });
      child.stdin.on('error', () => undefined);
      if (opts.input !== undefined) child.stdin.end(opts.input);
      else child.stdin.end();
    });
  }
}

function describeFailure(error: ExecFailure, timeoutMs: number): string {
  if (error.code === 'ENOENT') return 'command not found';
  if (error.code === 'EACCES') return 'permission denied';
  if (error.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return 'output exceeded the size limit';
  if (error.killed && error.signal) return `timed out after ${timeoutMs} ms (killed by ${error.signal})`;
  if (error.signal) return `killed by signal ${error.signal}`;
  return error.message;
}
