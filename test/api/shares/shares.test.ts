/** SMB shares, NFS exports and iSCSI targets through the API on the simulated appliance. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { FlakyHost } from '../../helpers/peers.js';

let t: TestApp;
let host: FlakyHost;
let operator: string;
let reader: string;
beforeAll(async () => {
  host = new FlakyHost();
  t = await startTestApp({ host });
  operator = await t.userWithRoles('operator', ['Operator']);
  reader = await t.userWithRoles('reader', ['ReadOnly']);
});
afterAll(async () => {
  await t.close();
});
const as = (token: string) => ({ Authorization: `Bearer ${token}` });
const enc = encodeURIComponent;
const SMB_CONF = '/etc/samba/smb.conf';
const EXPORTS = '/etc/exports.d/calypso.exports';

describe('SMB shares', () => {
  test('created, listed, changed and removed; smb.conf follows and passes testparm', async () => {
    const created = await t.http
      .post('/api/v1/shares/smb')
      .set(as(operator))
      .send({
        name: 'finance',
        path: '/tank/shares/finance',
        comment: 'Finance team',
        validUsers: ['alice'],
        validGroups: ['finance'],
        hostsAllow: ['10.0.0.0/24'],
        shadowCopy: true,
        recycleBin: true,
      });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'finance', dataset: 'tank/shares/finance', shadowCopy: true, readOnly: false });
    let conf = await host.files.read(SMB_CONF);
    expect(conf).toContain('[finance]\n\tpath = /tank/shares/finance\n');
    expect(conf).toContain('vfs objects = shadow_copy2 recycle');
    expect(host.inner.history().map((c) => `${c.command} ${c.args.join(' ')}`)).toEqual(
      expect.arrayContaining([`testparm -s ${SMB_CONF}.candidate`, `smbcontrol -s ${SMB_CONF} smbd reload-config`]),
    );

    const listed = await t.http.get('/api/v1/shares/smb').set(as(reader));
    expect(listed.body).toMatchObject({ total: 1, items: [expect.objectContaining({ name: 'finance' })] });

    const changed = await t.http.patch('/api/v1/shares/smb/finance').set(as(operator)).send({ readOnly: true, timeMachine: true });
    expect(changed.status).toBe(200);
    conf = await host.files.read(SMB_CONF);
    expect(conf).toMatch(/\[finance\][^[]*read only = yes[^[]*fruit:time machine = yes/);

    const dup = await t.http.post('/api/v1/shares/smb').set(as(operator)).send({ name: 'FINANCE', path: '/tank/shares' });
    expect(dup.status).toBe(409);

    const unconfirmed = await t.http.delete('/api/v1/shares/smb/finance').set(as(operator));
    expect(unconfirmed.status).toBe(400);
    const removed = await t.http.delete('/api/v1/shares/smb/finance').set(as(operator)).send({ confirm: 'finance' });
    expect(removed.status).toBe(200);
    expect(await host.files.read(SMB_CONF)).not.toContain('[finance]');
    expect((await t.http.get('/api/v1/shares/smb/finance').set(as(reader))).status).toBe(404);
  });

  test('a name that would break smb.conf, and a path outside any dataset, are refused with 400', async () => {
    const before = await host.files.readIfExists(SMB_CONF);
    for (const name of ['evil\n[global]', 'evil]', '[evil', 'a]\n[b', 'global', 'x\r\ny']) {
      const res = await t.http.post('/api/v1/shares/smb').set(as(operator)).send({ name, path: '/tank/shares' });
      expect({ name, status: res.status }).toEqual({ name, status: 400 });
    }
    const bracket = await t.http.post('/api/v1/shares/smb').set(as(operator)).send({ name: 'a[b]', path: '/tank/shares' });
    expect(bracket.body.errors).toEqual([expect.objectContaining({ path: 'name', message: expect.stringMatching(/new smb.conf section/) })]);
    for (const comment of ['ok\n[evil]\npath = /', 'ends with \\']) {
      const res = await t.http.post('/api/v1/shares/smb').set(as(operator)).send({ name: 'ok', path: '/tank/shares', comment });
      expect(res.status).toBe(400);
    }
    const outside = await t.http.post('/api/v1/shares/smb').set(as(operator)).send({ name: 'etc', path: '/etc' });
    expect(outside.status).toBe(400);
    expect(outside.body.detail).toMatch(/not inside a mounted dataset/);
    for (const path of ['/tank/shares/../../etc', 'relative/path', '/tank/shares/%U']) {
      expect((await t.http.post('/api/v1/shares/smb').set(as(operator)).send({ name: 'x', path })).status).toBe(400);
    }
    expect(await host.files.readIfExists(SMB_CONF)).toBe(before);
  });

  test('a failed apply leaves the database and smb.conf as they were', async () => {
    expect((await t.http.post('/api/v1/shares/smb').set(as(operator)).send({ name: 'keep', path: '/tank/shares' })).status).toBe(201);
    const before = await host.files.read(SMB_CONF);
    host.failing = 'smbcontrol';
    try {
      const res = await t.http.post('/api/v1/shares/smb').set(as(operator)).send({ name: 'doomed', path: '/tank/shares/finance' });
      expect(res.status).toBe(502);
      const upd = await t.http.patch('/api/v1/shares/smb/keep').set(as(operator)).send({ comment: 'changed' });
      expect(upd.status).toBe(502);
    } finally {
      host.failing = null;
    }
    expect(await host.files.read(SMB_CONF)).toBe(before);
    const list = await t.http.get('/api/v1/shares/smb').set(as(reader));
    expect(list.body.items.map((s: { name: string; comment: string }) => [s.name, s.comment])).toEqual([['keep', '']]);
  });

  test('drift after a hand edit: reported, then overwritten or adopted', async () => {
    const clean = await t.http.get('/api/v1/shares/smb-service/drift').set(as(reader));
    expect(clean.body).toMatchObject({ inSync: true, missing: false, changes: [] });
    const rendered = await host.files.read(SMB_CONF);
    await host.files.writeAtomic(
      SMB_CONF,
      rendered.replace('read only = no', 'read only = yes') + '\n[scratch]\n\tpath = /tank/backups\n\tcomment = made by hand\n',
    );
    const drift = await t.http.get('/api/v1/shares/smb-service/drift').set(as(reader));
    expect(drift.body.inSync).toBe(false);
    expect(drift.body.changes).toEqual(expect.arrayContaining(['- \tread only = no', '+ \tread only = yes', '+ [scratch]']));
    expect((await t.http.post('/api/v1/shares/smb-service/drift').set(as(operator)).send({ action: 'adopt' })).status).toBe(403);
    const adopted = await t.http.post('/api/v1/shares/smb-service/drift').set(as(t.adminToken)).send({ action: 'adopt' });
    expect(adopted.status).toBe(200);
    expect(adopted.body.inSync).toBe(true);
    const shares = (await t.http.get('/api/v1/shares/smb').set(as(reader))).body.items;
    // A share without 'read only' is read-only: that is Samba's default.
    expect(shares.map((s: { name: string; readOnly: boolean; dataset: string }) => [s.name, s.readOnly, s.dataset])).toEqual([
      ['keep', true, 'tank/shares'],
      ['scratch', true, 'tank/backups'],
    ]);
    await host.files.writeAtomic(SMB_CONF, 'garbage\n');
    const over = await t.http.post('/api/v1/shares/smb-service/drift').set(as(t.adminToken)).send({ action: 'overwrite' });
    expect(over.body.inSync).toBe(true);
  });

  test('global settings, service control, sessions and SMB passwords', async () => {
    expect((await t.http.patch('/api/v1/shares/smb-service').set(as(operator)).send({ workgroup: 'LAB' })).status).toBe(403);
    const set = await t.http
      .patch('/api/v1/shares/smb-service')
      .set(as(t.adminToken))
      .send({ workgroup: 'LAB', minProtocol: 'SMB3', encryption: 'required', serverString: 'Lab filer' });
    expect(set.body).toMatchObject({ workgroup: 'LAB', enabled: true, running: true });
    expect(await host.files.read(SMB_CONF)).toMatch(/workgroup = LAB\n[^[]*server min protocol = SMB3\n\tserver smb encrypt = required/);
    expect((await t.http.patch('/api/v1/shares/smb-service').set(as(t.adminToken)).send({ workgroup: 'A\n[x]' })).status).toBe(400);

    const sessions = await t.http.get('/api/v1/shares/smb-service/sessions').set(as(reader));
    expect(sessions.body.sessions[0]).toMatchObject({ username: 'alice', dialect: 'SMB3_11' });
    expect(sessions.body.openFiles.length).toBe(1);

    const off = await t.http.post('/api/v1/shares/smb-service/disable').set(as(t.adminToken)).send({});
    expect(off.body).toMatchObject({ enabled: false, running: false });
    expect((await t.http.post('/api/v1/shares/smb-service/reload').set(as(t.adminToken)).send({})).status).toBe(409);
    const on = await t.http.post('/api/v1/shares/smb-service/enable').set(as(t.adminToken)).send({});
    expect(on.body).toMatchObject({ enabled: true, running: true });

    const pw = await t.http.post('/api/v1/shares/smb-users').set(as(t.adminToken)).send({ username: 'operator', password: 'smb-Secret-42' });
    expect(pw.status).toBe(200);
    const smbpasswd = host.inner.history().find((c) => c.command === 'smbpasswd');
    expect(smbpasswd?.args).toEqual(['-c', SMB_CONF, '-s', '-a', 'operator']);
    expect((await t.http.get('/api/v1/shares/smb-users').set(as(reader))).body.items).toEqual([expect.objectContaining({ username: 'operator' })]);
    expect((await t.http.post('/api/v1/shares/smb-users').set(as(t.adminToken)).send({ username: 'nobody-here', password: 'smb-Secret-42' })).status).toBe(404);
    const audit = await t.app.db('audit_log').where({ operation: 'shares.smb.users.set' }).first();
    expect(audit.input).not.toContain('smb-Secret-42');
    expect((await t.http.delete('/api/v1/shares/smb-users/operator').set(as(t.adminToken)).send({ confirm: 'operator' })).status).toBe(200);
  });
});

describe('NFS exports', () => {
  test('created, listed, changed and removed; exportfs -ra applies them', async () => {
    const created = await t.http
      .post('/api/v1/shares/nfs')
      .set(as(operator))
      .send({
        path: '/tank/shares/finance',
        clients: [
          { host: '10.0.0.0/24', access: 'rw' },
          { host: '*.lab.example.com', access: 'ro', squash: 'all_squash', anonuid: 1000, anongid: 100 },
        ],
      });
    expect(created.status).toBe(201);
    expect(created.body.clients[0]).toEqual({ host: '10.0.0.0/24', access: 'rw', squash: 'root_squash', sec: ['sys'], anonuid: null, anongid: null });
    expect(await host.files.read(EXPORTS)).toContain(
      '/tank/shares/finance 10.0.0.0/24(rw,root_squash,sec=sys,no_subtree_check) *.lab.example.com(ro,all_squash,sec=sys,no_subtree_check,anonuid=1000,anongid=100)\n',
    );
    const active = await t.http.get('/api/v1/shares/nfs-active').set(as(reader));
    expect(active.body.items).toEqual([
      expect.objectContaining({ path: '/tank/shares/finance', client: '10.0.0.0/24', options: expect.arrayContaining(['rw', 'root_squash']) }),
      expect.objectContaining({ client: '*.lab.example.com', options: expect.arrayContaining(['ro', 'all_squash', 'anonuid=1000']) }),
    ]);
    expect((await t.http.get('/api/v1/shares/nfs').set(as(reader))).body.total).toBe(1);
    const key = enc('/tank/shares/finance');
    const changed = await t.http
      .patch(`/api/v1/shares/nfs/${key}`)
      .set(as(operator))
      .send({ clients: [{ host: '192.168.1.20', access: 'ro', squash: 'no_root_squash', sec: ['krb5p'] }] });
    expect(changed.status).toBe(200);
    expect(await host.files.read(EXPORTS)).toContain('/tank/shares/finance 192.168.1.20(ro,no_root_squash,sec=krb5p,no_subtree_check)\n');

    host.failing = 'exportfs';
    const before = await host.files.read(EXPORTS);
    try {
      expect((await t.http.patch(`/api/v1/shares/nfs/${key}`).set(as(operator)).send({ enabled: false })).status).toBe(502);
    } finally {
      host.failing = null;
    }
    expect(await host.files.read(EXPORTS)).toBe(before);
    expect((await t.http.get(`/api/v1/shares/nfs/${key}`).set(as(reader))).body.enabled).toBe(true);

    expect((await t.http.delete(`/api/v1/shares/nfs/${key}`).set(as(operator)).send({ confirm: '/tank/shares/finance' })).status).toBe(200);
    expect(await host.files.read(EXPORTS)).not.toContain('/tank/shares/finance');
  });

  test('bad clients and paths are refused with clear errors', async () => {
    const bad = async (body: object) => t.http.post('/api/v1/shares/nfs').set(as(operator)).send(body);
    for (const host of ['10.0.0.0/33', '300.1.1.1', 'bad host', 'a(b)', '10.0.0.1\n/etc *(rw)']) {
      const res = await bad({ path: '/tank/shares', clients: [{ host, access: 'rw' }] });
      expect({ host, status: res.status }).toEqual({ host, status: 400 });
    }
    expect((await bad({ path: '/tank/shares', clients: [] })).status).toBe(400);
    expect((await bad({ path: '/tank/with space', clients: [{ host: '*', access: 'ro' }] })).status).toBe(400);
    expect((await bad({ path: '/srv/x', clients: [{ host: '*', access: 'ro' }] })).body.detail).toMatch(/not inside a mounted dataset/);
  });
});

describe('iSCSI targets', () => {
  const iqn = 'iqn.2005-10.org.calypso:vm-store';
  test('a target with a zvol LUN is created, listed, changed and removed; secrets never come back', async () => {
    const created = await t.http
      .post('/api/v1/iscsi/targets')
      .set(as(operator))
      .send({
        name: iqn,
        alias: 'VM store',
        portals: [{ ip: '192.168.10.5' }],
        chap: { user: 'esxi', secret: 'Initiat0rSecret' },
        mutualChap: { user: 'calypso', secret: 'T4rgetSecret!' },
        groups: [{ name: 'esxi', initiators: ['iqn.1998-01.com.vmware:esx01-3c2b'] }],
        luns: [{ lun: 0, backing: { type: 'zvol', zvol: 'tank/vms/vm1' }, group: 'esxi' }],
      });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: iqn,
      chap: { user: 'esxi', secretSet: true },
      luns: [expect.objectContaining({ lun: 0, type: 'zvol', path: '/dev/zvol/tank/vms/vm1', dataset: 'tank/vms/vm1' })],
    });
    expect(JSON.stringify(created.body)).not.toMatch(/Initiat0rSecret|T4rgetSecret/);
    const conf = await host.files.read('/etc/scst.conf');
    expect(conf).toContain('IncomingUser "esxi Initiat0rSecret"');
    expect(conf).toMatch(/GROUP esxi \{\n\t\t\tLUN 0 t\d+_lun0\n\t\t\tINITIATOR iqn.1998-01.com.vmware:esx01-3c2b/);
    expect(host.inner.history().map((c) => `${c.command} ${c.args.join(' ')}`)).toEqual(
      expect.arrayContaining(['scstadmin -check_config /etc/scst.conf', 'scstadmin -noprompt -force -config /etc/scst.conf']),
    );

    const list = await t.http.get('/api/v1/iscsi/targets').set(as(reader));
    expect(list.body.items).toEqual([expect.objectContaining({ name: iqn })]);
    expect(JSON.stringify(list.body)).not.toMatch(/Initiat0rSecret|T4rgetSecret/);
    const audit = await t.app.db('audit_log').where({ operation: 'iscsi.targets.create' }).first();
    expect(audit.input).not.toMatch(/Initiat0rSecret|T4rgetSecret/);

    const key = enc(iqn);
    const changed = await t.http
      .patch(`/api/v1/iscsi/targets/${key}`)
      .set(as(operator))
      .send({ enabled: false, chap: { user: 'esxi', secret: 'N3wSecretValue' } });
    expect(changed.status).toBe(200);
    expect(changed.body.enabled).toBe(false);
    expect(await host.files.read('/etc/scst.conf')).toMatch(/enabled 0[\s\S]*IncomingUser "esxi N3wSecretValue"/);

    const uses = await t.http.get(`/api/v1/storage/datasets/${enc('tank/vms/vm1')}/dependents`).set(as(reader));
    expect(uses.status).toBe(200);
    expect(uses.body.attachments).toEqual([expect.objectContaining({ kind: 'iscsi', name: `${iqn}/0` })]);

    const destroy = await t.http
      .delete(`/api/v1/storage/datasets/${enc('tank/vms/vm1')}`)
      .set(as(t.adminToken))
      .send({ confirm: 'tank/vms/vm1', recursive: true });
    expect(destroy.status).toBe(409);
    expect(destroy.body.detail).toMatch(/in use by iscsi/);

    expect((await t.http.delete(`/api/v1/iscsi/targets/${key}`).set(as(operator)).send({ confirm: iqn })).status).toBe(200);
    expect(await host.files.read('/etc/scst.conf')).not.toContain(iqn);
  });

  test('drift: a hand edit of scst.conf is reported, then adopted into the database (or refused whole)', async () => {
    const created = await t.http
      .post('/api/v1/iscsi/targets')
      .set(as(operator))
      .send({
        name: 'iqn.2005-10.org.calypso:adopt',
        alias: 'before',
        chap: { user: 'esxi', secret: 'Initiat0rSecret' },
        groups: [{ name: 'esxi', initiators: ['iqn.1998-01.com.vmware:esx01-3c2b'] }],
        luns: [
          { lun: 0, backing: { type: 'zvol', zvol: 'tank/vms/vm1' }, group: 'esxi' },
          { lun: 5, backing: { type: 'zvol', zvol: 'tank/vms/vm1' }, enabled: false },
        ],
      });
    expect(created.status).toBe(201);
    expect((await t.http.get('/api/v1/iscsi/drift').set(as(reader))).body.inSync).toBe(true);
    const rendered = await host.files.read('/etc/scst.conf');
    // By hand: a second initiator, a new alias and secret, an attribute Calypso does not manage, and a new target.
    const edited = rendered
      .replace('# alias: before', '# alias: after')
      .replace('IncomingUser "esxi Initiat0rSecret"', 'IncomingUser "esxi Edit3dSecret99"\n\t\tQueuedCommands 64')
      .replace(
        '\t\t\tINITIATOR iqn.1998-01.com.vmware:esx01-3c2b\n',
        '\t\t\tINITIATOR iqn.1998-01.com.vmware:esx01-3c2b\n\t\t\tINITIATOR iqn.1998-01.com.vmware:esx09-aa01\n',
      )
      .replace(/\n}\n$/, '\n\n\tTARGET iqn.2005-10.org.calypso:by-hand {\n\t\tenabled 1\n\t\tallowed_portal 10.1.2.3\n\t}\n}\n');
    expect(edited).not.toBe(rendered);
    await host.files.writeAtomic('/etc/scst.conf', edited);
    const drift = await t.http.get('/api/v1/iscsi/drift').set(as(reader));
    expect(drift.body.inSync).toBe(false);
    expect(JSON.stringify(drift.body)).not.toMatch(/Edit3dSecret99|Initiat0rSecret/);

    expect((await t.http.post('/api/v1/iscsi/drift').set(as(operator)).send({ action: 'adopt' })).status).toBe(403);
    const adopted = await t.http.post('/api/v1/iscsi/drift').set(as(t.adminToken)).send({ action: 'adopt' });
    expect(adopted.status).toBe(200);
    expect(adopted.body).toMatchObject({ inSync: true, ignored: ['TARGET iqn.2005-10.org.calypso:adopt: QueuedCommands'] });
    expect(JSON.stringify(adopted.body)).not.toMatch(/Edit3dSecret99/);
    const target = (await t.http.get(`/api/v1/iscsi/targets/${enc('iqn.2005-10.org.calypso:adopt')}`).set(as(reader))).body;
    expect(target).toMatchObject({
      alias: 'after',
      chap: { user: 'esxi', secretSet: true },
      groups: [{ name: 'esxi', initiators: ['iqn.1998-01.com.vmware:esx01-3c2b', 'iqn.1998-01.com.vmware:esx09-aa01'] }],
    });
    // The disabled LUN was in no file, and stays.
    expect(target.luns.map((l: { lun: number; enabled: boolean }) => [l.lun, l.enabled])).toEqual([
      [0, true],
      [5, false],
    ]);
    expect((await t.http.get(`/api/v1/iscsi/targets/${enc('iqn.2005-10.org.calypso:by-hand')}`).set(as(reader))).body).toMatchObject({
      enabled: true,
      portals: [{ ip: '10.1.2.3', port: 3260 }],
    });
    const conf = await host.files.read('/etc/scst.conf');
    expect(conf).toContain('IncomingUser "esxi Edit3dSecret99"');
    expect(conf).not.toContain('QueuedCommands');
    const audit = await t.app.db('audit_log').where({ operation: 'iscsi.drift.resolve' }).orderBy('id', 'desc').first();
    expect(JSON.stringify(audit)).not.toMatch(/Edit3dSecret99/);

    // A LUN on a zvol that does not exist: 400, and neither the database nor the live file change.
    const bad = conf.replace('filename /dev/zvol/tank/vms/vm1', 'filename /dev/zvol/tank/vms/gone');
    await host.files.writeAtomic('/etc/scst.conf', bad);
    const before = (await t.http.get('/api/v1/iscsi/targets').set(as(reader))).body;
    const refused = await t.http.post('/api/v1/iscsi/drift').set(as(t.adminToken)).send({ action: 'adopt' });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toMatch(/tank\/vms\/gone is not a zvol/);
    expect((await t.http.get('/api/v1/iscsi/targets').set(as(reader))).body).toEqual(before);
    expect(await host.files.read('/etc/scst.conf')).toBe(bad);
    expect((await t.http.post('/api/v1/iscsi/drift').set(as(t.adminToken)).send({ action: 'overwrite' })).body.inSync).toBe(true);
    for (const name of ['iqn.2005-10.org.calypso:adopt', 'iqn.2005-10.org.calypso:by-hand']) {
      expect(
        (
          await t.http
            .delete(`/api/v1/iscsi/targets/${enc(name)}`)
            .set(as(operator))
            .send({ confirm: name })
        ).status,
      ).toBe(200);
    }
  });

  test('bad IQNs, CHAP secrets, LUN backings and groups are refused', async () => {
    const post = (body: object) => t.http.post('/api/v1/iscsi/targets').set(as(operator)).send(body);
    for (const name of ['iqn.2005-13.org.x:a', 'IQN.2005-10.org.x:a', 'iqn.2005-10.org.x:a b', 'target1']) expect((await post({ name })).status).toBe(400);
    const short = await post({ name: 'iqn.2005-10.org.calypso:t', chap: { user: 'u', secret: 'short' } });
    expect(short.status).toBe(400);
    expect(JSON.stringify(short.body)).not.toContain('"short"');
    expect((await post({ name: 'iqn.2005-10.org.calypso:t', chap: { user: 'u', secret: 'has "quote" x' } })).status).toBe(400);
    expect((await post({ name: 'iqn.2005-10.org.calypso:t', mutualChap: { user: 'u', secret: 'Secret-123456' } })).status).toBe(400);
    expect(
      (await post({ name: 'iqn.2005-10.org.calypso:t', chap: { user: 'u', secret: 'Secret-123456' }, mutualChap: { user: 'm', secret: 'Secret-123456' } }))
        .status,
    ).toBe(400);
    expect((await post({ name: 'iqn.2005-10.org.calypso:t', luns: [{ lun: 0, backing: { type: 'zvol', zvol: 'tank/shares' } }] })).status).toBe(400);
    expect((await post({ name: 'iqn.2005-10.org.calypso:t', luns: [{ lun: 0, backing: { type: 'file', path: '/etc/lun.img' } }] })).status).toBe(400);
    expect((await post({ name: 'iqn.2005-10.org.calypso:t', luns: [{ lun: 0, backing: { type: 'zvol', zvol: 'tank/vms/vm1' }, group: 'nope' }] })).status).toBe(
      400,
    );
    expect((await post({ name: 'iqn.2005-10.org.calypso:t', groups: [{ name: 'g', initiators: ['not-an-iqn'] }] })).status).toBe(400);
    expect((await t.http.get('/api/v1/iscsi/targets').set(as(reader))).body.total).toBe(0);
  });

  test('the tgt backend on the simulated appliance, and a failed apply', async () => {
    expect((await t.http.patch('/api/v1/iscsi/settings').set(as(operator)).send({ backend: 'tgt' })).status).toBe(403);
    expect((await t.http.patch('/api/v1/iscsi/settings').set(as(t.adminToken)).send({ backend: 'tgt' })).body.backend).toBe('tgt');
    const zero = await t.http
      .post('/api/v1/iscsi/targets')
      .set(as(operator))
      .send({ name: 'iqn.2005-10.org.calypso:t0', luns: [{ lun: 0, backing: { type: 'zvol', zvol: 'tank/vms/vm1' } }] });
    expect(zero.status).toBe(400);
    expect(zero.body.detail).toMatch(/tgt reserves LUN 0/);
    const ok = await t.http
      .post('/api/v1/iscsi/targets')
      .set(as(operator))
      .send({ name: 'iqn.2005-10.org.calypso:t1', luns: [{ lun: 1, backing: { type: 'zvol', zvol: 'tank/vms/vm1' } }] });
    expect(ok.status).toBe(201);
    expect((await t.http.get('/api/v1/iscsi/drift').set(as(reader))).body).toMatchObject({ inSync: true, file: null });
    host.failing = 'tgtadm';
    try {
      expect((await t.http.post('/api/v1/iscsi/targets').set(as(operator)).send({ name: 'iqn.2005-10.org.calypso:t2' })).status).toBe(502);
    } finally {
      host.failing = null;
    }
    expect((await t.http.get('/api/v1/iscsi/targets').set(as(reader))).body.items.map((x: { name: string }) => x.name)).toEqual(['iqn.2005-10.org.calypso:t1']);
    const sessions = await t.http.get('/api/v1/iscsi/sessions').set(as(reader));
    expect(sessions.body).toEqual({ available: true, items: [] });
    expect(
      (
        await t.http
          .delete(`/api/v1/iscsi/targets/${enc('iqn.2005-10.org.calypso:t1')}/luns/1`)
          .set(as(operator))
          .send({ confirm: 'iqn.2005-10.org.calypso:t1/1' })
      ).status,
    ).toBe(200);
  });
});
