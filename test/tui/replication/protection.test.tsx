/**
 * Data Protection screen at 80x24, key-driven on the simulated appliance: create a snapshot task
 * with the schedule picker, run it and follow its job (progress and log), the dataset's timeline,
 * a refused naming schema shown with the service's sentence (nothing stored), the replication and
 * connections views; ReadOnly gets no change keys.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ADMIN_PASSWORD, startConsoleTest, type ConsoleTest } from '../../helpers/console.js';

let c: ConsoleTest;

const open = async () => {
  await c.press(':');
  await c.waitFor('Go to a screen');
  await c.type('Data Protection');
  await c.press('enter');
  await c.waitFor('Periodic snapshot tasks');
};
const fits = (f: string) => f.split('\n').every((l) => l.length <= 80) && f.split('\n').length <= 24;

beforeAll(async () => {
  c = await startConsoleTest();
  await c.resize(80, 24);
  await c.loginAs('admin', ADMIN_PASSWORD);
  await open();
});
afterAll(async () => {
  await c?.app.jobs.idle();
  await c?.close();
});

test('c creates a daily task with the picker; the list shows it in words', async () => {
  await c.press('c');
  await c.waitFor('Create a periodic snapshot task');
  await c.type('tank/shares');
  await c.press('down'); // children
  await c.press('down'); // every
  await c.press('right'); // daily
  await c.waitFor('< daily >');
  await c.press('down'); // time
  await c.type('03:30');
  const form = await c.waitFor('daily at 03:30  (cron 30 3 * * *)');
  expect(form).toMatch(/Next name\s+tank\/shares@auto-\d{4}-\d\d-\d\d_\d\d-\d\d/);
  expect(fits(form)).toBe(true);
  await c.press('enter');
  const list = await c.waitFor(/tank\/shares\s+daily 03:30\s+2 weeks\s+never/);
  expect(list).toMatch(/daily at 03:30, next \d{4}-\d\d-\d\d 03:30/);
  expect(fits(list)).toBe(true);
  expect(await c.testDb.db('snapshot_tasks').where({ dataset: 'tank/shares', cron: '30 3 * * *' })).toHaveLength(1);
});

test('R runs it now and follows the job: state, progress and log', async () => {
  await c.press('R');
  await c.waitFor(/Snapshot task \d+: tank\/shares \(job #\d+\)/);
  const panel = await c.waitFor((f) => f.includes('succeeded') && /took tank\/shares@auto-/.test(f));
  expect(panel).toContain('100%');
  expect(fits(panel)).toBe(true);
  await c.press('escape');
  await c.waitFor(/Took tank\/shares@auto-/);
});

test('t shows the timeline of the dataset: each snapshot and what retention will do', async () => {
  await c.press('t');
  const f = await c.waitFor('Timeline of tank/shares');
  expect(f).toMatch(/auto-\d{4}-\d\d-\d\d_\d\d-\d\d {2}\d{4}-\d\d-\d\d \d\d:\d\d {2}not replicated/);
  expect(f).toMatch(/kept: within its lifetime/);
  expect(fits(f)).toBe(true);
  await c.press('escape');
  await c.waitFor('Periodic snapshot tasks');
});

test('a naming schema without a time field is flagged as typed, refused on save, and nothing is stored', async () => {
  const before = await c.testDb.db('snapshot_tasks').count({ n: '*' });
  await c.press('c');
  await c.waitFor('Create a periodic snapshot task');
  await c.type('tank/shares');
  for (let i = 0; i < 4; i++) await c.press('down'); // children, every, time, names
  await c.waitFor(/▶ Names|> Names/);
  for (let i = 0; i < 19; i++) await c.press('backspace');
  await c.type('daily');
  await c.waitFor('the schema has no time field');
  await c.press('enter');
  await c.waitFor(/namingSchema: the naming schema has no time field/);
  await c.press('escape');
  expect(await c.testDb.db('snapshot_tasks').count({ n: '*' })).toEqual(before);
});

test('2 shows replication tasks, 3 the SSH connections', async () => {
  await c.press('2');
  const r = await c.waitFor('No replication tasks yet');
  expect(fits(r)).toBe(true);
  await c.press('c');
  await c.waitFor('Create a replication task');
  await c.press('escape');
  await c.waitFor('No replication tasks yet');
  await c.press('3');
  await c.waitFor('No SSH connections yet');
  await c.press('1');
  await c.waitFor('Periodic snapshot tasks');
});

test('ReadOnly sees the tasks but cannot create or run them', async () => {
  const before = await c.testDb.db('jobs').count({ n: '*' });
  await c.app.call(
    'iam.users.create',
    { username: 'viewer', password: 'viewer-password-123', roles: ['ReadOnly'] },
    { actor: { kind: 'system', username: 'system' }, face: 'system' },
  );
  await c.press(':');
  await c.waitFor('Go to a screen');
  await c.type('logout');
  await c.press('enter');
  await c.loginAs('viewer', 'viewer-password-123');
  await open();
  await c.waitFor(/tank\/shares\s+daily 03:30/);
  await c.press('c');
  await c.press('R');
  const f = c.frame();
  expect(f).not.toContain('Create a periodic snapshot task');
  expect(f).not.toMatch(/job #\d+\)/);
  expect(await c.testDb.db('jobs').count({ n: '*' })).toEqual(before);
});
