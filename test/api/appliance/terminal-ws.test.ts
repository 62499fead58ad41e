/**
 * The WebSocket terminal over a real listener on a loopback port, with a real WebSocket client
 * and a real pty (node-pty): a ticket from an authenticated POST opens a shell that runs `echo`;
 * resize reaches the pty; the idle timeout (an injected clock) closes the pty and the socket and
 * records the duration; refusals: terminal off, an Operator, no ticket, a used ticket, an expired
 * one, a bad message.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { WebSocket } from 'ws';
import { listen, type RunningServer } from '../../../src/api/server.js';
import { terminalUpgrade, type TerminalUpgrade } from '../../../src/api/terminal-ws.js';
import { SimulatedHost } from '../../../src/system/sim/index.js';
import { processAlive } from '../../../src/system/pid.js';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';
import { ManualConsoleClock } from '../../helpers/manual-clock.js';

const IDLE_MS = 5 * 60_000;

interface Opened {
  ws: WebSocket;
  text(): string;
  waitFor(pred: (all: string) => boolean): Promise<string>;
  closed: Promise<{ code: number; reason: string }>;
}

/** Connects and collects the output frames; resolves once open. */
function connect(url: string): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let out = '';
    const waiters: (() => void)[] = [];
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { type: string; data?: string; exitCode?: number };
      if (msg.type === 'output') out += msg.data;
      if (msg.type === 'exit') out += `\n[exit ${msg.exitCode}]`;
      for (const w of waiters.splice(0)) w();
    });
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body: JSON.parse(body) })));
    });
    ws.on('error', (err) => reject(err));
    ws.on('open', () =>
      resolve({
        ws,
        text: () => out,
        closed,
        waitFor: (pred) =>
          new Promise((ok, fail) => {
            const check = () => {
              if (pred(out)) ok(out);
              else if (ws.readyState === ws.CLOSED) fail(new Error(`closed before the output came; output so far: ${out}`));
              else waiters.push(check);
            };
            ws.once('close', () => check());
            check();
          }),
      }),
    );
  });
}

async function refusal(url: string): Promise<{ status: number; body: { detail: string; status: number } }> {
  try {
    const c = await connect(url);
    c.ws.close();
    throw new Error('the upgrade was accepted');
  } catch (err) {
    const e = err as { status?: number; body?: { detail: string; status: number } };
    if (!e.status) throw err;
    return { status: e.status, body: e.body! };
  }
}

