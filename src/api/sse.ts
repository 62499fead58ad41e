/**
 * The one way this API writes a Server-Sent Events stream (the event bus at /api/v1/events, the
 * log streams at /api/v1/appliance/logs/stream): authenticated by the Bearer header or
 * `?access_token=` (browser EventSource clients cannot set headers), the token re-checked at every
 * heartbeat (a logout, a disabled user or an expired token ends the stream with `end`), a client
 * that falls too far behind disconnected rather than buffered without bound, and every stream
 * ended when the daemon stops.
 */
import type { Context } from 'koa';
import { Unauthenticated, type Calypso, type UserActor } from '../services/index.js';
import { bearerToken } from './server.js';

export interface SseOptions {
  /** Comment line sent this often so proxies keep the connection; also when the token is re-checked. */
  heartbeatMs?: number;
  /** A client that falls this far behind is disconnected rather than buffered without bound. */
  maxBufferedBytes?: number;
}

/** The caller's token and who it is now; refused (401) without a valid token. */
export async function sseActor(app: Calypso, ctx: Context, what: string): Promise<{ token: string; actor: UserActor }> {
  const queryToken = typeof ctx.query.access_token === 'string' ? ctx.query.access_token : null;
  const token = bearerToken(ctx) ?? queryToken;
  if (!token) throw new Unauthenticated(`${what} needs a Bearer token (or ?access_token=)`);
  return { token, actor: await app.auth.authenticate(token) };
}

export interface SseStream {
  /** `id` null: an event of the stream itself, which moves no resume position. */
  send(id: string | null, event: string, data: unknown): void;
  close(): void;
  readonly closed: boolean;
  /** Called once when the stream ends, for whatever reason. */
  onClose(fn: () => void): void;
  /** Who the caller is, as of the last heartbeat. */
  actor(): UserActor;
}

/** Takes over the response (Koa would report every client disconnect as an error) and opens the stream. */
export function openSse(app: Calypso, ctx: Context, auth: { token: string; actor: UserActor }, opts: SseOptions = {}): SseStream {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const maxBuffered = opts.maxBufferedBytes ?? 4 * 1024 * 1024;
  ctx.respond = false;
  ctx.req.socket.setTimeout(0);
  ctx.req.socket.setNoDelay(true);
  ctx.req.socket.setKeepAlive(true);
  const res = ctx.res;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  let actor = auth.actor;
  let closed = false;
  const closers: (() => void)[] = [];
  let heartbeat: NodeJS.Timeout | undefined;
  let offShutdown = () => {};
  const close = () => {
    if (closed) return;
    closed = true;
    offShutdown();
    clearInterval(heartbeat);
    for (const fn of closers.splice(0)) fn();
    res.end();
  };
  const send = (id: string | null, event: string, data: unknown) => {
    if (closed) return;
    if (res.writableLength > maxBuffered) return close();
    res.write(`${id === null ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  res.write(`retry: 5000\n: connected as ${actor.username}\n\n`);
  heartbeat = setInterval(() => {
    app.auth.authenticate(auth.token).then(
      (fresh) => {
        actor = fresh;
        if (!closed) res.write(`: heartbeat ${new Date().toISOString()}\n\n`);
      },
      (err) => {
        send(null, 'end', { reason: err instanceof Unauthenticated ? err.message : 'session ended' });
        close();
      },
    );
  }, heartbeatMs);
  heartbeat.unref();
  // A stopping daemon ends its streams at once (the client reconnects and resumes, or is told to reload).
  offShutdown = app.events.onShutdown(close);
  ctx.req.on('close', close);
  res.on('close', close);
  res.on('error', close);
  return {
    send,
    close,
    get closed() {
      return closed;
    },
    onClose: (fn) => {
      if (closed) fn();
      else closers.push(fn);
    },
    actor: () => actor,
  };
}
