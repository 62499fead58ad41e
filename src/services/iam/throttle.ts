/**
 * Failed-attempt throttling for logins and password changes.
 *
 * Keys are counted in a sliding window. Two kinds of use:
 * - refusing keys (a user from one address, one address whatever the user, a user's password
 *   changes): over `max` failures in the window, an attempt is refused with the seconds to wait.
 *   An attempt takes its slot before the (slow) password check, so parallel attempts cannot
 *   slip past the limit; a success gives the slot back.
 * - delaying keys (a user from anywhere, the local console): never refuse, but after a few
 *   failures each attempt waits before its check, doubling up to a cap of a few seconds. An
 *   attacker elsewhere can slow the owner down by that much, never lock them out.
 *
 * The clock (time and sleeping) is injectable: tests advance time and record delays instead
 * of waiting.
 */
import net from 'node:net';

/**
 * The address as the throttle counts it: an IPv6 client is counted by its /64 (one host or
 * site holds a whole /64 and could rotate through it), an IPv4-mapped one as IPv4.
 */
export function throttleAddress(address: string): string {
  const a = address.split('%')[0].toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return mapped[1];
  if (!net.isIPv6(a)) return a;
  const width = (parts: string[]) => parts.reduce((n, p) => n + (p.includes('.') ? 2 : 1), 0);
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(tail === undefined ? 0 : Math.max(0, 8 - width(h) - width(t))).fill('0'), ...t];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
export interface ThrottleClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: ThrottleClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface ThrottleOptions {
  /** Failures in the window after which a refusing key refuses (5). */
  max?: number;
  /** The window (15 minutes). */
  windowMs?: number;
  /** Failures on a delaying key before attempts wait (3). */
  freeFailures?: number;
  /** First delay (500 ms), doubled for each further failure... */
  delayBaseMs?: number;
  /** ...up to this (4 s). */
  delayMaxMs?: number;
  /** Keys remembered at most; expired keys are swept, the oldest dropped beyond this (50,000). */
  maxKeys?: number;
  clock?: ThrottleClock;
}

export type Reservation = { retryAfter: number } | { token: number; delayMs: number };

export class LoginThrottle {
  readonly max: number;
  readonly windowMs: number;
  readonly freeFailures: number;
  readonly delayBaseMs: number;
  readonly delayMaxMs: number;
  private readonly maxKeys: number;
  /** Replaceable (tests). */
  clock: ThrottleClock;
  private readonly attempts = new Map<string, number[]>();
  private nextToken = 1;
  private ops = 0;
  /** Token -> the time its slots were taken (tokens are unique even within one millisecond). */
  private readonly tokens = new Map<number, number>();

  constructor(opts: ThrottleOptions = {}) {
    this.max = opts.max ?? 5;
    this.windowMs = opts.windowMs ?? 15 * 60 * 1000;
    this.freeFailures = opts.freeFailures ?? 3;
    this.delayBaseMs = opts.delayBaseMs ?? 500;
    this.delayMaxMs = opts.delayMaxMs ?? 4000;
    this.maxKeys = opts.maxKeys ?? 50_000;
    this.clock = opts.clock ?? realClock;
  }

  /**
   * Refused (seconds to wait) when a refusing key is over the limit; otherwise a slot is taken on
   * every key, and the delay to apply before the check (from the delaying keys) is returned.
   */
  reserve(refusing: string[], delaying: string[] = []): Reservation {
    const now = this.clock.now();
    this.housekeeping(now, refusing.length + delaying.length);
    let wait = 0;
    for (const key of refusing) {
      const list = this.prune(key, now);
      if (list.length >= this.max) wait = Math.max(wait, Math.ceil((list[0] + this.windowMs - now) / 1000));
    }
    if (wait > 0) return { retryAfter: Math.max(1, wait) };
    const delayMs = Math.max(0, ...delaying.map((key) => this.delayAfter(this.prune(key, now).length)));
    const token = this.nextToken++;
    this.tokens.set(token, now);
    for (const key of [...refusing, ...delaying]) this.prune(key, now).push(now);
    return { token, delayMs };
  }

  /** Waits the delay a reservation asked for (through the clock). */
  async delay(ms: number): Promise<void> {
    if (ms > 0) await this.clock.sleep(ms);
  }

  /** The attempt failed: its slots stay counted. */
  failed(token: number): void {
    this.tokens.delete(token);
  }

  /**
   * The attempt succeeded: its slots are given back, and the keys in `clear` (the user's own
   * failures from this address, or from anywhere) are forgotten.
   */
  succeeded(keys: string[], token: number, clear: string[] = []): void {
    const at = this.tokens.get(token);
    this.tokens.delete(token);
    if (at !== undefined) {
      for (const key of keys) {
        const list = this.attempts.get(key);
        const i = list?.indexOf(at) ?? -1;
        if (list && i >= 0) list.splice(i, 1);
      }
    }
    for (const key of clear) this.attempts.delete(key);
  }

  /** Failures counted on a key now (tests, diagnostics). */
  count(key: string): number {
    return this.prune(key, this.clock.now()).length;
  }

  private delayAfter(failures: number): number {
    if (failures < this.freeFailures) return 0;
    return Math.min(this.delayMaxMs, this.delayBaseMs * 2 ** Math.min(30, failures - this.freeFailures));
  }

  private prune(key: string, now: number): number[] {
    const all = this.attempts.get(key);
    if (all && (all.length === 0 || all[0] > now - this.windowMs)) return all;
    const list = all ? all.filter((t) => t > now - this.windowMs) : [];
    this.attempts.set(key, list);
    return list;
  }

  /** Bounded memory whatever the number of names and addresses tried. */
  private housekeeping(now: number, incoming: number): void {
    if (++this.ops % 256 !== 0 && this.attempts.size + incoming <= this.maxKeys) return;
    for (const [key, list] of this.attempts) {
      if (!list.some((t) => t > now - this.windowMs)) this.attempts.delete(key);
    }
    for (const key of this.attempts.keys()) {
      if (this.attempts.size + incoming <= this.maxKeys) break;
      this.attempts.delete(key);
    }
    for (const [token, at] of this.tokens) if (at <= now - this.windowMs) this.tokens.delete(token);
  }
}
