/**
 * The console shell and the local-console recovery, through the service layer and the API:
 * who may open a shell (Admin, on the daemon's socket only), the audit rows at its start and end
 * with the duration, the demonstration shell of the simulated appliance, and the password resets
 * that only the local console may do (refused over the API, over SSH, from a pseudo-terminal of a
 * real appliance), with the secret nowhere in the audit log.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { CallMeta, LocalPeer } from '../../../src/services/core/context.js';
import { SimulatedHost } from '../../../src/system/sim/index.js';
import { simPasswordIs } from '../../../src/system/sim/chpasswd.js';
import type { Host, RunOptions, RunResult } from '../../../src/system/host.js';
import { RecordingHost } from '../../helpers/recording-host.js';
import { ADMIN_PASSWORD, bearer, startTestApp, type TestApp } from '../../helpers/app.js';

const me = process.getuid?.() ?? 0;
const peer =
  (p: Partial<LocalPeer>): (() => Promise<LocalPeer>) =>
  async () => ({ pid: 4242, uid: me, tty: '/dev/tty1', ssh: false, ...p });

async function actorOf(t: TestApp, token: string) {
  const actor = await t.app.auth.authenticate(token);
  if (!actor) throw new Error('no actor');
  return actor;
}

describe('console shell (simulated appliance)', () => {
  let t: TestApp;
  let demoDir: string;
  let operatorToken: string;
  beforeAll(async () => {
    demoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-demo-'));
    t = await startTestApp({ host: new SimulatedHost(), terminal: { demoDir } });
    operatorToken = await t.userWithRoles('oper', ['Operator']);
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(demoDir, { recursive: true, force: true });
  });

  test('an Admin on the socket gets the restricted demonstration shell, a session row and an audit row naming the session', async () => {
    const admin = await actorOf(t, t.adminToken);
    const meta: CallMeta = { actor: admin, face: 'console', localPeer: peer({ tty: '/dev/pts/3' }) };
    const open = await t.app.call<{ sessionId: number; command: string; args: string[]; env: Record<string, string>; banner: string; demo: boolean }>(
      'appliance.terminal.open',
      {},
      meta,
    );
    expect(open.demo).toBe(true);
    expect(open.args).toContain('--restricted');
    expect(open.banner).toMatch(/SIMULATED APPLIANCE/);
    expect(open.env.PATH).toBe(path.join(demoDir, 'bin'));
    expect(fs.readdirSync(path.join(demoDir, 'bin')).sort()).toEqual(['date', 'hostname', 'uname']);

    // The shell it answers is restricted: no cd, no command given by path, builtins work.
    const run = (script: string) =>
      spawnSync(open.command, [...open.args, '-c', script], { env: { ...open.env }, cwd: path.join(demoDir, 'home'), encoding: 'utf8' });
    expect(run('echo hi').stdout).toBe('hi\n');
    expect(run('cd /').stderr).toMatch(/restricted/);
    expect(run('/bin/ls /').stderr).toMatch(/restricted/);
    expect(run('PATH=/bin').stderr).toMatch(/readonly|restricted/);
    expect(run('ls').stderr).toMatch(/not found/);

    const closed = await t.app.call<{ durationSeconds: number; closedAt: string; endReason: string }>(
      'appliance.terminal.close',
      { sessionId: open.sessionId, exitCode: 0 },
      meta,
    );
    expect(closed.durationSeconds).toBeGreaterThanOrEqual(0);
    expect(closed.endReason).toBe('the shell exited (0)');
    const audit = await t.app.db('audit_log').whereIn('operation', ['appliance.terminal.open', 'appliance.terminal.close']).orderBy('id');
    expect(audit.map((a: { operation: string; result: string; actor_name: string }) => `${a.operation} ${a.result} ${a.actor_name}`)).toEqual([
      'appliance.terminal.open ok admin',
      'appliance.terminal.close ok admin',
    ]);
    expect(audit[0].target).toBe(`terminal session ${open.sessionId}`);
    expect(audit[1].target).toMatch(new RegExp(`^terminal session ${open.sessionId}: [\\d.]+ s$`));
    // Closed twice: refused, nothing changes.
    await expect(t.app.call('appliance.terminal.close', { sessionId: open.sessionId }, meta)).rejects.toThrow(/closed already/);

    const list = await t.http.get('/api/v1/appliance/terminal/sessions').set(bearer(t.adminToken));
    expect(list.status).toBe(200);
    expect(list.body.items[0]).toMatchObject({ id: open.sessionId, kind: 'console', username: 'admin', endReason: 'the shell exited (0)' });
    expect(list.body.websocket).toEqual({ enabled: false, idleSeconds: 900 });
  });

  test('refused over TCP (the shell runs where the console runs), and to an Operator everywhere', async () => {
    const tcp = await t.http.post('/api/v1/appliance/terminal/console').set(bearer(t.adminToken)).send({});
    expect(tcp.status).toBe(409);
    expect(tcp.body.detail).toMatch(/console on the appliance/);
    const asOperator = await t.http.post('/api/v1/appliance/terminal/console').set(bearer(operatorToken)).send({});
    expect(asOperator.status).toBe(403);
    expect(asOperator.body.detail).toMatch(/appliance.terminal permission/);
    const operator = await actorOf(t, operatorToken);
    await expect(t.app.call('appliance.terminal.open', {}, { actor: operator, face: 'console', localPeer: peer({}) })).rejects.toThrow(
      /appliance.terminal permission/,
    );
    expect((await t.http.get('/api/v1/appliance/terminal/sessions').set(bearer(operatorToken))).status).toBe(403);
    // Someone else's session is not yours to close.
    const admin = await actorOf(t, t.adminToken);
    const open = await t.app.call<{ sessionId: number }>('appliance.terminal.open', {}, { actor: admin, face: 'console', localPeer: peer({}) });
    await t.http
      .post('/api/v1/users')
      .set(bearer(t.adminToken))
      .send({ username: 'admin2', password: 'admin2-password-123', roles: ['Admin'] });
    const other = await actorOf(t, await t.login('admin2', 'admin2-password-123'));
    await expect(t.app.call('appliance.terminal.close', { sessionId: open.sessionId }, { actor: other, face: 'console', localPeer: peer({}) })).rejects.toThrow(
      /admin’s, not yours/,
    );
  });

  test('at the daemon’s start, WebSocket sessions left open by the previous one are closed; console shells are left to their consoles', async () => {
    const base = { user_id: null, username: 'admin', face: 'api', address: null, opened_at: new Date().toISOString() };
    await t.app.db('terminal_sessions').insert([
      { ...base, kind: 'websocket' },
      { ...base, kind: 'console', face: 'console' },
    ]);
    expect(await t.app.terminal.recover()).toBe(1);
    const open = await t.app.db('terminal_sessions').whereNull('closed_at').select('kind');
    // The new console row and the one the test before left open.
    expect(open.length).toBeGreaterThan(0);
    expect(new Set(open.map((r: { kind: string }) => r.kind))).toEqual(new Set(['console']));
    const [ended] = await t.app.db('terminal_sessions').where({ kind: 'websocket' }).select('end_reason');
    expect(ended.end_reason).toBe('Calypso stopped while it was open');
    await t.app.db('terminal_sessions').whereNull('closed_at').delete();
  });

  test('the WebSocket terminal is off by default: the ticket is refused with a problem that says how to turn it on', async () => {
    const res = await t.http.post('/api/v1/appliance/terminal/tickets').set(bearer(t.adminToken)).send({});
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/off on this appliance.*--terminal-websocket/);
    expect((await t.http.post('/api/v1/appliance/terminal/tickets').set(bearer(operatorToken)).send({})).status).toBe(403);
  });
});

describe('local-console recovery', () => {
  let t: TestApp;
  let sim: SimulatedHost;
  beforeAll(async () => {
    sim = new SimulatedHost();
    t = await startTestApp({ host: sim });
    await t.http
      .post('/api/v1/users')
      .set(bearer(t.adminToken))
      .send({ username: 'alice', password: 'alice-password-123', roles: ['Operator'] });
  });
  afterAll(() => t.close());

  test('refused over the API (TCP), logged in or not, and nothing changes', async () => {
    for (const auth of [{}, bearer(t.adminToken)]) {
      const pw = await t.http
        .post('/api/v1/appliance/recovery/password')
        .set(auth)
        .send({ username: 'alice', newPassword: 'stolen-password-999', confirm: 'alice' });
      expect(pw.status).toBe(403);
      expect(pw.body.detail).toMatch(/local console.*not over the network API/);
      const root = await t.http.post('/api/v1/appliance/recovery/root').set(auth).send({ newPassword: 'stolen-root-999', confirm: 'root' });
      expect(root.status).toBe(403);
    }
    await t.login('alice', 'alice-password-123');
    expect(await simPasswordIs(sim.files, 'root', 'stolen-root-999')).toBe(false);
  });

  test('refused from an SSH session, from another user, and when the daemon cannot tell who is there', async () => {
    const input = { username: 'alice', newPassword: 'stolen-password-999', confirm: 'alice' };
    const call = (localPeer: CallMeta['localPeer']) => t.app.call('appliance.recovery.password', input, { actor: null, face: 'console', localPeer });
    await expect(call(peer({ ssh: true }))).rejects.toThrow(/not from an SSH session/);
    await expect(call(peer({ uid: me + 1000 }))).rejects.toThrow(/runs as user/);
    await expect(call(async () => null)).rejects.toThrow(/could not tell/);
    await expect(call(peer({ tty: null }))).rejects.toThrow(/no terminal/);
    await t.login('alice', 'alice-password-123');
  });

  test('on the local console, without a login: a Calypso password and the (simulated) root password are reset, audited without the secret', async () => {
    const meta: CallMeta = { actor: null, face: 'console', localPeer: peer({ tty: '/dev/pts/0' }) };
    // Typed confirmation: the account's name.
    await expect(t.app.call('appliance.recovery.password', { username: 'alice', newPassword: 'fresh-password-456' }, meta)).rejects.toThrow(/confirm/);
    await expect(t.app.call('appliance.recovery.password', { username: 'alice', newPassword: 'short', confirm: 'alice' }, meta)).rejects.toThrow(/at least 12/);
    const out = await t.app.call<{ text: string }>(
      'appliance.recovery.password',
      { username: 'alice', newPassword: 'fresh-password-456', confirm: 'alice' },
      meta,
    );
    expect(out.text).toMatch(/alice was reset/);
    await expect(t.login('alice', 'alice-password-123')).rejects.toThrow(/401/);
    await t.login('alice', 'fresh-password-456');
    await expect(
      t.app.call('appliance.recovery.password', { username: 'nobody-here', newPassword: 'fresh-password-456', confirm: 'nobody-here' }, meta),
    ).rejects.toThrow(/nobody-here/);

    const root = await t.app.call<{ text: string }>('appliance.recovery.root', { newPassword: 'new-root-pass-1', confirm: 'root' }, meta);
    expect(root.text).toMatch(/simulated appliance’s root password/);
    expect(await simPasswordIs(sim.files, 'root', 'new-root-pass-1')).toBe(true);
    await expect(t.app.call('appliance.recovery.root', { newPassword: 'two\nlines-pass', confirm: 'root' }, meta)).rejects.toThrow(/one line/);

    const rows = await t.app.db('audit_log').where('operation', 'like', 'appliance.recovery.%').orderBy('id');
    expect(rows.filter((r: { result: string }) => r.result === 'ok').map((r: { operation: string; target: string }) => `${r.operation} ${r.target}`)).toEqual([
      'appliance.recovery.password alice',
      'appliance.recovery.root root',
    ]);
    const everything = JSON.stringify(await t.app.db('audit_log').select());
    for (const secret of ['fresh-password-456', 'new-root-pass-1', 'stolen-password-999', 'stolen-root-999']) expect(everything).not.toContain(secret);
  });
});

/** A real appliance's host, as far as chpasswd goes: records what it was given on standard input. */
class LocalChpasswdHost extends RecordingHost implements Host {
  override readonly kind = 'local' as unknown as 'sim';
  inputs: string[] = [];
  override async run(command: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    if (opts.input !== undefined) this.inputs.push(String(opts.input));
    return super.run(command, args, opts);
  }
}

