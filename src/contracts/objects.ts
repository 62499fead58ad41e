/**
 * Object storage (issue 13): the appliance's S3 service (Ceph RGW, or the simulated appliance's
 * own): buckets with versioning, object lock, quotas, policies and lifecycle rules; users with
 * quotas and policies; access keys; usage. Reading is objects.read; day-to-day changes that cannot
 * widen anyone's access are objects.operate; what can (new keys, Allow statements, public buckets,
 * re-enabling a user, COMPLIANCE locks) or destroys (deleting buckets and users) is objects.admin.
 * The provider's admin secret and every access key's secret go in, never out, except a new key's
 * secret in the one answer that creates it.
 */
import { z } from 'zod';
import { contractSet, defineContract, definePermissions } from './core.js';
import { listOf, listShape } from './list.js';
import { isoTime } from './time.js';
import {
  ACCESS_KEY_ID,
  DISPLAY_NAME,
  KEY_PREFIX,
  LIFECYCLE_ID,
  MAX_POLICY_BYTES,
  OBJECT_USER_ID,
  POLICY_NAME,
  bucketNameProblem,
  parsePolicy,
} from '../vocabulary/objects.js';

/** The object gateway's systemd unit: started, stopped and restarted through the appliance's service control (appliance.services.*). */
export const RGW_UNIT = 'ceph-radosgw@rgw.calypso' as const;

export const objectsPermissions = definePermissions([
  { name: 'objects.read', description: 'See the object store: status, buckets, users, access key ids, policies and usage', level: 'read' },
  {
    name: 'objects.operate',
    description: 'Create buckets and users, set versioning, quotas, lifecycle rules and deny-only policies, suspend users, revoke keys',
    level: 'operate',
  },
  {
    name: 'objects.admin',
    description: 'Object store settings, access keys, policies that allow access, public buckets, COMPLIANCE locks, deleting buckets and users',
    level: 'admin',
  },
]);

/** The features a provider may lack (a call using one answers 409 "not supported by this provider"). */
export const OBJECT_FEATURES = ['versioning', 'objectLock', 'bucketPolicy', 'lifecycle', 'userPolicy', 'userQuota', 'bucketQuota', 'suspendUser'] as const;

const ok = z.object({ ok: z.literal(true).describe('Done') });

// Names

export const bucketName = z
  .string()
  .max(63)
  .superRefine((n, c) => {
    const problem = bucketNameProblem(n);
    if (problem) c.addIssue({ code: 'custom', message: problem });
  })
  .describe('Bucket name (S3 rules: 3-63 lower-case letters, digits, dots, hyphens; not an IP address), e.g. backup-2026');
export const objectUserId = z
  .string()
  .max(64)
  .regex(OBJECT_USER_ID, "a letter or digit, then letters, digits, '_', '.', '@' or '-' (up to 64)")
  .describe('Object-store user id');
const accessKeyId = z.string().max(128).regex(ACCESS_KEY_ID, '16 to 128 letters and digits').describe('Access key id');
const policyName = z.string().max(128).regex(POLICY_NAME, 'a letter or digit, then letters, digits and + = , . @ _ - (up to 128)').describe('Policy name');

// Values

export const quotaInput = z.object({
  maxSizeBytes: z
    .number()
    .int()
    .min(1)
    .max(Number.MAX_SAFE_INTEGER)
    .nullable()
    .default(null)
    .describe('Largest total size in bytes (null or left out: no limit; RGW keeps bucket quotas in whole KiB, rounded up)'),
  maxObjects: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().default(null).describe('Most objects (null or left out: no limit)'),
});
const quotaSchema = z.object({
  maxSizeBytes: z.number().nullable().describe('Largest total size in bytes, or null for no limit'),
  maxObjects: z.number().nullable().describe('Most objects, or null for no limit'),
});

export const LOCK_MODES = ['GOVERNANCE', 'COMPLIANCE'] as const;
const objectLockInput = z
  .object({
    mode: z.enum(LOCK_MODES).describe('GOVERNANCE: users with the right may still delete; COMPLIANCE: nobody can until retention ends (needs objects.admin)'),
    days: z.number().int().min(1).max(36500).nullable().default(null).describe('Default retention in days (give days or years)'),
    years: z.number().int().min(1).max(100).nullable().default(null).describe('Default retention in years (give days or years)'),
  })
  .refine((l) => (l.days === null) !== (l.years === null), 'give the retention in days or in years (one of them)');
