/**
 * The Snapshots screen past what the list loads at once: the title says so, and the filter finds a
 * snapshot that is not among the loaded rows by asking the service.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ADMIN_PASSWORD, startConsoleTest, type ConsoleTest } from '../../helpers/console.js';
import type { SimulatedHost } from '../../../src/system/sim/index.js';

let c: ConsoleTest;
beforeAll(async () => {
  c = await startConsoleTest();
  // 12,000 snapshots over 4 datasets (and the default appliance's few).
  await (c.host as SimulatedHost).seed({ datasets: 4, snapshots: 12_000 });
  await c.loginAs('admin', ADMIN_PASSWORD);
}, 60_000);
afterAll(async () => {
  await c?.close();
});

test('12,000 snapshots: 10,000 loaded, and the filter searches all of them', async () => {
  await c.type(':snapshots');
  await c.press('enter');
  const first = await c.waitFor(/10000 loaded; \/ searches all/, 30_000);
  expect(first).toMatch(/all datasets, 1200\d/);
  // One the list did not load: past the first 10,000 in the service's order.
  const beyond = (
    await c.app.call<{ items: { name: string }[] }>(
      'snapshots.list',
      { limit: 1, offset: 10_500 },
      { actor: await c.app.auth.authenticate(c.adminToken), face: 'api' },
    )
  ).items;
  const target = beyond[0]?.name ?? '';
  expect(target).toMatch(/^tank\/seed\/ds\d+@auto-/);
  await c.press('/');
  await c.type(target);
  await c.press('enter');
  const found = await c.waitFor(/, 1 named \*tank/, 30_000);
  expect(found).toContain(target.slice(0, 30));
});
