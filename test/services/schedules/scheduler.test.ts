/**
 * The scheduler on an injected clock (the simulated appliance follows the same clock): due runs
 * fire once, a run due while the last is going is recorded as skipped, runs missed while down run
 * once inside the grace window and are recorded as missed outside it, scrubs are skipped while a
 * scrub runs, and a failed SMART self-test fails its run and raises an alert.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { createCalypso, type Calypso, type CallMeta } from '../../../src/services/index.js';
import { SYSTEM_ACTOR } from '../../../src/services/core/context.js';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { createTestDb, type TestDb } from '../../helpers/db.js';
import { silentLog } from '../../helpers/app.js';

const META: CallMeta = { actor: SYSTEM_ACTOR, face: 'cli' };
const at = (s: string) => Date.parse(s);

let clock = at('2026-06-01T02:00:00Z');
/** What a run's wait does; by default the clock moves on (no real time passes). */
let sleepImpl: (ms: number) => Promise<void> = async (ms) => {
  clock += ms;
};
/** When set, the simulated appliance's time stands still here (a scrub keeps scanning). */
let simFrozenAt: number | null = null;
let testDb: TestDb;
let app: Calypso;

interface Schedule {
  id: number;
  nextRunAt: string | null;
  lastRun: { result: string; jobId: number | null } | null;
  running: boolean;
}
interface Run {
  id: number;
  trigger: string;
  dueAt: string | null;
  result: string;
  message: string | null;
  jobId: number | null;
}

const call = <T>(name: string, input: unknown) => app.call<T>(name, input, META);
const runs = async (id: number) => (await call<{ items: Run[] }>('schedules.runs', { id })).items;
const settle = async () => {
  await app.scheduler.idle();
  await app.jobs.idle();
};

beforeAll(async () => {
  testDb = await createTestDb();
  const host = new SimulatedHost({ now: () => simFrozenAt ?? clock });
  app = await createCalypso({
    db: testDb.db,
    host,
    log: silentLog,
    jwtSecret: 'test-secret-0123456789abcdef',
    monitoring: { now: () => clock, probes: [] },
    schedules: { now: () => clock, sleep: (ms) => sleepImpl(ms), timezone: 'UTC' },
  });
});

afterAll(async () => {
  await app.scheduler.stop();
  await app.monitoring.stop();
  await app.jobs.idle();
  await testDb.drop();
});

beforeEach(async () => {
  await settle();
  await testDb.db('schedules').update({ enabled: false, next_run_at: null });
  sleepImpl = async (ms) => {
    clock += ms;
  };
});

