/**
 * Large listings served from an index (issue 16): a listing of 10,000 datasets or a million
 * snapshots is sorted once when it is read, then every page is a binary search and a slice: no
 * re-sorting, re-filtering or re-mapping of the whole listing per request.
 *
 * Order: zfs's own (zfs_sort's default): by dataset name (strcmp), a dataset's snapshots by
 * creation txg. Each row has a key (group, seq, name): for a dataset (its name, 0, its name), for
 * a snapshot (its dataset, its createtxg, its name). A cursor is the key of the last row a page
 * gave; the next page starts at the first row whose key is greater, so a row added or removed
 * between two pages neither shifts nor repeats the others (keyset pagination).
 */

export interface ListingQuery {
  limit: number;
  /** Rows to skip (after the cursor's position when there is one). */
  offset?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
  /** Only names that begin with this (binary search over the sorted listing). */
  prefix?: string;
  /** Only names that contain this (a scan, remembered per listing for the next pages). */
  search?: string;
}

/** A string that names one page of a listing (the query's every field), for remembering pages of an index. */
export function pageKey(q: ListingQuery): string {
  return `${q.limit}\0${q.offset ?? 0}\0${q.cursor ?? ''}\0${q.prefix ?? ''}\0${q.search ?? ''}`;
}

export interface ListingPage<T> {
  items: T[];
  /** Rows that match the filters, before pagination. */
  total: number;
  /** Where the next page starts; null when this page reached the end. */
  nextCursor: string | null;
}

/** A cursor that is not one this listing gave out (garbage, or tampered with). */
export class BadCursorError extends Error {
  constructor() {
    super('the cursor is not one this listing gave: start again without it');
    this.name = 'BadCursorError';
  }
}

interface Key {
  group: string;
  seq: number;
  name: string;
}

function compareKeys(ag: string, as: number, an: string, b: Key): number {
  if (ag !== b.group) return ag < b.group ? -1 : 1;
  if (as !== b.seq) return as < b.seq ? -1 : 1;
  if (an !== b.name) return an < b.name ? -1 : 1;
  return 0;
}

