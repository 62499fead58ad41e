/**
 * Real Bacula 9.6 on loopback (REAL-PEERS.md), driven only through Calypso's API: a client, a
 * FileSet over a test folder and a job are rendered into calypso.conf, checked by bacula-dir -t
 * and reloaded; a Full and an Incremental run, the history shows both, BVFS browses the Full, a
 * file is restored elsewhere and compared byte for byte, a job waiting for a volume is reported
 * with its reason and then cancelled. The daemons are stopped in afterAll, whatever happened.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { LocalHost } from '../../../src/system/local-host.js';
import type { RunOptions, RunResult } from '../../../src/system/host.js';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';
import { peersAvailable, waitFor } from '../../helpers/peers.js';
import { FD_PASSWORD, FD_PORT, SD_PORT, startBacula, type BaculaPeers } from './bacula-peers.js';

/**
 * The real machine, except ZFS: this machine has no ZFS kernel module, so `zfs` answers with one
 * dataset mounted on the peers' repo folder (OpenZFS's `zfs list -H -p` format). Bacula is real.
 */
class PeerHost extends LocalHost {
  repo = '';
  override run(command: string, args: string[], opts?: RunOptions): Promise<RunResult> {
    if (command === 'zfs' && args[0] === 'version') return Promise.resolve({ code: 0, stdout: 'zfs-2.2.2-0ubuntu9\nzfs-kmod-2.2.2-0ubuntu9\n', stderr: '' });
    if (command === 'zfs' && args[0] === 'list')
      return Promise.resolve({
        code: 0,
        stdout: `tank/peer-repo\tfilesystem\t1048576\t10737418240\t1048576\t0\t${this.repo}\t-\t1764460000\t1.00x\n`,
        stderr: '',
      });
    return super.run(command, args, opts);
  }
}

const run = peersAvailable(['bacula-dir', 'bacula-sd', 'bacula-fd', 'bconsole', 'sqlite3']) && fs.existsSync('/usr/share/bacula-director/make_sqlite3_tables');
const suite = run ? describe : describe.skip;

