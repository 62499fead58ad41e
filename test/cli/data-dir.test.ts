/**
 * The data directory does not depend on the folder a command is typed in (issue 17): `calypso
 * user ...` run from another folder used to create a new ./data there, with a new database,
 * a new admin and a new secret. Now the default is /var/lib/calypso (when it exists or Calypso is
 * installed as a package) or the data folder of the checkout, whatever the current folder; and
 * user, sim and migrate never create a data directory: they refuse, naming the directory.
 * The CLI is spawned from a foreign working directory, as an administrator would run it.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SYSTEM_DATA_DIR, parseConfig, resolveDataDir } from '../../src/config.js';
import { runCalypso, type CliResult } from '../helpers/cli.js';

const ROOT = process.cwd(); // jest runs from the repository's root
let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-datadir-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A folder of its own to run the CLI from (not the checkout). */
function elsewhere(name: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function calypso(cwd: string, args: string[], env: Record<string, string> = {}, input = ''): Promise<CliResult> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.DATABASE_URL; // SQLite in the data directory: what these tests are about
  if (!env.CALYPSO_DATA) delete childEnv.CALYPSO_DATA;
  return runCalypso(args, { env: childEnv, cwd, input });
}

describe('resolution (pure)', () => {
  const checkout = '/home/ops/calypso';
  const none = () => false;

  test("the default is the checkout's data folder whatever the current folder", () => {
    const a = resolveDataDir(undefined, undefined, { cwd: '/home/ops/calypso', installDir: checkout, exists: none });
    const b = resolveDataDir(undefined, undefined, { cwd: '/tmp', installDir: checkout, exists: none });
    expect(a).toEqual({ dir: '/home/ops/calypso/data', source: 'checkout' });
    expect(b).toEqual(a);
  });

  test('/var/lib/calypso when it exists, or when Calypso is installed as a package', () => {
    expect(resolveDataDir(undefined, undefined, { cwd: '/tmp', installDir: checkout, exists: (p) => p === SYSTEM_DATA_DIR })).toEqual({
      dir: SYSTEM_DATA_DIR,
      source: 'system',
    });
    expect(resolveDataDir(undefined, undefined, { cwd: '/tmp', installDir: '/usr/lib/node_modules/calypso', exists: none })).toEqual({
      dir: SYSTEM_DATA_DIR,
      source: 'system',
    });
  });

  test('--data wins over CALYPSO_DATA, which wins over the default; relative paths are read from the current folder', () => {
    const where = { cwd: '/srv/x', installDir: checkout, exists: () => true };
    expect(resolveDataDir('d1', '/e', where)).toEqual({ dir: '/srv/x/d1', source: 'option' });
    expect(resolveDataDir(undefined, '/e', where)).toEqual({ dir: '/e', source: 'env' });
    const cfg = parseConfig(['user', 'list'], {}, { cwd: '/anywhere', installDir: checkout, exists: none });
    expect([cfg.dataDir, cfg.dataDirSource]).toEqual(['/home/ops/calypso/data', 'checkout']);
  });
});

describe('from another folder', () => {
  test.each([[['user', 'list']], [['user', 'add', 'bob', '--password-stdin']], [['sim', 'reset']], [['migrate']]])(
    '%j with a data directory that does not exist refuses, names it and creates nothing',
    async (args) => {
      const cwd = elsewhere(`refuse-${args.join('-')}`);
      const res = await calypso(cwd, [...args, '--data', 'data'], {}, 'bob-long-password-1\n');
      expect(res.status).toBe(1);
      expect(res.stderr).toContain(`no data directory at ${path.join(cwd, 'data')} (from --data)`);
      expect(res.stderr).toContain('creates none');
      expect(fs.readdirSync(cwd)).toEqual([]);
    },
  );

  test('CALYPSO_DATA naming a missing directory: refused the same way', async () => {
    const cwd = elsewhere('env');
    const target = path.join(tmp, 'never-made');
    const res = await calypso(cwd, ['user', 'passwd', 'admin'], { CALYPSO_DATA: target }, 'new-long-password-1\n');
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(`no data directory at ${target} (from CALYPSO_DATA)`);
    expect(fs.existsSync(target)).toBe(false);
  });

  test('an existing directory without a database: user and sim refuse rather than start a second appliance in it', async () => {
    const cwd = elsewhere('empty');
    const data = elsewhere('empty-data');
    const res = await calypso(cwd, ['user', 'list', '--data', data]);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(`${data} (from --data) holds no database (calypso.db)`);
    expect(fs.readdirSync(data)).toEqual([]);
  });

  test("without --data or CALYPSO_DATA the command uses the checkout's data folder, not the current folder", async () => {
    const cwd = elsewhere('default');
    const expected = fs.existsSync(SYSTEM_DATA_DIR) ? SYSTEM_DATA_DIR : path.join(ROOT, 'data');
    if (fs.existsSync(expected)) {
      // A developer's own instance lives there: never touched by a test. The pure tests cover it.
      return;
    }
    const res = await calypso(cwd, ['user', 'list']);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(`no data directory at ${expected}`);
    expect(fs.readdirSync(cwd)).toEqual([]);
    expect(fs.existsSync(expected)).toBe(false);
  }, 60_000);

  test('one instance from three folders: migrate in one, add a user from another, list from a third', async () => {
    const data = elsewhere('instance');
    const first = await calypso(elsewhere('a'), ['migrate', '--data', data]);
    expect([first.status, first.stdout.trim()]).toEqual([0, `migrated SQLite ${path.join(data, 'calypso.db')}`]);
    const add = await calypso(elsewhere('b'), ['user', 'add', 'carol', '--password-stdin'], { CALYPSO_DATA: data }, 'carol-long-password\n');
    expect([add.status, add.stdout.trim()]).toEqual([0, 'created carol (ReadOnly)']);
    const list = await calypso(elsewhere('c'), ['user', 'list', '--data', data]);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/^carol\s+yes\s+ReadOnly/m);
    for (const d of ['a', 'b', 'c']) expect(fs.readdirSync(path.join(tmp, d))).toEqual([]);
  }, 60_000);
});
