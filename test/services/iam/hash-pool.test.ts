/**
 * The password-hashing threads end once idle (issue 18): a pool that kept its idle threads made every jest worker carry
 * the threads of each test file that hashed, and take seconds to exit ("failed to exit gracefully").
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import { HashPool } from '../../../src/services/iam/hash-worker.js';

const pools: HashPool[] = [];
const pool = (idleMs: number) => {
  const p = new HashPool({ size: 2, idleMs });
  pools.push(p);
  return p;
};
/** Waits (no timer) until the pool's threads have ended. */
async function threadsEnded(p: HashPool): Promise<void> {
  while (p.threads > 0) await new Promise((r) => setImmediate(r));
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe('the hash pool', () => {
  test('a thread that has been idle for idleMs ends; the next task starts a new one', async () => {
    const p = pool(0);
    const hash = await p.run<string>({ op: 'hash', password: 'correct horse', cost: 4 });
    await threadsEnded(p);
    expect(p.threads).toBe(0);
    expect(await p.run<boolean>({ op: 'compare', password: 'correct horse', hash })).toBe(true);
    expect(p.started).toBe(2);
    await threadsEnded(p);
  });

  test('close() fails the running and waiting tasks (none is left unsettled) and ends every thread', async () => {
    const p = new HashPool({ size: 1, idleMs: 60_000 });
    // Posted before the thread has even started: the first one is running when close() comes, the second waits.
    const tasks = [p.run({ op: 'hash', password: 'a-password', cost: 4 }), p.run({ op: 'hash', password: 'b-password', cost: 4 })];
    expect(p.load).toEqual({ running: 1, queued: 1 });
    const settled = Promise.allSettled(tasks);
    await p.close();
    expect(await settled).toEqual([
      { status: 'rejected', reason: new Error('password hashing stopped') },
      { status: 'rejected', reason: new Error('password hashing stopped') },
    ]);
    expect(p.threads).toBe(0);
  });

  test('a thread stays while tasks keep coming, and is reused', async () => {
    const p = pool(60_000);
    const hashes = await Promise.all(['a-password', 'b-password', 'c-password'].map((password) => p.run<string>({ op: 'hash', password, cost: 4 })));
    expect(p.threads).toBe(2);
    expect(await p.run<boolean>({ op: 'compare', password: 'b-password', hash: hashes[1]! })).toBe(true);
    expect(p.threads).toBe(2);
    expect(p.started).toBe(4);
  });
});
