/**
 * SNMP trap channels without the network: snmptrap's argument list never holds a secret (its
 * snmp.conf does, 0600, emptied after the send), varbinds are single lines that cannot be read
 * as options, and the channel's settings and secrets are checked before they are stored.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { alertTrap, CALYPSO_OID, type TrapSender } from '../../../src/services/monitoring/snmp-trap.js';
import type { Alert } from '../../../src/contracts/monitoring.js';
import type { RunOptions, RunResult } from '../../../src/system/host.js';
import { SnmpTrapSender, trapArgs, type Trap, type TrapAuth } from '../../../src/system/snmp/index.js';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';
import { RecordingHost } from '../../helpers/recording-host.js';
import fs from 'node:fs';
import path from 'node:path';
import { readTrapLog } from '../../helpers/trap-log.js';

const alert: Alert = {
  id: 7,
  severity: 'warning',
  state: 'open',
  source: 'disk',
  title: 'Disk temperature: sdc',
  message: '-x AES\nsecond line',
  labels: { disk: 'sdc' },
  ruleId: 1,
  value: 55,
  silenced: false,
  openedAt: '2026-03-01T12:00:00.000Z',
  updatedAt: '2026-03-01T12:00:00.000Z',
  acknowledgedAt: null,
  acknowledgedBy: null,
  snoozeEndsAt: null,
  dismissedAt: null,
  dismissedBy: null,
  resolvedAt: null,
};
const V3: TrapAuth = {
  version: '3',
  user: 'trapper',
  authProtocol: 'SHA-256',
  authPassphrase: 'auth-Pass-123',
  privProtocol: 'AES',
  privPassphrase: 'priv-Pass-456',
  engineId: '0x80001F88050102030405060708',
};

describe('snmptrap command line and config', () => {
  test('the trap OID and every varbind under the Calypso tree; text on one line, never an option', () => {
    const args = trapArgs(alertTrap('192.0.2.10', 162, 'firing', alert), { version: '2c', community: 'c0mmunity' });
    expect(args).toEqual([
      '-m',
      '',
      'udp:192.0.2.10:162',
      '',
      `${CALYPSO_OID}.0.1`,
      `${CALYPSO_OID}.1.1`,
      'u',
      '7',
      `${CALYPSO_OID}.1.2`,
      'i',
      '2',
      `${CALYPSO_OID}.1.3`,
      's',
      'disk',
      `${CALYPSO_OID}.1.4`,
      's',
      'Disk temperature: sdc',
      `${CALYPSO_OID}.1.5`,
      's',
      ' -x AES second line',
      `${CALYPSO_OID}.1.6`,
      's',
      '2026-03-01T12:00:00.000Z',
    ]);
    expect(args.join(' ')).not.toContain('c0mmunity');
    expect(trapArgs(alertTrap('fd00::1', 1162, 'resolved', alert), V3).slice(0, 6)).toEqual(['-m', '', '-e', V3.engineId, 'udp6:[fd00::1]:1162', '']);
  });

  test('the secrets go to a 0600 snmp.conf named by SNMPCONFPATH, emptied (with its previous copy) after the send', async () => {
    const host = new RecordingHost();
    const seen: { args: string[]; opts?: RunOptions; conf: string | null }[] = [];
    const run = host.run.bind(host);
    host.run = async (command: string, args: string[], opts?: RunOptions): Promise<RunResult> => {
      seen.push({ args, opts, conf: await host.files.readIfExists('/private/traps/snmp.conf') });
      return run(command, args, opts);
    };
    const modes: number[] = [];
    const write = host.files.writeAtomic.bind(host.files);
    host.files.writeAtomic = async (p, content, opts) => {
      modes.push(opts?.mode ?? -1);
      return write(p, content, opts);
    };
    await new SnmpTrapSender(host, '/private/traps').send(alertTrap('192.0.2.10', 162, 'firing', alert), V3);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.conf).toBe(
      'defVersion 3\ndefSecurityName trapper\ndefSecurityLevel authPriv\ndefAuthType SHA-256\ndefPrivType AES\ndefAuthPassphrase auth-Pass-123\ndefPrivPassphrase priv-Pass-456\n',
    );
    expect(seen[0]!.opts?.env).toMatchObject({ SNMPCONFPATH: '/private/traps' });
    for (const s of [V3.authPassphrase, V3.privPassphrase]) expect(seen[0]!.args.join(' ')).not.toContain(s);
    expect(await host.files.read('/private/traps/snmp.conf')).toBe('');
    expect(await host.files.read('/private/traps/snmp.conf.prev')).toBe('');
    expect(modes.every((m) => m === 0o600)).toBe(true);
  });
});

describe("snmptrapd's log, as the real-peer test reads it (captured from snmptrapd 5.9.3)", () => {
  const fixture = (name: string) => fs.readFileSync(path.join(import.meta.dirname, '../../fixtures/snmp', name), 'utf8');
  test('one map of varbinds per trap, v2c and v3 alike', () => {
    const traps = readTrapLog(fixture('snmptrapd-v2c-v3.log'));
    expect(traps).toHaveLength(2);
    expect(traps[0]!.get('iso.3.6.1.6.3.1.1.4.1.0')).toBe('OID: iso.3.6.1.4.1.99999.0.1');
    expect(traps[0]!.get('iso.3.6.1.4.1.99999.1.2')).toBe('INTEGER: 3');
    expect(traps[0]!.get('iso.3.6.1.4.1.99999.1.4')).toBe('STRING: "Disk \\"sdc\\" faulted"');
    expect(traps[1]!.get('iso.3.6.1.4.1.99999.1.4')).toBe('STRING: "v3 trap"');
  });
  test('a value with a line break leaves its one line: why Calypso sends text on one line', () => {
    const traps = readTrapLog(fixture('snmptrapd-v2c.log'));
    expect(traps[0]!.get('iso.3.6.1.4.1.99999.1.4')).toBe('STRING: "-x AES"');
    expect(traps[1]!.get('iso.3.6.1.4.1.99999.1.5')).toBe('STRING: "two');
  });
});

describe('SNMP trap channels through the API', () => {
  let t: TestApp;
  const sent: { trap: Trap; auth: TrapAuth }[] = [];
  const recorder: TrapSender = {
    send: async (trap, auth) => {
      sent.push({ trap, auth });
    },
  };
  let reader: string;
  beforeAll(async () => {
    t = await startTestApp({ monitoring: { trapSender: recorder, notifier: { attempts: 1, backoffMs: 1 } } });
    reader = await t.userWithRoles('reader', ['ReadOnly']);
  });
  afterAll(async () => {
    await t.close();
  });

  test('a v3 channel: settings answered, secrets never; the test trap carries them to the sender only', async () => {
    const res = await t.http
      .post('/api/v1/alerts/channels')
      .set(bearer(t.adminToken))
      .send({ name: 'nms', snmp: { manager: 'nms.example.com', version: '3', user: 'trapper' }, secret: 'auth-Pass-123', privSecret: 'priv-Pass-456' });
    expect([res.status, res.body.detail]).toEqual([201, undefined]);
    expect(res.body).toMatchObject({
      type: 'snmp',
      hasSecret: true,
      webhook: null,
      email: null,
      snmp: { manager: 'nms.example.com', port: 162, version: '3', user: 'trapper', authProtocol: 'SHA-256' },
    });
    const listed = await t.http.get('/api/v1/alerts/channels').set(bearer(reader));
    for (const body of [res.body, listed.body]) for (const s of ['auth-Pass-123', 'priv-Pass-456']) expect(JSON.stringify(body)).not.toContain(s);
    const delivery = await t.http.post(`/api/v1/alerts/channels/${res.body.id}/test`).set(bearer(t.adminToken)).send({});
    expect(delivery.body).toMatchObject({ status: 'sent', event: 'test' });
    expect(sent.at(-1)!.trap.oid).toBe(`${CALYPSO_OID}.0.3`);
    expect(sent.at(-1)!.auth).toMatchObject({
      version: '3',
      authPassphrase: 'auth-Pass-123',
      privPassphrase: 'priv-Pass-456',
      engineId: res.body.snmp.engineId,
    });
    const audit = JSON.stringify((await t.http.get('/api/v1/audit').query({ limit: 50 }).set(bearer(t.adminToken))).body);
    for (const s of ['auth-Pass-123', 'priv-Pass-456']) expect(audit).not.toContain(s);

    // A rename keeps the secrets and the engine ID.
    const renamed = await t.http
      .patch(`/api/v1/alerts/channels/${res.body.id}`)
      .set(bearer(t.adminToken))
      .send({ name: 'nms-2', snmp: { manager: 'nms2.example.com', version: '3', user: 'trapper' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.snmp.engineId).toBe(res.body.snmp.engineId);
    const again = await t.http.post(`/api/v1/alerts/channels/${res.body.id}/test`).set(bearer(t.adminToken)).send({});
    expect(again.body).toMatchObject({ status: 'sent', error: null });
    expect(sent.at(-1)!.auth).toMatchObject({ authPassphrase: 'auth-Pass-123', privPassphrase: 'priv-Pass-456' });
    expect(sent.at(-1)!.trap.manager).toBe('nms2.example.com');
  });

  const bad: [string, Record<string, unknown>][] = [
    ['v2c without a community', { name: 'a', snmp: { manager: '192.0.2.1' } }],
    ['community with a space', { name: 'a', snmp: { manager: '192.0.2.1' }, secret: 'pub lic' }],
    ['community starting with a dash', { name: 'a', snmp: { manager: '192.0.2.1' }, secret: '-public' }],
    ['v3 without a user', { name: 'a', snmp: { manager: '192.0.2.1', version: '3' }, secret: 'auth-Pass-123', privSecret: 'priv-Pass-456' }],
    ['v3 without a privacy passphrase', { name: 'a', snmp: { manager: '192.0.2.1', version: '3', user: 'u' }, secret: 'auth-Pass-123' }],
    ['v3 passphrase too short', { name: 'a', snmp: { manager: '192.0.2.1', version: '3', user: 'u' }, secret: 'short', privSecret: 'priv-Pass-456' }],
    ['manager with a space', { name: 'a', snmp: { manager: 'nms example' }, secret: 'public1' }],
    ['manager starting with a dash', { name: 'a', snmp: { manager: '-nms' }, secret: 'public1' }],
    ['user with a newline', { name: 'a', snmp: { manager: '192.0.2.1', version: '3', user: 'u\nx' }, secret: 'auth-Pass-123', privSecret: 'priv-Pass-456' }],
    [
      'engine ID not hex',
      { name: 'a', snmp: { manager: '192.0.2.1', version: '3', user: 'u', engineId: '0xZZ' }, secret: 'auth-Pass-123', privSecret: 'priv-Pass-456' },
    ],
    ['snmp and webhook at once', { name: 'a', snmp: { manager: '192.0.2.1' }, webhook: { url: 'https://example.com/' }, secret: 'public1' }],
    ['privSecret on a webhook', { name: 'a', webhook: { url: 'https://example.com/' }, privSecret: 'priv-Pass-456' }],
  ];
  test.each(bad)('%s: 400, nothing stored', async (_name, body) => {
    const before = (await t.http.get('/api/v1/alerts/channels').set(bearer(t.adminToken))).body.total;
    const res = await t.http.post('/api/v1/alerts/channels').set(bearer(t.adminToken)).send(body);
    expect(res.status).toBe(400);
    expect((await t.http.get('/api/v1/alerts/channels').set(bearer(t.adminToken))).body.total).toBe(before);
  });
});
