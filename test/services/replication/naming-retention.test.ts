/**
 * Naming schemas (format, parse, refusals) and the retention plan: pure functions.
 */
import { describe, expect, test } from '@jest/globals';
import { describeLifetime, formatSnapshotName, namingSchemaProblem, parseLifetime, parseSnapshotName } from '../../../src/contracts/snapshot-naming.js';
import { planRetention, taskCovers, type RetentionTask } from '../../../src/services/replication/retention.js';

const T = Date.UTC(2026, 10, 30, 7, 5, 9);

describe('naming schema', () => {
  test('formats and parses the default schema back to the minute', () => {
    const name = formatSnapshotName('auto-%Y-%m-%d_%H-%M', T);
    expect(name).toBe('auto-2026-11-30_07-05');
    expect(parseSnapshotName('auto-%Y-%m-%d_%H-%M', name)).toBe(Date.UTC(2026, 10, 30, 7, 5));
  });

  test.each([
    ['daily-%Y%m%d.%H%M%S', 'daily-20261130.070509', T],
    ['%y-%j-%H:%M', '26-334-07:05', Date.UTC(2026, 10, 30, 7, 5)],
    ['epoch-%s', `epoch-${Math.floor(T / 1000)}`, Math.floor(T / 1000) * 1000],
  ])('%s round-trips', (schema, name, back) => {
    expect(formatSnapshotName(schema, T)).toBe(name);
    expect(parseSnapshotName(schema, name)).toBe(back);
  });

  test('a time zone shifts the name and the parse alike', () => {
    const name = formatSnapshotName('auto-%Y-%m-%d_%H-%M', T, 'Europe/Paris');
    expect(name).toBe('auto-2026-11-30_08-05');
    expect(parseSnapshotName('auto-%Y-%m-%d_%H-%M', name, 'Europe/Paris')).toBe(Date.UTC(2026, 10, 30, 7, 5));
  });

  test.each([
    ['manual-before-upgrade'],
    ['auto-2026-13-01_00-00'],
    ['auto-2026-02-30_00-00'],
    ['auto-2026-11-30_24-00'],
    ['auto-2026-11-30_07-05-extra'],
    ['hourly-2026-11-30_07-05'],
  ])('%s does not match the default schema', (name) => {
    expect(parseSnapshotName('auto-%Y-%m-%d_%H-%M', name)).toBeNull();
  });

  test.each([
    ['', /empty/],
    ['auto', /no time field/],
    ['auto-%Y-%m-%d', /same minute.*%H, %M/],
    ['auto-%H-%M', /%Y, %m, %d/],
    ['auto-%Y-%m-%d %H:%M', /snapshot name takes/],
    ['auto/%Y%m%d%H%M', /snapshot name takes/],
    ['auto@%Y%m%d%H%M', /snapshot name takes/],
    ['-%Y%m%d%H%M', /start with '-'/],
    ['a-%Q%Y%m%d%H%M', /'%Q' is not a field/],
    ['a-%Y%m%d%H%M%', /lone '%'/],
    ['a-%%%Y%m%d%H%M', /'%'/],
    ['a-%Y%m%d%H%M%s', /alone/],
    ['a-%Y%Y%m%d%H%M', /twice/],
    ['a-%Y%j%d%H%M', /%j/],
  ])('%j is refused: %s', (schema, why) => {
    expect(namingSchemaProblem(schema)).toMatch(why);
  });

  test.each(['auto-%Y-%m-%d_%H-%M', 'hourly-%Y%m%d%H%M', '%s', 'x-%y%j%H%M%S'])('%s is accepted', (schema) => {
    expect(namingSchemaProblem(schema)).toBeNull();
  });

  test('lifetimes', () => {
    expect(parseLifetime('2 weeks')).toBe(14 * 86400);
    expect(parseLifetime('1 day')).toBe(86400);
    expect(parseLifetime('36h')).toBe(36 * 3600);
    expect(parseLifetime('1 month')).toBe(30 * 86400);
    expect(parseLifetime('0 days')).toBeNull();
    expect(parseLifetime('forever')).toBeNull();
    expect(parseLifetime('2 fortnights')).toBeNull();
    expect(describeLifetime(14 * 86400)).toBe('2 weeks');
    expect(describeLifetime(36 * 3600)).toBe('36 hours');
    expect(describeLifetime(86400)).toBe('1 day');
  });
});

