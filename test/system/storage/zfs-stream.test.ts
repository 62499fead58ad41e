/**
 * Streamed parsing (issue 16): the Host hands output to a line splitter chunk by chunk, and the
 * parsers see lines. Whatever the chunk boundaries, the result is the buffered parser's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { describe, expect, test } from '@jest/globals';
import { HostCommandError, runLinesOf } from '../../../src/system/host.js';
import { LineSplitter } from '../../../src/system/lines.js';
import { LocalHost } from '../../../src/system/local-host.js';
import { SimulatedHost } from '../../../src/system/sim/index.js';
import { parseZfsGet, parseZfsGetLine, parseZfsList, parseZpoolStatus, snapshotRow, ZfsAdapter, zfsListLineParser } from '../../../src/system/zfs/index.js';
import { prng as random } from '../../helpers/prng.js';

const FIXTURE_DIRS = readdirSync(new URL('../../fixtures/', import.meta.url)).filter((d) => d.startsWith('zfs') || d.startsWith('zpool'));
const fixtures = FIXTURE_DIRS.flatMap((d) =>
  readdirSync(new URL(`../../fixtures/${d}/`, import.meta.url))
    .filter((f) => f.endsWith('.txt'))
    .map((f) => ({ name: `${d}/${f}`, bytes: readFileSync(new URL(`../../fixtures/${d}/${f}`, import.meta.url)) })),
);

/** Lines as a Host streaming these byte chunks would hand them out (decoded as LocalHost decodes them). */
function streamedLines(chunks: Buffer[]): string[] {
  const lines: string[] = [];
  const decoder = new StringDecoder('utf8');
  const splitter = new LineSplitter((l) => lines.push(l));
  for (const c of chunks) splitter.push(decoder.write(c));
  splitter.push(decoder.end());
  splitter.end();
  return lines;
}

function randomChunks(bytes: Buffer, next: () => number): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const size = 1 + Math.floor(next() * 64);
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

/** Every way the tests cut a fixture: at each byte offset in two, and 50 random cuts into small chunks. */
function* splits(bytes: Buffer, seed: number): Generator<Buffer[]> {
  for (let i = 0; i <= bytes.length; i++) yield [bytes.subarray(0, i), bytes.subarray(i)];
  const next = random(seed);
  for (let k = 0; k < 50; k++) yield randomChunks(bytes, next);
}

const LIST_COLUMNS: Record<string, string[]> = {
  'zfs/zfs-fuse-0.7.0-list-human.txt': ['name', 'type', 'used', 'avail', 'refer', 'quota', 'mountpoint'],
};

describe('streamed parsing gives the buffered result on every zfs/zpool fixture, cut anywhere', () => {
  test('there are fixtures to cut', () => {
    expect(fixtures.map((f) => f.name)).toEqual(expect.arrayContaining(['zfs/zfs-fuse-0.7.0-list-human.txt', 'zfs/zfs-fuse-0.7.0-get-all.txt']));
    expect(fixtures.length).toBeGreaterThan(5);
  });

  test.each(fixtures.map((f, i) => [f.name, f.bytes, i] as const))('%s', (name, bytes, seed) => {
    const text = bytes.toString('utf8');
    const columns = LIST_COLUMNS[name];
    const buffered = columns ? parseZfsList(text, columns) : name.endsWith('get-all.txt') ? parseZfsGet(text) : null;
    const parseLine: (line: string) => unknown = columns ? zfsListLineParser(columns) : parseZfsGetLine;
    for (const chunks of splits(bytes, 1000 + seed)) {
      const lines = streamedLines(chunks);
      // The lines are the text's lines, whatever the cut (a last line without '\n' included).
      expect(lines.join('\n') + (text.endsWith('\n') ? '\n' : '')).toBe(text);
      if (buffered) expect(lines.map(parseLine).filter((r) => r !== null)).toEqual(buffered);
      else if (name.startsWith('zpool-status/')) expect(parseZpoolStatus(lines.join('\n'))).toEqual(parseZpoolStatus(text));
    }
  });

  test('a character of several bytes cut in the middle stays whole', () => {
    const bytes = Buffer.from('tank/données@été\t4096\n tank/日本\t8192\n', 'utf8');
    for (const chunks of splits(bytes, 7)) expect(streamedLines(chunks)).toEqual(['tank/données@été\t4096', ' tank/日本\t8192']);
  });
});

