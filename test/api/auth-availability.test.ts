/**
 * Issue 19, availability of authentication: password hashing off the event loop with a bounded
 * queue, password changes throttled like logins, and throttling that an attacker cannot turn
 * into a lockout of the owner (by user and address pair; delays for the user from anywhere;
 * the local console never refused).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import bcrypt from 'bcryptjs';
import { ADMIN_PASSWORD, startTestApp, type TestApp, bearer } from '../helpers/app.js';
import { TooManyRequests, Unauthenticated } from '../../src/services/index.js';
import { HashPool, hashPool } from '../../src/services/iam/hash-worker.js';
import { bcryptCost, dummyHash, hashPassword, verifyPassword } from '../../src/services/iam/passwords.js';
import { LoginThrottle, throttleAddress, type ThrottleClock } from '../../src/services/iam/throttle.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

/** Time moves only when told to; a delay is recorded and moves time instead of sleeping. */
class FakeClock implements ThrottleClock {
  at = Date.UTC(2030, 0, 1);
  slept: number[] = [];
  now = () => this.at;
  sleep = async (ms: number) => {
    this.slept.push(ms);
    this.at += ms;
  };
}
let clock: FakeClock;
beforeEach(() => {
  clock = new FakeClock();
  t.app.auth.throttle.clock = clock;
});

const apiLogin = (username: string, password: string, address: string) =>
  t.app.call('auth.login', { username, password }, { actor: null, face: 'api', address }).then(
    () => 'ok' as const,
    (err: unknown) => (err instanceof TooManyRequests ? 429 : err instanceof Unauthenticated ? 401 : Promise.reject(err)),
  );
const consoleLogin = (username: string, password: string) =>
  t.app.call('auth.login', { username, password }, { actor: null, face: 'console' }).then(
    () => 'ok' as const,
    (err: unknown) => (err instanceof TooManyRequests ? 429 : err instanceof Unauthenticated ? 401 : Promise.reject(err)),
  );
async function auditRows(operation: string, target: string): Promise<{ result: string; input: string; address: string | null }[]> {
  return t.app.db('audit_log').where({ operation, target }).orderBy('id').select('result', 'input', 'address');
}
/**
 * A user as userWithRoles makes them, whose stored hash is then swapped for a cost-4 bcrypt hash of
 * the same password (an ordinary hash, as a legacy one would be). What the tests below check is the
 * throttle, not bcrypt: a dozen cost-12 checks in a row are seconds of CPU each on a loaded machine
 * and ran into jest's timeout; the throttle counts and delays the same whatever the cost.
 */
async function userWithCheapHash(username: string, roles: string[]): Promise<string> {
  const token = await t.userWithRoles(username, roles);
  await t.app
    .db('users')
    .where({ username })
    .update({ password_hash: bcrypt.hashSync(`${username}-password-123`, 4) });
  return token;
}
/** Waits until the condition holds (the test's own timeout is the only bound), polling without spinning the CPU. */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

