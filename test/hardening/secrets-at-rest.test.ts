/**
 * Secrets at rest: whatever the umask (000 here) and whatever modes a data directory already
 * has (0777, 0644, 0666 here), Calypso's files in it are 0600 and its directories 0700 once it
 * runs: the database and its -wal/-shm, the JWT secret, the log, the pid file, the simulated
 * appliance's state and files, and writeAtomic's temp and .prev files. Wrong modes are corrected
 * at start with a warning; entries that are not Calypso's, and symbolic links, are left alone.
 *
 * The database is SQLite in every run of this file: the modes of its files are the point.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb } from '../../src/services/db.js';
import { LocalFiles } from '../../src/system/local-files.js';
import { securePrivateDir } from '../../src/system/private-dir.js';

const mode = (p: string) => fs.lstatSync(p).mode & 0o7777;

/** Every entry under `dir` (not following links), with its mode. */
function walk(dir: string, out: { path: string; mode: number; dir: boolean; link: boolean }[] = []) {
  for (const e of fs.readdirSync(dir)) {
    const p = path.join(dir, e);
    const st = fs.lstatSync(p);
    out.push({ path: p, mode: st.mode & 0o7777, dir: st.isDirectory(), link: st.isSymbolicLink() });
    if (st.isDirectory()) walk(p, out);
  }
  return out;
}

async function withUmask<T>(umask: number, fn: () => Promise<T>): Promise<T> {
  const before = process.umask(umask);
  try {
    return await fn();
  } finally {
    process.umask(before);
  }
}

function cli(args: string[], dataDir: string): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, CALYPSO_ADMIN_PASSWORD: 'at-rest-admin-password-1' };
  delete env.DATABASE_URL;
  // umask 000 for the child: every mode below comes from Calypso, not from the test's umask.
  return spawn('/bin/sh', ['-c', 'umask 000 && exec "$0" --import tsx src/main.ts "$@"', process.execPath, ...args, '--data', dataDir], { env });
}

function collect(child: ChildProcess): { text: () => string } {
  let text = '';
  child.stdout!.on('data', (d) => (text += d));
  child.stderr!.on('data', (d) => (text += d));
  return { text: () => text };
}

