/**
 * Runs ZfsAdapter against a real ZFS: zfs-fuse (Debian package zfs-fuse) with file vdevs.
 * CI: apt-get install -y --no-install-recommends zfs-fuse, then CALYPSO_REQUIRE_ZFS_FUSE=1.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { LocalHost } from '../../../src/system/local-host.js';
import { snapshotRow, ZfsAdapter } from '../../../src/system/zfs/index.js';

const ZFS_FUSE = ['/usr/sbin/zfs-fuse', '/usr/bin/zfs-fuse'].find((p) => existsSync(p));
const required = process.env['CALYPSO_REQUIRE_ZFS_FUSE'] === '1';

if (!ZFS_FUSE && !required) {
  test.skip('zfs-fuse is not installed (apt-get install zfs-fuse; set CALYPSO_REQUIRE_ZFS_FUSE=1 to make this fail)', () => undefined);
} else {
  describe('ZfsAdapter on zfs-fuse', () => {
    const host = new LocalHost({ timeoutMs: 30_000 });
    const zfs = new ZfsAdapter(host);
    const pool = `calypso${process.pid}`;
    let dir = '';
    let startedPid: number | null = null;

    async function daemonRunning(): Promise<boolean> {
      return host.run('zpool', ['list', '-H', '-o', 'name']).then(
        () => true,
        () => false,
      );
    }

    beforeAll(async () => {
      if (!ZFS_FUSE) throw new Error('CALYPSO_REQUIRE_ZFS_FUSE=1 but zfs-fuse is not installed (apt-get install -y --no-install-recommends zfs-fuse)');
      dir = await mkdtemp(join(tmpdir(), 'calypso-zfs-fuse-'));
      if (!(await daemonRunning())) {
        const pidFile = join(dir, 'zfs-fuse.pid');
        const child = spawn(ZFS_FUSE, ['-n', '-p', pidFile, '--no-kstat-mount'], { stdio: 'ignore', detached: true });
        child.unref();
        for (let i = 0; i < 50 && !(await daemonRunning()); i++) await new Promise((r) => setTimeout(r, 100));
        startedPid = Number((await readFile(pidFile, 'utf8').catch(() => String(child.pid))).trim());
      }
      for (const f of ['d0.img', 'd1.img']) {
        await writeFile(join(dir, f), '');
        await truncate(join(dir, f), 100 * 1024 * 1024);
      }
    }, 30_000);

    afterAll(async () => {
      await zfs.destroyPool(pool).catch(() => undefined);
      if (startedPid) {
        process.kill(startedPid, 'SIGTERM');
        const alive = (): boolean => {
          try {
            process.kill(startedPid!, 0);
            return true;
          } catch {
            return false;
          }
        };
        for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
      }
      if (dir) await rm(dir, { recursive: true, force: true });
    }, 30_000);

    test('detects the zfs-fuse dialect', async () => {
      expect(await zfs.detect()).toEqual({ dialect: 'zfs-fuse', version: null });
    });

    test('pool, dataset, snapshot, rollback, clone, destroy', async () => {
      await zfs.createPool({ name: pool, vdevs: [{ type: 'mirror', disks: [join(dir, 'd0.img'), join(dir, 'd1.img')] }], mountpoint: join(dir, 'mnt') });
      const [status] = await zfs.poolStatus(pool);
      expect(status).toMatchObject({ name: pool, state: 'ONLINE' });
      expect(status!.vdevs[0]!.children.map((c) => c.name)).toEqual([join(dir, 'd0.img'), join(dir, 'd1.img')]);
      const listed = (await zfs.listPools()).find((p) => p.name === pool)!;
      expect(listed.health).toBe('ONLINE');
      expect(listed.size).toBeGreaterThan(50 * 1024 * 1024);

      await zfs.createDataset({ name: `${pool}/data`, properties: { compression: 'on', 'calypso:role': 'test' } });
      expect(await zfs.getProperties(`${pool}/data`, ['compression', 'calypso:role', 'mountpoint'])).toEqual({
        compression: { value: 'on', source: 'local' },
        'calypso:role': { value: 'test', source: 'local' },
        mountpoint: { value: join(dir, 'mnt', 'data'), source: `inherited from ${pool}` },
      });
      await writeFile(join(dir, 'mnt', 'data', 'file.txt'), 'first');
      await zfs.snapshot(`${pool}/data@one`);
      await writeFile(join(dir, 'mnt', 'data', 'file.txt'), 'second');
      await zfs.snapshot(`${pool}/data@two`);
      const snaps = await zfs.listSnapshots({ dataset: `${pool}/data` });
      expect(snaps.map((s) => s.name)).toEqual([`${pool}/data@one`, `${pool}/data@two`]);
      // The streamed index (LocalHost.runLines into the line parser) reads the real tool the same.
      const indexed = await zfs.snapshotIndex({ dataset: `${pool}/data` });
      const page = indexed.index.page({ limit: 10 });
      expect(page.positions.map((i) => snapshotRow(indexed, i).name)).toEqual([`${pool}/data@one`, `${pool}/data@two`]);
      expect(page.positions.map((i) => snapshotRow(indexed, i).referenced)).toEqual(snaps.map((s) => s.referenced));
      const datasets = await zfs.listDatasets({ root: pool });
      expect(datasets.map((d) => d.name)).toEqual([pool, `${pool}/data`]);
      expect(datasets[1]!.used).toBeGreaterThan(0);

      await expect(zfs.rollback(`${pool}/data@one`)).rejects.toMatchObject({ code: 1 });
      await zfs.rollback(`${pool}/data@one`, { destroyNewer: true });
      expect(await readFile(join(dir, 'mnt', 'data', 'file.txt'), 'utf8')).toBe('first');

      await zfs.clone(`${pool}/data@one`, `${pool}/copy`);
      expect((await zfs.getProperties(`${pool}/copy`, ['origin']))['origin']!.value).toBe(`${pool}/data@one`);
      await zfs.destroy(`${pool}/copy`);
      await zfs.destroy(`${pool}/data`, { recursive: true });
      await zfs.destroyPool(pool);
      expect((await zfs.listPools()).map((p) => p.name)).not.toContain(pool);
    }, 60_000);
  });
}
