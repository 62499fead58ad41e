/**
 * Write admission control (issue 16): at most N mutating operations at once per host (and per
 * subsystem whose tools serialize). Past the bound the API answers 503 with Retry-After
 * (problem+json) before doing anything: the refused writes change nothing and each has one audit
 * row saying it was refused (every answered write is audited), the accepted ones are all done and
 * each is audited once.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Host, RunOptions } from '../../src/system/host.js';
import { SimulatedHost } from '../../src/system/sim/simulated-host.js';
import { writeLaneOf } from '../../src/api/admission.js';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../helpers/app.js';

/** The simulated appliance, with `zfs snapshot` held until the test lets it go (the tool "busy" for as long as needed). */
class HeldSnapshots implements Host {
  readonly kind = 'sim' as const;
  private opened: () => void = () => undefined;
  private gate: Promise<void> | null = null;
  held = 0;
  private heldWaiters: { count: number; resolve: () => void }[] = [];
  constructor(private readonly sim: SimulatedHost) {}
  get files() {
    return this.sim.files;
  }
  hold(): void {
    this.gate = new Promise((resolve) => (this.opened = resolve));
  }
  release(): void {
    this.gate = null;
    this.opened();
  }
  /** Resolves once `count` snapshot commands are waiting at the gate. */
  waitHeld(count: number): Promise<void> {
    if (this.held >= count) return Promise.resolve();
    return new Promise((resolve) => this.heldWaiters.push({ count, resolve }));
  }
  async run(command: string, args: string[], opts?: RunOptions) {
    if (command === 'zfs' && args[0] === 'snapshot' && this.gate) {
      this.held++;
      for (const w of this.heldWaiters.filter((x) => x.count <= this.held)) w.resolve();
      await this.gate;
      this.held--;
    }
    return this.sim.run(command, args, opts);
  }
  runLines(command: string, args: string[], onLine: (line: string) => void, opts?: RunOptions) {
    return this.sim.runLines(command, args, onLine, opts);
  }
  revision() {
    return this.sim.revision();
  }
  now() {
    return this.sim.now();
  }
  history(limit?: number) {
    return this.sim.history(limit);
  }
}

/**
 * Resolves once `count` writes wait inside `zfs snapshot`; fails at once (instead of waiting
 * forever) when one of them is answered with anything but the bound's 503 before that.
 */
function heldOrFailed(host: HeldSnapshots, count: number, answers: PromiseLike<{ status: number; body: unknown }>[]): Promise<void> {
  return new Promise((resolve, reject) => {
    void host.waitHeld(count).then(resolve);
    for (const a of answers)
      void a.then((res) => {
        if (res.status !== 503) reject(new Error(`a write was answered before reaching zfs snapshot: ${res.status} ${JSON.stringify(res.body)}`));
      });
  });
}

const MAX_PER_SUBSYSTEM = 4;
const MAX_WRITES = 6;
const host = new HeldSnapshots(new SimulatedHost());
let t: TestApp;
let operator: string;
beforeAll(async () => {
  t = await startTestApp({ host, admission: { maxWrites: MAX_WRITES, maxWritesPerSubsystem: MAX_PER_SUBSYSTEM, retryAfterSeconds: 2 } });
  operator = await t.userWithRoles('operator', ['Operator']);
});
afterAll(async () => {
  host.release();
  await t.close();
});
const as = (token: string) => ({ Authorization: `Bearer ${token}` });

async function auditRows(operation: string): Promise<{ target: string | null; result: string }[]> {
  const res = await t.http.get('/api/v1/audit').query({ operation, limit: 1000 }).set(as(t.adminToken));
  expect(res.status).toBe(200);
  return res.body.items;
}

