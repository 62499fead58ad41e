/** Pure parts of the probes: /proc/net/dev and systemctl parsing, counters to rates, templates. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { parseIsActive, parseProcNetDev } from '../../../src/system/metrics/parse.js';
import { RateTracker } from '../../../src/services/monitoring/probes.js';
import { matches, parseSelector } from '../../../src/services/monitoring/metrics.js';
import { renderTemplate } from '../../../src/services/monitoring/rules.js';

describe('parsers', () => {
  test('/proc/net/dev', () => {
    const text = readFileSync(new URL('../../fixtures/monitoring/proc-net-dev.txt', import.meta.url), 'utf8');
    expect(parseProcNetDev(text)).toEqual([
      { iface: 'lo', rxBytes: 2750267, rxPackets: 11871, rxErrors: 0, rxDropped: 0, txBytes: 2750267, txPackets: 11871, txErrors: 0, txDropped: 0 },
      { iface: 'eth0', rxBytes: 185792515, rxPackets: 7667, rxErrors: 3, rxDropped: 1, txBytes: 1057542, txPackets: 6402, txErrors: 2, txDropped: 0 },
      { iface: 'bond0', rxBytes: 12345678901234, rxPackets: 99, rxErrors: 0, rxDropped: 0, txBytes: 5, txPackets: 1, txErrors: 0, txDropped: 0 },
    ]);
  });

  test('systemctl is-active', () => {
    expect(parseIsActive(['smbd', 'nfs-server', 'ghost'], 'active\nfailed\n')).toEqual([
      { unit: 'smbd', state: 'active' },
      { unit: 'nfs-server', state: 'failed' },
      { unit: 'ghost', state: 'unknown' },
    ]);
  });
});

describe('rates, selectors, templates', () => {
  test('counters become per-second rates; a first reading or a reset gives none', () => {
    const r = new RateTracker();
    expect(r.rate('x', 1000, 0)).toBeNull();
    expect(r.rate('x', 6000, 5000)).toBe(1000);
    expect(r.rate('x', 10, 10_000)).toBeNull();
    expect(r.rate('x', 20, 10_000)).toBeNull();
  });

  test('label selectors', () => {
    expect(parseSelector(' pool=tank, cpu = 0 ')).toEqual({ pool: 'tank', cpu: '0' });
    expect(() => parseSelector('pool')).toThrow(/name=value/);
    expect(matches({ pool: 'tank' }, { pool: 'tank', x: '1' })).toBe(true);
    expect(matches({ pool: 'tank' }, { pool: 'backup' })).toBe(false);
    expect(matches({ cpu: '*' }, {})).toBe(false);
    expect(matches({ cpu: '!1' }, { cpu: '0' })).toBe(true);
    expect(matches({ cpu: '!1' }, { cpu: '1' })).toBe(false);
  });

  test('message templates', () => {
    expect(renderTemplate('Pool {{pool}} is {{value|health}}', { pool: 'tank', value: 2 })).toBe('Pool tank is FAULTED');
    expect(renderTemplate('{{value}} of {{size|bytes}}', { value: 12.3456, size: 3 * 1024 ** 3 })).toBe('12.35 of 3 GiB');
    expect(renderTemplate('job{{target| on }}.{{missing}}', { target: '' })).toBe('job.');
    expect(renderTemplate('job{{target| on }}', { target: 'tank' })).toBe('job on tank');
  });
});
