/**
 * Reading a large log file backwards in pages, never the whole file in memory: chunks from the
 * end (or from a byte offset a previous page stopped at), split into lines, newest first. Each
 * call scans at most `maxScanBytes`, so a filter that matches nothing answers quickly with the
 * offset to continue from.
 */
import { open, stat } from 'node:fs/promises';

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

export interface ForwardRead {
  /** Whole lines appended after `from`, oldest first; `end` is the offset after the line's newline. */
  lines: (LogLine & { end: number })[];
  /** Where the next read starts (after the last whole line read). */
  next: number;
  /** The file is shorter than `from`: it was truncated or rotated, and this read started from 0. */
  restarted: boolean;
}

/**
 * The whole lines appended to a file since byte `from`, at most `maxBytes` of them per call (a
 * line still being written, without its newline, waits for the next call). A file shorter than
 * `from` was truncated or rotated: the read starts again from 0 and says so.
 */
export async function readLinesForward(file: string, opts: { from: number; maxBytes?: number }): Promise<ForwardRead> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const restarted = size < opts.from;
    let pos = restarted ? 0 : opts.from;
    const stop = Math.min(size, pos + (opts.maxBytes ?? 1024 * 1024));
    const lines: (LogLine & { end: number })[] = [];
    let pending: Buffer = Buffer.alloc(0);
    let pendingStart = pos;
    let next = pos;
    while (pos < stop) {
      const len = Math.min(CHUNK, stop - pos);
      const buf = Buffer.alloc(len);
      const { bytesRead } = await handle.read(buf, 0, len, pos);
      if (bytesRead === 0) break;
      let cut = 0;
      for (let i = 0; i < bytesRead; i++) {
        if (buf[i] !== 0x0a) continue;
        const piece = Buffer.concat([pending, buf.subarray(cut, i)]);
        if (piece.length) lines.push({ offset: pendingStart, text: piece.subarray(0, MAX_LINE).toString('utf8'), end: pos + i + 1 });
        pending = Buffer.alloc(0);
        cut = i + 1;
        pendingStart = pos + cut;
        next = pendingStart;
      }
      // Only the first MAX_LINE bytes of a line are kept: a runaway line cannot hold memory.
      if (pending.length < MAX_LINE) pending = Buffer.concat([pending, buf.subarray(cut, bytesRead)]).subarray(0, MAX_LINE);
      pos += bytesRead;
    }
    // A line longer than the whole budget: skip past what was read so the follower moves on.
    if (!lines.length && pos - next >= (opts.maxBytes ?? 1024 * 1024)) {
      lines.push({ offset: next, text: pending.toString('utf8'), end: pos });
      next = pos;
    }
    return { lines, next, restarted };
  } finally {
    await handle.close();
  }
}

/** The size of a log file in bytes (0: it does not exist yet). */
export async function logFileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}
