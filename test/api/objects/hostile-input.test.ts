/**
 * Hostile bucket names, user ids, policy documents (huge, deeply nested, wrong types) and
 * lifecycle rules are refused with 400 problem+json before anything reaches the provider: the
 * simulated provider's state file is never even read (a recording host proves it).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';
import type { CommandRecord, Host, HostFiles, RunOptions, RunResult } from '../../../src/system/host.js';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { OBJECTSTORE_SIM_STATE } from '../../../src/system/objectstore/index.js';

/** The simulated appliance, recording every file the object store provider touches. */
class RecordingFilesHost implements Host {
  readonly kind = 'sim' as const;
  readonly touched: string[] = [];
  readonly files: HostFiles;
  constructor(private readonly inner = new SimulatedHost()) {
    const f = inner.files;
    const rec = (p: string) => {
      if (p === OBJECTSTORE_SIM_STATE) this.touched.push(p);
    };
    this.files = {
      read: (p) => (rec(p), f.read(p)),
      readIfExists: (p) => (rec(p), f.readIfExists(p)),
      list: (d) => f.list(d),
      exists: (p) => (rec(p), f.exists(p)),
      writeAtomic: (p, c, o) => (rec(p), f.writeAtomic(p, c, o)),
      restorePrevious: (p) => (rec(p), f.restorePrevious(p)),
      stat: (p) => (rec(p), f.stat(p)),
    };
  }
  run(command: string, args: string[], opts?: RunOptions): Promise<RunResult> {
    return this.inner.run(command, args, opts);
  }
  history(limit?: number): CommandRecord[] {
    return this.inner.history(limit);
  }
}

let t: TestApp;
let host: RecordingFilesHost;
beforeAll(async () => {
  host = new RecordingFilesHost();
  t = await startTestApp({ host });
});
afterAll(async () => {
  await t.close();
});

async function refusedBeforeProvider(send: () => PromiseLike<{ status: number; headers: Record<string, string>; body: { detail?: string } }>) {
  host.touched.length = 0;
  const res = await send();
  expect([res.status, res.headers['content-type']]).toEqual([400, expect.stringMatching(/problem\+json/)]);
  expect(host.touched).toEqual([]);
  return res.body;
}

const HOSTILE_BUCKETS = [
  '',
  'ab',
  'x'.repeat(64),
  'Backups',
  'bucket_name',
  'bucket..name',
  'bucket.-name',
  '-bucket',
  'bucket-',
  '192.168.1.10',
  'a/b',
  '../etc',
  'b;rm -rf /',
  'bucket\nname',
  'xn--bucket',
  'bucket-s3alias',
  'bücket',
];

describe('bucket names', () => {
  test.each(HOSTILE_BUCKETS)('%j refused on create', async (name) => {
    const body = await refusedBeforeProvider(() => t.http.post('/api/v1/objects/buckets').set(bearer(t.adminToken)).send({ name, owner: 'backup' }));
    expect(body.detail).toMatch(/name/);
  });

  test.each(HOSTILE_BUCKETS.filter((n) => n && !n.includes('/')))('%j refused in a path', async (name) => {
    await refusedBeforeProvider(() =>
      t.http
        .put(`/api/v1/objects/buckets/${encodeURIComponent(name)}/quota`)
        .set(bearer(t.adminToken))
        .send({ maxSizeBytes: null, maxObjects: 1 }),
    );
  });

  test('a name of a wrong type', async () => {
    for (const name of [42, null, ['a'], { a: 1 }])
      await refusedBeforeProvider(() => t.http.post('/api/v1/objects/buckets').set(bearer(t.adminToken)).send({ name, owner: 'backup' }));
  });
});

describe('user ids', () => {
  test.each(['', '-rf', '$tenant', 'ten$ant', 'a b', 'x'.repeat(65), '../x', 'a\u0000b', 'a;b', '.hidden', 'a\nb'])('%j refused', async (uid) => {
    await refusedBeforeProvider(() => t.http.post('/api/v1/objects/users').set(bearer(t.adminToken)).send({ uid, displayName: 'X' }));
  });

  test('hostile display names, emails and bucket counts', async () => {
    for (const extra of [
      { displayName: '' },
      { displayName: 'a\u0007b' },
      { displayName: 'x'.repeat(129) },
      { email: 'not an email' },
      { maxBuckets: -1 },
      { maxBuckets: 1.5 },
      { role: 'admin' },
    ])
      await refusedBeforeProvider(() =>
        t.http
          .post('/api/v1/objects/users')
          .set(bearer(t.adminToken))
          .send({ uid: 'newuser', displayName: 'New', ...extra }),
      );
  });
});

