/**
 * The REST face. Every route comes from the operation registry: no route without a
 * permission, no validation or permission rule written here.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import Koa, { type Context } from 'koa';
import { Router } from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Logger } from 'pino';
import { Unauthenticated, type Calypso, type LocalPeer, type UserActor } from '../services/index.js';
import { admission, WriteAdmission, type AdmissionOptions } from './admission.js';
import { buildOpenApi, pathParams } from './openapi.js';
import { sendError, sendProblem } from './problem.js';
import { TrustedProxies } from './client-address.js';

/** The console's User-Agent (src/main.ts); only believed on the local socket, and only for the audit's face. */
const CONSOLE_AGENT = /^calypso-console\//;

export const API_PREFIX = '/api/v1';

export interface ApiOptions {
  log: Logger;
  version: string;
  /**
   * Addresses/CIDRs of the reverse proxies (nginx, caddy) whose X-Forwarded-For is believed;
   * none by default. The client is the rightmost entry that is not one of them.
   */
  trustProxy?: readonly string[];
  /** Bounds on requests and answer bytes in flight (src/api/admission.ts); defaults suit an appliance. */
  admission?: AdmissionOptions;
  /**
   * Who is at the other end of a Unix-socket connection, from the kernel (src/system/socket-peer.ts,
   * wired by main.ts); asked only by the operations that need it (the local-console recovery).
   * Without it, such a caller is "unknown" and refused.
   */
  socketPeer?: (socket: Socket) => Promise<LocalPeer | null>;
}

/** Extra routes a subsystem mounts that are not plain operations (event streams, /metrics). */
export type RouteMount = (router: Router, helpers: { actorFor(ctx: Context): Promise<UserActor | null> }) => void;

export function bearerToken(ctx: Context): string | null {
  const header = ctx.get('authorization');
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  return m ? m[1] : null;
}

