/**
 * auth.me is answered from memory while nothing changed (issue 16): every change a user can see
 * in it shows on the next request, and a change made behind the daemon's back (another process
 * on the same database) shows once the actor cache's time has passed.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ADMIN_PASSWORD, startTestApp, type TestApp, bearer } from '../helpers/app.js';

let t: TestApp;
let at: number;
beforeAll(async () => {
  t = await startTestApp();
  at = Date.now();
  t.app.auth.clock = { now: () => at, sleep: async (ms) => void (at += ms) };
});
afterAll(async () => {
  await t.close();
});

const me = async (token: string) => {
  const res = await t.http.get('/api/v1/auth/me').set(bearer(token));
  expect(res.status).toBe(200);
  return res.body as {
    displayName: string;
    email: string;
    roles: string[];
    groups: string[];
    permissions: string[];
    preferences: unknown;
    lastLoginAt: string | null;
  };
};

describe('auth.me answered from memory', () => {
  test("the user's own edit shows on the next request", async () => {
    const token = await t.userWithRoles('erin', ['ReadOnly']);
    expect((await me(token)).displayName).toBe('');
    expect(
      (
        await t.http
          .patch('/api/v1/auth/me')
          .set(bearer(token))
          .send({ displayName: 'Erin E', preferences: { theme: 'dark' } })
      ).status,
    ).toBe(200);
    const after = await me(token);
    expect(after.displayName).toBe('Erin E');
    expect(after.preferences).toEqual({ theme: 'dark' });
  });

  test("an administrator's role and group change shows on the next request, permissions included", async () => {
    const token = await t.userWithRoles('fred', ['ReadOnly']);
    const before = await me(token);
    expect(before.roles).toEqual(['ReadOnly']);
    expect(before.permissions).not.toContain('iam.write');
    expect(
      (
        await t.http
          .patch('/api/v1/users/fred')
          .set(bearer(t.adminToken))
          .send({ roles: ['Admin'] })
      ).status,
    ).toBe(200);
    const promoted = await me(token);
    expect(promoted.roles).toEqual(['Admin']);
    expect(promoted.permissions).toContain('iam.write');
    expect(
      (
        await t.http
          .post('/api/v1/groups')
          .set(bearer(t.adminToken))
          .send({ name: 'night-shift', members: ['fred'] })
      ).status,
    ).toBe(201);
    expect((await me(token)).groups).toEqual(['night-shift']);
    expect(
      (
        await t.http
          .patch('/api/v1/users/fred')
          .set(bearer(t.adminToken))
          .send({ roles: ['ReadOnly'] })
      ).status,
    ).toBe(200);
    // Demoted: the permission check of the next request uses the new roles, not a remembered answer.
    expect((await t.http.post('/api/v1/groups').set(bearer(token)).send({ name: 'fred-was-here' })).status).toBe(403);
    expect((await me(token)).permissions).not.toContain('iam.write');
  });

  test('a new login of the same user shows its time; disabling ends the answer', async () => {
    const token = await t.userWithRoles('gina', ['ReadOnly']);
    const first = (await me(token)).lastLoginAt;
    at += 5_000;
    await t.login('gina', 'gina-password-123');
    expect((await me(token)).lastLoginAt).not.toBe(first);
    expect((await t.http.patch('/api/v1/users/gina').set(bearer(t.adminToken)).send({ enabled: false })).status).toBe(200);
    expect((await t.http.get('/api/v1/auth/me').set(bearer(token))).status).toBe(401);
  });

  test('a change made by another process on the same database shows once the cache time has passed', async () => {
    const token = await t.userWithRoles('hugo', ['ReadOnly']);
    expect((await me(token)).email).not.toBe('hugo@example.test');
    await t.testDb.db('users').where({ username: 'hugo' }).update({ email: 'hugo@example.test' });
    at += 31_000;
    expect((await me(token)).email).toBe('hugo@example.test');
  });

  test('the admin still answers after all of it', async () => {
    const login = await t.http.post('/api/v1/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD });
    expect((await me(login.body.accessToken)).roles).toEqual(['Admin']);
  });
});
