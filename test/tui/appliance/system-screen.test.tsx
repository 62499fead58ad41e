/**
 * The System screen, key-driven on the simulated appliance: the Licenses tab (features, a pasted
 * line that is not a license is refused), Time & NTP (add, prefer and remove a server; the sync
 * state from chronyc), SNMP (a community whose secret never reaches the screen, removed again),
 * and an Operator who sees the settings but whose change keys are disabled.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ADMIN_PASSWORD, startConsoleTest, type ConsoleTest } from '../../helpers/console.js';

let c: ConsoleTest;

beforeAll(async () => {
  c = await startConsoleTest();
  await c.loginAs('admin', ADMIN_PASSWORD);
  await c.press(':');
  await c.waitFor('Go to a screen');
  await c.type('system');
  await c.press('enter');
  await c.waitFor(/1 Licenses.*2 Time.*3 SNMP.*4 Services.*5 Logs/);
});
afterAll(async () => {
  await c?.close();
});

test('Licenses: every feature with its state; a pasted line that is not a license is refused', async () => {
  await c.waitFor(/trial: /);
  await c.waitFor('No license imported');
  await c.press('i');
  await c.waitFor('License (paste its one line)');
  await c.type('calypso-license-1.garbage.garbage');
  await c.press('enter');
  await c.waitFor(/signature is truncated/);
  // The list reads again after the refusal: nothing was imported.
  await c.waitFor('No license imported');
});

test('Time & NTP: the sync state; a server added, preferred and removed', async () => {
  await c.press('2');
  await c.waitFor(/synchronised to \S+, stratum 3/);
  await c.waitFor(/pool\.ntp\.org\s+pool\s+iburst/);
  await c.press('a');
  await c.waitFor('NTP server or pool');
  await c.type('ntp1.example.com');
  await c.press('enter');
  await c.waitFor('Added ntp1.example.com; chrony restarted');
  await c.waitFor(/ntp1\.example\.com\s+server\s+iburst/);
  await c.press('down');
  await c.press('p');
  await c.waitFor('ntp1.example.com preferred');
  await c.waitFor(/ntp1\.example\.com\s+server\s+iburst prefer/);
  await c.press('x');
  await c.waitFor('Removed ntp1.example.com');
  await c.waitFor((f) => !f.includes('ntp1.example.com server'));
});

test('Time & NTP: a hostile server name is refused with the reason, nothing saved', async () => {
  await c.press('a');
  await c.waitFor('NTP server or pool');
  await c.type('ntp.example.com;reboot');
  await c.press('enter');
  await c.waitFor(/host name .*or an IP address/);
  expect(c.frame()).not.toContain('ntp.example.com;reboot  ');
});

test('SNMP: a community added through the form, its secret never on screen, then removed', async () => {
  await c.press('3');
  await c.waitFor('No community and no v3 user');
  await c.press('c');
  await c.waitFor('v2c community');
  await c.type('noc');
  await c.press('down');
  await c.type('n0c-Secret');
  await c.press('down');
  await c.type('n0c-Secret');
  await c.press('down');
  await c.type('10.0.0.0/8');
  const form = c.frame();
  expect(form).not.toContain('n0c-Secret');
  await c.press('enter');
  await c.waitFor('Saved; 1 communities');
  const f = await c.waitFor(/v2c\s+noc\s+from 10\.0\.0\.0\/8\s+set/);
  expect(f).not.toContain('n0c-Secret');
  await c.press('x');
  await c.waitFor('Removed community noc');
  await c.waitFor('No community and no v3 user');
});

test('Monitoring, Channels: s adds an SNMP trap channel; its community never reaches the screen', async () => {
  await c.press('escape');
  await c.press(':');
  await c.waitFor('Go to a screen');
  await c.type('monitoring');
  await c.press('enter');
  await c.waitFor(/Channels/);
  await c.press('5');
  await c.waitFor('s Add SNMP trap');
  await c.press('s');
  await c.waitFor('Add an SNMP trap channel');
  await c.type('nms');
  for (let i = 0; i < 4; i++) await c.press('down');
  await c.waitFor(/▶ SNMP: manager|▶ Manager|▶ .*[Mm]anager/);
  await c.type('192.0.2.10');
  for (let i = 0; i < 5; i++) await c.press('down');
  await c.waitFor(/▶ Secret/);
  await c.type('trap-Community');
  await c.press('down');
  await c.type('trap-Community');
  expect(c.frame()).not.toContain('trap-Community');
  await c.press('enter');
  await c.waitFor('Added channel nms');
  const f = await c.waitFor(/nms\s+snmp\s+enabled\s+SNMP v2c 192\.0\.2\.10:162/);
  expect(f).not.toContain('trap-Community');
});

test('an Operator sees the settings; the change keys say why they are disabled', async () => {
  const res = await c.http
    .post('/api/v1/users')
    .set({ Authorization: `Bearer ${c.adminToken}` })
    .send({ username: 'op', password: 'op-password-123', roles: ['Operator'] });
  expect(res.status).toBe(201);
  await c.press('escape');
  await c.type('\x0f');
  await c.loginAs('op', 'op-password-123');
  await c.press(':');
  await c.waitFor('Go to a screen');
  await c.type('system');
  await c.press('enter');
  await c.waitFor(/1 Licenses/);
  await c.press('2');
  await c.waitFor(/synchronised to/);
  await c.press('a');
  await c.waitFor(/Add server: .*appliance\.time/);
  expect(c.frame()).not.toContain('NTP server or pool');
  await c.press('3');
  await c.waitFor('No community and no v3 user');
  await c.press('c');
  await c.waitFor(/Add community: .*appliance\.snmp/);
});
