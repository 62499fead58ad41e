/**
 * Real Samba on loopback (REAL-PEERS.md): a share created through the API passes testparm,
 * is listed by smbclient, and a file put over SMB lands in the dataset's directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { processesWithArg, stopProcessTree } from '../../helpers/process-tree.js';
import { setShareDeployment } from '../../../src/services/shares/operations.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { PeerHost, peersAvailable, sh, waitFor } from '../../helpers/peers.js';

const PORT = 4445;
const run = peersAvailable(['smbd', 'testparm', 'smbclient', 'smbcontrol', 'smbpasswd', 'useradd', 'userdel']);
const suite = run ? describe : describe.skip;

suite('real smbd serves a share made through the API', () => {
  let t: TestApp;
  let dir: string;
  let smbd: ChildProcess | null = null;
  const unixUser = `calypso${process.pid}`;
  let conf: string;
  const as = () => ({ Authorization: `Bearer ${t.adminToken}` });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-smb-'));
    for (const d of ['private', 'state', 'cache', 'lock', 'pid', 'ncalrpc', 'data/projects']) fs.mkdirSync(path.join(dir, d), { recursive: true });
    // The SMB user is an unprivileged Unix account: it must reach and write the share's directory.
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(path.join(dir, 'data/projects'), 0o777);
    conf = path.join(dir, 'smb.conf');
    const host = new PeerHost();
    await host.sim.run('zfs', ['create', '-o', `mountpoint=${path.join(dir, 'data')}`, 'tank/smbtest']);
    t = await startTestApp({ host });
    await setShareDeployment(t.app.db, {
      smbConfPath: conf,
      serviceManager: 'none',
      smbExtraGlobals: {
        'smb ports': String(PORT),
        interfaces: '127.0.0.1',
        'bind interfaces only': 'yes',
        'disable netbios': 'yes',
        'private dir': path.join(dir, 'private'),
        'state directory': path.join(dir, 'state'),
        'cache directory': path.join(dir, 'cache'),
        'lock directory': path.join(dir, 'lock'),
        'pid directory': path.join(dir, 'pid'),
        'ncalrpc dir': path.join(dir, 'ncalrpc'),
        'log file': path.join(dir, 'log.%m'),
      },
    });
    // The first smb.conf comes from Calypso with the service disabled; then smbd starts on it.
    const off = await t.http.post('/api/v1/shares/smb-service/disable').set(as()).send({});
    expect([off.status, off.body.detail]).toEqual([200, undefined]);
    const first = await t.http.patch('/api/v1/shares/smb-service').set(as()).send({ workgroup: 'CALYPSO' });
    expect([first.status, first.body.detail]).toEqual([200, undefined]);
    // Its own session: smbd signals its whole process group when it stops, which must not include jest.
    smbd = spawn('smbd', [`--configfile=${conf}`, '--foreground', '--no-process-group', '--debug-stdout'], { stdio: 'ignore', detached: true });
    await waitFor('smbd to answer', () => {
      try {
        sh('smbcontrol', ['-s', conf, 'smbd', 'ping']);
        return true;
      } catch {
        return false;
      }
    });
  });

  afterAll(async () => {
    // smbd and the helpers it started on demand: samba-dcerpcd (which detaches itself, so it is found by the
    // configuration file it was given) and its rpcd_* workers. All of them must be gone, on SIGTERM.
    if (smbd?.pid && smbd.exitCode === null) {
      const exited = new Promise((r) => smbd!.once('exit', r));
      const killed = await stopProcessTree(smbd.pid, { also: processesWithArg(`--configfile=${conf}`) });
      await exited;
      expect(killed).toEqual([]);
    }
    try {
      sh('userdel', [unixUser]);
    } catch {
      // never created
    }
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('create, list with smbclient, put a file as a Calypso user with an SMB password', async () => {
    expect((await t.http.post('/api/v1/shares/smb-service/enable').set(as()).send({})).body).toMatchObject({ enabled: true, running: true });
    const created = await t.http
      .post('/api/v1/shares/smb')
      .set(as())
      .send({
        name: 'projects',
        path: path.join(dir, 'data/projects'),
        comment: 'Team projects',
        shadowCopy: true,
        recycleBin: true,
        timeMachine: true,
      });
    expect(created.status).toBe(201);
    expect(sh('testparm', ['-s', conf], undefined)).toContain('[projects]');

    const listing = sh('smbclient', ['-p', String(PORT), '-L', '127.0.0.1', '-N', '-s', conf]);
    expect(listing).toMatch(/projects\s+Disk\s+Team projects/);

    await t.http
      .post('/api/v1/users')
      .set(as())
      .send({ username: unixUser, password: 'calypso-login-123', roles: ['ReadOnly'] });
    expect((await t.http.post('/api/v1/shares/smb-users').set(as()).send({ username: unixUser, password: 'smb-Pass-2024' })).status).toBe(200);
    const local = path.join(dir, 'hello.txt');
    fs.writeFileSync(local, 'hello over SMB\n');
    sh('smbclient', [`//127.0.0.1/projects`, '-p', String(PORT), '-s', conf, '-U', `${unixUser}%smb-Pass-2024`, '-c', `put ${local} hello.txt`]);
    expect(fs.readFileSync(path.join(dir, 'data/projects/hello.txt'), 'utf8')).toBe('hello over SMB\n');

    const sessions = await t.http.get('/api/v1/shares/smb-service/sessions').set(as());
    expect(sessions.status).toBe(200);
    expect(Array.isArray(sessions.body.sessions)).toBe(true);

    expect((await t.http.delete('/api/v1/shares/smb/projects').set(as()).send({ confirm: 'projects' })).status).toBe(200);
    await waitFor('the share to disappear', () => !sh('smbclient', ['-p', String(PORT), '-L', '127.0.0.1', '-N', '-s', conf]).includes('projects'));
  });
});
