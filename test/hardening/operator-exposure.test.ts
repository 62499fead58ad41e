/**
 * Issue 19, "What an Operator may do to the appliance": raw-disk LUNs, file LUN sizes, NFS root
 * for many hosts, and paths that leave a pool. Each attack goes in as an Operator (or as an Admin
 * where the rule is about the object, not the role); the refusal comes out, and the database,
 * the config files and the host's command history show that nothing changed.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { RunOptions, RunResult } from '../../src/system/host.js';
import { SHARE_SIM_STATE } from '../../src/system/sim-shares/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { RecordingSimulatedHost } from './recording-sim-host.js';

/** The simulated appliance, where a test can give a disk a signature lsblk then reports. */
class SignatureHost extends RecordingSimulatedHost {
  readonly signatures = new Map<string, { fstype?: string; label?: string; pttype?: string }>();
  override async run(command: string, args: string[], opts?: RunOptions): Promise<RunResult> {
    const res = await super.run(command, args, opts);
    if (command !== 'lsblk' || this.signatures.size === 0) return res;
    const doc = JSON.parse(res.stdout) as { blockdevices: Record<string, unknown>[] };
    for (const d of doc.blockdevices) Object.assign(d, this.signatures.get(String(d['name'])) ?? {});
    return { ...res, stdout: JSON.stringify(doc) };
  }
}

const SCST = '/etc/scst.conf';
const EXPORTS = '/etc/exports.d/calypso.exports';
const SMB = '/etc/samba/smb.conf';
const GiB = 1024 ** 3;

let t: TestApp;
let host: SignatureHost;
let operator: string;
const as = (token: string) => ({ Authorization: `Bearer ${token}` });
const enc = encodeURIComponent;

beforeAll(async () => {
  host = new SignatureHost();
  t = await startTestApp({ host });
  operator = await t.userWithRoles('operator', ['Operator']);
});
afterAll(async () => {
  await t.close();
});

/** What must not change when a call is refused. */
async function snapshot() {
  return {
    targets: await t.app.db('iscsi_targets').orderBy('id'),
    exports: await t.app.db('nfs_exports').orderBy('id'),
    shares: await t.app.db('smb_shares').orderBy('id'),
    marks: await t.app.db('settings').where({ key: 'iscsi.export-disks' }).first(),
    files: await Promise.all([SCST, EXPORTS, SMB].map((f) => host.files.readIfExists(f))),
  };
}

/** Commands that change something (reads like lsblk, zfs list, realpath and stat are fine). */
const CHANGING = /^(scstadmin|tgtadm|truncate|exportfs|smbcontrol|systemctl|wipefs|dd)$/;
function changingSince(mark: number): string[] {
  return host.calls
    .slice(mark)
    .filter((c) => CHANGING.test(c.command))
    .map((c) => `${c.command} ${c.args.join(' ')}`);
}

async function fileSize(path: string): Promise<number> {
  const { stdout } = await host.run('stat', ['-L', '-c', '%s', path]);
  return Number(stdout.trim());
}

async function addSimLink(link: string, target: string): Promise<void> {
  const state = JSON.parse((await host.files.readIfExists(SHARE_SIM_STATE)) ?? '{}') as { links?: Record<string, string> };
  state.links = { ...(state.links ?? {}), [link]: target };
  await host.files.writeAtomic(SHARE_SIM_STATE, JSON.stringify(state));
}

/** Runs `attack`, and checks that it was refused with `status` and changed nothing. */
async function refused(status: number, attack: () => Promise<{ status: number; body: { detail?: string } }>, detail?: RegExp): Promise<string> {
  const before = await snapshot();
  const mark = host.calls.length;
  const res = await attack();
  expect(res.status).toBe(status);
  if (detail) expect(res.body.detail).toMatch(detail);
  expect(await snapshot()).toEqual(before);
  expect(changingSince(mark)).toEqual([]);
  return res.body.detail ?? '';
}

