/**
 * A hang-up ends the console quietly (issue 10): the console runs in a tmux session with its
 * stderr sent to a file, and the session is killed as an SSH drop would close the terminal. The
 * console process exits non-zero (129, as for SIGHUP) and its stderr holds no stack trace, no
 * error and no Node assertion; the daemon it talks to (started by the first console on the data
 * directory, left running by design) is not touched. Once at the login screen, once logged in,
 * once with the live charts (blessed) open. The sources run with tsx on SQLite (DATABASE_URL
 * unset for the child), at 80x24. afterAll stops the daemon.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { serveProcesses, stopCalypso } from '../helpers/cli.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const SOCKET = `calypso-hangup-${process.pid}`;
const PASSWORD = 'hangup-admin-password-42';
// One data directory for every run: the first console starts the daemon, the others use it.
const data = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-hangup-'));

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const capture = (s: string) => tmux('capture-pane', '-p', '-t', s);
const keys = (s: string, ...k: string[]) => tmux('send-keys', '-t', s, ...k);
const literal = (s: string, text: string) => tmux('send-keys', '-t', s, '-l', text);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(s: string, what: string | RegExp, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const screen = capture(s);
    if (typeof what === 'string' ? screen.includes(what) : what.test(screen)) return screen;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(what)}; the pane shows:\n${screen}`);
    await pause(100);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Run {
  session: string;
  files: { pid: string; err: string; status: string };
}

/**
 * Two ways a terminal goes away. 'eio': the console is not the session leader and nobody signals
 * it, so it sees only its terminal fail (EIO on read and write). 'sighup': the session's shell
 * forwards its SIGHUP to the console, as an interactive shell does on an SSH drop. Either way the
 * shell outside the console keeps running (it writes to files only) and keeps its exit status.
 */
function start(session: string, how: 'eio' | 'sighup'): Run {
  const files = { pid: path.join(data, `${session}.pid`), err: path.join(data, `${session}.stderr`), status: path.join(data, `${session}.status`) };
  const program = `env -u DATABASE_URL CALYPSO_ADMIN_PASSWORD=${PASSWORD} node --import tsx src/main.ts console --host sim --data ${data} --port 0`;
  const onHup = how === 'sighup' ? 'kill -HUP $child' : '';
  // A background command's stdin would be /dev/null: the terminal is named. An interrupted wait
  // (the trap ran) is waited again, for the console's own status.
  const script = [
    `cd ${ROOT}`,
    `${program} </dev/tty 2>${files.err} & child=$!`,
    `echo $child > ${files.pid}`,
    `trap '${onHup}' HUP`,
    'wait $child; s=$?',
    'if kill -0 $child 2>/dev/null; then wait $child; s=$?; fi',
    `echo $s > ${files.status}`,
  ].join('\n');
  tmux(
    'new-session',
    '-d',
    '-s',
    session,
    '-x',
    '80',
    '-y',
    '24',
    '-e',
    `TERM=${process.env.E2E_TERM ?? 'xterm-256color'}`,
    'bash',
    '--norc',
    '--noprofile',
    '-c',
    script,
  );
  return { session, files };
}

async function login(s: string): Promise<void> {
  await waitFor(s, 'Username', 60_000);
  literal(s, 'admin');
  keys(s, 'Enter');
  await waitFor(s, '▶ Password');
  literal(s, PASSWORD);
  keys(s, 'Enter');
  await waitFor(s, 'admin (Admin)');
}

/** The one daemon on the data directory (the first console started it). */
function daemonPid(): number {
  const pids = serveProcesses(data);
  expect(pids).toHaveLength(1);
  return pids[0]!;
}

/** Kills the session, then waits (bounded) for the console to exit; returns its exit status and stderr. */
async function hangUp(run: Run): Promise<{ status: string; stderr: string }> {
  const pid = Number(fs.readFileSync(run.files.pid, 'utf8').trim());
  expect(alive(pid)).toBe(true);
  tmux('kill-session', '-t', run.session);
  const deadline = Date.now() + 20_000;
  while (alive(pid) || !fs.existsSync(run.files.status) || !fs.readFileSync(run.files.status, 'utf8').trim()) {
    if (Date.now() > deadline) throw new Error(`the console (pid ${pid}) did not exit after the hang-up`);
    await pause(100);
  }
  return { status: fs.readFileSync(run.files.status, 'utf8').trim(), stderr: fs.readFileSync(run.files.err, 'utf8') };
}

function expectQuiet(result: { status: string; stderr: string }, daemon: number): void {
  expect(result.stderr).not.toMatch(/Error|Assertion|\bat .+:\d+:\d+|node:internal/);
  expect(result.stderr).toBe('');
  expect(result.status).toBe('129');
  // The daemon does not go with its console's terminal.
  expect(alive(daemon)).toBe(true);
  expect(serveProcesses(data)).toEqual([daemon]);
}

afterAll(async () => {
  try {
    tmux('kill-server');
  } catch {
    // Already gone.
  }
  try {
    await stopCalypso(data);
  } finally {
    fs.rmSync(data, { recursive: true, force: true });
  }
}, 120_000);

for (const how of ['sighup', 'eio'] as const) {
  test(`${how}: a hang-up at the login screen ends the console quietly, non-zero, the daemon untouched`, async () => {
    const run = start(`login-${how}`, how);
    await waitFor(run.session, 'Username', 60_000);
    expectQuiet(await hangUp(run), daemonPid());
  }, 90_000);

  test(`${how}: a hang-up after login ends the console quietly, non-zero, the daemon untouched`, async () => {
    const run = start(`dash-${how}`, how);
    await login(run.session);
    expectQuiet(await hangUp(run), daemonPid());
  }, 90_000);

  test(`${how}: a hang-up with the live charts open ends the console quietly, non-zero, the daemon untouched`, async () => {
    const run = start(`charts-${how}`, how);
    await login(run.session);
    keys(run.session, 'Enter');
    await waitFor(run.session, 'back to the console');
    expectQuiet(await hangUp(run), daemonPid());
  }, 90_000);
}
