/**
 * System > Network at 80x24 on the simulated appliance: interfaces with bond, VLAN and speed; an
 * address applied from the console shows the countdown to its automatic revert (the console's
 * clock moved by hand), `c` confirms it; a hostile host name is refused with the reason.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ADMIN_PASSWORD, startConsoleTest, type ConsoleTest } from '../../helpers/console.js';
import { ManualConsoleClock, ManualTimers } from '../../helpers/manual-clock.js';
import { NetworkChanges } from '../../../src/services/appliance/network.js';

let c: ConsoleTest;
const clock = new ManualConsoleClock();

beforeAll(async () => {
  // Both clocks by hand: the daemon's (a change's seconds left, computed when the screen reads it) and the console's
  // countdown from there. On the wall clock a loaded machine answered "59 s" where the test reads 60.
  const network = new NetworkChanges({ clock: new ManualTimers() });
  c = await startConsoleTest({ clock, size: { columns: 80, rows: 24 }, appliance: { network } });
  await c.loginAs('admin', ADMIN_PASSWORD);
  await c.press(':');
  await c.waitFor('Go to a screen');
  await c.type('system');
  await c.press('enter');
  // Seven tabs at 80 columns: the current one whole, the others cut to what fits, every number shown.
  await c.waitFor(/1 Licenses 2 Time 3 SNMP 4 Serv\w* 5 Logs 6 Netw\w* 7 Conf/);
  await c.press('6');
  await c.waitFor(/1 Lice\w* 2 Time 3 SNMP 4 Serv\w* 5 Logs 6 Network 7 Conf/);
}, 60_000);
afterAll(async () => {
  await c?.close();
});

test('interfaces, bond, VLAN, gateway at 80 columns', async () => {
  const f = await c.waitFor(/eth0\s+ether\s+UP\s+1500\s+10G\s+10\.0\.0\.10\/24/);
  expect(f).toMatch(/bond0\s+bond\s+UP\s+9000\s+20G/);
  expect(f).toMatch(/Bonds\s+bond0 802\.3ad \(eth1 eth2\), LACP in sync/);
  expect(f).toMatch(/bond0\.100\s+vlan 100/);
  expect(f).toMatch(/eth1\s+ether\s+UP\s+9000\s+10G\s+port of bond0/);
  expect(f).toMatch(/Gateway\s+10\.0\.0\.1, fd00:10::1/);
  for (const line of f.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
});

test('an address applied: the countdown runs, c confirms it', async () => {
  for (let i = 0; i < 3; i++) await c.press('down');
  await c.waitFor(/▶?\s*eth3|eth3/);
  await c.press('a');
  await c.waitFor('Addresses of eth3');
  await c.type('10.0.3.10/24');
  await c.press('enter');
  await c.waitFor(/Change 1 by admin: reverted in 60 s unless confirmed/);
  await c.waitFor(/eth3\s+ether.*10\.0\.3\.10\/24/);
  clock.advance(5_000);
  await c.waitFor(/reverted in 55 s/);
  await c.press('c');
  await c.waitFor('Network change 1 confirmed');
  await c.waitFor((f) => !f.includes('Change 1 by admin'));
  expect(c.frame()).toMatch(/eth3\s+ether.*10\.0\.3\.10\/24/);
  expect(await c.app.db('network_changes').where({ id: 1 }).first()).toMatchObject({ state: 'confirmed', finished_by: 'admin' });
});

test('Details show the LACP state of a bond port', async () => {
  await c.press('up');
  await c.press('up');
  await c.press('enter');
  await c.waitFor(/Port of bond0: ACTIVE, link UP, LACP in sync/);
  await c.press('escape');
});

test('a hostile host name is refused with the reason; nothing pending', async () => {
  await c.press('n');
  await c.waitFor('Host name and domain');
  await c.type(';reboot');
  await c.press('enter');
  await c.waitFor(/host name: letters, digits and dashes/);
  expect(c.frame()).not.toContain('Change 2');
  expect(await c.app.db('network_changes').count({ n: '*' })).toEqual([{ n: 1 }]);
});

test('a VLAN added on the selected bond, then reverted with u', async () => {
  for (let i = 0; i < 3; i++) await c.press('down');
  await c.press('v');
  await c.waitFor('VLAN: PARENT ID');
  await c.type('200 10.200.0.10/24');
  await c.press('enter');
  await c.waitFor(/VLAN bond0\.200: applied/);
  await c.waitFor(/bond0\.200\s+vlan 200.*10\.200\.0\.10\/24/);
  await c.waitFor(/Change 2 by admin: reverted in 60 s/);
  await c.press('u');
  await c.waitFor('Network change 2 reverted');
  await c.waitFor((f) => !f.includes('bond0.200'));
  expect(await c.app.db('network_changes').where({ id: 2 }).first()).toMatchObject({ state: 'reverted', finished_by: 'admin' });
});

test('an Operator sees the network; the change keys say why they are disabled and nothing is applied', async () => {
  const res = await c.http
    .post('/api/v1/users')
    .set({ Authorization: `Bearer ${c.adminToken}` })
    .send({ username: 'netop', password: 'op-password-123', roles: ['Operator'] });
  expect(res.status).toBe(201);
  await c.press('escape');
  await c.type('\x0f');
  await c.loginAs('netop', 'op-password-123');
  await c.press(':');
  await c.waitFor('Go to a screen');
  await c.type('system');
  await c.press('enter');
  await c.waitFor(/1 Licenses 2 Time 3 SNMP 4 Serv\w* 5 Logs 6 Netw\w* 7 Conf/);
  await c.press('6');
  await c.waitFor(/eth0\s+ether\s+UP/);
  await c.press('m');
  await c.waitFor(/MTU: .*appliance\.network/);
  expect(c.frame()).not.toContain('MTU of eth0');
  expect(await c.app.db('network_changes').count({ n: '*' })).toEqual([{ n: 2 }]);
});
