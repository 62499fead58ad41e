import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { ensurePrivateFile } from '../system/private-dir.js';
import { migrationSource } from '../../migrations/index.js';

// COUNT(*) and bigserial ids come back as int8; they fit comfortably in a JS number here.
pg.types.setTypeParser(20, (v) => Number(v));

export interface DbOptions {
  /** postgres://... ; when absent, SQLite in `dataDir`. */
  url?: string;
  dataDir: string;
  /** SQLite file name or ':memory:' (tests). */
  sqliteFile?: string;
}

export function describeDb(opts: DbOptions): string {
  if (opts.url) {
    const u = new URL(opts.url);
    return `PostgreSQL ${u.hostname}:${u.port || 5432}${u.pathname}`;
  }
  return `SQLite ${opts.sqliteFile === ':memory:' ? ':memory:' : path.join(opts.dataDir, opts.sqliteFile ?? 'calypso.db')}`;
}

export function openDb(opts: DbOptions): Knex {
  if (opts.url) {
    return knexFactory({ client: 'pg', connection: opts.url, pool: { min: 0, max: 10 } });
  }
  const file = opts.sqliteFile === ':memory:' ? ':memory:' : path.join(opts.dataDir, opts.sqliteFile ?? 'calypso.db');
  if (file !== ':memory:') {
    // Owner only, whatever the umask: SQLite gives the -wal and -shm files the mode of the database file.
    fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    ensurePrivateFile(file);
  }
  return knexFactory({
    client: 'better-sqlite3',
    connection: { filename: file },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      afterCreate: (conn: { pragma(s: string): unknown }, done: (err: Error | null, conn: unknown) => void) => {
        conn.pragma('journal_mode = WAL');
        conn.pragma('foreign_keys = ON');
        conn.pragma('busy_timeout = 5000');
        done(null, conn);
      },
    },
  });
}

export async function migrate(db: Knex): Promise<void> {
  await db.migrate.latest({ migrationSource });
}

/** The database is PostgreSQL (row locks with FOR UPDATE; SQLite serialises writers instead). */
export function isPostgres(db: Knex): boolean {
  const client = (db.client as { config?: { client?: unknown } }).config?.client;
  return typeof client === 'string' && /^(pg|postgres)/.test(client);
}

/** A unique index refused the write, on either database. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(String(e?.message ?? ''));
}
