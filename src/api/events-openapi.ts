/**
 * The event stream's type list and OpenAPI description, apart from the route so that
 * src/api/openapi.ts can import them without an import cycle (events -> server -> openapi).
 */
import { EVENT_ID_PATTERN, REPLAY_CAPACITY, REPLAY_MAX_AGE_MS, type CalypsoEvent } from '../services/core/events.js';

/** `?access_token=` of every Server-Sent Events route (src/api/sse.ts reads it): EventSource clients cannot set headers. */
export const SSE_ACCESS_TOKEN_PARAMETER = {
  name: 'access_token',
  in: 'query',
  required: false,
  description: 'Access token, for clients that cannot send an Authorization header',
  schema: { type: 'string', maxLength: 4096 },
} as const;

export const EVENT_TYPES: readonly CalypsoEvent['type'][] = ['alert', 'job', 'metric', 'audit', 'storage'];

/** The stream's OpenAPI description (src/api/openapi.ts adds it under /api/v1/events). */
export const EVENTS_OPENAPI = {
  get: {
    operationId: 'events.stream',
    summary: 'Follow events (Server-Sent Events)',
    description: [
      'A `text/event-stream` of what happens on the appliance, each event type only to callers whose permissions cover it:',
      '`alert` (alerts.read), `job` (jobs.read), `metric` (metrics.read), `audit` (audit.read), `storage` (storage.read).',
      'The first event is `ready` with the types the caller receives (preceded by `reset` when a resume is not possible, see below); a comment line is sent at every heartbeat, when the token is checked again:',
      'a logout, a disabled user or an expired token ends the stream with an `end` event (reconnect with a fresh token).',
      'Authenticate with the Bearer header, or `?access_token=` for EventSource clients that cannot set headers.',
      'Every event from the bus has an `id` of the form `<epoch>-<seq>`: `epoch` names this start of the service, `seq` counts up from 1.',
      "The `ready` event's id is the position the stream starts from, so a client that reconnects before any other event still resumes exactly.",
      `A client that reconnects with the \`Last-Event-ID\` header (EventSource sends it by itself) first receives the events it missed, in order, that it may see and asked for, from a replay buffer of the last ${REPLAY_CAPACITY} events and at most ${REPLAY_MAX_AGE_MS / 60_000} minutes; then the live stream.`,
      'When the buffer no longer holds every event after that id (too old), or the id is from an earlier start of the service, the stream first sends a `reset` event (`data.reason`: `too-old`, `restarted` or `unknown`): the client must reload its state (alerts, jobs), then follows the live stream; events are never skipped silently.',
      'A `Last-Event-ID` that is not of that form is refused with 400.',
    ].join(' '),
    tags: ['events'],
    security: [{ bearerAuth: [] }],
    parameters: [
      {
        name: 'types',
        in: 'query',
        required: false,
        description: `Comma-separated event types (default all): ${EVENT_TYPES.join(', ')}`,
        schema: { type: 'string', maxLength: 200 },
        example: 'alert,job',
      },
      SSE_ACCESS_TOKEN_PARAMETER,
      {
        name: 'Last-Event-ID',
        in: 'header',
        required: false,
        description: 'The id of the last event received: resume after it (replay, or `reset` when it cannot be replayed)',
        schema: { type: 'string', maxLength: 48, pattern: EVENT_ID_PATTERN.source },
        example: 'mdx1k2ab12cd-42',
      },
    ],
    responses: {
      '200': {
        description: 'The event stream; each event has `id`, `event` (its type) and `data` (JSON)',
        content: {
          'text/event-stream': {
            schema: { type: 'string' },
            example:
              'retry: 5000\n: connected as admin\n\nid: mdx1k2ab12cd-41\nevent: ready\ndata: {"types":["alert","job"],"heartbeatMs":15000}\n\nid: mdx1k2ab12cd-42\nevent: job\ndata: {"job":{"id":7,"type":"storage.scrub","state":"running","progress":42}}\n\n',
          },
        },
      },
      default: {
        description: 'Error (401 without a valid token, 400 for an unknown type or a malformed Last-Event-ID)',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      },
    },
  },
} as const;
