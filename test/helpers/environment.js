// The test environment of every suite: Node's, plus the open-handle check of issue 18. A test file that leaves a timer,
// socket, server, watcher, child process or worker thread running once its last afterAll has ended fails, naming each one with where it
// was made, instead of the run being killed at the end (npm test runs jest without --forceExit).
// How: an async hook notes every resource made while the file runs (as jest's --detectOpenHandles does) and forgets it
// when it is destroyed; at teardown, what is left and still keeps Node's event loop alive (unref'd timers and handles do
// not), and every worker thread still there (referenced or not, with no grace), is a leak. A resource still closing gets up to eight seconds (a keep-alive connection
// closes after five: Node's server keepAliveTimeout). When a test of the file failed, what it left running (a wait cut short
// by its timeout, say) is only printed: failing the file here would hide the test's own failure from jest's report.
import { createHook } from 'node:async_hooks';
import { TestEnvironment } from 'jest-environment-node';

const GRACE_MS = 8000;
// The PostgreSQL driver's deprecations (pg 8 warns once per loaded copy of the driver, so once per test file; pg 9 makes
// them errors): above all "Calling client.query() when the client is already executing a query", queries sent at once on
// one connection (a Promise.all inside a transaction). A file during which one is printed fails, with the warning's stack.
const PG_DEPRECATION = /pg@9|client is already executing a query/;
// The resources that keep a process alive (Node's handle types and timers). Requests (file system, DNS, writes) end by
// themselves, and libraries' own async resources (AsyncResource) are not handles.
const HANDLES = new Set([
  'Timeout',
  'TCPWRAP',
  'TCPSERVERWRAP',
  'PIPEWRAP',
  'PIPESERVERWRAP',
  // A terminal: node-pty reads its pseudo-terminal through a tty.ReadStream.
  'TTYWRAP',
  'PROCESSWRAP',
  'UDPWRAP',
  'FSEVENTWRAP',
  'STATWATCHER',
  'SIGNALWRAP',
  'WORKER',
  'MESSAGEPORT',
]);

function stillRunning(type, resource) {
  // A worker thread is running until it has exited, referenced or not: an unref'd one keeps no event loop alive, but Node
  // stops every live thread (each with its own heap) when the process exits, so the threads left by one file after another
  // made jest's worker too slow to exit ("A worker process has failed to exit gracefully", issue 18).
  if (type === 'WORKER') return true;
  if (resource && typeof resource.hasRef === 'function') return resource.hasRef();
  // A handle without hasRef: alive until destroyed.
  return true;
}

export default class CheckedEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = context.testPath;
    this.made = new Map();
    this.pgWarnings = [];
    this.onWarning = (warning) => {
      if (warning && PG_DEPRECATION.test(String(warning.message))) this.pgWarnings.push(warning.stack ?? String(warning.message));
    };
    this.hook = createHook({
      init: (asyncId, type, _trigger, resource) => {
        if (!HANDLES.has(type)) return;
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = process.env.CALYPSO_HANDLE_STACKS === '1' ? 40 : 12;
        const where = new Error(type).stack ?? '';
        Error.stackTraceLimit = limit;
        this.made.set(asyncId, { type, resource, where });
      },
      destroy: (asyncId) => {
        this.made.delete(asyncId);
      },
    });
  }

  handleTestEvent(event) {
    if (event.name === 'test_done' && event.test.errors.length > 0) this.testFailed = true;
  }

  async setup() {
    await super.setup();
    // The process's own standard streams are made on first use and live as long as the process. In a jest worker (npm test
    // runs the files that need no real peer in two), the first file that imports a core module (jest reads every property
    // of \`process\` to build it, stdin included) or prints something would make the pipe and be blamed for it. Made here,
    // before the file runs, they are not the file's. (A standard stream nobody reads keeps no process alive.)
    for (const stream of ['stdin', 'stdout', 'stderr']) void process[stream];
    // The real process: the driver's warning goes through Node's own process.emitWarning, not the sandbox's copy.
    process.on('warning', this.onWarning);
    this.hook.enable();
  }

  /** What the file made that still runs (of the types `threads` says), with the first frame of the test's own code (not jest's, not node's). */
  leftovers(threads) {
    const out = [];
    for (const { type, resource, where } of this.made.values()) {
      if ((type === 'WORKER') !== threads) continue;
      if (!stillRunning(type, resource)) continue;
      const frames = where.split('\n').slice(1);
      const frame = frames.find(
        (l) => !l.includes('node_modules') && !l.includes('node:') && !l.trim().endsWith('(<anonymous>)') && !l.includes('test/helpers/environment.js'),
      );
      // Made by a library with none of this repository's frames within reach: name the library's frame that made it.
      const library = frames.find((l) => l.includes('node_modules') && !/node_modules\/(jest|@jest|jest-[a-z-]+)\//.test(l));
      // CALYPSO_HANDLE_STACKS=1: the whole stack where it was made, when one frame does not say enough.
      if (process.env.CALYPSO_HANDLE_STACKS === '1') out.push(where);
      else if (frame) out.push(`${type} made ${frame.trim()}`);
      else out.push(`${type} made inside a library (no frame of this repository): ${library ? library.trim().replace(/^.*node_modules\//, '') : 'unknown'}`);
    }
    return out;
  }

  async teardown() {
    // Worker threads get no grace: a thread that was ended (terminate() awaited) is gone once its exit has been
    // delivered, a turn of the event loop or two; one still there is idle or busy, and would stay (the password
    // pool's idle threads end after five seconds, within the grace below, which would hide them).
    for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
    const threads = this.leftovers(true);
    const deadline = Date.now() + GRACE_MS;
    let left = this.leftovers(false);
    while (left.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20).unref());
      left = this.leftovers(false);
    }
    left = [...threads, ...left];
    this.hook.disable();
    this.made.clear();
    // A warning is emitted on the next tick after the call that caused it: let it arrive before looking.
    await new Promise((r) => setImmediate(r));
    process.off('warning', this.onWarning);
    await super.teardown();
    if (this.pgWarnings.length) {
      throw new Error(
        `${this.testPath} made the PostgreSQL driver warn (queries sent at once on one connection: make them sequential):\n  ${this.pgWarnings.join('\n  ')}`,
      );
    }
    if (left.length && this.testFailed) {
      process.stderr.write(`${this.testPath}: a test failed, and left running: ${[...new Set(left)].join('; ')}\n`);
      return;
    }
    if (left.length) throw new Error(`${this.testPath} left running after its last test (close them in afterAll):\n  ${[...new Set(left)].join('\n  ')}`);
  }
}
