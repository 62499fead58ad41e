/** Shares, key-driven on the simulated appliance: an SMB share and an NFS export made from the console, then deleted. */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ADMIN_PASSWORD, startConsoleTest, type ConsoleTest } from '../../helpers/console.js';

let c: ConsoleTest;

beforeAll(async () => {
  c = await startConsoleTest();
  await c.loginAs('admin', ADMIN_PASSWORD);
  await c.press(':');
  await c.waitFor('Go to a screen');
  await c.type('shares');
  await c.press('enter');
  await c.waitFor('No SMB shares');
});
afterAll(async () => {
  await c?.close();
});

test('c creates an SMB share through the form and it is listed with its flags', async () => {
  await c.press('c');
  await c.waitFor('Create an SMB share');
  await c.type('finance');
  await c.press('down');
  await c.waitFor(/▶ Path\*/);
  await c.type('/tank/shares/finance');
  await c.press('enter');
  await c.waitFor('Created SMB share finance');
  const f = await c.waitFor(/finance\s+\/tank\/shares\/finance\s+-\s+-\s+yes\s+on/);
  expect(f).toContain('GUEST');
  expect(await c.host.files.read('/etc/samba/smb.conf')).toContain('[finance]');
});

test('D asks for the share name before deleting it', async () => {
  // The row's keys are in the hint line once the shell dispatches them.
  await c.waitFor('D Delete');
  await c.press('D');
  await c.waitFor('Type finance to delete it');
  await c.type('finance');
  await c.press('enter');
  await c.waitFor('Deleted SMB share finance');
  await c.waitFor('No SMB shares');
});

test('an NFS export: path first, then its clients one by one (list editor; more in nfs-form.test.tsx)', async () => {
  await c.press('2');
  await c.waitFor('No NFS exports');
  await c.press('c');
  await c.waitFor('Export a directory over NFS');
  await c.type('/tank/shares');
  await c.press('enter');
  await c.press('enter');
  await c.waitFor('A new client of /tank/shares');
  await c.type('10.0.0.0/24');
  await c.press('down');
  await c.press(' ');
  await c.press('down');
  await c.press(' ');
  await c.press(' ');
  await c.press('enter');
  await c.press('a');
  await c.waitFor('A new client of /tank/shares');
  await c.type('*');
  await c.press('enter');
  await c.press('down');
  await c.press('down');
  await c.press('enter');
  await c.waitFor('Exported /tank/shares');
  await c.waitFor(/\/tank\/shares\s+10\.0\.0\.0\/24\(rw,no_root_squash\) \*\(ro\)/);
  expect(await c.host.files.read('/etc/exports.d/calypso.exports')).toContain('10.0.0.0/24(rw');
});
