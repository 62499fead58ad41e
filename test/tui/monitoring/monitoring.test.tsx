/** Monitoring & Alerts, key-driven: a faulted disk raises a critical alert, which is acknowledged from the console; ReadOnly sees why it cannot. */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { SimulatedHost } from '../../../src/system/sim/index.js';
import { ADMIN_PASSWORD, startConsoleTest, type ConsoleTest } from '../../helpers/console.js';

let c: ConsoleTest;

beforeAll(async () => {
  c = await startConsoleTest();
  await c.userWithRoles('reader', ['ReadOnly']);
  await (c.host as SimulatedHost).faultDisk('sdb');
  await c.app.monitoring.tick();
  await c.app.monitoring.idle();
});
afterAll(async () => {
  await c?.close();
});

const openMonitoring = async () => {
  await c.press(':');
  await c.waitFor('Go to a screen');
  await c.type('monitoring');
  await c.press('enter');
  await c.waitFor((f) => /critical\s+open\s+pool\s+Pool health: tank/.test(f) && f.includes('x Dismiss'));
  await c.press('/');
  await c.waitFor((f) => !f.includes('API http'));
  await c.type('Pool health');
  await c.press('enter');
  // The row's keys are in the hint line once the shell dispatches them.
  await c.waitFor((f) => f.includes('a Acknowledge') && !f.includes('SMART failure'));
};

test('ReadOnly sees the open alert, and acknowledge disabled with the reason', async () => {
  await c.loginAs('reader', 'reader-password-123');
  await openMonitoring();
  await c.press('a');
  await c.waitFor('Acknowledge: needs alerts.ack; your role ReadOnly does not grant it');
  await c.services.session.logout('switching user');
});

test('an admin acknowledges it with a; the history filter finds it by state', async () => {
  await c.loginAs('admin', ADMIN_PASSWORD);
  await openMonitoring();
  await c.press('a');
  await c.waitFor('Acknowledged: Pool health: tank');
  await c.waitFor(/critical\s+acknowledged\s+pool/);
  await c.press('2');
  await c.waitFor('Filters: none');
  await c.press('t');
  await c.waitFor('State (open');
  await c.type('acknowledged');
  await c.press('enter');
  const f = await c.waitFor('Filters: state=acknowledged');
  expect(f).toMatch(/Pool health: tank/);
});
