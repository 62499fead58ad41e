/**
 * The object store's metrics (calypso_objectstore_*): whether the provider answers, and per bucket
 * and per user the objects, bytes and the share of the quota used, which the built-in
 * "objectstore-quota" alert rule watches. Read once a minute: listing every bucket and user is not
 * free on a large RGW.
 */
import type { Knex } from 'knex';
import type { Host } from '../../system/host.js';
import { objectStoreFor } from '../../system/objectstore/index.js';
import type { MetricValue } from '../monitoring/metrics.js';
import type { Probe } from '../monitoring/probes.js';
import { providerSettings, quotaUsedPercent } from './store.js';

export const OBJECTSTORE_METRICS = {
  calypso_objectstore_up: { help: '1 when the object store provider answers', labels: ['provider'] },
  calypso_objectstore_bucket_objects: { help: 'Objects in a bucket (every version counts)', labels: ['bucket', 'owner'] },
  calypso_objectstore_bucket_size_bytes: { help: 'Bytes stored in a bucket', labels: ['bucket', 'owner'] },
  calypso_objectstore_user_objects: { help: "Objects in a user's buckets", labels: ['user'] },
  calypso_objectstore_user_size_bytes: { help: "Bytes in a user's buckets", labels: ['user'] },
  calypso_objectstore_quota_used_percent: {
    help: 'Share of its quota a bucket or user uses (the larger of objects and bytes); only for those with a quota',
    labels: ['scope', 'name'],
  },
};

const v = (name: keyof typeof OBJECTSTORE_METRICS, value: number, labels: Record<string, string>): MetricValue => ({ name, labels, value });

export function objectStoreProbe(deps: { db: Knex; host: Host }, everyMs = 60_000): Probe {
  return {
    name: 'objectstore',
    provides: Object.keys(OBJECTSTORE_METRICS),
    timeoutMs: 30_000,
    everyMs,
    collect: async () => {
      const store = objectStoreFor(deps.host, await providerSettings(deps.db));
      if (!store) return [];
      const status = await store.status();
      const out = [v('calypso_objectstore_up', status.up ? 1 : 0, { provider: store.name })];
      if (!status.up) return out;
      const [buckets, users] = await Promise.all([store.listBuckets(), store.listUsers()]);
      for (const b of buckets) {
        const labels = { bucket: b.name, owner: b.owner };
        out.push(v('calypso_objectstore_bucket_objects', b.objects, labels), v('calypso_objectstore_bucket_size_bytes', b.sizeBytes, labels));
        const used = quotaUsedPercent(b.quota, b.objects, b.sizeBytes);
        if (used !== null) out.push(v('calypso_objectstore_quota_used_percent', used, { scope: 'bucket', name: b.name }));
      }
      for (const u of users) {
        out.push(v('calypso_objectstore_user_objects', u.objects, { user: u.uid }), v('calypso_objectstore_user_size_bytes', u.sizeBytes, { user: u.uid }));
        const used = quotaUsedPercent(u.quota, u.objects, u.sizeBytes);
        if (used !== null) out.push(v('calypso_objectstore_quota_used_percent', used, { scope: 'user', name: u.uid }));
      }
      return out;
    },
  };
}
