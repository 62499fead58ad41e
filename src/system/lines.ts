/**
 * Output read as it comes, one line at a time (issue 16): `zfs list -t snapshot` on an appliance
 * with a million snapshots is more than any buffer should hold, so the Host hands its chunks to a
 * LineSplitter and the parser sees lines, never the whole text.
 */

/** Cuts text that arrives in chunks of any size into lines (without their '\n'); empty lines are passed on too. */
export class LineSplitter {
  private rest = '';

  constructor(private readonly onLine: (line: string) => void) {}

  /** A chunk of text (already decoded: a character split across two byte chunks is the decoder's business). */
  push(chunk: string): void {
    let start = 0;
    let nl = chunk.indexOf('\n');
    if (nl === -1) {
      this.rest += chunk;
      return;
    }
    if (this.rest !== '') {
      const first = this.rest + chunk.slice(0, nl);
      this.rest = '';
      this.onLine(first);
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    while (nl !== -1) {
      this.onLine(chunk.slice(start, nl));
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    this.rest = chunk.slice(start);
  }

  /** The end of the output: a last line without its '\n' is a line too. */
  end(): void {
    if (this.rest !== '') {
      const last = this.rest;
      this.rest = '';
      this.onLine(last);
    }
  }
}

/** Every line of a text, as a LineSplitter fed the whole text at once would give them. */
export function forEachLine(text: string, onLine: (line: string) => void): void {
  const splitter = new LineSplitter(onLine);
  splitter.push(text);
  splitter.end();
}
