/**
 * The backup service on the simulated appliance: the seeded catalogue, a run followed over
 * simulated time with progress and an estimate, waiting reasons, restores into the simulated
 * file tree, and what an Operator and a ReadOnly user may not do.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { setBaculaClientDown } from '../../../src/system/sim/bacula.js';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';
import { waitFor } from '../../helpers/peers.js';

let clock = Date.parse('2026-11-30T12:00:00Z');
const host = new SimulatedHost({ now: () => clock });
let t: TestApp;
let operator: string;
let reader: string;
const admin = () => bearer(t.adminToken);

beforeAll(async () => {
  process.env.CALYPSO_BACKUP_POLL_MS = '20';
  t = await startTestApp({ host });
  operator = await t.userWithRoles('bkop', ['Operator']);
  reader = await t.userWithRoles('bkro', ['ReadOnly']);
});
afterAll(async () => {
  await t.close();
  delete process.env.CALYPSO_BACKUP_POLL_MS;
});

/** Simulated time for a run: past its connecting phase into the transfer, then past its end. */
async function finishRun(jobId: number, calypsoJobId: number): Promise<void> {
  clock += 5_000;
  await waitFor('the run to transfer', async () => {
    const s = await t.http.get('/api/v1/backup/status').set(bearer(reader));
    return !!s.body.running.find((r: { jobId: number; progress: unknown }) => r.jobId === jobId && r.progress);
  });
  clock += 3_600_000;
  expect((await t.app.jobs.wait(calypsoJobId, 10_000)).state).toBe('succeeded');
}

describe('the seeded catalogue', () => {
  test('three weeks of nightly incrementals and weekly fulls, with failures, in words', async () => {
    const h = await t.http.get('/api/v1/backup/history?limit=1000').set(bearer(reader));
    expect(h.status).toBe(200);
    expect(h.body.total).toBe(63);
    const outcomes = new Set(h.body.items.map((r: { outcome: string }) => r.outcome));
    expect([...outcomes].sort()).toEqual(['cancelled', 'failed', 'ok']);
    const fulls = h.body.items.filter((r: { levelText: string }) => r.levelText === 'Full');
    expect(fulls.length).toBe(9);
    expect(h.body.items[0].jobId).toBeGreaterThan(h.body.items[1].jobId);
    const failed = h.body.items.find((r: { status: string }) => r.status === 'f');
    expect(failed).toMatchObject({ statusText: 'fatal error', jobBytes: 0, client: 'laptop7-fd' });
    const log = await t.http.get(`/api/v1/backup/history/${failed.jobId}`).set(bearer(reader));
    expect(log.body.log.some((l: { text: string }) => /Could not connect to Client: laptop7-fd/.test(l.text))).toBe(true);
  });
  test('jobs, clients, pools and volumes of the director are listed read-only', async () => {
    const jobs = await t.http.get('/api/v1/backup/jobs').set(bearer(reader));
    expect(jobs.body.items.map((j: { name: string; managed: boolean }) => [j.name, j.managed])).toEqual([
      ['db1-nightly', false],
      ['laptop7-home', false],
      ['web1-nightly', false],
    ]);
    const clients = await t.http.get('/api/v1/backup/clients').set(bearer(reader));
    const laptop = clients.body.items.find((c: { name: string }) => c.name === 'laptop7-fd');
    expect(laptop).toMatchObject({ reachable: false, error: 'Failed to connect to Client laptop7-fd.' });
    expect(clients.body.items.find((c: { name: string }) => c.name === 'web1-fd')).toMatchObject({ reachable: true, version: '9.6.7' });
    const pools = await t.http.get('/api/v1/backup/pools').set(bearer(reader));
    expect(pools.body.items.find((p: { name: string }) => p.name === 'Default')).toMatchObject({ volumes: 8, appendable: 1, managed: false });
  });
});

