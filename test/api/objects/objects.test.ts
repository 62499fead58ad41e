/**
 * Object storage through the API on the simulated appliance: buckets (versioning, object lock,
 * quota, policy presets, lifecycle), users (suspend, enable, delete with confirmation), keys (the
 * secret once), usage, what an Operator may not do, provider settings (the secret write-only,
 * never audited), "not supported by this provider", and a provider that does not answer (502
 * naming the endpoint).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import net from 'node:net';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { LocalHost } from '../../../src/system/local-host.js';
import { simulatedObjectStore } from '../../../src/system/objectstore/index.js';

let t: TestApp;
let host: SimulatedHost;
let operator: string;
let reader: string;
const admin = () => bearer(t.adminToken);

beforeAll(async () => {
  host = new SimulatedHost();
  t = await startTestApp({ host });
  operator = await t.userWithRoles('op', ['Operator']);
  reader = await t.userWithRoles('reader', ['ReadOnly']);
});
afterAll(async () => {
  await t.close();
});

describe('buckets', () => {
  test('listed with owner, usage, quota and versioning; a new one with versioning, lock and quota', async () => {
    const list = await t.http.get('/api/v1/objects/buckets').set(bearer(reader));
    expect(list.status).toBe(200);
    expect(list.body.items.map((b: { name: string }) => b.name)).toEqual(['archive-2026', 'bacula-volumes', 'veeam-repo']);
    expect(list.body.items[1]).toMatchObject({
      owner: 'backup',
      versioning: 'enabled',
      quota: { maxSizeBytes: 500 * 1024 ** 3, maxObjects: null },
      quotaUsedPercent: 82.4,
    });

    const made = await t.http
      .post('/api/v1/objects/buckets')
      .set(bearer(operator))
      .send({ name: 'op-bucket', owner: 'backup', versioning: true, quota: { maxObjects: 100, maxSizeBytes: null } });
    expect([made.status, made.body.versioning, made.body.quota, made.body.objectLock]).toEqual([201, 'enabled', { maxObjects: 100, maxSizeBytes: null }, null]);

    const locked = await t.http
      .post('/api/v1/objects/buckets')
      .set(bearer(operator))
      .send({ name: 'locked-gov', owner: 'backup', objectLock: { mode: 'GOVERNANCE', days: 14 } });
    expect([locked.status, locked.body.objectLock, locked.body.versioning]).toEqual([201, { mode: 'GOVERNANCE', days: 14, years: null }, 'enabled']);
    // COMPLIANCE cannot be lifted by anyone: an Admin's decision.
    const compliance = { name: 'locked-comp', owner: 'backup', objectLock: { mode: 'COMPLIANCE', years: 1 } };
    expect((await t.http.post('/api/v1/objects/buckets').set(bearer(operator)).send(compliance)).status).toBe(403);
    expect((await t.http.post('/api/v1/objects/buckets').set(admin()).send(compliance)).body.objectLock).toEqual({ mode: 'COMPLIANCE', days: null, years: 1 });
    // The provider's refusals keep their code.
    const dup = await t.http.post('/api/v1/objects/buckets').set(admin()).send({ name: 'op-bucket', owner: 'backup' });
    expect([dup.status, dup.body.detail]).toEqual([409, 'bucket op-bucket: a bucket of that name exists (BucketAlreadyExists)']);
    const noOwner = await t.http.post('/api/v1/objects/buckets').set(admin()).send({ name: 'orphan', owner: 'nobody' });
    expect([noOwner.status, noOwner.body.detail]).toEqual([404, 'user nobody: no such user (NoSuchUser)']);
    expect((await t.http.post('/api/v1/objects/buckets').set(bearer(reader)).send({ name: 'nope', owner: 'backup' })).status).toBe(403);
  });

  test('versioning suspend, quota, lifecycle rules', async () => {
    const v = await t.http.put('/api/v1/objects/buckets/op-bucket/versioning').set(bearer(operator)).send({ state: 'suspended' });
    expect(v.body.versioning).toBe('suspended');
    const refused = await t.http.put('/api/v1/objects/buckets/locked-gov/versioning').set(bearer(operator)).send({ state: 'suspended' });
    expect([refused.status, refused.body.detail]).toEqual([409, expect.stringContaining('InvalidBucketState')]);
    const q = await t.http
      .put('/api/v1/objects/buckets/op-bucket/quota')
      .set(bearer(operator))
      .send({ maxSizeBytes: 1024 ** 3, maxObjects: null });
    expect(q.body.quota).toEqual({ maxSizeBytes: 1024 ** 3, maxObjects: null });
    const rules = [{ id: 'tidy', expireDays: 90, noncurrentExpireDays: 30, abortMultipartDays: 3 }];
    const lc = await t.http.put('/api/v1/objects/buckets/op-bucket/lifecycle').set(bearer(operator)).send({ rules });
    expect(lc.body.lifecycle).toEqual([{ id: 'tidy', prefix: '', enabled: true, expireDays: 90, noncurrentExpireDays: 30, abortMultipartDays: 3 }]);
    const twice = await t.http
      .put('/api/v1/objects/buckets/op-bucket/lifecycle')
      .set(bearer(operator))
      .send({ rules: [...rules, ...rules] });
    expect([twice.status, twice.body.detail]).toEqual([400, expect.stringContaining('two rules are called "tidy"')]);
    const none = await t.http.put('/api/v1/objects/buckets/op-bucket/lifecycle').set(bearer(operator)).send({ rules: [] });
    expect(none.body.lifecycle).toEqual([]);
  });

  test('policy presets; an Operator may add Deny statements, never widen or make a bucket public', async () => {
    const put = (token: string, body: object) => t.http.put('/api/v1/objects/buckets/op-bucket/policy').set(bearer(token)).send(body);
    expect((await put(operator, { preset: 'public-read' })).status).toBe(403);
    expect((await put(operator, { preset: 'read-only-user', user: 'archive' })).status).toBe(403);
    const pub = await put(t.adminToken, { preset: 'public-read' });
    expect(JSON.parse(pub.body.policy)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::op-bucket/*'] }],
    });
    // Keeping the Allow and adding a Deny only narrows: an Operator's.
    const current = JSON.parse(pub.body.policy);
    const narrowed = {
      ...current,
      Statement: [...current.Statement, { Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::op-bucket/*' }],
    };
    const deny = await put(operator, { preset: 'custom', policy: JSON.stringify(narrowed) });
    expect([deny.status, JSON.parse(deny.body.policy).Statement.length]).toEqual([200, 2]);
    // Dropping that Deny (even by going "private") widens: refused to an Operator.
    expect((await put(operator, { preset: 'private' })).status).toBe(403);
    const priv = await put(t.adminToken, { preset: 'private' });
    expect(priv.body.policy).toBeNull();
    const unknownUser = await put(t.adminToken, { preset: 'read-only-user', user: 'ghost' });
    expect(unknownUser.status).toBe(404);
    expect((await put(t.adminToken, { preset: 'read-only-user' })).status).toBe(400);
    expect((await put(t.adminToken, { preset: 'private', policy: '{}' })).status).toBe(400);
  });

  test('deleted only by an Admin, with typed confirmation, and while not empty only with purgeObjects', async () => {
    const del = (token: string, body: object) => t.http.delete('/api/v1/objects/buckets/archive-2026').set(bearer(token)).send(body);
    expect((await del(operator, { confirm: 'archive-2026' })).status).toBe(403);
    const unconfirmed = await del(t.adminToken, {});
    expect([unconfirmed.status, unconfirmed.body.detail]).toEqual([400, expect.stringContaining('archive-2026')]);
    expect((await del(t.adminToken, { confirm: 'archive-2025' })).status).toBe(400);
    const notEmpty = await del(t.adminToken, { confirm: 'archive-2026' });
    expect([notEmpty.status, notEmpty.body.detail]).toEqual([409, 'bucket archive-2026: the bucket is not empty (BucketNotEmpty)']);
    expect((await del(t.adminToken, { confirm: 'archive-2026', purgeObjects: true })).status).toBe(200);
    expect((await t.http.get('/api/v1/objects/buckets/archive-2026').set(admin())).status).toBe(404);
  });
});

describe('users and keys', () => {
  test('create, suspend (Operator), enable (Admin), quota, policies, delete with confirmation', async () => {
    const made = await t.http
      .post('/api/v1/objects/users')
      .set(bearer(operator))
      .send({ uid: 'dave', displayName: 'Dave', email: 'dave@example.org', maxBuckets: 3 });
    expect([made.status, made.body]).toEqual([
      201,
      {
        uid: 'dave',
        displayName: 'Dave',
        email: 'dave@example.org',
        suspended: false,
        maxBuckets: 3,
        quota: { maxSizeBytes: null, maxObjects: null },
        quotaUsedPercent: null,
        keys: [],
        objects: 0,
        sizeBytes: 0,
        calypsoAdmin: false,
        policies: [],
      },
    ]);
    expect((await t.http.post('/api/v1/objects/users/dave/suspend').set(bearer(operator))).body.suspended).toBe(true);
    expect((await t.http.post('/api/v1/objects/users/dave/enable').set(bearer(operator))).status).toBe(403);
    expect((await t.http.post('/api/v1/objects/users/dave/enable').set(admin())).body.suspended).toBe(false);
    const q = await t.http
      .put('/api/v1/objects/users/dave/quota')
      .set(bearer(operator))
      .send({ maxSizeBytes: 10 * 1024 ** 3, maxObjects: 1000 });
    expect(q.body.quota).toEqual({ maxSizeBytes: 10 * 1024 ** 3, maxObjects: 1000 });

    const denyAll = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:*', Resource: '*' }] });
    const allowAll = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
    expect((await t.http.put('/api/v1/objects/users/dave/policies/all').set(bearer(operator)).send({ document: allowAll })).status).toBe(403);
    const denied = await t.http.put('/api/v1/objects/users/dave/policies/lockout').set(bearer(operator)).send({ document: denyAll });
    expect(denied.body.policies).toEqual([{ name: 'lockout', document: denyAll }]);
    // Replacing a Deny by an Allow, or removing the Deny, widens: an Admin's.
    expect((await t.http.put('/api/v1/objects/users/dave/policies/lockout').set(bearer(operator)).send({ document: allowAll })).status).toBe(403);
    expect((await t.http.delete('/api/v1/objects/users/dave/policies/lockout').set(bearer(operator))).status).toBe(403);
    expect((await t.http.delete('/api/v1/objects/users/dave/policies/lockout').set(admin())).body.policies).toEqual([]);
    const missing = await t.http.delete('/api/v1/objects/users/dave/policies/lockout').set(admin());
    expect([missing.status, missing.body.detail]).toEqual([404, expect.stringContaining('NoSuchEntity')]);

    expect((await t.http.delete('/api/v1/objects/users/dave').set(bearer(operator)).send({ confirm: 'dave' })).status).toBe(403);
    expect((await t.http.delete('/api/v1/objects/users/dave').set(admin())).status).toBe(400);
    expect((await t.http.delete('/api/v1/objects/users/dave').set(admin()).send({ confirm: 'dave' })).status).toBe(200);
    expect((await t.http.get('/api/v1/objects/users/dave').set(admin())).status).toBe(404);
  });

  test('a key: the secret in the creating answer only, never listed, never audited; rotate = create then revoke', async () => {
    expect((await t.http.post('/api/v1/objects/users/archive/keys').set(bearer(operator))).status).toBe(403);
    const made = await t.http.post('/api/v1/objects/users/archive/keys').set(admin());
    expect(made.status).toBe(201);
    const { accessKeyId, secretKey } = made.body as { accessKeyId: string; secretKey: string };
    expect(secretKey.length).toBeGreaterThanOrEqual(30);
    const seen = [
      await t.http.get('/api/v1/objects/users/archive/keys').set(admin()),
      await t.http.get('/api/v1/objects/users/archive').set(admin()),
      await t.http.get('/api/v1/objects/users').set(admin()),
      await t.http.get('/api/v1/audit').set(admin()),
    ];
    for (const r of seen) expect(JSON.stringify(r.body)).not.toContain(secretKey);
    expect(seen[0]!.body.items).toEqual([{ accessKeyId: 'SIMARCHIVEKEY0000001' }, { accessKeyId }]);
    // Rotation: the old key revoked (by an Operator, with typed confirmation); both steps audited.
    expect((await t.http.delete('/api/v1/objects/users/archive/keys/SIMARCHIVEKEY0000001').set(bearer(operator))).status).toBe(400);
    const revoked = await t.http
      .delete('/api/v1/objects/users/archive/keys/SIMARCHIVEKEY0000001')
      .set(bearer(operator))
      .send({ confirm: 'SIMARCHIVEKEY0000001' });
    expect(revoked.status).toBe(200);
    const audit = await t.http.get('/api/v1/audit').set(admin()).query({ limit: 50 });
    const ops = audit.body.items.map((a: { operation: string; result: string }) => `${a.operation}:${a.result}`);
    expect(ops).toEqual(expect.arrayContaining(['objects.keys.create:ok', 'objects.keys.revoke:ok']));
    const again = await t.http.delete('/api/v1/objects/users/archive/keys/SIMARCHIVEKEY0000001').set(admin()).send({ confirm: 'SIMARCHIVEKEY0000001' });
    expect(again.status).toBe(404);
  });
});

describe('usage, status, settings', () => {
  test('usage per bucket and per user with the quota used', async () => {
    const u = await t.http.get('/api/v1/objects/usage').set(bearer(reader));
    expect(u.body.buckets.find((b: { name: string }) => b.name === 'veeam-repo')).toEqual({
      name: 'veeam-repo',
      owner: 'backup',
      objects: 8800,
      sizeBytes: 78 * 1024 ** 3,
      quota: { maxSizeBytes: 100 * 1024 ** 3, maxObjects: null },
      quotaUsedPercent: 78,
    });
    expect(u.body.users.find((x: { name: string }) => x.name === 'backup')).toMatchObject({ objects: 1240 + 8800, quotaUsedPercent: null });
  });

  test('status says the provider, and that start/stop is not built', async () => {
    const s = await t.http.get('/api/v1/objects/status').set(bearer(reader));
    expect(s.body).toMatchObject({
      configured: true,
      provider: 'simulated',
      up: true,
      serviceControl: true,
      features: expect.arrayContaining(['versioning', 'userPolicy']),
    });
  });

  test('settings: Admin only, the secret write-only and never in the audit log', async () => {
    const body = { provider: 'rgw', endpoint: 'https://s3.example.org:7480', accessKeyId: 'ADMINACCESSKEY000001', secretKey: 'very-secret-admin-key-123' };
    expect((await t.http.put('/api/v1/objects/settings').set(bearer(operator)).send(body)).status).toBe(403);
    const first = await t.http
      .put('/api/v1/objects/settings')
      .set(admin())
      .send({ ...body, secretKey: undefined });
    expect([first.status, first.body.detail]).toEqual([400, expect.stringContaining('secretKey')]);
    const saved = await t.http.put('/api/v1/objects/settings').set(admin()).send(body);
    expect(saved.body).toEqual({
      provider: 'rgw',
      endpoint: 'https://s3.example.org:7480',
      region: 'us-east-1',
      accessKeyId: 'ADMINACCESSKEY000001',
      secretKeySet: true,
      tlsVerify: true,
      caCertificateSet: false,
    });
    // The secret is kept when omitted.
    const kept = await t.http
      .put('/api/v1/objects/settings')
      .set(admin())
      .send({ ...body, secretKey: undefined, tlsVerify: false });
    expect([kept.body.secretKeySet, kept.body.tlsVerify]).toEqual([true, false]);
    const everything = JSON.stringify([
      (await t.http.get('/api/v1/objects/settings').set(admin())).body,
      (await t.http.get('/api/v1/audit').set(admin()).query({ limit: 100 })).body,
    ]);
    expect(everything).not.toContain('very-secret-admin-key-123');
  });

  test('a feature the provider lacks is a 409 "not supported by this provider"', async () => {
    await simulatedObjectStore(host).setUnsupported(['versioning', 'bucketPolicy']);
    try {
      const v = await t.http.put('/api/v1/objects/buckets/op-bucket/versioning').set(admin()).send({ state: 'enabled' });
      expect([v.status, v.body.detail]).toEqual([409, 'Versioning is not supported by this provider (simulated)']);
      const p = await t.http.put('/api/v1/objects/buckets/op-bucket/policy').set(admin()).send({ preset: 'private' });
      expect([p.status, p.body.detail]).toEqual([409, 'A bucket policy is not supported by this provider (simulated)']);
      const s = await t.http.get('/api/v1/objects/status').set(admin());
      expect(s.body.features).not.toContain('versioning');
    } finally {
      await simulatedObjectStore(host).setUnsupported([]);
    }
  });
});

describe('a real appliance', () => {
  let real: TestApp;
  let closedPort: number;
  beforeAll(async () => {
    real = await startTestApp({ host: new LocalHost() });
    // A port nothing listens on: bound, then closed.
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closedPort = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
  });
  afterAll(async () => {
    await real.close();
  });

  test('without a provider: status says so, operations answer 409', async () => {
    const s = await real.http.get('/api/v1/objects/status').set(bearer(real.adminToken));
    expect(s.body).toMatchObject({ configured: false, up: false, detail: 'no object store provider is configured' });
    const b = await real.http.get('/api/v1/objects/buckets').set(bearer(real.adminToken));
    expect([b.status, b.body.detail]).toEqual([409, expect.stringContaining('no object store provider is configured')]);
  });

  test('an unreachable provider: 502 naming the endpoint; status down', async () => {
    const endpoint = `http://127.0.0.1:${closedPort}`;
    await real.http
      .put('/api/v1/objects/settings')
      .set(bearer(real.adminToken))
      .send({ provider: 'rgw', endpoint, accessKeyId: 'ADMINACCESSKEY000001', secretKey: 'adminSecretKey000001xxxxxxxxxxxxxxxxxxxx' });
    const b = await real.http.get('/api/v1/objects/buckets').set(bearer(real.adminToken));
    expect([b.status, b.body.detail]).toEqual([502, `the object store at ${endpoint} does not answer: ECONNREFUSED`]);
    const s = await real.http.get('/api/v1/objects/status').set(bearer(real.adminToken));
    expect(s.body).toMatchObject({ configured: true, provider: 'rgw', endpoint, up: false });
  });
});
