/**
 * The one path every call takes, from any face: authorization, validation,
 * typed confirmation, the handler, output shaping and the audit row.
 */
import type { CallMeta, Ctx, Deps } from './context.js';
import { AnonymousAudit, beginAudit, writeAudit, type AnonymousAuditOptions, type AuditEntry, type AuditResult, type OpenAudit } from './audit.js';
import { ApplianceError, Forbidden, NotFound, Unauthenticated, ValidationError, publicMessage, statusOf } from './errors.js';
import { permissionVerdict } from '../../contracts/core.js';
import { callerInputSchema, type AnyOperation, type Registry } from './registry.js';
import { describeIssues, summarizeFieldErrors } from '../../contracts/input-errors.js';
import { shapeAnswer } from './trusted-rows.js';

function resultOf(err: unknown): Exclude<AuditResult, 'attempted' | 'ok'> {
  const status = statusOf(err);
  if (status === 401 || status === 403 || status === 429) return 'denied';
  if (status === 400) return 'invalid';
  return 'error';
}

export type Invoker = ((name: string, input: unknown, meta: CallMeta) => Promise<unknown>) & {
  /** The rate limiter of anonymous failures' audit rows (tests, shutdown flush). */
  anonymousAudit: AnonymousAudit;
  /** Writes the pending anonymous summaries and stops their sweep (shutdown). */
  stop(): Promise<void>;
};

export interface InvokerOptions {
  anonymousAudit?: AnonymousAuditOptions;
  /** Checked after authorization, before validation: refuses an operation this appliance may not run now (a feature's license). */
  gate?: (operation: string) => Promise<void>;
  /**
   * Also parse answers made of trusted rows with the whole output schema (trusted-rows.ts).
   * Default: in test runs (NODE_ENV=test or CALYPSO_TEST=1) only.
   */
  validateTrustedRows?: boolean;
}

/** Through a local: the one-file build replaces `process.env.NODE_ENV` reads with a constant. */
function isTestRun(): boolean {
  const env = process.env;
  return env.NODE_ENV === 'test' || env.CALYPSO_TEST === '1';
}

/**
 * Audit of a mutating call, whichever way it ends:
 * - refused before the handler (not logged in, no permission, invalid, unconfirmed): one row
 *   with the outcome; without a caller, a compact and rate-limited one (AnonymousAudit);
 * - reaching the handler with a caller: an 'attempted' row before it runs, completed to the
 *   outcome after (one insert and one update), so a process killed between a change and its
 *   answer leaves the change with its row;
 * - reaching the handler without a caller (login, token refresh; their only change is a
 *   session row): the outcome row only, so anonymous callers cannot write rows at will.
 */
export function makeInvoker(registry: Registry, base: Omit<Deps, 'call'>, opts: InvokerOptions = {}): Invoker {
  const anonymousAudit = new AnonymousAudit(base.db, base.events, opts.anonymousAudit);
  const validateAll = opts.validateTrustedRows ?? isTestRun();
  const sweep = setInterval(() => {
    anonymousAudit.sweep().catch((err: unknown) => base.log.error({ err }, 'audit write failed'));
  }, anonymousAudit.windowMs);
  sweep.unref();

  const invoke = (async (name: string, rawInput: unknown, meta: CallMeta) => {
    const op = registry.get(name);
    if (!op || (op.onlyOnHost && op.onlyOnHost !== base.host.kind)) {
      throw new NotFound(op ? `${name} exists only on the ${op.onlyOnHost === 'sim' ? 'simulated' : 'real'} appliance` : `no operation ${name}`);
    }
    let target: string | undefined;
    let input: unknown = rawInput ?? {};
    let open: OpenAudit | null = null;
    try {
      authorize(op, meta);
      await opts.gate?.(op.name);
      if (meta.inputProblems?.length) {
        throw new ValidationError(meta.inputProblems.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; '), meta.inputProblems);
      }
      const nul = nulPath(input);
      if (nul !== null)
        throw new ValidationError(`${nul || 'input'}: NUL characters are not accepted`, [{ path: nul, message: 'NUL characters are not accepted' }]);
      const schema = callerInputSchema(op);
      const parsed = schema.safeParse(input);
      if (!parsed.success) {
        const errors = describeIssues(schema, input, parsed.error.issues);
        throw new ValidationError(summarizeFieldErrors(errors), errors);
      }
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
      const busy = op.mutating ? (meta.admit?.() ?? null) : null;
      if (busy !== null) throw new ApplianceError(busy, 503);
      // No row, no change: if the 'attempted' row cannot be written, the handler does not run.
      if (op.mutating && meta.actor) open = await beginAudit(base.db, base.events, meta, { operation: op.name, target, input });
      // Object.assign, not one literal spreading two objects: V8 (Node 20) builds such a literal
      // about 30 times slower (7 us against 0.2 us, measured in bench/README.md perf5), on every call.
      const ctx: Ctx = Object.assign({}, base, meta, {
        call: invoke as Deps['call'],
        setAuditTarget: (t: string) => {
          target = t;
        },
      });
      const output = shapeAnswer(op.output, await op.handler(ctx, parsed.data as never), validateAll);
      if (open) {
        // The change is done and its row exists ('attempted'): a failed completion is logged, not answered as a failure.
        await open
          .finish({ result: 'ok', target })
          .catch((auditErr: unknown) => base.log.error({ err: auditErr, operation: op.name }, 'audit completion failed'));
      } else if (op.mutating) {
        await writeAudit(base.db, base.events, meta, { operation: op.name, target, input, result: 'ok' });
      }
      return output;
    } catch (err) {
      if (statusOf(err) === 500) base.log.error({ err, operation: op.name }, 'unexpected error');
      if (op.mutating) {
        const result = resultOf(err);
        const entry: AuditEntry = { operation: op.name, target: target ?? guessTarget(op, input), input, result, error: publicMessage(err) };
        const written = open
          ? open.finish({ result, error: entry.error })
          : meta.actor
            ? writeAudit(base.db, base.events, meta, entry)
            : anonymousAudit.record(meta, entry);
        await written.catch((auditErr: unknown) => base.log.error({ err: auditErr, operation: op.name }, 'audit write failed'));
      }
      throw err;
    }
  }) as Invoker;
  invoke.anonymousAudit = anonymousAudit;
  invoke.stop = async () => {
    clearInterval(sweep);
    await anonymousAudit.flush();
  };
  return invoke;
}

function authorize(op: AnyOperation, meta: CallMeta): void {
  const actor = meta.actor;
  const verdict = permissionVerdict(op.permission, actor === null ? null : actor.kind === 'system' ? 'all' : actor.permissions);
  if (verdict === 'login') throw new Unauthenticated('login required');
  if (verdict === 'forbidden') {
    const roles = actor?.kind === 'user' ? actor.roles.join(', ') || 'no role' : 'system';
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
