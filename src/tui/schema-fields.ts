/**
 * Form fields from an operation's zod input schema (through its JSON Schema), and the
 * input object back from what the user typed. The service still validates everything.
 */
import { z } from 'zod';
import type { AnyOperation } from '../services/index.js';

export type FieldKind = 'text' | 'password' | 'number' | 'boolean' | 'enum' | 'list';

export interface Field {
  /** Dotted path into the input, e.g. properties.compression. */
  path: string;
  label: string;
  description: string;
  kind: FieldKind;
  options?: string[];
  required: boolean;
  /** The schema's default, shown as a hint. */
  defaultValue?: unknown;
}

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  description?: string;
  default?: unknown;
}

/** Fields typed without echo. */
const SECRET = /password|secret/i;

/** The object of a nullable object (`{...} | null`), whose fields a form can show; optional by nature. */
function nullableObject(s: JsonSchema): JsonSchema | null {
  const variants = s.anyOf ?? s.oneOf;
  if (!variants || variants.length !== 2) return null;
  const obj = variants.find((v) => v.type === 'object' && v.properties);
  return obj && variants.some((v) => v.type === 'null') ? obj : null;
}

/** Fields no form shows: paging belongs to lists, not to users. */
const HIDDEN = new Set(['limit', 'offset', 'confirm']);

function kindOf(path: string, s: JsonSchema): { kind: FieldKind; options?: string[] } | null {
  const variants = s.anyOf ?? s.oneOf;
  if (variants) {
    const notNull = variants.filter((v) => v.type !== 'null');
    if (notNull.length === 1 && variants.length === 2 && !notNull[0].anyOf && !notNull[0].oneOf) return kindOf(path, notNull[0]);
    const flat = variants.flatMap((v) => v.anyOf ?? v.oneOf ?? [v]);
    const literals = flat.filter((v) => v.const !== undefined || v.enum).flatMap((v) => (v.enum ?? [v.const]).map(String));
    if (flat.every((v) => v.const !== undefined || v.enum)) return { kind: 'enum', options: literals };
    return { kind: SECRET.test(path) ? 'password' : 'text' };
  }
  if (s.enum) return { kind: 'enum', options: s.enum.map(String) };
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'boolean':
      return { kind: 'boolean' };
    case 'integer':
    case 'number':
      return { kind: 'number' };
    case 'array':
      return s.items && ['string', 'number', 'integer'].includes(String(s.items.type)) || s.items?.enum ? { kind: 'list' } : null;
    case 'string':
      return { kind: SECRET.test(path) ? 'password' : 'text' };
    default:
      return null;
  }
}

export function fieldsOf(op: AnyOperation): Field[] {
  const json = z.toJSONSchema(op.input, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const out: Field[] = [];
  const walk = (schema: JsonSchema, prefix: string, parentRequired: boolean, fullLabels = false) => {
    for (const [name, prop] of Object.entries(schema.properties ?? {})) {
      if (!prefix && HIDDEN.has(name)) continue;
      const path = prefix ? `${prefix}.${name}` : name;
      const required = parentRequired && (schema.required ?? []).includes(name) && prop.default === undefined;
      if (prop.type === 'object' && prop.properties) {
        walk(prop, path, required);
        continue;
      }
      const inner = nullableObject(prop);
      if (inner) {
        walk(inner, path, false, true);
        continue;
      }
      const kind = kindOf(path, prop);
      if (!kind) continue;
      out.push({ path, label: fullLabels ? path : name, description: prop.description ?? '', required, defaultValue: prop.default, ...kind });
    }
  };
  walk(json, '', true);
  return out;
}

/** Turns the typed strings into the input object: empty means "not given". */
export function buildInput(fields: Field[], values: Record<string, string>, fixed: Record<string, unknown> = {}): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const set = (path: string, value: unknown) => {
    const parts = path.split('.');
    let node = input;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]] = value;
  };
  for (const f of fields) {
    const raw = (values[f.path] ?? '').trim();
    if (raw === '') continue;
    switch (f.kind) {
      case 'number':
        set(f.path, /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw);
        break;
      case 'boolean':
        set(f.path, raw === 'true' || raw === 'yes');
        break;
      case 'list':
        set(f.path, raw.split(/[,\s]+/).filter(Boolean));
        break;
      case 'password':
        set(f.path, values[f.path]);
        break;
      default:
        set(f.path, raw);
    }
  }
  for (const [k, v] of Object.entries(fixed)) set(k, v);
  return input;
}

/** A value as the form shows it. */
export function toFieldText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}
