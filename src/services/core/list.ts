import { z } from 'zod';

/** Common list input: every list paginates and most filter by text. */
export const listShape = {
  limit: z.coerce.number().int().min(1).max(10000).default(100).describe('Page size'),
  offset: z.coerce.number().int().min(0).default(0).describe('Items to skip'),
};

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item).describe('This page of results'),
    total: z.number().int().describe('Number of results before pagination'),
  });
}

export function page<T>(all: T[], input: { limit: number; offset: number }): { items: T[]; total: number } {
  return { items: all.slice(input.offset, input.offset + input.limit), total: all.length };
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
