/**
 * The real console in a real terminal: `calypso console` on the simulated appliance inside
 * tmux, driven by keys and read back with capture-pane. It runs on SQLite only (DATABASE_URL
 * is unset for the child): the database layer is covered on both databases elsewhere, and
 * this test is about the terminal. The wide run uses the one-file build that `npm start` runs
 * (dist/calypso.mjs, made here by scripts/bundle.js); the narrow one runs the sources with tsx.
 * Each console finds no daemon on its fresh data directory, so it starts `calypso serve` there,
 * which keeps running after the console quits: afterAll stops every one (also after a failure).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { serveProcesses, stopCalypso } from '../helpers/cli.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const SOCKET = `calypso-e2e-${process.pid}`;
const PASSWORD = 'e2e-admin-password-42';
const dirs: string[] = [];
/** Each pane's data directory. */
const dataOf = new Map<string, string>();

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const capture = (s: string) => tmux('capture-pane', '-p', '-t', s);
const keys = (s: string, ...k: string[]) => tmux('send-keys', '-t', s, ...k);
const literal = (s: string, text: string) => tmux('send-keys', '-t', s, '-l', text);

async function waitFor(s: string, what: string | RegExp, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const screen = capture(s);
    if (typeof what === 'string' ? screen.includes(what) : what.test(screen)) return screen;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(what)}; the pane shows:\n${screen}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const BUNDLE = path.join(ROOT, 'dist/calypso.mjs');
const FROM_SOURCES = '--import tsx src/main.ts';

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/bundle.js'), BUNDLE], { cwd: ROOT, stdio: 'pipe' });
}, 60_000);

function startPane(name: string, width: number, height: number, program: string): string {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-e2e-'));
  dirs.push(data);
  dataOf.set(name, data);
  tmux(
    'new-session',
    '-d',
    '-s',
    name,
    '-x',
    String(width),
    '-y',
    String(height),
    '-e',
    `TERM=${process.env.E2E_TERM ?? 'xterm-256color'}`,
    'bash --norc --noprofile',
  );
  tmux('set-option', '-t', name, 'status', 'off');
  keys(name, "PS1='e2e-prompt$ '", 'Enter');
  keys(name, `clear; cd ${ROOT} && env -u DATABASE_URL CALYPSO_ADMIN_PASSWORD=${PASSWORD} node ${program} console --host sim --data ${data} --port 0`, 'Enter');
  return name;
}

async function login(s: string): Promise<string> {
  await waitFor(s, 'Username', 60_000);
  literal(s, 'admin');
  keys(s, 'Enter');
  await waitFor(s, '▶ Password');
  literal(s, PASSWORD);
  keys(s, 'Enter');
  return waitFor(s, 'admin (Admin)');
}

async function quitAndCheckTerminal(s: string): Promise<void> {
  keys(s, 'q');
  await waitFor(s, 'e2e-prompt$');
  expect(tmux('display-message', '-p', '-t', s, '#{alternate_on} #{cursor_flag}').trim()).toBe('0 1');
  // One word per line, keep the two flags (with or without the "-" that means off).
  keys(s, "stty -a | tr -s ' ;' '\\n\\n' | grep -xE -- '-?(echo|icanon)' | sort | tr '\\n' ','; echo", 'Enter');
  const screen = await waitFor(s, /^-?echo,-?icanon,$/m);
  expect(screen).toMatch(/^echo,icanon,$/m);
}

afterAll(async () => {
  try {
    tmux('kill-server');
  } catch {
    // Already gone.
  }
  try {
    for (const d of dirs) await stopCalypso(d);
  } finally {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }
}, 120_000);

test('120x40: log in, Storage lists tank, create a dataset the API sees, help, quit restores the terminal', async () => {
  const s = startPane('wide', 120, 40, BUNDLE);
  const first = await login(s);
  expect(first).toContain('SIMULATED');
  // No daemon answered on the fresh data directory: the console started one and says so.
  const daemon = Number(/Started the Calypso daemon \(pid (\d+)\)/.exec(first)?.[1]);
  expect(serveProcesses(dataOf.get(s)!)).toEqual([daemon]);
  for (const label of [
    'Dashboard',
    'Storage',
    'Snapshots & Replication',
    'Shares',
    'iSCSI',
    'Tape & VTL',
    'Backup',
    'Object Storage',
    'Monitoring & Alerts',
    'System',
    'Users & Access',
    'Audit',
    'Jobs',
    'About',
  ]) {
    expect(first).toContain(label);
  }
  const api = /API (http:\/\/127\.0\.0\.1:\d+)/.exec(first)?.[1];
  expect(api).toBeDefined();

  keys(s, ':');
  await waitFor(s, 'Go to a screen');
  literal(s, 'storage');
  keys(s, 'Enter');
  await waitFor(s, /tank\s+ONLINE/);

  keys(s, '2');
  // The form prefills the selected dataset as the parent, so wait for the rows before opening it
  // (on a loaded CI machine 'c' used to arrive while the tab still said Loading...).
  await waitFor(s, /\s{2}backups\s+\d/);
  await waitFor(s, 'c Create dataset');
  keys(s, 'c');
  await waitFor(s, /Name\*\s+tank\//);
  literal(s, 'e2e-made');
  keys(s, 'Enter');
  await waitFor(s, 'Created tank/e2e-made');

  const token = (
    await (
      await fetch(`${api}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: PASSWORD }),
      })
    ).json()
  ).accessToken;
  const listed = await (await fetch(`${api}/api/v1/storage/datasets`, { headers: { authorization: `Bearer ${token}` } })).json();
  expect(listed.items.map((d: { name: string }) => d.name)).toContain('tank/e2e-made');

  keys(s, '?');
  await waitFor(s, 'Create dataset');
  await waitFor(s, 'Keys');
  keys(s, 'Escape');
  await waitFor(s, 'c Create dataset');
  await quitAndCheckTerminal(s);
  // The daemon stays after its console quits (calypso stop ends it; afterAll does).
  expect(serveProcesses(dataOf.get(s)!)).toEqual([daemon]);
}, 120_000);

test('80x24: the console fits, help opens, and quitting restores the terminal', async () => {
  const s = startPane('narrow', 80, 24, FROM_SOURCES);
  const screen = await login(s);
  expect(screen).toContain('SIMULATED');
  expect(screen.split('\n').every((line) => line.length <= 80)).toBe(true);
  keys(s, '?');
  await waitFor(s, 'Keys');
  keys(s, 'Escape');
  await waitFor(s, 'q Quit');
  // The live charts (blessed) and back: the console is on the alternate screen again.
  keys(s, 'Enter');
  await waitFor(s, 'back to the console');
  keys(s, 'q');
  await waitFor(s, 'q Quit');
  expect(tmux('display-message', '-p', '-t', s, '#{alternate_on}').trim()).toBe('1');
  await quitAndCheckTerminal(s);
}, 120_000);
