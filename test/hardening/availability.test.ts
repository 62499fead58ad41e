/**
 * Issue 19, "large pages": `?limit=10000` answers at 400-800 connections drove RSS to 2.6 GB and
 * /healthz to 27 s. Every list answers at most MAX_PAGE_SIZE rows (400 above, visible in OpenAPI);
 * admission control bounds the requests handled at once, the queue and the answer bytes in
 * flight, answering 503 with Retry-After past them; /healthz and /readyz never wait behind it.
 * Bounds are test-sized here; no real sleeps (conditions are polled with a bound).
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type Koa from 'koa';
import request from 'supertest';
import { admission, type AdmissionMiddleware, type AdmissionOptions } from '../../src/api/admission.js';
import { createApi, listen, type RouteMount } from '../../src/api/server.js';
import { MAX_PAGE_SIZE, allPages } from '../../src/contracts/list.js';
import { SimulatedHost } from '../../src/system/sim/simulated-host.js';
import { silentLog, startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ host: new SimulatedHost(), mounts: () => [] });
});
afterAll(async () => {
  await t.close();
});
const as = () => ({ Authorization: `Bearer ${t.adminToken}` });

/**
 * A GET on a connection of its own, closed after the answer: fetch's pool keeps reconnecting to a
 * server that closes its idle connections, and would leave a socket behind the test.
 */
function plainGet(url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

/** Waits (bounded) until `cond` holds, yielding to the event loop between looks. */
async function until(cond: () => boolean, what: string, tries = 2000): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
}

/** An API with test-sized admission bounds and a route that answers when the test says so. */
function gatedApi(bounds: AdmissionOptions, body: () => unknown = () => ({ ok: true })) {
  const gates: (() => void)[] = [];
  let entered = 0;
  const mount: RouteMount = (router) => {
    router.get('/api/v1/test/gated', async (ctx) => {
      entered++;
      await new Promise<void>((resolve) => gates.push(resolve));
      ctx.body = body();
    });
  };
  const koa = createApi(t.app, { log: silentLog, version: 'test', admission: bounds }, [mount]);
  const mw = (koa as Koa).middleware.find((m) => typeof (m as Partial<AdmissionMiddleware>).stats === 'function') as AdmissionMiddleware;
  return { koa, stats: () => mw.stats(), entered: () => entered, open: () => gates.splice(0).forEach((g) => g()) };
}

