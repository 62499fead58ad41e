import type { ConsoleClock } from '../../src/tui/clock.js';

/** A console clock that moves only when the test says: `advance` moves time and runs the timers that came due, in order. */
export class ManualConsoleClock implements ConsoleClock {
  private at: number;
  private readonly timers = new Set<{ ms: number; due: number; fn: () => void }>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.at = start;
  }

  now(): number {
    return this.at;
  }

  every(ms: number, fn: () => void): () => void {
    const timer = { ms, due: this.at + ms, fn };
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  }

  advance(ms: number): void {
    const end = this.at + ms;
    for (;;) {
      const next = [...this.timers].sort((a, b) => a.due - b.due)[0];
      if (!next || next.due > end) break;
      this.at = next.due;
      next.due += next.ms;
      next.fn();
    }
    this.at = end;
  }
}
