import { SSE_ACCESS_TOKEN_PARAMETER } from './events-openapi.js';

/** The log stream's OpenAPI description, apart from the route (no import cycle with src/api/openapi.ts). */
export const LOG_STREAM_OPENAPI = {
  get: {
    operationId: 'appliance.logs.stream',
    summary: "Follow a log (Server-Sent Events): new lines of Calypso's own log or of the system journal",
    description: [
      'A `text/event-stream` of new log lines as they are written, with the filters of the paged reads (GET /api/v1/appliance/logs/calypso and /journal). Needs appliance.logs.',
      'Authenticated, kept alive (a comment line at every heartbeat, when the token is checked again) and ended with `end` exactly like GET /api/v1/events.',
      'Events: `ready` (where following starts; its id is that position), `line` (data: a line as the paged read gives it), `truncated` (the Calypso log shrank, truncated or rotated: following goes on from its start),',
      '`reset` (the journal no longer holds the entry to resume after: following goes on from its end), `unavailable` (no such log on this machine; the stream ends), `error` (reading failed; the stream ends).',
      "Every `line` has an id: for `source=calypso` the byte offset after the line, for `source=journal` the entry's journal cursor. Reconnecting with `Last-Event-ID` (EventSource sends it) resumes right after that line: nothing lost, nothing repeated.",
      'The log is polled about once a second. A user may follow at most 4 logs at once (429 beyond). Unknown parameters, and a filter of the other source, are refused with 400.',
    ].join(' '),
    tags: ['appliance'],
    security: [{ bearerAuth: [] }],
    parameters: [
      {
        name: 'source',
        in: 'query',
        required: true,
        description: "calypso (Calypso's own log) or journal (the system journal)",
        schema: { type: 'string', enum: ['calypso', 'journal'] },
      },
      {
        name: 'after',
        in: 'query',
        required: false,
        description: 'calypso: follow from this byte offset (default: the end of the log)',
        schema: { type: 'integer', minimum: 0 },
      },
      {
        name: 'level',
        in: 'query',
        required: false,
        description: 'calypso: only lines at this level or above',
        schema: { type: 'string', enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] },
      },
      { name: 'unit', in: 'query', required: false, description: 'journal: only this service', schema: { type: 'string', maxLength: 64 } },
      {
        name: 'priority',
        in: 'query',
        required: false,
        description: 'journal: only entries at this priority or more urgent (0-7)',
        schema: { type: 'integer', minimum: 0, maximum: 7 },
      },
      {
        name: 'text',
        in: 'query',
        required: false,
        description: 'Only lines containing this text (case-insensitive, taken literally)',
        schema: { type: 'string', maxLength: 200 },
      },
      SSE_ACCESS_TOKEN_PARAMETER,
      {
        name: 'Last-Event-ID',
        in: 'header',
        required: false,
        description: 'The id of the last line received: resume right after it',
        schema: { type: 'string', maxLength: 400 },
      },
    ],
    responses: {
      '200': {
        description: 'The stream; each event has `event`, `data` (JSON) and, but for notices, `id`',
        content: {
          'text/event-stream': {
            schema: { type: 'string' },
            example:
              'retry: 5000\n: connected as admin\n\nid: 1048576\nevent: ready\ndata: {"source":"calypso","file":"/var/lib/calypso/calypso.log"}\n\nid: 1048702\nevent: line\ndata: {"offset":1048576,"at":"2026-11-30T08:00:01.000Z","level":"warn","message":"probe failed","detail":""}\n\n',
          },
        },
      },
      default: {
        description: 'Error: 401 without a valid token, 403 without appliance.logs, 400 for a bad query or Last-Event-ID, 429 with too many streams open',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      },
    },
  },
} as const;