describe('whole disks as iSCSI LUNs', () => {
  const post = (token: string, name: string, path: string) =>
    t.http
      .post('/api/v1/iscsi/targets')
      .set(as(token))
      .send({ name, luns: [{ lun: 0, backing: { type: 'disk', path } }] });

  test('an Operator cannot put a LUN on a pool member, /dev/mem or any disk: 403 before any command', async () => {
    for (const path of ['/dev/sda', '/dev/mem', '/dev/sdk', '/dev/disk/by-id/wwn-0x5000c500c3f21a0']) {
      const mark = host.calls.length;
      await refused(403, () => post(operator, 'iqn.2005-10.org.calypso:steal', path), /iscsi\.disks permission/);
      expect(host.calls.length).toBe(mark);
    }
    expect(await host.files.readIfExists(SCST)).toBeNull();
  });

  test('an Admin is refused a pool member, a non-disk and an unmarked disk, with the reason', async () => {
    await refused(409, () => post(t.adminToken, 'iqn.2005-10.org.calypso:a', '/dev/sda'), /member of pool tank/);
    await refused(400, () => post(t.adminToken, 'iqn.2005-10.org.calypso:a', '/dev/mem'), /not a whole disk/);
    await refused(400, () => post(t.adminToken, 'iqn.2005-10.org.calypso:a', '/dev/sda1'), /not a whole disk/);
    await refused(400, () => post(t.adminToken, 'iqn.2005-10.org.calypso:a', '/dev/zvol/tank/vms/vm1'), /not a whole disk/);
    await refused(409, () => post(t.adminToken, 'iqn.2005-10.org.calypso:a', '/dev/sdk'), /not marked for export/);
  });

  test('marking: Admin only, audited, stored by WWN; pool members and disks with signatures are refused', async () => {
    const markAs = (token: string, disk: string) => t.http.post('/api/v1/iscsi/disks/export-marks').set(as(token)).send({ disk });
    await refused(403, () => markAs(operator, 'sdk'));
    await refused(409, () => markAs(t.adminToken, '/dev/sdb'), /member of pool tank/);
    await refused(400, () => markAs(t.adminToken, '/dev/mem'), /not a whole disk/);
    host.signatures.set('sdl', { pttype: 'dos' });
    host.signatures.set('sdm', { fstype: 'ext4', label: 'old-backups' });
    try {
      await refused(409, () => markAs(t.adminToken, 'sdl'), /partition table dos/);
      await refused(409, () => markAs(t.adminToken, '/dev/sdm'), /ext4 signature \(old-backups\)/);
    } finally {
      host.signatures.clear();
    }
    const listed = (await t.http.get('/api/v1/iscsi/disks').set(as(operator))).body.items as {
      name: string;
      wwn: string;
      path: string;
      exportable: boolean;
      reason: string | null;
    }[];
    expect(listed.find((d) => d.name === 'sda')).toMatchObject({ exportable: false, reason: 'member of pool tank' });
    const sdk = listed.find((d) => d.name === 'sdk')!;
    expect(sdk).toMatchObject({ exportable: false, reason: 'not marked for export', path: `/dev/disk/by-id/wwn-${sdk.wwn}` });

    const marked = await markAs(t.adminToken, '/dev/sdk');
    expect(marked.status).toBe(200);
    expect(marked.body).toMatchObject({ name: 'sdk', marked: true, markedBy: 'admin', exportable: true });
    const stored = JSON.parse((await t.app.db('settings').where({ key: 'iscsi.export-disks' }).first()).value);
    expect(stored.disks).toEqual([expect.objectContaining({ wwn: sdk.wwn })]);
    expect(JSON.stringify(stored)).not.toContain('/dev/sdk');
    const audit = await t.app.db('audit_log').where({ operation: 'iscsi.disks.mark-export', result: 'ok' });
    expect(audit).toHaveLength(1);
    expect((await t.app.db('audit_log').where({ operation: 'iscsi.disks.mark-export', result: 'denied' })).length).toBe(1);
  });

  test('a marked disk: Admin exports it by its stable name; the Operator keeps it but cannot add another; unmark waits for the LUN', async () => {
    const listed = (await t.http.get('/api/v1/iscsi/disks').set(as(operator))).body.items as { name: string; wwn: string; path: string }[];
    const sdk = listed.find((d) => d.name === 'sdk')!;
    const iqn = 'iqn.2005-10.org.calypso:raw';
    const created = await post(t.adminToken, iqn, '/dev/sdk');
    expect(created.status).toBe(201);
    expect(created.body.luns[0]).toMatchObject({ type: 'disk', path: sdk.path, dataset: null });
    expect(await host.files.read(SCST)).toContain(`filename ${sdk.path}\n`);
    expect(await host.files.read(SCST)).not.toContain('/dev/sdk');

    // The Operator changes the target and sends its LUNs back as they are: allowed.
    const same = await t.http
      .patch(`/api/v1/iscsi/targets/${enc(iqn)}`)
      .set(as(operator))
      .send({ alias: 'raw disk', luns: [{ lun: 0, backing: { type: 'disk', path: sdk.path } }] });
    expect(same.status).toBe(200);
    // Another disk, or the same disk under another LUN number, is adding a disk: refused.
    await refused(403, () =>
      t.http
        .patch(`/api/v1/iscsi/targets/${enc(iqn)}`)
        .set(as(operator))
        .send({
          luns: [
            { lun: 0, backing: { type: 'disk', path: sdk.path } },
            { lun: 1, backing: { type: 'disk', path: '/dev/sda' } },
          ],
        }),
    );
    await refused(403, () =>
      t.http
        .patch(`/api/v1/iscsi/targets/${enc(iqn)}`)
        .set(as(operator))
        .send({ luns: [{ lun: 3, backing: { type: 'disk', path: sdk.path } }] }),
    );

    await refused(
      409,
      () => t.http.delete(`/api/v1/iscsi/disks/export-marks/${enc(sdk.wwn)}`).set(as(t.adminToken)),
      /exported by iqn\.2005-10\.org\.calypso:raw\/0/,
    );
    expect(
      (
        await t.http
          .delete(`/api/v1/iscsi/targets/${enc(iqn)}`)
          .set(as(operator))
          .send({ confirm: iqn })
      ).status,
    ).toBe(200);
    await refused(403, () => t.http.delete(`/api/v1/iscsi/disks/export-marks/${enc(sdk.wwn)}`).set(as(operator)));
    expect((await t.http.delete(`/api/v1/iscsi/disks/export-marks/${enc(sdk.wwn)}`).set(as(t.adminToken))).status).toBe(200);
    await refused(409, () => post(t.adminToken, iqn, sdk.path), /not marked for export/);
  });

  test('adopting a hand-written scst.conf that exports a pool member is refused whole', async () => {
    const conf =
      '# by hand\nHANDLER vdisk_blockio {\n\tDEVICE d0 {\n\t\tfilename /dev/sda\n\t\tread_only 0\n\t}\n}\n\nTARGET_DRIVER iscsi {\n\tenabled 1\n\n\tTARGET iqn.2005-10.org.calypso:evil {\n\t\tenabled 1\n\t\tLUN 0 d0\n\t}\n}\n';
    await host.files.writeAtomic(SCST, conf);
    await refused(403, () => t.http.post('/api/v1/iscsi/drift').set(as(operator)).send({ action: 'adopt' }));
    await refused(409, () => t.http.post('/api/v1/iscsi/drift').set(as(t.adminToken)).send({ action: 'adopt' }), /member of pool tank/);
    expect(await host.files.read(SCST)).toBe(conf);
    expect((await t.http.post('/api/v1/iscsi/drift').set(as(t.adminToken)).send({ action: 'overwrite' })).body.inSync).toBe(true);
  });
});

