/**
 * The appliance's services: systemctl show and journalctl -o json read from captured formats;
 * on the simulated appliance, list, log, start/stop/enable/disable with the right permissions
 * and confirmations, Calypso refusing to stop itself, a failed unit in words and in the
 * service-down alert; on this machine (no systemd) the list says there is nothing to ask.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { LocalHost } from '../../../src/system/local-host.js';
import { SimulatedHost } from '../../../src/system/sim/index.js';
import { parseJournalJson, parseSystemctlShow, systemdTime } from '../../../src/system/systemd/parse.js';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';
import { manualClock } from '../../helpers/monitoring.js';

const fixture = (name: string) => fs.readFileSync(new URL(`../../fixtures/systemd/${name}`, import.meta.url), 'utf8');

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

const logFile = (() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-log-'));
  const file = path.join(dir, 'calypso.log');
  const base = Date.parse('2026-11-30T07:00:00Z');
  const lines = Array.from({ length: 3000 }, (_, i) =>
    JSON.stringify({
      level: i % 500 === 0 ? 50 : 30,
      time: base + i * 1000,
      pid: 1,
      hostname: 'h',
      msg: i % 500 === 0 ? `probe failed ${i}` : `collected ${i}`,
      i,
    }),
  );
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
})();

describe('on the simulated appliance', () => {
  const clock = manualClock(Date.parse('2026-11-30T08:00:00Z'));
  let t: TestApp;
  let operator: string;
  let logReader: string;
  const svc = async (unit: string) =>
    (await t.http.get('/api/v1/appliance/services').set(bearer(operator))).body.items.find((s: { unit: string }) => s.unit === unit);

  beforeAll(async () => {
    t = await startTestApp({
      host: new SimulatedHost({ now: clock.now }),
      monitoring: { now: clock.now },
      appliance: { powerDelayMs: 0, logFile: () => logFile },
    });
    operator = await t.userWithRoles('op', ['Operator']);
    const logRole = await t.http
      .post('/api/v1/roles')
      .set(bearer(t.adminToken))
      .send({ name: 'LogReader', permissions: ['appliance.read', 'appliance.logs'] });
    expect(logRole.status).toBe(201);
    logReader = await t.userWithRoles('logreader', ['LogReader']);
  });
  afterAll(async () => {
    await t.close();
  });

  test('everyone may read the services; only an Admin changes them, and stop/disable need the typed confirmation', async () => {
    const list = await t.http.get('/api/v1/appliance/services').set(bearer(operator));
    expect(list.status).toBe(200);
    expect(list.body.manager).toBe('systemd');
    expect(list.body.items.map((s: { unit: string }) => s.unit)).toEqual(expect.arrayContaining(['smbd', 'chrony', 'ssh', 'ssh', 'calypso', 'bacula-dir']));
    expect(await svc('ssh')).toMatchObject({ activeState: 'active', subState: 'running', enabled: true, installed: true, text: /^running since/ });

    expect((await t.http.post('/api/v1/appliance/services/ssh/stop').set(bearer(operator)).send({ confirm: 'ssh' })).status).toBe(403);
    expect((await t.http.post('/api/v1/appliance/services/ssh/restart').set(bearer(operator)).send({})).status).toBe(403);
    expect((await t.http.post('/api/v1/appliance/services/ssh/stop').set(bearer(t.adminToken)).send({})).status).toBe(400);
    expect((await svc('ssh')).activeState).toBe('active');
    const stopped = await t.http.post('/api/v1/appliance/services/ssh/stop').set(bearer(t.adminToken)).send({ confirm: 'ssh' });
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ activeState: 'inactive', subState: 'dead', text: /^stopped since .*; starts at boot/ });
    const disabled = await t.http.post('/api/v1/appliance/services/ssh/disable').set(bearer(t.adminToken)).send({ confirm: 'ssh' });
    expect(disabled.body.enabled).toBe(false);
    expect((await t.http.post('/api/v1/appliance/services/ssh/enable').set(bearer(t.adminToken)).send({})).body.enabled).toBe(true);
    expect((await t.http.post('/api/v1/appliance/services/ssh/start').set(bearer(t.adminToken)).send({})).body.activeState).toBe('active');
    // An Operator sees the service's state, not its journal lines (Admin-level: sshd logs what was typed as a name).
    expect((await t.http.get('/api/v1/appliance/services/ssh?lines=5').set(bearer(operator))).body).toMatchObject({ activeState: 'active', log: null });
    const detail = await t.http.get('/api/v1/appliance/services/ssh?lines=5').set(bearer(t.adminToken));
    expect(detail.body.log.map((l: { message: string }) => l.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Stopped ssh.service/), expect.stringMatching(/^Started ssh.service/)]),
    );
    expect(detail.body.log.length).toBeLessThanOrEqual(5);
    const audit = await t.app.db('audit_log').where({ operation: 'appliance.services.stop' }).select('result', 'target');
    expect(audit).toEqual(
      expect.arrayContaining([
        { result: 'ok', target: 'ssh' },
        { result: 'denied', target: 'ssh' },
        { result: 'invalid', target: 'ssh' },
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
      .send({ watchedServices: ['ssh'] });
    expect((await t.http.post('/api/v1/sim/fail-service').set(bearer(operator)).send({ unit: 'ssh' })).status).toBe(403);
    expect((await t.http.post('/api/v1/sim/fail-service').set(bearer(t.adminToken)).send({ unit: 'ssh' })).status).toBe(200);
    expect(await svc('ssh')).toMatchObject({ activeState: 'failed', result: 'exit-code', text: /^failed \(exit-code\).*see its log/ });
    const refused = await t.http.post('/api/v1/appliance/services/ssh/start').set(bearer(t.adminToken)).send({});
    expect(refused.status).toBe(502);
    expect(refused.body.detail).toMatch(/Job for ssh.service failed because the control process exited with error code/);

    for (let i = 0; i < 8; i++) {
      clock.advance(5000);
      await t.app.monitoring.tick();
    }
    await t.app.monitoring.idle();
    const alerts = (await t.http.get('/api/v1/alerts').query({ source: 'service', active: 'true' }).set(bearer(operator))).body.items;
    expect(alerts).toEqual([expect.objectContaining({ severity: 'critical', title: expect.stringMatching(/Service down/) })]);

    await t.http.post('/api/v1/sim/repair-service').set(bearer(t.adminToken)).send({ unit: 'ssh' });
    expect((await t.http.post('/api/v1/appliance/services/ssh/start').set(bearer(t.adminToken)).send({})).body.activeState).toBe('active');
    clock.advance(5000);
    await t.app.monitoring.tick();
    await t.app.monitoring.idle();
    expect((await t.http.get('/api/v1/alerts').query({ source: 'service', active: 'true' }).set(bearer(operator))).body.total).toBe(0);
  });

  test('the journal: newest first, by service, priority, time and literal text; a role without appliance.logs may not read it', async () => {
    const role = await t.http
      .post('/api/v1/roles')
      .set(bearer(t.adminToken))
      .send({ name: 'ServiceWatcher', permissions: ['appliance.read'] });
    expect(role.status).toBe(201);
    const watcher = await t.userWithRoles('watcher', ['ServiceWatcher']);
    expect((await t.http.get('/api/v1/appliance/services').set(bearer(watcher))).status).toBe(200);
    expect((await t.http.get('/api/v1/appliance/logs/journal').set(bearer(watcher))).status).toBe(403);
    // The logs are Admin-level (sshd logs what was typed as a user name, a password sometimes): neither an Operator nor
    // a ReadOnly user reads them; a role given appliance.logs on purpose does.
    const reader = await t.userWithRoles('journal-ro', ['ReadOnly']);
    for (const who of [operator, reader]) {
      expect((await t.http.get('/api/v1/appliance/logs/journal').set(bearer(who))).status).toBe(403);
      expect((await t.http.get('/api/v1/appliance/logs/calypso').set(bearer(who))).status).toBe(403);
    }
    const all = (await t.http.get('/api/v1/appliance/logs/journal?limit=20').set(bearer(logReader))).body;
    expect(all.manager).toBe('systemd');
    expect(all.items.length).toBe(20);
    const times = all.items.map((e: { at: string }) => Date.parse(e.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const ssh = (await t.http.get('/api/v1/appliance/logs/journal?unit=ssh').set(bearer(logReader))).body.items;
    expect(ssh.map((e: { message: string }) => e.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Invalid user oracle/), expect.stringMatching(/^Accepted publickey for admin/)]),
    );
    const notices = (await t.http.get('/api/v1/appliance/logs/journal?priority=5').set(bearer(logReader))).body.items;
    expect(notices.every((e: { priority: number }) => e.priority <= 5)).toBe(true);
    expect(notices.some((e: { unit: string | null }) => e.unit === null)).toBe(true); // the kernel's lines have no unit
    const text = async (q: string) => (await t.http.get('/api/v1/appliance/logs/journal').query({ text: q }).set(bearer(logReader))).body.items;
    expect((await text('ORACLE')).map((e: { message: string }) => e.message)).toEqual([expect.stringMatching(/Invalid user oracle/)]);
    expect(await text('.*')).toEqual([]); // taken literally, not as a pattern
    expect((await text('-rf /')).length).toBe(0);
    expect((await t.http.get('/api/v1/appliance/logs/journal').query({ text: 'a\nb' }).set(bearer(logReader))).status).toBe(400);
    // Paging back by time: the next page is older than the oldest of the first.
    const oldest = all.items[all.items.length - 1].at as string;
    const older = (
      await t.http
        .get('/api/v1/appliance/logs/journal')
        .query({ untilAt: new Date(Date.parse(oldest) - 1).toISOString(), limit: 10 })
        .set(bearer(logReader))
    ).body.items;
    expect(older.every((e: { at: string }) => Date.parse(e.at) < Date.parse(oldest))).toBe(true);
    const journalCalls = t.app.host.history().filter((r) => r.command === 'journalctl');
    expect(
      journalCalls.every((r) =>
        r.args.every((a) => !a.startsWith('-') || ['--no-pager', '-o', '-r', '-n', '-p', '-u', '-g', '--since', '--until'].includes(a)),
      ),
    ).toBe(true);
  });

  test("Calypso's own log backwards in pages, by level and text", async () => {
    const first = (await t.http.get('/api/v1/appliance/logs/calypso?limit=100').set(bearer(logReader))).body;
    expect(first.file).toBe(logFile);
    expect(first.items[0]).toMatchObject({ level: 'info', message: 'collected 2999', at: '2026-11-30T07:49:59.000Z', detail: '{"i":2999}' });
    expect(first.items).toHaveLength(100);
    const second = (await t.http.get('/api/v1/appliance/logs/calypso').query({ limit: 100, before: first.nextBefore }).set(bearer(logReader))).body;
    expect(second.items[0].message).toBe('collected 2899');
    const errors = (await t.http.get('/api/v1/appliance/logs/calypso?level=error&limit=500').set(bearer(logReader))).body;
    expect(errors.items.map((l: { message: string }) => l.message)).toEqual([
      'probe failed 2500',
      'probe failed 2000',
      'probe failed 1500',
      'probe failed 1000',
      'probe failed 500',
      'probe failed 0',
    ]);
    expect(errors.nextBefore).toBeNull();
    const text = (await t.http.get('/api/v1/appliance/logs/calypso').query({ text: 'FAILED 15' }).set(bearer(logReader))).body;
    expect(text.items.map((l: { message: string }) => l.message)).toEqual(['probe failed 1500']);
  });

  test('reboot: Admin only, typed confirmation, refused while a job runs unless forced; forced, the job is interrupted and the services come back', async () => {
    expect((await t.http.post('/api/v1/appliance/power/reboot').set(bearer(operator)).send({ confirm: 'reboot' })).status).toBe(403);
    expect((await t.http.post('/api/v1/appliance/power/reboot').set(bearer(t.adminToken)).send({})).status).toBe(400);
    // A scrub on the simulated appliance runs until its clock moves on: a job that is running.
    const scrub = await t.http.post('/api/v1/storage/pools/tank/scrub').set(bearer(t.adminToken)).send({ action: 'start' });
    expect(scrub.status).toBe(200);
    const jobId = scrub.body.job.id as number;
    const refused = await t.http.post('/api/v1/appliance/power/reboot').set(bearer(t.adminToken)).send({ confirm: 'reboot' });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(new RegExp(`job ${jobId} \\(Scrub tank\\).*force: true`));
    expect(t.app.host.history().some((r) => r.command === 'systemctl' && r.args[0] === 'reboot')).toBe(false);

    const forced = await t.http.post('/api/v1/appliance/power/reboot').set(bearer(t.adminToken)).send({ confirm: 'reboot', force: true });
    expect(forced.status).toBe(200);
    expect(forced.body).toMatchObject({ action: 'reboot', interruptedJobs: [jobId], text: /simulated appliance reboots/ });
    expect((await t.http.get(`/api/v1/jobs/${jobId}`).set(bearer(operator))).body).toMatchObject({ state: 'interrupted', error: /rebooted by admin/ });
    // The command runs after the answer (no delay in this test): wait for it in the host's history.
    for (let i = 0; i < 100 && !t.app.host.history().some((r) => r.command === 'systemctl' && r.args[0] === 'reboot'); i++)
      await new Promise((r) => setTimeout(r, 20));
    const chrony = (await t.http.get('/api/v1/appliance/services/chrony?lines=4').set(bearer(t.adminToken))).body;
    expect(chrony.activeState).toBe('active');
    expect(chrony.log.map((l: { message: string }) => l.message)).toEqual([
      expect.stringMatching(/^Stopping chrony.service/),
      'chrony.service: Deactivated successfully.',
      expect.stringMatching(/^Stopped chrony.service/),
      expect.stringMatching(/^Started chrony.service/),
    ]);
    await t.app.jobs.idle();
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
