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
import { openDb } from '../../src/services/db.js';

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

export async function createTestDb(): Promise<TestDb> {
  noteDatabaseUser();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-test-'));
  if (TEST_DB_KIND === 'postgres') {
    const name = `calypso_test_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
    const admin = knexFactory({ client: 'pg', connection: PG_ADMIN_URL, pool: { min: 0, max: 1 } });
    await admin.raw(`CREATE DATABASE ${name}`);
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${name}`;
    const db = openDb({ url: url.toString(), dataDir });
    return {
      db,
      url: url.toString(),
      dataDir,
      drop: async () => {
        await db.destroy().catch(() => undefined);
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
      await db.destroy().catch(() => undefined);
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
