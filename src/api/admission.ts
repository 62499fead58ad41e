/**
 * Admission control for the REST face (issue 19, "large pages"): at 400-800 connections asking
 * for large pages the daemon held gigabytes of answers being written and /healthz waited 27 s
 * behind them. Three bounds, each answered with 503 and Retry-After past it:
 *
 * - requests handled at once (`maxActive`): the rest wait their turn in a bounded FIFO queue
 *   (`maxQueued`) without being parsed, so the event loop only ever works on a few of them;
 * - response bytes in flight (`maxBytesInFlight`): answers serialized and not yet handed to the
 *   network (a client that reads slowly keeps its bytes counted until the write finishes);
 *   while the budget is spent, new requests are refused before any work is done.
 *
 * Liveness and readiness probes and the event stream never count and never wait: they are let
 * through before anything else, so /healthz answers while the API is saturated.
 */
import type { Context, Middleware, Next } from 'koa';
import type { Logger } from 'pino';
import { sendProblem } from './problem.js';

export interface AdmissionOptions {
  /** Requests handled at once, probes and event streams not counted (default 64). */
  maxActive?: number;
  /** Requests waiting for one of those slots; past this, 503 (default 512). */
  maxQueued?: number;
  /** Bytes of answers serialized but not yet written to the network; past this, 503 (default 64 MiB). */
  maxBytesInFlight?: number;
  /** Seconds a refused client is told to wait (default 1). */
  retryAfterSeconds?: number;
  /** Paths that are never counted nor queued (default /healthz, /readyz and the event stream). */
  exempt?: (path: string) => boolean;
}

export const ADMISSION_DEFAULTS = { maxActive: 64, maxQueued: 512, maxBytesInFlight: 64 * 1024 * 1024, retryAfterSeconds: 1 } as const;

const EXEMPT = new Set(['/healthz', '/readyz', '/api/v1/events']);

export interface AdmissionStats {
  active: number;
  queued: number;
  bytesInFlight: number;
  refused: number;
}

export type AdmissionMiddleware = Middleware & { stats(): AdmissionStats };

function isPlainJson(body: unknown): boolean {
  if (body === null || body === undefined || typeof body !== 'object') return false;
  if (Buffer.isBuffer(body) || body instanceof Uint8Array) return false;
  return typeof (body as { pipe?: unknown }).pipe !== 'function';
}

/** The middleware; mounted after the request-id/error middleware and before the body parser. */
export function admission(opts: { log: Logger; admission?: AdmissionOptions }): AdmissionMiddleware {
  const cfg = { ...ADMISSION_DEFAULTS, ...opts.admission };
  const exempt = opts.admission?.exempt ?? ((path: string) => EXEMPT.has(path));
  let active = 0;
  let bytesInFlight = 0;
  let refused = 0;
  const queue: (() => void)[] = [];

  const release = () => {
    const next = queue.shift();
    if (next)
      next(); // the slot passes straight to the next in line
    else active--;
  };

  const refuse = (ctx: Context, why: string) => {
    refused++;
    ctx.set('Retry-After', String(cfg.retryAfterSeconds));
    sendProblem(ctx, 503, `the appliance is busy (${why}); retry in ${cfg.retryAfterSeconds} s`);
    opts.log.debug({ path: ctx.path, why, active, queued: queue.length, bytesInFlight }, 'request refused by admission control');
  };

  const count = (ctx: Context) => {
    let body: unknown = ctx.body;
    if (isPlainJson(body)) {
      // Serialized here (Koa would do the same a moment later) so the bytes can be counted.
      body = Buffer.from(JSON.stringify(body));
      ctx.body = body;
    }
    const size = typeof body === 'string' ? Buffer.byteLength(body) : Buffer.isBuffer(body) ? body.length : 0;
    if (size === 0) return;
    bytesInFlight += size;
    let done = false;
    const finished = () => {
      if (done) return;
      done = true;
      bytesInFlight -= size;
    };
    ctx.res.once('finish', finished);
    ctx.res.once('close', finished);
  };

  const middleware = (async (ctx: Context, next: Next) => {
    if (exempt(ctx.path)) return next();
    if (bytesInFlight >= cfg.maxBytesInFlight) return refuse(ctx, 'too many answers being sent');
    if (active >= cfg.maxActive) {
      if (queue.length >= cfg.maxQueued) return refuse(ctx, 'too many requests at once');
      await new Promise<void>((resolve) => queue.push(resolve));
    } else {
      active++;
    }
    try {
      // A client that gave up while queued gets no work done for it.
      if (ctx.req.destroyed) return undefined;
      await next();
      count(ctx);
    } finally {
      release();
    }
    return undefined;
  }) as AdmissionMiddleware;
  middleware.stats = () => ({ active, queued: queue.length, bytesInFlight, refused });
  return middleware;
}
