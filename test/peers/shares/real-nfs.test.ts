/** Real exportfs (nfs-utils): the exports Calypso writes are accepted and show up in exportfs -v. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { setShareDeployment } from '../../../src/services/shares/operations.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { PeerHost, peersAvailable, sh } from '../../helpers/peers.js';

const run = peersAvailable(['exportfs']);
const suite = run ? describe : describe.skip;

suite('real exportfs accepts the generated exports', () => {
  let t: TestApp;
  let dir: string;
  const exportsFile = `/etc/exports.d/calypso-test-${process.pid}.exports`;
  const as = () => ({ Authorization: `Bearer ${t.adminToken}` });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-nfs-'));
    fs.mkdirSync(path.join(dir, 'projects'));
    const host = new PeerHost();
    await host.sim.run('zfs', ['create', '-o', `mountpoint=${dir}`, 'tank/nfstest']);
    t = await startTestApp({ host });
    await setShareDeployment(t.app.db, { exportsPath: exportsFile });
  });

  afterAll(async () => {
    for (const f of [exportsFile, `${exportsFile}.prev`]) fs.rmSync(f, { force: true });
    try {
      sh('exportfs', ['-ra']);
    } catch {
      // nothing left to unexport
    }
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('exportfs -ra takes the file; exportfs -v shows every client rule', async () => {
    const p = path.join(dir, 'projects');
    const created = await t.http
      .post('/api/v1/shares/nfs')
      .set(as())
      .send({
        path: p,
        clients: [
          { host: '127.0.0.1', access: 'rw', squash: 'no_root_squash' },
          { host: '10.9.0.0/24', access: 'ro', squash: 'all_squash', anonuid: 1000, anongid: 1000 },
          { host: '*.lab.example.com', access: 'ro', sec: ['sys'] },
        ],
      });
    expect([created.status, created.body.detail]).toEqual([201, undefined]);
    const active = (await t.http.get('/api/v1/shares/nfs-active').set(as())).body.items.filter((e: { path: string }) => e.path === p);
    expect(active).toEqual([
      expect.objectContaining({ client: '127.0.0.1', options: expect.arrayContaining(['rw', 'no_root_squash']) }),
      expect.objectContaining({ client: '10.9.0.0/24', options: expect.arrayContaining(['ro', 'all_squash', 'anonuid=1000', 'anongid=1000']) }),
      expect.objectContaining({ client: '*.lab.example.com', options: expect.arrayContaining(['ro', 'root_squash']) }),
    ]);
    expect(
      (
        await t.http
          .delete(`/api/v1/shares/nfs/${encodeURIComponent(p)}`)
          .set(as())
          .send({ confirm: p })
      ).status,
    ).toBe(200);
    expect(sh('exportfs', ['-v'])).not.toContain(p);
  });
});
