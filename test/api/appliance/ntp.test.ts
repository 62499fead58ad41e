/**
 * Date, time and NTP: chronyc's CSV parsed from real captures, chrony.conf rendered, and the
 * API on the simulated appliance (render, chronyd -p check, restart, status, rollback,
 * permissions, hostile input).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { parseSources, parseTracking, renderChronyConf } from '../../../src/system/chrony/index.js';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { CHRONY_SIM_STATE } from '../../../src/system/sim/chrony.js';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';
import { RecordingHost } from '../../helpers/recording-host.js';
import { FlakyHost } from '../../helpers/peers.js';

const fixture = (name: string) => fs.readFileSync(path.join(import.meta.dirname, '../../fixtures/chrony', name), 'utf8');
const CONF = '/etc/chrony/chrony.conf';

describe('chronyc -c parsers on chrony 4.3 output', () => {
  test('tracking while synchronised', () => {
    const t = parseTracking(fixture('tracking-synced.csv'));
    expect(t).toMatchObject({ referenceId: '7F000001', reference: '127.0.0.1', stratum: 9, leapStatus: 'Normal', synchronised: true });
    expect(t.systemTimeOffset).toBeCloseTo(0.00000064, 12);
    expect(t.frequencyPpm).toBeCloseTo(-0.241, 6);
    expect(t.rootDispersion).toBeCloseTo(0.000202886, 12);
    expect(t.updateIntervalSeconds).toBe(2);
    // The text form of the same command names the fields: the CSV's are in that order.
    expect(fixture('tracking-synced.txt')).toMatch(/Reference ID\s+: 7F000001[\s\S]*Stratum\s+: 9[\s\S]*Leap status\s+: Normal/);
  });

  test('tracking while not synchronised', () => {
    expect(parseTracking(fixture('tracking-unsynced.csv'))).toMatchObject({
      referenceId: '00000000',
      reference: '',
      stratum: 0,
      leapStatus: 'Not synchronised',
      synchronised: false,
      referenceTime: 0,
    });
  });

  test('sources: synced, unreachable, mixed', () => {
    expect(parseSources(fixture('sources-synced.csv'))).toEqual([
      {
        mode: 'server',
        state: 'synced',
        address: '127.0.0.1',
        stratum: 8,
        poll: 4,
        reach: '17',
        lastRxSeconds: 11,
        offset: 0.000001432,
        measuredOffset: 0.000002983,
        error: 0.000005206,
      },
    ]);
    const unsynced = parseSources(fixture('sources-unsynced.csv'));
    expect(unsynced.map((s) => [s.address, s.state, s.lastRxSeconds])).toEqual([
      ['127.0.0.1', 'unreachable', null],
      ['127.0.0.2', 'unreachable', null],
    ]);
    expect(parseSources(fixture('sources-mixed.csv')).map((s) => s.state)).toEqual(['synced', 'unreachable']);
  });

  test('garbage is a tool output error naming chronyc', () => {
    expect(() => parseTracking('')).toThrow(/chronyc printed output Calypso cannot read/);
    expect(() => parseTracking('7F000001,127.0.0.1,9')).toThrow(/3 fields, expected 14/);
    expect(() => parseSources('^,*,127.0.0.1,8,4,17')).toThrow(/expected 10/);
    expect(() => parseSources('^,!,127.0.0.1,8,4,17,1,0,0,0')).toThrow(/unknown source mode or state/);
  });
});

describe('chrony.conf rendering', () => {
  test('one line per source with its options, then the client networks', () => {
    const text = renderChronyConf(
      {
        sources: [
          { host: 'ntp1.example.com', kind: 'server', iburst: true, prefer: true, port: 1123, minpoll: 4, maxpoll: 8 },
          { host: 'pool.ntp.org', kind: 'pool', iburst: false, prefer: false, port: null, minpoll: null, maxpoll: null },
        ],
        allow: ['192.168.1.0/24', 'fd00::/64'],
      },
      ['driftfile /var/lib/chrony/chrony.drift'],
    );
    expect(text.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([
      'driftfile /var/lib/chrony/chrony.drift',
      'server ntp1.example.com iburst prefer port 1123 minpoll 4 maxpoll 8',
      'pool pool.ntp.org',
      'allow 192.168.1.0/24',
      'allow fd00::/64',
    ]);
  });

  test('a hostile value never becomes a word or a line of its own, even past the contract', () => {
    const bad = (host: string) => () =>
      renderChronyConf({ sources: [{ host, kind: 'server', iburst: false, prefer: false, port: null, minpoll: null, maxpoll: null }], allow: [] });
    for (const host of ['a.example\nallow 0/0', 'a b', '"x"', '-x', 'a;b']) expect(bad(host)).toThrow(/refusing to render/);
  });
});

describe('NTP through the API on the simulated appliance', () => {
  let t: TestApp;
  let host: FlakyHost;
  let operator: string;
  let reader: string;
  beforeAll(async () => {
    host = new FlakyHost(new SimulatedHost());
    t = await startTestApp({ host });
    operator = await t.userWithRoles('operator', ['Operator']);
    reader = await t.userWithRoles('reader', ['ReadOnly']);
  });
  afterAll(async () => {
    await t.close();
  });

  test('a fresh appliance syncs from pool.ntp.org in UTC', async () => {
    const got = await t.http.get('/api/v1/appliance/time').set(bearer(reader));
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ zone: 'Etc/UTC', ntp: { servers: [{ host: 'pool.ntp.org', kind: 'pool', iburst: true }], allowClients: [] } });
    expect(Date.parse(got.body.hostTimeAt)).not.toBeNaN();
    const status = await t.http.get('/api/v1/appliance/ntp/status').set(bearer(reader));
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ synchronised: true, leapStatus: 'Normal', stratum: 3 });
    expect(status.body.sources).toEqual([expect.objectContaining({ mode: 'server', state: 'synced', pollSeconds: 64, reach: '377' })]);
  });

  test('servers and clients are rendered, checked by chronyd, applied by a restart, and read back', async () => {
    const res = await t.http
      .put('/api/v1/appliance/ntp')
      .set(bearer(t.adminToken))
      .send({
        servers: [{ host: 'ntp1.example.com', prefer: true, minpoll: 4, maxpoll: 6 }, { host: '192.0.2.123', iburst: false }, { host: 'dead.invalid' }],
        allowClients: ['10.0.0.0/8'],
      });
    expect([res.status, res.body.detail]).toEqual([200, undefined]);
    const conf = await host.files.read(CONF);
    expect(conf).toContain('server ntp1.example.com iburst prefer minpoll 4 maxpoll 6\nserver 192.0.2.123\nserver dead.invalid iburst\nallow 10.0.0.0/8\n');
    const commands = host.history().map((c) => `${c.command} ${c.args.join(' ')}`);
    expect(commands).toEqual(expect.arrayContaining([`chronyd -p -f ${CONF}.candidate`, 'systemctl restart chrony']));
    const status = (await t.http.get('/api/v1/appliance/ntp/status').set(bearer(reader))).body;
    expect(status.sources.map((s: { state: string }) => s.state)).toEqual(['synced', 'combined', 'unreachable']);
    expect(status.sources[0].pollSeconds).toBe(16);
    expect((await t.http.get('/api/v1/appliance/time').set(bearer(reader))).body.ntp.servers).toHaveLength(3);
  });

  test('only unreachable servers: not synchronised', async () => {
    const res = await t.http
      .put('/api/v1/appliance/ntp')
      .set(bearer(t.adminToken))
      .send({ servers: [{ host: 'a.invalid' }, { host: 'b.invalid' }] });
    expect(res.status).toBe(200);
    const status = (await t.http.get('/api/v1/appliance/ntp/status').set(bearer(reader))).body;
    expect(status).toMatchObject({ synchronised: false, leapStatus: 'Not synchronised', stratum: 0, lastUpdateAt: null });
  });

  test('a failing restart puts the previous chrony.conf and settings back', async () => {
    const before = await host.files.read(CONF);
    host.failing = 'systemctl';
    try {
      const res = await t.http
        .put('/api/v1/appliance/ntp')
        .set(bearer(t.adminToken))
        .send({ servers: [{ host: 'other.example.org' }] });
      expect(res.status).toBe(502);
    } finally {
      host.failing = null;
    }
    expect(await host.files.read(CONF)).toBe(before);
    const servers = (await t.http.get('/api/v1/appliance/time').set(bearer(reader))).body.ntp.servers;
    expect(servers.map((s: { host: string }) => s.host)).toEqual(['a.invalid', 'b.invalid']);
  });

  test('the time zone is set through timedatectl', async () => {
    const res = await t.http.put('/api/v1/appliance/time').set(bearer(t.adminToken)).send({ zone: 'Europe/Paris' });
    expect([res.status, res.body]).toEqual([200, { zone: 'Europe/Paris' }]);
    expect(host.history().map((c) => `${c.command} ${c.args.join(' ')}`)).toContain('timedatectl set-timezone Europe/Paris');
    expect((await t.http.get('/api/v1/appliance/time').set(bearer(reader))).body.zone).toBe('Europe/Paris');
    expect(JSON.parse(await host.files.read(CHRONY_SIM_STATE)).timezone).toBe('Europe/Paris');
  });

  test('an Operator reads but changes neither the servers nor the zone', async () => {
    expect((await t.http.get('/api/v1/appliance/ntp/status').set(bearer(operator))).status).toBe(200);
    const ntp = await t.http
      .put('/api/v1/appliance/ntp')
      .set(bearer(operator))
      .send({ servers: [{ host: 'evil.example.net' }] });
    expect(ntp.status).toBe(403);
    const zone = await t.http.put('/api/v1/appliance/time').set(bearer(operator)).send({ zone: 'UTC' });
    expect(zone.status).toBe(403);
    expect(await host.files.read(CONF)).not.toContain('evil');
  });

  test('duplicate servers and minpoll above maxpoll are refused', async () => {
    const dup = await t.http
      .put('/api/v1/appliance/ntp')
      .set(bearer(t.adminToken))
      .send({ servers: [{ host: 'a.example' }, { host: 'A.example.' }] });
    expect([dup.status, dup.body.detail]).toEqual([400, 'A.example. is listed twice']);
    const poll = await t.http
      .put('/api/v1/appliance/ntp')
      .set(bearer(t.adminToken))
      .send({ servers: [{ host: 'a.example', minpoll: 8, maxpoll: 4 }] });
    expect(poll.status).toBe(400);
    expect(poll.body.detail).toMatch(/minpoll 8 is above maxpoll 4/);
  });
});

describe('hostile NTP input is a 400 and nothing runs or is written', () => {
  let t: TestApp;
  const host = new RecordingHost();
  beforeAll(async () => {
    t = await startTestApp({ host });
  });
  afterAll(async () => {
    await t.close();
  });

  const hostile = [
    { servers: [{ host: 'ntp.example.com\nallow 0.0.0.0/0' }] },
    { servers: [{ host: 'ntp.example.com allow' }] },
    { servers: [{ host: '"ntp.example.com"' }] },
    { servers: [{ host: '-f/etc/shadow' }] },
    { servers: [{ host: ' ntp.example.com' }] },
    { servers: [{ host: 'ntp.example.com', minpoll: 99 }] },
    { servers: [{ host: 'ntp.example.com', extra: 'x' }] },
    { servers: [], allowClients: ['10.0.0.0/8\nallow all'] },
    { servers: [], allowClients: ['10.0.0.0/33'] },
    { servers: [], allowClients: ['all'] },
  ];
  test.each(hostile.map((h) => [JSON.stringify(h), h]))('%s', async (_name, body) => {
    const before = host.calls.length;
    const res = await t.http.put('/api/v1/appliance/ntp').set(bearer(t.adminToken)).send(body);
    expect(res.status).toBe(400);
    expect(host.calls.length).toBe(before);
    expect(await host.files.readIfExists(CONF)).toBeNull();
  });

  test.each(['Europe/Paris\nfoo', '-Europe/Paris', '../../etc/passwd', 'Mars/Olympus_Mons', 'Europe/Paris '])('time zone %j', async (timezone) => {
    const before = host.calls.length;
    const res = await t.http.put('/api/v1/appliance/time').set(bearer(t.adminToken)).send({ zone: timezone });
    expect(res.status).toBe(400);
    expect(host.calls.length).toBe(before);
  });
});