describe('WebSocket terminal, on', () => {
  let t: TestApp;
  let server: RunningServer;
  let upgrade: TerminalUpgrade;
  let demoDir: string;
  const clock = new ManualConsoleClock();
  let base: string;

  beforeAll(async () => {
    demoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-demo-'));
    t = await startTestApp({ host: new SimulatedHost(), terminal: { websocket: true, idleMs: IDLE_MS, clock, demoDir } });
    upgrade = terminalUpgrade(t.app);
    server = await listen(t.koa, { port: 19201, host: '127.0.0.1', onUpgrade: upgrade });
    base = server.url.replace(/^http/, 'ws');
  });
  afterAll(async () => {
    await t.app.terminal.closeAll();
    upgrade.close();
    await server.close();
    await t.close();
    fs.rmSync(demoDir, { recursive: true, force: true });
  });

  const ticket = async (token = t.adminToken, body: object = {}) => {
    const res = await t.http.post('/api/v1/appliance/terminal/tickets').set(bearer(token)).send(body);
    return res;
  };

  test('a ticket opens a shell: echo runs, resize reaches the pty, idle closes pty and socket, the session and audit say how long', async () => {
    const res = await ticket(t.adminToken, { cols: 100, rows: 30 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ path: '/api/v1/appliance/terminal/ws', idleSeconds: 300 });
    const term = await connect(`${base}${res.body.path}?ticket=${res.body.ticket}`);
    await term.waitFor((o) => o.includes('calypso-demo$ '));
    expect(term.text()).toMatch(/SIMULATED APPLIANCE/);
    term.ws.send(JSON.stringify({ type: 'input', data: 'echo calypso-$((6*7))\r' }));
    await term.waitFor((o) => o.includes('calypso-42'));
    term.ws.send(JSON.stringify({ type: 'resize', cols: 120, rows: 40 }));
    term.ws.send(JSON.stringify({ type: 'input', data: 'echo size=$COLUMNS\r' }));
    await term.waitFor((o) => o.includes('size=120'));
    expect(t.app.terminal.openCount).toBe(1);

    const [row] = await t.app.db('terminal_sessions').where({ kind: 'websocket' });
    expect(row).toMatchObject({ username: 'admin', face: 'api', closed_at: null });
    const shellPid = Number(
      (
        await (async () => {
          term.ws.send(JSON.stringify({ type: 'input', data: 'echo pid=$$\r' }));
          return term.waitFor((o) => /pid=\d+/.test(o));
        })()
      ).match(/pid=(\d+)/)![1],
    );
    expect(processAlive(shellPid)).toBe(true);

    // Idle: nothing typed for the idle time (the clock moves, no one waits for it).
    clock.advance(IDLE_MS - 20_000);
    expect(t.app.terminal.openCount).toBe(1);
    clock.advance(20_000);
    const closed = await term.closed;
    expect(closed).toEqual({ code: 4000, reason: 'idle for 5 min 0 s' });
    expect(t.app.terminal.openCount).toBe(0);
    const after = await t.app.db('terminal_sessions').where({ id: row.id }).first();
    expect(after.end_reason).toBe('idle for 5 min 0 s');
    expect(after.closed_at).not.toBeNull();
    const audit = await t.app.db('audit_log').where('operation', 'like', 'appliance.terminal.%').orderBy('id').select('operation', 'target', 'result');
    expect(audit.map((a: { operation: string }) => a.operation)).toEqual([
      'appliance.terminal.ticket',
      'appliance.terminal.websocket',
      'appliance.terminal.websocket.close',
    ]);
    expect(audit[2].target).toMatch(new RegExp(`^terminal session ${row.id}: .+ \\(idle for 5 min 0 s\\)$`));
    // The pty's shell got its hang-up and is gone.
    await waitUntil(() => !processAlive(shellPid));
  });

  test('a session ending as the daemon stops: closeAll waits for the session and audit rows its end began writing', async () => {
    const res = await ticket();
    const term = await connect(`${base}${res.body.path}?ticket=${res.body.ticket}`);
    await term.waitFor((o) => o.includes('calypso-demo$ '));
    const [{ id }] = await t.app.db('terminal_sessions').where({ kind: 'websocket' }).whereNull('closed_at').select('id');
    const audited: string[] = [];
    const stop = t.app.events.subscribe((e) => {
      if (e.type === 'audit') audited.push((e.entry as { operation: string }).operation);
    });
    // The session row's write is held until the test lets it go, so the daemon stops while the end is being written.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const closeSession = t.app.terminal.closeSession.bind(t.app.terminal);
    const spy = jest.spyOn(t.app.terminal, 'closeSession').mockImplementation(async (...args) => {
      await held;
      return closeSession(...args);
    });
    term.ws.close(); // the client leaves: its end (rows, then the socket) begins on the daemon
    await waitUntil(() => t.app.terminal.openCount === 0);
    // The daemon stops now (closeAll, then the database is closed): closeAll returns only once the rows already begun
    // are written (their audit event is out), not leaving them to race the database's close.
    let stopped = false;
    const stopping = t.app.terminal.closeAll().then(() => (stopped = true));
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(audited).toContain('appliance.terminal.websocket.close');
    spy.mockRestore();
    stop();
    expect(await t.app.db('terminal_sessions').where({ id }).first()).toMatchObject({ end_reason: 'the client closed the connection' });
  });

  test('the shell exiting closes the socket normally', async () => {
    const res = await ticket();
    const term = await connect(`${base}${res.body.path}?ticket=${res.body.ticket}`);
    await term.waitFor((o) => o.includes('calypso-demo$ '));
    term.ws.send(JSON.stringify({ type: 'input', data: 'exit 3\r' }));
    expect(await term.closed).toEqual({ code: 1000, reason: 'the shell exited (3)' });
    expect(term.text()).toContain('[exit 3]');
  });

  test('refusals: no ticket, a used ticket, an expired ticket, an Operator, a wrong path; a bad message closes the terminal', async () => {
    const none = await refusal(`${base}/api/v1/appliance/terminal/ws`);
    expect(none.status).toBe(401);
    expect(none.body.detail).toMatch(/needs a ticket/);

    const res = await ticket();
    const term = await connect(`${base}${res.body.path}?ticket=${res.body.ticket}`);
    const reused = await refusal(`${base}${res.body.path}?ticket=${res.body.ticket}`);
    expect(reused.status).toBe(401);
    expect(reused.body.detail).toMatch(/unknown, used already or expired/);
    term.ws.send('not json');
    expect((await term.closed).code).toBe(1008);

    const late = await ticket();
    clock.advance(31_000);
    expect((await refusal(`${base}${late.body.path}?ticket=${late.body.ticket}`)).status).toBe(401);

    const operator = await t.userWithRoles('oper', ['Operator']);
    const asOperator = await ticket(operator);
    expect(asOperator.status).toBe(403);
    expect(asOperator.body.ticket).toBeUndefined();

    expect((await refusal(`${base}/api/v1/appliance/terminal/other?ticket=x`)).status).toBe(404);
    // A message over the frame limit ends the connection (ws refuses it with 1009).
    const big = await ticket();
    const t2 = await connect(`${base}${big.body.path}?ticket=${big.body.ticket}`);
    t2.ws.send(JSON.stringify({ type: 'input', data: 'x'.repeat(70 * 1024) }));
    expect((await t2.closed).code).toBe(1009);
    await waitUntil(() => t.app.terminal.openCount === 0);
  });
});

describe('WebSocket terminal, off (the default)', () => {
  let t: TestApp;
  let server: RunningServer;
  let upgrade: TerminalUpgrade;
  beforeAll(async () => {
    t = await startTestApp({ host: new SimulatedHost() });
    upgrade = terminalUpgrade(t.app);
    server = await listen(t.koa, { port: 19202, host: '127.0.0.1', onUpgrade: upgrade });
  });
  afterAll(async () => {
    upgrade.close();
    await server.close();
    await t.close();
  });

  test('no ticket is issued and the upgrade is refused with a problem saying how to turn it on', async () => {
    expect((await t.http.post('/api/v1/appliance/terminal/tickets').set(bearer(t.adminToken)).send({})).status).toBe(409);
    const r = await refusal(`${server.url.replace(/^http/, 'ws')}/api/v1/appliance/terminal/ws?ticket=anything`);
    expect(r.status).toBe(409);
    expect(r.body.detail).toMatch(/--terminal-websocket/);
  });
});

/** Polls a condition on the event loop (a process's exit is not an event this test can wait on). */
async function waitUntil(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setImmediate(r));
}
