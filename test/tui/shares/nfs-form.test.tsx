/**
 * Issue 17, NFS exports: the contract refuses a bad client host (400 naming the client and what is
 * expected; nothing stored, no file written), and the console edits clients as a list (path first;
 * add, edit, remove one client: host and options). Issue 19 leftover: an export giving root to many
 * hosts makes the console ask for the typed path and resend with it.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ADMIN_PASSWORD, startConsoleTest, type ConsoleTest } from '../../helpers/console.js';

const EXPORTS = '/etc/exports.d/calypso.exports';
let c: ConsoleTest;
const as = (token: string) => ({ Authorization: `Bearer ${token}` });

beforeAll(async () => {
  c = await startConsoleTest();
});
afterAll(async () => {
  await c?.close();
});

describe('the contract', () => {
  test.each([
    ['bad host(rw', /client "bad host\(rw": .*expected a host name.*netgroup \(@name\)/],
    ['host(rw)', /client "host\(rw\)"/],
    ['10.0.0.0/33', /\/33 is not a prefix length/],
    ['@', /netgroup/],
    ['', /client "": is empty/],
    ['-rw', /client "-rw"/],
    ['a b', /client "a b"/],
    ['host,rw', /client "host,rw"/],
  ])('host %j is refused with a 400 naming the client; nothing stored or written', async (host, reason) => {
    const before = await c.host.files.readIfExists(EXPORTS);
    const res = await c.http
      .post('/api/v1/shares/nfs')
      .set(as(c.adminToken))
      .send({
        path: '/tank/shares',
        clients: [
          { host: '10.0.0.1', access: 'rw' },
          { host, access: 'rw' },
        ],
      });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body.detail).toMatch(reason);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'clients.1.host' })]);
    expect(await c.app.db('nfs_exports')).toEqual([]);
    expect(await c.host.files.readIfExists(EXPORTS)).toBe(before);
  });

  test.each(['backup1.example.com', '10.0.0.7', '10.0.0.0/24', 'fd00::/64', '@backup-hosts', '*.example.com', '*'])('host %j is accepted', async (host) => {
    const res = await c.http
      .post('/api/v1/shares/nfs')
      .set(as(c.adminToken))
      .send({ path: '/tank/shares', clients: [{ host, access: 'ro' }] });
    expect(res.status).toBe(201);
    expect(await c.host.files.read(EXPORTS)).toContain(`/tank/shares ${host}(ro,`);
    expect(
      (
        await c.http
          .delete(`/api/v1/shares/nfs/${encodeURIComponent('/tank/shares')}`)
          .set(as(c.adminToken))
          .send({ confirm: '/tank/shares' })
      ).status,
    ).toBe(200);
  });
});

describe('the console form', () => {
  beforeAll(async () => {
    await c.loginAs('admin', ADMIN_PASSWORD);
    await c.press(':');
    await c.waitFor('Go to a screen');
    await c.type('shares');
    await c.press('enter');
    await c.waitFor('No SMB shares');
    await c.press('2');
    await c.waitFor('No NFS exports');
  });

  test('path first, then clients one by one; a bad host is refused in the client editor and nothing is sent', async () => {
    await c.press('c');
    const form = await c.waitFor('Export a directory over NFS');
    expect(form.indexOf('Path')).toBeLessThan(form.indexOf('Clients'));
    await c.type('/tank/shares');
    await c.press('enter');
    await c.waitFor(/▶\s+\+ add a client/);
    await c.press('enter');
    await c.waitFor('A new client of /tank/shares');
    await c.type('bad host(rw');
    await c.press('enter');
    await c.waitFor(/host: client "bad host\(rw": bad host\(rw is not an address/);
    expect(await c.app.db('nfs_exports')).toEqual([]);
    await c.press('escape');
    await c.waitFor(/Clients \* \(0\)/);

    await c.press('a');
    await c.waitFor('A new client of /tank/shares');
    await c.type('10.0.0.0/24');
    await c.press('down');
    await c.press(' ');
    await c.waitFor('< read-write >');
    await c.press('enter');
    await c.waitFor(/10\.0\.0\.0\/24\s+read-write, root becomes nobody/);
    await c.press('a');
    await c.waitFor('A new client of /tank/shares');
    await c.type('*.example.com');
    await c.press('enter');
    await c.waitFor(/\*\.example\.com\s+read-only, root becomes nobody/);
    await c.press('down');
    await c.press('down');
    await c.waitFor(/▶\s+\[ Export \]/);
    await c.press('enter');
    await c.waitFor('Exported /tank/shares');
    const file = await c.host.files.read(EXPORTS);
    expect(file).toMatch(/^\/tank\/shares 10\.0\.0\.0\/24\(rw,root_squash,[^)]*\) \*\.example\.com\(ro,root_squash,[^)]*\)$/m);
  });

  test('root for a netgroup: the typed-confirmation dialog asks for the path, then the change is sent with it', async () => {
    await c.waitFor('e Edit');
    await c.press('e');
    await c.waitFor('Edit the export of /tank/shares');
    // The first client is selected: x removes it.
    await c.press('x');
    await c.waitFor(/Clients \* \(1\)/);
    await c.press('a');
    await c.type('@backup-hosts');
    await c.press('down');
    await c.press('down');
    await c.press(' ');
    await c.press(' ');
    await c.waitFor('< no_root_squash >');
    await c.press('enter');
    await c.waitFor(/@backup-hosts\s+read-only, root stays root/);
    await c.press('down');
    await c.press('down');
    await c.waitFor(/▶\s+\[ Save \]/);
    const before = await c.app.db('nfs_exports').first();
    await c.press('enter');
    const dialog = await c.waitFor('Type /tank/shares to give root to many hosts through it');
    expect(dialog).toContain('@backup-hosts');
    // Nothing changed until the path is typed; Esc goes back to the form with the edits kept.
    expect(await c.app.db('nfs_exports').first()).toEqual(before);
    expect(await c.host.files.read(EXPORTS)).not.toContain('@backup-hosts');
    await c.press('escape');
    await c.waitFor(/@backup-hosts\s+read-only, root stays root/);
    expect(await c.app.db('nfs_exports').first()).toEqual(before);
    await c.waitFor(/▶\s+\[ Save \]/);
    await c.press('enter');
    await c.waitFor('Type /tank/shares to give root to many hosts through it');
    await c.type('/tank/shares');
    await c.press('enter');
    await c.waitFor('Saved the export of /tank/shares');
    expect(await c.host.files.read(EXPORTS)).toMatch(/^\/tank\/shares \*\.example\.com\(ro,[^)]*\) @backup-hosts\(ro,no_root_squash,[^)]*\)$/m);
    const audit = await c.app.db('audit_log').where({ operation: 'shares.nfs.update', result: 'ok' });
    expect(audit).toHaveLength(1);
  });
});
