/**
 * In-process figures for issue 16's million snapshots (no daemon, no HTTP): seeds a simulated host
 * with 1,000 datasets and N snapshots, then times the first snapshot index build (what the first
 * page waits for), a page from it, and a snapshot create + destroy followed by a read (the index
 * updated in place, not rebuilt). `node --import tsx bench/million-index.ts [N]`; with
 * PROFILE=<file.cpuprofile>, a CPU profile of the first build alone (after the seeding) is written
 * there. Figures only: nothing here is a pass/fail check.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { SimulatedHost } from '../src/system/sim/simulated-host.js';
import { snapshotRow, ZfsAdapter } from '../src/system/zfs/index.js';

const count = Number(process.argv[2] ?? 1_000_000);
const ms = (t: bigint): number => Math.round(Number(process.hrtime.bigint() - t) / 1e5) / 10;
const rssMb = (): number => Math.round(process.memoryUsage().rss / 1048576);

const host = new SimulatedHost();
const zfs = new ZfsAdapter(host);
let t = process.hrtime.bigint();
await host.seed({ datasets: 1000, snapshots: count, parent: 'tank/million' });
const seedMs = ms(t);
global.gc?.();
const rssBefore = rssMb();
const session = process.env.PROFILE ? new Session() : null;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
t = process.hrtime.bigint();
const first = await zfs.snapshotIndex();
const firstSize = first.index.size;
const page = first.index.page({ limit: 50 }).positions.map((p) => snapshotRow(first, p));
const firstMs = ms(t);
if (session) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(process.env.PROFILE!, JSON.stringify(profile));
}
const rssAfter = rssMb();
const victim = page[0]!.name;
const dataset = victim.slice(0, victim.indexOf('@'));
t = process.hrtime.bigint();
await zfs.snapshot(`${dataset}@bench-extra`);
const sizeAfterCreate = (await zfs.snapshotIndex()).index.size; // (the index may be updated in place: its size now)
const createMs = ms(t);
t = process.hrtime.bigint();
await zfs.destroySnapshot(`${dataset}@bench-extra`);
const sizeAfterDestroy = (await zfs.snapshotIndex()).index.size;
const destroyMs = ms(t);
console.log(
  JSON.stringify({
    snapshots: firstSize,
    seedMs,
    firstIndexAndPageMs: firstMs,
    rssBeforeMb: rssBefore,
    rssGrowthMb: rssAfter - rssBefore,
    createThenReadMs: createMs,
    destroyThenReadMs: destroyMs,
    sizes: [sizeAfterCreate, sizeAfterDestroy],
    load: (await import('node:os')).loadavg().map((l) => Math.round(l * 100) / 100),
  }),
);
