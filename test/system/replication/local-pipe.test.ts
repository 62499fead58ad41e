/**
 * Host.pipe on the real machine (LocalHost): `a | b` without a shell, both exit codes and both
 * standard errors, the byte count, cancellation of both sides, and the bandwidth limit Calypso
 * enforces by relaying the stream.
 */
import { describe, expect, test } from '@jest/globals';
import { LocalHost } from '../../../src/system/local-host.js';

const host = new LocalHost();

describe('LocalHost.pipe', () => {
  test('relays the stream and reports both sides', async () => {
    const lines: string[] = [];
    const r = await host.pipe(
      { command: 'sh', args: ['-c', 'printf "hello world"; echo "sending" >&2'] },
      { command: 'sh', args: ['-c', 'wc -c; echo "received" >&2'] },
      { onStderr: (side, line) => lines.push(`${side}: ${line}`) },
    );
    expect(r.source).toEqual({ code: 0, stderr: 'sending\n' });
    expect(r.sink).toEqual({ code: 0, stderr: 'received\n', stdout: '11\n' });
    expect(r.bytes).toBe(11);
    expect(r.cancelled).toBe(false);
    expect(lines.sort()).toEqual(['sink: received', 'source: sending']);
    const hist = host.history(2);
    expect(hist.map((h) => [h.command, h.args[0], h.code])).toEqual([
      ['sh', '-c', 0],
      ['sh', '-c', 0],
    ]);
  });

  test('a refusing receiver: its exit code and words, and the sender is stopped', async () => {
    const r = await host.pipe({ command: 'cat', args: ['/dev/zero'] }, { command: 'sh', args: ['-c', 'echo "cannot receive: refused" >&2; exit 3'] });
    expect(r.sink.code).toBe(3);
    expect(r.sink.stderr).toBe('cannot receive: refused\n');
    expect(r.source.code).not.toBe(0);
  });

  test('a command that does not exist is exit 127 with the reason', async () => {
    const r = await host.pipe({ command: 'calypso-no-such-tool', args: [] }, { command: 'cat', args: [] });
    expect(r.source.code).toBe(127);
    expect(r.source.stderr).toMatch(/command not found/);
  });

  test('aborting the signal ends both sides', async () => {
    const stop = new AbortController();
    const r = await host.pipe(
      { command: 'cat', args: ['/dev/zero'] },
      { command: 'cat', args: [] },
      {
        signal: stop.signal,
        onBytes: (b) => {
          if (b > 1_000_000) stop.abort();
        },
      },
    );
    expect(r.cancelled).toBe(true);
    expect(r.bytes).toBeGreaterThan(1_000_000);
    // The sender was killed (no exit code); the receiver saw the end of its input.
    expect(r.source.code).toBeNull();
  });

  test('the bandwidth limit holds: 384 KiB at 128 KiB/s take at least two seconds (a first window goes at once)', async () => {
    const seen: [number, number][] = [];
    const r = await host.pipe(
      { command: 'head', args: ['-c', String(384 * 1024), '/dev/zero'] },
      { command: 'wc', args: ['-c'] },
      { limitBytesPerSecond: 128 * 1024, onBytes: (b, at) => seen.push([b, at]) },
    );
    expect(r.sink.stdout.trim()).toBe(String(384 * 1024));
    expect(r.endedAtMs - r.startedAtMs).toBeGreaterThanOrEqual(1990);
    // Never more than the limit plus one window's worth ahead of the clock.
    for (const [b, at] of seen) expect(b).toBeLessThanOrEqual(128 * 1024 * ((at - r.startedAtMs) / 1000 + 1));
  });
});