export function encodeCursor(key: Key): string {
  return Buffer.from(JSON.stringify([key.group, key.seq, key.name]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): Key {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new BadCursorError();
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw new BadCursorError();
  const [group, seq, name] = parsed as unknown[];
  if (typeof group !== 'string' || typeof seq !== 'number' || !Number.isFinite(seq) || typeof name !== 'string') throw new BadCursorError();
  return { group, seq, name };
}

/** Rows added one by one (in any order), then sorted once by freeze(). */
export class ListingIndexBuilder<Extra> {
  private names: string[] = [];
  private groups: string[] = [];
  private seqs: number[] = [];
  private extras: Extra[] = [];
  private sorted = true;
  /** One string per distinct group, so a million snapshots of 10,000 datasets hold 10,000 group strings. */
  private readonly interned = new Map<string, string>();

  add(name: string, group: string, seq: number, extra: Extra): void {
    let g = this.interned.get(group);
    if (g === undefined) this.interned.set(group, (g = group));
    const n = this.names.length;
    if (n > 0 && this.sorted && compareKeys(this.groups[n - 1]!, this.seqs[n - 1]!, this.names[n - 1]!, { group: g, seq, name }) > 0) this.sorted = false;
    this.names.push(name);
    this.groups.push(g);
    this.seqs.push(seq);
    this.extras.push(extra);
  }

  get size(): number {
    return this.names.length;
  }

  freeze(): ListingIndex<Extra> {
    let { names, groups, seqs, extras } = this;
    if (!this.sorted) {
      // zfs prints in this order already; sorting is for a tool (or a version) that does not.
      const order = Array.from(names.keys()).sort((a, b) =>
        compareKeys(groups[a]!, seqs[a]!, names[a]!, { group: groups[b]!, seq: seqs[b]!, name: names[b]! }),
      );
      names = order.map((i) => this.names[i]!);
      groups = order.map((i) => this.groups[i]!);
      seqs = order.map((i) => this.seqs[i]!);
      extras = order.map((i) => this.extras[i]!);
    }
    this.names = [];
    this.groups = [];
    this.seqs = [];
    this.extras = [];
    return new ListingIndex(names, groups, seqs, extras);
  }
}

const SEARCH_MEMORY = 16;

/**
 * A sorted listing: pages by position or cursor, name prefixes by binary search. Changed only by
 * spliceGroup (in place, between two pages: a cursor is a key, not a position, so pages stay right).
 */
export class ListingIndex<Extra> {
  /** Positions of the names containing a search text, for the last few texts asked. */
  private readonly searches = new Map<string, Uint32Array>();
  private changes = 0;

  constructor(
    private names: string[],
    private groups: string[],
    private seqs: number[],
    private extras: Extra[],
  ) {}

  get size(): number {
    return this.names.length;
  }

  /** Changes with every change made in place (spliceGroup, setExtras): what was read of an older version may be stale. */
  get version(): number {
    return this.changes;
  }

  name(i: number): string {
    return this.names[i]!;
  }

  extra(i: number): Extra {
    return this.extras[i]!;
  }

  /**
   * Replaces one group's rows by `rows` (in zfs's order for that group; sorted here if not), in
   * place: an incremental update after a change confined to one dataset's snapshots. The other
   * groups' rows are moved, not re-read nor re-sorted (a splice: a memmove at a million rows).
   */
  spliceGroup(group: string, rows: { names: string[]; seqs: number[]; extras: Extra[] }): void {
    const start = this.bound(0, this.size, (i) => this.groups[i]! >= group);
    const end = this.bound(start, this.size, (i) => this.groups[i]! !== group);
    const order = Array.from(rows.names.keys());
    order.sort((a, b) => compareKeys(group, rows.seqs[a]!, rows.names[a]!, { group, seq: rows.seqs[b]!, name: rows.names[b]! }));
    const g = start < end ? this.groups[start]! : group;
    const names = order.map((j) => rows.names[j]!);
    const groups = order.map(() => g);
    const seqs = order.map((j) => rows.seqs[j]!);
    const extras = order.map((j) => rows.extras[j]!);
    const put = <T>(list: T[], add: T[]): T[] => {
      if (add.length <= 4096) {
        list.splice(start, end - start, ...add);
        return list;
      }
      return list.slice(0, start).concat(add, list.slice(end)); // too many to pass as arguments
    };
    this.names = put(this.names, names);
    this.groups = put(this.groups, groups);
    this.seqs = put(this.seqs, seqs);
    this.extras = put(this.extras, extras);
    this.searches.clear();
    this.changes++;
  }

  /** Sets every row's extra (by position), in place. */
  setExtras(f: (extra: Extra, position: number) => Extra): void {
    for (let i = 0; i < this.extras.length; i++) this.extras[i] = f(this.extras[i]!, i);
    this.changes++;
  }

  /** The first position in [lo, hi) where `pred` holds (pred is false then true along the listing). */
  private bound(lo: number, hi: number, pred: (i: number) => boolean): number {
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pred(mid)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** [start, end) of the rows whose name begins with `prefix`, and whether each still needs a check. */
  private prefixRange(prefix: string): { start: number; end: number; check: boolean } {
    const at = prefix.indexOf('@');
    // A name begins with a prefix without '@' exactly when its group does: groups are sorted.
    const g = at === -1 ? prefix : prefix.slice(0, at);
    const start = this.bound(0, this.size, (i) => this.groups[i]! >= g);
    const end = at === -1 ? this.bound(start, this.size, (i) => !this.groups[i]!.startsWith(g)) : this.bound(start, this.size, (i) => this.groups[i]! !== g);
    // With '@': one dataset's snapshots, in txg order, not name order: checked one by one.
    return { start, end, check: at !== -1 };
  }

  /** Positions (ascending) of the rows that pass the filters; null means all of [start, end). */
  private matches(q: ListingQuery): { start: number; end: number; positions: Uint32Array | null } {
    let start = 0;
    let end = this.size;
    let check = false;
    if (q.prefix) ({ start, end, check } = this.prefixRange(q.prefix));
    if (!q.search && !check) return { start, end, positions: null };
    const memo = `${q.prefix ?? ''}\0${q.search ?? ''}`;
    let positions = this.searches.get(memo);
    if (!positions) {
      const found: number[] = [];
      for (let i = start; i < end; i++) {
        const n = this.names[i]!;
        if (check && !n.startsWith(q.prefix!)) continue;
        if (q.search && !n.includes(q.search)) continue;
        found.push(i);
      }
      positions = Uint32Array.from(found);
      if (this.searches.size >= SEARCH_MEMORY) this.searches.delete(this.searches.keys().next().value!);
      this.searches.set(memo, positions);
    }
    return { start, end, positions };
  }

  private after(i: number, key: Key): boolean {
    return compareKeys(this.groups[i]!, this.seqs[i]!, this.names[i]!, key) > 0;
  }

  /** One page: the rows' positions, the total that match, and the cursor of the next page. */
  page(q: ListingQuery): { positions: number[]; total: number; nextCursor: string | null } {
    const { start, end, positions } = this.matches(q);
    const key = q.cursor !== undefined ? decodeCursor(q.cursor) : null;
    const offset = q.offset ?? 0;
    const out: number[] = [];
    let total: number;
    let more: boolean;
    if (positions) {
      total = positions.length;
      let from = key ? this.bound(0, positions.length, (j) => this.after(positions[j]!, key)) : 0;
      from += offset;
      for (let j = from; j < positions.length && out.length < q.limit; j++) out.push(positions[j]!);
      more = from + out.length < positions.length;
    } else {
      total = end - start;
      let from = key ? this.bound(start, end, (i) => this.after(i, key)) : start;
      from += offset;
      for (let i = from; i < end && out.length < q.limit; i++) out.push(i);
      more = from + out.length < end;
    }
    const last = out[out.length - 1];
    const nextCursor = more && last !== undefined ? encodeCursor({ group: this.groups[last]!, seq: this.seqs[last]!, name: this.names[last]! }) : null;
    return { positions: out, total, nextCursor };
  }
}
