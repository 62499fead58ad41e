import { EventEmitter } from 'node:events';

/** Everything that flows on the in-process bus, to the console and the API's event stream. */
export type CalypsoEvent =
  | { type: 'job'; job: unknown }
  | { type: 'alert'; alert: unknown }
  | { type: 'metric'; sample: unknown }
  | { type: 'audit'; entry: unknown }
  | { type: 'storage'; change: string; object?: string };

export type EventType = CalypsoEvent['type'];

export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    // The console, each SSE client and the alert engine all subscribe; do not warn at 10.
    this.emitter.setMaxListeners(0);
  }

  publish(event: CalypsoEvent): void {
    this.emitter.emit('event', event);
  }

  /** Returns the function that unsubscribes. */
  subscribe(listener: (event: CalypsoEvent) => void, types?: EventType[]): () => void {
    const filtered = types
      ? (e: CalypsoEvent) => {
          if (types.includes(e.type)) listener(e);
        }
      : listener;
    this.emitter.on('event', filtered);
    return () => this.emitter.off('event', filtered);
  }
}