const objectLockSchema = z.object({
  mode: z.enum(LOCK_MODES).describe('Retention mode'),
  days: z.number().nullable().describe('Default retention in days'),
  years: z.number().nullable().describe('Default retention in years'),
});

const days = (what: string) => z.number().int().min(1).max(36500).nullable().default(null).describe(what);
export const lifecycleRuleInput = z
  .object({
    id: z.string().max(255).regex(LIFECYCLE_ID, 'a letter or digit, then letters, digits, space and . _ - (up to 255)').describe('Rule id'),
    prefix: z.string().max(1024).regex(KEY_PREFIX, 'printable characters only').default('').describe('Objects whose key starts with this ("" for all)'),
    enabled: z.boolean().default(true).describe('Applied'),
    expireDays: days('Expire current versions this many days after they were written (null: never)'),
    noncurrentExpireDays: days('Remove noncurrent versions this many days after they became noncurrent (null: never)'),
    abortMultipartDays: days('Abort multipart uploads not completed after this many days (null: never)'),
  })
  .refine(
    (r) => r.expireDays !== null || r.noncurrentExpireDays !== null || r.abortMultipartDays !== null,
    'a rule does something: give at least one of its day counts',
  )
  .meta({ examples: [{ id: 'expire-old', prefix: '', enabled: true, expireDays: 365, noncurrentExpireDays: 30, abortMultipartDays: 7 }] });
const lifecycleRuleSchema = z.object({
  id: z.string().describe('Rule id'),
  prefix: z.string().describe('Key prefix it applies to'),
  enabled: z.boolean().describe('Applied'),
  expireDays: z.number().nullable().describe('Current versions expire after this many days'),
  noncurrentExpireDays: z.number().nullable().describe('Noncurrent versions are removed after this many days'),
  abortMultipartDays: z.number().nullable().describe('Incomplete multipart uploads are aborted after this many days'),
});
export type LifecycleRuleInput = z.infer<typeof lifecycleRuleInput>;

/** A policy document given as JSON text: checked for shape here, before anything reaches the provider. */
const policyText = (needsPrincipal: boolean) =>
  z
    .string()
    .max(MAX_POLICY_BYTES)
    .superRefine((text, c) => {
      const parsed = parsePolicy(text, needsPrincipal);
      if ('problem' in parsed) c.addIssue({ code: 'custom', message: parsed.problem });
    });

export const VERSIONING_STATES = ['off', 'enabled', 'suspended'] as const;
export const POLICY_PRESETS = ['private', 'public-read', 'read-only-user', 'custom'] as const;

// Outputs

const bucketSummarySchema = z.object({
  name: z.string().describe('Bucket'),
  owner: z.string().describe('Owning user'),
  objects: z.number().describe('Objects (every stored version counts)'),
  sizeBytes: z.number().describe('Bytes stored'),
  createdAt: isoTime().nullable().describe('Created (ISO-8601)'),
  quota: quotaSchema.describe('Bucket quota'),
  quotaUsedPercent: z.number().nullable().describe('The larger of objects and bytes as a percent of the quota (null without a quota)'),
  versioning: z.enum(VERSIONING_STATES).describe('Versioning state'),
});
export type ObjectBucket = z.infer<typeof bucketSummarySchema>;

export const bucketDetailSchema = bucketSummarySchema.extend({
  objectLock: objectLockSchema.nullable().describe('Object lock default retention (null: no object lock)'),
  policy: z.string().nullable().describe('Bucket policy (JSON), or null'),
  lifecycle: z.array(lifecycleRuleSchema).describe('Lifecycle rules'),
});
export type ObjectBucketDetail = z.infer<typeof bucketDetailSchema>;

const userSchema = z.object({
  uid: z.string().describe('User id'),
  displayName: z.string().describe('Display name'),
  email: z.string().describe('Email ("" when none)'),
  suspended: z.boolean().describe('Suspended: its keys are refused'),
  maxBuckets: z.number().describe('Most buckets it may own'),
  quota: quotaSchema.describe('User quota'),
  quotaUsedPercent: z.number().nullable().describe('The larger of objects and bytes as a percent of the quota (null without a quota)'),
  keys: z.array(z.string()).describe('Access key ids (secrets are never shown)'),
  objects: z.number().describe('Objects in its buckets'),
  sizeBytes: z.number().describe('Bytes in its buckets'),
  calypsoAdmin: z.boolean().describe('Holds the admin key Calypso manages the provider with (not suspended, deleted or its key revoked here)'),
});
export type ObjectUser = z.infer<typeof userSchema>;

