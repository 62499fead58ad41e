#!/usr/bin/env node
// The README's test command: type-check, format and lint checks, then the whole jest suite on SQLite and on PostgreSQL.
// PostgreSQL is required (not skipped): set CALYPSO_TEST_PG_URL to point elsewhere than 127.0.0.1:5432.
// `npm test -- PATTERN...` runs the test files matching the patterns (jest's test path patterns) the same way.
//
// How the suites run (test/README.md, "How npm test runs the suites"):
// - Two lanes side by side: the real-peer lane (files that start or drive a real tool: smbd, tgtd, zfs-fuse, chronyd, snmpd,
//   bacula, ceph, sshd, tmux...), one file after another in one jest process, and the lane of everything else, in three
//   jest workers (CALYPSO_TEST_WORKERS sets how many). The real peers listen on fixed loopback ports and some are one per
//   machine (zfs-fuse), so no two real-peer files ever run at the same time; the other files share nothing on the machine
//   (each has its own temp dirs, databases, port 0), and spend part of their time waiting: with two workers the two cores
//   were busy 160% of the run, and a third cut the suites from 552 to 504 s, the two lanes then even.
// - In each lane, every file runs on SQLite; then the files that opened a database (test/helpers/db.ts notes each one)
//   run again on PostgreSQL. A file that opened none ran nothing that depends on the database kind.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const extra = process.argv.slice(2);
const show = (cmd, args, env = {}) => ['>', cmd, ...args, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)].join(' ');
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

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
  console.log(`checks: ${seconds(started)}`);
  const failed = results.find((r) => r.status !== 0);
  if (failed) process.exit(failed.status);
}

/** Runs one jest process, each line of its output prefixed with the lane's name; resolves to its exit status. */
function jest(lane, args, env) {
  console.log(`[${lane}] ${show('npx', ['jest', ...args.filter((a) => !a.startsWith('/')), `(${args.filter((a) => a.startsWith('/')).length} files)`], env)}`);
  return new Promise((resolve) => {
    const child = spawn('npx', ['jest', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream.on('data', (d) => {
        const lines = (partial + d).split('\n');
        partial = lines.pop();
        for (const l of lines) process.stdout.write(`[${lane}] ${l}\n`);
      });
      stream.on('end', () => partial && process.stdout.write(`[${lane}] ${partial}\n`));
    }
    child.on('error', () => resolve(1));
    child.on('close', (status) => resolve(status ?? 1));
  });
}

/**
 * A real-peer file: it checks that its real tools are installed (peersAvailable, rgwAvailable, or the CALYPSO_REQUIRE_*
 * switches, which test/README.md asks of every real-peer test) or drives a terminal through tmux.
 */
const REAL_PEER = /CALYPSO_REQUIRE_PEERS|CALYPSO_REQUIRE_ZFS_FUSE|\bpeersAvailable\(|\brgwAvailable\(|\btmux\b/;
const isRealPeerFile = (file) => REAL_PEER.test(fs.readFileSync(file, 'utf8'));

/** One lane: its files on SQLite, then the ones that opened a database on PostgreSQL; `workers`: jest's --maxWorkers. */
async function lane(name, files, workers, scratch) {
  const started = Date.now();
  const result = { name, files: files.length, status: 0, pg: 0, sqliteTime: '', pgTime: '' };
  if (!files.length) return result;
  const dbFiles = path.join(scratch, `${name}.db-files`);
  const how = workers > 1 ? [`--maxWorkers=${workers}`] : ['--runInBand'];
  result.status = await jest(name, [...how, '--runTestsByPath', ...files], { CALYPSO_TEST_DB: 'sqlite', CALYPSO_DB_FILES: dbFiles });
  result.sqliteTime = seconds(started);
  if (result.status !== 0) return result;
  const again = fs.existsSync(dbFiles) ? [...new Set(fs.readFileSync(dbFiles, 'utf8').split('\n').filter(Boolean))].sort() : [];
  result.pg = again.length;
  const pgStarted = Date.now();
  if (again.length) result.status = await jest(name, [...how, '--runTestsByPath', ...again], { CALYPSO_TEST_DB: 'postgres' });
  result.pgTime = seconds(pgStarted);
  return result;
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
const listed = spawnSync('npx', ['jest', '--listTests', ...extra], { encoding: 'utf8' });
if (listed.status !== 0) {
  process.stdout.write(listed.stdout + listed.stderr);
  process.exit(listed.status ?? 1);
}
const all = listed.stdout.split('\n').filter(Boolean).sort();
const peers = all.filter(isRealPeerFile);
const rest = all.filter((f) => !peers.includes(f));
const workers = Number(process.env.CALYPSO_TEST_WORKERS ?? 3) || 1;
console.log(`\n${all.length} test files: ${peers.length} with real peers (one at a time), ${rest.length} others (${workers} at a time)`);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-npm-test-'));
const started = Date.now();
const results = await Promise.all([lane('peers', peers, 1, scratch), lane('others', rest, workers, scratch)]);
fs.rmSync(scratch, { recursive: true, force: true });
console.log('');
for (const r of results) {
  console.log(
    `${r.name}: ${r.files} files on SQLite (${r.sqliteTime || '-'}), ${r.pg} of them opened a database and ran on PostgreSQL (${r.pgTime || '-'}): ${r.status === 0 ? 'passed' : 'FAILED'}`,
  );
}
console.log(`suites: ${seconds(started)}`);
const failed = results.find((r) => r.status !== 0);
if (failed) process.exit(failed.status);
console.log('\nall suites passed on SQLite, and every file that opened a database on PostgreSQL too');
