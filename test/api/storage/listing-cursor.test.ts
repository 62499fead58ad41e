/**
 * Large listings from an index (issue 16): pages by cursor stay correct while the listing changes
 * between two pages. A row that exists throughout is listed exactly once, in a stable order; a row
 * added after the cursor's position is listed once, one added before it is not listed again; a
 * deleted row (even the cursor's own) breaks nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { ZfsAdapter } from '../../../src/system/zfs/index.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';

let t: TestApp;
let reader: string;
let clock = Date.UTC(2026, 0, 1);
const host = new SimulatedHost({ now: () => clock });
/** Changes made through the adapter, as an operation would make them (the listing cache is cleared at once). */
const zfs = new ZfsAdapter(host);

beforeAll(async () => {
  await host.seed({ datasets: 120, snapshots: 2400 });
  t = await startTestApp({ host });
  reader = await t.userWithRoles('reader', ['ReadOnly']);
});
afterAll(async () => {
  await t.close();
});
const as = (token: string) => ({ Authorization: `Bearer ${token}` });

interface Page {
  items: { name: string }[];
  total: number;
  nextCursor: string | null;
}

async function page(path: string, query: Record<string, string | number>): Promise<Page> {
  const res = await t.http.get(`/api/v1${path}`).query(query).set(as(reader));
  expect(res.status).toBe(200);
  return res.body as Page;
}

/** Every page of a listing, running `between(n)` after page n (1-based) and before the next is asked. */
async function allPages(path: string, query: Record<string, string | number>, between: (n: number, last: Page) => Promise<void>): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | null = null;
  for (let n = 1; ; n++) {
    const p: Page = await page(path, cursor ? { ...query, cursor } : query);
    names.push(...p.items.map((i) => i.name));
    if (!p.nextCursor) break;
    cursor = p.nextCursor;
    await between(n, p);
  }
  return names;
}

const zfsOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

describe('dataset pages by cursor', () => {
  test('a prefix pages through exactly its datasets, sorted, with the total', async () => {
    const first = await page('/storage/datasets', { limit: 50, prefix: 'tank/seed/ds01' });
    expect(first.total).toBe(10);
    expect(first.items.map((d) => d.name)).toEqual(Array.from({ length: 10 }, (_, i) => `tank/seed/ds01${i}`));
    expect(first.nextCursor).toBeNull();
    const names = await allPages('/storage/datasets', { limit: 7, prefix: 'tank/seed/' }, async () => undefined);
    expect(names).toHaveLength(120);
    expect([...names].sort(zfsOrder)).toEqual(names);
  });

  test('created and destroyed between two pages: nothing lost, nothing repeated, order stable', async () => {
    const before = (await page('/storage/datasets', { limit: 1000, prefix: 'tank/seed/ds' })).items.map((d) => d.name);
    expect(before).toHaveLength(120);
    let cursorRow = '';
    const names = await allPages('/storage/datasets', { limit: 25, prefix: 'tank/seed/ds' }, async (n, last) => {
      if (n !== 1) return;
      cursorRow = last.items[last.items.length - 1]!.name; // tank/seed/ds024
      await zfs.createDataset({ name: 'tank/seed/ds000x' }); // before the cursor: already passed
      await zfs.createDataset({ name: 'tank/seed/ds100x' }); // after it: listed once, in its place
      await zfs.destroy(cursorRow, { recursive: true }); // the cursor's own row (and its snapshots)
      await zfs.destroy('tank/seed/ds050', { recursive: true }); // a row not reached yet
    });
    expect(cursorRow).toBe('tank/seed/ds024');
    const expected = [...before.filter((n) => n !== 'tank/seed/ds050'), 'tank/seed/ds100x'].sort(zfsOrder);
    expect(names).toEqual(expected);
    expect(new Set(names).size).toBe(names.length);
    // The next reader sees both new datasets and neither removed one.
    const now = (await page('/storage/datasets', { limit: 1000, prefix: 'tank/seed/ds' })).items.map((d) => d.name);
    expect(now).toEqual(expect.arrayContaining(['tank/seed/ds000x', 'tank/seed/ds100x']));
    expect(now).not.toContain('tank/seed/ds024');
    expect(now).toHaveLength(120);
  });

  test('a change made behind the adapter is seen once the listing second is up (the host says its state changed)', async () => {
    expect((await page('/storage/datasets', { limit: 5, prefix: 'tank/seed/zz' })).total).toBe(0);
    await host.run('zfs', ['create', 'tank/seed/zz-outside']);
    clock += 2000;
    expect((await page('/storage/datasets', { limit: 5, prefix: 'tank/seed/zz' })).items.map((d) => d.name)).toEqual(['tank/seed/zz-outside']);
  });

  test('search (part of the name) pages by cursor too; offset still skips rows', async () => {
    const all = (await page('/storage/datasets', { limit: 1000, search: '7' })).items.map((d) => d.name);
    expect(all.length).toBeGreaterThan(10);
    expect(all.every((n) => n.includes('7'))).toBe(true);
    expect(await allPages('/storage/datasets', { limit: 4, search: '7' }, async () => undefined)).toEqual(all);
    expect((await page('/storage/datasets', { limit: 3, offset: 2, search: '7' })).items.map((d) => d.name)).toEqual(all.slice(2, 5));
  });

  test('a cursor the listing did not give is a 400, nothing else', async () => {
    for (const cursor of ['not-base64-json', Buffer.from('["a",1]').toString('base64url'), 'a+b/c==']) {
      const res = await t.http.get('/api/v1/storage/datasets').query({ cursor }).set(as(reader));
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
  });
});

describe('snapshot pages by cursor', () => {
  test('pages of a dataset prefix follow zfs order (dataset, then oldest first) through changes', async () => {
    const query = { limit: 40, prefix: 'tank/seed/ds01' };
    const before = (await page('/snapshots', { ...query, limit: 1000 })).items.map((s) => s.name);
    expect(before).toHaveLength(200); // ds010..ds019, 20 snapshots each
    const names = await allPages('/snapshots', query, async (n) => {
      if (n !== 2) return;
      await zfs.snapshot('tank/seed/ds019@late'); // the newest of the last dataset: after the cursor
      await zfs.snapshot('tank/seed/ds010@late'); // in a dataset already passed
      await zfs.destroySnapshot(before[150]!); // not reached yet
    });
    const expected = [...before.filter((n) => n !== before[150]), 'tank/seed/ds019@late'];
    expect(names).toEqual(expected);
    expect(new Set(names).size).toBe(names.length);
  });

  test("a prefix with @ lists that dataset's snapshots whose names begin with it; total counts them", async () => {
    const res = await page('/snapshots', { limit: 5, prefix: 'tank/seed/ds003@auto-' });
    expect(res.total).toBe(20);
    expect(res.items.every((s) => s.name.startsWith('tank/seed/ds003@auto-'))).toBe(true);
    const rest = await allPages('/snapshots', { limit: 6, prefix: 'tank/seed/ds003@' }, async () => undefined);
    expect(rest).toHaveLength(20);
  });
});
