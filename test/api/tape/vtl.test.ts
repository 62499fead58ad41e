/**
 * mhvtl libraries end to end on the simulated appliance: drift against the package's own
 * device.conf, create (files, mktape, restart) with the library then found like a physical one,
 * validation across libraries before anything is written, rollback when mhvtl does not start,
 * the backing dataset held by the attachments registry, hand edits reported as drift, hostile
 * input refused with nothing rendered and no command run.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { HostCommandError, type CommandRecord, type Host, type HostFiles, type RunOptions, type RunResult } from '../../../src/system/host.js';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';

/** The simulated appliance with a switch that makes `systemctl restart mhvtl.target` fail. */
class MhvtlFlakyHost implements Host {
  readonly kind = 'sim' as const;
  failRestart = false;
  constructor(readonly inner: SimulatedHost) {}
  get files(): HostFiles {
    return this.inner.files;
  }
  async run(command: string, args: string[], opts?: RunOptions): Promise<RunResult> {
    if (this.failRestart && command === 'systemctl' && args[0] === 'restart')
      throw new HostCommandError(command, args, 1, 'Job for mhvtl.target failed because the control process exited with error code.\n');
    return this.inner.run(command, args, opts);
  }
  history(limit?: number): CommandRecord[] {
    return this.inner.history(limit);
  }
}

let t: TestApp;
const host = new MhvtlFlakyHost(new SimulatedHost());
const api = (path: string) => `/api/v1${path}`;
const get = (path: string, token = t.adminToken) => t.http.get(api(path)).set(bearer(token));
const post = (path: string, body: object, token = t.adminToken) => t.http.post(api(path)).set(bearer(token)).send(body);
const deviceConf = () => host.files.readIfExists('/etc/mhvtl/device.conf');

const vtl1 = {
  name: 'vtl1',
  emulation: 'STK L700',
  driveCount: 2,
  driveGeneration: 'LTO8',
  slots: 12,
  mailSlots: 2,
  barcodePrefix: 'V',
  cartridges: 6,
  backingDataset: 'tank/vtl',
};

beforeAll(async () => {
  t = await startTestApp({ host, monitoring: { probes: [] } });
  expect((await post('/storage/datasets', { name: 'tank/vtl' })).status).toBe(201);
});
afterAll(async () => {
  await t?.close();
});

describe('the mhvtl package default', () => {
  test("the package's library 10 is drift: Calypso manages no library yet; create is refused until it is resolved", async () => {
    // mhvtl as installed: its library 10 runs and is discovered.
    expect((await get('/tape/libraries')).body.items.map((l: { name: string }) => l.name)).toContain('mhvtl library 10');
    const drift = (await get('/vtl/drift')).body;
    expect(drift.inSync).toBe(false);
    expect(drift.changes).toContain('/etc/mhvtl/device.conf: + Library: 10 CHANNEL: 00 TARGET: 00 LUN: 00');
    const res = await post('/vtl/libraries', vtl1);
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/defines libraries Calypso does not manage \(10\)/);
    expect((await post('/vtl/drift', { action: 'adopt' })).status).toBe(400);
    const fixed = await post('/vtl/drift', { action: 'overwrite' });
    expect(fixed.status).toBe(200);
    expect(fixed.body.inSync).toBe(true);
    const libs = (await get('/tape/libraries')).body.items;
    expect(libs.map((l: { virtual: boolean }) => l.virtual)).toEqual([false]);
  });
});

