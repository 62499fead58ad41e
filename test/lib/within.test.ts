/** `within`: the bounded wait (src/lib/within.ts), on timers jest moves by hand. */
import { afterEach, beforeEach, expect, jest, test } from '@jest/globals';
import { within } from '../../src/lib/within.js';

beforeEach(() => {
  jest.useFakeTimers();
});
afterEach(() => {
  jest.useRealTimers();
});

test('settled in time: true, and no timer left running', async () => {
  await expect(within(Promise.resolve('x'), 1_000)).resolves.toBe(true);
  expect(jest.getTimerCount()).toBe(0);
});

test('a rejection counts as settled (the caller awaits the promise for its error)', async () => {
  const failed = Promise.reject(new Error('no'));
  await expect(within(failed, 1_000)).resolves.toBe(true);
  await expect(failed).rejects.toThrow('no');
});

test('still pending when the time is up: false', async () => {
  const waiting = within(new Promise(() => undefined), 1_000);
  await jest.advanceTimersByTimeAsync(999);
  expect(jest.getTimerCount()).toBe(1);
  await jest.advanceTimersByTimeAsync(1);
  await expect(waiting).resolves.toBe(false);
  expect(jest.getTimerCount()).toBe(0);
});
