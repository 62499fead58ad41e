/**
 * A daemon for the client tests: the test app (simulated appliance) with its API on a Unix
 * socket in a temp dir, and the contracts of routes not yet converted (mirrors of the daemon's
 * own: the client needs only the name, route and types).
 */
import path from 'node:path';
import { z } from 'zod';
import { defineContract } from '../../src/contracts/core.js';
import { SimulatedHost } from '../../src/system/sim/simulated-host.js';
import { listen, type RunningServer } from '../../src/api/server.js';
import { eventsMount } from '../../src/api/events.js';
import type { Calypso, CalypsoEvent } from '../../src/services/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

export const meContract = defineContract({
  name: 'auth.me', summary: 'Who am I', permission: 'authenticated', mutating: false,
  input: z.object({}), output: z.object({ username: z.string(), roles: z.array(z.string()), permissions: z.array(z.string()) }),
  http: { method: 'GET', path: '/auth/me' },
});

export const userCreateContract = defineContract({
  name: 'iam.users.create', summary: 'Create a user', permission: 'iam.write', mutating: true,
  input: z.object({ username: z.string(), password: z.string(), roles: z.array(z.string()).optional() }),
  output: z.object({ username: z.string() }),
  http: { method: 'POST', path: '/users' },
});

const jobSchema = z.object({ id: z.number(), type: z.string(), state: z.string(), target: z.string().nullable().optional() });

export const scrubContract = defineContract({
  name: 'storage.pools.scrub', summary: 'Start, pause or stop a scrub', permission: 'storage.scrub', mutating: true,
  input: z.object({ name: z.string(), action: z.enum(['start', 'pause', 'stop']).optional() }),
  output: z.object({ job: jobSchema.nullable(), scan: z.record(z.string(), z.unknown()) }),
  http: { method: 'POST', path: '/storage/pools/:name/scrub' },
});

export const jobCancelContract = defineContract({
  name: 'jobs.cancel', summary: 'Cancel a job', permission: 'jobs.cancel', mutating: true,
  input: z.object({ id: z.number() }), output: jobSchema,
  http: { method: 'POST', path: '/jobs/:id/cancel' },
});

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
    socketPath, server,
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

export const datasetCreateContract = defineContract({
  name: 'storage.datasets.create', summary: 'Create a dataset', permission: 'storage.write', mutating: true,
  input: z.object({ name: z.string(), properties: z.record(z.string(), z.string()).optional() }),
  output: z.object({ name: z.string() }),
  http: { method: 'POST', path: '/storage/datasets' },
});

export const datasetGetContract = defineContract({
  name: 'storage.datasets.get', summary: 'Show a dataset', permission: 'storage.read', mutating: false,
  input: z.object({ name: z.string() }), output: z.object({ name: z.string(), properties: z.record(z.string(), z.unknown()) }),
  http: { method: 'GET', path: '/storage/datasets/:name' },
});

export const datasetDestroyContract = defineContract({
  name: 'storage.datasets.destroy', summary: 'Destroy a dataset', permission: 'storage.destroy', mutating: true, dangerous: true,
  input: z.object({ name: z.string(), recursive: z.boolean().optional(), confirm: z.string().optional() }),
  output: z.object({ destroyed: z.array(z.string()) }), target: (i) => i.name,
  http: { method: 'DELETE', path: '/storage/datasets/:name' },
});
