/**
 * Real tgtd on loopback (REAL-PEERS.md): a target created through the API on the tgt backend is
 * discovered by the libiscsi initiator, which reads its LUN's size.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { PeerHost, peersAvailable, sh, waitFor } from '../../helpers/peers.js';

const CONTROL = 17;
const PORTAL = 3261;
const run = peersAvailable(['tgtd', 'tgtadm', 'iscsi-ls', 'iscsi-readcapacity16', 'truncate']);
const suite = run ? describe : describe.skip;

suite('real tgtd exports a target made through the API', () => {
  let t: TestApp;
  let dir: string;
  let tgtd: ChildProcess | null = null;
  const as = () => ({ Authorization: `Bearer ${t.adminToken}` });
  const adm = (...args: string[]) => sh('tgtadm', ['-C', String(CONTROL), ...args]);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-tgt-'));
    const host = new PeerHost();
    await host.sim.run('zfs', ['create', '-o', `mountpoint=${dir}`, 'tank/iscsitest']);
    t = await startTestApp({ host });
    tgtd = spawn('tgtd', ['-f', '-C', String(CONTROL), '--iscsi', `portal=127.0.0.1:${PORTAL}`], { stdio: 'ignore', detached: true });
    await waitFor('tgtd to answer', () => {
      try {
        adm('--lld', 'iscsi', '--mode', 'target', '--op', 'show');
        return true;
      } catch {
        return false;
      }
    });
  });

  afterAll(async () => {
    if (tgtd && tgtd.exitCode === null) {
      // tgtd ignores SIGTERM: take it offline, drop its targets, then delete the system.
      try {
        adm('--op', 'update', '--mode', 'sys', '--name', 'State', '-v', 'offline');
        for (const m of sh('tgtadm', ['-C', String(CONTROL), '--lld', 'iscsi', '--mode', 'target', '--op', 'show']).matchAll(/^Target (\d+):/gm)) {
          adm('--mode', 'target', '--op', 'delete', '--force', '--tid', m[1]!);
        }
        adm('--mode', 'system', '--op', 'delete');
      } catch {
        tgtd.kill('SIGKILL');
      }
      await waitFor('tgtd to stop', () => tgtd!.exitCode !== null || tgtd!.signalCode !== null, 5000).catch(() => tgtd!.kill('SIGKILL'));
    }
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('discovered by iscsi-ls; iscsi-readcapacity16 reads the LUN size; CHAP is enforced', async () => {
    const settings = await t.http.patch('/api/v1/iscsi/settings').set(as()).send({ backend: 'tgt', tgtControlPort: CONTROL });
    expect(settings.body).toEqual({ backend: 'tgt', tgtControlPort: CONTROL });
    const iqn = 'iqn.2005-10.org.calypso:real-peer';
    const file = path.join(dir, 'lun1.img');
    const created = await t.http
      .post('/api/v1/iscsi/targets')
      .set(as())
      .send({
        name: iqn,
        luns: [{ lun: 1, backing: { type: 'file', path: file, sizeBytes: 64 * 1024 * 1024 } }],
      });
    expect([created.status, created.body.detail]).toEqual([201, undefined]);
    expect(fs.statSync(file).size).toBe(64 * 1024 * 1024);

    const url = `iscsi://127.0.0.1:${PORTAL}`;
    expect(sh('iscsi-ls', ['-s', url])).toContain(`Target:${iqn} Portal:127.0.0.1:${PORTAL}`);
    expect(sh('iscsi-readcapacity16', [`${url}/${iqn}/1`])).toMatch(/Total size:67108864/);
    expect((await t.http.get('/api/v1/iscsi/drift').set(as())).body).toMatchObject({ inSync: true });

    const secured = await t.http
      .patch(`/api/v1/iscsi/targets/${encodeURIComponent(iqn)}`)
      .set(as())
      .send({ chap: { user: 'initiator1', secret: 'Real-Peer-0042' } });
    expect(secured.status).toBe(200);
    expect(() => sh('iscsi-readcapacity16', [`${url}/${iqn}/1`])).toThrow();
    expect(sh('iscsi-readcapacity16', [`iscsi://initiator1%Real-Peer-0042@127.0.0.1:${PORTAL}/${iqn}/1`])).toMatch(/Total size:67108864/);

    expect(
      (
        await t.http
          .delete(`/api/v1/iscsi/targets/${encodeURIComponent(iqn)}`)
          .set(as())
          .send({ confirm: iqn })
      ).status,
    ).toBe(200);
    expect(adm('--lld', 'iscsi', '--mode', 'target', '--op', 'show')).not.toContain(iqn);
    // With no target left, discovery itself fails; with others left, this one is not listed.
    let listing: string;
    try {
      listing = sh('iscsi-ls', ['-s', url]);
    } catch {
      listing = '';
    }
    expect(listing).not.toContain(iqn);
  });
});
