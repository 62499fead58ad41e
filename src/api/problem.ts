import type { Context } from 'koa';
import { ValidationError, TooManyRequests, publicMessage, statusOf, type FieldError } from '../services/index.js';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
}

export function sendProblem(ctx: Context, status: number, detail: string, errors?: FieldError[]): void {
  const body: Problem = {
    type: status === 500 ? 'about:blank' : `https://calypso.invalid/problems/${(TITLES[status] ?? 'error').toLowerCase().replace(/ /g, '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    instance: ctx.path,
    requestId: ctx.state.requestId,
  };
  if (errors?.length) body.errors = errors;
  ctx.status = status;
  ctx.type = 'application/problem+json';
  ctx.body = body;
}

/** The one mapping of service errors to HTTP answers. Stack traces never leave the process. */
export function sendError(ctx: Context, err: unknown): void {
  const httpStatus = (err as { status?: number })?.status;
  if (typeof httpStatus === 'number' && httpStatus >= 400 && httpStatus < 500 && statusOf(err) === 500) {
    // Body-parser errors: malformed JSON, too large, wrong content type. Their messages can echo input; use ours.
    const detail = httpStatus === 413 ? 'request body too large (limit 1 MB)' : httpStatus === 415 ? 'send application/json' : 'malformed request body';
    sendProblem(ctx, httpStatus, detail);
    return;
  }
  const status = statusOf(err);
  if (err instanceof TooManyRequests) ctx.set('Retry-After', String(err.retryAfterSeconds));
  sendProblem(ctx, status, publicMessage(err), err instanceof ValidationError ? err.errors : undefined);
}
