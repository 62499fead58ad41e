/**
 * Each test file gets its own database: an SQLite file in a temp dir, or, when
 * CALYPSO_TEST_DB=postgres, a fresh PostgreSQL database created and dropped for it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from '@jest/globals';
import knexFactory, { type Knex } from 'knex';
import { migrate, openDb } from '../../src/services/db.js';

export const TEST_DB_KIND = (process.env.CALYPSO_TEST_DB ?? 'sqlite') as 'sqlite' | 'postgres';
const PG_ADMIN_URL = process.env.CALYPSO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDb {
  db: Knex;
  url?: string;
  dataDir: string;
  drop(): Promise<void>;
}

/**
 * The test files that opened a database, for npm test (scripts/test.js): it runs the whole suite on SQLite, then on
 * PostgreSQL only the files that came here. This is the only way a test reaches PostgreSQL (the admin URL and
 * CALYPSO_TEST_DB are read nowhere else), so a file that never came here ran the same on both.
 */
function noteDatabaseUser(): void {
  const list = process.env.CALYPSO_DB_FILES;
  const testPath = expect.getState().testPath;
  if (list && testPath) fs.appendFileSync(list, `${testPath}\n`);
}

const MIGRATIONS_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../migrations');

const urlOf = (name: string): string => {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
};

/**
 * A PostgreSQL database holding the migrated schema and nothing else, named by a digest of the migrations, for CREATE
 * DATABASE ... TEMPLATE: a migrated database is then a file copy (about 50 ms) instead of every migration's DDL (about
 * 200 ms more), for each of the PostgreSQL pass's hundreds of test apps. Built under a name of its own and renamed when
 * complete, so a run (or a concurrent lane) never copies a half-built one; a run with other migrations makes another.
 */
let template: Promise<string> | undefined;
function migratedTemplate(admin: Knex): Promise<string> {
  template ??= (async () => {
    const digest = crypto.createHash('sha256');
    for (const f of fs.readdirSync(MIGRATIONS_DIR).sort()) digest.update(f).update(fs.readFileSync(path.join(MIGRATIONS_DIR, f)));
    const name = `calypso_test_template_${digest.digest('hex').slice(0, 16)}`;
    const found = await admin.raw('SELECT 1 FROM pg_database WHERE datname = ?', [name]);
    if (found.rows.length) return name;
    const building = `calypso_test_building_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
    await admin.raw(`CREATE DATABASE ${building}`);
    const db = openDb({ url: urlOf(building), dataDir: os.tmpdir() });
    try {
      await migrate(db);
    } finally {
      await db.destroy();
    }
    try {
      await admin.raw(`ALTER DATABASE ${building} RENAME TO ${name}`);
    } catch (err) {
      // Another process published it first: use theirs.
      await admin.raw(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
      if (!/already exists/.test(String((err as Error).message))) throw err;
    }
    return name;
  })();
  template.catch(() => (template = undefined));
  return template;
}

/**
 * Closes a test database. A query that asks for a connection while the pool is being destroyed would wait for one until
 * its acquire timeout, a minute later (tarn aborts the acquires pending when destroy begins, not those that come after),
 * and its timer would outlive the file: from the moment the database starts closing, a query is refused at once.
 */
async function closeDb(db: Knex): Promise<void> {
  const client = db.client as { acquireConnection(): Promise<unknown> };
  client.acquireConnection = () => Promise.reject(new Error('the test database is closed'));
  await db.destroy().catch(() => undefined);
}

/**
 * A database of the test file's own. `migrated`: with the schema already in it (test apps; createCalypso's migrate then
 * finds nothing to do); without it, empty, for the tests that run migrations themselves.
 */
export async function createTestDb(opts: { migrated?: boolean } = {}): Promise<TestDb> {
  noteDatabaseUser();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-test-'));
  if (TEST_DB_KIND === 'postgres') {
    const name = `calypso_test_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
    const admin = knexFactory({ client: 'pg', connection: PG_ADMIN_URL, pool: { min: 0, max: 1 } });
    await admin.raw(opts.migrated ? `CREATE DATABASE ${name} TEMPLATE ${await migratedTemplate(admin)}` : `CREATE DATABASE ${name}`);
    const url = urlOf(name);
    const db = openDb({ url, dataDir });
    return {
      db,
      url,
      dataDir,
      drop: async () => {
        await closeDb(db);
        await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.destroy();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const db = openDb({ dataDir });
  return {
    db,
    dataDir,
    drop: async () => {
      await closeDb(db);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The database's refusal of a query, read by hand: "accepted", or the error's message.
 * better-sqlite3's errors come from another realm once an earlier test file in the same jest
 * worker loaded it, and `rejects.toThrow` does not see them (it reported "did not throw").
 */
export function refusal(q: PromiseLike<unknown>): Promise<string> {
  return Promise.resolve(q).then(
    () => 'accepted',
    (err: unknown) => String((err as Error)?.message ?? err),
  );
}
