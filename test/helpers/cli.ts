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
function gone(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** The pids of `calypso serve` processes on this data directory, found by their command line (Linux /proc). */
export function serveProcesses(dataDir: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (argv.includes('serve') && (argv.includes(dataDir) || argv.includes(`--data=${dataDir}`))) found.push(Number(entry));
  }
  return found.filter((pid) => pid !== process.pid && !gone(pid));
}

/**
 * Stops every daemon on a data directory, for afterAll (also after a failed test: call it before
 * removing the directory). `calypso stop` first (SIGTERM, then it waits for the lock to be free);
 * then a `serve` still on the directory (one a console was starting when it was killed, before
 * it took the lock) gets SIGKILL. Throws when a daemon is still there after all that.
 */
export async function stopDaemon(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (fs.existsSync(dataDir)) await runCalypso(['stop', '--data', dataDir], { env });
  for (const pid of serveProcesses(dataDir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  const deadline = Date.now() + 20_000;
  while (serveProcesses(dataDir).length) {
    if (Date.now() > deadline) throw new Error(`calypso serve on ${dataDir} outlived SIGKILL: pids ${serveProcesses(dataDir).join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
