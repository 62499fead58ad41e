/**
 * The logged-in console: frame, menu, working area and dialogs, and the one key dispatcher
 * that runs the keybinding table (global keys, menu keys, and the current screen's keys).
 */
import { EventEmitter } from 'node:events';
import os from 'node:os';
import React, { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { Box, useInput } from 'ink';
import { Text } from './components/Text.js';
import { errorMessage } from '../contracts/errors.js';
import type { Input, OperationName, Output } from '../contracts/index.js';
import type { Job } from '../contracts/jobs.js';
import { Unauthenticated } from '../contracts/errors.js';
import type { CommandRecordOut as CommandRecord } from '../contracts/system.js';
import type { BusyWait } from '../contracts/client.js';
import type { ConsoleUser } from './session.js';
import { ConfirmDialog, PromptLine, Question, TextView } from './components/Dialogs.js';
import { Header, KeyHints, Menu, StatusLine, statusRows, type MenuItem } from './components/Chrome.js';
import { Form } from './components/Form.js';
import { HelpOverlay, Palette, type PaletteEntry } from './components/Overlays.js';
import { ShellProvider, type ConfirmSpec, type ConsoleServices, type FormSpec, type PromptSpec, type ShellApi } from './context.js';
import { dateTime } from './format.js';
import { KeyGateContext } from './key-gate.js';
import { denialReason, gate, keyName, matches, type KeyBinding } from './keys.js';
import { SCREENS, operationsOf, screenMode } from './screens/catalogue.js';
import { OperationsScreen, UnbuiltScreen } from './screens/generic.js';
import { useTerminalSize } from './hooks/use-terminal-size.js';

/**
 * A form or confirmation as the shell keeps it: of any operation (the palette's form names it only
 * at run time), its answer unknown. Screens open them typed (FormSpec<N>, ConfirmSpec<N>).
 */
type AnyFormSpec = Omit<FormSpec, 'operation' | 'success' | 'onDone'> & {
  operation: string;
  success?: (result: unknown) => string;
  onDone?: (result: unknown) => void;
};
type AnyConfirmSpec = Omit<ConfirmSpec, 'operation' | 'input' | 'success' | 'onDone'> & {
  operation: string;
  input: Record<string, unknown>;
  success?: (result: unknown) => string;
  onDone?: (result: unknown) => void;
};

type Overlay =
  | { kind: 'help' }
  | { kind: 'palette'; initial?: string }
  | { kind: 'form'; spec: AnyFormSpec }
  | { kind: 'confirm'; spec: AnyConfirmSpec }
  | { kind: 'prompt'; spec: PromptSpec; id: number }
  | { kind: 'question'; text: string; yes: () => void }
  | { kind: 'text'; title: string; lines: string[] }
  | { kind: 'panel'; render: (close: () => void) => React.ReactNode };

interface LastAction {
  operation: string;
  at: string;
  records: CommandRecord[];
}

const TOAST_MS = 5000;

export function Shell({ services, actor, onLock }: { services: ConsoleServices; actor: ConsoleUser; onLock: () => void }): React.ReactElement {
  const { app, theme, options, session, busy } = services;
  const { columns, rows } = useTerminalSize();
  const height = Math.max(10, rows - 1);
  const menuWidth = columns >= 110 ? 26 : 20;
  const workWidth = Math.max(20, columns - menuWidth - 1);

  const [screenId, setScreenId] = useState(services.nav.screen);
  const [focus, setFocus] = useState<'menu' | 'main'>('main');
  const [menuIndex, setMenuIndex] = useState(() =>
    Math.max(
      0,
      SCREENS.findIndex((s) => s.id === services.nav.screen),
    ),
  );
  const [overlay, setOverlay] = useState<Overlay | null>(null);
  const [message, setMessage] = useState<{ text: string; kind: 'info' | 'error'; at: number } | null>(() => {
    const flash = services.flash;
    services.flash = undefined;
    return flash ? { ...flash, at: services.clock.now() } : null;
  });
  // A long status message wraps over more rows; the working area gives them up.
  const bodyHeight = height - 2 - statusRows(columns, overlay?.kind === 'prompt' ? null : message);
  const [busyCount, setBusyCount] = useState(busy.active);
  // The link to the daemon: while it restarts, the status line says so and the screen stays as it was.
  const [link, setLink] = useState(app.client.state);
  useEffect(() => app.client.onState(setLink), [app]);
  // A call the daemon refused as busy (write admission control) waits and is sent again: say so.
  const [waiting, setWaiting] = useState<BusyWait | null>(null);
  useEffect(() => app.client.onWaiting?.(setWaiting), [app]);
  const [jobs, setJobs] = useState<Map<number, Job>>(new Map());
  const [alerts, setAlerts] = useState<number | null>(null);
  const { clock } = services;
  const [now, setNow] = useState(() => new Date(clock.now()));
  const [bindingSignature, setBindingSignature] = useState('');
  const screenBindings = useRef<KeyBinding[]>([]);
  const lastAction = useRef<LastAction | null>(null);
  const lastInput = useRef(clock.now());
  const finishedJobs = useRef(new Set<number>());
  /** 'changed' after every change made from this console: the screens' queries read again. */
  const changes = useMemo(() => new EventEmitter(), []);
  // The daemon restarted (its events since the last one seen are gone): every screen reads again.
  useEffect(() => app.onReset(() => changes.emit('changed')), [app, changes]);

  const navigate = useCallback(
    (id: string) => {
      if (!SCREENS.some((s) => s.id === id)) return;
      // Another screen's keys go with it; the same screen keeps its own (it registers them again only when it renders,
      // and the signature would not change, so the hint line would stay empty until it did).
      if (id !== services.nav.screen) {
        screenBindings.current = [];
        setBindingSignature('');
      }
      services.nav.screen = id;
      setScreenId(id);
      setMenuIndex(SCREENS.findIndex((s) => s.id === id));
      setFocus('main');
    },
    [services],
  );

  const toast = useCallback((text: string, kind: 'info' | 'error' = 'info') => setMessage({ text, kind, at: clock.now() }), [clock]);

  useEffect(() => {
    const onChange = (n: number) => setBusyCount(n);
    busy.on('change', onChange);
    return () => {
      busy.off('change', onChange);
    };
  }, [busy]);

  useEffect(() => {
    return clock.every(1000, () => {
      const at = clock.now();
      setNow(new Date(at));
      setMessage((m) => (m && at - m.at > TOAST_MS ? null : m));
      if (options.idleLockMinutes > 0 && at - lastInput.current > options.idleLockMinutes * 60_000) onLock();
    });
  }, [clock, options.idleLockMinutes, onLock]);

  // Job progress from the event bus: the status line shows running jobs; a finished one is announced.
  useEffect(
    () =>
      app.subscribe(
        (e) => {
          const job = e.job as Job | undefined;
          if (!job || typeof job.id !== 'number') return;
          // A progress event that arrives after the job's end must not bring its status line back.
          if (job.state !== 'running') finishedJobs.current.add(job.id);
          const running = job.state === 'running' && !finishedJobs.current.has(job.id);
          setJobs((old) => {
            if (running === old.has(job.id) && !running) return old;
            const next = new Map(old);
            if (running) next.set(job.id, job);
            else next.delete(job.id);
            return next;
          });
          // What a job changed (a resilver, a rollback) shows on the screen when it ends.
          if (!running) changes.emit('changed');
          if (job.state === 'succeeded') toast(`Job #${job.id} done: ${job.description}`);
          else if (job.state === 'failed') toast(`Job #${job.id} failed: ${job.error ?? job.description}`, 'error');
        },
        ['job'],
      ),
    [app, toast, changes],
  );

  /** Every call of the console, typed or not: busy, the session's end noticed, changes announced. */
  const callAny = useCallback(
    async (operation: string, input: unknown): Promise<unknown> => {
      // Logging out from anywhere in the console (key, palette, a form) ends the console's session
      // at once: the login screen replaces the screens before the service has even answered.
      if (operation === 'auth.logout') {
        await session.logout('Logged out.');
        return { ok: true } satisfies Output<'auth.logout'>;
      }
      const era = session.era;
      return busy.track(
        (async () => {
          try {
            return await app.callAny(operation, input);
          } catch (err) {
            // Revoked, disabled, or expired beyond renewal: back to the login screen, saying why.
            if (err instanceof Unauthenticated) session.ended(err, era);
            throw err;
          } finally {
            // A change may have ended this very session (own password changed, own sessions revoked,
            // own account disabled): find out now, not at the next read up to half a minute later.
            if (app.contract(operation)?.mutating) {
              await session.recheck();
              changes.emit('changed');
            }
          }
        })(),
      );
    },
    [app, busy, session, changes],
  );

  // The typed door: the answer is the contract's of `operation`, the one callAny ran.
  const call = useCallback(<N extends OperationName>(operation: N, input: Input<N>) => callAny(operation, input) as Promise<Output<N>>, [callAny]);

  /** The commands the appliance ran, from the daemon (empty when this user may not see them). */
  const commands = useCallback(
    async (input: { afterSeq?: number; limit?: number }): Promise<CommandRecord[]> => {
      if (denialReason(app, actor, 'system.commands.list')) return [];
      return (await app.call('system.commands.list', input).catch(() => ({ items: [] }))).items;
    },
    [app, actor],
  );

  // The commands of an action are those the appliance ran while it ran (another console's may
  // slip in between; each shows its own time).
  const recordedAny = useCallback(
    async (operation: string, input: unknown): Promise<unknown> => {
      const before = (await commands({ limit: 1 }))[0]?.seq ?? 0;
      try {
        return await callAny(operation, input);
      } finally {
        lastAction.current = { operation, at: new Date().toISOString(), records: await commands({ afterSeq: before, limit: 200 }) };
      }
    },
    [callAny, commands],
  );
  const recordedCall = useCallback(
    <N extends OperationName>(operation: N, input: Input<N>) => recordedAny(operation, input) as Promise<Output<N>>,
    [recordedAny],
  );

  // Open alerts for the header, when alerting is in this build.
  useEffect(() => {
    if (denialReason(app, actor, 'alerts.list')) {
      setAlerts(null);
      return;
    }
    let live = true;
    const load = () => {
      // Open ones, all of them: the list's total, whatever the page holds.
      call('alerts.list', { state: 'open', limit: 1 })
        .then((r) => {
          if (live) setAlerts(r.total);
        })
        .catch(() => undefined);
    };
    load();
    const un = app.subscribe(load, ['alert']);
    const timer = setInterval(load, 30_000);
    return () => {
      live = false;
      un();
      clearInterval(timer);
    };
  }, [app, actor, call]);

  const denial = useCallback((operation: string) => denialReason(app, actor, operation), [app, actor]);

  const act = useCallback(
    async <N extends OperationName>(operation: N, input: Input<N>, opts: { success?: (r: Output<N>) => string } = {}): Promise<Output<N> | undefined> => {
      try {
        const result = await recordedCall(operation, input);
        toast(opts.success ? opts.success(result) : `${app.contract(operation)?.summary ?? operation}: done`);
        return result;
      } catch (err) {
        toast(errorMessage(err), 'error');
        return undefined;
      }
    },
    [app, recordedCall, toast],
  );

  // A screen's spec names its operation, whose answer its callbacks receive: the shell runs that operation.
  const openForm = useCallback(<N extends OperationName>(spec: FormSpec<N>) => setOverlay({ kind: 'form', spec: spec as unknown as AnyFormSpec }), []);
  const confirm = useCallback(<N extends OperationName>(spec: ConfirmSpec<N>) => setOverlay({ kind: 'confirm', spec: spec as unknown as AnyConfirmSpec }), []);
  // Each prompt is a new line editor: one opened from another's answer never starts with its text (a passphrase).
  const prompts = useRef(0);
  const prompt = useCallback((spec: PromptSpec) => setOverlay({ kind: 'prompt', spec, id: ++prompts.current }), []);
  const showText = useCallback((title: string, lines: string[]) => setOverlay({ kind: 'text', title, lines }), []);
  const openPanel = useCallback((render: (close: () => void) => React.ReactNode) => setOverlay({ kind: 'panel', render }), []);
  const setBindings = useCallback((b: KeyBinding[]) => {
    screenBindings.current = b;
    const sig = b.map((x) => `${x.key}:${x.description}:${x.disabledReason ?? ''}:${x.hint}`).join('|');
    setBindingSignature((old) => (old === sig ? old : sig));
  }, []);

  const def = SCREENS.find((s) => s.id === screenId) ?? SCREENS[0];
  const mode = screenMode(app, def);

  // Jobs run in the daemon: quitting the console never interrupts one, so there is nothing to ask.
  const quit = useCallback(() => services.quit(), [services]);

  const logout = useCallback(() => {
    services.nav.screen = 'dashboard';
    void session.logout('Logged out.');
  }, [services, session]);

  const showCommands = useCallback(() => {
    const last = lastAction.current;
    const fmt = (r: CommandRecord) =>
      `${dateTime(r.at)}  ${[r.command, ...r.args].map((a) => (/[\s"'$]/.test(a) ? JSON.stringify(a) : a)).join(' ')}${r.code ? `  (exit ${r.code})` : ''}${r.error ? `  ${r.error}` : ''}`;
    if (!last) {
      void commands({ limit: 40 }).then((recent) =>
        showText(
          'Commands: no action yet; the most recent commands the host ran',
          recent.length ? recent.map(fmt) : ['The host has run no commands yet (or your role may not see them).'],
        ),
      );
      return;
    }
    showText(
      `Commands run by ${last.operation} at ${dateTime(last.at)}`,
      last.records.length ? last.records.map(fmt) : ['This action ran no host commands (it changed only the database).'],
    );
  }, [commands, showText]);

  const shellDenial = denialReason(app, actor, 'appliance.terminal.open') ?? (services.openShell ? null : 'needs a real terminal');
  const openShell = () => {
    if (!services.openShell) return;
    void services.openShell().then((r) => toast(r.text, r.kind));
  };
  const globalBindings: KeyBinding[] = [
    { key: '?', description: 'Help', group: 'Global', priority: 100, action: () => setOverlay({ kind: 'help' }) },
    { key: ':', description: 'Go to', group: 'Global', priority: 50, action: () => setOverlay({ kind: 'palette' }) },
    {
      key: 'tab',
      description: 'Switch pane (menu / working area)',
      hint: false,
      group: 'Global',
      action: () => setFocus((f) => (f === 'menu' ? 'main' : 'menu')),
    },
    { key: 'escape', aliases: ['h', 'left'], description: 'Back to the menu', hint: false, group: 'Global', action: () => setFocus('menu') },
    { key: '!', description: 'Show the commands of the last action', hint: false, group: 'Global', action: showCommands },
    {
      key: '$',
      description: 'Shell on the appliance',
      hint: false,
      group: 'Global',
      disabledReason: shellDenial ?? undefined,
      action: openShell,
    },
    { key: 'ctrl+l', description: 'Lock the screen', hint: false, group: 'Global', action: onLock },
    { key: 'ctrl+o', description: 'Log out', hint: false, group: 'Global', action: logout },
    { key: 'q', aliases: ['ctrl+c'], description: 'Quit', group: 'Global', priority: 100, action: quit },
  ];
  const menuBindings: KeyBinding[] = [
    {
      key: 'j',
      aliases: ['down'],
      description: 'Next subsystem',
      hint: false,
      group: 'Menu',
      action: () => {
        const i = Math.min(SCREENS.length - 1, menuIndex + 1);
        setMenuIndex(i);
        navigate(SCREENS[i].id);
        setFocus('menu');
      },
    },
    {
      key: 'k',
      aliases: ['up'],
      description: 'Previous subsystem',
      hint: false,
      group: 'Menu',
      action: () => {
        const i = Math.max(0, menuIndex - 1);
        setMenuIndex(i);
        navigate(SCREENS[i].id);
        setFocus('menu');
      },
    },
    { key: 'enter', aliases: ['l', 'right'], description: 'Open', group: 'Menu', action: () => navigate(SCREENS[menuIndex].id) },
  ];
  const screenKeys = gate(app, actor, screenBindings.current);
  const active = focus === 'main' ? [...screenKeys, ...globalBindings] : [...menuBindings, ...globalBindings];
  void bindingSignature;
  // A screen registers its bindings after every render of its own, but the shell redraws only when
  // their keys or texts change, so `screenKeys` can hold actions closed over an older selection.
  // Keys and the palette run the screen's latest registration instead.
  const latestScreenKeys = () => gate(app, actor, screenBindings.current);

  useInput((input, key) => {
    lastInput.current = clock.now();
    if (overlay) return;
    // ":storage" arriving in one read (pasted, or typed faster than a frame): the palette, prefilled.
    if (input.length > 1 && input.startsWith(':') && !key.ctrl && !key.meta)
      return setOverlay({ kind: 'palette', initial: input.slice(1).replace(/[\r\n]+$/, '') });
    const name = keyName(input, key);
    // A moving key the screen does not use (the dashboard has no rows) moves the menu: the first
    // j or arrow after login acts, and the menu takes the keyboard (the divider's marker shows it).
    const menuMoves = menuBindings.filter((b) => b.group === 'Menu' && b.key !== 'enter');
    const hit = (focus === 'main' ? [...latestScreenKeys(), ...globalBindings, ...menuMoves] : active).find((b) => matches(b, name));
    if (!hit) return;
    if (hit.disabledReason) toast(`${hit.description}: ${hit.disabledReason}`, 'error');
    else {
      if (message?.kind === 'error') setMessage(null);
      hit.action();
    }
  });

  // Keys typed ahead during the login waited for this: the Shell's and its screen's input handlers
  // subscribed in effects that ran before this one (children first, then this component's in order).
  const keyGate = useContext(KeyGateContext);
  useEffect(() => keyGate.release(), [keyGate]);

  const closeOverlay = useCallback(() => setOverlay(null), []);

  const shell: ShellApi = {
    services,
    app,
    theme,
    actor,
    active: focus === 'main' && !overlay,
    width: workWidth,
    height: bodyHeight,
    call,
    run: recordedCall,
    act,
    denial,
    setBindings,
    toast,
    openForm,
    confirm,
    prompt,
    showText,
    openPanel,
    navigate,
    onChange: (listener) => {
      changes.on('changed', listener);
      return () => void changes.off('changed', listener);
    },
  };

  const paletteEntries = useMemo((): PaletteEntry[] => {
    // In words: a screen's label, a key's description, an operation's summary; ids and keys shown dim beside.
    const entries: PaletteEntry[] = SCREENS.map((s) => ({
      label: s.label,
      kind: 'screen',
      keywords: [...(s.aliases ?? []), s.manages].join(' '),
      run: () => navigate(s.id),
    }));
    for (const b of screenKeys)
      if (b.key.length === 1 && !b.group)
        entries.push({
          label: b.description,
          detail: `key ${b.key}`,
          kind: 'action',
          disabledReason: b.disabledReason,
          run: () => (latestScreenKeys().find((x) => x.key === b.key) ?? b).action(),
        });
    entries.push({ label: 'Log out', detail: 'key ^O', kind: 'action', keywords: 'logout sign out exit', run: logout });
    entries.push({ label: 'Lock the screen', detail: 'key ^L', kind: 'action', keywords: 'lock', run: onLock });
    entries.push({
      label: 'Shell on the appliance',
      detail: 'key $',
      kind: 'action',
      keywords: 'terminal shell bash console login',
      disabledReason: shellDenial ?? undefined,
      run: openShell,
    });
    for (const op of app.contracts()) {
      if (
        op.name.startsWith('auth.login') ||
        op.name === 'auth.refresh' ||
        op.name === 'auth.logout' ||
        // The console shell is the $ key: a form would open a session that no shell follows.
        op.name.startsWith('appliance.terminal.') ||
        (op.onlyOnHost && op.onlyOnHost !== app.hostKind)
      )
        continue;
      entries.push({
        label: op.summary,
        detail: op.name,
        kind: op.mutating ? 'operation' : 'read',
        disabledReason: denialReason(app, actor, op.name),
        run: () => runOperation(op.name),
      });
    }
    return entries;
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the keys' actions and the run closures are new each render: the entries follow the bindings' signature and the palette's opening
  }, [app, actor, screenId, bindingSignature, overlay?.kind === 'palette']);

  /** Any operation by name: a form for its input, then a confirmation when dangerous; reads show their result. */
  function runOperation(name: string) {
    const op = app.contract(name);
    if (!op) return;
    // The untyped door: the operation is the user's pick, its answer shown as it came.
    setOverlay({
      kind: 'form',
      spec: {
        title: `${op.summary} (${op.name})`,
        operation: op.name,
        submitLabel: op.mutating ? 'Run' : 'Show',
        onDone: (result: unknown) => {
          if (!op.mutating) showText(`${op.summary}`, JSON.stringify(result, null, 2).split('\n'));
        },
      },
    });
  }

  const renderOverlay = () => {
    if (!overlay) return null;
    switch (overlay.kind) {
      case 'help':
        return (
          <HelpOverlay
            width={workWidth}
            height={bodyHeight}
            theme={theme}
            onClose={closeOverlay}
            sections={[
              { title: mode === 'screen' ? def.label : 'This screen', bindings: screenKeys.filter((b) => !b.group) },
              { title: 'Lists', bindings: screenKeys.filter((b) => b.group === 'Lists') },
              { title: 'Menu', bindings: menuBindings },
              { title: 'Everywhere', bindings: globalBindings },
            ]}
          />
        );
      case 'palette':
        return <Palette entries={paletteEntries} initial={overlay.initial} width={workWidth} height={bodyHeight} theme={theme} onClose={closeOverlay} />;
      case 'form': {
        const spec = overlay.spec;
        const op = app.contract(spec.operation);
        if (!op) return <Text color={theme.c('red')}>{spec.operation} is not in this build.</Text>;
        return (
          <Form
            title={spec.title}
            op={op}
            initial={spec.initial}
            fixed={spec.fixed}
            only={spec.fields}
            hide={spec.hide}
            submitLabel={spec.submitLabel}
            width={workWidth}
            height={bodyHeight}
            theme={theme}
            submit={async (input) => {
              if (op.dangerous) return { needsConfirm: input };
              return recordedAny(spec.operation, input);
            }}
            onDone={(result) => {
              const pending = (result as { needsConfirm?: Record<string, unknown> } | undefined)?.needsConfirm;
              if (op.dangerous && pending) {
                setOverlay({
                  kind: 'confirm',
                  spec: { operation: op.name, input: pending, verb: 'go ahead with', success: spec.success, onDone: spec.onDone },
                });
                return;
              }
              setOverlay(null);
              if (op.mutating) toast(spec.success ? spec.success(result) : `${op.summary}: done`);
              spec.onDone?.(result);
            }}
            onCancel={closeOverlay}
          />
        );
      }
      case 'confirm': {
        const spec = overlay.spec;
        const op = app.contract(spec.operation);
        let target = '';
        try {
          target = op?.target?.(spec.input as never) ?? '';
        } catch {
          target = '';
        }
        return (
          <ConfirmDialog
            title={`${op?.summary ?? spec.operation}: ${target}`}
            target={target}
            verb={spec.verb}
            details={spec.details}
            width={workWidth}
            height={bodyHeight}
            theme={theme}
            run={(typed) => recordedAny(spec.operation, { ...spec.input, confirm: typed })}
            onDone={(result) => {
              setOverlay(null);
              toast(spec.success ? spec.success(result) : `${op?.summary ?? spec.operation}: ${target} done`);
              spec.onDone?.(result);
            }}
            onCancel={closeOverlay}
          />
        );
      }
      case 'prompt':
        return null;
      case 'question':
        return (
          <Question
            text={overlay.text}
            theme={theme}
            onYes={() => {
              setOverlay(null);
              overlay.yes();
            }}
            onNo={closeOverlay}
          />
        );
      case 'panel':
        return overlay.render(closeOverlay);
      case 'text':
        return <TextView title={overlay.title} lines={overlay.lines} width={workWidth} height={bodyHeight} theme={theme} onClose={closeOverlay} />;
    }
  };

  const Screen = def.component;
  const mainFocused = focus === 'main' || Boolean(overlay);
  const paneMarker = mainFocused ? (theme.glyphs === 'ascii' ? '>' : theme.pointer) : theme.glyphs === 'ascii' ? '<' : theme.glyphs === 'block' ? '◄' : '◀';
  const divider = theme.glyphs === 'ascii' ? (mainFocused ? '!' : '|') : mainFocused ? (theme.glyphs === 'unicode' ? '┃' : '║') : '│';
  const menuItems: MenuItem[] = SCREENS.map((s) => ({ id: s.id, label: menuWidth >= 26 ? s.label : s.short, built: screenMode(app, s) !== 'unbuilt' }));
  const hintBindings = overlay ? [] : active;
  const apiText =
    link !== 'connected'
      ? 'daemon away: reconnecting…'
      : waiting
        ? `appliance busy: ${waiting.operation} waits, retrying in ${waiting.retryInSeconds} s…`
        : app.info?.apiUrl
          ? `API ${app.info.apiUrl}`
          : 'API on the socket only';
  const promptSpec = overlay?.kind === 'prompt' ? overlay.spec : null;
  const covering = overlay && overlay.kind !== 'prompt';

  return (
    <ShellProvider value={shell}>
      <Box flexDirection="column" width={columns} height={height}>
        <Header
          width={columns}
          theme={theme}
          hostname={options.hostname ?? os.hostname()}
          simulated={app.hostKind === 'sim'}
          user={actor.username}
          roles={actor.roles}
          alerts={alerts}
          now={now}
        />
        <Box flexDirection="row" height={bodyHeight}>
          <Menu
            items={menuItems}
            current={screenId}
            highlighted={menuIndex}
            focused={focus === 'menu' && !overlay}
            width={menuWidth}
            height={bodyHeight}
            theme={theme}
          />
          {/* Which pane has the keyboard, in a way that needs no colour: the divider's top cell points at it. */}
          <Box width={1} height={bodyHeight} flexDirection="column">
            <Text bold color={theme.c('cyan')}>
              {paneMarker}
            </Text>
            <Text dimColor={!mainFocused} bold={mainFocused} color={mainFocused ? theme.c('cyan') : undefined}>
              {`${divider}\n`.repeat(Math.max(0, bodyHeight - 1)).trimEnd()}
            </Text>
          </Box>
          <Box flexDirection="column" width={workWidth} height={bodyHeight} overflow="hidden">
            {covering ? renderOverlay() : null}
            <Box display={covering ? 'none' : 'flex'} flexDirection="column" width={workWidth} height={bodyHeight}>
              {mode === 'screen' && Screen ? (
                <Screen key={def.id} />
              ) : mode === 'operations' ? (
                <OperationsScreen key={def.id} def={def} operations={operationsOf(app, def)} run={runOperation} />
              ) : (
                <UnbuiltScreen key={def.id} def={def} />
              )}
            </Box>
          </Box>
        </Box>
        {promptSpec ? (
          <PromptLine
            key={overlay?.kind === 'prompt' ? overlay.id : 0}
            label={promptSpec.label}
            initial={promptSpec.initial}
            secret={promptSpec.secret}
            onChange={promptSpec.onChange}
            onSubmit={(v) => {
              setOverlay(null);
              promptSpec.onSubmit(v);
            }}
            onCancel={() => {
              setOverlay(null);
              promptSpec.onCancel?.();
            }}
          />
        ) : (
          <StatusLine
            width={columns}
            theme={theme}
            message={message}
            busy={busyCount > 0}
            jobs={[...jobs.values()]}
            api={apiText}
            apiOk={link === 'connected' && !waiting}
          />
        )}
        <KeyHints bindings={hintBindings} width={columns} theme={theme} />
      </Box>
    </ShellProvider>
  );
}
