/**
 * The built-in roles are what the README says (issue 17): ReadOnly sees every subsystem but not
 * the audit log (who did what, from which address, with which input: Admin's `audit.read`).
 * The README, docs/security.md, the role's own description and what the API grants agree, and
 * the README's and docs' links resolve inside the repository (a fresh clone has no ../shared).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { BUILTIN_ROLES } from '../../../src/services/core/registry.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';

const ROOT = process.cwd(); // jest runs from the repository's root
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

let t: TestApp;
let reader: string;
beforeAll(async () => {
  t = await startTestApp();
  reader = await t.userWithRoles('reader', ['ReadOnly']);
});
afterAll(async () => {
  await t?.close();
});

describe('ReadOnly', () => {
  test('holds every read-level permission and none above; the only reads it lacks are the audit log', () => {
    const granted = new Set(t.app.registry.permissionsAtLevels(['read']));
    const reads = t.app.registry
      .permissions()
      .filter((p) => p.name.endsWith('.read'))
      .map((p) => p.name);
    // A new read kept from ReadOnly must be said in the README and here.
    expect(reads.filter((p) => !granted.has(p))).toEqual(['audit.read']);
    expect(
      t.app.registry
        .permissions()
        .filter((p) => granted.has(p.name))
        .every((p) => p.level === 'read'),
    ).toBe(true);
  });

  test('the API grants it what the catalogue says: reads answer, the audit log is 403', async () => {
    const me = await t.http.get('/api/v1/auth/me').set('Authorization', `Bearer ${reader}`);
    expect(me.status).toBe(200);
    const perms: string[] = me.body.permissions ?? me.body.user?.permissions ?? [];
    if (perms.length) expect(perms).not.toContain('audit.read');
    for (const url of ['/api/v1/storage/pools', '/api/v1/users', '/api/v1/jobs', '/api/v1/alerts']) {
      const res = await t.http.get(url).set('Authorization', `Bearer ${reader}`);
      expect([url, res.status]).toEqual([url, 200]);
    }
    const audit = await t.http.get('/api/v1/audit').set('Authorization', `Bearer ${reader}`);
    expect(audit.status).toBe(403);
    expect(audit.body.detail).toContain('audit.read');
    const adminAudit = await t.http.get('/api/v1/audit').set('Authorization', `Bearer ${t.adminToken}`);
    expect(adminAudit.status).toBe(200);
  });

  test('its description (stored and shown by GET /roles) says it does not see the audit log', async () => {
    const def = BUILTIN_ROLES.find((r) => r.name === 'ReadOnly')!;
    expect(def.description).toMatch(/not the audit log/);
    const roles = await t.http.get('/api/v1/roles').set('Authorization', `Bearer ${t.adminToken}`);
    const row = roles.body.items.find((r: { name: string }) => r.name === 'ReadOnly');
    expect(row.description).toBe(def.description);
  });

  test('an older database whose ReadOnly says "Every read" is corrected at start', async () => {
    await t.testDb.db('roles').where({ name: 'ReadOnly' }).update({ description: 'Every read, no change' });
    const { syncBuiltinRoles } = await import('../../../src/services/iam/operations.js');
    await syncBuiltinRoles(t.testDb.db, t.app.registry);
    const row = await t.testDb.db('roles').where({ name: 'ReadOnly' }).first();
    expect(row.description).toMatch(/not the audit log/);
  });

  test('the README and docs/security.md say the same', () => {
    const roles = /- Roles: ([\s\S]*?)\n- /.exec(readme)?.[1] ?? '';
    expect(roles).toMatch(/\*\*ReadOnly\*\* \(sees[^)]*\*\*not the audit log\*\*/);
    expect(roles).not.toMatch(/every\s+read\)/);
    expect(roles).toMatch(/`audit\.read`\) is Admin's/);
    const security = fs.readFileSync(path.join(ROOT, 'docs/security.md'), 'utf8');
    const row = security.split('\n').find((l) => l.startsWith('| ReadOnly |'))!;
    expect(row).toMatch(/read the audit log/);
    expect(row).not.toMatch(/auditors' read access/);
  });
});

describe('links', () => {
  test('every relative link in README.md and docs/*.md names a file inside the repository', () => {
    const files = [
      'README.md',
      ...fs
        .readdirSync(path.join(ROOT, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`),
    ];
    const broken: string[] = [];
    for (const file of files) {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!.split('#')[0]!;
        if (!target || /^[a-z]+:/i.test(target)) continue;
        const resolved = path.resolve(path.dirname(path.join(ROOT, file)), target);
        if (!resolved.startsWith(`${ROOT}${path.sep}`) || !fs.existsSync(resolved)) broken.push(`${file}: ${target}`);
      }
      // A path outside the repository written without link syntax is as broken for a fresh clone.
      for (const m of text.matchAll(/\.\.\/shared\/[\w.-]+/g)) broken.push(`${file}: ${m[0]}`);
    }
    expect(broken).toEqual([]);
    expect(fs.existsSync(path.join(ROOT, 'docs/architecture.md'))).toBe(true);
  });
});
