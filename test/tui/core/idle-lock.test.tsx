/** The console locks itself after the idle time and on Ctrl-L; logging in again returns to where the user was. */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ADMIN_PASSWORD, startConsoleTest, type ConsoleTest } from '../../helpers/console.js';
import { ManualConsoleClock } from '../../helpers/manual-clock.js';

let c: ConsoleTest;
// The console's time moves only when the test moves it: no waiting for the idle time to pass.
const clock = new ManualConsoleClock();
beforeAll(async () => {
  c = await startConsoleTest({ idleLockMinutes: 1, clock });
  await c.loginAs('admin', ADMIN_PASSWORD);
});
afterAll(async () => {
  await c?.close();
});

const openSessions = () =>
  c.app
    .db('sessions')
    .whereNull('revoked_at')
    .count({ n: '*' })
    .then(([r]) => Number(r!.n));

test('idle: the screen locks, the session ends, and logging in again goes back to the same screen', async () => {
  await c.type(':storage');
  await c.press('enter');
  await c.waitFor(/tank\s+ONLINE/);
  const sessionsBefore = await openSessions();
  // Keys keep it open: a key every 50 s for 5 minutes, the once-a-second check running all along.
  for (let i = 0; i < 6; i++) {
    clock.advance(50_000);
    await c.press('j');
  }
  expect(c.frame()).toContain('admin (Admin)');
  expect(await openSessions()).toBe(sessionsBefore);
  // A minute without a key: the next check locks.
  clock.advance(59_000);
  expect(c.frame()).toContain('admin (Admin)');
  clock.advance(2_000);
  const locked = await c.waitFor('Locked. Log in again to continue where you were.');
  expect(locked).toContain('Username');
  expect(locked).not.toContain('tank');
  // The console's session was logged out, not just hidden (the screen locks first, then the daemon is told).
  const deadline = Date.now() + 10_000;
  while ((await openSessions()) !== sessionsBefore - 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(await openSessions()).toBe(sessionsBefore - 1);
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
