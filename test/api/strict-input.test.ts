/**
 * Strict input (issue 17): a field an operation does not take is a 400 naming it, never
 * silently dropped (`{"name":"tank/api","quota":"5G"}` created the dataset without its quota).
 * Strictness is structural (callerInputSchema makes every object strict, nested ones too), so
 * the first test walks every route of the registry and sends an unknown field: 400 naming it,
 * no command on the host, no row changed except the audit log's refusal.
 * Error details name the field and what it takes ("disk: required: Disk, e.g. sdb ...").
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Knex } from 'knex';
import { startTestApp, type TestApp } from '../helpers/app.js';
import type { RecordingHost } from '../helpers/recording-host.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const auth = () => ({ Authorization: `Bearer ${t.adminToken}` });

/** Row count of every table but the audit log (which records the refusals) and the sessions. */
async function tableCounts(db: Knex): Promise<Record<string, number>> {
  const client = String(db.client.config.client);
  const names: string[] = client.includes('sqlite')
    ? (await db('sqlite_master').where({ type: 'table' }).whereNot('name', 'like', 'sqlite_%').select('name')).map((r: { name: string }) => r.name)
    : (await db('information_schema.tables').where({ table_schema: 'public', table_type: 'BASE TABLE' }).select('table_name as name')).map(
        (r: { name: string }) => r.name,
      );
  const counts: Record<string, number> = {};
  for (const name of names.sort()) {
    if (/^audit|^sessions$|^knex_/.test(name)) continue;
    const [row] = await db(name).count({ n: '*' });
    counts[name] = Number(row!.n);
  }
  return counts;
}

function send(method: string, url: string, body?: Record<string, unknown>) {
  const req = t.http[method.toLowerCase() as 'get'](url).set(auth());
  return body ? req.send(body) : req;
}

