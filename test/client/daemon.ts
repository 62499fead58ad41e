/**
 * A daemon for the client tests: the test app (simulated appliance) with its API on a Unix
 * socket in a temp dir, and the contracts the tests call most.
 */
import path from 'node:path';
import { iamContracts } from '../../src/contracts/iam.js';
import { jobContracts } from '../../src/contracts/jobs.js';
import { storageContracts } from '../../src/contracts/storage.js';
import { SimulatedHost } from '../../src/system/sim/simulated-host.js';
import { listen, type RunningServer } from '../../src/api/server.js';
import { eventsMount } from '../../src/api/events.js';
import type { Calypso, CalypsoEvent } from '../../src/services/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

export const meContract = iamContracts['auth.me'];
export const userCreateContract = iamContracts['iam.users.create'];
export const scrubContract = storageContracts['storage.pools.scrub'];
export const jobCancelContract = jobContracts['jobs.cancel'];

export interface SocketDaemon extends TestApp {
  socketPath: string;
  server: RunningServer;
}

/** The test app on the simulated appliance, its API on DATA/calypso.sock as `calypso serve` has it. */
export async function startSocketDaemon(): Promise<SocketDaemon> {
  // A short heartbeat: the stream's session check (and the `end` of a session that ended) comes soon.
  const t = await startTestApp({ host: new SimulatedHost(), mounts: (app) => [eventsMount(app, { heartbeatMs: 200 })] });
  const socketPath = path.join(t.testDb.dataDir, 'calypso.sock');
  const server = await listen(t.koa, { port: 0, host: '127.0.0.1', tcp: false, socketPath });
  const close = t.close;
  return Object.assign(t, {
    socketPath,
    server,
    close: async () => {
      await server.close();
      await close();
    },
  });
}

/** Waits for a condition (never for a fixed time); jest's timeout ends a wait that never comes. */
export async function until(condition: () => boolean | Promise<boolean>, pollMs = 10): Promise<void> {
  while (!(await condition())) await new Promise((r) => setTimeout(r, pollMs));
}

/** Every event the bus publishes of these types, with its id: what a subscriber must receive. */
export function recordBus(app: Calypso, types: CalypsoEvent['type'][]): { events: { id: string; type: string }[]; stop(): void } {
  const events: { id: string; type: string }[] = [];
  const stop = app.events.subscribe((e, id) => {
    if (types.includes(e.type)) events.push({ id, type: e.type });
  });
  return { events, stop };
}

export const datasetCreateContract = storageContracts['storage.datasets.create'];
export const datasetGetContract = storageContracts['storage.datasets.get'];
export const datasetDestroyContract = storageContracts['storage.datasets.destroy'];
