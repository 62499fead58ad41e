/**
 * Real chronyd on loopback (REAL-PEERS.md; `-x` leaves the machine's clock alone): an upstream
 * chronyd serves time on 127.0.0.1:11124; the "appliance" chronyd runs the chrony.conf Calypso
 * renders through the API (the test plays systemd: it restarts chronyd after each apply), and
 * the API reads its tracking and sources back through chronyc. chronyd itself checks every
 * candidate file (`chronyd -p`): one it refuses is never installed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { setApplianceDeployment } from '../../../src/services/appliance/deployment.js';
import { LocalHost } from '../../../src/system/local-host.js';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';
import { peersAvailable, waitFor } from '../../helpers/peers.js';

const run = peersAvailable(['chronyd', 'chronyc']);
const suite = run ? describe : describe.skip;

const UPSTREAM_PORT = 11124;
const PORT = 11123;
const CMDPORT = 11323;

function startChronyd(conf: string): ChildProcess {
  return spawn('chronyd', ['-d', '-x', '-f', conf], { stdio: 'ignore', detached: true });
}

async function stop(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

suite('real chronyd driven and read through the API', () => {
  let t: TestApp;
  let dir: string;
  let conf: string;
  let upstream: ChildProcess | null = null;
  let appliance: ChildProcess | null = null;
  const status = async () => (await t.http.get('/api/v1/appliance/ntp/status').set(bearer(t.adminToken))).body;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-chrony-'));
    fs.chmodSync(dir, 0o755);
    const upConf = path.join(dir, 'upstream.conf');
    fs.writeFileSync(
      upConf,
      [
        'local stratum 8',
        'bindaddress 127.0.0.1',
        `port ${UPSTREAM_PORT}`,
        'bindcmdaddress 127.0.0.1',
        'cmdport 11324',
        'allow 127.0.0.1',
        `pidfile ${dir}/upstream.pid`,
        '',
      ].join('\n'),
    );
    upstream = startChronyd(upConf);
    conf = path.join(dir, 'chrony.conf');
    t = await startTestApp({ host: new LocalHost() });
    await setApplianceDeployment(t.app.db, {
      chronyConfPath: conf,
      chronyBase: ['bindaddress 127.0.0.1', `port ${PORT}`, 'bindcmdaddress 127.0.0.1', `cmdport ${CMDPORT}`, `pidfile ${dir}/chronyd.pid`],
      chronyc: { host: '127.0.0.1', port: CMDPORT },
      serviceManager: 'none',
      timezoneManager: 'none',
    });
  });

  afterAll(async () => {
    await stop(appliance);
    await stop(upstream);
    await t?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('Calypso renders chrony.conf, chronyd runs it and syncs from the upstream; the API reads tracking and sources', async () => {
    const res = await t.http
      .put('/api/v1/appliance/ntp')
      .set(bearer(t.adminToken))
      .send({ servers: [{ host: '127.0.0.1', port: UPSTREAM_PORT, minpoll: 0, maxpoll: 2 }] });
    expect([res.status, res.body.detail]).toEqual([200, undefined]);
    expect(fs.readFileSync(conf, 'utf8')).toContain(`server 127.0.0.1 iburst port ${UPSTREAM_PORT} minpoll 0 maxpoll 2\n`);
    appliance = startChronyd(conf);
    await waitFor(
      'chronyd to sync from the upstream',
      async () => {
        const s = await status();
        return s.synchronised === true && s.sources?.[0]?.state === 'synced';
      },
      60_000,
    );
    const s = await status();
    expect(s).toMatchObject({ synchronised: true, leapStatus: 'Normal', stratum: 9, reference: '127.0.0.1', referenceId: '7F000001' });
    expect(s.sources).toEqual([expect.objectContaining({ mode: 'server', state: 'synced', address: '127.0.0.1', stratum: 8 })]);
    expect(Math.abs(s.systemTimeOffsetSeconds)).toBeLessThan(0.1);
    expect(Date.parse(s.lastUpdateAt)).not.toBeNaN();
  }, 90_000);

  test('a second, unreachable server shows as unreachable once chronyd restarts on the new file', async () => {
    const res = await t.http
      .put('/api/v1/appliance/ntp')
      .set(bearer(t.adminToken))
      .send({
        servers: [
          { host: '127.0.0.1', port: UPSTREAM_PORT, minpoll: 0, maxpoll: 2 },
          { host: '127.0.0.2', port: 11199, iburst: false },
        ],
        allowClients: ['127.0.0.0/8'],
      });
    expect(res.status).toBe(200);
    await stop(appliance);
    appliance = startChronyd(conf);
    await waitFor(
      'chronyd to list both sources',
      async () => {
        const s = await status();
        return s.sources?.length === 2 && s.sources[0].state === 'synced';
      },
      60_000,
    );
    const s = await status();
    expect(s.sources.map((x: { address: string; state: string }) => [x.address, x.state])).toEqual([
      ['127.0.0.1', 'synced'],
      ['127.0.0.2', 'unreachable'],
    ]);
    expect(s.sources[1].lastRxSeconds).toBeNull();
  }, 90_000);

  test('a file chronyd refuses (chronyd -p) is never installed, and the settings stay as they were', async () => {
    const before = fs.readFileSync(conf, 'utf8');
    await setApplianceDeployment(t.app.db, {
      chronyBase: ['bindaddress 127.0.0.1', `port ${PORT}`, 'bindcmdaddress 127.0.0.1', `cmdport ${CMDPORT}`, 'notadirective 1'],
    });
    const res = await t.http
      .put('/api/v1/appliance/ntp')
      .set(bearer(t.adminToken))
      .send({ servers: [{ host: '127.0.0.3' }] });
    expect(res.status).toBe(502);
    expect(res.body.detail).toMatch(/chronyd/);
    expect(fs.readFileSync(conf, 'utf8')).toBe(before);
    const got = (await t.http.get('/api/v1/appliance/time').set(bearer(t.adminToken))).body;
    expect(got.ntp.servers.map((x: { host: string }) => x.host)).toEqual(['127.0.0.1', '127.0.0.2']);
  });
});
