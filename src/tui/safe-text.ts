/**
 * Text from users, tools and the API is drawn on a terminal, where ESC, BEL, CSI (0x9b) and
 * their friends are commands: `ESC ] 0 ; ... BEL` in a display name would retitle the window,
 * and worse sequences can move the cursor, repaint other parts of the screen or, on some
 * terminals, answer back into the input. Every string the console draws goes through safeText()
 * (the Text of ./components/Text.tsx does it for every child string), which shows each control
 * character as one visible character instead, so the width of the text never changes: what a
 * caller measured (pad, truncate) is what is drawn.
 */

/**
 * C0 controls, DEL, C1 controls, and the Unicode format characters that reorder or break lines
 * (bidirectional overrides and isolates, line and paragraph separators).
 */
// eslint-disable-next-line no-control-regex -- control characters are what this replaces
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- control characters are what this replaces
const UNSAFE_BUT_NEWLINE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- control characters are what this replaces
const ANY_UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** The visible stand-in of one unsafe character: the Unicode control pictures (␛ for ESC, ␇ for BEL...). */
function picture(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code === 0x09) return ' ';
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return '\ufffd';
}

/**
 * The text with every control character replaced by a visible character of the same width:
 * ESC -> ␛, BEL -> ␇, newline -> ␤ (unless `keepNewlines`), tab -> one space, C1 controls and
 * bidirectional overrides -> �. An escape sequence is thereby shown, never obeyed.
 */
export function safeText(text: string, opts: { keepNewlines?: boolean } = {}): string {
  if (!ANY_UNSAFE.test(text)) return text;
  return text.replace(opts.keepNewlines ? UNSAFE_BUT_NEWLINE : UNSAFE, (ch) => (ch === '\n' ? '\u2424' : picture(ch)));
}

/** The text without any character safeText() would replace: what a typed value may hold. */
export function stripControls(text: string): string {
  return text.replace(UNSAFE, '');
}

/** Whether the text holds anything safeText() would replace (newlines included). */
export function hasControlCharacters(text: string): boolean {
  return ANY_UNSAFE.test(text);
}

/** Tool output for a multi-line view: tabs expanded to 8-column stops, then made safe. */
export function safeLines(text: string): string[] {
  return text.split(/\r?\n/).map((line) => safeText(expandTabs(line)));
}

export function expandTabs(line: string, stop = 8): string {
  if (!line.includes('\t')) return line;
  let out = '';
  for (const ch of line) out += ch === '\t' ? ' '.repeat(stop - (out.length % stop)) : ch;
  return out;
}
