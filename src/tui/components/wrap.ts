/** Word wrapping for text the console must show whole (confirmations, status messages). */

/**
 * Splits `text` into lines at most `width` cells wide, breaking at spaces and after commas;
 * a word longer than a line is cut into pieces, never dropped. Newlines in the text are kept.
 */
export function wrapText(text: string, width: number): string[] {
  const w = Math.max(1, Math.floor(width));
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    // Words keep their trailing separator, so a list "a, b, c" breaks after a comma.
    for (const word of paragraph.match(/\S+\s*/g) ?? []) {
      let rest = word;
      while (rest.trimEnd().length > w) {
        if (line.trimEnd()) {
          out.push(line.trimEnd());
          line = '';
        }
        out.push(rest.slice(0, w));
        rest = rest.slice(w);
      }
      if ((line + rest).trimEnd().length > w) {
        out.push(line.trimEnd());
        line = '';
      }
      line += rest;
    }
    out.push(line.trimEnd());
  }
  return out;
}
