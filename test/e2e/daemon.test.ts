/**
 * One daemon, several consoles (issue 10, "Tests that must exist"): `calypso serve`, started
 * here on the simulated appliance with TCP off, and two real consoles (A and B, tmux, 120x40,
 * the sources with tsx) on its data directory, driven by keys. The test's own HttpClient talks
 * to the daemon over DATA/calypso.sock as admin, a webhook receiver runs on 127.0.0.1, and the
 * database is read directly. Both databases: with CALYPSO_TEST_DB=postgres, serve gets the
 * DATABASE_URL of a database made by test/helpers/db.ts (the consoles open no database).
 *
 * The tests run in order on the same daemon and consoles:
 * 1. fault a disk: one open alert per rule and labels, one webhook delivery each; heal it: one
 *    resolve each; both consoles' headers follow the count;
 * 2. a scrub started from A (keys) is seen in B and cancelled from B (Jobs screen, keys);
 * 3. the daemon restarts (calypso stop, calypso serve) under both consoles: they say they are
 *    reconnecting, keep their screens, and A's next action (a dataset from the form) works;
 * 4. a second scrub from A: A is killed (-9) and B's tmux session killed during it; B's stderr
 *    holds no stack trace, the daemon lives on and the scrub completes (its job in the database).
 * The simulated scrub takes 20 s of wall clock (src/system/sim/zpool.ts), long enough for 2 and 4.
 * Every wait is for screen text, database state or a file; afterAll stops every daemon.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { HttpClient } from '../../src/client/http.js';
import { monitoringContracts } from '../../src/contracts/monitoring.js';
import { simContracts } from '../../src/contracts/sim.js';
import { storageContracts } from '../../src/contracts/storage.js';
import { MAIN, TSX, gone, runCalypso, serveProcesses, stopCalypso } from '../helpers/cli.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const TMUX = `calypso-daemon-${process.pid}`;
const PASSWORD = 'daemon-e2e-admin-password-42';

let testDb: TestDb;
let data: string;
/** Pid files and stderr of the consoles (outside the data directory). */
let work: string;
let client: HttpClient;
let serveLog = '';
const serves: ChildProcess[] = [];

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', TMUX, ...args], { encoding: 'utf8' });
const capture = (s: string) => tmux('capture-pane', '-p', '-t', s);
const keys = (s: string, ...k: string[]) => tmux('send-keys', '-t', s, ...k);
const literal = (s: string, text: string) => tmux('send-keys', '-t', s, '-l', text);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls a condition (screen, database, files) until it holds; fails naming it and what was last seen. */
async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
  seen: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${seen() ? `; last seen:\n${seen()}` : ''}`);
    await pause(100);
  }
}

function waitFor(s: string, what: string | RegExp, timeoutMs = 30_000): Promise<string> {
  return until(
    `${String(what)} in console ${s}`,
    () => {
      const screen = capture(s);
      return (typeof what === 'string' ? screen.includes(what) : what.test(screen)) && screen;
    },
    timeoutMs,
    () => capture(s),
  );
}

function serveEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CALYPSO_ADMIN_PASSWORD: PASSWORD };
  delete env.DATABASE_URL;
  delete env.CALYPSO_SOCKET;
  if (testDb.url) env.DATABASE_URL = testDb.url;
  return env;
}

/** `calypso serve` on the data directory, TCP off; resolves once it says it listens on the socket. */
async function startServe(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, 'serve', '--host', 'sim', '--data', data, '--listen', 'none'], {
    cwd: ROOT,
    env: serveEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  serves.push(child);
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d).slice(-20_000);
    serveLog = (serveLog + d).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  await until(
    'calypso serve to listen on its socket',
    () => {
      if (child.exitCode !== null) throw new Error(`calypso serve exited (${child.exitCode}):\n${output}`);
      return /API listening on the Unix socket/.test(output);
    },
    60_000,
    () => output,
  );
  return child;
}

interface Pane {
  name: string;
  pidFile: string;
  errFile: string;
}

/** A console in its own tmux session; its pid and stderr go to files (exec: the pane's process is the console). */
function startConsolePane(name: string): Pane {
  const pane = { name, pidFile: path.join(work, `${name}.pid`), errFile: path.join(work, `${name}.stderr`) };
  const script = `echo $$ > ${pane.pidFile}; cd ${ROOT} && exec env -u DATABASE_URL -u CALYPSO_SOCKET node --import tsx src/main.ts console --data ${data} 2>${pane.errFile}`;
  tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '40', '-e', 'TERM=xterm-256color', 'bash', '--norc', '--noprofile', '-c', script);
  tmux('set-option', '-t', name, 'status', 'off');
  return pane;
}

const pidOf = (p: Pane) => Number(fs.readFileSync(p.pidFile, 'utf8').trim());

async function login(s: string): Promise<void> {
  await waitFor(s, 'Username', 60_000);
  literal(s, 'admin');
  keys(s, 'Enter');
  await waitFor(s, '▶ Password');
  literal(s, PASSWORD);
  keys(s, 'Enter');
  await waitFor(s, 'admin (Admin)');
}

async function goTo(s: string, screen: string, shown: string | RegExp): Promise<void> {
  keys(s, ':');
  await waitFor(s, 'Go to a screen');
  literal(s, screen);
  keys(s, 'Enter');
  await waitFor(s, shown);
}

/** The webhook channel's receiver: every notification body, in arrival order. */
const received: { event: string; alert: { id: number; title: string } }[] = [];
const receiver = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    received.push(JSON.parse(body));
    res.writeHead(204).end();
  });
});

let A: Pane;
let B: Pane;

beforeAll(async () => {
  testDb = await createTestDb();
  data = testDb.dataDir;
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-daemon-e2e-'));
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  await startServe();
  client = new HttpClient({ socketPath: path.join(data, 'calypso.sock'), userAgent: 'daemon-e2e' });
  await client.login('admin', PASSWORD);
  A = startConsolePane('A');
  B = startConsolePane('B');
  await Promise.all([login('A'), login('B')]);
}, 120_000);

afterAll(async () => {
  await client?.close();
  try {
    tmux('kill-server');
  } catch {
    // Already gone (the last session ended).
  }
  try {
    if (data) await stopCalypso(data);
  } finally {
    for (const s of serves) if (s.exitCode === null && s.signalCode === null) s.kill('SIGKILL');
    receiver.close();
    await testDb?.drop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  }
}, 120_000);

interface AlertRow {
  id: number;
  dedupe_key: string;
  rule_id: number;
  labels: string;
  state: string;
  resolved_at: number | string | null;
  opened_at: number | string;
}

const unresolvedCount = async () => Number((await testDb.db('alerts').whereNull('resolved_at').count({ n: '*' }))[0]!.n);
const alertsText = (n: number) => new RegExp(`(?<![0-9])${n} alerts?\\b`);

/** Both consoles' headers show the database's count of unresolved alerts (read again while they catch up). */
async function bothShowAlertCount(): Promise<void> {
  await until(
    'both consoles to show the alert count',
    async () => {
      const n = await unresolvedCount();
      return alertsText(n).test(capture('A')) && alertsText(n).test(capture('B'));
    },
    30_000,
    () => `${capture('A')}\n${capture('B')}`,
  );
}

test('fault a disk: one open alert per rule and labels, one webhook delivery each; heal it: one resolve each; both consoles show the count', async () => {
  const channel = await client.call(monitoringContracts['alerts.channels.create'], {
    name: 'e2e receiver',
    webhook: { url: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`, timeoutMs: 5000 },
    severities: ['info', 'warning', 'critical'],
    enabled: true,
    notifyResolved: true,
  });
  await bothShowAlertCount();
  const rules = new Map((await testDb.db('alert_rules').select('id', 'name')).map((r: { id: number; name: string }) => [Number(r.id), r.name]));
  const faultAt = Date.now();
  await client.call(simContracts['sim.faultDisk'], { disk: 'sdc', mode: 'faulted' });

  const since = async (): Promise<AlertRow[]> => testDb.db('alerts').where('opened_at', '>=', faultAt).orderBy('id');
  const ruleOf = (a: AlertRow) => rules.get(Number(a.rule_id));
  const watched = (rows: AlertRow[]) => rows.filter((a) => ['Pool health', 'Pool device errors'].includes(ruleOf(a) ?? ''));
  const opened = await until(
    'the pool health and device error alerts',
    async () => {
      const rows = watched(await since());
      return new Set(rows.map(ruleOf)).size === 2 && rows;
    },
    60_000,
    () => JSON.stringify(received),
  );
  // Exactly one unresolved alert per rule and labels, whatever else is open.
  const dupes = await testDb.db('alerts').whereNull('resolved_at').groupBy('dedupe_key').havingRaw('count(*) > 1').select('dedupe_key');
  expect(dupes).toEqual([]);
  expect(opened.filter((a) => ruleOf(a) === 'Pool health').map((a) => JSON.parse(a.labels))).toEqual([{ pool: 'tank' }]);
  expect(opened.filter((a) => ruleOf(a) === 'Pool device errors').map((a) => JSON.parse(a.labels))).toEqual([{ pool: 'tank', device: expect.any(String) }]);
  await until(
    'a firing delivery for each',
    () => opened.every((a) => received.some((r) => r.event === 'firing' && r.alert.id === Number(a.id))),
    30_000,
    () => JSON.stringify(received),
  );
  await bothShowAlertCount();

  await client.call(simContracts['sim.healDisk'], { disk: 'sdc' });
  // The disk resilvers (10 s in the simulator), then the pool is ONLINE and its alerts resolve.
  await until(
    'the alerts to resolve',
    async () => {
      const rows = await testDb.db('alerts').whereIn(
        'id',
        opened.map((a) => a.id),
      );
      return rows.every((r: AlertRow) => r.resolved_at !== null && r.state === 'resolved');
    },
    60_000,
  );
  await until(
    'a resolved delivery for each',
    () => opened.every((a) => received.some((r) => r.event === 'resolved' && r.alert.id === Number(a.id))),
    30_000,
    () => JSON.stringify(received),
  );
  await bothShowAlertCount();

  // Once each, in the receiver and in the delivery log: one engine, one notifier.
  const rows = watched(await since());
  expect(rows.map((a) => Number(a.id))).toEqual(opened.map((a) => Number(a.id)));
  for (const a of rows) {
    const id = Number(a.id);
    expect(received.filter((r) => r.alert.id === id).map((r) => r.event)).toEqual(['firing', 'resolved']);
    const logged = await testDb.db('notification_deliveries').where({ alert_id: id, channel_id: channel.id }).orderBy('id').select('event', 'status');
    expect(logged).toEqual([
      { event: 'firing', status: 'sent' },
      { event: 'resolved', status: 'sent' },
    ]);
  }
  // Nothing else the fault opened was notified twice either.
  for (const a of await since()) {
    const events = received.filter((r) => r.alert.id === Number(a.id)).map((r) => r.event);
    expect(events.filter((e) => e === 'firing').length).toBeLessThanOrEqual(1);
    expect(events.filter((e) => e === 'resolved').length).toBeLessThanOrEqual(1);
  }
}, 180_000);

