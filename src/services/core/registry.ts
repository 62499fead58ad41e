/**
 * The daemon's registry of operations: each one a contract (src/contracts) and the handler that
 * implements it. The API and the in-process client call operations through it.
 */
import type { z } from 'zod';
import { AUTHENTICATED, PUBLIC, type AnyObjectSchema, type Contract, type PermissionDef, type PermissionLevel } from '../../contracts/core.js';
import type { Ctx } from './context.js';

export { AUTHENTICATED, BUILTIN_ROLES, PUBLIC, callerInputSchema, defineContract, definePermissions, strictSchema } from '../../contracts/core.js';
export type { AnyContract, AnyObjectSchema, Contract, HttpMethod, PermissionDef, PermissionLevel } from '../../contracts/core.js';

export interface OperationDef<I extends AnyObjectSchema = AnyObjectSchema, O extends z.ZodType = z.ZodType> extends Contract<I, O> {
  handler: (ctx: Ctx, input: z.infer<I>) => Promise<z.infer<O>>;
}

export type AnyOperation = OperationDef<AnyObjectSchema, z.ZodType>;

/** The operation of a contract: the contract's own fields and the handler that does the work. */
export function implement<I extends AnyObjectSchema, O extends z.ZodType, N extends string>(
  contract: Contract<I, O, N>,
  handler: (ctx: Ctx, input: z.infer<I>) => Promise<z.infer<O>>,
): OperationDef<I, O> {
  return { ...contract, handler };
}

/** Contract and handler written in one place: for tests that register a made-up operation (the appliance's own are contracts + implement). */
export function defineOperation<I extends AnyObjectSchema, O extends z.ZodType>(def: OperationDef<I, O>): OperationDef<I, O> {
  return def;
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
