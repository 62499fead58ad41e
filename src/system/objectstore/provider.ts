/**
 * The object-storage provider interface: what Calypso asks of an S3 service (its status, users,
 * access keys, quotas, buckets and their settings, usage), whoever implements it. Ceph RGW is the
 * first provider (rgw.ts); the simulated appliance has its own (sim.ts). A provider that lacks a
 * feature says so with ObjectStoreError kind 'unsupported' (never a silent no-op), and answers
 * `supports()` so a face can grey it out beforehand.
 */

export type ObjectStoreFeature = 'versioning' | 'objectLock' | 'bucketPolicy' | 'lifecycle' | 'userPolicy' | 'userQuota' | 'bucketQuota' | 'suspendUser';

/** A limit; null in a field: no limit. */
export interface Quota {
  maxSizeBytes: number | null;
  maxObjects: number | null;
}

export type Versioning = 'off' | 'enabled' | 'suspended';
export type LockMode = 'GOVERNANCE' | 'COMPLIANCE';

export interface ObjectLock {
  mode: LockMode;
  /** Default retention: days or years (exactly one is set). */
  days: number | null;
  years: number | null;
}

export interface LifecycleRule {
  id: string;
  prefix: string;
  enabled: boolean;
  /** Expire current versions this many days after they were written. */
  expireDays: number | null;
  /** Remove noncurrent versions this many days after they became noncurrent. */
  noncurrentExpireDays: number | null;
  /** Abort multipart uploads not completed this many days after they started. */
  abortMultipartDays: number | null;
}

export interface BucketSummary {
  name: string;
  owner: string;
  objects: number;
  sizeBytes: number;
  createdAt: string | null;
  quota: Quota;
  versioning: Versioning;
}

export interface BucketDetail extends BucketSummary {
  objectLock: ObjectLock | null;
  /** The bucket policy as JSON text, or null when none is set. */
  policy: string | null;
  lifecycle: LifecycleRule[];
}

export interface ObjectUser {
  uid: string;
  displayName: string;
  email: string;
  suspended: boolean;
  maxBuckets: number;
  quota: Quota;
  /** Access key ids (never the secrets). */
  keys: string[];
  objects: number;
  sizeBytes: number;
}

export interface NewUser {
  uid: string;
  displayName: string;
  email: string;
  maxBuckets: number;
}

export interface NewBucket {
  name: string;
  owner: string;
  objectLock: ObjectLock | null;
}

/** A new access key: the only time its secret is known outside the provider. */
export interface NewAccessKey {
  uid: string;
  accessKeyId: string;
  secretKey: string;
}

export interface UserPolicy {
  name: string;
  document: string;
}

export interface ServiceStatus {
  provider: string;
  endpoint: string;
  up: boolean;
  version: string | null;
  /** Why it is down (connection refused...), or null. */
  detail: string | null;
  buckets: number;
  objects: number;
  sizeBytes: number;
}

export interface ObjectStoreProvider {
  readonly name: 'rgw' | 'simulated';
  /** Where it answers (shown in status and in errors). */
  readonly endpoint: string;
  supports(feature: ObjectStoreFeature): boolean;
  status(): Promise<ServiceStatus>;

  listBuckets(): Promise<BucketSummary[]>;
  getBucket(name: string): Promise<BucketDetail>;
  createBucket(bucket: NewBucket): Promise<void>;
  /** Refused with BucketNotEmpty unless `purgeObjects`. */
  deleteBucket(name: string, purgeObjects: boolean): Promise<void>;
  setVersioning(name: string, state: 'enabled' | 'suspended'): Promise<void>;
  setBucketQuota(name: string, quota: Quota): Promise<void>;
  /** null removes the policy. */
  setBucketPolicy(name: string, policy: string | null): Promise<void>;
  /** An empty list removes the lifecycle configuration. */
  setLifecycle(name: string, rules: LifecycleRule[]): Promise<void>;

