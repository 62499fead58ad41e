/**
 * Feature licenses: Ed25519-signed files (tests sign with their own key pair), the trial every
 * fresh install gets, grace after expiry, and the 403 a feature's operations answer without a
 * license, from any face and for the scheduler too.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { z } from 'zod';
import { TRIAL_DAYS } from '../../../src/services/appliance/licenses.js';
import { defineOperation } from '../../../src/services/core/registry.js';
import { SYSTEM_ACTOR } from '../../../src/services/core/context.js';
import { readLicense, signLicense, type License } from '../../../src/vocabulary/license.js';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';

const DAY = 86_400_000;
const vendor = crypto.generateKeyPairSync('ed25519');
const stranger = crypto.generateKeyPairSync('ed25519');
const START = Date.parse('2026-01-01T00:00:00Z');
let clock = START;
let t: TestApp;
let operator: string;

const license = (over: Partial<License> = {}): License => ({
  id: 'L-1',
  licensee: 'Example Backup Ltd',
  issuedAt: '2026-01-01T00:00:00.000Z',
  graceDays: 7,
  features: [{ feature: 'tape', capacity: { unit: 'slots', amount: 500 }, expiresAt: '2027-01-01T00:00:00.000Z' }],
  ...over,
});

beforeAll(async () => {
  t = await startTestApp({ licenses: { publicKeys: [vendor.publicKey], now: () => clock } });
  operator = await t.userWithRoles('op', ['Operator']);
  // A made-up operation of the tape feature, so the gate is tested whatever subsystems are built.
  t.app.registry.add(
    defineOperation({
      name: 'tape.license-probe',
      summary: 'Probe of the tape feature',
      permission: 'appliance.read',
      mutating: false,
      input: z.object({}),
      output: z.object({ ok: z.literal(true) }),
      handler: async () => ({ ok: true as const }),
    }),
  );
});
afterAll(async () => {
  await t.close();
});

const asSystem = () =>
  t.app.call('tape.license-probe', {}, { actor: SYSTEM_ACTOR, face: 'system' }).then(
    () => 'ran',
    (e: Error) => e.message,
  );

describe('licenses', () => {
  test('a fresh install has a trial of every feature; everyone may read the licenses, only an Admin import or remove one', async () => {
    const res = await t.http.get('/api/v1/appliance/licenses').set(bearer(operator));
    expect(res.status).toBe(200);
    expect(res.body.trialEndsAt).toBe(new Date(START + TRIAL_DAYS * DAY).toISOString());
    expect(res.body.features.map((f: { feature: string; state: string }) => `${f.feature}:${f.state}`)).toEqual([
      'tape:trial',
      'vtl:trial',
      'replication:trial',
      'objectstore:trial',
      'backup:trial',
    ]);
    expect(await asSystem()).toBe('ran');
    const denied = await t.http
      .post('/api/v1/appliance/licenses')
      .set(bearer(operator))
      .send({ text: signLicense(license(), vendor.privateKey) });
    expect(denied.status).toBe(403);
    expect((await t.http.delete('/api/v1/appliance/licenses/L-1').set(bearer(operator)).send({ confirm: 'L-1' })).status).toBe(403);
    expect(await t.app.db('licenses').count({ n: '*' })).toEqual([{ n: 0 }]);
  });

  test('bad license files are refused with the reason and nothing is stored', async () => {
    const good = signLicense(license(), vendor.privateKey);
    const [prefix, payload, signature] = good.split('.');
    const tampered = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    tampered.features[0].capacity.amount = 5000;
    const cases: [string, string, RegExp][] = [
      ['not a license', 'hello', /not a Calypso license/],
      ['truncated', `${prefix}.${payload}`, /truncated/],
      ['a cut signature', `${prefix}.${payload}.${signature!.slice(0, 40)}`, /signature is truncated/],
      ['tampered features', `${prefix}.${Buffer.from(JSON.stringify(tampered)).toString('base64url')}.${signature}`, /signature does not match/],
      ['another vendor', signLicense(license(), stranger.privateKey), /signature does not match/],
      [
        'expired',
        signLicense(
          license({ id: 'L-old', graceDays: 0, features: [{ feature: 'tape', capacity: null, expiresAt: '2025-06-01T00:00:00.000Z' }] }),
          vendor.privateKey,
        ),
        /has expired/,
      ],
      ['a newline inside', `${prefix}.${payload}\n.${signature}`, /truncated|base64url/],
    ];
    for (const [what, text, reason] of cases) {
      const res = await t.http.post('/api/v1/appliance/licenses').set(bearer(t.adminToken)).send({ text });
      expect({ what, status: res.status, detail: res.body.detail }).toEqual({ what, status: 400, detail: expect.stringMatching(reason) });
    }
    expect(() => readLicense(signLicense(license(), vendor.privateKey), [vendor.publicKey])).not.toThrow();
    expect(await t.app.db('licenses').count({ n: '*' })).toEqual([{ n: 0 }]);
  });

  test('after the trial a feature without a license is refused with 403 naming the license; a license brings it back, grace warns, expiry refuses again', async () => {
    clock = START + (TRIAL_DAYS + 1) * DAY;
    const refused = await t.http.get('/api/v1/appliance/licenses').set(bearer(operator));
    expect(refused.body.features.find((f: { feature: string }) => f.feature === 'tape')).toMatchObject({ state: 'unlicensed', text: /trial ended/ });
    expect(await asSystem()).toMatch(/Tape libraries needs a license for the feature "tape": the trial ended on/);

    const imported = await t.http
      .post('/api/v1/appliance/licenses')
      .set(bearer(t.adminToken))
      .send({ text: signLicense(license(), vendor.privateKey) });
    expect(imported.status).toBe(200);
    expect(imported.body).toMatchObject({ id: 'L-1', licensee: 'Example Backup Ltd', importedBy: 'admin' });
    expect(
      (
        await t.http
          .post('/api/v1/appliance/licenses')
          .set(bearer(t.adminToken))
          .send({ text: signLicense(license(), vendor.privateKey) })
      ).status,
    ).toBe(409);
    expect(await asSystem()).toBe('ran');
    const listed = (await t.http.get('/api/v1/appliance/licenses').set(bearer(operator))).body;
    expect(listed.features.find((f: { feature: string }) => f.feature === 'tape')).toMatchObject({
      state: 'licensed',
      licenseId: 'L-1',
      capacity: { unit: 'slots', amount: 500 },
      endsAt: '2027-01-01T00:00:00.000Z',
    });
    expect(listed.features.find((f: { feature: string }) => f.feature === 'vtl')).toMatchObject({ state: 'unlicensed' });

    clock = Date.parse('2027-01-03T00:00:00Z');
    expect((await t.http.get('/api/v1/appliance/licenses').set(bearer(operator))).body.features[0]).toMatchObject({
      state: 'grace',
      endsAt: '2027-01-08T00:00:00.000Z',
    });
    expect(await asSystem()).toBe('ran');
    clock = Date.parse('2027-01-09T00:00:00Z');
    expect(await asSystem()).toMatch(/the license L-1 expired on 2027-01-01/);

    // Removing it is dangerous: it needs the typed confirmation, and is audited.
    expect((await t.http.delete('/api/v1/appliance/licenses/L-1').set(bearer(t.adminToken)).send({})).status).toBe(400);
    expect((await t.http.delete('/api/v1/appliance/licenses/L-1').set(bearer(t.adminToken)).send({ confirm: 'L-1' })).status).toBe(200);
    expect((await t.http.get('/api/v1/appliance/licenses').set(bearer(operator))).body.licenses).toEqual([]);
    const audit = await t.app.db('audit_log').whereIn('operation', ['appliance.licenses.import', 'appliance.licenses.remove']).select('operation', 'result');
    expect(audit).toEqual(
      expect.arrayContaining([
        { operation: 'appliance.licenses.import', result: 'ok' },
        { operation: 'appliance.licenses.remove', result: 'ok' },
        { operation: 'appliance.licenses.import', result: 'denied' },
      ]),
    );
  });

  test('the built-in vendor key is a real Ed25519 public key', async () => {
    const { VENDOR_PUBLIC_KEY_PEM } = await import('../../../src/vocabulary/license.js');
    expect(crypto.createPublicKey(VENDOR_PUBLIC_KEY_PEM).asymmetricKeyType).toBe('ed25519');
  });
});

test('the console About screen says what is licensed and until when (80 columns)', async () => {
  const { startConsoleTest, ADMIN_PASSWORD } = await import('../../helpers/console.js');
  const c = await startConsoleTest();
  try {
    await c.loginAs('admin', ADMIN_PASSWORD);
    await c.press(':');
    await c.waitFor('Go to a screen');
    await c.type('about');
    await c.press('enter');
    const frame = await c.waitFor(/Tape libraries\s+trial: trial until/);
    expect(frame).toMatch(/Licenses\s+0 imported/);
    expect(frame).toMatch(/Object storage\s+trial/);
  } finally {
    await c.close();
  }
});
