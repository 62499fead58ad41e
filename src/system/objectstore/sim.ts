/**
 * The simulated appliance's object store: the provider interface answered from a model kept in a
 * JSON file on the simulated host (so in the data directory: a demo survives a restart), with the
 * refusals and error codes of Ceph RGW (NoSuchBucket, BucketNotEmpty, QuotaExceeded...). It starts
 * with a few users, buckets and usage figures so the demo and the console tests have something
 * to show, and takes object writes (putObject) so quotas can be seen refusing.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { HostFiles } from '../host.js';
import {
  ObjectStoreError,
  ownsBuckets,
  providerError,
  unsupported,
  type BucketDetail,
  type BucketSummary,
  type LifecycleRule,
  type NewAccessKey,
  type NewBucket,
  type NewUser,
  type ObjectLock,
  type ObjectStoreFeature,
  type ObjectStoreProvider,
  type ObjectUser,
  type Quota,
  type ServiceStatus,
  type UserPolicy,
  type Versioning,
} from './provider.js';

export const OBJECTSTORE_SIM_STATE = '/var/lib/calypso-sim/objectstore.json';
export const SIM_ENDPOINT = 'http://sim.objectstore.invalid:7480';

interface SimBucket {
  name: string;
  owner: string;
  createdAt: string;
  versioning: Versioning;
  objectLock: ObjectLock | null;
  policy: string | null;
  lifecycle: LifecycleRule[];
  quota: Quota;
  /** Every stored version's size, by object key (the last is the current one). */
  keys: Record<string, number[]>;
  /** Objects and bytes the seed put there without naming them. */
  seededObjects: number;
  seededBytes: number;
}

interface SimUser {
  uid: string;
  displayName: string;
  email: string;
  suspended: boolean;
  maxBuckets: number;
  quota: Quota;
  keys: string[];
  /** SHA-256 of each key's secret, by access key id: the simulator checks keys like a provider, without keeping the secret. */
  secretHashes: Record<string, string>;
  policies: Record<string, string>;
}

interface SimStore {
  running: boolean;
  /** Features this simulated provider lacks (to show how a provider such as Garage, without versioning or bucket policies, answers). */
  unsupported?: ObjectStoreFeature[];
  users: SimUser[];
  buckets: SimBucket[];
}

const GiB = 1024 ** 3;
const NO_QUOTA: Quota = { maxSizeBytes: null, maxObjects: null };

function seed(now: string): SimStore {
  const user = (uid: string, displayName: string, keys: string[]): SimUser => ({
    uid,
    displayName,
    email: `${uid}@example.invalid`,
    suspended: false,
    maxBuckets: 1000,
    quota: { ...NO_QUOTA },
    keys,
    secretHashes: {},
    policies: {},
  });
  const bucket = (name: string, owner: string, objects: number, bytes: number, extra: Partial<SimBucket> = {}): SimBucket => ({
    name,
    owner,
    createdAt: now,
    versioning: 'off',
    objectLock: null,
    policy: null,
    lifecycle: [],
    quota: { ...NO_QUOTA },
    keys: {},
    seededObjects: objects,
    seededBytes: bytes,
    ...extra,
  });
  return {
    running: true,
    users: [user('backup', 'Backup jobs', ['SIMBACKUPKEY00000001']), user('archive', 'Long-term archive', ['SIMARCHIVEKEY0000001'])],
    buckets: [
      bucket('bacula-volumes', 'backup', 1240, 412 * GiB, { versioning: 'enabled', quota: { maxSizeBytes: 500 * GiB, maxObjects: null } }),
      bucket('veeam-repo', 'backup', 8800, 78 * GiB, {
        versioning: 'enabled',
        objectLock: { mode: 'GOVERNANCE', days: 30, years: null },
        quota: { maxSizeBytes: 100 * GiB, maxObjects: null },
      }),
      bucket('archive-2026', 'archive', 310, 2 * GiB, {
        lifecycle: [{ id: 'expire-old', prefix: '', enabled: true, expireDays: 365, noncurrentExpireDays: 30, abortMultipartDays: 7 }],
      }),
    ],
  };
}

