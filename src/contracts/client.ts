/**
 * One client interface for everything that talks to the appliance (ARCHITECTURE.md, "processes"):
 * the console, scripts and tests. Two implementations: HTTP + SSE (src/client/http.ts, over the
 * daemon's Unix socket or TCP) and in-process (src/services/in-process-client.ts, for tests and
 * the daemon's own uses). Calls are typed from the contracts: a renamed output field breaks the
 * caller's compile.
 */
import type { AnyContract, InputOf, OutputOf } from './core.js';

/** What login and refresh answer (auth.login / auth.refresh outputs). */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresInSeconds: number;
  user: { username: string; displayName?: string };
}

/** The event types of the stream (GET /api/v1/events). */
export type StreamEventType = 'job' | 'alert' | 'metric' | 'audit' | 'storage';

/** One event of the stream: its type and data as the daemon sent them. */
export interface StreamEvent {
  type: StreamEventType;
  /** `<epoch>-<seq>`: where a reconnecting stream resumes. */
  id: string;
  data: Record<string, unknown>;
}

export interface SubscribeOptions {
  /** Called with every event the caller may see, in order, none twice, none lost while reconnecting. */
  onEvent(event: StreamEvent): void;
  /**
   * The daemon could not replay everything missed (it restarted, or the gap is older than its
   * buffer): reload what you show. Never a silent gap.
   */
  onReset?(reason: string): void;
}

/** How the client's link to the daemon stands (in-process: always `connected`). */
export type LinkState = 'connected' | 'reconnecting' | 'closed';

/** A call waiting because the daemon answered busy (503 + Retry-After: nothing was done); it is sent again. */
export interface BusyWait {
  /** The operation waiting. */
  operation: string;
  /** Seconds until it is sent again. */
  retryInSeconds: number;
  /** What the daemon said. */
  detail: string;
}

export interface CalypsoClient {
  /** Logs in; the client keeps the tokens and sends them with every call after. */
  login(username: string, password: string): Promise<TokenPair>;
  /** Exchanges the refresh token for a new pair (also done by the client itself when a token expires). */
  refresh(): Promise<TokenPair>;
  /** Ends the session on the daemon (recorded) and forgets the tokens; never throws. */
  logout(): Promise<void>;
  /** Whether a session is held. */
  readonly loggedIn: boolean;
  /** Runs an operation as the logged-in user (or anonymously for public ones). Throws the contract's error classes. */
  call<C extends AnyContract>(contract: C, input: InputOf<C>): Promise<OutputOf<C>>;
  /** Follows the event stream; returns the function that stops following. */
  subscribe(types: StreamEventType[] | undefined, opts: SubscribeOptions): () => void;
  readonly state: LinkState;
  /** Called whenever `state` changes; returns the function that stops listening. */
  onState(listener: (state: LinkState) => void): () => void;
  /** Called when a call waits for a busy daemon and sends it again (null: no longer waiting); clients that never wait may leave it out. */
  onWaiting?(listener: (wait: BusyWait | null) => void): () => void;
  /** Stops following, closes connections; the session is left as it is (call logout first to end it). */
  close(): Promise<void>;
}
