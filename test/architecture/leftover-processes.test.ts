/** The after-the-run check (jest globalTeardown) finds a process a test left running, by the run's mark, and stops it. */
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { checkLeftovers, markedProcesses } from '../helpers/leftover-processes.js';

const jestBin = createRequire(import.meta.url).resolve('jest/bin/jest');

test('this run is marked, and every process a test starts carries the mark', () => {
  expect(process.env.CALYPSO_TEST_RUN).toMatch(/^\d+-[0-9a-f]{12}$/);
});

test('a detached child with the mark is found (and a stopped one is not); the check fails naming it, then kills it', async () => {
  const id = `leftover-test-${process.pid}`;
  // Detached and unreferenced, like a daemon a test forgot: it would outlive this file.
  const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore', env: { ...process.env, CALYPSO_TEST_RUN: id } });
  child.unref();
  const exited = new Promise((r) => child.once('exit', r));
  try {
    expect(markedProcesses(id).map((p) => [p.pid, p.args])).toEqual([[child.pid, 'sleep 300']]);
    await expect(checkLeftovers(id, 300)).rejects.toThrow(`processes started by tests outlived the test run (now killed):\n  pid ${child.pid} (parent`);
    await exited;
    expect(markedProcesses(id)).toEqual([]);
    await expect(checkLeftovers(id, 300)).resolves.toBeUndefined();
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}, 20_000);

test('the test environment fails a file that leaves a worker thread running, even an unreferenced one (issue 18)', () => {
  // An unreferenced thread keeps no event loop alive, so the check of handles passed it; but Node stops every live thread
  // when the process exits, and jest killed its worker that took too long ("failed to exit gracefully").
  const fixture = path.join(import.meta.dirname, '../helpers/fixtures/leaves-a-thread.fixture.ts');
  const r = spawnSync(process.execPath, [jestBin, '--ci', '--testMatch', '**/leaves-a-thread.fixture.ts', '--runTestsByPath', fixture], {
    encoding: 'utf8',
    cwd: path.join(import.meta.dirname, '../..'),
    env: { ...process.env, CALYPSO_TEST_DB: 'sqlite' },
    timeout: 120_000,
  });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('leaves-a-thread.fixture.ts left running after its last test');
  expect(r.stderr).toMatch(/WORKER made at .*leaves-a-thread\.fixture\.ts:\d+/);
}, 120_000);
