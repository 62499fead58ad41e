/**
 * Reading a large log file backwards in pages, never the whole file in memory: chunks from the
 * end (or from a byte offset a previous page stopped at), split into lines, newest first. Each
 * call scans at most `maxScanBytes`, so a filter that matches nothing answers quickly with the
 * offset to continue from.
 */
import { open } from 'node:fs/promises';

export interface LogLine {
  /** Byte offset of the line's start: pass it as `before` to read what precedes it. */
  offset: number;
  text: string;
}

export interface BackwardPage {
  lines: LogLine[];
  /** Where the next (older) page starts; null at the start of the file. */
  nextBefore: number | null;
}

const CHUNK = 64 * 1024;
/** A line longer than this is cut (a runaway log line must not hold the daemon's memory). */
const MAX_LINE = 64 * 1024;

export async function readLinesBackward(
  file: string,
  opts: { before?: number; limit: number; match?: (line: string) => boolean; maxScanBytes?: number },
): Promise<BackwardPage> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const start = Math.min(opts.before ?? size, size);
    let end = start;
    const stopAt = Math.max(0, start - (opts.maxScanBytes ?? 16 * 1024 * 1024));
    const lines: LogLine[] = [];
    // Bytes of the line being assembled (its end is known, its start not yet).
    let tail: Buffer = Buffer.alloc(0);
    let pos = end;
    while (pos > stopAt && lines.length < opts.limit) {
      const len = Math.min(CHUNK, pos - stopAt);
      pos -= len;
      const buf = Buffer.alloc(len);
      await handle.read(buf, 0, len, pos);
      let cut = buf.length;
      for (let i = buf.length - 1; i >= 0 && lines.length < opts.limit; i--) {
        if (buf[i] !== 0x0a) continue;
        const piece = Buffer.concat([buf.subarray(i + 1, cut), tail]);
        tail = Buffer.alloc(0);
        const offset = pos + i + 1;
        if (piece.length) {
          const text = piece.subarray(0, MAX_LINE).toString('utf8');
          if (!opts.match || opts.match(text)) lines.push({ offset, text });
        }
        end = offset;
        cut = i;
      }
      if (lines.length >= opts.limit) break;
      tail = Buffer.concat([buf.subarray(0, cut), tail]).subarray(0, MAX_LINE * 2);
    }
    if (lines.length >= opts.limit) return { lines, nextBefore: end > 0 ? end : null };
    if (pos === 0) {
      // The file's first line has no newline before it.
      const text = tail.subarray(0, MAX_LINE).toString('utf8');
      if (tail.length && (!opts.match || opts.match(text))) lines.push({ offset: 0, text });
      return { lines, nextBefore: null };
    }
    // The scan budget ran out: go on from the oldest line start seen (or past one huge line).
    return { lines, nextBefore: end < start ? end : pos };
  } finally {
    await handle.close();
  }
}
