import { execFile } from 'node:child_process';
import { CommandHistory } from './command-history.js';
import { HostCommandError, maskSecrets } from './host.js';
import type { CommandRecord, Host, HostFiles, PipeCommand, PipeOptions, PipeResult, RunOptions, RunResult } from './host.js';
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
            reject(new HostCommandError(command, maskSecrets(args, opts.secrets), null, stderr ?? '', `${command}: ${reason}`));
            return;
          }
          const code = error ? (error.code as number) : 0;
          const result: RunResult = { code, stdout, stderr };
          if (!okCodes.includes(code)) {
            const err = new HostCommandError(command, maskSecrets(args, opts.secrets), code, stderr);
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
}

function describeFailure(error: ExecFailure, timeoutMs: number): string {
  if (error.code === 'ENOENT') return 'command not found';
  if (error.code === 'EACCES') return 'permission denied';
  if (error.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return 'output exceeded the size limit';
  if (error.killed && error.signal) return `timed out after ${timeoutMs} ms (killed by ${error.signal})`;
  if (error.signal) return `killed by signal ${error.signal}`;
  return error.message;
}
