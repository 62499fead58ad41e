import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import {
  groupProperties,
  parseArcstats,
  parseDestroyDryRun,
  parseZfsGet,
  parseZfsHolds,
  parseZfsList,
  parseZfsVersion,
  parseZpoolIostat,
  parseZpoolList,
} from '../../../src/system/zfs/parse.js';
import { validateZfsName } from '../../../src/vocabulary/zfs-names.js';
import { niceBytes, niceNumber, secondsToDhms } from '../../../src/system/zfs/format.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/zfs/${name}`, import.meta.url), 'utf8');

describe('tabular zfs/zpool output', () => {
  test('zfs list -H -p', () => {
    const rows = parseZfsList(
      'tank\tfilesystem\t4288247267328\t11106511020032\t98304\t0\t/tank\ntank/vms/vm1\tvolume\t57775108096\t11106511020032\t19684032921\t-\t-\n',
      ['name', 'type', 'used', 'avail', 'refer', 'quota', 'mountpoint'],
    );
    expect(rows[0]).toMatchObject({
      name: 'tank',
      type: 'filesystem',
      used: 4288247267328,
      available: 11106511020032,
      referenced: 98304,
      quota: null,
      mountpoint: '/tank',
    });
    expect(rows[1]).toMatchObject({ type: 'volume', mountpoint: null, quota: null });
  });

  test('zfs-fuse human sizes (real capture)', () => {
    const rows = parseZfsList(fixture('zfs-fuse-0.7.0-list-human.txt'), ['name', 'type', 'used', 'avail', 'refer', 'quota', 'mountpoint']);
    expect(rows.map((r) => r.name)).toEqual(['zft', 'zft/a', 'zft/a@s1']);
    expect(rows[0]!.used).toBe(127 * 1024);
    expect(rows[0]!.available).toBe(Math.round(63.4 * 1024 * 1024));
    expect(rows[2]).toMatchObject({ type: 'snapshot', used: 0, available: null, mountpoint: null });
    const pools = parseZpoolList(fixture('zfs-fuse-0.7.0-zpool-list-human.txt'), ['name', 'size', 'alloc', 'free', 'cap', 'health']);
    expect(pools[0]).toMatchObject({ name: 'zft', size: Math.round(95.5 * 1024 ** 2), capacity: 0, health: 'ONLINE' });
  });

  test('zpool list -H -p', () => {
    const [p] = parseZpoolList('tank\t24004659265536\t6384476542731\t17620182722805\t-\t-\t4\t27\t1.00\tONLINE\t-\n', [
      'name',
      'size',
      'allocated',
      'free',
      'checkpoint',
      'expandsize',
      'fragmentation',
      'capacity',
      'dedupratio',
      'health',
      'altroot',
    ]);
    expect(p).toMatchObject({ name: 'tank', size: 24004659265536, fragmentation: 4, capacity: 27, dedupratio: 1, altroot: null });
  });

  test('zfs get -H -p (zfs-fuse real capture)', () => {
    const props = groupProperties(parseZfsGet(fixture('zfs-fuse-0.7.0-get-all.txt'))).get('zft/a')!;
    expect(props['compression']).toEqual({ value: 'on', source: 'local' });
    expect(props['mountpoint']).toEqual({ value: '/tmp/zf/mnt/a', source: 'inherited from zft' });
    expect(props['used']!.value).toBe('21504');
  });

  test('zpool iostat -H -p -v', () => {
    const rows = parseZpoolIostat(
      'tank\t6384476542731\t17620182722805\t12\t80\t512000\t4096000\nraidz2-0\t6384476542731\t17620182722805\t12\t80\t512000\t4096000\nsda\t0\t0\t2\t13\t85333\t682666\n',
    );
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ name: 'tank', allocated: 6384476542731, readOps: 12, writeBytes: 4096000 });
  });

  test('arcstats kstat', () => {
    const a = parseArcstats(fixture('arcstats-2.2.txt'));
    expect(a.max).toBe(32 * 1024 ** 3);
    expect(a.size).toBeGreaterThan(0);
    expect(a.hitRatio).toBeGreaterThan(0.9);
    expect(a.raw['mru_size']).toBe(a.mruSize);
  });

  test('zfs version', () => {
    expect(parseZfsVersion('zfs-2.2.2-1\nzfs-kmod-2.2.2-1\n')).toEqual({ userland: '2.2.2-1', kernel: '2.2.2-1', major: 2, minor: 2, patch: 2 });
    expect(parseZfsVersion("unrecognized command 'version'")).toBeNull();
  });

  test('zfs holds -H and destroy dry run', () => {
    expect(parseZfsHolds('tank/a@s1\tkeep\t1715000000\n')).toEqual([{ snapshot: 'tank/a@s1', tag: 'keep', timestamp: '1715000000' }]);
    expect(parseDestroyDryRun('destroy\ttank/a@s\ndestroy\ttank/a\nreclaim\t4096\n')).toEqual({ datasets: ['tank/a@s', 'tank/a'], reclaim: 4096 });
    expect(parseDestroyDryRun('would destroy tank/a@s\nwould reclaim 1.50G\n')).toEqual({ datasets: ['tank/a@s'], reclaim: Math.round(1.5 * 1024 ** 3) });
  });

  // Correctness at scale only: how fast it parses is `npm run bench` (scale.parse100kMs, against
  // a plain split of the same text measured in the same run), never a wall-clock limit here.
  test('100,000 snapshot lines parse to 100,000 rows, each one complete', () => {
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) lines.push(`tank/seed/ds${i % 1000}@auto-${i}\t${4096 * (i % 13)}\t1048576\t1715000000\t0`);
    const text = `${lines.join('\n')}\n`;
    const rows = parseZfsList(text, ['name', 'used', 'referenced', 'creation', 'userrefs']);
    expect(rows).toHaveLength(100_000);
    expect(rows[99_999]).toMatchObject({
      name: 'tank/seed/ds999@auto-99999',
      type: 'snapshot',
      used: 4096 * (99_999 % 13),
      referenced: 1048576,
      raw: { creation: '1715000000', userrefs: '0' },
    });
    expect(rows.every((r, i) => r.name === `tank/seed/ds${i % 1000}@auto-${i}` && r.type === 'snapshot')).toBe(true);
  });
});

