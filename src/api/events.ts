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
export const EVENT_TYPES: readonly CalypsoEvent['type'][] = TYPES;

/** The stream's OpenAPI description (src/api/openapi.ts adds it under /api/v1/events). */
export const EVENTS_OPENAPI = {
  get: {
    operationId: 'events.stream',
    summary: 'Follow events (Server-Sent Events)',
    description: [
      'A `text/event-stream` of what happens on the appliance, each event type only to callers whose permissions cover it:',
      '`alert` (alerts.read), `job` (jobs.read), `metric` (metrics.read), `audit` (audit.read), `storage` (storage.read).',
      'The first event is `ready` with the types the caller receives; a comment line is sent at every heartbeat, when the token is checked again:',
      'a logout, a disabled user or an expired token ends the stream with an `end` event (reconnect with a fresh token).',
      'Authenticate with the Bearer header, or `?access_token=` for EventSource clients that cannot set headers.',
    ].join(' '),
    tags: ['events'],
    security: [{ bearerAuth: [] }],
    parameters: [
      { name: 'types', in: 'query', required: false, description: `Comma-separated event types (default all): ${TYPES.join(', ')}`, schema: { type: 'string', maxLength: 200 }, example: 'alert,job' },
      { name: 'access_token', in: 'query', required: false, description: 'Access token, for clients that cannot send an Authorization header', schema: { type: 'string', maxLength: 4096 } },
    ],
    responses: {
      '200': {
        description: 'The event stream; each event has `id`, `event` (its type) and `data` (JSON)',
        content: {
          'text/event-stream': {
            schema: { type: 'string' },
            example: 'retry: 5000\n: connected as admin\n\nid: 1\nevent: ready\ndata: {"types":["alert","job"],"heartbeatMs":15000}\n\nid: 2\nevent: job\ndata: {"job":{"id":7,"type":"storage.scrub","state":"running","progress":42}}\n\n',
          },
        },
      },
      default: { description: 'Error (401 without a valid token, 400 for an unknown type)', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
    },
  },
} as const;

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
