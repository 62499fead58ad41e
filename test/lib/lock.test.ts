import { describe, expect, test } from '@jest/globals';
import { KeyedMutex, Mutex } from '../../src/lib/lock.js';

/** A promise the test settles by hand, so the order of events is the test's, not the clock's. */
function gate<T = void>() {
  let open!: (v: T) => void;
  let fail!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    open = res;
    fail = rej;
  });
  return { promise, open, fail };
}

/** Lets every already-queued promise callback run. */
const drain = () => new Promise<void>((res) => setImmediate(res));

describe('Mutex', () => {
  test('runs functions one at a time, in call order, each getting its own result', async () => {
    const lock = new Mutex();
    const events: string[] = [];
    const first = gate<string>();
    const a = lock.run(async () => {
      events.push('a start');
      const v = await first.promise;
      events.push('a end');
      return v;
    });
    const b = lock.run(() => {
      events.push('b');
      return 2;
    });
    await drain();
    expect(events).toEqual(['a start']);
    expect(lock.pending).toBe(2);
    first.open('one');
    await expect(a).resolves.toBe('one');
    await expect(b).resolves.toBe(2);
    expect(events).toEqual(['a start', 'a end', 'b']);
    await drain();
    expect(lock.pending).toBe(0);
  });

  test('a function that throws (or rejects) gives its caller the error and does not block the next', async () => {
    const lock = new Mutex();
    const thrown = lock.run(() => {
      throw new Error('sync failure');
    });
    const rejected = lock.run(() => Promise.reject(new Error('async failure')));
    const after = lock.run(() => 'still runs');
    await expect(thrown).rejects.toThrow('sync failure');
    await expect(rejected).rejects.toThrow('async failure');
    await expect(after).resolves.toBe('still runs');
  });

  test('never more than one function inside at once, under many concurrent callers', async () => {
    const lock = new Mutex();
    let inside = 0;
    let most = 0;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        lock.run(async () => {
          inside++;
          most = Math.max(most, inside);
          await drain();
          inside--;
          return i;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

test('idle() settles once everything given so far has settled, failures included, and never rejects', async () => {
  const lock = new Mutex();
  const hold = gate();
  const events: string[] = [];
  void lock.run(() => hold.promise.then(() => events.push('work')));
  const failed = lock.run(() => Promise.reject(new Error('no')));
  const idle = lock.idle().then(() => events.push('idle'));
  await drain();
  expect(events).toEqual([]);
  hold.open();
  await expect(failed).rejects.toThrow('no');
  await idle;
  expect(events).toEqual(['work', 'idle']);
  await expect(new Mutex().idle()).resolves.toBeUndefined();
});

describe('KeyedMutex', () => {
  test('serializes per key, runs different keys side by side, and forgets a key once idle', async () => {
    const locks = new KeyedMutex();
    const events: string[] = [];
    const hold = gate();
    const a1 = locks.run('smb.conf', async () => {
      events.push('smb 1 start');
      await hold.promise;
      events.push('smb 1 end');
    });
    const a2 = locks.run('smb.conf', () => {
      events.push('smb 2');
    });
    const b = locks.run('exports', () => {
      events.push('exports');
    });
    await b;
    await drain();
    expect(events).toEqual(['smb 1 start', 'exports']);
    expect(locks.keys).toEqual(['smb.conf']);
    hold.open();
    await Promise.all([a1, a2]);
    expect(events).toEqual(['smb 1 start', 'exports', 'smb 1 end', 'smb 2']);
    await drain();
    expect(locks.keys).toEqual([]);
  });

  test('a failure under one key reaches its caller only', async () => {
    const locks = new KeyedMutex();
    const failed = locks.run('k', () => Promise.reject(new Error('apply failed')));
    const next = locks.run('k', () => 'next');
    await expect(failed).rejects.toThrow('apply failed');
    await expect(next).resolves.toBe('next');
  });
});
