/**
 * Form fields from an operation's zod input schema (through its JSON Schema), and the
 * input object back from what the user typed. The service still validates everything.
 */
import { z } from 'zod';
import type { AnyContract } from '../contracts/core.js';

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
  /** Set on the second entry of a new password: the path it must equal; never sent. */
  repeats?: string;
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
  /** A field's name for people, from `.meta({ label })`. */
  label?: string;
  title?: string;
}

/** Words the administrator reads in capitals (or as a unit), whatever the field's casing. */
const WORDS: Record<string, string> = {
  ok: 'OK',
  id: 'ID',
  ids: 'IDs',
  ip: 'IP',
  ips: 'IPs',
  iqn: 'IQN',
  lun: 'LUN',
  luns: 'LUNs',
  smb: 'SMB',
  nfs: 'NFS',
  url: 'URL',
  urls: 'URLs',
  tls: 'TLS',
  ssl: 'SSL',
  cidr: 'CIDR',
  ntp: 'NTP',
  snmp: 'SNMP',
  dns: 'DNS',
  mtu: 'MTU',
  ttl: 'TTL',
  smtp: 'SMTP',
  api: 'API',
  zfs: 'ZFS',
  arc: 'ARC',
  cpu: 'CPU',
  acl: 'ACL',
  acls: 'ACLs',
  uid: 'UID',
  gid: 'GID',
  chap: 'CHAP',
  vtl: 'VTL',
  s3: 'S3',
  smart: 'SMART',
  vdev: 'vdev',
  zvol: 'zvol',
};
/** Unit suffixes of field names, said after the words. */
const UNITS: Record<string, string> = {
  ms: '(ms)',
  bytes: '(bytes)',
  seconds: '(seconds)',
  secs: '(seconds)',
  minutes: '(minutes)',
  hours: '(hours)',
  days: '(days)',
  percent: '(%)',
  pct: '(%)',
};
/** A description short enough to be the label itself (e.g. "SMTP login", "Implicit TLS"). */
const SHORT_DESCRIPTION = 22;

/**
 * The one rule for a field's label: its `label` (or `title`) metadata; else its description when
 * that is a short phrase; else its name in words ("guestOk" -> "Guest OK", "timeoutMs" -> "Timeout (ms)").
 */
export function fieldLabel(name: string, schema: { label?: string; title?: string; description?: string } = {}): string {
  const meta = schema.label ?? schema.title;
  if (meta && meta.trim()) return meta.trim();
  const d = schema.description?.trim();
  if (d && d.length <= SHORT_DESCRIPTION && !/[.:;,(]/.test(d)) return d;
  return nameToWords(name);
}

/** "Timeout" -> "timeout" inside a sentence; an acronym ("CHAP user name") keeps its capitals. */
function lowerFirst(text: string): string {
  return /^[A-Z][A-Z0-9]/.test(text) ? text : `${text.charAt(0).toLowerCase()}${text.slice(1)}`;
}

/** "guestOk" -> "Guest OK", "retention_days" -> "Retention (days)", "s3Endpoint" -> "S3 endpoint". */
export function nameToWords(name: string): string {
  const parts = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_\-.]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
  if (!parts.length) return name;
  const unit = parts.length > 1 && UNITS[parts[parts.length - 1]] ? UNITS[parts.pop()!] : null;
  const words = parts.map((w, i) => WORDS[w] ?? (i === 0 ? w[0].toUpperCase() + w.slice(1) : w));
  return unit ? `${words.join(' ')} ${unit}` : words.join(' ');
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
      return (s.items && ['string', 'number', 'integer'].includes(String(s.items.type))) || s.items?.enum ? { kind: 'list' } : null;
    case 'string':
      return { kind: SECRET.test(path) ? 'password' : 'text' };
    default:
      return null;
  }
}

export function fieldsOf(op: AnyContract): Field[] {
  const json = z.toJSONSchema(op.input, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const out: Field[] = [];
  const walk = (schema: JsonSchema, prefix: string, parentRequired: boolean, fullLabels = false, parentLabel = '') => {
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
        walk(inner, path, false, true, fieldLabel(name, { label: prop.label ?? inner.label, title: prop.title ?? inner.title }));
        continue;
      }
      const kind = kindOf(path, prop);
      if (!kind) continue;
      const own = fieldLabel(name, prop);
      out.push({
        path,
        label: fullLabels && parentLabel ? `${parentLabel}: ${lowerFirst(own)}` : own,
        description: prop.description ?? '',
        required,
        defaultValue: prop.default,
        ...kind,
      });
    }
  };
  walk(json, '', true);
  return out;
}

/** A password the user sets (not the one they prove they know) is typed twice. */
const CURRENT_SECRET = /current|old|existing/i;

/**
 * Adds, after each new password of a mutating operation, a second entry that must match it.
 * The second entry is the form's, not the operation's: it is never sent.
 */
export function addRepeatFields(fields: Field[], op: Pick<AnyContract, 'mutating'>): Field[] {
  if (!op.mutating) return fields;
  return fields.flatMap((f) =>
    f.kind === 'password' && !CURRENT_SECRET.test(f.path.split('.').pop() ?? '')
      ? [
          f,
          {
            path: `${f.path}#repeat`,
            label: `Repeat ${lowerFirst(f.label)}`,
            description: `The same as ${f.label.toLowerCase()}, to catch a typing mistake`,
            kind: 'password' as const,
            required: f.required,
            repeats: f.path,
          },
        ]
      : [f],
  );
}

/**
 * What the form refuses before anything is sent: an empty required field ("required") and a
 * repeated password that differs. Keys are field paths; empty when the form may be sent.
 */
export function checkFields(fields: Field[], values: Record<string, string>): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const v = values[f.path] ?? '';
    if (f.repeats !== undefined) {
      if (v !== (values[f.repeats] ?? '')) errors[f.path] = 'does not match: type the same password twice';
    } else if (f.required && v.trim() === '') {
      errors[f.path] = 'required';
    }
  }
  return errors;
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
    if (f.repeats !== undefined) continue;
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
