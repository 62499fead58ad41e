/**
 * The simulated libraries end to end through the API: discovery, load/unload with the drive
 * showing the barcode, 409s with the reason, moves that take simulated time, one job per changer,
 * cleaning after N loads, TapeAlert from a drive fault, mail slots and the vault, the media
 * inventory, and what an Operator may not do.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';

let t: TestApp;
let now = Date.UTC(2026, 10, 30, 8, 0, 0);
const host = new SimulatedHost({ now: () => now });
let operator: string;
let reader: string;
const MSL = 'DEC1234567';

const api = (path: string) => `/api/v1${path}`;
const get = (path: string, token = t.adminToken) => t.http.get(api(path)).set(bearer(token));
const post = (path: string, body: object, token = t.adminToken) => t.http.post(api(path)).set(bearer(token)).send(body);

/** Runs a job to its end: the simulated robot finishes once the clock passes the move's duration. */
async function finish(jobId: number): Promise<{ state: string; error: string | null; result: unknown }> {
  for (let i = 0; i < 200; i++) {
    now += 500;
    const job = await t.app.jobs.wait(jobId, 20);
    if (job.state !== 'running') return job;
  }
  throw new Error(`job ${jobId} did not end`);
}

async function run(path: string, body: object, token = t.adminToken) {
  const res = await post(path, body, token);
  if (res.status !== 200 && res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  const job = await finish(res.body.job.id);
  if (job.state !== 'succeeded') throw new Error(`${path}: job ${job.state}: ${job.error}`);
  return job;
}

beforeAll(async () => {
  t = await startTestApp({ host, monitoring: { probes: [] } });
  operator = await t.userWithRoles('oper', ['Operator']);
  reader = await t.userWithRoles('reader', ['ReadOnly']);
});
afterAll(async () => {
  await t?.close();
});

describe('discovery', () => {
  test('the physical library and the mhvtl library are found with their drives and slots', async () => {
    const res = await get('/tape/libraries', reader);
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(res.body.items.map((l: { name: string }) => [l.name, l]));
    expect(byName['HP MSL G3 Series']).toMatchObject({ serial: MSL, virtual: false, drives: 2, slots: 23, mailSlots: 1, state: 'online', device: '/dev/sg3' });
    expect(byName['HP MSL G3 Series'].stablePath).toBe(`/dev/tape/by-id/scsi-${MSL}`);
    expect(byName['mhvtl library 10']).toMatchObject({ serial: 'XYZZY_A', virtual: true, mhvtlId: 10, drives: 2, slots: 20, mailSlots: 4 });
  });

  test("one library's view maps drives to their devices and shows slots with barcodes", async () => {
    const res = await get(`/tape/libraries/${MSL}`);
    expect(res.status).toBe(200);
    expect(
      res.body.driveList.map((d: { element: number; device: string; serial: string; full: boolean; status: string[] }) => [
        d.element,
        d.device,
        d.serial,
        d.full,
        d.status,
      ]),
    ).toEqual([
      [0, '/dev/nst0', '10WT036512', false, ['DR_OPEN', 'IM_REP_EN']],
      [1, '/dev/nst1', '10WT036513', false, ['DR_OPEN', 'IM_REP_EN']],
    ]);
    expect(res.body.slotList[0]).toMatchObject({ index: 1, full: true, barcode: 'E01001L8', mailSlot: false, state: 'writable' });
    expect(res.body.slotList[22]).toMatchObject({ index: 23, barcode: 'CLN001CU', cleaning: true, state: 'cleaning' });
    expect(res.body.slotList[23]).toMatchObject({ index: 24, mailSlot: true, full: false });
  });

  test('an unknown library is a 404', async () => {
    expect((await get('/tape/libraries/NOSUCH')).status).toBe(404);
  });
});

describe('changer operations', () => {
  test('load takes simulated time; then the drive shows it full with the barcode; unload returns it', async () => {
    const res = await post(`/tape/libraries/${MSL}/load`, { slot: 1, drive: 0 }, operator);
    expect(res.status).toBe(200);
    // The robot is still moving: the clock has not advanced.
    expect((await t.app.jobs.wait(res.body.job.id, 50)).state).toBe('running');
    const busy = await post(`/tape/libraries/${MSL}/load`, { slot: 2, drive: 1 }, operator);
    expect(busy.status).toBe(409);
    expect(busy.body.detail).toMatch(/busy: job \d+: load slot 1 into drive 0/);
    expect((await finish(res.body.job.id)).state).toBe('succeeded');
    const lib = (await get(`/tape/libraries/${MSL}`)).body;
    expect(lib.driveList[0]).toMatchObject({ full: true, barcode: 'E01001L8', sourceSlot: 1, status: ['BOT', 'ONLINE', 'IM_REP_EN'] });
    expect(lib.slotList[0]).toMatchObject({ full: false, barcode: null });
    expect((await get('/tape/media/E01001L8')).body).toMatchObject({ locationKind: 'drive', drive: 0, library: MSL, mediaType: 'L8', generation: 'LTO8' });

    await run(`/tape/libraries/${MSL}/unload`, { drive: 0 }, operator);
    const after = (await get(`/tape/libraries/${MSL}`)).body;
    expect(after.driveList[0]).toMatchObject({ full: false, barcode: null });
    expect(after.slotList[0]).toMatchObject({ full: true, barcode: 'E01001L8' });
  });

  test('an occupied target is a 409 with the reason, and no mtx move runs', async () => {
    await run(`/tape/libraries/${MSL}/load`, { slot: 2, drive: 0 });
    const before = host.history(500).length;
    const full = await post(`/tape/libraries/${MSL}/load`, { slot: 3, drive: 0 });
    expect(full.status).toBe(409);
    expect(full.body.detail).toBe('drive 0 is occupied by E01002L8: unload it first');
    const slot = await post(`/tape/libraries/${MSL}/transfer`, { from: 3, to: 4 });
    expect(slot.status).toBe(409);
    expect(slot.body.detail).toBe('slot 4 is occupied by E01004L8');
    const empty = await post(`/tape/libraries/${MSL}/unload`, { drive: 1 });
    expect(empty.status).toBe(409);
    expect(empty.body.detail).toBe('drive 1 is empty: nothing to unload');
    const moves = host
      .history(500)
      .slice(before)
      .filter((h) => h.command === 'mtx' && ['load', 'unload', 'transfer'].includes(h.args[2]!));
    expect(moves).toEqual([]);
    await run(`/tape/libraries/${MSL}/unload`, { drive: 0 });
  });

  test("the simulated mtx refuses a full drive in mtx's words, mapped to a 409", async () => {
    await run(`/tape/libraries/${MSL}/load`, { slot: 5, drive: 1 });
    await expect(host.run('mtx', ['-f', '/dev/sg3', 'load', '6', '1'])).rejects.toThrow('mtx: Drive 1 Full (Storage Element 5 loaded)');
    await run(`/tape/libraries/${MSL}/unload`, { drive: 1 });
  });

  test('transfer moves a cartridge between slots', async () => {
    await run(`/tape/libraries/${MSL}/transfer`, { from: 16, to: 17 });
    const lib = (await get(`/tape/libraries/${MSL}`)).body;
    expect(lib.slotList[15].full).toBe(false);
    expect(lib.slotList[16].barcode).toBe('E01016L8');
  });
});

describe('cleaning and TapeAlert', () => {
  test('after 5 loads the drive asks for cleaning; tape.clean uses the cleaning cartridge and clears it', async () => {
    // Drive 0 has had 2 loads (slots 1 and 2); three more make five.
    for (const slot of [6, 7, 8]) {
      await run(`/tape/libraries/${MSL}/load`, { slot, drive: 0 });
      await run(`/tape/libraries/${MSL}/unload`, { drive: 0 });
    }
    const lib = (await get(`/tape/libraries/${MSL}`)).body;
    expect(lib.driveList[0]).toMatchObject({ needsCleaning: true, tapeAlerts: [{ code: 20, name: 'Cleaning required' }] });
    expect(lib.driveList[1].needsCleaning).toBe(false);
    await run(`/tape/libraries/${MSL}/clean`, { drive: 0 }, operator);
    const after = (await get(`/tape/libraries/${MSL}`)).body;
    expect(after.driveList[0]).toMatchObject({ needsCleaning: false, tapeAlerts: [] });
    expect((await get('/tape/media/CLN001CU')).body).toMatchObject({ state: 'cleaning', cleaningUses: 1, cleaningUsesLeft: 49, slot: 23 });
  });

  test('a drive hardware error (sim fault) shows as TapeAlert Hardware A', async () => {
    expect((await post('/sim/tape-fault', { library: 'msl', kind: 'drive-error', drive: 1 })).status).toBe(200);
    const lib = (await get(`/tape/libraries/${MSL}`)).body;
    expect(lib.driveList[1].tapeAlerts).toEqual([{ code: 30, name: 'Hardware A' }]);
    await post('/sim/tape-fault', { library: 'msl', kind: 'clear' });
  });

  test('a stuck slot fails the move: the job fails with the sense data sentence', async () => {
    await post('/sim/tape-fault', { library: 'msl', kind: 'stuck-slot', slot: 9 });
    const res = await post(`/tape/libraries/${MSL}/load`, { slot: 9, drive: 1 });
    const job = await finish(res.body.job.id);
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/MOVE MEDIUM from Element Address 1008 to 501 Failed/);
    await post('/sim/tape-fault', { library: 'msl', kind: 'clear' });
  });
});

