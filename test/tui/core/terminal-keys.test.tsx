/**
 * The console's doors to a shell and to the password resets, driven by keys: the login screen's
 * Ctrl-R panel calls the reset and shows the daemon's answer (this console is not the appliance's
 * own screen, so a refusal saying why), Esc goes back and the login still works; after login, $ and
 * the palette entry say why there is no shell (an Operator: the permission; an Admin in a test
 * renderer: no real terminal).
 */
import { afterEach, expect, test } from '@jest/globals';
import { ADMIN_PASSWORD, startConsoleTest, type ConsoleTest } from '../../helpers/console.js';
import { bearer } from '../../helpers/app.js';

let c: ConsoleTest | null = null;
afterEach(async () => {
  c?.unmount();
  await c?.close();
  c = null;
});

test('Ctrl-R on the login screen: a reset refused away from the local console says why; Esc, then the login works', async () => {
  c = await startConsoleTest({ size: { columns: 80, rows: 24 } });
  await c.waitFor('Ctrl-R reset a password');
  await c.type('\x12');
  await c.waitFor('Reset a password');
  await c.type('admin');
  await c.press('enter');
  await c.type('another-password-1');
  await c.press('enter');
  await c.type('another-password-2');
  await c.press('enter');
  await c.waitFor('do not match');
  await c.type('another-password-1');
  await c.press('enter');
  await c.type('another-password-1');
  await c.press('enter');
  const refused = await c.waitFor(/local console/);
  expect(refused).toMatch(/only on the appliance.s local\s+console/);
  await c.press('escape');
  await c.loginAs('admin', ADMIN_PASSWORD);
  await c.waitFor('q Quit');
  // The Admin's $: allowed, but this renderer is no terminal to give a shell.
  await c.type('$');
  await c.waitFor('needs a real terminal');
});

test('an Operator: $ and the palette entry say which permission is missing', async () => {
  c = await startConsoleTest({ size: { columns: 80, rows: 24 } });
  const created = await c.http
    .post('/api/v1/users')
    .set(bearer(c.adminToken))
    .send({ username: 'oper', password: 'oper-password-123', roles: ['Operator'] });
  expect(created.status).toBe(201);
  await c.loginAs('oper', 'oper-password-123');
  await c.type('$');
  await c.waitFor(/needs appliance\.terminal; your role\s+Operator/);
  await c.type(':');
  await c.type('shell on');
  await c.waitFor('Shell on the appliance');
  const palette = c.frame();
  expect(palette).toMatch(/Shell on the appliance/);
  expect(palette).not.toMatch(/appliance\.terminal\.open/);
});
