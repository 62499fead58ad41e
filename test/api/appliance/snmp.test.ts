/**
 * The SNMP agent through the API on the simulated appliance: snmpd.conf rendered with v2c
 * communities per source network and v3 authPriv users, applied by a restart and rolled back on
 * failure; secrets never answered nor audited; an Operator changes nothing; hostile input is a
 * 400 with nothing written or run.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { renderSnmpdConf } from '../../../src/system/snmp/index.js';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { SNMP_SIM_STATE } from '../../../src/system/sim/snmp.js';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';
import { RecordingHost } from '../../helpers/recording-host.js';
import { FlakyHost } from '../../helpers/peers.js';

const CONF = '/etc/snmp/snmpd.conf';
const COMMUNITY = 'n0c-Read.only';
const AUTH = 'auth-Pass-123';
const PRIV = 'priv-Pass-456';

describe('snmpd.conf rendering', () => {
  test('agent address, system texts, a community per network, v3 users with createUser and rouser', () => {
    const text = renderSnmpdConf({
      listenAddress: '::',
      port: 1161,
      location: 'Rack 4, room 2',
      contact: 'ops@example.com',
      communities: [{ community: 'c0mmunity', sources: ['10.0.0.0/8', 'fd00::/64'] }],
      users: [{ name: 'mon', authProtocol: 'SHA-256', authPassphrase: 'aaaaaaaa', privProtocol: 'AES', privPassphrase: 'bbbbbbbb' }],
    });
    expect(text.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([
      '[snmp] noPersistentLoad yes',
      '[snmp] noPersistentSave yes',
      'agentAddress udp6:[::]:1161',
      'sysLocation Rack 4, room 2',
      'sysContact ops@example.com',
      'sysServices 72',
      'rocommunity c0mmunity 10.0.0.0/8',
      'rocommunity6 c0mmunity fd00::/64',
      'createUser mon SHA-256 aaaaaaaa AES bbbbbbbb',
      'rouser mon priv',
    ]);
  });

  test('a value that would add a word or a line is refused even past the contract', () => {
    const base = { listenAddress: '0.0.0.0', port: 161, location: '', contact: '', communities: [], users: [] };
    expect(() => renderSnmpdConf({ ...base, location: 'x\nrwcommunity evil' })).toThrow(/refusing/);
    expect(() => renderSnmpdConf({ ...base, communities: [{ community: 'a b', sources: ['10.0.0.0/8'] }] })).toThrow(/refusing/);
    expect(() => renderSnmpdConf({ ...base, communities: [{ community: 'abcdef', sources: ['10.0.0.0/8 extra'] }] })).toThrow(/refusing/);
  });
});

describe('SNMP agent through the API on the simulated appliance', () => {
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

  test('off by default, with no community and no user', async () => {
    const res = await t.http.get('/api/v1/appliance/snmp').set(bearer(reader));
    expect(res.body).toEqual({ enabled: false, listenAddress: '0.0.0.0', port: 161, location: '', contact: '', communities: [], users: [] });
  });

  test('enabled with a community and a v3 user: rendered, restarted, secrets answered as "set" only', async () => {
    const res = await t.http
      .put('/api/v1/appliance/snmp')
      .set(bearer(t.adminToken))
      .send({
        enabled: true,
        location: 'Rack 4, room 2',
        contact: 'ops@example.com',
        communities: [{ name: 'noc', secret: COMMUNITY, sources: ['10.1.0.0/16', '10.1.0.0/16', '192.168.7.5'] }],
        users: [{ name: 'monitor', authProtocol: 'SHA', authSecret: AUTH, privSecret: PRIV }],
      });
    expect([res.status, res.body.detail]).toEqual([200, undefined]);
    expect(res.body).toEqual({
      enabled: true,
      listenAddress: '0.0.0.0',
      port: 161,
      location: 'Rack 4, room 2',
      contact: 'ops@example.com',
      communities: [{ name: 'noc', sources: ['10.1.0.0/16', '192.168.7.5/32'], secretSet: true }],
      users: [{ name: 'monitor', authProtocol: 'SHA', privProtocol: 'AES', secretsSet: true }],
    });
    const conf = await host.files.read(CONF);
    expect(conf).toContain(`rocommunity ${COMMUNITY} 10.1.0.0/16\nrocommunity ${COMMUNITY} 192.168.7.5/32\n`);
    expect(conf).toContain(`createUser monitor SHA ${AUTH} AES ${PRIV}\nrouser monitor priv\n`);
    expect(host.history().map((c) => `${c.command} ${c.args.join(' ')}`)).toContain('systemctl restart snmpd');
    expect(JSON.parse(await host.files.read(SNMP_SIM_STATE))).toMatchObject({ running: true, agentAddress: 'udp:0.0.0.0:161' });

    for (const token of [reader, operator, t.adminToken]) {
      const got = await t.http.get('/api/v1/appliance/snmp').set(bearer(token));
      expect(got.status).toBe(200);
      for (const secret of [COMMUNITY, AUTH, PRIV]) expect(JSON.stringify(got.body)).not.toContain(secret);
    }
    const audit = await t.http.get('/api/v1/audit').query({ limit: 50 }).set(bearer(t.adminToken));
    expect(audit.status).toBe(200);
    const rows = JSON.stringify(audit.body);
    expect(rows).toContain('appliance.snmp.update');
    for (const secret of [COMMUNITY, AUTH, PRIV]) expect(rows).not.toContain(secret);
    for (const c of host.history()) for (const secret of [COMMUNITY, AUTH, PRIV]) expect(c.args.join(' ')).not.toContain(secret);
  });

  test('a secret left out keeps the stored one; a new entry without one is refused', async () => {
    const keep = await t.http
      .put('/api/v1/appliance/snmp')
      .set(bearer(t.adminToken))
      .send({ communities: [{ name: 'noc', sources: ['10.2.0.0/16'] }], users: [{ name: 'monitor', authProtocol: 'SHA-256' }] });
    expect(keep.status).toBe(200);
    const conf = await host.files.read(CONF);
    expect(conf).toContain(`rocommunity ${COMMUNITY} 10.2.0.0/16\n`);
    expect(conf).not.toContain('10.1.0.0/16');
    expect(conf).toContain(`createUser monitor SHA-256 ${AUTH} AES ${PRIV}\n`);
    const fresh = await t.http
      .put('/api/v1/appliance/snmp')
      .set(bearer(t.adminToken))
      .send({ communities: [{ name: 'other', sources: ['10.3.0.0/16'] }] });
    expect([fresh.status, fresh.body.detail]).toEqual([400, 'community other is new: give its secret']);
    const user = await t.http
      .put('/api/v1/appliance/snmp')
      .set(bearer(t.adminToken))
      .send({ users: [{ name: 'newbie', authSecret: AUTH }] });
    expect([user.status, user.body.detail]).toEqual([400, 'user newbie is new: give both passphrases']);
    const twice = await t.http
      .put('/api/v1/appliance/snmp')
      .set(bearer(t.adminToken))
      .send({
        communities: [
          { name: 'noc', sources: ['10.2.0.0/16'] },
          { name: 'noc', secret: 'abcdefgh', sources: ['10.4.0.0/16'] },
        ],
      });
    expect(twice.status).toBe(400);
  });

  test('a restart that fails puts the previous snmpd.conf and settings back', async () => {
    const before = await host.files.read(CONF);
    host.failing = 'systemctl';
    try {
      const res = await t.http.put('/api/v1/appliance/snmp').set(bearer(t.adminToken)).send({ location: 'Elsewhere' });
      expect(res.status).toBe(502);
    } finally {
      host.failing = null;
    }
    expect(await host.files.read(CONF)).toBe(before);
    expect((await t.http.get('/api/v1/appliance/snmp').set(bearer(reader))).body.location).toBe('Rack 4, room 2');
  });

  test('disabling stops the agent', async () => {
    const res = await t.http.put('/api/v1/appliance/snmp').set(bearer(t.adminToken)).send({ enabled: false });
    expect(res.status).toBe(200);
    expect(host.history().map((c) => `${c.command} ${c.args.join(' ')}`)).toContain('systemctl stop snmpd');
    expect(JSON.parse(await host.files.read(SNMP_SIM_STATE)).running).toBe(false);
  });

  test('one community or user at a time: set and remove, the others and their secrets kept', async () => {
    const added = await t.http
      .put('/api/v1/appliance/snmp/communities/backup')
      .set(bearer(t.adminToken))
      .send({ secret: 'backup-Ro-1', sources: ['172.16.0.0/12'] });
    expect([added.status, added.body.detail]).toEqual([200, undefined]);
    expect(added.body.communities.map((x: { name: string }) => x.name)).toEqual(['noc', 'backup']);
    let conf = await host.files.read(CONF);
    expect(conf).toContain(`rocommunity ${COMMUNITY} 10.2.0.0/16\nrocommunity backup-Ro-1 172.16.0.0/12\n`);
    const moved = await t.http
      .put('/api/v1/appliance/snmp/communities/backup')
      .set(bearer(t.adminToken))
      .send({ sources: ['172.17.0.0/16'] });
    expect(moved.status).toBe(200);
    expect(await host.files.read(CONF)).toContain('rocommunity backup-Ro-1 172.17.0.0/16\n');
    const user = await t.http
      .put('/api/v1/appliance/snmp/users/nms')
      .set(bearer(t.adminToken))
      .send({ authSecret: 'nms-Auth-123', privSecret: 'nms-Priv-123' });
    expect(user.body.users.map((u: { name: string }) => u.name)).toEqual(['monitor', 'nms']);
    const gone = await t.http.delete('/api/v1/appliance/snmp/users/monitor').set(bearer(t.adminToken));
    expect(gone.body.users.map((u: { name: string }) => u.name)).toEqual(['nms']);
    conf = await host.files.read(CONF);
    expect(conf).not.toContain('createUser monitor');
    expect(conf).toContain('createUser nms SHA-256 nms-Auth-123 AES nms-Priv-123\n');
    expect((await t.http.delete('/api/v1/appliance/snmp/communities/nope').set(bearer(t.adminToken))).status).toBe(404);
    expect((await t.http.delete('/api/v1/appliance/snmp/communities/backup').set(bearer(t.adminToken))).body.communities).toHaveLength(1);
    for (const r of [added, moved, user, gone]) expect(JSON.stringify(r.body)).not.toMatch(/backup-Ro-1|nms-Auth|nms-Priv/);
  });

  test('an Operator can neither open a community, add a user nor move the agent', async () => {
    const before = await host.files.read(CONF);
    for (const body of [
      { communities: [{ name: 'open', secret: 'public1', sources: ['10.0.0.0/8'] }] },
      { users: [{ name: 'spy', authSecret: AUTH, privSecret: PRIV }] },
      { enabled: true, listenAddress: '0.0.0.0' },
    ]) {
      const res = await t.http.put('/api/v1/appliance/snmp').set(bearer(operator)).send(body);
      expect(res.status).toBe(403);
    }
    expect(
      (
        await t.http
          .put('/api/v1/appliance/snmp/communities/open')
          .set(bearer(operator))
          .send({ secret: 'public1', sources: ['10.0.0.0/8'] })
      ).status,
    ).toBe(403);
    expect((await t.http.put('/api/v1/appliance/snmp/users/spy').set(bearer(operator)).send({ authSecret: AUTH, privSecret: PRIV })).status).toBe(403);
    expect((await t.http.delete('/api/v1/appliance/snmp/communities/noc').set(bearer(operator))).status).toBe(403);
    expect(await host.files.read(CONF)).toBe(before);
  });
});

describe('hostile SNMP input is a 400 and nothing runs or is written', () => {
  let t: TestApp;
  const host = new RecordingHost();
  beforeAll(async () => {
    t = await startTestApp({ host });
  });
  afterAll(async () => {
    await t.close();
  });
  const community = (over: Record<string, unknown>) => ({ communities: [{ name: 'noc', secret: 'public123', sources: ['10.0.0.0/8'], ...over }] });
  const user = (over: Record<string, unknown>) => ({ users: [{ name: 'mon', authSecret: AUTH, privSecret: PRIV, ...over }] });
  const hostile: [string, Record<string, unknown>][] = [
    ['location with a newline', { location: 'Rack 4\nrwcommunity evil 0.0.0.0/0' }],
    ['location with a quote', { location: 'Rack "4"' }],
    ['location with a leading dash', { location: '-Rack' }],
    ['contact with a trailing space', { contact: 'ops@example.com ' }],
    ['contact with a carriage return', { contact: 'ops\r@example.com' }],
    ['community with a space', community({ secret: 'public 123' })],
    ['community with a newline', community({ secret: 'public123\nrwcommunity x' })],
    ['community with a quote', community({ secret: 'pub"lic123' })],
    ['community with a leading dash', community({ secret: '-public123' })],
    ['community too short', community({ secret: 'abc' })],
    ['community open to every address', community({ sources: ['0.0.0.0/0'] })],
    ['source network with a newline', community({ sources: ['10.0.0.0/8\nrocommunity x'] })],
    ['source that is not a network', community({ sources: ['default'] })],
    ['community label with a space', community({ name: 'n o c' })],
    ['user with a space', user({ name: 'mon itor' })],
    ['user with a leading dash', user({ name: '-mon' })],
    ['user with a newline', user({ name: 'mon\nrwuser x' })],
    ['passphrase with a space', user({ authSecret: 'auth pass 123' })],
    ['passphrase too short', user({ privSecret: 'short' })],
    ['unsupported auth protocol', user({ authProtocol: 'MD5' })],
    ['unsupported priv protocol', user({ privProtocol: 'DES' })],
    ['listen address that is a name', { listenAddress: 'localhost' }],
    ['listen address with a port', { listenAddress: '127.0.0.1:161' }],
    ['unknown field', { rwcommunity: 'x' }],
  ];
  test.each(hostile)('%s', async (_name, body) => {
    const before = host.calls.length;
    const res = await t.http.put('/api/v1/appliance/snmp').set(bearer(t.adminToken)).send(body);
    expect(res.status).toBe(400);
    expect(host.calls.length).toBe(before);
    expect(await host.files.readIfExists(CONF)).toBeNull();
    for (const secret of ['public 123', 'auth pass 123', 'pub"lic123']) expect(JSON.stringify(res.body)).not.toContain(secret);
  });
});
