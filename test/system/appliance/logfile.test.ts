/** Reading a log backwards in pages: every line once, in order, across chunk edges, with a filter and a scan budget. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { logFileSize, readLinesBackward, readLinesForward } from '../../../src/system/logfile.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-logfile-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, lines: string[], trailingNewline = true): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join('\n') + (trailingNewline ? '\n' : ''));
  return file;
}

async function all(file: string, limit: number, match?: (l: string) => boolean, maxScanBytes?: number): Promise<{ lines: string[]; pages: number }> {
  const out: string[] = [];
  let before: number | undefined;
  let pages = 0;
  for (;;) {
    const page = await readLinesBackward(file, { before, limit, match, maxScanBytes });
    pages++;
    out.push(...page.lines.map((l) => l.text));
    if (page.nextBefore === null) return { lines: out, pages };
    expect(page.nextBefore).toBeLessThan(before ?? Infinity);
    before = page.nextBefore;
  }
}

test('pages of a file far larger than a chunk give every line exactly once, newest first', async () => {
  // Lines of varied length, so line ends fall everywhere across the 64 KiB chunks.
  const lines = Array.from({ length: 20_000 }, (_, i) => `{"n":${i},"msg":"${'x'.repeat(i % 97)}"}`);
  const file = write('big.log', lines);
  const { lines: got, pages } = await all(file, 333);
  expect(got).toEqual([...lines].reverse());
  expect(pages).toBe(Math.ceil(lines.length / 333) + (lines.length % 333 === 0 ? 1 : 0));
});

test('a filter keeps only matching lines; a scan budget answers early with where to go on', async () => {
  const lines = Array.from({ length: 5000 }, (_, i) => (i % 1000 === 0 ? `ERROR ${i}` : `info ${i} ${'y'.repeat(50)}`));
  const file = write('filter.log', lines, false);
  const { lines: got, pages } = await all(file, 10, (l) => l.startsWith('ERROR'), 64 * 1024);
  expect(got).toEqual(['ERROR 4000', 'ERROR 3000', 'ERROR 2000', 'ERROR 1000', 'ERROR 0']);
  expect(pages).toBeGreaterThan(2);
});

test('an empty file and a file of one line without a newline', async () => {
  expect(await readLinesBackward(write('empty.log', [], false), { limit: 5 })).toEqual({ lines: [], nextBefore: null });
  expect(await readLinesBackward(write('one.log', ['only'], false), { limit: 5 })).toEqual({ lines: [{ offset: 0, text: 'only' }], nextBefore: null });
});

test('forward from an offset: every whole line once across chunk edges and read budgets; a partial line waits; a shrunk file restarts', async () => {
  const lines = Array.from({ length: 4000 }, (_, i) => `line ${i} ${'é'.repeat(i % 37)}`);
  const file = write('forward.log', lines);
  const seen: string[] = [];
  let from = 0;
  let reads = 0;
  for (;;) {
    const r = await readLinesForward(file, { from, maxBytes: 50_000 });
    reads++;
    expect(r.restarted).toBe(false);
    for (const l of r.lines) expect(l.end).toBeGreaterThan(l.offset);
    seen.push(...r.lines.map((l) => l.text));
    if (r.next === from) break;
    from = r.next;
  }
  expect(seen).toEqual(lines);
  expect(reads).toBeGreaterThan(2);
  expect(from).toBe(await logFileSize(file));
  // A line still being written is not returned until its newline is.
  fs.appendFileSync(file, 'half a li');
  expect((await readLinesForward(file, { from })).lines).toEqual([]);
  fs.appendFileSync(file, 'ne\nnext\n');
  const more = await readLinesForward(file, { from });
  expect(more.lines.map((l) => l.text)).toEqual(['half a line', 'next']);
  expect(more.lines[0]!.offset).toBe(from);
  // Truncated below the position: read again from the start, and say so.
  fs.writeFileSync(file, 'fresh\n');
  expect(await readLinesForward(file, { from: more.next })).toEqual({ lines: [{ offset: 0, text: 'fresh', end: 6 }], next: 6, restarted: true });
  expect(await logFileSize(path.join(dir, 'absent.log'))).toBe(0);
});

test('forward: a runaway line is cut at 64 KiB, and one longer than the read budget is skipped past, never held whole', async () => {
  const file = write('runaway-forward.log', ['short', 'x'.repeat(300_000), 'after']);
  const r = await readLinesForward(file, { from: 0 });
  expect(r.lines.map((l) => l.text.length)).toEqual([5, 64 * 1024, 5]);
  expect(r.lines[2]!.text).toBe('after');
  // A budget smaller than the line: the reader moves on rather than waiting for ever.
  let from = 6;
  const texts: string[] = [];
  for (let i = 0; i < 10 && from < (await logFileSize(file)); i++) {
    const step = await readLinesForward(file, { from, maxBytes: 100_000 });
    texts.push(...step.lines.map((l) => l.text.slice(0, 5)));
    expect(step.next).toBeGreaterThan(from);
    from = step.next;
  }
  expect(texts.at(-1)).toBe('after');
});
