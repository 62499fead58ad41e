/**
 * The HTTP + SSE CalypsoClient: the console's and remote scripts' way to the daemon, over its
 * Unix socket (DATA/calypso.sock) or TCP. Node's own http/https only.
 *
 * - Calls go where the contract's route says (route.ts); problem+json answers come back as the
 *   error classes of src/contracts/errors.ts, so callers handle them as they would in-process.
 * - A daemon that does not answer (nothing listens on the socket or port) is retried for up to
 *   `connectTimeoutMs`, then `Unreachable`. Only attempts that never connected are retried:
 *   once a request is on the wire, a broken connection is `ConnectionLost` and the request is
 *   never sent again, so a mutation cannot run twice.
 * - Tokens: an access token refused as expired is renewed once with the refresh token and the
 *   call repeated (the daemon refused it before running anything); a timer renews the pair a
 *   minute before it expires. Refreshes are never concurrent: refresh tokens are single use, and
 *   the daemon revokes a session whose used token comes back.
 * - Events: one SSE connection however many subscribers (it asks for the union of their types
 *   and each gets its own); on a drop it reconnects with backoff and `Last-Event-ID`, so every
 *   missed event arrives once, in order; when the daemon cannot replay (it restarted) the
 *   subscribers get onReset first. A heartbeat-less stream is taken for dead and reopened.
 */
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { AnyContract, InputOf, OutputOf } from '../contracts/core.js';
import type { BusyWait, CalypsoClient, LinkState, StreamEvent, StreamEventType, SubscribeOptions, TokenPair } from '../contracts/client.js';
import { ApplianceError, Unauthenticated, ValidationError, errorForStatus, type FieldError, type ServiceError } from '../contracts/errors.js';
import { API_PREFIX, routeOf } from './route.js';
import { SseParser, type SseMessage } from './sse.js';
import { TokenKeeper } from '../contracts/token-keeper.js';

/** How long a call keeps retrying while the daemon answers busy (503 + Retry-After) before the error is shown. */
const BUSY_PATIENCE_MS = 30_000;

/** No daemon answered (nothing listens, or the connection could not be made) within connectTimeoutMs. Nothing was sent. */
export class Unreachable extends ApplianceError {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message, 503);
  }
}

/**
 * The connection broke after the request was sent: the daemon may have run it. Never retried by
 * the client; look before repeating a change.
 */
export class ConnectionLost extends ApplianceError {
  constructor(message: string) {
    super(message, 502);
  }
}

