/**
 * Rows of large listings validated once, when they are built, instead of on every page (issue 16).
 *
 * A page of 50 snapshots or datasets was, per request: 50 objects built from the listing index,
 * the operation's output schema parsing all 50 (zod copies every object), and JSON.stringify of
 * the copies. The profile of the daemon under the page scenarios put those at ~35% of its CPU.
 * Their source is the adapter's parser (a tool's output, already checked field by field), and a
 * listing index changes only when the host does, so a row can be shaped, validated and
 * serialized once per index:
 *
 * - `trustRow(schema, value)` parses the row with the schema the operation's answer uses for its
 *   items (so unknown fields are stripped and a wrong one throws, as the output parse would),
 *   freezes the result (deeply: nobody may change a row that other answers share) and remembers
 *   its JSON text and the schema it passed;
 * - the invoker (invoke.ts) parses an answer whose `items` are all rows trusted by that very
 *   element schema with the envelope only (`total`, `nextCursor`... still validated), keeping the
 *   row objects as they are; any other row (built per request, or trusted by another schema)
 *   takes the full parse;
 * - `serializeAnswer` (the API's JSON) writes such an answer's items from their remembered text.
 *
 * In test runs (NODE_ENV=test, CALYPSO_TEST=1) the invoker also parses the whole answer with the
 * operation's schema, so a schema change that a trusted row no longer satisfies fails the tests.
 */
import type { z } from 'zod';

interface Trusted {
  schema: z.ZodType;
  json: string;
}

const trusted = new WeakMap<object, Trusted>();

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** The row as `schema` shapes it (throws if it does not pass), frozen, its JSON remembered. */
export function trustRow<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const row = deepFreeze(schema.parse(value)) as z.infer<S>;
  if (row === null || typeof row !== 'object') throw new TypeError('only objects can be trusted rows');
  trusted.set(row as object, { schema, json: JSON.stringify(row) });
  return row;
}

/** Whether `value` is a row that `schema` itself validated (by trustRow). */
export function isTrustedRow(value: unknown, schema: z.ZodType): boolean {
  return value !== null && typeof value === 'object' && trusted.get(value)?.schema === schema;
}

function rowJson(value: unknown): string | undefined {
  return value !== null && typeof value === 'object' ? trusted.get(value)?.json : undefined;
}

/**
 * JSON.stringify(body), with the items of a page of trusted rows written from their remembered
 * text (the same characters JSON.stringify would write for them).
 */
export function serializeAnswer(body: unknown): string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return JSON.stringify(body);
  const items = (body as { items?: unknown }).items;
  if (!Array.isArray(items) || items.length === 0) return JSON.stringify(body);
  const texts: string[] = new Array<string>(items.length);
  for (let i = 0; i < items.length; i++) {
    const t = rowJson(items[i]);
    if (t === undefined) return JSON.stringify(body);
    texts[i] = t;
  }
  if (typeof (body as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(body);
  const parts: string[] = [];
  for (const [k, v] of Object.entries(body)) {
    if (k === 'items') {
      parts.push(`"items":[${texts.join(',')}]`);
      continue;
    }
    const text = JSON.stringify(v) as string | undefined;
    // As JSON.stringify: a field whose value has no JSON (undefined, a function) is left out.
    if (text !== undefined) parts.push(`${JSON.stringify(k)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}

/** Rows kept per operation (e.g. 100,000 snapshots' rows, ~45 MB); past it they start again. */
export const TRUSTED_ROWS_MAX = 131_072;

/**
 * Trusted rows by the listing's name for them and their source: a row is built, validated and
 * serialized once per distinct content. A listing index rebuilt after a change elsewhere (the
 * simulator's revision, another dataset's snapshot) finds its unchanged rows again; a row whose
 * source changed (`same` says so) is built anew.
 *
 * Looked up by the name alone (the listing index keeps one string per row, whose hash V8 keeps
 * after the first lookup), then the source compared field by field: a key string built from every
 * field per row per request (perf3) cost more than the rows it saved (bench/README.md, perf5).
 */
export class TrustedRows<S extends z.ZodType, Src> {
  private rows = new Map<string, { source: Src; row: z.infer<S> }>();

  /** `same(a, b)`: whether two sources make the same row (every value `build` reads is equal). */
  constructor(
    private readonly schema: S,
    private readonly same: (a: Src, b: Src) => boolean,
    private readonly max = TRUSTED_ROWS_MAX,
  ) {}

  at(name: string, source: Src, build: (source: Src) => unknown): z.infer<S> {
    const kept = this.rows.get(name);
    if (kept !== undefined && (kept.source === source || this.same(kept.source, source))) return kept.row;
    if (kept === undefined && this.rows.size >= this.max) this.rows = new Map();
    const row = trustRow(this.schema, build(source));
    this.rows.set(name, { source, row });
    return row;
  }
}

/** Whether two flat records hold the same keys with the same values (a tool's raw columns). */
export function sameRecord(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  if (a === b) return true;
  for (const k in a) if (!(k in b) || !Object.is(a[k], b[k])) return false;
  for (const k in b) if (!(k in a)) return false;
  return true;
}
