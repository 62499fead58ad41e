/**
 * The Backup screen, key-driven on the simulated appliance: jobs with their last run, running a
 * job, the history and a run's log, and the restore file browser (tree, Space to select, / to
 * filter, R to restore).
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ADMIN_PASSWORD, startConsoleTest, type ConsoleTest } from '../../helpers/console.js';
import { waitFor } from '../../helpers/peers.js';

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
  // The toast, or (the simulated restore ends at once) the job's end that replaces it.
  await c.waitFor(/Restore started: JobId \d+ \(1 selected\)|Job #\d+ done: Restore RestoreFiles \(JobId \d+\)/);
  await c.press('backspace');
  await c.waitFor(/\[ \] docs\//);
  await c.press('escape');
  await c.waitFor(/JOBID\s+JOB/);
});

test('history: t restores a client as it was at a point in time, through the restore browser', async () => {
  await c.waitFor(/JOBID\s+JOB/);
  await c.press('t');
  await c.waitFor('Restore a client as it was at a point in time');
  // The form starts from the selected run's client and time.
  await c.waitFor(/Client\*?\s+web1-fd/);
  await c.press('enter');
  await c.waitFor(/Restore from JobId \d+ web1-nightly \((Full|Incremental)/);
  await c.waitFor(/\[ \] \//);
  await c.press('escape');
  await c.waitFor(/JOBID\s+JOB/);
});

test('setup: FileSets, schedules (typed runs), pools and repositories created and changed with forms', async () => {
  await c.press('6');
  await c.waitFor('f New FileSet');
  await c.press('f');
  await c.waitFor('New FileSet');
  await c.type('www-data');
  await c.press('down');
  await c.type('/var/www, /etc/nginx');
  await c.press('enter');
  await c.waitFor('Created FileSet www-data');
  await c.waitFor(/FileSet\s+www-data\s+\/var\/www \/etc\/nginx/);

  await c.press('S');
  await c.waitFor('New backup schedule');
  await c.type('weekly');
  await c.press('down');
  await c.type('Full 23:05 sun');
  await c.press('down');
  await c.type('Incr 23:05 mon-sat');
  await c.press('down');
  await c.type('Diff 25:00 daily');
  await c.press('enter');
  await c.waitFor('run 3: 25:00 is not a time of day');
  for (let i = 0; i < 'Diff 25:00 daily'.length; i++) await c.press('backspace');
  await c.press('enter');
  await c.waitFor(/Schedule\s+weekly\s+Full 23:05 sun; Incremental 23:05 mon,tue/);
  expect(await c.testDb.db('backup_resources').where({ kind: 'schedule', name: 'weekly' })).toHaveLength(1);

  await c.press('p');
  await c.waitFor('New pool');
  await c.type('Weekly');
  await c.press('enter');
  await c.waitFor('Created pool Weekly');
  await c.waitFor(/Pool\s+Weekly\s+0 volumes/);
  await c.press('/');
  await c.type('keep');
  await c.press('enter');
  await c.waitFor((f) => /Pool\s+Weekly\s+0 volumes/.test(f) && !/Schedule\s+weekly/.test(f));
  await c.press('e');
  await c.waitFor('Change pool Weekly (its volumes follow)');
  for (let i = 0; i < 3; i++) await c.press('backspace');
  await c.type('30');
  await c.press('enter');
  await c.waitFor('Saved pool Weekly');
  await c.waitFor(/Pool\s+Weekly\s+0 volumes, [^;]+; keep 30 days/);

  await c.press('escape');
  await c.press('J');
  await c.waitFor('New JobDefs');
  await c.type('web-defaults');
  await c.press('down');
  await c.type('web1-fd');
  await c.press('enter');
  await c.waitFor(/JobDefs\s+web-defaults\s+client web1-fd/);
  expect(await c.testDb.db('backup_resources').where({ kind: 'jobdefs', name: 'web-defaults' })).toHaveLength(1);

  // A new repository restarts the storage daemon, which is refused while a job runs: the restore started above may
  // still be running in simulated time on a fast machine.
  await waitFor(
    'no backup job to be running',
    async () => {
      const status = await c.http.get('/api/v1/backup/status').set('Authorization', `Bearer ${c.adminToken}`);
      return status.status === 200 && (status.body.running as unknown[]).length === 0;
    },
    30_000,
  );
  await c.press('n');
  await c.waitFor('New repository on a ZFS dataset');
  await c.type('repo1');
  await c.press('down');
  await c.type('tank/backups/bacula');
  await c.press('enter');
  await c.waitFor('Created repository repo1 on tank/backups/bacula');
});
