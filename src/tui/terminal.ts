/**
 * The terminal the console draws on: alternate screen in, and always back out (quit, error,
 * signal): cursor shown, attributes reset, raw mode off, alternate screen left.
 */
export class TerminalGuard {
  private entered = false;

  constructor(private readonly input: NodeJS.ReadStream, private readonly output: NodeJS.WriteStream) {}

  enter(): void {
    if (this.entered) return;
    this.entered = true;
    // Alternate screen, home, clear, hide the cursor.
    this.output.write('\x1b[?1049h\x1b[H\x1b[2J\x1b[?25l');
  }

  /** After another full-screen program (the blessed charts) gave the terminal back, out of the alternate screen. */
  reclaim(): void {
    if (this.entered) this.output.write('\x1b[?1049h\x1b[H\x1b[2J\x1b[?25l');
  }

  /** Safe to call more than once, and from an 'exit' handler (synchronous writes only). */
  restore(): void {
    if (!this.entered) return;
    this.entered = false;
    try {
      if (this.input.isTTY) this.input.setRawMode?.(false);
    } catch {
      // The terminal may already be gone (SIGHUP); nothing left to restore then.
    }
    try {
      this.output.write('\x1b[0m\x1b[?25h\x1b[?1049l');
    } catch {
      // As above.
    }
  }
}
