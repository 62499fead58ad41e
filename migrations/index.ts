import type { Knex } from 'knex';
import * as m001 from './001_foundation.js';

/** Migrations in order. Listed in code so compiled output, tsx and jest all load the same set. */
const migrations: Record<string, Knex.Migration> = {
  '001_foundation': m001,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name],
};
