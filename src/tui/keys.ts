/**
 * Keybindings are data: the dispatcher runs them, the help overlay and the key-hint line
 * list them, and permission gating comes from the same table.
 */
import type { Key } from 'ink';
import { permissionVerdict } from '../contracts/core.js';
import type { Appliance } from './appliance.js';
import type { ConsoleUser } from './session.js';
import { stripControls } from './safe-text.js';

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
  /** When the key-hint line is too short, higher priorities stay and lower ones go first (default 0). */
  priority?: number;
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
  up: '↑',
  down: '↓',
  left: '←',
  right: '→',
  enter: 'Enter',
  escape: 'Esc',
  tab: 'Tab',
  'shift+tab': 'S-Tab',
  pageup: 'PgUp',
  pagedown: 'PgDn',
  home: 'Home',
  end: 'End',
  space: 'Space',
  backspace: 'Bksp',
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
export function denialReason(app: Appliance, actor: ConsoleUser | null, operation: string): string | null {
  const op = app.contract(operation);
  if (!op || (op.onlyOnHost && op.onlyOnHost !== app.hostKind)) return `${operation} is not in this build`;
  return permissionDenial(actor, op.permission);
}

export function permissionDenial(actor: ConsoleUser | null, permission: string): string | null {
  const verdict = permissionVerdict(permission, actor ? actor.permissions : null);
  if (verdict === 'ok') return null;
  if (!actor) return 'log in first';
  const roles = actor.roles.length ? actor.roles.join(', ') : 'no role';
  return `needs ${permission}; your role${actor.roles.length > 1 ? 's' : ''} ${roles} ${actor.roles.length > 1 ? 'do' : 'does'} not grant it`;
}

/** Fills in disabledReason from the binding's operation or permission. */
export function gate(app: Appliance, actor: ConsoleUser | null, bindings: KeyBinding[]): KeyBinding[] {
  return bindings.map((b) => {
    if (b.disabledReason) return b;
    const reason = b.operation ? denialReason(app, actor, b.operation) : b.permission ? permissionDenial(actor, b.permission) : null;
    return reason ? { ...b, disabledReason: reason } : b;
  });
}

/**
 * A terminal read can hold several keys: a password manager or a paste types a user name, Tab,
 * a password and Enter in one write, and 20 fast Backspaces arrive as 20 DEL bytes together.
 * Ink passes such a chunk on as one "key" (it splits only escape sequences), so the console
 * splits it here into the keys it holds, in order: every character is one key, CR LF and a lone
 * LF are Enter, and an escape sequence (arrows, function keys, Alt+key) stays whole.
 */
export function splitKeys(chunk: string): string[] {
  // Ink has already cut escape sequences out of the read: one that starts with ESC is one key,
  // except the Meta prefix that a fast Esc makes of the key after it. The console binds no Alt
  // key, so ESC before another sequence (Esc, Down) or before one character (Esc, k) is Esc first.
  if (chunk.startsWith('\x1b')) {
    if (chunk.startsWith('\x1b\x1b')) return ['\x1b', ...splitKeys(chunk.slice(1))];
    if (chunk.length === 2 && chunk[1] !== '[' && chunk[1] !== 'O') return ['\x1b', ...splitKeys(chunk.slice(1))];
    return [chunk];
  }
  if (chunk.length <= 1) return chunk === '\n' ? ['\r'] : chunk ? [chunk] : [];
  const keys: string[] = [];
  let previous = '';
  for (const ch of chunk) {
    if (ch === '\n') {
      if (previous !== '\r') keys.push('\r');
    } else keys.push(ch);
    previous = ch;
  }
  return keys;
}

/**
 * One line of text edited by one input: Backspace (BS or DEL, whichever the terminal sends)
 * removes the last character (a whole emoji, not half of it), Ctrl-U clears, Enter submits,
 * printable text is appended, and any other control character is dropped. Several keys in one
 * input (text from a paste) are applied in order; what follows an Enter is not typed.
 */
export function editLine(
  value: string,
  input: string,
  key: Pick<Key, 'backspace' | 'delete' | 'return' | 'ctrl' | 'meta'>,
): { value: string; submit: boolean } {
  if (key.return) return { value, submit: true };
  if (key.backspace || key.delete) return { value: dropLast(value), submit: false };
  if (key.ctrl && input === 'u') return { value: '', submit: false };
  if (key.ctrl || key.meta || !input) return { value, submit: false };
  let out = value;
  for (const ch of input) {
    if (ch === '\r' || ch === '\n') return { value: out, submit: true };
    if (ch === '\x7f' || ch === '\b') out = dropLast(out);
    else if (ch === '\x15') out = '';
    else out += stripControls(ch);
  }
  return { value: out, submit: false };
}

function dropLast(value: string): string {
  const chars = Array.from(value);
  chars.pop();
  return chars.join('');
}