describe('running, waiting, restoring', () => {
  test('a run is followed over simulated time with progress and an estimate from the previous run', async () => {
    const run = await t.http.post('/api/v1/backup/jobs/web1-nightly/run').set(bearer(operator)).send({ level: 'Incremental' });
    expect(run.status).toBe(200);
    clock += 5_000;
    let running: Record<string, unknown> | undefined;
    await waitFor('the run to transfer', async () => {
      const s = await t.http.get('/api/v1/backup/status').set(bearer(reader));
      running = s.body.running.find((r: { jobId: number }) => r.jobId === run.body.jobId);
      return !!(running as { progress?: unknown } | undefined)?.progress;
    });
    const progress = running!.progress as { doneBytes: number; expectedBytes: number; percent: number; remainingSeconds: number };
    expect(progress.doneBytes).toBeGreaterThan(0);
    expect(progress.expectedBytes).toBeGreaterThan(0);
    expect(progress.remainingSeconds).toBeGreaterThanOrEqual(0);
    clock += 3_600_000;
    const job = await t.app.jobs.wait(run.body.calypsoJobId, 10_000);
    expect(job.state).toBe('succeeded');
    const h = await t.http.get('/api/v1/backup/history?job=web1-nightly&limit=1').set(bearer(reader));
    expect(h.body.items[0]).toMatchObject({ jobId: run.body.jobId, status: 'T', levelText: 'Incremental', outcome: 'ok' });
  });

  test('waiting reasons in plain words with the action that fixes them', async () => {
    await t.http.post('/api/v1/backup/pools').set(admin()).send({ name: 'Offsite' }).expect(201);
    await t.http
      .post('/api/v1/backup/filesets')
      .set(admin())
      .send({ name: 'Docs', include: ['/home'] })
      .expect(201);
    await t.http
      .post('/api/v1/backup/jobs')
      .set(admin())
      .send({ name: 'docs-offsite', client: 'web1-fd', fileset: 'Docs', pool: 'Offsite', storage: 'File1' })
      .expect(201);
    const volume = await t.http.post('/api/v1/backup/jobs/docs-offsite/run').set(bearer(operator)).send({});
    await setBaculaClientDown(host.files, clock, 'db1-fd', true);
    const client = await t.http.post('/api/v1/backup/jobs/db1-nightly/run').set(bearer(operator)).send({});
    clock += 5_000;
    const early = await t.http.get('/api/v1/backup/status').set(bearer(reader));
    expect(early.body.running.find((r: { jobId: number }) => r.jobId === client.body.jobId)?.waiting).toMatchObject({ reason: 'connecting to client db1-fd' });
    clock += 30_000;
    const s = await t.http.get('/api/v1/backup/status').set(bearer(reader));
    const reason = (id: number) => s.body.running.find((r: { jobId: number }) => r.jobId === id)?.waiting;
    expect(reason(volume.body.jobId)).toEqual({
      reason: 'waiting for an appendable volume in pool Offsite',
      action: expect.stringMatching(/^Label a volume in pool Offsite/),
    });
    expect(reason(client.body.jobId)).toEqual({ reason: 'client db1-fd unreachable', action: expect.stringMatching(/file daemon/) });
    await t.http.post('/api/v1/backup/volumes').set(bearer(operator)).send({ pool: 'Offsite', storage: 'File1' }).expect(200);
    await t.http.post(`/api/v1/backup/runs/${client.body.jobId}/cancel`).set(bearer(operator)).send({}).expect(200);
    clock += 3_600_000;
    expect((await t.app.jobs.wait(volume.body.calypsoJobId, 10_000)).state).toBe('succeeded');
    expect((await t.app.jobs.wait(client.body.calypsoJobId, 10_000)).state).toBe('failed');
    await setBaculaClientDown(host.files, clock, 'db1-fd', false);
  });

  test('a point in time for a client gives the backup to restore and its chain', async () => {
    const at = new Date(clock - 5 * 86_400_000).toISOString();
    const point = await t.http.get(`/api/v1/backup/restore/point?client=web1-fd&at=${encodeURIComponent(at)}`).set(bearer(reader));
    expect(point.status).toBe(200);
    expect(Date.parse(point.body.run.endedAt)).toBeLessThanOrEqual(Date.parse(at));
    expect(point.body.run).toMatchObject({ name: 'web1-nightly', outcome: 'ok' });
    expect(point.body.jobIds[point.body.jobIds.length - 1]).toBe(point.body.run.jobId);
    expect(point.body.jobIds.length).toBeGreaterThanOrEqual(1);
    const none = await t.http.get(`/api/v1/backup/restore/point?client=web1-fd&at=2020-01-01T00:00:00Z`).set(bearer(reader));
    expect(none.status).toBe(404);
  });

  test('restore: browse as Operator, restore in place; another client or folder is an Admin’s', async () => {
    const h = await t.http.get('/api/v1/backup/history?job=web1-nightly&limit=1').set(bearer(reader));
    const jobId = h.body.items[0].jobId;
    expect((await t.http.post(`/api/v1/backup/restore/${jobId}/browse`).set(bearer(reader)).send({})).status).toBe(403);
    const roots = await t.http.post(`/api/v1/backup/restore/${jobId}/browse`).set(bearer(operator)).send({});
    expect(roots.body.entries.map((e: { name: string }) => e.name)).toEqual(['/']);
    const docs = await t.http.post(`/api/v1/backup/restore/${jobId}/browse`).set(bearer(operator)).send({ path: '/var/www/docs/' });
    const file = docs.body.entries.find((e: { isDir: boolean }) => !e.isDir);
    expect(file.sizeBytes).toBeGreaterThan(0);
    const elsewhere = await t.http
      .post(`/api/v1/backup/restore/${jobId}`)
      .set(bearer(operator))
      .send({ files: [file.id], where: '/tank/restore-here' });
    expect(elsewhere.status).toBe(403);
    const other = await t.http
      .post(`/api/v1/backup/restore/${jobId}`)
      .set(bearer(operator))
      .send({ files: [file.id], client: 'db1-fd' });
    expect(other.status).toBe(403);
    // In place, an Operator may not overwrite live files (replace=always or ifnewer): an Admin's choice.
    for (const replace of ['always', 'ifnewer']) {
      const overwrite = await t.http
        .post(`/api/v1/backup/restore/${jobId}`)
        .set(bearer(operator))
        .send({ files: [file.id], where: 'original', replace });
      expect(overwrite.status).toBe(403);
      expect(overwrite.body.detail).toMatch(new RegExp(`replace=${replace} overwrites live files and needs backup.admin`));
    }
    const running = (await t.http.get('/api/v1/backup/status').set(bearer(reader))).body.running.length;
    expect(running).toBe(0);
    for (const replace of ['never', 'ifolder']) {
      const inPlace = await t.http
        .post(`/api/v1/backup/restore/${jobId}`)
        .set(bearer(operator))
        .send({ files: [file.id], where: 'original', replace });
      expect(inPlace.status).toBe(200);
      clock += 60_000;
      expect((await t.app.jobs.wait(inPlace.body.calypsoJobId, 10_000)).state).toBe('succeeded');
    }
    const own = await t.http
      .post(`/api/v1/backup/restore/${jobId}`)
      .set(bearer(operator))
      .send({ files: [file.id] });
    expect(own.status).toBe(200);
    const byAdmin = await t.http
      .post(`/api/v1/backup/restore/${jobId}`)
      .set(admin())
      .send({ files: [file.id], where: '/tank/restore-here', client: 'db1-fd' });
    expect(byAdmin.status).toBe(200);
    clock += 60_000;
    expect((await t.app.jobs.wait(byAdmin.body.calypsoJobId, 10_000)).state).toBe('succeeded');
    expect(await host.files.read(`/tank/restore-here${file.path}`)).toMatch(/simulated content of/);
  });

  test('volumes: purge needs an Admin and the typed name; an unknown job is a 404, not a prompt', async () => {
    await t.http.post('/api/v1/backup/volumes/Vol-0001/purge').set(bearer(operator)).send({ confirm: 'Vol-0001' }).expect(403);
    await t.http.post('/api/v1/backup/volumes/Vol-0001/purge').set(admin()).send({}).expect(400);
    const purged = await t.http.post('/api/v1/backup/volumes/Vol-0001/purge').set(admin()).send({ confirm: 'Vol-0001' });
    expect(purged.body).toMatchObject({ name: 'Vol-0001', status: 'Purged' });
    expect((await t.http.post('/api/v1/backup/jobs/no-such-job/run').set(bearer(operator)).send({})).status).toBe(404);
    const ro = await t.http.patch('/api/v1/backup/volumes/Vol-0002').set(admin()).send({ status: 'Read-Only' });
    expect(ro.body.status).toBe('Read-Only');
    const refused = await t.http.post('/api/v1/backup/volumes/Vol-0002/prune').set(admin()).send({ confirm: 'Vol-0002' });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/Cannot prune Volume "Vol-0002"/);
  });

  test('configuration: a refused file rolls back; a dataset used as a repository cannot be destroyed', async () => {
    const bad = await t.http
      .post('/api/v1/backup/jobs')
      .set(admin())
      .send({ name: 'broken', client: 'web1-fd', fileset: 'Docs', pool: 'Offsite', storage: 'Nowhere' });
    expect(bad.status).toBe(400);
    const before = await host.files.read('/etc/bacula/calypso.conf');
    const clash = await t.http.post('/api/v1/backup/pools').set(admin()).send({ name: 'Default' });
    expect(clash.status).toBe(502);
    expect(clash.body.detail).toMatch(/bacula-dir refused the configuration: Attempt to define second "Pool" resource named "Default"/);
    expect(await host.files.read('/etc/bacula/calypso.conf')).toBe(before);
    expect((await t.app.db('backup_resources').where({ kind: 'pool', name: 'Default' })).length).toBe(0);
    // Calypso's files hold passwords: root's, group bacula, 0640, so the director (user bacula) reads them.
    expect(await host.files.stat('/etc/bacula/calypso.conf')).toEqual({ mode: 0o640, owner: 'root', group: 'bacula' });
    // A repository is a storage daemon device: the daemon restarts to use it, which is refused while a job runs.
    const sdPid = async () => (await host.run('systemctl', ['show', '-p', 'MainPID', 'bacula-sd.service'])).stdout.trim();
    const pidBefore = await sdPid();
    const busy = await t.http.post('/api/v1/backup/jobs/web1-nightly/run').set(bearer(operator)).send({ level: 'Incremental' });
    expect(busy.status).toBe(200);
    const refusedRepo = await t.http.post('/api/v1/backup/repositories').set(admin()).send({ name: 'repo1', dataset: 'tank/backups/bacula' });
    expect(refusedRepo.status).toBe(409);
    expect(refusedRepo.body.detail).toContain(`web1-nightly (JobId ${busy.body.jobId})`);
    expect(await host.files.read('/etc/bacula/calypso-sd.conf')).not.toMatch(/tank\/backups\/bacula/);
    expect(await sdPid()).toBe(pidBefore);
    await finishRun(busy.body.jobId, busy.body.calypsoJobId);
    const repo = await t.http.post('/api/v1/backup/repositories').set(admin()).send({ name: 'repo1', dataset: 'tank/backups/bacula' });
    expect(repo.status).toBe(201);
    expect(
      host
        .history()
        .filter((h) => h.command === 'chown' || h.command === 'chmod')
        .map((h) => [h.command, ...h.args]),
    ).toEqual([
      ['chown', 'bacula:bacula', '/tank/backups/bacula'],
      ['chmod', '0750', '/tank/backups/bacula'],
    ]);
    expect(await sdPid()).not.toBe(pidBefore);
    expect(await host.files.stat('/etc/bacula/calypso-sd.conf')).toEqual({ mode: 0o640, owner: 'root', group: 'bacula' });
    // A change of the repository restarts it again; forced, even while a job runs.
    const running = await t.http.post('/api/v1/backup/jobs/web1-nightly/run').set(bearer(operator)).send({ level: 'Incremental' });
    const pidRepo = await sdPid();
    expect((await t.http.patch('/api/v1/backup/repositories/repo1').set(admin()).send({ maxConcurrentJobs: 3 })).status).toBe(409);
    const forced = await t.http.patch('/api/v1/backup/repositories/repo1').set(admin()).send({ maxConcurrentJobs: 3, force: true });
    expect(forced.status).toBe(200);
    expect(forced.body.maxConcurrentJobs).toBe(3);
    expect(await sdPid()).not.toBe(pidRepo);
    expect(await host.files.read('/etc/bacula/calypso-sd.conf')).toMatch(/Maximum Concurrent Jobs = 3/);
    await finishRun(running.body.jobId, running.body.calypsoJobId);
    expect(repo.body).toMatchObject({ path: '/tank/backups/bacula', usedBytes: expect.any(Number), availableBytes: expect.any(Number) });
    expect(await host.files.read('/etc/bacula/calypso-sd.conf')).toMatch(/Archive Device = "\/tank\/backups\/bacula"/);
    const destroy = await t.http
      .delete('/api/v1/storage/datasets/tank%2Fbackups%2Fbacula')
      .set(admin())
      .send({ confirm: 'tank/backups/bacula', recursive: true });
    expect(destroy.status).toBe(409);
    expect(JSON.stringify(destroy.body)).toMatch(/repo1/);
  });
});

