/**
 * A restore brings back the feature licenses, and the license book (which keeps what it read)
 * answers with the restored ones at once.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { signLicense } from '../../../src/vocabulary/license.js';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';

const vendor = crypto.generateKeyPairSync('ed25519');
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ licenses: { publicKeys: [vendor.publicKey] } });
});
afterAll(async () => {
  await t.close();
});

const licenseIds = async () => ((await t.http.get('/api/v1/appliance/licenses').set(bearer(t.adminToken))).body.licenses as { id: string }[]).map((l) => l.id);

test('a license removed after the export is back after the restore', async () => {
  const text = signLicense(
    {
      id: 'L-7',
      licensee: 'Example Backup Ltd',
      issuedAt: new Date().toISOString(),
      graceDays: 7,
      features: [{ feature: 'tape', capacity: null, expiresAt: new Date(Date.now() + 365 * 86_400_000).toISOString() }],
    },
    vendor.privateKey,
  );
  expect((await t.http.post('/api/v1/appliance/licenses').set(bearer(t.adminToken)).send({ text })).status).toBe(200);
  const saved = (await t.http.post('/api/v1/appliance/config/export').set(bearer(t.adminToken)).send({})).body.content as string;
  expect((await t.http.delete('/api/v1/appliance/licenses/L-7').query({ confirm: 'L-7' }).set(bearer(t.adminToken))).status).toBe(200);
  expect(await licenseIds()).toEqual([]);
  const res = await t.http.post('/api/v1/appliance/config/restore').set(bearer(t.adminToken)).send({ file: saved, confirm: 'restore' });
  expect([res.status, res.body.detail]).toEqual([200, undefined]);
  expect(res.body.sections.find((s: { name: string }) => s.name === 'licenses').added).toEqual(['licenses: L-7']);
  t.adminToken = await t.login('admin', 'correct-horse-battery-staple');
  expect(await licenseIds()).toEqual(['L-7']);
});
