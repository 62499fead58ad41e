/**
 * bcrypt off the event loop: a small pool of worker threads with a bounded queue.
 *
 * A bcrypt hash or compare at cost 12 is a few hundred milliseconds of CPU. Run on the main thread
 * (even bcryptjs's "async" variant, which only slices the work), forty wrong password attempts kept
 * /healthz waiting for 19 s. Here the work runs in at most min(2, cores) threads; when every thread
 * is busy and the queue is full, a new request is refused at once (429 with Retry-After) instead of
 * waiting without bound. Priority work (the local console's login) goes to the head of the queue
 * and is never refused.
 *
 * The worker's code is a short CommonJS script run with `eval: true` that loads bcryptjs by the
 * absolute path the main thread resolved. The same code path then works from the sources (tsx),
 * under jest (which cannot load a .ts worker file) and in the one-file bundle (dist/calypso.mjs,
 * whose worker would otherwise need a second emitted file): nothing but bcryptjs is loaded in
 * the thread, and bcryptjs is a dependency that is installed beside the bundle's externals.
 *
 * A thread left idle for `idleMs` ends (the next task starts a new one, tens of milliseconds). An idle thread is unref'd,
 * so it never kept a process alive, but Node ends every live thread when the process exits, each with its own heap: under
 * jest, where every test file loads its own copy of this module, the threads of sixty files made a test worker take
 * seconds to exit (measured: 60 idle threads, 1.9 s on a loaded 2-core machine), and jest killed it ("A worker process
 * has failed to exit gracefully", issue 18).
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { TooManyRequests } from '../core/errors.js';

const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptPath);
parentPort.on('message', (m) => {
  let reply;
  try {
    const result = m.op === 'hash' ? bcrypt.hashSync(m.password, m.cost) : bcrypt.compareSync(m.password, m.hash);
    reply = { id: m.id, result };
  } catch (err) {
    reply = { id: m.id, error: String((err && err.message) || err) };
  }
  parentPort.postMessage(reply);
});
`;

export type HashTask = { op: 'hash'; password: string; cost: number } | { op: 'compare'; password: string; hash: string };

interface Pending {
  task: HashTask;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  current: (Pending & { id: number }) | null;
  /** Ends the thread once it has been idle for idleMs. */
  idle: NodeJS.Timeout | null;
}

export interface HashPoolOptions {
  /** Worker threads; default min(2, cores). */
  size?: number;
  /** Tasks allowed to wait beyond those running; default 32. */
  maxQueue?: number;
  /** A thread idle this long ends; default 5 s. */
  idleMs?: number;
}

let bcryptPath: string | undefined;
function resolveBcrypt(): string {
  bcryptPath ??= createRequire(import.meta.url).resolve('bcryptjs');
  return bcryptPath;
}

export class HashPool {
  readonly size: number;
  readonly maxQueue: number;
  readonly idleMs: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  /** Tasks started since the pool was made (tests poll it; it never decreases). */
  started = 0;

  constructor(opts: HashPoolOptions = {}) {
    this.size = Math.max(1, opts.size ?? Math.min(2, os.availableParallelism?.() ?? os.cpus().length));
    this.maxQueue = Math.max(0, opts.maxQueue ?? 32);
    this.idleMs = Math.max(0, opts.idleMs ?? 5_000);
  }

  /** Threads alive (busy or idle). */
  get threads(): number {
    return this.slots.length;
  }

  /** Tasks running or waiting. */
  get load(): { running: number; queued: number } {
    return { running: this.slots.filter((s) => s.current).length, queued: this.queue.length };
  }

  run<T>(task: HashTask, priority = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { task, resolve: resolve as (v: unknown) => void, reject };
      const idle = this.slots.find((s) => !s.current);
      if (idle) return this.start(idle, pending);
      if (this.slots.length < this.size) {
        let slot: Slot;
        try {
          slot = this.spawn();
        } catch (err) {
          return reject(err as Error);
        }
        return this.start(slot, pending);
      }
      if (priority) {
        this.queue.unshift(pending);
        return;
      }
      if (this.queue.length >= this.maxQueue) {
        // About half a second per task ahead, spread over the threads.
        const retryAfter = Math.max(1, Math.ceil((this.queue.length / this.size + 1) * 0.5));
        return reject(new TooManyRequests(`the server is busy checking passwords; try again in ${retryAfter} s`, retryAfter));
      }
      this.queue.push(pending);
    });
  }

  /** Ends the threads (tests, shutdown). Waiting and running tasks fail. */
  async close(): Promise<void> {
    const slots = this.slots.splice(0);
    for (const s of slots) if (s.idle) clearTimeout(s.idle);
    // Out of the pool, a thread's exit is not taken for a lost one: its running task fails here, or it would never settle.
    for (const s of slots) s.current?.reject(new Error('password hashing stopped'));
    for (const p of this.queue.splice(0)) p.reject(new Error('password hashing stopped'));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_CODE, { eval: true, workerData: { bcryptPath: resolveBcrypt() } });
    worker.unref();
    const slot: Slot = { worker, current: null, idle: null };
    worker.on('message', (msg: { id: number; result?: unknown; error?: string }) => {
      const cur = slot.current;
      if (!cur || cur.id !== msg.id) return;
      slot.current = null;
      if (msg.error !== undefined) cur.reject(new Error(`password hashing failed: ${msg.error}`));
      else cur.resolve(msg.result);
      this.next(slot);
    });
    const lost = (err: Error) => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      this.slots.splice(i, 1);
      const cur = slot.current;
      slot.current = null;
      cur?.reject(err);
      // Whatever waited gets a fresh thread.
      const waiting = this.queue.shift();
      if (waiting) this.run(waiting.task, true).then(waiting.resolve, waiting.reject);
    };
    worker.on('error', (err) => lost(err));
    worker.on('exit', (code) => lost(new Error(`password hashing thread exited (${code})`)));
    this.slots.push(slot);
    return slot;
  }

  private start(slot: Slot, pending: Pending): void {
    const id = this.nextId++;
    slot.current = { ...pending, id };
    this.started++;
    if (slot.idle) clearTimeout(slot.idle);
    slot.idle = null;
    // Keep the process alive while a task runs (a CLI command awaits it), not while idle.
    slot.worker.ref();
    slot.worker.postMessage({ id, ...pending.task });
  }

  private next(slot: Slot): void {
    const pending = this.queue.shift();
    if (pending) {
      this.start(slot, pending);
      return;
    }
    slot.worker.unref();
    slot.idle = setTimeout(() => this.retire(slot), this.idleMs);
    slot.idle.unref();
  }

  /** An idle thread ends: out of the pool first, so its exit is not taken for a lost thread. */
  private retire(slot: Slot): void {
    slot.idle = null;
    const i = this.slots.indexOf(slot);
    if (i < 0 || slot.current) return;
    this.slots.splice(i, 1);
    void slot.worker.terminate();
  }
}

/** The process's one pool: every password check shares the same threads and the same bound. */
export const hashPool = new HashPool();
