/**
 * The console face: `runConsole(app, opts)` draws the full-screen console on a terminal
 * (the process's own, or any stdin/stdout pair such as an SSH channel) until the user quits.
 */
import os from 'node:os';
import { render, type Instance } from 'ink';
import type { Appliance } from './appliance.js';
import { App } from './App.js';
import { runCharts } from './charts.js';
import { shellOut } from './shell-out.js';
import type { ConsoleOptions, ConsoleServices } from './context.js';
import { MetricsStore } from './metrics.js';
import { Busy, Session } from './session.js';
import { realConsoleClock } from './clock.js';
import { TerminalGuard, watchHangup } from './terminal.js';
import { makeTheme } from './theme.js';

export type { ConsoleOptions } from './context.js';
export { Appliance } from './appliance.js';
export { releaseDeadTerminal } from './terminal.js';

export interface ConsoleHandle {
  /** Resolves when the user has quit and the terminal is restored. */
  done: Promise<void>;
  /** Leave the console from outside (signal, shutdown). */
  stop(): void;
  /**
   * Why the terminal hung up (SIGHUP, EIO/EPIPE on it, end of input), or null: once it has, the
   * console stopped drawing and `done` resolves without a byte more written to the terminal.
   */
  readonly hangup: string | null;
}

/** Builds the long-lived state the console keeps across Ink mounts. */
export function createConsoleServices(app: Appliance, opts: ConsoleOptions, env: NodeJS.ProcessEnv = process.env): Omit<ConsoleServices, 'quit'> {
  return {
    app,
    options: { ...opts, hostname: opts.hostname ?? os.hostname() },
    session: new Session(app),
    busy: new Busy(),
    metrics: new MetricsStore(app),
    theme: makeTheme(env),
    nav: { screen: 'dashboard' },
    flash: opts.notice ? { text: opts.notice, kind: 'info' } : undefined,
    clock: realConsoleClock,
  };
}

export function startConsole(app: Appliance, opts: ConsoleOptions): ConsoleHandle {
  const stdin = opts.stdin ?? process.stdin;
  const stdout = opts.stdout ?? process.stdout;
  const terminal = new TerminalGuard(stdin, stdout);
  const state: { next: 'quit' | 'charts' } = { next: 'quit' };
  let instance: Instance | null = null;
  let stopped = false;
  // Read through a function: the value changes in callbacks while the loop awaits.
  const nextStep = (): 'quit' | 'charts' => state.next;
  const leave = (what: 'quit' | 'charts') => {
    state.next = what;
    instance?.unmount();
  };
  const base = createConsoleServices(app, opts);
  const services: ConsoleServices = {
    ...base,
    openCharts: stdout.isTTY ? () => leave('charts') : undefined,
    openShell: stdout.isTTY && stdin.isTTY ? () => shellOut({ app, stdin, stdout, terminal }) : undefined,
    quit: () => leave('quit'),
  };
  const restoreOnExit = () => terminal.restore();
  process.on('exit', restoreOnExit);
  // The live charts end on a hang-up like on their quit key.
  const charts = new AbortController();
  const ownTerminal = stdin === process.stdin || stdout === process.stdout;
  const hangup = watchHangup({
    input: stdin,
    output: stdout,
    // stderr too, even when redirected: after a hang-up the log file says what happened, and
    // Ink's exit hook would still show the cursor there.
    others: ownTerminal ? [process.stderr] : [],
    signals: ownTerminal,
    onHangup: () => {
      terminal.abandon();
      stopped = true;
      charts.abort();
      leave('quit');
    },
  });

  const done = (async () => {
    // Between Ink and blessed nothing else may keep the process alive; this does, until quit.
    const keepAlive = setInterval(() => undefined, 60_000);
    terminal.enter();
    try {
      for (;;) {
        state.next = 'quit';
        instance = render(<App services={services} />, { stdin, stdout, exitOnCtrlC: false, patchConsole: false });
        // After blessed paused stdin, Node stopped reading it; Ink's listener alone does not
        // restart the read, so ask for one once Ink is listening.
        setTimeout(() => stdin.read?.(0), 50).unref();
        await instance.waitUntilExit();
        instance = null;
        if (nextStep() === 'charts' && !stopped) {
          try {
            await runCharts(services, stdin, stdout, charts.signal);
          } catch (err) {
            services.flash = { text: `The live charts failed: ${(err as Error).message}`, kind: 'error' };
          }
          // blessed leaves the alternate screen when it is destroyed; the console draws there again.
          if (stopped) break;
          terminal.reclaim();
          continue;
        }
        break;
      }
    } finally {
      clearInterval(keepAlive);
      instance = null;
      base.metrics.dispose();
      await base.session.logout().catch(() => undefined);
      base.session.dispose();
      terminal.restore();
      process.off('exit', restoreOnExit);
      hangup.dispose();
    }
  })();
  return {
    done,
    stop: () => {
      stopped = true;
      charts.abort();
      leave('quit');
    },
    get hangup() {
      return hangup.reason;
    },
  };
}

/** Runs the console until the user quits. */
export async function runConsole(app: Appliance, opts: ConsoleOptions): Promise<void> {
  await startConsole(app, opts).done;
}