describe('mail slots, vault and media', () => {
  test('vault move exports through the mail slot and records the vault; return takes it back', async () => {
    await run(`/tape/vault/move`, { library: MSL, barcodes: ['E01010L8'], vault: 'Iron Mountain' }, operator);
    expect((await get('/tape/media/E01010L8')).body).toMatchObject({ locationKind: 'vault', vault: 'Iron Mountain' });
    expect((await get(`/tape/media?location=vault`)).body.items.map((m: { barcode: string }) => m.barcode)).toEqual(['E01010L8']);
    const full = await post(`/tape/libraries/${MSL}/export`, { barcodes: ['E01011L8'] });
    expect(full.status).toBe(409);
    expect(full.body.detail).toMatch(/1 cartridges to export and 0 free mail slots/);
    await run(`/tape/vault/return`, { library: MSL, barcode: 'E01010L8' }, operator);
    expect((await get('/tape/media/E01010L8')).body).toMatchObject({ locationKind: 'slot', vault: null });
  });

  test('import takes a new cartridge from the mail slot into a pool', async () => {
    expect((await post('/tape/pools', { name: 'weekly', retentionSeconds: 35 * 86400, lowWritable: 1 })).status).toBe(201);
    await post('/sim/tape-mail-slot', { library: 'msl', barcode: 'N00001L9' });
    await run(`/tape/libraries/${MSL}/import`, { pool: 'weekly' }, operator);
    expect((await get('/tape/media/N00001L9')).body).toMatchObject({
      locationKind: 'slot',
      pool: 'weekly',
      mediaType: 'L9',
      generation: 'LTO9',
      state: 'writable',
    });
    const pools = (await get('/tape/pools')).body.items;
    expect(pools).toEqual([expect.objectContaining({ name: 'weekly', media: 1, writable: 1, retentionSeconds: 35 * 86400 })]);
  });

  test('marking a cartridge damaged needs Admin and the typed barcode', async () => {
    expect((await post('/tape/media/N00001L9/mark', { state: 'damaged', confirm: 'N00001L9' }, operator)).status).toBe(403);
    expect((await post('/tape/media/N00001L9/mark', { state: 'damaged' })).status).toBe(400);
    const res = await post('/tape/media/N00001L9/mark', { state: 'damaged', confirm: 'N00001L9' });
    expect(res.status).toBe(200);
    expect(res.body.state).toBe('damaged');
    expect((await get('/tape/media?state=damaged&pool=weekly')).body.items.map((m: { barcode: string }) => m.barcode)).toEqual(['N00001L9']);
  });

  test('labels skip barcodes already known', async () => {
    const res = await get('/tape/labels?prefix=N&start=1&count=3&generation=LTO9', reader);
    expect(res.body).toEqual({ barcodes: ['N00002L9', 'N00003L9'], skipped: ['N00001L9'] });
  });

  test('an Operator may not change pools or media; a reader may not move cartridges', async () => {
    expect((await post('/tape/pools', { name: 'x' }, operator)).status).toBe(403);
    expect((await t.http.patch(api('/tape/media/E01001L8')).set(bearer(operator)).send({ pool: 'weekly' })).status).toBe(403);
    expect((await post(`/tape/libraries/${MSL}/load`, { slot: 1, drive: 0 }, reader)).status).toBe(403);
  });
});

