/**
 * One definition per operation (ARCHITECTURE.md, "One operation, end to end").
 * The API's routes, validation, permission checks and OpenAPI document, the console's
 * actions and the audit log are all derived from these definitions.
 */
import { z } from 'zod';
import type { Ctx } from './context.js';
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

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type AnyObjectSchema = z.ZodObject<z.ZodRawShape>;

export interface OperationDef<I extends AnyObjectSchema = AnyObjectSchema, O extends z.ZodType = z.ZodType> {
  /** Dotted, stable name: subsystem.object.verb, e.g. `storage.pools.create`. */
  name: string;
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
  handler: (ctx: Ctx, input: z.infer<I>) => Promise<z.infer<O>>;
}

export type AnyOperation = OperationDef<AnyObjectSchema, z.ZodType>;

/** Keeps the input and output types tied to the handler's signature. */
export function defineOperation<I extends AnyObjectSchema, O extends z.ZodType>(def: OperationDef<I, O>): OperationDef<I, O> {
  return def;
}

export function definePermissions(defs: PermissionDef[]): PermissionDef[] {
  return defs;
}

const confirmField = z
  .string()
  .max(1024) // never stored; at least as long as any target (a snapshot range "a@x%y" may pass 300)
  .optional()
  .describe("Typed confirmation for a dangerous operation: the name of the object it acts on");

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
  let next: AnyDef | null = null;
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

const callerSchemas = new WeakMap<AnyOperation, AnyObjectSchema>();

/**
 * The input schema as callers see it: strict at every level (unknown fields are a 400 naming
 * them), and dangerous operations also take `confirm`. Built once per operation.
 */
export function callerInputSchema(op: AnyOperation): AnyObjectSchema {
  let schema = callerSchemas.get(op);
  if (!schema) {
    schema = strictSchema(op.dangerous ? (op.input.extend({ confirm: confirmField }) as AnyObjectSchema) : op.input);
    callerSchemas.set(op, schema);
  }
  return schema;
}

export class Registry {
  private readonly ops = new Map<string, AnyOperation>();
  private readonly perms = new Map<string, PermissionDef>();

  addPermissions(defs: PermissionDef[]): void {
    for (const p of defs) {
      if (this.perms.has(p.name)) throw new Error(`permission ${p.name} declared twice`);
      this.perms.set(p.name, p);
    }
  }

  add<I extends AnyObjectSchema, O extends z.ZodType>(op: OperationDef<I, O>): void {
    const anyOp = op as unknown as AnyOperation;
    if (this.ops.has(op.name)) throw new Error(`operation ${op.name} declared twice`);
    if (!op.permission) throw new Error(`operation ${op.name} declares no permission`);
    if (op.permission !== PUBLIC && op.permission !== AUTHENTICATED && !this.perms.has(op.permission)) {
      throw new Error(`operation ${op.name} needs unknown permission ${op.permission}`);
    }
    if (op.http && op.mutating && op.http.method === 'GET') throw new Error(`operation ${op.name} mutates but is a GET`);
    if (op.dangerous && !op.target) throw new Error(`dangerous operation ${op.name} must say what to confirm (target)`);
    this.ops.set(op.name, anyOp);
  }

  get(name: string): AnyOperation | undefined {
    return this.ops.get(name);
  }

  all(): AnyOperation[] {
    return [...this.ops.values()];
  }

  permissions(): PermissionDef[] {
    return [...this.perms.values()];
  }

  /**
   * Permissions a built-in role holds: Admin all, Operator read+operate, ReadOnly read.
   * Some reads are admin-level on purpose: `audit.read` (the audit log says who did what, from
   * which address, with which input) is Admin's only; give it to auditors by a custom role.
   */
  permissionsAtLevels(levels: PermissionLevel[]): string[] {
    return this.permissions()
      .filter((p) => levels.includes(p.level))
      .map((p) => p.name);
  }
}

export const BUILTIN_ROLES: { name: string; description: string; levels: PermissionLevel[] }[] = [
  { name: 'Admin', description: 'Everything, including users, roles, system settings and destroying storage', levels: ['read', 'operate', 'admin'] },
  { name: 'Operator', description: 'Day-to-day operation: run jobs, scrub, take snapshots, manage shares, acknowledge alerts', levels: ['read', 'operate'] },
  { name: 'ReadOnly', description: 'Sees storage, snapshots, shares, iSCSI, jobs, alerts, metrics, users and roles; changes nothing; not the audit log, no secrets', levels: ['read'] },
];
