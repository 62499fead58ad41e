import pino from 'pino';
import request from 'supertest';
import type Koa from 'koa';
import {
  createCalypso,
  ensureAdmin,
  type ApplianceOptions,
  type Calypso,
  type CalypsoOptions,
  type LicenseOptions,
  type MonitoringOptions,
} from '../../src/services/index.js';
import { createApi, type RouteMount } from '../../src/api/server.js';
import type { AdmissionOptions } from '../../src/api/admission.js';
import { eventsMount } from '../../src/api/events.js';
import { metricsMount } from '../../src/api/metrics.js';
import type { Host } from '../../src/system/host.js';
import { createTestDb, type TestDb } from './db.js';
import { RecordingHost } from './recording-host.js';

export const ADMIN_PASSWORD = 'correct-horse-battery-staple';
export const silentLog = pino({ level: 'silent' });
/** The Authorization header for a token, for supertest's `.set(...)`. */
export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

export interface TestApp {
  app: Calypso;
  koa: Koa;
  testDb: TestDb;
  host: Host;
  http: ReturnType<typeof request>;
  /** Log in through the API and return the access token. */
  login(username: string, password: string): Promise<string>;
  /** Create a user with the given roles (through the API, as admin) and return their token. */
  userWithRoles(username: string, roles: string[]): Promise<string>;
  adminToken: string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  host?: Host;
  /** Collector clock, probes and notifier timing; by default probes read the machine the tests run on. */
  monitoring?: MonitoringOptions;
  /** Routes beyond the operations; the event stream and /metrics by default. */
  mounts?: (app: Calypso) => RouteMount[];
  /** Accepted license keys and the license clock. */
  licenses?: LicenseOptions;
  /** Timing of the appliance subsystem (power delay). */
  appliance?: ApplianceOptions;
  /** Where SSH keys go, retry waits (data protection). */
  replication?: CalypsoOptions['replication'];
  /** Bounds of the REST face's admission control (src/api/admission.ts). */
  admission?: AdmissionOptions;
  /** The terminal: WebSocket switch, idle time, clock, demonstration shell's directory. */
  terminal?: CalypsoOptions['terminal'];
}

export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const testDb = await createTestDb({ migrated: true });
  const host = opts.host ?? new RecordingHost();
  const app = await createCalypso({
    db: testDb.db,
    host,
    log: silentLog,
    jwtSecret: 'test-secret-0123456789abcdef',
    monitoring: opts.monitoring,
    licenses: opts.licenses,
    appliance: opts.appliance,
    replication: opts.replication,
    terminal: opts.terminal,
  });
  await ensureAdmin(app, ADMIN_PASSWORD);
  const mounts = opts.mounts ? opts.mounts(app) : [eventsMount(app), metricsMount(app)];
  const koa = createApi(app, { log: silentLog, version: 'test', trustProxy: ['127.0.0.1', '::1'], admission: opts.admission }, mounts);
  const server = koa.callback();
  const http = request(server);
  const login = async (username: string, password: string) => {
    const res = await http.post('/api/v1/auth/login').send({ username, password });
    if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.accessToken as string;
  };
  const adminToken = await login('admin', ADMIN_PASSWORD);
  return {
    app,
    koa,
    testDb,
    host,
    http,
    login,
    adminToken,
    userWithRoles: async (username, roles) => {
      const res = await http
        .post('/api/v1/users')
        .set(bearer(adminToken))
        .send({ username, password: `${username}-password-123`, roles });
      if (res.status !== 201) throw new Error(`create ${username}: ${res.status} ${JSON.stringify(res.body)}`);
      return login(username, `${username}-password-123`);
    },
    close: async () => {
      await app.monitoring.stop();
      await app.jobs.idle();
      // Queries still in flight (a console screen reading again after the last event) end before the database goes;
      // one that waited for a connection of a dropped database would keep its acquire timer running for a minute.
      const pool = (testDb.db.client as { pool?: { numUsed(): number; numPendingAcquires(): number } }).pool;
      const deadline = Date.now() + 5_000;
      while (pool && pool.numUsed() + pool.numPendingAcquires() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await testDb.drop();
    },
  };
}
