/**
 * Real Net-SNMP on loopback (REAL-PEERS.md). snmpd runs the snmpd.conf Calypso renders through
 * the API: snmpget (numeric OIDs, no MIB files) reads sysLocation and sysContact back with the
 * community, a v3 authPriv user works, a wrong community or passphrase gets nothing. snmptrapd
 * logs to a file: a disk faulted on the simulated appliance raises an alert whose trap (v2c and
 * v3 channels) arrives there with its severity, source, title and message, and healing sends
 * the resolve trap.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { setApplianceDeployment } from '../../../src/services/appliance/deployment.js';
import { CALYPSO_OID } from '../../../src/services/monitoring/snmp-trap.js';
import { LocalHost } from '../../../src/system/local-host.js';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';
import { manualClock } from '../../helpers/monitoring.js';
import { peersAvailable, waitFor } from '../../helpers/peers.js';
import { readTrapLog } from '../../helpers/trap-log.js';

const run = peersAvailable(['snmpd', 'snmpget', 'snmptrap', 'snmptrapd']);
const suite = run ? describe : describe.skip;
const exec = promisify(execFile);

const AGENT_PORT = 11161;
const TRAP_PORT = 11162;
const COMMUNITY = 'calypso-ro.1';
const USER = 'monitor';
const AUTH = 'auth-Pass-123';
const PRIV = 'priv-Pass-456';
const SYS_LOCATION = '1.3.6.1.2.1.1.6.0';
const SYS_CONTACT = '1.3.6.1.2.1.1.4.0';

async function stop(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** snmpget's answer, or its failure text (a timeout: nothing came back). */
async function snmpget(args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const r = await exec('snmpget', ['-m', '', '-t', '1', '-r', '0', ...args], { env: { ...process.env, SNMPCONFPATH: '/nonexistent' } });
    return { ok: true, out: r.stdout };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

suite('real snmpd runs the agent configured through the API', () => {
  let t: TestApp;
  let dir: string;
  let conf: string;
  let snmpd: ChildProcess | null = null;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-snmpd-'));
    conf = path.join(dir, 'snmpd.conf');
    t = await startTestApp({ host: new LocalHost() });
    await setApplianceDeployment(t.app.db, { snmpdConfPath: conf, serviceManager: 'none' });
    const res = await t.http
      .put('/api/v1/appliance/snmp')
      .set(bearer(t.adminToken))
      .send({
        enabled: true,
        listenAddress: '127.0.0.1',
        port: AGENT_PORT,
        location: 'Rack 4, room 2 (Calypso test)',
        contact: 'ops@example.com',
        communities: [{ name: 'noc', secret: COMMUNITY, sources: ['127.0.0.1'] }],
        users: [{ name: USER, authProtocol: 'SHA-256', authSecret: AUTH, privSecret: PRIV }],
      });
    expect([res.status, res.body.detail]).toEqual([200, undefined]);
    snmpd = spawn('snmpd', ['-f', '-Lo', '-C', '-c', conf, '-p', path.join(dir, 'snmpd.pid'), '-m', ''], {
      stdio: 'ignore',
      detached: true,
      env: { ...process.env, SNMP_PERSISTENT_DIR: path.join(dir, 'persist') },
    });
    await waitFor('snmpd to answer', async () => (await snmpget(['-v2c', '-c', COMMUNITY, `127.0.0.1:${AGENT_PORT}`, SYS_LOCATION])).ok, 20_000);
  }, 60_000);

  afterAll(async () => {
    await stop(snmpd);
    await t?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the rendered file is 0600 (it holds the secrets)', () => {
    expect(fs.statSync(conf).mode & 0o777).toBe(0o600);
  });

  test('sysLocation and sysContact read back over v2c with the community', async () => {
    const r = await snmpget(['-v2c', '-c', COMMUNITY, `127.0.0.1:${AGENT_PORT}`, SYS_LOCATION, SYS_CONTACT]);
    expect(r.ok).toBe(true);
    expect(r.out).toContain('iso.3.6.1.2.1.1.6.0 = STRING: "Rack 4, room 2 (Calypso test)"');
    expect(r.out).toContain('iso.3.6.1.2.1.1.4.0 = STRING: "ops@example.com"');
  });

  test('the v3 user works with authPriv (SHA-256, AES); a wrong passphrase is refused', async () => {
    const good = await snmpget([
      '-v3',
      '-l',
      'authPriv',
      '-u',
      USER,
      '-a',
      'SHA-256',
      '-A',
      AUTH,
      '-x',
      'AES',
      '-X',
      PRIV,
      `127.0.0.1:${AGENT_PORT}`,
      SYS_CONTACT,
    ]);
    expect(good.out).toContain('STRING: "ops@example.com"');
    const bad = await snmpget([
      '-v3',
      '-l',
      'authPriv',
      '-u',
      USER,
      '-a',
      'SHA-256',
      '-A',
      'wrong-Pass-999',
      '-x',
      'AES',
      '-X',
      PRIV,
      `127.0.0.1:${AGENT_PORT}`,
      SYS_CONTACT,
    ]);
    expect(bad.ok).toBe(false);
    expect(bad.out).not.toContain('ops@example.com');
    const noPriv = await snmpget(['-v3', '-l', 'authNoPriv', '-u', USER, '-a', 'SHA-256', '-A', AUTH, `127.0.0.1:${AGENT_PORT}`, SYS_CONTACT]);
    expect(noPriv.out).not.toContain('ops@example.com');
  });

  test('a wrong community gets nothing', async () => {
    const r = await snmpget(['-v2c', '-c', 'public', `127.0.0.1:${AGENT_PORT}`, SYS_LOCATION]);
    expect(r.ok).toBe(false);
    expect(r.out).toMatch(/Timeout/);
    expect(r.out).not.toContain('Rack 4');
  });
});

