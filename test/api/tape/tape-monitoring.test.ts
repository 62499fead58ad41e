/**
 * TapeAlert-based alerts and calypso_tape_* metrics on the simulated libraries: a drive hardware
 * fault opens a critical alert, a cleaning request a warning, a pool short of writable tapes a
 * warning; /metrics shows the series.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Knex } from 'knex';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { tapeProbe } from '../../../src/services/tape/probe.js';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';

let t: TestApp;
let now = Date.UTC(2026, 10, 30, 9, 0, 0);
const host = new SimulatedHost({ now: () => now });
let db: Knex | null = null;

async function collect() {
  now += 61_000;
  await t.app.monitoring.tick();
  await t.app.monitoring.idle();
}
const alerts = async () =>
  (await t.http.get('/api/v1/alerts').query({ source: 'tape', active: 'true' }).set(bearer(t.adminToken))).body.items as {
    rule: string;
    severity: string;
    message: string;
    labels: Record<string, string>;
  }[];

beforeAll(async () => {
  const probe = () => tapeProbe(host, db!);
  t = await startTestApp({
    host,
    monitoring: {
      now: () => now,
      probes: [{ name: 'tape', provides: probe().provides, timeoutMs: 30_000, collect: (at) => probe().collect(at) }],
    },
  });
  db = t.app.db;
});
afterAll(async () => {
  await t?.close();
});

test('a healthy appliance has no tape alert; the metrics are in /metrics', async () => {
  await collect();
  expect(await alerts()).toEqual([]);
  const text = (await t.http.get('/metrics').set(bearer(t.adminToken))).text;
  expect(text).toMatch(/calypso_tape_library_up\{library="DEC1234567"\} 1/);
  expect(text).toMatch(/calypso_tape_slots\{library="DEC1234567"\} 24/);
  // Labels in either order: the exporter's choice.
  expect(text).toMatch(/calypso_tape_drive_hardware_error\{(library="XYZZY_A",drive="1"|drive="1",library="XYZZY_A")\} 0/);
});

test('a drive hardware error opens a critical alert; clearing it resolves the alert', async () => {
  await t.http.post('/api/v1/sim/tape-fault').set(bearer(t.adminToken)).send({ library: 'msl', kind: 'drive-error', drive: 1 });
  await collect();
  const open = await alerts();
  expect(open).toEqual([expect.objectContaining({ severity: 'critical', labels: { library: 'DEC1234567', drive: '1' } })]);
  expect(open[0]!.message).toBe('Drive 1 of tape library DEC1234567 reports a hardware error (TapeAlert): call for service');
  await t.http.post('/api/v1/sim/tape-fault').set(bearer(t.adminToken)).send({ library: 'msl', kind: 'clear' });
  await collect();
  expect(await alerts()).toEqual([]);
});

test('a drive asking for cleaning and a pool short of writable cartridges are warnings', async () => {
  await t.http.post('/api/v1/sim/tape-fault').set(bearer(t.adminToken)).send({ library: 'mhvtl-10', kind: 'needs-cleaning', drive: 0 });
  await t.http.post('/api/v1/tape/pools').set(bearer(t.adminToken)).send({ name: 'monthly', lowWritable: 3 });
  await collect();
  const open = await alerts();
  expect(open.map((a) => [a.severity, a.message]).sort()).toEqual([
    ['warning', 'Drive 0 of tape library XYZZY_A asks for cleaning (TapeAlert): clean it (tape.clean)'],
    ['warning', 'Media pool monthly needs 3 more writable cartridges to reach its low-water mark'],
  ]);
});
