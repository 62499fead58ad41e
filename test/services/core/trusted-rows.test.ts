/**
 * Rows of large listings validated once when their index is built (issue 16, trusted-rows.ts):
 * a page of such rows is answered with its envelope validated and its rows' remembered JSON; any
 * other row still takes the full output parse, so a wrong one is still refused; the rows go with
 * their index, so a change on the host shows in the next page.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { z } from 'zod';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { ZfsAdapter } from '../../../src/system/zfs/index.js';
import { EventBus } from '../../../src/services/core/events.js';
import { SYSTEM_ACTOR } from '../../../src/services/core/context.js';
import { makeInvoker, type Invoker } from '../../../src/services/core/invoke.js';
import { AUTHENTICATED, Registry, defineOperation } from '../../../src/services/core/registry.js';
import {
  TrustedPages,
  TrustedRows,
  answerBytes,
  isTrusted,
  sameRecord,
  serializeAnswer,
  trustAnswer,
  trustRow,
} from '../../../src/services/core/trusted-rows.js';
import { cursorListOf } from '../../../src/contracts/list.js';
import { snapshotContracts } from '../../../src/contracts/snapshots.js';
import { silentLog, startTestApp, type TestApp } from '../../helpers/app.js';

const row = z.object({ name: z.string().max(50).describe('n'), size: z.number().int().nonnegative().describe('s') }).strict();
/** The same fields, looser: a row it trusts is not trusted by `row`. */
const loose = z.object({ name: z.string().describe('n'), size: z.number().describe('s') });

describe('trusted rows', () => {
  test('a row is parsed by its schema (unknown fields refused or stripped as the schema says), frozen, and trusted by that schema only', () => {
    expect(() => trustRow(row, { name: 'a', size: -1 })).toThrow();
    expect(() => trustRow(row, { name: 'a', size: 1, extra: true })).toThrow();
    const stripped = trustRow(loose, { name: 'a', size: 1.5, extra: true });
    expect(stripped).toEqual({ name: 'a', size: 1.5 });
    const r = trustRow(row, { name: 'a', size: 1 });
    expect(Object.isFrozen(r)).toBe(true);
    expect(() => {
      (r as { size: number }).size = 2;
    }).toThrow();
    expect(isTrusted(r, row)).toBe(true);
    expect(isTrusted(r, loose)).toBe(false);
    expect(isTrusted({ name: 'a', size: 1 }, row)).toBe(false);
  });

  test('a page of trusted rows serializes to exactly what JSON.stringify writes; anything else is JSON.stringify', () => {
    const items = [trustRow(row, { name: 'a"\\\u2028', size: 1 }), trustRow(row, { name: 'é', size: 0 })];
    for (const body of [
      { items, total: 2, nextCursor: null },
      { total: 2, items, nextCursor: 'x', gone: undefined },
      { items: [...items, { name: 'untrusted', size: 3 }], total: 3 },
      { items: [], total: 0 },
      [items],
      'text',
      null,
    ]) {
      expect(serializeAnswer(body)).toBe(JSON.stringify(body));
    }
  });

  test('rows are built once per name and source; a changed source is built anew; past the bound they start again', () => {
    type Src = { n: number; size: number };
    const rows = new TrustedRows(row, (a: Src, b: Src) => a.size === b.size, 3);
    let built = 0;
    const build = (src: Src) => {
      built++;
      return { name: `r${src.n}`, size: src.size };
    };
    const first = rows.at('r0', { n: 0, size: 0 }, build);
    // Another source object with the same content finds the row (an index rebuilt after a change elsewhere).
    expect(rows.at('r0', { n: 0, size: 0 }, build)).toBe(first);
    expect(built).toBe(1);
    // The same name with another content is built anew and replaces it.
    expect(rows.at('r0', { n: 0, size: 5 }, build)).toEqual({ name: 'r0', size: 5 });
    expect(built).toBe(2);
    expect(rows.at('r0', { n: 0, size: 5 }, build)).toEqual({ name: 'r0', size: 5 });
    expect(built).toBe(2);
    for (let i = 1; i <= 3; i++) rows.at(`r${i}`, { n: i, size: i }, build);
    expect(rows.at('r0', { n: 0, size: 5 }, build)).toEqual({ name: 'r0', size: 5 });
    expect(built).toBe(6);
    expect(() => rows.at('bad', { n: -1, size: -1 }, build)).toThrow();
  });

  test('sameRecord: equal flat records whatever their identity or key order; a missing, extra or changed key differs', () => {
    expect(sameRecord({ a: '1', b: '2' }, { b: '2', a: '1' })).toBe(true);
    expect(sameRecord({ a: '1' }, { a: '1', b: '2' })).toBe(false);
    expect(sameRecord({ a: '1', b: '2' }, { a: '1' })).toBe(false);
    expect(sameRecord({ a: '1' }, { a: '2' })).toBe(false);
    expect(sameRecord({}, {})).toBe(true);
  });
});

