/**
 * GET /api/v1/events: Server-Sent Events from the in-process bus (alert changes, job
 * progress, metric samples, audit entries, storage changes), each type only to callers whose
 * permissions cover it. Authenticated by the Bearer header, or `?access_token=` for browser
 * EventSource clients that cannot set headers. The token is re-checked at every heartbeat:
 * a logout, a disabled user or an expired token ends the stream (the client reconnects
 * with a fresh token).
 *
 * Every bus event carries the bus's id (`<epoch>-<seq>`). A client that reconnects with
 * `Last-Event-ID` first gets the events it missed, from the bus's bounded replay buffer and
 * through the same visibility rule as the live events, then the live stream; when the buffer no
 * longer holds them all (too old, or the id is from an earlier start) it gets `reset` first:
 * reload your state. Never a silent gap.
 */
import { Unauthenticated, ValidationError, mayReceive, type Calypso, type CalypsoEvent, type UserActor } from '../services/index.js';
import { EVENT_ID_PATTERN } from '../services/core/events.js';
import { EVENT_TYPES } from './events-openapi.js';
import { API_PREFIX, bearerToken, type RouteMount } from './server.js';

export interface EventsOptions {
  /** Comment line sent this often so proxies keep the connection; also when the token is re-checked. */
  heartbeatMs?: number;
  /** A client that falls this far behind is disconnected rather than buffered without bound. */
  maxBufferedBytes?: number;
}

export { EVENT_TYPES };

export function eventsMount(app: Calypso, opts: EventsOptions = {}): RouteMount {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const maxBuffered = opts.maxBufferedBytes ?? 4 * 1024 * 1024;
  return (router) => {
    router.get(`${API_PREFIX}/events`, async (ctx) => {
      const queryToken = typeof ctx.query.access_token === 'string' ? ctx.query.access_token : null;
      const token = bearerToken(ctx) ?? queryToken;
      if (!token) throw new Unauthenticated('the event stream needs a Bearer token (or ?access_token=)');
      let actor: UserActor = await app.auth.authenticate(token);
      const requested =
        typeof ctx.query.types === 'string'
          ? ctx.query.types
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean)
          : EVENT_TYPES;
      const unknown = requested.filter((t) => !EVENT_TYPES.includes(t as CalypsoEvent['type']));
      if (unknown.length)
        throw new ValidationError(`unknown event types ${unknown.join(', ')}`, [{ path: 'types', message: `some of ${EVENT_TYPES.join(', ')}` }]);
      const types = requested as CalypsoEvent['type'][];
      const lastEventId = ctx.get('Last-Event-ID');
      if (lastEventId && !EVENT_ID_PATTERN.test(lastEventId)) {
        throw new ValidationError('Last-Event-ID is not an event id of this service', [
          { path: 'Last-Event-ID', message: 'an id this stream sent, <epoch>-<seq>' },
        ]);
      }
      // The one rule for what this caller gets, live or replayed: a type it asked for and may see.
      const visible = (e: CalypsoEvent) => types.includes(e.type) && mayReceive(actor, e);

      // The stream is written by hand: Koa would pipe a body stream and report every client
      // disconnect as an error.
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

      let closed = false;
      let unsubscribe = () => {};
      let heartbeat: NodeJS.Timeout | undefined;
      // A stopping daemon ends its streams at once (the client reconnects and resumes, or is told to reload).
      let offShutdown = () => {};
      const close = () => {
        if (closed) return;
        closed = true;
        offShutdown();
        unsubscribe();
        clearInterval(heartbeat);
        res.end();
      };
      /** `id` null: an event of the stream itself (`end`), which moves no resume position. */
      const send = (id: string | null, event: string, data: unknown) => {
        if (closed) return;
        if (res.writableLength > maxBuffered) return close();
        res.write(`${id === null ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const deliver = (e: CalypsoEvent, id: string) => {
        if (!visible(e)) return;
        const { type, ...payload } = e;
        send(id, type, payload);
      };
      res.write(`retry: 5000\n: connected as ${actor.username}\n\n`);
      // Replay and subscription happen in one synchronous step: no event can fall between them.
      const replay = lastEventId ? app.events.since(lastEventId) : null;
      if (replay && !replay.ok) send(app.events.lastId(), 'reset', { reason: replay.reason, lastEventId });
      const readyId = replay?.ok ? lastEventId : app.events.lastId();
      send(readyId, 'ready', { types: types.filter((t) => mayReceive(actor, { type: t } as CalypsoEvent)), heartbeatMs });
      // A replay larger than the client can take closes the stream like a slow live client:
      // it resumes from the last event it got.
      if (replay?.ok) for (const n of replay.events) deliver(n.event, n.id);
      if (closed) return;
      unsubscribe = app.events.subscribe(deliver); // deliver applies `visible`, the type filter included
      heartbeat = setInterval(() => {
        app.auth.authenticate(token).then(
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
      offShutdown = app.events.onShutdown(close);
      ctx.req.on('close', close);
      res.on('close', close);
      res.on('error', close);
    });
  };
}