describe('password hashing off the event loop', () => {
  test('hashes made in the pool are ordinary bcrypt: old hashes verify, new ones verify elsewhere', async () => {
    const legacy = bcrypt.hashSync('a-legacy-password-1', 12);
    expect(await verifyPassword('a-legacy-password-1', legacy)).toBe(true);
    expect(await verifyPassword('a-legacy-password-2', legacy)).toBe(false);
    const fresh = await hashPassword('a-fresh-password-9');
    // At the configured cost: the tests' low one (test/helpers/test-env.js).
    expect(fresh.slice(0, 7)).toBe(`$2b$${String(bcryptCost()).padStart(2, '0')}$`);
    expect(bcryptCost()).toBe(4);
    expect(bcrypt.compareSync('a-fresh-password-9', fresh)).toBe(true);
  });

  test('/healthz answers while every hashing thread is busy and 20 wrong-password attempts wait their turn', async () => {
    // The hash unknown usernames are compared against is made at the first one: made now, so each attempt reaches the pool.
    await dummyHash();
    // Every thread busy with a hash that would take days (cost 31): the attempts can only wait, so
    // whether /healthz answers before they end does not depend on how loaded the machine is.
    for (let i = 0; i < hashPool.size; i++) void hashPool.run({ op: 'hash', password: 'keeps-a-thread-busy', cost: 31 }).catch(() => undefined);
    let finished = 0;
    const attempts = Array.from({ length: 20 }, (_, i) =>
      apiLogin(`ghost${i}`, `wrong-password-${i}`, `203.0.113.${i + 1}`).then(
        (r) => {
          finished++;
          return String(r);
        },
        (err: unknown) => {
          finished++;
          return String(err);
        },
      ),
    );
    try {
      expect(hashPool.load.running).toBe(hashPool.size);
      // Every attempt has reached the pool and waits behind the busy threads.
      await until(() => hashPool.load.queued >= 20);
      const health = await t.http.get('/healthz');
      expect(health.status).toBe(200);
      expect(finished).toBe(0);
      expect(hashPool.load).toEqual({ running: hashPool.size, queued: 20 });
    } finally {
      // Ends the busy threads; the waiting checks are refused, none is left running (the next use starts fresh threads).
      await hashPool.close();
    }
    expect(await Promise.all(attempts)).toEqual(Array(20).fill('Error: password hashing stopped'));
  });

  test('a full queue refuses at once with a Retry-After; console work jumps the queue and is never refused', async () => {
    const pool = new HashPool({ size: 1, maxQueue: 2 });
    const hash = await hashPassword('queue-test-password');
    try {
      const accepted = [1, 2, 3].map(() => pool.run<boolean>({ op: 'compare', password: 'x', hash }));
      let refused: unknown;
      await pool.run({ op: 'compare', password: 'x', hash }).catch((err) => (refused = err));
      expect(refused).toBeInstanceOf(TooManyRequests);
      expect((refused as TooManyRequests).retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(pool.load).toEqual({ running: 1, queued: 2 });
      const order: string[] = [];
      // A refusal of these shows in Promise.all(accepted) below; here only the order of the answers counts.
      for (const [i, p] of accepted.entries())
        p.then(
          () => order.push(`normal${i}`),
          () => undefined,
        );
      const urgent = pool.run<boolean>({ op: 'compare', password: 'queue-test-password', hash }, true).then((ok) => {
        order.push('console');
        return ok;
      });
      expect(await urgent).toBe(true);
      expect(await Promise.all(accepted)).toEqual([false, false, false]);
      // The console's check ran right after the one already running.
      expect(order.indexOf('console')).toBe(1);
    } finally {
      await pool.close();
    }
  });
});

describe('password changes are throttled like logins', () => {
  test('a stolen token gets 5 guesses of the current password, then 429 with Retry-After; audited; nothing changed', async () => {
    const token = await userWithCheapHash('pia', ['ReadOnly']);
    const hashBefore = (await t.app.db('users').where({ username: 'pia' }).first()).password_hash;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await t.http
        .post('/api/v1/auth/me/password')
        .set(bearer(token))
        .send({ currentPassword: `guess-number-${i}`, newPassword: 'attacker-chosen-pass' });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
    // While throttled even the right password is refused, before it is checked.
    const right = await t.http
      .post('/api/v1/auth/me/password')
      .set(bearer(token))
      .send({ currentPassword: 'pia-password-123', newPassword: 'attacker-chosen-pass' });
    expect(right.status).toBe(429);
    expect(right.headers['content-type']).toMatch(/application\/problem\+json/);
    expect((await t.app.db('users').where({ username: 'pia' }).first()).password_hash).toBe(hashBefore);
    expect((await t.http.get('/api/v1/auth/me').set(bearer(token))).status).toBe(200);
    const audit: { result: string; input: string }[] = await t.app.db('audit_log').where({ operation: 'auth.me.password', actor_name: 'pia' }).orderBy('id');
    expect(audit.map((a) => a.result)).toEqual(['invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'denied', 'denied']);
    expect(JSON.stringify(audit)).not.toMatch(/guess-number|pia-password|attacker-chosen/);
    // Fifteen minutes later the owner may change it.
    clock.at += 15 * 60 * 1000 + 1000;
    const later = await t.http
      .post('/api/v1/auth/me/password')
      .set(bearer(token))
      .send({ currentPassword: 'pia-password-123', newPassword: 'pia-new-password-456' });
    expect(later.status).toBe(200);
  });

  test('parallel guesses cannot slip past the limit', async () => {
    const token = await userWithCheapHash('paula', ['ReadOnly']);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t.http
          .post('/api/v1/auth/me/password')
          .set(bearer(token))
          .send({ currentPassword: `parallel-guess-${i}`, newPassword: 'attacker-chosen-pass' }),
      ),
    );
    expect(results.filter((r) => r.status === 400)).toHaveLength(5);
    expect(results.filter((r) => r.status === 429)).toHaveLength(7);
  });
});

describe('lockout abuse', () => {
  test('an attacker locks out its own address; the owner elsewhere still logs in, after a bounded delay', async () => {
    await userWithCheapHash('olga', ['Admin']);
    const attacker = '198.51.100.66';
    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push(await apiLogin('olga', `attacker-guess-${i}`, attacker));
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    // The right password from the attacker's address is refused too (the pair is locked)...
    expect(await apiLogin('olga', 'olga-password-123', attacker)).toBe(429);
    // ...and the attacker's address is locked for every user.
    expect(await apiLogin('admin', ADMIN_PASSWORD, attacker)).toBe(429);
    const hashChecksBefore = hashPool.started;
    expect(await apiLogin('admin', 'still-guessing-now', attacker)).toBe(429);
    expect(hashPool.started).toBe(hashChecksBefore); // refused before any password check
    // The owner from another address gets in, delayed by the failures at most a few seconds.
    clock.slept = [];
    expect(await apiLogin('olga', 'olga-password-123', '192.0.2.200')).toBe('ok');
    expect(clock.slept).toHaveLength(1);
    expect(clock.slept[0]).toBeGreaterThan(0);
    expect(clock.slept[0]).toBeLessThanOrEqual(t.app.auth.throttle.delayMaxMs);
    // The pair stays locked after the owner's success; every attempt is audited without the password.
    expect(await apiLogin('olga', 'attacker-guess-9', attacker)).toBe(429);
    const audit = await auditRows('auth.login', 'olga');
    // (The first row is the login of userWithRoles.)
    expect(audit.map((a) => a.result)).toEqual(['ok', 'denied', 'denied', 'denied', 'denied', 'denied', 'denied', 'denied', 'denied', 'ok', 'denied']);
    expect(JSON.stringify(audit)).not.toMatch(/attacker-guess|olga-password/);
  });

  test('12 parallel attempts from one address: exactly 5 checked (401) and 7 refused (429)', async () => {
    await userWithCheapHash('pat', ['ReadOnly']);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => apiLogin('pat', `parallel-${i}`, '198.51.100.77')));
    expect(results.filter((r) => r === 401)).toHaveLength(5);
    expect(results.filter((r) => r === 429)).toHaveLength(7);
    expect(await apiLogin('pat', 'pat-password-123', '198.51.100.78')).toBe('ok');
  });

  test('the per-user delay grows with failures from many addresses and stays capped', async () => {
    await userWithCheapHash('rita', ['ReadOnly']);
    clock.slept = [];
    for (let i = 0; i < 12; i++) expect(await apiLogin('rita', `spray-${i}`, `203.0.113.${100 + i}`)).toBe(401);
    expect(clock.slept.length).toBeGreaterThan(0);
    expect(Math.max(...clock.slept)).toBe(t.app.auth.throttle.delayMaxMs);
    for (let i = 1; i < clock.slept.length; i++) expect(clock.slept[i]).toBeGreaterThanOrEqual(clock.slept[i - 1]);
    expect(await apiLogin('rita', 'rita-password-123', '192.0.2.201')).toBe('ok');
  });

  test('the local console is never refused: after 10 failures the right password logs in, delayed', async () => {
    await userWithCheapHash('carl', ['Admin']);
    // An attacker on the network has locked its own pair...
    for (let i = 0; i < 6; i++) await apiLogin('carl', `remote-guess-${i}`, '198.51.100.99');
    expect(await apiLogin('carl', 'carl-password-123', '198.51.100.99')).toBe(429);
    clock.slept = [];
    const results = [];
    for (let i = 0; i < 10; i++) results.push(await consoleLogin('carl', `console-guess-${i}`));
    expect(results).toEqual(Array(10).fill(401));
    expect(await consoleLogin('carl', 'carl-password-123')).toBe('ok');
    // Delayed, growing, capped: never a refusal.
    expect(clock.slept.length).toBeGreaterThanOrEqual(8);
    expect(Math.max(...clock.slept)).toBeLessThanOrEqual(t.app.auth.throttle.delayMaxMs);
    const audit = await t.app.db('audit_log').where({ operation: 'auth.login', target: 'carl', face: 'console' }).orderBy('id');
    expect(audit.map((a: { result: string }) => a.result)).toEqual([...Array(10).fill('denied'), 'ok']);
  });
});

