/**
 * Audit integrity (issue 19): anonymous floods cost a bounded number of compact rows with a
 * counted summary; a change that reached its handler has its row before it runs ('attempted',
 * completed after); a hostile client address or target never costs a call its row; 405 and
 * 501 are problem+json. Runs on SQLite and PostgreSQL (CALYPSO_TEST_DB).
 */
import request from 'supertest';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createCalypso, ensureAdmin, type Calypso } from '../../src/services/index.js';
import { SYSTEM_ACTOR } from '../../src/services/core/context.js';
import { createApi } from '../../src/api/server.js';
import { AnonymousAudit, writeAudit } from '../../src/services/core/audit.js';
import { Conflict } from '../../src/services/core/errors.js';
import { EventBus } from '../../src/services/core/events.js';
import { makeInvoker, type Invoker } from '../../src/services/core/invoke.js';
import { PUBLIC, Registry, defineOperation, definePermissions } from '../../src/services/core/registry.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { SimulatedHost } from '../../src/system/sim/simulated-host.js';
import { ADMIN_PASSWORD, silentLog } from '../helpers/app.js';

let testDb: TestDb;
let app: Calypso;
let host: SimulatedHost;
let http: ReturnType<typeof request>;
let adminToken: string;
let clock = Date.parse('2030-01-01T00:00:00Z');

const rows = (where: Record<string, unknown>) => testDb.db('audit_log').where(where).orderBy('id', 'asc').select();
const count = async (where: Record<string, unknown>) => Number((await testDb.db('audit_log').where(where).count({ n: '*' }))[0]!.n);

beforeAll(async () => {
  testDb = await createTestDb();
  host = new SimulatedHost();
  app = await createCalypso({ db: testDb.db, host, log: silentLog, jwtSecret: 'test-secret-0123456789abcdef', anonymousAudit: { now: () => clock } });
  await ensureAdmin(app, ADMIN_PASSWORD);
  http = request(createApi(app, { log: silentLog, version: 'test', trustProxy: ['127.0.0.1', '::1'] }).callback());
  const login = await http.post('/api/v1/auth/login').set('X-Forwarded-For', '192.0.2.250').send({ username: 'admin', password: ADMIN_PASSWORD });
  adminToken = login.body.accessToken;
});

afterAll(async () => {
  await app.monitoring.stop();
  await testDb.drop();
});

