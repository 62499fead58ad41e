/**
 * The in-process CalypsoClient: the same interface as the HTTP client (src/client/http.ts) over
 * `app.call` and `app.events`, for tests and the daemon's own uses. It behaves as the API does:
 * the caller is the user behind the access token (an expired one is renewed once and the call
 * repeated), errors are the contract's classes with the messages the API would send (a tool's
 * failure becomes ApplianceError, an unexpected one "internal error"), answers and event data
 * are plain JSON, and events reach a subscriber under the stream's rule (the types it asked
 * for and `mayReceive`) with the bus's ids. Nothing is ever missed, so onReset never comes.
 */
import type { CalypsoClient, LinkState, StreamEvent, StreamEventType, SubscribeOptions, TokenPair } from '../contracts/client.js';
import { PUBLIC, type AnyContract, type InputOf, type OutputOf } from '../contracts/core.js';
import { ApplianceError, ServiceError, Unauthenticated, ValidationError, errorForStatus } from '../contracts/errors.js';
import type { Face, UserActor } from './core/context.js';
import { publicMessage, statusOf } from './core/errors.js';
import type { EventType } from './core/events.js';
import type { Calypso } from './index.js';
import { mayReceive } from './monitoring/service.js';
import { TokenKeeper } from '../contracts/token-keeper.js';

export interface InProcessClientOptions {
  /** Renew the token pair this long before the access token expires (default 60 s). */
  refreshBeforeSeconds?: number;
  /** How often a subscriber's session is checked again, as the API's stream does at each heartbeat (default 15 s). */
  recheckMs?: number;
}

const RECHECK_MS = 15_000;
const STREAM_TYPES: Record<StreamEventType, true> = { job: true, alert: true, metric: true, audit: true, storage: true };

export function inProcessClient(app: Calypso, face: Face, opts: InProcessClientOptions = {}): InProcessClient {
  return new InProcessClient(app, face, opts);
}

export class InProcessClient implements CalypsoClient {
  /** The user behind the access token, for the events' visibility; null while the session is refused. */
  private actor: UserActor | null = null;
  private readonly keeper: TokenKeeper;
  private recheckTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly stateListeners = new Set<(state: LinkState) => void>();
  private readonly unsubscribes = new Set<() => void>();

  constructor(
    private readonly app: Calypso,
    private readonly face: Face,
    private readonly opts: InProcessClientOptions = {},
  ) {
    this.keeper = new TokenKeeper({
      renew: (refreshToken) => this.invoke<TokenPair>('auth.refresh', { refreshToken }, null),
      // The pair's user, as the API's stream knows it from the token.
      accept: async (pair) => {
        this.actor = await this.app.auth.authenticate(pair.accessToken).catch((err: unknown) => {
          throw asContractError(err);
        });
      },
      forgotten: () => {
        this.actor = null;
      },
      refreshBeforeSeconds: opts.refreshBeforeSeconds,
    });
  }

  private get tokens(): TokenPair | null {
    return this.keeper.tokens;
  }

  get loggedIn(): boolean {
    return this.tokens !== null;
  }

  get state(): LinkState {
    return this.closed ? 'closed' : 'connected';
  }

