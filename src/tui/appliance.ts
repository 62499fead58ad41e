/**
 * The appliance as the console sees it: a client of the daemon (HTTP over its Unix socket, or
 * in-process in tests) and the contracts it knows. The console never holds a service, a
 * database or a Host: everything it shows or changes goes through `call` and `subscribe`.
 */
import type { CalypsoClient, StreamEvent, StreamEventType } from '../contracts/client.js';
import type { AnyContract, PermissionDef } from '../contracts/core.js';
import { NotFound } from '../contracts/errors.js';
import { ALL_CONTRACTS, ALL_PERMISSIONS, contractNamed, type Input, type OperationName, type Output } from '../contracts/index.js';
import type { SystemInfo } from '../contracts/system.js';

/** An event as the console's screens use it: the stream's type with its data spread in (`job`, `alert`, `sample`...). */
export type ConsoleEvent = { type: StreamEventType } & Record<string, unknown>;

export class Appliance {
  /** What the daemon said of itself (system.info), once logged in. */
  info: SystemInfo | null = null;
  private readonly listeners = new Set<{ fn: (e: ConsoleEvent) => void; types?: StreamEventType[] }>();
  private stopStream: (() => void) | null = null;
  private streamTypes = '';
  private readonly resetListeners = new Set<() => void>();

  constructor(readonly client: CalypsoClient) {}

  /** sim or local, once system.info answered (after login); contracts of the other kind are hidden. */
  get hostKind(): 'sim' | 'local' | null {
    return this.info?.hostKind ?? null;
  }

  /** The contract of an operation, or undefined when this appliance has none of that name. */
  contract(name: string): AnyContract | undefined {
    const c = contractNamed(name);
    return c && this.available(c) ? c : undefined;
  }

  contracts(): AnyContract[] {
    return ALL_CONTRACTS.filter((c) => this.available(c));
  }

  permissions(): readonly PermissionDef[] {
    return ALL_PERMISSIONS;
  }

  private available(c: AnyContract): boolean {
    return !c.onlyOnHost || c.onlyOnHost === this.hostKind;
  }

  /** Runs an operation by name as the logged-in user; input and answer are the contract's. */
  async call<N extends OperationName>(name: N, input: Input<N>): Promise<Output<N>> {
    return (await this.callAny(name, input)) as Output<N>;
  }

  /**
   * The untyped door, for an operation whose name is only known at run time (the palette's
   * "any operation" form, the generic operations screen): the daemon checks the input.
   */
  async callAny(name: string, input: unknown): Promise<unknown> {
    const c = contractNamed(name);
    if (!c) throw new NotFound(`${name} is not an operation of this appliance`);
    return this.client.call(c, input as never);
  }

  /** Learns what the daemon is (host kind, version) once logged in. */
  async describe(): Promise<SystemInfo> {
    this.info = await this.call('system.info', {});
    return this.info;
  }

  /**
   * Follows events of the given types (all when omitted) over the client's one stream. Returns
   * the function that stops following.
   */
  subscribe(fn: (e: ConsoleEvent) => void, types?: StreamEventType[]): () => void {
    const entry = { fn, types };
    this.listeners.add(entry);
    this.restream();
    return () => {
      this.listeners.delete(entry);
      this.restream();
    };
  }

  /** Called when the daemon could not replay what the stream missed (it restarted): reload everything shown. */
  onReset(fn: () => void): () => void {
    this.resetListeners.add(fn);
    return () => void this.resetListeners.delete(fn);
  }

  /** Opens the stream for the union of the listeners' types (or closes it when nobody listens). */
  private restream(): void {
    const all = [...this.listeners];
    const types = all.some((l) => !l.types) ? undefined : [...new Set(all.flatMap((l) => l.types ?? []))].sort();
    const key = all.length === 0 ? '' : types ? types.join(',') : '*';
    if (key === this.streamTypes) return;
    this.stopStream?.();
    this.stopStream = null;
    this.streamTypes = key;
    if (!key || !this.client.loggedIn) {
      this.streamTypes = '';
      return;
    }
    this.stopStream = this.client.subscribe(types, {
      onEvent: (e: StreamEvent) => {
        const event: ConsoleEvent = { ...e.data, type: e.type };
        for (const l of [...this.listeners]) if (!l.types || l.types.includes(e.type)) l.fn(event);
      },
      onReset: () => {
        for (const fn of [...this.resetListeners]) fn();
      },
    });
  }

  /** After login (the stream needs a token): start the stream the screens asked for. */
  resume(): void {
    this.streamTypes = '';
    this.restream();
  }

  /** After logout: no stream without a session. */
  pause(): void {
    this.stopStream?.();
    this.stopStream = null;
    this.streamTypes = '';
  }

  async close(): Promise<void> {
    this.pause();
    this.listeners.clear();
    await this.client.close();
  }
}
