/**
 * Configuration backup and restore on the simulated appliance, through the API: what an export
 * holds (secrets only when encrypted), a preview that names what changes, a restore that
 * re-applies each subsystem and keeps the restoring administrator, a rollback when a step fails,
 * a 400 with nothing changed for every bad file, Admin only, and scheduled exports kept N deep.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { ADMIN_PASSWORD, bearer, startTestApp, type TestApp } from '../../helpers/app.js';
import { FlakyHost } from '../../helpers/peers.js';

const CONF = '/etc/snmp/snmpd.conf';
const COMMUNITY = 'n0c-Read.only';
const AUTH = 'auth-Pass-123';
const PRIV = 'priv-Pass-456';
const HOOK_SECRET = 'Bearer hook-token-98765';
const PASSPHRASE = 'a long passphrase for the test';

describe('configuration backup and restore', () => {
  let t: TestApp;
  let host: FlakyHost;
  let operator: string;
  let reader: string;
  let dir: string;
  const exportFile = async (passphrase?: string) => {
    const res = await t.http
      .post('/api/v1/appliance/config/export')
      .set(bearer(t.adminToken))
      .send(passphrase ? { passphrase } : {});
    expect([res.status, res.body.detail]).toEqual([200, undefined]);
    return res.body as {
      content: string;
      fileName: string;
      header: { encrypted: boolean; secretsIncluded: boolean };
      sections: { name: string; count: number }[];
    };
  };
  /** The configuration as an unencrypted export's payload: what "nothing changed" compares. */
  const state = async () => JSON.parse((await exportFile()).content).payload;
  /** A restore ends every other session: log in again. */
  const relogin = async () => {
    t.adminToken = await t.login('admin', ADMIN_PASSWORD);
    operator = await t.login('operator', 'operator-password-123');
    reader = await t.login('reader', 'reader-password-123');
  };
  const snmp = (body: Record<string, unknown>) => t.http.put('/api/v1/appliance/snmp').set(bearer(t.adminToken)).send(body);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-exports-'));
    host = new FlakyHost(new SimulatedHost());
    t = await startTestApp({ host, appliance: { configExportDir: path.join(dir, 'config-exports') } });
    operator = await t.userWithRoles('operator', ['Operator']);
    reader = await t.userWithRoles('reader', ['ReadOnly']);
    await t.userWithRoles('alice', ['Operator']);
    const set = await snmp({
      enabled: true,
      location: 'Rack 4',
      contact: 'ops@example.com',
      communities: [{ name: 'noc', secret: COMMUNITY, sources: ['10.1.0.0/16'] }],
      users: [{ name: 'monitor', authProtocol: 'SHA', authSecret: AUTH, privSecret: PRIV }],
    });
    expect(set.status).toBe(200);
    const hook = await t.http
      .post('/api/v1/alerts/channels')
      .set(bearer(t.adminToken))
      .send({ name: 'ops hook', webhook: { url: 'https://hooks.example.com/calypso' }, secret: HOOK_SECRET });
    expect(hook.status).toBe(201);
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('an unencrypted export has a header, every section, and no secret at all', async () => {
    const out = await exportFile();
    const doc = JSON.parse(out.content);
    expect(doc).toMatchObject({
      format: 'calypso-config',
      formatVersion: 1,
      calypsoVersion: 'unknown',
      encrypted: false,
      secretsIncluded: false,
      hostname: os.hostname(),
    });
    expect(doc.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(doc.payload)).toEqual([
      'iam',
      'settings',
      'monitoring',
      'shares',
      'iscsi',
      'tape',
      'protection',
      'schedules',
      'backup',
      'objects',
      'licenses',
    ]);
    expect(doc.payload.iam.users.map((u: { username: string }) => u.username)).toEqual(['admin', 'operator', 'reader', 'alice']);
    for (const secret of [COMMUNITY, AUTH, PRIV, HOOK_SECRET, 'password_hash', '$2']) expect(out.content).not.toContain(secret);
    expect(out.sections.find((s) => s.name === 'monitoring')!.count).toBeGreaterThan(0);
    // Not configuration: history and logins stay out.
    for (const table of ['audit_log', 'sessions', 'jobs', 'metric_rollups', 'refresh_tokens']) expect(out.content).not.toContain(`"${table}"`);
  });

  test('an encrypted export holds no secret in clear and restores them', async () => {
    const out = await exportFile(PASSPHRASE);
    expect(out.header).toMatchObject({ encrypted: true, secretsIncluded: true });
    for (const secret of [COMMUNITY, AUTH, PRIV, HOOK_SECRET, 'alice', 'Rack 4']) expect(out.content).not.toContain(secret);
    const preview = await t.http.post('/api/v1/appliance/config/preview').set(bearer(t.adminToken)).send({ file: out.content, passphrase: PASSPHRASE });
    expect(preview.status).toBe(200);
    expect(preview.body.text).toBe(
      `restoring it would make 0 to add, 0 to change, 0 to remove, ${preview.body.sections.reduce((n: number, s: { unchanged: number }) => n + s.unchanged, 0)} unchanged`,
    );
    // The passphrase reaches neither the audit log nor the answer.
    const audit = await t.http.get('/api/v1/audit').query({ limit: 20 }).set(bearer(t.adminToken));
    expect(JSON.stringify(audit.body)).toContain('appliance.config.export');
    expect(JSON.stringify(audit.body)).not.toContain(PASSPHRASE);
  });

  test('preview then restore: what changed since the export comes back, the files are re-applied, the restoring admin stays', async () => {
    const saved = await exportFile(PASSPHRASE);
    // Changes after the export: alice goes, bob comes, the SNMP location and the community change.
    expect((await t.http.delete('/api/v1/users/alice').query({ confirm: 'alice' }).set(bearer(t.adminToken))).status).toBe(200);
    await t.userWithRoles('bob', ['ReadOnly']);
    expect((await snmp({ location: 'Moved', communities: [{ name: 'noc', secret: 'changed-Secret', sources: ['10.9.0.0/16'] }] })).status).toBe(200);
    expect(await host.files.read(CONF)).toContain('sysLocation Moved');

    const preview = await t.http.post('/api/v1/appliance/config/preview').set(bearer(t.adminToken)).send({ file: saved.content, passphrase: PASSPHRASE });
    expect(preview.status).toBe(200);
    const iam = preview.body.sections.find((s: { name: string }) => s.name === 'iam');
    expect(iam.added).toContain('users: alice');
    expect(iam.removed).toContain('users: bob');
    expect(preview.body.sections.find((s: { name: string }) => s.name === 'settings').changed).toEqual(['appliance.snmp']);
    expect(await host.files.read(CONF)).toContain('sysLocation Moved');

    const unconfirmed = await t.http.post('/api/v1/appliance/config/restore').set(bearer(t.adminToken)).send({ file: saved.content, passphrase: PASSPHRASE });
    expect(unconfirmed.status).toBe(400);
    const res = await t.http
      .post('/api/v1/appliance/config/restore')
      .set(bearer(t.adminToken))
      .send({ file: saved.content, passphrase: PASSPHRASE, confirm: 'restore' });
    expect([res.status, res.body.detail]).toEqual([200, undefined]);
    expect(res.body.applied).toEqual(['SNMP (snmpd.conf)']);
    const conf = await host.files.read(CONF);
    expect(conf).toContain('sysLocation Rack 4');
    expect(conf).toContain(`rocommunity ${COMMUNITY} 10.1.0.0/16`);
    // alice is back with her password; bob is gone; the admin still logs in.
    expect(await t.login('alice', 'alice-password-123')).toEqual(expect.any(String));
    expect((await t.http.post('/api/v1/auth/login').send({ username: 'bob', password: 'bob-password-123' })).status).toBe(401);
    await relogin();
    const audit = await t.http.get('/api/v1/audit').query({ limit: 20 }).set(bearer(t.adminToken));
    expect(JSON.stringify(audit.body)).toContain('appliance.config.restore');
    expect(JSON.stringify(audit.body)).not.toContain(PASSPHRASE);
    // Restored ids do not collide with the next ones (PostgreSQL's sequences moved past them).
    expect(await t.userWithRoles('carol', ['ReadOnly'])).toEqual(expect.any(String));
  });

  test('an unencrypted file keeps the secrets this appliance has', async () => {
    const plain = await exportFile();
    expect((await snmp({ location: 'Elsewhere' })).status).toBe(200);
    const res = await t.http.post('/api/v1/appliance/config/restore').set(bearer(t.adminToken)).send({ file: plain.content, confirm: 'restore' });
    expect([res.status, res.body.detail]).toEqual([200, undefined]);
    expect(res.body.warnings.join(' ')).toMatch(/Secrets are not in this file/);
    const conf = await host.files.read(CONF);
    expect(conf).toContain('sysLocation Rack 4');
    expect(conf).toContain(`rocommunity ${COMMUNITY} 10.1.0.0/16`);
    expect(conf).toContain(`createUser monitor SHA ${AUTH} AES ${PRIV}`);
    await relogin();
    expect(await t.login('alice', 'alice-password-123')).toEqual(expect.any(String));
  });

  test('a failing apply step rolls back the database and the file', async () => {
    const saved = await exportFile(PASSPHRASE);
    expect((await snmp({ location: 'After the export' })).status).toBe(200);
    const before = await state();
    const conf = await host.files.read(CONF);
    host.failing = 'systemctl';
    try {
      const res = await t.http
        .post('/api/v1/appliance/config/restore')
        .set(bearer(t.adminToken))
        .send({ file: saved.content, passphrase: PASSPHRASE, confirm: 'restore' });
      expect(res.status).toBe(502);
    } finally {
      host.failing = null;
    }
    expect(await host.files.read(CONF)).toBe(conf);
    expect(await state()).toEqual(before);
  });

  describe('a bad file is a 400 and changes nothing', () => {
    let good: string;
    let plain: string;
    let before: unknown;
    beforeAll(async () => {
      good = (await exportFile(PASSPHRASE)).content;
      plain = (await exportFile()).content;
      before = await state();
    });
    const reseal = (doc: { payload: unknown; sha256: string }) => {
      // A well-formed checksum over a changed payload: what an edited file that still "checks" looks like.
      doc.sha256 = crypto.createHash('sha256').update(JSON.stringify(doc.payload)).digest('hex');
      return JSON.stringify(doc);
    };
    const cases: [string, () => { file: string; passphrase?: string }, RegExp][] = [
      ['truncated', () => ({ file: good.slice(0, good.length / 2), passphrase: PASSPHRASE }), /truncated/],
      ['wrong passphrase', () => ({ file: good, passphrase: 'not the right passphrase' }), /wrong passphrase/],
      ['no passphrase for an encrypted file', () => ({ file: good }), /give its passphrase/],
      [
        'tampered ciphertext',
        () => {
          const doc = JSON.parse(good);
          const bytes = Buffer.from(doc.ciphertext, 'base64');
          bytes[10] ^= 1;
          return { file: JSON.stringify({ ...doc, ciphertext: bytes.toString('base64') }), passphrase: PASSPHRASE };
        },
        /changed since it was written/,
      ],
      ['tampered header', () => ({ file: JSON.stringify({ ...JSON.parse(good), hostname: 'other' }), passphrase: PASSPHRASE }), /changed since it was written/],
      [
        'tampered clear payload',
        () => {
          const doc = JSON.parse(plain);
          doc.payload.iam.users[0].username = 'mallory';
          return { file: JSON.stringify(doc) };
        },
        /checksum does not match/,
      ],
      ['future version', () => ({ file: JSON.stringify({ ...JSON.parse(plain), formatVersion: 99 }) }), /newer Calypso/],
      ['not a configuration', () => ({ file: JSON.stringify({ hello: 'world' }) }), /not a Calypso configuration file/],
      [
        'unknown field in a row',
        () => {
          const doc = JSON.parse(plain);
          doc.payload.iam.users[0].is_root = 1;
          return { file: reseal(doc) };
        },
        /unknown field is_root/,
      ],
      [
        'unknown section',
        () => {
          const doc = JSON.parse(plain);
          doc.payload.extra = {};
          return { file: reseal(doc) };
        },
        /unknown section extra/,
      ],
      [
        'a setting that is not configuration',
        () => {
          const doc = JSON.parse(plain);
          doc.payload.settings.settings.push({ key: 'shares.deployment', value: '{"smbConfPath":"/etc/passwd"}', updated_at: 'x' });
          return { file: reseal(doc) };
        },
        /not a setting a configuration holds/,
      ],
      [
        'a value of the wrong type',
        () => {
          const doc = JSON.parse(plain);
          doc.payload.iam.users[1].id = 'two';
          return { file: reseal(doc) };
        },
        /users item 1: id must be a whole number/,
      ],
      [
        'a name longer than its column',
        () => {
          const doc = JSON.parse(plain);
          doc.payload.iam.users[1].username = 'x'.repeat(65);
          return { file: reseal(doc) };
        },
        /users item 1: username is longer than 64 characters/,
      ],
      [
        'an empty value where one is needed',
        () => {
          const doc = JSON.parse(plain);
          doc.payload.iam.roles[0].name = null;
          return { file: reseal(doc) };
        },
        /roles item 0: name may not be empty/,
      ],
      [
        'two users whose names differ only by case',
        () => {
          const doc = JSON.parse(plain);
          doc.payload.iam.users[1].username = String(doc.payload.iam.users[0].username).toUpperCase();
          return { file: reseal(doc) };
        },
        /is named twice/,
      ],
      [
        'a foreign key outside the file',
        () => {
          const doc = JSON.parse(plain);
          doc.payload.iam.user_roles.push({ user_id: 999, role_id: doc.payload.iam.roles[0].id });
          return { file: reseal(doc) };
        },
        /user_id 999 is not in the file/,
      ],
    ];
    test.each(cases)('%s', async (_name, make, detail) => {
      for (const op of ['preview', 'restore']) {
        const res = await t.http
          .post(`/api/v1/appliance/config/${op}`)
          .set(bearer(t.adminToken))
          .send({ ...make(), ...(op === 'restore' ? { confirm: 'restore' } : {}) });
        expect([res.status, res.body.detail]).toEqual([400, expect.stringMatching(detail)]);
      }
      expect(await state()).toEqual(before);
    });
  });

  test('Operator and ReadOnly are refused every operation of it', async () => {
    const file = (await exportFile()).content;
    const calls = [
      (tok: string) => t.http.post('/api/v1/appliance/config/export').set(bearer(tok)).send({}),
      (tok: string) => t.http.post('/api/v1/appliance/config/preview').set(bearer(tok)).send({ file }),
      (tok: string) => t.http.post('/api/v1/appliance/config/restore').set(bearer(tok)).send({ file, confirm: 'restore' }),
      (tok: string) => t.http.get('/api/v1/appliance/config/exports').set(bearer(tok)),
      (tok: string) => t.http.post('/api/v1/appliance/config/exports').set(bearer(tok)).send({}),
      (tok: string) => t.http.post('/api/v1/appliance/support-bundle').set(bearer(tok)).send({}),
    ];
    for (const token of [operator, reader]) for (const call of calls) expect((await call(token)).status).toBe(403);
  });

  test('exports into the exports directory keep the newest N', async () => {
    const names: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await t.http.post('/api/v1/appliance/config/exports').set(bearer(t.adminToken)).send({ keep: 2 });
      expect([res.status, res.body.detail]).toEqual([200, undefined]);
      names.push(res.body.file.name);
    }
    const list = await t.http.get('/api/v1/appliance/config/exports').set(bearer(t.adminToken));
    expect(list.body.directory).toBe(path.join(dir, 'config-exports'));
    expect(list.body.items.map((f: { name: string }) => f.name).sort()).toEqual(names.slice(1).sort());
    const written = fs.readFileSync(path.join(dir, 'config-exports', names[2]!), 'utf8');
    expect(JSON.parse(written)).toMatchObject({ format: 'calypso-config', secretsIncluded: false });
    expect(fs.statSync(path.join(dir, 'config-exports', names[2]!)).mode & 0o777).toBe(0o600);
  });

  test('a config.export schedule writes an export as a job, audited; an Operator may not make one', async () => {
    const refused = await t.http.post('/api/v1/schedules').set(bearer(operator)).send({ kind: 'config.export', target: 'appliance', cron: '0 3 * * *' });
    expect(refused.status).toBe(403);
    const wrong = await t.http.post('/api/v1/schedules').set(bearer(t.adminToken)).send({ kind: 'config.export', target: 'tank', cron: '0 3 * * *' });
    expect(wrong.status).toBe(404);
    const made = await t.http
      .post('/api/v1/schedules')
      .set(bearer(t.adminToken))
      .send({ kind: 'config.export', target: 'appliance', cron: '0 3 * * *', options: { keep: 1 } });
    expect([made.status, made.body.detail]).toEqual([201, undefined]);
    const run = await t.http.post(`/api/v1/schedules/${made.body.id}/run`).set(bearer(t.adminToken)).send({});
    expect(run.status).toBe(200);
    await t.app.scheduler.idle();
    const history = await t.http.get(`/api/v1/schedules/${made.body.id}/runs`).set(bearer(t.adminToken));
    expect(history.body.items[0]).toMatchObject({ result: 'succeeded', trigger: 'manual' });
    const job = await t.http.get(`/api/v1/jobs/${history.body.items[0].jobId}`).set(bearer(t.adminToken));
    expect(job.body.result.file).toMatch(/^calypso-config-.*\.json$/);
    const list = await t.http.get('/api/v1/appliance/config/exports').set(bearer(t.adminToken));
    expect(list.body.items.map((f: { name: string }) => f.name)).toEqual([job.body.result.file]);
    const audit = await t.http.get('/api/v1/audit').query({ limit: 100 }).set(bearer(t.adminToken));
    expect(JSON.stringify(audit.body)).toContain('appliance.config.exports.write');
  });

  test('shares: a restore brings back a deleted SMB share, removes a new NFS export, and re-renders both files', async () => {
    const share = await t.http.post('/api/v1/shares/smb').set(bearer(t.adminToken)).send({ name: 'finance', path: '/tank/shares/finance' });
    expect([share.status, share.body.detail]).toEqual([201, undefined]);
    const saved = await exportFile(PASSPHRASE);
    expect((await t.http.delete('/api/v1/shares/smb/finance').query({ confirm: 'finance' }).set(bearer(t.adminToken))).status).toBe(200);
    const nfs = await t.http
      .post('/api/v1/shares/nfs')
      .set(bearer(t.adminToken))
      .send({ path: '/tank/shares/finance', clients: [{ host: '10.0.0.0/24', access: 'rw' }] });
    expect([nfs.status, nfs.body.detail]).toEqual([201, undefined]);
    expect(await host.files.read('/etc/samba/smb.conf')).not.toContain('[finance]');
    expect(await host.files.read('/etc/exports.d/calypso.exports')).toContain('/tank/shares/finance');
    const res = await t.http
      .post('/api/v1/appliance/config/restore')
      .set(bearer(t.adminToken))
      .send({ file: saved.content, passphrase: PASSPHRASE, confirm: 'restore' });
    expect([res.status, res.body.detail]).toEqual([200, undefined]);
    expect(res.body.applied).toEqual(['SMB (smb.conf)', 'NFS (exports)']);
    expect(res.body.sections.find((x: { name: string }) => x.name === 'shares')).toMatchObject({
      added: ['smb_shares: finance'],
      removed: ['nfs_exports: /tank/shares/finance'],
    });
    expect(await host.files.read('/etc/samba/smb.conf')).toContain('[finance]');
    expect(await host.files.read('/etc/exports.d/calypso.exports')).not.toContain('/tank/shares/finance');
    await relogin();
  });

  test('backup: a Bacula client made after the export is removed and the director configuration re-rendered; an unencrypted file keeps the passwords', async () => {
    const keep = await t.http
      .post('/api/v1/backup/clients')
      .set(bearer(t.adminToken))
      .send({ name: 'keep-fd', address: '192.0.2.10', password: 'Keep-Client-Password-1' });
    expect([keep.status, keep.body.detail]).toEqual([201, undefined]);
    const plain = await exportFile();
    expect(plain.content).not.toContain('Keep-Client-Password-1');
    const extra = await t.http
      .post('/api/v1/backup/clients')
      .set(bearer(t.adminToken))
      .send({ name: 'extra-fd', address: '192.0.2.11', password: 'Extra-Client-Password-2' });
    expect(extra.status).toBe(201);
    expect(await host.files.read('/etc/bacula/calypso.conf')).toContain('extra-fd');
    const res = await t.http.post('/api/v1/appliance/config/restore').set(bearer(t.adminToken)).send({ file: plain.content, confirm: 'restore' });
    expect([res.status, res.body.detail]).toEqual([200, undefined]);
    expect(res.body.applied).toEqual(['Backup (Bacula)']);
    const conf = await host.files.read('/etc/bacula/calypso.conf');
    expect(conf).not.toContain('extra-fd');
    expect(conf).toContain('keep-fd');
    expect(conf).toContain('Keep-Client-Password-1');
    await relogin();
  });

  test('a fresh appliance takes an encrypted export: users with their passwords, settings rendered; its own admin keeps theirs', async () => {
    const saved = await exportFile(PASSPHRASE);
    const fresh = await startTestApp({ host: new SimulatedHost() });
    try {
      // The fresh appliance's admin has a password of their own, which the file's admin row does not replace.
      const own = 'fresh-admin-password-77';
      expect((await fresh.http.post('/api/v1/users/admin/password').set(bearer(fresh.adminToken)).send({ password: own })).status).toBe(200);
      const token = await fresh.login('admin', own);
      const res = await fresh.http
        .post('/api/v1/appliance/config/restore')
        .set(bearer(token))
        .send({ file: saved.content, passphrase: PASSPHRASE, confirm: 'restore' });
      expect([res.status, res.body.detail]).toEqual([200, undefined]);
      expect(res.body.applied).toEqual(expect.arrayContaining(['SNMP (snmpd.conf)']));
      expect(await fresh.login('alice', 'alice-password-123')).toEqual(expect.any(String));
      expect(await fresh.login('admin', own)).toEqual(expect.any(String));
      expect(await fresh.host.files.read(CONF)).toContain(`rocommunity ${COMMUNITY} 10.1.0.0/16`);
    } finally {
      await fresh.close();
    }
  });
});