describe('definitions change in place', () => {
  test('FileSets, schedules and pools are updated: rendered, checked, reloaded; an Operator may not', async () => {
    const conf = () => host.files.read('/etc/bacula/calypso.conf');
    expect(
      (
        await t.http
          .patch('/api/v1/backup/filesets/Docs')
          .set(bearer(operator))
          .send({ include: ['/srv'] })
      ).status,
    ).toBe(403);
    const fs = await t.http
      .patch('/api/v1/backup/filesets/Docs')
      .set(admin())
      .send({ include: ['/home', '/srv/www'], compression: 'gzip' });
    expect(fs.status).toBe(200);
    expect(fs.body).toMatchObject({ name: 'Docs', include: ['/home', '/srv/www'], compression: 'gzip', signature: 'MD5' });
    expect(await conf()).toMatch(/File = "\/srv\/www"/);
    expect(await conf()).toMatch(/compression = GZIP/);
    // A quote or newline in a path never reaches the file.
    expect(
      (
        await t.http
          .patch('/api/v1/backup/filesets/Docs')
          .set(admin())
          .send({ include: ['/srv"\n}'] })
      ).status,
    ).toBe(400);

    await t.http
      .post('/api/v1/backup/schedules')
      .set(admin())
      .send({ name: 'nightly', runs: [{ level: 'Full', hour: 23, minute: 5, days: ['sun'] }] })
      .expect(201);
    const sched = await t.http
      .patch('/api/v1/backup/schedules/nightly')
      .set(admin())
      .send({
        runs: [
          { level: 'Full', hour: 22, minute: 0, days: ['sat'] },
          { level: 'Incremental', hour: 22, minute: 0, days: ['mon', 'tue'] },
        ],
      });
    expect(sched.status).toBe(200);
    expect(await conf()).toMatch(/Run = Level=Full sat at 22:00\n {2}Run = Level=Incremental mon at 22:00\n {2}Run = Level=Incremental tue at 22:00/);
    expect(await conf()).not.toMatch(/sun at 23:05/);
    expect((await t.http.patch('/api/v1/backup/schedules/nightly').set(admin()).send({ runs: [] })).status).toBe(400);

    const pool = await t.http.patch('/api/v1/backup/pools/Offsite').set(admin()).send({ volumeRetentionDays: 30, labelFormat: 'Off-' });
    expect(pool.status).toBe(200);
    expect(pool.body).toMatchObject({ name: 'Offsite', volumeRetentionDays: 30, labelFormat: 'Off-', managed: true });
    expect(await conf()).toMatch(/Name = Offsite[\s\S]*?Volume Retention = 30 days[\s\S]*?Label Format = "Off-"/);
    expect((await t.http.patch('/api/v1/backup/pools/NoSuchPool').set(admin()).send({ recycle: false })).status).toBe(404);
    const audit = await t.app.db('audit_log').whereIn('operation', ['backup.filesets.update', 'backup.schedules.update', 'backup.pools.update']);
    expect(audit.length).toBeGreaterThanOrEqual(3);
  });

  test('JobDefs: a job takes what it does not set from them, and follows when they change', async () => {
    expect((await t.http.post('/api/v1/backup/jobdefs').set(bearer(operator)).send({ name: 'defaults', client: 'web1-fd' })).status).toBe(403);
    const defs = await t.http
      .post('/api/v1/backup/jobdefs')
      .set(admin())
      .send({ name: 'defaults', client: 'web1-fd', fileset: 'Docs', pool: 'Offsite', storage: 'File1', level: 'Full' });
    expect(defs.status).toBe(201);
    expect((await t.http.post('/api/v1/backup/jobdefs').set(admin()).send({ name: 'bad', pool: 'NoSuchPool' })).status).toBe(400);
    const job = await t.http.post('/api/v1/backup/jobs').set(admin()).send({ name: 'from-defs', jobDefs: 'defaults', fileset: 'Docs' });
    expect(job.status).toBe(201);
    expect(job.body).toMatchObject({ jobDefs: 'defaults', client: 'web1-fd', pool: 'Offsite', level: 'Full', storage: 'File1' });
    const conf = await host.files.read('/etc/bacula/calypso.conf');
    expect(conf).toMatch(/JobDefs \{\n {2}Name = defaults\n {2}Type = Backup\n {2}Level = Full\n {2}Client = web1-fd/);
    const jobBlock = /Job \{\n {2}Name = from-defs\n([\s\S]*?)\n\}/.exec(conf)![1]!;
    expect(jobBlock).toMatch(/JobDefs = defaults/);
    expect(jobBlock).toMatch(/FileSet = Docs/);
    expect(jobBlock).not.toMatch(/Client =|Pool =|Level =/);
    // Without JobDefs, a job names everything.
    const bare = await t.http.post('/api/v1/backup/jobs').set(admin()).send({ name: 'bare', client: 'web1-fd' });
    expect(bare.status).toBe(400);
    expect(bare.body.detail).toMatch(/needs a fileset, pool, storage/);
    await t.http.post('/api/v1/backup/pools').set(admin()).send({ name: 'Second' }).expect(201);
    expect((await t.http.patch('/api/v1/backup/jobdefs/defaults').set(admin()).send({ pool: 'Second' })).status).toBe(200);
    const jobs = await t.http.get('/api/v1/backup/jobs').set(admin());
    expect(jobs.body.items.find((j: { name: string }) => j.name === 'from-defs')).toMatchObject({ pool: 'Second', jobDefs: 'defaults' });
    // The pool the JobDefs names cannot go; the JobDefs a job names cannot either; nor can they lose what a job takes from them.
    const poolGone = await t.http.delete('/api/v1/backup/pools/Second').set(admin()).send({ confirm: 'Second' });
    expect(poolGone.status).toBe(409);
    expect(poolGone.body.detail).toMatch(/from-defs.*defaults \(JobDefs\)/);
    expect((await t.http.patch('/api/v1/backup/jobdefs/defaults').set(admin()).send({ client: null })).status).toBe(409);
    expect((await t.http.delete('/api/v1/backup/jobdefs/defaults').set(admin()).send({ confirm: 'defaults' })).status).toBe(409);
    const run = await t.http.post('/api/v1/backup/jobs/from-defs/run').set(bearer(operator)).send({});
    expect(run.status).toBe(200);
    const h = await t.http.get(`/api/v1/backup/history/${run.body.jobId}`).set(bearer(reader));
    expect(h.body.run).toMatchObject({ levelText: 'Full', client: 'web1-fd' });
    await t.http.post(`/api/v1/backup/runs/${run.body.jobId}/cancel`).set(bearer(operator)).send({}).expect(200);
    await t.app.jobs.wait(run.body.calypsoJobId, 10_000);
    expect((await t.http.delete('/api/v1/backup/jobs/from-defs').set(admin()).send({ confirm: 'from-defs' })).status).toBe(200);
    expect((await t.http.delete('/api/v1/backup/jobdefs/defaults').set(admin()).send({ confirm: 'defaults' })).status).toBe(200);
  });
});
