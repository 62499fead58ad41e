/**
 * The console figures of `npm run bench` (bench/run.ts calls these; see bench/README.md):
 *
 * - consoleFirstFrame: the compiled `calypso console --host sim` in a real terminal (a tmux pane,
 *   120x40), timed from the spawn to the first capture of the pane that shows the login screen
 *   ("Username"). Cold = first start on an empty data directory (migrations, the admin account
 *   with bcrypt); warm = the second start on the same directory. A preload (`--import`, written
 *   to the temporary directory at run time) also stamps, inside the child, when Node ran user code,
 *   when the console entered the alternate screen and when Ink wrote the login frame. Then a few
 *   warm starts with NODE_ENV=production, as a what-if (the console runs with it unset).
 * - consoleKeypress: the console App in this process, on an in-memory simulated appliance with
 *   10,000 datasets and 100,000 snapshots, logged in, on the Snapshots screen: the time from
 *   writing a key to stdin to the write of the frame that shows its effect, per key kind, once
 *   unthrottled (Ink's debug mode, which is what ink-testing-library uses) and once with the
 *   options the console really uses (maxFps 30 throttle, log-update), on a fake 120x40 TTY.
 *   A press after which no frame shows its effect is counted as lost, not as a latency.
 *   consoleKeypressInChild runs it in a child process, so NODE_ENV picks React's build.
 */
import { execFile, execFileSync, fork, spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import pino from 'pino';

const execFileAsync = promisify(execFile);

export interface Stats {
  n: number;
  median: number;
  p95: number;
  max: number;
  min: number;
}

export function stats(xs: number[]): Stats {
  if (!xs.length) return { n: 0, median: NaN, p95: NaN, max: NaN, min: NaN };
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  const r = (n: number) => Math.round(n * 10) / 10;
  return { n: s.length, median: r(s[Math.floor(s.length / 2)]!), p95: r(at(0.95)), max: r(s[s.length - 1]!), min: r(s[0]!) };
}

const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));
const round1 = (n: number) => Math.round(n * 10) / 10;
const now = () => performance.timeOrigin + performance.now();

// ---------- start-up to the first frame, in tmux ----------

export interface FirstFrameRun {
  /** warmProduction: a warm start with NODE_ENV=production (React's production build), a what-if. */
  kind: 'cold' | 'warm' | 'warmProduction';
  /** Spawn (`tmux new-session`) to the first capture-pane that shows "Username". */
  wallMs: number;
  /** Inside the child, measured from its own time origin (process start), by the preload. */
  child: {
    /** When the process was created, after the spawn (tmux fork/exec, env). */
    spawnToProcessMs: number;
    /** Node's bootstrap: process start to the first user module (the preload) running. */
    nodeBootMs: number;
    /** Process start to the console entering the alternate screen (after imports, boot, API start, importing the TUI). */
    alternateScreenMs: number;
    /** Process start to Ink writing the login frame. */
    loginFrameMs: number;
  } | null;
}

export interface FirstFrameReport {
  command: string;
  terminal: string;
  runs: number;
  /** Median of the cold runs (fresh data directory). */
  firstFrameColdMs: number;
  /** Median of the warm runs (second start on the same data directory): the target applies here. */
  firstFrameWarmMs: number;
  cold: Stats;
  warm: Stats;
  /** What-if: warm starts with NODE_ENV=production (the console runs with NODE_ENV unset). */
  warmProduction: Stats;
  /** Medians of the in-child stamps (see FirstFrameRun.child). */
  coldChildMs: Record<string, number> | null;
  warmChildMs: Record<string, number> | null;
  warmProductionChildMs: Record<string, number> | null;
  /** Fresh `node` processes, median of 3: the floor under the figures above. */
  floorMs: { nodeEmpty: number; importMain: number; importMainAndTui: number };
  /** How often the pane was captured (mean gap between captures): the resolution of wallMs. */
  pollIntervalMs: number;
  all: FirstFrameRun[];
}

