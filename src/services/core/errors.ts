/**
 * Typed errors of the service layer. Each face maps them once
 * (the API to problem+json statuses, the console to a status line or dialog).
 */
import { HostCommandError, ToolOutputError, UnsafeArgumentError } from '../../system/host.js';
import { ToolRefusal } from '../../system/tool-refusal.js';
import { ApplianceError, Conflict, Forbidden, NotFound, ServiceError, TooManyRequests, Unauthenticated, ValidationError } from '../../contracts/errors.js';

export { HostCommandError, ToolOutputError, ToolRefusal };

export { ApplianceError, Conflict, Forbidden, NotFound, ServiceError, TooManyRequests, Unauthenticated, ValidationError } from '../../contracts/errors.js';
export type { FieldError } from '../../contracts/errors.js';

/** The single mapping from error to status code, shared by every face that needs a number. */
export function statusOf(err: unknown): number {
  if (err instanceof ValidationError || err instanceof UnsafeArgumentError) return 400;
  if (err instanceof Unauthenticated) return 401;
  if (err instanceof Forbidden) return 403;
  if (err instanceof NotFound) return 404;
  if (err instanceof Conflict) return 409;
  if (err instanceof TooManyRequests) return 429;
  // A tool's refusal for a reason of state or value is the user's answer (before HostCommandError: it is one).
  if (err instanceof ToolRefusal) return err.kind === 'missing' ? 404 : err.kind === 'invalid' ? 400 : 409;
  if (err instanceof ApplianceError) return err.status;
  if (err instanceof HostCommandError || err instanceof ToolOutputError) return 502;
  return 500;
}

/** What a user may be shown about an error; unexpected errors become "internal error". */
export function publicMessage(err: unknown): string {
  if (err instanceof ServiceError || err instanceof UnsafeArgumentError || err instanceof ToolOutputError || err instanceof ToolRefusal) return err.message;
  if (err instanceof HostCommandError) {
    const line = err.stderr.trim().split('\n').filter(Boolean).slice(-1)[0];
    return `${err.command} failed${err.code === null ? '' : ` (exit ${err.code})`}${line ? `: ${line}` : ''}`;
  }
  return 'internal error';
}
