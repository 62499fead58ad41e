/**
 * `a | b` on the real machine without a shell: two children, the first one's stdout relayed by
 * Calypso into the second one's stdin. Relaying (instead of handing one file descriptor to the
 * other) costs a copy, and buys a byte count for progress, a bandwidth limit that holds for any
 * pair of tools, and cancellation of both sides at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Transform, type TransformCallback } from 'node:stream';
import type { CommandHistory } from './command-history.js';
import { maskSecrets, type PipeCommand, type PipeOptions, type PipeResult } from './host.js';

/** Keeps a stream under `bytesPerSecond` by holding chunks back (a token bucket of one second). */
export class Throttle extends Transform {
  private sentInWindow = 0;
  private windowStart: number;
  constructor(
    private readonly bytesPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.windowStart = now();
  }

  _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let offset = 0;
    const step = () => {
      if (offset >= chunk.length) return done();
      const t = this.now();
      if (t - this.windowStart >= 1000) {
        this.windowStart = t;
        this.sentInWindow = 0;
      }
      const room = this.bytesPerSecond - this.sentInWindow;
      if (room <= 0) {
        setTimeout(step, Math.max(1, 1000 - (t - this.windowStart)));
        return;
      }
      const piece = chunk.subarray(offset, offset + room);
      offset += piece.length;
      this.sentInWindow += piece.length;
      this.push(piece);
      step();
    };
    step();
  }
}

function lines(onLine: ((line: string) => void) | undefined): { push(s: string): void; end(): void } {
  let rest = '';
  return {
    push(s) {
      rest += s;
      let i: number;
      while ((i = rest.search(/[\r\n]/)) >= 0) {
        const line = rest.slice(0, i);
        rest = rest.slice(i + 1);
        if (line) onLine?.(line);
      }
    },
    end() {
      if (rest) onLine?.(rest);
      rest = '';
    },
  };
}

const MAX_TEXT = 1024 * 1024;

export function runLocalPipe(history: CommandHistory, source: PipeCommand, sink: PipeCommand, opts: PipeOptions = {}): Promise<PipeResult> {
  const startedAtMs = Date.now();
  const env = { ...process.env, ...opts.env, LC_ALL: 'C' };
  return new Promise<PipeResult>((resolve) => {
    const a = spawn(source.command, source.args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const b = spawn(sink.command, sink.args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = { a: { code: null as number | null, stderr: '' }, b: { code: null as number | null, stderr: '', stdout: '' } };
    let bytes = 0;
    let cancelled = false;
    let lastReport = 0;
    let pending = 2;
    const kill = (c: ChildProcess) => {
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    };
    /** The sender's output goes nowhere from now on, so it can end (a paused stream would keep it open). */
    const drainSender = () => {
      a.stdout?.unpipe();
      a.stdout?.resume();
    };
    const cancel = () => {
      cancelled = true;
      drainSender();
      b.stdin?.destroy();
      kill(a);
      kill(b);
    };
    const timer = opts.timeoutMs ? setTimeout(cancel, opts.timeoutMs) : null;
    timer?.unref();
    if (opts.signal?.aborted) cancel();
    opts.signal?.addEventListener('abort', cancel, { once: true });

    const counter = new Transform({
      transform(chunk: Buffer, _e, done) {
        bytes += chunk.length;
        const t = Date.now();
        if (t - lastReport >= 250) {
          lastReport = t;
          opts.onBytes?.(bytes, t);
        }
        done(null, chunk);
      },
    });
    const relay = opts.limitBytesPerSecond ? a.stdout!.pipe(new Throttle(opts.limitBytesPerSecond)).pipe(counter) : a.stdout!.pipe(counter);
    relay.pipe(b.stdin!);
    // The receiving side may exit first (a refusal): the send then ends on EPIPE, which its own exit code reports.
    b.stdin!.on('error', () => undefined);
    relay.on('error', () => undefined);

    const aErr = lines((l) => opts.onStderr?.('source', l));
    const bErr = lines((l) => opts.onStderr?.('sink', l));
    a.stderr!.setEncoding('utf8').on('data', (s: string) => {
      if (out.a.stderr.length < MAX_TEXT) out.a.stderr += s;
      aErr.push(s);
    });
    b.stderr!.setEncoding('utf8').on('data', (s: string) => {
      if (out.b.stderr.length < MAX_TEXT) out.b.stderr += s;
      bErr.push(s);
    });
    b.stdout!.setEncoding('utf8').on('data', (s: string) => {
      if (out.b.stdout.length < MAX_TEXT) out.b.stdout += s;
    });

    const finish = () => {
      if (--pending > 0) return;
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', cancel);
      aErr.end();
      bErr.end();
      const endedAtMs = Date.now();
      opts.onBytes?.(bytes, endedAtMs);
      for (const [cmd, side] of [
        [source, out.a],
        [sink, out.b],
      ] as const) {
        history.add({
          at: new Date(startedAtMs).toISOString(),
          command: cmd.command,
          args: maskSecrets(cmd.args, cmd.secrets),
          code: side.code,
          durationMs: endedAtMs - startedAtMs,
          ...(side.code === 0 ? {} : { error: side.stderr.trim().split('\n')[0] || (cancelled ? 'cancelled' : 'failed') }),
        });
      }
      resolve({ source: out.a, sink: out.b, bytes, cancelled, startedAtMs, endedAtMs });
    };
    const failStart = (side: { code: number | null; stderr: string }, cmd: PipeCommand, other: ChildProcess) => (err: NodeJS.ErrnoException) => {
      side.stderr += `${cmd.command}: ${err.code === 'ENOENT' ? 'command not found' : err.message}\n`;
      side.code = err.code === 'ENOENT' ? 127 : 126;
      kill(other);
    };
    a.on('error', failStart(out.a, source, b));
    b.on('error', failStart(out.b, sink, a));
    a.on('close', (code) => {
      if (out.a.code === null) out.a.code = code;
      finish();
    });
    b.on('close', (code) => {
      if (out.b.code === null) out.b.code = code;
      // The receiver reads no more: a sender still writing is not left blocked. After a refusal it
      // is stopped; after a success it is only drained (it may have written its last byte and not
      // yet been reaped) and stopped if it has not ended a few seconds later.
      if (a.exitCode === null && a.signalCode === null) {
        drainSender();
        if (code !== 0) kill(a);
        else setTimeout(() => kill(a), 5000).unref();
      }
      finish();
    });
  });
}
