/**
 * Object storage (issue 13): buckets, users, access keys, policies and usage on the appliance's
 * S3 service, through the provider interface of src/system/objectstore (never the SDK here).
 *
 * Who may do what (the contracts say the base permission; the handlers add the rules that depend
 * on the value): an Operator (objects.operate) may only make changes that cannot widen anyone's
 * access. A policy change that adds or changes an Allow statement, or removes a Deny, needs
 * objects.admin; so do public buckets, COMPLIANCE locks, new keys, re-enabling users and deleting.
 * The user holding Calypso's own admin key is never suspended, deleted or stripped of that key here.
 */
import {
  OBJECT_FEATURES,
  objectContracts as c,
  objectsPermissions,
  type ObjectBucket,
  type ObjectBucketDetail,
  type ObjectUser,
  type ObjectUserDetail,
} from '../../contracts/objects.js';
import { page } from '../../contracts/list.js';
import {
  objectStoreFor,
  type BucketDetail,
  type BucketSummary,
  type ObjectStoreProvider,
  type ObjectUser as ProviderUser,
  type Quota,
} from '../../system/objectstore/index.js';
import { onlyNarrows, parsePolicy, type PolicyDocument } from '../../vocabulary/objects.js';
import { actorHas, type Ctx } from '../core/context.js';
import { Conflict, Forbidden, ValidationError } from '../core/errors.js';
import { implement, type Registry } from '../core/registry.js';
import { adminAccessKey, needFeature, providerSettings, publicSettings, quotaUsedPercent, saveSettings, serviceError, storeFor, withStore } from './store.js';

const ADMIN = 'objects.admin';

const bucketOut = (b: BucketSummary): ObjectBucket => ({
  name: b.name,
  owner: b.owner,
  objects: b.objects,
  sizeBytes: b.sizeBytes,
  createdAt: b.createdAt,
  quota: b.quota,
  quotaUsedPercent: quotaUsedPercent(b.quota, b.objects, b.sizeBytes),
  versioning: b.versioning,
});

const bucketDetailOut = (b: BucketDetail): ObjectBucketDetail => ({ ...bucketOut(b), objectLock: b.objectLock, policy: b.policy, lifecycle: b.lifecycle });

const userOut = (u: ProviderUser, adminKey: string | null): ObjectUser => ({
  ...u,
  quotaUsedPercent: quotaUsedPercent(u.quota, u.objects, u.sizeBytes),
  calypsoAdmin: adminKey !== null && u.keys.includes(adminKey),
});

async function store(ctx: Ctx): Promise<ObjectStoreProvider> {
  return storeFor(ctx.db, ctx.host);
}

/** Runs `fn` against the appliance's store; provider errors become the service's. */
async function using<T>(ctx: Ctx, fn: (s: ObjectStoreProvider) => Promise<T>): Promise<T> {
  return withStore(await store(ctx), fn);
}

async function userDetail(ctx: Ctx, s: ObjectStoreProvider, uid: string): Promise<ObjectUserDetail> {
  const [u, policies, adminKey] = await Promise.all([
    s.getUser(uid),
    s.supports('userPolicy') ? s.listUserPolicies(uid) : Promise.resolve([]),
    adminAccessKey(ctx.db),
  ]);
  return { ...userOut(u, adminKey), policies };
}

/** Refuses changes to the user whose key Calypso manages the provider with. */
async function notCalypsoAdmin(ctx: Ctx, s: ObjectStoreProvider, uid: string, what: string): Promise<void> {
  const adminKey = await adminAccessKey(ctx.db);
  if (adminKey && (await s.getUser(uid)).keys.includes(adminKey))
    throw new Conflict(`${what}: user ${uid} holds the admin key Calypso manages the object store with`);
}

function requireAdmin(ctx: Ctx, why: string): void {
  if (!actorHas(ctx.actor, ADMIN)) throw new Forbidden(`needs ${ADMIN}: ${why}`);
}

