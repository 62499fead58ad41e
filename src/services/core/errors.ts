/**
 * Typed errors of the service layer. Each face maps them once
 * (the API to problem+json statuses, the console to a status line or dialog).
 */
import { HostCommandError, ToolOutputError, UnsafeArgumentError } from '../../system/host.js';
import { ToolRefusal } from '../../system/tool-refusal.js';

export { HostCommandError, ToolOutputError, ToolRefusal };

export interface FieldError {
  /** Dotted path of the offending field ('' for the whole input). */
  path: string;
  message: string;
}

export class ServiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends ServiceError {
  constructor(message: string, readonly errors: FieldError[] = []) {
    super(message);
  }
}
export class Unauthenticated extends ServiceError {}
export class Forbidden extends ServiceError {}
export class NotFound extends ServiceError {}
export class Conflict extends ServiceError {}
export class TooManyRequests extends ServiceError {
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

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
