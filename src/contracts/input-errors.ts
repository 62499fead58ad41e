/**
 * Validation failures in words a person can act on: each names the field and what is expected
 * there ("disk: required: Disk, e.g. sdb or /dev/disk/by-id/wwn-0x5000..."), taken from the
 * field's own schema (its description and examples), instead of "invalid input for X".
 */
import { z } from 'zod';
import type { FieldError } from './errors.js';

type Def = Record<string, unknown> & { type: string };
const defOf = (s: z.ZodType): Def => s._zod.def as unknown as Def;

/** zod's wrapper types: each holds one schema in `innerType`. */
export const WRAPPERS: ReadonlySet<string> = new Set(['optional', 'nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional', 'exact_optional']);

/** The schema and every schema it wraps, outermost first (descriptions may sit on any of them). */
function unwrapChain(schema: z.ZodType): z.ZodType[] {
  const chain: z.ZodType[] = [];
  let s: z.ZodType | undefined = schema;
  for (let i = 0; s && i < 12; i++) {
    chain.push(s);
    const d = defOf(s);
    s = WRAPPERS.has(d.type) ? (d.innerType as z.ZodType) : d.type === 'pipe' ? (d.in as z.ZodType) : undefined;
  }
  return chain;
}

/** The schema of the field at `path` inside `root`, or undefined when the path leaves it. */
export function schemaAt(root: z.ZodType, path: PropertyKey[]): z.ZodType | undefined {
  let candidates: z.ZodType[] = [root];
  for (const key of path) {
    const next: z.ZodType[] = [];
    for (const c of candidates) {
      for (const s of unwrapChain(c)) {
        const d = defOf(s);
        if (d.type === 'object') {
          const field = (s as z.ZodObject<z.ZodRawShape>).shape[String(key)];
          if (field) next.push(field as z.ZodType);
        } else if (d.type === 'array' && typeof key === 'number') next.push(d.element as z.ZodType);
        else if (d.type === 'record') next.push(d.valueType as z.ZodType);
        else if (d.type === 'union') {
          for (const o of d.options as z.ZodType[]) {
            const found = schemaAt(o, [key]);
            if (found) next.push(found);
          }
        }
      }
    }
    if (!next.length) return undefined;
    candidates = next;
  }
  return candidates[0];
}

function metaOf(schema: z.ZodType): { description?: string; examples?: unknown } {
  for (const s of unwrapChain(schema)) {
    const meta = z.globalRegistry.get(s) as { description?: string; examples?: unknown } | undefined;
    if (meta?.description || meta?.examples) return meta;
  }
  return {};
}

/** What the field takes, in words: its description (with an example when it has one), else its type. */
export function expectation(schema: z.ZodType | undefined): string {
  if (!schema) return '';
  const meta = metaOf(schema);
  const examples = Array.isArray(meta.examples) ? meta.examples : meta.examples && typeof meta.examples === 'object' ? Object.values(meta.examples) : [];
  const example = examples.length && !(meta.description ?? '').includes('e.g.') ? `, e.g. ${JSON.stringify(examples[0])}` : '';
  if (meta.description) return `${meta.description}${example}`;
  const chain = unwrapChain(schema);
  const inner = defOf(chain[chain.length - 1]!);
  switch (inner.type) {
    case 'enum':
      return `one of ${Object.values(inner.entries as Record<string, string>).join(', ')}${example}`;
    case 'literal':
      return `${(inner.values as unknown[]).map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'boolean':
      return 'true or false';
    case 'string':
    case 'number':
    case 'array':
    case 'object':
      return `${inner.type === 'array' || inner.type === 'object' ? 'an' : 'a'} ${inner.type}${example}`;
    default:
      return example.replace(/^, /, '');
  }
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key as string];
  }
  return v;
}

const joinPath = (path: PropertyKey[]) => path.map(String).join('.');

/** zod's sentence, shortened where it says less than we can ("Invalid input: expected string, received number"). */
function sentence(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code === 'invalid_type') return `expected ${issue.expected}, got ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}`;
  return issue.message;
}

/** One entry per field: its dotted path and what is wrong with what it holds and what it takes. */
export function describeIssues(schema: z.ZodType, input: unknown, issues: readonly z.core.$ZodIssue[]): FieldError[] {
  // Unknown fields first: usually a misspelt name, the one thing to fix (and what zod lists last).
  const ordered = [...issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
  const out: FieldError[] = [];
  for (const issue of ordered) {
    if (issue.code === 'unrecognized_keys') {
      const container = schemaAt(schema, issue.path);
      const known = container
        ? unwrapChain(container)
            .map(defOf)
            .find((d) => d.type === 'object')
        : undefined;
      const accepted = known ? Object.keys(known.shape as object) : [];
      for (const key of issue.keys) {
        out.push({
          path: joinPath([...issue.path, key]),
          message: `unknown field${accepted.length ? `; ${issue.path.length ? joinPath(issue.path) : 'this operation'} takes ${accepted.join(', ')}` : ''}`,
        });
      }
      continue;
    }
    const field = schemaAt(schema, issue.path);
    const expected = expectation(field);
    const missing = issue.path.length > 0 && valueAt(input, issue.path) === undefined;
    const what = missing ? 'required' : sentence(issue, valueAt(input, issue.path));
    out.push({ path: joinPath(issue.path), message: expected && (missing || issue.code === 'invalid_type') ? `${what}: ${expected}` : what });
  }
  return out;
}

/** The problem's detail: every field and what it needs, the first few in full. */
export function summarizeFieldErrors(errors: FieldError[], max = 4): string {
  const shown = errors.slice(0, max).map((e) => `${e.path || 'input'}: ${e.message}`);
  if (errors.length > max) shown.push(`and ${errors.length - max} more (see errors[])`);
  return shown.join('; ');
}