describe('scheduler', () => {
  test('a due run fires once, as a job run by the system and audited with face system', async () => {
    clock = at('2026-06-01T02:00:00Z');
    const s = await call<Schedule>('schedules.create', { kind: 'disk.smart-test', target: 'sdb', cron: '0 3 * * *', options: { testType: 'short' } });
    expect(s.nextRunAt).toBe('2026-06-01T03:00:00.000Z');
    clock = at('2026-06-01T02:59:59Z');
    await app.scheduler.tick();
    expect(await runs(s.id)).toHaveLength(0);
    clock = at('2026-06-01T03:00:05Z');
    await app.scheduler.tick();
    await app.scheduler.tick();
    await settle();
    const list = await runs(s.id);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ trigger: 'schedule', dueAt: '2026-06-01T03:00:00.000Z', result: 'succeeded' });
    const job = await app.jobs.get(list[0]!.jobId!);
    expect(job).toMatchObject({ type: 'schedule.disk.smart-test', owner: 'system', state: 'succeeded', target: 'sdb' });
    expect(job.result).toMatchObject({ disk: 'sdb', testType: 'short', passed: true });
    const audit = await testDb.db('audit_log').where({ operation: 'storage.disks.smart-test', face: 'system' });
    expect(audit.length).toBe(1);
    const after = await call<Schedule>('schedules.get', { id: s.id });
    expect(after).toMatchObject({ nextRunAt: '2026-06-02T03:00:00.000Z', lastRun: { result: 'succeeded', jobId: job.id }, running: false });
  });

  test('a run due while the previous one is still going is recorded as skipped, naming the job', async () => {
    clock = at('2026-06-02T10:00:30Z');
    const s = await call<Schedule>('schedules.create', { kind: 'disk.smart-test', target: 'sdc', cron: '* * * * *', options: { testType: 'long' } });
    const waiting: (() => void)[] = [];
    sleepImpl = () => new Promise<void>((r) => waiting.push(r));
    clock = at('2026-06-02T10:01:00Z');
    await app.scheduler.tick();
    // The first run is following its long self-test (waiting on the gate).
    while (waiting.length === 0) await new Promise((r) => setImmediate(r));
    const first = (await runs(s.id))[0]!;
    expect(first.result).toBe('running');
    clock = at('2026-06-02T10:02:00Z');
    await app.scheduler.tick();
    const [skipped] = await runs(s.id);
    expect(skipped).toMatchObject({ result: 'skipped', trigger: 'schedule', jobId: first.jobId });
    expect(skipped!.message).toContain(`job ${first.jobId}`);
    expect(skipped!.message).toContain('still running');
    await expect(call('schedules.run', { id: s.id })).rejects.toThrow(/is running \(job/);
    // Let the long test end: the clock moves past it and the wait is released.
    sleepImpl = async (ms) => {
      clock += ms;
    };
    clock += 24 * 3600 * 1000;
    waiting.splice(0).forEach((r) => r());
    await settle();
    const all = await runs(s.id);
    expect(all.map((r) => r.result)).toEqual(['skipped', 'succeeded']);
    expect((await testDb.db('jobs').where({ type: 'schedule.disk.smart-test', target: 'sdc' })).length).toBe(1);
  });

  test('a run missed while down runs once at start inside the grace window', async () => {
    clock = at('2026-06-03T02:00:00Z');
    const s = await call<Schedule>('schedules.create', { kind: 'disk.smart-test', target: 'sdd', cron: '0 3 * * *', graceSeconds: 3600 });
    clock = at('2026-06-03T03:40:00Z'); // down from 02:00 to 03:40
    await app.scheduler.start();
    await settle();
    await app.scheduler.stop();
    const list = await runs(s.id);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ result: 'succeeded', dueAt: '2026-06-03T03:00:00.000Z' });
    expect((await call<Schedule>('schedules.get', { id: s.id })).nextRunAt).toBe('2026-06-04T03:00:00.000Z');
  });

  test('outside the grace window it is recorded as missed, once, and nothing runs', async () => {
    clock = at('2026-06-05T02:00:00Z');
    const s = await call<Schedule>('schedules.create', { kind: 'disk.smart-test', target: 'sde', cron: '0 3 * * *', graceSeconds: 3600 });
    const jobsBefore = (await testDb.db('jobs')).length;
    clock = at('2026-06-08T04:30:00Z'); // down three days: three runs fell in the gap
    await app.scheduler.start();
    await settle();
    await app.scheduler.stop();
    const list = await runs(s.id);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ result: 'missed', dueAt: '2026-06-05T03:00:00.000Z', jobId: null });
    expect(list[0]!.message).toMatch(/grace 3600 s/);
    expect((await testDb.db('jobs')).length).toBe(jobsBefore);
    expect(await call<Schedule>('schedules.get', { id: s.id })).toMatchObject({ lastRun: { result: 'missed' }, nextRunAt: '2026-06-09T03:00:00.000Z' });
  });

  test('a scrub is skipped when the last scrub is newer than the threshold', async () => {
    clock = at('2026-06-09T00:59:00Z');
    const s = await call<Schedule>('schedules.create', { kind: 'pool.scrub', target: 'tank', cron: '0 * * * *', options: { minDaysSinceLast: 30 } });
    clock = at('2026-06-09T01:00:00Z');
    await app.scheduler.tick();
    await settle();
    const [run] = await runs(s.id);
    expect(run).toMatchObject({ result: 'skipped' });
    expect(run!.message).toMatch(/less than 30 days ago/);
  });

  test('a scheduled scrub starts a scrub; the next one is skipped while that scrub runs', async () => {
    clock = at('2026-06-10T00:59:00Z');
    const s = await call<Schedule>('schedules.create', { kind: 'pool.scrub', target: 'tank', cron: '0 * * * *' });
    clock = at('2026-06-10T01:00:00Z');
    simFrozenAt = clock;
    await app.scheduler.tick();
    await app.scheduler.idle();
    const [first] = await runs(s.id);
    expect(first!.result).toBe('succeeded');
    // The run's row is written after its job's final row: the job has its result already.
    const scrubJobId = ((await app.jobs.get(first!.jobId!)).result as { scrubJobId: number }).scrubJobId;
    expect((await app.jobs.get(scrubJobId)).state).toBe('running');
    clock = at('2026-06-10T02:00:00Z'); // the appliance's scrub is still scanning: its time stood still
    expect((await call<{ scan: { state: string } }>('storage.pools.get', { name: 'tank' })).scan.state).toBe('scanning');
    await app.scheduler.tick();
    await app.scheduler.idle();
    const [second] = await runs(s.id);
    expect(second).toMatchObject({ result: 'skipped' });
    expect(second!.message).toMatch(/a scrub of tank is running/);
    expect(await testDb.db('jobs').where({ type: 'storage.scrub' })).toHaveLength(1);
    await call('storage.pools.scrub', { name: 'tank', action: 'stop' });
    simFrozenAt = null;
    await settle();
  });

  test('a failed SMART self-test fails the run and raises an alert', async () => {
    clock = at('2026-06-12T00:00:00Z');
    await call('sim.faultDisk', { disk: 'sdf' });
    const s = await call<Schedule>('schedules.create', { kind: 'disk.smart-test', target: 'sdf', cron: '0 3 * * *' });
    const run = await call<Run>('schedules.run', { id: s.id });
    expect(run.trigger).toBe('manual');
    await settle();
    await app.monitoring.idle();
    const [done] = await runs(s.id);
    expect(done).toMatchObject({ result: 'failed' });
    expect(done!.message).toMatch(/self-test of sdf failed/);
    const alerts = await testDb.db('alerts').where({ source: 'job' }).whereNull('resolved_at');
    expect(alerts.some((a: { title: string }) => a.title.includes('schedule.disk.smart-test') && a.title.includes('sdf'))).toBe(true);
  });

  test("a run is seen finished only once its job's row has its final state and result", async () => {
    clock = at('2026-06-14T00:00:00Z');
    // Started (an earlier test stopped it, and a stopped scheduler ends a run at its first wait); due once a year only.
    await app.scheduler.start();
    const s = await call<Schedule>('schedules.create', { kind: 'disk.smart-test', target: 'sdb', cron: '0 3 1 1 *', options: { testType: 'long' } });
    // The run's job is held on its wait for the long self-test until the test releases it.
    const waiting: (() => void)[] = [];
    sleepImpl = () => new Promise<void>((r) => waiting.push(r));
    const started = await call<Run>('schedules.run', { id: s.id });
    while (waiting.length === 0 && app.scheduler.isRunning(s.id)) await new Promise((r) => setImmediate(r));
    expect(waiting).toHaveLength(1);
    // The order of the writes as the database sees them: the job's final row answered, the run's final row sent.
    const order: string[] = [];
    const name = (sql: string) => sql.replace(/[`"]/g, '');
    const sent = (q: { sql: string }) => {
      if (/^update schedule_runs set finished_at/.test(name(q.sql))) order.push('run finished');
    };
    const answered = (_res: unknown, q: { sql: string; bindings?: unknown[] }) => {
      if (/^update jobs set state/.test(name(q.sql)) && q.bindings?.includes(started.jobId)) order.push('job finished');
    };
    testDb.db.on('query', sent).on('query-response', answered);
    try {
      sleepImpl = async (ms) => {
        clock += ms;
      };
      clock += 24 * 3600 * 1000;
      waiting.splice(0).forEach((r) => r());
      // A reader that looks at the run until it is finished, then at its job.
      let run = (await runs(s.id))[0]!;
      while (run.result === 'running') {
        await new Promise((r) => setImmediate(r));
        run = (await runs(s.id))[0]!;
      }
      expect(run).toMatchObject({ result: 'succeeded', jobId: started.jobId });
      const job = await app.jobs.get(run.jobId!);
      expect(job.state).toBe('succeeded');
      expect(job.result).toMatchObject({ disk: 'sdb', testType: 'long', passed: true });
      await settle();
    } finally {
      testDb.db.off('query', sent).off('query-response', answered);
      await app.scheduler.stop();
    }
    expect(order).toEqual(['job finished', 'run finished']);
    expect(await call<Schedule>('schedules.get', { id: s.id })).toMatchObject({ lastRun: { result: 'succeeded', jobId: started.jobId }, running: false });
  });

  test('stop() ends a run that waits on a long self-test instead of holding the shutdown', async () => {
    clock = at('2026-06-13T00:00:30Z');
    const s = await call<Schedule>('schedules.create', { kind: 'disk.smart-test', target: 'sda', cron: '* * * * *', options: { testType: 'long' } });
    const waiting: (() => void)[] = [];
    sleepImpl = () => new Promise<void>((r) => waiting.push(r));
    await app.scheduler.start();
    clock = at('2026-06-13T00:01:00Z');
    await app.scheduler.tick();
    while (waiting.length === 0) await new Promise((r) => setImmediate(r));
    await app.scheduler.stop();
    await settle();
    const [run] = await runs(s.id);
    expect(run).toMatchObject({ result: 'failed', message: 'Calypso stopped during the run' });
    expect((await app.jobs.get(run!.jobId!)).state).toBe('failed');
    waiting.splice(0).forEach((r) => r());
  });
});
