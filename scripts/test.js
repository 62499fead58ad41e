#!/usr/bin/env node
// The README's test command: type-check, then the whole jest suite on SQLite and again on PostgreSQL.
// PostgreSQL is required (not skipped): set CALYPSO_TEST_PG_URL to point elsewhere than 127.0.0.1:5432.
import { spawnSync } from 'node:child_process';

const extra = process.argv.slice(2);
const run = (cmd, args, env = {}) => {
  console.log(`\n> ${[cmd, ...args].join(' ')} ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run('npx', ['tsc', '--noEmit']);
// --forceExit: a suite that leaves a timer or socket behind must not hang CI after its results are in.
run('npx', ['jest', '--forceExit', ...extra], { CALYPSO_TEST_DB: 'sqlite' });
run('npx', ['jest', '--forceExit', ...extra], { CALYPSO_TEST_DB: 'postgres' });
console.log('\nall suites passed on SQLite and PostgreSQL');
