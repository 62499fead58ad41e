/**
 * Crash safety: a child process applies configuration in a loop (database transaction plus
 * LocalFiles.writeAtomic, inside a job) and is killed with SIGKILL at a random moment, round
 * after round. After every kill:
 * - the config file is one complete rendering, the old version or the new one, never a mix;
 * - its .prev copy, when there is one, is complete too;
 * - after the restart the database and the file agree;
 * - the job that was running at the kill is marked interrupted.
 *
 * CRASH_ROUNDS (default 4) sets the rounds.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { CONFIG_PATH, TABLE, dbVersion, versionOf } from './config-apply.js';

const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 4);
const CHILD = path.resolve('test/hardening/crash-child.ts');

let testDb: TestDb;
beforeAll(async () => {
  testDb = await createTestDb();
});
afterAll(async () => {
  await testDb.drop();
});

interface Child {
  proc: ChildProcess;
  lines: string[];
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

function startChild(child = CHILD, env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', child], {
    env: { ...process.env, CRASH_DATA_DIR: testDb.dataDir, CRASH_DB_URL: testDb.url ?? '', NODE_OPTIONS: '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  const waiters: { re: RegExp; resolve(m: RegExpExecArray): void }[] = [];
  let buf = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    buf += chunk.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        const m = w.re.exec(line);
        if (m) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    }
  });
  proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return {
    proc,
    lines,
    waitFor: (re, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const found = lines.map((l) => re.exec(l)).find(Boolean);
        if (found) return resolve(found);
        const timer = setTimeout(
          () => reject(new Error(`child did not print ${re} within ${timeoutMs} ms; stdout ${JSON.stringify(lines)}; stderr ${stderr}`)),
          timeoutMs,
        );
        proc.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`child exited (${code}) before printing ${re}; stderr ${stderr}`));
        });
        waiters.push({ re, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      }),
  };
}

function killHard(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });
}

const fileOnDisk = (suffix = '') => {
  const p = path.join(testDb.dataDir, 'root', `${CONFIG_PATH}${suffix}`);
  return fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : null;
};

test(
  `killed with SIGKILL while applying configuration, ${ROUNDS} rounds: the file is old or new and complete, the database agrees after restart, jobs are interrupted`,
  async () => {
    const seen = { kills: 0, advanced: 0, fileAhead: 0 };
    let previousJob: number | null = null;
    for (let round = 0; round < ROUNDS; round++) {
      const child = startChild();
      const ready = await child.waitFor(/^ready db=(\d+) fileBefore=(\S+)$/, 60_000);
      // After the restart: the file was re-rendered from the database, and agrees with it.
      const db = await dbVersion(testDb.db);
      expect(Number(ready[1])).toBe(db);
      expect(versionOf(fileOnDisk())).toBe(db);
      if (previousJob !== null) {
        const job = await testDb.db('jobs').where({ id: previousJob }).first();
        expect(job.state).toBe('interrupted');
        expect(
          await testDb
            .db('jobs')
            .where({ state: 'running' })
            .andWhere('id', '<=', previousJob)
            .count({ n: '*' })
            .then(([r]) => Number(r!.n)),
        ).toBe(0);
      }

      child.proc.stdin!.write('go\n');
      const [, jobId] = await child.waitFor(/^job (\d+)$/);
      previousJob = Number(jobId);
      // A random moment: anywhere from the first write to a few dozen applies in.
      await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 400)));
      await killHard(child.proc);
      seen.kills++;

      const after = await dbVersion(testDb.db);
      const file = versionOf(fileOnDisk());
      // Written inside the transaction: the file is the committed version or the one being applied.
      expect(file).not.toBeNull();
      expect([after, after + 1]).toContain(file);
      const prev = fileOnDisk('.prev');
      if (prev !== null) expect(versionOf(prev)).not.toBeNull();
      if (after > db) seen.advanced++;
      if (file === after + 1) seen.fileAhead++;
      const job = await testDb.db('jobs').where({ id: previousJob }).first();
      expect(job.state).toBe('running');
    }
    // The final restart reconciles, and marks the last job interrupted.
    const last = startChild();
    await last.waitFor(/^ready /, 60_000);
    expect(versionOf(fileOnDisk())).toBe(await dbVersion(testDb.db));
    expect((await testDb.db('jobs').where({ id: previousJob }).first()).state).toBe('interrupted');
    await killHard(last.proc);
    if (process.env.CRASH_VERBOSE) process.stderr.write(`crash rounds: ${JSON.stringify(seen)}\n`);
    expect(seen.kills).toBe(ROUNDS);
    // The loop really ran between kills (otherwise the rounds proved nothing).
    expect(seen.advanced).toBeGreaterThan(0);
    expect(await testDb.db.schema.hasTable(TABLE)).toBe(true);
  },
  60_000 + ROUNDS * 20_000,
);

const SNAPSHOT_CHILD = path.resolve('test/hardening/crash-snapshot-child.ts');

test(
  "killed with SIGKILL while taking snapshots: every snapshot on the appliance has its audit row (attempted or ok), and a dead writer's temp file is swept",
  async () => {
    const simDir = path.join(testDb.dataDir, 'sim');
    fs.mkdirSync(simDir, { recursive: true });
    const seen = { snapshots: 0, attempted: 0 };
    for (let round = 0; round < Math.max(2, Math.min(ROUNDS, 4)); round++) {
      // The temp file of a writer that died mid-save (its pid is gone).
      const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
      const stale = path.join(simDir, `.sim-state.json.${deadPid}.${Date.now()}.tmp`);
      fs.writeFileSync(stale, '{"half":');
      const child = startChild(SNAPSHOT_CHILD, { CRASH_ROUND: String(round) });
      await child.waitFor(/^ready$/, 60_000);
      expect(fs.existsSync(stale)).toBe(false);
      child.proc.stdin!.write('go\n');
      await child.waitFor(/^created \d+$/);
      await new Promise((r) => setTimeout(r, 10 + Math.floor(Math.random() * 300)));
      await killHard(child.proc);

      const model = JSON.parse(fs.readFileSync(path.join(simDir, 'sim-state.json'), 'utf8')) as { snapshots: { name: string }[] };
      const taken = model.snapshots.map((s) => s.name).filter((n) => n.startsWith('tank@crash-'));
      const audited = await testDb.db('audit_log').where({ operation: 'snapshots.create' }).whereIn('result', ['ok', 'attempted']).select('target', 'result');
      const byTarget = new Map(audited.map((r) => [r.target as string, r.result as string]));
      expect(taken.filter((n) => !byTarget.has(n))).toEqual([]);
      seen.snapshots = taken.length;
      seen.attempted = audited.filter((r) => r.result === 'attempted').length;
    }
    if (process.env.CRASH_VERBOSE) process.stderr.write(`snapshot crash rounds: ${JSON.stringify(seen)}\n`);
    expect(seen.snapshots).toBeGreaterThan(0);
  },
  60_000 + ROUNDS * 20_000,
);
