import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { leafVdevs, parseScan, parseSize, parseZpoolStatus, walkVdevs } from '../../../src/system/zfs/parse.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/zpool-status/${name}`, import.meta.url), 'utf8');
const one = (name: string) => {
  const pools = parseZpoolStatus(fixture(name));
  expect(pools).toHaveLength(1);
  return pools[0]!;
};

describe('parseSize', () => {
  test.each([
    ['123456', 123456],
    ['0B', 0],
    ['512B', 512],
    ['1.24K', Math.round(1.24 * 1024)],
    ['10G', 10 * 1024 ** 3],
    ['1.5T', 1.5 * 1024 ** 4],
    ['95.5M', Math.round(95.5 * 1024 ** 2)],
    ['2.02M', Math.round(2.02 * 1024 ** 2)],
  ])('%s', (text, bytes) => expect(parseSize(text)).toBe(bytes));
  test.each(['-', 'none', '', 'abc'])('%s is null', (text) => expect(parseSize(text)).toBeNull());
});

describe('parseZpoolStatus', () => {
  test('healthy raidz2 (2.2)', () => {
    const p = one('openzfs-2.2-raidz2-healthy.txt');
    expect(p).toMatchObject({ name: 'tank', state: 'ONLINE', errors: 'No known data errors' });
    expect(p.scan).toMatchObject({
      function: 'scrub',
      state: 'finished',
      repaired: 0,
      errors: 0,
      durationSeconds: 3 * 3600 + 14 * 60 + 9,
      endedAt: 'Sun Mar 10 03:38:10 2024',
    });
    expect(p.root).toMatchObject({ name: 'tank', state: 'ONLINE' });
    expect(p.vdevs).toHaveLength(1);
    expect(p.vdevs[0]!.name).toBe('raidz2-0');
    expect(p.vdevs[0]!.children.map((c) => c.name)).toEqual(['sda', 'sdb', 'sdc', 'sdd', 'sde', 'sdf']);
  });

  test('scrub in progress (2.2) with long by-id names', () => {
    const p = one('openzfs-2.2-scrub-in-progress.txt');
    expect(p.scan).toMatchObject({
      function: 'scrub',
      state: 'scanning',
      startedAt: 'Tue May  7 01:00:01 2024',
      percentDone: 17.9,
      repaired: 0,
      scanned: parseSize('2.31T'),
      total: parseSize('5.81T'),
      issued: parseSize('1.04T'),
      scanRate: parseSize('1.12G'),
      issueRate: parseSize('517M'),
      secondsToGo: 2 * 3600 + 41 * 60 + 12,
    });
    expect(p.vdevs.map((v) => v.name)).toEqual(['mirror-0', 'mirror-1']);
    expect(p.vdevs[1]!.children[1]!.name).toBe('ata-WDC_WD40EFRX-68N32N0_WD-WCC7K3');
  });

  test('scrub paused (2.2)', () => {
    const p = one('openzfs-2.2-scrub-paused.txt');
    expect(p.scan).toMatchObject({ state: 'paused', pausedAt: 'Wed May  8 10:12:44 2024', startedAt: 'Wed May  8 09:58:02 2024', percentDone: 11.86 });
    expect(p.scan!.scanRate).toBeUndefined();
    expect(p.scan!.secondsToGo).toBeUndefined();
  });

  test('resilver with nested replacing-N and a GUID device', () => {
    const p = one('openzfs-2.2-resilver-replacing.txt');
    expect(p.state).toBe('DEGRADED');
    expect(p.status).toBe('One or more devices is currently being resilvered.  The pool will continue to function, possibly in a degraded state.');
    expect(p.action).toBe('Wait for the resilver to complete.');
    expect(p.scan).toMatchObject({ function: 'resilver', state: 'scanning', repaired: parseSize('101G'), percentDone: 10.25 });
    const replacing = p.vdevs[0]!.children[1]!;
    expect(replacing).toMatchObject({ name: 'replacing-1', state: 'DEGRADED' });
    expect(replacing.children).toEqual([
      { name: '5012833217402385521', state: 'UNAVAIL', read: 0, write: 0, checksum: 0, note: 'was /dev/sdb1', children: [] },
      { name: '/dev/sdm1', state: 'ONLINE', read: 0, write: 0, checksum: 0, note: '(resilvering)', children: [] },
    ]);
    expect(p.vdevs[0]!.children).toHaveLength(6);
  });

  test('spare-N in use, special, logs, cache and spares sections', () => {
    const p = one('openzfs-2.2-spare-inuse-logs-cache.txt');
    expect(p.scan).toMatchObject({ function: 'resilver', state: 'finished', repaired: parseSize('412G'), durationSeconds: 3753 });
    const spare = p.vdevs[0]!.children[0]!;
    expect(spare.name).toBe('spare-0');
    expect(spare.children[0]).toMatchObject({ name: 'sdg', state: 'FAULTED', read: 3, write: 87, note: 'too many errors' });
    expect(p.special[0]!.children.map((c) => c.name)).toEqual(['sdm', 'sdn']);
    expect(p.logs[0]).toMatchObject({ name: 'mirror-1' });
    expect(p.logs[0]!.children.map((c) => c.name)).toEqual(['sdk', 'sdl']);
    expect(p.cache.map((c) => c.name)).toEqual(['nvme0n1']);
    expect(p.spares).toEqual([
      { name: 'sdj', state: 'INUSE', read: 0, write: 0, checksum: 0, note: 'currently in use', children: [] },
      { name: 'sdi', state: 'AVAIL', read: 0, write: 0, checksum: 0, children: [] },
    ]);
    const leaves = leafVdevs(p);
    expect(leaves.filter((l) => l.vdev.name === 'sdj').map((l) => l.section)).toEqual(['data', 'spares']);
  });

  test('dRAID vdev with a distributed spare and a sequential rebuild', () => {
    const p = one('openzfs-2.1-draid-rebuild.txt');
    expect(p.vdevs[0]!.name).toBe('draid2:4d:12c:1s-0');
    expect(p.vdevs[0]!.children).toHaveLength(12);
    expect(p.scan).toMatchObject({ function: 'resilver', state: 'scanning', vdev: 'draid2:4d:12c:1s-0', percentDone: 29.3, secondsToGo: 150 });
    expect(p.spares).toEqual([{ name: 'draid2-0-0', state: 'INUSE', read: 0, write: 0, checksum: 0, note: 'currently in use', children: [] }]);
    expect(leafVdevs(p).map((l) => l.vdev.name)).not.toContain('draid2-0-0');
  });

  test('0.8 scan lines', () => {
    const p = one('openzfs-0.8-scrub-in-progress.txt');
    expect(p.scan).toMatchObject({
      state: 'scanning',
      scanned: parseSize('123G'),
      issued: parseSize('98.2G'),
      total: parseSize('501G'),
      percentDone: 19.6,
      secondsToGo: 20 * 60 + 52,
    });
    const done = one('openzfs-0.8-scrub-finished-days.txt');
    expect(done.scan).toMatchObject({ state: 'finished', repaired: 12 * 1024, durationSeconds: 86400 + 2 * 3600 + 3 * 60 + 4 });
    expect(done.vdevs[0]!.children[0]!.checksum).toBe(2);
  });

  test('0.7 scan lines', () => {
    const p = one('zol-0.7-scrub-in-progress.txt');
    expect(p.scan).toMatchObject({
      state: 'scanning',
      scanned: parseSize('14.3G'),
      total: parseSize('2.45T'),
      secondsToGo: 5 * 3600 + 45 * 60,
      percentDone: 0.57,
    });
  });

  test('two pools, space indentation, abbreviated counters, canceled and none requested', () => {
    const pools = parseZpoolStatus(fixture('openzfs-2.0-two-pools-spaces-abbreviated.txt'));
    expect(pools.map((p) => p.name)).toEqual(['fast', 'slow']);
    expect(pools[0]!.see).toBe('https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-9P');
    expect(pools[0]!.scan).toMatchObject({ function: 'scrub', state: 'canceled', endedAt: 'Mon Mar  1 12:00:00 2021' });
    expect(pools[0]!.vdevs[0]!.children[0]).toMatchObject({ name: 'sdk', read: Math.round(1.24 * 1024), checksum: 17 });
    expect(pools[1]!.scan).toBeNull();
    expect(pools[1]!.vdevs).toEqual([{ name: 'sdm', state: 'ONLINE', read: 0, write: 0, checksum: 0, children: [] }]);
  });

  test('missing device by GUID, permanent errors', () => {
    const p = one('openzfs-2.2-missing-device-guid.txt');
    expect(p.vdevs[0]!.children[0]).toMatchObject({
      name: '10483201188416532222',
      state: 'UNAVAIL',
      note: 'was /dev/disk/by-id/ata-ST8000VN004-2M2101_WSD5A0B3-part1',
    });
    expect(p.errors).toBe('Permanent errors have been detected in the following files:\n/tank/shares/finance/ledger.db');
  });

  test('2.3 expand line', () => {
    const p = one('openzfs-2.3-expand.txt');
    expect(p.expand).toMatch(/^expansion of raidz1-0 in progress/);
    expect(p.vdevs[0]!.children).toHaveLength(4);
  });

  test('zfs-fuse 0.7.0 (real captures)', () => {
    const fresh = one('zfs-fuse-0.7.0-mirror-files.txt');
    expect(fresh.scan).toBeNull();
    expect(fresh.vdevs[0]!.children.map((c) => c.name)).toEqual(['/tmp/zf/a.img', '/tmp/zf/b.img']);
    const offline = one('zfs-fuse-0.7.0-offline.txt');
    expect(offline.state).toBe('DEGRADED');
    expect(offline.scan).toMatchObject({ function: 'scrub', state: 'finished', errors: 0, durationSeconds: 0 });
    expect(offline.vdevs[0]!.children[1]).toMatchObject({ state: 'OFFLINE' });
    const listing = one('zfs-fuse-0.7.0-import-listing.txt');
    expect(listing).toMatchObject({ name: 'zft', id: '2433177028392272323', state: 'ONLINE' });
    expect([...walkVdevs(listing.vdevs)].map((v) => `${v.name}:${v.state}`)).toEqual(['mirror-0:ONLINE', '/tmp/zf/a.img:ONLINE', '/tmp/zf/b.img:ONLINE']);
  });

  test('parseScan: none requested', () => {
    expect(parseScan(['none requested'])).toBeNull();
  });
});
