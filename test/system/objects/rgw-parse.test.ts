/** The RGW provider's readers, on answers captured from Ceph 16.2.15 (test/fixtures/rgw/README.md). */
import fs from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { bucketOf, errorOf, policyDocumentOf, policyNamesOf, quotaOf, userOf, withUsage } from '../../../src/system/objectstore/rgw.js';
import { providerError } from '../../../src/system/objectstore/index.js';

const fixture = (name: string) => fs.readFileSync(`test/fixtures/rgw/${name}`, 'utf8');

describe('Admin Ops answers', () => {
  test('bucket stats: usage summed, quota off, creation time', () => {
    const buckets = (JSON.parse(fixture('bucket-stats.json')) as Parameters<typeof bucketOf>[0][]).map(bucketOf);
    expect(buckets).toEqual([
      { name: 'forbob', owner: 'bob', objects: 0, sizeBytes: 0, createdAt: '2026-11-30T06:43:21.080Z', quota: { maxSizeBytes: 0, maxObjects: 2 } },
      { name: 'vers1', owner: 'alice', objects: 2, sizeBytes: 7, createdAt: '2026-11-30T06:42:35.021Z', quota: { maxSizeBytes: null, maxObjects: null } },
      { name: 'locked1', owner: 'alice', objects: 0, sizeBytes: 0, createdAt: '2026-11-30T06:42:37.142Z', quota: { maxSizeBytes: null, maxObjects: null } },
    ]);
  });

  test('user info: key ids only (the secrets it carries are dropped), usage from the buckets it owns', () => {
    const text = fixture('user-info.json');
    const raw = JSON.parse(text);
    expect(raw.keys[0].secret_key).toBeTruthy();
    const user = userOf(raw);
    expect(user).toEqual({
      uid: 'alice',
      displayName: 'Alice',
      email: 'a@x.org',
      suspended: false,
      maxBuckets: 10,
      quota: { maxSizeBytes: null, maxObjects: null },
      keys: ['R9T6J40Y0AVF7H8ZEBUB'],
      objects: 0,
      sizeBytes: 0,
    });
    expect(JSON.stringify(user)).not.toContain(raw.keys[0].secret_key);
    const buckets = (JSON.parse(fixture('bucket-stats.json')) as Parameters<typeof bucketOf>[0][]).map(bucketOf);
    expect(withUsage(user, buckets)).toMatchObject({ objects: 2, sizeBytes: 7 });
  });

  test('quotas: disabled or negative limits are none', () => {
    expect(quotaOf({ enabled: false, max_size: 100, max_objects: 5 })).toEqual({ maxSizeBytes: null, maxObjects: null });
    expect(quotaOf({ enabled: true, max_size: -1, max_objects: 2 })).toEqual({ maxSizeBytes: null, maxObjects: 2 });
    expect(quotaOf({ enabled: true, max_size: 0, max_objects: -1 })).toEqual({ maxSizeBytes: 0, maxObjects: null });
    expect(quotaOf({ enabled: true, max_size: 1048576, max_objects: -1 })).toEqual({ maxSizeBytes: 1048576, maxObjects: null });
  });

  test('errors: JSON (Admin Ops) and XML (IAM, S3) carry the code; the kind follows it', () => {
    expect(errorOf(fixture('error-nosuchuser.json'))).toEqual({ code: 'NoSuchUser', message: '' });
    expect(errorOf(fixture('error-bucketnotempty.json'))).toEqual({ code: 'BucketNotEmpty', message: '' });
    expect(errorOf(fixture('iam-error-nosuchentity.xml'))).toEqual({ code: 'NoSuchEntity', message: '' });
    expect(errorOf('<html>502 Bad Gateway</html>')).toEqual({ code: 'UnknownError', message: '' });
    const e = providerError('BucketNotEmpty', '', 'bucket vers1');
    expect([e.kind, e.code, e.message]).toEqual(['conflict', 'BucketNotEmpty', 'bucket vers1: the bucket is not empty (BucketNotEmpty)']);
    expect(providerError('AccessDenied', '', 'list buckets').kind).toBe('failed');
  });
});

describe('IAM answers', () => {
  test('policy names, none or one', () => {
    expect(policyNamesOf(fixture('iam-list-user-policies.xml'))).toEqual([]);
    expect(policyNamesOf(fixture('iam-list-user-policies-one.xml'))).toEqual(['deny-peer']);
  });

  test('a policy document, unescaped', () => {
    expect(JSON.parse(policyDocumentOf(fixture('iam-get-user-policy.xml')))).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::calypso-peer/*' }],
    });
  });
});
