/** /metrics on the simulated appliance: never open, valid Prometheus text, calypso_ series for CPU, memory, network, pools and ARC. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { METRICS } from '../../../src/services/monitoring/metrics.js';
import { renderFamilies } from '../../../src/services/monitoring/prometheus.js';
import { SimulatedHost } from '../../../src/system/sim/index.js';
import { startTestApp, type TestApp, bearer } from '../../helpers/app.js';
import { parsePrometheusText } from '../../helpers/prom-text.js';

let t: TestApp;

// How long a collection takes on the simulated appliance is `npm run bench` (scale.monitoringCollectionMs).
beforeAll(async () => {
  t = await startTestApp({ host: new SimulatedHost() });
  // Two collections: rates (network, disk) need a previous reading.
  for (let i = 0; i < 3; i++) await t.app.monitoring.tick();
});
afterAll(async () => {
  await t.close();
});

describe('/metrics', () => {
  test('refuses anonymous scrapes and bad tokens', async () => {
    const anon = await t.http.get('/metrics');
    expect(anon.status).toBe(401);
    expect(anon.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(anon.headers['content-type']).toMatch(/problem\+json/);
    expect((await t.http.get('/metrics').set(bearer('not-a-token'))).status).toBe(401);
    expect((await t.http.get('/metrics').set(bearer('cps_guessed'))).status).toBe(401);
  });

  test('a user needs metrics.read: ReadOnly may, a role without it may not', async () => {
    const reader = await t.userWithRoles('reader', ['ReadOnly']);
    expect((await t.http.get('/metrics').set(bearer(reader))).status).toBe(200);
    const role = await t.http
      .post('/api/v1/roles')
      .set(bearer(t.adminToken))
      .send({ name: 'JobWatcher', permissions: ['jobs.read'] });
    expect(role.status).toBe(201);
    const watcher = await t.userWithRoles('watcher', ['JobWatcher']);
    const denied = await t.http.get('/metrics').set(bearer(watcher));
    expect(denied.status).toBe(403);
    expect(denied.body.detail).toMatch(/metrics\.read/);
  });

  test('a scrape token works until it is revoked, and only its hash is stored', async () => {
    const operator = await t.userWithRoles('operator', ['Operator']);
    expect((await t.http.post('/api/v1/metrics/scrape-token').set(bearer(operator))).status).toBe(403);
    const made = await t.http.post('/api/v1/metrics/scrape-token').set(bearer(t.adminToken));
    expect(made.status).toBe(201);
    const token = made.body.token as string;
    expect(token).toMatch(/^cps_[A-Za-z0-9_-]{40,}$/);
    const scrape = await t.http.get('/metrics').set(bearer(token));
    expect(scrape.status).toBe(200);
    expect(scrape.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const stored = JSON.stringify(await t.app.db('settings').select());
    expect(stored).not.toContain(token);
    expect(JSON.stringify(await t.app.db('audit_log').select())).not.toContain(token);
    const settings = await t.http.get('/api/v1/monitoring/settings').set(bearer(t.adminToken));
    expect(settings.body).toMatchObject({ intervalSeconds: 5, scrapeTokenConfigured: true });
    expect(JSON.stringify(settings.body)).not.toContain(token);

    const replaced = await t.http.post('/api/v1/metrics/scrape-token').set(bearer(t.adminToken));
    expect((await t.http.get('/metrics').set(bearer(token))).status).toBe(401);
    expect((await t.http.delete('/api/v1/metrics/scrape-token').set(bearer(t.adminToken))).status).toBe(200);
    expect((await t.http.get('/metrics').set(bearer(replaced.body.token))).status).toBe(401);
  });

  test('answers valid Prometheus text with calypso_ series for CPU, memory, network, pools, ARC and the process', async () => {
    const res = await t.http.get('/metrics').set(bearer(t.adminToken));
    expect(res.status).toBe(200);
    const families = parsePrometheusText(res.text);
    const one = (name: string, labels: Record<string, string> = {}) =>
      families
        .get(name)
        ?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v) && Object.keys(s.labels).length === Object.keys(labels).length);

    for (const name of [
      'calypso_cpu_usage_percent',
      'calypso_load1',
      'calypso_memory_used_bytes',
      'calypso_memory_total_bytes',
      'calypso_memory_available_bytes',
      'calypso_swap_used_bytes',
      'calypso_pool_capacity_percent',
      'calypso_pool_health',
      'calypso_pool_fragmentation_percent',
      'calypso_pool_read_bytes_total',
      'calypso_pool_written_bytes_total',
      'calypso_network_receive_bytes_total',
      'calypso_disk_read_bytes_total',
      'calypso_arc_size_bytes',
      'calypso_arc_target_bytes',
      'calypso_arc_hit_ratio_percent',
      'calypso_filesystem_used_percent',
      'calypso_alerts_active',
      'calypso_process_cpu_user_seconds_total',
      'calypso_process_resident_memory_bytes',
      'calypso_probe_success',
    ]) {
      expect({ name, type: families.get(name)?.type, help: Boolean(families.get(name)?.help) }).toEqual({
        name,
        type: expect.stringMatching(/gauge|counter/),
        help: true,
      });
    }
    const total = one('calypso_cpu_usage_percent')!;
    expect(total.value).toBeGreaterThanOrEqual(0);
    expect(total.value).toBeLessThanOrEqual(100);
    expect(families.get('calypso_cpu_usage_percent')!.samples.filter((s) => s.labels.cpu !== undefined).length).toBeGreaterThanOrEqual(1);
    expect(one('calypso_memory_total_bytes')!.value).toBeGreaterThan(0);
    expect(one('calypso_pool_health', { pool: 'tank' })!.value).toBe(0);
    expect(one('calypso_pool_capacity_percent', { pool: 'tank' })!.value).toBeGreaterThan(0);
    expect(one('calypso_arc_size_bytes')!.value).toBeGreaterThan(0);
    expect(one('calypso_alerts_active', { severity: 'critical' })!.value).toBe(0);
    expect(families.get('calypso_probe_success')!.samples.every((s) => s.value === 1)).toBe(true);

    const interfaces = readFileSync('/proc/net/dev', 'utf8')
      .split('\n')
      .slice(2)
      .map((l) => l.split(':')[0]!.trim())
      .filter((n) => n && n !== 'lo');
    if (interfaces.length) {
      const rx = families.get('calypso_network_receive_bytes_total')!.samples.map((s) => s.labels.interface);
      expect(rx.sort()).toEqual([...interfaces].sort());
      expect(families.get('calypso_network_transmit_packets_total')!.samples.length).toBe(interfaces.length);
    }
    expect(res.text).not.toMatch(/^calypso_\w+\{[^}]*interface="lo"/m);
  });

  test('totals are counters that never decrease across collections; the derived per-second rates stay out of /metrics', async () => {
    const scrape = async () => parsePrometheusText((await t.http.get('/metrics').set(bearer(t.adminToken))).text);
    const before = await scrape();
    for (let i = 0; i < 2; i++) await t.app.monitoring.tick();
    const after = await scrape();
    const counters = [...after.values()].filter((f) => f.name.startsWith('calypso_') && f.name.endsWith('_total') && f.type === 'counter');
    expect(counters.map((f) => f.name)).toEqual(expect.arrayContaining(['calypso_pool_read_bytes_total', 'calypso_pool_writes_completed_total']));
    for (const family of counters) {
      for (const sample of family.samples) {
        const earlier = before.get(family.name)?.samples.find((s) => JSON.stringify(s.labels) === JSON.stringify(sample.labels));
        if (earlier)
          expect({ series: family.name, labels: sample.labels, grew: sample.value >= earlier.value }).toEqual({
            series: family.name,
            labels: sample.labels,
            grew: true,
          });
      }
    }
    expect([...after.keys()].filter((n) => n.endsWith('_per_second'))).toEqual([]);
    // The console and the rules still get the rates.
    const rates = (await t.http.get('/api/v1/metrics?metric=calypso_pool_read').set(bearer(t.adminToken))).body;
    expect(JSON.stringify(rates)).toContain('calypso_pool_read_bytes_per_second');
  });

  test('label values and help text are escaped', () => {
    const text = renderFamilies([{ name: 'calypso_service_up', labels: { service: 'a"b\\c\nd' }, value: 1 }]);
    expect(text).toContain('calypso_service_up{service="a\\"b\\\\c\\nd"} 1');
    expect(parsePrometheusText(text).get('calypso_service_up')!.samples[0]!.labels.service).toBe('a"b\\c\nd');
  });

  test('promtool check metrics accepts the scrape (Prometheus naming and type conventions)', async () => {
    const promtool = spawnSync('promtool', ['--version']);
    if (promtool.error) {
      if (process.env.CALYPSO_REQUIRE_PEERS === '1') throw new Error('promtool is required (Debian package prometheus) when CALYPSO_REQUIRE_PEERS=1');
      console.warn('skipped: promtool is not installed (apt-get install prometheus)');
      return;
    }
    const text = (await t.http.get('/metrics').set(bearer(t.adminToken))).text;
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: check.status, problems: `${check.stdout}${check.stderr}`.trim() }).toEqual({ status: 0, problems: '' });
  });

  test('the strict parser rejects malformed text', () => {
    expect(() => parsePrometheusText('calypso_x 1\n')).toThrow(/without a TYPE/);
    expect(() => parsePrometheusText('# TYPE calypso_x gauge\ncalypso_x{a="1} 1\n')).toThrow(/unterminated/);
    expect(() => parsePrometheusText('# TYPE calypso_x gauge\ncalypso_x 1\ncalypso_x 2\n')).toThrow(/duplicate/);
    expect(() => parsePrometheusText('# TYPE calypso_x gauge\ncalypso_x one\n')).toThrow(/bad value/);
  });
});

test('docs/monitoring.md lists every metric of the catalogue with its type (npx tsx scripts/docs-metrics.ts writes the table)', () => {
  const doc = readFileSync(new URL('../../../docs/monitoring.md', import.meta.url), 'utf8');
  const missing = Object.entries(METRICS)
    .filter(([name, info]) => !doc.includes(`| \`${name}\` | ${info.rateOf ? 'console and rules only' : (info.type ?? 'gauge')} |`))
    .map(([name]) => name);
  expect(missing).toEqual([]);
});
