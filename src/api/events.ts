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
import { ValidationError, mayReceive, type Calypso, type CalypsoEvent } from '../services/index.js';
import { EVENT_ID_PATTERN } from '../services/core/events.js';
import { EVENT_TYPES } from './events-openapi.js';
import { API_PREFIX, type RouteMount } from './server.js';
import { openSse, sseActor, type SseOptions } from './sse.js';

export type EventsOptions = SseOptions;

export { EVENT_TYPES };

export function eventsMount(app: Calypso, opts: EventsOptions = {}): RouteMount {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  return (router) => {
    router.get(`${API_PREFIX}/events`, async (ctx) => {
      const auth = await sseActor(app, ctx, 'the event stream');
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
      const visible = (e: CalypsoEvent) => types.includes(e.type) && mayReceive(stream.actor(), e);
      const stream = openSse(app, ctx, auth, opts);
      const { send } = stream;
      const deliver = (e: CalypsoEvent, id: string) => {
        if (!visible(e)) return;
        const { type, ...payload } = e;
        send(id, type, payload);
      };
      // Replay and subscription happen in one synchronous step: no event can fall between them.
      const replay = lastEventId ? app.events.since(lastEventId) : null;
      if (replay && !replay.ok) send(app.events.lastId(), 'reset', { reason: replay.reason, lastEventId });
      const readyId = replay?.ok ? lastEventId : app.events.lastId();
      send(readyId, 'ready', { types: types.filter((t) => mayReceive(auth.actor, { type: t } as CalypsoEvent)), heartbeatMs });
      // A replay larger than the client can take closes the stream like a slow live client:
      // it resumes from the last event it got.
      if (replay?.ok) for (const n of replay.events) deliver(n.event, n.id);
      if (stream.closed) return;
      stream.onClose(app.events.subscribe(deliver)); // deliver applies `visible`, the type filter included
    });
  };
}