export interface HttpClientOptions {
  /** The daemon's Unix socket (DATA/calypso.sock). Exactly one of socketPath and baseUrl. */
  socketPath?: string;
  /** `http(s)://host[:port][/prefix]`: the daemon over TCP (the API under `<prefix>/api/v1`). */
  baseUrl?: string;
  userAgent?: string;
  /** How long a call keeps trying to connect to a daemon that does not answer (default 10 s). */
  connectTimeoutMs?: number;
  /** Renew the token pair this long before the access token expires (default 60 s). */
  refreshBeforeSeconds?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** How long logout keeps trying to connect (none at all while the link is already down). */
const LOGOUT_PATIENCE_MS = 1_000;
/** Stream reconnects wait this long first, doubling up to the maximum. */
const STREAM_BACKOFF_MS = { first: 100, max: 2_000 };
/** Connect attempts of a call wait this long first, doubling up to the maximum. */
const CALL_BACKOFF_MS = { first: 50, max: 1_000 };
/** A stream silent this long (before its first heartbeat period is known) is taken for dead. */
const STREAM_SILENCE_MS = 45_000;
/** The largest answer read (a page of 1000 rows is far below); more is a broken or hostile peer. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/** Connect errors: the request never left, so trying again cannot run anything twice. */
const NOT_LISTENING = new Set(['ECONNREFUSED', 'ENOENT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** `<epoch>-<seq>`, as the daemon numbers its events. */
const EVENT_ID = /^([0-9a-z]{1,24})-([0-9]{1,15})$/;

/** Every event type, checked against the contract's union both ways by the compiler. */
const STREAM_TYPES: Record<StreamEventType, true> = { job: true, alert: true, metric: true, audit: true, storage: true };

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A connect attempt that failed before anything was sent. */
class NotConnected extends Error {
  constructor(
    readonly code: string,
    readonly retryable: boolean,
    readonly detail: string,
  ) {
    super(code);
  }
}

interface Subscriber {
  types: ReadonlySet<StreamEventType> | null;
  opts: SubscribeOptions;
}

interface OpenStream {
  gen: number;
  /** The `types` query value ('' for all). */
  key: string;
  req: http.ClientRequest;
  /** The daemon's ready event arrived. */
  ready: boolean;
  watchdog: NodeJS.Timeout | null;
  /** Silence taken for a dead connection: twice the daemon's heartbeat and a margin, once it said it. */
  silenceMs: number;
}

export class HttpClient implements CalypsoClient {
  private readonly target: { socketPath: string } | { protocol: 'http:' | 'https:'; hostname: string; port: number };
  private readonly transport: typeof http | typeof https;
  private readonly prefix: string;
  private readonly where: string;
  private readonly userAgent: string;
  private readonly connectTimeoutMs: number;

  private readonly keeper: TokenKeeper;

  private closed = false;
  /** The session was refused (refresh failed, or 401 on the stream): 'closed' until the next login. */
  private authClosed = false;
  /** The last connect attempt of a call failed. */
  private callsDown = false;
  /** The stream is between a drop and its next ready event. */
  private streamDown = false;
  private currentState: LinkState = 'connected';
  private readonly stateListeners = new Set<(state: LinkState) => void>();

  private readonly active = new Set<http.ClientRequest>();
  private readonly pauses = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();

  private readonly subscribers = new Map<number, Subscriber>();
  private nextSubscriber = 1;
  private stream: OpenStream | null = null;
  private streamGen = 0;
  private streamBackoffMs = STREAM_BACKOFF_MS.first;
  private streamRetry: { timer: NodeJS.Timeout; key: string } | null = null;
  private reconcileQueued = false;
  private readyWaiters: (() => void)[] = [];
  /** Where the stream resumes: the id of the last event (or ready/reset) received. */
  private lastEventId: string | null = null;
  private lastEpoch: string | null = null;
  private lastSeq = 0;

  constructor(opts: HttpClientOptions) {
    if (!!opts.socketPath === !!opts.baseUrl) throw new TypeError('HttpClient: give exactly one of socketPath and baseUrl');
    this.connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    if (!(this.connectTimeoutMs >= 0)) throw new TypeError('HttpClient: connectTimeoutMs must be a number of milliseconds, 0 or more');
    this.keeper = new TokenKeeper({
      renew: (refreshToken) =>
        this.exchange<TokenPair>(
          { method: 'POST', path: `${this.prefix}/auth/refresh`, body: JSON.stringify({ refreshToken }) },
          { auth: false, mutating: true },
        ),
      refreshBeforeSeconds: opts.refreshBeforeSeconds,
      kept: () => {
        this.authClosed = false;
        this.updateState();
        this.queueReconcile();
      },
      refused: () => {
        this.authClosed = true;
        this.reconcile();
        this.updateState();
      },
    });
    this.userAgent = opts.userAgent ?? 'calypso-client';
    if (/[\r\n]/.test(this.userAgent)) throw new TypeError('HttpClient: userAgent must be one line');
    if (opts.socketPath) {
      this.target = { socketPath: opts.socketPath };
      this.transport = http;
      this.prefix = API_PREFIX;
      this.where = `the socket ${opts.socketPath}`;
    } else {
      let url: URL;
      try {
        url = new URL(opts.baseUrl!);
      } catch {
        throw new TypeError(`HttpClient: baseUrl ${JSON.stringify(opts.baseUrl)} is not a URL`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('HttpClient: baseUrl must be an http:// or https:// URL');
      if (url.username || url.password) throw new TypeError('HttpClient: baseUrl must not hold credentials: log in with login()');
      if (url.search || url.hash) throw new TypeError('HttpClient: baseUrl must not have a query or fragment');
      const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
      this.target = { protocol: url.protocol, hostname: url.hostname.replace(/^\[|\]$/g, ''), port };
      this.transport = url.protocol === 'https:' ? https : http;
      this.prefix = `${url.pathname.replace(/\/+$/, '')}${API_PREFIX}`;
      this.where = url.origin;
    }
  }

  get loggedIn(): boolean {
    return this.tokens !== null;
  }

  get state(): LinkState {
    return this.currentState;
  }

  onState(listener: (state: LinkState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  async login(username: string, password: string): Promise<TokenPair> {
    const pair = await this.exchange<TokenPair>(
      { method: 'POST', path: `${this.prefix}/auth/login`, body: JSON.stringify({ username, password }) },
      { auth: false, mutating: true },
    );
    await this.keeper.keep(pair);
    return pair;
  }

  refresh(): Promise<TokenPair> {
    return this.keeper.refresh();
  }

  private get tokens(): TokenPair | null {
    return this.keeper.tokens;
  }

  async logout(): Promise<void> {
    if (this.tokens && !this.closed) {
      // A console that quits while the daemon is away must not wait the whole connect timeout for
      // it: one attempt (the session then ends by itself when its tokens expire).
      const patienceMs = this.state === 'connected' ? LOGOUT_PATIENCE_MS : 0;
      await this.exchange({ method: 'POST', path: `${this.prefix}/auth/logout`, body: '{}' }, { auth: true, mutating: true, patienceMs }).catch(
        () => undefined,
      );
    }
    this.keeper.forget();
    this.reconcile();
  }

  async call<C extends AnyContract>(contract: C, input: InputOf<C>): Promise<OutputOf<C>> {
    return this.exchange<OutputOf<C>>(routeOf(contract, input, this.prefix), { auth: true, mutating: contract.mutating, name: contract.name });
  }

  subscribe(types: StreamEventType[] | undefined, opts: SubscribeOptions): () => void {
    const unknown = (types ?? []).filter((t) => !Object.hasOwn(STREAM_TYPES, t));
    if (unknown.length)
      throw new ValidationError(`unknown event types ${unknown.join(', ')}`, [{ path: 'types', message: `some of ${Object.keys(STREAM_TYPES).join(', ')}` }]);
    const id = this.nextSubscriber++;
    this.subscribers.set(id, { types: types ? new Set(types) : null, opts });
    this.queueReconcile();
    return () => {
      if (this.subscribers.delete(id)) this.queueReconcile();
    };
  }

  /**
   * Resolves once the event stream follows the daemon for the current subscribers (its ready
   * event arrived), at once when there is nothing to follow. Subscribe, await this, then load
   * what you show: no change can fall between the load and the stream.
   */
  ready(): Promise<void> {
    this.reconcile();
    if (!this.streamWanted() || this.stream?.ready) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopStream();
    this.keeper.close();
    for (const pause of this.pauses) {
      clearTimeout(pause.timer);
      pause.wake();
    }
    // Every request still in `active` has yet to emit 'close': wait for it, so no socket outlives close().
    const ends = [...this.active].map(
      (req) =>
        new Promise<void>((resolve) => {
          req.once('close', () => resolve());
          req.destroy();
        }),
    );
    this.wakeReadyWaiters();
    this.updateState();
    await Promise.all(ends);
  }

  // ---- requests ----

  /** One request with its answer mapped: JSON on success, the contract's error classes on failure; one renewal on an expired token. */
  private async exchange<T>(
    route: { method: string; path: string; body?: string },
    opts: { auth: boolean; mutating: boolean; name?: string; patienceMs?: number },
  ): Promise<T> {
    let renewed = false;
    let waitedMs = 0;
    try {
      for (;;) {
        const token = opts.auth ? this.tokens?.accessToken : undefined;
        const answer = await this.send(route, token, opts);
        if (answer.status >= 200 && answer.status < 300) return parseJson(answer) as T;
        const err = errorOf(answer);
        if (!renewed && token && err instanceof Unauthenticated && /expired/i.test(err.message)) {
          renewed = true;
          await this.keeper.renewAfterExpired(token);
          continue;
        }
        // The daemon's admission control refused the call before doing anything (503 with
        // Retry-After: src/api/admission.ts), so sending it again is safe, a change included.
        const retryAfter = Number(answer.headers['retry-after']);
        if (
          answer.status === 503 &&
          answer.headers['retry-after'] !== undefined &&
          Number.isFinite(retryAfter) &&
          waitedMs < BUSY_PATIENCE_MS &&
          !this.closed
        ) {
          const waitMs = Math.min(Math.max(retryAfter, 0.05) * 1000, BUSY_PATIENCE_MS - waitedMs);
          this.setWaiting({ operation: opts.name ?? route.path, retryInSeconds: Math.ceil(waitMs / 1000), detail: err.message });
          await this.pause(waitMs);
          waitedMs += waitMs;
          continue;
        }
        throw err;
      }
    } finally {
      if (waitedMs > 0) this.setWaiting(null);
    }
  }

  private waiting: BusyWait | null = null;
  private readonly waitListeners = new Set<(wait: BusyWait | null) => void>();

  private setWaiting(wait: BusyWait | null): void {
    this.waiting = wait;
    for (const l of this.waitListeners) guard(() => l(wait));
  }

  /** Called when a call waits for a busy daemon (and with null when it no longer does); returns the function that stops listening. */
  onWaiting(listener: (wait: BusyWait | null) => void): () => void {
    this.waitListeners.add(listener);
    return () => this.waitListeners.delete(listener);
  }

  /** Sends, retrying only connect attempts that failed with nothing sent, until connectTimeoutMs. */
  private async send(
    route: { method: string; path: string; body?: string },
    token: string | undefined,
    opts: { mutating: boolean; name?: string; patienceMs?: number },
  ): Promise<Answer> {
    const deadline = performance.now() + (opts.patienceMs ?? this.connectTimeoutMs);
    let backoff = CALL_BACKOFF_MS.first;
    for (;;) {
      if (this.closed) throw new Unreachable('the client was closed');
      try {
        const answer = await this.attempt(route, token, deadline, opts);
        this.setCallsDown(false);
        return answer;
      } catch (err) {
        if (!(err instanceof NotConnected)) throw err;
        if (this.closed) throw new Unreachable('the client was closed');
        const left = deadline - performance.now();
        if (!err.retryable || left <= 0 || this.closed) {
          this.setCallsDown(true);
          throw new Unreachable(this.unreachableMessage(err), err.code);
        }
        this.setCallsDown(true);
        await this.pause(Math.min(backoff, left));
        backoff = Math.min(backoff * 2, CALL_BACKOFF_MS.max);
      }
    }
  }

  private unreachableMessage(err: NotConnected): string {
    if (err.code === 'EACCES') return `no permission to open ${this.where} (it is mode 0660: run as its owner or in its group)`;
    if (err.code === 'ETIMEDOUT') return `no daemon answered on ${this.where} within ${this.connectTimeoutMs} ms`;
    if (NOT_LISTENING.has(err.code)) return `no daemon answers on ${this.where} (${err.code}); is calypso serve running?`;
    return `cannot connect to ${this.where}: ${err.detail}`;
  }

  private attempt(
    route: { method: string; path: string; body?: string },
    token: string | undefined,
    deadline: number,
    opts: { mutating: boolean; name?: string },
  ): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { Accept: 'application/json', 'User-Agent': this.userAgent };
      if (token) headers.Authorization = `Bearer ${token}`;
      if (route.body !== undefined) {
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = Buffer.byteLength(route.body);
      }
      const req = this.transport.request({ ...this.target, method: route.method, path: route.path, headers, agent: false });
      this.track(req);
      /** The connection (TLS included) stands: from here on the request may reach the daemon. */
      let connected = false;
      let connectTimer: NodeJS.Timeout | undefined;
      const fail = (err: Error) => {
        clearTimeout(connectTimer);
        reject(err);
        req.destroy();
      };
      const lost = () => {
        if (this.closed) return fail(new Unreachable('the client was closed'));
        const what = opts.name ?? `${route.method} ${route.path.split('?')[0]}`;
        fail(
          new ConnectionLost(
            opts.mutating
              ? `the connection to the daemon broke after ${what} was sent: it may have run; check before repeating it`
              : `the connection to the daemon broke during ${what}`,
          ),
        );
      };
      req.on('socket', (socket: Socket) => {
        if (!socket.connecting) {
          connected = true;
          return;
        }
        // One attempt gets at least a second, even when the deadline is nearer.
        connectTimer = setTimeout(
          () => fail(new NotConnected('ETIMEDOUT', false, 'the connection was not made in time')),
          Math.max(1_000, deadline - performance.now()),
        );
        socket.once(this.transport === https ? 'secureConnect' : 'connect', () => {
          connected = true;
          clearTimeout(connectTimer);
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (connected) return lost();
        const code = err.code ?? 'ECONNREFUSED';
        fail(new NotConnected(code, NOT_LISTENING.has(code), err.message));
      });
      // Destroyed without an error (close()): settle all the same. After a complete answer this is a no-op.
      req.on('close', () => (connected ? lost() : fail(new NotConnected('ECONNRESET', false, 'the connection closed'))));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) return fail(new ApplianceError(`the daemon's answer is larger than ${MAX_ANSWER_BYTES} bytes`, 502));
          chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', () => undefined); // 'close' without 'end' reports it
        res.on('close', () => {
          if (!res.complete) lost();
        });
      });
      req.end(route.body);
    });
  }

  /** Counts a request as in flight until its socket is closed. */
  private track(req: http.ClientRequest): void {
    this.active.add(req);
    req.once('close', () => this.active.delete(req));
  }

  /** Waits (ref'd: a call in progress keeps the process alive); close() cuts it short. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const entry = { timer: setTimeout(() => done(), ms), wake: resolve };
      const done = () => {
        this.pauses.delete(entry);
        resolve();
      };
      this.pauses.add(entry);
    });
  }

  // ---- link state ----

  private setCallsDown(down: boolean): void {
    if (this.callsDown === down) return;
    this.callsDown = down;
    this.updateState();
  }

  private updateState(): void {
    const next: LinkState = this.closed || this.authClosed ? 'closed' : this.callsDown || this.streamDown ? 'reconnecting' : 'connected';
    if (next === this.currentState) return;
    this.currentState = next;
    for (const listener of [...this.stateListeners]) listener(next);
  }

  // ---- the event stream ----

  private streamWanted(): boolean {
    return !this.closed && !this.authClosed && this.tokens !== null && this.subscribers.size > 0;
  }

  /** The `types` the stream asks for: '' when some subscriber wants every type. */
  private streamKey(): string {
    const union = new Set<StreamEventType>();
    for (const s of this.subscribers.values()) {
      if (!s.types) return '';
      for (const t of s.types) union.add(t);
    }
    return [...union].sort().join(',');
  }

  /** Subscriptions made in one go (a screen's hooks) open one stream, not one each. */
  private queueReconcile(): void {
    if (this.reconcileQueued) return;
    this.reconcileQueued = true;
    queueMicrotask(() => this.reconcile());
  }

  /** Opens, reopens (another type set) or stops the stream to match the subscribers. */
  private reconcile(): void {
    this.reconcileQueued = false;
    if (!this.streamWanted()) {
      this.stopStream();
      this.wakeReadyWaiters();
      return;
    }
    const key = this.streamKey();
    if (this.stream?.key === key || this.streamRetry?.key === key) return;
    this.stopStream();
    this.openStream(key);
  }

  private stopStream(): void {
    if (this.streamRetry) clearTimeout(this.streamRetry.timer);
    this.streamRetry = null;
    const s = this.stream;
    this.stream = null;
    this.streamGen++;
    if (s) {
      if (s.watchdog) clearTimeout(s.watchdog);
      s.req.destroy();
    }
    if (this.streamDown) {
      this.streamDown = false;
      this.updateState();
    }
  }

  private openStream(key: string): void {
    const token = this.tokens!.accessToken;
    const gen = ++this.streamGen;
    const headers: http.OutgoingHttpHeaders = { Accept: 'text/event-stream', Authorization: `Bearer ${token}`, 'User-Agent': this.userAgent };
    if (this.lastEventId) headers['Last-Event-ID'] = this.lastEventId;
    const path = `${this.prefix}/events${key ? `?types=${encodeURIComponent(key)}` : ''}`;
    const req = this.transport.request({ ...this.target, method: 'GET', path, headers, agent: false });
    const stream: OpenStream = { gen, key, req, ready: false, watchdog: null, silenceMs: STREAM_SILENCE_MS };
    this.stream = stream;
    this.track(req);
    const current = () => this.stream?.gen === gen;
    this.watch(stream);
    req.on('error', () => {
      if (current()) this.streamDropped();
    });
    req.on('response', (res) => {
      if (!current()) return void res.resume();
      res.on('error', () => undefined); // 'close' follows
      if (res.statusCode !== 200) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (current()) this.streamRefused(errorOf({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }), token);
        });
        return;
      }
      const parser = new SseParser();
      res.on('data', (chunk: Buffer) => {
        if (!current()) return;
        this.watch(stream);
        let messages: SseMessage[];
        try {
          messages = parser.push(chunk);
        } catch {
          req.destroy();
          return;
        }
        for (const m of messages) {
          if (!current()) return;
          this.onStreamMessage(stream, m, token);
        }
      });
      res.on('close', () => {
        if (current()) this.streamDropped();
      });
    });
    req.end();
  }

