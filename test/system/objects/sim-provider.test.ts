/**
 * The simulated provider answers like RGW: the same error codes (NoSuchBucket, BucketNotEmpty,
 * QuotaExceeded, InvalidAccessKeyId...), quotas counted over versions, a state kept in the data
 * directory (a second provider on the same directory sees the first one's changes), and features
 * it is told to lack refused as "not supported by this provider".
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { ObjectStoreError, SimulatedObjectStore } from '../../../src/system/objectstore/index.js';

const dirs: string[] = [];
function freshStore() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-objsim-'));
  dirs.push(dir);
  const host = new SimulatedHost({ dataDir: dir });
  return { dir, host, store: new SimulatedObjectStore(host.files) };
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof ObjectStoreError) return `${err.kind}:${err.code}`;
    throw err;
  }
}

describe('the simulated object store', () => {
  test('starts with a few users and buckets with usage figures', async () => {
    const { store } = freshStore();
    const buckets = await store.listBuckets();
    expect(buckets.map((b) => [b.name, b.owner, b.versioning])).toEqual([
      ['bacula-volumes', 'backup', 'enabled'],
      ['veeam-repo', 'backup', 'enabled'],
      ['archive-2026', 'archive', 'off'],
    ]);
    expect(buckets.every((b) => b.objects > 0 && b.sizeBytes > 0)).toBe(true);
    const users = await store.listUsers();
    expect(users.find((u) => u.uid === 'backup')).toMatchObject({ objects: 1240 + 8800 });
  });

  test('quota over versions: the third version of a 2-object bucket is QuotaExceeded', async () => {
    const { store } = freshStore();
    await store.createUser({ uid: 'alice', displayName: 'Alice', email: '', maxBuckets: 10 });
    const key = await store.createKey('alice');
    await store.createBucket({ name: 'v1', owner: 'alice', objectLock: null });
    await store.setVersioning('v1', 'enabled');
    await store.setBucketQuota('v1', { maxObjects: 2, maxSizeBytes: null });
    await store.putObject(key.accessKeyId, 'v1', 'a', 5);
    await store.putObject(key.accessKeyId, 'v1', 'a', 7);
    expect(await codeOf(store.putObject(key.accessKeyId, 'v1', 'b', 1))).toBe('conflict:QuotaExceeded');
    expect(await store.getBucket('v1')).toMatchObject({ objects: 2, sizeBytes: 12 });
    // A user quota in bytes counts across the user's buckets.
    await store.setBucketQuota('v1', { maxObjects: null, maxSizeBytes: null });
    await store.setUserQuota('alice', { maxObjects: null, maxSizeBytes: 20 });
    expect(await codeOf(store.putObject(key.accessKeyId, 'v1', 'c', 9))).toBe('conflict:QuotaExceeded');
    expect(await codeOf(store.putObject(key.accessKeyId, 'v1', 'c', 8))).toBe('ok');
  });

  test('the refusals of RGW, by code', async () => {
    const { store } = freshStore();
    await store.createUser({ uid: 'bob', displayName: 'Bob', email: '', maxBuckets: 1 });
    const key = await store.createKey('bob');
    expect(await codeOf(store.getBucket('nosuch'))).toBe('missing:NoSuchBucket');
    expect(await codeOf(store.createBucket({ name: 'b1', owner: 'nobody', objectLock: null }))).toBe('missing:NoSuchUser');
    await store.createBucket({ name: 'b1', owner: 'bob', objectLock: null });
    expect(await codeOf(store.createBucket({ name: 'b1', owner: 'bob', objectLock: null }))).toBe('conflict:BucketAlreadyExists');
    expect(await codeOf(store.createBucket({ name: 'b2', owner: 'bob', objectLock: null }))).toBe('conflict:TooManyBuckets');
    expect(await codeOf(store.createUser({ uid: 'bob', displayName: 'Bob', email: '', maxBuckets: 1 }))).toBe('conflict:UserAlreadyExists');
    await store.putObject(key.accessKeyId, 'b1', 'x', 1);
    expect(await codeOf(store.deleteBucket('b1', false))).toBe('conflict:BucketNotEmpty');
    expect(await codeOf(store.putObject(key.accessKeyId, 'bacula-volumes', 'x', 1))).toBe('failed:AccessDenied');
    await store.setUserSuspended('bob', true);
    expect(await codeOf(store.putObject(key.accessKeyId, 'b1', 'y', 1))).toBe('failed:UserSuspended');
    await store.setUserSuspended('bob', false);
    await store.revokeKey('bob', key.accessKeyId);
    expect(await codeOf(store.putObject(key.accessKeyId, 'b1', 'y', 1))).toBe('missing:InvalidAccessKeyId');
    expect(await codeOf(store.revokeKey('bob', key.accessKeyId))).toBe('missing:InvalidAccessKeyId');
    // RGW answers EEXIST (BucketAlreadyExists) when the user still owns buckets.
    expect(await codeOf(store.deleteUser('bob', false))).toBe('conflict:BucketAlreadyExists');
    await store.deleteUser('bob', true);
    expect(await codeOf(store.getBucket('b1'))).toBe('missing:NoSuchBucket');
    // Object lock keeps versioning on.
    expect(await codeOf(store.setVersioning('veeam-repo', 'suspended'))).toBe('conflict:InvalidBucketState');
  });

  test('persisted in the data directory; the secret of a key is not', async () => {
    const { dir, host, store } = freshStore();
    await store.createUser({ uid: 'carol', displayName: 'Carol', email: 'carol@example.org', maxBuckets: 5 });
    const key = await store.createKey('carol');
    const again = new SimulatedObjectStore(new SimulatedHost({ dataDir: dir }).files);
    expect((await again.getUser('carol')).keys).toEqual([key.accessKeyId]);
    const stateText = (await host.files.read('/var/lib/calypso-sim/objectstore.json')).toString();
    expect(stateText).not.toContain(key.secretKey);
  });

  test('a feature it lacks is refused as not supported by this provider', async () => {
    const { store } = freshStore();
    await store.setUnsupported(['versioning', 'bucketPolicy']);
    expect(store.supports('versioning')).toBe(false);
    const err = await store.setVersioning('archive-2026', 'enabled').catch((e: unknown) => e);
    expect([(err as ObjectStoreError).kind, (err as Error).message]).toEqual(['unsupported', 'Versioning is not supported by this provider (simulated)']);
    expect(await codeOf(store.setLifecycle('archive-2026', []))).toBe('ok');
  });

  test('a stopped service is unreachable, naming its endpoint', async () => {
    const { store } = freshStore();
    await store.setRunning(false);
    const err = (await store.listBuckets().catch((e: unknown) => e)) as ObjectStoreError;
    expect([err.kind, err.message]).toEqual(['unreachable', expect.stringContaining(store.endpoint)]);
    expect(await store.status()).toMatchObject({ up: false, detail: 'connection refused' });
  });
});
