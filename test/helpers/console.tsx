/**
 * The console in-process: a real Calypso (test database, simulated appliance) rendered with
 * ink-testing-library. Tests press keys and wait for frames, never for fixed times.
 */
import { render } from 'ink-testing-library';
import { App } from '../../src/tui/App.js';
import { Appliance, createConsoleServices } from '../../src/tui/index.js';
import { inProcessClient } from '../../src/services/in-process-client.js';
import type { ConsoleServices } from '../../src/tui/context.js';
import type { ConsoleClock } from '../../src/tui/clock.js';
import { SimulatedHost } from '../../src/system/sim/index.js';
import { ManualConsoleClock } from './manual-clock.js';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from './app.js';
import type { ApplianceOptions } from '../../src/services/index.js';

export { ADMIN_PASSWORD };

const KEYS: Record<string, string> = {
  enter: '\r',
  escape: '\x1b',
  tab: '\t',
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  backspace: '\x7f',
};

export interface ConsoleTest extends TestApp {
  services: ConsoleServices;
  quitRequested: () => boolean;
  frame(): string;
  /** Waits until the frame contains the text (or the predicate holds); fails with the last frame. */
  waitFor(what: string | RegExp | ((frame: string) => boolean), timeoutMs?: number): Promise<string>;
  /** Writes text (one chunk) and waits until the console is idle again (keys handled, calls answered). */
  type(text: string): Promise<void>;
  /** Presses a named key (enter, escape, up...) or a single character. */
  press(key: string): Promise<void>;
  loginAs(username: string, password: string): Promise<void>;
  /** The terminal takes this size (ink-testing-library's stdout is 100 columns, rows unset). */
  resize(columns: number, rows: number): Promise<void>;
  unmount(): void;
  /** Moves the console's clock (the default manual one) and waits until the console is idle: a status message expires. */
  advance(ms: number): Promise<void>;
}

export async function startConsoleTest(
  opts: {
    env?: NodeJS.ProcessEnv;
    idleLockMinutes?: number;
    size?: { columns: number; rows: number };
    /**
     * The console's clock; by default one that moves only when the test advances it (ManualConsoleClock), so a status
     * message never expires before a test reads it and the header's time never changes between two frames.
     */
    clock?: ConsoleClock;
    /** The appliance subsystem's options (the configuration exports directory). */
    appliance?: ApplianceOptions;
  } = {},
): Promise<ConsoleTest> {
  const t = await startTestApp({ host: new SimulatedHost(), appliance: opts.appliance });
  let quit = false;
  // The console as it runs against the daemon, with the client in-process: same contracts, same errors, same events.
  const appliance = new Appliance(inProcessClient(t.app, 'console'));
  const base = createConsoleServices(
    appliance,
    { version: 'test', connection: 'in-process (test)', hostKind: 'sim', idleLockMinutes: opts.idleLockMinutes ?? 0, hostname: 'testhost' },
    opts.env ?? {},
  );
  const clock = opts.clock ?? new ManualConsoleClock();
  const services: ConsoleServices = {
    ...base,
    clock,
    quit: () => {
      quit = true;
    },
  };
  const r = render(<App services={services} />);
  // A terminal of this size (ink-testing-library's is 100 columns and has no rows).
  if (opts.size) {
    Object.defineProperties(r.stdout, { columns: { value: opts.size.columns, configurable: true }, rows: { value: opts.size.rows, configurable: true } });
    r.stdout.emit('resize');
  }
  const frame = () => r.lastFrame() ?? '';
  // Ink re-renders on its own schedule: give it a turn of the event loop after input.
  const tick = () => new Promise((resolve) => setTimeout(resolve, 20));
  const waitFor = async (what: string | RegExp | ((f: string) => boolean), timeoutMs = 10_000) => {
    const test = typeof what === 'function' ? what : (f: string) => (typeof what === 'string' ? f.includes(what) : what.test(f));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = frame();
      if (test(f)) {
        // React subscribes input handlers in effects that run just after the frame is drawn.
        await tick();
        return f;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(what)}; the screen shows:\n${f}`);
      await tick();
    }
  };
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  // After input, wait for the console's idle signal: the keys reached their handlers, the renders they caused committed and
  // the calls they started answered; then a turn of the event loop, so an answer's render is drawn too.
  const settle = async () => {
    do {
      await services.busy.idle();
      await turn();
    } while (!services.busy.idleNow);
  };
  const write = async (data: string) => {
    const received = services.busy.keysReceived;
    r.stdin.write(data);
    const deadline = Date.now() + 5_000;
    while (services.busy.keysReceived === received) {
      if (Date.now() > deadline) throw new Error(`the console never received ${JSON.stringify(data)}; the screen shows:\n${frame()}`);
      await tick();
    }
    await settle();
  };
  const ct: ConsoleTest = {
    ...t,
    services,
    quitRequested: () => quit,
    frame,
    waitFor,
    type: write,
    press: (key) => write(KEYS[key] ?? key),
    loginAs: async (username, password) => {
      await waitFor('Username');
      await write(username);
      await write('\r');
      await waitFor(/▶ Password|> Password/);
      await write(password);
      await write('\r');
      await waitFor((f) => f.includes('Calypso') && f.includes(`${username} (`));
    },
    resize: async (columns, rows) => {
      Object.defineProperty(r.stdout, 'columns', { value: columns, configurable: true });
      Object.defineProperty(r.stdout, 'rows', { value: rows, configurable: true });
      r.stdout.emit('resize');
      await settle();
    },
    advance: async (ms) => {
      if (!(clock instanceof ManualConsoleClock)) throw new Error('advance() moves the default manual clock; this console was given another');
      clock.advance(ms);
      await settle();
    },
    unmount: () => {
      r.unmount();
      base.metrics.dispose();
      base.session.dispose();
    },
    close: async () => {
      r.unmount();
      base.metrics.dispose();
      base.session.dispose();
      await appliance.close();
      await t.close();
    },
  };
  return ct;
}
