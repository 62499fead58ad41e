import type { Knex } from 'knex';
import * as m001 from './001_foundation.js';
import * as m002monitoring from './002_monitoring.js';
import * as m003shares from './003_shares.js';
import * as m004iamSecurity from './004_iam_security.js';
import * as m012schedules from './012_schedules.js';
import * as m013alertOpenUnique from './013_alert_open_unique.js';
import * as m014tape from './014_tape.js';
import * as m015replication from './015_replication.js';
import * as m016backup from './016_backup.js';
import * as m017objects from './017_objects.js';
import * as m018licenses from './018_licenses.js';
import * as m020network from './020_network.js';
import * as m021terminalSessions from './021_terminal_sessions.js';

/** Migrations in order. Listed in code so compiled output, tsx and jest all load the same set. */
const migrations: Record<string, Knex.Migration> = {
  '001_foundation': m001,
  '002_monitoring': m002monitoring,
  '003_shares': m003shares,
  '004_iam_security': m004iamSecurity,
  '012_schedules': m012schedules,
  '013_alert_open_unique': m013alertOpenUnique,
  '014_tape': m014tape,
  '015_replication': m015replication,
  '016_backup': m016backup,
  '017_objects': m017objects,
  '018_licenses': m018licenses,
  '020_network': m020network,
  '021_terminal_sessions': m021terminalSessions,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name],
};