describe('local-console recovery on a real appliance', () => {
  let t: TestApp;
  let host: LocalChpasswdHost;
  beforeAll(async () => {
    host = new LocalChpasswdHost();
    t = await startTestApp({ host });
  });
  afterAll(() => t.close());

  test('only a virtual console (tty1-tty63) will do; the password goes to chpasswd on its standard input, never its arguments', async () => {
    const input = { newPassword: 'new-root-pass-2', confirm: 'root' };
    for (const tty of ['/dev/pts/0', '/dev/ttyS0', '/dev/tty64', null]) {
      await expect(t.app.call('appliance.recovery.root', input, { actor: null, face: 'console', localPeer: peer({ tty }) })).rejects.toThrow(
        /not a virtual console/,
      );
    }
    expect(host.calls).toEqual([]);
    await t.app.call('appliance.recovery.root', input, { actor: null, face: 'console', localPeer: peer({ tty: '/dev/tty2' }) });
    expect(host.calls).toEqual([{ command: 'chpasswd', args: [] }]);
    expect(host.inputs).toEqual(['root:new-root-pass-2\n']);
    expect(JSON.stringify(host.history())).not.toContain('new-root-pass-2');
    // The Admin's own login is untouched by any of it.
    await t.login('admin', ADMIN_PASSWORD);
  });
});
