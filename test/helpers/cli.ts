import { spawn } from 'node:child_process';
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
