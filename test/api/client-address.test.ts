/**
 * The client address (issue 19): X-Forwarded-For is believed only from configured proxies, the
 * client is the rightmost entry that is not one of them and must be an IP address; a client that
 * rotates the header without a trusted proxy in front keeps its socket address (audit, throttle).
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { TrustedProxies } from '../../src/api/client-address.js';
import { createApi } from '../../src/api/server.js';
import { ConfigError, parseConfig, parseTrustProxy } from '../../src/config.js';
import { silentLog, startTestApp, type TestApp } from '../helpers/app.js';

describe('TrustedProxies.clientAddress', () => {
  const loopback = new TrustedProxies(['127.0.0.1', '::1']);
  const lan = new TrustedProxies(['10.0.0.0/8', '::1']);

  test('without trusted proxies the header is ignored', () => {
    expect(new TrustedProxies([]).clientAddress('192.0.2.5', '203.0.113.1')).toBe('192.0.2.5');
  });
  test('a peer that is not a trusted proxy is the client, whatever it forwards', () => {
    expect(loopback.clientAddress('192.0.2.5', '203.0.113.1')).toBe('192.0.2.5');
  });
  test('the rightmost entry that is not a trusted proxy; entries the client wrote on the left are ignored', () => {
    expect(loopback.clientAddress('127.0.0.1', '1.1.1.1, 203.0.113.9')).toBe('203.0.113.9');
    expect(lan.clientAddress('::ffff:10.1.2.3', '198.51.100.1, 203.0.113.9, 10.9.9.9')).toBe('203.0.113.9');
    expect(loopback.clientAddress('::1', '2001:db8::7')).toBe('2001:db8::7');
  });
  test('an entry that is not an IP address, too long or with a zone: the socket address', () => {
    expect(loopback.clientAddress('127.0.0.1', 'not-an-ip')).toBe('127.0.0.1');
    expect(loopback.clientAddress('127.0.0.1', `${'9'.repeat(300)}`)).toBe('127.0.0.1');
    expect(loopback.clientAddress('127.0.0.1', 'fe80::1%eth0')).toBe('127.0.0.1');
    expect(loopback.clientAddress('127.0.0.1', '203.0.113.1, <script>')).toBe('127.0.0.1');
    expect(loopback.clientAddress('127.0.0.1', ' , ')).toBe('127.0.0.1');
  });
  test('a megabyte header is read from its end only, and a cut entry is never taken for an address', () => {
    expect(loopback.clientAddress('127.0.0.1', `${'x'.repeat(1_000_000)},203.0.113.4`)).toBe('203.0.113.4');
    // Cut in the middle of "11.2.3.4": the piece "1.2.3.4" must not become the client.
    const hops = Array.from({ length: 15 }, () => '127.0.0.1'.padStart(40));
    const kept = 16 * 47; // what clientAddress reads from the end
    hops[0] = `${' '.repeat(kept - '1.2.3.4,'.length - hops.join(',').length)}${hops[0]}`;
    const header = `203.0.113.200,11.2.3.4,${hops.join(',')}`;
    expect(header.slice(-kept).startsWith('1.2.3.4,')).toBe(true);
    expect(loopback.clientAddress('127.0.0.1', header)).toBe('127.0.0.1');
  });
  test('all hops trusted: the farthest', () => {
    expect(lan.clientAddress('10.0.0.1', '10.0.0.2')).toBe('10.0.0.2');
  });
});

describe('--trust-proxy', () => {
  test('no is the default; yes means loopback only; a list of addresses and CIDRs', () => {
    expect(parseConfig([], {}).trustProxy).toEqual([]);
    expect(parseConfig(['--trust-proxy', 'yes'], {}).trustProxy).toEqual(['127.0.0.1', '::1']);
    expect(parseConfig([], { CALYPSO_TRUST_PROXY: '10.0.0.0/8, ::1' }).trustProxy).toEqual(['10.0.0.0/8', '::1']);
  });
  test('anything else is refused with the form to use', () => {
    for (const bad of ['proxy.example', '10.0.0.0/33', '*', '0.0.0.0/0', '1.2.3.4/8/1', '-1']) {
      expect(() => parseTrustProxy(bad)).toThrow(ConfigError);
    }
    expect(() => parseTrustProxy('proxy.example')).toThrow(/addresses\/CIDRs/);
  });
});

describe('through the API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  test('without a trusted proxy, rotating X-Forwarded-For does not change the address the audit and the login throttle see', async () => {
    const direct = request(createApi(t.app, { log: silentLog, version: 'test' }).callback());
    for (let i = 0; i < 3; i++) {
      const res = await direct
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', `203.0.113.${i}`)
        .send({ username: `rotating${i}`, password: 'wrong-password-x' });
      expect(res.status).toBe(401);
    }
    const rows = await t.app.db('audit_log').where('target', 'like', 'rotating%').select('address');
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(['127.0.0.1', '::1']).toContain(r.address);
  });

  test('behind a trusted proxy, the audit row has the client the proxy saw; junk in the header is never stored', async () => {
    const ok = await t.http
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', 'spoofed-by-client, 192.0.2.44')
      .send({ username: 'proxied', password: 'wrong-password-y' });
    expect(ok.status).toBe(401);
    const junk = await t.http
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', `${'z'.repeat(500)}`)
      .send({ username: 'proxied2', password: 'wrong-password-z' });
    expect(junk.status).toBe(401);
    expect((await t.app.db('audit_log').where({ target: 'proxied' }).first()).address).toBe('192.0.2.44');
    expect(['127.0.0.1', '::1']).toContain((await t.app.db('audit_log').where({ target: 'proxied2' }).first()).address);
    expect(JSON.stringify(await t.app.db('audit_log').select('address'))).not.toContain('zzz');
  });
});
