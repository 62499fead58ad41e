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
