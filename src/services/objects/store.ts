/**
 * Which object store a call talks to, and how its errors read: the provider settings (one row of
 * objectstore_settings; the admin secret never leaves this module except to the provider), the
 * provider for this host (the simulated appliance's own, or RGW as configured), and the mapping of
 * the provider's errors to the service's (missing 404, conflict and unsupported 409, invalid 400,
 * unreachable and failed 502).
 */
import type { Knex } from 'knex';
import {
  ObjectStoreError,
  objectStoreFor,
  type ObjectStoreFeature,
  type ObjectStoreProvider,
  type ProviderSettings,
  type Quota,
} from '../../system/objectstore/index.js';
import type { Host } from '../../system/host.js';
import { nowIso } from '../../contracts/time.js';
import type { ObjectSettings } from '../../contracts/objects.js';
import { ApplianceError, Conflict, NotFound, ValidationError } from '../core/errors.js';

const TABLE = 'objectstore_settings';
const ROW = 1;

interface SettingsRow {
  provider: string;
  endpoint: string;
  region: string;
  access_key_id: string;
  secret_key: string;
  tls_verify: boolean | number;
  ca_certificate: string | null;
}

async function row(db: Knex): Promise<SettingsRow | undefined> {
  return db(TABLE).where({ id: ROW }).first();
}

/** The provider's settings as the service layer hands them to src/system (secret included). */
export async function providerSettings(db: Knex): Promise<ProviderSettings | null> {
  const r = await row(db);
  if (!r) return null;
  return {
    provider: 'rgw',
    rgw: {
      endpoint: r.endpoint,
      region: r.region,
      accessKeyId: r.access_key_id,
      secretKey: r.secret_key,
      tlsVerify: Boolean(r.tls_verify),
      caCertificate: r.ca_certificate,
    },
  };
}

/** The settings as callers see them: whether secrets are set, never the secrets. */
export async function publicSettings(db: Knex): Promise<ObjectSettings> {
  const r = await row(db);
  return {
    provider: r ? 'rgw' : null,
    endpoint: r?.endpoint ?? null,
    region: r?.region ?? 'us-east-1',
    accessKeyId: r?.access_key_id ?? null,
    secretKeySet: Boolean(r?.secret_key),
    tlsVerify: r ? Boolean(r.tls_verify) : true,
    caCertificateSet: Boolean(r?.ca_certificate),
  };
}

export interface SettingsChange {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretKey?: string;
  tlsVerify: boolean;
  caCertificate?: string | null;
}

export async function saveSettings(db: Knex, change: SettingsChange): Promise<void> {
  const current = await row(db);
  const secret = change.secretKey ?? current?.secret_key;
  if (!secret)
    throw new ValidationError('secretKey: the admin secret key is required the first time', [{ path: 'secretKey', message: 'required the first time' }]);
  const values = {
    provider: 'rgw',
    endpoint: change.endpoint.replace(/\/$/, ''),
    region: change.region,
    access_key_id: change.accessKeyId,
    secret_key: secret,
    tls_verify: change.tlsVerify,
    ca_certificate: change.caCertificate === undefined ? (current?.ca_certificate ?? null) : change.caCertificate,
    updated_at: nowIso(),
  };
  await db(TABLE)
    .insert({ id: ROW, ...values })
    .onConflict('id')
    .merge();
}

/** The appliance's object store, or 409 when a real appliance has none configured. */
export async function storeFor(db: Knex, host: Host): Promise<ObjectStoreProvider> {
  const store = objectStoreFor(host, await providerSettings(db));
  if (!store) throw new Conflict('no object store provider is configured: an Admin sets its endpoint and admin keys (objects.settings.update)');
  return store;
}

/** The access key id Calypso manages the provider with (its user is protected from suspension, deletion and key revocation here). */
export async function adminAccessKey(db: Knex): Promise<string | null> {
  return (await row(db))?.access_key_id ?? null;
}

/** The service's error for a provider's; anything else passes through. */
export function serviceError(err: unknown): unknown {
  if (!(err instanceof ObjectStoreError)) return err;
  switch (err.kind) {
    case 'missing':
      return new NotFound(err.message);
    case 'conflict':
    case 'unsupported':
      return new Conflict(err.message);
    case 'invalid':
      return new ValidationError(err.message);
    default:
      return new ApplianceError(err.message, 502);
  }
}

/** Runs provider calls; their errors become the service's. */
export async function withStore<T>(store: ObjectStoreProvider, fn: (s: ObjectStoreProvider) => Promise<T>): Promise<T> {
  try {
    return await fn(store);
  } catch (err) {
    throw serviceError(err);
  }
}

/** Refuses a feature the provider lacks, with the sentence the console shows. */
export function needFeature(store: ObjectStoreProvider, feature: ObjectStoreFeature, what: string): void {
  if (!store.supports(feature)) throw new Conflict(`${what} is not supported by this provider (${store.name})`);
}

/** The larger of objects and bytes as a percent of the quota, one decimal; null without a quota. */
export function quotaUsedPercent(quota: Quota, objects: number, sizeBytes: number): number | null {
  // A limit of 0 is full: nothing more fits.
  const share = (used: number, limit: number) => (limit === 0 ? 100 : (used / limit) * 100);
  const shares: number[] = [];
  if (quota.maxObjects !== null) shares.push(share(objects, quota.maxObjects));
  if (quota.maxSizeBytes !== null) shares.push(share(sizeBytes, quota.maxSizeBytes));
  return shares.length ? Math.round(Math.max(...shares) * 10) / 10 : null;
}
