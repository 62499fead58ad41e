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
import { answerBytes } from '../services/core/trusted-rows.js';
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
  /** Mutating operations running at once on the host, all subsystems together; past this, 503 (default 32). */
  maxWrites?: number;
  /** Mutating operations running at once in one subsystem (tools that serialize: zfs, the tape changer...); past this, 503 (default 8). */
  maxWritesPerSubsystem?: number;
}

export const ADMISSION_DEFAULTS = {
  maxActive: 64,
  maxQueued: 512,
  maxBytesInFlight: 64 * 1024 * 1024,
  retryAfterSeconds: 1,
  maxWrites: 32,
  maxWritesPerSubsystem: 8,
} as const;

/**
 * The subsystem whose tools an operation's writes wait for (issue 16): zfs takes one
 * configuration lock for storage, snapshots and replication alike; the rest by their own name.
 */
const WRITE_LANES: Record<string, string> = { storage: 'zfs', snapshots: 'zfs', replication: 'zfs', tape: 'tape', vtl: 'tape' };

/** Session operations (log in, log out, renew) change no host state: never bounded as writes. */
const UNBOUNDED_WRITES = new Set(['auth']);

export function writeLaneOf(operation: string): string | null {
  const subsystem = operation.split('.')[0] ?? operation;
  if (UNBOUNDED_WRITES.has(subsystem)) return null;
  return WRITE_LANES[subsystem] ?? subsystem;
}

export interface WriteAdmissionStats {
  running: number;
  bySubsystem: Record<string, number>;
  refused: number;
}

/**
 * Write admission control (issue 16): at most `maxWrites` mutating operations run at once on the
 * host, and at most `maxWritesPerSubsystem` in one subsystem. A write past either bound is refused
 * before anything is read, checked or run (503 with Retry-After, problem+json; nothing to audit,
 * nothing half-done), instead of queueing behind the tools' lock until every client's answer is
 * seconds late. The console waits the Retry-After and sends it again (src/client/http.ts).
 */
export class WriteAdmission {
  private running = 0;
  private readonly lanes = new Map<string, number>();
  private refused = 0;
  readonly retryAfterSeconds: number;
  private readonly maxWrites: number;
  private readonly maxPerLane: number;

  constructor(opts: AdmissionOptions = {}) {
    this.maxWrites = opts.maxWrites ?? ADMISSION_DEFAULTS.maxWrites;
    this.maxPerLane = opts.maxWritesPerSubsystem ?? ADMISSION_DEFAULTS.maxWritesPerSubsystem;
    this.retryAfterSeconds = opts.retryAfterSeconds ?? ADMISSION_DEFAULTS.retryAfterSeconds;
  }

  /** A slot for this write and the function that gives it back, or why there is none. */
  enter(operation: string): { release: () => void } | { refused: string } {
    const lane = writeLaneOf(operation);
    if (lane === null) return { release: () => undefined };
    const inLane = this.lanes.get(lane) ?? 0;
    if (this.running >= this.maxWrites) {
      this.refused++;
      return { refused: `${this.running} changes are being made` };
    }
    if (inLane >= this.maxPerLane) {
      this.refused++;
      return { refused: `${inLane} ${lane} changes are being made` };
    }
    this.running++;
    this.lanes.set(lane, inLane + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.running--;
        const left = (this.lanes.get(lane) ?? 1) - 1;
        if (left > 0) this.lanes.set(lane, left);
        else this.lanes.delete(lane);
      },
    };
  }

  stats(): WriteAdmissionStats {
    return { running: this.running, bySubsystem: Object.fromEntries(this.lanes), refused: this.refused };
  }
}

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
      // Serialized here (Koa would do the same a moment later) so the bytes can be counted; a page
      // of trusted rows from their remembered JSON, a trusted answer from its bytes (services/core/trusted-rows.ts).
      body = answerBytes(body);
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
