/**
 * The process the crash-safety test kills: boots Calypso's services on the test database
 * (which marks jobs of the previous run interrupted), reconciles the config file with the
 * database, reports, then on "go" applies configuration in a loop inside a job until killed.
 *
 * Environment: CRASH_DATA_DIR, CRASH_DB_URL (PostgreSQL; SQLite in the data dir otherwise).
 */
import path from 'node:path';
import pino from 'pino';
import { createCalypso } from '../../src/services/index.js';
import { openDb } from '../../src/services/db.js';
import { LocalHost } from '../../src/system/local-host.js';
import { LocalFiles } from '../../src/system/local-files.js';
import { apply, dbVersion, ensureTable, reconcile } from './config-apply.js';

const dataDir = process.env.CRASH_DATA_DIR!;
const db = openDb({ url: process.env.CRASH_DB_URL || undefined, dataDir });
const files = new LocalFiles(path.join(dataDir, 'root'));
const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const app = await createCalypso({ db, host: new LocalHost(), log: pino({ level: 'silent' }), jwtSecret: 'crash-test-secret-0123456789' });
  await ensureTable(db);
  const before = await reconcile(db, files);
  say(`ready db=${await dbVersion(db)} fileBefore=${before ?? 'none'}`);
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  const job = await app.jobs.start({ type: 'crash-test.apply', description: 'apply configuration until killed', owner: 'system' }, async (handle) => {
    for (let v = (await dbVersion(db)) + 1; ; v++) {
      await apply(db, files, v);
      if (v % 5 === 0) await handle.progress(v % 100, `applied ${v}`);
    }
  });
  say(`job ${job.id}`);
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
