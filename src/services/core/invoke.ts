/**
 * The one path every call takes, from any face: authorization, validation,
 * typed confirmation, the handler, output shaping and the audit row.
 */
import { z } from 'zod';
import { actorHas, type CallMeta, type Ctx, type Deps } from './context.js';
import { writeAudit, type AuditResult } from './audit.js';
import { Forbidden, NotFound, Unauthenticated, ValidationError, publicMessage, statusOf, type FieldError } from './errors.js';
import { AUTHENTICATED, PUBLIC, callerInputSchema, type AnyOperation, type Registry } from './registry.js';

const MAX_AUDITED_INPUT = 8192;

export function zodFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

/** The input as recorded in the audit log: bounded, so hostile megabyte strings don't bloat it. */
function auditedInput(input: unknown): unknown {
  try {
    const text = JSON.stringify(input ?? null);
    return text.length > MAX_AUDITED_INPUT ? { truncated: text.slice(0, MAX_AUDITED_INPUT) } : input;
  } catch {
    return { unserializable: true };
  }
}

function resultOf(err: unknown): AuditResult {
  const status = statusOf(err);
  if (status === 401 || status === 403 || status === 429) return 'denied';
  if (status === 400) return 'invalid';
  return 'error';
}

export type Invoker = (name: string, input: unknown, meta: CallMeta) => Promise<unknown>;

export function makeInvoker(registry: Registry, base: Omit<Deps, 'call'>): Invoker {
  const invoke: Invoker = async (name, rawInput, meta) => {
    const op = registry.get(name);
    if (!op || (op.onlyOnHost && op.onlyOnHost !== base.host.kind)) {
      throw new NotFound(op ? `${name} exists only on the ${op.onlyOnHost === 'sim' ? 'simulated' : 'real'} appliance` : `no operation ${name}`);
    }
    let target: string | undefined;
    let input: unknown = rawInput ?? {};
    try {
      authorize(op, meta);
      const nul = nulPath(input);
      if (nul !== null) throw new ValidationError(`invalid input for ${op.name}`, [{ path: nul, message: 'NUL characters are not accepted' }]);
      const parsed = callerInputSchema(op).safeParse(input);
      if (!parsed.success) throw new ValidationError(`invalid input for ${op.name}`, zodFieldErrors(parsed.error));
      input = parsed.data;
      target = op.target?.(parsed.data as never);
      if (op.dangerous) {
        const confirm = (parsed.data as { confirm?: string }).confirm;
        if (confirm !== target) {
          throw new ValidationError(`${op.summary} is dangerous: confirm by sending "confirm": ${JSON.stringify(target)}`, [
            { path: 'confirm', message: `type ${target} to confirm` },
          ]);
        }
      }
      const ctx: Ctx = { ...base, ...meta, call: invoke as Deps['call'] };
      const output = op.output.parse(await op.handler(ctx, parsed.data as never));
      if (op.mutating) await writeAudit(base.db, base.events, meta, { operation: op.name, target, input: auditedInput(input), result: 'ok' });
      return output;
    } catch (err) {
      if (statusOf(err) === 500) base.log.error({ err, operation: op.name }, 'unexpected error');
      if (op.mutating) {
        await writeAudit(base.db, base.events, meta, {
          operation: op.name,
          target: target ?? guessTarget(op, input),
          input: auditedInput(input),
          result: resultOf(err),
          error: publicMessage(err),
        }).catch((auditErr) => base.log.error({ err: auditErr }, 'audit write failed'));
      }
      throw err;
    }
  };
  return invoke;
}

function authorize(op: AnyOperation, meta: CallMeta): void {
  if (op.permission === PUBLIC) return;
  if (!meta.actor) throw new Unauthenticated('login required');
  if (op.permission === AUTHENTICATED) return;
  if (!actorHas(meta.actor, op.permission)) {
    const roles = meta.actor.kind === 'user' ? meta.actor.roles.join(', ') || 'no role' : 'system';
    throw new Forbidden(`${op.summary} needs the ${op.permission} permission, which your roles (${roles}) do not grant`);
  }
}

/**
 * Where the input holds a NUL character, or null. No operation takes one, PostgreSQL cannot
 * store one in text (a query with one fails as an internal error), and tools read it as an end.
 */
function nulPath(value: unknown, at: string[] = [], depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\0') ? at.join('.') : null;
  if (depth > 16 || value === null || typeof value !== 'object') return null;
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\0')) return [...at, k.replace(/\0/g, '\\0')].join('.');
    const found = nulPath(v, [...at, k], depth + 1);
    if (found !== null) return found;
  }
  return null;
}

/** Before validation succeeds the target function may not apply; record it when it can. */
function guessTarget(op: AnyOperation, input: unknown): string | undefined {
  try {
    const t = op.target?.(input as never);
    return typeof t === 'string' ? t.slice(0, 300) : undefined;
  } catch {
    return undefined;
  }
}