describe('create, change, delete', () => {
  test('create renders the files, makes the cartridges and restarts mhvtl; the library is discovered like a physical one', async () => {
    const before = host.history(500).length;
    const res = await post('/vtl/libraries', vtl1);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'vtl1',
      libraryId: 10,
      serial: 'VTL0010',
      homeDirectory: '/tank/vtl/mhvtl-vtl1',
      capacityBytes: 12e12,
      cleaningCartridges: 1,
    });
    const cmds = host.history(500).slice(before);
    expect(cmds.filter((c) => c.command === 'mktape').map((c) => c.args)).toEqual([
      ...[1, 2, 3, 4, 5, 6].map((n) => ['-l', '10', '-m', `V0000${n}L8`, '-s', '12000000', '-t', 'data', '-d', 'LTO8', '-H', '/tank/vtl/mhvtl-vtl1']),
      ['-l', '10', '-m', 'CLN0101L1', '-s', '12000000', '-t', 'clean', '-d', 'LTO8', '-H', '/tank/vtl/mhvtl-vtl1'],
    ]);
    expect(cmds.filter((c) => c.command === 'systemctl').map((c) => c.args)).toEqual([['restart', 'mhvtl.target']]);
    // The previous version is kept beside it.
    expect(await host.files.readIfExists('/etc/mhvtl/device.conf.prev')).toMatch(/Written by Calypso/);
    const lib = (await get('/tape/libraries')).body.items.find((l: { virtual: boolean }) => l.virtual);
    expect(lib).toMatchObject({ name: 'vtl1', serial: 'VTL0010', vendor: 'STK', model: 'L700', drives: 2, slots: 12, mailSlots: 2, full: 7 });
    const detail = (await get('/tape/libraries/VTL0010')).body;
    expect(detail.driveList.map((d: { serial: string; mapping: string }) => [d.serial, d.mapping])).toEqual([
      ['VTL0010D01', 'device.conf'],
      ['VTL0010D02', 'device.conf'],
    ]);
    const media = (await get('/tape/media?library=VTL0010')).body.items;
    expect(media.map((m: { barcode: string }) => m.barcode)).toEqual(['CLN0101L1', 'V00001L8', 'V00002L8', 'V00003L8', 'V00004L8', 'V00005L8', 'V00006L8']);
    expect(media[1]).toMatchObject({ virtual: true, libraryName: 'vtl1', locationKind: 'slot', slot: 1, generation: 'LTO8' });
    expect((await get('/vtl/drift')).body.inSync).toBe(true);
  });

  test('a virtual library is driven like a physical one: load and unload', async () => {
    const res = await post('/tape/libraries/VTL0010/load', { slot: 2, drive: 1 });
    expect(res.status).toBe(200);
    const job = await t.app.jobs.wait(res.body.job.id, 10_000);
    expect(job.state).toBe('succeeded');
    expect((await get('/tape/libraries/VTL0010')).body.driveList[1]).toMatchObject({ full: true, barcode: 'V00002L8' });
    const back = await post('/tape/libraries/VTL0010/unload', { drive: 1 });
    expect((await t.app.jobs.wait(back.body.job.id, 10_000)).state).toBe('succeeded');
  });

  test('barcodes already in another library are refused before anything is written or run', async () => {
    const conf = await deviceConf();
    const before = host.history(500).length;
    const res = await post('/vtl/libraries', { ...vtl1, name: 'vtl2', cartridges: 2 });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/barcode V00001L8 is also in \/etc\/mhvtl\/library_contents.10/);
    expect(await deviceConf()).toBe(conf);
    expect(
      host
        .history(500)
        .slice(before)
        .filter((c) => c.command !== 'zfs'),
    ).toEqual([]);
    expect((await get('/vtl/libraries')).body.total).toBe(1);
  });

  test('when mhvtl does not start, the previous files come back and nothing is stored', async () => {
    const conf = await deviceConf();
    host.failRestart = true;
    try {
      const res = await post('/vtl/libraries', { ...vtl1, name: 'vtl3', barcodePrefix: 'W', cartridges: 1 });
      expect(res.status).toBe(502);
    } finally {
      host.failRestart = false;
    }
    expect(await deviceConf()).toBe(conf);
    expect((await get('/vtl/libraries')).body.items.map((v: { name: string }) => v.name)).toEqual(['vtl1']);
  });

  test('change: more slots and cartridges; fewer cartridges is a 409', async () => {
    const res = await t.http.patch(api('/vtl/libraries/vtl1')).set(bearer(t.adminToken)).send({ slots: 16, cartridges: 8 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ slots: 16, cartridges: 8 });
    expect(await host.files.readIfExists('/etc/mhvtl/library_contents.10')).toMatch(/Slot 8: V00008L8\n[\s\S]*Slot 16: CLN0101L1\n/);
    const fewer = await t.http.patch(api('/vtl/libraries/vtl1')).set(bearer(t.adminToken)).send({ cartridges: 2 });
    expect(fewer.status).toBe(409);
    const tooSmall = await t.http.patch(api('/vtl/libraries/vtl1')).set(bearer(t.adminToken)).send({ slots: 4 });
    expect(tooSmall.status).toBe(400);
  });

  test("a hand edit of device.conf is drift; overwrite puts Calypso's back", async () => {
    const conf = (await deviceConf())!;
    await host.files.writeAtomic('/etc/mhvtl/device.conf', conf.replace('Product identification: L700', 'Product identification: L180'));
    const drift = (await get('/vtl/drift')).body;
    expect(drift.inSync).toBe(false);
    expect(drift.changes.sort()).toEqual([
      '/etc/mhvtl/device.conf: +  Product identification: L180',
      '/etc/mhvtl/device.conf: -  Product identification: L700',
    ]);
    expect((await post('/vtl/drift', { action: 'overwrite' })).body.inSync).toBe(true);
  });

  test('the backing dataset cannot be destroyed under the library', async () => {
    const res = await t.http.delete(api('/storage/datasets/tank%2Fvtl')).set(bearer(t.adminToken)).send({ confirm: 'tank/vtl' });
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/in use by vtl vtl1/);
  });

  test('an Operator may not create or delete virtual libraries', async () => {
    const op = await t.userWithRoles('oper', ['Operator']);
    expect((await post('/vtl/libraries', { ...vtl1, name: 'x' }, op)).status).toBe(403);
    expect((await t.http.delete(api('/vtl/libraries/vtl1')).set(bearer(op)).send({ confirm: 'vtl1' })).status).toBe(403);
    expect((await post('/vtl/daemons', { action: 'stop' }, op)).status).toBe(403);
  });

  test('hostile names, prefixes and datasets are 400: nothing rendered, no command run', async () => {
    const conf = await deviceConf();
    const before = host.history(500).length;
    const bad = [
      { name: '../etc' },
      { name: '-rf' },
      { name: 'a b' },
      { name: 'x$(id)' },
      { barcodePrefix: 'v' },
      { barcodePrefix: 'A;B' },
      { barcodePrefix: 'ABCDE' },
      { backingDataset: '-o' },
      { emulation: 'Acme 9000' },
      { driveGeneration: 'LTO4' },
      { homeDirectory: '/etc' },
    ];
    for (const b of bad) expect([b, (await post('/vtl/libraries', { ...vtl1, name: 'v9', barcodePrefix: 'Q', ...b })).status]).toEqual([b, 400]);
    expect(await deviceConf()).toBe(conf);
    expect(host.history(500).slice(before)).toEqual([]);
  });

  test('delete (typed name) removes it from device.conf and restarts mhvtl', async () => {
    expect((await t.http.delete(api('/vtl/libraries/vtl1')).set(bearer(t.adminToken)).send({})).status).toBe(400);
    const res = await t.http.delete(api('/vtl/libraries/vtl1')).set(bearer(t.adminToken)).send({ confirm: 'vtl1' });
    expect(res.status).toBe(200);
    expect(await deviceConf()).not.toMatch(/Library: 10/);
    expect((await get('/tape/libraries')).body.items.some((l: { virtual: boolean }) => l.virtual)).toBe(false);
    expect((await get('/vtl/daemons')).body).toEqual({ active: true });
  });
});
