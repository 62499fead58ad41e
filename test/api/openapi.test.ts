import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

test('the OpenAPI document lists every route of the registry with its security', async () => {
  const res = await t.http.get('/api/v1/openapi.json');
  expect(res.status).toBe(200);
  expect(res.body.openapi).toBe('3.1.0');
  const routed = t.app.registry.all().filter((op) => op.http && (!op.onlyOnHost || op.onlyOnHost === t.app.host.kind));
  expect(routed.length).toBeGreaterThan(20);
  for (const op of routed) {
    const path = `/api/v1${op.http!.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`;
    const doc = res.body.paths[path]?.[op.http!.method.toLowerCase()];
    expect({ op: op.name, found: Boolean(doc) }).toEqual({ op: op.name, found: true });
    expect(doc.operationId).toBe(op.name);
    expect(doc['x-permission']).toBe(op.permission);
    expect(doc.security).toEqual(op.permission === 'public' ? [] : [{ bearerAuth: [] }]);
  }
});

/** Every route the Koa router serves, as "METHOD /path" in OpenAPI form. */
function servedRoutes(koa: TestApp['koa']): string[] {
  const routers = koa.middleware.map((m) => (m as unknown as { router?: { stack: { path: string; methods: string[] }[] } }).router).filter(Boolean);
  expect(routers.length).toBeGreaterThan(0);
  const out = new Set<string>();
  for (const r of routers) {
    for (const layer of r!.stack) {
      for (const m of layer.methods) if (m !== 'HEAD') out.add(`${m} ${layer.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`);
    }
  }
  return [...out].sort();
}

test('every HTTP route the server answers is in the document: operations, the event stream, /metrics, the probes', async () => {
  const res = await t.http.get('/api/v1/openapi.json');
  const served = servedRoutes(t.koa);
  expect(served).toEqual(expect.arrayContaining(['GET /api/v1/events', 'GET /metrics', 'GET /healthz', 'GET /readyz', 'GET /api/v1/openapi.json']));
  const missing = served.filter((r) => {
    const [method, path] = r.split(' ');
    return !res.body.paths[path!]?.[method!.toLowerCase()];
  });
  expect(missing).toEqual([]);
  const events = res.body.paths['/api/v1/events'].get;
  expect(events.responses['200'].content['text/event-stream']).toBeDefined();
  expect(events.parameters.map((p: { name: string }) => p.name)).toEqual(['types', 'access_token', 'Last-Event-ID']);
  const { EVENT_TYPES } = await import('../../src/api/events.js');
  for (const type of EVENT_TYPES) expect(events.description).toContain(`\`${type}\``);
  expect(res.body.paths['/metrics'].get.security).toEqual([{ bearerAuth: [] }]);
  expect(res.body.paths['/healthz'].get.security).toEqual([]);
});

test('examples: every request body has one the operation accepts, every read a response example its schema accepts', async () => {
  const { callerInputSchema } = await import('../../src/services/index.js');
  const res = await t.http.get('/api/v1/openapi.json');
  const routed = t.app.registry.all().filter((op) => op.http && (!op.onlyOnHost || op.onlyOnHost === t.app.host.kind));
  const problems: string[] = [];
  let bodies = 0;
  let reads = 0;
  for (const op of routed) {
    const doc = res.body.paths[`/api/v1${op.http!.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`][op.http!.method.toLowerCase()];
    const body = doc.requestBody?.content['application/json'];
    if (body) {
      bodies++;
      if (!body.example || typeof body.example !== 'object') problems.push(`${op.name}: no request example`);
      else {
        // Path parameters are not in the body: check the example with them filled in from the schema's own example.
        const params = Object.fromEntries(doc.parameters.filter((p: { in: string }) => p.in === 'path').map((p: { name: string }) => [p.name, undefined]));
        const parsed = callerInputSchema(op).safeParse({ ...body.example, ...params });
        const wrong = parsed.success ? [] : parsed.error.issues.filter((i) => !(i.path.length === 1 && String(i.path[0]) in params));
        if (wrong.length)
          problems.push(`${op.name}: example ${JSON.stringify(body.example)} refused: ${wrong.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
      }
    }
    if (op.http!.method === 'GET') {
      reads++;
      const example = doc.responses['200'].content['application/json'].example;
      const parsed = op.output.safeParse(example);
      if (example === undefined || !parsed.success)
        problems.push(`${op.name}: response example ${JSON.stringify(example)?.slice(0, 120)} does not fit its output`);
    }
  }
  expect(problems).toEqual([]);
  expect(bodies).toBeGreaterThan(40);
  expect(reads).toBeGreaterThan(30);
  // The error answer has its example too, with a field-naming detail.
  const anyOp = res.body.paths['/api/v1/storage/datasets'].post;
  expect(anyOp.responses.default.content['application/problem+json'].example.detail).toMatch(/^disk: required/);
});

test('the documented request schemas are strict: additionalProperties false at every object level', async () => {
  const res = await t.http.get('/api/v1/openapi.json');
  const create = res.body.paths['/api/v1/storage/datasets'].post.requestBody.content['application/json'].schema;
  expect(create.additionalProperties).toBe(false);
  expect(create.properties.properties.additionalProperties).toBe(false);
});