describe('a data directory made with umask 000 and loose modes', () => {
  let root: string;
  let dataDir: string;
  let outside: string;
  let server: ChildProcess;
  let out: { text: () => string };
  /** What the first command (migrate, which corrects the modes before anything else) printed. */
  let firstOut = '';

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-at-rest-'));
    dataDir = path.join(root, 'data');
    outside = path.join(root, 'outside.txt');
    fs.mkdirSync(dataDir);
    fs.chmodSync(dataDir, 0o777);
    fs.writeFileSync(path.join(dataDir, 'jwt-secret'), 'an-older-secret-0123456789abcdef0123456789\n');
    fs.chmodSync(path.join(dataDir, 'jwt-secret'), 0o644);
    fs.writeFileSync(path.join(dataDir, 'calypso.log'), '');
    fs.chmodSync(path.join(dataDir, 'calypso.log'), 0o666);
    fs.mkdirSync(path.join(dataDir, 'sim', 'sim-root', 'etc'), { recursive: true });
    fs.chmodSync(path.join(dataDir, 'sim'), 0o777);
    fs.writeFileSync(path.join(dataDir, 'sim', 'sim-root', 'etc', 'exports'), '# old\n');
    fs.chmodSync(path.join(dataDir, 'sim', 'sim-root', 'etc', 'exports'), 0o644);
    // Not Calypso's: a file beside, and a link out of the directory. Neither may be changed.
    fs.writeFileSync(path.join(dataDir, 'README.txt'), 'notes\n');
    fs.chmodSync(path.join(dataDir, 'README.txt'), 0o644);
    fs.writeFileSync(outside, 'not calypso\n');
    fs.chmodSync(outside, 0o644);
    fs.symlinkSync(outside, path.join(dataDir, 'sim', 'link-out'));

    // `sim` works on an existing instance only: migrate makes the database in the existing directory first.
    for (const args of [['migrate'], ['sim', 'seed', '--datasets', '2', '--snapshots', '1', '--host', 'sim']]) {
      const step = cli(args, dataDir);
      const stepOut = collect(step);
      const code = await new Promise<number | null>((r) => step.on('exit', r));
      if (code !== 0) throw new Error(`${args.join(' ')} failed:\n${stepOut.text()}`);
      firstOut ||= stepOut.text();
    }

    server = cli(['serve', '--host', 'sim', '--port', '0', '--log-level', 'info'], dataDir);
    out = collect(server);
    const deadline = Date.now() + 45_000;
    while (!/API listening on/.test(out.text())) {
      if (Date.now() > deadline || server.exitCode !== null) throw new Error(`serve did not start:\n${out.text()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 90_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('while serve runs: every file is 0600 and every directory 0700', () => {
    expect(mode(dataDir)).toBe(0o700);
    const entries = walk(dataDir);
    const names = entries.map((e) => path.relative(dataDir, e.path));
    for (const expected of [
      'calypso.db',
      'calypso.db-wal',
      'calypso.db-shm',
      'jwt-secret',
      'calypso.log',
      'calypso.pid',
      'sim',
      path.join('sim', 'sim-state.json'),
    ])
      expect(names).toContain(expected);
    const wrong = entries
      .filter((e) => !e.link && !e.path.endsWith('README.txt') && path.relative(dataDir, e.path) !== 'calypso.sock')
      .filter((e) => e.mode !== (e.dir ? 0o700 : 0o600))
      .map((e) => `${path.relative(dataDir, e.path)} ${e.mode.toString(8)}`);
    expect(wrong).toEqual([]);
    // The daemon's socket holds no data: 0660 (issue 10), reachable only through the 0700 directory.
    expect(mode(path.join(dataDir, 'calypso.sock'))).toBe(0o660);
  });

  test("the corrections were said (by migrate, the first to run) or logged, and what is not Calypso's was left alone", () => {
    const log = firstOut + fs.readFileSync(path.join(dataDir, 'calypso.log'), 'utf8');
    for (const p of ['jwt-secret', 'calypso.log', path.join('sim', 'sim-root', 'etc', 'exports')]) {
      expect(log).toContain(JSON.stringify(path.join(dataDir, p)).slice(1, -1));
    }
    expect(log).toMatch(/corrected the mode/);
    expect(mode(path.join(dataDir, 'README.txt'))).toBe(0o644);
    expect(mode(outside)).toBe(0o644);
    // The older secret was kept, only its mode changed.
    expect(fs.readFileSync(path.join(dataDir, 'jwt-secret'), 'utf8')).toBe('an-older-secret-0123456789abcdef0123456789\n');
  });
});

describe('in process, with umask 000', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-at-rest-unit-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the SQLite database and its -wal and -shm are 0600', async () => {
    await withUmask(0, async () => {
      const data = path.join(dir, 'db');
      const db = openDb({ dataDir: data });
      try {
        await db.raw('create table t (x integer)');
        await db('t').insert({ x: 1 });
        for (const f of ['calypso.db', 'calypso.db-wal', 'calypso.db-shm']) expect(`${f} ${mode(path.join(data, f)).toString(8)}`).toBe(`${f} 600`);
        expect(mode(data)).toBe(0o700);
      } finally {
        await db.destroy();
      }
    });
  });

  test('a private LocalFiles writes 0600 files (temp and .prev included) in 0700 directories', async () => {
    await withUmask(0, async () => {
      const files = new LocalFiles(path.join(dir, 'root'), { private: true });
      await files.writeAtomic('/etc/scst.conf', 'one\n', { mode: 0o644 });
      await files.writeAtomic('/etc/scst.conf', 'two\n');
      const entries = walk(path.join(dir, 'root'));
      expect(entries.map((e) => path.basename(e.path)).sort()).toEqual(['etc', 'scst.conf', 'scst.conf.prev']);
      for (const e of entries) expect(`${path.basename(e.path)} ${e.mode.toString(8)}`).toBe(`${path.basename(e.path)} ${e.dir ? '700' : '600'}`);
    });
  });

  test('securePrivateDir corrects a loose tree once and reports it; a second run finds nothing', () => {
    const data = path.join(dir, 'loose');
    fs.mkdirSync(path.join(data, 'sim'), { recursive: true });
    fs.writeFileSync(path.join(data, 'calypso.db'), '');
    fs.chmodSync(path.join(data, 'calypso.db'), 0o664);
    fs.chmodSync(path.join(data, 'sim'), 0o755);
    fs.chmodSync(data, 0o777);
    const first = securePrivateDir(data)
      .map((c) => `${path.relative(data, c.path) || '.'} ${c.was.toString(8)}`)
      .sort();
    expect(first).toEqual(['. 777', 'calypso.db 664', 'sim 755']);
    expect(securePrivateDir(data)).toEqual([]);
  });
});
