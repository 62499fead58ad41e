/**
 * Issue 17, selection-based storage actions, key-driven on the simulated appliance: a device
 * selected in the vdev tree is taken offline (after its name is typed), brought online, replaced
 * by a free disk; a disk on the Disks tab gets a SMART self-test (results in its detail) and,
 * where unused, a wipe after its name is typed. Refusals change nothing.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ADMIN_PASSWORD, startConsoleTest, type ConsoleTest } from '../../helpers/console.js';
import type { SimulatedHost } from '../../../src/system/sim/index.js';

let c: ConsoleTest;
let sim: SimulatedHost;
const leafState = async (disk: string) => {
  const model = await sim.snapshotModel();
  const walk = (vs: unknown[]): string[] =>
    vs.flatMap((v) => {
      const x = v as { kind: string; disk?: string; state?: string; children?: unknown[] };
      return x.kind === 'disk' ? (x.disk === disk ? [x.state!] : []) : walk(x.children ?? []);
    });
  return walk(model.pools.find((p) => p.name === 'tank')!.vdevs);
};

beforeAll(async () => {
  c = await startConsoleTest();
  sim = c.host as SimulatedHost;
  await c.loginAs('admin', ADMIN_PASSWORD);
  await c.press(':');
  await c.waitFor('Go to a screen');
  await c.type('storage');
  await c.press('enter');
  await c.waitFor('v Devices');
});
afterAll(async () => {
  await c?.close();
});

test('v selects devices in the vdev tree; o asks for the name, then takes the selected one offline; o again brings it online', async () => {
  await c.press('v');
  await c.waitFor('Esc Back to pools');
  await c.press('j');
  await c.press('o');
  await c.waitFor('Take /dev/sdb1 offline in tank');
  await c.waitFor('Type sdb1 to offline it');
  // A wrong name changes nothing.
  await c.type('sdc1');
  await c.press('enter');
  await c.waitFor('"sdc1" is not "sdb1"');
  expect(await leafState('sdb')).toEqual(['ONLINE']);
  for (let i = 0; i < 4; i++) await c.press('backspace');
  await c.type('sdb1');
  await c.press('enter');
  await c.waitFor('/dev/sdb1 is offline in tank');
  expect(await leafState('sdb')).toEqual(['OFFLINE']);
  expect(await leafState('sda')).toEqual(['ONLINE']);
  await c.waitFor(/sdb1\s+OFFLINE/);
  await c.waitFor('o Online');
  await c.press('o');
  await c.waitFor('/dev/sdb1 is online in tank');
  expect(await leafState('sdb')).toEqual(['ONLINE']);
});

test('R replaces the selected device with a free disk (typed confirmation); a disk that is not free is refused before anything runs', async () => {
  await c.press('R');
  await c.waitFor(/Replace \/dev\/sdb1 with \(free: /);
  await c.type('sda');
  await c.press('enter');
  await c.waitFor('sda is not a free disk');
  expect(await leafState('sdb')).toEqual(['ONLINE']);
  await c.press('R');
  await c.waitFor(/Replace \/dev\/sdb1 with \(free: /);
  await c.type('sdk');
  await c.press('enter');
  await c.waitFor('Type sdb1 to replace it');
  await c.type('sdb1');
  await c.press('enter');
  await c.waitFor('Replacing /dev/sdb1 in tank with sdk: resilver started');
  const model = await sim.snapshotModel();
  expect(JSON.stringify(model.pools.find((p) => p.name === 'tank')!.vdevs)).toContain('sdk');
  await c.press('escape');
  await c.waitFor('v Devices');
});

test('Disks tab: t starts a SMART short test, Enter shows the log; W wipes an unused disk after its name; a pool member cannot be wiped', async () => {
  await c.press('4');
  await c.waitFor('DISK');
  // The first row is sda, in pool tank: the wipe key is disabled with the reason.
  await c.waitFor('t SMART short test');
  await c.press('W');
  await c.waitFor(/sda is in pool tank/);
  await c.press('t');
  await c.waitFor(/Short SMART test started on sda/);
  await c.press('enter');
  await c.waitFor(/SMART self-tests \(running: in progress, 90% remaining\)/);
  await c.press('escape');
  // Down to sdl, a free disk with an old filesystem on it.
  await sim.labelDisk('sdl', { pttype: 'dos', fstype: 'ext4', label: 'old' });
  for (let i = 0; i < 11; i++) await c.press('j');
  await c.waitFor(/▶?\s*sdl/);
  await c.press('W');
  await c.waitFor('Type sdl to wipe it');
  await c.type('sdl');
  await c.press('enter');
  await c.waitFor(/Wiped sdl: 2 signatures erased/);
  const lsblk = JSON.parse((await sim.run('lsblk', ['-J', '-b', '-O', '/dev/sdl'])).stdout).blockdevices[0];
  expect([lsblk.pttype, lsblk.fstype]).toEqual([null, null]);
});

test('iSCSI Disks tab: each disk with its state and reason; m marks a blank disk after its name is typed, u takes the mark back', async () => {
  await c.press(':');
  await c.waitFor('Go to a screen');
  await c.type('iscsi');
  await c.press('enter');
  await c.waitFor('No iSCSI targets');
  await c.press('2');
  await c.waitFor(/sda\s+.*not marked\s+member of pool tank/);
  // sda is in a pool: m is disabled, and says why.
  await c.press('m');
  await c.waitFor(/member of pool tank/);
  expect(await c.app.db('settings').where({ key: 'iscsi.export-disks' }).first()).toBeUndefined();
  for (let i = 0; i < 11; i++) await c.press('j');
  await c.waitFor(/sdl\s+.*not marked\s+not marked for export/);
  await c.waitFor('m Mark for export');
  await c.press('m');
  await c.waitFor('Type sdl to mark it');
  await c.type('sdl');
  await c.press('enter');
  await c.waitFor('sdl is marked for export');
  await c.waitFor(/sdl\s+.*marked\s+a disk LUN may use it/);
  const marks = JSON.parse((await c.app.db('settings').where({ key: 'iscsi.export-disks' }).first()).value).disks;
  expect(marks).toHaveLength(1);
  await c.waitFor('u Unmark');
  await c.press('u');
  await c.waitFor('sdl is no longer marked for export');
  expect(JSON.parse((await c.app.db('settings').where({ key: 'iscsi.export-disks' }).first()).value).disks).toEqual([]);
  expect((await c.app.db('audit_log').whereIn('operation', ['iscsi.disks.mark-export', 'iscsi.disks.unmark-export']).where({ result: 'ok' })).length).toBe(2);
});
