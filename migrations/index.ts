import type { Knex } from 'knex';
import * as m001 from './001_foundation.js';
import * as m002monitoring from './002_monitoring.js';
import * as m003shares from './003_shares.js';

/** Migrations in order. Listed in code so compiled output, tsx and jest all load the same set. */
const migrations: Record<string, Knex.Migration> = {
  '001_foundation': m001,
  '002_monitoring': m002monitoring,
  '003_shares': m003shares,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name],
};
