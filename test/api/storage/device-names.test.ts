/**
 * Issue 17: new pools name their disks by stable paths (/dev/disk/by-id/...), with the short name
 * beside them; disks have their actions (SMART self-tests, wipe where unused). Issue 19 sibling: a
 * disk that backs an iSCSI LUN or is marked for iSCSI export never goes into a pool (create,
 * replace, attach, spares/log/cache). Each refusal: the expected status, and nothing changed
 * (no zpool/wipefs command ran, no pool appeared, the disk kept its signatures).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { parseSelfTestLog, parseWipefs } from '../../../src/system/disks/index.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { RecordingSimulatedHost } from '../../hardening/recording-sim-host.js';

let t: TestApp;
let host: RecordingSimulatedHost;
let operator: string;
let clock = Date.parse('2026-11-29T12:00:00Z');
const as = (token: string) => ({ Authorization: `Bearer ${token}` });
const enc = encodeURIComponent;

interface Disk {
  name: string;
  path: string;
  wwn: string | null;
  stablePath: string | null;
  inUse: boolean;
  pool: string | null;
}

beforeAll(async () => {
  host = new RecordingSimulatedHost({ now: () => clock });
  t = await startTestApp({ host });
  operator = await t.userWithRoles('operator', ['Operator']);
});
afterAll(async () => {
  await t.close();
});

async function disks(): Promise<Disk[]> {
  const res = await t.http.get('/api/v1/storage/disks').set(as(t.adminToken));
  expect(res.status).toBe(200);
  return res.body.items as Disk[];
}
const changing = (mark: number) =>
  host.calls
    .slice(mark)
    .filter(
      (c) =>
        c.command === 'wipefs' ||
        (c.command === 'zpool' && !['status', 'list', 'get', 'import'].includes(c.args[0] ?? '')) ||
        (c.command === 'zpool' && c.args[0] === 'import' && c.args.length > 1 && !c.args.includes('-s')),
    );
const poolNames = async () => ((await t.http.get('/api/v1/storage/pools').set(as(t.adminToken))).body.items as { name: string }[]).map((p) => p.name);

describe('stable device names', () => {
  test('a new pool is created with /dev/disk/by-id paths; zpool status shows them, with the short name beside', async () => {
    const free = (await disks()).filter((d) => !d.inUse && d.name.startsWith('sd'));
    const [a, b, c] = free;
    expect(a.stablePath).toBe(`/dev/disk/by-id/wwn-${a.wwn}`);
    const mark = host.calls.length;
    const res = await t.http
      .post('/api/v1/storage/pools')
      .set(as(t.adminToken))
      .send({ name: 'fast', layout: { type: 'mirror', disks: [a.name, `/dev/${b.name}`] }, spares: [c.stablePath] });
    expect(res.status).toBe(201);
    const create = host.calls.slice(mark).find((x) => x.command === 'zpool' && x.args[0] === 'create')!;
    expect(create.args).toEqual(expect.arrayContaining([a.stablePath, b.stablePath, 'spare', c.stablePath]));
    expect(create.args.join(' ')).not.toMatch(/\/dev\/sd[a-z]\b/);

    const status = (await host.run('zpool', ['status', 'fast'])).stdout;
    expect(status).toContain(`wwn-${a.wwn}`);
    expect(status).not.toMatch(/\bsd[a-z]\b/);
    const pool = (await t.http.get('/api/v1/storage/pools/fast').set(as(operator))).body;
    // The API gives zpool status -P's full paths; each with the disk it is on.
    const names = [a, b].map((d) => `${d.stablePath}-part1`);
    expect(pool.vdevs[0].children.map((v: { name: string }) => v.name)).toEqual(names);
    expect(pool.deviceDisks).toEqual({ [names[0]]: a.name, [names[1]]: b.name, [`${c.stablePath}-part1`]: c.name });
    // The inventory still knows the disks are taken.
    const after = await disks();
    expect(after.find((d) => d.name === a.name)).toMatchObject({ inUse: true, pool: 'fast' });
    expect(after.find((d) => d.name === c.name)).toMatchObject({ inUse: true, pool: 'fast' });
  });

  test('NVMe disks get their nvme-eui name; the same disk twice under two names is refused', async () => {
    const nvme = (await disks()).find((d) => d.name.startsWith('nvme') && !d.inUse);
    expect(nvme?.stablePath).toBe(`/dev/disk/by-id/nvme-${nvme?.wwn}`);
    const made = await t.http
      .post('/api/v1/storage/pools')
      .set(as(t.adminToken))
      .send({ name: 'scratch', layout: { type: 'stripe', disks: [nvme!.name] } });
    expect(made.status).toBe(201);
    expect(made.body.pool.vdevs.map((v: { name: string }) => v.name)).toEqual([`${nvme!.stablePath}-part1`]);
    expect(made.body.pool.deviceDisks).toEqual({ [`${nvme!.stablePath}-part1`]: nvme!.name });
    expect((await t.http.delete('/api/v1/storage/pools/scratch').set(as(t.adminToken)).send({ confirm: 'scratch' })).status).toBe(200);
    const free = (await disks()).filter((d) => !d.inUse && d.name.startsWith('sd'));
    const mark = host.calls.length;
    const res = await t.http
      .post('/api/v1/storage/pools')
      .set(as(t.adminToken))
      .send({ name: 'twice', layout: { type: 'mirror', disks: [free[0].name, free[0].stablePath] } });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/listed twice/);
    expect(changing(mark)).toEqual([]);
    expect(await poolNames()).not.toContain('twice');
  });
});

describe('a disk iSCSI has never goes into a pool', () => {
  let marked: Disk;
  let lunDisk: Disk;
  const iqn = 'iqn.2005-10.org.calypso:raw';

  beforeAll(async () => {
    const free = (await disks()).filter((d) => !d.inUse && d.name.startsWith('sd'));
    marked = free[free.length - 1];
    lunDisk = free[free.length - 2];
    for (const d of [marked, lunDisk])
      expect((await t.http.post('/api/v1/iscsi/disks/export-marks').set(as(t.adminToken)).send({ disk: d.name })).status).toBe(200);
    const target = await t.http
      .post('/api/v1/iscsi/targets')
      .set(as(t.adminToken))
      .send({ name: iqn, luns: [{ lun: 0, backing: { type: 'disk', path: lunDisk.stablePath } }] });
    expect(target.status).toBe(201);
  });

  const refusedCreate = async (body: Record<string, unknown>, reason: RegExp) => {
    const mark = host.calls.length;
    const res = await t.http.post('/api/v1/storage/pools').set(as(t.adminToken)).send(body);
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body.detail).toMatch(reason);
    expect(changing(mark)).toEqual([]);
    expect(await poolNames()).not.toContain(body.name);
  };

  test('pools.create: data disks, spares, log and cache', async () => {
    const other = (await disks()).find((d) => !d.inUse && d.name.startsWith('sd') && d.name !== marked.name && d.name !== lunDisk.name)!;
    await refusedCreate({ name: 'grab', layout: { type: 'mirror', disks: [other.name, marked.name] } }, /marked it for export over iSCSI/);
    await refusedCreate(
      { name: 'grab', layout: { type: 'stripe', disks: [other.name] }, spares: [lunDisk.name] },
      new RegExp(`backs iSCSI LUN ${iqn.replace(/\./g, '\\.')}/0`),
    );
    await refusedCreate({ name: 'grab', layout: { type: 'stripe', disks: [other.name] }, log: [marked.stablePath] }, /marked it for export/);
    await refusedCreate({ name: 'grab', layout: { type: 'stripe', disks: [other.name] }, cache: [`/dev/${lunDisk.name}`] }, /backs iSCSI LUN/);
  });

  test('device replace and attach', async () => {
    const pool = (await t.http.get('/api/v1/storage/pools/fast').set(as(t.adminToken))).body;
    const device = pool.vdevs[0].children[0].name as string;
    const before = JSON.stringify(pool.vdevs);
    for (const [op, newDevice] of [
      ['replace', marked.name],
      ['attach', lunDisk.stablePath],
      ['replace', `/dev/${lunDisk.name}`],
    ] as const) {
      const mark = host.calls.length;
      const res = await t.http.post(`/api/v1/storage/pools/fast/${op}`).set(as(operator)).send({ device, newDevice });
      expect(res.status).toBe(409);
      expect(res.body.detail).toMatch(/iSCSI/);
      expect(changing(mark)).toEqual([]);
    }
    expect(JSON.stringify((await t.http.get('/api/v1/storage/pools/fast').set(as(t.adminToken))).body.vdevs)).toBe(before);
  });

  test('the same disk once unmarked (and no LUN) is accepted again', async () => {
    expect((await t.http.delete(`/api/v1/iscsi/disks/export-marks/${enc(marked.name)}`).set(as(t.adminToken))).status).toBe(200);
    const res = await t.http
      .post('/api/v1/storage/pools')
      .set(as(t.adminToken))
      .send({ name: 'freed', layout: { type: 'stripe', disks: [marked.name] } });
    expect(res.status).toBe(201);
    expect((await t.http.delete('/api/v1/storage/pools/freed').set(as(t.adminToken)).send({ confirm: 'freed' })).status).toBe(200);
  });

  test('wipe: refused for a LUN disk and a marked disk, with nothing run', async () => {
    expect((await t.http.post('/api/v1/iscsi/disks/export-marks').set(as(t.adminToken)).send({ disk: marked.name })).status).toBe(200);
    for (const d of [lunDisk, marked]) {
      const mark = host.calls.length;
      const res = await t.http.post(`/api/v1/storage/disks/${d.name}/wipe`).set(as(t.adminToken)).send({ confirm: d.name });
      expect(res.status).toBe(409);
      expect(res.body.detail).toMatch(/iSCSI/);
      expect(changing(mark)).toEqual([]);
    }
  });
});

describe('wipe', () => {
  let victim: Disk;
  beforeAll(async () => {
    const claimed = JSON.parse((await t.app.db('settings').where({ key: 'iscsi.export-disks' }).first())?.value ?? '{"disks":[]}').disks.map(
      (m: { wwn: string }) => m.wwn,
    );
    victim = (await disks()).find((d) => !d.inUse && d.name.startsWith('sd') && !claimed.includes(d.wwn))!;
    await host.labelDisk(victim.name, { pttype: 'gpt', fstype: 'ext4', label: 'old-backups' });
  });
  const lsblk = async (name: string) => JSON.parse((await host.run('lsblk', ['-J', '-b', '-O', `/dev/${name}`])).stdout).blockdevices[0];

  test('needs the storage.wipe permission, typed confirmation, and refuses a pool member; nothing runs', async () => {
    const refusals: [string, string, Record<string, unknown>, number][] = [
      [operator, victim.name, { confirm: victim.name }, 403],
      [t.adminToken, victim.name, {}, 400],
      [t.adminToken, victim.name, { confirm: 'sdz' }, 400],
      [t.adminToken, victim.name, { confirm: victim.name, force: true }, 400],
      [t.adminToken, 'sda', { confirm: 'sda' }, 409],
      [t.adminToken, 'sdzz', { confirm: 'sdzz' }, 404],
      [t.adminToken, enc('-a'), { confirm: '-a' }, 400],
    ];
    for (const [token, name, body, status] of refusals) {
      const mark = host.calls.length;
      const res = await t.http.post(`/api/v1/storage/disks/${name}/wipe`).set(as(token)).send(body);
      expect([name, res.status]).toEqual([name, status]);
      expect(changing(mark)).toEqual([]);
    }
    expect(await lsblk(victim.name)).toMatchObject({ pttype: 'gpt', fstype: 'ext4', label: 'old-backups' });
    expect(await lsblk('sda')).toMatchObject({ pttype: 'gpt' });
  });

  test('an Admin wipes an unused disk: wipefs -a, signatures gone, audited; then iSCSI may mark it', async () => {
    const before = await t.http.post('/api/v1/iscsi/disks/export-marks').set(as(t.adminToken)).send({ disk: victim.name });
    expect(before.status).toBe(409);
    const mark = host.calls.length;
    const res = await t.http.post(`/api/v1/storage/disks/${victim.name}/wipe`).set(as(t.adminToken)).send({ confirm: victim.name });
    expect(res.status).toBe(200);
    expect(res.body.erased).toEqual(
      expect.arrayContaining([`/dev/${victim.name}: ext4 at 0x00000438`, `/dev/${victim.name}: gpt at 0x00000200`, `/dev/${victim.name}: PMBR at 0x000001fe`]),
    );
    expect(changing(mark).map((c) => `${c.command} ${c.args.join(' ')}`)).toEqual([`wipefs -a /dev/${victim.name}`]);
    const after = await lsblk(victim.name);
    expect([after.pttype, after.fstype, after.label]).toEqual([null, null, null]);
    const audit = await t.app.db('audit_log').where({ operation: 'storage.disks.wipe', result: 'ok' });
    expect(audit).toHaveLength(1);
    expect((await t.app.db('audit_log').where({ operation: 'storage.disks.wipe', result: 'denied' })).length).toBeGreaterThanOrEqual(1);
    expect((await t.http.post('/api/v1/iscsi/disks/export-marks').set(as(t.adminToken)).send({ disk: victim.name })).status).toBe(200);
  });
});

describe('wipe: a disk of an exported pool', () => {
  test('is refused while the pool can be imported; nothing runs and the pool imports whole', async () => {
    const member = (await disks()).find((d) => d.pool === 'fast')!;
    expect((await t.http.post('/api/v1/storage/pools/fast/export').set(as(t.adminToken)).send({ confirm: 'fast' })).status).toBe(200);
    expect((await disks()).find((d) => d.name === member.name)).toMatchObject({ inUse: false });
    const mark = host.calls.length;
    const res = await t.http.post(`/api/v1/storage/disks/${member.name}/wipe`).set(as(t.adminToken)).send({ confirm: member.name });
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/belongs to pool fast, which can be imported/);
    expect(changing(mark)).toEqual([]);
    const imported = await t.http.post('/api/v1/storage/import').set(as(t.adminToken)).send({ name: 'fast' });
    expect(imported.status).toBe(200);
    expect(imported.body.health).toBe('ONLINE');
  });
});

describe('SMART self-tests', () => {
  test('an Operator starts a short test; the log shows it running, then passed; a second start while running is 409', async () => {
    const d = (await disks()).find((x) => x.name === 'sdb')!;
    const readOnly = await t.userWithRoles('viewer', ['ReadOnly']);
    const mark = host.calls.length;
    expect((await t.http.post(`/api/v1/storage/disks/${d.name}/smart-test`).set(as(readOnly)).send({ type: 'short' })).status).toBe(403);
    expect((await t.http.post(`/api/v1/storage/disks/${d.name}/smart-test`).set(as(operator)).send({ type: 'conveyance' })).status).toBe(400);
    expect(host.calls.slice(mark).filter((c) => c.command === 'smartctl' && c.args.includes('-t'))).toEqual([]);

    const started = await t.http.post(`/api/v1/storage/disks/${d.name}/smart-test`).set(as(operator)).send({ type: 'short' });
    expect(started.status).toBe(200);
    expect(
      host.calls
        .slice(mark)
        .filter((c) => c.command === 'smartctl' && c.args.includes('-t'))
        .map((c) => c.args),
    ).toEqual([['-t', 'short', '/dev/sdb']]);
    expect(started.body.selfTestRunning).toMatchObject({ remainingPercent: 90 });
    expect(started.body.selfTests).toEqual([]);
    const again = await t.http.post(`/api/v1/storage/disks/${d.name}/smart-test`).set(as(operator)).send({ type: 'long' });
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/without aborting current test/);

    clock += 3 * 60_000;
    const shown = await t.http.get(`/api/v1/storage/disks/${d.name}`).set(as(readOnly));
    expect(shown.status).toBe(200);
    expect(shown.body.selfTestRunning).toBeNull();
    expect(shown.body.selfTests).toEqual([expect.objectContaining({ type: 'Short offline', status: 'Completed without error', passed: true })]);
    expect((await t.app.db('audit_log').where({ operation: 'storage.disks.smart-test', result: 'ok' })).length).toBe(1);
  });
});

describe('parsers of the new tool output', () => {
  const fixture = (name: string) => readFileSync(new URL(`../../fixtures/disks/${name}`, import.meta.url), 'utf8');
  test('wipefs -a (real capture): one entry per signature erased', () => {
    expect(parseWipefs(fixture('wipefs-2.38.1-ext4.txt'))).toEqual(['s4img: ext4 at 0x00000438']);
    expect(parseWipefs('/dev/sdl: calling ioctl to re-read partition table: Success\n')).toEqual([]);
  });
  test('smartctl -j -c -l selftest, ATA and NVMe', () => {
    const ata = parseSelfTestLog(fixture('smartctl-7.3-ata-selftest.json'));
    expect(ata.running).toEqual({ type: null, remainingPercent: 90, text: 'in progress, 90% remaining' });
    expect(ata.entries).toEqual([
      { type: 'Extended offline', status: 'Completed: read failure', passed: false, lifetimeHours: 28150, lba: 1953525 },
      { type: 'Short offline', status: 'Completed without error', passed: true, lifetimeHours: 28112, lba: null },
      { type: 'Short offline', status: 'Interrupted (host reset)', passed: null, lifetimeHours: 28001, lba: null },
    ]);
    const nvme = parseSelfTestLog(fixture('smartctl-7.3-nvme-selftest.json'));
    expect(nvme.running).toEqual({ type: 'Extended self-test in progress', remainingPercent: 75, text: 'Extended self-test in progress' });
    expect(nvme.entries).toEqual([{ type: 'Short', status: 'Completed without error', passed: true, lifetimeHours: 3011, lba: null }]);
    expect(() => parseSelfTestLog('Smartctl open device failed')).toThrow(/smartctl printed output/);
  });
});