describe('file LUNs only grow, inside a dataset', () => {
  const volume = '/tank/backups/bacula/Vol-0001';
  const iqn = 'iqn.2005-10.org.calypso:files';
  const lun = (path: string, sizeBytes?: number) => ({ lun: 0, backing: { type: 'file', path, ...(sizeBytes === undefined ? {} : { sizeBytes }) } });

  beforeAll(async () => {
    await host.run('truncate', ['-s', String(10 * GiB), volume]);
  });

  test('creating a LUN on an existing file (a Bacula volume) with a smaller size is refused; the file keeps its size', async () => {
    await refused(
      409,
      () =>
        t.http
          .post('/api/v1/iscsi/targets')
          .set(as(operator))
          .send({ name: iqn, luns: [lun(volume, 1024 * 1024)] }),
      /holds 10737418240 bytes; a LUN never shortens its file/,
    );
    expect(await fileSize(volume)).toBe(10 * GiB);
  });

  test('without a size the existing file is used as it is; PATCH to 1 MiB is refused, growing works and never shrinks', async () => {
    const mark = host.calls.length;
    const created = await t.http
      .post('/api/v1/iscsi/targets')
      .set(as(operator))
      .send({ name: iqn, luns: [lun(volume)] });
    expect(created.status).toBe(201);
    expect(changingSince(mark).filter((c) => c.startsWith('truncate'))).toEqual([]);
    expect(await fileSize(volume)).toBe(10 * GiB);

    await refused(
      409,
      () =>
        t.http
          .patch(`/api/v1/iscsi/targets/${enc(iqn)}`)
          .set(as(operator))
          .send({ luns: [lun(volume, 1024 * 1024)] }),
      /never shortens/,
    );
    expect(await fileSize(volume)).toBe(10 * GiB);

    const grow = host.calls.length;
    const grown = await t.http
      .patch(`/api/v1/iscsi/targets/${enc(iqn)}`)
      .set(as(operator))
      .send({ luns: [lun(volume, 20 * GiB)] });
    expect(grown.status).toBe(200);
    expect(changingSince(grow)).toContain(`truncate -s >${20 * GiB} ${volume}`);
    expect(await fileSize(volume)).toBe(20 * GiB);
    expect(
      (
        await t.http
          .delete(`/api/v1/iscsi/targets/${enc(iqn)}`)
          .set(as(operator))
          .send({ confirm: iqn })
      ).status,
    ).toBe(200);
    expect(await fileSize(volume)).toBe(20 * GiB);
  });

  test('a new file needs a size; directories, system directories and symbolic links out of the pool are refused', async () => {
    const post = (l: object) =>
      t.http
        .post('/api/v1/iscsi/targets')
        .set(as(operator))
        .send({ name: iqn, luns: [l] });
    await refused(400, () => post(lun('/tank/vms/new.img')), /give sizeBytes to create it/);
    await refused(400, () => post(lun('/tank/backups/bacula', GiB)), /not a regular file/);
    await refused(400, () => post(lun('/etc/shadow', GiB)), /system directory \/etc/);
    await refused(400, () => post(lun('/dev/sda', GiB)), /system directory \/dev/);
    await addSimLink('/tank/vms/escape', '/etc');
    await refused(400, () => post(lun('/tank/vms/escape/shadow', GiB)), /symbolic link to \/etc\/shadow/);
    await refused(400, () => post(lun('/tank/vms/../../etc/shadow', GiB)));
  });
});