describe('page size', () => {
  const listOps = () =>
    t.app.registry.all().filter((op) => op.http?.method === 'GET' && 'limit' in op.input.shape && (!op.onlyOnHost || op.onlyOnHost === t.app.host.kind));

  test(`every list refuses limit=${MAX_PAGE_SIZE + 1} with 400 and answers limit=${MAX_PAGE_SIZE}`, async () => {
    const ops = listOps();
    expect(ops.length).toBeGreaterThanOrEqual(15);
    for (const op of ops) {
      if (op.http!.path.includes(':')) continue; // lists under an object are checked through the schema below
      const path = `/api/v1${op.http!.path}`;
      const over = await t.http
        .get(path)
        .query({ limit: MAX_PAGE_SIZE + 1 })
        .set(as());
      expect([op.name, over.status]).toEqual([op.name, 400]);
      expect(over.type).toBe('application/problem+json');
      expect(over.body.errors).toEqual([expect.objectContaining({ path: 'limit', message: expect.stringMatching(/at most 1000/) })]);
      const huge = await t.http.get(path).query({ limit: 10000 }).set(as());
      expect([op.name, huge.status]).toEqual([op.name, 400]);
      const max = await t.http.get(path).query({ limit: MAX_PAGE_SIZE }).set(as());
      expect([op.name, max.status]).toEqual([op.name, 200]);
    }
    for (const op of ops)
      expect([op.name, op.input.safeParse({ ...placeholders(op.input.shape), limit: MAX_PAGE_SIZE + 1 }).success]).toEqual([op.name, false]);
  });

  test('OpenAPI documents the maximum on every limit parameter', async () => {
    const doc = (await t.http.get('/api/v1/openapi.json')).body as {
      paths: Record<string, Record<string, { operationId: string; parameters: { name: string; schema: { maximum?: number }; description?: string }[] }>>;
    };
    const limits = Object.values(doc.paths)
      .flatMap((p) => Object.values(p))
      .flatMap((o) => o.parameters.filter((x) => x.name === 'limit').map((x) => ({ op: o.operationId, ...x })));
    expect(limits.length).toBe(listOps().length);
    for (const l of limits) {
      expect([l.op, l.schema.maximum]).toEqual([l.op, MAX_PAGE_SIZE]);
      expect(l.description).toMatch(/at most 1000/);
    }
  });

  test('the console and the CLI read a long list page by page within the maximum', async () => {
    const rows = Array.from({ length: 2345 }, (_, i) => i);
    const asked: { limit: number; offset: number }[] = [];
    const call = async (input: Record<string, unknown>) => {
      const limit = input.limit as number;
      const offset = (input.offset as number | undefined) ?? 0;
      if (limit > MAX_PAGE_SIZE) throw new Error('page too large');
      asked.push({ limit, offset });
      return { items: rows.slice(offset, offset + limit), total: rows.length };
    };
    const all = await allPages(call, { limit: 10_000, search: 'x' });
    expect(all.items).toEqual(rows);
    expect(all.total).toBe(2345);
    expect(asked).toEqual([
      { limit: 1000, offset: 0 },
      { limit: 1000, offset: 1000 },
      { limit: 1000, offset: 2000 },
    ]);
    asked.length = 0;
    expect((await allPages(call, { limit: 1500, offset: 100 })).items).toEqual(rows.slice(100, 1600));
    expect(asked).toEqual([
      { limit: 1000, offset: 100 },
      { limit: 500, offset: 1100 },
    ]);
    // Small pages and inputs without a limit are one plain call.
    asked.length = 0;
    expect((await allPages(call, { limit: 50 })).items).toHaveLength(50);
    expect(asked).toHaveLength(1);
    // Through the service: the snapshots screen's 10,000 rows, read as pages of 1000.
    const meta = { actor: null, face: 'console' as const };
    const token = t.adminToken;
    const actor = await t.app.auth.authenticate(token);
    const snaps = await allPages((p) => t.app.call<{ items: unknown[]; total: number }>('snapshots.list', p, { ...meta, actor }), { limit: 10_000 });
    expect(snaps.items.length).toBe(Math.min(snaps.total, 10_000));
    await expect(t.app.call('snapshots.list', { limit: 10_000 }, { ...meta, actor })).rejects.toThrow(/^limit: .*1000/);
  });
});

/** Values that satisfy a list's other required fields (none today), so only `limit` decides. */
function placeholders(shape: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(shape)
      .filter((k) => k !== 'limit')
      .map((k) => [k, undefined]),
  );
}

