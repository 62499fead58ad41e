/** The after-the-run check (jest globalTeardown) finds a process a test left running, by the run's mark, and stops it. */
import { spawn } from 'node:child_process';
import { expect, test } from '@jest/globals';
import { checkLeftovers, markedProcesses } from '../helpers/leftover-processes.js';

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
