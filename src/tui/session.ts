/**
 * The console's login session, kept outside React so it survives the switch to the
 * blessed charts and back. Every call runs as the actor behind the current access token.
 */
import { EventEmitter } from 'node:events';
import { Unauthenticated, type Calypso, type CallMeta, type UserActor } from '../services/index.js';

interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresInSeconds: number;
  user: { username: string; displayName?: string };
}

/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_S = 60;

export class Session extends EventEmitter {
  actor: UserActor | null = null;
  /** Why the user was sent back to the login screen (session ended elsewhere, idle lock...). */
  endedReason: string | null = null;
  private tokens: TokenPair | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;

  constructor(private readonly app: Calypso) {
    super();
  }

  async login(username: string, password: string): Promise<void> {
    const pair = await this.app.call<TokenPair>('auth.login', { username, password }, { actor: null, face: 'console' });
    await this.adopt(pair);
    this.endedReason = null;
    this.emit('change');
  }

  /** The call metadata for the logged-in user; re-checks the token so a revoked session ends here too. */
  async meta(): Promise<CallMeta> {
    if (!this.tokens) throw new Unauthenticated('log in first');
    try {
      this.actor = await this.app.auth.authenticate(this.tokens.accessToken);
    } catch (err) {
      if (err instanceof Unauthenticated && /expired/.test(err.message)) {
        await this.refresh();
        this.actor = await this.app.auth.authenticate(this.tokens!.accessToken);
      } else {
        this.end(`Your session ended: ${(err as Error).message}. Log in again.`);
        throw err;
      }
    }
    return { actor: this.actor, face: 'console' };
  }

  /**
   * Whether the session still holds, asked of the service itself (not the cached actor): after a
   * change that may have ended it, the console leaves at once. Ends the session when it does not.
   */
  async recheck(): Promise<boolean> {
    const tokens = this.tokens;
    if (!tokens) return false;
    try {
      // The service keeps a logged-in actor for half a minute; forget it so the session row is read.
      if (this.actor) this.app.auth.forgetUser(this.actor.id);
      this.actor = await this.app.auth.authenticate(tokens.accessToken);
      return true;
    } catch (err) {
      if (err instanceof Unauthenticated && /expired/.test(err.message)) return true;
      if (this.tokens === tokens) this.end(`Your session ended: ${(err as Error).message}. Log in again.`);
      return false;
    }
  }

  /** Ends the session (logout is recorded) and remembers why: the screens go at once, the service is told after. */
  async logout(reason: string | null = null): Promise<void> {
    const tokens = this.tokens;
    this.tokens = null;
    this.end(reason);
    if (tokens) {
      try {
        const actor = await this.app.auth.authenticate(tokens.accessToken);
        await this.app.call('auth.logout', {}, { actor, face: 'console' });
      } catch {
        // The session may already be gone; ending it locally is what matters.
      }
    }
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
  }

  private end(reason: string | null): void {
    this.dispose();
    this.tokens = null;
    this.actor = null;
    this.endedReason = reason;
    this.emit('change');
  }

  private async refresh(): Promise<void> {
    if (!this.tokens) return;
    const pair = await this.app.call<TokenPair>('auth.refresh', { refreshToken: this.tokens.refreshToken }, { actor: null, face: 'console' });
    await this.adopt(pair);
    this.emit('change');
  }

  private async adopt(pair: TokenPair): Promise<void> {
    this.actor = await this.app.auth.authenticate(pair.accessToken);
    this.tokens = pair;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    const delay = Math.max(5, pair.expiresInSeconds - REFRESH_MARGIN_S) * 1000;
    this.refreshTimer = setTimeout(() => {
      this.refresh().catch((err) => this.end(`Your session could not be renewed (${(err as Error).message}). Log in again.`));
    }, delay);
    this.refreshTimer.unref();
  }
}

/** Counts calls in flight, so tests (and the status line) can tell when the console is idle. */
export class Busy extends EventEmitter {
  private count = 0;

  get active(): number {
    return this.count;
  }

  async track<T>(work: Promise<T>): Promise<T> {
    this.count++;
    this.emit('change', this.count);
    try {
      return await work;
    } finally {
      this.count--;
      this.emit('change', this.count);
      if (this.count === 0) this.emit('idle');
    }
  }

  /** Resolves once no call is in flight. */
  idle(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.once('idle', () => resolve()));
  }
}
