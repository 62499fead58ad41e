import { z } from 'zod';
import { PUBLIC, callerInputSchema, type AnyOperation } from '../services/index.js';

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

export const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, '{$1}');

export function pathParams(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]);
}

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
            .map(([name, schema]) => ({ name, in: 'query', required: required.has(name), schema, description: (schema as { description?: string }).description }))
        : []),
    ];
    const bodyProps = Object.fromEntries(Object.entries(props).filter(([name]) => !params.includes(name)));
    const operation: Record<string, unknown> = {
      operationId: op.name,
      summary: op.summary,
      description: [op.description, op.dangerous ? 'Dangerous: send `confirm` equal to the object name.' : '', op.permission === PUBLIC ? '' : `Needs permission \`${op.permission}\`.`].filter(Boolean).join('\n\n'),
      tags: [op.name.split('.')[0]],
      'x-permission': op.permission,
      'x-mutating': op.mutating,
      'x-dangerous': Boolean(op.dangerous),
      security: op.permission === PUBLIC ? [] : [{ bearerAuth: [] }],
      parameters,
      responses: {
        '200': { description: 'Success', content: { 'application/json': { schema: jsonSchema(op.output, 'output') } } },
        default: { description: 'Error', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
      },
    };
    if (!inQuery && Object.keys(bodyProps).length) {
      operation.requestBody = {
        required: [...required].some((r) => !params.includes(r)),
        content: { 'application/json': { schema: { ...input, properties: bodyProps, required: [...required].filter((r) => !params.includes(r)) } } },
      };
    }
    const key = `/api/v1${toOpenApiPath(op.http.path)}`;
    paths[key] ??= {};
    paths[key][op.http.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Calypso appliance API', version, description: 'Generated from the operation registry. Errors are application/problem+json.' },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail'],
          properties: {
            type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' },
            instance: { type: 'string' }, requestId: { type: 'string' },
            errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
      },
    },
    paths,
  };
}
