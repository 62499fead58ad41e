/**
 * The HTTP client's link to the daemon, on a daemon whose socket connections the test controls
 * (dropped, held, cut after a request arrived, the daemon stopped and started again): nothing
 * listening is Unreachable, a call waits for a daemon coming back, the event stream reconnects
 * and replays what it missed exactly once, a restart gives onReset then live events, a refused
 * session closes the link, a mutation whose answer was lost is not sent again, and close()
 * leaves nothing behind.
 */
import { afterAll, afterEach, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type Koa from 'koa';
import type { LinkState, StreamEvent } from '../../src/contracts/client.js';
import { Unauthenticated } from '../../src/contracts/errors.js';
import { scheduleContracts } from '../../src/contracts/schedules.js';
import { ConnectionLost, HttpClient, Unreachable } from '../../src/client/http.js';
import { createApi } from '../../src/api/server.js';
import { eventsMount } from '../../src/api/events.js';
import { createCalypso, type Calypso } from '../../src/services/index.js';
import { openDb } from '../../src/services/db.js';
import { SimulatedHost } from '../../src/system/sim/simulated-host.js';
import { ADMIN_PASSWORD, silentLog, startTestApp, type TestApp } from '../helpers/app.js';
import { TSX } from '../helpers/cli.js';
import { jobCancelContract, recordBus, scrubContract, until } from './daemon.js';

const S = scheduleContracts;
/** Short, so a session check (and the `end` it sends) comes soon after a test changes the session. */
const HEARTBEAT_MS = 200;
const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/** The daemon's API on a Unix socket, with hands on its connections. */
class Daemon {
  server: http.Server | null = null;
  /** Requests it matches wait (connected, unanswered) until release(). */
  hold: ((req: http.IncomingMessage) => boolean) | null = null;
  readonly held: (() => void)[] = [];
  /** The next request it matches runs on the daemon, and then its connection is cut instead of answered. */
  cut: ((req: http.IncomingMessage) => boolean) | null = null;
  readonly streams: { url: string; lastEventId?: string }[] = [];

  constructor(
    public app: Calypso,
    private koa: Koa,
    readonly socketPath: string,
  ) {}

  async start(): Promise<void> {
    const koaHandler = this.koa.callback();
    // Koa answers its own errors: its promise never rejects, and Node's server takes no promise.
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => void koaHandler(req, res);
    const server = http.createServer((req, res) => {
      if (req.url?.startsWith('/api/v1/events')) this.streams.push({ url: req.url, lastEventId: req.headers['last-event-id'] as string | undefined });
      // A held request whose client has gone is dropped on release, not answered into a dead socket.
      if (this.hold?.(req)) return void this.held.push(() => (req.socket.destroyed ? res.destroy() : handler(req, res)));
      if (this.cut?.(req)) {
        this.cut = null;
        res.end = (() => {
          req.socket.destroy();
          return res;
        }) as typeof res.end;
      }
      return handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(this.socketPath, resolve));
    this.server = server;
  }

  /** Every connection cut, as a daemon crash or a network fault would. */
  drop(): void {
    this.server?.closeAllConnections();
  }

  holdStreams(): void {
    this.hold = (req) => !!req.url?.startsWith('/api/v1/events');
  }

  release(): void {
    this.hold = null;
    for (const go of this.held.splice(0)) go();
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
    fs.rmSync(this.socketPath, { force: true });
  }

  /** A new daemon on the same database and socket: a new event bus (another epoch), the same sessions. */
  async restart(t: TestApp): Promise<void> {
    await this.stop();
    await this.app.monitoring.stop();
    await this.app.jobs.idle();
    await this.app.close();
    const db = openDb({ url: t.testDb.url, dataDir: t.testDb.dataDir });
    this.app = await createCalypso({ db, host: new SimulatedHost(), log: silentLog, jwtSecret: 'test-secret-0123456789abcdef' });
    this.koa = createApi(this.app, { log: silentLog, version: 'test' }, [eventsMount(this.app, { heartbeatMs: HEARTBEAT_MS })]);
    await this.start();
  }
}

let t: TestApp;
let d: Daemon;
const clients: HttpClient[] = [];

beforeAll(async () => {
  t = await startTestApp({ host: new SimulatedHost(), mounts: (app) => [eventsMount(app, { heartbeatMs: HEARTBEAT_MS })] });
  d = new Daemon(t.app, t.koa, path.join(t.testDb.dataDir, 'calypso.sock'));
  await d.start();
}, 60_000);

afterEach(async () => {
  jest.restoreAllMocks();
  d.release();
  d.cut = null;
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await d.stop();
  if (d.app !== t.app) {
    await d.app.monitoring.stop();
    await d.app.jobs.idle();
    await d.app.close();
  }
  await t.close();
});

function client(opts: { connectTimeoutMs?: number; socketPath?: string; baseUrl?: string } = {}): HttpClient {
  const c = new HttpClient(
    opts.baseUrl
      ? { baseUrl: opts.baseUrl, connectTimeoutMs: opts.connectTimeoutMs }
      : { socketPath: opts.socketPath ?? d.socketPath, connectTimeoutMs: opts.connectTimeoutMs },
  );
  clients.push(c);
  return c;
}

async function admin(): Promise<{ c: HttpClient; refreshToken: string; states: LinkState[] }> {
  const c = client();
  const states: LinkState[] = [];
  c.onState((s) => states.push(s));
  const pair = await c.login('admin', ADMIN_PASSWORD);
  return { c, refreshToken: pair.refreshToken, states };
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('the call succeeded');
}

const ids = (events: { id: string }[]) => events.map((e) => e.id);
const sessionOf = async (refreshToken: string): Promise<string> =>
  (
    await d.app
      .db('refresh_tokens')
      .where({ token_hash: sha256(refreshToken) })
      .first()
  ).session_id;
const schedule = (note: string) => ({ kind: 'pool.scrub' as const, target: 'tank', cron: '0 3 * * 1', description: note });

describe('connecting', () => {
  test('options are checked: one of socketPath and baseUrl, an http(s) URL without credentials', () => {
    expect(() => new HttpClient({})).toThrow(/exactly one/);
    expect(() => new HttpClient({ socketPath: d.socketPath, baseUrl: 'http://localhost' })).toThrow(/exactly one/);
    expect(() => new HttpClient({ baseUrl: 'ftp://nas.example' })).toThrow(/http/);
    expect(() => new HttpClient({ baseUrl: 'http://admin:pw@nas.example' })).toThrow(/credentials/);
    expect(() => new HttpClient({ baseUrl: 'not a url' })).toThrow(/not a URL/);
  });

  test('nothing listening on the socket or the port: Unreachable after reconnecting, nothing sent', async () => {
    const c = client({ socketPath: path.join(t.testDb.dataDir, 'nobody.sock'), connectTimeoutMs: 300 });
    const states: LinkState[] = [];
    c.onState((s) => states.push(s));
    const err = await failure(c.login('admin', ADMIN_PASSWORD));
    expect(err).toBeInstanceOf(Unreachable);
    expect((err as Unreachable).code).toBe('ENOENT');
    expect(err.message).toMatch(/nobody\.sock/);
    expect(states[0]).toBe('reconnecting');
    expect(c.state).toBe('reconnecting');

    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const tcp = client({ baseUrl: `http://127.0.0.1:${port}`, connectTimeoutMs: 200 });
    const refused = await failure(tcp.call(S['schedules.list'], {}));
    expect(refused).toBeInstanceOf(Unreachable);
    expect((refused as Unreachable).code).toBe('ECONNREFUSED');
  });

  test('a call made while the daemon is away waits for it, and runs once it answers', async () => {
    await d.stop();
    const c = client({ connectTimeoutMs: 60_000 });
    const states: LinkState[] = [];
    c.onState((s) => states.push(s));
    const login = c.login('admin', ADMIN_PASSWORD);
    await until(() => c.state === 'reconnecting');
    await d.start();
    await login;
    expect(c.loggedIn).toBe(true);
    expect(states).toEqual(['reconnecting', 'connected']);
  });

  test('close() ends calls in flight and calls waiting for the daemon: Unreachable, client closed', async () => {
    const { c } = await admin();
    d.hold = (req) => req.method === 'GET' && !!req.url?.startsWith('/api/v1/schedules');
    const inFlight = failure(c.call(S['schedules.list'], {}));
    await until(() => d.held.length === 1);
    const away = client({ socketPath: path.join(t.testDb.dataDir, 'nobody.sock'), connectTimeoutMs: 60_000 });
    const waiting = failure(away.call(S['schedules.list'], {}));
    await until(() => away.state === 'reconnecting');
    await Promise.all([c.close(), away.close()]);
    for (const err of await Promise.all([inFlight, waiting])) {
      expect(err).toBeInstanceOf(Unreachable);
      expect(err.message).toBe('the client was closed');
    }
    expect(c.state).toBe('closed');
  });

  test('a mutation whose answer was lost is not sent again: ConnectionLost, one run, one audit row', async () => {
    const { c } = await admin();
    const note = `cut-${crypto.randomUUID()}`;
    d.cut = (req) => req.method === 'POST' && req.url === '/api/v1/schedules';
    const err = await failure(c.call(S['schedules.create'], schedule(note)));
    expect(err).toBeInstanceOf(ConnectionLost);
    expect(err.message).toMatch(/schedules\.create.*may have run/);
    const rows = await d.app.db('audit_log').where({ operation: 'schedules.create' }).andWhere('input', 'like', `%${note}%`);
    expect(rows.map((r) => r.result)).toEqual(['ok']);
    const made = (await c.call(S['schedules.list'], { limit: 1000 })).items.filter((s) => s.description === note);
    expect(made).toHaveLength(1);
  });
});

describe('the event stream', () => {
  test('subscribers share one connection; a new type set reopens it where it stood', async () => {
    const { c } = await admin();
    const before = d.streams.length;
    const jobs: StreamEvent[] = [];
    c.subscribe(['job'], { onEvent: (e) => jobs.push(e) });
    c.subscribe(['job'], { onEvent: () => undefined });
    await c.ready();
    expect(d.streams.slice(before)).toEqual([{ url: '/api/v1/events?types=job', lastEventId: undefined }]);
    const stop = c.subscribe(['audit', 'job'], { onEvent: () => undefined });
    await c.ready();
    expect(d.streams.slice(before + 1)).toEqual([
      { url: `/api/v1/events?types=${encodeURIComponent('audit,job')}`, lastEventId: expect.stringMatching(/^[0-9a-z]+-\d+$/) },
    ]);
    stop();
    await c.ready();
    expect(d.streams.at(-1)!.url).toBe('/api/v1/events?types=job');
  });

  test('a dropped stream reconnects with Last-Event-ID: every event missed arrives once, in order', async () => {
    const { c } = await admin();
    const got: StreamEvent[] = [];
    let resets = 0;
    c.subscribe(['audit', 'job'], { onEvent: (e) => got.push(e), onReset: () => resets++ });
    await c.ready();
    const bus = recordBus(d.app, ['audit', 'job']);
    await c.call(S['schedules.create'], schedule('before the drop'));
    await until(() => got.length >= bus.events.length);

    d.holdStreams();
    d.drop();
    await until(() => c.state === 'reconnecting');
    const missedFrom = bus.events.length;
    await c.call(S['schedules.create'], schedule('while the stream was down, 1'));
    await c.call(S['schedules.create'], schedule('while the stream was down, 2'));
    expect(bus.events.length - missedFrom).toBeGreaterThanOrEqual(2);
    d.release();
    await until(() => got.length >= bus.events.length && c.state === 'connected');
    await c.call(S['schedules.create'], schedule('after the reconnect'));
    await until(() => got.length >= bus.events.length);
    bus.stop();

    expect(ids(got)).toEqual(ids(bus.events));
    expect(new Set(ids(got)).size).toBe(got.length);
    expect(resets).toBe(0);
    expect(d.streams.at(-1)!.lastEventId).toBe(bus.events[missedFrom - 1]!.id);
  });

  test('a session refused on reconnect closes the link (state closed) until the next login', async () => {
    const { c, refreshToken, states } = await admin();
    c.subscribe(['job'], { onEvent: () => undefined });
    await c.ready();
    d.holdStreams();
    d.drop();
    await until(() => c.state === 'reconnecting');
    await d.app.auth.logout(await sessionOf(refreshToken));
    d.release();
    await until(() => c.state === 'closed');
    expect(c.loggedIn).toBe(false);
    expect(states).toEqual(['reconnecting', 'closed']);
    expect(await failure(c.call(S['schedules.list'], {}))).toBeInstanceOf(Unauthenticated);
    await c.login('admin', ADMIN_PASSWORD);
    await c.ready();
    expect(c.state).toBe('connected');
  });

  test('the daemon ends the stream when the session ends elsewhere: the refresh fails, the link closes', async () => {
    const { c, refreshToken } = await admin();
    c.subscribe(undefined, { onEvent: () => undefined });
    await c.ready();
    await d.app.auth.logout(await sessionOf(refreshToken));
    await until(() => c.state === 'closed');
    expect(c.loggedIn).toBe(false);
  });

  test('an access token that expires under the stream is renewed and the stream goes on', async () => {
    const { c, refreshToken } = await admin();
    const got: StreamEvent[] = [];
    c.subscribe(['job'], { onEvent: (e) => got.push(e) });
    await c.ready();
    const opened = d.streams.length;
    const realNow = Date.now;
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 16 * 60 * 1000);
    // The next heartbeat finds the token expired and ends the stream; the client renews and reconnects.
    await until(() => d.streams.length > opened && c.state === 'connected');
    await c.ready();
    const used = await d.app
      .db('refresh_tokens')
      .where({ token_hash: sha256(refreshToken) })
      .first();
    expect(used.used_at).not.toBeNull();
    const started = await c.call(scrubContract, { name: 'tank', action: 'start' });
    await c.call(jobCancelContract, { id: started.job!.id });
    await until(() =>
      got.some((e) => (e.data.job as { id: number; state: string }).id === started.job!.id && (e.data.job as { state: string }).state === 'cancelled'),
    );
  });

  test('after a daemon restart the subscriber gets onReset, then live events from the new daemon', async () => {
    const { c, states } = await admin();
    const got: StreamEvent[] = [];
    const resets: string[] = [];
    c.subscribe(['job'], { onEvent: (e) => got.push(e), onReset: (reason) => resets.push(reason) });
    await c.ready();
    const oldEpoch = d.app.events.epoch;
    await d.restart(t);
    await until(() => resets.length > 0 && c.state === 'connected');
    expect(resets).toEqual(['restarted']);
    expect(states).toEqual(['reconnecting', 'connected']);

    // The session survived the restart: the next action works, and its events are live.
    const started = await c.call(scrubContract, { name: 'tank', action: 'start' });
    await c.call(jobCancelContract, { id: started.job!.id });
    await until(() =>
      got.some((e) => (e.data.job as { id: number; state: string }).id === started.job!.id && (e.data.job as { state: string }).state === 'cancelled'),
    );
    expect(got.every((e) => e.id.startsWith(`${d.app.events.epoch}-`))).toBe(true);
    expect(d.app.events.epoch).not.toBe(oldEpoch);
  });
});

describe('close', () => {
  test('leaves no socket or timer: a process that closed its client exits by itself', async () => {
    const child = spawn(process.execPath, ['--import', TSX, path.join('test', 'client', 'close-child.ts'), d.socketPath], {
      env: { ...process.env, CALYPSO_TEST_PASSWORD: ADMIN_PASSWORD },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ state: 'closed', left: [] });
  });
});