describe('format helpers match zfs_nicenum', () => {
  test.each([
    [0, '0B'],
    [512, '512B'],
    [1024, '1K'],
    [1536, '1.50K'],
    [10239, '10.0K'],
    [1024 ** 3 * 5.81, '5.81G'],
    [100 * 1024 ** 2, '100M'],
  ])('%d', (n, s) => expect(niceBytes(n)).toBe(s));
  test('counters and durations', () => {
    expect(niceNumber(1270)).toBe('1.24K');
    expect(secondsToDhms(3753)).toBe('01:02:33');
    expect(secondsToDhms(86400 + 61)).toBe('1 days 00:01:01');
  });
});

describe('validateZfsName', () => {
  test.each([
    ['tank', 'pool'],
    ['tank', 'dataset'],
    ['tank/a b/c-d_e.f:g', 'dataset'],
    ['tank/a@snap-1', 'snapshot'],
    ['tank/a@x', 'any'],
  ] as const)('%s is a valid %s', (name, kind) => expect(validateZfsName(name, kind)).toBeNull());
  test.each([
    ['', 'pool', 'empty component in name'],
    ['1tank', 'pool', 'name must begin with a letter'],
    ['mirror', 'pool', 'name is reserved'],
    ['raidz2x', 'pool', 'name is reserved'],
    ['spare1', 'pool', 'name is reserved'],
    ['log', 'pool', 'name is reserved'],
    ['c0t0d0', 'pool', 'pool name is reserved'],
    ['ta!nk', 'pool', "invalid character '!' in pool name"],
    ['-f', 'dataset', "name may not start with '-'"],
    ['tank//a', 'dataset', 'empty component in name'],
    ['tank/a/', 'dataset', 'trailing slash in name'],
    ['/tank', 'dataset', 'leading slash in name'],
    ['tank/./a', 'dataset', "self reference, '.' is found in name"],
    ['tank/..', 'dataset', "parent reference, '..' is found in name"],
    ['tank/a@b@c', 'snapshot', "multiple '@' and/or '#' delimiters in name"],
    ['tank/a', 'snapshot', "missing '@' delimiter in snapshot name"],
    ['tank/a@s', 'dataset', "snapshot delimiter '@' is not expected here"],
    ['tank/a@s/b', 'snapshot', 'trailing slash in name'],
    ['tank/a$', 'dataset', "invalid character '$' in name"],
    ['1pool/a', 'dataset', 'name must begin with a letter'],
    [`tank/${'a'.repeat(251)}`, 'dataset', 'name is too long'],
  ] as const)('%s as %s: %s', (name, kind, reason) => expect(validateZfsName(name, kind)).toBe(reason));
  test('255 characters is the longest name', () => {
    expect(validateZfsName(`tank/${'a'.repeat(250)}`, 'dataset')).toBeNull();
  });
});