interface JobRow {
  id: number;
  state: string;
  progress: number;
  finished_at: string | null;
}
const scrubJobs = (): Promise<JobRow[]> => testDb.db('jobs').where({ type: 'storage.scrub' }).orderBy('id').select('id', 'state', 'progress', 'finished_at');
const jobRow = async (id: number): Promise<JobRow> => (await testDb.db('jobs').where({ id }).first())!;

test('a scrub started from console A is seen in console B and cancelled from B', async () => {
  // The pool is ONLINE again as soon as the healed disk is, but zpool refuses a scrub while it resilvers.
  await until(
    'the resilver of the healed disk to end',
    async () => (await client.call(storageContracts['storage.pools.get'], { name: 'tank' })).scan?.state !== 'scanning',
  );
  await goTo('A', 'storage', /tank\s+ONLINE/);
  await waitFor('A', 's Scrub');
  await goTo('B', 'jobs', / in all/);
  const before = (await scrubJobs()).length;
  keys('A', 's');
  await waitFor('A', 'Scrub of tank started');
  const job = await until('the scrub job', async () => (await scrubJobs())[before]);
  expect(job.state).toBe('running');
  // B follows the job stream: the new job is at the top of its list, selected.
  await waitFor('B', new RegExp(`(?<![0-9])${job.id}\\s+running\\s.*Scrub tank`));
  keys('B', 'x');
  await waitFor('B', `Cancelled job #${job.id}`);
  const done = await until('the job to end', async () => {
    const row = await jobRow(job.id);
    return row.state !== 'running' && row;
  });
  expect(done.state).toBe('cancelled');
  await waitFor('A', /tank\s+ONLINE/);
}, 120_000);