describe('hostile input', () => {
  const hostileBarcodes = ['-rf', '../../etc', 'A;reboot', '$(id)', 'e01001l8', 'A'.repeat(40), 'X\nY', ''];
  const hostileLibraries = ['-rf', '../../etc', 'A;reboot', '$(id)', 'X\nY', 'A'.repeat(70), ' DEC1234567'];
  test('hostile barcodes, library names, pool and vault names are 400 and no command runs', async () => {
    const before = host.history(500).length;
    for (const bad of hostileLibraries) {
      expect((await post(`/tape/libraries/${encodeURIComponent(bad)}/load`, { slot: 1, drive: 0 })).status).toBe(400);
      expect((await post('/tape/vault/return', { library: bad, barcode: 'E01001L8' })).status).toBe(400);
    }
    for (const bad of hostileBarcodes) {
      expect((await post(`/tape/libraries/${MSL}/export`, { barcodes: [bad] })).status).toBe(400);
      expect((await post('/tape/vault/move', { library: MSL, barcodes: ['E01001L8'], vault: `${bad}\u0000` })).status).toBe(400);
    }
    for (const bad of hostileLibraries) expect((await post('/tape/pools', { name: bad })).status).toBe(400);
    expect((await post(`/tape/libraries/${MSL}/load`, { slot: -1, drive: 0 })).status).toBe(400);
    expect((await post(`/tape/libraries/${MSL}/load`, { slot: 1, drive: 0, device: '/dev/sda' })).status).toBe(400);
    expect(host.history(500).slice(before)).toEqual([]);
  });
});