describe('anonymous floods', () => {
  test('2,000 anonymous writes from one address: 20 compact rows, then one summary row with the right count; no row holds the input; nothing ran', async () => {
    const address = '198.51.100.77';
    const before = await count({});
    const firstCall = host.history().length;
    const payload = { name: 'tank/flood', comment: `FLOOD-${'A'.repeat(4000)}`, password: 'flood-secret-value' };
    for (let batch = 0; batch < 40; batch++) {
      const answers = await Promise.all(Array.from({ length: 50 }, () => http.post('/api/v1/storage/datasets').set('X-Forwarded-For', address).send(payload)));
      expect(new Set(answers.map((a) => a.status))).toEqual(new Set([401]));
    }
    const perWindow = (app.call as unknown as Invoker).anonymousAudit.perWindow;
    expect(perWindow).toBe(20);
    // Bounded: the first 20 in the minute, nothing else yet.
    expect((await count({})) - before).toBe(20);
    const compact = await rows({ address, operation: 'storage.datasets.create' });
    expect(compact).toHaveLength(20);
    for (const r of compact) {
      expect(r.actor_name).toBe('anonymous');
      expect(r.result).toBe('denied');
      expect(r.error).toBe('login required');
      expect(JSON.parse(r.input)).toBeNull();
    }
    // Another address has its own allowance.
    for (let i = 0; i < 3; i++) expect((await http.post('/api/v1/storage/datasets').set('X-Forwarded-For', '198.51.100.78').send(payload)).status).toBe(401);
    expect(await count({ address: '198.51.100.78' })).toBe(3);

    // The minute passes: the next failure from the address writes the summary, then its own compact row.
    clock += 61_000;
    expect((await http.post('/api/v1/snapshots').set('X-Forwarded-For', address).send({ dataset: 'tank', name: 'x' })).status).toBe(401);
    const summary = await rows({ address, operation: 'audit.anonymous.suppressed' });
    expect(summary).toHaveLength(1);
    expect(summary[0].error).toBe(`1980 more denied anonymous calls from ${address} in the last minute`);
    expect(JSON.parse(summary[0].input)).toMatchObject({ suppressed: 1980, operations: { 'storage.datasets.create': 1980 } });
    expect(await count({ address, operation: 'snapshots.create' })).toBe(1);
    expect((await count({})) - before).toBe(20 + 3 + 1 + 1);

    const all = JSON.stringify(await testDb.db('audit_log').select());
    expect(all).not.toContain('FLOOD-');
    expect(all).not.toContain('flood-secret-value');
    expect(host.history().length).toBe(firstCall);
    // The summary is readable through audit.list like any row.
    const listed = await http.get('/api/v1/audit').query({ operation: 'audit.anonymous.suppressed' }).set('Authorization', `Bearer ${adminToken}`);
    expect(listed.status).toBe(200);
    expect(listed.body.items[0].error).toContain('1980 more denied anonymous calls');
  }, 120_000);

  test('failed logins keep the username attacked (target) and never the password; past the allowance they are counted', async () => {
    const address = '198.51.100.90';
    clock += 61_000;
    for (let i = 0; i < 25; i++) {
      const res = await http
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', address)
        .send({ username: `victim${i % 2}`, password: `guess-${i}-secret` });
      expect([401, 429]).toContain(res.status);
    }
    const logged = await rows({ address, operation: 'auth.login' });
    expect(logged).toHaveLength(20);
    expect(logged.every((r) => r.target === 'victim0' || r.target === 'victim1')).toBe(true);
    expect(JSON.stringify(logged)).not.toContain('-secret');
    await (app.call as unknown as Invoker).anonymousAudit.flush();
    const [summary] = await rows({ address, operation: 'audit.anonymous.suppressed' });
    expect(JSON.parse(summary.input).suppressed).toBe(5);
  });

  test('the per-address map is bounded: past maxAddresses, new addresses share one window', async () => {
    const now = Date.parse('2030-02-01T00:00:00Z');
    const limiter = new AnonymousAudit(testDb.db, new EventBus(), { perWindow: 1, maxAddresses: 3, now: () => now });
    const before = await count({});
    for (let a = 0; a < 10; a++) {
      for (let k = 0; k < 2; k++) {
        await limiter.record(
          { actor: null, face: 'api', address: `203.0.113.${a}` },
          { operation: 'auth.refresh', input: { refreshToken: 'x' }, result: 'denied', error: 'invalid token' },
        );
      }
      expect(limiter.tracked).toBeLessThanOrEqual(4);
    }
    // 3 addresses with their own compact row, 1 for all the others.
    expect((await count({})) - before).toBe(4);
    await limiter.flush();
    expect(limiter.tracked).toBe(0);
    const written = await testDb.db('audit_log').orderBy('id', 'desc').limit(8).select();
    const suppressed = written.filter((r) => r.operation === 'audit.anonymous.suppressed').reduce((n, r) => n + JSON.parse(r.input).suppressed, 0);
    // Every call is either a row or counted in a summary: 20 = 4 rows + 16 counted.
    expect(suppressed).toBe(16);
    expect(written.some((r) => r.operation === 'audit.anonymous.suppressed' && /other addresses/.test(r.error))).toBe(true);
  });
});