export function createApi(app: Calypso, opts: ApiOptions, mounts: RouteMount[] = []): Koa {
  // Koa's own proxy mode believes the leftmost X-Forwarded-For entry, which the client writes: off.
  const koa = new Koa({ proxy: false });
  // Koa's default prints every error that reaches it to stderr with its stack, a client that hung
  // up mid-answer included. A vanished client is normal (a console quit, a curl interrupted); the
  // rest goes to the log, never to stderr.
  koa.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ECONNRESET' || err.code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    opts.log.error({ err }, 'error after the answer began');
  });
  const proxies = new TrustedProxies(opts.trustProxy ?? []);
  const router = new Router();
  const writes = new WriteAdmission(opts.admission);
  /** Operations whose path has no parameter, by "METHOD /api/v1/path". */
  const direct = new Map<string, (ctx: Context) => Promise<void>>();

  const actorFor = async (ctx: Context): Promise<UserActor | null> => {
    const token = bearerToken(ctx);
    if (!token) return null;
    return app.auth.authenticate(token);
  };

  koa.use(async (ctx, next) => {
    // Every later reader of ctx.ip (audit, login throttle, admission) sees the validated address.
    const peer = ctx.req.socket.remoteAddress;
    ctx.request.ip = proxies.clientAddress(peer, ctx.get('x-forwarded-for') || undefined) ?? '';
    const viaTrustedProxy = peer !== undefined && proxies.trusts(peer);
    const incoming = ctx.get('x-request-id');
    ctx.state.requestId = /^[A-Za-z0-9._-]{1,64}$/.test(incoming) ? incoming : crypto.randomUUID();
    ctx.set('X-Request-Id', ctx.state.requestId);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    ctx.set('Cache-Control', 'no-store');
    if (ctx.secure || (viaTrustedProxy && ctx.get('x-forwarded-proto') === 'https')) ctx.set('Strict-Transport-Security', 'max-age=31536000');
    const started = Date.now();
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) sendProblem(ctx, 404, `no route ${ctx.method} ${ctx.path}`);
      // The router's own 405 (with Allow) and 501 answers are bodiless: give them a problem body too.
      else if (ctx.status === 405 && ctx.body == null)
        sendProblem(ctx, 405, `${ctx.method} is not allowed on ${ctx.path}; allowed: ${ctx.response.get('Allow') || 'none'}`);
      else if (ctx.status === 501 && ctx.body == null) sendProblem(ctx, 501, `the method ${ctx.method} is not implemented`);
    } catch (err) {
      sendError(ctx, err);
      if (ctx.status >= 500) opts.log.error({ err, requestId: ctx.state.requestId, path: ctx.path }, 'request failed');
    }
    opts.log.debug({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Date.now() - started, requestId: ctx.state.requestId }, 'request');
  });
  koa.use(admission(opts)); // bounds requests and answer bytes in flight (503 past them); never /healthz, /readyz
  koa.use(bodyParser({ enableTypes: ['json'], jsonLimit: '1mb', encoding: 'utf-8', parsedMethods: ['POST', 'PUT', 'PATCH', 'DELETE'] }));

  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    try {
      await app.ping();
      ctx.body = { status: 'ready', database: 'ok' };
    } catch {
      sendProblem(ctx, 503, 'database unreachable');
    }
  });
  // Built on first request (about 0.15 s for the whole registry), not on every start.
  let openapi: ReturnType<typeof buildOpenApi> | null = null;
  router.get(`${API_PREFIX}/openapi.json`, (ctx) => {
    ctx.body = openapi ??= buildOpenApi(app.registry.all(), opts.version);
  });

  for (const op of app.registry.all()) {
    if (!op.http || (op.onlyOnHost && op.onlyOnHost !== app.host.kind)) continue;
    const params = pathParams(op.http.path);
    const method = op.http.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
    // GET and DELETE take their input from the query string; the other methods from the body.
    const readsQuery = op.http.method === 'GET' || op.http.method === 'DELETE';
    const handle = async (ctx: Context) => {
      const sent = (ctx.request as { body?: unknown }).body;
      const body = sent !== null && typeof sent === 'object' && !Array.isArray(sent) ? (sent as Record<string, unknown>) : undefined;
      const fromQuery = readsQuery ? { ...ctx.query } : {};
      const fromPath = Object.fromEntries(params.map((p) => [p, ctx.params[p]]));
      // Nothing sent is silently dropped: a body that is not an object, a query string on a
      // POST/PUT/PATCH, a body field that the path contradicts. The invoker refuses (and audits) them.
      const problems = [
        ...(op.http!.method !== 'GET' && sent !== undefined && !body ? [{ path: '', message: 'the request body must be a JSON object' }] : []),
        ...(readsQuery
          ? []
          : Object.keys(ctx.query).map((k) => ({ path: k, message: `not read from the query string of a ${op.http!.method}: send it in the JSON body` }))),
        ...params
          .filter((p) => body && p in body && body[p] !== fromPath[p])
          .map((p) => ({ path: p, message: `the body says ${JSON.stringify(body![p])} but the path says ${JSON.stringify(fromPath[p])}` })),
      ];
      const input = mergeInput(fromQuery, body, fromPath);
      // A write past the bound is refused before anything is done for it, once the invoker has found it
      // authorized, valid and confirmed (it answers 503 and audits the refusal: every answered write has its row).
      let slot: { release: () => void } | null = null;
      const admit = (): string | null => {
        const entered = writes.enter(op.name);
        if ('refused' in entered) {
          ctx.set('Retry-After', String(writes.retryAfterSeconds));
          opts.log.debug({ operation: op.name, why: entered.refused }, 'write refused by admission control');
          return `the appliance is busy (${entered.refused}); nothing was changed: retry in ${writes.retryAfterSeconds} s`;
        }
        slot = entered;
        return null;
      };
      let result: unknown;
      try {
        let actor: UserActor | null = null;
        try {
          actor = await actorFor(ctx);
        } catch (err) {
          if (!(err instanceof Unauthenticated) || op.permission !== 'public') throw err;
        }
        // The console speaks the API over the daemon's socket; its calls are recorded as the console's.
        const onSocket = ctx.req.socket.remoteAddress === undefined;
        const face = onSocket && CONSOLE_AGENT.test(ctx.get('user-agent')) ? 'console' : 'api';
        const socket = ctx.req.socket;
        result = await app.call(op.name, input, {
          actor,
          face,
          address: ctx.ip || undefined,
          requestId: ctx.state.requestId,
          inputProblems: problems.length ? problems : undefined,
          localPeer: onSocket ? () => (opts.socketPeer ? opts.socketPeer(socket) : Promise.resolve(null)) : undefined,
          admit,
        });
      } finally {
        (slot as { release: () => void } | null)?.release();
      }
      ctx.status = op.mutating && op.http!.method === 'POST' && op.name.endsWith('.create') ? 201 : 200;
      ctx.body = result;
    };
    router[method](`${API_PREFIX}${op.http.path}`, handle);
    // A path without parameters is found by one lookup instead of the router's walk over every route (issue 16).
    if (params.length === 0) direct.set(`${op.http.method} ${API_PREFIX}${op.http.path}`, handle);
  }
  for (const mount of mounts) mount(router, { actorFor });

  koa.use((ctx, next) => direct.get(`${ctx.method} ${ctx.path}`)?.(ctx) ?? next());
  koa.use(router.routes());
  koa.use(router.allowedMethods({ throw: false }));
  return koa;
}

/**
 * `{ ...query, ...body, ...path }`, built with Object.assign: V8 (Node 20) builds a literal that
 * spreads several objects about 30 times slower (7 us against 0.2 us per request, bench/README.md
 * perf5). A body with its own "__proto__" key (JSON.parse makes one) takes the spread, so the key
 * stays a key that the strict input schema refuses instead of becoming the input's prototype.
 */