/** The answer of a page of `row`s (one schema object: trust is by the very schema). */
const page = cursorListOf(row);

describe('trusted answers and pages', () => {
  test('an answer is shaped by its schema (rows already trusted kept as they are), frozen, and written from the bytes made once', () => {
    const items = [trustRow(row, { name: 'a', size: 1 }), trustRow(row, { name: 'b"\u2028', size: 2 })];
    expect(() => trustAnswer(page, { items, total: 'two', nextCursor: null })).toThrow();
    expect(() => trustAnswer(page, { items: [{ name: 'c', size: -1 }], total: 1, nextCursor: null })).toThrow();
    const answer = trustAnswer(page, { items, total: 2, nextCursor: 'k', internal: 'stripped' });
    expect(answer).toEqual({ items, total: 2, nextCursor: 'k' });
    expect((answer as { items: unknown[] }).items[1]).toBe(items[1]);
    expect(Object.isFrozen(answer) && Object.isFrozen((answer as { items: unknown[] }).items)).toBe(true);
    expect(isTrusted(answer, page)).toBe(true);
    expect(isTrusted(answer, row)).toBe(false);
    expect(serializeAnswer(answer)).toBe(JSON.stringify({ items, total: 2, nextCursor: 'k' }));
    expect(answerBytes(answer)).toBe(answerBytes(answer));
    expect(answerBytes(answer).toString('utf8')).toBe(JSON.stringify(answer));
    // Rows not trusted yet are parsed with the whole schema (this one refuses unknown fields).
    expect(trustAnswer(page, { items: [{ name: 'd', size: 4 }], total: 1, nextCursor: null })).toEqual({
      items: [{ name: 'd', size: 4 }],
      total: 1,
      nextCursor: null,
    });
    expect(() => trustAnswer(page, { items: [{ name: 'd', size: 4, extra: 1 }], total: 1, nextCursor: null })).toThrow();
  });

  test('a page is built once per index, index version and key; a change to the index builds it anew; past the bound the oldest go first', () => {
    const pages = new TrustedPages(page, 200);
    const index = { version: 0 };
    let built = 0;
    const build = (name: string) => () => {
      built++;
      return { items: [trustRow(row, { name, size: built })], total: 1, nextCursor: null };
    };
    const first = pages.at(index, 'p1', build('a'));
    expect(pages.at(index, 'p1', build('a'))).toBe(first);
    expect(built).toBe(1);
    // Another index (another filter, or the index rebuilt) has pages of its own.
    const other = { version: 0 };
    expect(pages.at(other, 'p1', build('a'))).not.toBe(first);
    expect(built).toBe(2);
    // A change made to the index in place: its pages are built again from what it holds now.
    index.version++;
    const again = pages.at(index, 'p1', build('a'));
    expect(again).not.toBe(first);
    expect(built).toBe(3);
    expect(pages.at(index, 'p1', build('a'))).toBe(again);
    // Each answer is ~60 bytes: past 200 bytes the oldest pages leave, the newest stay.
    for (const k of ['p2', 'p3', 'p4']) pages.at(index, k, build(k));
    const before = built;
    pages.at(index, 'p4', build('p4'));
    expect(built).toBe(before);
    pages.at(other, 'p1', build('a'));
    expect(built).toBe(before + 1);
  });
});

