/**
 * Replication against real peers: zfs-fuse (two pools on file vdevs in one daemon) and OpenSSH
 * (sshd on a loopback port with its own host key, Calypso's key in its authorized_keys).
 * - local: a full send, then an incremental, through the API; snapshots (GUIDs) and file
 *   contents of the target match the source;
 * - ssh: a push over ssh into the zfs-fuse target pool with the key pair Calypso made; a changed
 *   host key is refused until its fingerprint is confirmed.
 * zfs-fuse has no resumable receive, estimates or holds: resume and token discard are tested on the
 * simulator (replication-api.test.ts).
 * CI: apt-get install zfs-fuse openssh-server openssh-client; CALYPSO_REQUIRE_PEERS=1 (or
 * CALYPSO_REQUIRE_ZFS_FUSE=1) makes a missing tool a failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { LocalHost } from '../../../src/system/local-host.js';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';

const ZFS_FUSE = ['/usr/sbin/zfs-fuse', '/usr/bin/zfs-fuse'].find((p) => existsSync(p));
const SSHD = '/usr/sbin/sshd';
const hasSsh = existsSync(SSHD) && existsSync('/usr/bin/ssh') && existsSync('/usr/bin/ssh-keygen');
const required = process.env['CALYPSO_REQUIRE_PEERS'] === '1' || process.env['CALYPSO_REQUIRE_ZFS_FUSE'] === '1';

const host = new LocalHost({ timeoutMs: 60_000 });
const run = (cmd: string, args: string[]) => host.run(cmd, args);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function until<T>(what: string, fn: () => Promise<T | null | false>, tries = 100): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn().catch(() => null);
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

if (!ZFS_FUSE && !required) {
  test.skip('zfs-fuse is not installed (apt-get install zfs-fuse openssh-server; CALYPSO_REQUIRE_PEERS=1 makes this fail)', () => undefined);
} else {
  describe('replication on zfs-fuse', () => {
    const src = `replsrc${process.pid}`;
    const dst = `repldst${process.pid}`;
    let dir = '';
    let startedPid: number | null = null;
    let t: TestApp;
    const api = () => ({
      get: (p: string) => t.http.get(`/api/v1${p}`).set(bearer(t.adminToken)),
      post: (p: string, body: object = {}) => t.http.post(`/api/v1${p}`).set(bearer(t.adminToken)).send(body),
    });
    const snaps = async (ds: string) =>
      (await run('zfs', ['get', '-H', '-p', '-r', '-d', '1', '-o', 'name,value', 'guid', ds])).stdout
        .split('\n')
        .filter((l) => l.includes('@'))
        .map((l) => l.split('\t'))
        .map(([n, g]) => `${n!.split('@')[1]} ${g}`)
        .sort();
    const waitJob = async (id: number) => ({ ...(await t.app.jobs.wait(id, 120_000)), log: (await t.app.jobs.logs(id)).map((l) => l.line) });
    /** Names carry seconds: the next run waits for the next second so its snapshot name is new. */
    const nextSecond = async () => {
      const s = Math.floor(Date.now() / 1000);
      await until('the next second', async () => Math.floor(Date.now() / 1000) > s);
    };

    beforeAll(async () => {
      if (!ZFS_FUSE) throw new Error('CALYPSO_REQUIRE_PEERS=1 but zfs-fuse is not installed (apt-get install -y --no-install-recommends zfs-fuse)');
      dir = await mkdtemp(join(tmpdir(), 'calypso-repl-'));
      const daemonUp = () => run('zpool', ['list', '-H', '-o', 'name']).then(() => true);
      if (!(await daemonUp().catch(() => false))) {
        const pidFile = join(dir, 'zfs-fuse.pid');
        const child = spawn(ZFS_FUSE, ['-n', '-p', pidFile, '--no-kstat-mount'], { stdio: 'ignore', detached: true });
        child.unref();
        await until('zfs-fuse', daemonUp);
        startedPid = Number((await readFile(pidFile, 'utf8').catch(() => String(child.pid))).trim());
      }
      for (const f of ['s.img', 'd.img']) {
        await writeFile(join(dir, f), '');
        await truncate(join(dir, f), 100 * 1024 * 1024);
      }
      await run('zpool', ['create', '-m', join(dir, 'src'), src, join(dir, 's.img')]);
      await run('zpool', ['create', '-m', join(dir, 'dst'), dst, join(dir, 'd.img')]);
      await run('zfs', ['create', `${src}/data`]);
      t = await startTestApp({ host, monitoring: { probes: [] }, replication: { sshDir: join(dir, 'ssh'), sleep: async () => undefined } });
    }, 60_000);

    afterAll(async () => {
      await t?.close();
      for (const p of [src, dst]) {
        for (let i = 0; i < 20; i++) {
          const gone = await run('zpool', ['destroy', '-f', p]).then(
            () => true,
            (e: Error) => /no such pool/.test(e.message),
          );
          if (gone) break;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      if (startedPid) {
        process.kill(startedPid, 'SIGTERM');
        await until('zfs-fuse to stop', async () => {
          try {
            process.kill(startedPid!, 0);
            return false;
          } catch {
            return true;
          }
        }).catch(() => undefined);
      }
      if (dir) await rm(dir, { recursive: true, force: true });
    }, 60_000);

    let snapTaskId = 0;
    test('local: a full send, then an incremental; snapshots and file contents match', async () => {
      await writeFile(join(dir, 'src', 'data', 'report.txt'), 'first version\n');
      const task = await api().post('/snapshot-tasks', { dataset: `${src}/data`, cron: '0 * * * *', namingSchema: 'auto-%Y%m%d-%H%M%S', lifetime: '1 week' });
      expect(task.status).toBe(201);
      snapTaskId = task.body.id;
      const repl = await api().post('/replication/tasks', {
        name: 'local',
        sources: [`${src}/data`],
        target: `${dst}/data`,
        snapshotTaskIds: [snapTaskId],
        allowFromScratch: true,
      });
      expect(repl.status).toBe(201);

      const first = await waitJob((await api().post(`/snapshot-tasks/${snapTaskId}/run`)).body.job.id);
      expect(first.state).toBe('succeeded');
      const full = await waitJob(Number(/job (\d+)/.exec(first.log.find((l) => /started replication task/.test(l))!)![1]));
      expect([full.state, full.error]).toEqual(['succeeded', null]);
      expect(full.log.join('\n')).toMatch(/\(zfs-fuse\)/);
      expect(full.log.join('\n')).toMatch(/\(full\): [\d.]+ [KM]iB sent/);

      await nextSecond();
      await writeFile(join(dir, 'src', 'data', 'report.txt'), 'second version\n');
      await writeFile(join(dir, 'src', 'data', 'new.txt'), 'added later\n');
      const second = await waitJob((await api().post(`/snapshot-tasks/${snapTaskId}/run`)).body.job.id);
      const inc = await waitJob(Number(/job (\d+)/.exec(second.log.find((l) => /started replication task/.test(l))!)![1]));
      expect([inc.state, inc.error]).toEqual(['succeeded', null]);
      expect(inc.log.join('\n')).toMatch(/\(-I\): [\d.]+ [KM]?i?B sent/);

      expect(await snaps(`${dst}/data`)).toEqual(await snaps(`${src}/data`));
      expect((await snaps(`${dst}/data`)).length).toBe(2);
      // Read before mounting: zfs-fuse shows a mounted dataset's readonly as a temporary "off".
      expect((await run('zfs', ['get', '-H', '-o', 'value,source', 'readonly', `${dst}/data`])).stdout.trim()).toBe('on\tlocal');
      await run('zfs', ['mount', `${dst}/data`]).catch(() => undefined);
      expect(await readFile(join(dir, 'dst', 'data', 'report.txt'), 'utf8')).toBe('second version\n');
      expect(await readFile(join(dir, 'dst', 'data', 'new.txt'), 'utf8')).toBe('added later\n');
      const state = (await api().get(`/replication/tasks/${repl.body.id}`)).body.state;
      expect(state).toMatch(new RegExp(`^Up to date: auto-\\d{8}-\\d{6} on ${dst}/data`));
    }, 120_000);

    const sshSuite = hasSsh ? test : required ? test : test.skip;
    sshSuite(
      'ssh: a push over OpenSSH with the key Calypso made; a changed host key is refused until confirmed',
      async () => {
        if (!hasSsh) throw new Error('CALYPSO_REQUIRE_PEERS=1 but openssh-server/openssh-client are not installed');
        const sshd = join(dir, 'sshd');
        await mkdir(sshd, { recursive: true });
        await mkdir('/run/sshd', { recursive: true });
        const port = await freePort();
        const authorized = join(sshd, 'authorized_keys');
        let child: ChildProcess | null = null;
        const startSshd = async (keyName: string) => {
          const key = join(sshd, keyName);
          if (!existsSync(key)) await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
          child = spawn(
            SSHD,
            [
              '-D',
              '-e',
              '-p',
              String(port),
              '-o',
              'ListenAddress=127.0.0.1',
              '-h',
              key,
              '-o',
              `AuthorizedKeysFile=${authorized}`,
              '-o',
              `PidFile=${join(sshd, 'pid')}`,
              '-o',
              'StrictModes=no',
            ],
            {
              stdio: 'ignore',
            },
          );
          await until('sshd', () => run('ssh-keyscan', ['-T', '2', '-p', String(port), '127.0.0.1']).then((r) => r.stdout.includes('ssh-')));
        };
        const stopSshd = async () => {
          const c = child as ChildProcess | null;
          if (!c || c.exitCode !== null) return;
          const done = new Promise((r) => c.once('exit', r));
          c.kill('SIGTERM');
          await done;
        };
        try {
          await startSshd('host_a');
          const conn = await api().post('/replication/connections', { name: 'loopback', host: '127.0.0.1', port, user: 'root' });
          expect(conn.status).toBe(201);
          expect(JSON.stringify(conn.body)).not.toMatch(/PRIVATE KEY/);
          const hostA = (await run('ssh-keygen', ['-l', '-f', join(sshd, 'host_a.pub')])).stdout.split(' ')[1];
          expect(conn.body.offeredFingerprint).toBe(hostA);
          await writeFile(authorized, `${conn.body.publicKey}\n`);
          const trusted = await api().post(`/replication/connections/${conn.body.id}/trust`, { fingerprint: hostA, confirm: hostA });
          expect(trusted.body.hostKeyFingerprint).toBe(hostA);
          expect((await api().post(`/replication/connections/${conn.body.id}/test`)).body).toMatchObject({ ok: true });

          const repl = await api().post('/replication/tasks', {
            name: 'over ssh',
            transport: 'ssh',
            connectionId: conn.body.id,
            sources: [`${src}/data`],
            target: `${dst}/viassh`,
            snapshotTaskIds: [snapTaskId],
            trigger: 'schedule',
            cron: '0 4 * * *',
            allowFromScratch: true,
          });
          expect(repl.status).toBe(201);
          const job = await waitJob((await api().post(`/replication/tasks/${repl.body.id}/run`)).body.job.id);
          expect([job.state, job.error]).toEqual(['succeeded', null]);
          expect(job.log.join('\n')).toMatch(/to root@127\.0\.0\.1:\d+ \(zfs-fuse\)/);
          expect(await snaps(`${dst}/viassh`)).toEqual(await snaps(`${src}/data`));

          await stopSshd();
          await startSshd('host_b');
          const refused = await waitJob((await api().post(`/replication/tasks/${repl.body.id}/run`)).body.job.id);
          expect(refused.state).toBe('failed');
          expect((await api().get(`/replication/tasks/${repl.body.id}`)).body.state).toBe('SSH host key changed for 127.0.0.1: confirm the new fingerprint');
          const scanned = (await api().post(`/replication/connections/${conn.body.id}/scan`)).body;
          const hostB = (await run('ssh-keygen', ['-l', '-f', join(sshd, 'host_b.pub')])).stdout.split(' ')[1];
          expect(scanned.offeredFingerprint).toBe(hostB);
          await api().post(`/replication/connections/${conn.body.id}/trust`, { fingerprint: hostB, confirm: hostB });
          await nextSecond();
          await waitJob((await api().post(`/snapshot-tasks/${snapTaskId}/run`)).body.job.id);
          const after = await waitJob((await api().post(`/replication/tasks/${repl.body.id}/run`)).body.job.id);
          expect([after.state, after.error]).toEqual(['succeeded', null]);
          expect(await snaps(`${dst}/viassh`)).toEqual(await snaps(`${src}/data`));
        } finally {
          await stopSshd();
        }
      },
      180_000,
    );
  });
}
