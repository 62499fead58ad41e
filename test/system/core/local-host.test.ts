import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { HostCommandError } from '../../../src/system/host.js';
import { LocalHost } from '../../../src/system/local-host.js';

describe('LocalHost', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'calypso-local-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('runs a command with an argument array, no shell, LC_ALL=C', async () => {
    const host = new LocalHost();
    expect(await host.run('echo', ['a b', '$HOME', ';', 'ls'])).toEqual({ code: 0, stdout: 'a b $HOME ; ls\n', stderr: '' });
    expect((await host.run('sh', ['-c', 'echo $LC_ALL'])).stdout).toBe('C\n');
    expect((await host.run('cat', [], { input: 'from stdin' })).stdout).toBe('from stdin');
  });

  test('a failing command throws HostCommandError with command, args, code and stderr', async () => {
    const host = new LocalHost();
    const err = await host.run('false', []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostCommandError);
    expect(err).toMatchObject({ command: 'false', args: [], code: 1 });
    const ls = await host.run('ls', ['/nonexistent-calypso']).catch((e: unknown) => e as HostCommandError);
    expect(ls).toMatchObject({ code: 2 });
    expect((ls as HostCommandError).stderr).toContain('No such file or directory');
    expect((await host.run('false', [], { okCodes: [0, 1] })).code).toBe(1);
  });

  test('a missing command: code null, "command not found"', async () => {
    const err = (await new LocalHost().run('calypso-no-such-tool', ['x']).catch((e: unknown) => e)) as HostCommandError;
    expect(err).toBeInstanceOf(HostCommandError);
    expect(err.code).toBeNull();
    expect(err.message).toContain('command not found');
  });

  test('timeout kills the command', async () => {
    const err = (await new LocalHost().run('sleep', ['5'], { timeoutMs: 100 }).catch((e: unknown) => e)) as HostCommandError;
    expect(err.code).toBeNull();
    expect(err.message).toMatch(/timed out/);
  });

  test('history keeps the last 500 runs in order', async () => {
    const host = new LocalHost({ historySize: 3 });
    for (const n of ['1', '2', '3', '4']) await host.run('echo', [n]);
    await host.run('false', []).catch(() => undefined);
    const h = host.history();
    expect(h.map((r) => r.args[0] ?? r.command)).toEqual(['3', '4', 'false']);
    expect(h[2]).toMatchObject({ command: 'false', code: 1 });
    expect(h[2]!.error).toBeDefined();
    expect(host.history(1)).toHaveLength(1);
  });

  test('writeAtomic keeps the previous version; restorePrevious puts it back', async () => {
    const host = new LocalHost();
    const path = join(dir, 'etc', 'smb.conf');
    await host.files.writeAtomic(path, 'v1\n', { mode: 0o640 });
    expect(await host.files.exists(`${path}.prev`)).toBe(false);
    await host.files.writeAtomic(path, 'v2\n');
    expect(await readFile(path, 'utf8')).toBe('v2\n');
    expect(await readFile(`${path}.prev`, 'utf8')).toBe('v1\n');
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    await host.files.restorePrevious(path);
    expect(await host.files.read(path)).toBe('v1\n');
    expect(await host.files.list(join(dir, 'etc'))).toEqual(['smb.conf']);
    const fresh = join(dir, 'new.conf');
    await host.files.writeAtomic(fresh, 'x');
    await host.files.restorePrevious(fresh);
    expect(await host.files.readIfExists(fresh)).toBeNull();
  });

  test('writeAtomic sweeps the temp files a killed writer left, and only those', async () => {
    const host = new LocalHost();
    const etc = join(dir, 'sweep');
    const path = join(etc, 'scst.conf');
    await host.files.writeAtomic(path, 'v1\n');
    // A process that has exited (its pid is free) and one that is alive (our parent).
    const dead = spawnSync('true').pid!;
    const staleTemp = join(etc, `.scst.conf.${dead}.1700000000000.tmp`);
    const stalePrev = `${staleTemp}.prev`;
    const liveTemp = join(etc, `.scst.conf.${process.ppid}.1700000000001.tmp`);
    const other = join(etc, `.smb.conf.${dead}.1700000000002.tmp`);
    for (const f of [staleTemp, stalePrev, liveTemp, other]) await writeFile(f, 'half');
    await host.files.writeAtomic(path, 'v2\n');
    const left = await readdir(etc);
    expect(left).not.toContain(`.scst.conf.${dead}.1700000000000.tmp`);
    expect(left).not.toContain(`.scst.conf.${dead}.1700000000000.tmp.prev`);
    // Another writer still at work, and temp files of other targets, are not touched.
    expect(left).toContain(`.scst.conf.${process.ppid}.1700000000001.tmp`);
    expect(left).toContain(`.smb.conf.${dead}.1700000000002.tmp`);
    expect(await readFile(path, 'utf8')).toBe('v2\n');
  });
});