  /** (Re)arms the stream's silence watchdog: no byte for this long means a dead connection. */
  private watch(stream: OpenStream): void {
    if (stream.watchdog) clearTimeout(stream.watchdog);
    stream.watchdog = setTimeout(() => stream.req.destroy(), stream.silenceMs);
    stream.watchdog.unref();
  }

  private onStreamMessage(stream: OpenStream, m: SseMessage, token: string): void {
    let data: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(m.data || '{}');
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) data = parsed as Record<string, unknown>;
    } catch {
      return; // not an event of this protocol
    }
    if (m.event === 'end') {
      // The daemon ended the stream (session ended, token expired): renew and come back.
      this.detachStream();
      this.keeper.renewAfterExpired(token).then(
        () => this.reconcile(),
        (err: unknown) => {
          if (err instanceof Unauthenticated) this.closeForAuth();
          else this.streamDropped();
        },
      );
      return;
    }
    if (m.event === 'ready') {
      // Its id is where the stream stands: the position sent (replay follows) or the daemon's latest.
      if (m.id !== null) this.moveTo(m.id);
      stream.ready = true;
      this.streamBackoffMs = STREAM_BACKOFF_MS.first;
      if (typeof data.heartbeatMs === 'number' && data.heartbeatMs > 0) stream.silenceMs = data.heartbeatMs * 2 + 5_000;
      this.watch(stream);
      this.streamDown = false;
      this.callsDown = false;
      this.updateState();
      this.wakeReadyWaiters();
      return;
    }
    if (m.event === 'reset') {
      if (m.id !== null) this.moveTo(m.id);
      const reason = typeof data.reason === 'string' ? data.reason : 'reset';
      for (const s of [...this.subscribers.values()]) guard(() => s.opts.onReset?.(reason));
      return;
    }
    if (!Object.hasOwn(STREAM_TYPES, m.event) || m.id === null || !this.isNew(m.id)) return;
    this.moveTo(m.id);
    const event: StreamEvent = { type: m.event as StreamEventType, id: m.id, data };
    for (const s of [...this.subscribers.values()]) {
      if (!s.types || s.types.has(event.type)) guard(() => s.opts.onEvent(event));
    }
  }

  /** Whether `id` comes after the resume position (the same daemon start, a higher number), or from another start. */
  private isNew(id: string): boolean {
    const m = EVENT_ID.exec(id);
    return !m || m[1] !== this.lastEpoch || Number(m[2]) > this.lastSeq;
  }

  private moveTo(id: string): void {
    const m = EVENT_ID.exec(id);
    this.lastEpoch = m ? m[1]! : null;
    this.lastSeq = m ? Number(m[2]) : 0;
    this.lastEventId = id;
  }

  /** Forgets the current stream without reconnecting (the caller decides what follows). */
  private detachStream(): void {
    const s = this.stream;
    if (!s) return;
    this.stream = null;
    this.streamGen++;
    if (s.watchdog) clearTimeout(s.watchdog);
    s.req.destroy();
  }

  /** The stream broke or could not be opened: reconnect after a backoff. */
  private streamDropped(): void {
    const key = this.stream?.key ?? this.streamKey();
    this.detachStream();
    if (!this.streamWanted()) return;
    this.streamDown = true;
    this.updateState();
    const delay = this.streamBackoffMs;
    this.streamBackoffMs = Math.min(this.streamBackoffMs * 2, STREAM_BACKOFF_MS.max);
    // Ref'd: following events is what a subscriber keeps the process for; close() clears it.
    const timer = setTimeout(() => {
      this.streamRetry = null;
      if (this.streamWanted()) this.openStream(this.streamKey());
    }, delay);
    this.streamRetry = { timer, key };
  }

  /** The daemon answered the stream request with an error. */
  private streamRefused(err: ServiceError, token: string): void {
    if (err instanceof Unauthenticated) {
      this.detachStream();
      if (/expired/i.test(err.message)) {
        this.keeper.renewAfterExpired(token).then(
          () => this.reconcile(),
          (e: unknown) => (e instanceof Unauthenticated ? this.closeForAuth() : this.streamDropped()),
        );
      } else this.closeForAuth();
      return;
    }
    if (err instanceof ValidationError && this.lastEventId) {
      // The resume position was refused: start afresh, and say that something may be missing.
      this.lastEventId = null;
      this.lastEpoch = null;
      for (const s of [...this.subscribers.values()]) guard(() => s.opts.onReset?.('unknown'));
    }
    this.streamDropped();
  }

  /** The daemon refuses this session on the stream (ended, user disabled): its tokens are dead; 'closed' until the next login. */
  private closeForAuth(): void {
    this.detachStream();
    this.keeper.forget();
    this.authClosed = true;
    this.streamDown = false;
    this.wakeReadyWaiters();
    this.updateState();
  }

  private wakeReadyWaiters(): void {
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w();
  }
}

