/**
 * Ceph RGW as an object-storage provider: users, keys, quotas, bucket ownership and usage through
 * the Admin Ops API (/admin/user, /admin/user?key, /admin/user?quota, /admin/bucket?stats), IAM
 * user policies through RGW's IAM API (PutUserPolicy... service `iam`, same port), and bucket
 * settings (versioning, object lock, policy, lifecycle) through the S3 API with @aws-sdk/client-s3.
 * Every request is SigV4-signed with the admin user's keys.
 *
 * The admin user needs the caps users=*, buckets=*, metadata=*, usage=read, user-policy=* and the
 * `admin` flag (`radosgw-admin user modify --uid=ADMIN --admin`, which the Admin Ops API cannot
 * set): without the flag RGW refuses it other users' bucket settings (AccessDenied).
 * A bucket is created by the admin user and then linked to its owner (PUT /admin/bucket?uid=).
 */
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketLifecycleCommand,
  DeleteBucketPolicyCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
  S3ServiceException,
  type LifecycleRule as S3LifecycleRule,
} from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  ObjectStoreError,
  ownsBuckets,
  providerError,
  type BucketDetail,
  type BucketSummary,
  type LifecycleRule,
  type NewAccessKey,
  type NewBucket,
  type NewUser,
  type ObjectLock,
  type ObjectStoreProvider,
  type ObjectUser,
  type Quota,
  type ServiceStatus,
  type UserPolicy,
  type Versioning,
} from './provider.js';

export interface RgwSettings {
  /** http(s)://host:port of RGW (S3, Admin Ops and IAM answer on the same port). */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretKey: string;
  /** Check the endpoint's TLS certificate (https only). */
  tlsVerify: boolean;
  /** PEM of the CA that signed the endpoint's certificate, when not a public one. */
  caCertificate: string | null;
}

