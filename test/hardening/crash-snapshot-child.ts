/**
 * The process the crash-safety test kills in the middle of API-like writes: boots Calypso's
 * services with the simulated appliance persisted in CRASH_DATA_DIR/sim, reads the appliance
 * once (which sweeps a dead writer's temp file), reports, then on "go" takes snapshots with four
 * calls in flight at a time until killed.
 *
 * Environment: CRASH_DATA_DIR, CRASH_DB_URL (PostgreSQL; SQLite in the data dir otherwise), CRASH_ROUND.
 */
import path from 'node:path';
import pino from 'pino';
import { createCalypso } from '../../src/services/index.js';
import { SYSTEM_ACTOR } from '../../src/services/core/context.js';
import { openDb } from '../../src/services/db.js';
import { SimulatedHost } from '../../src/system/sim/simulated-host.js';

const dataDir = process.env.CRASH_DATA_DIR!;
const round = process.env.CRASH_ROUND ?? '0';
const db = openDb({ url: process.env.CRASH_DB_URL || undefined, dataDir });
const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const host = new SimulatedHost({ dataDir: path.join(dataDir, 'sim') });
  const app = await createCalypso({ db, host, log: pino({ level: 'silent' }), jwtSecret: 'crash-test-secret-0123456789', recoverJobs: false });
  await host.run('zfs', ['list', '-H', '-o', 'name']);
  say('ready');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  let created = 0;
  const worker = async (w: number) => {
    for (let i = 0; ; i++) {
      await app.call('snapshots.create', { dataset: 'tank', name: `crash-r${round}-w${w}-${i}` }, { actor: SYSTEM_ACTOR, face: 'system' });
      if (++created % 4 === 0) say(`created ${created}`);
    }
  };
  await Promise.all([0, 1, 2, 3].map(worker));
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
