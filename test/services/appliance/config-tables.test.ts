/**
 * The configuration registry cannot forget a subsystem: every table the migrations make is either
 * exported (CONFIG_SECTIONS) or named as not configuration, never both; every settings key the
 * services write is either exported or named as not configuration.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CONFIG_SETTINGS, CONFIG_TABLES, NOT_CONFIGURATION, NOT_CONFIGURATION_SETTINGS } from '../../../src/services/appliance/config-tables.js';
import { migrate } from '../../../src/services/db.js';
import { createTestDb, TEST_DB_KIND, type TestDb } from '../../helpers/db.js';

const SRC = path.resolve(fileURLToPath(new URL('../../../src/services', import.meta.url)));

function sources(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

describe('configuration registry', () => {
  let testDb: TestDb;
  beforeAll(async () => {
    testDb = await createTestDb();
    await migrate(testDb.db);
  });
  afterAll(async () => {
    await testDb.drop();
  });

  test('every table of the migrated database is exported or named as not configuration, once', async () => {
    const rows =
      TEST_DB_KIND === 'sqlite'
        ? await testDb.db.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        : (await testDb.db.raw('SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()')).rows;
    const tables = (rows as { name: string }[]).map((r) => r.name).sort();
    const exported = CONFIG_TABLES.map((t) => t.table);
    const unclassified = tables.filter((t) => !exported.includes(t) && !(t in NOT_CONFIGURATION));
    expect(unclassified).toEqual([]);
    expect(exported.filter((t) => t in NOT_CONFIGURATION)).toEqual([]);
    expect([...exported, ...Object.keys(NOT_CONFIGURATION)].filter((t) => !tables.includes(t))).toEqual([]);
    expect(new Set(exported).size).toBe(exported.length);
  });

  test('every settings key a service names is exported or named as not configuration', () => {
    const keys = new Set<string>();
    for (const file of sources(SRC)) {
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/const [A-Z_]*KEY = '([a-z][a-z0-9-]*\.[a-z0-9._-]+)'/g)) keys.add(m[1]!);
    }
    expect(keys.size).toBeGreaterThan(5);
    expect([...keys].filter((k) => !(k in CONFIG_SETTINGS) && !(k in NOT_CONFIGURATION_SETTINGS))).toEqual([]);
    expect(Object.keys(CONFIG_SETTINGS).filter((k) => k in NOT_CONFIGURATION_SETTINGS)).toEqual([]);
  });
});
