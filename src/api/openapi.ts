import { z } from 'zod';
import { PUBLIC, callerInputSchema, type AnyOperation } from '../services/index.js';
import { EVENTS_OPENAPI } from './events-openapi.js';
import { LOG_STREAM_OPENAPI } from './log-stream-openapi.js';

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

export const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, '{$1}');

export function pathParams(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]);
}

type Json = Record<string, unknown>;

/** A value taken from a description's "e.g. X" (the example a person wrote), if any. */
function exampleInDescription(description: unknown): string | undefined {
  if (typeof description !== 'string') return undefined;
  const m = /e\.g\.\s+`?"?([^\s,;)`"]+)/.exec(description);
  return m ? m[1]!.replace(/[.:]$/, '') : undefined;
}

/** Plausible strings by `operation:field` where a schema says only "string" (first match wins). */
const EXAMPLE_STRINGS: [RegExp, string][] = [
  [/^storage\.pools\.[a-z-]+:name$|:pool$/i, 'tank'],
  [/^snapshots\.create:name$/i, 'daily-2026-01-31'],
  [/^snapshots\.[a-z]+:name$/i, 'tank/backups@daily-2026-01-31'],
  [/^iam\.users\.[a-z]+:name$|:username$/i, 'ops1'],
  [/^iam\.groups\.[a-z]+:name$|:group$/i, 'backup-operators'],
  [/^iam\.roles\.[a-z]+:name$|:roles?$/i, 'Operator'],
  [/^shares\.smb\.[a-z]+:name$/i, 'finance'],
  [/^storage\.disks\.[a-z-]+:name$|disk|device|:new$|:old$/i, 'sdb'],
  [/:target$/i, 'tank/restore'],
  [/:[a-z]*snapshot/i, 'tank/backups@daily-2026-01-31'],
  [/dataset|:name$/i, 'tank/backups'],
  [/password|secret/i, 'a-long-passphrase-42'],
  [/token/i, 'eyJhbGciOiJIUzI1NiJ9.example'],
  [/path$/i, '/tank/backups'],
  [/email/i, 'ops@example.com'],
  [/url/i, 'https://example.com/hook'],
  [/host|address/i, '192.0.2.10'],
  [/iqn/i, 'iqn.2026-01.com.example:backup'],
  [/confirm/i, 'tank/backups'],
  [/:tag$/i, 'keep'],
  [/until|since|at$|time$/i, '2026-01-31T12:00:00.000Z'],
  [/size|quota|reservation/i, '10G'],
];

/**
 * An example value for a JSON schema: its own examples or default, a const or the first enum
 * value, the "e.g." of its description, else a plausible value for its type and field name.
 * `all`: every property of objects (responses); otherwise the required ones (requests).
 */
export function exampleFor(root: unknown, all = false, context = ''): unknown {
  const defs = ((root as Json | undefined)?.$defs ?? {}) as Record<string, unknown>;
  return example(root, '', 0);

  function example(schema: unknown, field: string, depth: number): unknown {
    if (depth > 8 || !schema || typeof schema !== 'object') return undefined; // `false`: nothing fits
    let s = schema as Json;
    if (typeof s.$ref === 'string') s = (defs[s.$ref.replace(/^#\/\$defs\//, '')] ?? {}) as Json;
    if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
    if ('default' in s) return s.default;
    if ('const' in s) return s.const;
    if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
      if (Array.isArray(s[key])) {
        const options = (s[key] as Json[]).filter((o) => o.type !== 'null');
        if (options.length) return example(options[0], field, depth + 1);
      }
    }
    const type = Array.isArray(s.type) ? (s.type as string[]).find((t) => t !== 'null') : (s.type as string | undefined);
    switch (type) {
      case 'object': {
        const props = (s.properties ?? {}) as Record<string, unknown>;
        const required = new Set((s.required as string[] | undefined) ?? []);
        const names = Object.keys(props).filter((n) => all || required.has(n));
        return Object.fromEntries(names.map((n) => [n, example(props[n], n, depth + 1)]).filter(([, v]) => v !== undefined));
      }
      case 'array': {
        if (depth > 4 && !((s.minItems as number) > 0)) return []; // a recursive tree (vdevs): stop with an empty level
        if (Array.isArray(s.prefixItems)) return (s.prefixItems as unknown[]).map((p, i) => example(p, `${field}${i}`, depth + 1));
        const item = example(s.items, field.replace(/s$/, ''), depth + 1);
        return item === undefined ? [] : [item];
      }
      case 'integer':
      case 'number': {
        const min = typeof s.minimum === 'number' ? s.minimum : typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : undefined;
        const max = typeof s.maximum === 'number' ? s.maximum : undefined;
        if (/size|bytes|quota|reservation/i.test(field) && (min ?? 0) <= 10737418240) return 10737418240;
        const guess = /percent/i.test(field) ? 80 : /limit/i.test(field) ? 100 : /offset|count|^id$/i.test(field) ? 0 : 1;
        return Math.min(max ?? Infinity, Math.max(min ?? -Infinity, guess));
      }
      case 'boolean':
        return false;
      case 'string': {
        if (s.format === 'date-time') return '2026-01-31T12:00:00.000Z';
        if (s.format === 'email') return 'ops@example.com';
        if (s.format === 'uri' || s.format === 'url') return 'https://example.com/hook';
        const fromText = exampleInDescription(s.description);
        if (fromText) return fromText;
        const byName = EXAMPLE_STRINGS.find(([re]) => re.test(`${context}:${field}`))?.[1];
        const value = byName ?? 'example';
        const min = typeof s.minLength === 'number' ? s.minLength : 0;
        return value.length >= min ? value : value.padEnd(min, '-x');
      }
      default:
        return type === undefined ? null : undefined; // any value (z.unknown()): null is one
    }
  }
}

const PROBLEM_EXAMPLE = {
  type: 'https://calypso.invalid/problems/bad-request',
  title: 'Bad Request',
  status: 400,
  detail: 'disk: required: Disk, e.g. sdb or /dev/disk/by-id/wwn-0x5000...',
  instance: '/api/v1/sim/fault-disk',
  requestId: '6f1c0a4e-4d1b-4d7e-9d0a-1c2b3a4d5e6f',
  errors: [{ path: 'disk', message: 'required: Disk, e.g. sdb or /dev/disk/by-id/wwn-0x5000...' }],
};

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' }, example: PROBLEM_EXAMPLE } },
});

