/**
 * Free text that people name things with (display names, descriptions, comments, rule and
 * channel names) is drawn on terminals by every console and written into config files. It is
 * refused at the contract when it holds a control character: C0 (ESC, BEL, CR, LF, NUL...),
 * DEL, C1 (CSI 0x9b, OSC 0x9d...), or a Unicode character that reorders or breaks the line
 * (bidirectional overrides and isolates, line and paragraph separators).
 */
import { z } from 'zod';

// eslint-disable-next-line no-control-regex -- control characters are what this refuses
const CONTROL = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex -- control characters are what this refuses
const CONTROL_BUT_LINE_BREAKS = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** One line without control characters. */
export const PLAIN_TEXT = new RegExp(`^[^${CONTROL.source.slice(1, -1)}]*$`);
export const PLAIN_TEXT_MESSAGE = 'one line of text, without control characters';

/** Several lines (LF, CR LF and tabs allowed), otherwise without control characters. */
export const PLAIN_LINES = new RegExp(`^[^${CONTROL_BUT_LINE_BREAKS.source.slice(1, -1)}]*$`);
export const PLAIN_LINES_MESSAGE = 'text without control characters (line breaks and tabs allowed)';

/** Why the text is not plain, or null. */
export function controlCharacterProblem(text: string): string | null {
  const m = CONTROL.exec(text);
  return m ? `contains the control character U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : null;
}

/** A string schema refusing control characters: `plainText().max(200)`. */
export function plainText(opts: { lines?: boolean } = {}) {
  return opts.lines ? z.string().regex(PLAIN_LINES, PLAIN_LINES_MESSAGE) : z.string().regex(PLAIN_TEXT, PLAIN_TEXT_MESSAGE);
}