/** A subscriber's exception must not stop the others or the stream; it is thrown on a later tick, never lost. */
function guard(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    setImmediate(() => {
      throw err;
    });
  }
}

function parseJson(answer: Answer): unknown {
  if (answer.body.length === 0) return undefined;
  try {
    return JSON.parse(answer.body.toString('utf8'));
  } catch {
    throw new ApplianceError(`the daemon answered ${answer.status} with a body that is not JSON`, 502);
  }
}

/** A problem+json answer (or any other failure status) as the error class every face shares. */
function errorOf(answer: Answer): ServiceError {
  let problem: { detail?: unknown; errors?: unknown } = {};
  if (/json/i.test(String(answer.headers['content-type'] ?? ''))) {
    try {
      const parsed: unknown = JSON.parse(answer.body.toString('utf8'));
      if (parsed && typeof parsed === 'object') problem = parsed as typeof problem;
    } catch {
      // no detail then
    }
  }
  const status = answer.status;
  const detail = typeof problem.detail === 'string' && problem.detail ? problem.detail : `the daemon answered HTTP ${status}`;
  const retryAfter = Number(answer.headers['retry-after']);
  return errorForStatus(status, detail, {
    errors: fieldErrors(problem.errors),
    retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : 1,
  });
}

function fieldErrors(errors: unknown): FieldError[] {
  if (!Array.isArray(errors)) return [];
  return errors
    .filter((e): e is FieldError => !!e && typeof e === 'object' && typeof (e as FieldError).path === 'string' && typeof (e as FieldError).message === 'string')
    .map((e) => ({ path: e.path, message: e.message }));
}