const policyOf = (text: string | null, needsPrincipal: boolean): PolicyDocument | null => {
  if (text === null) return null;
  const parsed = parsePolicy(text, needsPrincipal);
  // A policy set outside Calypso that it cannot read is treated as holding a Deny: only an Admin replaces it.
  return 'policy' in parsed ? parsed.policy : { Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] };
};

/** The policy text of a bucket policy preset (null: no policy). */
function presetPolicy(bucket: string, preset: string, user: string | undefined, custom: string | undefined): string | null {
  const extra = (field: string, wanted: boolean, value: unknown) => {
    if (wanted && value === undefined)
      throw new ValidationError(`${field}: required with preset ${preset}`, [{ path: field, message: `required with preset ${preset}` }]);
    if (!wanted && value !== undefined)
      throw new ValidationError(`${field}: only with preset ${field === 'user' ? 'read-only-user' : 'custom'}`, [
        { path: field, message: 'not with this preset' },
      ]);
  };
  extra('user', preset === 'read-only-user', user);
  extra('policy', preset === 'custom', custom);
  const arn = `arn:aws:s3:::${bucket}`;
  switch (preset) {
    case 'private':
      return null;
    case 'public-read':
      return JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: [`${arn}/*`] }],
      });
    case 'read-only-user':
      return JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'ReadOnlyUser',
            Effect: 'Allow',
            Principal: { AWS: [`arn:aws:iam:::user/${user}`] },
            Action: ['s3:ListBucket', 's3:GetObject'],
            Resource: [arn, `${arn}/*`],
          },
        ],
      });
    default:
      return custom!;
  }
}

const sameQuota = (q: { maxSizeBytes: number | null; maxObjects: number | null }): Quota => ({ maxSizeBytes: q.maxSizeBytes, maxObjects: q.maxObjects });