const userPolicySchema = z.object({ name: z.string().describe('Policy name'), document: z.string().describe('Policy document (JSON)') });
export const userDetailSchema = userSchema.extend({ policies: z.array(userPolicySchema).describe('User policies') });
export type ObjectUserDetail = z.infer<typeof userDetailSchema>;

export const objectStatusSchema = z.object({
  configured: z.boolean().describe('A provider is configured (always true on the simulated appliance)'),
  provider: z.string().nullable().describe('rgw or simulated, or null when not configured'),
  endpoint: z.string().nullable().describe('Where the provider answers'),
  up: z.boolean().describe('The provider answered'),
  version: z.string().nullable().describe('Provider version, when it reports one'),
  detail: z.string().nullable().describe('Why it is down or not configured, or null'),
  buckets: z.number().describe('Buckets'),
  objects: z.number().describe('Objects in all buckets'),
  sizeBytes: z.number().describe('Bytes in all buckets'),
  features: z.array(z.enum(OBJECT_FEATURES)).describe('What this provider supports'),
  serviceControl: z
    .boolean()
    .describe(`Start, stop and restart of the gateway from Calypso: appliance.services.start/stop/restart with unit ${RGW_UNIT} (Admin)`),
});
export type ObjectStatus = z.infer<typeof objectStatusSchema>;

export const objectSettingsSchema = z.object({
  provider: z.literal('rgw').nullable().describe('The provider (null: none configured)'),
  endpoint: z.string().nullable().describe('http(s)://host:port of the S3, Admin Ops and IAM APIs'),
  region: z.string().describe('Region name SigV4 signs with'),
  accessKeyId: z.string().nullable().describe("The admin user's access key id"),
  secretKeySet: z.boolean().describe('An admin secret key is stored (never shown)'),
  tlsVerify: z.boolean().describe("Check the endpoint's TLS certificate"),
  caCertificateSet: z.boolean().describe('A CA certificate is stored for the endpoint'),
});
export type ObjectSettings = z.infer<typeof objectSettingsSchema>;

const usageRow = z.object({
  name: z.string().describe('Bucket or user id'),
  objects: z.number().describe('Objects'),
  sizeBytes: z.number().describe('Bytes'),
  quota: quotaSchema.describe('Quota'),
  quotaUsedPercent: z.number().nullable().describe('Percent of the quota used (the larger of objects and bytes), or null'),
});
export const objectUsageSchema = z.object({
  buckets: z.array(usageRow.extend({ owner: z.string().describe('Owning user') })).describe('Per bucket'),
  users: z.array(usageRow).describe('Per user'),
});
export type ObjectUsage = z.infer<typeof objectUsageSchema>;

export const newKeySchema = z.object({
  uid: z.string().describe('User id'),
  accessKeyId: z.string().describe('Access key id'),
  secretKey: z.string().describe('Secret key: shown in this answer only, never again'),
});

const bucketKey = { name: bucketName };
const userKey = { uid: objectUserId };
const read = { permission: 'objects.read', mutating: false };
const operate = { permission: 'objects.operate', mutating: true };
const admin = { permission: 'objects.admin', mutating: true };