describe('shares that leave the pool', () => {
  test('an SMB share or NFS export through a symbolic link, or of a system directory, is refused', async () => {
    await addSimLink('/tank/shares/finance/root', '/root');
    await refused(
      400,
      () => t.http.post('/api/v1/shares/smb').set(as(operator)).send({ name: 'root', path: '/tank/shares/finance/root' }),
      /symbolic link to \/root/,
    );
    await refused(
      400,
      () =>
        t.http
          .post('/api/v1/shares/nfs')
          .set(as(operator))
          .send({ path: '/tank/shares/finance/root', clients: [{ host: '192.168.1.20', access: 'rw' }] }),
      /symbolic link/,
    );
    await refused(400, () => t.http.post('/api/v1/shares/smb').set(as(operator)).send({ name: 'etc', path: '/etc' }), /system directory/);
    await refused(
      400,
      () =>
        t.http
          .post('/api/v1/shares/nfs')
          .set(as(operator))
          .send({ path: '/var/lib', clients: [{ host: '192.168.1.20', access: 'rw' }] }),
      /system directory/,
    );
  });
});

describe('NFS root for many hosts', () => {
  const path = '/tank/shares/finance';
  const rootFor = (host: string, extra: object = {}) => ({ host, access: 'rw', squash: 'no_root_squash', ...extra });

  test('an Operator may not give root to *, wide networks, wildcards or netgroups: 403, nothing written or run', async () => {
    const attempts = [
      [rootFor('*')],
      [rootFor('0.0.0.0/0')],
      [rootFor('10.0.0.0/8')],
      [rootFor('*.example.com')],
      [rootFor('@trusted')],
      [rootFor('2001:db8::/32')],
      [{ host: '*', access: 'rw', squash: 'root_squash', anonuid: 0 }],
      [{ host: '192.168.0.0/16', access: 'rw', squash: 'all_squash', anongid: 0 }],
      [{ host: '192.168.1.20', access: 'ro' }, rootFor('*')],
    ];
    for (const clients of attempts) {
      await refused(403, () => t.http.post('/api/v1/shares/nfs').set(as(operator)).send({ path, clients, confirm: path }), /shares\.admin/);
    }
  });

  test('root for one host or a /24 stays an Operator call; widening it later is refused too', async () => {
    const created = await t.http
      .post('/api/v1/shares/nfs')
      .set(as(operator))
      .send({ path, clients: [rootFor('192.168.1.20'), rootFor('10.1.2.0/24'), { host: '*', access: 'ro' }] });
    expect(created.status).toBe(201);
    await refused(403, () =>
      t.http
        .patch(`/api/v1/shares/nfs/${enc(path)}`)
        .set(as(operator))
        .send({ clients: [rootFor('*')] }),
    );
    expect(
      (
        await t.http
          .delete(`/api/v1/shares/nfs/${enc(path)}`)
          .set(as(operator))
          .send({ confirm: path })
      ).status,
    ).toBe(200);
  });

  test('an Admin may, with the path typed as confirmation; an Operator may still edit its comment but not re-enable it', async () => {
    const body = { path, clients: [rootFor('*')] };
    await refused(400, () => t.http.post('/api/v1/shares/nfs').set(as(t.adminToken)).send(body), /confirm by sending "confirm": "\/tank\/shares\/finance"/);
    await refused(400, () =>
      t.http
        .post('/api/v1/shares/nfs')
        .set(as(t.adminToken))
        .send({ ...body, confirm: '/tank/shares' }),
    );
    const created = await t.http
      .post('/api/v1/shares/nfs')
      .set(as(t.adminToken))
      .send({ ...body, confirm: path });
    expect(created.status).toBe(201);
    expect(await host.files.read(EXPORTS)).toContain(`${path} *(rw,no_root_squash,`);
    const audit = await t.app.db('audit_log').where({ operation: 'shares.nfs.create', result: 'ok' }).orderBy('id', 'desc').first();
    expect(audit.actor_name).toBe('admin');

    expect(
      (
        await t.http
          .patch(`/api/v1/shares/nfs/${enc(path)}`)
          .set(as(operator))
          .send({ comment: 'lab' })
      ).status,
    ).toBe(200);
    expect(
      (
        await t.http
          .patch(`/api/v1/shares/nfs/${enc(path)}`)
          .set(as(t.adminToken))
          .send({ enabled: false })
      ).status,
    ).toBe(200);
    await refused(403, () =>
      t.http
        .patch(`/api/v1/shares/nfs/${enc(path)}`)
        .set(as(operator))
        .send({ enabled: true }),
    );
    expect(
      (
        await t.http
          .patch(`/api/v1/shares/nfs/${enc(path)}`)
          .set(as(t.adminToken))
          .send({ enabled: true, confirm: path })
      ).status,
    ).toBe(200);
  });
});
