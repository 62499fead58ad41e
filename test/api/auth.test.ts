import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { ADMIN_PASSWORD, startTestApp, type TestApp, bearer } from '../helpers/app.js';

let t: TestApp;
let at: number;
beforeAll(async () => {
  t = await startTestApp();
  // Tokens, sessions and the throttle's per-user delays follow a clock the tests move instead of sleeping.
  at = Date.now();
  t.app.auth.clock = { now: () => at, sleep: async (ms) => void (at += ms) };
});
afterAll(async () => {
  await t.close();
});

describe('login and tokens', () => {
  test('login returns a token pair and /auth/me answers with permissions', async () => {
    const res = await t.http.post('/api/v1/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ expiresInSeconds: 900, user: { username: 'admin', roles: ['Admin'] } });
    expect(res.body.refreshToken).toEqual(expect.any(String));
    const me = await t.http.get('/api/v1/auth/me').set(bearer(res.body.accessToken));
    expect(me.status).toBe(200);
    expect(me.body.permissions).toContain('iam.write');
    expect(me.body).not.toHaveProperty('passwordHash');
    expect(JSON.stringify(me.body)).not.toMatch(/\$2[aby]\$/);
  });

  test('unauthenticated calls get 401 problem+json', async () => {
    const res = await t.http.get('/api/v1/users');
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized', detail: 'login required' });
    expect(res.body.requestId).toEqual(expect.any(String));
  });

  test('a token signed with another key, expired, or with alg none is refused', async () => {
    const good = jwt.decode(t.adminToken) as { sub: string; sid: string };
    const other = jwt.sign({ sub: good.sub, sid: good.sid, typ: 'access' }, 'another-key-entirely', { algorithm: 'HS256' });
    const expired = jwt.sign({ sub: good.sub, sid: good.sid, typ: 'access', exp: Math.floor(at / 1000) - 10 }, 'test-secret-0123456789abcdef');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: good.sub, sid: good.sid, typ: 'access' })).toString('base64url')}.`;
    for (const [token, detail] of [
      [other, 'invalid access token'],
      [expired, 'access token expired'],
      [none, 'invalid access token'],
    ]) {
      const res = await t.http.get('/api/v1/auth/me').set(bearer(token));
      expect(res.status).toBe(401);
      expect(res.body.detail).toBe(detail);
    }
  });

  test('a token that was accepted is refused once it expires, and a tampered copy never passes', async () => {
    const good = jwt.decode(t.adminToken) as { sub: string; sid: string };
    const exp = Math.floor(at / 1000) + 2;
    const soon = jwt.sign({ sub: good.sub, sid: good.sid, typ: 'access', exp }, 'test-secret-0123456789abcdef');
    expect((await t.http.get('/api/v1/auth/me').set(bearer(soon))).status).toBe(200);
    // Same header and claims, another signature: not the verified token.
    const [h, p] = soon.split('.');
    expect((await t.http.get('/api/v1/auth/me').set(bearer(`${h}.${p}.${'A'.repeat(43)}`))).status).toBe(401);
    const before = at;
    at = (exp + 1) * 1000;
    try {
      const res = await t.http.get('/api/v1/auth/me').set(bearer(soon));
      expect(res.status).toBe(401);
      expect(res.body.detail).toBe('access token expired');
    } finally {
      at = before;
    }
  });

  test('tokens and sessions follow the auth clock: a refresh token ends 12 hours after it was issued, not before', async () => {
    const start = at;
    try {
      const first = await t.http.post('/api/v1/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD });
      expect(first.status).toBe(200);
      const session = await t.app.db('sessions').orderBy('created_at', 'desc').first();
      expect(session.created_at).toBe(new Date(start).toISOString());
      at = start + 12 * 3600_000 - 1000;
      const second = await t.http.post('/api/v1/auth/refresh').send({ refreshToken: first.body.refreshToken });
      expect(second.status).toBe(200);
      // The new access token is stamped with the clock's time: valid now, expired 15 minutes later.
      expect((jwt.decode(second.body.accessToken) as { iat: number }).iat).toBe(Math.floor(at / 1000));
      expect((await t.http.get('/api/v1/auth/me').set(bearer(second.body.accessToken))).status).toBe(200);
      at += 12 * 3600_000 + 1000;
      const late = await t.http.post('/api/v1/auth/refresh').send({ refreshToken: second.body.refreshToken });
      expect(late.status).toBe(401);
      expect(late.body.detail).toBe('refresh token expired');
    } finally {
      at = start;
    }
  });

  test('refresh rotates; reusing an old refresh token revokes the whole family', async () => {
    const first = await t.http.post('/api/v1/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD });
    const second = await t.http.post('/api/v1/auth/refresh').send({ refreshToken: first.body.refreshToken });
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.body.refreshToken);
    const third = await t.http.post('/api/v1/auth/refresh').send({ refreshToken: second.body.refreshToken });
    expect(third.status).toBe(200);
    // The first token comes back: theft assumed, the family dies.
    const reuse = await t.http.post('/api/v1/auth/refresh').send({ refreshToken: first.body.refreshToken });
    expect(reuse.status).toBe(401);
    expect(reuse.body.detail).toMatch(/reuse/);
    const afterReuse = await t.http.post('/api/v1/auth/refresh').send({ refreshToken: third.body.refreshToken });
    expect(afterReuse.status).toBe(401);
    const me = await t.http.get('/api/v1/auth/me').set(bearer(third.body.accessToken));
    expect(me.status).toBe(401);
  });

  test('a refresh token idle for 12 hours is dead', async () => {
    const res = await t.http.post('/api/v1/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD });
    await t.app
      .db('refresh_tokens')
      .whereNull('used_at')
      .update({ expires_at: new Date(at - 1000).toISOString() });
    const refreshed = await t.http.post('/api/v1/auth/refresh').send({ refreshToken: res.body.refreshToken });
    expect(refreshed.status).toBe(401);
    expect(refreshed.body.detail).toBe('refresh token expired');
  });

  test('logout ends the session: its access and refresh tokens stop working', async () => {
    const res = await t.http.post('/api/v1/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD });
    expect((await t.http.post('/api/v1/auth/logout').set(bearer(res.body.accessToken))).status).toBe(200);
    expect((await t.http.get('/api/v1/auth/me').set(bearer(res.body.accessToken))).status).toBe(401);
    expect((await t.http.post('/api/v1/auth/refresh').send({ refreshToken: res.body.refreshToken })).status).toBe(401);
  });

  test('disabling a user, or changing their password, ends their sessions', async () => {
    const token = await t.userWithRoles('dora', ['ReadOnly']);
    expect((await t.http.get('/api/v1/auth/me').set(bearer(token))).status).toBe(200);
    const disable = await t.http.patch('/api/v1/users/dora').set(bearer(t.adminToken)).send({ enabled: false });
    expect(disable.status).toBe(200);
    expect((await t.http.get('/api/v1/auth/me').set(bearer(token))).status).toBe(401);
    const login = await t.http.post('/api/v1/auth/login').send({ username: 'dora', password: 'dora-password-123' });
    expect(login.status).toBe(401);

    await t.http.patch('/api/v1/users/dora').set(bearer(t.adminToken)).send({ enabled: true });
    const token2 = await t.login('dora', 'dora-password-123');
    const change = await t.http
      .post('/api/v1/auth/me/password')
      .set(bearer(token2))
      .send({ currentPassword: 'dora-password-123', newPassword: 'a-brand-new-password' });
    expect(change.status).toBe(200);
    expect((await t.http.get('/api/v1/auth/me').set(bearer(token2))).status).toBe(401);
    expect(await t.login('dora', 'a-brand-new-password')).toEqual(expect.any(String));
  });

  test('five failures for one user in 15 minutes answer 429 with Retry-After; every failure is audited', async () => {
    await t.userWithRoles('mallory', ['ReadOnly']);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await t.http
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', '192.0.2.10')
        .send({ username: 'mallory', password: `wrong-guess-${i}` });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    // Even the right password is refused from that address while throttled...
    const right = await t.http.post('/api/v1/auth/login').set('X-Forwarded-For', '192.0.2.10').send({ username: 'mallory', password: 'mallory-password-123' });
    expect(right.status).toBe(429);
    // ...but not from another one: the throttle is by user and address (issue 19, lockout abuse).
    const elsewhere = await t.http
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', '192.0.2.11')
      .send({ username: 'mallory', password: 'mallory-password-123' });
    expect(elsewhere.status).toBe(200);
    const audit = await t.http.get('/api/v1/audit').query({ operation: 'auth.login', actor: 'anonymous', search: 'mallory' }).set(bearer(t.adminToken));
    expect(audit.body.items.filter((e: { result: string }) => e.result === 'denied')).toHaveLength(7);
    expect(JSON.stringify(audit.body)).not.toContain('wrong-guess');
  });

  test('throttling holds under parallel attempts', async () => {
    await t.userWithRoles('trudy', ['ReadOnly']);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t.http
          .post('/api/v1/auth/login')
          .set('X-Forwarded-For', '192.0.2.100')
          .send({ username: 'trudy', password: `parallel-${i}` }),
      ),
    );
    const passedCheck = results.filter((r) => r.status === 401).length;
    expect(passedCheck).toBe(5);
    expect(results.filter((r) => r.status === 429)).toHaveLength(7);
  });

  test('five failures from one address throttle it, whatever the usernames', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await t.http
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', '198.51.100.7')
        .send({ username: `nobody${i}`, password: 'whatever-it-is' });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const elsewhere = await t.http.post('/api/v1/auth/login').set('X-Forwarded-For', '198.51.100.8').send({ username: 'admin', password: ADMIN_PASSWORD });
    expect(elsewhere.status).toBe(200);
  });
});