describe('throttle bookkeeping', () => {
  test('IPv6 clients are counted by their /64; IPv4-mapped ones as IPv4', () => {
    expect(throttleAddress('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(throttleAddress('2001:DB8:1:2:ffff:eeee:dddd:cccc')).toBe('2001:db8:1:2::/64');
    expect(throttleAddress('2001:db8::7')).toBe('2001:db8:0:0::/64');
    expect(throttleAddress('::1')).toBe('0:0:0:0::/64');
    expect(throttleAddress('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(throttleAddress('::ffff:192.0.2.9')).toBe('192.0.2.9');
    expect(throttleAddress('192.0.2.9')).toBe('192.0.2.9');
  });

  test('rotating addresses inside one IPv6 /64 does not escape the throttle', async () => {
    await userWithCheapHash('vera', ['ReadOnly']);
    const statuses = [];
    for (let i = 1; i <= 6; i++) statuses.push(await apiLogin('vera', `rotating-guess-${i}`, `2001:db8:66:1::${i.toString(16)}`));
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect(await apiLogin('vera', 'vera-password-123', '2001:db8:66:2::1')).toBe('ok');
  });

  test('memory stays bounded whatever the number of names and addresses tried', () => {
    const th = new LoginThrottle({ maxKeys: 100, clock: new FakeClock() });
    for (let i = 0; i < 5000; i++) th.reserve([`p:user${i}|10.0.${i >> 8}.${i & 255}`], [`u:user${i}`]);
    expect((th as unknown as { attempts: Map<string, number[]> }).attempts.size).toBeLessThanOrEqual(100);
  });

  test('a failure that is not a wrong password (hashing queue full) does not count', async () => {
    const th = new LoginThrottle({ clock: new FakeClock() });
    const slot = th.reserve(['p:x|1.2.3.4'], ['u:x']);
    if ('retryAfter' in slot) throw new Error('unexpected');
    th.succeeded(['p:x|1.2.3.4', 'u:x'], slot.token);
    expect(th.count('p:x|1.2.3.4')).toBe(0);
    expect(th.count('u:x')).toBe(0);
  });
});
