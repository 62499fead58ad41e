/**
 * Issue 17, NFS exports: the contract refuses a bad client host (400 naming the client and what is
 * expected; nothing stored, no file written), and the console edits clients as a list (path first;
 * add, edit, remove one client: host and options). Issue 19 leftover: an export giving root to many
 * hosts makes the console ask for the typed path and resend with it.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ADMIN_PASSWORD, startConsoleTest, type ConsoleTest } from '../helpers/console.js';

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
    const res = await c.http.post('/api/v1/shares/nfs').set(as(c.adminToken)).send({ path: '/tank/shares', clients: [{ host: '10.0.0.1', access: 'rw' }, { host, access: 'rw' }] });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body.detail).toMatch(reason);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: "clients.1.host" })]);
    expect(await c.app.db('nfs_exports')).toEqual([]);
    expect(await c.host.files.readIfExists(EXPORTS)).toBe(before);
  });

  test.each(['backup1.example.com', '10.0.0.7', '10.0.0.0/24', 'fd00::/64', '@backup-hosts', '*.example.com', '*'])('host %j is accepted', async (host) => {
    const res = await c.http.post('/api/v1/shares/nfs').set(as(c.adminToken)).send({ path: '/tank/shares', clients: [{ host, access: 'ro' }] });
    expect(res.status).toBe(201);
    expect(await c.host.files.read(EXPORTS)).toContain(`/tank/shares ${host}(ro,`);
    expect((await c.http.delete(`/api/v1/shares/nfs/${encodeURIComponent('/tank/shares')}`).set(as(c.adminToken)).send({ confirm: '/tank/shares' })).status).toBe(200);
  });
});