describe('retention plan', () => {
  const HOUR = 3600_000;
  const hourly: RetentionTask = {
    id: 1,
    dataset: 'tank/data',
    recursive: true,
    exclude: ['tank/data/scratch'],
    namingSchema: 'auto-%Y-%m-%d_%H-%M',
    lifetimeSeconds: 86400,
  };
  const daily: RetentionTask = { id: 2, dataset: 'tank/data', recursive: false, exclude: [], namingSchema: 'auto-%Y-%m-%d_%H-%M', lifetimeSeconds: 30 * 86400 };
  const now = Date.UTC(2026, 10, 30, 12, 0);
  const snap = (dataset: string, ms: number, extra: { holds?: number; clones?: string[] } = {}) => ({
    name: `${dataset}@${formatSnapshotName('auto-%Y-%m-%d_%H-%M', ms)}`,
    holds: extra.holds ?? 0,
    clones: extra.clones ?? [],
  });

  test('covers the dataset and children, not excluded ones or siblings', () => {
    expect(taskCovers(hourly, 'tank/data')).toBe(true);
    expect(taskCovers(hourly, 'tank/data/a/b')).toBe(true);
    expect(taskCovers(hourly, 'tank/data/scratch')).toBe(false);
    expect(taskCovers(hourly, 'tank/data/scratch/x')).toBe(false);
    expect(taskCovers(hourly, 'tank/database')).toBe(false);
    expect(taskCovers(daily, 'tank/data/a')).toBe(false);
  });

  test('destroys only what every task naming it has let go, and says why', () => {
    const young = snap('tank/data/a', now - 2 * HOUR);
    const oldChild = snap('tank/data/a', now - 25 * HOUR);
    const oldTop = snap('tank/data', now - 25 * HOUR);
    const veryOldTop = snap('tank/data', now - 31 * 24 * HOUR);
    const excluded = snap('tank/data/scratch', now - 40 * 24 * HOUR);
    const manual = { name: 'tank/data@before-upgrade', holds: 0, clones: [] };
    const plan = planRetention([young, oldChild, oldTop, veryOldTop, excluded, manual], [hourly, daily], now);
    const by = Object.fromEntries(plan.map((p) => [p.name, p]));
    expect(by[young.name]).toMatchObject({ action: 'keep', tasks: [1] });
    expect(by[oldChild.name]).toMatchObject({ action: 'destroy', tasks: [1] });
    expect(by[oldChild.name]!.reason).toMatch(/expired at 2026-11-30T11:00:00Z \(lifetime of task 1\)/);
    expect(by[oldTop.name]).toMatchObject({ action: 'keep', tasks: [1, 2] });
    expect(by[veryOldTop.name]).toMatchObject({ action: 'destroy', tasks: [1, 2] });
    expect(by[excluded.name]).toBeUndefined();
    expect(by[manual.name]).toBeUndefined();
  });

  test('never destroys held, cloned or replication-needed snapshots, however old', () => {
    const held = snap('tank/data', now - 40 * 24 * HOUR, { holds: 1 });
    const cloned = snap('tank/data', now - 39 * 24 * HOUR, { clones: ['tank/clone'] });
    const needed = snap('tank/data', now - 38 * 24 * HOUR);
    const plain = snap('tank/data', now - 37 * 24 * HOUR);
    const plan = planRetention(
      [held, cloned, needed, plain],
      [daily],
      now,
      new Map([[needed.name, 'replication task 4 still needs it (last common snapshot with backup/data)']]),
    );
    expect(plan.map((p) => [p.action, p.reason.replace(/^expired at \S+ /, '')])).toEqual([
      ['keep', 'but held (1 hold)'],
      ['keep', 'but tank/clone is a clone of it'],
      ['keep', 'but replication task 4 still needs it (last common snapshot with backup/data)'],
      ['destroy', '(lifetime of task 2)'],
    ]);
  });

  test('a task with another schema on the same dataset leaves these snapshots alone', () => {
    const other: RetentionTask = { ...daily, id: 3, namingSchema: 'hourly-%Y%m%d%H%M', lifetimeSeconds: 3600 };
    const s = snap('tank/data', now - 10 * 24 * HOUR);
    expect(planRetention([s], [other], now)).toEqual([]);
  });
});
