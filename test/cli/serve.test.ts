/**
 * The `calypso` command as an operator runs it: `serve` on a fresh data directory, the first
 * admin account, the JWT secret file, user bootstrap from the TTY, and a clean SIGTERM.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCalypso } from '../helpers/cli.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

const ADMIN_PASSWORD = 'cli-admin-password-123';
let dataDir: string;
let testDb: TestDb;
let server: ChildProcess;
let base: string;
let output = '';

function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CALYPSO_ADMIN_PASSWORD: ADMIN_PASSWORD };
  delete env.DATABASE_URL;
  if (testDb.url) env.DATABASE_URL = testDb.url;
  return env;
}

const calypso = (args: string[], input?: string) => runCalypso([...args, '--data', dataDir], { env: cliEnv(), input });

beforeAll(async () => {
  testDb = await createTestDb();
  // The CLI opens its own connection; this one only created the database.
  await testDb.db.destroy();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-cli-'));
  server = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve', '--host', 'sim', '--data', dataDir, '--port', '0', '--log-level', 'info'], {
    env: cliEnv(),
  });
  server.stdout!.on('data', (d) => (output += d));
  server.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + 45_000;
  while (!/API listening on (\S+)\/api\/v1/.test(output)) {
    if (Date.now() > deadline || server.exitCode !== null) throw new Error(`serve did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  base = /API listening on (\S+)\/api\/v1/.exec(output)![1];
}, 60_000);

afterAll(async () => {
  if (server.exitCode === null) server.kill('SIGKILL');
  await testDb.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('calypso serve', () => {
  test('says it runs on the simulated appliance, accepts a login and answers /auth/me', async () => {
    expect(output).toMatch(/SIMULATED appliance/);
    expect(output).toMatch(/Created the admin account with the password from CALYPSO_ADMIN_PASSWORD/);
    expect(output).not.toContain(ADMIN_PASSWORD);
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const me = await fetch(`${base}/api/v1/auth/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(((await me.json()) as { username: string }).username).toBe('admin');
  });

  test('the JWT secret is kept in the data directory, readable by its owner only', () => {
    const mode = fs.statSync(path.join(dataDir, 'jwt-secret')).mode & 0o777;
    expect(mode).toBe(0o600);
    // serve owns the data directory (and alone recovers interrupted jobs); CLI commands beside it do not.
    expect(fs.readFileSync(path.join(dataDir, 'calypso.pid'), 'utf8').trim()).toBe(String(server.pid));
  });

  test('the log file has the requests but no password or token', () => {
    const log = fs.readFileSync(path.join(dataDir, 'calypso.log'), 'utf8');
    expect(log).toContain('calypso started');
    expect(log).not.toContain(ADMIN_PASSWORD);
    expect(log).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
  });

  test('user add, list and disable work from the TTY', async () => {
    const add = await calypso(['user', 'add', 'ops1', '--role', 'Operator', '--password-stdin'], 'ops1-long-password\n');
    expect(add.stderr).toBe('');
    expect(add.stdout).toContain('created ops1 (Operator)');
    const weak = await calypso(['user', 'add', 'ops2', '--password-stdin'], 'short\n');
    expect(weak.status).toBe(1);
    expect(weak.stderr).toMatch(/password: must be at least 12 characters/);
    const disable = await calypso(['user', 'disable', 'ops1']);
    expect(disable.stdout).toContain('ops1 disabled');
    const list = await calypso(['user', 'list']);
    expect(list.stdout).toMatch(/ops1\s+no\s+Operator/);
    expect(list.stdout).toMatch(/admin\s+yes\s+Admin/);
    // Four CLI processes from sources (tsx) on a loaded 2-core machine: a hang guard, not a speed limit.
  }, 120_000);

  test('the CLI is audited with face=cli', async () => {
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const audit = await fetch(`${base}/api/v1/audit?face=cli`, { headers: { authorization: `Bearer ${accessToken}` } });
    const body = (await audit.json()) as { items: { operation: string; target: string }[] };
    expect(body.items.map((e) => `${e.operation} ${e.target}`)).toEqual(expect.arrayContaining(['iam.users.create ops1', 'iam.users.update ops1']));
  });

  test('SIGTERM shuts down cleanly', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'calypso.pid'))).toBe(false);
  });
});
