/**
 * The client side of a login session (auth.login, auth.refresh): the token pair, renewed before
 * the access token expires and once when a call finds it expired (one renewal at a time), and
 * forgotten when the daemon refuses the refresh token. Both clients (HTTP and in-process) keep
 * their session with it; how a pair is obtained, and what follows from it, is theirs (hooks).
 */
import type { TokenPair } from './client.js';
import { Unauthenticated } from './errors.js';

export interface TokenKeeperHooks {
  /** Exchanges a refresh token for a new pair (auth.refresh). */
  renew(refreshToken: string): Promise<TokenPair>;
  /** Before a pair is kept (login or renewal): e.g. learn its user; throwing refuses the pair. */
  accept?(pair: TokenPair): Promise<void> | void;
  /** A pair was kept. */
  kept?(pair: TokenPair): void;
  /** The pair was forgotten (logout, or the daemon refused it). */
  forgotten?(): void;
  /** The daemon refused the refresh token: the session is over (called after forgotten). */
  refused?(): void;
  /** Renew this long before the access token expires (default 60 s; half the lifetime when shorter). */
  refreshBeforeSeconds?: number;
}

const REFRESH_BEFORE_SECONDS = 60;
/** After a failed timed renewal (the daemon was away), try again this much later. */
const REFRESH_RETRY_MS = 10_000;

export class TokenKeeper {
  private pair: TokenPair | null = null;
  private refreshing: Promise<TokenPair> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly hooks: TokenKeeperHooks) {}

  get tokens(): TokenPair | null {
    return this.pair;
  }

  /** Keeps a pair from login (or a renewal) and schedules its renewal. */
  async keep(pair: TokenPair): Promise<void> {
    await this.hooks.accept?.(pair);
    this.pair = pair;
    this.clearTimer();
    const before = this.hooks.refreshBeforeSeconds ?? REFRESH_BEFORE_SECONDS;
    const lead = pair.expiresInSeconds > before ? pair.expiresInSeconds - before : pair.expiresInSeconds / 2;
    this.schedule(Math.max(0, lead) * 1000);
    this.hooks.kept?.(pair);
  }

  /** Renews the pair now; concurrent callers share one renewal. */
  refresh(): Promise<TokenPair> {
    if (!this.pair) return Promise.reject(new Unauthenticated('not logged in'));
    return (this.refreshing ??= this.renew(this.pair.refreshToken).finally(() => {
      this.refreshing = null;
    }));
  }

  /** An access token came back expired: renew the pair, unless that already happened since it was sent. */
  async renewAfterExpired(usedAccessToken: string): Promise<void> {
    if (this.pair && this.pair.accessToken !== usedAccessToken) return;
    await this.refresh();
  }

  forget(): void {
    this.pair = null;
    this.clearTimer();
    this.hooks.forgotten?.();
  }

  close(): void {
    this.closed = true;
    this.clearTimer();
  }

  private async renew(refreshToken: string): Promise<TokenPair> {
    try {
      const pair = await this.hooks.renew(refreshToken);
      // A logout or another login meanwhile wins over this answer.
      if (this.pair?.refreshToken === refreshToken) await this.keep(pair);
      return pair;
    } catch (err) {
      if (err instanceof Unauthenticated && this.pair?.refreshToken === refreshToken) {
        this.forget();
        this.hooks.refused?.();
      }
      throw err;
    }
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.refresh().catch((err: unknown) => {
        // Refused: the session is over (forgotten). Otherwise the daemon was away: later.
        if (!(err instanceof Unauthenticated) && this.pair && !this.timer) this.schedule(REFRESH_RETRY_MS);
      });
    }, ms);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
