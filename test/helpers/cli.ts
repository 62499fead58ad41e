import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = process.cwd(); // jest runs from the repository's root
/** tsx's loader and the entry point by absolute path: the CLI may run from a foreign working directory. */
export const TSX = path.join(ROOT, 'node_modules/tsx/dist/loader.mjs');
export const MAIN = path.join(ROOT, 'src/main.ts');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the `calypso` command from the sources, with `input` on its stdin, without blocking the
 * event loop (a blocked loop cannot see a server close idle keep-alive sockets).
 */
export function runCalypso(args: string[], opts: { env: NodeJS.ProcessEnv; cwd?: string; input?: string }): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], { cwd: opts.cwd ?? ROOT, env: opts.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** Whether a process is gone (a zombie nobody reaped counts as gone: it runs nothing). Linux /proc. */
export function gone(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** The pids of running `calypso <command>` processes on this data directory, found by their command line (Linux /proc). */
export function calypsoProcesses(command: 'serve' | 'console', dataDir: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (argv.includes(command) && (argv.includes(dataDir) || argv.includes(`--data=${dataDir}`))) found.push(Number(entry));
  }
  return found.filter((pid) => pid !== process.pid && !gone(pid));
}

export const serveProcesses = (dataDir: string): number[] => calypsoProcesses('serve', dataDir);

/** Waits (bounded) for the processes `list` finds to end; then SIGKILLs what is left and waits for that. */
async function ended(what: string, list: () => number[], graceMs: number): Promise<void> {
  const pause = () => new Promise((r) => setTimeout(r, 50));
  let deadline = Date.now() + graceMs;
  while (list().length && Date.now() < deadline) await pause();
  for (const pid of list()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  deadline = Date.now() + 20_000;
  while (list().length) {
    if (Date.now() > deadline) throw new Error(`${what} outlived SIGKILL: pids ${list().join(', ')}`);
    await pause();
  }
}

/**
 * Ends every calypso process on a data directory, for afterAll (also after a failed test; call it
 * after killing the terminals and before removing the directory). Consoles first: one whose
 * terminal went away logs out over the socket before it exits, so it gets a while with the daemon
 * still there, then SIGKILL. Then the daemon: `calypso stop` (SIGTERM, and it waits for the lock
 * to be free); a `serve` still on the directory (one a console was starting when it was killed,
 * before it took the lock) gets SIGKILL. Throws when something is still there after all that.
 */
export async function stopCalypso(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await ended(`calypso console on ${dataDir}`, () => calypsoProcesses('console', dataDir), 20_000);
  if (fs.existsSync(dataDir)) await runCalypso(['stop', '--data', dataDir], { env });
  await ended(`calypso serve on ${dataDir}`, () => serveProcesses(dataDir), 0);
}
