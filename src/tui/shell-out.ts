/**
 * A shell on the appliance in the console's own terminal (issue 15, "Terminal"). The daemon
 * decides and records (appliance.terminal.open: Admin, audited; it answers what to run); the
 * console steps aside without unmounting Ink, so every screen keeps its state (selection, scroll,
 * filters): Ink's frames are dropped while the shell has the terminal, stdin stops being read
 * (its raw mode off), the alternate screen is left, and the shell runs with the terminal inherited.
 * When it exits, the console takes the terminal back, redraws the same frame and records the end
 * (appliance.terminal.close, with how long it was open).
 */
import { spawn } from 'node:child_process';
import type { Appliance } from './appliance.js';
import type { TerminalGuard } from './terminal.js';

/** Entries of the console's environment a shell never inherits: credentials the console was started with. */
const PRIVATE_ENV = /PASSWORD|SECRET|TOKEN|^DATABASE_URL$|PASSPHRASE/i;

export function shellEnvironment(base: NodeJS.ProcessEnv, extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !PRIVATE_ENV.test(k)) env[k] = v;
  return { ...env, ...extra };
}

interface Suspended {
  /** Writes to the terminal while Ink's own writes are dropped. */
  write(text: string): void;
  resume(): void;
}

type ReadHandle = { reading?: boolean; readStop?: () => number; readStart?: () => number };

/** Ink stays mounted; its output is dropped and its input stops until resume(). */
function suspendInk(stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream): Suspended {
  const own = Object.getOwnPropertyDescriptor(stdout, 'write');
  const write = stdout.write.bind(stdout);
  (stdout as { write: unknown }).write = ((_chunk: unknown, enc?: unknown, cb?: unknown) => {
    const done = typeof enc === 'function' ? enc : cb;
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
    return true;
  }) as typeof stdout.write;
  if (stdin.isTTY) stdin.setRawMode(false);
  // Stop reading the terminal at the source, or keys typed in the shell would be read (and
  // buffered for Ink) by this process too: pausing the stream alone leaves the read running.
  const handle = (stdin as unknown as { _handle?: ReadHandle })._handle;
  const stopped = Boolean(handle?.reading && handle.readStop && handle.readStart);
  if (stopped) {
    handle!.reading = false;
    handle!.readStop!();
  }
  return {
    write: (text) => void write(text),
    resume: () => {
      if (own) Object.defineProperty(stdout, 'write', own);
      else delete (stdout as { write?: unknown }).write;
      if (stdin.isTTY) stdin.setRawMode(true);
      // The stream still waits for the read it asked for: start the handle's read again, as Node does.
      if (stopped) {
        handle!.reading = true;
        handle!.readStart!();
      }
    },
  };
}

/** SIGINT and SIGQUIT reach the whole foreground group (the shell's Ctrl-C): the console ignores them meanwhile. */
function ignoreTerminalSignals(): () => void {
  const saved = (['SIGINT', 'SIGQUIT'] as const).map((sig) => {
    const listeners = process.listeners(sig);
    process.removeAllListeners(sig);
    const ignore = () => undefined;
    process.on(sig, ignore);
    return () => {
      process.off(sig, ignore);
      for (const l of listeners) process.on(sig, l);
    };
  });
  return () => saved.forEach((restore) => restore());
}

function runChild(command: string, args: string[], env: Record<string, string>, cwd: string | undefined): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', env, cwd });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null)));
  });
}

export interface ShellOutDeps {
  app: Appliance;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  terminal: TerminalGuard;
}

/** Runs a shell on the appliance in this terminal and comes back; answers the status line's message. */
export async function shellOut(d: ShellOutDeps): Promise<{ text: string; kind: 'info' | 'error' }> {
  let spec;
  try {
    spec = await d.app.call('appliance.terminal.open', {});
  } catch (err) {
    return { text: `No shell: ${(err as Error).message}`, kind: 'error' };
  }
  let exitCode: number | null = null;
  let failure: string | null = null;
  const restoreSignals = ignoreTerminalSignals();
  const suspended = suspendInk(d.stdin, d.stdout);
  try {
    // Out of the alternate screen, attributes reset, cursor shown: the shell gets a plain terminal.
    suspended.write(`\x1b[0m\x1b[?25h\x1b[?1049l\r\n${spec.banner.replace(/\n/g, '\r\n')}\r\n\r\n`);
    exitCode = await runChild(spec.command, spec.args, shellEnvironment(process.env, spec.env), spec.cwd ?? undefined);
  } catch (err) {
    failure = (err as Error).message;
  } finally {
    restoreSignals();
    suspended.resume();
    d.terminal.reclaim();
    // Ink draws its whole frame again on a resize (the screen was cleared under it).
    d.stdout.emit('resize');
  }
  try {
    const closed = await d.app.call('appliance.terminal.close', { sessionId: spec.sessionId, exitCode });
    if (failure) return { text: `The shell did not start: ${failure}`, kind: 'error' };
    return { text: `Back from the shell after ${closed.durationSeconds ?? 0} s (session ${spec.sessionId}).`, kind: 'info' };
  } catch (err) {
    return { text: `Back from the shell; its end was not recorded: ${(err as Error).message}`, kind: 'error' };
  }
}
