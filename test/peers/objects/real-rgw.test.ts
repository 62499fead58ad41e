/**
 * A real Ceph RGW on loopback (REAL-PEERS.md), driven through Calypso's API: a user and a key, a
 * versioned bucket holding two versions written with that key, a bucket quota of 2 objects that
 * refuses the third PUT (QuotaExceeded), a deny policy that refuses a second user's GET, a revoked
 * key refused, usage that matches what was written, and a bucket deleted only with confirmation.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startTestApp, bearer, type TestApp } from '../../helpers/app.js';
import { LocalHost } from '../../../src/system/local-host.js';
import { waitFor } from '../../helpers/peers.js';
import { RGW_ADMIN, RGW_ENDPOINT, rgwAvailable, startRgw, type RgwPeer } from './rgw-peer.js';

const suite = rgwAvailable() ? describe : describe.skip;

const s3As = (key: { accessKeyId: string; secretKey: string }) =>
  new S3Client({
    endpoint: RGW_ENDPOINT,
    region: 'us-east-1',
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretKey },
  });

/** The S3 error code of a refused call (or 'ok' when it was not refused). */
async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return (err as Error).name;
  }
}

suite('Calypso manages a real Ceph RGW', () => {
  let peer: RgwPeer | null = null;
  let t: TestApp;
  let operator: string;
  const admin = () => bearer(t.adminToken);

  beforeAll(async () => {
    peer = await startRgw();
    t = await startTestApp({ host: new LocalHost() });
    operator = await t.userWithRoles('op', ['Operator']);
  }, 240_000);

  afterAll(async () => {
    await t?.close();
    await peer?.stop();
  }, 120_000);

  test('users, keys, versioning, quota, policies, revocation, usage and deletion', async () => {
    const settings = await t.http
      .put('/api/v1/objects/settings')
      .set(admin())
      .send({ provider: 'rgw', endpoint: RGW_ENDPOINT, accessKeyId: RGW_ADMIN.accessKeyId, secretKey: RGW_ADMIN.secretKey, tlsVerify: true });
    expect([settings.status, settings.body.secretKeySet, JSON.stringify(settings.body).includes(RGW_ADMIN.secretKey)]).toEqual([200, true, false]);
    const status = await t.http.get('/api/v1/objects/status').set(admin());
    expect(status.body).toMatchObject({ configured: true, provider: 'rgw', endpoint: RGW_ENDPOINT, up: true, detail: null });
    // Calypso's own admin user is not suspended, and its key not revoked, from Calypso.
    const users = await t.http.get('/api/v1/objects/users').set(admin());
    expect(users.body.items.find((u: { uid: string }) => u.uid === 'admin')).toMatchObject({ calypsoAdmin: true, keys: [RGW_ADMIN.accessKeyId] });
    expect((await t.http.post('/api/v1/objects/users/admin/suspend').set(bearer(operator))).status).toBe(409);
    const revokeAdmin = await t.http.delete(`/api/v1/objects/users/admin/keys/${RGW_ADMIN.accessKeyId}`).set(admin()).send({ confirm: RGW_ADMIN.accessKeyId });
    expect(revokeAdmin.status).toBe(409);

    // A user and a key (the secret in the creating answer only).
    for (const uid of ['alice', 'bob']) {
      const u = await t.http
        .post('/api/v1/objects/users')
        .set(admin())
        .send({ uid, displayName: `User ${uid}` });
      expect([u.status, u.body.detail, u.body.uid, u.body.keys]).toEqual([201, undefined, uid, []]);
    }
    const aliceKey = (await t.http.post('/api/v1/objects/users/alice/keys').set(admin())).body as { accessKeyId: string; secretKey: string };
    const bobKey = (await t.http.post('/api/v1/objects/users/bob/keys').set(admin())).body as { accessKeyId: string; secretKey: string };
    expect(aliceKey.secretKey).toMatch(/^\S{20,}$/);
    const keys = await t.http.get('/api/v1/objects/users/alice/keys').set(admin());
    expect(keys.body).toEqual({ items: [{ accessKeyId: aliceKey.accessKeyId }] });
    expect(JSON.stringify((await t.http.get('/api/v1/objects/users/alice').set(admin())).body)).not.toContain(aliceKey.secretKey);

    // A versioned bucket; two versions written with alice's key, both listed.
    const bucket = 'calypso-peer';
    const made = await t.http.post('/api/v1/objects/buckets').set(bearer(operator)).send({ name: bucket, owner: 'alice', versioning: true });
    expect([made.status, made.body.owner, made.body.versioning]).toEqual([201, 'alice', 'enabled']);
    const alice = s3As(aliceKey);
    await alice.send(new PutObjectCommand({ Bucket: bucket, Key: 'report.txt', Body: 'first' }));
    await alice.send(new PutObjectCommand({ Bucket: bucket, Key: 'report.txt', Body: 'second!' }));
    const versions = await alice.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(versions.Versions?.map((v) => [v.Key, v.Size, v.IsLatest])).toEqual([
      ['report.txt', 7, true],
      ['report.txt', 5, false],
    ]);

    // Quota of 2 objects: the third PUT is refused.
    const quota = await t.http.put(`/api/v1/objects/buckets/${bucket}/quota`).set(bearer(operator)).send({ maxObjects: 2, maxSizeBytes: null });
    expect([quota.status, quota.body.quota]).toEqual([200, { maxObjects: 2, maxSizeBytes: null }]);
    expect(await refusal(alice.send(new PutObjectCommand({ Bucket: bucket, Key: 'third.txt', Body: 'x' })))).toBe('QuotaExceeded');

    // bob may read (an Admin's read-only-user preset; an Operator may not widen access)...
    const widen = await t.http.put(`/api/v1/objects/buckets/${bucket}/policy`).set(bearer(operator)).send({ preset: 'read-only-user', user: 'bob' });
    expect(widen.status).toBe(403);
    const grant = await t.http.put(`/api/v1/objects/buckets/${bucket}/policy`).set(admin()).send({ preset: 'read-only-user', user: 'bob' });
    expect(grant.status).toBe(200);
    const bob = s3As(bobKey);
    const read = await bob.send(new GetObjectCommand({ Bucket: bucket, Key: 'report.txt' }));
    expect(await read.Body!.transformToString()).toBe('second!');
    // ...until an Operator attaches a policy that denies him: a deny only narrows, so it is theirs to set.
    const deny = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }] });
    const denied = await t.http.put('/api/v1/objects/users/bob/policies/deny-peer').set(bearer(operator)).send({ document: deny });
    expect([denied.status, denied.body.policies.map((p: { name: string }) => p.name)]).toEqual([200, ['deny-peer']]);
    await waitFor(
      'the deny policy to take effect',
      async () => (await refusal(bob.send(new GetObjectCommand({ Bucket: bucket, Key: 'report.txt' })))) === 'AccessDenied',
      30_000,
    );
    // Removing a Deny widens again: an Admin's.
    expect((await t.http.delete('/api/v1/objects/users/bob/policies/deny-peer').set(bearer(operator))).status).toBe(403);

    // A revoked key is refused.
    const revokeNoConfirm = await t.http.delete(`/api/v1/objects/users/bob/keys/${bobKey.accessKeyId}`).set(bearer(operator));
    expect(revokeNoConfirm.status).toBe(400);
    const revoked = await t.http.delete(`/api/v1/objects/users/bob/keys/${bobKey.accessKeyId}`).set(bearer(operator)).send({ confirm: bobKey.accessKeyId });
    expect(revoked.status).toBe(200);
    await waitFor(
      'the revoked key to be refused',
      async () => (await refusal(bob.send(new GetObjectCommand({ Bucket: bucket, Key: 'report.txt' })))) === 'InvalidAccessKeyId',
      30_000,
    );

    // Usage matches what was written: two versions, 5 + 7 bytes, at 100% of a 2-object quota.
    const usage = await t.http.get('/api/v1/objects/usage').set(admin());
    expect(usage.body.buckets.find((b: { name: string }) => b.name === bucket)).toEqual({
      name: bucket,
      owner: 'alice',
      objects: 2,
      sizeBytes: 12,
      quota: { maxObjects: 2, maxSizeBytes: null },
      quotaUsedPercent: 100,
    });
    expect(usage.body.users.find((u: { name: string }) => u.name === 'alice')).toMatchObject({ objects: 2, sizeBytes: 12 });

    // Deleted only with confirmation, and only with "delete all objects" while it holds some.
    const del = (body: object, token = t.adminToken) => t.http.delete(`/api/v1/objects/buckets/${bucket}`).set(bearer(token)).send(body);
    expect((await del({ confirm: bucket }, operator)).status).toBe(403);
    expect((await del({})).status).toBe(400);
    const notEmpty = await del({ confirm: bucket });
    expect([notEmpty.status, notEmpty.body.detail]).toEqual([409, expect.stringContaining('BucketNotEmpty')]);
    expect((await del({ confirm: bucket, purgeObjects: true })).status).toBe(200);
    expect((await t.http.get(`/api/v1/objects/buckets/${bucket}`).set(admin())).status).toBe(404);

    // A user's bucket limit holds (Calypso counts: RGW does not for linked buckets); a user is deleted with its buckets only when purging.
    await t.http.post('/api/v1/objects/users').set(admin()).send({ uid: 'carol', displayName: 'Carol', maxBuckets: 1 });
    expect((await t.http.post('/api/v1/objects/buckets').set(admin()).send({ name: 'carol-one', owner: 'carol' })).status).toBe(201);
    const second = await t.http.post('/api/v1/objects/buckets').set(admin()).send({ name: 'carol-two', owner: 'carol' });
    expect([second.status, second.body.detail]).toEqual([409, expect.stringContaining('(TooManyBuckets)')]);
    const owns = await t.http.delete('/api/v1/objects/users/carol').set(admin()).send({ confirm: 'carol' });
    expect([owns.status, owns.body.detail]).toEqual([409, 'user carol: still owns buckets: delete them, or purge its data (BucketAlreadyExists)']);
    expect((await t.http.delete('/api/v1/objects/users/carol').set(admin()).send({ confirm: 'carol', purgeData: true })).status).toBe(200);
    expect((await t.http.get('/api/v1/objects/buckets/carol-one').set(admin())).status).toBe(404);

    // Wrong admin keys: RGW answers but refuses; said with its code, never with the secret.
    const wrong = 'wrongSecretKey0000000000000000000000000000';
    await t.http
      .put('/api/v1/objects/settings')
      .set(admin())
      .send({ provider: 'rgw', endpoint: RGW_ENDPOINT, accessKeyId: RGW_ADMIN.accessKeyId, secretKey: wrong });
    const refused = await t.http.get('/api/v1/objects/buckets').set(admin());
    expect([refused.status, refused.body.detail]).toEqual([502, expect.stringContaining('(SignatureDoesNotMatch)')]);
    const half = await t.http.get('/api/v1/objects/status').set(admin());
    expect(half.body).toMatchObject({ up: true, detail: expect.stringContaining('SignatureDoesNotMatch') });
    expect(JSON.stringify([refused.body, half.body])).not.toContain(wrong);
  }, 180_000);
});