export function registerObjects(registry: Registry): void {
  registry.addPermissions(objectsPermissions);

  registry.add(
    implement(c['objects.status'], async (ctx) => {
      const settings = await providerSettings(ctx.db);
      const s = objectStoreFor(ctx.host, settings);
      if (!s) {
        return {
          configured: false,
          provider: null,
          endpoint: null,
          up: false,
          version: null,
          detail: 'no object store provider is configured',
          buckets: 0,
          objects: 0,
          sizeBytes: 0,
          features: [],
          serviceControl: true,
        };
      }
      const st = await withStore(s, (p) => p.status());
      return { configured: true, ...st, features: OBJECT_FEATURES.filter((f) => s.supports(f)), serviceControl: true };
    }),
  );

  registry.add(implement(c['objects.settings.get'], async (ctx) => publicSettings(ctx.db)));
  registry.add(
    implement(c['objects.settings.update'], async (ctx, input) => {
      await saveSettings(ctx.db, input);
      return publicSettings(ctx.db);
    }),
  );

  // Buckets

  registry.add(
    implement(c['objects.buckets.list'], async (ctx, input) => {
      const all = await using(ctx, (s) => s.listBuckets());
      const rows = all
        .filter((b) => input.owner === undefined || b.owner === input.owner)
        .sort((a, b) => a.name.localeCompare(b.name))
        .map(bucketOut);
      return page(rows, input);
    }),
  );

  registry.add(implement(c['objects.buckets.get'], async (ctx, input) => bucketDetailOut(await using(ctx, (s) => s.getBucket(input.name)))));

  registry.add(
    implement(c['objects.buckets.create'], async (ctx, input) => {
      if (input.objectLock?.mode === 'COMPLIANCE') requireAdmin(ctx, 'a COMPLIANCE lock cannot be lifted by anyone until its retention ends');
      const s = await store(ctx);
      if (input.objectLock) needFeature(s, 'objectLock', 'Object lock');
      if (input.versioning) needFeature(s, 'versioning', 'Versioning');
      if (input.quota) needFeature(s, 'bucketQuota', 'A bucket quota');
      return withStore(s, async (p) => {
        await p.createBucket({ name: input.name, owner: input.owner, objectLock: input.objectLock });
        try {
          if (input.versioning && !input.objectLock) await p.setVersioning(input.name, 'enabled');
          if (input.quota) await p.setBucketQuota(input.name, sameQuota(input.quota));
        } catch (err) {
          // One unit: the bucket goes again when its settings cannot be applied.
          await p
            .deleteBucket(input.name, false)
            .catch((undo: unknown) => ctx.log.error({ err: serviceError(undo), bucket: input.name }, 'could not remove a half-made bucket'));
          throw err;
        }
        return bucketDetailOut(await p.getBucket(input.name));
      });
    }),
  );

  registry.add(
    implement(c['objects.buckets.delete'], async (ctx, input) => {
      await using(ctx, (s) => s.deleteBucket(input.name, input.purgeObjects));
      return { ok: true as const };
    }),
  );

  registry.add(
    implement(c['objects.buckets.versioning'], async (ctx, input) => {
      const s = await store(ctx);
      needFeature(s, 'versioning', 'Versioning');
      return withStore(s, async (p) => {
        await p.setVersioning(input.name, input.state);
        return bucketDetailOut(await p.getBucket(input.name));
      });
    }),
  );

  registry.add(
    implement(c['objects.buckets.quota'], async (ctx, input) => {
      const s = await store(ctx);
      needFeature(s, 'bucketQuota', 'A bucket quota');
      return withStore(s, async (p) => {
        await p.setBucketQuota(input.name, sameQuota(input));
        return bucketDetailOut(await p.getBucket(input.name));
      });
    }),
  );

  registry.add(
    implement(c['objects.buckets.policy'], async (ctx, input) => {
      const next = presetPolicy(input.name, input.preset, input.user, input.policy);
      const s = await store(ctx);
      needFeature(s, 'bucketPolicy', 'A bucket policy');
      return withStore(s, async (p) => {
        const current = await p.getBucket(input.name);
        if (!onlyNarrows(policyOf(current.policy, true), policyOf(next, true)))
          requireAdmin(ctx, 'this policy may widen access (it allows more or drops a Deny)');
        if (input.preset === 'read-only-user') await p.getUser(input.user!);
        await p.setBucketPolicy(input.name, next);
        return bucketDetailOut(await p.getBucket(input.name));
      });
    }),
  );

  registry.add(
    implement(c['objects.buckets.lifecycle'], async (ctx, input) => {
      const ids = new Set<string>();
      for (const [i, r] of input.rules.entries()) {
        if (ids.has(r.id))
          throw new ValidationError(`rules.${i}.id: two rules are called "${r.id}"`, [{ path: `rules.${i}.id`, message: 'duplicate rule id' }]);
        ids.add(r.id);
      }
      const s = await store(ctx);
      needFeature(s, 'lifecycle', 'Lifecycle rules');
      return withStore(s, async (p) => {
        await p.setLifecycle(input.name, input.rules);
        return bucketDetailOut(await p.getBucket(input.name));
      });
    }),
  );

  // Users

  registry.add(
    implement(c['objects.users.list'], async (ctx, input) => {
      const [all, adminKey] = await Promise.all([using(ctx, (s) => s.listUsers()), adminAccessKey(ctx.db)]);
      return page(
        all.sort((a, b) => a.uid.localeCompare(b.uid)).map((u) => userOut(u, adminKey)),
        input,
      );
    }),
  );

  registry.add(implement(c['objects.users.get'], async (ctx, input) => using(ctx, (s) => userDetail(ctx, s, input.uid))));

  registry.add(
    implement(c['objects.users.create'], async (ctx, input) =>
      using(ctx, async (s) => {
        await s.createUser({ uid: input.uid, displayName: input.displayName, email: input.email, maxBuckets: input.maxBuckets });
        return userDetail(ctx, s, input.uid);
      }),
    ),
  );

  registry.add(
    implement(c['objects.users.suspend'], async (ctx, input) => {
      const s = await store(ctx);
      needFeature(s, 'suspendUser', 'Suspending a user');
      return withStore(s, async (p) => {
        await notCalypsoAdmin(ctx, p, input.uid, 'not suspended');
        await p.setUserSuspended(input.uid, true);
        return userDetail(ctx, p, input.uid);
      });
    }),
  );

  registry.add(
    implement(c['objects.users.enable'], async (ctx, input) =>
      using(ctx, async (s) => {
        await s.setUserSuspended(input.uid, false);
        return userDetail(ctx, s, input.uid);
      }),
    ),
  );

  registry.add(
    implement(c['objects.users.delete'], async (ctx, input) =>
      using(ctx, async (s) => {
        await notCalypsoAdmin(ctx, s, input.uid, 'not deleted');
        await s.deleteUser(input.uid, input.purgeData);
        return { ok: true as const };
      }),
    ),
  );

  registry.add(
    implement(c['objects.users.quota'], async (ctx, input) => {
      const s = await store(ctx);
      needFeature(s, 'userQuota', 'A user quota');
      return withStore(s, async (p) => {
        await p.setUserQuota(input.uid, sameQuota(input));
        return userDetail(ctx, p, input.uid);
      });
    }),
  );

  registry.add(
    implement(c['objects.users.policies.put'], async (ctx, input) => {
      const s = await store(ctx);
      needFeature(s, 'userPolicy', 'A user policy');
      return withStore(s, async (p) => {
        const current = (await p.listUserPolicies(input.uid)).find((x) => x.name === input.policy);
        if (!onlyNarrows(policyOf(current?.document ?? null, false), policyOf(input.document, false)))
          requireAdmin(ctx, "this policy may widen the user's access (it allows more or drops a Deny)");
        await p.putUserPolicy(input.uid, input.policy, input.document);
        return userDetail(ctx, p, input.uid);
      });
    }),
  );

  registry.add(
    implement(c['objects.users.policies.delete'], async (ctx, input) => {
      const s = await store(ctx);
      needFeature(s, 'userPolicy', 'A user policy');
      return withStore(s, async (p) => {
        const current = (await p.listUserPolicies(input.uid)).find((x) => x.name === input.policy);
        if (current && !onlyNarrows(policyOf(current.document, false), null)) requireAdmin(ctx, "removing a Deny widens the user's access");
        await p.deleteUserPolicy(input.uid, input.policy);
        return userDetail(ctx, p, input.uid);
      });
    }),
  );

  // Keys

  registry.add(
    implement(c['objects.keys.list'], async (ctx, input) => {
      const u = await using(ctx, (s) => s.getUser(input.uid));
      return { items: u.keys.map((accessKeyId) => ({ accessKeyId })) };
    }),
  );

  registry.add(implement(c['objects.keys.create'], async (ctx, input) => using(ctx, (s) => s.createKey(input.uid))));

  registry.add(
    implement(c['objects.keys.revoke'], async (ctx, input) => {
      if (input.accessKeyId === (await adminAccessKey(ctx.db)))
        throw new Conflict(`key ${input.accessKeyId} is the admin key Calypso manages the object store with: change the settings first`);
      await using(ctx, (s) => s.revokeKey(input.uid, input.accessKeyId));
      return { ok: true as const };
    }),
  );

  registry.add(
    implement(c['objects.usage'], async (ctx) =>
      using(ctx, async (s) => {
        const [buckets, users] = await Promise.all([s.listBuckets(), s.listUsers()]);
        const row = (name: string, x: { objects: number; sizeBytes: number; quota: Quota }) => ({
          name,
          objects: x.objects,
          sizeBytes: x.sizeBytes,
          quota: x.quota,
          quotaUsedPercent: quotaUsedPercent(x.quota, x.objects, x.sizeBytes),
        });
        return {
          buckets: buckets.sort((a, b) => a.name.localeCompare(b.name)).map((b) => ({ ...row(b.name, b), owner: b.owner })),
          users: users.sort((a, b) => a.uid.localeCompare(b.uid)).map((u) => row(u.uid, u)),
        };
      }),
    ),
  );
}
