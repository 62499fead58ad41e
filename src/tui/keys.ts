/**
 * Keybindings are data: the dispatcher runs them, the help overlay and the key-hint line
 * list them, and permission gating comes from the same table.
 */
import type { Key } from 'ink';
import type { Calypso, UserActor } from '../services/index.js';
import { AUTHENTICATED, PUBLIC } from '../services/index.js';

export interface KeyBinding {
  /** Key name as `keyName` produces it: 'c', 'D', 'enter', 'escape', 'up', 'ctrl+c'... */
  key: string;
  /** Other keys that do the same (e.g. 'down' for 'j'); shown in help, not in hints. */
  aliases?: string[];
  /** What it does, for help, hints and the palette. */
  description: string;
  /** Operation the key runs: its presence and permission decide whether the key is enabled. */
  operation?: string;
  /** A permission the key needs, when it runs no single operation. */
  permission?: string;
  /** Set when the key cannot be used now, with why. */
  disabledReason?: string;
  /** Leave out of the key-hint line (still in help). */
  hint?: boolean;
  /** Help overlay section. */
  group?: string;
  action: () => void;
}

/** The name of a key press, for matching against bindings. */
export function keyName(input: string, key: Key): string {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'enter';
  if (key.escape) return 'escape';
  if (key.tab) return key.shift ? 'shift+tab' : 'tab';
  if (key.backspace || key.delete) return 'backspace';
  if (key.ctrl && input) return `ctrl+${input.toLowerCase()}`;
  if (input === ' ') return 'space';
  return input;
}

const DISPLAY: Record<string, string> = {
  up: '↑', down: '↓', left: '←', right: '→', enter: 'Enter', escape: 'Esc', tab: 'Tab', 'shift+tab': 'S-Tab',
  pageup: 'PgUp', pagedown: 'PgDn', home: 'Home', end: 'End', space: 'Space', backspace: 'Bksp',
};

export function displayKey(key: string, ascii = false): string {
  if (ascii && ['up', 'down', 'left', 'right'].includes(key)) return key[0].toUpperCase() + key.slice(1);
  if (key.startsWith('ctrl+')) return `^${key.slice(5).toUpperCase()}`;
  return DISPLAY[key] ?? key;
}

export function matches(binding: KeyBinding, name: string): boolean {
  return binding.key === name || Boolean(binding.aliases?.includes(name));
}

/**
 * Why the actor cannot use an operation, or null when they can:
 * "needs storage.write; your role ReadOnly does not grant it".
 */
export function denialReason(app: Calypso, actor: UserActor | null, operation: string): string | null {
  const op = app.registry.get(operation);
  if (!op || (op.onlyOnHost && op.onlyOnHost !== app.host.kind)) return `${operation} is not in this build`;
  return permissionDenial(actor, op.permission);
}

export function permissionDenial(actor: UserActor | null, permission: string): string | null {
  if (permission === PUBLIC) return null;
  if (!actor) return 'log in first';
  if (permission === AUTHENTICATED || actor.permissions.has(permission)) return null;
  const roles = actor.roles.length ? actor.roles.join(', ') : 'no role';
  return `needs ${permission}; your role${actor.roles.length > 1 ? 's' : ''} ${roles} ${actor.roles.length > 1 ? 'do' : 'does'} not grant it`;
}

/** Fills in disabledReason from the binding's operation or permission. */
export function gate(app: Calypso, actor: UserActor | null, bindings: KeyBinding[]): KeyBinding[] {
  return bindings.map((b) => {
    if (b.disabledReason) return b;
    const reason = b.operation ? denialReason(app, actor, b.operation) : b.permission ? permissionDenial(actor, b.permission) : null;
    return reason ? { ...b, disabledReason: reason } : b;
  });
}
