/** The console's session over the client: an expired access token is renewed on the next call; a session revoked elsewhere ends here too. */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../../helpers/app.js';
import { Session } from '../../../src/tui/session.js';
import { Unauthenticated } from '../../../src/contracts/errors.js';
import { Appliance } from '../../../src/tui/appliance.js';
import { inProcessClient } from '../../../src/services/in-process-client.js';
import { SimulatedHost } from '../../../src/system/sim/index.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ host: new SimulatedHost() });
});
afterAll(async () => {
  await t.close();
});

const consoleSession = () => {
  const appliance = new Appliance(inProcessClient(t.app, 'console'));
  return { appliance, session: new Session(appliance) };
};

test('login learns who the user is and what the appliance is', async () => {
  const { appliance, session } = consoleSession();
  await session.login('admin', ADMIN_PASSWORD);
  expect(session.actor).toMatchObject({ username: 'admin', roles: ['Admin'] });
  expect(session.actor?.permissions.has('storage.destroy')).toBe(true);
  expect(appliance.hostKind).toBe('sim');
  expect(appliance.info).toMatchObject({ product: 'calypso', hostKind: 'sim', pid: process.pid });
  await session.logout();
  expect(session.actor).toBeNull();
  await appliance.close();
});

test('past the access token lifetime, the next call renews it and carries on', async () => {
  const { appliance, session } = consoleSession();
  await session.login('admin', ADMIN_PASSWORD);
  const before = await t.app
    .db('refresh_tokens')
    .count({ n: '*' })
    .then(([r]) => Number(r!.n));
  const realNow = Date.now;
  const later = realNow() + 16 * 60_000;
  Date.now = () => later;
  try {
    expect(await session.recheck()).toBe(true);
    // Renewed through the refresh token: one more in its family.
    expect(
      await t.app
        .db('refresh_tokens')
        .count({ n: '*' })
        .then(([r]) => Number(r!.n)),
    ).toBe(before + 1);
    expect(session.actor?.username).toBe('admin');
  } finally {
    Date.now = realNow;
    await appliance.close();
  }
});

test('a session revoked elsewhere (an admin resets the password) ends in the console with the reason', async () => {
  await t.userWithRoles('operator1', ['Operator']);
  const { appliance, session } = consoleSession();
  await session.login('operator1', 'operator1-password-123');
  expect(session.actor).toMatchObject({ username: 'operator1' });
  const admin = { actor: await t.app.auth.authenticate(t.adminToken), face: 'api' as const };
  await t.app.call('iam.users.password', { username: 'operator1', password: 'another-password-4567' }, admin);
  t.app.auth.forgetUser(session.actor!.id);
  expect(await session.recheck()).toBe(false);
  expect(session.actor).toBeNull();
  expect(session.endedReason).toMatch(/^Your session ended: .+\. Log in again\.$/);
  await appliance.close();
});

test("a refusal that belonged to an ended session never ends the next user's session", async () => {
  const { appliance, session } = consoleSession();
  await session.login('admin', ADMIN_PASSWORD);
  const era = session.era;
  await session.logout();
  await session.login('admin', ADMIN_PASSWORD);
  // The first session's call comes back refused only now.
  session.ended(new Unauthenticated('session ended'), era);
  expect(session.actor).toMatchObject({ username: 'admin' });
  // A refusal of this session's own call does end it.
  session.ended(new Unauthenticated('session ended'), session.era);
  expect(session.actor).toBeNull();
  await appliance.close();
});