test('the daemon restarts under both consoles: they say they reconnect, keep their screens, and the next action works', async () => {
  // A shows the datasets of tank (the form prefills the selected dataset as the parent, so wait for the rows).
  keys('A', '2');
  await waitFor('A', /\s{2}backups\s+\d/);
  await waitFor('A', 'c Create dataset');
  await waitFor('B', 'API on the socket only');

  const stopped = await runCalypso(['stop', '--data', data], { env: serveEnv() });
  expect(stopped.stderr).toBe('');
  expect(stopped.status).toBe(0);
  expect(serveProcesses(data)).toEqual([]);
  for (const s of ['A', 'B']) await waitFor(s, /daemon away: reconnecting/);

  await startServe();
  for (const s of ['A', 'B']) await waitFor(s, 'API on the socket only');
  // The screens are where they were.
  expect(capture('A')).toMatch(/\s{2}backups\s+\d/);
  expect(capture('B')).toMatch(/ in all/);

  keys('A', 'c');
  await waitFor('A', /Name\*\s+tank\//);
  literal('A', 'after-restart');
  keys('A', 'Enter');
  await waitFor('A', 'Created tank/after-restart');
  const listed = await client.call(storageContracts['storage.datasets.list'], { limit: 1000, offset: 0, type: 'all' });
  expect(listed.items.map((d) => d.name)).toContain('tank/after-restart');
}, 120_000);

test('kill -9 of console A and tmux kill-session of console B during a scrub: no stack trace, the daemon and the scrub go on', async () => {
  keys('A', '1');
  await waitFor('A', /tank\s+ONLINE/);
  await waitFor('A', 's Scrub');
  const before = (await scrubJobs()).length;
  keys('A', 's');
  await waitFor('A', 'Scrub of tank started');
  const job = await until('the scrub job', async () => (await scrubJobs())[before]);
  expect(job.state).toBe('running');
  const [daemon] = serveProcesses(data);
  expect(daemon).toBeDefined();

  const a = pidOf(A);
  process.kill(a, 'SIGKILL');
  await until('console A to die', () => gone(a));
  const b = pidOf(B);
  tmux('kill-session', '-t', 'B');
  await until('console B to exit after the hang-up', () => gone(b));
  const stderr = fs.readFileSync(B.errFile, 'utf8');
  expect(stderr).not.toMatch(/Error|Assertion|\bat .+:\d+:\d+|node:internal/);
  expect(stderr).toBe('');

  // The daemon did not notice: the scrub is still its job, and it completes.
  expect(!gone(daemon!)).toBe(true);
  expect(serveProcesses(data)).toEqual([daemon]);
  expect(['running', 'succeeded']).toContain((await jobRow(job.id)).state);
  const done = await until(
    'the scrub to complete in the daemon',
    async () => {
      const row = await jobRow(job.id);
      return row.state !== 'running' && row;
    },
    60_000,
  );
  expect(done.state).toBe('succeeded');
  expect(done.progress).toBe(100);
  expect(done.finished_at).not.toBeNull();
  expect(!gone(daemon!)).toBe(true);
}, 120_000);
