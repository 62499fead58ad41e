import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startTestApp, type TestApp, bearer } from '../../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('users, groups, roles', () => {
  test('Admin creates a ReadOnly user who can list users but not create them', async () => {
    const created = await t.http
      .post('/api/v1/users')
      .set(bearer(t.adminToken))
      .send({ username: 'rita', password: 'rita-long-password', roles: ['ReadOnly'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'rita', roles: ['ReadOnly'], enabled: true });
    const token = await t.login('rita', 'rita-long-password');
    const list = await t.http.get('/api/v1/users').set(bearer(token));
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(2);
    expect(list.body.items.map((u: { username: string }) => u.username)).toEqual(['admin', 'rita']);
    const denied = await t.http.post('/api/v1/users').set(bearer(token)).send({ username: 'sam', password: 'sam-long-password' });
    expect(denied.status).toBe(403);
    expect(denied.headers['content-type']).toMatch(/problem\+json/);
    expect(denied.body.detail).toMatch(/iam\.write/);
  });

  test('a weak password gets 400 problem+json naming the field', async () => {
    const res = await t.http.post('/api/v1/users').set(bearer(t.adminToken)).send({ username: 'weak', password: 'short' });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body.errors).toEqual([{ path: 'password', message: 'must be at least 12 characters' }]);
    expect((await t.app.db('users').where({ username: 'weak' })).length).toBe(0);
  });

  test('the audit log shows the user creation without the password', async () => {
    const res = await t.http.get('/api/v1/audit').query({ operation: 'iam.users.create' }).set(bearer(t.adminToken));
    expect(res.status).toBe(200);
    const entry = res.body.items.find((e: { target: string; result: string }) => e.target === 'rita' && e.result === 'ok');
    expect(entry).toMatchObject({ actor: 'admin', face: 'api', operation: 'iam.users.create', input: { username: 'rita', password: '[redacted]' } });
    expect(JSON.stringify(res.body)).not.toContain('rita-long-password');
    const rows = await t.app.db('audit_log').select('input');
    expect(JSON.stringify(rows)).not.toContain('rita-long-password');
  });

  test('roles come through groups too, and custom roles are built from the catalogue', async () => {
    const perms = await t.http.get('/api/v1/permissions').set(bearer(t.adminToken));
    expect(perms.body.items.map((p: { name: string }) => p.name)).toContain('jobs.read');
    const role = await t.http
      .post('/api/v1/roles')
      .set(bearer(t.adminToken))
      .send({ name: 'Auditor', permissions: ['audit.read'] });
    expect(role.status).toBe(201);
    const bad = await t.http
      .post('/api/v1/roles')
      .set(bearer(t.adminToken))
      .send({ name: 'Bogus', permissions: ['nope.nothing'] });
    expect(bad.status).toBe(400);
    await t.http.post('/api/v1/users').set(bearer(t.adminToken)).send({ username: 'gina', password: 'gina-long-password' });
    const token = await t.login('gina', 'gina-long-password');
    expect((await t.http.get('/api/v1/audit').set(bearer(token))).status).toBe(403);
    const group = await t.http
      .post('/api/v1/groups')
      .set(bearer(t.adminToken))
      .send({ name: 'auditors', members: ['gina'], roles: ['Auditor'] });
    expect(group.status).toBe(201);
    expect((await t.http.get('/api/v1/audit').set(bearer(token))).status).toBe(200);
    const builtin = await t.http.patch('/api/v1/roles/Admin').set(bearer(t.adminToken)).send({ permissions: [] });
    expect(builtin.status).toBe(409);
  });

  test('deleting is dangerous: it needs the name typed, and the last Admin cannot go', async () => {
    await t.http.post('/api/v1/users').set(bearer(t.adminToken)).send({ username: 'temp', password: 'temp-long-password' });
    const unconfirmed = await t.http.delete('/api/v1/users/temp').set(bearer(t.adminToken));
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.body.detail).toContain('"confirm": "temp"');
    const confirmed = await t.http.delete('/api/v1/users/temp').set(bearer(t.adminToken)).send({ confirm: 'temp' });
    expect(confirmed.status).toBe(200);
    const lastAdmin = await t.http
      .patch('/api/v1/users/admin')
      .set(bearer(t.adminToken))
      .send({ roles: ['ReadOnly'] });
    expect(lastAdmin.status).toBe(409);
    expect((await t.app.db('users').where({ username: 'admin' }).first()).enabled).toBeTruthy();
  });

  test('a row id beyond a 32-bit column is refused as bad input, not a database error', async () => {
    const job = await t.http.get('/api/v1/jobs/9007199254740991').set(bearer(t.adminToken));
    expect(job.status).toBe(400);
    const channel = await t.http.delete('/api/v1/alerts/channels/9007199254740991').set(bearer(t.adminToken)).send({ confirm: 'x' });
    expect(channel.status).toBe(400);
    expect((await t.http.get('/api/v1/jobs/2147483647').set(bearer(t.adminToken))).status).toBe(404);
  });

  test('lists paginate', async () => {
    const res = await t.http.get('/api/v1/users').query({ limit: 1, offset: 1 }).set(bearer(t.adminToken));
    expect(res.body.items).toHaveLength(1);
    expect(res.body.total).toBeGreaterThan(1);
  });

  test('health, readiness, unknown routes and bad bodies', async () => {
    expect((await t.http.get('/healthz')).status).toBe(200);
    expect((await t.http.get('/readyz')).body).toEqual({ status: 'ready', database: 'ok' });
    const missing = await t.http.get('/api/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/problem\+json/);
    const malformed = await t.http.post('/api/v1/auth/login').set('Content-Type', 'application/json').send('{"username":');
    expect(malformed.status).toBe(400);
    expect(malformed.headers['content-type']).toMatch(/problem\+json/);
    const arrayBody = await t.http.post('/api/v1/users').set(bearer(t.adminToken)).send([1, 2]);
    expect(arrayBody.status).toBe(400);
    const huge = await t.http.post('/api/v1/auth/login').send({ username: 'x', password: 'y'.repeat(2 * 1024 * 1024) });
    expect(huge.status).toBe(413);
    expect(missing.headers['x-content-type-options']).toBe('nosniff');
  });
});
