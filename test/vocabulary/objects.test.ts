/** Bucket names under the S3 rules, and when a policy change can only narrow access (what an Operator may do). */
import { describe, expect, test } from '@jest/globals';
import { bucketNameProblem, onlyNarrows, parsePolicy, type PolicyDocument } from '../../src/vocabulary/objects.js';

describe('bucket names', () => {
  test.each(['abc', 'backup-2026', 'a.b.c', 'x'.repeat(63), '1bucket', 'bucket1'])('%j is a bucket name', (n) => {
    expect(bucketNameProblem(n)).toBeNull();
  });
  test.each([
    ['ab', '3 to 63'],
    ['Abc', 'lower-case'],
    ['a..b', "no '..'"],
    ['10.0.0.1', 'IP address'],
    ['-ab', 'starts and ends'],
    ['ab.', 'starts and ends'],
    ['a.-b', "'.-'"],
  ])('%j is refused: %s', (n, why) => {
    expect(bucketNameProblem(n)).toContain(why);
  });
});

describe('policy changes', () => {
  const allow = { Effect: 'Allow' as const, Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' };
  const deny = { Effect: 'Deny' as const, Principal: '*', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::b/*' };
  const p = (...Statement: PolicyDocument['Statement']): PolicyDocument => ({ Version: '2012-10-17', Statement });

  test('adding a Deny, or removing an Allow, only narrows', () => {
    expect(onlyNarrows(null, p(deny))).toBe(true);
    expect(onlyNarrows(p(allow), p(allow, deny))).toBe(true);
    expect(onlyNarrows(p(allow, deny), p(deny))).toBe(true);
    expect(onlyNarrows(p(allow), null)).toBe(true);
    // Key order inside a statement does not matter.
    expect(onlyNarrows(p(deny), p({ Resource: deny.Resource, Action: deny.Action, Principal: '*', Effect: 'Deny' }))).toBe(true);
  });

  test('adding or changing an Allow, or removing a Deny, may widen', () => {
    expect(onlyNarrows(null, p(allow))).toBe(false);
    expect(onlyNarrows(p(deny), null)).toBe(false);
    expect(onlyNarrows(p(deny), p(allow))).toBe(false);
    expect(onlyNarrows(p(allow), p({ ...allow, Action: 's3:*' }))).toBe(false);
    expect(onlyNarrows(p(deny), p({ ...deny, Resource: 'arn:aws:s3:::other/*' }))).toBe(false);
  });

  test('a statement object instead of a list is read as a list of one', () => {
    const parsed = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: deny }), true);
    expect(parsed).toEqual({ policy: { Version: '2012-10-17', Statement: [deny] } });
  });
});