export const objectContracts = contractSet([
  defineContract({
    ...read,
    name: 'objects.status',
    summary: 'Object storage service status',
    input: z.object({}),
    output: objectStatusSchema,
    http: { method: 'GET', path: '/objects/status' },
  }),
  defineContract({
    ...read,
    name: 'objects.settings.get',
    summary: 'Object storage provider settings (the secret key is never shown)',
    input: z.object({}),
    output: objectSettingsSchema,
    http: { method: 'GET', path: '/objects/settings' },
  }),
  defineContract({
    ...admin,
    name: 'objects.settings.update',
    summary: 'Set the object storage provider (endpoint, admin keys, TLS)',
    input: z.object({
      provider: z.literal('rgw').describe('Ceph RGW (the only provider so far)'),
      endpoint: z
        .string()
        .max(255)
        .regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/?$/, 'http(s)://host[:port], no path, no credentials')
        .describe('http(s)://host:port of RGW, e.g. http://127.0.0.1:7480'),
      region: z
        .string()
        .max(64)
        .regex(/^[a-z0-9-]{1,64}$/, 'lower-case letters, digits and -')
        .default('us-east-1')
        .describe('Region SigV4 signs with'),
      accessKeyId: accessKeyId.describe("The admin user's access key id, e.g. ADMINACCESSKEY000001"),
      secretKey: z
        .string()
        .min(8)
        .max(128)
        .regex(/^[\x21-\x7e]+$/, 'printable characters, no spaces')
        .optional()
        .describe("The admin user's secret key (write-only; omit to keep the stored one)"),
      tlsVerify: z.boolean().default(true).describe("Check the endpoint's TLS certificate"),
      caCertificate: z
        .string()
        .max(16384)
        .regex(/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/, 'a PEM certificate')
        .nullable()
        .optional()
        .describe('PEM of the CA of the endpoint (null removes it; omit to keep)'),
    }),
    output: objectSettingsSchema,
    http: { method: 'PUT', path: '/objects/settings' },
  }),

  // Buckets
  defineContract({
    ...read,
    name: 'objects.buckets.list',
    summary: 'List buckets with owner, usage, quota and versioning',
    input: z.object({ ...listShape, owner: objectUserId.optional().describe('Only buckets of this user') }),
    output: listOf(bucketSummarySchema),
    http: { method: 'GET', path: '/objects/buckets' },
  }),
  defineContract({
    ...read,
    name: 'objects.buckets.get',
    summary: 'A bucket with its settings, policy and lifecycle rules',
    input: z.object(bucketKey),
    output: bucketDetailSchema,
    http: { method: 'GET', path: '/objects/buckets/:name' },
  }),
  defineContract({
    ...operate,
    name: 'objects.buckets.create',
    summary: 'Create a bucket (object lock only at creation)',
    input: z.object({
      ...bucketKey,
      owner: objectUserId.describe('User who owns it'),
      versioning: z.boolean().default(false).describe('Turn versioning on (object lock turns it on anyway)'),
      objectLock: objectLockInput.nullable().default(null).describe('Object lock with a default retention (null: none; cannot be added later)'),
      quota: quotaInput.nullable().default(null).describe('Bucket quota (null: none)'),
    }),
    output: bucketDetailSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/objects/buckets' },
  }),
  defineContract({
    ...admin,
    name: 'objects.buckets.delete',
    summary: 'Delete a bucket (refused while not empty unless purgeObjects)',
    input: z.object({ ...bucketKey, purgeObjects: z.boolean().default(false).describe('Delete all its objects and versions too') }),
    output: ok,
    dangerous: true,
    target: (i) => i.name,
    http: { method: 'DELETE', path: '/objects/buckets/:name' },
  }),
  defineContract({
    ...operate,
    name: 'objects.buckets.versioning',
    summary: 'Turn versioning on or suspend it',
    input: z.object({ ...bucketKey, state: z.enum(['enabled', 'suspended']).describe('enabled or suspended (versioning cannot be turned off again in S3)') }),
    output: bucketDetailSchema,
    target: (i) => i.name,
    http: { method: 'PUT', path: '/objects/buckets/:name/versioning' },
  }),
  defineContract({
    ...operate,
    name: 'objects.buckets.quota',
    summary: 'Set or remove the bucket quota',
    input: z.object({ ...bucketKey, ...quotaInput.shape }),
    output: bucketDetailSchema,
    target: (i) => i.name,
    http: { method: 'PUT', path: '/objects/buckets/:name/quota' },
  }),
  defineContract({
    ...operate,
    name: 'objects.buckets.policy',
    summary: 'Set the bucket policy: a preset or a JSON document (Allow statements and public access need objects.admin)',
    input: z.object({
      ...bucketKey,
      preset: z
        .enum(POLICY_PRESETS)
        .describe(
          'private: no policy (owner only); public-read: anyone may read objects; read-only-user: one user may list and read; custom: the policy given',
        ),
      user: objectUserId.optional().describe('For read-only-user: the user given read access'),
      policy: policyText(true).optional().describe('For custom: the policy document (JSON, at most 20 KB)'),
    }),
    output: bucketDetailSchema,
    target: (i) => i.name,
    http: { method: 'PUT', path: '/objects/buckets/:name/policy' },
  }),
  defineContract({
    ...operate,
    name: 'objects.buckets.lifecycle',
    summary: 'Set the lifecycle rules of a bucket (an empty list removes them)',
    input: z.object({ ...bucketKey, rules: z.array(lifecycleRuleInput).max(100).describe('Expiration rules') }),
    output: bucketDetailSchema,
    target: (i) => i.name,
    http: { method: 'PUT', path: '/objects/buckets/:name/lifecycle' },
  }),

  // Users
  defineContract({
    ...read,
    name: 'objects.users.list',
    summary: 'List object-store users',
    input: z.object(listShape),
    output: listOf(userSchema),
    http: { method: 'GET', path: '/objects/users' },
  }),
  defineContract({
    ...read,
    name: 'objects.users.get',
    summary: 'An object-store user with its policies',
    input: z.object(userKey),
    output: userDetailSchema,
    http: { method: 'GET', path: '/objects/users/:uid' },
  }),
  defineContract({
    ...operate,
    name: 'objects.users.create',
    summary: 'Create an object-store user (no keys: an Admin creates those)',
    input: z.object({
      ...userKey,
      displayName: z.string().max(128).regex(DISPLAY_NAME, 'printable text, 1 to 128 characters').describe('Display name'),
      email: z.email().max(254).or(z.literal('')).default('').describe('Email (optional)'),
      maxBuckets: z.number().int().min(0).max(100000).default(1000).describe('Most buckets it may own'),
    }),
    output: userDetailSchema,
    target: (i) => i.uid,
    http: { method: 'POST', path: '/objects/users' },
  }),
  defineContract({
    ...operate,
    name: 'objects.users.suspend',
    summary: 'Suspend a user: its keys are refused',
    input: z.object(userKey),
    output: userDetailSchema,
    target: (i) => i.uid,
    http: { method: 'POST', path: '/objects/users/:uid/suspend' },
  }),
  defineContract({
    ...admin,
    name: 'objects.users.enable',
    summary: 'Enable a suspended user again',
    input: z.object(userKey),
    output: userDetailSchema,
    target: (i) => i.uid,
    http: { method: 'POST', path: '/objects/users/:uid/enable' },
  }),
  defineContract({
    ...admin,
    name: 'objects.users.delete',
    summary: 'Delete a user (refused while it owns buckets unless purgeData)',
    input: z.object({ ...userKey, purgeData: z.boolean().default(false).describe('Delete its buckets and objects too') }),
    output: ok,
    dangerous: true,
    target: (i) => i.uid,
    http: { method: 'DELETE', path: '/objects/users/:uid' },
  }),
  defineContract({
    ...operate,
    name: 'objects.users.quota',
    summary: 'Set or remove the user quota',
    input: z.object({ ...userKey, ...quotaInput.shape }),
    output: userDetailSchema,
    target: (i) => i.uid,
    http: { method: 'PUT', path: '/objects/users/:uid/quota' },
  }),
  defineContract({
    ...operate,
    name: 'objects.users.policies.put',
    summary: 'Attach or replace a user policy (one that allows more needs objects.admin)',
    input: z.object({
      ...userKey,
      policy: policyName,
      document: policyText(false)
        .describe('Policy document (JSON; no Principal)')
        .meta({ examples: ['{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}'] }),
    }),
    output: userDetailSchema,
    target: (i) => `${i.uid}/${i.policy}`,
    http: { method: 'PUT', path: '/objects/users/:uid/policies/:policy' },
  }),
  defineContract({
    ...operate,
    name: 'objects.users.policies.delete',
    summary: 'Remove a user policy (one that denies anything needs objects.admin)',
    input: z.object({ ...userKey, policy: policyName }),
    output: userDetailSchema,
    target: (i) => `${i.uid}/${i.policy}`,
    http: { method: 'DELETE', path: '/objects/users/:uid/policies/:policy' },
  }),

  // Keys
  defineContract({
    ...read,
    name: 'objects.keys.list',
    summary: "A user's access key ids",
    input: z.object(userKey),
    output: z.object({ items: z.array(z.object({ accessKeyId: z.string().describe('Access key id') })).describe('Keys (secrets are never shown)') }),
    http: { method: 'GET', path: '/objects/users/:uid/keys' },
  }),
  defineContract({
    ...admin,
    name: 'objects.keys.create',
    summary: 'Create an access key (the secret is in this answer only)',
    input: z.object(userKey),
    output: newKeySchema,
    target: (i) => i.uid,
    http: { method: 'POST', path: '/objects/users/:uid/keys' },
  }),
  defineContract({
    ...operate,
    name: 'objects.keys.revoke',
    summary: 'Revoke an access key (clients using it are refused at once)',
    input: z.object({ ...userKey, accessKeyId }),
    output: ok,
    dangerous: true,
    target: (i) => i.accessKeyId,
    http: { method: 'DELETE', path: '/objects/users/:uid/keys/:accessKeyId' },
  }),

  defineContract({
    ...read,
    name: 'objects.usage',
    summary: 'Usage per bucket and per user against their quotas',
    input: z.object({}),
    output: objectUsageSchema,
    http: { method: 'GET', path: '/objects/usage' },
  }),
]);
