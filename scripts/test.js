#!/usr/bin/env node
// The README's test command: type-check, format and lint checks, then the whole jest suite on SQLite and again on PostgreSQL.
// PostgreSQL is required (not skipped): set CALYPSO_TEST_PG_URL to point elsewhere than 127.0.0.1:5432.
import { spawn, spawnSync } from 'node:child_process';

const extra = process.argv.slice(2);
const show = (cmd, args, env = {}) => ['>', cmd, ...args, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)].join(' ');
const run = (cmd, args, env = {}) => {
  console.log(`\n${show(cmd, args, env)}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

/** Runs the commands side by side (each is single-threaded), printing each one's output whole when it ends. */
async function together(commands) {
  const started = Date.now();
  const results = await Promise.all(
    commands.map(
      ([cmd, args]) =>
        new Promise((resolve) => {
          const t = Date.now();
          const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
          let output = '';
          child.stdout.on('data', (d) => (output += d));
          child.stderr.on('data', (d) => (output += d));
          child.on('error', (err) => resolve({ cmd, args, status: 1, output: `${output}${err.message}\n`, seconds: 0 }));
          child.on('close', (status) => resolve({ cmd, args, status: status ?? 1, output, seconds: (Date.now() - t) / 1000 }));
        }),
    ),
  );
  for (const r of results) {
    console.log(`\n${show(r.cmd, r.args)} (${r.seconds.toFixed(1)} s)`);
    if (r.output.trim()) process.stdout.write(r.output.endsWith('\n') ? r.output : `${r.output}\n`);
  }
  console.log(`checks: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const failed = results.find((r) => r.status !== 0);
  if (failed) process.exit(failed.status);
}

// The three checks are single-threaded: side by side they take about as long as ESLint alone (its type-aware rules build the
// program tsc checks) instead of the sum, on a machine with two cores.
await together([
  ['npx', ['tsc', '--noEmit']],
  ['npx', ['prettier', '--check', '--log-level=warn', '.']],
  ['npx', ['eslint', '--max-warnings=0', '.']],
]);
// No --forceExit: a test file that leaves a timer, socket or child process running fails, naming it (the test environment,
// test/helpers/environment.js), and a process a test started that outlives the run fails it too (jest's globalTeardown,
// test/helpers/leftover-processes.js).
run('npx', ['jest', ...extra], { CALYPSO_TEST_DB: 'sqlite' });
run('npx', ['jest', ...extra], { CALYPSO_TEST_DB: 'postgres' });
console.log('\nall suites passed on SQLite and PostgreSQL');
