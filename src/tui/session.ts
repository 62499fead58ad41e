/**
 * The console's login session, kept outside React so it survives the switch to the blessed
 * charts and back. The client holds the tokens (and renews them); the session holds who is
 * logged in, as the daemon says (auth.me), and why the user was sent back to the login screen.
 */
import { EventEmitter } from 'node:events';
import { Unauthenticated } from '../contracts/errors.js';
import type { Appliance } from './appliance.js';

/** The logged-in user as the console needs them: for the header, and to grey out what their roles do not grant. */
export interface ConsoleUser {
  kind: 'user';
  id: number;
  username: string;
  displayName?: string;
  roles: string[];
  permissions: ReadonlySet<string>;
}

export class Session extends EventEmitter {
  actor: ConsoleUser | null = null;
  /** Why the user was sent back to the login screen (session ended elsewhere, idle lock...). */
  endedReason: string | null = null;
  /** Counts ends: an answer about a session that ended while it was asked is dropped, never adopted. */
  private ends = 0;

  constructor(private readonly appliance: Appliance) {
    super();
  }

  async login(username: string, password: string): Promise<void> {
    await this.appliance.client.login(username, password);
    try {
      this.actor = await this.whoAmI();
      await this.appliance.describe();
    } catch (err) {
      await this.appliance.client.logout();
      throw err;
    }
    this.appliance.resume();
    this.endedReason = null;
    this.emit('change');
  }

  /**
   * Whether the session still holds, asked of the daemon: after a change that may have ended it
   * (own password changed, own sessions revoked, own account disabled) the console leaves at once.
   */
  async recheck(): Promise<boolean> {
    if (!this.actor) return false;
    const ends = this.ends;
    try {
      const actor = await this.whoAmI();
      // Logged out while the daemon answered: the answer must not bring the user back.
      if (ends !== this.ends) return false;
      this.actor = actor;
      return true;
    } catch (err) {
      if (err instanceof Unauthenticated) {
        if (ends === this.ends) this.ended(err);
        return false;
      }
      return true;
    }
  }

  /** Which session this is (it changes at every end): a call notes it before asking. */
  get era(): number {
    return this.ends;
  }

  /**
   * A call was refused as unauthenticated: the session is over (revoked, expired beyond renewal),
   * unless the call belonged to a session that already ended (`era`): a late refusal never ends
   * the next user's session.
   */
  ended(err: Unauthenticated, era = this.ends): void {
    if (this.actor && era === this.ends) this.end(`Your session ended: ${err.message}. Log in again.`);
  }

  /** Ends the session (logout is recorded) and remembers why: the screens go at once, the daemon is told after. */
  async logout(reason: string | null = null): Promise<void> {
    const had = this.actor !== null || this.appliance.client.loggedIn;
    this.end(reason);
    if (had) await this.appliance.client.logout();
  }

  dispose(): void {
    this.appliance.pause();
  }

  private async whoAmI(): Promise<ConsoleUser> {
    const me = await this.appliance.call('auth.me', {});
    return { kind: 'user', id: me.id, username: me.username, displayName: me.displayName, roles: me.roles, permissions: new Set(me.permissions) };
  }

  private end(reason: string | null): void {
    this.ends++;
    this.appliance.pause();
    this.actor = null;
    this.endedReason = reason;
    this.emit('change');
  }
}

/**
 * Counts calls in flight and keys not yet handled, so tests (and the status line) can tell when
 * the console is idle: every key typed so far has reached its handler and the render it caused
 * has committed, and every call those keys started has answered.
 */
export class Busy extends EventEmitter {
  private count = 0;
  private keys = 0;
  /** Keys received since the console started (tests: whether a write has reached the console yet). */
  keysReceived = 0;

  get active(): number {
    return this.count;
  }

  /** Whether nothing is in flight: no call, no key waiting. */
  get idleNow(): boolean {
    return this.count === 0 && this.keys === 0;
  }

  async track<T>(work: Promise<T>): Promise<T> {
    this.count++;
    this.emit('change', this.count);
    try {
      return await work;
    } finally {
      this.count--;
      this.emit('change', this.count);
      this.settle();
    }
  }

  /** Keys arrived (split from one terminal read) and wait for their turn (App's KeyOrder). */
  keysArrived(n: number): void {
    this.keys += n;
    this.keysReceived += n;
  }

  /** Every key that arrived has been handled and its render committed. */
  keysHandled(): void {
    this.keys = 0;
    this.settle();
  }

  /** Resolves once no call is in flight and no key waits. */
  idle(): Promise<void> {
    if (this.idleNow) return Promise.resolve();
    return new Promise((resolve) => this.once('idle', () => resolve()));
  }

  private settle(): void {
    if (this.idleNow) this.emit('idle');
  }
}
