/**
 * `calypso serve` as the appliance's one daemon: the OS lock on the data directory (a second
 * serve refuses, naming the directory and the holder's pid; kill -9 frees it), the Unix socket
 * DATA/calypso.sock (mode 0660, same auth as TCP, stale file replaced), `--listen none`, and
 * `calypso stop`. Processes are spawned from sources with tsx, like test/cli/serve.test.ts; the
 * CLI keeps its database in the data directory (SQLite), whichever database the suite runs on.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { runCalypso, serveProcesses } from '../helpers/cli.js';
import { acquireDataLock } from '../../src/system/data-lock.js';

const ADMIN_PASSWORD = 'daemon-admin-password-123';
let dataDir: string;
let sock: string;
const started: ChildProcess[] = [];

function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CALYPSO_ADMIN_PASSWORD: ADMIN_PASSWORD };
  delete env.DATABASE_URL;
  delete env.CALYPSO_LISTEN;
  return env;
}

interface Serve {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function startServe(extra: string[] = []): Serve {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve', '--host', 'sim', '--data', dataDir, '--port', '0', ...extra], {
    env: cliEnv(),
  });
  started.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Waits (event-driven, bounded as a hang guard) until serve says it listens on the socket. */
async function ready(s: Serve): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (/listening on the Unix socket/.test(s.output())) return resolve();
      if (s.child.exitCode !== null) return reject(new Error(`serve exited:\n${s.output()}`));
    };
    s.child.stderr!.on('data', check);
    s.child.once('exit', check);
    check();
  });
}

const calypso = (args: string[]) => runCalypso([...args, '--data', dataDir], { env: cliEnv() });

/** One HTTP request over the Unix socket. */
function overSocket(method: string, urlPath: string, opts: { token?: string; body?: unknown } = {}): Promise<{ status: number; type: string; body: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = http.request(
      {
        socketPath: sock,
        method,
        path: urlPath,
        headers: {
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          connection: 'close',
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: text ? JSON.parse(text) : null }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

let first: Serve;

beforeAll(async () => {
  // Short: a Unix socket path holds at most 107 bytes.
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cal-lock-'));
  sock = path.join(dataDir, 'calypso.sock');
  first = startServe();
  await ready(first);
}, 90_000);

afterAll(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('calypso serve, the daemon', () => {
  test('listens on DATA/calypso.sock, mode 0660, beside TCP', () => {
    const st = fs.lstatSync(sock);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o660);
    expect(first.output()).toMatch(/API listening on http:\/\/127\.0\.0\.1:\d+\/api\/v1/);
  });

  test('the socket speaks the same API with the same auth: no token 401 problem+json, a token 200', async () => {
    const anonymous = await overSocket('GET', '/api/v1/auth/me');
    expect(anonymous.status).toBe(401);
    expect(anonymous.type).toMatch(/application\/problem\+json/);
    const bad = await overSocket('GET', '/api/v1/auth/me', { token: 'not-a-token' });
    expect(bad.status).toBe(401);
    const login = await overSocket('POST', '/api/v1/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(login.status).toBe(200);
    const { accessToken } = login.body as { accessToken: string };
    const me = await overSocket('GET', '/api/v1/auth/me', { token: accessToken });
    expect(me.status).toBe(200);
    expect((me.body as { username: string }).username).toBe('admin');
    // Audited like TCP: the login over the socket is in the audit log, face api.
    const audit = await overSocket('GET', '/api/v1/audit?operation=auth.login&limit=10', { token: accessToken });
    expect(audit.status).toBe(200);
    expect((audit.body as { items: { operation: string; face: string }[] }).items).toEqual(
      expect.arrayContaining([expect.objectContaining({ operation: 'auth.login', face: 'api' })]),
    );
  });

  test('a second serve on the same directory refuses at once, naming the directory and the pid; the first is untouched', async () => {
    const second = startServe();
    const code = await second.exited;
    expect(code).not.toBe(0);
    expect(second.output()).toContain(dataDir);
    expect(second.output()).toContain(`pid ${first.child.pid}`);
    expect(second.output()).not.toMatch(/\n\s+at /); // a message, not a stack trace
    // It took neither the socket nor the pid file.
    expect((await overSocket('GET', '/healthz')).status).toBe(200);
    expect(fs.readFileSync(path.join(dataDir, 'calypso.pid'), 'utf8').trim()).toBe(String(first.child.pid));
  }, 60_000);

  test('kill -9 frees the lock: a new serve starts, replaces the stale socket, and runs without TCP (--listen none)', async () => {
    first.child.kill('SIGKILL');
    await first.exited;
    // The dead daemon could not clean up: its socket file is stale.
    expect(fs.lstatSync(sock).isSocket()).toBe(true);
    const next = startServe(['--listen', 'none']);
    await ready(next);
    expect(next.output()).toContain('API not on TCP (--listen none)');
    expect(next.output()).not.toMatch(/API listening on http/);
    expect((await overSocket('GET', '/healthz')).status).toBe(200);
    expect(fs.lstatSync(sock).mode & 0o777).toBe(0o660);
    expect(fs.readFileSync(path.join(dataDir, 'calypso.pid'), 'utf8').trim()).toBe(String(next.child.pid));

    // calypso stop: SIGTERM, waits, says so; the daemon exits 0 and leaves no socket or pid file.
    const stop = await calypso(['stop']);
    expect(stop.stderr).toBe('');
    expect(stop.status).toBe(0);
    expect(stop.stdout).toContain(`sent SIGTERM to calypso serve (pid ${next.child.pid}) on ${dataDir}`);
    expect(stop.stdout).toContain('stopped');
    expect(await next.exited).toBe(0);
    expect(fs.existsSync(sock)).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'calypso.pid'))).toBe(false);

    // Nothing left to stop: non-zero, saying so.
    const again = await calypso(['stop']);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain(`no calypso serve runs on ${dataDir}`);
  }, 120_000);
});

describe('calypso console, finding its daemon', () => {
  test('a daemon that holds the lock but does not answer yet (starting, or a loaded machine) is waited for, not doubled', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cal-slow-'));
    // This test process plays the daemon: it holds the lock, and its socket answers /healthz 503 until told otherwise.
    const lock = await acquireDataLock(dir);
    let probes = 0;
    const slow = http.createServer((req, res) => {
      if (req.url === '/healthz') probes++;
      res.writeHead(503, { connection: 'close' }).end();
    });
    await new Promise<void>((resolve) => slow.listen(path.join(dir, 'calypso.sock'), resolve));
    const console_ = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'console', '--host', 'sim', '--data', dir, '--port', '0'], { env: cliEnv() });
    started.push(console_);
    let out = '';
    console_.stdout!.on('data', (d) => (out += d));
    console_.stderr!.on('data', (d) => (out += d));
    try {
      // The first probe, then the wait's own probes (every 100 ms, bounded here as a hang guard).
      const deadline = Date.now() + 60_000;
      while (probes < 3 && console_.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(out).toBe('');
      expect(console_.exitCode).toBeNull();
      expect(probes).toBeGreaterThanOrEqual(3);
      // It started no second serve: none runs, and none ever opened the daemon's log (startDaemon creates it first).
      expect(serveProcesses(dir)).toEqual([]);
      expect(fs.existsSync(path.join(dir, 'calypso.log'))).toBe(false);
    } finally {
      console_.kill('SIGKILL');
      await new Promise((r) => (console_.exitCode === null && console_.signalCode === null ? console_.once('exit', r) : r(null)));
      await new Promise((r) => slow.close(r));
      await lock.release();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
