/**
 * Host.files writes a file in a group with a mode (Calypso's Bacula files: root:bacula 0640),
 * keeps them on a rewrite that names neither and on the `.prev` copy it restores, and reads them
 * back with stat(); the simulated host's files (in memory, or under a data directory) answer the
 * same. The real-machine case needs root and a group to give the file to (bacula where Bacula is
 * installed, else the first group other than root).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { LocalFiles } from '../../../src/system/local-files.js';
import { MemoryFiles } from '../../../src/system/sim/files.js';
import { readableBy, type HostFiles } from '../../../src/system/host.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-owner-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  for (const d of dirs) fs.rmSync(`${d}.files-meta.json`, { force: true });
});

const otherGroup = (() => {
  const lines = fs.readFileSync('/etc/group', 'utf8').split('\n');
  const bacula = lines.find((l) => l.startsWith('bacula:'));
  const pick = bacula ?? lines.find((l) => l && !l.startsWith('root:'));
  return pick ? pick.split(':')[0]! : null;
})();

async function honours(files: HostFiles, file: string, group: string): Promise<void> {
  await files.writeAtomic(file, 'one\n', { mode: 0o640, group });
  expect(await files.stat(file)).toEqual({ mode: 0o640, owner: 'root', group });
  // A rewrite that names neither keeps them.
  await files.writeAtomic(file, 'two\n');
  expect(await files.stat(file)).toEqual({ mode: 0o640, owner: 'root', group });
  await files.writeAtomic(file, 'three\n', { mode: 0o600, group: 'root' });
  expect(await files.stat(file)).toMatchObject({ group: 'root' });
  // The previous version comes back with its group and mode.
  await files.restorePrevious(file);
  expect(await files.read(file)).toBe('two\n');
  expect(await files.stat(file)).toEqual({ mode: 0o640, owner: 'root', group });
  expect(await files.stat(`${file}-missing`)).toBeNull();
}

describe('file group and mode', () => {
  test('readableBy: owner, group, others', () => {
    expect(readableBy({ mode: 0o640, owner: 'root', group: 'bacula' }, 'bacula')).toBe(true);
    expect(readableBy({ mode: 0o600, owner: 'root', group: 'bacula' }, 'bacula')).toBe(false);
    expect(readableBy({ mode: 0o640, owner: 'root', group: 'root' }, 'bacula')).toBe(false);
    expect(readableBy({ mode: 0o644, owner: 'root', group: 'root' }, 'bacula')).toBe(true);
    expect(readableBy({ mode: 0o400, owner: 'bacula', group: 'root' }, 'bacula')).toBe(true);
  });

  test('the simulated host in memory', async () => {
    await honours(new MemoryFiles(), '/etc/bacula/calypso.conf', 'bacula');
  });

  test('the simulated host under a data directory (recorded beside its root; the files stay private)', async () => {
    const root = path.join(tempDir(), 'sim-root');
    const files = new LocalFiles(root, { private: true });
    await honours(files, '/etc/bacula/calypso.conf', 'bacula');
    expect(fs.statSync(path.join(root, 'etc/bacula/calypso.conf')).mode & 0o777).toBe(0o600);
    // Another process (a restarted demo) reads the same record.
    expect(await new LocalFiles(root, { private: true }).stat('/etc/bacula/calypso.conf')).toEqual({ mode: 0o640, owner: 'root', group: 'bacula' });
  });

  const real = process.getuid?.() === 0 && otherGroup !== null ? test : test.skip;
  real('the real machine: chown to the group, kept on rewrite and on the restored copy; an unknown group writes nothing', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'calypso.conf');
    const files = new LocalFiles();
    await honours(files, file, otherGroup!);
    const gid = Number(
      fs
        .readFileSync('/etc/group', 'utf8')
        .split('\n')
        .find((l) => l.startsWith(`${otherGroup}:`))!
        .split(':')[2],
    );
    expect(fs.statSync(file)).toMatchObject({ uid: 0, gid });
    await expect(files.writeAtomic(file, 'x\n', { group: 'no-such-group-xyz' })).rejects.toThrow(/there is no group "no-such-group-xyz"/);
    expect(fs.readFileSync(file, 'utf8')).toBe('two\n');
  });
});

describe('the simulated chown and chmod', () => {
  test('answer as GNU coreutils 9 does: unknown users and groups, bad modes and missing operands refused in its words', async () => {
    const { simulateCoreutil } = await import('../../../src/system/sim/coreutils.js');
    expect(simulateCoreutil('chown', ['bacula:bacula', '/tank/backups/bacula'])).toMatchObject({ code: 0 });
    expect(simulateCoreutil('chmod', ['0750', '/tank/backups/bacula'])).toMatchObject({ code: 0 });
    expect(simulateCoreutil('chown', ['nosuchuser:bacula', '/tmp'])).toMatchObject({ code: 1, stderr: "chown: invalid user: 'nosuchuser:bacula'\n" });
    expect(simulateCoreutil('chown', ['bacula:nosuchgroup', '/tmp'])).toMatchObject({ code: 1, stderr: "chown: invalid group: 'bacula:nosuchgroup'\n" });
    expect(simulateCoreutil('chmod', ['99x', '/tmp'])).toMatchObject({
      code: 1,
      stderr: "chmod: invalid mode: '99x'\nTry 'chmod --help' for more information.\n",
    });
    expect(simulateCoreutil('chown', ['bacula:bacula'])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^chown: missing operand after 'bacula:bacula'/),
    });
    expect(simulateCoreutil('ls', ['/'])).toBeNull();
  });
});
