/**
 * Incremental snapshot index (issue 16): after a snapshot create, destroy, rename, hold or release
 * made through the adapter, the cached index is updated in place (that dataset's snapshots
 * re-listed and spliced in) instead of being dropped. Property: after random sequences of writes,
 * the updated index is row for row the one a full rebuild gives; a change the adapter cannot
 * account for (made beside it, recursive, or two writes at once) still forces a rebuild.
 */
import { describe, expect, test } from '@jest/globals';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { snapshotRow, ZfsAdapter, type SnapshotIndex, type SnapshotRow } from '../../../src/system/zfs/index.js';
import { prng } from '../../helpers/prng.js';

type Listing = { dataset?: string; recursive?: boolean };

function rows(s: SnapshotIndex): SnapshotRow[] {
  return Array.from({ length: s.index.size }, (_, i) => snapshotRow(s, i));
}

/** A full rebuild, bypassing the cache: `zfs list` read again from the start. */
function rebuild(zfs: ZfsAdapter, listing: Listing): Promise<SnapshotIndex> {
  return (zfs as unknown as { readSnapshotIndex(l: Listing): Promise<SnapshotIndex> }).readSnapshotIndex(listing);
}

/** The snapshot listings (`zfs list -t snapshot`) the host ran since `from`: full ones and per dataset. */
function listings(host: SimulatedHost, from: number): { full: number; perDataset: string[] } {
  const runs = host.history(100000).filter((r) => r.seq > from && r.command === 'zfs' && r.args[0] === 'list' && r.args.includes('snapshot'));
  const perDataset = runs.filter((r) => r.args.includes('-d')).map((r) => r.args[r.args.length - 1]!);
  return { full: runs.length - perDataset.length, perDataset };
}

function lastSeq(host: SimulatedHost): number {
  return host.history(1)[0]?.seq ?? 0;
}

let clock = Date.UTC(2026, 0, 1);

async function seeded(): Promise<{ host: SimulatedHost; zfs: ZfsAdapter; datasets: string[] }> {
  const host = new SimulatedHost({ now: () => clock });
  await host.seed({ datasets: 6, snapshots: 60 });
  const zfs = new ZfsAdapter(host);
  const datasets = (await zfs.listDatasets({ root: 'tank/seed', types: ['filesystem'] })).map((d) => d.name);
  return { host, zfs, datasets };
}