describe('policy documents', () => {
  const deep = (n: number) =>
    `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}]}`;
  const statement = { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bacula-volumes/*' };
  const doc = (s: object) => JSON.stringify({ Version: '2012-10-17', Statement: [s] });
  const HOSTILE_POLICIES: [string, string][] = [
    ['huge', JSON.stringify({ Version: '2012-10-17', Statement: [{ ...statement, Sid: 'x'.repeat(30_000) }] })],
    ['nested 500 deep', deep(500)],
    ['nested 8 deep', deep(8)],
    ['not JSON', '{"Statement": ['],
    ['an array', '[]'],
    ['a string', '"policy"'],
    ['no statements', '{"Version":"2012-10-17","Statement":[]}'],
    ['Statement a string', '{"Statement":"allow all"}'],
    ['unknown Effect', doc({ ...statement, Effect: 'Maybe' })],
    ['Action a number', doc({ ...statement, Action: 5 })],
    ['Action empty list', doc({ ...statement, Action: [] })],
    ['Action unknown service', doc({ ...statement, Action: 'ec2:RunInstances' })],
    ['Resource an object', doc({ ...statement, Resource: { a: 1 } })],
    ['Resource not an ARN', doc({ ...statement, Resource: '/etc/passwd' })],
    ['no Principal', doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' })],
    ['Principal a number', doc({ ...statement, Principal: 7 })],
    ['Principal unknown kind', doc({ ...statement, Principal: { Anyone: '*' } })],
    ['Condition a list', doc({ ...statement, Condition: ['x'] })],
    ['Condition value an object', doc({ ...statement, Condition: { StringEquals: { 'aws:UserAgent': { x: 1 } } } })],
    ['unknown statement field', doc({ ...statement, Extra: true })],
    ['unknown top-level field', JSON.stringify({ Version: '2012-10-17', Statement: [statement], Evil: 1 })],
    ['wrong Version', JSON.stringify({ Version: '2099-01-01', Statement: [statement] })],
    ['both Action and NotAction', doc({ ...statement, NotAction: 's3:*' })],
  ];

  test.each(HOSTILE_POLICIES)('bucket policy: %s', async (_what, policy) => {
    await refusedBeforeProvider(() => t.http.put('/api/v1/objects/buckets/bacula-volumes/policy').set(bearer(t.adminToken)).send({ preset: 'custom', policy }));
  });

  test('a policy of a wrong type, and a user policy with a Principal', async () => {
    for (const policy of [{ Statement: [] }, 12, null, ['x']])
      await refusedBeforeProvider(() =>
        t.http.put('/api/v1/objects/buckets/bacula-volumes/policy').set(bearer(t.adminToken)).send({ preset: 'custom', policy }),
      );
    await refusedBeforeProvider(() =>
      t.http
        .put('/api/v1/objects/users/backup/policies/p1')
        .set(bearer(t.adminToken))
        .send({ document: doc(statement) }),
    );
    for (const name of ['bad%20name!', '-deny', '.x'])
      await refusedBeforeProvider(() => t.http.put(`/api/v1/objects/users/backup/policies/${name}`).set(bearer(t.adminToken)).send({ document: '{}' }));
  });
});

describe('lifecycle rules', () => {
  const rule = { id: 'r1', expireDays: 30 };
  test.each([
    ['negative days', { ...rule, expireDays: -1 }],
    ['zero days', { ...rule, expireDays: 0 }],
    ['a billion days', { ...rule, expireDays: 1e9 }],
    ['days as text', { ...rule, expireDays: 'ten' }],
    ['fractional days', { ...rule, noncurrentExpireDays: 1.5 }],
    ['an id with a newline', { ...rule, id: 'a\nb' }],
    ['an empty id', { ...rule, id: '' }],
    ['an id starting with -', { ...rule, id: '-r' }],
    ['a prefix with a control character', { ...rule, prefix: 'logs/\u0001' }],
    ['a prefix too long', { ...rule, prefix: 'p'.repeat(1025) }],
    ['a rule that does nothing', { id: 'r1' }],
    ['an unknown field', { ...rule, transition: { days: 1, storageClass: 'GLACIER' } }],
  ])('%s', async (_what, r) => {
    await refusedBeforeProvider(() =>
      t.http
        .put('/api/v1/objects/buckets/bacula-volumes/lifecycle')
        .set(bearer(t.adminToken))
        .send({ rules: [r] }),
    );
  });

  test('too many rules, and rules that are not a list', async () => {
    const many = Array.from({ length: 101 }, (_, i) => ({ id: `r${i}`, expireDays: 1 }));
    for (const rules of [many, 'expire', { r1: rule }, null])
      await refusedBeforeProvider(() => t.http.put('/api/v1/objects/buckets/bacula-volumes/lifecycle').set(bearer(t.adminToken)).send({ rules }));
  });
});

test('provider settings: hostile endpoints and keys', async () => {
  const good = { provider: 'rgw', endpoint: 'http://127.0.0.1:7480', accessKeyId: 'ADMINACCESSKEY000001', secretKey: 'adminSecretKey000001' };
  for (const bad of [
    { endpoint: 'file:///etc/passwd' },
    { endpoint: 'http://user:pass@127.0.0.1:7480' },
    { endpoint: 'http://127.0.0.1:7480/admin?x=1' },
    { endpoint: 'gopher://127.0.0.1' },
    { accessKeyId: '-x' },
    { secretKey: 'has space in it' },
    { provider: 'minio' },
    { caCertificate: 'not a pem' },
  ])
    await refusedBeforeProvider(() =>
      t.http
        .put('/api/v1/objects/settings')
        .set(bearer(t.adminToken))
        .send({ ...good, ...bad }),
    );
});
