/**
 * Values people read (issue 17): one formatter (src/tui/format.ts) for sizes in IEC units, local
 * times, relative times in lists of recent events and ZFS's "none"; the screens use it, and the
 * detail views of a dataset, a pool and a snapshot show the human value beside the raw one.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ago, bytes, count, dateTime, dateTimeSeconds, duration, exactBytes, humanAndRaw, zfsValue } from '../../../src/tui/format.js';
import { ADMIN_PASSWORD, startConsoleTest, type ConsoleTest } from '../../helpers/console.js';

const GiB = 1024 ** 3;
// Local times, so the expectations hold in any time zone.
const local = (y: number, mo: number, d: number, h: number, mi: number, s = 0) => new Date(y, mo - 1, d, h, mi, s).toISOString();

describe('format', () => {
  test('sizes in IEC units, at most 8 characters, whole numbers without decimals', () => {
    expect(bytes(10 * GiB)).toBe('10 GiB');
    expect(bytes(1.5 * 1024 ** 2)).toBe('1.50 MiB');
    expect(bytes(512)).toBe('512 B');
    expect(bytes(0)).toBe('0 B');
    expect(bytes(1023.99 * 1024 ** 2)).toBe('1 GiB');
    expect(bytes(123.4 * 1024 ** 4)).toBe('123 TiB');
    expect(bytes(15.25 * 1024)).toBe('15.3 KiB');
    expect(bytes(2 ** 64 - 1)).toBe('16 EiB');
    expect(bytes(null)).toBe('-');
    for (let n = 1; n < 2 ** 62; n = Math.ceil(n * 1.37)) expect(bytes(n).length).toBeLessThanOrEqual(8);
    expect(exactBytes(10 * GiB)).toBe('10,737,418,240 bytes');
    expect(exactBytes('18446744073709551615')).toBe('18,446,744,073,709,551,615 bytes');
  });

  test('times as local YYYY-MM-DD HH:MM; seconds where a log needs them; not a time shown as it is', () => {
    expect(dateTime(local(2026, 11, 29, 12, 45, 56))).toBe('2026-11-29 12:45');
    expect(dateTimeSeconds(local(2026, 11, 29, 12, 45, 56))).toBe('2026-11-29 12:45:56');
    expect(dateTime(null)).toBe('-');
    expect(dateTime('soon')).toBe('soon');
  });

  test('relative times for recent events (injected clock), the date beyond a day', () => {
    const now = new Date(2026, 10, 29, 12, 0, 0).getTime();
    const before = (s: number) => new Date(now - s * 1000).toISOString();
    expect(ago(before(2), now)).toBe('just now');
    expect(ago(before(45), now)).toBe('45 s ago');
    expect(ago(before(3 * 60 + 20), now)).toBe('3 min ago');
    expect(ago(before(5 * 3600 + 59), now)).toBe('5 h ago');
    expect(ago(new Date(now + 600_000).toISOString(), now)).toBe('in 10 min');
    expect(ago(before(2 * 86_400), now)).toBe(dateTime(before(2 * 86_400)));
    expect(ago(null, now)).toBe('-');
  });

  test('durations, counts and ZFS values read as an administrator says them', () => {
    expect(duration(45)).toBe('45 s');
    expect(duration(2 * 3600 + 41 * 60 + 12)).toBe('2 h 41 min');
    expect(duration(3011 * 3600)).toBe('125 d 11 h');
    expect(duration(3 * 365 * 86_400 + 41 * 86_400)).toBe('3 y 41 d');
    expect(count('18446744073709551615')).toBe('none');
    expect(count('-')).toBe('none');
    expect(count(12345)).toBe('12,345');
    expect(zfsValue('available', String(10 * GiB))).toBe('10 GiB');
    expect(zfsValue('creation', String(Math.floor(new Date(2026, 10, 29, 12, 45).getTime() / 1000)))).toBe('2026-11-29 12:45');
    expect(zfsValue('filesystem_count', '18446744073709551615')).toBe('none');
    expect(zfsValue('filesystem_limit', '18446744073709551615')).toBe('none');
    expect(zfsValue('snapshot_count', '3')).toBe('3');
    expect(zfsValue('quota', '0')).toBe('none');
    expect(zfsValue('quota', '18446744073709551615')).toBe('none');
    expect(zfsValue('compressratio', '1.52')).toBe('1.52x');
    expect(zfsValue('compression', 'lz4')).toBe('lz4');
    expect(humanAndRaw('10 GiB', '10737418240')).toBe('10 GiB  (10737418240)');
    expect(humanAndRaw('lz4', 'lz4')).toBe('lz4');
    expect(humanAndRaw('2026-11-29 12:45', '2026-11-29T12:45:56.000Z')).toBe('2026-11-29 12:45  (2026-11-29T12:45:56Z)');
  });
});

describe('the console shows human values, and raw ones in detail views', () => {
  let c: ConsoleTest;
  beforeAll(async () => {
    c = await startConsoleTest();
    const actor = await c.app.auth.authenticate(c.adminToken);
    await c.app.call('storage.datasets.create', { name: 'tank/values', properties: { quota: '10G' } }, { actor, face: 'api' });
    await c.app.call('snapshots.create', { dataset: 'tank/values', name: 'before' }, { actor, face: 'api' });
    await c.loginAs('admin', ADMIN_PASSWORD);
  }, 60_000);
  afterAll(async () => {
    await c?.close();
  });

  const go = async (screen: string) => {
    await c.press('escape');
    await c.press(':');
    await c.waitFor('Go to a screen');
    await c.type(screen);
    await c.press('enter');
  };

  test('datasets: sizes in IEC units, quota in words; Enter shows each property human and raw', async () => {
    await go('storage');
    await c.waitFor('Pools');
    await c.press('2');
    const list = await c.waitFor(/values\s/);
    const row = list.split('\n').find((l) => /\bvalues\s/.test(l))!;
    // USED, AVAIL (held to the 10 GiB quota), REFER.
    expect(row).toMatch(/\d+(\.\d+)? (B|KiB|MiB)\s+10 GiB\s+\d+(\.\d+)? (B|KiB|MiB)/);
    expect(list).not.toMatch(/\d(\.\d+)?[KMGT]\s/);
    await c.press('/');
    await c.type('values');
    // The filter applies as it is typed: only tank/values is left.
    await c.waitFor((f) => /▶\s*values\s/.test(f) && !/\bbackups\s/.test(f));
    await c.press('enter');
    await c.waitFor((f) => !f.includes('/ values'));
    await c.press('enter');
    const props = await c.waitFor('Properties of tank/values');
    expect(props).toMatch(/available\s+10 GiB\s+\(\d+\)/);
    expect(props).toMatch(/compressratio\s+\d\.\d\dx\s/);
    expect(props).toMatch(/creation\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+\(\d+\)/);
    expect(props).toMatch(/filesystem_count\s+none\s+\(18446744073709551615\)/);
    await c.press('escape');
  });

  test('pools: i shows the pool with sizes human and exact', async () => {
    await go('storage');
    await c.waitFor('Pools');
    await c.press('1');
    await c.waitFor(/tank\s+ONLINE/);
    await c.waitFor(/i Details|never scrubbed|\(i: details\)/);
    await c.press('i');
    const detail = await c.waitFor('Pool tank');
    expect(detail).toMatch(/size\s+\d+(\.\d+)? (GiB|TiB)\s+\([\d,]+ bytes\)/);
    await c.press('escape');
  });

  test('snapshots: the created column is YYYY-MM-DD HH:MM; Enter shows the snapshot human and raw', async () => {
    await go('snapshots');
    const list = await c.waitFor('tank/values@before');
    expect(list.split('\n').find((l) => l.includes('tank/values@before'))).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d(\s|$)/);
    await c.press('/');
    await c.type('values@before');
    await c.waitFor((f) => f.includes('tank/values@before') && !f.includes('bacula@'));
    await c.press('enter');
    await c.waitFor((f) => !f.includes('/ values@before'));
    await c.press('enter');
    const detail = await c.waitFor('Snapshot tank/values@before');
    expect(detail).toMatch(/created\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+\(\d{4}-\d\d-\d\dT[\d:.]+Z\)/);
    expect(detail).toMatch(/referenced\s+\d+(\.\d+)? (B|KiB|MiB)\s+\([\d,]+ bytes\)/);
    await c.press('escape');
  });

  test('audit: recent entries read "... ago", the detail keeps the exact time', async () => {
    await go('audit');
    const list = await c.waitFor('storage.datasets.cre');
    const row = list.split('\n').find((l) => l.includes('storage.datasets.cre'))!;
    expect(row).toMatch(/just now|\d+ s ago|\d+ min ago/);
    await c.press('/');
    await c.type('datasets.create');
    await c.waitFor((f) => f.includes('storage.datasets.cre') && !f.includes('auth.login'));
    await c.press('enter');
    await c.waitFor((f) => !f.includes('/ datasets.create'));
    await c.press('enter');
    const detail = await c.waitFor(/Audit entry \d+/);
    expect(detail).toMatch(/time\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(\d{4}-\d\d-\d\dT[\d:.]+Z\)/);
    await c.press('escape');
  });
});