describe('the attempted row', () => {
  let invoke: Invoker;
  const seen: { result: string; input: unknown }[][] = [];
  beforeAll(() => {
    const registry = new Registry();
    registry.addPermissions(definePermissions([{ name: 'test.write', level: 'operate', description: 'test' }]));
    const op = (name: string, permission: string, fail?: Error) =>
      defineOperation({
        name,
        summary: name,
        permission,
        mutating: true,
        input: z.object({ name: z.string().max(20).describe('n'), password: z.string().optional().describe('p'), note: z.string().optional().describe('x') }),
        output: z.object({ ok: z.boolean() }),
        target: (i) => i.name,
        handler: async (ctx) => {
          // What a crash at this moment would leave.
          seen.push(
            (await ctx.db('audit_log').where({ operation: name }).select('result', 'input')).map((r) => ({ result: r.result, input: JSON.parse(r.input) })),
          );
          if (fail) throw fail;
          return { ok: true };
        },
      });
    registry.add(op('test.change', 'test.write'));
    registry.add(op('test.refused', 'test.write', new Conflict('already there')));
    registry.add(op('test.public', PUBLIC));
    invoke = makeInvoker(registry, { db: testDb.db, host, events: new EventBus(), jobs: app.jobs, log: silentLog });
  });
  afterAll(async () => {
    await invoke.stop();
  });

  test('a change has its row, redacted and bounded, before the handler runs; one row per call, completed to ok', async () => {
    await invoke(
      'test.change',
      { name: 'one', password: 'hunter2-secret', note: `${'n'.repeat(20_000)}"password":"hidden-secret"` },
      { actor: SYSTEM_ACTOR, face: 'system' },
    );
    expect(seen.at(-1)).toHaveLength(1);
    expect(seen.at(-1)![0]!.result).toBe('attempted');
    const [row] = await rows({ operation: 'test.change' });
    expect(row.result).toBe('ok');
    expect(row.target).toBe('one');
    expect(row.input.length).toBeLessThan(8300);
    expect(row.input).not.toContain('hunter2-secret');
    expect(row.input).not.toContain('hidden-secret');
  });

  test('a handler that fails completes its row to the failure', async () => {
    await expect(invoke('test.refused', { name: 'two' }, { actor: SYSTEM_ACTOR, face: 'system' })).rejects.toThrow('already there');
    expect(seen.at(-1)![0]!.result).toBe('attempted');
    const all = await rows({ operation: 'test.refused' });
    expect(all.map((r) => [r.result, r.error])).toEqual([['error', 'already there']]);
  });

  test('a call refused before its handler writes one outcome row and no attempted row', async () => {
    await expect(invoke('test.change', { name: 'x'.repeat(50) }, { actor: SYSTEM_ACTOR, face: 'system' })).rejects.toThrow();
    const all = await rows({ operation: 'test.change' });
    expect(all.map((r) => r.result)).toEqual(['ok', 'invalid']);
  });

  test('an anonymous public call writes no row before its handler (anonymous callers cannot write rows at will)', async () => {
    await invoke('test.public', { name: 'p' }, { actor: null, face: 'api', address: '192.0.2.1' });
    expect(seen.at(-1)).toEqual([]);
    expect((await rows({ operation: 'test.public' })).map((r) => r.result)).toEqual(['ok']);
  });

  test('values wider than their columns are cut, never a failed audit write', async () => {
    await writeAudit(
      testDb.db,
      new EventBus(),
      { actor: null, face: 'console', address: `${'f'.repeat(300)}\0`, requestId: 'r'.repeat(200) },
      {
        operation: `test.${'o'.repeat(200)}`,
        target: `t\0${'t'.repeat(1000)}`,
        input: {},
        result: 'error',
        error: 'e'.repeat(10_000),
      },
    );
    const [row] = await testDb.db('audit_log').where('operation', 'like', 'test.ooo%').select();
    expect(row.address.length).toBeLessThanOrEqual(100);
    expect(row.request_id.length).toBeLessThanOrEqual(64);
    expect(row.operation.length).toBeLessThanOrEqual(100);
    expect(row.target.length).toBeLessThanOrEqual(300);
    expect(row.error.length).toBeLessThanOrEqual(2000);
  });
});

describe('through the API', () => {
  test('a snapshot created behind a proxy with a long, hostile X-Forwarded-For answers 201 with its row and a real address', async () => {
    const forwarded = `${'x'.repeat(5000)}, <script>, 10.0.0.${'9'.repeat(200)}`;
    const res = await http
      .post('/api/v1/snapshots')
      .set('Authorization', `Bearer ${adminToken}`)
      .set('X-Forwarded-For', forwarded)
      .send({ dataset: 'tank', name: 'via-proxy' });
    expect(res.status).toBe(201);
    const [row] = await rows({ operation: 'snapshots.create', target: 'tank@via-proxy' });
    expect(row.result).toBe('ok');
    expect(['127.0.0.1', '::1']).toContain(row.address);
  });

  test('405 answers problem+json with Allow; an unknown method answers 501 problem+json', async () => {
    const put = await http.put('/api/v1/storage/pools').set('Authorization', `Bearer ${adminToken}`).send({});
    expect(put.status).toBe(405);
    expect(put.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(put.headers.allow).toMatch(/GET/);
    expect(put.body).toMatchObject({ status: 405, title: 'Method Not Allowed' });
    const propfind = await (http as unknown as { propfind(url: string): request.Test }).propfind('/api/v1/storage/pools');
    expect(propfind.status).toBe(501);
    expect(propfind.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(propfind.body).toMatchObject({ status: 501, title: 'Not Implemented' });
    // OPTIONS still lists the methods.
    const options = await http.options('/api/v1/storage/pools');
    expect(options.status).toBe(200);
    expect(options.headers.allow).toMatch(/GET/);
  });
});
