/**
 * `calypso user add` and `user passwd` asking for the password on a real terminal (a pty from
 * node-pty): the prompt shows `*` for what is typed and "(hidden)" once entered, never the password;
 * a mismatch is refused; Ctrl-C cancels and creates nothing; the password then works
 * (`--password-stdin` keeps working, checked here against the prompt's account). SQLite only:
 * the CLI's database code is the daemon's, tested on both elsewhere.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as pty from 'node-pty';
import knex from 'knex';
import bcrypt from 'bcryptjs';
import { MAIN, TSX, runCalypso } from '../helpers/cli.js';

const data = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-prompt-'));
const env = (): Record<string, string> => {
  const e: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'DATABASE_URL' && k !== 'CI') e[k] = v;
  return { ...e, CALYPSO_DATA: data, TERM: 'xterm-256color' };
};

interface Run {
  output(): string;
  waitFor(text: string | RegExp): Promise<void>;
  write(s: string): void;
  exit: Promise<number>;
}

function inPty(args: string[]): Run {
  const p = pty.spawn(process.execPath, ['--import', TSX, MAIN, ...args], { cols: 80, rows: 24, cwd: process.cwd(), env: env() });
  let out = '';
  const waiters: (() => void)[] = [];
  p.onData((d) => {
    out += d;
    for (const w of waiters.splice(0)) w();
  });
  const exit = new Promise<number>((r) =>
    p.onExit(({ exitCode }) => {
      r(exitCode);
      for (const w of waiters.splice(0)) w();
    }),
  );
  let exited = false;
  void exit.then(() => (exited = true));
  return {
    output: () => out,
    write: (s) => p.write(s),
    exit,
    waitFor: (text) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (typeof text === 'string' ? out.includes(text) : text.test(out)) resolve();
          else if (exited) reject(new Error(`exited before ${String(text)}; output: ${JSON.stringify(out)}`));
          else waiters.push(check);
        };
        check();
      }),
  };
}

/** The exit code with the output beside it, so a failure shows what the command printed. */
async function exitOf(run: Run): Promise<{ code: number; output: string }> {
  return { code: await run.exit, output: run.output() };
}

beforeAll(async () => {
  const m = await runCalypso(['migrate', '--data', data], { env: env() });
  expect(m.status).toBe(0);
}, 60_000);
/** Whether `password` is the one stored for `user` (the hash in the instance's database). */
async function stored(user: string, password: string): Promise<boolean> {
  const db = knex({ client: 'better-sqlite3', connection: { filename: path.join(data, 'calypso.db') }, useNullAsDefault: true });
  try {
    const row = (await db('users').where({ username: user }).first('password_hash')) as { password_hash: string } | undefined;
    return row !== undefined && bcrypt.compareSync(password, row.password_hash);
  } finally {
    await db.destroy();
  }
}

afterAll(() => fs.rmSync(data, { recursive: true, force: true }));

describe('password prompt on a terminal', () => {
  test('user add: masked, confirmed, "(hidden)" after; the password works', async () => {
    const run = inPty(['user', 'add', 'dora', '--role', 'Operator']);
    await run.waitFor('Password for dora:');
    run.write('dora-long-password-1');
    await run.waitFor('********************');
    run.write('\r');
    await run.waitFor('Again:');
    run.write('dora-long-password-1\r');
    expect(await exitOf(run)).toEqual({ code: 0, output: expect.any(String) });
    expect(run.output()).toContain('created dora (Operator)');
    expect(run.output()).toContain('(hidden)');
    expect(run.output()).not.toContain('dora-long-password-1');
    expect(await stored('dora', 'dora-long-password-1')).toBe(true);
  }, 120_000);

  test('a mismatch is refused and Ctrl-C cancels: nothing is created', async () => {
    const mismatch = inPty(['user', 'add', 'eve']);
    await mismatch.waitFor('Password for eve:');
    mismatch.write('eve-long-password-1\r');
    await mismatch.waitFor('Again:');
    mismatch.write('eve-long-password-2\r');
    expect(await exitOf(mismatch)).toEqual({ code: 1, output: expect.any(String) });
    expect(mismatch.output()).toContain('the passwords do not match');

    const cancel = inPty(['user', 'add', 'eve']);
    await cancel.waitFor('Password for eve:');
    cancel.write('eve-lo');
    await cancel.waitFor('******');
    cancel.write('\x03');
    expect(await exitOf(cancel)).toEqual({ code: 1, output: expect.any(String) });
    expect(cancel.output()).toContain('cancelled');
    // Typed and Ctrl-C in one chunk (a paste): cancelled too.
    const pasted = inPty(['user', 'add', 'eve']);
    await pasted.waitFor('Password for eve:');
    pasted.write('eve-long\x03');
    expect(await exitOf(pasted)).toEqual({ code: 1, output: expect.any(String) });
    expect(pasted.output()).toContain('cancelled');
    const list = await runCalypso(['user', 'list'], { env: env() });
    expect(list.stdout).not.toMatch(/^eve\s/m);
  }, 120_000);

  test('user passwd through the prompt, then --password-stdin: each password in turn is the one stored', async () => {
    const run = inPty(['user', 'passwd', 'dora']);
    await run.waitFor('New password for dora:');
    run.write('dora-second-password\r');
    await run.waitFor('Again:');
    run.write('dora-second-password\r');
    expect(await exitOf(run)).toEqual({ code: 0, output: expect.any(String) });
    expect(run.output()).not.toContain('dora-second-password');
    expect(await stored('dora', 'dora-second-password')).toBe(true);
    const viaStdin = await runCalypso(['user', 'passwd', 'dora', '--password-stdin'], { env: env(), input: 'dora-third-password\n' });
    expect(viaStdin.status).toBe(0);
    expect(await stored('dora', 'dora-third-password')).toBe(true);
  }, 120_000);
});