describe('unknown fields', () => {
  test('every route refuses a field it does not take: 400 naming it, nothing run, nothing changed', async () => {
    const host = t.host as RecordingHost;
    const before = await tableCounts(t.testDb.db);
    const commandsBefore = host.calls.length;
    const routes = t.app.registry.all().filter((op) => op.http);
    expect(routes.length).toBeGreaterThan(100);
    const failures: string[] = [];
    for (const op of routes) {
      const path = `/api/v1${op.http!.path.replace(/:([A-Za-z_]+)/g, 'x')}`;
      const res = op.http!.method === 'GET' ? await send('GET', `${path}?zzNotAField=1`) : await send(op.http!.method, path, { zzNotAField: 1 });
      const named = (res.body.errors ?? []).find((e: { path: string }) => e.path === 'zzNotAField');
      if (res.status !== 400 || !named || !/unknown field/.test(named.message) || !String(res.body.detail).includes('zzNotAField')) {
        failures.push(`${op.name}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(host.calls.length).toBe(commandsBefore);
    expect(await tableCounts(t.testDb.db)).toEqual(before);
  });

  test('the issue example: a dataset create with a top-level quota is refused and no dataset is made', async () => {
    const host = t.host as RecordingHost;
    const commandsBefore = host.calls.length;
    const res = await send('POST', '/api/v1/storage/datasets', { name: 'tank/api', quota: '5G' });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.detail).toMatch(/^quota: unknown field; this operation takes name, properties/);
    expect(res.body.errors[0]).toEqual({ path: 'quota', message: expect.stringContaining('unknown field') });
    expect(host.calls.slice(commandsBefore)).toEqual([]);
  });

  test('nested objects are strict too: properties.foo is named with its full path', async () => {
    const host = t.host as RecordingHost;
    const commandsBefore = host.calls.length;
    const res = await send('POST', '/api/v1/storage/datasets', { name: 'tank/api', properties: { quota: '5G', quotaa: '1G' } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'properties.quotaa', message: expect.stringMatching(/^unknown field; properties takes .*quota/) }]);
    expect(host.calls.slice(commandsBefore)).toEqual([]);
  });

  test('a list with the query parameters it takes answers; an unknown one is named', async () => {
    const ok = await send('GET', '/api/v1/users?limit=5&offset=0');
    expect(ok.status).toBe(200);
    expect(ok.body.items.length).toBeGreaterThan(0);
    const jobs = await send('GET', '/api/v1/jobs?limit=10');
    expect(jobs.status).toBe(200);
    const bad = await send('GET', '/api/v1/users?limit=5&sort=name');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: 'sort', message: expect.stringContaining('unknown field') }]);
  });

  test('the console and the CLI take the same path: a direct call with an unknown field is refused before the handler', async () => {
    const host = t.host as RecordingHost;
    const commandsBefore = host.calls.length;
    const admin = await t.app.auth.authenticate(t.adminToken);
    await expect(t.app.call('storage.pools.scrub', { pool: 'tank', action: 'start', force: true }, { actor: admin, face: 'console' })).rejects.toMatchObject({
      errors: expect.arrayContaining([{ path: 'force', message: expect.stringContaining('unknown field') }]),
    });
    expect(host.calls.slice(commandsBefore)).toEqual([]);
  });

  test('the refusal is audited as invalid, with the unknown field named', async () => {
    await send('POST', '/api/v1/storage/datasets', { name: 'tank/audited', quota: '5G' });
    const rows = await t.testDb.db('audit_log').where({ operation: 'storage.datasets.create', target: 'tank/audited' });
    expect(rows).toHaveLength(1);
    expect(rows[0].result).toBe('invalid');
    expect(rows[0].error).toContain('quota: unknown field');
  });
});

describe('nothing sent is silently dropped by the route either', () => {
  test('a query string on a POST is refused, naming the parameter; no dataset made', async () => {
    const host = t.host as RecordingHost;
    const commandsBefore = host.calls.length;
    const res = await send('POST', '/api/v1/storage/datasets?quota=5G', { name: 'tank/q' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'quota', message: 'not read from the query string of a POST: send it in the JSON body' }]);
    expect(host.calls.slice(commandsBefore)).toEqual([]);
  });

  test('a body field the path contradicts is refused (PATCH /users/bob with username alice)', async () => {
    await t.userWithRoles('bob', ['ReadOnly']);
    await t.userWithRoles('alice', ['ReadOnly']);
    const before = await t.testDb.db('users').whereIn('username', ['alice', 'bob']).orderBy('username').select('username', 'enabled');
    const res = await send('PATCH', '/api/v1/users/bob', { username: 'alice', enabled: false });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'username', message: 'the body says "alice" but the path says "bob"' }]);
    expect(await t.testDb.db('users').whereIn('username', ['alice', 'bob']).orderBy('username').select('username', 'enabled')).toEqual(before);
    // The same value in both is no contradiction.
    const same = await send('PATCH', '/api/v1/users/bob', { username: 'bob', enabled: true });
    expect(same.status).toBe(200);
  });
});

describe('error messages name the field and what it takes', () => {
  test('a missing field: "disk: required" with its description and example', async () => {
    const res = await send('POST', '/api/v1/sim/fault-disk', {});
    expect(res.status).toBe(400);
    expect(res.body.detail).toBe('disk: required: Disk, e.g. sdb or /dev/disk/by-id/wwn-0x5000...');
    expect(res.body.errors).toEqual([{ path: 'disk', message: 'required: Disk, e.g. sdb or /dev/disk/by-id/wwn-0x5000...' }]);
    expect(res.body.detail).not.toMatch(/invalid input for/);
  });

  test('a wrong type says what came and what is expected', async () => {
    const res = await send('POST', '/api/v1/sim/fault-disk', { disk: 5 });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'disk', message: expect.stringMatching(/^expected string, got number: Disk, e\.g\. sdb/) }]);
  });

  test('an enum lists its choices; several faults are all in errors[] and the detail', async () => {
    const res = await send('POST', '/api/v1/users', { username: 'carl', roles: 'Admin' });
    expect(res.status).toBe(400);
    const paths = res.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['password', 'roles']));
    expect(res.body.detail).toContain('password: required');
    expect(res.body.detail).toContain('roles: expected array, got string');
    expect(await t.testDb.db('users').where({ username: 'carl' })).toEqual([]);
  });

  test('a NUL character is named by its field', async () => {
    const res = await send('POST', '/api/v1/sim/fault-disk', { disk: 'sd\u0000c' });
    expect(res.status).toBe(400);
    expect(res.body.detail).toBe('disk: NUL characters are not accepted');
  });
});