  listUsers(): Promise<ObjectUser[]>;
  getUser(uid: string): Promise<ObjectUser>;
  createUser(user: NewUser): Promise<void>;
  setUserSuspended(uid: string, suspended: boolean): Promise<void>;
  /** Refused while the user owns buckets unless `purgeData`. */
  deleteUser(uid: string, purgeData: boolean): Promise<void>;
  setUserQuota(uid: string, quota: Quota): Promise<void>;
  listUserPolicies(uid: string): Promise<UserPolicy[]>;
  putUserPolicy(uid: string, name: string, document: string): Promise<void>;
  deleteUserPolicy(uid: string, name: string): Promise<void>;

  createKey(uid: string): Promise<NewAccessKey>;
  revokeKey(uid: string, accessKeyId: string): Promise<void>;
}

/**
 * What went wrong, by what the caller can do about it: missing (404), conflict (409: not empty,
 * exists, quota), invalid (400), unsupported (409: "not supported by this provider"), unreachable
 * (502 naming the endpoint), failed (502: the provider broke or answered what Calypso cannot read).
 */
export type ObjectStoreErrorKind = 'missing' | 'conflict' | 'invalid' | 'unsupported' | 'unreachable' | 'failed';

export class ObjectStoreError extends Error {
  constructor(
    readonly kind: ObjectStoreErrorKind,
    /** The provider's own code (NoSuchBucket, BucketNotEmpty, QuotaExceeded...), or Calypso's when the provider gave none. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ObjectStoreError';
  }
}

/** The provider's error codes, by kind (S3, IAM and Admin Ops codes; the simulated provider uses the same). */
const KIND_OF_CODE: Record<string, ObjectStoreErrorKind> = {
  NoSuchBucket: 'missing',
  NoSuchUser: 'missing',
  NoSuchKey: 'missing',
  NoSuchEntity: 'missing',
  InvalidAccessKeyId: 'missing',
  BucketNotEmpty: 'conflict',
  BucketAlreadyExists: 'conflict',
  BucketAlreadyOwnedByYou: 'conflict',
  UserAlreadyExists: 'conflict',
  EmailExists: 'conflict',
  KeyExists: 'conflict',
  QuotaExceeded: 'conflict',
  TooManyBuckets: 'conflict',
  InvalidBucketState: 'conflict',
  InvalidArgument: 'invalid',
  InvalidBucketName: 'invalid',
  MalformedPolicy: 'invalid',
  MalformedXML: 'invalid',
  InvalidRequest: 'invalid',
  MalformedPolicyDocument: 'invalid',
};

/** The ObjectStoreError for a provider's error code and its message (empty messages get the code's own sentence). */
export function providerError(code: string, message: string, what: string): ObjectStoreError {
  const kind = KIND_OF_CODE[code] ?? 'failed';
  const text = message.trim() || SENTENCES[code] || 'the provider refused the request';
  return new ObjectStoreError(kind, code, `${what}: ${text} (${code})`);
}

const SENTENCES: Record<string, string> = {
  NoSuchBucket: 'no such bucket',
  NoSuchUser: 'no such user',
  NoSuchEntity: 'no such policy or user',
  BucketNotEmpty: 'the bucket is not empty',
  BucketAlreadyExists: 'a bucket of that name exists',
  UserAlreadyExists: 'a user of that id exists',
  EmailExists: 'another user has that email',
  TooManyBuckets: 'the user owns as many buckets as it may (max buckets)',
  UserSuspended: 'the user is suspended',
  QuotaExceeded: 'the quota is exceeded',
  AccessDenied: "access denied: the provider's admin credentials lack the right",
  SignatureDoesNotMatch: "the provider refused the admin credentials' signature (wrong secret key?)",
  InvalidAccessKeyId: 'no such access key',
};

/** RGW's answer (EEXIST, as BucketAlreadyExists) to deleting a user who still owns buckets without purging them. */
export function ownsBuckets(uid: string): ObjectStoreError {
  return new ObjectStoreError('conflict', 'BucketAlreadyExists', `user ${uid}: still owns buckets: delete them, or purge its data (BucketAlreadyExists)`);
}

/** The feature refused with the sentence every face shows. */
export function unsupported(provider: string, feature: string): ObjectStoreError {
  return new ObjectStoreError('unsupported', 'NotSupported', `${feature} is not supported by this provider (${provider})`);
}
