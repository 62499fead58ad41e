/**
 * GET /api/v1/appliance/logs/stream through a real HTTP connection on the simulated appliance:
 * new lines of Calypso's log and new journal entries arrive with their filters applied, a
 * reconnect with Last-Event-ID resumes without loss or repeats, a truncated log is said so,
 * refusals (401, 403, 400, 429) come before any stream opens, and a closed client stops its poller.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { logStreamMount } from '../../../src/api/log-stream.js';
import { listen, type RunningServer } from '../../../src/api/server.js';
import type { LogStreams } from '../../../src/services/appliance/log-stream.js';
import { LocalHost } from '../../../src/system/local-host.js';
import { SimulatedHost } from '../../../src/system/sim/index.js';
import { JournalCursorError, SystemdAdapter } from '../../../src/system/systemd/index.js';
import { logSimulatedJournal } from '../../../src/system/sim/systemd.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { manualClock, SseReader } from '../../helpers/monitoring.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-logstream-'));
const logFile = path.join(dir, 'calypso.log');
const pino = (level: number, msg: string) => `${JSON.stringify({ level, time: Date.parse('2026-11-30T08:00:00Z'), pid: 1, hostname: 'h', msg })}\n`;
fs.writeFileSync(logFile, Array.from({ length: 50 }, (_, i) => pino(30, `old ${i}`)).join(''));

const clock = manualClock(Date.parse('2026-11-30T08:00:00Z'));
let t: TestApp;
let server: RunningServer;
let streams: LogStreams;
let operator: string;
let plainOperator: string;
const url = (q: string) => `${server.url}/api/v1/appliance/logs/stream?${q}`;
const auth = (token: string, extra: Record<string, string> = {}) => ({ Authorization: `Bearer ${token}`, ...extra });

/** Waits until a condition holds (the poller runs every few ms): no fixed sleep. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  const host = new SimulatedHost({ now: clock.now });
  t = await startTestApp({
    host,
    monitoring: { now: clock.now },
    mounts: (app) => {
      const mount = logStreamMount(app, { pollMs: 20, heartbeatMs: 200, logFile: () => logFile });
      streams = mount.streams;
      return [mount];
    },
  });
  server = await listen(t.koa, { port: 0, host: '127.0.0.1' });
  // The logs are Admin-level; a role given appliance.logs on purpose follows them (an Operator may not: below).
  const role = await t.http
    .post('/api/v1/roles')
    .set('Authorization', `Bearer ${t.adminToken}`)
    .send({ name: 'LogFollower', permissions: ['appliance.read', 'appliance.logs'] });
  expect(role.status).toBe(201);
  operator = await t.userWithRoles('op', ['LogFollower']);
  plainOperator = await t.userWithRoles('plain-op', ['Operator']);
});
afterAll(async () => {
  await server.close();
  await t.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('following logs over the API', () => {
  test("Calypso's log: new lines with the level and text filters, resumed after Last-Event-ID, truncation said", async () => {
    const sse = await SseReader.open(url('source=calypso&level=warn&text=PROBE'), auth(operator));
    expect(sse.status).toBe(200);
    expect(sse.headers['content-type']).toMatch(/^text\/event-stream/);
    const ready = await sse.waitFor((e) => e.event === 'ready');
    expect(ready.data).toEqual({ source: 'calypso', file: logFile });
    expect(Number(ready.id)).toBe(fs.statSync(logFile).size);
    fs.appendFileSync(logFile, pino(30, 'probe ran') + pino(40, 'probe failed A') + pino(50, 'disk gone') + pino(50, 'Probe failed B'));
    await sse.waitFor((e) => e.event === 'line' && e.data.message === 'Probe failed B');
    const lines = sse.events.filter((e) => e.event === 'line');
    expect(lines.map((e) => [e.data.level, e.data.message])).toEqual([
      ['warn', 'probe failed A'],
      ['error', 'Probe failed B'],
    ]);
    // Each id is the offset after its line: the last one is the end of the file.
    expect(Number(lines[1]!.id)).toBe(fs.statSync(logFile).size);
    expect(Number(lines[0]!.id)).toBe(lines[1]!.data.offset - pino(50, 'disk gone').length);
    sse.close();
    await until(() => streams.open === 0, 'the poller to stop');

    // Written while disconnected: a reconnect from the last id gets exactly those.
    fs.appendFileSync(logFile, pino(40, 'probe failed C') + pino(40, 'probe failed D'));
    const again = await SseReader.open(url('source=calypso&level=warn&text=probe'), auth(operator, { 'Last-Event-ID': lines[1]!.id! }));
    await again.waitFor((e) => e.event === 'line' && e.data.message === 'probe failed D');
    expect(again.events.filter((e) => e.event === 'line').map((e) => e.data.message)).toEqual(['probe failed C', 'probe failed D']);

    // Rotated (truncated): the stream says so and follows the new file from its start.
    fs.writeFileSync(logFile, pino(40, 'probe after rotation'));
    await again.waitFor((e) => e.event === 'line' && e.data.message === 'probe after rotation');
    expect(again.events.find((e) => e.event === 'truncated')?.data.from).toBe(0);
    // A line being written (no newline yet) waits until it is whole.
    const half = pino(40, 'probe half');
    fs.appendFileSync(logFile, half.slice(0, 20));
    fs.appendFileSync(logFile, half.slice(20) + pino(40, 'probe whole'));
    await again.waitFor((e) => e.event === 'line' && e.data.message === 'probe whole');
    const tail = again.events.filter((e) => e.event === 'line').map((e) => e.data.message);
    expect(tail.slice(-2)).toEqual(['probe half', 'probe whole']);
    again.close();
    await until(() => streams.open === 0, 'the poller to stop');
  });

  test('the journal: new entries with the unit, priority and text filters; Last-Event-ID (a cursor) resumes without loss or repeats', async () => {
    const files = t.host.files;
    const sse = await SseReader.open(url('source=journal&unit=ssh&priority=5&text=from'), auth(operator));
    expect(sse.status).toBe(200);
    const ready = await sse.waitFor((e) => e.event === 'ready');
    expect(ready.id).toMatch(/^s=[0-9a-f]+;i=[0-9a-f]+;/);
    clock.advance(1000);
    await logSimulatedJournal(files, clock.now(), { unit: 'ssh', priority: 6, message: 'Accepted publickey for admin from 192.0.2.10' });
    await logSimulatedJournal(files, clock.now(), { unit: 'cron', priority: 3, message: 'error from cron' });
    await logSimulatedJournal(files, clock.now(), { unit: 'ssh', priority: 5, message: 'Invalid user oracle from 203.0.113.77' });
    await logSimulatedJournal(files, clock.now(), { unit: 'ssh', priority: 3, message: 'fatal: no hostkey' });
    await logSimulatedJournal(files, clock.now(), { unit: 'ssh', priority: 4, message: 'Disconnected from 203.0.113.77 [preauth]' });
    await sse.waitFor((e) => e.event === 'line' && e.data.message.startsWith('Disconnected'));
    const got = sse.events.filter((e) => e.event === 'line');
    expect(got.map((e) => e.data)).toEqual([
      { at: new Date(clock.now()).toISOString(), priority: 5, unit: 'ssh.service', message: 'Invalid user oracle from 203.0.113.77' },
      { at: new Date(clock.now()).toISOString(), priority: 4, unit: 'ssh.service', message: 'Disconnected from 203.0.113.77 [preauth]' },
    ]);
    sse.close();
    await until(() => streams.open === 0, 'the poller to stop');

    await logSimulatedJournal(files, clock.now(), { unit: 'ssh', priority: 5, message: 'Invalid user test from 198.51.100.1' });
    await logSimulatedJournal(files, clock.now(), { unit: 'ssh', priority: 5, message: 'Invalid user guest from 198.51.100.2' });
    const again = await SseReader.open(url('source=journal&unit=ssh&priority=5&text=from'), auth(operator, { 'Last-Event-ID': got[1]!.id! }));
    await again.waitFor((e) => e.event === 'line' && e.data.message.includes('guest'));
    expect(again.events.filter((e) => e.event === 'line').map((e) => e.data.message)).toEqual([
      'Invalid user test from 198.51.100.1',
      'Invalid user guest from 198.51.100.2',
    ]);
    again.close();

    // A cursor of another journal cannot be resumed from: reset, then following from the end.
    const foreign = 's=0123456789abcdef0123456789abcdef;i=1;b=0;m=0;t=0;x=0';
    const other = await SseReader.open(url('source=journal'), auth(operator, { 'Last-Event-ID': foreign }));
    await other.waitFor((e) => e.event === 'reset');
    // The ready after the reset: following starts from the end of the journal as it is then.
    await other.waitFor((e) => e.event === 'ready' && other.events.indexOf(e) > other.events.findIndex((r) => r.event === 'reset'));
    await logSimulatedJournal(files, clock.now(), { unit: 'smbd', priority: 6, message: 'after the reset' });
    await other.waitFor((e) => e.event === 'line' && e.data.message === 'after the reset');
    expect(other.events.filter((e) => e.event === 'line')).toHaveLength(1);
    other.close();
    await until(() => streams.open === 0, 'the pollers to stop');
  });

  test('refused before any stream opens: no token 401, a role without appliance.logs 403, a bad query 400, too many streams 429', async () => {
    expect((await SseReader.open(url('source=calypso'))).status).toBe(401);
    expect((await SseReader.open(url('source=calypso&access_token=nope'))).status).toBe(401);
    const role = await t.http
      .post('/api/v1/roles')
      .set('Authorization', `Bearer ${t.adminToken}`)
      .send({ name: 'NoLogs', permissions: ['appliance.read'] });
    expect(role.status).toBe(201);
    const watcher = await t.userWithRoles('nologs', ['NoLogs']);
    expect((await SseReader.open(url('source=journal'), auth(watcher))).status).toBe(403);
    expect((await SseReader.open(url(`source=journal&access_token=${watcher}`))).status).toBe(403);
    expect((await SseReader.open(url('source=journal'), auth(plainOperator))).status).toBe(403);
    expect((await SseReader.open(url('source=calypso'), auth(plainOperator))).status).toBe(403);
    for (const q of [
      '',
      'source=syslog',
      'source=calypso&follow=1',
      'source=journal&level=warn',
      'source=calypso&unit=ssh',
      'source=journal&unit=sshd;rm',
      'source=journal&priority=9',
      `source=journal&text=${encodeURIComponent('a\nb')}`,
      `source=calypso&text=${'x'.repeat(201)}`,
      'source=calypso&after=-1',
    ]) {
      expect([q, (await SseReader.open(url(q), auth(operator))).status]).toEqual([q, 400]);
    }
    expect((await SseReader.open(url('source=journal'), auth(operator, { 'Last-Event-ID': '--after=x' }))).status).toBe(400);
    expect((await SseReader.open(url('source=calypso'), auth(operator, { 'Last-Event-ID': 's=1;i=2' }))).status).toBe(400);
    expect(streams.open).toBe(0);

    const open = await Promise.all([1, 2, 3, 4].map(() => SseReader.open(url('source=calypso'), auth(operator))));
    expect(open.map((s) => s.status)).toEqual([200, 200, 200, 200]);
    expect(streams.open).toBe(4);
    expect((await SseReader.open(url('source=calypso'), auth(operator))).status).toBe(429);
    // Another user has streams of their own.
    const admin = await SseReader.open(url('source=journal'), auth(t.adminToken));
    expect(admin.status).toBe(200);
    for (const s of [...open, admin]) s.close();
    await until(() => streams.open === 0, 'every poller to stop');

    // A role that loses appliance.logs while its user follows a log: the stream ends at the next heartbeat.
    const granted = await t.http
      .post('/api/v1/roles')
      .set('Authorization', `Bearer ${t.adminToken}`)
      .send({ name: 'LogReader', permissions: ['appliance.read', 'appliance.logs'] });
    expect(granted.status).toBe(201);
    const reader = await t.userWithRoles('reader', ['LogReader']);
    const followed = await SseReader.open(url('source=journal'), auth(reader));
    expect(followed.status).toBe(200);
    await followed.waitFor((e) => e.event === 'ready');
    const revoke = await t.http
      .patch('/api/v1/roles/LogReader')
      .set('Authorization', `Bearer ${t.adminToken}`)
      .send({ permissions: ['appliance.read'] });
    expect(revoke.status).toBe(200);
    const end = await followed.waitFor((e) => e.event === 'end');
    expect(end.data.reason).toMatch(/appliance\.logs/);
    await until(() => followed.ended && streams.open === 0, 'the revoked stream to end');
  });
});

describe('the real journalctl', () => {
  const local = new LocalHost({ timeoutMs: 30_000 });
  const present = async () => {
    try {
      await local.run('journalctl', ['--version']);
      return true;
    } catch {
      if (process.env.CALYPSO_REQUIRE_PEERS === '1') throw new Error('journalctl is required (package systemd) when CALYPSO_REQUIRE_PEERS=1');
      console.warn('journalctl is not installed: the real-tool check of the follow arguments is skipped');
      return false;
    }
  };

  test('accepts the argument arrays the stream sends, and refuses a cursor it cannot seek to as the simulator does', async () => {
    if (!(await present())) return;
    const systemd = new SystemdAdapter(local);
    // Whatever this machine's journal holds (often nothing in a container), the answer parses.
    const newest = await systemd.follow({ priority: 7, limit: 1000 });
    expect(newest.length).toBeLessThanOrEqual(1);
    const cursor = newest[0]?.cursor ?? 's=5ca1ab1e0c0ffee05ca1ab1e0c0ffee0;i=1e;b=b007b007b007b007b007b007b007b007;m=1;t=1;x=1';
    const after = await systemd.follow({ afterCursor: cursor, unit: 'ssh', priority: 4, text: 'a.b', limit: 1000 });
    for (const e of after) expect(e.unit).toBe('ssh.service');
    await expect(systemd.follow({ afterCursor: 's=zz', priority: 7, limit: 10 })).rejects.toBeInstanceOf(JournalCursorError);
    await expect(new SystemdAdapter(new SimulatedHost({ now: clock.now })).follow({ afterCursor: 's=zz', priority: 7, limit: 10 })).rejects.toBeInstanceOf(
      JournalCursorError,
    );
    await expect(systemd.follow({ afterCursor: '-n;x=1', priority: 7, limit: 10 })).rejects.toThrow(/not a journal cursor/);
  });
});
