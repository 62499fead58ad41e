import path from 'node:path';
import type { Knex } from 'knex';
import { migrationSource } from './migrations/index.js';

/** For the knex CLI; Calypso itself opens the database in src/services/db.ts with the same rules. */
const dataDir = process.env.CALYPSO_DATA ?? './data';

const config: Knex.Config = process.env.DATABASE_URL
  ? { client: 'pg', connection: process.env.DATABASE_URL, migrations: { migrationSource } }
  : {
      client: 'better-sqlite3',
      connection: { filename: path.join(dataDir, 'calypso.db') },
      useNullAsDefault: true,
      migrations: { migrationSource },
    };

export default config;