/** Routes that are not operations of the registry: probes, this document, the metrics scrape, the event stream. */
const OTHER_ROUTES: Record<string, Json> = {
  '/healthz': {
    get: {
      operationId: 'healthz',
      summary: 'Liveness: the process answers',
      tags: ['probes'],
      security: [],
      parameters: [],
      responses: {
        '200': {
          description: 'Alive',
          content: {
            'application/json': { schema: { type: 'object', properties: { status: { const: 'ok' } }, required: ['status'] }, example: { status: 'ok' } },
          },
        },
      },
    },
  },
  '/readyz': {
    get: {
      operationId: 'readyz',
      summary: 'Readiness: the database answers',
      tags: ['probes'],
      security: [],
      parameters: [],
      responses: {
        '200': {
          description: 'Ready',
          content: {
            'application/json': {
              schema: { type: 'object', properties: { status: { const: 'ready' }, database: { const: 'ok' } }, required: ['status', 'database'] },
              example: { status: 'ready', database: 'ok' },
            },
          },
        },
        '503': problemResponse('The database is unreachable'),
      },
    },
  },
  '/api/v1/openapi.json': {
    get: {
      operationId: 'openapi',
      summary: 'This document',
      tags: ['meta'],
      security: [],
      parameters: [],
      responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  },
  '/metrics': {
    get: {
      operationId: 'metrics.scrape',
      summary: 'Prometheus exposition of the current metrics',
      tags: ['monitoring'],
      description:
        'Never anonymous: send the scrape token (POST /api/v1/metrics/scrape-token) or an access token whose roles grant `metrics.read` as a Bearer token.',
      security: [{ bearerAuth: [] }],
      parameters: [],
      responses: {
        '200': {
          description: 'Prometheus text format 0.0.4',
          content: {
            'text/plain': {
              schema: { type: 'string' },
              example:
                '# HELP calypso_pool_capacity_ratio Pool capacity used (0-1)\n# TYPE calypso_pool_capacity_ratio gauge\ncalypso_pool_capacity_ratio{pool="tank"} 0.42\n',
            },
          },
        },
        '401': problemResponse('No or an unknown token'),
        '403': problemResponse('A user token without metrics.read'),
      },
    },
  },
  '/api/v1/events': EVENTS_OPENAPI as unknown as Json,
  '/api/v1/appliance/logs/stream': LOG_STREAM_OPENAPI as unknown as Json,
  '/api/v1/appliance/support-bundle.tar.gz': {
    get: {
      operationId: 'appliance.support.bundle.download',
      summary: 'Download a support bundle as a file (the archive of appliance.support.bundle)',
      description:
        'Versions, the settings with every secret redacted, recent logs and the status commands, as one tar.gz with a file name (`curl -OJ` saves it). Needs appliance.configuration (Admin); audited as appliance.support.bundle.',
      tags: ['appliance'],
      security: [{ bearerAuth: [] }],
      parameters: [],
      responses: {
        '200': {
          description: 'The archive',
          headers: { 'X-Content-SHA256': { description: 'SHA-256 of the archive', schema: { type: 'string' } } },
          content: { 'application/gzip': { schema: { type: 'string', format: 'binary' } } },
        },
        '401': problemResponse('No or an unknown token'),
        '403': problemResponse('A caller without appliance.configuration'),
      },
    },
  },
  '/api/v1/appliance/terminal/ws': {
    get: {
      operationId: 'appliance.terminal.websocket',
      summary: 'Open the WebSocket terminal (HTTP Upgrade) with a one-time ticket',
      description:
        'Off unless the daemon runs with --terminal-websocket yes. Take a ticket with POST /api/v1/appliance/terminal/tickets (Admin, audited; valid 30 s, used once), then upgrade this URL with it: the bearer token never goes in a URL. Messages are JSON: {"type":"input","data":...}, {"type":"resize","cols":...,"rows":...} from the client; {"type":"output","data":...} and {"type":"exit","exitCode":...} from the appliance. Closed with code 4000 after the idle time.',
      tags: ['appliance'],
      security: [],
      parameters: [{ name: 'ticket', in: 'query', required: true, description: 'The one-time ticket', schema: { type: 'string', maxLength: 128 } }],
      responses: {
        '101': { description: 'Switching protocols: the terminal is open' },
        '401': problemResponse('No ticket, or a used, expired or unknown one'),
        '409': problemResponse('The WebSocket terminal is off on this appliance, or as many are open as it allows'),
      },
    },
  },
};

/** OpenAPI 3.1 from the operation registry: every route, its schemas and its security. */
export function buildOpenApi(ops: AnyOperation[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of ops) {
    if (!op.http) continue;
    const params = pathParams(op.http.path);
    const input = jsonSchema(callerInputSchema(op), 'input') as { properties?: Record<string, unknown>; required?: string[] };
    const props = input.properties ?? {};
    const required = new Set(input.required ?? []);
    const inQuery = op.http.method === 'GET';
    const parameters = [
      ...params.map((name) => ({ name, in: 'path', required: true, schema: props[name] ?? { type: 'string' } })),
      ...(inQuery
        ? Object.entries(props)
            .filter(([name]) => !params.includes(name))
            .map(([name, schema]) => ({
              name,
              in: 'query',
              required: required.has(name),
              schema,
              description: (schema as { description?: string }).description,
            }))
        : []),
    ];
    const bodyProps = Object.fromEntries(Object.entries(props).filter(([name]) => !params.includes(name)));
    const outputSchema = jsonSchema(op.output, 'output');
    const operation: Record<string, unknown> = {
      operationId: op.name,
      summary: op.summary,
      description: [
        op.description,
        op.dangerous ? 'Dangerous: send `confirm` equal to the object name.' : '',
        op.permission === PUBLIC ? '' : `Needs permission \`${op.permission}\`.`,
      ]
        .filter(Boolean)
        .join('\n\n'),
      tags: [op.name.split('.')[0]],
      'x-permission': op.permission,
      'x-mutating': op.mutating,
      'x-dangerous': Boolean(op.dangerous),
      security: op.permission === PUBLIC ? [] : [{ bearerAuth: [] }],
      parameters,
      responses: {
        '200': {
          description: 'Success',
          content: { 'application/json': { schema: outputSchema, ...(op.http.method === 'GET' ? { example: exampleFor(outputSchema, true, op.name) } : {}) } },
        },
        default: problemResponse('Error: application/problem+json; `detail` names each field and what it takes, `errors[]` lists them'),
      },
    };
    if (!inQuery && Object.keys(bodyProps).length) {
      const bodySchema = { ...input, properties: bodyProps, required: [...required].filter((r) => !params.includes(r)) };
      operation.requestBody = {
        required: [...required].some((r) => !params.includes(r)),
        content: { 'application/json': { schema: bodySchema, example: exampleFor(bodySchema, false, op.name) } },
      };
    }
    const key = `/api/v1${toOpenApiPath(op.http.path)}`;
    paths[key] ??= {};
    paths[key][op.http.method.toLowerCase()] = operation;
  }
  for (const [path, item] of Object.entries(OTHER_ROUTES)) paths[path] = { ...item, ...paths[path] };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Calypso appliance API',
      version,
      description:
        'Generated from the operation registry. Errors are application/problem+json. Every input object is strict: a field an operation does not take is a 400 naming it.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            requestId: { type: 'string' },
            errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
      },
    },
    paths,
  };
}
