/**
 * Object Storage, key-driven on the simulated appliance at 80x24: buckets and a bucket's detail
 * (lifecycle rules, policy), a user and its key (the secret shown once, in its dialog, never again
 * on any screen), usage, and the service tab whose gateway restarts through the appliance's service control.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ADMIN_PASSWORD, startConsoleTest, type ConsoleTest } from '../../helpers/console.js';
import { formatLifecycle, parseLifecycle, policySummary } from '../../../src/tui/screens/objects.js';
import { simulatedObjectStore } from '../../../src/system/objectstore/index.js';

let c: ConsoleTest;
const fits = (frame: string) => frame.split('\n').length <= 24 && frame.split('\n').every((l) => l.length <= 80);

beforeAll(async () => {
  c = await startConsoleTest({ size: { columns: 80, rows: 24 } });
  await c.loginAs('admin', ADMIN_PASSWORD);
  await c.press(':');
  await c.waitFor('Go to a screen');
  await c.type('s3');
  await c.press('enter');
  await c.waitFor('bacula-volumes');
});
afterAll(async () => {
  await c?.close();
});

test('the bucket list fits 80x24, with owner, usage, quota and versioning', async () => {
  const f = await c.waitFor(/veeam-repo\s+backup\s+8,800\s+78 GiB\s+78%\s+on/);
  expect(fits(f)).toBe(true);
});

test('Enter opens a bucket; l sets lifecycle rules; Esc goes back', async () => {
  await c.press('enter');
  await c.waitFor(/Bucket archive-2026/);
  await c.waitFor('expire-old: current 365d, noncurrent 30d, uploads 7d');
  expect(fits(c.frame())).toBe(true);
  await c.press('l');
  await c.waitFor('Rules id:expire');
  // Clear the prefilled rules, then type new ones.
  for (let i = 0; i < 30; i++) await c.press('backspace');
  await c.type('tidy:90/-/3');
  await c.press('enter');
  await c.waitFor('archive-2026: 1 lifecycle rule(s)');
  await c.waitFor('tidy: current 90d, noncurrent kept, uploads 3d');
  await c.press('escape');
  await c.waitFor(/BUCKET\s+OWNER/);
});

test('the policy editor: a preset chosen with arrows', async () => {
  await c.press('j');
  await c.waitFor(/▶bacula-volumes/);
  await c.press('enter');
  await c.waitFor('Bucket bacula-volumes');
  await c.press('p');
  await c.waitFor('Policy of bacula-volumes: a preset');
  // private -> public-read
  await c.press('right');
  await c.waitFor('public-read');
  await c.press('enter');
  await c.waitFor('Policy of bacula-volumes: set');
  await c.waitFor('Allow *: s3:GetObject on arn:aws:s3:::bacula-volumes/*');
  await c.press('escape');
  await c.waitFor(/BUCKET\s+OWNER/);
});

test('Q with both fields left empty removes the quota, as the form says', async () => {
  await c.waitFor(/▶bacula-volumes\s+backup\s+1,240\s+412 GiB\s+82%/);
  await c.press('Q');
  await c.waitFor('Quota of bacula-volumes (empty: no limit)');
  // The size is prefilled (500 GiB in bytes); clear it. The object count is empty already.
  for (let i = 0; i < 16; i++) await c.press('backspace');
  await c.press('enter');
  await c.waitFor('Quota of bacula-volumes: none');
  expect(await c.waitFor(/bacula-volumes\s+backup\s+1,240\s+412 GiB\s+-\s+on/)).not.toContain('required');
});

test('a new key: the secret in its dialog once, never on the screen again', async () => {
  await c.press('2');
  await c.waitFor(/USER\s+KEYS/);
  await c.waitFor('archive');
  await c.press('n');
  const dialog = await c.waitFor(/Secret key:\s+\S{30,}/);
  const secret = /Secret key:\s+(\S+)/.exec(dialog)![1]!;
  expect(dialog).toContain('never shown again');
  await c.press('escape');
  await c.waitFor((f) => !f.includes('Secret key:'));
  await c.waitFor(/archive\s+2\s/);
  for (const [tab, shows] of [
    ['1', /BUCKET\s+OWNER/],
    ['2', /USER\s+KEYS/],
    ['3', /KIND\s+NAME/],
    ['4', /service\s+ceph-radosgw/],
  ] as const) {
    await c.press(tab);
    expect(await c.waitFor(shows)).not.toContain(secret);
  }
});

test('usage and the service tab; the gateway is restarted through the appliance service control', async () => {
  await c.press('3');
  await c.waitFor(/bucket\s+veeam-repo.*78%/);
  expect(fits(c.frame())).toBe(true);
  await c.press('4');
  const f = await c.waitFor(/service\s+ceph-radosgw@rgw\.calypso: /);
  expect(f).toMatch(/provider\s+simulated/);
  expect(f).toMatch(/state\s+up/);
  expect(f).not.toContain('not built yet');
  expect(fits(f)).toBe(true);
  await c.press('R');
  await c.waitFor('S3 object storage (Ceph RGW): running');
  expect(c.host.history().map((h) => `${h.command} ${h.args.join(' ')}`)).toContain('systemctl restart ceph-radosgw@rgw.calypso');
});

test('a feature the provider lacks: the key says "not supported by this provider"', async () => {
  await simulatedObjectStore(c.host).setUnsupported(['versioning']);
  try {
    // The provider's features are read with its status: refresh it on the Service tab.
    await c.press('4');
    await c.waitFor(/service\s+ceph-radosgw/);
    await c.press('r');
    await c.waitFor(/features\s+objectLock/);
    await c.press('1');
    await c.waitFor(/BUCKET\s+OWNER/);
    await c.press('v');
    await c.waitFor('versioning: not supported by this provider');
  } finally {
    await simulatedObjectStore(c.host).setUnsupported([]);
  }
});

test('D deletes a bucket with its objects after the typed name', async () => {
  await c.press('1');
  await c.waitFor(/BUCKET\s+OWNER/);
  await c.press('G');
  await c.waitFor(/▶veeam-r/);
  await c.press('D');
  await c.waitFor('Type veeam-repo to delete it with all its objects');
  await c.type('veeam-repo');
  await c.press('enter');
  // The status line names it; the table no longer has its row.
  await c.waitFor((f) => f.includes('Deleted bucket veeam-repo') && !/┃\s*▶?veeam-r/.test(f));
});

test('the lifecycle editor and policy lines read and write what the API takes', () => {
  expect(parseLifecycle('tidy:90/30/7; logs:7/-/-:logs/')).toEqual({
    rules: [
      { id: 'tidy', expireDays: 90, noncurrentExpireDays: 30, abortMultipartDays: 7, prefix: '', enabled: true },
      { id: 'logs', expireDays: 7, noncurrentExpireDays: null, abortMultipartDays: null, prefix: 'logs/', enabled: true },
    ],
  });
  expect(parseLifecycle('')).toEqual({ rules: [] });
  expect(parseLifecycle('tidy:ninety')).toEqual({ error: expect.stringContaining('tidy:90/30/7') });
  const rules = [{ id: 'a', prefix: 'x/', expireDays: 1, noncurrentExpireDays: null, abortMultipartDays: 2 }];
  expect(parseLifecycle(formatLifecycle(rules))).toEqual({ rules: [{ ...rules[0], enabled: true }] });
  expect(policySummary('{"Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}')).toEqual(['Deny (user): s3:* on *']);
});

test('an Operator: no public buckets, no new keys, no deleting; suspending is theirs', async () => {
  const op = await startConsoleTest({ size: { columns: 80, rows: 24 } });
  try {
    await op.userWithRoles('op', ['Operator']);
    await op.loginAs('op', 'op-password-123');
    await op.press(':');
    await op.waitFor('Go to a screen');
    await op.type('s3');
    await op.press('enter');
    await op.waitFor('bacula-volumes');
    // Making a bucket public is refused, with the reason.
    await op.press('enter');
    await op.waitFor('Bucket archive-2026');
    await op.press('p');
    await op.waitFor('Policy of archive-2026: a preset');
    await op.press('right');
    await op.waitFor('public-read');
    await op.press('enter');
    await op.waitFor('needs objects.admin: this policy may widen access');
    await op.press('escape');
    await op.press('escape');
    await op.waitFor(/BUCKET\s+OWNER/);
    await op.press('2');
    await op.waitFor(/USER\s+KEYS/);
    await op.press('n');
    await op.waitFor(/New access key: .*objects\.admin/);
    await op.press('D');
    await op.waitFor(/Delete user: .*objects\.admin/);
    await op.press('s');
    await op.waitFor('archive is suspended: its keys are refused');
  } finally {
    await op.close();
  }
});

test('at 120x40 the users table shares its width between the user id and the display name', async () => {
  const wide = await startConsoleTest({ size: { columns: 120, rows: 40 } });
  try {
    await wide.loginAs('admin', ADMIN_PASSWORD);
    await wide.press(':');
    await wide.waitFor('Go to a screen');
    await wide.type('s3');
    await wide.press('enter');
    await wide.waitFor('bacula-volumes');
    await wide.press('2');
    await wide.waitFor(/USER\s+NAME\s+KEYS/);
    await wide.waitFor(/archive\s+Long-term archive\s+\d+/);
  } finally {
    await wide.close();
  }
});
