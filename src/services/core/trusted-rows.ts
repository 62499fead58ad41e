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
 * A whole page answer can be trusted the same way (`trustAnswer`, kept by `TrustedPages` per
 * listing index and page while the index is unchanged): the invoker returns it as it is and the
 * API writes its remembered bytes, so a page asked again costs a lookup, not 50 rows.
 *
 * In test runs (NODE_ENV=test, CALYPSO_TEST=1) the invoker also parses the whole answer with the
 * operation's schema, so a schema change that a trusted row no longer satisfies fails the tests.
 */
import { z } from 'zod';

/** A row keeps its JSON (pages are written from it); an answer its UTF-8 bytes (written as they are). */
type Trusted = { schema: z.ZodType; json: string; bytes?: undefined } | { schema: z.ZodType; bytes: Buffer; json?: undefined };

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

/** Whether `value` is a row or an answer that `schema` itself validated (by trustRow or trustAnswer). */
export function isTrusted(value: unknown, schema: z.ZodType): boolean {
  return value !== null && typeof value === 'object' && trusted.get(value)?.schema === schema;
}

function rowJson(value: unknown): string | undefined {
  return value !== null && typeof value === 'object' ? trusted.get(value)?.json : undefined;
}

const envelopes = new WeakMap<z.ZodType, { envelope: z.ZodType; element: z.ZodType } | null>();

/** For a page schema (`items: z.array(element)`, ...): the same schema with each item only checked to be a row `element` trusted. */
function envelopeOf(output: z.ZodType): { envelope: z.ZodType; element: z.ZodType } | null {
  let found = envelopes.get(output);
  if (found !== undefined) return found;
  found = null;
  if (output instanceof z.ZodObject) {
    const items = (output.shape as Record<string, z.ZodType>).items;
    if (items instanceof z.ZodArray) {
      const element = items.element as z.ZodType;
      const envelope = output.extend({ items: z.array(z.custom<object>((v) => isTrusted(v, element))) });
      found = { envelope, element };
    }
  }
  envelopes.set(output, found);
  return found;
}

/**
 * An answer as the output schema shapes it. An answer trusted by that very schema is returned as
 * it is; a page whose items are all rows trusted by its item schema is parsed with the envelope
 * only, its rows kept as they are (and their JSON with them); anything else, the whole schema.
 * `validateAll` (test runs) also parses the whole answer, whatever was trusted.
 */
export function shapeAnswer(schema: z.ZodType, raw: unknown, validateAll: boolean): unknown {
  if (isTrusted(raw, schema)) {
    if (validateAll) schema.parse(raw);
    return raw;
  }
  const env = envelopeOf(schema);
  const items = env && raw !== null && typeof raw === 'object' ? (raw as { items?: unknown }).items : undefined;
  if (env && Array.isArray(items) && items.length > 0 && items.every((v) => isTrusted(v, env.element))) {
    if (validateAll) schema.parse(raw);
    return env.envelope.parse(raw);
  }
  return schema.parse(raw);
}

/** A whole answer as `schema` shapes it (shapeAnswer: rows already trusted are not parsed again), frozen, its JSON remembered. */
export function trustAnswer<T extends object>(schema: z.ZodType, value: T): T {
  const answer = deepFreeze(shapeAnswer(schema, value, false)) as T;
  if (answer === null || typeof answer !== 'object') throw new TypeError('only objects can be trusted answers');
  trusted.set(answer, { schema, bytes: Buffer.from(serializeAnswer(answer)) });
  return answer;
}

/** The bytes of serializeAnswer(body); a trusted answer's, made once when it was trusted. */
export function answerBytes(body: unknown): Buffer {
  return (body !== null && typeof body === 'object' ? trusted.get(body)?.bytes : undefined) ?? Buffer.from(serializeAnswer(body));
}

/**
 * JSON.stringify(body), with the items of a page of trusted rows written from their remembered
 * text (the same characters JSON.stringify would write for them), a trusted answer from its own.
 */
export function serializeAnswer(body: unknown): string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return JSON.stringify(body);
  const own = trusted.get(body);
  if (own !== undefined) return own.json ?? own.bytes.toString('utf8');
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

/** What TrustedPages needs of a listing index: a number that changes with every change made to it in place. */
export interface Versioned {
  readonly version: number;
}

/** Bytes of answers kept per listing operation (about 2,900 pages of 50 snapshots); past it the oldest go first. */
export const TRUSTED_PAGES_MAX_BYTES = 32 * 1024 * 1024;

/**
 * Whole page answers of listing indexes, trusted (trustAnswer) and kept by index, index version
 * and the page's key (its query: limit, offset, cursor, prefix, search). A change to an index (a
 * rebuild is a new index, a splice a new version) makes its pages unreachable; they and any
 * other page leave oldest first once the operation's pages pass `maxBytes`. A page asked again
 * is one lookup: no row is built, checked or serialized, and its bytes are written as they were.
 * `build` runs synchronously, so the version read before it is the one the answer was made from.
 */
export class TrustedPages {
  private readonly ids = new WeakMap<Versioned, number>();
  private nextId = 0;
  private readonly answers = new Map<string, object>();
  private bytes = 0;

  constructor(
    private readonly schema: z.ZodType,
    private readonly maxBytes = TRUSTED_PAGES_MAX_BYTES,
  ) {}

  at<T extends object>(index: Versioned, page: string, build: () => T): T {
    let id = this.ids.get(index);
    if (id === undefined) this.ids.set(index, (id = this.nextId++));
    const key = `${id}\0${index.version}\0${page}`;
    const kept = this.answers.get(key);
    if (kept !== undefined) return kept as T;
    const answer = trustAnswer(this.schema, build());
    this.bytes += answerBytes(answer).length;
    this.answers.set(key, answer);
    for (const [old, a] of this.answers) {
      if (this.bytes <= this.maxBytes || old === key) break;
      this.answers.delete(old);
      this.bytes -= answerBytes(a).length;
    }
    return answer;
  }
}
