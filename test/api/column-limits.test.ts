/**
 * Column limits are checked at the contract, not by the database (issue 19): PostgreSQL refuses a
 * value longer than a varchar column with an error (a 500) and SQLite stores it whatever its
 * length. So every string an operation takes carries a maximum length, checked by zod before the
 * handler runs. This test walks every operation's input schema as callers see it and fails on any
 * string without one; then it sends an over-long email and expects 400 with nothing stored.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { z } from 'zod';
import { callerInputSchema } from '../../src/services/index.js';
import { startTestApp, type TestApp, bearer } from '../helpers/app.js';
import { TEST_DB_KIND } from '../helpers/db.js';

/**
 * Strings that may have no maxLength: none so far. An entry needs a comment saying why the value
 * is never stored and what else bounds it. Keys are `operation:path`.
 */
const ALLOWED_UNBOUNDED = new Set<string>([]);

type JsonSchema = { [key: string]: unknown };

/** Paths (dotted, `[]` for array items, `{}` for record keys/values) of strings without maxLength. */
function unboundedStrings(node: unknown, at: string, defs: Record<string, unknown>, out: string[], seen = new Set<unknown>()): void {
  if (!node || typeof node !== 'object' || seen.has(node)) return;
  seen.add(node);
  const s = node as JsonSchema;
  if (typeof s.$ref === 'string') {
    const name = s.$ref.replace(/^#\/(\$defs|definitions)\//, '');
    unboundedStrings(defs[name], at, defs, out, seen);
  }
  const types = Array.isArray(s.type) ? s.type : [s.type];
  const fixed = Array.isArray(s.enum) || 'const' in s;
  if (types.includes('string') && !fixed && typeof s.maxLength !== 'number') out.push(at || '(root)');
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    if (Array.isArray(s[key])) for (const sub of s[key] as unknown[]) unboundedStrings(sub, at, defs, out, seen);
  }
  if (s.properties && typeof s.properties === 'object') {
    for (const [k, v] of Object.entries(s.properties as Record<string, unknown>)) unboundedStrings(v, at ? `${at}.${k}` : k, defs, out, seen);
  }
  if (s.items) {
    const items = Array.isArray(s.items) ? s.items : [s.items];
    for (const it of items) unboundedStrings(it, `${at}[]`, defs, out, seen);
  }
  if (Array.isArray(s.prefixItems)) for (const it of s.prefixItems) unboundedStrings(it, `${at}[]`, defs, out, seen);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') unboundedStrings(s.additionalProperties, `${at}{}`, defs, out, seen);
  if (s.propertyNames && typeof s.propertyNames === 'object') unboundedStrings(s.propertyNames, `${at}{key}`, defs, out, seen);
}

