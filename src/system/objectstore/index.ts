/**
 * The object store of an appliance: the simulated appliance's own (sim.ts) on a simulated host,
 * otherwise the configured provider (Ceph RGW), or null when none is configured yet.
 * Providers are kept per host and settings, so connections are reused between calls.
 */
import type { Host } from '../host.js';
import { RgwProvider, type RgwSettings } from './rgw.js';
import { SimulatedObjectStore } from './sim.js';
import type { ObjectStoreProvider } from './provider.js';

export * from './provider.js';
export { RgwProvider, type RgwSettings } from './rgw.js';
export { SimulatedObjectStore, OBJECTSTORE_SIM_STATE, SIM_ENDPOINT } from './sim.js';

export interface ProviderSettings {
  provider: 'rgw';
  rgw: RgwSettings;
}

const simulated = new WeakMap<Host, SimulatedObjectStore>();
const remote = new WeakMap<Host, { key: string; provider: RgwProvider }>();

export function simulatedObjectStore(host: Host): SimulatedObjectStore {
  let store = simulated.get(host);
  if (!store) simulated.set(host, (store = new SimulatedObjectStore(host.files, () => host.now?.() ?? Date.now())));
  return store;
}

/** The provider for this host and settings (null: a real appliance with no provider configured). */
export function objectStoreFor(host: Host, settings: ProviderSettings | null): ObjectStoreProvider | null {
  if (host.kind === 'sim') return simulatedObjectStore(host);
  if (!settings) return null;
  const key = JSON.stringify(settings);
  const cached = remote.get(host);
  if (cached && cached.key === key) return cached.provider;
  cached?.provider.close();
  const provider = new RgwProvider(settings.rgw);
  remote.set(host, { key, provider });
  return provider;
}
