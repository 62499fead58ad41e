/**
 * The console's clock: what time it is and a repeating timer. The shell's once-a-second check
 * (the status-line clock, toasts fading, the idle lock) runs on it, so tests move time and fire
 * the check instead of waiting minutes, or seconds, of real time.
 */
export interface ConsoleClock {
  now(): number;
  /** Calls `fn` every `ms` until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
}

export const realConsoleClock: ConsoleClock = {
  now: () => Date.now(),
  every: (ms, fn) => {
    const timer = setInterval(fn, ms);
    return () => clearInterval(timer);
  },
};
