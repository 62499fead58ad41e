/**
 * Security checks beyond test/api/auth.test.ts (which covers another key, expired tokens,
 * alg none and the parallel login throttle):
 * - under load, every audited write leaves exactly one audit row, whatever its outcome;
 * - tokens that are well signed but not access tokens of a live session are refused.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { SimulatedHost } from '../../src/system/sim/simulated-host.js';
import { startTestApp, type TestApp, bearer } from '../helpers/app.js';

const SECRET = 'test-secret-0123456789abcdef';

let t: TestApp;
let reader: string;
let operator: string;
beforeAll(async () => {
  // This file checks the audit of every outcome under load, so admission control must not turn accepted writes
  // into 503s at random; its own refusals (answered and audited) are test/api/write-admission.test.ts's.
  t = await startTestApp({ host: new SimulatedHost(), mounts: () => [], admission: { maxWrites: 1000, maxWritesPerSubsystem: 1000 } });
  reader = await t.userWithRoles('loadreader', ['ReadOnly']);
  operator = await t.userWithRoles('loadoperator', ['Operator']);
  const ds = await t.http.post('/api/v1/storage/datasets').set('Authorization', `Bearer ${t.adminToken}`).send({ name: 'tank/load' });
  expect(ds.status).toBe(201);
});
afterAll(async () => {
  await t.close();
});

const auditCount = async () => Number((await t.app.db('audit_log').count({ n: '*' }))[0]!.n);

describe('audit under load', () => {
  test('200 concurrent writes (accepted, refused, invalid, forbidden, conflicting) leave exactly 200 audit rows', async () => {
    const before = await auditCount();
    const requests: { kind: string; run: () => Promise<{ status: number }> }[] = [];
    for (let i = 0; i < 200; i++) {
      const n = `load-${i}`;
      switch (i % 5) {
        case 0: // accepted
          requests.push({ kind: 'ok', run: () => t.http.post('/api/v1/snapshots').set(bearer(operator)).send({ dataset: 'tank/load', name: n }) });
          break;
        case 1: // the same name twice at once: one wins, the other conflicts (409) or is refused by the tool
          requests.push({
            kind: 'dup',
            run: () =>
              t.http
                .post('/api/v1/snapshots')
                .set(bearer(t.adminToken))
                .send({ dataset: 'tank/load', name: `dup-${Math.floor(i / 10)}` }),
          });
          break;
        case 2: // invalid input
          requests.push({
            kind: 'invalid',
            run: () =>
              t.http
                .post('/api/v1/snapshots')
                .set(bearer(operator))
                .send({ dataset: 'tank/load', name: `-${n};id` }),
          });
          break;
        case 3: // forbidden: a reader may not take snapshots
          requests.push({ kind: 'denied', run: () => t.http.post('/api/v1/snapshots').set(bearer(reader)).send({ dataset: 'tank/load', name: n }) });
          break;
        default: // dangerous without confirmation
          requests.push({
            kind: 'unconfirmed',
            run: () =>
              t.http
                .delete(`/api/v1/snapshots/${encodeURIComponent('tank/load@nothing')}`)
                .set(bearer(t.adminToken))
                .send({}),
          });
      }
    }
    const results = await Promise.all(requests.map((r) => r.run()));
    expect(results.filter((r) => r.status >= 500)).toEqual([]);
    const byKind = (kind: string) => results.filter((_, i) => requests[i]!.kind === kind).map((r) => r.status);
    expect(new Set(byKind('ok'))).toEqual(new Set([201]));
    expect(new Set(byKind('invalid'))).toEqual(new Set([400]));
    expect(new Set(byKind('denied'))).toEqual(new Set([403]));
    expect(new Set(byKind('unconfirmed'))).toEqual(new Set([400]));
    expect(byKind('dup').filter((s) => s === 201)).toHaveLength(20);
    expect(byKind('dup').filter((s) => s === 409)).toHaveLength(20);
    expect(await auditCount()).toBe(before + 200);
    const rows = await t.app.db('audit_log').where('id', '>', 0).orderBy('id', 'desc').limit(200).select('operation', 'result', 'actor_name');
    const results200 = rows.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.result]: (acc[r.result] ?? 0) + 1 }), {});
    expect(results200.ok).toBe(40 + 20);
    expect(results200.denied).toBe(40);
    expect(results200.invalid).toBe(80);
    expect(results200.error).toBe(20);
  });

  test('concurrent logins, good and bad, are each audited once, and no password reaches the log', async () => {
    const before = await auditCount();
    const attempts = Array.from({ length: 12 }, (_, i) =>
      t.http
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', `203.0.113.${i}`)
        .send({ username: i % 3 === 0 ? 'loadreader' : `ghost${i}`, password: i % 3 === 0 ? 'loadreader-password-123' : `wrong-secret-${i}` }),
    );
    const results = await Promise.all(attempts);
    expect(results.filter((r) => r.status >= 500)).toEqual([]);
    expect(results.filter((r) => r.status === 200)).toHaveLength(4);
    expect(await auditCount()).toBe(before + 12);
    const rows = await t.app.db('audit_log').where({ operation: 'auth.login' }).orderBy('id', 'desc').limit(12).select('input');
    expect(JSON.stringify(rows)).not.toMatch(/wrong-secret|loadreader-password/);
  });
});

describe('tokens', () => {
  const claims = () => jwt.decode(t.adminToken) as { sub: string; sid: string };

  test('a token signed with the right key but another HMAC algorithm is refused', async () => {
    const { sub, sid } = claims();
    const hs512 = jwt.sign({ sub, sid, typ: 'access' }, SECRET, { algorithm: 'HS512', expiresIn: 60 });
    expect((await t.http.get('/api/v1/auth/me').set(bearer(hs512))).status).toBe(401);
  });

  test('a well-signed token that is not an access token, or names no live session, is refused', async () => {
    const { sub, sid } = claims();
    const tokens = [
      jwt.sign({ sub, sid, typ: 'refresh' }, SECRET, { algorithm: 'HS256', expiresIn: 60 }),
      jwt.sign({ sub, sid }, SECRET, { algorithm: 'HS256', expiresIn: 60 }),
      jwt.sign({ sub, sid: crypto.randomUUID(), typ: 'access' }, SECRET, { algorithm: 'HS256', expiresIn: 60 }),
      jwt.sign({ sub, typ: 'access' }, SECRET, { algorithm: 'HS256', expiresIn: 60 }),
    ];
    for (const token of tokens) {
      const res = await t.http.get('/api/v1/auth/me').set(bearer(token));
      expect(res.status).toBe(401);
    }
  });

  test('a tampered payload with the original signature is refused', async () => {
    const [h, p, s] = t.adminToken.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: '999' })).toString('base64url')}.${s}`;
    expect((await t.http.get('/api/v1/auth/me').set(bearer(forged))).status).toBe(401);
  });
});