/** Written into the temporary directory and loaded with --import: stamps, never changes behaviour. */
const PROBE = `
import fs from 'node:fs';
const file = process.env.CALYPSO_BENCH_PROBE;
const marks = { timeOrigin: performance.timeOrigin, preload: performance.now() };
const write = process.stdout.write;
let done = false;
process.stdout.write = function (chunk, ...rest) {
  const result = write.call(this, chunk, ...rest);
  if (!done && file) {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (marks.alternateScreen === undefined && text.includes('\\x1b[?1049h')) marks.alternateScreen = performance.now();
    if (text.includes('Username')) {
      marks.loginFrame = performance.now();
      done = true;
      fs.writeFileSync(file, JSON.stringify(marks));
    }
  }
  return result;
};
`;

function tmuxAvailable(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function floor(root: string): Promise<FirstFrameReport['floorMs']> {
  const main = pathToFileURL(path.join(root, 'dist/src/main.js')).href;
  const tui = pathToFileURL(path.join(root, 'dist/src/tui/index.js')).href;
  const env = { ...process.env, NODE_OPTIONS: '' };
  const timeNode = (args: string[]) => {
    const t = process.hrtime.bigint();
    execFileSync(process.execPath, args, { env, stdio: 'ignore', cwd: root });
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const empty: number[] = [];
  const mainOnly: number[] = [];
  const both: number[] = [];
  for (let i = 0; i < 3; i++) {
    empty.push(timeNode(['-e', '0']));
    mainOnly.push(timeNode(['--input-type=module', '-e', `await import(${JSON.stringify(main)})`]));
    both.push(timeNode(['--input-type=module', '-e', `await import(${JSON.stringify(main)}); await import(${JSON.stringify(tui)})`]));
  }
  return { nodeEmpty: stats(empty).median, importMain: stats(mainOnly).median, importMainAndTui: stats(both).median };
}

/**
 * Cold and warm start of the compiled console in tmux, `runs` times each (after one start that
 * is not counted, so the page cache holds dist/ and node_modules as it would on a used machine).
 */
export async function consoleFirstFrame(opts: {
  root: string;
  adminPassword: string;
  runs?: number;
  log?: (s: string) => void;
}): Promise<FirstFrameReport | { skipped: string }> {
  const log = opts.log ?? (() => undefined);
  if (!tmuxAvailable()) return { skipped: 'tmux is not installed' };
  if (!fs.existsSync(path.join(opts.root, 'dist/src/main.js'))) return { skipped: 'dist/ is missing (npm run build)' };
  const runs = opts.runs ?? 5;
  const socket = `calypso-bench-${process.pid}`;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-bench-console-'));
  const probe = path.join(work, 'probe.mjs');
  fs.writeFileSync(probe, PROBE);
  // The tmux server's environment is what panes start with: no DATABASE_URL (SQLite), no npm's NODE_OPTIONS.
  const env = { ...process.env };
  delete env.DATABASE_URL;
  delete env.NODE_OPTIONS;
  delete env.TMUX;
  const tmux = (...args: string[]) =>
    execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
  const tmuxAsync = (...args: string[]) => execFileAsync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8', env });
  const gaps: number[] = [];
  let seq = 0;

  const start = async (dataDir: string, kind: FirstFrameRun['kind']): Promise<FirstFrameRun> => {
    const name = `run${++seq}`;
    const marksFile = path.join(work, `${name}.json`);
    const command = [
      'env',
      '-u',
      'DATABASE_URL',
      '-u',
      'NODE_ENV',
      ...(kind === 'warmProduction' ? ['NODE_ENV=production'] : []),
      `CALYPSO_ADMIN_PASSWORD=${opts.adminPassword}`,
      `NODE_OPTIONS=--import=${pathToFileURL(probe).href}`,
      `CALYPSO_BENCH_PROBE=${marksFile}`,
      process.execPath,
      'bin/calypso.js',
      'console',
      '--host',
      'sim',
      '--data',
      dataDir,
      '--port',
      '0',
    ];
    const spawnedAt = now();
    const t = process.hrtime.bigint();
    tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '40', '-c', opts.root, '-e', 'TERM=xterm-256color', ...command);
    let wallMs: number;
    let last = performance.now();
    const deadline = Date.now() + 60_000;
    for (;;) {
      let screen: string;
      try {
        screen = (await tmuxAsync('capture-pane', '-p', '-t', name)).stdout;
      } catch (err) {
        throw new Error(`the console in tmux session ${name} ended before its login screen: ${(err as Error).message}`, { cause: err });
      }
      const p = performance.now();
      gaps.push(p - last);
      last = p;
      if (screen.includes('Username')) {
        wallMs = Number(process.hrtime.bigint() - t) / 1e6;
        break;
      }
      if (Date.now() > deadline) throw new Error(`no login screen within 60 s; the pane shows:\n${screen}`);
      await sleep(5);
    }
    let child: FirstFrameRun['child'];
    try {
      const m = JSON.parse(fs.readFileSync(marksFile, 'utf8')) as { timeOrigin: number; preload: number; alternateScreen?: number; loginFrame: number };
      child = {
        spawnToProcessMs: round1(m.timeOrigin - spawnedAt),
        nodeBootMs: round1(m.preload),
        alternateScreenMs: round1(m.alternateScreen ?? NaN),
        loginFrameMs: round1(m.loginFrame),
      };
    } catch {
      child = null;
    }
    // Leave as a user would (Ctrl-C on the login screen), and wait for the process to end, so the
    // next start finds the data directory released.
    tmux('send-keys', '-t', name, 'C-c');
    const gone = Date.now() + 15_000;
    for (;;) {
      try {
        tmux('has-session', '-t', name);
      } catch {
        break;
      }
      if (Date.now() > gone) {
        tmux('kill-session', '-t', name);
        await sleep(500);
        break;
      }
      await sleep(50);
    }
    return { kind, wallMs: round1(wallMs), child };
  };

  let socketPath = '';
  try {
    // The server (and the global options) first, so each start pays only for its own session.
    tmux('new-session', '-d', '-s', 'holder', '-x', '120', '-y', '40', 'sleep', '3600');
    socketPath = tmux('display-message', '-p', '#{socket_path}').trim();
    tmux('set-option', '-g', 'status', 'off');
    const all: FirstFrameRun[] = [];
    const prime = path.join(work, 'data-prime');
    await start(prime, 'cold');
    for (let i = 0; i < runs; i++) {
      const dataDir = path.join(work, `data-${i}`);
      const cold = await start(dataDir, 'cold');
      const warm = await start(dataDir, 'warm');
      all.push(cold, warm);
      log(
        `  console start ${i + 1}/${runs}: cold ${cold.wallMs} ms, warm ${warm.wallMs} ms${warm.child ? ` (warm, in the child: node ${warm.child.nodeBootMs} ms, alternate screen ${warm.child.alternateScreenMs} ms, login frame ${warm.child.loginFrameMs} ms)` : ''}\n`,
      );
    }
    for (let i = 0; i < Math.min(3, runs); i++) {
      const r = await start(path.join(work, `data-${i}`), 'warmProduction');
      all.push(r);
      log(
        `  console start, warm, NODE_ENV=production (what-if) ${i + 1}: ${r.wallMs} ms${r.child ? ` (login frame ${r.child.loginFrameMs} ms in the child)` : ''}\n`,
      );
    }
    const of = (kind: FirstFrameRun['kind']) => all.filter((r) => r.kind === kind);
    const childMedians = (kind: FirstFrameRun['kind']) => {
      const rs = of(kind)
        .map((r) => r.child)
        .filter((c): c is NonNullable<FirstFrameRun['child']> => c !== null);
      if (!rs.length) return null;
      const keys = Object.keys(rs[0]!) as (keyof NonNullable<FirstFrameRun['child']>)[];
      return Object.fromEntries(keys.map((k) => [k, stats(rs.map((r) => r[k])).median]));
    };
    const cold = stats(of('cold').map((r) => r.wallMs));
    const warm = stats(of('warm').map((r) => r.wallMs));
    return {
      command:
        'node bin/calypso.js console --host sim --data <dir> --port 0 (DATABASE_URL unset, CALYPSO_ADMIN_PASSWORD set); cold: no daemon yet, the console starts one; warm: the daemon runs, the console is its client',
      terminal: 'tmux 120x40, TERM=xterm-256color',
      runs,
      firstFrameColdMs: cold.median,
      firstFrameWarmMs: warm.median,
      cold,
      warm,
      warmProduction: stats(of('warmProduction').map((r) => r.wallMs)),
      coldChildMs: childMedians('cold'),
      warmChildMs: childMedians('warm'),
      warmProductionChildMs: childMedians('warmProduction'),
      floorMs: await floor(opts.root),
      pollIntervalMs: round1(gaps.reduce((a, b) => a + b, 0) / Math.max(1, gaps.length)),
      all,
    };
  } finally {
    try {
      tmux('kill-server');
    } catch {
      // Already gone.
    }
    // The console is a client: its first start on a data directory started a daemon (the cold
    // figure), which the warm starts found running. Stop every one of them.
    for (const entry of fs.readdirSync(work)) {
      if (entry.startsWith('data-'))
        spawnSync(process.execPath, ['bin/calypso.js', 'stop', '--data', path.join(work, entry)], { cwd: opts.root, stdio: 'ignore', timeout: 90_000 });
    }
    if (socketPath) fs.rmSync(socketPath, { force: true });
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// ---------- key press to redraw, in process ----------

// eslint-disable-next-line no-control-regex -- matches terminal escape sequences (ESC, BEL) to strip them
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[=>78]/g;

/** A 120x40 TTY that keeps every write with its time, and the last full frame as plain text. */
class FakeStdout extends EventEmitter {
  readonly isTTY = true;
  readonly columns = 120;
  readonly rows = 40;
  writes: { t: number; text: string }[] = [];
  frame = '';
  write = (data: string | Uint8Array): boolean => {
    const text = (typeof data === 'string' ? data : Buffer.from(data).toString('utf8')).replace(ANSI, '');
    // Synchronized-update markers and cursor moves strip to nothing: not a frame.
    if (text.trim()) {
      this.writes.push({ t: performance.now(), text });
      this.frame = text;
    }
    return true;
  };
}

/** The stdin ink-testing-library uses: Ink reads it on 'readable'. */
class FakeStdin extends EventEmitter {
  readonly isTTY = true;
  private data: string | null = null;
  write(data: string): void {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  }
  read(): string | null {
    const d = this.data;
    this.data = null;
    return d;
  }
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

/** Latencies of the presses that were drawn, and how many were not (lost). */
export interface KeyStats extends Stats {
  /** Presses after which no frame showed their effect within LOST_AFTER_MS (for moves) or 10 s. */
  lost: number;
}

/** A move (j, down, page down) not drawn within this long is counted as lost, not as a latency. */
export const LOST_AFTER_MS = 500;

export interface KeyModeReport {
  /** How Ink was rendering in this mode. */
  ink: string;
  /** `:` palette, "snapshots", Enter -> the list drawn with its rows (includes snapshots.list over all of them). */
  openSnapshotsMs: number;
  /** Key kind -> latency in ms (key written to stdin -> frame showing its effect written to stdout). */
  keys: Record<string, KeyStats>;
}

type ModeName = 'unthrottled' | 'throttled';

export interface KeypressRun {
  /** NODE_ENV of the process (React's development build unless "production"). */
  nodeEnv: string | null;
  datasets: number;
  snapshots: number;
  /** Rows the Snapshots screen holds (it asks snapshots.list for at most 10,000). */
  rowsInList: number;
  /** Total the screen's title shows. */
  totalShown: number | null;
  pressesPerKind: number;
  modes: Partial<Record<ModeName, KeyModeReport>>;
}

const MODE_INK: Record<ModeName, string> = {
  unthrottled: 'debug: true, as ink-testing-library renders: every React commit writes a whole frame at once, no throttle',
  throttled:
    "the console's own options (src/tui/index.tsx; maxFps 30 by default): renders throttled to one per 34 ms (leading and trailing edge), log-update, synchronized output",
};

/** Keypress latencies on the Snapshots screen with `snapshots` snapshots over `datasets` datasets, in this process. */
export async function consoleKeypress(opts: {
  datasets: number;
  snapshots: number;
  presses?: number;
  modes?: ModeName[];
  log?: (s: string) => void;
}): Promise<KeypressRun> {
  const log = opts.log ?? (() => undefined);
  const presses = opts.presses ?? 50;
  const modes = opts.modes ?? ['unthrottled', 'throttled'];
  // Ink reads CI when it loads and then draws only a last frame; the console clears it on a
  // terminal (src/main.ts), so do the same before Ink is imported.
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  const [
    { render },
    React,
    { App },
    { createConsoleServices, Appliance },
    { createCalypso, ensureAdmin },
    { openDb },
    { SimulatedHost },
    { createApi, listen },
    { eventsMount },
    { HttpClient },
  ] = await Promise.all([
    import('ink'),
    import('react'),
    import('../src/tui/App.js'),
    import('../src/tui/index.js'),
    import('../src/services/index.js'),
    import('../src/services/db.js'),
    import('../src/system/sim/simulated-host.js'),
    import('../src/api/server.js'),
    import('../src/api/events.js'),
    import('../src/client/http.js'),
  ]);
  const password = 'bench-console-password-0123';
  const host = new SimulatedHost();
  await host.seed({ datasets: opts.datasets, snapshots: opts.snapshots });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-bench-keys-'));
  const app = await createCalypso({ db: openDb({ dataDir }), host, log: pino({ level: 'silent' }), jwtSecret: 'bench-secret-0123456789abcdef' });
  await ensureAdmin(app, password);
  // The console as it runs: a client of the daemon over its Unix socket.
  const socketPath = path.join(dataDir, 'calypso.sock');
  const server = await listen(createApi(app, { log: pino({ level: 'silent' }), version: 'bench' }, [eventsMount(app)]), {
    port: 0,
    host: '127.0.0.1',
    tcp: false,
    socketPath,
  });
  let rowsInList = 0;
  let totalShown: number | null = null;

  const session = async (mode: ModeName): Promise<KeyModeReport> => {
    const appliance = new Appliance(new HttpClient({ socketPath }));
    const base = createConsoleServices(
      appliance,
      { version: 'bench', connection: `unix:${socketPath}`, hostKind: 'sim', idleLockMinutes: 0, hostname: 'bench' },
      { TERM: 'xterm-256color', LANG: 'C.UTF-8' },
    );
    const services = { ...base, quit: () => undefined };
    const stdout = new FakeStdout();
    const stdin = new FakeStdin();
    // The console's own options (src/tui/index.tsx); debug is ink-testing-library's.
    const instance = render(React.createElement(App, { services }), {
      stdout: stdout as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
      exitOnCtrlC: false,
      patchConsole: false,
      debug: mode === 'unthrottled',
    });
    const waitFrame = async (test: (f: string) => boolean, timeoutMs = 30_000): Promise<string> => {
      const deadline = Date.now() + timeoutMs;
      while (!test(stdout.frame)) {
        if (Date.now() > deadline) throw new Error(`console bench (${mode}): timed out; the screen shows:\n${stdout.frame}`);
        await sleep(10);
      }
      await sleep(30); // effects (input handlers, bindings) run just after the frame
      return stdout.frame;
    };
    /**
     * Writes `data` and returns the ms until a frame passing `test` is written, or null when none
     * is written within `lostAfterMs` (the key was lost: it changed nothing on the screen).
     */
    const press = async (data: string, test: (f: string) => boolean, lostAfterMs = 10_000): Promise<number | null> => {
      let seen = stdout.writes.length;
      const t0 = performance.now();
      stdin.write(data);
      for (;;) {
        for (; seen < stdout.writes.length; seen++) {
          const w = stdout.writes[seen]!;
          if (test(w.text)) return w.t - t0;
        }
        if (performance.now() - t0 > lostAfterMs) return null;
        await new Promise((r) => setImmediate(r));
      }
    };
    /** The same, for steps that must work (log in, navigation). */
    const must = async (data: string, test: (f: string) => boolean): Promise<number> => {
      const took = await press(data, test);
      if (took === null) throw new Error(`console bench (${mode}): no frame for ${JSON.stringify(data)} within 10 s; the screen shows:\n${stdout.frame}`);
      return took;
    };
    try {
      await waitFrame((f) => f.includes('Username'));
      await must('admin', (f) => f.includes('admin'));
      await sleep(30);
      await must('\r', (f) => f.includes('▶ Password'));
      await sleep(30);
      await must(password, () => true);
      await sleep(30);
      stdin.write('\r');
      await waitFrame((f) => f.includes('admin (Admin)'));
      await must(':', (f) => f.includes('Go to a screen'));
      await sleep(30);
      await must('snapshots', (f) => f.includes(':snapshots'));
      await sleep(30);
      // Opening the screen reads the listing over the daemon's socket: a figure of its own, with room
      // for a slow one (a key press, below, must draw within 10 s or it counts as lost).
      const openSnapshotsMs = await press('\r', (f) => position(f) !== null, 120_000);
      if (openSnapshotsMs === null)
        throw new Error(`console bench (${mode}): the Snapshots screen did not open within 120 s; the screen shows:\n${stdout.frame}`);
      const loaded = await waitFrame((f) => position(f) !== null);
      rowsInList = position(loaded)!.of;
      const total = Number(/all datasets, (\d+)/.exec(loaded)?.[1] ?? NaN);
      totalShown = Number.isFinite(total) ? total : null;
      // Between presses: longer than Ink's 34 ms throttle window, so each press is drawn at once.
      const gap = () => sleep(mode === 'throttled' ? 50 : 20);
      const keys: Record<string, KeyStats> = {};
      /** Repeats a press the measurement does not count until it takes effect (a lost key is retried after the next clock tick). */
      const until = async (data: string, test: (f: string) => boolean) => {
        for (let i = 0; i < 5; i++) {
          if ((await press(data, test, LOST_AFTER_MS)) !== null) return;
          await sleep(1100);
        }
        throw new Error(`console bench (${mode}): ${JSON.stringify(data)} had no effect in 5 tries; the screen shows:\n${stdout.frame}`);
      };
      const measure = async (name: string, n: number, step: (i: number) => Promise<number | null>, between = gap) => {
        const xs: number[] = [];
        let lost = 0;
        for (let i = 0; i < n; i++) {
          const took = await step(i);
          if (took === null) lost++;
          else xs.push(took);
          await between();
        }
        keys[name] = { ...stats(xs), lost };
      };
      const down = (data: string) => {
        const at = position(stdout.frame)!.at;
        return press(data, (f) => position(f)?.at === at + 1, LOST_AFTER_MS);
      };

      // Warm-up (JIT): not counted.
      for (let i = 0; i < 5; i++) {
        await down('j');
        await gap();
      }
      await measure('down', presses, (i) => down(i % 2 ? '\x1b[B' : 'j'));
      await measure('pagedown', presses, () => {
        const at = position(stdout.frame)!.at;
        return press('\x1b[6~', (f) => (position(f)?.at ?? 0) > at, LOST_AFTER_MS);
      });
      await until('g', (f) => position(f)?.at === 1);
      await gap();

      // Filter: '/' opens the prompt line, then each character (and backspace) re-filters all the rows.
      const needle = 'ds-0012';
      const script: { data: string; filter: string }[] = [];
      while (script.length < presses) {
        for (let i = 1; i <= needle.length; i++) script.push({ data: needle[i - 1]!, filter: needle.slice(0, i) });
        for (let i = needle.length - 1; i >= 0; i--) script.push({ data: '\x7f', filter: needle.slice(0, i) });
      }
      await measure('filterOpen', 1, () => press('/', (f) => /^\/\s*$/m.test(f)));
      await measure('filterChar', presses, (i) => {
        const { data, filter } = script[i]!;
        return press(data, (f) => (filter ? f.includes(`match "${filter}"`) : !f.includes(' match "')));
      });
      // Esc closes the prompt and restores the filter it opened with (none).
      await must('\x1b', (f) => !f.includes(' match "') && !/^\/\S*\s*$/m.test(f));
      await gap();

      // Sort: 'o' cycles none -> SNAPSHOT^ -> SNAPSHOTv -> USED^ ... -> HOLDSv -> none (11 presses).
      // HOLDS is 5 wide, so its arrow is cut off: a sort press is drawn when the header or the rows change.
      const tableLines = (f: string) => {
        const lines = f.split('\n');
        const at = lines.findIndex((l) => / SNAPSHOT/.test(l));
        return at < 0 ? '' : lines.slice(at, at + 4).join('\n');
      };
      await measure('sort', 11, () => {
        const before = tableLines(stdout.frame);
        return press('o', (f) => tableLines(f) !== '' && tableLines(f) !== before, 3000);
      });

      // Key repeat: the next key as soon as the last one is drawn, inside Ink's 34 ms window.
      if (mode === 'throttled')
        await measure(
          'downRepeat',
          presses,
          () => down('j'),
          async () => undefined,
        );
      return { ink: MODE_INK[mode], openSnapshotsMs: round1(openSnapshotsMs), keys };
    } finally {
      instance.unmount();
      base.metrics.dispose();
      base.session.dispose();
      await appliance.close();
    }
  };

  try {
    const out: KeypressRun['modes'] = {};
    for (const mode of modes) {
      log(`  keypress, ${mode}, NODE_ENV ${process.env.NODE_ENV ?? 'unset'}\n`);
      out[mode] = await session(mode);
      log(
        `    open ${out[mode]!.openSnapshotsMs} ms; ${Object.entries(out[mode]!.keys)
          .map(([k, v]) => `${k} median ${v.median} p95 ${v.p95} max ${v.max} ms (${v.n} drawn, ${v.lost} lost)`)
          .join('; ')}\n`,
      );
    }
    return {
      nodeEnv: process.env.NODE_ENV ?? null,
      datasets: opts.datasets,
      snapshots: opts.snapshots,
      rowsInList,
      totalShown,
      pressesPerKind: presses,
      modes: out,
    };
  } finally {
    await server.close();
    await app.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * consoleKeypress in a child process (this file run with tsx), so the React build it loads is
 * chosen by NODE_ENV: unset is how `calypso console` runs (React's development build).
 */
export function consoleKeypressInChild(opts: {
  root: string;
  datasets: number;
  snapshots: number;
  presses?: number;
  modes?: ModeName[];
  nodeEnv: string | null;
}): Promise<KeypressRun> {
  const env = { ...process.env };
  if (opts.nodeEnv === null) delete env.NODE_ENV;
  else env.NODE_ENV = opts.nodeEnv;
  const child = fork(path.join(opts.root, 'bench/console.ts'), ['keypress-child'], {
    execArgv: ['--import', 'tsx'],
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let result: KeypressRun | undefined;
    let error: string | undefined;
    child.on('message', (msg: { result?: KeypressRun; error?: string }) => {
      result = msg.result;
      error = msg.error;
    });
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`console keypress child exited with ${code}: ${error ?? 'no result'}`))));
    child.send({ datasets: opts.datasets, snapshots: opts.snapshots, presses: opts.presses, modes: opts.modes });
  });
}

/** The verdict figures over the measured kinds but downRepeat (which measures Ink's throttle): the highest p95, and the presses never drawn. */
export function keypressVerdict(mode: KeyModeReport): { worstP95Ms: number; worstKind: string; lostPresses: number; drawn: number } {
  const kinds = Object.entries(mode.keys).filter(([k]) => k !== 'downRepeat');
  const drawnKinds = kinds.filter(([, v]) => v.n > 0);
  const [worstKind, worst] = drawnKinds.length ? drawnKinds.reduce((a, b) => (b[1].p95 > a[1].p95 ? b : a)) : ['none', { p95: NaN } as KeyStats];
  return { worstP95Ms: worst.p95, worstKind, lostPresses: kinds.reduce((n, [, v]) => n + v.lost, 0), drawn: kinds.reduce((n, [, v]) => n + v.n, 0) };
}

if (process.argv[2] === 'keypress-child' && process.send) {
  process.once('message', (msg: { datasets: number; snapshots: number; presses?: number; modes?: ModeName[] }) => {
    consoleKeypress({ ...msg, log: (s) => process.stderr.write(s) }).then(
      (result) => process.send!({ result }, () => process.exit(0)),
      (err: Error) => process.send!({ error: err.stack ?? String(err) }, () => process.exit(1)),
    );
  });
}

/** The table's " 12/10000" position, at the end of its header line. */
function position(frame: string): { at: number; of: number } | null {
  const m = /\s(\d+)\/(\d+)[ \t]*$/m.exec(frame);
  return m ? { at: Number(m[1]), of: Number(m[2]) } : null;
}
