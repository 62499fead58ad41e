/**
 * Keys in bursts through a real terminal (tmux): a password manager's "user, Tab, password,
 * Enter" written at once logs in, 20 Backspaces written at once remove 20 characters and leave
 * no DEL behind, the first key after login moves the menu, and Ctrl-O logs out at once.
 * The sources run with tsx on SQLite (DATABASE_URL unset for the child), at 80x24. The console
 * starts the daemon on its fresh data directory; afterAll stops it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { stopCalypso } from '../helpers/cli.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const SOCKET = `calypso-burst-${process.pid}`;
const PASSWORD = 'burst-admin-password-42';
const data = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-burst-'));

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const capture = () => tmux('capture-pane', '-p', '-t', 'b');
const keys = (...k: string[]) => tmux('send-keys', '-t', 'b', ...k);
const literal = (text: string) => tmux('send-keys', '-t', 'b', '-l', text);

async function waitFor(what: string | RegExp | ((screen: string) => boolean), timeoutMs = 20_000): Promise<string> {
  const test = typeof what === 'function' ? what : (s: string) => (typeof what === 'string' ? s.includes(what) : what.test(s));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const screen = capture();
    if (test(screen)) return screen;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(what)}; the pane shows:\n${screen}`);
    await new Promise((r) => setTimeout(r, 50));
  }
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

test('80x24: a login burst, 20 Backspaces at once, the first key after login, Ctrl-O logs out at once, keys typed ahead of a login', async () => {
  tmux('new-session', '-d', '-s', 'b', '-x', '80', '-y', '24', '-e', 'TERM=xterm-256color', 'bash --norc --noprofile');
  tmux('set-option', '-t', 'b', 'status', 'off');
  keys(
    `clear; cd ${ROOT} && env -u DATABASE_URL CALYPSO_ADMIN_PASSWORD=${PASSWORD} node --import tsx src/main.ts console --host sim --data ${data} --port 0`,
    'Enter',
  );
  await waitFor('Username', 60_000);

  // 25 characters, then 20 Backspaces in one write (tmux sends DEL for BSpace), then the rest of a burst.
  literal('abcdefghijklmnopqrstuvwxy');
  await waitFor('abcdefghijklmnopqrstuvwxy');
  keys(...Array<string>(20).fill('BSpace'));
  const after = await waitFor(/Username\s+abcde\s/);
  expect(after).not.toMatch(/[\x7f␡]/);
  keys(...Array<string>(5).fill('BSpace'));
  await waitFor(/Username\s+│/);

  // A password manager: user name, Tab, password, Enter in one write.
  literal(`admin\t${PASSWORD}\r`);
  const shell = await waitFor('admin (Admin)');
  expect(shell.split('\n').every((line) => line.length <= 80)).toBe(true);

  // The first key after login moves the menu.
  literal('j');
  await waitFor(/Pools|tank/);

  // Logging out leaves the screens at once.
  keys('C-o');
  await waitFor((s) => s.includes('Username') && !s.includes('admin (Admin)'));
  await waitFor('Logged out.');

  // Typed ahead while the login is on the wire: the palette and the screen after it reach the Shell, not the busy Login.
  literal(`admin\t${PASSWORD}\r:jobs\r`);
  await waitFor((s) => s.includes('admin (Admin)') && / in all|No jobs yet/.test(s));

  keys('C-c');
  await waitFor((s) => !s.includes('Username') && !s.includes('admin (Admin)'));
}, 120_000);
