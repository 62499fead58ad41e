import { z } from 'zod';

/**
 * The largest page any list answers (issue 19: pages of 10,000 rows at 400 connections drove the
 * daemon to 2.6 GB). A client that wants more pages through with `offset`, as `allPages` does.
 */
export const MAX_PAGE_SIZE = 1000;
/** Offsets past this are refused: no listing is that long, and PostgreSQL takes at most a bigint. */
export const MAX_OFFSET = 1_000_000_000;

/** Common list input: every list paginates and most filter by text. */
export const listShape = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE, `at most ${MAX_PAGE_SIZE} per page: page through with offset`)
    .default(100)
    .describe(`Page size (at most ${MAX_PAGE_SIZE}; page through with offset)`),
  offset: z.coerce.number().int().min(0).max(MAX_OFFSET).default(0).describe('Items to skip'),
};

/**
 * Inputs of the large listings served from an index (datasets, snapshots; issue 16): a cursor
 * (keyset pagination: rows added or removed between two pages shift nothing, repeat nothing)
 * and a name prefix found by binary search. `offset` still works, after the cursor's position.
 */
export const cursorShape = {
  cursor: z
    .string()
    .max(2048)
    .regex(/^[A-Za-z0-9_-]+$/, 'not a cursor this list gave')
    .optional()
    .describe("The previous page's nextCursor: the page after it, unchanged by rows added or removed meanwhile"),
  prefix: z.string().max(255).optional().describe('Only names that begin with this'),
};

/** listOf, with the cursor of the next page (null at the end). */
export function cursorListOf<T extends z.ZodType>(item: T) {
  return listOf(item).extend({
    nextCursor: z.string().nullable().describe("Ask for the next page with this as cursor; null when this page is the list's end"),
  });
}

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item).describe('This page of results'),
    total: z.number().int().describe('Number of results before pagination'),
  });
}

export function page<T>(all: T[], input: { limit: number; offset: number }): { items: T[]; total: number } {
  return { items: all.slice(input.offset, input.offset + input.limit), total: all.length };
}

/**
 * Every row a caller wants of a list when that is more than one page holds (`input.limit` above
 * MAX_PAGE_SIZE): pages of MAX_PAGE_SIZE in turn, until the list ends or `limit` rows came, with
 * the last page's `total`. Any other input is one plain call. For the console and the CLI, which
 * show long lists; the API answers one bounded page per request.
 */
export async function allPages<R>(call: (input: Record<string, unknown>) => Promise<R>, input: Record<string, unknown>): Promise<R> {
  const wanted = input.limit;
  if (typeof wanted !== 'number' || !(wanted > MAX_PAGE_SIZE)) return call(input);
  const start = typeof input.offset === 'number' ? input.offset : 0;
  let last: { items: unknown[]; total: number } | null = null;
  const items: unknown[] = [];
  while (items.length < wanted) {
    const limit = Math.min(MAX_PAGE_SIZE, wanted - items.length);
    last = (await call({ ...input, limit, offset: start + items.length })) as { items: unknown[]; total: number };
    items.push(...last.items);
    if (last.items.length < limit || start + items.length >= last.total) break;
  }
  return { ...last, items } as R;
}

/** An empty input, for operations that take none. */
export const noInput = z.object({});

/** A database row id: positive and within a 32-bit integer column (PostgreSQL refuses more with an error). */
export function rowId(description: string) {
  return z.coerce.number().int().positive().max(2_147_483_647, 'no such id').describe(description);
}

/**
 * `rows.map(fn)`, computed once per array: adapters hand out the same array while a listing is
 * cached, so paging through 10,000 datasets does not rebuild 10,000 objects per page.
 */
export function mapOncePerListing<A, B>(fn: (row: A) => B): (rows: A[]) => B[] {
  const mapped = new WeakMap<A[], B[]>();
  return (rows) => {
    let out = mapped.get(rows);
    if (!out) mapped.set(rows, (out = rows.map(fn)));
    return out;
  };
}