type Sha256Ctor = NonNullable<ConstructorParameters<typeof SignatureV4>[0]['sha256']>;

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape the signer takes. */
class NodeSha256 {
  private readonly h;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    const key = secret === undefined ? undefined : typeof secret === 'string' ? secret : Buffer.from(secret as Uint8Array);
    this.h = key === undefined ? createHash('sha256') : createHmac('sha256', key);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(typeof data === 'string' ? data : Buffer.from(data as Uint8Array));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

const TIMEOUT_MS = 15_000;
const MAX_ANSWER = 16 * 1024 * 1024;

/** One RGW quota as the Admin Ops API answers it (-1 or disabled: none). */
interface RgwQuota {
  enabled: boolean;
  max_size: number;
  max_objects: number;
}

interface RgwUser {
  user_id: string;
  display_name: string;
  email: string;
  suspended: number;
  max_buckets: number;
  keys: { user: string; access_key: string }[];
  user_quota: RgwQuota;
  stats?: { size: number; num_objects: number };
}

interface RgwBucket {
  bucket: string;
  owner: string;
  creation_time?: string;
  usage?: Record<string, { size?: number; num_objects?: number }>;
  bucket_quota: RgwQuota;
}

/** An RGW quota as Calypso's: a disabled quota, or a negative limit, is no limit (0 is a limit: nothing fits). */
export function quotaOf(q: RgwQuota | undefined): Quota {
  if (!q || !q.enabled) return { maxSizeBytes: null, maxObjects: null };
  return { maxSizeBytes: q.max_size >= 0 ? q.max_size : null, maxObjects: q.max_objects >= 0 ? q.max_objects : null };
}

/** A bucket of `GET /admin/bucket?stats` as a summary: usage summed over its categories (rgw.main, rgw.multimeta...). */
export function bucketOf(b: RgwBucket): Omit<BucketSummary, 'versioning'> {
  const cats = Object.values(b.usage ?? {});
  return {
    name: b.bucket,
    owner: b.owner,
    objects: cats.reduce((a, c) => a + (c.num_objects ?? 0), 0),
    sizeBytes: cats.reduce((a, c) => a + (c.size ?? 0), 0),
    createdAt: b.creation_time ? new Date(b.creation_time).toISOString() : null,
    quota: quotaOf(b.bucket_quota),
  };
}

/** A user of `GET /admin/user?uid=&stats=true`; the keys' secrets it carries are dropped here. */
export function userOf(u: RgwUser): ObjectUser {
  return {
    uid: u.user_id,
    displayName: u.display_name,
    email: u.email,
    suspended: u.suspended !== 0,
    maxBuckets: u.max_buckets,
    quota: quotaOf(u.user_quota),
    keys: u.keys.map((k) => k.access_key),
    objects: u.stats?.num_objects ?? 0,
    sizeBytes: u.stats?.size ?? 0,
  };
}

/** A user's objects and bytes: the sums over the buckets it owns. */
export function withUsage(u: ObjectUser, buckets: Omit<BucketSummary, 'versioning'>[]): ObjectUser {
  const owned = buckets.filter((b) => b.owner === u.uid);
  return { ...u, objects: owned.reduce((a, b) => a + b.objects, 0), sizeBytes: owned.reduce((a, b) => a + b.sizeBytes, 0) };
}

/** The policy names of an IAM ListUserPolicies answer. */
export function policyNamesOf(xml: string): string[] {
  const list = /<PolicyNames>([\s\S]*?)<\/PolicyNames>/.exec(xml)?.[1] ?? '';
  return [...list.matchAll(/<member>([^<]*)<\/member>/g)].map((m) => unescapeXml(m[1]!));
}

/** The policy document of an IAM GetUserPolicy answer. */
export function policyDocumentOf(xml: string): string {
  return unescapeXml(/<PolicyDocument>([\s\S]*?)<\/PolicyDocument>/.exec(xml)?.[1] ?? '');
}

function unescapeXml(s: string): string {
  return s.replace(/&(quot|apos|lt|gt|amp|#\d+|#x[0-9a-f]+);/gi, (_m, e: string) => {
    const named: Record<string, string> = { quot: '"', apos: "'", lt: '<', gt: '>', amp: '&' };
    if (named[e.toLowerCase()]) return named[e.toLowerCase()]!;
    return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });
}

/** The error code and message of an Admin Ops (JSON) or S3/IAM (XML) error answer. */
export function errorOf(body: string): { code: string; message: string } {
  try {
    const j = JSON.parse(body) as { Code?: unknown; Message?: unknown };
    if (typeof j.Code === 'string') return { code: j.Code, message: typeof j.Message === 'string' ? j.Message : '' };
  } catch {
    // not JSON: XML below
  }
  return { code: /<Code>([^<]*)<\/Code>/.exec(body)?.[1] ?? 'UnknownError', message: unescapeXml(/<Message>([^<]*)<\/Message>/.exec(body)?.[1] ?? '') };
}

const num = (n: number | null) => String(n ?? -1);

export class RgwProvider implements ObjectStoreProvider {
  readonly name = 'rgw' as const;
  readonly endpoint: string;
  private readonly url: URL;
  private readonly s3: S3Client;
  private readonly agent: http.Agent;

  constructor(private readonly settings: RgwSettings) {
    this.url = new URL(settings.endpoint);
    this.endpoint = this.url.origin;
    // The version is pinned on purpose (docs/objectstore.md): the SDK's "upgrade to Node 22" warning would only reach the daemon's stderr.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const tls = { rejectUnauthorized: settings.tlsVerify, ...(settings.caCertificate ? { ca: settings.caCertificate } : {}) };
    this.agent = this.url.protocol === 'https:' ? new https.Agent({ ...tls, keepAlive: true }) : new http.Agent({ keepAlive: true });
    this.s3 = new S3Client({
      endpoint: this.endpoint,
      region: settings.region,
      forcePathStyle: true,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretKey },
      maxAttempts: 1,
      requestHandler:
        this.url.protocol === 'https:' ? { httpsAgent: this.agent, requestTimeout: TIMEOUT_MS } : { httpAgent: this.agent, requestTimeout: TIMEOUT_MS },
    });
  }

  supports(): boolean {
    return true;
  }