describe('write admission control', () => {
  test('subsystems: zfs tools share one bound; logins are not host writes', () => {
    expect(writeLaneOf('snapshots.create')).toBe('zfs');
    expect(writeLaneOf('storage.datasets.create')).toBe('zfs');
    expect(writeLaneOf('replication.run')).toBe('zfs');
    expect(writeLaneOf('iam.users.create')).toBe('iam');
    expect(writeLaneOf('auth.login')).toBeNull();
  });

  test('N+k concurrent writes: exactly k refused with 503 + Retry-After, the N done and audited once each, nothing of the k', async () => {
    const k = 5;
    const auditBefore = (await auditRows('snapshots.create')).length;
    host.hold();
    const names = Array.from({ length: MAX_PER_SUBSYSTEM + k }, (_, i) => `flood-${i}`);
    const answers = names.map((name) =>
      t.http
        .post('/api/v1/snapshots')
        .set(as(operator))
        .send({ dataset: 'tank/shares', name })
        .then((res) => ({ name, res })),
    );
    // The first N are inside `zfs snapshot`, held there; the k others must have been answered already.
    await heldOrFailed(
      host,
      MAX_PER_SUBSYSTEM,
      answers.map((a) => a.then((x) => x.res)),
    );
    const settled: { name: string; res: { status: number } }[] = [];
    for (const a of answers) void a.then((x) => settled.push(x));
    while (settled.length < k) await new Promise((r) => setImmediate(r));
    expect(settled.map((x) => x.res.status)).toEqual(Array(k).fill(503));
    // While the bound is full, a write that would be refused anyway gets its real answer, not "busy" (resending it
    // could never help), and takes no slot.
    const invalid = await t.http.post('/api/v1/snapshots').set(as(operator)).send({ dataset: 'tank/shares', name: '-x;id' });
    expect(invalid.status).toBe(400);
    expect(invalid.headers['retry-after']).toBeUndefined();
    const unconfirmed = await t.http
      .delete(`/api/v1/snapshots/${encodeURIComponent('tank/shares@flood-0')}`)
      .set(as(t.adminToken))
      .send({});
    expect(unconfirmed.status).toBe(400);
    // A read is never refused by the write bound.
    expect((await t.http.get('/api/v1/snapshots').query({ dataset: 'tank/shares' }).set(as(operator))).status).toBe(200);
    // Another subsystem still has room under the host's bound (6 > 4)...
    const user = await t.http
      .post('/api/v1/users')
      .set(as(t.adminToken))
      .send({ username: 'during-flood', password: 'during-flood-password-1', roles: ['ReadOnly'] });
    expect(user.status).toBe(201);
    host.release();
    const all = await Promise.all(answers);
    const accepted = all.filter((a) => a.res.status === 201).map((a) => a.name);
    const refused = all.filter((a) => a.res.status === 503);
    expect(accepted).toHaveLength(MAX_PER_SUBSYSTEM);
    expect(refused).toHaveLength(k);
    for (const { res } of refused) {
      expect(res.headers['retry-after']).toBe('2');
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 503, detail: expect.stringMatching(/busy.*nothing was changed/) });
    }
    // Nothing half-done: exactly the accepted snapshots exist. Every answer has one audit row: 'ok' for
    // the accepted, 'error' (busy) for the refused.
    const listed = await t.http.get('/api/v1/snapshots').query({ dataset: 'tank/shares', prefix: 'tank/shares@flood-', limit: 100 }).set(as(operator));
    expect(listed.body.items.map((s: { snapshot: string }) => s.snapshot).sort()).toEqual([...accepted].sort());
    const rows = await auditRows('snapshots.create');
    expect(rows).toHaveLength(auditBefore + MAX_PER_SUBSYSTEM + k + 1); // + the invalid one
    const audited = rows.filter((r) => r.target?.startsWith('tank/shares@flood-'));
    expect(
      audited
        .filter((r) => r.result === 'ok')
        .map((r) => r.target)
        .sort(),
    ).toEqual(accepted.map((n) => `tank/shares@${n}`).sort());
    expect(audited.filter((r) => r.result === 'error')).toHaveLength(k);
  });

  test('the host-wide bound counts every subsystem together', async () => {
    const tightHost = new HeldSnapshots(new SimulatedHost());
    const tight = await startTestApp({ host: tightHost, admission: { maxWrites: 2, maxWritesPerSubsystem: 8 } });
    try {
      tightHost.hold();
      const zfsWrites = [0, 1].map((i) =>
        tight.http
          .post('/api/v1/snapshots')
          .set(as(tight.adminToken))
          .send({ dataset: 'tank/shares', name: `wide-${i}` }),
      );
      await heldOrFailed(tightHost, 2, zfsWrites);
      const user = await tight.http
        .post('/api/v1/users')
        .set(as(tight.adminToken))
        .send({ username: 'wide', password: 'wide-password-0001', roles: ['ReadOnly'] });
      expect(user.status).toBe(503);
      expect(user.headers['retry-after']).toBe('1');
      // Logging in is not a host write: never refused by the bound.
      expect((await tight.http.post('/api/v1/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD })).status).toBe(200);
      tightHost.release();
      expect((await Promise.all(zfsWrites)).map((r) => r.status)).toEqual([201, 201]);
      // The user was not created (its refusal has its own row); once the writes are done, it goes through.
      expect((await tight.http.get('/api/v1/users').set(as(tight.adminToken))).body.items.map((u: { username: string }) => u.username)).not.toContain('wide');
      const again = await tight.http
        .post('/api/v1/users')
        .set(as(tight.adminToken))
        .send({ username: 'wide', password: 'wide-password-0001', roles: ['ReadOnly'] });
      expect(again.status).toBe(201);
      const audited = await tight.http.get('/api/v1/audit').query({ operation: 'iam.users.create', limit: 100 }).set(as(tight.adminToken));
      expect(audited.body.items.filter((r: { target: string | null }) => r.target === 'wide').map((r: { result: string }) => r.result)).toEqual([
        'ok',
        'error',
      ]);
    } finally {
      tightHost.release();
      await tight.close();
    }
  });
});
