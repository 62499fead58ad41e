/**
 * A pseudo-terminal with a program in it (node-pty), for the WebSocket terminal. Loaded when the
 * first terminal opens, not with the daemon (a native module nobody needs until then).
 */
import { within } from '../lib/within.js';

export interface PtyOptions {
  cols: number;
  rows: number;
  /** The whole environment of the program (nothing is inherited). */
  env: Record<string, string>;
  cwd: string;
}

export interface PtyProcess {
  readonly pid: number;
  onData(fn: (data: string) => void): void;
  onExit(fn: (exit: { exitCode: number; signal?: number }) => void): void;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  /**
   * SIGHUP, as a terminal that went away (the program's children get it from the kernel). Resolves once the program has
   * exited and its terminal is closed; SIGKILL when it is still there after `graceMs`.
   */
  kill(graceMs?: number): Promise<void>;
}

export type PtySpawner = (command: string, args: string[], opts: PtyOptions) => Promise<PtyProcess>;

export const spawnPty: PtySpawner = async (command, args, opts) => {
  const pty = await import('node-pty');
  const p = pty.spawn(command, args, { name: 'xterm-256color', cols: opts.cols, rows: opts.rows, cwd: opts.cwd, env: opts.env });
  // node-pty reports the exit once the terminal's master side is closed too (it waits for it, or closes it itself).
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    p.onExit(() => {
      exited = true;
      resolve();
    }),
  );
  const signal = (name: string) => {
    try {
      p.kill(name);
    } catch {
      // Already gone.
    }
  };
  return {
    pid: p.pid,
    onData: (fn) => void p.onData(fn),
    onExit: (fn) => void p.onExit(fn),
    write: (d) => p.write(d),
    resize: (c, r) => p.resize(c, r),
    pause: () => p.pause(),
    resume: () => p.resume(),
    kill: async (graceMs = 2_000) => {
      if (exited) return;
      signal('SIGHUP');
      if (await within(exit, graceMs)) return;
      signal('SIGKILL');
      await within(exit, graceMs);
    },
  };
};
