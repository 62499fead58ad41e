/** What the shell gives every screen: the services, the user, and the shell's dialogs. */
import React, { createContext, useContext } from 'react';
import type { Input, OperationName, Output } from '../contracts/index.js';
import type { Appliance } from './appliance.js';
import type { ConsoleUser } from './session.js';
import type { KeyBinding } from './keys.js';
import type { MetricsStore } from './metrics.js';
import type { ConsoleClock } from './clock.js';
import type { Busy, Session } from './session.js';
import type { Theme } from './theme.js';

export interface ConsoleOptions {
  /** The console's own version (the daemon's is in system.info). */
  version: string;
  /** How the console reaches the daemon, for About (e.g. `unix:/var/lib/calypso/calypso.sock`). */
  connection: string;
  /** What the login screen may say before login (the daemon says after): the appliance is simulated. */
  hostKind?: 'sim' | 'local';
  /** Said once in the status line after login (e.g. that the console started the daemon). */
  notice?: string;
  /** Lock the screen after this many minutes without a key press; 0 never. */
  idleLockMinutes: number;
  /** First start only: the generated admin password, shown on the login screen once. */
  generatedAdminPassword?: string;
  hostname?: string;
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
}

/** Long-lived objects the console keeps across Ink re-mounts (e.g. after the live charts). */
export interface ConsoleServices {
  app: Appliance;
  options: ConsoleOptions;
  session: Session;
  busy: Busy;
  metrics: MetricsStore;
  theme: Theme;
  /** Where the user was, restored after the charts or an idle lock. */
  nav: { screen: string };
  /** Leave Ink for the blessed live charts; absent where there is no real terminal (tests). */
  openCharts?: () => void;
  /**
   * A shell on the appliance in this terminal (Admin; the daemon records it), coming back to the
   * same screen; absent where there is no real terminal (tests). Answers the status line's message.
   */
  openShell?: () => Promise<{ text: string; kind: 'info' | 'error' }>;
  /** A message for the status line at the next mount (e.g. why the charts closed); an error unless `kind` says info. */
  flash?: { text: string; kind: 'info' | 'error' };
  /** Leave the console. */
  quit: () => void;
  /** Time and the shell's once-a-second check (idle lock, toasts); tests give a manual one. */
  clock: ConsoleClock;
}

/** A form over the input of operation N; `success` and `onDone` receive N's answer. */
export interface FormSpec<N extends OperationName = OperationName> {
  title: string;
  operation: N;
  /** Dotted field path -> starting value. */
  initial?: Record<string, unknown>;
  /** Merged into the input, not shown (e.g. the object being edited). */
  fixed?: Record<string, unknown>;
  /** Only these fields, in this order (dotted paths). */
  fields?: string[];
  /** Fields to leave out. */
  hide?: string[];
  submitLabel?: string;
  success?: (result: Output<N>) => string;
  onDone?: (result: Output<N>) => void;
}

/** Typed confirmation of dangerous operation N on `input` (the confirmation is added to it). */
export interface ConfirmSpec<N extends OperationName = OperationName> {
  operation: N;
  input: Input<N>;
  /** The verb in "Type tank to destroy it". */
  verb: string;
  /** What else the user should know (children, snapshots...). */
  details?: string[];
  success?: (result: Output<N>) => string;
  onDone?: (result: Output<N>) => void;
}

export interface PromptSpec {
  label: string;
  initial?: string;
  /** Called on every edit (live filters). */
  onChange?: (value: string) => void;
  onSubmit: (value: string) => void;
  onCancel?: () => void;
  /** A passphrase: typed as stars, never drawn. */
  secret?: boolean;
}

export interface ShellApi {
  services: ConsoleServices;
  app: Appliance;
  theme: Theme;
  actor: ConsoleUser;
  /** The working area has the keyboard (not the menu or a dialog). */
  active: boolean;
  width: number;
  height: number;
  /** Runs an operation as the user and marks the console busy; throws the service's error. */
  call<N extends OperationName>(operation: N, input: Input<N>): Promise<Output<N>>;
  /** A user action that throws the service's error (for dialogs that show it themselves); commands recorded for `!`. */
  run<N extends OperationName>(operation: N, input: Input<N>): Promise<Output<N>>;
  /** A user action: busy, toast on success, status message on error, commands recorded for `!`. */
  act<N extends OperationName>(operation: N, input: Input<N>, opts?: { success?: (r: Output<N>) => string }): Promise<Output<N> | undefined>;
  /** Why the user cannot run an operation now, or null. */
  denial(operation: string): string | null;
  setBindings(bindings: KeyBinding[]): void;
  toast(text: string, kind?: 'info' | 'error'): void;
  openForm<N extends OperationName>(spec: FormSpec<N>): void;
  confirm<N extends OperationName>(spec: ConfirmSpec<N>): void;
  prompt(spec: PromptSpec): void;
  showText(title: string, lines: string[]): void;
  /** A screen's own dialog (e.g. the pool wizard): it owns the keyboard until it calls close. */
  openPanel(render: (close: () => void) => React.ReactNode): void;
  navigate(screen: string): void;
  /**
   * Calls the listener after every change made from this console (whatever ran it: a screen's
   * key, the palette, a form) and when a job ends; returns the unsubscribe. useQuery re-reads on it.
   */
  onChange(listener: () => void): () => void;
}

export const ShellContext = createContext<ShellApi | null>(null);

export function useShell(): ShellApi {
  const shell = useContext(ShellContext);
  if (!shell) throw new Error('useShell outside the console shell');
  return shell;
}

export function ShellProvider({ value, children }: { value: ShellApi; children: React.ReactNode }): React.ReactElement {
  return <ShellContext.Provider value={value}>{children}</ShellContext.Provider>;
}