describe('hosts that stream', () => {
  const columns = 'name,used,referenced,creation,userrefs';

  test('the simulator streams zfs list lines that are exactly its buffered answer', async () => {
    const host = new SimulatedHost({ now: () => Date.UTC(2026, 0, 1) });
    await host.seed({ datasets: 30, snapshots: 3000 });
    for (const args of [
      ['list', '-H', '-p', '-t', 'snapshot', '-o', columns],
      ['list', '-H', '-p', '-t', 'snapshot', '-o', `${columns},createtxg`],
      ['list', '-H', '-p', '-t', 'snapshot', '-o', columns, '-r', 'tank/seed'],
      ['list', '-H', '-p', '-t', 'filesystem,volume,snapshot', '-o', 'name,used', '-d', '1', 'tank/seed'],
      ['list', '-H', '-p', '-o', 'name,used', '-s', 'used'],
      ['list', '-o', 'name,used'],
    ]) {
      const lines: string[] = [];
      const streamed = await host.runLines('zfs', args, (l) => lines.push(l));
      const buffered = await host.run('zfs', args);
      expect(streamed).toEqual({ code: buffered.code, stderr: buffered.stderr });
      expect(lines.join('\n') + '\n').toBe(buffered.stdout);
    }
    // Refusals are the buffered run's refusals.
    await expect(host.runLines('zfs', ['list', '-t', 'nonsense'], () => undefined)).rejects.toMatchObject({ code: 2 });
    await expect(host.runLines('zfs', ['list', 'tank/none'], () => undefined)).rejects.toBeInstanceOf(HostCommandError);
  });

  test('LocalHost streams output past the buffered bound, which still holds for run', async () => {
    const host = new LocalHost({ maxBuffer: 64 * 1024 });
    // ~1.1 MB in 20,000 lines, written in pieces that do not end on a line.
    const script =
      "let s='';for(let i=0;i<20000;i++){s+='tank/ds@snap-'+i+'\\t'+i*4096+'\\n';if(s.length>5000){process.stdout.write(s.slice(0,4999));s=s.slice(4999)}}process.stdout.write(s)";
    const lines: string[] = [];
    expect(await host.runLines(process.execPath, ['-e', script], (l) => lines.push(l))).toEqual({ code: 0, stderr: '' });
    expect(lines).toHaveLength(20000);
    expect(lines[12345]).toBe(`tank/ds@snap-12345\t${12345 * 4096}`);
    await expect(host.run(process.execPath, ['-e', script])).rejects.toThrow(/output exceeded the size limit/);
    // A failure keeps its exit code and standard error; a missing command is named.
    const err = (await host
      .runLines(process.execPath, ['-e', "console.log('a');console.error('broken');process.exit(3)"], () => undefined)
      .catch((e: unknown) => e)) as HostCommandError;
    expect(err).toBeInstanceOf(HostCommandError);
    expect(err).toMatchObject({ code: 3, stderr: 'broken\n' });
    await expect(host.runLines('/nonexistent/calypso-tool', [], () => undefined)).rejects.toThrow(/command not found/);
    // A parser that refuses a line stops the command and says why.
    await expect(
      host.runLines(process.execPath, ['-e', script], () => {
        throw new Error('unreadable line');
      }),
    ).rejects.toThrow(/unreadable line/);
  });

  test('runLinesOf falls back to run and the same lines for a host that does not stream', async () => {
    const sim = new SimulatedHost();
    const plain = { kind: 'sim' as const, files: sim.files, history: () => [], run: sim.run.bind(sim) };
    const a: string[] = [];
    const b: string[] = [];
    await runLinesOf(plain, 'zfs', ['list', '-H', '-o', 'name'], (l) => a.push(l));
    await runLinesOf(sim, 'zfs', ['list', '-H', '-o', 'name'], (l) => b.push(l));
    expect(a).toEqual(b);
    expect(a).toContain('tank');
  });

  test('the snapshot index read from the stream holds what the buffered listing holds', async () => {
    const host = new SimulatedHost({ now: () => Date.UTC(2026, 0, 1) });
    await host.seed({ datasets: 20, snapshots: 2000 });
    const zfs = new ZfsAdapter(host);
    const listed = await zfs.listSnapshots();
    const indexed = await zfs.snapshotIndex();
    const all = indexed.index.page({ limit: 100_000 });
    expect(all.total).toBe(listed.length);
    expect(all.positions.map((i) => snapshotRow(indexed, i))).toEqual(
      listed.map((r) => ({ name: r.name, used: r.used, referenced: r.referenced, creation: Number(r.raw['creation']), userrefs: Number(r.raw['userrefs']) })),
    );
  });
});
