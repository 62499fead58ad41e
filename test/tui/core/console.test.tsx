/**
 * The console, driven by keys against a real Calypso on the simulated appliance:
 * login, layout, help, palette, storage, forms with the service's errors, typed
 * confirmation, permission gating and quitting.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ADMIN_PASSWORD, startConsoleTest, type ConsoleTest } from '../../helpers/console.js';

let c: ConsoleTest;

beforeAll(async () => {
  c = await startConsoleTest();
});
afterAll(async () => {
  await c?.close();
});

const adminMeta = async () => ({ actor: await c.app.auth.authenticate(c.adminToken), face: 'api' as const });

test('a wrong password is refused on the login screen, the right one opens the console', async () => {
  await c.waitFor('Username');
  expect(c.frame()).toContain('SIMULATED');
  await c.type('admin');
  await c.press('enter');
  await c.waitFor('▶ Password');
  await c.type('wrong-password');
  await c.press('enter');
  await c.waitFor('invalid username or password');
  await c.type(ADMIN_PASSWORD);
  await c.press('enter');
  const f = await c.waitFor('admin (Admin)');
  expect(f).toContain('SIMULATED');
  for (const label of [
    'Dashboard',
    'Storage',
    'Snapshots',
    'Shares',
    'iSCSI',
    'Tape & VTL',
    'Backup',
    'Object Storage',
    'Monitoring',
    'System',
    'Users & Access',
    'Audit',
    'Jobs',
    'About',
  ]) {
    expect(f).toContain(label);
  }
});

test('? shows help generated from the key table; Esc closes it', async () => {
  await c.press('?');
  const f = await c.waitFor('Everywhere');
  expect(f).toContain('Quit');
  expect(f).toContain('Go to');
  await c.press('escape');
  await c.waitFor((x) => !x.includes('Everywhere'));
});

test(':storage jumps to Storage, which lists tank with its health and vdev tree', async () => {
  await c.press(':');
  await c.waitFor('Go to a screen');
  await c.type('storage');
  await c.press('enter');
  const f = await c.waitFor(/tank\s+ONLINE/);
  expect(f).toContain('Pools');
  await c.waitFor('raidz2-0');
});

test("a dataset form shows the service's validation error inline, then creates the dataset", async () => {
  await c.press('2');
  await c.waitFor('Create dataset');
  await c.press('c');
  await c.waitFor('Create a dataset');
  await c.type('bad name!');
  await c.press('enter');
  await c.waitFor(/invalid dataset name/);
  for (let i = 0; i < 'tank/bad name!'.length; i++) await c.press('backspace');
  await c.type('tank/console-made');
  await c.press('enter');
  await c.waitFor('Created tank/console-made');
  const list = await c.app.call<{ items: { name: string }[] }>('storage.datasets.list', {}, await adminMeta());
  expect(list.items.map((d) => d.name)).toContain('tank/console-made');
  await c.press('!');
  const cmds = await c.waitFor('zfs create');
  expect(cmds).toContain('tank/console-made');
  await c.press('escape');
});

test("an action runs with the screen's current state: create under the dataset just selected", async () => {
  // The key table keeps the same keys and texts when the selection moves; the action must still be the new one.
  await c.waitFor(/\s{2}backups\s+\d/);
  await c.press('j');
  await c.press('c');
  await c.waitFor('Create a dataset');
  expect(c.frame()).toMatch(/Name\*\s+tank\/backups\//);
  await c.press('escape');
  await c.press('k');
});

test('destroying asks for the typed name and refuses anything else', async () => {
  await c.press('/');
  await c.type('console-made');
  await c.press('enter');
  await c.waitFor((f) => f.includes('console-made') && !f.includes('backups'));
  await c.press('D');
  await c.waitFor('Type tank/console-made to destroy it, or Esc to cancel');
  await c.type('tank');
  await c.press('enter');
  await c.waitFor('is not "tank/console-made"');
  for (let i = 0; i < 4; i++) await c.press('backspace');
  await c.type('tank/console-made');
  await c.press('enter');
  await c.waitFor('Destroyed tank/console-made');
  const list = await c.app.call<{ items: { name: string }[] }>('storage.datasets.list', {}, await adminMeta());
  expect(list.items.map((d) => d.name)).not.toContain('tank/console-made');
  await c.press('/');
  await c.press('escape');
});

test('Users & Access creates a user through the generated form', async () => {
  await c.press(':');
  await c.type('users');
  await c.press('enter');
  await c.waitFor('USERNAME');
  await c.press('c');
  await c.waitFor('Create a user');
  await c.type('viewer');
  await c.press('down');
  await c.waitFor(/▶ Password/);
  await c.type('viewer-password-123');
  // A new password is typed twice (issue 17).
  await c.press('down');
  await c.waitFor(/▶ Repeat password/);
  await c.type('viewer-password-123');
  await c.press('enter');
  await c.waitFor('Created user viewer');
  await c.waitFor(/viewer\s/);
});

test('q quits at once while a job runs: the job runs in the daemon and goes on', async () => {
  let release!: () => void;
  const job = await c.app.jobs.start(
    { type: 'test', description: 'a long test job', owner: 'admin' },
    () =>
      new Promise<void>((r) => {
        release = r;
      }),
  );
  // The status line shows a running job once the last test's status message has expired (five seconds).
  await c.advance(6_000);
  await c.waitFor('a long test job');
  await c.press('q');
  expect(c.quitRequested()).toBe(true);
  expect(c.frame()).not.toContain('job is running');
  release();
  await c.app.jobs.idle();
  expect(await c.testDb.db('jobs').where({ id: job.id }).first()).toMatchObject({ state: 'succeeded' });
});
