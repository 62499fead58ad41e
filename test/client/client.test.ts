/**
 * One suite, both CalypsoClient implementations: HTTP + SSE over the daemon's Unix socket, and
 * in-process over app.call and the bus. They must be interchangeable: the same answers, the same
 * error classes with the same details, the same events with the same ids.
 */
import { afterAll, afterEach, beforeAll, describe, expect, jest, test } from '@jest/globals';
import crypto from 'node:crypto';
import type { CalypsoClient, StreamEvent } from '../../src/contracts/client.js';
import { Conflict, Forbidden, NotFound, TooManyRequests, Unauthenticated, ValidationError } from '../../src/contracts/errors.js';
import { scheduleContracts, type Schedule } from '../../src/contracts/schedules.js';
import { HttpClient } from '../../src/client/http.js';
import { inProcessClient } from '../../src/services/in-process-client.js';
import { ADMIN_PASSWORD } from '../helpers/app.js';
import {
  datasetCreateContract,
  datasetDestroyContract,
  datasetGetContract,
  jobCancelContract,
  meContract,
  recordBus,
  scrubContract,
  startSocketDaemon,
  until,
  userCreateContract,
  type SocketDaemon,
} from './daemon.js';

const S = scheduleContracts;
let t: SocketDaemon;
const open: CalypsoClient[] = [];

beforeAll(async () => {
  t = await startSocketDaemon();
  // Failed logins are throttled on the throttle's own clock: no real waiting in these tests.
  let at = Date.now();
  t.app.auth.throttle.clock = { now: () => at, sleep: async (ms) => void (at += ms) };
  await t.userWithRoles('viewer', ['ReadOnly']);
}, 60_000);

afterEach(async () => {
  jest.restoreAllMocks();
  await Promise.all(open.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await t.close();
});

type Kind = 'http' | 'in-process';
const makers: Record<Kind, (opts?: { refreshBeforeSeconds?: number; recheckMs?: number }) => CalypsoClient & { ready(): Promise<void> }> = {
  http: (opts) => new HttpClient({ socketPath: t.socketPath, ...opts }),
  'in-process': (opts) => inProcessClient(t.app, 'api', opts),
};

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/** The rejection of a call, to look at its class and fields. */
async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('the call succeeded');
}