  close(): void {
    this.s3.destroy();
    this.agent.destroy();
  }

  private unreachable(err: unknown): ObjectStoreError {
    const code = (err as { code?: string }).code ?? (err as Error).name ?? 'Error';
    return new ObjectStoreError('unreachable', String(code), `the object store at ${this.endpoint} does not answer: ${String(code)}`);
  }

  /** One signed request to RGW's own APIs; the body of a 2xx answer, or the provider's error. */
  private async request(
    method: string,
    path: string,
    query: Record<string, string>,
    what: string,
    opts: { service?: string; form?: string } = {},
  ): Promise<string> {
    const signer = new SignatureV4({
      credentials: { accessKeyId: this.settings.accessKeyId, secretAccessKey: this.settings.secretKey },
      region: this.settings.region,
      service: opts.service ?? 's3',
      sha256: NodeSha256 as unknown as Sha256Ctor,
    });
    const headers: Record<string, string> = { host: this.url.host };
    if (opts.form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded; charset=utf-8';
    const signed = await signer.sign({
      method,
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      port: this.url.port ? Number(this.url.port) : undefined,
      path,
      query,
      headers,
      body: opts.form,
    });
    const qs = Object.entries(query)
      .map(([k, v]) => (v === '' ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`))
      .join('&');
    const lib = this.url.protocol === 'https:' ? https : http;
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = lib.request(
        {
          method,
          host: this.url.hostname,
          port: this.url.port || undefined,
          path: `${path}${qs ? `?${qs}` : ''}`,
          headers: signed.headers,
          agent: this.agent,
          timeout: TIMEOUT_MS,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_ANSWER) req.destroy(new Error('answer too large'));
            else chunks.push(c);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end(opts.form);
    }).catch((err: unknown) => {
      throw this.unreachable(err);
    });
    if (status >= 200 && status < 300) return body;
    const e = errorOf(body);
    throw providerError(e.code, e.message, what);
  }

  private async json<T>(method: string, path: string, query: Record<string, string>, what: string): Promise<T> {
    const body = await this.request(method, path, query, what);
    try {
      return (body.trim() ? JSON.parse(body) : null) as T;
    } catch {
      throw new ObjectStoreError('failed', 'BadAnswer', `${what}: the object store at ${this.endpoint} answered what Calypso cannot read`);
    }
  }

  private iam(params: Record<string, string>, what: string): Promise<string> {
    const form = new URLSearchParams({ ...params, Version: '2010-05-08' }).toString();
    return this.request('POST', '/', {}, what, { service: 'iam', form });
  }

  /** An S3 call through the SDK; its errors become the provider's (`absent` codes answer `fallback`). */
  private async send<T>(what: string, call: () => Promise<T>, absent: string[] = [], fallback?: T): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof S3ServiceException) {
        if (absent.includes(err.name)) return fallback as T;
        throw providerError(err.name, err.message === 'UnknownError' ? '' : err.message, what);
      }
      throw this.unreachable(err);
    }
  }

  async status(): Promise<ServiceStatus> {
    try {
      const all = await this.bucketStats();
      return {
        provider: this.name,
        endpoint: this.endpoint,
        up: true,
        version: null,
        detail: null,
        buckets: all.length,
        objects: all.reduce((a, b) => a + b.objects, 0),
        sizeBytes: all.reduce((a, b) => a + b.sizeBytes, 0),
      };
    } catch (err) {
      if (!(err instanceof ObjectStoreError) || (err.kind !== 'unreachable' && err.kind !== 'failed')) throw err;
      // 'failed': it answers, but refuses Calypso (wrong admin keys, missing caps): up, with the reason.
      return {
        provider: this.name,
        endpoint: this.endpoint,
        up: err.kind === 'failed',
        version: null,
        detail: err.message,
        buckets: 0,
        objects: 0,
        sizeBytes: 0,
      };
    }
  }

  private async bucketStats(): Promise<Omit<BucketSummary, 'versioning'>[]> {
    return ((await this.json<RgwBucket[]>('GET', '/admin/bucket', { stats: 'true' }, 'list buckets')) ?? []).map(bucketOf);
  }

  private async versioning(name: string): Promise<Versioning> {
    const v = await this.send(`bucket ${name}`, () => this.s3.send(new GetBucketVersioningCommand({ Bucket: name })));
    return v.Status === 'Enabled' ? 'enabled' : v.Status === 'Suspended' ? 'suspended' : 'off';
  }

  /** The Admin Ops API's bucket stats, with each bucket's versioning state from S3 (eight at a time). */
  async listBuckets(): Promise<BucketSummary[]> {
    const stats = await this.bucketStats();
    const out: BucketSummary[] = [];
    for (let i = 0; i < stats.length; i += 8) {
      const batch = stats.slice(i, i + 8);
      const states = await Promise.all(
        batch.map((b) =>
          this.versioning(b.name).catch((err: unknown) => (err instanceof ObjectStoreError && err.kind === 'missing' ? null : Promise.reject(err))),
        ),
      );
      batch.forEach((b, j) => {
        if (states[j] !== null) out.push({ ...b, versioning: states[j]! });
      });
    }
    return out;
  }

  private async bucketInfo(name: string): Promise<RgwBucket> {
    return this.json<RgwBucket>('GET', '/admin/bucket', { bucket: name, stats: 'true' }, `bucket ${name}`);
  }

  async getBucket(name: string): Promise<BucketDetail> {
    const what = `bucket ${name}`;
    const summary = bucketOf(await this.bucketInfo(name));
    const [versioning, lock, policy, lifecycle] = await Promise.all([
      this.versioning(name),
      this.send(what, () => this.s3.send(new GetObjectLockConfigurationCommand({ Bucket: name })), ['ObjectLockConfigurationNotFoundError'], null),
      this.send(what, () => this.s3.send(new GetBucketPolicyCommand({ Bucket: name })), ['NoSuchBucketPolicy'], null),
      this.send(what, () => this.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: name })), ['NoSuchLifecycleConfiguration'], null),
    ]);
    const retention = lock?.ObjectLockConfiguration?.Rule?.DefaultRetention;
    const objectLock: ObjectLock | null =
      lock?.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled' && retention?.Mode
        ? { mode: retention.Mode as ObjectLock['mode'], days: retention.Days ?? null, years: retention.Years ?? null }
        : null;
    return { ...summary, versioning, objectLock, policy: policy?.Policy ?? null, lifecycle: (lifecycle?.Rules ?? []).map(lifecycleOf) };
  }

  async createBucket(nb: NewBucket): Promise<void> {
    const what = `bucket ${nb.name}`;
    const [owner, buckets] = await Promise.all([this.rawUser(nb.owner), this.bucketStats()]);
    // The admin user creates the bucket and links it to its owner, which RGW does not count against the owner's limit: Calypso does.
    if (buckets.filter((b) => b.owner === owner.user_id).length >= owner.max_buckets) throw providerError('TooManyBuckets', '', `user ${nb.owner}`);
    await this.send(what, () => this.s3.send(new CreateBucketCommand({ Bucket: nb.name, ObjectLockEnabledForBucket: nb.objectLock ? true : undefined })));
    try {
      if (nb.objectLock) {
        const { mode, days, years } = nb.objectLock;
        const DefaultRetention = { Mode: mode, ...(days ? { Days: days } : { Years: years ?? 1 }) };
        await this.send(what, () =>
          this.s3.send(
            new PutObjectLockConfigurationCommand({ Bucket: nb.name, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention } } }),
          ),
        );
      }
      await this.request('PUT', '/admin/bucket', { bucket: nb.name, uid: nb.owner }, what);
    } catch (err) {
      // Not left half-made: an empty bucket of the admin user's is removed again.
      await this.send(what, () => this.s3.send(new DeleteBucketCommand({ Bucket: nb.name }))).catch(() => undefined);
      throw err;
    }
  }

  async deleteBucket(name: string, purgeObjects: boolean): Promise<void> {
    await this.request('DELETE', '/admin/bucket', { bucket: name, 'purge-objects': String(purgeObjects) }, `bucket ${name}`);
  }

  async setVersioning(name: string, state: 'enabled' | 'suspended'): Promise<void> {
    await this.send(`bucket ${name}`, () =>
      this.s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: state === 'enabled' ? 'Enabled' : 'Suspended' } })),
    );
  }

  async setBucketQuota(name: string, quota: Quota): Promise<void> {
    const b = await this.bucketInfo(name);
    const enabled = quota.maxObjects !== null || quota.maxSizeBytes !== null;
    await this.request(
      'PUT',
      '/admin/bucket',
      // The bucket quota takes its size in KiB (`max-size` is ignored there and the size would become 0: nothing fits).
      {
        quota: '',
        uid: b.owner,
        bucket: name,
        'max-objects': num(quota.maxObjects),
        'max-size-kb': num(quota.maxSizeBytes === null ? null : Math.ceil(quota.maxSizeBytes / 1024)),
        enabled: String(enabled),
      },
      `bucket ${name}`,
    );
  }

  async setBucketPolicy(name: string, policy: string | null): Promise<void> {
    const what = `bucket ${name}`;
    if (policy === null) await this.send(what, () => this.s3.send(new DeleteBucketPolicyCommand({ Bucket: name })));
    else await this.send(what, () => this.s3.send(new PutBucketPolicyCommand({ Bucket: name, Policy: policy })));
  }

  async setLifecycle(name: string, rules: LifecycleRule[]): Promise<void> {
    const what = `bucket ${name}`;
    if (rules.length === 0) {
      await this.send(what, () => this.s3.send(new DeleteBucketLifecycleCommand({ Bucket: name })));
      return;
    }
    const Rules: S3LifecycleRule[] = rules.map((r) => ({
      ID: r.id,
      Status: r.enabled ? 'Enabled' : 'Disabled',
      Filter: { Prefix: r.prefix },
      ...(r.expireDays ? { Expiration: { Days: r.expireDays } } : {}),
      ...(r.noncurrentExpireDays ? { NoncurrentVersionExpiration: { NoncurrentDays: r.noncurrentExpireDays } } : {}),
      ...(r.abortMultipartDays ? { AbortIncompleteMultipartUpload: { DaysAfterInitiation: r.abortMultipartDays } } : {}),
    }));
    await this.send(what, () => this.s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: name, LifecycleConfiguration: { Rules } })));
  }

  /**
   * Users with their usage summed over the buckets they own: RGW's own user stats are updated
   * lazily (they read 0 right after a write), the bucket stats at once.
   */
  async listUsers(): Promise<ObjectUser[]> {
    const [list, buckets] = await Promise.all([this.json<{ keys: string[] }>('GET', '/admin/user', { list: '' }, 'list users'), this.bucketStats()]);
    const users = await Promise.all(
      list.keys.map((uid) =>
        this.rawUser(uid).catch((err: unknown) => (err instanceof ObjectStoreError && err.kind === 'missing' ? null : Promise.reject(err))),
      ),
    );
    return users
      .filter((u): u is RgwUser => u !== null)
      .map((u) => withUsage(userOf(u), buckets))
      .sort((a, b) => a.uid.localeCompare(b.uid));
  }

  private rawUser(uid: string): Promise<RgwUser> {
    return this.json<RgwUser>('GET', '/admin/user', { uid }, `user ${uid}`);
  }

  async getUser(uid: string): Promise<ObjectUser> {
    const [u, buckets] = await Promise.all([this.rawUser(uid), this.bucketStats()]);
    return withUsage(userOf(u), buckets);
  }

  async createUser(nu: NewUser): Promise<void> {
    await this.request(
      'PUT',
      '/admin/user',
      { uid: nu.uid, 'display-name': nu.displayName, ...(nu.email ? { email: nu.email } : {}), 'max-buckets': String(nu.maxBuckets), 'generate-key': 'false' },
      `user ${nu.uid}`,
    );
  }

  async setUserSuspended(uid: string, suspended: boolean): Promise<void> {
    await this.getUser(uid);
    await this.request('POST', '/admin/user', { uid, suspended: suspended ? '1' : '0' }, `user ${uid}`);
  }

  async deleteUser(uid: string, purgeData: boolean): Promise<void> {
    await this.request('DELETE', '/admin/user', { uid, 'purge-data': String(purgeData) }, `user ${uid}`).catch((err: unknown) => {
      throw err instanceof ObjectStoreError && err.code === 'BucketAlreadyExists' ? ownsBuckets(uid) : err;
    });
  }

  async setUserQuota(uid: string, quota: Quota): Promise<void> {
    await this.getUser(uid);
    const enabled = quota.maxObjects !== null || quota.maxSizeBytes !== null;
    await this.request(
      'PUT',
      '/admin/user',
      { quota: '', uid, 'quota-type': 'user', 'max-objects': num(quota.maxObjects), 'max-size': num(quota.maxSizeBytes), enabled: String(enabled) },
      `user ${uid}`,
    );
  }

  async listUserPolicies(uid: string): Promise<UserPolicy[]> {
    const what = `policies of user ${uid}`;
    const answer = await this.iam({ Action: 'ListUserPolicies', UserName: uid }, what).catch(async (err: unknown) => {
      // RGW answers NoSuchEntity for a user that has never had a policy: an empty list once the user is known to exist.
      if (!(err instanceof ObjectStoreError) || err.code !== 'NoSuchEntity') throw err;
      await this.rawUser(uid);
      return '';
    });
    const names = policyNamesOf(answer);
    return Promise.all(
      names.map(async (name) => ({ name, document: policyDocumentOf(await this.iam({ Action: 'GetUserPolicy', UserName: uid, PolicyName: name }, what)) })),
    );
  }

  async putUserPolicy(uid: string, name: string, document: string): Promise<void> {
    await this.getUser(uid);
    await this.iam({ Action: 'PutUserPolicy', UserName: uid, PolicyName: name, PolicyDocument: document }, `policy ${name} of user ${uid}`);
  }

  async deleteUserPolicy(uid: string, name: string): Promise<void> {
    await this.iam({ Action: 'DeleteUserPolicy', UserName: uid, PolicyName: name }, `policy ${name} of user ${uid}`);
  }

  async createKey(uid: string): Promise<NewAccessKey> {
    const before = new Set((await this.getUser(uid)).keys);
    const keys = await this.json<{ user: string; access_key: string; secret_key: string }[]>(
      'PUT',
      '/admin/user',
      { key: '', uid, 'key-type': 's3', 'generate-key': 'true' },
      `keys of user ${uid}`,
    );
    const made = (keys ?? []).find((k) => k.user === uid && !before.has(k.access_key));
    if (!made) throw new ObjectStoreError('failed', 'BadAnswer', `keys of user ${uid}: the object store did not name the new key`);
    return { uid, accessKeyId: made.access_key, secretKey: made.secret_key };
  }

  async revokeKey(uid: string, accessKeyId: string): Promise<void> {
    if (!(await this.getUser(uid)).keys.includes(accessKeyId)) throw providerError('InvalidAccessKeyId', '', `key ${accessKeyId} of user ${uid}`);
    await this.request('DELETE', '/admin/user', { key: '', uid, 'access-key': accessKeyId }, `key ${accessKeyId} of user ${uid}`);
  }
}

/** An S3 lifecycle rule as Calypso's (the filter's prefix, or the old top-level Prefix RGW answers). */
export function lifecycleOf(r: S3LifecycleRule): LifecycleRule {
  return {
    id: r.ID ?? '',
    prefix: r.Filter?.Prefix ?? r.Prefix ?? '',
    enabled: r.Status === 'Enabled',
    expireDays: r.Expiration?.Days ?? null,
    noncurrentExpireDays: r.NoncurrentVersionExpiration?.NoncurrentDays ?? null,
    abortMultipartDays: r.AbortIncompleteMultipartUpload?.DaysAfterInitiation ?? null,
  };
}