suite('real Bacula director, storage and file daemons driven through the API', () => {
  let peers: BaculaPeers;
  let t: TestApp;
  let operator: string;
  const as = () => bearer(t.adminToken);
  const files: Record<string, Buffer> = {};
  let fullJobId = 0;

  beforeAll(async () => {
    peers = await startBacula();
    process.env.CALYPSO_BACULA_ETC = peers.dir;
    process.env.CALYPSO_BACKUP_POLL_MS = '200';
    process.env.CALYPSO_BACULA_SD_PORT = String(SD_PORT);
    process.env.CALYPSO_BACULA_SD_CONTROL = `pidfile:${peers.sdPidFile}`;
    for (let i = 1; i <= 3; i++) {
      files[`file${i}.bin`] = Buffer.from(Array.from({ length: 30000 + i }, (_, k) => (k * 7 + i) % 251));
      fs.writeFileSync(path.join(peers.data, `file${i}.bin`), files[`file${i}.bin`]!);
    }
    fs.writeFileSync(path.join(peers.data, 'notes.txt'), 'first version\n');
    const host = new PeerHost();
    host.repo = peers.repo;
    t = await startTestApp({ host });
    operator = await t.userWithRoles('bkop', ['Operator']);
  }, 60_000);

  afterAll(async () => {
    try {
      for (const id of t?.app.jobs.runningIds() ?? []) await t.app.jobs.cancel(id).catch(() => undefined);
      await t?.close().catch(() => undefined);
    } finally {
      await peers?.stop();
    }
    delete process.env.CALYPSO_BACULA_ETC;
    delete process.env.CALYPSO_BACKUP_POLL_MS;
    delete process.env.CALYPSO_BACULA_SD_PORT;
    delete process.env.CALYPSO_BACULA_SD_CONTROL;
  }, 60_000);

  const waitJob = async (calypsoJobId: number) => {
    const job = await t.app.jobs.wait(calypsoJobId, 60_000);
    expect(job.state).not.toBe('running');
    return job;
  };

  test('client, FileSet, pool and job are rendered, checked by bacula-dir and reloaded', async () => {
    const client = await t.http.post('/api/v1/backup/clients').set(as()).send({ name: 'peer-fd', address: '127.0.0.1', port: FD_PORT, password: FD_PASSWORD });
    expect(client.status).toBe(201);
    expect(JSON.stringify(client.body)).not.toContain(FD_PASSWORD);
    expect(
      (
        await t.http
          .post('/api/v1/backup/filesets')
          .set(as())
          .send({ name: 'PeerSet', include: [peers.data] })
      ).status,
    ).toBe(201);
    expect((await t.http.post('/api/v1/backup/pools').set(as()).send({ name: 'PeerPool', labelFormat: 'Peer-' })).status).toBe(201);
    const job = await t.http
      .post('/api/v1/backup/jobs')
      .set(as())
      .send({ name: 'PeerJob', client: 'peer-fd', fileset: 'PeerSet', pool: 'PeerPool', storage: 'File1', level: 'Full' });
    expect(job.status).toBe(201);
    expect(peers.bconsole('.jobs')).toContain('PeerJob');
    const conf = fs.readFileSync(path.join(peers.dir, 'calypso.conf'), 'utf8');
    expect(conf).toContain('Name = PeerJob');
    // Root's, group bacula, 0640: the director, running as bacula, reads it; nobody else does.
    const st = fs.statSync(path.join(peers.dir, 'calypso.conf'));
    expect([st.uid, st.mode & 0o777]).toEqual([0, 0o640]);
    expect(await t.host.files.stat(path.join(peers.dir, 'calypso.conf'))).toEqual({ mode: 0o640, owner: 'root', group: 'bacula' });
    if (peersAvailable(['runuser'])) {
      // The director's own check, as the user it runs as on Debian.
      // Its configuration, includes and all, is read (it stops later, at the catalog: the test's
      // director runs as root and owns the database). With the file root's only, it stops there.
      const asBacula = () => {
        const r = spawnSync('runuser', ['-u', 'bacula', '--', 'bacula-dir', '-t', '-c', path.join(peers.dir, 'bacula-dir.conf')], { encoding: 'utf8' });
        return `${r.stdout}${r.stderr}`;
      };
      const read = asBacula();
      expect(read).not.toMatch(/Config error|calypso\.conf/);
      expect(read).toMatch(/Could not open Catalog "MyCatalog"/);
      fs.chmodSync(path.join(peers.dir, 'calypso.conf'), 0o600);
      try {
        expect(asBacula()).toContain(`Cannot open included config file ${path.join(peers.dir, 'calypso.conf')}: Permission denied`);
      } finally {
        fs.chmodSync(path.join(peers.dir, 'calypso.conf'), 0o640);
      }
    }
    const listed = await t.http.get('/api/v1/backup/clients').set(as());
    expect(listed.body.items).toEqual([
      expect.objectContaining({ name: 'local-fd', managed: false, reachable: true, passwordSet: false }),
      expect.objectContaining({ name: 'peer-fd', managed: true, reachable: true, version: '9.6.7', passwordSet: true }),
    ]);
    const tested = await t.http.post('/api/v1/backup/clients/peer-fd/test').set(bearer(operator)).send({});
    expect(tested.status).toBe(200);
    expect(tested.body.reachable).toBe(true);
  }, 60_000);

  test('a refused configuration leaves the file and the database as they were', async () => {
    const before = fs.readFileSync(path.join(peers.dir, 'calypso.conf'), 'utf8');
    // A job on a storage the director does not have: refused before rendering; a pool whose
    // name clashes with the director's own Default pool: refused by bacula-dir -t.
    const clash = await t.http.post('/api/v1/backup/pools').set(as()).send({ name: 'Default' });
    expect(clash.status).toBe(502);
    expect(clash.body.detail).toMatch(/bacula-dir refused the configuration/);
    expect(fs.readFileSync(path.join(peers.dir, 'calypso.conf'), 'utf8')).toBe(before);
    const pools = await t.http.get('/api/v1/backup/pools').set(as());
    expect(pools.body.items.filter((p: { name: string; managed: boolean }) => p.name === 'Default' && p.managed)).toEqual([]);
  }, 60_000);

  test('a quote, brace, @ include or | pipe in a password stays inside its string (bdirjson reads it back)', async () => {
    const hostile = 'x"} @/etc/passwd |cat \\ Client { Name = evil';
    const res = await t.http.post('/api/v1/backup/clients').set(as()).send({ name: 'hostile-fd', address: '127.0.0.1', port: 19199, password: hostile });
    expect(res.status).toBe(201);
    const dump = JSON.parse(execFileSync('/usr/lib/bacula/bdirjson', ['-c', path.join(peers.dir, 'bacula-dir.conf')], { encoding: 'utf8' })) as {
      Client?: { Name: string; Password: string }[];
    }[];
    const clients = dump.flatMap((r) => r.Client ?? []);
    expect(clients.map((c) => c.Name).sort()).toEqual(['hostile-fd', 'local-fd', 'peer-fd']);
    expect(clients.find((c) => c.Name === 'hostile-fd')!.Password).toBe(hostile);
    expect((await t.http.delete('/api/v1/backup/clients/hostile-fd').set(as()).send({ confirm: 'hostile-fd' })).status).toBe(200);
  }, 60_000);

  test('a Full, a changed file, an Incremental: the history shows both with their levels, files and bytes', async () => {
    const full = await t.http.post('/api/v1/backup/jobs/PeerJob/run').set(bearer(operator)).send({ level: 'Full' });
    expect(full.status).toBe(200);
    expect((await waitJob(full.body.calypsoJobId)).state).toBe('succeeded');
    fullJobId = full.body.jobId;
    fs.appendFileSync(path.join(peers.data, 'notes.txt'), 'second version\n');
    const incr = await t.http.post('/api/v1/backup/jobs/PeerJob/run').set(bearer(operator)).send({ level: 'Incremental' });
    expect((await waitJob(incr.body.calypsoJobId)).state).toBe('succeeded');
    const history = await t.http.get('/api/v1/backup/history?job=PeerJob').set(as());
    expect(history.status).toBe(200);
    const totalFull = Object.values(files).reduce((n, b) => n + b.length, 0) + 'first version\n'.length;
    expect(history.body.items.map((r: Record<string, unknown>) => [r.jobId, r.levelText, r.statusText, r.outcome, r.files, r.jobBytes])).toEqual([
      [incr.body.jobId, 'Incremental', 'completed', 'ok', 1, 'first version\nsecond version\n'.length],
      // The folder itself counts as a file in Bacula's totals.
      [full.body.jobId, 'Full', 'completed', 'ok', 5, totalFull],
    ]);
    const detail = await t.http.get(`/api/v1/backup/history/${incr.body.jobId}`).set(as());
    expect(detail.body.log.some((l: { text: string }) => /Termination:\s+Backup OK/.test(l.text))).toBe(true);
    const jobs = await t.http.get('/api/v1/backup/jobs').set(as());
    expect(jobs.body.items[0].lastRun).toMatchObject({ jobId: incr.body.jobId, ok: true });
  }, 120_000);

  test('BVFS browses the Full; one file restored to another folder has the same bytes', async () => {
    const readOnly = await t.userWithRoles('bkro', ['ReadOnly']);
    expect((await t.http.post(`/api/v1/backup/restore/${fullJobId}/browse`).set(bearer(readOnly)).send({})).status).toBe(403);
    const browse = await t.http
      .post(`/api/v1/backup/restore/${fullJobId}/browse`)
      .set(bearer(operator))
      .send({ path: `${peers.data}/` });
    expect(browse.body).toMatchObject({ jobIds: [fullJobId] });
    const names = browse.body.entries.map((e: { name: string }) => e.name).sort();
    expect(names).toEqual(['file1.bin', 'file2.bin', 'file3.bin', 'notes.txt']);
    const file2 = browse.body.entries.find((e: { name: string }) => e.name === 'file2.bin');
    expect(file2.sizeBytes).toBe(files['file2.bin']!.length);
    const elsewhere = path.join(peers.dir, 'elsewhere');
    // An Operator may not choose the folder: that is an Admin's restore.
    const refused = await t.http
      .post(`/api/v1/backup/restore/${fullJobId}`)
      .set(bearer(operator))
      .send({ files: [file2.id], where: elsewhere });
    expect(refused.status).toBe(403);
    const restore = await t.http
      .post(`/api/v1/backup/restore/${fullJobId}`)
      .set(as())
      .send({ files: [file2.id], where: elsewhere, replace: 'always' });
    expect(restore.status).toBe(200);
    expect((await waitJob(restore.body.calypsoJobId)).state).toBe('succeeded');
    const restored = fs.readFileSync(path.join(elsewhere, peers.data, 'file2.bin'));
    expect(restored.equals(files['file2.bin']!)).toBe(true);
    expect(fs.existsSync(path.join(elsewhere, peers.data, 'file1.bin'))).toBe(false);
  }, 120_000);

  test('a job waiting for a volume is reported with its reason; labelling one lets it run; another is cancelled', async () => {
    expect((await t.http.post('/api/v1/backup/pools').set(as()).send({ name: 'EmptyPool', labelFormat: null })).status).toBe(201);
    expect(
      (
        await t.http
          .post('/api/v1/backup/jobs')
          .set(as())
          .send({ name: 'WaitJob', client: 'peer-fd', fileset: 'PeerSet', pool: 'EmptyPool', storage: 'File1', level: 'Full' })
      ).status,
    ).toBe(201);
    const started = await t.http.post('/api/v1/backup/jobs/WaitJob/run').set(bearer(operator)).send({});
    expect(started.status).toBe(200);
    let waiting: { reason: string; action: string } | null = null;
    await waitFor(
      'the director to report the job waiting for a volume',
      async () => {
        const s = await t.http.get('/api/v1/backup/status').set(as());
        waiting = s.body.running?.find((r: { jobId: number }) => r.jobId === started.body.jobId)?.waiting ?? null;
        return /volume/.test(waiting?.reason ?? '');
      },
      30_000,
    );
    expect(waiting).toEqual({
      reason: 'waiting for an appendable volume in pool EmptyPool',
      action: expect.stringMatching(/^Label a volume in pool EmptyPool/),
    });
    // The Calypso job that follows the run says the same on the event stream.
    await waitFor('the followed job to say what it waits for', async () => {
      const progress = await t.http.get(`/api/v1/jobs/${started.body.calypsoJobId}`).set(as());
      return /waiting for an appendable volume in pool EmptyPool/.test(progress.body.progressText ?? '');
    });

    const label = await t.http.post('/api/v1/backup/volumes').set(bearer(operator)).send({ pool: 'EmptyPool', storage: 'File1', name: 'Empty-0001' });
    expect(label.status).toBe(200);
    expect(label.body).toMatchObject({ name: 'Empty-0001', pool: 'EmptyPool', status: 'Append' });
    expect((await waitJob(started.body.calypsoJobId)).state).toBe('succeeded');

    // Now fill the volume so the next run waits again, and cancel that one.
    expect((await t.http.patch('/api/v1/backup/volumes/Empty-0001').set(bearer(operator)).send({ status: 'Used' })).status).toBe(403);
    expect((await t.http.patch('/api/v1/backup/volumes/Empty-0001').set(as()).send({ status: 'Used' })).body.status).toBe('Used');
    const second = await t.http.post('/api/v1/backup/jobs/WaitJob/run').set(bearer(operator)).send({});
    await waitFor(
      'the second run to wait',
      async () => {
        const s = await t.http.get('/api/v1/backup/status').set(as());
        return !!s.body.running?.find(
          (r: { jobId: number; waiting: { reason: string } | null }) => r.jobId === second.body.jobId && /volume/.test(r.waiting?.reason ?? ''),
        );
      },
      30_000,
    );
    expect((await t.http.post(`/api/v1/backup/runs/${second.body.jobId}/cancel`).set(bearer(operator)).send({})).status).toBe(200);
    expect((await waitJob(second.body.calypsoJobId)).state).toBe('failed');
    const history = await t.http.get('/api/v1/backup/history?job=WaitJob').set(as());
    expect(history.body.items[0]).toMatchObject({ jobId: second.body.jobId, status: 'A', statusText: 'cancelled', outcome: 'cancelled' });
    // Purging needs the volume's name typed, and an Admin.
    expect((await t.http.post('/api/v1/backup/volumes/Empty-0001/purge').set(as()).send({})).status).toBe(400);
    expect((await t.http.post('/api/v1/backup/volumes/Empty-0001/purge').set(bearer(operator)).send({ confirm: 'Empty-0001' })).status).toBe(403);
  }, 180_000);

  test('a repository added through the API: the storage daemon restarts by itself and a job writes its volume there', async () => {
    const pidBefore = fs.readFileSync(peers.sdPidFile, 'utf8').trim();
    const repo = await t.http.post('/api/v1/backup/repositories').set(as()).send({ name: 'PeerRepo', dataset: 'tank/peer-repo', maxConcurrentJobs: 2 });
    expect(repo.status).toBe(201);
    expect(repo.body).toMatchObject({ path: peers.repo, usedBytes: 1048576, availableBytes: 10737418240 });
    // The folder is the storage daemon's user's (Debian runs it as bacula).
    const folder = fs.statSync(peers.repo);
    expect(folder.mode & 0o777).toBe(0o750);
    expect(await t.host.files.stat(peers.repo)).toMatchObject({ owner: 'bacula', group: 'bacula' });
    // bacula-sd has no reload: Calypso stopped it and started it again, on the new device.
    expect(fs.readFileSync(peers.sdPidFile, 'utf8').trim()).not.toBe(pidBefore);
    const sdConf = fs.statSync(path.join(peers.dir, 'calypso-sd.conf'));
    expect([sdConf.uid, sdConf.mode & 0o777]).toEqual([0, 0o640]);
    expect(peers.bconsole('status storage=PeerRepo')).toContain(`Device File: "PeerRepo" (${peers.repo})`);
    expect((await t.http.post('/api/v1/backup/pools').set(as()).send({ name: 'RepoPool', labelFormat: 'Repo-' })).status).toBe(201);
    expect(
      (
        await t.http
          .post('/api/v1/backup/jobs')
          .set(as())
          .send({ name: 'RepoJob', client: 'peer-fd', fileset: 'PeerSet', pool: 'RepoPool', storage: 'PeerRepo', level: 'Full' })
      ).status,
    ).toBe(201);
    const full = await t.http.post('/api/v1/backup/jobs/RepoJob/run').set(bearer(operator)).send({});
    expect(full.status).toBe(200);
    expect((await waitJob(full.body.calypsoJobId)).state).toBe('succeeded');
    // Bacula numbers automatic labels with the catalog's next MediaId.
    const written = fs.readdirSync(peers.repo);
    expect(written).toEqual([expect.stringMatching(/^Repo-\d{4}$/)]);
    expect(fs.statSync(path.join(peers.repo, written[0]!)).size).toBeGreaterThan(30000 * 3);
    const volumes = await t.http.get('/api/v1/backup/volumes?pool=RepoPool').set(as());
    expect(volumes.body.items).toEqual([expect.objectContaining({ name: written[0], pool: 'RepoPool', mediaType: 'File' })]);
    // A pool change reaches its existing volumes (update pool=, then allfrompool=).
    const changed = await t.http
      .patch('/api/v1/backup/pools/RepoPool')
      .set(as())
      .send({ volumeRetentionDays: 7, maxVolumeBytes: 2 * 1024 * 1024 });
    expect(changed.status).toBe(200);
    const llist = peers.bconsole(`llist volume=${written[0]}`);
    expect(llist).toMatch(/VolRetention: 604800\n/);
    expect(llist).toMatch(/MaxVolBytes: 2097152\n/);
  }, 180_000);

  test('a job cancelled in the middle of its transfer is "cancelled" in the history', async () => {
    expect(
      (
        await t.http
          .post('/api/v1/backup/filesets')
          .set(as())
          .send({ name: 'BigSet', include: [peers.big] })
      ).status,
    ).toBe(201);
    expect(
      (
        await t.http
          .post('/api/v1/backup/jobs')
          .set(as())
          .send({ name: 'BigJob', client: 'peer-fd', fileset: 'BigSet', pool: 'PeerPool', storage: 'File1', level: 'Full' })
      ).status,
    ).toBe(201);
    const started = await t.http.post('/api/v1/backup/jobs/BigJob/run').set(bearer(operator)).send({});
    expect(started.status).toBe(200);
    let doneBytes = 0;
    await waitFor(
      'the job to transfer its first bytes',
      async () => {
        const s = await t.http.get('/api/v1/backup/status').set(as());
        const r = s.body.running?.find((x: { jobId: number }) => x.jobId === started.body.jobId);
        doneBytes = r?.progress?.doneBytes ?? 0;
        return r?.status === 'R' && doneBytes > 0;
      },
      60_000,
    );
    expect(doneBytes).toBeLessThan(40 * 1024 * 1024);
    expect((await t.http.post(`/api/v1/backup/runs/${started.body.jobId}/cancel`).set(bearer(operator)).send({})).status).toBe(200);
    expect((await waitJob(started.body.calypsoJobId)).state).toBe('failed');
    const history = await t.http.get('/api/v1/backup/history?job=BigJob').set(as());
    expect(history.body.items[0]).toMatchObject({ jobId: started.body.jobId, status: 'A', statusText: 'cancelled', outcome: 'cancelled' });
  }, 180_000);
});
