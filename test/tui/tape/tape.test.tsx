/**
 * Tape & VTL, key-driven on the simulated appliance in an 80x24 terminal: the libraries, the
 * mhvtl library's drives and slots, a load and an unload with the job's progress, the media
 * inventory with its filters, and the VTL form with the service's validation errors inline.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ADMIN_PASSWORD, startConsoleTest, type ConsoleTest } from '../../helpers/console.js';

let c: ConsoleTest;

/** Every line of the frame fits 80 columns and the frame 24 rows. */
function fits(frame: string): void {
  const lines = frame.split('\n');
  expect(lines.length).toBeLessThanOrEqual(24);
  for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
}

beforeAll(async () => {
  c = await startConsoleTest({ size: { columns: 80, rows: 24 } });
  await c.loginAs('admin', ADMIN_PASSWORD);
  await c.press(':');
  await c.waitFor('Go to a screen');
  await c.type('tape');
  await c.press('enter');
  fits(await c.waitFor(/HP MSL G3 Series\s+tape\s+2\s+23\s+1/));
});
afterAll(async () => {
  await c?.close();
});

test('the libraries list shows both libraries; Enter opens the mhvtl one with its drives and slots', async () => {
  const f = await c.waitFor(/mhvtl library 10\s+virtual\s+2\s+20\s+4/);
  fits(f);
  // Every tab is named at 80 columns: the last one (drift) is where a VTL refusal sends the admin.
  expect(f).toMatch(/1 Libraries\s+2 Media\s+3 Pools\s+4 VTLs\s+5 VTL drift/);
  await c.press('down');
  await c.press('enter');
  const lib = await c.waitFor(/drive 0 \/dev\/nst2\s+empty/);
  fits(lib);
  expect(lib).toMatch(/1\s+storage\s+V00001L8/);
  expect(lib).toMatch(/drive 1 \/dev\/nst3\s+empty/);
});

test('l loads the selected slot into a drive and shows the job; u unloads it', async () => {
  await c.waitFor('l Load');
  await c.press('l');
  await c.waitFor('into drive:');
  await c.press('enter');
  await c.waitFor(/job #\d+ succeeded/);
  // The library is online again (not busy) and drive 0 holds the cartridge.
  const loaded = await c.waitFor((f) => /4 mail\s+online/.test(f) && /drive 0 \/dev\/nst2\s+V00001L8 from 1\s+BOT ONLINE/.test(f));
  fits(loaded);
  await c.press('u');
  await c.waitFor('Unload drive:');
  await c.press('enter');
  await c.waitFor((f) => /4 mail\s+online/.test(f) && /drive 0 \/dev\/nst2\s+empty/.test(f) && /1\s+storage\s+V00001L8/.test(f));
  await c.press('escape');
  await c.waitFor(/HP MSL G3 Series/);
});

test('the media tab lists cartridges and filters them by location and state', async () => {
  await c.press('2');
  const all = await c.waitFor(/V00001L8\s+L8\s+slot 1 mhvtl/);
  fits(all);
  await c.press('s');
  await c.waitFor('state writable (s)');
  await c.press('s');
  await c.press('s');
  await c.press('s');
  await c.press('s');
  const cleaning = await c.waitFor('state cleaning (s)');
  await c.waitFor(/CLNV01L1\s+L1\s+.*cleaning 20/);
  expect(cleaning).not.toMatch(/V00001L8/);
  await c.press('w');
  await c.waitFor('where slot (w)');
});

test('a pool filter the service refuses says why instead of listing every cartridge under it', async () => {
  await c.press('2');
  await c.waitFor(/pool all \(p\)/);
  await c.press('p');
  await c.waitFor('Only pool (empty: all):');
  await c.type('bad pool!');
  await c.press('enter');
  const f = await c.waitFor("pool: a pool name: letters, digits, '_'");
  expect(f).toContain('pool bad pool! (p)');
  expect(f).not.toMatch(/CLNV01L1|V00001L8/);
  await c.press('p');
  await c.waitFor('Only pool (empty: all):');
  for (let i = 0; i < 9; i++) await c.press('backspace');
  await c.press('enter');
  await c.waitFor(/pool all \(p\)[\s\S]*CLNV01L1/);
});

test('the VTL form shows the service\u2019s validation errors inline', async () => {
  await c.press('4');
  await c.waitFor('No virtual libraries. c creates one.');
  await c.press('c');
  await c.waitFor('Create a virtual tape library (mhvtl)');
  await c.type('bad name');
  for (let i = 0; i < 8; i++) await c.press('down');
  await c.waitFor(/▶ Backing dataset/);
  await c.type('tank/backups');
  await c.press('enter');
  // The whole sentence, wrapped at 80 columns: its last words are the ones that explain "bad name".
  const form = await c.waitFor(/letters, digits, '_', '\.', '-' \(up to 32\)[\s\S]*starting with a letter or digit/);
  fits(form);
  await c.press('escape');
  await c.waitFor('No virtual libraries. c creates one.');
});

test('a refusal without a field (mhvtl files Calypso does not manage) is shown whole at 80 columns', async () => {
  await c.press('c');
  await c.waitFor('Create a virtual tape library (mhvtl)');
  await c.type('vtl1');
  for (let i = 0; i < 8; i++) await c.press('down');
  await c.waitFor(/▶ Backing dataset/);
  await c.type('tank/backups');
  await c.press('enter');
  const form = await c.waitFor(/defines libraries Calypso does not[\s\S]*replaces them with Calypso's/);
  fits(form);
  expect(form).not.toContain('~');
  await c.press('escape');
  await c.waitFor('No virtual libraries. c creates one.');
});

test('an empty vault location is refused in a sentence, not in zod\u2019s words', async () => {
  await c.press('1');
  await c.waitFor(/HP MSL G3 Series/);
  await c.press('enter');
  await c.waitFor(/HP MSL G3 Series\s+2 drives/);
  await c.press('v');
  await c.waitFor('Vault for E01001L8:');
  await c.press('enter');
  const f = await c.waitFor("vault: a vault location: letters, digits, space, '_'");
  expect(f).not.toContain('Too small');
});