const usage = (b: SimBucket) => {
  const sizes = Object.values(b.keys).flat();
  return { objects: b.seededObjects + sizes.length, sizeBytes: b.seededBytes + sizes.reduce((a, s) => a + s, 0) };
};

/** The simulated provider; one per simulated host, its calls serialised like a single RGW. */
export class SimulatedObjectStore implements ObjectStoreProvider {
  readonly name = 'simulated' as const;
  readonly endpoint = SIM_ENDPOINT;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly files: HostFiles,
    private readonly now: () => number = Date.now,
  ) {}

  private lacking = new Set<ObjectStoreFeature>();

  supports(feature: ObjectStoreFeature): boolean {
    return !this.lacking.has(feature);
  }

  /** Which features the simulated provider lacks from now on (persisted). */
  async setUnsupported(features: ObjectStoreFeature[]): Promise<void> {
    const s = await this.load();
    s.unsupported = features;
    this.lacking = new Set(features);
    await this.files.writeAtomic(OBJECTSTORE_SIM_STATE, JSON.stringify(s), { mode: 0o600 });
  }

  private async load(): Promise<SimStore> {
    const text = await this.files.readIfExists(OBJECTSTORE_SIM_STATE);
    const s = text ? (JSON.parse(text) as SimStore) : seed(new Date(this.now()).toISOString());
    this.lacking = new Set(s.unsupported ?? []);
    return s;
  }

  /** Read, change and save the model, one call at a time. */
  private use<T>(change: boolean, fn: (s: SimStore) => T): Promise<T> {
    const run = async () => {
      const s = await this.load();
      if (!s.running) throw new ObjectStoreError('unreachable', 'ECONNREFUSED', `the object store at ${SIM_ENDPOINT} does not answer: connection refused`);
      const out = fn(s);
      if (change) await this.files.writeAtomic(OBJECTSTORE_SIM_STATE, JSON.stringify(s), { mode: 0o600 });
      return out;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Stops or starts the simulated service (a demo of the "unreachable" answer). */
  async setRunning(running: boolean): Promise<void> {
    const s = await this.load();
    s.running = running;
    await this.files.writeAtomic(OBJECTSTORE_SIM_STATE, JSON.stringify(s), { mode: 0o600 });
  }

  /** The provider's own refusal of a feature it lacks (the service checks first; this is the provider's word). */
  private need(feature: ObjectStoreFeature, what: string): void {
    if (this.lacking.has(feature)) throw unsupported(this.name, what);
  }

  private bucket(s: SimStore, name: string): SimBucket {
    const b = s.buckets.find((x) => x.name === name);
    if (!b) throw providerError('NoSuchBucket', '', `bucket ${name}`);
    return b;
  }

  private user(s: SimStore, uid: string): SimUser {
    const u = s.users.find((x) => x.uid === uid);
    if (!u) throw providerError('NoSuchUser', '', `user ${uid}`);
    return u;
  }

  private summary(b: SimBucket): BucketSummary {
    return { name: b.name, owner: b.owner, ...usage(b), createdAt: b.createdAt, quota: { ...b.quota }, versioning: b.versioning };
  }

  private toUser(s: SimStore, u: SimUser): ObjectUser {
    const owned = s.buckets.filter((b) => b.owner === u.uid).map(usage);
    return {
      uid: u.uid,
      displayName: u.displayName,
      email: u.email,
      suspended: u.suspended,
      maxBuckets: u.maxBuckets,
      quota: { ...u.quota },
      keys: [...u.keys],
      objects: owned.reduce((a, b) => a + b.objects, 0),
      sizeBytes: owned.reduce((a, b) => a + b.sizeBytes, 0),
    };
  }

  status(): Promise<ServiceStatus> {
    return this.load().then((s) => {
      const all = s.buckets.map(usage);
      return {
        provider: this.name,
        endpoint: this.endpoint,
        up: s.running,
        version: s.running ? 'ceph version 16.2.15 (simulated) pacific (stable)' : null,
        detail: s.running ? null : 'connection refused',
        buckets: s.running ? s.buckets.length : 0,
        objects: s.running ? all.reduce((a, b) => a + b.objects, 0) : 0,
        sizeBytes: s.running ? all.reduce((a, b) => a + b.sizeBytes, 0) : 0,
      };
    });
  }

  listBuckets(): Promise<BucketSummary[]> {
    return this.use(false, (s) => s.buckets.map((b) => this.summary(b)));
  }

  getBucket(name: string): Promise<BucketDetail> {
    return this.use(false, (s) => {
      const b = this.bucket(s, name);
      return { ...this.summary(b), objectLock: b.objectLock, policy: b.policy, lifecycle: b.lifecycle.map((r) => ({ ...r })) };
    });
  }

  createBucket(nb: NewBucket): Promise<void> {
    return this.use(true, (s) => {
      if (nb.objectLock) this.need('objectLock', 'Object lock');
      const owner = this.user(s, nb.owner);
      if (s.buckets.some((b) => b.name === nb.name)) throw providerError('BucketAlreadyExists', '', `bucket ${nb.name}`);
      if (s.buckets.filter((b) => b.owner === owner.uid).length >= owner.maxBuckets) throw providerError('TooManyBuckets', '', `user ${owner.uid}`);
      s.buckets.push({
        name: nb.name,
        owner: owner.uid,
        createdAt: new Date(this.now()).toISOString(),
        // S3: object lock needs versioning, which it turns on for good.
        versioning: nb.objectLock ? 'enabled' : 'off',
        objectLock: nb.objectLock,
        policy: null,
        lifecycle: [],
        quota: { ...NO_QUOTA },
        keys: {},
        seededObjects: 0,
        seededBytes: 0,
      });
    });
  }

  deleteBucket(name: string, purgeObjects: boolean): Promise<void> {
    return this.use(true, (s) => {
      const b = this.bucket(s, name);
      if (usage(b).objects > 0 && !purgeObjects) throw providerError('BucketNotEmpty', '', `bucket ${name}`);
      s.buckets = s.buckets.filter((x) => x !== b);
    });
  }

  setVersioning(name: string, state: 'enabled' | 'suspended'): Promise<void> {
    return this.use(true, (s) => {
      this.need('versioning', 'Versioning');
      const b = this.bucket(s, name);
      if (state === 'suspended' && b.objectLock)
        throw providerError('InvalidBucketState', 'versioning cannot be suspended on a bucket with object lock', `bucket ${name}`);
      b.versioning = state;
    });
  }

  setBucketQuota(name: string, quota: Quota): Promise<void> {
    return this.use(true, (s) => {
      this.need('bucketQuota', 'A bucket quota');
      this.bucket(s, name).quota = { ...quota };
    });
  }

  setBucketPolicy(name: string, policy: string | null): Promise<void> {
    return this.use(true, (s) => {
      this.need('bucketPolicy', 'A bucket policy');
      this.bucket(s, name).policy = policy;
    });
  }

  setLifecycle(name: string, rules: LifecycleRule[]): Promise<void> {
    return this.use(true, (s) => {
      this.need('lifecycle', 'Lifecycle rules');
      this.bucket(s, name).lifecycle = rules.map((r) => ({ ...r }));
    });
  }

  listUsers(): Promise<ObjectUser[]> {
    return this.use(false, (s) => s.users.map((u) => this.toUser(s, u)));
  }

  getUser(uid: string): Promise<ObjectUser> {
    return this.use(false, (s) => this.toUser(s, this.user(s, uid)));
  }

  createUser(nu: NewUser): Promise<void> {
    return this.use(true, (s) => {
      if (s.users.some((u) => u.uid === nu.uid)) throw providerError('UserAlreadyExists', '', `user ${nu.uid}`);
      if (nu.email && s.users.some((u) => u.email === nu.email)) throw providerError('EmailExists', '', `user ${nu.uid}`);
      s.users.push({ ...nu, suspended: false, quota: { ...NO_QUOTA }, keys: [], secretHashes: {}, policies: {} });
    });
  }

  setUserSuspended(uid: string, suspended: boolean): Promise<void> {
    return this.use(true, (s) => {
      this.need('suspendUser', 'Suspending a user');
      this.user(s, uid).suspended = suspended;
    });
  }

  deleteUser(uid: string, purgeData: boolean): Promise<void> {
    return this.use(true, (s) => {
      const u = this.user(s, uid);
      const owned = s.buckets.filter((b) => b.owner === uid);
      // RGW refuses to remove a user who still owns buckets unless the data is purged.
      if (owned.length > 0 && !purgeData) throw ownsBuckets(uid);
      s.buckets = s.buckets.filter((b) => b.owner !== uid);
      s.users = s.users.filter((x) => x !== u);
    });
  }

  setUserQuota(uid: string, quota: Quota): Promise<void> {
    return this.use(true, (s) => {
      this.need('userQuota', 'A user quota');
      this.user(s, uid).quota = { ...quota };
    });
  }

  listUserPolicies(uid: string): Promise<UserPolicy[]> {
    return this.use(false, (s) => Object.entries(this.user(s, uid).policies).map(([name, document]) => ({ name, document })));
  }

  putUserPolicy(uid: string, name: string, document: string): Promise<void> {
    return this.use(true, (s) => {
      this.need('userPolicy', 'A user policy');
      this.user(s, uid).policies[name] = document;
    });
  }

  deleteUserPolicy(uid: string, name: string): Promise<void> {
    return this.use(true, (s) => {
      const u = this.user(s, uid);
      if (!(name in u.policies)) throw providerError('NoSuchEntity', '', `policy ${name} of user ${uid}`);
      delete u.policies[name];
    });
  }

  createKey(uid: string): Promise<NewAccessKey> {
    return this.use(true, (s) => {
      const u = this.user(s, uid);
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
      const accessKeyId = [...randomBytes(20)].map((b) => alphabet[b % alphabet.length]).join('');
      const secretKey = randomBytes(30).toString('base64').replace(/[+/=]/g, 'x').slice(0, 40);
      u.keys.push(accessKeyId);
      u.secretHashes[accessKeyId] = createHash('sha256').update(secretKey).digest('hex');
      return { uid, accessKeyId, secretKey };
    });
  }

  revokeKey(uid: string, accessKeyId: string): Promise<void> {
    return this.use(true, (s) => {
      const u = this.user(s, uid);
      if (!u.keys.includes(accessKeyId)) throw providerError('InvalidAccessKeyId', '', `key ${accessKeyId} of user ${uid}`);
      u.keys = u.keys.filter((k) => k !== accessKeyId);
      delete u.secretHashes[accessKeyId];
    });
  }

  /**
   * An S3 PUT of `sizeBytes` to `bucket/key` with a user's access key, as RGW takes it: refused
   * for an unknown or revoked key (InvalidAccessKeyId), a suspended user or another owner's
   * bucket (AccessDenied), and past the bucket's or the user's quota (QuotaExceeded).
   */
  putObject(accessKeyId: string, bucket: string, key: string, sizeBytes: number): Promise<void> {
    return this.use(true, (s) => {
      const u = s.users.find((x) => x.keys.includes(accessKeyId));
      if (!u) throw providerError('InvalidAccessKeyId', '', `key ${accessKeyId}`);
      const b = this.bucket(s, bucket);
      if (u.suspended) throw providerError('UserSuspended', '', `PUT ${bucket}/${key}`);
      if (b.owner !== u.uid) throw providerError('AccessDenied', 'access denied', `PUT ${bucket}/${key}`);
      const replaces = b.versioning === 'enabled' ? 0 : (b.keys[key]?.length ?? 0) > 0 ? 1 : 0;
      const within = (q: Quota, used: { objects: number; sizeBytes: number }) =>
        (q.maxObjects === null || used.objects + 1 - replaces <= q.maxObjects) && (q.maxSizeBytes === null || used.sizeBytes + sizeBytes <= q.maxSizeBytes);
      if (!within(b.quota, usage(b)) || !within(u.quota, this.toUser(s, u))) throw providerError('QuotaExceeded', '', `PUT ${bucket}/${key}`);
      const versions = b.keys[key] ?? [];
      b.keys[key] = b.versioning === 'enabled' ? [...versions, sizeBytes] : [sizeBytes];
    });
  }
}