describe.each(['http', 'in-process'] as const)('%s client', (kind) => {
  const client = (opts?: { refreshBeforeSeconds?: number; recheckMs?: number }) => {
    const c = makers[kind](opts);
    open.push(c);
    return c;
  };
  const admin = async () => {
    const c = client();
    await c.login('admin', ADMIN_PASSWORD);
    return c;
  };

  test('login keeps the session and calls run as that user', async () => {
    const c = client();
    expect(c.loggedIn).toBe(false);
    const pair = await c.login('admin', ADMIN_PASSWORD);
    expect(pair).toMatchObject({ expiresInSeconds: 900, user: { username: 'admin' } });
    expect(c.loggedIn).toBe(true);
    expect(c.state).toBe('connected');
    const me = await c.call(meContract, {});
    expect(me.username).toBe('admin');
    expect(me.permissions).toContain('schedules.manage');
  });

  test('typed calls: create, list with a query, get, update and delete by path', async () => {
    const c = await admin();
    const created: Schedule = await c.call(S['schedules.create'], {
      kind: 'pool.scrub',
      target: 'tank',
      cron: '0 2 * * 0',
      description: `made by the ${kind} client`,
    });
    expect(created).toMatchObject({ kind: 'pool.scrub', target: 'tank', enabled: true, graceSeconds: 3600, createdBy: 'admin' });
    expect(created.cronText).toMatch(/Sunday/i);
    // @ts-expect-error the output is typed from the contract: no such field
    expect(created.noSuchField).toBeUndefined();

    // GET: numbers and enums travel in the query string and are read back as the contract coerces them.
    const page = await c.call(S['schedules.list'], { kind: 'pool.scrub', limit: 1000, offset: 0 });
    expect(page.items.map((s) => s.id)).toContain(created.id);
    expect((await c.call(S['schedules.list'], { limit: 1 })).items).toHaveLength(1);
    expect(await c.call(S['schedules.get'], { id: created.id })).toMatchObject({ id: created.id, target: 'tank', description: `made by the ${kind} client` });

    const changed = await c.call(S['schedules.update'], { id: created.id, cron: '30 4 * * 6', options: { minDaysSinceLast: 3 } });
    expect(changed).toMatchObject({ cron: '30 4 * * 6', options: expect.objectContaining({ minDaysSinceLast: 3 }) });
    expect((await c.call(S['schedules.disable'], { id: created.id })).enabled).toBe(false);
    expect(await c.call(S['schedules.delete'], { id: created.id })).toEqual({ deleted: true });
    expect(await failure(c.call(S['schedules.get'], { id: created.id }))).toBeInstanceOf(NotFound);
  });

  test('a path parameter holding a slash and a space; DELETE with a boolean and the confirmation', async () => {
    const c = await admin();
    const name = `tank/client ${kind}`;
    await c.call(datasetCreateContract, { name, properties: { comments: 'by the client' } });
    const child = `${name}/child`;
    await c.call(datasetCreateContract, { name: child });
    expect((await c.call(datasetGetContract, { name })).name).toBe(name);
    const refused = await failure(c.call(datasetDestroyContract, { name }));
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).errors).toEqual([{ path: 'confirm', message: `type ${name} to confirm` }]);
    // recursive must arrive as a boolean (a query string would make it the text "true", which the contract refuses).
    const destroyed = await c.call(datasetDestroyContract, { name, recursive: true, confirm: name });
    expect(destroyed.destroyed).toEqual(expect.arrayContaining([name, child]));
    expect(await failure(c.call(datasetGetContract, { name }))).toBeInstanceOf(NotFound);
  });

  test('400: ValidationError with the field errors the daemon found', async () => {
    const c = await admin();
    const err = await failure(c.call(S['schedules.create'], { kind: 'pool.scrub', target: '', cron: 'every now and then', surprise: 1 } as never));
    expect(err).toBeInstanceOf(ValidationError);
    const paths = (err as ValidationError).errors.map((e) => e.path).sort();
    expect(paths).toEqual(expect.arrayContaining(['surprise', 'target']));
    expect(err.message).toMatch(/surprise/);
  });

  test("401: Unauthenticated without a login, with the daemon's detail", async () => {
    const c = client();
    const err = await failure(c.call(S['schedules.list'], {}));
    expect(err).toBeInstanceOf(Unauthenticated);
    expect(err.message).toBe('login required');
    const wrong = await failure(c.login('admin', 'not-the-password'));
    expect(wrong).toBeInstanceOf(Unauthenticated);
    expect(c.loggedIn).toBe(false);
  });

  test('403: a ReadOnly user is Forbidden to change, and nothing changed', async () => {
    const c = client();
    await c.login('viewer', 'viewer-password-123');
    expect((await c.call(S['schedules.list'], {})).total).toBeGreaterThanOrEqual(0);
    const before = (await c.call(S['schedules.list'], {})).total;
    const err = await failure(c.call(S['schedules.create'], { kind: 'pool.scrub', target: 'tank', cron: '0 2 * * 0' }));
    expect(err).toBeInstanceOf(Forbidden);
    expect(err.message).toMatch(/schedules\.manage/);
    expect((await c.call(S['schedules.list'], {})).total).toBe(before);
  });

  test('404 and 409: NotFound and Conflict with the detail', async () => {
    const c = await admin();
    const missing = await failure(c.call(S['schedules.get'], { id: 2_000_000 }));
    expect(missing).toBeInstanceOf(NotFound);
    const taken = await failure(c.call(userCreateContract, { username: 'viewer', password: 'another-password-123' }));
    expect(taken).toBeInstanceOf(Conflict);
    expect(taken.message).toBe('user viewer already exists');
  });

  test('429: TooManyRequests with the seconds to wait', async () => {
    const c = client();
    let err: Error | undefined;
    for (let i = 0; i < 10 && !(err instanceof TooManyRequests); i++) err = await failure(c.login(`nobody-${kind}`, 'wrong-password'));
    expect(err).toBeInstanceOf(TooManyRequests);
    expect((err as TooManyRequests).retryAfterSeconds).toBeGreaterThan(0);
  });

  test('events arrive in order, each subscriber only its types, under the visibility rule', async () => {
    const c = await admin();
    const viewer = client();
    await viewer.login('viewer', 'viewer-password-123');
    const jobs: StreamEvent[] = [];
    const audits: StreamEvent[] = [];
    const viewerAudits: StreamEvent[] = [];
    const viewerJobs: StreamEvent[] = [];
    c.subscribe(['job'], { onEvent: (e) => jobs.push(e) });
    c.subscribe(['audit'], { onEvent: (e) => audits.push(e) });
    viewer.subscribe(['audit', 'job'], { onEvent: (e) => (e.type === 'audit' ? viewerAudits : viewerJobs).push(e) });
    await c.ready();
    await viewer.ready();
    const bus = recordBus(t.app, ['job', 'audit']);

    const started = await c.call(scrubContract, { name: 'tank', action: 'start' });
    const jobId = started.job!.id;
    await c.call(jobCancelContract, { id: jobId });
    const jobOf = (e: StreamEvent) => e.data.job as { id: number; state: string };
    await until(() => jobs.some((e) => jobOf(e).id === jobId && jobOf(e).state === 'cancelled'));
    await until(() =>
      audits.some(
        (e) => (e.data.entry as { operation: string; result: string }).operation === 'jobs.cancel' && (e.data.entry as { result: string }).result === 'ok',
      ),
    );
    bus.stop();

    // Exactly the bus's events, with the bus's ids, in its order.
    const expected = (type: string) => bus.events.filter((e) => e.type === type).map((e) => e.id);
    expect(jobs.map((e) => e.id).filter((id) => expected('job').includes(id))).toEqual(expected('job'));
    expect(audits.map((e) => e.id).filter((id) => expected('audit').includes(id))).toEqual(expected('audit'));
    expect(jobs.every((e) => e.type === 'job') && audits.every((e) => e.type === 'audit')).toBe(true);
    const states = jobs.filter((e) => jobOf(e).id === jobId).map((e) => jobOf(e).state);
    expect(states[0]).toBe('running');
    expect(states.at(-1)).toBe('cancelled');
    expect(audits.map((e) => (e.data.entry as { operation: string }).operation)).toEqual(expect.arrayContaining(['storage.pools.scrub', 'jobs.cancel']));
    // The audit log is not for ReadOnly; jobs are.
    expect(viewerAudits).toEqual([]);
    await until(() => viewerJobs.some((e) => jobOf(e).id === jobId && jobOf(e).state === 'cancelled'));
  });

  test('an access token that expired is renewed once and the call repeated', async () => {
    const c = client();
    const pair = await c.login('admin', ADMIN_PASSWORD);
    // Sixteen minutes on: the daemon (same process) finds the 15-minute access token expired.
    const realNow = Date.now;
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 16 * 60 * 1000);
    const me = await c.call(meContract, {});
    expect(me.username).toBe('admin');
    expect(c.loggedIn).toBe(true);
    const used = await t.testDb
      .db('refresh_tokens')
      .where({ token_hash: sha256(pair.refreshToken) })
      .first();
    expect(used.used_at).not.toBeNull();
  });

  test('the pair is renewed before the access token expires; logout ends the session', async () => {
    // Renew 899.9 s before a 900 s expiry: at once.
    const c = client({ refreshBeforeSeconds: 899.9 });
    const pair = await c.login('admin', ADMIN_PASSWORD);
    await until(
      async () =>
        !!(await t.testDb
          .db('refresh_tokens')
          .where({ token_hash: sha256(pair.refreshToken) })
          .whereNotNull('used_at')
          .first()),
    );
    expect((await c.call(meContract, {})).username).toBe('admin');

    const session = await t.testDb
      .db('refresh_tokens')
      .where({ token_hash: sha256(pair.refreshToken) })
      .first();
    await c.logout();
    expect(c.loggedIn).toBe(false);
    const row = await t.testDb.db('sessions').where({ id: session.session_id }).first();
    expect(row.revoked_reason).toBe('logout');
    expect(await failure(c.call(meContract, {}))).toBeInstanceOf(Unauthenticated);
    await c.logout(); // never throws, even logged out
  });

  test('a session ended elsewhere stops the events and the client forgets it', async () => {
    // The daemon checks a stream's session at each heartbeat (15 s); the in-process client as often as told.
    const c = client({ recheckMs: 20 });
    const pair = await c.login('admin', ADMIN_PASSWORD);
    const got: StreamEvent[] = [];
    c.subscribe(['storage'], { onEvent: (e) => got.push(e) });
    await c.ready();
    t.app.events.publish({ type: 'storage', change: 'before' });
    await until(() => got.length === 1);
    const { session_id: sessionId } = await t.testDb
      .db('refresh_tokens')
      .where({ token_hash: sha256(pair.refreshToken) })
      .first();
    await t.app.auth.logout(sessionId);
    await until(() => !c.loggedIn);
    t.app.events.publish({ type: 'storage', change: 'after' });
    // A marker through a second, live client: once it has it, the first one would have had its event too.
    const witness = await admin();
    const marks: StreamEvent[] = [];
    witness.subscribe(['storage'], { onEvent: (e) => marks.push(e) });
    await witness.ready();
    t.app.events.publish({ type: 'storage', change: 'marker' });
    await until(() => marks.some((e) => e.data.change === 'marker'));
    expect(got.map((e) => e.data.change)).toEqual(['before']);
  });

  test('close: state closed, listeners told', async () => {
    const c = await admin();
    const states: string[] = [];
    c.onState((s) => states.push(s));
    c.subscribe(undefined, { onEvent: () => undefined });
    await c.ready();
    await c.close();
    expect(c.state).toBe('closed');
    expect(states).toEqual(['closed']);
  });
});
