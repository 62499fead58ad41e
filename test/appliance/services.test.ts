/**
 * The appliance's services: systemctl show and journalctl -o json read from captured formats;
 * on the simulated appliance, list, log, start/stop/enable/disable with the right permissions
 * and confirmations, Calypso refusing to stop itself, a failed unit in words and in the
 * service-down alert; on this machine (no systemd) the list says there is nothing to ask.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { LocalHost } from '../../src/system/local-host.js';
import { SimulatedHost } from '../../src/system/sim/index.js';
import { parseJournalJson, parseSystemctlShow, systemdTime } from '../../src/system/systemd/parse.js';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { manualClock } from '../monitoring/helpers.js';

const fixture = (name: string) => fs.readFileSync(new URL(`../fixtures/systemd/${name}`, import.meta.url), 'utf8');

describe('parsers', () => {
  test('systemctl show: one block per unit in the order asked, properties in any order, never-happened timestamps empty', () => {
    const units = parseSystemctlShow(fixture('show-three.txt'));
    expect(units.map((u) => `${u.Id}:${u.LoadState}:${u.ActiveState}/${u.SubState}:${u.UnitFileState}`)).toEqual([
      'smbd.service:loaded:active/running:enabled',
      'snmpd.service:loaded:failed/failed:enabled',
      'bacula-sd.service:not-found:inactive/dead:',
    ]);
    expect(units[1]!.Result).toBe('exit-code');
    expect(systemdTime(units[0]!.ActiveEnterTimestamp)).toBe('2026-11-30T06:38:01.000Z');
    expect(systemdTime(units[0]!.InactiveEnterTimestamp)).toBeNull();
    expect(systemdTime('n/a')).toBeNull();
    expect(systemdTime('Mon 2026-11-30 07:38:01 +0100')).toBe('2026-11-30T06:38:01.000Z');
    // A zone abbreviation other than UTC is ambiguous (CST is three zones): no time rather than a wrong one.
    expect(systemdTime('Mon 2026-11-30 07:38:01 CST')).toBeNull();
    expect(() => parseSystemctlShow('Id=a.service\ngarbage\n')).toThrow(/not Key=Value/);
  });

  test('journalctl -o json: times from __REALTIME_TIMESTAMP, priorities, byte-array messages, UNIT for systemd own lines', () => {
    const lines = parseJournalJson(fixture('journal-snmpd.json'));
    expect(lines).toEqual([
      { at: '2025-11-30T06:38:01.000Z', priority: 6, unit: 'snmpd.service', message: 'NET-SNMP version 5.9.4.pre2 AgentX subagent connected' },
      { at: '2025-11-30T07:02:13.000Z', priority: 3, unit: 'snmpd.service', message: 'error: bad \ufffd' },
      { at: '2025-11-30T07:02:13.500Z', priority: 4, unit: 'snmpd.service', message: "snmpd.service: Failed with result 'exit-code'." },
    ]);
    expect(() => parseJournalJson('not json\n')).toThrow(/not JSON/);
  });
});

describe('on the simulated appliance', () => {
  const clock = manualClock(Date.parse('2026-11-30T08:00:00Z'));
  let t: TestApp;
  let operator: string;
  const svc = async (unit: string) =>
    (await t.http.get('/api/v1/appliance/services').set(bearer(operator))).body.items.find((s: { unit: string }) => s.unit === unit);

  beforeAll(async () => {
    t = await startTestApp({ host: new SimulatedHost({ now: clock.now }), monitoring: { now: clock.now } });
    operator = await t.userWithRoles('op', ['Operator']);
  });
  afterAll(async () => {
    await t.close();
  });

  test('everyone may read the services; only an Admin changes them, and stop/disable need the typed confirmation', async () => {
    const list = await t.http.get('/api/v1/appliance/services').set(bearer(operator));
    expect(list.status).toBe(200);
    expect(list.body.manager).toBe('systemd');
    expect(list.body.items.map((s: { unit: string }) => s.unit)).toEqual(expect.arrayContaining(['smbd', 'chrony', 'snmpd', 'ssh', 'calypso', 'bacula-dir']));
    expect(await svc('snmpd')).toMatchObject({ activeState: 'active', subState: 'running', enabled: true, installed: true, text: /^running since/ });

    expect((await t.http.post('/api/v1/appliance/services/snmpd/stop').set(bearer(operator)).send({ confirm: 'snmpd' })).status).toBe(403);
    expect((await t.http.post('/api/v1/appliance/services/snmpd/restart').set(bearer(operator)).send({})).status).toBe(403);
    expect((await t.http.post('/api/v1/appliance/services/snmpd/stop').set(bearer(t.adminToken)).send({})).status).toBe(400);
    expect((await svc('snmpd')).activeState).toBe('active');
    const stopped = await t.http.post('/api/v1/appliance/services/snmpd/stop').set(bearer(t.adminToken)).send({ confirm: 'snmpd' });
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ activeState: 'inactive', subState: 'dead', text: /^stopped since .*; starts at boot/ });
    const disabled = await t.http.post('/api/v1/appliance/services/snmpd/disable').set(bearer(t.adminToken)).send({ confirm: 'snmpd' });
    expect(disabled.body.enabled).toBe(false);
    expect((await t.http.post('/api/v1/appliance/services/snmpd/enable').set(bearer(t.adminToken)).send({})).body.enabled).toBe(true);
    expect((await t.http.post('/api/v1/appliance/services/snmpd/start').set(bearer(t.adminToken)).send({})).body.activeState).toBe('active');
    const detail = await t.http.get('/api/v1/appliance/services/snmpd?lines=5').set(bearer(operator));
    expect(detail.body.log.map((l: { message: string }) => l.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Stopped snmpd.service/), expect.stringMatching(/^Started snmpd.service/)]),
    );
    expect(detail.body.log.length).toBeLessThanOrEqual(5);
    const audit = await t.app.db('audit_log').where({ operation: 'appliance.services.stop' }).select('result', 'target');
    expect(audit).toEqual(
      expect.arrayContaining([
        { result: 'ok', target: 'snmpd' },
        { result: 'denied', target: 'snmpd' },
        { result: 'invalid', target: 'snmpd' },
      ]),
    );
  });

  test('unknown units and hostile names never reach systemctl; Calypso does not stop itself', async () => {
    for (const unit of ['sshd; reboot', '--now', 'ssh%0Areboot', 'cron']) {
      const res = await t.http
        .post(`/api/v1/appliance/services/${encodeURIComponent(unit)}/start`)
        .set(bearer(t.adminToken))
        .send({});
      expect({ unit, status: res.status }).toEqual({ unit, status: 400 });
    }
    const self = await t.http.post('/api/v1/appliance/services/calypso/stop').set(bearer(t.adminToken)).send({ confirm: 'calypso' });
    expect(self.status).toBe(409);
    expect(self.body.detail).toMatch(/cannot stop itself/);
    expect(t.app.host.history().some((r) => r.command === 'systemctl' && r.args.includes('calypso') && r.args[0] === 'stop')).toBe(false);
  });

  test('stopping smbd here is the same smbd the sharing tools see', async () => {
    await t.http.post('/api/v1/appliance/services/smbd/stop').set(bearer(t.adminToken)).send({ confirm: 'smbd' });
    expect((await svc('smbd')).activeState).toBe('inactive');
    const r = await t.app.host.run('systemctl', ['is-active', 'smbd'], { okCodes: [0, 3] });
    expect(r.stdout.trim()).toBe('inactive');
    await t.http.post('/api/v1/appliance/services/smbd/start').set(bearer(t.adminToken)).send({});
    expect((await svc('smbd')).activeState).toBe('active');
  });

  test('a failed unit says so in words, will not start until repaired, and raises the service-down alert', async () => {
    await t.http
      .patch('/api/v1/monitoring/settings')
      .set(bearer(t.adminToken))
      .send({ watchedServices: ['snmpd'] });
    expect((await t.http.post('/api/v1/sim/fail-service').set(bearer(operator)).send({ unit: 'snmpd' })).status).toBe(403);
    expect((await t.http.post('/api/v1/sim/fail-service').set(bearer(t.adminToken)).send({ unit: 'snmpd' })).status).toBe(200);
    expect(await svc('snmpd')).toMatchObject({ activeState: 'failed', result: 'exit-code', text: /^failed \(exit-code\).*see its log/ });
    const refused = await t.http.post('/api/v1/appliance/services/snmpd/start').set(bearer(t.adminToken)).send({});
    expect(refused.status).toBe(502);
    expect(refused.body.detail).toMatch(/Job for snmpd.service failed because the control process exited with error code/);

    for (let i = 0; i < 8; i++) {
      clock.advance(5000);
      await t.app.monitoring.tick();
    }
    await t.app.monitoring.idle();
    const alerts = (await t.http.get('/api/v1/alerts').query({ source: 'service', active: 'true' }).set(bearer(operator))).body.items;
    expect(alerts).toEqual([expect.objectContaining({ severity: 'critical', title: expect.stringMatching(/Service down/) })]);

    await t.http.post('/api/v1/sim/repair-service').set(bearer(t.adminToken)).send({ unit: 'snmpd' });
    expect((await t.http.post('/api/v1/appliance/services/snmpd/start').set(bearer(t.adminToken)).send({})).body.activeState).toBe('active');
    clock.advance(5000);
    await t.app.monitoring.tick();
    await t.app.monitoring.idle();
    expect((await t.http.get('/api/v1/alerts').query({ source: 'service', active: 'true' }).set(bearer(operator))).body.total).toBe(0);
  });
});

test('on a machine without systemd the list says so instead of failing', async () => {
  const t = await startTestApp({ host: new LocalHost() });
  try {
    const res = await t.http.get('/api/v1/appliance/services').set(bearer(t.adminToken));
    if (res.body.manager === 'systemd') return; // a machine with systemd answers for real: nothing to check here.
    expect(res.status).toBe(200);
    expect(res.body.items.every((s: { activeState: string; text: string }) => s.activeState === 'unknown' && /no systemd/.test(s.text))).toBe(true);
    const start = await t.http.post('/api/v1/appliance/services/ssh/start').set(bearer(t.adminToken)).send({});
    expect(start.status).toBe(409);
    expect(start.body.detail).toMatch(/no systemd/);
  } finally {
    await t.close();
  }
});
