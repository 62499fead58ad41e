/**
 * The Backup screen, key-driven on the simulated appliance: jobs with their last run, running a
 * job, the history and a run's log, and the restore file browser (tree, Space to select, / to
 * filter, R to restore).
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ADMIN_PASSWORD, startConsoleTest, type ConsoleTest } from '../helpers/console.js';

let c: ConsoleTest;

beforeAll(async () => {
  c = await startConsoleTest();
  await c.loginAs('admin', ADMIN_PASSWORD);
  await c.press(':');
  await c.waitFor('Go to a screen');
  await c.type('backup');
  await c.press('enter');
  await c.waitFor('web1-nightly');
});
afterAll(async () => {
  await c?.close();
});

test('the jobs tab lists the director’s jobs with their last run; R runs the selected one', async () => {
  const f = await c.waitFor(/db1-nightly\s+db1-fd/);
  expect(f).toMatch(/laptop7-home\s+laptop7-fd/);
  expect(f).toMatch(/LAST RUN/);
  await c.waitFor('R Run now');
  await c.press('R');
  await c.waitFor(/Started db1-nightly: JobId \d+/);
  await c.press('2');
  await c.waitFor(/db1-nightly/);
  await c.waitFor(/PROGRESS \/ WAITING FOR/);
});

test('history: Enter shows the run’s log; b opens the restore browser', async () => {
  await c.press('3');
  await c.waitFor(/JOBID\s+JOB/);
  await c.press('/');
  await c.type('web1');
  await c.press('enter');
  const f = await c.waitFor(/web1-nightly\s+(Incr|Full)\s+completed/);
  expect(f).not.toMatch(/\d+ db1-nightly/);
  await c.press('enter');
  await c.waitFor(/Termination:\s+Backup OK/);
  await c.press('escape');
  await c.waitFor('b Browse');
  await c.press('b');
  await c.waitFor(/Restore from JobId \d+ web1-nightly/);
  await c.waitFor(/\[ \] \//);
});

test('the browser walks the tree, filters, selects with Space and restores', async () => {
  await c.press('enter');
  await c.waitFor(/\[ \] var\//);
  await c.press('/');
  await c.waitFor('Filter');
  await c.type('var');
  await c.press('enter');
  const f = await c.waitFor('filter: var');
  expect(f).not.toMatch(/\[ \] etc\//);
  await c.press('enter');
  await c.waitFor(/\[ \] www\//);
  await c.press('enter');
  await c.waitFor(/\[ \] docs\//);
  await c.press('down');
  await c.press('enter');
  await c.waitFor(/\[ \] docs-1\.dat/);
  await c.press(' ');
  await c.waitFor(/\[x\] docs-1\.dat/);
  await c.waitFor('1 selected: /var/www/docs/docs-1.dat');
  await c.press('R');
  await c.waitFor('Restore to');
  await c.press('enter');
  await c.waitFor(/Restore started: JobId \d+ \(1 selected\)/);
  await c.press('backspace');
  await c.waitFor(/\[ \] docs\//);
  await c.press('escape');
  await c.waitFor(/JOBID\s+JOB/);
});
