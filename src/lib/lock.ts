/**
 * In-process serialization: the one way Calypso runs async work one at a time (issue 18, "one lock").
 *
 * A `Mutex` runs the functions given to `run` one after another, in call order; each starts only
 * when the previous one has settled, whether it resolved or threw, and each caller gets its own
 * function's result or error. A `KeyedMutex` is one such queue per key (for example per
 * configuration file), and forgets a key once its queue is empty.
 *
 * Both guard state that lives in ONE process's memory. State several processes share needs an
 * OS-level lock (the daemon's data-directory lock) or the database's.
 */

export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  /** Functions started or waiting (0 when the mutex is idle). */
  get pending(): number {
    return this.waiting;
  }

  /** Settles once every function given so far has settled (never rejects). */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }

  run<T>(fn: () => Promise<T> | T): Promise<T> {
    this.waiting++;
    const settle = () => {
      this.waiting--;
    };
    // The tail never rejects: it is the previous function's settling, whichever way it went.
    const next = this.tail.then(() => fn());
    this.tail = next.then(settle, settle);
    return next;
  }
}

export class KeyedMutex {
  private readonly locks = new Map<string, Mutex>();

  /** Keys with work started or waiting. */
  get keys(): string[] {
    return [...this.locks.keys()];
  }

  run<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
    let lock = this.locks.get(key);
    if (!lock) {
      lock = new Mutex();
      this.locks.set(key, lock);
    }
    const mine = lock;
    const done = mine.run(fn);
    const forget = () => {
      if (mine.pending === 0 && this.locks.get(key) === mine) this.locks.delete(key);
    };
    // Registered after the mutex's own bookkeeping on the same promise, so `pending` is already down.
    void done.then(forget, forget);
    return done;
  }
}
