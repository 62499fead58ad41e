/**
 * The console's shell key in a real terminal (tmux, 80x24): an Admin presses $ on a screen with a
 * selected row, the console leaves the screen for the simulated appliance's demonstration shell,
 * `echo hi; exit` runs there, and the console comes back to exactly the same screen and selection
 * (capture-pane before and after), reads keys again, and the daemon recorded the session with its
 * duration. An Operator's $ does nothing but say why. Sources run with tsx, SQLite only (the
 * databases are covered elsewhere); the daemon the console starts is stopped in afterAll.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { stopCalypso } from '../helpers/cli.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const SOCKET = `calypso-e2e-term-${process.pid}`;
const PASSWORD = 'e2e-admin-password-42';
const PORT = 19220;
const data = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-e2e-term-'));

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const capture = (s: string) => tmux('capture-pane', '-p', '-t', s);
const keys = (s: string, ...k: string[]) => tmux('send-keys', '-t', s, ...k);
const literal = (s: string, text: string) => tmux('send-keys', '-t', s, '-l', text);

async function waitFor(s: string, what: string | RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const screen = capture(s);
    if (typeof what === 'string' ? screen.includes(what) : what.test(screen)) return screen;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(what)}; the pane shows:\n${screen}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startPane(name: string): void {
  tmux('new-session', '-d', '-s', name, '-x', '80', '-y', '24', '-e', 'TERM=xterm-256color', 'bash --norc --noprofile');
  tmux('set-option', '-t', name, 'status', 'off');
  keys(name, "PS1='e2e-prompt$ '", 'Enter');
  keys(
    name,
    `clear; cd ${ROOT} && env -u DATABASE_URL -u CI CALYPSO_ADMIN_PASSWORD=${PASSWORD} node --import tsx src/main.ts console --host sim --data ${data} --port ${PORT}`,
    'Enter',
  );
}

async function login(s: string, user: string, password: string): Promise<string> {
  await waitFor(s, 'Username', 90_000);
  literal(s, user);
  keys(s, 'Enter');
  await waitFor(s, '▶ Password');
  literal(s, password);
  keys(s, 'Enter');
  return waitFor(s, `${user} (`);
}

async function api(pathname: string, init: RequestInit & { token?: string } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${PORT}/api/v1${pathname}`, {
    ...init,
    headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/**
 * What must come back unchanged: the menu and the table with its selection (lines 2-17) and the
 * key hints (the last line). Not the clock (line 1), nor the status message, which says what
 * happened and may take one line or two (the details line above it moves with it).
 */
const frame = (screen: string) => {
  const lines = screen.replace(/\n$/, '').split('\n');
  return [...lines.slice(1, 17), lines[lines.length - 1]].join('\n');
};

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

test('80x24: $ opens the demonstration shell, echo hi; exit comes back to the same screen and selection, recorded', async () => {
  const s = 'admin';
  startPane(s);
  await login(s, 'admin', PASSWORD);
  // Storage, datasets tab, the third row selected.
  keys(s, 'j');
  await waitFor(s, /▶Storage/);
  keys(s, 'Tab');
  await waitFor(s, '1 Pools');
  keys(s, '2');
  await waitFor(s, /▶\s*tank\s/);
  // The details line comes with the rows' second read; a key before it may be undone by the reload.
  await waitFor(s, /tank\s+[\d.]+ \w+ used/);
  keys(s, 'j');
  await waitFor(s, /▶\s*backups\s/);
  keys(s, 'j');
  const before = await waitFor(s, /▶\s*bacula\s/);

  keys(s, '$');
  const shell = await waitFor(s, 'calypso-demo$');
  expect(shell).toContain('SIMULATED APPLIANCE: a demonstration shell');
  expect(tmux('display-message', '-p', '-t', s, '#{alternate_on}').trim()).toBe('0');
  expect(shell.split('\n').every((line) => line.length <= 80)).toBe(true);
  literal(s, 'echo hi; exit');
  keys(s, 'Enter');
  const after = await waitFor(s, /Back from the shell after [\d.]+ s \(session \d+\)/);
  expect(frame(after)).toBe(frame(before));
  expect(tmux('display-message', '-p', '-t', s, '#{alternate_on} #{cursor_flag}').trim()).toBe('1 0');
  // The console reads keys again: the selection moves.
  keys(s, 'j');
  await waitFor(s, /▶\s*shares\s/);

  const token = (await api('/auth/login', { method: 'POST', body: JSON.stringify({ username: 'admin', password: PASSWORD }) })).body.accessToken as string;
  const sessions = await api('/appliance/terminal/sessions', { token });
  const items = sessions.body.items as { kind: string; username: string; endReason: string; durationSeconds: number }[];
  expect(items[0]).toMatchObject({ kind: 'console', username: 'admin', endReason: 'the shell exited (0)' });
  expect(items[0]!.durationSeconds).toBeGreaterThanOrEqual(0);

  // An Operator: the key says why and nothing leaves the screen.
  const created = await api('/users', {
    method: 'POST',
    token,
    body: JSON.stringify({ username: 'oper', password: 'operator-password-1', roles: ['Operator'] }),
  });
  expect(created.status).toBe(201);
  keys(s, 'q');
  await waitFor(s, 'e2e-prompt$');
  startPane('oper');
  await login('oper', 'oper', 'operator-password-1');
  keys('oper', '$');
  const refused = await waitFor('oper', 'needs appliance.terminal');
  expect(refused).toMatch(/Shell on the appliance: needs appliance.terminal; your role\s+Operator\s+does\s+not\s+grant it/);
  expect(tmux('display-message', '-p', '-t', 'oper', '#{alternate_on}').trim()).toBe('1');
  keys('oper', 'q');
  await waitFor('oper', 'e2e-prompt$');
}, 240_000);
