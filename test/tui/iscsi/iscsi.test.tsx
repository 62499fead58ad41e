/** iSCSI, key-driven on the simulated appliance: a target with CHAP and a LUN; the secret never reaches the screen. */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ADMIN_PASSWORD, startConsoleTest, type ConsoleTest } from '../../helpers/console.js';

let c: ConsoleTest;
const IQN = 'iqn.2005-10.org.calypso:vm';

beforeAll(async () => {
  c = await startConsoleTest();
  await c.loginAs('admin', ADMIN_PASSWORD);
  await c.press(':');
  await c.waitFor('Go to a screen');
  await c.type('iscsi');
  await c.press('enter');
  await c.waitFor('No iSCSI targets');
});
afterAll(async () => {
  await c?.close();
});

test('c creates a target with CHAP, shown only as set', async () => {
  await c.press('c');
  await c.waitFor('Create an iSCSI target');
  await c.type('vm');
  for (let i = 0; i < 3; i++) await c.press('down');
  await c.waitFor(/▶ CHAP: CHAP user name/);
  await c.type('chapuser');
  await c.press('down');
  await c.type('secret-12345');
  await c.press('down');
  await c.waitFor(/▶ Repeat CHAP: secret/);
  await c.type('secret-12345');
  const form = await c.waitFor(/(\*{12}[\s\S]*){2}/);
  expect(form).not.toContain('secret-12345');
  await c.press('enter');
  await c.waitFor(`Created target ${IQN}`);
  const f = await c.waitFor(/CHAP\s+set \(chapuser\)/);
  expect(f).not.toContain('secret-12345');
});

test('L adds a LUN on a zvol; D deletes the target after the typed name', async () => {
  // The row's keys are in the hint line once the shell dispatches them.
  await c.waitFor('L Add LUN');
  await c.press('L');
  await c.waitFor('LUN: number');
  await c.type('tank/vms/vm1');
  await c.press('enter');
  await c.waitFor(/1\s+zvol\s+\/dev\/zvol\/tank\/vms\/vm1/);
  await c.waitFor('X Remove LUN');
  await c.press('D');
  await c.waitFor(`Type ${IQN} to delete it`);
  await c.type(IQN);
  await c.press('enter');
  await c.waitFor(`Deleted target ${IQN}`);
  await c.waitFor('No iSCSI targets');
});