suite('real snmptrapd receives a faulted disk alert as a trap', () => {
  const clock = manualClock(Date.now());
  let t: TestApp;
  let dir: string;
  let log: string;
  let trapd: ChildProcess | null = null;
  const admin = () => bearer(t.adminToken);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-snmptrapd-'));
    log = path.join(dir, 'traps.log');
    t = await startTestApp({ host: new SimulatedHost({ now: clock.now }), monitoring: { now: clock.now, notifier: { attempts: 2, backoffMs: 10 } } });
    const v2 = await t.http
      .post('/api/v1/alerts/channels')
      .set(admin())
      .send({ name: 'noc-v2c', severities: ['critical'], snmp: { manager: '127.0.0.1', port: TRAP_PORT, version: '2c' }, secret: 'trap-Community' });
    expect([v2.status, v2.body.detail]).toEqual([201, undefined]);
    const v3 = await t.http
      .post('/api/v1/alerts/channels')
      .set(admin())
      .send({
        name: 'noc-v3',
        severities: ['critical'],
        snmp: { manager: '127.0.0.1', port: TRAP_PORT, version: '3', user: 'trapper', authProtocol: 'SHA' },
        secret: AUTH,
        privSecret: PRIV,
      });
    expect([v3.status, v3.body.detail]).toEqual([201, undefined]);
    const engineId = v3.body.snmp.engineId as string;
    expect(engineId).toMatch(/^0x80001F8805[0-9A-F]{16}$/);
    const conf = path.join(dir, 'snmptrapd.conf');
    fs.writeFileSync(
      conf,
      ['authCommunity log trap-Community', `createUser -e ${engineId} trapper SHA ${AUTH} AES ${PRIV}`, 'authUser log trapper priv', ''].join('\n'),
    );
    trapd = spawn('snmptrapd', ['-f', '-Lf', log, '-C', '-c', conf, '-p', path.join(dir, 'pid'), '-m', '', `udp:127.0.0.1:${TRAP_PORT}`], {
      stdio: 'ignore',
      detached: true,
      env: { ...process.env, SNMP_PERSISTENT_DIR: path.join(dir, 'persist') },
    });
    await waitFor('snmptrapd to start', () => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('NET-SNMP version'), 20_000);
    clock.advance(5000);
    await t.app.monitoring.tick();
    await t.app.monitoring.idle();
  }, 60_000);

  afterAll(async () => {
    await stop(trapd);
    await t?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const traps = () => readTrapLog(fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '');
  const iso = (oid: string) => oid.replace(/^1\./, 'iso.');

  test('firing, then resolved, over v2c and v3, with severity, source, title and message', async () => {
    expect((await t.http.post('/api/v1/sim/fault-disk').set(admin()).send({ disk: 'sdb' })).status).toBe(200);
    clock.advance(5000);
    await t.app.monitoring.tick();
    await t.app.monitoring.idle();
    const firing = () => traps().filter((m) => m.get('iso.3.6.1.6.3.1.1.4.1.0') === `OID: ${iso(`${CALYPSO_OID}.0.1`)}`);
    await waitFor('two firing traps (v2c and v3)', () => firing().length >= 2, 20_000);
    for (const trap of firing()) {
      expect(trap.get(iso(`${CALYPSO_OID}.1.2`))).toBe('INTEGER: 3');
      expect(trap.get(iso(`${CALYPSO_OID}.1.3`))).toBe('STRING: "pool"');
      expect(trap.get(iso(`${CALYPSO_OID}.1.4`))).toBe('STRING: "Pool health: tank"');
      expect(trap.get(iso(`${CALYPSO_OID}.1.5`))).toMatch(/^STRING: "Pool tank is DEGRADED/);
      expect(trap.get(iso(`${CALYPSO_OID}.1.1`))).toMatch(/^Gauge32: [1-9]/);
    }
    const deliveries = (await t.http.get('/api/v1/alerts/deliveries').set(admin())).body.items;
    expect(deliveries.filter((d: { status: string }) => d.status === 'sent')).toHaveLength(2);

    expect((await t.http.post('/api/v1/sim/heal-disk').set(admin()).send({ disk: 'sdb' })).status).toBe(200);
    clock.advance(5000);
    await t.app.monitoring.tick();
    await t.app.monitoring.idle();
    const resolved = () => traps().filter((m) => m.get('iso.3.6.1.6.3.1.1.4.1.0') === `OID: ${iso(`${CALYPSO_OID}.0.2`)}`);
    await waitFor('two resolve traps', () => resolved().length >= 2, 20_000);
    expect(resolved()[0]!.get(iso(`${CALYPSO_OID}.1.4`))).toBe('STRING: "Pool health: tank"');
  }, 60_000);
});
