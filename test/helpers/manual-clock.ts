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

/** One-shot timers that fire only when the test moves the clock (the network changes' revert clock). */
export class ManualTimers {
  private at: number;
  private readonly timers = new Set<{ due: number; fn: () => void }>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.at = start;
  }

  now = (): number => this.at;

  setTimer(ms: number, fn: () => void): () => void {
    const t = { due: this.at + ms, fn };
    this.timers.add(t);
    return () => this.timers.delete(t);
  }

  /** Moves time by ms and runs the timers that came due, earliest first. */
  advance(ms: number): void {
    this.at += ms;
    for (const t of [...this.timers].sort((a, b) => a.due - b.due)) {
      if (t.due > this.at) continue;
      this.timers.delete(t);
      t.fn();
    }
  }

  /** Timers still waiting. */
  get armed(): number {
    return this.timers.size;
  }
}