  onState(listener: (state: LinkState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  async login(username: string, password: string): Promise<TokenPair> {
    const pair = await this.invoke<TokenPair>('auth.login', { username, password }, null);
    await this.keeper.keep(pair);
    return pair;
  }

  refresh(): Promise<TokenPair> {
    return this.keeper.refresh();
  }

  async logout(): Promise<void> {
    if (this.tokens && !this.closed) await this.authed('auth.logout', {}, false).catch(() => undefined);
    this.keeper.forget();
  }

  call<C extends AnyContract>(contract: C, input: InputOf<C>): Promise<OutputOf<C>> {
    return this.authed<OutputOf<C>>(contract.name, input, contract.permission === PUBLIC);
  }

  subscribe(types: StreamEventType[] | undefined, opts: SubscribeOptions): () => void {
    const unknown = (types ?? []).filter((t) => !Object.hasOwn(STREAM_TYPES, t));
    if (unknown.length)
      throw new ValidationError(`unknown event types ${unknown.join(', ')}`, [{ path: 'types', message: `some of ${Object.keys(STREAM_TYPES).join(', ')}` }]);
    const wanted: ReadonlySet<EventType> | null = types ? new Set(types) : null;
    const stop = this.app.events.subscribe((event, id) => {
      const actor = this.actor;
      if (this.closed || !actor || (wanted && !wanted.has(event.type)) || !mayReceive(actor, event)) return;
      const { type, ...payload } = event;
      const delivered: StreamEvent = { type, id, data: wire(payload) as Record<string, unknown> };
      guard(() => opts.onEvent(delivered));
    });
    const unsubscribe = () => {
      if (!this.unsubscribes.delete(unsubscribe)) return;
      stop();
      if (this.unsubscribes.size === 0) this.stopRecheck();
    };
    this.unsubscribes.add(unsubscribe);
    this.startRecheck();
    return unsubscribe;
  }

  /** As HttpClient.ready(): the bus delivers from the moment of subscribe, so at once. */
  ready(): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const unsubscribe of [...this.unsubscribes]) unsubscribe();
    this.stopRecheck();
    this.keeper.close();
    for (const listener of [...this.stateListeners]) listener('closed');
  }

  // ---- calls ----

  /** A call as the token's user; an expired token is renewed once and the call repeated (nothing ran). */
  private async authed<T>(name: string, input: unknown, isPublic: boolean): Promise<T> {
    for (let renewed = false; ; renewed = true) {
      const token = this.tokens?.accessToken;
      try {
        return await this.invoke<T>(name, input, token ? await this.actorOf(token, isPublic) : null);
      } catch (err) {
        if (!renewed && token && err instanceof Unauthenticated && /expired/i.test(err.message)) {
          await this.keeper.renewAfterExpired(token);
          continue;
        }
        throw err;
      }
    }
  }

  /** As the API: a token that is not valid fails the call, except for public operations, which run anonymously. */
  private async actorOf(token: string, isPublic: boolean): Promise<UserActor | null> {
    try {
      return await this.app.auth.authenticate(token);
    } catch (err) {
      if (isPublic && err instanceof Unauthenticated) return null;
      throw asContractError(err);
    }
  }

  private async invoke<T>(name: string, input: unknown, actor: UserActor | null): Promise<T> {
    if (this.closed) throw new ApplianceError('the client was closed', 503);
    try {
      return wire(await this.app.call(name, input, { actor, face: this.face })) as T;
    } catch (err) {
      throw asContractError(err);
    }
  }

  // ---- the stream's session check ----

  /**
   * As the API's stream at each heartbeat: the session is checked again (permissions changed,
   * logged out elsewhere, user disabled); an expired token is renewed; a refused session gets
   * no more events.
   */
  private startRecheck(): void {
    if (this.recheckTimer || this.closed) return;
    this.recheckTimer = setInterval(() => {
      const token = this.tokens?.accessToken;
      if (!token) return;
      this.app.auth.authenticate(token).then(
        (actor) => {
          if (this.tokens?.accessToken === token) this.actor = actor;
        },
        (err: unknown) => {
          if (this.tokens?.accessToken !== token) return;
          // The API's stream ends and the client renews: an expired token keeps its events meanwhile
          // (the stream would replay them); an ended session gets none, and its refresh fails.
          if (!(err instanceof Unauthenticated && /expired/i.test(err.message))) this.actor = null;
          this.refresh().catch(() => undefined);
        },
      );
    }, this.opts.recheckMs ?? RECHECK_MS);
    this.recheckTimer.unref();
  }

  private stopRecheck(): void {
    if (this.recheckTimer) clearInterval(this.recheckTimer);
    this.recheckTimer = null;
  }
}

/** What the API's JSON answer would hold: no undefined fields, no shared objects (adapters cache their listings). */
function wire(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/** The error a client of the API would get for `err` (src/api/problem.ts maps it by statusOf and publicMessage). */
function asContractError(err: unknown): ServiceError {
  if (err instanceof ServiceError) return err;
  return errorForStatus(statusOf(err), publicMessage(err));
}

/** A subscriber's exception must not reach the publisher (a job, the alert engine); it is thrown on a later tick, never lost. */
function guard(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    setImmediate(() => {
      throw err;
    });
  }
}