function mergeInput(query: Record<string, unknown>, body: Record<string, unknown> | undefined, path: Record<string, unknown>): Record<string, unknown> {
  if (body && Object.hasOwn(body, '__proto__')) return { ...query, ...body, ...path };
  return Object.assign(query, body, path);
}

export interface RunningServer {
  /** The TCP address (`http(s)://host:port`), or `unix:PATH` when TCP is off. */
  url: string;
  /** The TCP port; 0 when TCP is off. */
  port: number;
  /** The Unix socket the same API answers on, when one was asked for. */
  socketPath?: string;
  close(): Promise<void>;
}

/** Linux sun_path holds 108 bytes with its final NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

export interface ListenOptions {
  port: number;
  host: string;
  tlsCert?: string;
  tlsKey?: string;
  /** false: no TCP listener (a console-only appliance); then socketPath is required. Default true. */
  tcp?: boolean;
  /**
   * Also answer on this Unix socket (plain HTTP: the kernel's file permissions guard it), mode
   * 0660. The caller holds the data directory's lock, so a socket file already there is stale
   * and is replaced; anything else at that path is refused.
   */
  socketPath?: string;
  /** HTTP upgrades (the WebSocket terminal) on every listener; without it, an upgrade is refused. */
  onUpgrade?: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
}

function configure(server: http.Server): void {
  server.requestTimeout = 30_000;
  server.headersTimeout = 20_000;
  server.keepAliveTimeout = 5_000;
}

function bind(server: http.Server, args: [number, string] | [string]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if (args.length === 2) server.listen(args[0], args[1], done);
    else server.listen(args[0], done);
  });
}

async function bindSocket(server: http.Server, socketPath: string): Promise<void> {
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
    throw new Error(
      `the socket path ${socketPath} is longer than the ${MAX_SOCKET_PATH_BYTES} bytes a Unix socket path may have; choose a shorter data directory`,
    );
  }
  let existing: fs.Stats | null = null;
  try {
    existing = fs.lstatSync(socketPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (existing && !existing.isSocket()) throw new Error(`${socketPath} exists and is not a socket; move it away`);
  if (existing) fs.rmSync(socketPath, { force: true }); // stale: the caller holds the lock
  // Created 0660 from the start (bind is synchronous here), never briefly wider.
  const umask = process.umask(0o117);
  try {
    await bind(server, [socketPath]);
  } finally {
    process.umask(umask);
  }
  fs.chmodSync(socketPath, 0o660);
}

/**
 * Listens on TCP and/or a Unix socket, both with the same Koa app (same auth, same audit). On
 * close: stops accepting on both, lets requests in flight finish, drops idle keep-alives, and
 * removes the socket file.
 */
export async function listen(koa: Koa, opts: ListenOptions): Promise<RunningServer> {
  const koaHandler = koa.callback();
  // Koa answers its own errors (handleRequest ends in ctx.onerror): the promise never rejects, and Node's server takes no promise.
  const handler: http.RequestListener = (req, res) => void koaHandler(req, res);
  const tcp = opts.tcp !== false;
  if (!tcp && !opts.socketPath) throw new Error('listen: neither TCP nor a Unix socket');
  const servers: http.Server[] = [];
  const closeAll = () => Promise.all(servers.map((s) => closeServer(s)));
  let url = '';
  let port = 0;
  try {
    if (tcp) {
      const server =
        opts.tlsCert && opts.tlsKey
          ? https.createServer({ cert: fs.readFileSync(opts.tlsCert), key: fs.readFileSync(opts.tlsKey) }, handler)
          : http.createServer(handler);
      configure(server);
      if (opts.onUpgrade) server.on('upgrade', opts.onUpgrade);
      await bind(server, [opts.port, opts.host]);
      servers.push(server);
      const addr = server.address() as AddressInfo;
      const scheme = opts.tlsCert ? 'https' : 'http';
      const hostForUrl = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      url = `${scheme}://${hostForUrl}:${addr.port}`;
      port = addr.port;
    }
    if (opts.socketPath) {
      const server = http.createServer(handler);
      configure(server);
      if (opts.onUpgrade) server.on('upgrade', opts.onUpgrade);
      await bindSocket(server, opts.socketPath);
      servers.push(server);
      if (!tcp) url = `unix:${opts.socketPath}`;
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    socketPath: opts.socketPath,
    close: () =>
      (closing ??= closeAll().then(() => {
        // Node removes the socket file on close; make sure of it.
        if (opts.socketPath) fs.rmSync(opts.socketPath, { force: true });
      })),
  };
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeIdleConnections();
    // Streams (SSE) never finish by themselves; give in-flight requests a moment, then cut.
    setTimeout(() => server.closeAllConnections(), 5_000).unref();
  });
}
