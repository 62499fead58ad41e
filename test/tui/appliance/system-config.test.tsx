/**
 * System > Config, key-driven on the simulated appliance at 80x24: an export written into the
 * exports directory; an encrypted export to a file of the user's (the passphrase typed as stars,
 * never drawn); a restore of it after its preview and the typed confirmation; a support bundle
 * written to a directory; a path through a symbolic link refused; an export schedule made.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ADMIN_PASSWORD, startConsoleTest, type ConsoleTest } from '../../helpers/console.js';
import { bearer } from '../../helpers/app.js';

const PASSPHRASE = 'console passphrase 42';
let c: ConsoleTest;
let dir: string;
const fits = (frame: string) => frame.split('\n').length <= 24 && frame.split('\n').every((l) => l.length <= 80);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-console-config-'));
  fs.mkdirSync(path.join(dir, 'out'));
  fs.symlinkSync('/etc', path.join(dir, 'link'));
  c = await startConsoleTest({ size: { columns: 80, rows: 24 }, appliance: { configExportDir: path.join(dir, 'exports') } });
  await c.loginAs('admin', ADMIN_PASSWORD);
  await c.press(':');
  await c.waitFor('Go to a screen');
  await c.type('system');
  await c.press('enter');
  // Seven tabs at 80 columns: the others by number only (Network is 6, Config 7).
  await c.waitFor(/1 Licenses 2 Time 3 SNMP 4 Serv\w* 5 Logs 6 Netw\w* 7 Conf/);
  await c.press('7');
  await c.waitFor(/6 Netw\w* 7 Config/);
  await c.waitFor('No export kept yet');
});
afterAll(async () => {
  await c?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('w writes an export into the exports directory; it is listed', async () => {
  expect(fits(c.frame())).toBe(true);
  await c.press('w');
  await c.waitFor('No secrets in it: wrote calypso-config-');
  const f = await c.waitFor(/calypso-config-\S+\.json\s+\d/);
  expect(f).toContain(`Exports kept in ${dir}`);
  expect(fits(f)).toBe(true);
});

test('x with a passphrase: the file is written encrypted; the passphrase is never drawn', async () => {
  await c.press('x');
  await c.waitFor('Passphrase (Enter: none');
  await c.type(PASSPHRASE);
  expect(c.frame()).not.toContain(PASSPHRASE);
  expect(c.frame()).toContain('*'.repeat(PASSPHRASE.length));
  await c.press('enter');
  // The next prompt is a new line: it never starts with the passphrase (it once did, in clear).
  const next = await c.waitFor('Write the export to');
  expect(next).not.toContain(PASSPHRASE);
  await c.type(path.join(dir, 'out'));
  await c.press('enter');
  await c.waitFor('Encrypted, with the secrets: wrote');
  const files = fs.readdirSync(path.join(dir, 'out'));
  expect(files).toHaveLength(1);
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'out', files[0]!), 'utf8'))).toMatchObject({ encrypted: true });
  expect(fs.statSync(path.join(dir, 'out', files[0]!)).mode & 0o777).toBe(0o600);
});

test('u restores the file after its preview and the typed confirmation', async () => {
  const [file] = fs.readdirSync(path.join(dir, 'out'));
  const moved = await c.http.put('/api/v1/appliance/snmp').set(bearer(c.adminToken)).send({ location: 'Moved after the export' });
  expect(moved.status).toBe(200);
  await c.press('u');
  await c.waitFor('File to restore');
  await c.type(path.join(dir, 'out', file!));
  await c.press('enter');
  await c.waitFor('Its passphrase');
  await c.type(PASSPHRASE);
  expect(c.frame()).not.toContain(PASSPHRASE);
  await c.press('enter');
  const dialog = await c.waitFor('Type restore to restore it');
  // The SNMP settings were first saved after the export: restoring it removes them (back to the defaults).
  expect(dialog).toMatch(/0 to add, 0 to change, 1 to remove/);
  expect(dialog).toContain('remove appliance.snmp');
  expect(fits(dialog)).toBe(true);
  await c.type('restore');
  await c.press('enter');
  await c.waitFor(/restored: 0 to add, 0 to change, 1 to remove/);
  const snmp = await c.http.get('/api/v1/appliance/snmp').set(bearer(await c.login('admin', ADMIN_PASSWORD)));
  expect(snmp.body.location).toBe('');
});

test('b writes a support bundle into a directory; a path through a symbolic link is refused', async () => {
  await c.press('b');
  await c.waitFor('Write the support bundle to');
  await c.type(path.join(dir, 'link'));
  await c.press('enter');
  await c.waitFor(/symbolic link/);
  expect(fs.readdirSync('/etc').some((f) => f.startsWith('calypso-support-'))).toBe(false);
  await c.press('b');
  await c.waitFor('Write the support bundle to');
  await c.type(path.join(dir, 'out'));
  await c.press('enter');
  await c.waitFor('Support bundle, secrets redacted: wrote');
  expect(fs.readdirSync(path.join(dir, 'out')).filter((f) => f.endsWith('.tar.gz'))).toHaveLength(1);
});

test('n schedules exports', async () => {
  await c.press('n');
  await c.waitFor('Export at (cron');
  await c.type('0 3 * * *');
  await c.press('enter');
  await c.waitFor(/Scheduled: configuration export/);
  await c.waitFor(/Scheduled: .*03:00/);
});