describe('the invoker and trusted rows', () => {
  let invoke: Invoker;
  let lenient: Invoker;
  let answer: unknown;
  const call = (inv: Invoker) => inv('test.page', {}, { actor: SYSTEM_ACTOR, face: 'system' });
  beforeAll(() => {
    const registry = new Registry();
    registry.add(
      defineOperation({
        name: 'test.page',
        summary: 'a page',
        permission: AUTHENTICATED,
        mutating: false,
        input: z.object({}).strict(),
        output: page,
        handler: async () => answer as never,
      }),
    );
    const base = { db: null as never, host: new SimulatedHost(), events: new EventBus(), jobs: null as never, log: silentLog };
    invoke = makeInvoker(registry, base, { validateTrustedRows: true });
    lenient = makeInvoker(registry, base, { validateTrustedRows: false });
  });
  afterAll(async () => {
    await invoke.stop();
    await lenient.stop();
  });

  test('a page of rows trusted by the item schema keeps its rows (and their JSON); the envelope is still validated', async () => {
    const items = [trustRow(row, { name: 'a', size: 1 }), trustRow(row, { name: 'b', size: 2 })];
    for (const inv of [invoke, lenient]) {
      answer = { items, total: 2, nextCursor: null, internal: 'not for callers' };
      const out = (await call(inv)) as { items: unknown[] };
      expect(out).toEqual({ items, total: 2, nextCursor: null });
      expect(out.items[0]).toBe(items[0]);
      expect(serializeAnswer(out)).toBe(JSON.stringify({ items, total: 2, nextCursor: null }));
      answer = { items, total: 'two', nextCursor: null };
      await expect(call(inv)).rejects.toThrow();
    }
  });

  test('an answer trusted by the output schema is answered as it is; one trusted by another schema takes the whole parse', async () => {
    const trustedAnswer = trustAnswer(page, { items: [trustRow(row, { name: 'a', size: 1 })], total: 1, nextCursor: null });
    for (const inv of [invoke, lenient]) {
      answer = trustedAnswer;
      expect(await call(inv)).toBe(trustedAnswer);
      answer = trustAnswer(cursorListOf(loose), { items: [{ name: 'a', size: 1.5 }], total: 1, nextCursor: null });
      await expect(call(inv)).rejects.toThrow();
    }
  });

  test('a wrong row is refused: an untrusted one, or one trusted by another schema', async () => {
    for (const inv of [invoke, lenient]) {
      answer = { items: [trustRow(row, { name: 'a', size: 1 }), { name: 'b', size: -2 }], total: 2, nextCursor: null };
      await expect(call(inv)).rejects.toThrow();
      answer = { items: [trustRow(loose, { name: 'a', size: 1.5 })], total: 1, nextCursor: null };
      await expect(call(inv)).rejects.toThrow();
    }
  });
});

describe('snapshot and dataset pages over the API', () => {
  let t: TestApp;
  let token: string;
  const host = new SimulatedHost();
  const zfs = new ZfsAdapter(host);
  beforeAll(async () => {
    await host.seed({ datasets: 120, snapshots: 1200 });
    t = await startTestApp({ host });
    token = await t.userWithRoles('reader', ['ReadOnly']);
  });
  afterAll(async () => {
    await t.close();
  });
  const get = async (path: string) => {
    const res = await t.http.get(`/api/v1${path}`).set({ Authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    return res;
  };

  test('a page answers what the full output parse gives, and a change on the host shows in the next page', async () => {
    const path = '/snapshots?limit=5&prefix=tank/seed/ds003';
    const first = await get(path);
    expect(first.body.items).toHaveLength(5);
    expect(snapshotContracts['snapshots.list'].output.parse(first.body)).toEqual(first.body);
    expect((await get(path)).text).toBe(first.text);
    const name = first.body.items[2].name as string;
    expect(first.body.items[2].holds).toBe(0);
    await zfs.hold('keep', name);
    const after = await get(path);
    expect(after.body.items[2]).toEqual({ ...first.body.items[2], holds: 1 });
    await zfs.release('keep', name);
    expect((await get(path)).body.items[2].holds).toBe(0);

    const datasets = await get('/storage/datasets?limit=3&prefix=tank/seed/ds00');
    expect(datasets.body.items.map((d: { name: string }) => d.name)).toEqual(['tank/seed/ds000', 'tank/seed/ds001', 'tank/seed/ds002']);
    await zfs.destroy('tank/seed/ds001', { recursive: true });
    const without = await get('/storage/datasets?limit=3&prefix=tank/seed/ds00');
    expect(without.body.items.map((d: { name: string }) => d.name)).toEqual(['tank/seed/ds000', 'tank/seed/ds002', 'tank/seed/ds003']);
  });
});
