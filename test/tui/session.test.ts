/** The console's session: an expired access token is renewed on the next call; a session revoked elsewhere ends here too. */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../helpers/app.js';
import { Session } from '../../src/tui/session.js';
import { SimulatedHost } from '../../src/system/sim/index.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ host: new SimulatedHost() });
});
afterAll(async () => {
  await t.close();
});

test('past the access token lifetime, the next call renews it and carries on', async () => {
  const session = new Session(t.app);
  await session.login('admin', ADMIN_PASSWORD);
  const before = await t.app.db('refresh_tokens').count({ n: '*' }).then(([r]) => Number(r!.n));
  const realNow = Date.now;
  const later = realNow() + 16 * 60_000;
  Date.now = () => later;
  try {
    const meta = await session.meta();
    expect(meta.actor).toMatchObject({ username: 'admin' });
    // Renewed through the refresh token: one more in its family.
    expect(await t.app.db('refresh_tokens').count({ n: '*' }).then(([r]) => Number(r!.n))).toBe(before + 1);
    expect(session.actor?.username).toBe('admin');
  } finally {
    Date.now = realNow;
    session.dispose();
  }
});

test('a session revoked elsewhere (an admin resets the password) ends in the console with the reason', async () => {
  await t.userWithRoles('operator1', ['Operator']);
  const session = new Session(t.app);
  await session.login('operator1', 'operator1-password-123');
  expect((await session.meta()).actor).toMatchObject({ username: 'operator1' });
  const admin = { actor: await t.app.auth.authenticate(t.adminToken), face: 'api' as const };
  await t.app.call('iam.users.password', { username: 'operator1', password: 'another-password-4567' }, admin);
  await expect(session.meta()).rejects.toThrow(/session ended/);
  expect(session.actor).toBeNull();
  expect(session.endedReason).toBe('Your session ended: session ended. Log in again.');
});
