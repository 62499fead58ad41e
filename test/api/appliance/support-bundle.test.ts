/**
 * The support bundle on the simulated appliance: a real tar.gz (listed by the system's tar) with
 * versions, settings, logs and status output; known secrets put in every secret-bearing place of
 * the configuration registry are found nowhere in it; Admin only, over both routes.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { eventsMount } from '../../../src/api/events.js';
import { supportMount } from '../../../src/api/support.js';
import { CONFIG_SETTINGS, CONFIG_TABLES } from '../../../src/services/appliance/config-tables.js';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { checkEntryName, tar } from '../../../src/lib/tar.js';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';

const SECRETS = {
  community: 'SECRET-community-1111',
  auth: 'SECRET-auth-2222',
  priv: 'SECRET-priv-3333',
  hook: 'Bearer SECRET-hook-4444',
  chap: 'SECRETchap5555',
  mutual: 'SECRETmut6666',
  bacula: 'SECRET-bacula-7777',
  s3: 'SECRET-s3-key-8888',
  scrape: 'SECRET-scrape-9999',
};

function untar(buf: Buffer): Map<string, string> {
  const raw = zlib.gunzipSync(buf);
  const out = new Map<string, string>();
  for (let off = 0; off + 512 <= raw.length;) {
    const name = raw
      .subarray(off, off + 100)
      .toString('utf8')
      .replace(/\0.*$/s, '');
    if (!name) break;
    const size = parseInt(
      raw
        .subarray(off + 124, off + 136)
        .toString('ascii')
        .replace(/\0.*$/s, ''),
      8,
    );
    out.set(name, raw.subarray(off + 512, off + 512 + size).toString('utf8'));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

describe('support bundle', () => {
  let t: TestApp;
  let operator: string;
  let reader: string;
  beforeAll(async () => {
    t = await startTestApp({ host: new SimulatedHost(), mounts: (app) => [eventsMount(app), supportMount(app)] });
    operator = await t.userWithRoles('operator', ['Operator']);
    reader = await t.userWithRoles('reader', ['ReadOnly']);
    const snmp = await t.http
      .put('/api/v1/appliance/snmp')
      .set(bearer(t.adminToken))
      .send({
        enabled: true,
        communities: [{ name: 'noc', secret: SECRETS.community, sources: ['10.1.0.0/16'] }],
        users: [{ name: 'monitor', authProtocol: 'SHA', authSecret: SECRETS.auth, privSecret: SECRETS.priv }],
      });
    expect(snmp.status).toBe(200);
    const hook = await t.http
      .post('/api/v1/alerts/channels')
      .set(bearer(t.adminToken))
      .send({ name: 'hook', webhook: { url: 'https://hooks.example.com/x' }, secret: SECRETS.hook });
    expect(hook.status).toBe(201);
    // The places no simple call fills on the simulated appliance are written as their subsystems store them.
    const at = new Date().toISOString();
    await t.app.db('iscsi_targets').insert({
      name: 'iqn.2026-01.com.example:t1',
      chap_user: 'u',
      chap_secret: SECRETS.chap,
      mutual_user: 'm',
      mutual_secret: SECRETS.mutual,
      created_at: at,
      updated_at: at,
    });
    await t.app.db('backup_resources').insert({ kind: 'client', name: 'web1-fd', spec: '{}', secret: SECRETS.bacula, created_at: at, updated_at: at });
    await t.app
      .db('objectstore_settings')
      .insert({ id: 1, provider: 'rgw', endpoint: 'http://127.0.0.1:7480', region: 'default', access_key_id: 'AKID', secret_key: SECRETS.s3, updated_at: at });
    await t.app.db('settings').insert({ key: 'monitoring.scrape_token', value: SECRETS.scrape, updated_at: at });
  });
  afterAll(async () => {
    await t.close();
  });

  test('every secret-bearing place of the registry holds a known secret (so the next test covers them all)', async () => {
    for (const table of CONFIG_TABLES.filter((x) => x.secrets?.length)) {
      for (const col of table.secrets!) {
        const rows = await t.app.db(table.table).whereNotNull(col).select(col);
        expect([table.table, col, rows.length > 0]).toEqual([table.table, col, true]);
      }
    }
    for (const [key, spec] of Object.entries(CONFIG_SETTINGS)) if (spec.secrets) expect(await t.app.db('settings').where({ key }).first()).toBeDefined();
  });

  test('a tar.gz with versions, settings, logs and status, and no secret anywhere in it', async () => {
    const res = await t.http.post('/api/v1/appliance/support-bundle').set(bearer(t.adminToken)).send({});
    expect([res.status, res.body.detail]).toEqual([200, undefined]);
    const archive = Buffer.from(res.body.contentBase64, 'base64');
    expect(res.body.sizeBytes).toBe(archive.length);
    const files = untar(archive);
    expect([...files.keys()]).toEqual(res.body.files);
    for (const name of [
      'versions.json',
      'tools.txt',
      'settings.json',
      'logs/calypso.json',
      'logs/journal.json',
      'status/zpool-status.txt',
      'status/services.json',
    ])
      expect(files.has(`calypso-support/${name}`)).toBe(true);
    expect(JSON.parse(files.get('calypso-support/versions.json')!)).toMatchObject({ node: process.version, host: 'sim' });
    expect(files.get('calypso-support/status/zpool-status.txt')).toMatch(/^\$ zpool status -v\n/);
    const settings = files.get('calypso-support/settings.json')!;
    expect(settings).toContain('[redacted]');
    expect(settings).toContain('"noc"');

    const users = await t.app.db('users').select('password_hash');
    const everything = zlib.gunzipSync(archive).toString('utf8');
    for (const secret of [...Object.values(SECRETS), ...users.map((u) => String(u.password_hash))])
      expect([secret, everything.includes(secret)]).toEqual([secret, false]);

    // The system's own tar reads it.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-bundle-'));
    try {
      fs.writeFileSync(path.join(dir, 'b.tar.gz'), archive);
      const listed = execFileSync('tar', ['-tzf', path.join(dir, 'b.tar.gz')], { encoding: 'utf8' })
        .trim()
        .split('\n');
      expect(listed).toEqual(res.body.files);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the download route streams the same archive as a file; audited; Admin only', async () => {
    const res = await t.http
      .get('/api/v1/appliance/support-bundle.tar.gz')
      .set(bearer(t.adminToken))
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/gzip');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="calypso-support-.*\.tar\.gz"$/);
    expect(untar(res.body as Buffer).has('calypso-support/versions.json')).toBe(true);
    for (const token of [operator, reader]) {
      expect((await t.http.get('/api/v1/appliance/support-bundle.tar.gz').set(bearer(token))).status).toBe(403);
      expect((await t.http.post('/api/v1/appliance/support-bundle').set(bearer(token)).send({})).status).toBe(403);
    }
    expect((await t.http.get('/api/v1/appliance/support-bundle.tar.gz')).status).toBe(401);
    const audit = await t.http.get('/api/v1/audit').query({ limit: 50, operation: 'appliance.support.bundle' }).set(bearer(t.adminToken));
    expect(JSON.stringify(audit.body)).toContain('appliance.support.bundle');
  });

  test('the tar writer refuses names that would leave the directory', () => {
    for (const bad of ['/etc/passwd', '../x', 'a/../../b', 'a//b', '', 'x'.repeat(101)])
      expect(() => checkEntryName(bad)).toThrow(/not an archive member name/);
    expect(tar([{ name: 'a.txt', content: 'hi', mtimeMs: 0 }]).length).toBe(512 * 4);
  });
});