/** maxLength of every string schema found at a dotted path (`[]` steps into array items). */
function maxLengths(node: unknown, path: string): number[] {
  const s = node as JsonSchema | undefined;
  if (!s || typeof s !== 'object') return [];
  const alternatives = (['anyOf', 'oneOf', 'allOf'] as const).flatMap((k) => (Array.isArray(s[k]) ? (s[k] as unknown[]) : []));
  const here = alternatives.flatMap((alt) => maxLengths(alt, path));
  if (path === '') return typeof s.maxLength === 'number' ? [s.maxLength, ...here] : here;
  const [head, ...rest] = path.split('.');
  const tail = rest.join('.');
  if (head!.endsWith('[]')) {
    const name = head!.slice(0, -2);
    const props = s.properties as Record<string, JsonSchema> | undefined;
    const arr = props?.[name];
    return [...here, ...(arr?.items ? maxLengths(arr.items, tail) : [])];
  }
  const props = s.properties as Record<string, unknown> | undefined;
  return [...here, ...(props && head! in props ? maxLengths(props[head!], tail) : [])];
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('column limits at the contract', () => {
  test('every string in every operation input has a maximum length', () => {
    const ops = t.app.registry.all();
    expect(ops.length).toBeGreaterThan(50);
    const missing: string[] = [];
    for (const op of ops) {
      const json = z.toJSONSchema(callerInputSchema(op), { io: 'input', unrepresentable: 'any' }) as JsonSchema;
      const found: string[] = [];
      unboundedStrings(json, '', (json.$defs ?? json.definitions ?? {}) as Record<string, unknown>, found);
      for (const path of found) if (!ALLOWED_UNBOUNDED.has(`${op.name}:${path}`)) missing.push(`${op.name}:${path}`);
    }
    expect(missing).toEqual([]);
  });

  test('every stored string field is at most as long as its column (widths read from the live schema)', async () => {
    // Operation input field -> the varchar column it is stored in (JSON and text columns need no entry).
    const STORED: [op: string, path: string, table: string, column: string][] = [
      ['auth.me.update', 'displayName', 'users', 'display_name'],
      ['auth.me.update', 'email', 'users', 'email'],
      ['iam.users.create', 'username', 'users', 'username'],
      ['iam.users.create', 'displayName', 'users', 'display_name'],
      ['iam.users.create', 'email', 'users', 'email'],
      ['iam.users.update', 'displayName', 'users', 'display_name'],
      ['iam.users.update', 'email', 'users', 'email'],
      ['iam.groups.create', 'name', 'groups', 'name'],
      ['iam.groups.create', 'description', 'groups', 'description'],
      ['iam.groups.update', 'description', 'groups', 'description'],
      ['iam.roles.create', 'name', 'roles', 'name'],
      ['iam.roles.create', 'description', 'roles', 'description'],
      ['iam.roles.update', 'description', 'roles', 'description'],
      ['iam.roles.create', 'permissions[]', 'role_permissions', 'permission'],
      ['iam.roles.update', 'permissions[]', 'role_permissions', 'permission'],
      ['alerts.rules.create', 'name', 'alert_rules', 'name'],
      ['alerts.rules.create', 'metric', 'alert_rules', 'metric'],
      ['alerts.rules.update', 'name', 'alert_rules', 'name'],
      ['alerts.maintenance.create', 'name', 'maintenance_windows', 'name'],
      ['alerts.maintenance.create', 'description', 'maintenance_windows', 'description'],
      ['alerts.maintenance.update', 'name', 'maintenance_windows', 'name'],
      ['alerts.maintenance.update', 'description', 'maintenance_windows', 'description'],
      ['alerts.channels.create', 'name', 'notification_channels', 'name'],
      ['alerts.channels.update', 'name', 'notification_channels', 'name'],
      ['shares.smb.create', 'name', 'smb_shares', 'name'],
      ['shares.smb.create', 'path', 'smb_shares', 'path'],
      ['shares.smb.create', 'comment', 'smb_shares', 'comment'],
      ['shares.smb.create', 'shadowFormat', 'smb_shares', 'shadow_format'],
      ['shares.smb.update', 'comment', 'smb_shares', 'comment'],
      ['shares.nfs.create', 'path', 'nfs_exports', 'path'],
      ['shares.nfs.create', 'comment', 'nfs_exports', 'comment'],
      ['shares.nfs.update', 'comment', 'nfs_exports', 'comment'],
      ['iscsi.targets.create', 'name', 'iscsi_targets', 'name'],
      ['iscsi.targets.create', 'alias', 'iscsi_targets', 'alias'],
      ['iscsi.targets.create', 'chap.user', 'iscsi_targets', 'chap_user'],
      ['iscsi.targets.create', 'chap.secret', 'iscsi_targets', 'chap_secret'],
      ['iscsi.targets.create', 'mutualChap.user', 'iscsi_targets', 'mutual_user'],
      ['iscsi.targets.create', 'mutualChap.secret', 'iscsi_targets', 'mutual_secret'],
      ['iscsi.targets.update', 'alias', 'iscsi_targets', 'alias'],
      ['iscsi.targets.update', 'chap.secret', 'iscsi_targets', 'chap_secret'],
    ];
    const db = t.app.db;
    const width = async (table: string, column: string): Promise<number> => {
      if (TEST_DB_KIND === 'postgres') {
        const row = await db('information_schema.columns').where({ table_name: table, column_name: column }).first('character_maximum_length');
        return Number(row?.character_maximum_length);
      }
      const cols = (await db.raw(`PRAGMA table_info(${table})`)) as { name: string; type: string }[];
      return Number(/\((\d+)\)/.exec(cols.find((c) => c.name === column)?.type ?? '')?.[1]);
    };
    const problems: string[] = [];
    for (const [opName, path, table, column] of STORED) {
      const op = t.app.registry.get(opName);
      if (!op) {
        problems.push(`${opName}: no such operation`);
        continue;
      }
      const json = z.toJSONSchema(callerInputSchema(op), { io: 'input', unrepresentable: 'any' }) as JsonSchema;
      const limits = maxLengths(json, path);
      const w = await width(table, column);
      if (!Number.isFinite(w)) problems.push(`${table}.${column}: no width`);
      else if (limits.length === 0) problems.push(`${opName}:${path}: field not found`);
      else if (limits.some((m) => m > w)) problems.push(`${opName}:${path} allows ${Math.max(...limits)} > ${table}.${column} ${w}`);
    }
    expect(problems).toEqual([]);
  });

  test('the walker itself finds an unbounded string, in a nested array, a record and a union', () => {
    const schema = z.object({
      ok: z.string().max(10),
      kind: z.enum(['a', 'b']),
      bad: z.string(),
      list: z.array(z.object({ inner: z.string() })),
      map: z.record(z.string(), z.string().max(3)),
      either: z.union([z.literal(''), z.email()]),
    });
    const found: string[] = [];
    unboundedStrings(z.toJSONSchema(schema, { io: 'input' }), '', {}, found);
    expect(found.sort()).toEqual(['bad', 'either', 'list[].inner', 'map{key}'].sort());
  });

  test('an email over 254 characters is refused with 400 and nothing is stored (create, edit, own profile)', async () => {
    const long = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.example`;
    expect(long.length).toBeGreaterThan(254);
    const users = async () => (await t.app.db('users').select('username', 'email').orderBy('id')) as { username: string; email: string }[];
    const before = await users();

    const created = await t.http.post('/api/v1/users').set(bearer(t.adminToken)).send({ username: 'longmail', password: 'longmail-password-1', email: long });
    expect(created.status).toBe(400);
    expect(created.headers['content-type']).toMatch(/problem\+json/);
    expect(created.body.errors.map((e: { path: string }) => e.path)).toContain('email');

    const edited = await t.http.patch('/api/v1/users/admin').set(bearer(t.adminToken)).send({ email: long });
    expect(edited.status).toBe(400);

    const own = await t.http.patch('/api/v1/auth/me').set(bearer(t.adminToken)).send({ email: long });
    expect(own.status).toBe(400);

    expect(await users()).toEqual(before);
    expect(JSON.stringify(await users())).not.toContain('bbbbbbbb');
  });

  test('an email of exactly the column width (254) is stored', async () => {
    const email = `${'x'.repeat(64)}@${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(57)}.org`;
    expect(email.length).toBe(254);
    const res = await t.http.patch('/api/v1/users/admin').set(bearer(t.adminToken)).send({ email });
    expect(res.status).toBe(200);
    expect((await t.app.db('users').where({ username: 'admin' }).first()).email).toBe(email);
  });
});
