/**
 * GET /api/v1/events resumed with Last-Event-ID, through a real HTTP connection: the missed
 * events in order then live, only what the caller may see, `reset` when the buffer cannot
 * cover the gap or the id is from another start, a malformed id refused. The bus's buffer is
 * also checked alone, aged by a hand-moved clock.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { eventsMount } from '../../../src/api/events.js';
import { listen, type RunningServer } from '../../../src/api/server.js';
import { EventBus, REPLAY_CAPACITY, type CalypsoEvent } from '../../../src/services/core/events.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { manualClock, SseReader, type SseEvent } from '../../helpers/monitoring.js';

let t: TestApp;
let server: RunningServer;
let metricsOnlyToken: string;
/** Bus listeners with no stream open (the service layer's own). */
let baseListeners: number;
const listeners = () => (t.app.events as unknown as { emitter: { listenerCount(e: string): number } }).emitter.listenerCount('event');
async function streamsClosed(): Promise<void> {
  const deadline = Date.now() + 5000;
  while (listeners() !== baseListeners && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(listeners()).toBe(baseListeners);
}

beforeAll(async () => {
  t = await startTestApp({ monitoring: { probes: [] }, mounts: (app) => [eventsMount(app, { heartbeatMs: 60_000 })] });
  server = await listen(t.koa, { port: 0, host: '127.0.0.1' });
  const role = await t.http
    .post('/api/v1/roles')
    .set('Authorization', `Bearer ${t.adminToken}`)
    .send({ name: 'MetricsOnly', permissions: ['metrics.read'] });
  expect(role.status).toBe(201);
  metricsOnlyToken = await t.userWithRoles('grafana', ['MetricsOnly']);
  await t.app.jobs.idle();
  baseListeners = listeners();
});
afterAll(async () => {
  await server.close();
  await t.close();
});

const admin = () => ({ Authorization: `Bearer ${t.adminToken}` });
const open = (headers: Record<string, string>, query = '') => SseReader.open(`${server.url}/api/v1/events${query}`, headers);
const storage = (object: string): CalypsoEvent => ({ type: 'storage', change: 'test', object });
const metric = (n: number): CalypsoEvent => ({ type: 'metric', sample: { n } });
/** Events after `ready` (and after `reset`, when there is one). */
const after = (sse: SseReader, name = 'ready'): SseEvent[] => sse.events.slice(sse.events.findIndex((e) => e.event === name) + 1);
const seqOf = (id: string | undefined) => Number(/^[0-9a-z]+-(\d+)$/.exec(id ?? '')![1]);

describe('event stream replay (Last-Event-ID)', () => {
  test('ids carry the epoch and a rising sequence; a reconnect gets exactly the missed events in order, then live', async () => {
    const first = await open(admin());
    const ready = await first.waitFor((e) => e.event === 'ready');
    expect(ready.id).toBe(t.app.events.lastId());
    t.app.events.publish(storage('before-1'));
    t.app.events.publish(storage('before-2'));
    const seen = await first.waitFor((e) => e.event === 'storage' && e.data.object === 'before-2');
    expect(seen.id).toMatch(new RegExp(`^${t.app.events.epoch}-\\d+$`));
    expect(after(first).map((e) => seqOf(e.id))).toEqual([seqOf(ready.id) + 1, seqOf(ready.id) + 2]);
    first.close();
    await streamsClosed();

    const missed = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7'];
    for (const o of missed) t.app.events.publish(storage(o));
    t.app.events.publish(metric(1));

    const second = await open({ ...admin(), 'Last-Event-ID': seen.id! }, '?types=storage');
    const resumed = await second.waitFor((e) => e.event === 'ready');
    expect(resumed.id).toBe(seen.id);
    await second.waitFor((e) => e.data?.object === 'm7');
    // Exactly the missed storage events (the metric was not asked for), in order, nothing before.
    expect(after(second).map((e) => e.data.object)).toEqual(missed);
    expect(after(second).map((e) => seqOf(e.id))).toEqual(missed.map((_, i) => seqOf(seen.id) + 1 + i));
    expect(second.events.some((e) => e.event === 'reset')).toBe(false);

    t.app.events.publish(storage('live'));
    await second.waitFor((e) => e.data?.object === 'live');
    expect(after(second).map((e) => e.data.object)).toEqual([...missed, 'live']);
    second.close();
  });

  test('the ready id resumes a client that saw no event before it dropped', async () => {
    const first = await open(admin());
    const ready = await first.waitFor((e) => e.event === 'ready');
    first.close();
    await streamsClosed();
    t.app.events.publish(storage('while-away'));
    const second = await open({ ...admin(), 'Last-Event-ID': ready.id! });
    await second.waitFor((e) => e.data?.object === 'while-away');
    expect(after(second).map((e) => e.event)).toEqual(['storage']);
    second.close();
  });

  test('an event the caller may not see is not replayed', async () => {
    const first = await open({ Authorization: `Bearer ${metricsOnlyToken}` });
    const ready = await first.waitFor((e) => e.event === 'ready');
    expect(ready.data.types).toEqual(['metric']);
    first.close();
    await streamsClosed();
    t.app.events.publish(storage('secret-pool'));
    t.app.events.publish({ type: 'audit', entry: { operation: 'secret' } });
    t.app.events.publish(metric(2));
    t.app.events.publish({ type: 'alert', alert: { id: 1 } });
    t.app.events.publish(metric(3));
    const second = await open({ Authorization: `Bearer ${metricsOnlyToken}`, 'Last-Event-ID': ready.id! });
    await second.waitFor((e) => e.event === 'metric' && e.data.sample.n === 3);
    t.app.events.publish(storage('secret-2'));
    t.app.events.publish(metric(4));
    await second.waitFor((e) => e.event === 'metric' && e.data.sample.n === 4);
    expect(after(second).map((e) => [e.event, e.data.sample?.n])).toEqual([
      ['metric', 2],
      ['metric', 3],
      ['metric', 4],
    ]);
    second.close();
  });

  test('an id older than the buffer gets reset first, then ready, then live', async () => {
    const first = await open(admin());
    const ready = await first.waitFor((e) => e.event === 'ready');
    first.close();
    await streamsClosed();
    for (let i = 0; i <= REPLAY_CAPACITY; i++) t.app.events.publish(storage(`flood-${i}`));
    const second = await open({ ...admin(), 'Last-Event-ID': ready.id! });
    await second.waitFor((e) => e.event === 'ready');
    expect(second.events.map((e) => e.event)).toEqual(['reset', 'ready']);
    expect(second.events[0]!.data).toEqual({ reason: 'too-old', lastEventId: ready.id });
    expect(second.events[0]!.id).toBe(t.app.events.lastId());
    t.app.events.publish(storage('after-reset'));
    await second.waitFor((e) => e.data?.object === 'after-reset');
    expect(second.events.map((e) => e.event)).toEqual(['reset', 'ready', 'storage']);
    second.close();
  });

  test('an id from another start of the service gets reset', async () => {
    const other = new EventBus();
    other.publish(storage('elsewhere'));
    const sse = await open({ ...admin(), 'Last-Event-ID': other.lastId() });
    await sse.waitFor((e) => e.event === 'ready');
    expect(sse.events.map((e) => e.event)).toEqual(['reset', 'ready']);
    expect(sse.events[0]!.data.reason).toBe('restarted');
    sse.close();
  });

  test('an id of this start it never gave gets reset', async () => {
    const sse = await open({ ...admin(), 'Last-Event-ID': `${t.app.events.epoch}-999999999` });
    await sse.waitFor((e) => e.event === 'ready');
    expect(sse.events.map((e) => e.event)).toEqual(['reset', 'ready']);
    expect(sse.events[0]!.data.reason).toBe('unknown');
    sse.close();
  });

  test('a malformed Last-Event-ID is refused with 400 and opens no stream', async () => {
    await streamsClosed();
    const lastBefore = t.app.events.lastId();
    for (const bad of [
      '-1',
      '42',
      'abc',
      `${t.app.events.epoch}--5`,
      `${t.app.events.epoch}-1 x`,
      `${'a'.repeat(60)}-1`,
      `${t.app.events.epoch}-${'9'.repeat(40)}`,
      'ABC-1',
    ]) {
      const sse = await open({ ...admin(), 'Last-Event-ID': bad });
      expect(sse.status).toBe(400);
      await sse.waitForEnd();
    }
    expect(listeners()).toBe(baseListeners);
    expect(t.app.events.lastId()).toBe(lastBefore);
  });
});

describe('the bus replay buffer', () => {
  test('keeps events for a bounded time and count, and says why it cannot replay', () => {
    const clock = manualClock(0);
    const bus = new EventBus({ now: clock.now, capacity: 5, maxAgeMs: 1000 });
    expect(bus.lastId()).toBe(`${bus.epoch}-0`);
    expect(bus.since(bus.lastId())).toEqual({ ok: true, events: [] });
    const start = bus.lastId();
    for (let i = 1; i <= 3; i++) bus.publish(metric(i));
    const replay = bus.since(start);
    expect(replay.ok && replay.events.map((e) => [e.seq, e.id, (e.event as { sample: { n: number } }).sample.n])).toEqual([
      [1, `${bus.epoch}-1`, 1],
      [2, `${bus.epoch}-2`, 2],
      [3, `${bus.epoch}-3`, 3],
    ]);
    const mid = bus.since(`${bus.epoch}-2`);
    expect(mid.ok && mid.events.map((e) => e.seq)).toEqual([3]);

    // Count: 8 events in a buffer of 5 keeps 4..8; resuming after 3 is still whole, after 2 is not.
    for (let i = 4; i <= 8; i++) bus.publish(metric(i));
    const whole = bus.since(`${bus.epoch}-3`);
    expect(whole.ok && whole.events.map((e) => e.seq)).toEqual([4, 5, 6, 7, 8]);
    expect(bus.since(`${bus.epoch}-2`)).toEqual({ ok: false, reason: 'too-old' });

    // Age: events older than a second are gone, even with nothing published since.
    clock.set(500);
    bus.publish(metric(9));
    clock.set(1001);
    const aged = bus.since(`${bus.epoch}-8`);
    expect(aged.ok && aged.events.map((e) => e.seq)).toEqual([9]);
    expect(bus.since(`${bus.epoch}-7`)).toEqual({ ok: false, reason: 'too-old' });
    clock.set(1501);
    expect(bus.since(`${bus.epoch}-9`)).toEqual({ ok: true, events: [] });
    expect(bus.since(`${bus.epoch}-8`)).toEqual({ ok: false, reason: 'too-old' });

    expect(bus.since(`${bus.epoch}-10`)).toEqual({ ok: false, reason: 'unknown' });
    expect(bus.since('zzz-1')).toEqual({ ok: false, reason: 'restarted' });
    expect(bus.since('not an id')).toEqual({ ok: false, reason: 'unknown' });
    expect(new EventBus().epoch).not.toBe(bus.epoch);
  });

  test('listeners get each event with its id', () => {
    const bus = new EventBus();
    const got: string[] = [];
    const off = bus.subscribe((e, id) => got.push(`${e.type}:${id}`), ['storage']);
    bus.publish(metric(1));
    bus.publish(storage('x'));
    off();
    bus.publish(storage('y'));
    expect(got).toEqual([`storage:${bus.epoch}-2`]);
  });
});
