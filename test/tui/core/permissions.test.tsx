/** A ReadOnly user sees create and destroy disabled, with the reason, and cannot run them. */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { startConsoleTest, type ConsoleTest } from '../../helpers/console.js';

let c: ConsoleTest;

beforeAll(async () => {
  c = await startConsoleTest({ env: { NO_COLOR: '1', TERM: 'linux' } });
  await c.userWithRoles('reader', ['ReadOnly']);
});
afterAll(async () => {
  await c?.close();
});

test('ReadOnly: create is disabled with the reason, and pressing it explains instead of acting', async () => {
  await c.loginAs('reader', 'reader-password-123');
  await c.press(':');
  await c.type('storage');
  await c.press('enter');
  await c.waitFor(/tank\s+ONLINE/);
  await c.press('2');
  await c.waitFor('Create dataset');
  await c.press('?');
  const help = await c.waitFor('needs storage.write; your role ReadOnly does not grant it');
  expect(help).toMatch(/Edit properties\n.*disabled: needs storage.write/);
  await c.press('escape');
  await c.press('c');
  await c.waitFor('Create dataset: needs storage.write; your role ReadOnly does not grant it');
  expect(c.frame()).not.toContain('Create a dataset');
});

test('NO_COLOR and TERM=linux: no colour codes and no braille or eighth blocks on screen', () => {
  const f = c.frame();
  // eslint-disable-next-line no-control-regex -- colour codes start with ESC
  expect(f).not.toMatch(/\x1b\[3[0-9]m|\x1b\[4[0-9]m|\x1b\[9[0-7]m/);
  expect(f).not.toMatch(/[\u2800-\u28ff▁▂▃▅▆▇]/);
});
