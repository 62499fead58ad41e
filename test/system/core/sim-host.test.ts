import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { HostCommandError, UnsafeArgumentError } from '../../../src/system/host.js';
import { SimulatedHost } from '../../../src/system/sim/index.js';
import { parseZpoolStatus, ZfsAdapter } from '../../../src/system/zfs/index.js';

function setup(now?: () => number) {
  const host = new SimulatedHost(now ? { now } : {});
  return { host, zfs: new ZfsAdapter(host) };
}

async function failure(p: Promise<unknown>): Promise<HostCommandError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof HostCommandError) return err;
    throw err;
  }
  throw new Error('expected a HostCommandError');
}

describe('SimulatedHost as OpenZFS 2.2', () => {
  test('default appliance: tank raidz2 on six disks with coherent space', async () => {
    const { zfs } = setup();
    expect(await zfs.detect()).toMatchObject({ dialect: 'openzfs', version: { userland: '2.2.2-1' } });
    const [tank] = await zfs.listPools();
    expect(tank).toMatchObject({ name: 'tank', health: 'ONLINE' });
    expect(tank!.allocated! + tank!.free!).toBe(tank!.size);
    const [status] = await zfs.poolStatus('tank');
    expect(status!.vdevs[0]!.name).toBe('raidz2-0');
    expect(status!.vdevs[0]!.children.map((c) => c.name)).toEqual(['sda', 'sdb', 'sdc', 'sdd', 'sde', 'sdf'].map((d) => `/dev/${d}1`));
    const datasets = await zfs.listDatasets({ root: 'tank' });
    const byName = new Map(datasets.map((d) => [d.name, d]));
    expect([...byName.keys()]).toEqual(['tank', 'tank/backups', 'tank/backups/bacula', 'tank/shares', 'tank/shares/finance', 'tank/vms', 'tank/vms/vm1']);
    const root = byName.get('tank')!;
    const children = ['tank/backups', 'tank/shares', 'tank/vms'].reduce((s, n) => s + byName.get(n)!.used!, 0);
    expect(root.used!).toBeGreaterThanOrEqual(children);
    // raidz2 of 6: about two thirds of the raw allocation is data
    expect(root.used! / tank!.allocated!).toBeGreaterThan(0.6);
    expect(root.used! / tank!.allocated!).toBeLessThan(0.72);
    expect(byName.get('tank/shares/finance')!.quota).toBe(1024 ** 4);
    expect(byName.get('tank/vms/vm1')!.type).toBe('volume');
    const snaps = await zfs.listSnapshots({ dataset: 'tank/backups/bacula' });
    expect(snaps.map((s) => s.name)).toEqual(['daily-2024-05-01', 'daily-2024-05-02', 'daily-2024-05-03'].map((s) => `tank/backups/bacula@${s}`));
    expect(await zfs.holds('tank/backups/bacula@daily-2024-05-03')).toMatchObject([{ tag: 'calypso-replication' }]);
  });

  test('create a mirror of two free disks: ONLINE; disks in use are refused with the real message', async () => {
    const { host, zfs } = setup();
    await zfs.createPool({ name: 'fast', vdevs: [{ type: 'mirror', disks: ['sdk', 'sdl'] }], filesystemProperties: { compression: 'lz4' } });
    const [fast] = await zfs.poolStatus('fast');
    expect(fast).toMatchObject({ name: 'fast', state: 'ONLINE', scan: null });
    expect(fast!.vdevs[0]).toMatchObject({ name: 'mirror-0', state: 'ONLINE' });
    expect((await zfs.getProperties('fast', ['compression']))['compression']).toEqual({ value: 'lz4', source: 'local' });
    const err = await failure(zfs.createPool({ name: 'other', vdevs: [{ type: 'mirror', disks: ['sdb', 'sdg'] }] }));
    expect(err.code).toBe(1);
    expect(err.stderr).toContain("/dev/sdb1 is part of active pool 'tank'");
    expect((await failure(host.run('zpool', ['create', 'fast', 'sdm']))).stderr).toBe("cannot create 'fast': pool already exists\n");
    expect((await failure(host.run('zpool', ['create', 'x', 'raidz2', 'sdm', 'sdn']))).stderr).toContain('raidz2 requires at least 3 devices');
    expect((await failure(host.run('zpool', ['create', 'x', 'sdz']))).stderr).toContain("cannot open 'sdz': no such device in /dev");
    await zfs.destroyPool('fast');
    expect(await zfs.listPools()).toHaveLength(1);
  });

  test('fault a disk: DEGRADED naming the disk; heal: resilver, then ONLINE', async () => {
    let now = Date.UTC(2024, 4, 10, 12);
    const { host, zfs } = setup(() => now);
    await host.faultDisk('sdb');
    const [degraded] = await zfs.poolStatus('tank');
    expect(degraded!.state).toBe('DEGRADED');
    expect(degraded!.status).toMatch(/faulted in response to persistent errors/);
    expect(degraded!.vdevs[0]!.children[1]).toMatchObject({ name: '/dev/sdb1', state: 'FAULTED', note: 'too many errors' });
    expect((await zfs.listPools())[0]!.health).toBe('DEGRADED');
    await host.healDisk('sdb');
    now += 3000;
    const [resilvering] = await zfs.poolStatus('tank');
    expect(resilvering!.scan).toMatchObject({ function: 'resilver', state: 'scanning' });
    expect(resilvering!.scan!.percentDone!).toBeGreaterThan(0);
    expect(resilvering!.vdevs[0]!.children[1]!.note).toBe('(resilvering)');
    now += 20_000;
    const [healed] = await zfs.poolStatus('tank');
    expect(healed!.state).toBe('ONLINE');
    expect(healed!.scan).toMatchObject({ function: 'resilver', state: 'finished', errors: 0 });
    expect(healed!.vdevs[0]!.children[1]!.note).toBeUndefined();
  });

  test('a removed disk shows by GUID with "was", and replace resilvers onto a new disk', async () => {
    let now = Date.UTC(2024, 4, 10, 12);
    const { host, zfs } = setup(() => now);
    await host.faultDisk('sdc', 'removed');
    const [p] = await zfs.poolStatus('tank');
    const gone = p!.vdevs[0]!.children[2]!;
    expect(gone).toMatchObject({ state: 'UNAVAIL', note: 'was /dev/sdc1' });
    expect(gone.name).toMatch(/^\d+$/);
    expect(p!.see).toBe('https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-2Q');
    await zfs.replace('tank', gone.name, 'sdm');
    const [replacing] = await zfs.poolStatus('tank');
    expect(replacing!.vdevs[0]!.children[2]!.name).toBe('replacing-2');
    expect(replacing!.vdevs[0]!.children[2]!.children.map((c) => c.name)).toEqual([gone.name, '/dev/sdm1']);
    now += 30_000;
    const [done] = await zfs.poolStatus('tank');
    expect(done!.state).toBe('ONLINE');
    expect(done!.vdevs[0]!.children[2]!.name).toBe('/dev/sdm1');
  });

  test('scrub advances with the clock; pause and cancel print the real lines', async () => {
    let now = Date.UTC(2024, 4, 10, 12);
    const { host, zfs } = setup(() => now);
    await zfs.scrub('tank');
    now += 5000;
    const text = (await host.run('zpool', ['status', 'tank'])).stdout;
    expect(text).toMatch(
      /^ {2}scan: scrub in progress since \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\n\t\S+ \/ \S+ scanned at \S+\/s, \S+ \/ \S+ issued at \S+\/s\n\t0B repaired, 25\.00% done, \d\d:\d\d:\d\d to go$/m,
    );
    expect((await failure(zfs.scrub('tank'))).stderr).toBe("cannot scrub tank: currently scrubbing; use 'zpool scrub -s' to cancel scrub\n");
    await zfs.scrub('tank', 'pause');
    now += 60_000;
    const [paused] = await zfs.poolStatus('tank');
    expect(paused!.scan).toMatchObject({ state: 'paused', percentDone: 25 });
    await zfs.scrub('tank');
    now += 5000;
    expect((await zfs.poolStatus('tank'))[0]!.scan).toMatchObject({ state: 'scanning', percentDone: 50 });
    await zfs.scrub('tank', 'stop');
    expect((await zfs.poolStatus('tank'))[0]!.scan).toMatchObject({ function: 'scrub', state: 'canceled' });
    expect((await failure(zfs.scrub('tank', 'stop'))).stderr).toBe('cannot cancel scrubbing tank: there is no active scrub\n');
    await zfs.scrub('tank');
    now += 21_000;
    expect((await zfs.poolStatus('tank'))[0]!.scan).toMatchObject({ state: 'finished', durationSeconds: 20, errors: 0 });
  });

  test('datasets: create with properties, zvol, set, errors as the real tools print them', async () => {
    const { host, zfs } = setup();
    await zfs.createDataset({ name: 'tank/shares/hr', properties: { compression: 'zstd', quota: '100G', 'calypso:owner': 'hr' } });
    const props = await zfs.getProperties('tank/shares/hr', ['compression', 'quota', 'mountpoint', 'calypso:owner', 'atime']);
    expect(props).toEqual({
      compression: { value: 'zstd', source: 'local' },
      quota: { value: String(100 * 1024 ** 3), source: 'local' },
      mountpoint: { value: '/tank/shares/hr', source: 'default' },
      'calypso:owner': { value: 'hr', source: 'local' },
      atime: { value: 'off', source: 'inherited from tank' },
    });
    await zfs.createZvol({ name: 'tank/vms/vm2', size: '20G', sparse: true });
    expect(await zfs.getProperties('tank/vms/vm2', ['volsize', 'refreservation'])).toMatchObject({
      volsize: { value: String(20 * 1024 ** 3) },
      refreservation: { value: '0' },
    });
    await zfs.setProperties('tank/shares/hr', { recordsize: '1M' });
    expect((await zfs.getProperties('tank/shares/hr', ['recordsize']))['recordsize']!.value).toBe('1048576');
    expect((await failure(host.run('zfs', ['list', 'nope']))).stderr).toBe("cannot open 'nope': dataset does not exist\n");
    expect((await failure(zfs.createDataset({ name: 'tank/shares/hr' }))).stderr).toBe("cannot create 'tank/shares/hr': dataset already exists\n");
    expect((await failure(zfs.createDataset({ name: 'tank/x/y' }))).stderr).toBe("cannot create 'tank/x/y': parent does not exist\n");
    expect((await failure(zfs.setProperties('tank/shares/hr', { compression: 'snappy' }))).stderr).toMatch(
      /^cannot set property for 'tank\/shares\/hr': 'compression' must be one of 'on \| off/,
    );
    expect((await failure(zfs.setProperties('tank/shares/hr', { used: '1' }))).stderr).toBe("cannot set property for 'tank/shares/hr': 'used' is readonly\n");
    expect((await failure(host.run('zfs', ['frobnicate']))).code).toBe(2);
  });

  test('snapshot, rollback, clone, promote, destroy with dependents', async () => {
    const { host, zfs } = setup();
    await zfs.createDataset({ name: 'tank/work' });
    await zfs.snapshot('tank/work@a');
    await zfs.snapshot('tank/work@b');
    await zfs.snapshot('tank/work@c');
    const rollbackErr = await failure(zfs.rollback('tank/work@a'));
    expect(rollbackErr.stderr).toBe(
      "cannot rollback to 'tank/work@a': more recent snapshots or bookmarks exist\nuse '-r' to force deletion of the following snapshots and bookmarks:\ntank/work@b\ntank/work@c\n",
    );
    await zfs.clone('tank/work@b', 'tank/work-clone', { compression: 'off' });
    expect((await zfs.getProperties('tank/work-clone', ['origin']))['origin']!.value).toBe('tank/work@b');
    const withClone = await failure(zfs.rollback('tank/work@a', { destroyNewer: true }));
    expect(withClone.stderr).toMatch(/clones of previous snapshots exist/);
    const destroyErr = await failure(zfs.destroy('tank/work'));
    expect(destroyErr.stderr).toBe(
      "cannot destroy 'tank/work': filesystem has children\nuse '-r' to destroy the following datasets:\ntank/work@a\ntank/work@b\ntank/work@c\n",
    );
    const cloneErr = await failure(zfs.destroy('tank/work', { recursive: true }));
    expect(cloneErr.stderr).toBe("cannot destroy 'tank/work': filesystem has dependent clones\nuse '-R' to destroy the following datasets:\ntank/work-clone\n");
    expect(await zfs.listDependents('tank/work', { recursive: true, dependents: true })).toEqual({
      datasets: ['tank/work-clone', 'tank/work@a', 'tank/work@b', 'tank/work@c', 'tank/work'],
      reclaim: null,
    });
    await zfs.promote('tank/work-clone');
    expect((await zfs.listSnapshots({ dataset: 'tank/work-clone' })).map((s) => s.name)).toEqual(['tank/work-clone@a', 'tank/work-clone@b']);
    expect((await zfs.getProperties('tank/work', ['origin']))['origin']!.value).toBe('tank/work-clone@b');
    await zfs.destroy('tank/work', { recursive: true });
    await zfs.rollback('tank/work-clone@a', { destroyNewer: true });
    expect((await zfs.listSnapshots({ dataset: 'tank/work-clone' })).map((s) => s.name)).toEqual(['tank/work-clone@a']);
    await zfs.hold('keep', 'tank/work-clone@a');
    expect((await failure(zfs.destroySnapshot('tank/work-clone@a'))).stderr).toBe('cannot destroy snapshot tank/work-clone@a: dataset is busy\n');
    await zfs.release('keep', 'tank/work-clone@a');
    await zfs.destroySnapshot('tank/work-clone@a');
    expect((await host.run('zfs', ['list', '-H', '-t', 'snapshot', '-o', 'name', 'tank/work-clone'])).stdout).toBe('');
  });

  test('snapshot ranges and recursive snapshots', async () => {
    const { zfs } = setup();
    await zfs.snapshot('tank/shares@s1', { recursive: true });
    await zfs.snapshot('tank/shares@s2', { recursive: true });
    await zfs.snapshot('tank/shares@s3', { recursive: true });
    expect((await zfs.listSnapshots({ dataset: 'tank/shares', recursive: true })).filter((s) => s.name.includes('@s')).map((s) => s.name)).toEqual([
      'tank/shares@s1',
      'tank/shares@s2',
      'tank/shares@s3',
      'tank/shares/finance@s1',
      'tank/shares/finance@s2',
      'tank/shares/finance@s3',
    ]);
    const dry = await zfs.listDependents('tank/shares@s1%s2', { recursive: false });
    expect(dry.datasets).toEqual(['tank/shares@s1', 'tank/shares@s2']);
    await zfs.destroySnapshot('tank/shares@s1%s2');
    expect((await zfs.listSnapshots({ dataset: 'tank/shares' })).map((s) => s.name)).toEqual(['tank/shares@s3']);
  });

  // How fast seeding and listing run is `npm run bench` (scale.seed100kMs, scale.listSnapshots100kMs);
  // here: the counts, the order, and that listing all of them is one `zfs list`, not one per dataset.
  test('seed 10,000 datasets and 100,000 snapshots; one zfs list lists them all', async () => {
    const { host, zfs } = setup();
    expect(await host.seed({ datasets: 10_000, snapshots: 100_000 })).toEqual({ datasets: 10_000, snapshots: 100_000 });
    await zfs.detect();
    const before = host.history(1)[0]?.seq ?? 0;
    const snaps = await zfs.listSnapshots();
    expect(snaps.length).toBe(100_007);
    expect(
      host
        .history()
        .filter((r) => r.seq > before)
        .map((r) => [r.command, ...r.args]),
    ).toEqual([['zfs', 'list', '-H', '-p', '-t', 'snapshot', '-o', 'name,used,referenced,creation,userrefs']]);
    const one = await zfs.listSnapshots({ dataset: 'tank/seed/ds00042' });
    expect(one).toHaveLength(10);
    expect(one.map((s) => s.name)).toEqual([...one.map((s) => s.name)].sort());
  }, 60_000);

  test('userArg refuses option-like values before anything runs, and every run is recorded', async () => {
    const { host, zfs } = setup();
    await expect(zfs.destroy('-f')).rejects.toBeInstanceOf(UnsafeArgumentError);
    await expect(zfs.createPool({ name: 'x', vdevs: [{ type: 'mirror', disks: ['sdg', '-f'] }] })).rejects.toBeInstanceOf(UnsafeArgumentError);
    expect(host.history().some((r) => r.args.includes('-f'))).toBe(false);
    await zfs.listPools();
    await failure(host.run('zfs', ['list', 'nope']));
    const last = host.history(2);
    expect(last[0]).toMatchObject({
      command: 'zpool',
      args: ['list', '-H', '-p', '-o', 'name,size,allocated,free,fragmentation,capacity,dedupratio,health,altroot'],
      code: 0,
    });
    expect(last[1]).toMatchObject({ command: 'zfs', args: ['list', 'nope'], code: 1 });
    expect(last[1]!.error).toContain('dataset does not exist');
    expect(last[1]!.seq).toBe(last[0]!.seq + 1);
    const unknown = await failure(host.run('mkfs.ext4', ['/dev/sdg']));
    expect(unknown.code).toBe(127);
    expect((await host.run('zfs', ['list', 'nope'], { okCodes: [0, 1] })).code).toBe(1);
  });

  test('zpool status text round-trips through the parser for every pool layout', async () => {
    const { host, zfs } = setup();
    await zfs.createPool({
      name: 'big',
      vdevs: [{ type: 'raidz1', disks: ['sdg', 'sdh', 'sdi'] }],
      log: [{ type: 'mirror', disks: ['sdk', 'sdl'] }],
      cache: ['nvme0n1'],
      spares: ['sdj'],
      special: [{ type: 'mirror', disks: ['sdm', 'sdn'] }],
    });
    const text = (await host.run('zpool', ['status', 'big'])).stdout;
    expect(text).toContain('\tlogs\t\n');
    const [big] = parseZpoolStatus(text);
    expect(big!.vdevs[0]!.name).toBe('raidz1-0');
    expect(big!.special[0]!.name).toBe('mirror-1');
    expect(big!.logs[0]!.name).toBe('mirror-2');
    expect(big!.cache.map((c) => c.name)).toEqual(['nvme0n1']);
    expect(big!.spares).toEqual([{ name: 'sdj', state: 'AVAIL', read: 0, write: 0, checksum: 0, children: [] }]);
    await zfs.exportPool('big');
    const importable = await zfs.listImportable();
    expect(importable.map((p) => p.name)).toEqual(['big']);
    await zfs.importPool('big');
    expect((await zfs.listPools()).map((p) => p.name)).toEqual(['tank', 'big']);
  });

  test('arcstats and iostat', async () => {
    const { zfs } = setup();
    const arc = await zfs.arcStats();
    expect(arc!.size).toBeGreaterThan(20 * 1024 ** 3);
    expect(arc!.max).toBe(32 * 1024 ** 3);
    const io = await zfs.iostat('tank');
    expect(io[0]).toMatchObject({ name: 'tank' });
  });

  test('state persists atomically in the data directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'calypso-sim-'));
    try {
      const first = new SimulatedHost({ dataDir: dir });
      await new ZfsAdapter(first).createDataset({ name: 'tank/persisted' });
      await first.files.writeAtomic('/etc/calypso/test.conf', 'a=1\n');
      await first.close();
      expect(JSON.parse(await readFile(join(dir, 'sim-state.json'), 'utf8')).datasets.some((d: { name: string }) => d.name === 'tank/persisted')).toBe(true);
      const second = new SimulatedHost({ dataDir: dir });
      expect((await new ZfsAdapter(second).listDatasets({ root: 'tank' })).map((d) => d.name)).toContain('tank/persisted');
      expect(await second.files.read('/etc/calypso/test.conf')).toBe('a=1\n');
      await second.reset();
      expect((await new ZfsAdapter(second).listDatasets({ root: 'tank' })).map((d) => d.name)).not.toContain('tank/persisted');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('concurrent changes share state writes, and each answers only once it is on disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'calypso-sim-'));
    try {
      const host = new SimulatedHost({ dataDir: dir });
      await host.run('zfs', ['list']);
      const file = join(dir, 'sim-state.json');
      const persisted = async (snap: string) => JSON.parse(await readFile(file, 'utf8')).snapshots.some((x: { name: string }) => x.name === snap);
      const names = Array.from({ length: 40 }, (_, i) => `tank/backups@group-${i}`);
      // As each command resolves, its change must already be in the state file.
      const seen = await Promise.all(names.map((n) => host.run('zfs', ['snapshot', n]).then(() => persisted(n))));
      expect(seen).toEqual(names.map(() => true));
      // A second host (a restart) reads them all.
      const second = new SimulatedHost({ dataDir: dir });
      const listed = (await second.run('zfs', ['list', '-H', '-o', 'name', '-t', 'snapshot'])).stdout.split('\n');
      for (const n of names) expect(listed).toContain(n);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
