/**
 * Failed-login throttling per username and per client address. An attempt takes its slot
 * before the (slow) password check, so parallel attempts cannot slip past the limit.
 */
export class LoginThrottle {
  private readonly attempts = new Map<string, number[]>();

  constructor(private readonly max = 5, private readonly windowMs = 15 * 60 * 1000) {}

  /** Returns seconds to wait when any key is over the limit, otherwise reserves a slot on each key. */
  reserve(keys: string[], now = Date.now()): { retryAfter: number } | { token: number } {
    let wait = 0;
    for (const key of keys) {
      const list = this.prune(key, now);
      if (list.length >= this.max) wait = Math.max(wait, Math.ceil((list[0] + this.windowMs - now) / 1000));
    }
    if (wait > 0) return { retryAfter: Math.max(1, wait) };
    for (const key of keys) this.prune(key, now).push(now);
    return { token: now };
  }

  /** A successful login gives back its slot and clears the user's earlier failures. */
  succeeded(keys: string[], token: number, userKey: string): void {
    for (const key of keys) {
      const list = this.attempts.get(key);
      if (!list) continue;
      const i = list.indexOf(token);
      if (i >= 0) list.splice(i, 1);
    }
    this.attempts.delete(userKey);
  }

  private prune(key: string, now: number): number[] {
    const list = (this.attempts.get(key) ?? []).filter((t) => t > now - this.windowMs);
    this.attempts.set(key, list);
    return list;
  }
}
