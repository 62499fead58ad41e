import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';

/** Everything that flows on the in-process bus, to the console and the API's event stream. */
export type CalypsoEvent =
  | { type: 'job'; job: unknown }
  | { type: 'alert'; alert: unknown }
  | { type: 'metric'; sample: unknown }
  | { type: 'audit'; entry: unknown }
  | { type: 'storage'; change: string; object?: string };

export type EventType = CalypsoEvent['type'];

/** An event as the bus numbered it: `id` is `<epoch>-<seq>`, seq counting from 1 since this bus started. */
export interface NumberedEvent {
  id: string;
  seq: number;
  /** When it was published (epoch ms, the bus's clock). */
  at: number;
  event: CalypsoEvent;
}

export interface EventBusOptions {
  /** The clock (epoch ms) that ages the replay buffer; tests move it by hand. */
  now?: () => number;
  /** Most events kept for replay. */
  capacity?: number;
  /** Oldest event kept for replay. */
  maxAgeMs?: number;
}

export const REPLAY_CAPACITY = 10_000;
export const REPLAY_MAX_AGE_MS = 5 * 60 * 1000;

/** What a client that reconnects with a Last-Event-ID gets. */
export type ReplayAnswer =
  | { ok: true; events: NumberedEvent[] }
  /** The events after that id cannot all be given: the client must reload its state. */
  | { ok: false; reason: 'restarted' | 'too-old' | 'unknown' };

/** The shape of an event id; anything else sent as a Last-Event-ID is refused. */
export const EVENT_ID_PATTERN = /^([0-9a-z]{1,24})-([0-9]{1,15})$/;

export class EventBus {
  private readonly emitter = new EventEmitter();
  /** Distinguishes this bus (one per process start) from any earlier one: a restart is not a gap. */
  readonly epoch: string;
  private seq = 0;
  /** The replay buffer, oldest first, from `head` on (the array is compacted now and then). */
  private ring: NumberedEvent[] = [];
  private head = 0;
  private readonly now: () => number;
  private readonly capacity: number;
  private readonly maxAgeMs: number;

  constructor(opts: EventBusOptions = {}) {
    // The console, each SSE client and the alert engine all subscribe; do not warn at 10.
    this.emitter.setMaxListeners(0);
    this.now = opts.now ?? Date.now;
    this.capacity = Math.max(1, opts.capacity ?? REPLAY_CAPACITY);
    this.maxAgeMs = opts.maxAgeMs ?? REPLAY_MAX_AGE_MS;
    this.epoch = `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;
  }

  publish(event: CalypsoEvent): void {
    const at = this.now();
    const numbered: NumberedEvent = { id: `${this.epoch}-${++this.seq}`, seq: this.seq, at, event };
    this.ring.push(numbered);
    this.prune(at);
    this.emitter.emit('event', event, numbered.id);
  }

  /** The id of the last event published (`<epoch>-0` before the first): where a new follower starts. */
  lastId(): string {
    return `${this.epoch}-${this.seq}`;
  }

  /**
   * The events published after `lastId`, oldest first, when the buffer still holds all of them;
   * otherwise why not (another bus start, older than the buffer, or an id this bus never gave).
   */
  since(lastId: string): ReplayAnswer {
    const m = EVENT_ID_PATTERN.exec(lastId);
    if (!m) return { ok: false, reason: 'unknown' };
    if (m[1] !== this.epoch) return { ok: false, reason: 'restarted' };
    const after = Number(m[2]);
    if (after > this.seq) return { ok: false, reason: 'unknown' };
    this.prune(this.now());
    const oldest = this.head < this.ring.length ? this.ring[this.head]!.seq : this.seq + 1;
    if (after + 1 < oldest) return { ok: false, reason: 'too-old' };
    // Sequence numbers are consecutive in the buffer, so the first one wanted is at a known offset.
    return { ok: true, events: this.ring.slice(this.head + (after + 1 - oldest)) };
  }

  private prune(now: number): void {
    const excess = this.ring.length - this.head - this.capacity;
    if (excess > 0) this.head += excess;
    while (this.head < this.ring.length && this.ring[this.head]!.at < now - this.maxAgeMs) this.head++;
    if (this.head > 1024 && this.head * 2 > this.ring.length) {
      this.ring = this.ring.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * The daemon is stopping: every follower of the bus outside the process (the API's event
   * streams) ends now, so the stop does not wait for them; clients reconnect and resume.
   */
  shutdown(): void {
    this.emitter.emit('shutdown');
  }

  /** Called once at shutdown(); returns the function that stops listening. */
  onShutdown(listener: () => void): () => void {
    this.emitter.once('shutdown', listener);
    return () => void this.emitter.off('shutdown', listener);
  }

  /** Returns the function that unsubscribes. The listener gets each event with its id. */
  subscribe(listener: (event: CalypsoEvent, id: string) => void, types?: EventType[]): () => void {
    const filtered = types
      ? (e: CalypsoEvent, id: string) => {
          if (types.includes(e.type)) listener(e, id);
        }
      : listener;
    this.emitter.on('event', filtered);
    return () => this.emitter.off('event', filtered);
  }
}
