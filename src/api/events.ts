/**
 * GET /api/v1/events: Server-Sent Events from the in-process bus (alert changes, job
 * progress, metric samples, audit entries, storage changes), each type only to callers whose
 * permissions cover it. Authenticated by the Bearer header, or `?access_token=` for browser
 * EventSource clients that cannot set headers. The token is re-checked at every heartbeat:
 * a logout, a disabled user or an expired token ends the stream (the client reconnects
 * with a fresh token).
 */
import { Unauthenticated, ValidationError, mayReceive, type Calypso, type CalypsoEvent, type UserActor } from '../services/index.js';
import { API_PREFIX, bearerToken, type RouteMount } from './server.js';

export interface EventsOptions {
  /** Comment line sent this often so proxies keep the connection; also when the token is re-checked. */
  heartbeatMs?: number;
  /** A client that falls this far behind is disconnected rather than buffered without bound. */
  maxBufferedBytes?: number;
}

const TYPES: CalypsoEvent['type'][] = ['alert', 'job', 'metric', 'audit', 'storage'];

export function eventsMount(app: Calypso, opts: EventsOptions = {}): RouteMount {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const maxBuffered = opts.maxBufferedBytes ?? 4 * 1024 * 1024;
  return (router) => {
    router.get(`${API_PREFIX}/events`, async (ctx) => {
      const queryToken = typeof ctx.query.access_token === 'string' ? ctx.query.access_token : null;
      const token = bearerToken(ctx) ?? queryToken;
      if (!token) throw new Unauthenticated('the event stream needs a Bearer token (or ?access_token=)');
      let actor: UserActor = await app.auth.authenticate(token);
      const requested = typeof ctx.query.types === 'string' ? ctx.query.types.split(',').map((t) => t.trim()).filter(Boolean) : TYPES;
      const unknown = requested.filter((t) => !TYPES.includes(t as CalypsoEvent['type']));
      if (unknown.length) throw new ValidationError(`unknown event types ${unknown.join(', ')}`, [{ path: 'types', message: `some of ${TYPES.join(', ')}` }]);
      const types = requested as CalypsoEvent['type'][];

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

      let seq = 0;
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        clearInterval(heartbeat);
        res.end();
      };
      const send = (event: string, data: unknown) => {
        if (closed) return;
        if (res.writableLength > maxBuffered) return close();
        res.write(`id: ${++seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const unsubscribe = app.events.subscribe((e) => {
        if (!mayReceive(actor, e)) return;
        const { type, ...payload } = e;
        send(type, payload);
      }, types);
      const heartbeat = setInterval(() => {
        app.auth.authenticate(token).then(
          (fresh) => {
            actor = fresh;
            if (!closed) res.write(`: heartbeat ${new Date().toISOString()}\n\n`);
          },
          (err) => {
            send('end', { reason: err instanceof Unauthenticated ? err.message : 'session ended' });
            close();
          },
        );
      }, heartbeatMs);
      heartbeat.unref();
      ctx.req.on('close', close);
      res.on('close', close);
      res.on('error', close);
      res.write(`retry: 5000\n: connected as ${actor.username}\n\n`);
      send('ready', { types: types.filter((t) => mayReceive(actor, { type: t } as CalypsoEvent)), heartbeatMs });
    });
  };
}