describe('admission control', () => {
  test('past the requests at once and the queue: 503 problem with Retry-After; /healthz and /readyz answer meanwhile; nothing ran for the refused', async () => {
    const api = gatedApi({ maxActive: 1, maxQueued: 1, retryAfterSeconds: 3 });
    const agent = request(api.koa.callback());
    const first = agent.get('/api/v1/test/gated').then((r) => r);
    await until(() => api.entered() === 1, 'the first request holds the only slot');
    const second = agent.get('/api/v1/test/gated').then((r) => r);
    await until(() => api.stats().queued === 1, 'the second request waits in the queue');
    const refused = await agent.get('/api/v1/test/gated');
    expect(refused.status).toBe(503);
    expect(refused.type).toBe('application/problem+json');
    expect(refused.headers['retry-after']).toBe('3');
    expect(refused.body).toMatchObject({ status: 503, detail: expect.stringMatching(/busy/) });
    // An operation is refused the same way, before its handler runs (no audit row, no command).
    const auditBefore = Number((await t.app.db('audit_log').count({ n: '*' }))[0]!.n);
    const snapshot = await agent.post('/api/v1/snapshots').set(as()).send({ dataset: 'tank', name: 'never' });
    expect(snapshot.status).toBe(503);
    expect(Number((await t.app.db('audit_log').count({ n: '*' }))[0]!.n)).toBe(auditBefore);
    expect(t.app.host.history().some((r) => r.args.includes('tank@never'))).toBe(false);
    // Liveness and readiness do not wait behind the queue.
    expect((await agent.get('/healthz')).status).toBe(200);
    expect((await agent.get('/readyz')).status).toBe(200);
    expect(api.entered()).toBe(1);
    api.open();
    expect((await first).status).toBe(200);
    await until(() => api.entered() === 2, 'the queued request got the slot');
    api.open();
    expect((await second).status).toBe(200);
    expect(api.stats()).toMatchObject({ active: 0, queued: 0, bytesInFlight: 0, refused: 2 });
  });

  test('past the answer bytes in flight (a client that does not read): 503 until they are written, /healthz still answers', async () => {
    const big = 'x'.repeat(48 * 1024 * 1024);
    const api = gatedApi({ maxActive: 8, maxQueued: 8, maxBytesInFlight: 1024 * 1024 }, () => ({ big }));
    const server = await listen(api.koa, { port: 0, host: '127.0.0.1' });
    try {
      let slowRes: http.IncomingMessage | null = null;
      const slow = http.get(`${server.url}/api/v1/test/gated`, (res) => {
        slowRes = res;
        res.pause(); // reads nothing: the answer stays in flight
      });
      await until(() => api.entered() === 1, 'the large request is being handled');
      api.open();
      await until(() => api.stats().bytesInFlight > 1024 * 1024, 'the large answer is counted', 100_000);
      const get = async (path: string) => {
        const res = await plainGet(`${server.url}${path}`);
        return {
          status: res.status,
          retryAfter: res.headers['retry-after'] ?? null,
          type: res.headers['content-type'] ?? null,
          body: JSON.parse(res.body) as unknown,
        };
      };
      const refused = await get('/api/v1/storage/pools');
      expect(refused).toMatchObject({
        status: 503,
        retryAfter: '1',
        type: expect.stringMatching(/problem\+json/),
        body: { detail: expect.stringMatching(/answers being sent/) },
      });
      expect((await get('/healthz')).status).toBe(200);
      // The client reads its answer: the budget is free again.
      await until(() => slowRes !== null, 'the response started');
      const done = new Promise<number>((resolve) => {
        let n = 0;
        slowRes!.on('data', (c: Buffer) => (n += c.length));
        slowRes!.on('end', () => resolve(n));
      });
      slowRes!.resume();
      expect(await done).toBe(big.length + '{"big":""}'.length);
      await until(() => api.stats().bytesInFlight === 0, 'the answer was written', 100_000);
      expect((await plainGet(`${server.url}/api/v1/openapi.json`)).status).toBe(200);
      slow.destroy();
    } finally {
      await server.close();
    }
  });

  test('defaults: the standalone middleware lets probes through untouched and counts the rest', async () => {
    const mw = admission({ log: silentLog, admission: { maxActive: 0, maxQueued: 0 } });
    const ctx = (path: string) => ({
      path,
      set: () => undefined,
      req: { destroyed: false },
      res: { once: () => undefined },
      state: {},
      body: undefined as unknown,
      status: 404,
      type: '',
    });
    let ran = 0;
    await mw(ctx('/healthz') as never, async () => void ran++);
    await mw(ctx('/readyz') as never, async () => void ran++);
    expect(ran).toBe(2);
    const refused = ctx('/api/v1/storage/pools');
    await mw(refused as never, async () => void ran++);
    expect(ran).toBe(2);
    expect(refused.status).toBe(503);
  });
});