describe('snapshot index updated in place', () => {
  test('a snapshot created and one destroyed: re-lists only that dataset, same rows as a rebuild', async () => {
    const { host, zfs, datasets } = await seeded();
    const ds = datasets[3]!;
    await zfs.snapshotIndex();
    const from = lastSeq(host);
    await zfs.snapshot(`${ds}@extra`);
    const after = await zfs.snapshotIndex();
    expect(listings(host, from)).toEqual({ full: 0, perDataset: [ds] });
    expect(after.index.name(after.index.size - 1)).not.toBe(`${ds}@extra`); // in its dataset's place
    expect(rows(after)).toEqual(rows(await rebuild(zfs, {})));
    expect(rows(after).map((r) => r.name)).toContain(`${ds}@extra`);

    const victim = after.index.name(0);
    const from2 = lastSeq(host);
    await zfs.destroySnapshot(victim);
    const again = await zfs.snapshotIndex();
    expect(listings(host, from2).full).toBe(0);
    expect(rows(again).map((r) => r.name)).not.toContain(victim);
    expect(rows(again)).toEqual(rows(await rebuild(zfs, {})));
  });

  test('many writes to one dataset: the columns are compacted and the rows still match a rebuild', async () => {
    const { host, zfs, datasets } = await seeded();
    const cached = await zfs.snapshotIndex();
    const from = lastSeq(host);
    for (let k = 0; k < 120; k++) await zfs.snapshot(`${datasets[2]!}@many-${k}`);
    const after = await zfs.snapshotIndex();
    expect(listings(host, from).full).toBe(0);
    expect(after).toBe(cached); // the same index, updated in place
    expect(after.used.length).toBeLessThan(2 * after.index.size + 1024 + 200); // compacted on the way
    expect(rows(after)).toEqual(rows(await rebuild(zfs, {})));
  });

  test('a change made beside the adapter (the revision moved by another path) forces a rebuild', async () => {
    const { host, zfs, datasets } = await seeded();
    await zfs.snapshotIndex();
    await host.run('zfs', ['snapshot', `${datasets[1]!}@outside`]);
    clock += 1500; // past the cache's second: the revision is asked
    const from = lastSeq(host);
    const after = await zfs.snapshotIndex();
    expect(listings(host, from).full).toBe(1);
    expect(rows(after).map((r) => r.name)).toContain(`${datasets[1]!}@outside`);
  });

  test('a recursive snapshot forces a rebuild', async () => {
    const { host, zfs } = await seeded();
    await zfs.snapshotIndex();
    await zfs.snapshot('tank/seed@all', { recursive: true });
    const from = lastSeq(host);
    const after = await zfs.snapshotIndex();
    expect(listings(host, from).full).toBe(1);
    expect(rows(after)).toEqual(rows(await rebuild(zfs, {})));
  });

  test('property: random writes (alone and two at once) leave every cached index equal to a rebuild', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { host, zfs, datasets } = await seeded();
      const random = prng(seed);
      const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
      const scopes: Listing[] = [{}, { dataset: 'tank/seed', recursive: true }, { dataset: pick(datasets) }];
      for (const l of scopes) await zfs.snapshotIndex(l);
      let n = 0;
      let incremental = 0;
      const write = async (): Promise<void> => {
        const current = rows(await rebuild(zfs, {})).map((r) => r.name);
        const r = random();
        if (r < 0.4 || current.length < 4) await zfs.snapshot(`${pick(datasets)}@p${seed}-${n++}`);
        else if (r < 0.7) await zfs.destroySnapshot(pick(current));
        else if (r < 0.8) await zfs.rename(pick(current), `${pick(current).split('@')[0]}@r${seed}-${n++}`).catch(() => undefined);
        else if (r < 0.9) {
          const ds = pick(datasets);
          const own = current.filter((c) => c.startsWith(`${ds}@`));
          if (own.length >= 2) await zfs.destroySnapshot(`${ds}@${own[0]!.split('@')[1]}%${own[1]!.split('@')[1]}`);
        } else {
          const snap = pick(current);
          await zfs.hold('keep', snap);
          await zfs.release('keep', snap);
        }
      };
      for (let step = 0; step < 25; step++) {
        if (random() < 0.2) await Promise.all([write(), write()]);
        else await write();
        const from = lastSeq(host);
        const cached: SnapshotIndex[] = [];
        for (const l of scopes) cached.push(await zfs.snapshotIndex(l));
        const ran = listings(host, from);
        if (ran.full === 0 && ran.perDataset.length === 0) incremental++;
        for (const [i, l] of scopes.entries()) expect(rows(cached[i]!)).toEqual(rows(await rebuild(zfs, l)));
      }
      // Most steps were served by splices, not rebuilds (two writes at once may force one).
      expect(incremental).toBeGreaterThan(10);
    }
  });
});

describe('the snapshot line reader', () => {
  test('reads every line as splitting it on tabs would (digits in place, anything else by the general parsers)', async () => {
    const lines = [
      'tank/a@1\t4096\t8192\t1767225600\t0\t10',
      'tank/a@2\t1.5K\t2M\t-\t2\t11',
      'tank/a@3\t-\tnone\t\t-\tx',
      'tank/b@1\t0\t0\t1767225600',
      'tank/b@2',
      'tank/b@3\t12\t13\t14\t15\t16\textra',
      'tank/b@4\t 7\t8 \t 1767225600 \t3\t1e3',
      '',
    ];
    const sim = new SimulatedHost();
    const host = {
      kind: 'sim' as const,
      files: sim.files,
      history: () => [],
      run: async (_cmd: string, args: string[]) =>
        args[0] === 'version' ? { code: 0, stdout: 'zfs-2.2.2-1\nzfs-kmod-2.2.2-1\n', stderr: '' } : { code: 0, stdout: `${lines.join('\n')}\n`, stderr: '' },
    };
    const got = rows(await new ZfsAdapter(host).snapshotIndex());
    // The reference: the line split on tabs, each field through parseSize / Number as before.
    const { parseSize } = await import('../../../src/system/zfs/index.js');
    const expected = lines
      .filter((l) => l !== '')
      .map((l) => {
        const f = l.split('\t');
        const num = (v: number): number | null => (Number.isFinite(v) ? v : null);
        const created = Number(f[3]);
        const userrefs = Number(f[4]);
        return {
          name: f[0]!,
          used: parseSize(f[1]),
          referenced: parseSize(f[2]),
          creation: num(f[3] && f[3] !== '-' && Number.isFinite(created) ? created : NaN),
          userrefs: Number.isFinite(userrefs) ? userrefs : 0,
          txg: Number.isFinite(Number(f[5])) ? Number(f[5]) : 0,
        };
      })
      .sort((a, b) => (a.name.split('@')[0]! < b.name.split('@')[0]! ? -1 : a.name.split('@')[0]! > b.name.split('@')[0]! ? 1 : a.txg - b.txg))
      .map(({ txg: _txg, ...r }) => r);
    expect(got).toEqual(expected);
  });
});
