/** The console locks itself after the idle time and on Ctrl-L; logging in again returns to where the user was. */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ADMIN_PASSWORD, startConsoleTest, type ConsoleTest } from '../helpers/console.js';

let c: ConsoleTest;
beforeAll(async () => {
  // 0.03 minutes: 1.8 s without a key.
  c = await startConsoleTest({ idleLockMinutes: 0.03 });
  await c.loginAs('admin', ADMIN_PASSWORD);
});
afterAll(async () => {
  await c?.close();
});

test('idle: the screen locks, the session ends, and logging in again goes back to the same screen', async () => {
  await c.type(':storage');
  await c.press('enter');
  await c.waitFor(/tank\s+ONLINE/);
  const sessionsBefore = await c.app
    .db('sessions')
    .whereNull('revoked_at')
    .count({ n: '*' })
    .then(([r]) => Number(r!.n));
  // Keys keep it open: a key every 0.5 s for 2.5 s.
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 500));
    await c.press('j');
  }
  expect(c.frame()).toContain('admin (Admin)');
  const locked = await c.waitFor('Locked. Log in again to continue where you were.', 10_000);
  expect(locked).toContain('Username');
  expect(locked).not.toContain('tank');
  // The console's session was logged out, not just hidden.
  const sessionsAfter = await c.app
    .db('sessions')
    .whereNull('revoked_at')
    .count({ n: '*' })
    .then(([r]) => Number(r!.n));
  expect(sessionsAfter).toBe(sessionsBefore - 1);
  // The user name is kept: only the password is asked.
  await c.waitFor(/▶ Password|> Password/);
  await c.type(ADMIN_PASSWORD);
  await c.press('enter');
  await c.waitFor(/tank\s+ONLINE/);
});

test('Ctrl-L locks at once', async () => {
  await c.press('\x0c');
  await c.waitFor('Locked.');
  await c.waitFor(/▶ Password|> Password/);
  await c.type(ADMIN_PASSWORD);
  await c.press('enter');
  await c.waitFor('admin (Admin)');
});
