import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';

let t: TestApp;
let reader: string;
let operator: string;
beforeAll(async () => {
  t = await startTestApp({ host: new SimulatedHost() });
  reader = await t.userWithRoles('reader', ['ReadOnly']);
  operator = await t.userWithRoles('operator', ['Operator']);
});
afterAll(async () => {
  await t.close();
});
const as = (token: string) => ({ Authorization: `Bearer ${token}` });
const enc = encodeURIComponent;

describe('storage on the simulated appliance', () => {
  test('disks say which are in use; pools list with health', async () => {
    const disks = await t.http.get('/api/v1/storage/disks').set(as(reader));
    expect(disks.status).toBe(200);
    expect(disks.body.total).toBeGreaterThanOrEqual(12);
    expect(disks.body.items.filter((d: { inUse: boolean }) => d.inUse).length).toBeGreaterThanOrEqual(6);
    const pools = await t.http.get('/api/v1/storage/pools').set(as(reader));
    expect(pools.body.items).toEqual([expect.objectContaining({ name: 'tank', health: 'ONLINE' })]);
  });

  test('a mirror of two free disks is created and shows ONLINE with its vdev tree', async () => {
    const free = (await t.http.get('/api/v1/storage/disks').query({ free: 'true' }).set(as(reader))).body.items as {
      name: string;
      type: string;
      sizeBytes: number;
      stablePath: string;
    }[];
    const ssds = free.filter((d) => d.type === 'ssd');
    const pairDisks = ssds.filter((d) => d.sizeBytes === ssds[0].sizeBytes).slice(0, 2);
    const pair = pairDisks.map((d) => d.name);
    expect(pair).toHaveLength(2);
    const res = await t.http
      .post('/api/v1/storage/pools')
      .set(as(t.adminToken))
      .send({ name: 'fast', layout: { type: 'mirror', disks: pair } });
    expect(res.status).toBe(201);
    expect(res.body.job.state).toBe('succeeded');
    expect(res.body.pool).toMatchObject({ name: 'fast', health: 'ONLINE' });
    // New pools use stable names; zpool status -P names whole disks by their first partition's path.
    expect(res.body.pool.vdevs).toEqual([
      expect.objectContaining({
        name: 'mirror-0',
        state: 'ONLINE',
        children: pairDisks.map((d) => expect.objectContaining({ name: `${d.stablePath}-part1`, state: 'ONLINE' })),
      }),
    ]);
    const detail = await t.http.get('/api/v1/storage/pools/fast').set(as(reader));
    expect(detail.body.vdevs[0].children).toHaveLength(2);
    const again = await t.http
      .post('/api/v1/storage/pools')
      .set(as(t.adminToken))
      .send({ name: 'fast2', layout: { type: 'mirror', disks: pair } });
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/in use by pool fast/);
  });

  test('layouts are checked before anything runs', async () => {
    const free = (await t.http.get('/api/v1/storage/disks').query({ free: 'true' }).set(as(reader))).body.items.map((d: { name: string }) => d.name);
    const one = await t.http
      .post('/api/v1/storage/pools')
      .set(as(t.adminToken))
      .send({ name: 'bad', layout: { type: 'raidz2', disks: free.slice(0, 3) } });
    expect(one.status).toBe(400);
    expect(one.body.detail).toMatch(/raidz2 needs at least 4 disks/);
    const dup = await t.http
      .post('/api/v1/storage/pools')
      .set(as(t.adminToken))
      .send({ name: 'bad', layout: { type: 'mirror', disks: [free[0], free[0]] } });
    expect(dup.status).toBe(400);
    const ghost = await t.http
      .post('/api/v1/storage/pools')
      .set(as(t.adminToken))
      .send({ name: 'bad', layout: { type: 'mirror', disks: ['sdzz', 'sdzy'] } });
    expect(ghost.status).toBe(400);
  });

  test('a dataset with compression=zstd and a 10G quota is created and read back', async () => {
    const res = await t.http
      .post('/api/v1/storage/datasets')
      .set(as(t.adminToken))
      .send({ name: 'tank/projects', properties: { compression: 'zstd', quota: '10G', comments: 'team projects' } });
    expect(res.status).toBe(201);
    expect(res.body.quotaBytes).toBe(10 * 1024 ** 3);
    expect(res.body.properties.compression.value).toBe('zstd');
    const list = await t.http.get('/api/v1/storage/datasets').query({ root: 'tank/projects' }).set(as(reader));
    expect(list.body.items).toEqual([expect.objectContaining({ name: 'tank/projects', quotaBytes: 10 * 1024 ** 3 })]);
    const got = await t.http.get(`/api/v1/storage/datasets/${enc('tank/projects')}`).set(as(reader));
    expect(got.body.properties['org.calypso:comments'].value).toBe('team projects');
    const patched = await t.http
      .patch(`/api/v1/storage/datasets/${enc('tank/projects')}`)
      .set(as(t.adminToken))
      .send({ properties: { atime: 'off', recordsize: '1M' } });
    expect(patched.status).toBe(200);
    expect(patched.body.properties.atime.value).toBe('off');
    expect(patched.body.properties.recordsize.value).toBe(String(1024 * 1024));
    const badProp = await t.http
      .patch(`/api/v1/storage/datasets/${enc('tank/projects')}`)
      .set(as(t.adminToken))
      .send({ properties: { recordsize: '3K' } });
    expect(badProp.status).toBe(400);
  });

  test('zvols are created and only grow', async () => {
    const res = await t.http.post('/api/v1/storage/zvols').set(as(t.adminToken)).send({ name: 'tank/vms/db1', size: '20G', sparse: true });
    expect(res.status).toBe(201);
    expect(res.body.type).toBe('volume');
    const grown = await t.http
      .post(`/api/v1/storage/zvols/${enc('tank/vms/db1')}/resize`)
      .set(as(t.adminToken))
      .send({ size: '30G' });
    expect(grown.status).toBe(200);
    expect(grown.body.properties.volsize.value).toBe(String(30 * 1024 ** 3));
    const shrink = await t.http
      .post(`/api/v1/storage/zvols/${enc('tank/vms/db1')}/resize`)
      .set(as(t.adminToken))
      .send({ size: '1G' });
    expect(shrink.status).toBe(409);
  });

  test('a snapshot is taken, rolled back only with confirmation, and cloned', async () => {
    const snap = await t.http.post('/api/v1/snapshots').set(as(operator)).send({ dataset: 'tank/projects', name: 'before-upgrade' });
    expect(snap.status).toBe(201);
    expect(snap.body).toMatchObject({ name: 'tank/projects@before-upgrade', dataset: 'tank/projects', holds: 0 });
    const listed = await t.http.get('/api/v1/snapshots').query({ dataset: 'tank/projects' }).set(as(reader));
    expect(listed.body.items.map((s: { name: string }) => s.name)).toContain('tank/projects@before-upgrade');
    const name = enc('tank/projects@before-upgrade');
    const unconfirmed = await t.http.post(`/api/v1/snapshots/${name}/rollback`).set(as(t.adminToken)).send({});
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.body.detail).toContain('"confirm": "tank/projects@before-upgrade"');
    await t.http.post('/api/v1/snapshots').set(as(operator)).send({ dataset: 'tank/projects', name: 'later' });
    const blocked = await t.http.post(`/api/v1/snapshots/${name}/rollback`).set(as(t.adminToken)).send({ confirm: 'tank/projects@before-upgrade' });
    expect(blocked.status).toBe(409);
    expect(blocked.body.detail).toMatch(/newer snapshot/);
    const rolled = await t.http
      .post(`/api/v1/snapshots/${name}/rollback`)
      .set(as(t.adminToken))
      .send({ confirm: 'tank/projects@before-upgrade', destroyNewer: true });
    expect(rolled.status).toBe(200);
    expect(rolled.body.destroyed).toEqual(['tank/projects@later']);
    const clone = await t.http.post(`/api/v1/snapshots/${name}/clone`).set(as(t.adminToken)).send({ target: 'tank/projects-test' });
    expect(clone.status).toBe(200);
    expect(clone.body).toMatchObject({ name: 'tank/projects-test', origin: 'tank/projects@before-upgrade' });
  });

  test('holds block destroy; ranges destroy several', async () => {
    for (const n of ['a1', 'a2', 'a3']) await t.http.post('/api/v1/snapshots').set(as(operator)).send({ dataset: 'tank/vms', name: n });
    const held = await t.http
      .post(`/api/v1/snapshots/${enc('tank/vms@a2')}/hold`)
      .set(as(operator))
      .send({ tag: 'keep' });
    expect(held.status).toBe(200);
    expect(held.body.holds).toBe(1);
    const refused = await t.http
      .delete(`/api/v1/snapshots/${enc('tank/vms@a1')}`)
      .set(as(t.adminToken))
      .send({ through: 'a3', confirm: 'tank/vms@a1%a3' });
    expect(refused.status).toBe(409);
    await t.http
      .post(`/api/v1/snapshots/${enc('tank/vms@a2')}/release`)
      .set(as(operator))
      .send({ tag: 'keep' });
    const range = await t.http
      .delete(`/api/v1/snapshots/${enc('tank/vms@a1')}`)
      .set(as(t.adminToken))
      .send({ through: 'a3', confirm: 'tank/vms@a1%a3' });
    expect(range.status).toBe(200);
    expect(range.body.destroyed).toEqual(['tank/vms@a1', 'tank/vms@a2', 'tank/vms@a3']);
  });

  test('destroying a dataset lists its dependents first and goes recursive only when asked', async () => {
    const deps = await t.http.get(`/api/v1/storage/datasets/${enc('tank/projects')}/dependents`).set(as(reader));
    expect(deps.body.snapshots).toEqual(['tank/projects@before-upgrade']);
    expect(deps.body.clones).toEqual(['tank/projects-test']);
    const plain = await t.http
      .delete(`/api/v1/storage/datasets/${enc('tank/projects')}`)
      .set(as(t.adminToken))
      .send({ confirm: 'tank/projects' });
    expect(plain.status).toBe(409);
    const recursive = await t.http
      .delete(`/api/v1/storage/datasets/${enc('tank/projects')}`)
      .set(as(t.adminToken))
      .send({ confirm: 'tank/projects', recursive: true });
    expect(recursive.status).toBe(409);
    expect(recursive.body.detail).toMatch(/clones/);
    const all = await t.http
      .delete(`/api/v1/storage/datasets/${enc('tank/projects')}`)
      .set(as(t.adminToken))
      .send({ confirm: 'tank/projects', recursive: true, dependents: true });
    expect(all.status).toBe(200);
    expect(all.body.destroyed).toEqual(expect.arrayContaining(['tank/projects', 'tank/projects@before-upgrade', 'tank/projects-test']));
  });

  test('faulting a disk turns its pool DEGRADED and the API says which disk; healing resilvers it', async () => {
    const disks = (await t.http.get('/api/v1/storage/disks').set(as(reader))).body.items as { name: string; pool: string | null }[];
    const victim = disks.filter((d) => d.pool === 'tank')[1].name;
    expect((await t.http.post('/api/v1/sim/fault-disk').set(as(t.adminToken)).send({ disk: victim })).status).toBe(200);
    const degraded = (await t.http.get('/api/v1/storage/pools/tank').set(as(reader))).body;
    expect(degraded.health).toBe('DEGRADED');
    expect(degraded.problemDevices).toEqual([expect.objectContaining({ disk: victim, state: 'FAULTED' })]);
    const disk = (await t.http.get('/api/v1/storage/disks').set(as(reader))).body.items.find((d: { name: string }) => d.name === victim);
    expect(disk).toMatchObject({ smartHealth: 'FAILED', pool: 'tank', state: 'FAULTED' });
    expect((await t.http.post('/api/v1/sim/heal-disk').set(as(t.adminToken)).send({ disk: victim })).status).toBe(200);
    const healed = (await t.http.get('/api/v1/storage/pools/tank').set(as(reader))).body;
    expect(healed.problemDevices).toEqual([]);
    expect((await t.http.post('/api/v1/sim/fault-disk').set(as(operator)).send({ disk: victim })).status).toBe(403);
  });

  test('scrub runs as a cancellable job', async () => {
    // tank may still be resilvering after the heal above (zpool refuses a scrub then): use the new pool.
    const res = await t.http.post('/api/v1/storage/pools/fast/scrub').set(as(operator)).send({ action: 'start' });
    expect(res.status).toBe(200);
    expect(res.body.scan).toMatchObject({ function: 'scrub', state: 'scanning' });
    const cancelled = await t.http.post(`/api/v1/jobs/${res.body.job.id}/cancel`).set(as(operator)).send({});
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.state).toBe('cancelled');
    const after = (await t.http.get('/api/v1/storage/pools/fast').set(as(reader))).body;
    expect(after.scan.state).toBe('canceled');
  });

  test('a paused scrub keeps its job running; starting it again resumes under the same job; stopping ends it', async () => {
    const started = await t.http.post('/api/v1/storage/pools/fast/scrub').set(as(operator)).send({ action: 'start' });
    expect(started.status).toBe(200);
    const jobId = started.body.job.id as number;
    const paused = await t.http.post('/api/v1/storage/pools/fast/scrub').set(as(operator)).send({ action: 'pause' });
    expect(paused.body.scan.state).toBe('paused');
    // The job follows the scrub once a second: wait until it has seen the pause, then check it did not end.
    const job = () => t.http.get(`/api/v1/jobs/${jobId}`).set(as(reader));
    for (let i = 0; i < 100 && !String((await job()).body.progressText).startsWith('paused'); i++) await new Promise((r) => setTimeout(r, 100));
    expect((await job()).body).toMatchObject({ state: 'running', progressText: expect.stringMatching(/^paused/) });
    const resumed = await t.http.post('/api/v1/storage/pools/fast/scrub').set(as(operator)).send({ action: 'start' });
    expect(resumed.body.job.id).toBe(jobId);
    expect(resumed.body.scan.state).toBe('scanning');
    await t.http.post('/api/v1/storage/pools/fast/scrub').set(as(operator)).send({ action: 'stop' });
    for (let i = 0; i < 100 && (await job()).body.state === 'running'; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await job()).body.state).toBe('failed');
    expect((await job()).body.error).toMatch(/was stopped before it finished/);
  });

  test('ARC statistics', async () => {
    const arc = await t.http.get('/api/v1/storage/arc').set(as(reader));
    expect(arc.body.available).toBe(true);
    expect(arc.body.sizeBytes).toBeGreaterThan(0);
    expect(arc.body.hitRatioPercent).toBeGreaterThan(50);
  });

  test('a ReadOnly user gets 403 on every change', async () => {
    const changes: [string, string, object][] = [
      ['post', '/api/v1/storage/pools', { name: 'x', layout: { type: 'stripe', disks: ['sdk'] } }],
      ['post', '/api/v1/storage/datasets', { name: 'tank/x' }],
      ['patch', `/api/v1/storage/datasets/${enc('tank/vms')}`, { properties: { atime: 'off' } }],
      ['delete', '/api/v1/storage/pools/tank', { confirm: 'tank' }],
      ['post', '/api/v1/snapshots', { dataset: 'tank/vms', name: 'x' }],
      ['post', '/api/v1/storage/pools/tank/scrub', {}],
      ['post', '/api/v1/storage/zvols', { name: 'tank/z', size: '1G' }],
    ];
    const http = t.http as unknown as Record<string, (u: string) => { set(h: object): { send(b: object): Promise<{ status: number }> } }>;
    for (const [method, url, body] of changes) {
      const res = await http[method](url).set(as(reader)).send(body);
      expect({ url, status: res.status }).toEqual({ url, status: 403 });
    }
  });
});
