/**
 * Schedules through the API: Operator may create and run scrub schedules, ReadOnly reads but
 * changes nothing, and bad input (bad or sub-minute cron, unknown kind, pool or disk, unknown
 * fields, options of another kind) is refused with nothing stored.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';

let t: TestApp;
let reader: string;
let operator: string;

beforeAll(async () => {
  t = await startTestApp({ host: new SimulatedHost(), monitoring: { probes: [] } });
  reader = await t.userWithRoles('reader', ['ReadOnly']);
  operator = await t.userWithRoles('operator', ['Operator']);
});

afterAll(async () => {
  await t.app.scheduler.idle();
  await t.close();
});

const count = async () => Number((await t.testDb.db('schedules').count({ n: '*' }))[0]!.n);
const post = (token: string, path: string, body: unknown) =>
  t.http
    .post(`/api/v1${path}`)
    .set('Authorization', `Bearer ${token}`)
    .send(body as object);

describe('schedules API', () => {
  test('Operator creates a weekly scrub schedule; it is listed with its next run and audited', async () => {
    const res = await post(operator, '/schedules', { kind: 'pool.scrub', target: 'tank', cron: '0 3 * * 0', options: { minDaysSinceLast: 5 } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      kind: 'pool.scrub',
      target: 'tank',
      cron: '0 3 * * 0',
      enabled: true,
      createdBy: 'operator',
      options: { skipWhenScanning: true, minDaysSinceLast: 5 },
      graceSeconds: 3600,
    });
    expect(res.body.cronText).toMatch(/^weekly on Sunday at 03:00$/);
    expect(Date.parse(res.body.nextRunAt)).toBeGreaterThan(Date.now());
    const list = await t.http.get('/api/v1/schedules').set('Authorization', `Bearer ${reader}`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((s: { id: number }) => s.id)).toContain(res.body.id);
    const audit = await t.testDb.db('audit_log').where({ operation: 'schedules.create', actor_name: 'operator' });
    expect(audit).toHaveLength(1);
  });

  test('ReadOnly may read but is refused every change, with nothing stored', async () => {
    const before = await count();
    const res = await post(reader, '/schedules', { kind: 'pool.scrub', target: 'tank', cron: '0 3 * * *' });
    expect(res.status).toBe(403);
    const [one] = (await t.http.get('/api/v1/schedules').set('Authorization', `Bearer ${reader}`)).body.items;
    expect((await post(reader, `/schedules/${one.id}/disable`, {})).status).toBe(403);
    expect((await post(reader, `/schedules/${one.id}/run`, {})).status).toBe(403);
    expect((await t.http.delete(`/api/v1/schedules/${one.id}`).set('Authorization', `Bearer ${reader}`)).status).toBe(403);
    expect(await count()).toBe(before);
    expect((await t.http.get(`/api/v1/schedules/${one.id}`).set('Authorization', `Bearer ${reader}`)).body.enabled).toBe(true);
  });

  test.each([
    ['a bad cron', { kind: 'pool.scrub', target: 'tank', cron: '61 * * * *' }, 400, /cron/],
    ['a sub-minute cron (seconds field)', { kind: 'pool.scrub', target: 'tank', cron: '*/5 * * * * *' }, 400, /once a minute/],
    ['a cron that never runs', { kind: 'pool.scrub', target: 'tank', cron: '0 0 30 2 *' }, 400, /never runs/],
    ['a cron nickname', { kind: 'pool.scrub', target: 'tank', cron: '@reboot' }, 400, /five fields/],
    ['an unknown kind', { kind: 'pool.destroy', target: 'tank', cron: '0 3 * * *' }, 400, /kind/],
    ['an unknown pool', { kind: 'pool.scrub', target: 'nopool', cron: '0 3 * * *' }, 404, /no pool nopool/],
    ['an unknown disk', { kind: 'disk.smart-test', target: 'sdzz', cron: '0 3 * * *' }, 404, /sdzz/],
    ['a disk name starting with -', { kind: 'disk.smart-test', target: '-a', cron: '0 3 * * *' }, 400, /./],
    ['an unknown field', { kind: 'pool.scrub', target: 'tank', cron: '0 3 * * *', command: 'rm -rf /' }, 400, /command/],
    ['an option of another kind', { kind: 'pool.scrub', target: 'tank', cron: '0 3 * * *', options: { testType: 'long' } }, 400, /testType/],
    ['an unknown option', { kind: 'disk.smart-test', target: 'sdb', cron: '0 3 * * *', options: { force: true } }, 400, /force/],
    ['control characters in the note', { kind: 'pool.scrub', target: 'tank', cron: '0 3 * * *', description: 'x\u001b[2Jy' }, 400, /description/],
    ['an over-long cron', { kind: 'pool.scrub', target: 'tank', cron: `0 3 * * ${'1,'.repeat(60)}1` }, 400, /cron/],
  ])('%s is refused and nothing is stored', async (_what, body, status, detail) => {
    const before = await count();
    const res = await post(operator, '/schedules', body);
    expect(res.status).toBe(status);
    expect(JSON.stringify(res.body)).toMatch(detail);
    expect(await count()).toBe(before);
  });

  test('update refuses a bad cron and keeps the schedule as it was', async () => {
    const created = (await post(operator, '/schedules', { kind: 'disk.smart-test', target: 'sdb', cron: '0 4 * * *' })).body;
    const res = await t.http.patch(`/api/v1/schedules/${created.id}`).set('Authorization', `Bearer ${operator}`).send({ cron: '* * * * * *' });
    expect(res.status).toBe(400);
    const now = (await t.http.get(`/api/v1/schedules/${created.id}`).set('Authorization', `Bearer ${operator}`)).body;
    expect(now.cron).toBe('0 4 * * *');
    const ok = await t.http
      .patch(`/api/v1/schedules/${created.id}`)
      .set('Authorization', `Bearer ${operator}`)
      .send({ cron: '30 5 * * 1', options: { testType: 'long' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ cron: '30 5 * * 1', cronText: 'weekly on Monday at 05:30', options: { testType: 'long' } });
  });

  test('disable clears the next run, enable computes it; run now records a manual run in the paged history', async () => {
    const created = (await post(operator, '/schedules', { kind: 'pool.scrub', target: 'tank', cron: '0 2 1 * *', options: { minDaysSinceLast: 365 } })).body;
    const off = await post(operator, `/schedules/${created.id}/disable`, {});
    expect(off.body).toMatchObject({ enabled: false, nextRunAt: null });
    const on = await post(operator, `/schedules/${created.id}/enable`, {});
    expect(on.body.enabled).toBe(true);
    expect(on.body.nextRunAt).not.toBeNull();
    const run = await post(operator, `/schedules/${created.id}/run`, {});
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ trigger: 'manual', scheduleId: created.id });
    await t.app.scheduler.idle();
    const history = await t.http.get(`/api/v1/schedules/${created.id}/runs?limit=1`).set('Authorization', `Bearer ${reader}`);
    expect(history.status).toBe(200);
    expect(history.body.total).toBe(1);
    expect(history.body.items[0]).toMatchObject({ result: 'skipped', trigger: 'manual' });
    expect(history.body.items[0].message).toMatch(/days ago/);
    expect((await t.http.get(`/api/v1/schedules/${created.id}/runs?limit=1001`).set('Authorization', `Bearer ${reader}`)).status).toBe(400);
    const del = await t.http.delete(`/api/v1/schedules/${created.id}`).set('Authorization', `Bearer ${operator}`);
    expect(del.status).toBe(200);
    expect((await t.http.get(`/api/v1/schedules/${created.id}`).set('Authorization', `Bearer ${reader}`)).status).toBe(404);
    expect(await t.testDb.db('schedule_runs').where({ schedule_id: created.id })).toHaveLength(0);
  });
});
