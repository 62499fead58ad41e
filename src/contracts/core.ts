/**
 * Operation contracts (ARCHITECTURE.md, "One operation, end to end"): what an operation is
 * called, takes, answers and needs, without how it is done. Both faces and every client import
 * contracts; only the daemon imports the handlers (src/services), which implement them. The
 * API's routes, validation, permission checks and OpenAPI document, the console's actions and
 * forms and the audit log are all derived from these definitions.
 */
import { z } from 'zod';
import { WRAPPERS } from './input-errors.js';

/** How far a permission reaches; the built-in roles are defined by level. */
export type PermissionLevel = 'read' | 'operate' | 'admin';

export interface PermissionDef {
  name: string;
  description: string;
  level: PermissionLevel;
}

/** No login needed (only login and token refresh). */
export const PUBLIC = 'public';
/** Any logged-in user (own profile, own password, logout). */
export const AUTHENTICATED = 'authenticated';

/**
 * The one permission rule, applied by the daemon (the invoker refuses) and by the console (keys
 * and palette entries are greyed out with the reason): what a caller holding `held` (its
 * permissions, 'all' for the system, null when not logged in) may do with an operation that needs
 * `permission`.
 */
export function permissionVerdict(permission: string, held: ReadonlySet<string> | 'all' | null): 'ok' | 'login' | 'forbidden' {
  if (permission === PUBLIC) return 'ok';
  if (held === null) return 'login';
  if (permission === AUTHENTICATED || held === 'all' || held.has(permission)) return 'ok';
  return 'forbidden';
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type AnyObjectSchema = z.ZodObject<z.ZodRawShape>;

export interface Contract<I extends AnyObjectSchema = AnyObjectSchema, O extends z.ZodType = z.ZodType, N extends string = string> {
  /** Dotted, stable name: subsystem.object.verb, e.g. `storage.pools.create`. */
  name: N;
  /** One line for menus, help and the OpenAPI summary. */
  summary: string;
  description?: string;
  /** Every field carries `.describe()`; a test checks it. */
  input: I;
  output: O;
  /** A permission from the catalogue, or PUBLIC / AUTHENTICATED. Required: an operation without one is refused at registration. */
  permission: string;
  /** Changes state: audited and never a GET. */
  mutating: boolean;
  /**
   * Needs typed confirmation: the caller must send `confirm` equal to `target(input)`
   * (the object's name), or the call is refused with 400 naming what to confirm.
   */
  dangerous?: boolean;
  /** The object the call is about, for the audit log and the confirmation prompt. */
  target?: (input: z.infer<I>) => string | undefined;
  http?: { method: HttpMethod; path: string };
  /** Exists only when the appliance is of this kind (sim control). */
  onlyOnHost?: 'sim' | 'local';
}

export type AnyContract = Contract<AnyObjectSchema, z.ZodType>;
/** The caller's input; a dangerous operation also takes `confirm` (the object's name), which others refuse. */
export type InputOf<C extends AnyContract> = z.input<C['input']> & { confirm?: string };
export type OutputOf<C extends AnyContract> = z.infer<C['output']>;

/** Keeps the name literal and the input and output types tied to the contract. */
export function defineContract<const N extends string, I extends AnyObjectSchema, O extends z.ZodType>(def: Contract<I, O, N>): Contract<I, O, N> {
  return def;
}

export function definePermissions(defs: PermissionDef[]): PermissionDef[] {
  return defs;
}

const confirmField = z
  .string()
  .max(1024) // never stored; at least as long as any target (a snapshot range "a@x%y" may pass 300)
  .optional()
  .describe('Typed confirmation for a dangerous operation: the name of the object it acts on');

/**
 * The same schema with every object in it strict (an unknown field is refused with its name,
 * never silently dropped), nested objects, array items, union members and wrappers included.
 * Descriptions and refinements are kept (the clones name their original as parent).
 * An intersection keeps its objects as they are: strict halves would refuse each other's fields.
 */
export function strictSchema<T extends z.ZodType>(schema: T): T {
  return strictify(schema, new Map()) as T;
}

type AnyDef = Record<string, unknown> & { type: string };

function strictify(schema: z.ZodType, seen: Map<z.ZodType, z.ZodType>): z.ZodType {
  const done = seen.get(schema);
  if (done) return done;
  const def = schema._zod.def as unknown as AnyDef;
  const sub = (s: unknown) => strictify(s as z.ZodType, seen);
  let next: AnyDef;
  switch (def.type) {
    case 'object': {
      const shape = Object.fromEntries(Object.entries((schema as AnyObjectSchema).shape).map(([k, v]) => [k, sub(v)]));
      // An explicit catchall (a map of free keys) is the schema's own decision: kept.
      next = { ...def, shape, catchall: def.catchall ? sub(def.catchall) : z.never() };
      Object.defineProperty(next, 'shape', { value: shape, enumerable: true });
      break;
    }
    case 'array':
      next = { ...def, element: sub(def.element) };
      break;
    case 'union':
      next = { ...def, options: (def.options as z.ZodType[]).map(sub) };
      break;
    case 'record':
      next = { ...def, valueType: sub(def.valueType) };
      break;
    case 'tuple':
      next = { ...def, items: (def.items as z.ZodType[]).map(sub), rest: def.rest ? sub(def.rest) : def.rest };
      break;
    case 'pipe':
      // The caller's value meets `in`; what a transform produces is the schema's own.
      next = { ...def, in: sub(def.in) };
      break;
    default:
      // A wrapper (optional, nullable, default...): the same list the error messages unwrap.
      if (!WRAPPERS.has(def.type)) return schema;
      next = { ...def, innerType: sub(def.innerType) };
  }
  const strict = z.core.clone(schema, next as never, { parent: true } as never) as z.ZodType;
  seen.set(schema, strict);
  return strict;
}

const callerSchemas = new WeakMap<AnyObjectSchema, AnyObjectSchema>();
const dangerousCallerSchemas = new WeakMap<AnyObjectSchema, AnyObjectSchema>();

/**
 * The input schema as callers see it: strict at every level (unknown fields are a 400 naming
 * them), and dangerous operations also take `confirm`. Built once per operation.
 */
export function callerInputSchema(op: Pick<AnyContract, 'input' | 'dangerous'>): AnyObjectSchema {
  const cache = op.dangerous ? dangerousCallerSchemas : callerSchemas;
  let schema = cache.get(op.input);
  if (!schema) {
    schema = strictSchema(op.dangerous ? (op.input.extend({ confirm: confirmField }) as AnyObjectSchema) : op.input);
    cache.set(op.input, schema);
  }
  return schema;
}

export const BUILTIN_ROLES: { name: string; description: string; levels: PermissionLevel[] }[] = [
  { name: 'Admin', description: 'Everything, including users, roles, system settings and destroying storage', levels: ['read', 'operate', 'admin'] },
  { name: 'Operator', description: 'Day-to-day operation: run jobs, scrub, take snapshots, manage shares, acknowledge alerts', levels: ['read', 'operate'] },
  {
    name: 'ReadOnly',
    description: 'Sees storage, snapshots, shares, iSCSI, jobs, alerts, metrics, users and roles; changes nothing; not the audit log, no secrets',
    levels: ['read'],
  },
];

/** Contracts keyed by their name, typed: `set['schedules.list']` is that contract with its schemas. */
export type ContractSet<T extends readonly AnyContract[]> = { [C in T[number] as C['name']]: C };

/** A subsystem's contracts as one object keyed by name (names must be unique). */
export function contractSet<const T extends readonly AnyContract[]>(list: T): ContractSet<T> {
  const out: Record<string, AnyContract> = {};
  for (const c of list) {
    if (out[c.name]) throw new Error(`contract ${c.name} declared twice`);
    out[c.name] = c;
  }
  return out as ContractSet<T>;
}
