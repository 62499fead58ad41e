import fs from 'node:fs';

/**
 * The terminal the console draws on: alternate screen in, and always back out (quit, error,
 * signal): cursor shown, attributes reset, raw mode off, alternate screen left.
 */
export class TerminalGuard {
  private entered = false;

  constructor(
    private readonly input: NodeJS.ReadStream,
    private readonly output: NodeJS.WriteStream,
  ) {}

  enter(): void {
    if (this.entered) return;
    this.entered = true;
    // Alternate screen, home, clear, hide the cursor.
    this.output.write('\x1b[?1049h\x1b[H\x1b[2J\x1b[?25l');
  }

  /** After another full-screen program (the blessed charts) gave the terminal back, out of the alternate screen. */
  reclaim(): void {
    if (this.entered) this.output.write('\x1b[?1049h\x1b[H\x1b[2J\x1b[?25l');
  }

  /** The terminal is gone (a hang-up): nothing is restored, nothing more is written to it. */
  abandon(): void {
    this.entered = false;
  }

  /** Safe to call more than once, and from an 'exit' handler (synchronous writes only). */
  restore(): void {
    if (!this.entered) return;
    this.entered = false;
    try {
      if (this.input.isTTY) this.input.setRawMode?.(false);
    } catch {
      // The terminal may already be gone (SIGHUP); nothing left to restore then.
    }
    try {
      this.output.write('\x1b[0m\x1b[?25h\x1b[?1049l');
    } catch {
      // As above.
    }
  }
}

/** Errors that mean the terminal is gone (an SSH drop, a closed terminal window), not a bug. */
const GONE = new Set(['EIO', 'EPIPE', 'ENXIO', 'ECONNRESET', 'ENOTCONN', 'EBADF', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

export function isHangupError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && GONE.has(code);
}

export interface HangupWatchOptions {
  /** The streams the console reads and draws on. */
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
  /** Other streams on the same terminal (process.stderr when it is a TTY): silenced too. */
  others?: NodeJS.WriteStream[];
  /** Listen for SIGHUP (the console is on the process's own terminal). */
  signals?: boolean;
  /** Called once, with what gave the hang-up away: 'SIGHUP', 'EIO on output', 'end of input'... */
  onHangup: (reason: string) => void;
}

export interface HangupWatch {
  /** Why the terminal hung up, or null while it is there. */
  readonly reason: string | null;
  /** Stop watching (the console ended normally). After a hang-up, the streams stay silenced. */
  dispose(): void;
}

/**
 * Watches the console's terminal for a hang-up: SIGHUP, an 'error' meaning the terminal is gone
 * on any of its streams, or the end of input. On the first, every stream is silenced (writes are
 * dropped, raw mode is left alone): whatever still unmounts or destroys itself (Ink, blessed, the
 * guard above) writes nothing to the dead terminal, and no 'error' goes unhandled into a stack
 * trace. Other errors on the streams are hang-ups too: nothing can be drawn after them either.
 */
export function watchHangup(opts: HangupWatchOptions): HangupWatch {
  const writables = [opts.output, ...(opts.others ?? [])].filter((s, i, all) => all.indexOf(s) === i);
  let reason: string | null = null;
  const hangup = (why: string) => {
    if (reason !== null) return;
    reason = why;
    for (const s of writables) silence(s);
    silenceInput(opts.input);
    opts.onHangup(why);
  };
  const onSignal = () => hangup('SIGHUP');
  const onOutputError = (err: unknown) => hangup(`${(err as NodeJS.ErrnoException)?.code ?? 'error'} on output`);
  const onInputError = (err: unknown) => hangup(`${(err as NodeJS.ErrnoException)?.code ?? 'error'} on input`);
  const onInputEnd = () => hangup('end of input');
  for (const s of writables) s.on('error', onOutputError);
  opts.input.on('error', onInputError);
  opts.input.on('end', onInputEnd);
  if (opts.signals) process.on('SIGHUP', onSignal);
  return {
    get reason() {
      return reason;
    },
    dispose() {
      if (opts.signals) process.off('SIGHUP', onSignal);
      opts.input.off('end', onInputEnd);
      // After a hang-up the 'error' listeners stay: a write already queued may still fail.
      if (reason !== null) return;
      for (const s of writables) s.off('error', onOutputError);
      opts.input.off('error', onInputError);
    },
  };
}

/** Drops every later write on `s` (reporting success to callers that wait for it). */
function silence(s: NodeJS.WritableStream): void {
  const drop = (_chunk: unknown, encoding?: unknown, cb?: unknown): boolean => {
    const done = typeof encoding === 'function' ? encoding : cb;
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
    return true;
  };
  (s as { write: unknown }).write = drop;
}

/** Stops reading a dead terminal; raw mode can no longer be changed on it (Ink and blessed try). */
function silenceInput(input: NodeJS.ReadStream): void {
  const tty = input as { setRawMode?: unknown };
  if (typeof tty.setRawMode === 'function') tty.setRawMode = () => input;
  try {
    input.pause();
  } catch {
    // Already destroyed.
  }
}

/**
 * At exit Node puts each standard stream that was a terminal at start back in the mode it found
 * it in, and aborts with an assertion (printed to stderr) when that fails, as it does on a
 * terminal that hung up (node::ResetStdio). Called last before exiting after a hang-up: the
 * descriptors of a terminal that is gone (its size can no longer be read) are closed, and Node
 * skips closed descriptors. A terminal that is still there (a stray SIGHUP) is left to Node.
 */
export function releaseDeadTerminal(): void {
  const streams: { isTTY?: boolean; _handle?: { getWindowSize?: (size: number[]) => number } | null }[] = [
    process.stdin,
    process.stdout,
    process.stderr,
  ] as never;
  streams.forEach((s, fd) => {
    if (!s.isTTY) return;
    let gone = true;
    try {
      gone = (s._handle?.getWindowSize?.([]) ?? 1) !== 0;
    } catch {
      // No handle left: gone.
    }
    if (!gone) return;
    try {
      fs.closeSync(fd);
    } catch {
      // Already closed.
    }
  });
}
