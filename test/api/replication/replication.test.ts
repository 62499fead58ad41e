/**
 * Data protection through the API on the simulated appliance: periodic snapshot tasks with
 * retention, local and SSH replication (full, incremental, resume, discard, holds), status in
 * plain words, the scheduler's kinds, permissions, and bad input refused with nothing stored.
 * Resume and resume-token discard run here, on the simulator: zfs-fuse has no resumable receive.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { addSimPeer, interruptTransfers, rotateSimPeerHostKey, type SimPeer } from '../../../src/system/sim/replication-pipe.js';
import { simStreamFaults } from '../../../src/system/sim/replication-stream.js';
import { parsePublicKey } from '../../../src/system/ssh/index.js';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';
import { replicationProbe } from '../../../src/services/replication/metrics.js';

let t: TestApp;
let host: SimulatedHost;
let peerHost: SimulatedHost;
let peer: SimPeer;
let clock = Date.UTC(2026, 10, 30, 8, 0);
let operator: string;
let reader: string;
const MIN = 60_000;

beforeAll(async () => {
  host = new SimulatedHost({ now: () => clock });
  peerHost = new SimulatedHost({ now: () => clock });
  peer = { host: peerHost, port: 2222, authorized: new Set() };
  addSimPeer(host, 'backup2', peer);
  t = await startTestApp({ host, monitoring: { probes: [] } });
  operator = await t.userWithRoles('op', ['Operator']);
  reader = await t.userWithRoles('ro', ['ReadOnly']);
  await host.run('zfs', ['create', 'tank/data']);
  await host.run('zfs', ['create', 'tank/data/child']);
  await host.run('zfs', ['create', 'tank/other']);
});
afterAll(async () => {
  await t.close();
});

const api = (token = t.adminToken) => ({
  get: (p: string) => t.http.get(`/api/v1${p}`).set(bearer(token)),
  post: (p: string, body: object = {}) => t.http.post(`/api/v1${p}`).set(bearer(token)).send(body),
  patch: (p: string, body: object) => t.http.patch(`/api/v1${p}`).set(bearer(token)).send(body),
  del: (p: string, body: object = {}) => t.http.delete(`/api/v1${p}`).set(bearer(token)).send(body),
});
const waitJob = async (id: number) => {
  const job = await t.app.jobs.wait(id, 30_000);
  const log = (await t.app.jobs.logs(id)).map((l) => l.line);
  return { ...job, log };
};
const snaps = async (h: SimulatedHost, ds: string) =>
  (await h.run('zfs', ['list', '-H', '-p', '-t', 'snapshot', '-o', 'name,guid', '-s', 'createtxg', '-d', '1', ds]).catch(() => ({ stdout: '' }))).stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t') as [string, string]);
const counts = async () => {
  const n = async (table: string) => Number((await t.testDb.db(table).count({ n: '*' }))[0]!.n);
  return {
    snap: await n('snapshot_tasks'),
    repl: await n('replication_tasks'),
    conn: await n('ssh_connections'),
    sched: await n('schedules'),
    jobs: await n('jobs'),
  };
};

let snapTask: { id: number; scheduleId: number };
let replTask: { id: number };

describe('periodic snapshot tasks', () => {
  test('Admin creates a task: it gets its schedule in the one scheduler; a run takes the named snapshot', async () => {
    const res = await api().post('/snapshot-tasks', {
      dataset: 'tank/data',
      recursive: true,
      exclude: ['tank/data/child'],
      cron: '0 * * * *',
      lifetime: '1 day',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ dataset: 'tank/data', namingSchema: 'auto-%Y-%m-%d_%H-%M', keepFor: '1 day', cronText: 'hourly', enabled: true });
    expect(res.body.state).toMatch(/^Never ran: first run 2/);
    snapTask = res.body;
    const sched = await api().get(`/schedules/${snapTask.scheduleId}`);
    expect(sched.body).toMatchObject({ kind: 'snapshot.task', target: String(snapTask.id) });
    const run = await api(operator).post(`/snapshot-tasks/${snapTask.id}/run`);
    expect(run.status).toBe(200);
    const job = await waitJob(run.body.job.id);
    expect(job.state).toBe('succeeded');
    expect(job.log.join('\n')).toMatch(/took tank\/data@auto-2026-11-30_08-00/);
    expect((await snaps(host, 'tank/data')).map((s) => s[0])).toEqual(['tank/data@auto-2026-11-30_08-00']);
    expect(await snaps(host, 'tank/data/child')).toEqual([]);
    expect((await api(reader).get(`/snapshot-tasks/${snapTask.id}`)).body.state).toBe('Took tank/data@auto-2026-11-30_08-00');
  });

  test("the one scheduler runs the task through its schedule (kind snapshot.task) and records the run's outcome", async () => {
    clock += MIN;
    const run = await api().post(`/schedules/${snapTask.scheduleId}/run`);
    expect(run.status).toBe(200);
    await t.app.scheduler.idle();
    const runs = (await api().get(`/schedules/${snapTask.scheduleId}/runs`)).body.items;
    expect(runs[0]).toMatchObject({ trigger: 'manual', result: 'succeeded' });
    const outer = await waitJob(runs[0].jobId);
    expect(outer.log.join('\n')).toMatch(/snapshot task \d+: job \d+ does the work/);
    expect((await snaps(host, 'tank/data')).map((s) => s[0])).toContain('tank/data@auto-2026-11-30_08-01');
    await host.run('zfs', ['destroy', 'tank/data@auto-2026-11-30_08-01']);
    clock -= MIN;
  });

  test('a schedule of a task cannot be made by hand', async () => {
    const res = await api().post('/schedules', { kind: 'snapshot.task', target: String(snapTask.id), cron: '5 * * * *' });
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/has its schedule/);
  });
});

describe('local replication', () => {
  test('after the snapshot task: a full send, then incrementals; GUIDs match and the base is held', async () => {
    const res = await api().post('/replication/tasks', {
      name: 'to replica',
      sources: ['tank/data'],
      target: 'tank/replica',
      snapshotTaskIds: [snapTask.id],
      allowFromScratch: true,
      retryDelaySeconds: 0,
    });
    expect(res.status).toBe(201);
    expect(res.body.state).toMatch(/^Never ran: runs after snapshot task/);
    replTask = res.body;
    clock += 60 * MIN;
    const run = await api().post(`/snapshot-tasks/${snapTask.id}/run`);
    const job = await waitJob(run.body.job.id);
    const started = job.log.find((l) => /started replication task/.test(l))!;
    const replJob = await waitJob(Number(/job (\d+)/.exec(started)![1]));
    expect(replJob.state).toBe('succeeded');
    expect(replJob.log.join('\n')).toMatch(/\(full\)/);
    expect(replJob.progress).toBe(100);
    expect(replJob.progressText).toMatch(/of .*B at .*B\/s/);
    expect((await snaps(host, 'tank/replica')).map((s) => s[1])).toEqual((await snaps(host, 'tank/data')).map((s) => s[1]));
    const ro = await host.run('zfs', ['get', '-H', '-o', 'value', 'readonly', 'tank/replica']);
    expect(ro.stdout.trim()).toBe('on');
    const holds = await host.run('zfs', ['holds', '-H', 'tank/data@auto-2026-11-30_09-00']);
    expect(holds.stdout).toMatch(new RegExp(`calypso-replication-${replTask.id}`));
    const task = (await api(reader).get(`/replication/tasks/${replTask.id}`)).body;
    expect(task.state).toMatch(/^Up to date: auto-2026-11-30_09-00 on tank\/replica/);
    expect(task.lastSuccessAt).not.toBeNull();

    clock += 60 * MIN;
    const again = await waitJob((await api().post(`/snapshot-tasks/${snapTask.id}/run`)).body.job.id);
    const inc = await waitJob(Number(/job (\d+)/.exec(again.log.find((l) => /started replication task/.test(l))!)![1]));
    expect(inc.log.join('\n')).toMatch(/auto-2026-11-30_09-00\.\.auto-2026-11-30_10-00 \(-I\)/);
    expect((await snaps(host, 'tank/replica')).length).toBe(3);
    const oldHold = await host.run('zfs', ['holds', '-H', 'tank/data@auto-2026-11-30_09-00']);
    expect(oldHold.stdout).toBe('');
  });

  test('an interrupted transfer is retried and resumes from the receive_resume_token', async () => {
    clock += 60 * MIN;
    await host.run('zfs', ['snapshot', 'tank/data@auto-2026-11-30_11-00']);
    interruptTransfers(host, 0.5);
    const job = await waitJob((await api(operator).post(`/replication/tasks/${replTask.id}/run`)).body.job.id);
    expect(job.state).toBe('succeeded');
    const log = job.log.join('\n');
    expect(log).toMatch(/broke off.*retry 1 of 3/);
    expect(log).toMatch(/resume token; resuming it/);
    expect((await snaps(host, 'tank/replica')).map((s) => s[1])).toEqual((await snaps(host, 'tank/data')).map((s) => s[1]));
  });

  test('a token that no longer works is discarded (receive -A) and the task says so', async () => {
    clock += 60 * MIN;
    await host.run('zfs', ['snapshot', 'tank/data@auto-2026-11-30_12-00']);
    await api().patch(`/replication/tasks/${replTask.id}`, { retries: 0 });
    interruptTransfers(host, 0.5);
    const broken = await waitJob((await api().post(`/replication/tasks/${replTask.id}/run`)).body.job.id);
    expect(broken.state).toBe('failed');
    expect(broken.error).toMatch(/broke off/);
    await host.run('zfs', ['destroy', 'tank/data@auto-2026-11-30_12-00']);
    clock += MIN;
    await host.run('zfs', ['snapshot', 'tank/data@auto-2026-11-30_12-01']);
    const job = await waitJob((await api().post(`/replication/tasks/${replTask.id}/run`)).body.job.id);
    expect(job.state).toBe('succeeded');
    expect(job.log.join('\n')).toMatch(/could not be resumed \(its snapshot is gone\): its state was discarded \(zfs receive -A\)/);
    await api().patch(`/replication/tasks/${replTask.id}`, { retries: 3 });
  });

  test('status in plain words: a diverged target waits with the next step; rollback allowed fixes it', async () => {
    await host.run('zfs', ['set', 'readonly=off', 'tank/replica']);
    await host.run('zfs', ['snapshot', 'tank/replica@made-on-target']);
    clock += 60 * MIN;
    await host.run('zfs', ['snapshot', 'tank/data@auto-2026-11-30_13-01']);
    const job = await waitJob((await api().post(`/replication/tasks/${replTask.id}/run`)).body.job.id);
    expect(job.state).toBe('failed');
    const task = (await api().get(`/replication/tasks/${replTask.id}`)).body;
    expect(task.lastRun.state).toBe('waiting');
    expect(task.state).toMatch(
      /^Waiting: the target has snapshots newer than the last common one \(made-on-target\); allow rollback of the target or remove them$/,
    );
    await api().patch(`/replication/tasks/${replTask.id}`, { allowTargetRollback: true });
    const fixed = await waitJob((await api().post(`/replication/tasks/${replTask.id}/run`)).body.job.id);
    expect(fixed.state).toBe('succeeded');
    expect((await snaps(host, 'tank/replica')).map((s) => s[0])).not.toContain('tank/replica@made-on-target');
  });

  test('no common snapshot and no "allow from scratch": the size of the full send and the step', async () => {
    const res = await api().post('/replication/tasks', {
      name: 'strict',
      sources: ['tank/data'],
      target: 'tank/strict',
      namingSchema: 'auto-%Y-%m-%d_%H-%M',
      trigger: 'schedule',
      cron: '30 2 * * *',
    });
    expect(res.status).toBe(201);
    const job = await waitJob((await api().post(`/replication/tasks/${res.body.id}/run`)).body.job.id);
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/^No common snapshot: a full send of [\d.]+ [KMGT]?i?B is needed; enable 'allow from scratch'$/);
    await api().del(`/replication/tasks/${res.body.id}`);
  });

  test('a read-only target pool is named as such', async () => {
    const res = await api().post('/replication/tasks', {
      name: 'ro',
      sources: ['tank/other'],
      target: 'tank/ro-copy',
      namingSchema: 'x-%Y%m%d%H%M',
      trigger: 'schedule',
      cron: '0 3 * * *',
      allowFromScratch: true,
    });
    await host.run('zfs', ['snapshot', 'tank/other@x-202611301300']);
    simStreamFaults(host).readOnlyPools.add('tank');
    const job = await waitJob((await api().post(`/replication/tasks/${res.body.id}/run`)).body.job.id);
    simStreamFaults(host).readOnlyPools.delete('tank');
    expect(job.error).toMatch(/^Target pool is read-only/);
    await api().del(`/replication/tasks/${res.body.id}`);
  });

  test('retention destroys expired snapshots of its schema but keeps the held base and what replication still needs', async () => {
    await api().patch(`/replication/tasks/${replTask.id}`, { enabled: false });
    clock += 3 * 24 * 60 * MIN;
    const job = await waitJob((await api().post(`/snapshot-tasks/${snapTask.id}/run`)).body.job.id);
    expect(job.state).toBe('succeeded');
    const left = (await snaps(host, 'tank/data')).map((s) => s[0].split('@')[1]);
    // The newest replicated snapshot is the held base; the one just taken is young.
    expect(left).toEqual(['auto-2026-11-30_13-01', expect.stringMatching(/^auto-2026-12-03_/)]);
    expect(job.log.join('\n')).toMatch(/retention destroyed tank\/data@auto-2026-11-30_08-00: expired at/);
    expect(job.log.join('\n')).toMatch(/retention kept tank\/data@auto-2026-11-30_13-01: expired at .* but held/);
    const timeline = (await api(reader).get('/replication/timeline?dataset=tank/data')).body;
    const base = timeline.snapshots.find((s: { name: string }) => s.name === 'auto-2026-11-30_13-01');
    expect(base.replicatedTo).toEqual(['to replica: tank/replica']);
    expect(base.retention).toMatch(/^kept: .*but held/);
    await api().patch(`/replication/tasks/${replTask.id}`, { enabled: true });
  });
});

describe('SSH connections and push over SSH', () => {
  let conn: { id: number; offeredFingerprint: string; publicKey: string };
  test('Calypso makes the key pair; the host key is offered, pinned only once confirmed; no private key in answers', async () => {
    const res = await api().post('/replication/connections', { name: 'backup2', host: 'backup2', port: 2222, user: 'calypso' });
    expect(res.status).toBe(201);
    expect(JSON.stringify(res.body)).not.toMatch(/PRIVATE KEY/);
    expect(res.body.publicKey).toMatch(/^ssh-ed25519 AAAA\S+ calypso-\d+$/);
    expect(res.body.hostKeyFingerprint).toBeNull();
    expect(res.body.offeredFingerprint).toMatch(/^SHA256:/);
    expect(res.body.state).toMatch(/Host key not trusted yet: compare SHA256:/);
    conn = res.body;
    const wrong = await api().post(`/replication/connections/${conn.id}/trust`, {
      fingerprint: `SHA256:${'A'.repeat(43)}`,
      confirm: `SHA256:${'A'.repeat(43)}`,
    });
    expect(wrong.status).toBe(409);
    const ok = await api().post(`/replication/connections/${conn.id}/trust`, { fingerprint: conn.offeredFingerprint, confirm: conn.offeredFingerprint });
    expect(ok.status).toBe(200);
    expect(ok.body.hostKeyFingerprint).toBe(conn.offeredFingerprint);
    (peer.authorized as Set<string>).add(parsePublicKey(conn.publicKey)!.base64);
    expect((await api(operator).post(`/replication/connections/${conn.id}/test`)).body).toEqual({
      ok: true,
      message: 'Connected to calypso@backup2 and ran zfs list',
    });
  });

  test('a push over SSH lands on the peer; a changed host key is refused until confirmed', async () => {
    const res = await api().post('/replication/tasks', {
      name: 'offsite',
      transport: 'ssh',
      connectionId: conn.id,
      sources: ['tank/data'],
      target: 'tank/offsite',
      snapshotTaskIds: [snapTask.id],
      allowFromScratch: true,
    });
    expect(res.status).toBe(201);
    const job = await waitJob((await api().post(`/replication/tasks/${res.body.id}/run`)).body.job.id);
    expect([job.state, job.error]).toEqual(['succeeded', null]);
    const local = (await snaps(host, 'tank/data')).map((s) => s[1]);
    // Both were sent; the older one had outlived the task's lifetime, so the target's retention removed it.
    expect(job.log.join('\n')).toMatch(
      /\(full\): [\d.]+ KiB sent\n.*\(-I\): [\d.]+ KiB sent\ntarget retention destroyed tank\/offsite@auto-2026-11-30_13-01: expired/,
    );
    expect((await snaps(peerHost, 'tank/offsite')).map((s) => s[1])).toEqual(local.slice(-1));

    await rotateSimPeerHostKey(peer);
    const refused = await waitJob((await api().post(`/replication/tasks/${res.body.id}/run`)).body.job.id);
    expect(refused.state).toBe('failed');
    expect((await api().get(`/replication/tasks/${res.body.id}`)).body.state).toBe('SSH host key changed for backup2: confirm the new fingerprint');
    const scanned = (await api().post(`/replication/connections/${conn.id}/scan`)).body;
    expect(scanned.state).toMatch(/^SSH host key changed for backup2: confirm the new fingerprint SHA256:/);
    await api().post(`/replication/connections/${conn.id}/trust`, { fingerprint: scanned.offeredFingerprint, confirm: scanned.offeredFingerprint });
    const after = await waitJob((await api().post(`/replication/tasks/${res.body.id}/run`)).body.job.id);
    expect(after.state).toBe('succeeded');
    await api().del(`/replication/tasks/${res.body.id}`);
  });

  test("a pull over SSH brings the peer's dataset here", async () => {
    const res = await api().post('/replication/tasks', {
      name: 'pull back',
      direction: 'pull',
      transport: 'ssh',
      connectionId: conn.id,
      sources: ['tank/offsite'],
      target: 'tank/pulled',
      namingSchema: 'auto-%Y-%m-%d_%H-%M',
      trigger: 'schedule',
      cron: '0 5 * * *',
      allowFromScratch: true,
    });
    expect(res.status).toBe(201);
    const job = await waitJob((await api().post(`/replication/tasks/${res.body.id}/run`)).body.job.id);
    expect([job.state, job.error]).toEqual(['succeeded', null]);
    expect(job.log[0]).toMatch(/from calypso@backup2:2222 \(openzfs\) to this appliance/);
    expect((await snaps(host, 'tank/pulled')).map((s) => s[1])).toEqual((await snaps(peerHost, 'tank/offsite')).map((s) => s[1]));
    await api().del(`/replication/tasks/${res.body.id}`);
  });
});

describe('imported keys', () => {
  test('an imported private key is kept 0600 on the appliance, never in an answer or the audit log; deleting the connection wipes it', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const res = await api().post('/replication/connections', { name: 'imported', host: 'backup2', port: 2222, user: 'calypso', privateKey: pem });
    expect(res.status).toBe(201);
    expect(res.body.keyOrigin).toBe('imported');
    expect(res.body.publicKey).toMatch(/^ssh-ed25519 AAAA/);
    const everything = JSON.stringify([
      res.body,
      (await api().get('/replication/connections')).body,
      await t.testDb.db('audit_log'),
      await t.testDb.db('ssh_connections'),
    ]);
    expect(everything).not.toContain(pem.split('\n')[1]!);
    const row = await t.testDb.db('ssh_connections').where({ id: res.body.id }).first();
    expect(await host.files.read(row.key_path)).toBe(pem);
    const del = await api().del(`/replication/connections/${res.body.id}`, { confirm: `ssh connection ${res.body.id}` });
    expect(del.status).toBe(200);
    expect(await host.files.read(row.key_path)).toBe('');
    expect((await host.files.readIfExists(`${row.key_path}.prev`)) ?? '').toBe('');
  });
});

describe('metrics', () => {
  test('calypso_replication_* per task: last success, lag, bytes, and how far past its allowed lag', async () => {
    await api().patch(`/replication/tasks/${replTask.id}`, { lagAlertSeconds: 3600 });
    const values = await replicationProbe(t.testDb.db).collect(Date.now());
    const of = (name: string) => values.find((v) => v.name === name && v.labels['task'] === String(replTask.id))?.value;
    expect(of('calypso_replication_last_run_ok')).toBe(1);
    expect(of('calypso_replication_last_success_timestamp_seconds')).toBeGreaterThan(Date.UTC(2026, 0, 1) / 1000);
    expect(of('calypso_replication_sent_bytes')).toBeGreaterThan(0);
    const lag = of('calypso_replication_lag_seconds')!;
    expect(of('calypso_replication_overdue_seconds')).toBe(Math.max(0, lag - 3600));
    for (const v of values) expect(v.name).toMatch(/^calypso_replication_[a-z_]+$/);
  });
});

describe('permissions', () => {
  test('Operator runs tasks but may not create, change or delete them, nor touch connections', async () => {
    const before = await counts();
    expect((await api(operator).post('/snapshot-tasks', { dataset: 'tank/other', cron: '0 * * * *' })).status).toBe(403);
    expect((await api(operator).patch(`/snapshot-tasks/${snapTask.id}`, { lifetime: '1 hour' })).status).toBe(403);
    expect((await api(operator).del(`/snapshot-tasks/${snapTask.id}`)).status).toBe(403);
    expect((await api(operator).patch(`/replication/tasks/${replTask.id}`, { target: 'tank/elsewhere' })).status).toBe(403);
    expect(
      (
        await api(operator).post('/replication/tasks', {
          name: 'x',
          sources: ['tank/other'],
          target: 'tank/x',
          namingSchema: 'x-%s',
          trigger: 'schedule',
          cron: '0 1 * * *',
        })
      ).status,
    ).toBe(403);
    expect((await api(operator).post('/replication/connections', { name: 'x', host: 'evil.example', user: 'root' })).status).toBe(403);
    expect((await api(operator).post('/schedules', { kind: 'replication.task', target: String(replTask.id), cron: '* * * * *' })).status).toBe(403);
    expect((await api(reader).post(`/replication/tasks/${replTask.id}/run`)).status).toBe(403);
    expect((await api(reader).post(`/snapshot-tasks/${snapTask.id}/run`)).status).toBe(403);
    expect((await api(reader).get('/replication/tasks')).status).toBe(200);
    expect(await counts()).toEqual(before);
  });
});

describe('bad input: 400 with a sentence, nothing stored, nothing scheduled', () => {
  const base = { name: 'bad', sources: ['tank/other'], target: 'tank/bad', namingSchema: 'x-%Y%m%d%H%M', trigger: 'schedule', cron: '0 1 * * *' };
  test.each([
    [
      'a naming schema without a time field',
      '/snapshot-tasks',
      { dataset: 'tank/other', cron: '0 * * * *', namingSchema: 'daily' },
      /naming schema has no time field/,
    ],
    ['a schema missing the minute', '/snapshot-tasks', { dataset: 'tank/other', cron: '0 * * * *', namingSchema: 'auto-%Y-%m-%d_%H' }, /same minute.*%M/],
    ['a schedule that never fires', '/snapshot-tasks', { dataset: 'tank/other', cron: '0 0 30 2 *' }, /schedule never runs/],
    ['an unreadable lifetime', '/snapshot-tasks', { dataset: 'tank/other', cron: '0 * * * *', lifetime: 'forever' }, /lifetime is a number and a unit/],
    [
      'an exclude outside the dataset',
      '/snapshot-tasks',
      { dataset: 'tank/other', recursive: true, cron: '0 * * * *', exclude: ['tank/data'] },
      /not below tank\/other/,
    ],
    ['a target inside its source', '/replication/tasks', { ...base, target: 'tank/other/copy' }, /inside its own source/],
    ['a source inside its target', '/replication/tasks', { ...base, target: 'tank' }, /inside the target/],
    ['a task fighting over a target', '/replication/tasks', { ...base, target: 'tank/replica/sub' }, /already writes to tank\/replica: two tasks would fight/],
    ['a replication schedule that never fires', '/replication/tasks', { ...base, cron: '0 0 31 4 *' }, /never runs/],
    ['no snapshots selected', '/replication/tasks', { ...base, namingSchema: null }, /say which snapshots/],
    ['pull without ssh', '/replication/tasks', { ...base, direction: 'pull' }, /pull replicates from a peer/],
    ['a hostile host name', '/replication/connections', { name: 'x', host: '-oProxyCommand=touch /tmp/p' }, /host name/],
    ['a host name with a shell', '/replication/connections', { name: 'x', host: 'a;reboot' }, /host name/],
    ['a hostile user', '/replication/connections', { name: 'x', host: 'backup2', user: '-lroot' }, /user name/],
    ['a user with a space', '/replication/connections', { name: 'x', host: 'backup2', user: 'root reboot' }, /user name/],
    ['garbage as a private key', '/replication/connections', { name: 'x', host: 'backup2', privateKey: 'ssh-rsa AAAA; rm -rf /' }, /private key/],
    ['an unknown field', '/replication/tasks', { ...base, command: 'rm -rf /' }, /command/],
  ])('%s', async (_what, path, body, why) => {
    const before = await counts();
    const ran = host.history(500).length;
    const res = await api().post(path, body);
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(why);
    expect(await counts()).toEqual(before);
    const commands = host
      .history(500)
      .slice(ran)
      .map((h) => h.command);
    expect(commands.filter((c) => /ssh|zfs send|receive/.test(c))).toEqual([]);
  });
});
