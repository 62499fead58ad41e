/**
 * Privilege escalation through roles (issue 19), on SQLite and PostgreSQL:
 * - a user whose custom role holds only iam.read and iam.write gave itself the Admin role;
 *   now nobody grants a role, permission or group membership carrying a permission they lack,
 *   and changing who holds Admin (or an Admin's account) needs Admin;
 * - names of roles, groups and users are unique without regard to case and surrounding space,
 *   in the contract and in the database (migration 004, which also renames existing clashes);
 * - two Admins disabling each other at the same moment left no enabled Admin: the last-Admin rule
 *   holds under concurrency, on every path that can remove the last Admin;
 * - a refused delete of the last Admin ended that Admin's sessions: a refused call changes nothing.
 * Each attack asserts the refusal and that the IAM tables (and sessions) are exactly as before.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { migrationSource } from '../../../migrations/index.js';
import { statusOf, type UserActor } from '../../../src/services/index.js';
import { SYSTEM_ACTOR } from '../../../src/services/core/context.js';
import { createTestDb, refusal } from '../../helpers/db.js';
import { startTestApp, type TestApp, bearer } from '../../helpers/app.js';

let t: TestApp;
let climber: string;
beforeAll(async () => {
  t = await startTestApp();
  const role = await t.http
    .post('/api/v1/roles')
    .set(bearer(t.adminToken))
    .send({ name: 'UserAdmins', permissions: ['iam.read', 'iam.write'] });
  expect(role.status).toBe(201);
  climber = await t.userWithRoles('climber', ['UserAdmins']);
  for (const [name, permissions] of [
    ['Auditor', ['audit.read']],
    ['Watcher', ['iam.read']],
  ] as const) {
    expect((await t.http.post('/api/v1/roles').set(bearer(t.adminToken)).send({ name, permissions })).status).toBe(201);
  }
  expect(
    (
      await t.http
        .post('/api/v1/groups')
        .set(bearer(t.adminToken))
        .send({ name: 'admins', roles: ['Admin'] })
    ).status,
  ).toBe(201);
  expect(
    (
      await t.http
        .post('/api/v1/groups')
        .set(bearer(t.adminToken))
        .send({ name: 'auditors', roles: ['Auditor'] })
    ).status,
  ).toBe(201);
  expect(
    (
      await t.http
        .post('/api/v1/users')
        .set(bearer(t.adminToken))
        .send({ username: 'aud', password: 'aud-long-password', roles: ['Auditor'] })
    ).status,
  ).toBe(201);
});
afterAll(async () => {
  await t.close();
});

/** Everything an IAM change could touch, including whose sessions are live. */
async function iamState(): Promise<unknown> {
  const db = t.app.db;
  const rows = async (table: string, order: string[]) => db(table).select('*').orderBy(order);
  return {
    users: await rows('users', ['id']),
    roles: await rows('roles', ['id']),
    rolePermissions: await rows('role_permissions', ['role_id', 'permission']),
    userRoles: await rows('user_roles', ['user_id', 'role_id']),
    groups: await rows('groups', ['id']),
    groupMembers: await rows('group_members', ['group_id', 'user_id']),
    groupRoles: await rows('group_roles', ['group_id', 'role_id']),
    sessions: await db('sessions').select('id', 'user_id', 'revoked_at', 'revoked_reason').orderBy('id'),
  };
}

/** Sends the attack, expects the status (and a detail matching), and that nothing changed. */
async function refused(send: () => Promise<{ status: number; body: { detail?: string } }>, status: number, detail?: RegExp): Promise<void> {
  const before = await iamState();
  const res = await send();
  expect({ status: res.status, detail: res.body.detail }).toEqual({ status, detail: detail ? expect.stringMatching(detail) : expect.anything() });
  expect(await iamState()).toEqual(before);
}

const MISSING_AUDIT = /needs permissions your roles do not grant: .*audit\.read/;
const NEEDS_ADMIN = /needs the Admin role/;

describe('nobody grants what they do not hold', () => {
  test('the attack of issue 19: an iam.write user gives itself the Admin role -> 403, roles unchanged', async () => {
    await refused(
      () =>
        t.http
          .patch('/api/v1/users/climber')
          .set(bearer(climber))
          .send({ roles: ['UserAdmins', 'Admin'] }),
      403,
      NEEDS_ADMIN,
    );
    await refused(
      () =>
        t.http
          .patch('/api/v1/users/climber')
          .set(bearer(climber))
          .send({ roles: ['UserAdmins', 'Auditor'] }),
      403,
      MISSING_AUDIT,
    );
    // Operator carries operate-level permissions climber lacks; the answer names them.
    await refused(
      () =>
        t.http
          .patch('/api/v1/users/climber')
          .set(bearer(climber))
          .send({ roles: ['UserAdmins', 'Operator'] }),
      403,
      /jobs\.cancel|snapshots\.write|alerts\.ack/,
    );
    const me = await t.http.get('/api/v1/auth/me').set(bearer(climber));
    expect(me.body.roles).toEqual(['UserAdmins']);
    expect(me.body.permissions).toEqual(['iam.read', 'iam.write']);
  });

  test('through groups: joining a group that grants Admin, adding yourself to it, giving a group Admin -> 403', async () => {
    await refused(
      () =>
        t.http
          .patch('/api/v1/users/climber')
          .set(bearer(climber))
          .send({ groups: ['admins'] }),
      403,
      NEEDS_ADMIN,
    );
    await refused(
      () =>
        t.http
          .patch('/api/v1/groups/admins')
          .set(bearer(climber))
          .send({ members: ['climber'] }),
      403,
      NEEDS_ADMIN,
    );
    await refused(
      () =>
        t.http
          .patch('/api/v1/groups/auditors')
          .set(bearer(climber))
          .send({ members: ['climber'] }),
      403,
      MISSING_AUDIT,
    );
    await refused(
      () =>
        t.http
          .post('/api/v1/groups')
          .set(bearer(climber))
          .send({ name: 'sneaky', members: ['climber'], roles: ['Admin'] }),
      403,
      NEEDS_ADMIN,
    );
    // An empty group is still refused the Admin role: it would only wait for a member.
    await refused(
      () =>
        t.http
          .post('/api/v1/groups')
          .set(bearer(climber))
          .send({ name: 'sleeper', roles: ['Admin'] }),
      403,
      NEEDS_ADMIN,
    );
    await refused(
      () =>
        t.http
          .post('/api/v1/groups')
          .set(bearer(climber))
          .send({ name: 'sleeper', roles: ['Auditor'] }),
      403,
      MISSING_AUDIT,
    );
    // A group that grants more than you hold is not yours to edit or delete.
    await refused(() => t.http.patch('/api/v1/groups/admins').set(bearer(climber)).send({ description: 'mine now' }), 403, NEEDS_ADMIN);
    await refused(() => t.http.delete('/api/v1/groups/auditors').set(bearer(climber)).send({ confirm: 'auditors' }), 403, MISSING_AUDIT);
  });

  test('through roles: creating a role with, or adding to the role you hold, a permission you lack -> 403', async () => {
    await refused(
      () =>
        t.http
          .post('/api/v1/roles')
          .set(bearer(climber))
          .send({ name: 'Shadow', permissions: ['iam.write', 'audit.read'] }),
      403,
      MISSING_AUDIT,
    );
    await refused(
      () =>
        t.http
          .patch('/api/v1/roles/UserAdmins')
          .set(bearer(climber))
          .send({ permissions: ['iam.read', 'iam.write', 'audit.read'] }),
      403,
      MISSING_AUDIT,
    );
    // Editing or deleting a role that carries what you lack (its holders depend on it) is refused too.
    await refused(() => t.http.patch('/api/v1/roles/Auditor').set(bearer(climber)).send({ description: 'renamed purpose' }), 403, MISSING_AUDIT);
    await refused(() => t.http.delete('/api/v1/roles/Auditor').set(bearer(climber)).send({ confirm: 'Auditor' }), 403, MISSING_AUDIT);
  });

  test('creating a user with roles or groups the creator lacks -> 403, no user', async () => {
    await refused(
      () =>
        t.http
          .post('/api/v1/users')
          .set(bearer(climber))
          .send({ username: 'puppet', password: 'puppet-long-password', roles: ['Admin'] }),
      403,
      NEEDS_ADMIN,
    );
    await refused(
      () =>
        t.http
          .post('/api/v1/users')
          .set(bearer(climber))
          .send({ username: 'puppet', password: 'puppet-long-password', groups: ['auditors'] }),
      403,
      MISSING_AUDIT,
    );
    await refused(
      () =>
        t.http
          .post('/api/v1/users')
          .set(bearer(climber))
          .send({ username: 'puppet', password: 'puppet-long-password', roles: ['ReadOnly'] }),
      403,
      /do not grant: .*\.read/,
    );
  });

  test('account takeover: resetting the password of, disabling, editing or deleting someone who holds more -> 403', async () => {
    await refused(() => t.http.post('/api/v1/users/admin/password').set(bearer(climber)).send({ password: 'taken-over-password' }), 403, NEEDS_ADMIN);
    await refused(() => t.http.post('/api/v1/users/aud/password').set(bearer(climber)).send({ password: 'taken-over-password' }), 403, MISSING_AUDIT);
    await refused(() => t.http.patch('/api/v1/users/admin').set(bearer(climber)).send({ enabled: false }), 403, NEEDS_ADMIN);
    await refused(() => t.http.patch('/api/v1/users/aud').set(bearer(climber)).send({ enabled: false }), 403, MISSING_AUDIT);
    await refused(() => t.http.patch('/api/v1/users/admin').set(bearer(climber)).send({ email: 'attacker@example.com' }), 403, NEEDS_ADMIN);
    await refused(() => t.http.patch('/api/v1/users/aud').set(bearer(climber)).send({ roles: [] }), 403, MISSING_AUDIT);
    await refused(() => t.http.delete('/api/v1/users/admin').set(bearer(climber)).send({ confirm: 'admin' }), 403, NEEDS_ADMIN);
    await refused(() => t.http.delete('/api/v1/users/aud').set(bearer(climber)).send({ confirm: 'aud' }), 403, MISSING_AUDIT);
    // The Admin's login still works: nothing was taken.
    expect((await t.http.get('/api/v1/auth/me').set(bearer(t.adminToken))).status).toBe(200);
    await t.login('admin', 'correct-horse-battery-staple');
  });

  test('a custom role holding every permission is still not Admin: it cannot touch Admin membership', async () => {
    const all = (await t.http.get('/api/v1/permissions').set(bearer(t.adminToken))).body.items.map((p: { name: string }) => p.name);
    expect((await t.http.post('/api/v1/roles').set(bearer(t.adminToken)).send({ name: 'Everything', permissions: all })).status).toBe(201);
    const almighty = await t.userWithRoles('almighty', ['Everything']);
    await refused(
      () =>
        t.http
          .patch('/api/v1/users/almighty')
          .set(bearer(almighty))
          .send({ roles: ['Everything', 'Admin'] }),
      403,
      NEEDS_ADMIN,
    );
    await refused(() => t.http.patch('/api/v1/users/admin').set(bearer(almighty)).send({ enabled: false }), 403, NEEDS_ADMIN);
    // What it does hold, it may grant.
    expect(
      (
        await t.http
          .patch('/api/v1/users/aud')
          .set(bearer(almighty))
          .send({ roles: ['Auditor', 'Operator'] })
      ).status,
    ).toBe(200);
  });

  test('within what you hold, IAM work goes on: create, grant, disable and reset at your own level', async () => {
    const created = await t.http
      .post('/api/v1/users')
      .set(bearer(climber))
      .send({ username: 'helper', password: 'helper-long-password', roles: ['Watcher'] });
    expect(created.status).toBe(201);
    expect(
      (
        await t.http
          .patch('/api/v1/users/helper')
          .set(bearer(climber))
          .send({ roles: ['UserAdmins'], enabled: false })
      ).status,
    ).toBe(200);
    expect((await t.http.post('/api/v1/users/helper/password').set(bearer(climber)).send({ password: 'helper-new-password' })).status).toBe(200);
    expect(
      (
        await t.http
          .post('/api/v1/roles')
          .set(bearer(climber))
          .send({ name: 'Lookers', permissions: ['iam.read'] })
      ).status,
    ).toBe(201);
    expect(
      (
        await t.http
          .post('/api/v1/groups')
          .set(bearer(climber))
          .send({ name: 'lookers', members: ['helper'], roles: ['Lookers'] })
      ).status,
    ).toBe(201);
    expect((await t.http.delete('/api/v1/users/helper').set(bearer(climber)).send({ confirm: 'helper' })).status).toBe(200);
  });

  test('every refusal is in the audit log as denied, with the missing permission', async () => {
    const rows = await t.app.db('audit_log').where({ actor_name: 'climber', result: 'denied' }).select('operation', 'error');
    expect(rows.length).toBeGreaterThanOrEqual(20);
    expect(rows.some((r: { error: string }) => /Admin role/.test(r.error))).toBe(true);
    expect(rows.some((r: { error: string }) => /audit\.read/.test(r.error))).toBe(true);
  });
});

describe('names are unique without regard to case and surrounding space', () => {
  test('roles: "Admin ", "admin", "ADMIN" -> 409; " Auditor2 " is stored trimmed', async () => {
    for (const name of ['Admin ', 'admin', ' ADMIN', 'auditor', 'Auditor ']) {
      await refused(() => t.http.post('/api/v1/roles').set(bearer(t.adminToken)).send({ name, permissions: [] }), 409, /already exists/);
    }
    const ok = await t.http
      .post('/api/v1/roles')
      .set(bearer(t.adminToken))
      .send({ name: '  Auditor2 ', permissions: ['audit.read'] });
    expect(ok.status).toBe(201);
    expect(ok.body.name).toBe('Auditor2');
    expect(await t.app.db('roles').where({ name: 'Auditor2' }).first()).toBeTruthy();
  });

  test('groups and users: surrounding space is trimmed, so " admins" and "climber " clash', async () => {
    await refused(() => t.http.post('/api/v1/groups').set(bearer(t.adminToken)).send({ name: ' admins ' }), 409, /already exists/);
    await refused(
      () => t.http.post('/api/v1/users').set(bearer(t.adminToken)).send({ username: 'climber ', password: 'another-long-password' }),
      409,
      /already exists/,
    );
  });

  test('the database refuses a case-variant name too (unique index on lower(name))', async () => {
    const now = new Date().toISOString();
    expect(await refusal(t.app.db('roles').insert({ name: 'ADMIN', description: '', builtin: false, created_at: now }))).toMatch(/unique|duplicate/i);
    expect(await refusal(t.app.db('groups').insert({ name: 'ADMINS', description: '', created_at: now }))).toMatch(/unique|duplicate/i);
    expect(
      await refusal(t.app.db('users').insert({ username: 'CLIMBER', password_hash: 'x', created_at: now, updated_at: now, password_changed_at: now })),
    ).toMatch(/unique|duplicate/i);
    expect(await t.app.db('roles').whereRaw('lower(name) = ?', ['admin']).count({ n: '*' })).toEqual([{ n: 1 }]);
  });

  test('migration 004 keeps existing clashing rows, trimmed or renamed, and then enforces the rule', async () => {
    const scratch = await createTestDb();
    try {
      const db = scratch.db;
      for (let i = 0; i < 3; i++) await db.migrate.up({ migrationSource }); // 001..003
      const now = new Date().toISOString();
      await db('roles').insert([
        { name: 'Admin', builtin: true, created_at: now },
        { name: 'Admin ', builtin: false, created_at: now },
        { name: 'admin', builtin: false, created_at: now },
        { name: ' Ops', builtin: false, created_at: now },
        { name: 'ops', builtin: false, created_at: now },
        { name: 'Backup ', builtin: false, created_at: now },
      ]);
      await db('groups').insert([
        { name: 'staff', created_at: now },
        { name: 'Staff', created_at: now },
      ]);
      const adminLike = await db('roles').whereIn('name', ['Admin ', 'admin']).select('id').orderBy('id');
      const staff2 = await db('groups').where({ name: 'Staff' }).first();
      await db.migrate.up({ migrationSource, name: '004_iam_security' });
      const names = (await db('roles').select('id', 'name').orderBy('id')).map((r: { id: number; name: string }) => r.name);
      expect(names).toEqual(['Admin', `Admin-${adminLike[0].id}`, `admin-${adminLike[1].id}`, expect.stringMatching(/^Ops-\d+$/), 'ops', 'Backup']);
      expect((await db('groups').select('name').orderBy('id')).map((g: { name: string }) => g.name)).toEqual(['staff', `Staff-${staff2.id}`]);
      expect(await refusal(db('roles').insert({ name: 'OPS', builtin: false, created_at: now }))).toMatch(/unique|duplicate/i);
    } finally {
      await scratch.drop();
    }
  });
});

describe('a refused change changes nothing (no sessions ended)', () => {
  const cli = { actor: SYSTEM_ACTOR, face: 'cli' as const };
  const callStatus = async (name: string, input: unknown, meta: Parameters<TestApp['app']['call']>[2] = cli) => {
    try {
      await t.app.call(name, input, meta);
      return 200;
    } catch (err) {
      return statusOf(err);
    }
  };

  test('deleting, disabling, demoting the last enabled Admin -> 409; its session lives on', async () => {
    for (const [name, input] of [
      ['iam.users.delete', { username: 'admin', confirm: 'admin' }],
      ['iam.users.update', { username: 'admin', enabled: false }],
      ['iam.users.update', { username: 'admin', roles: ['ReadOnly'] }],
    ] as const) {
      const before = await iamState();
      expect(await callStatus(name, input)).toBe(409);
      expect(await iamState()).toEqual(before);
    }
    expect((await t.http.get('/api/v1/auth/me').set(bearer(t.adminToken))).status).toBe(200);
    const live = await t.app
      .db('sessions')
      .where({ user_id: (await t.app.db('users').where({ username: 'admin' }).first()).id })
      .whereNull('revoked_at');
    expect(live.length).toBeGreaterThan(0);
  });

  test('an Admin only through a group: removing the group, its role, or the member -> 409', async () => {
    expect(await callStatus('iam.users.update', { username: 'admin', groups: ['admins'] })).toBe(200);
    expect(await callStatus('iam.users.update', { username: 'admin', roles: [] })).toBe(200);
    for (const [name, input] of [
      ['iam.groups.delete', { name: 'admins', confirm: 'admins' }],
      ['iam.groups.update', { name: 'admins', roles: [] }],
      ['iam.groups.update', { name: 'admins', members: [] }],
      ['iam.users.update', { username: 'admin', groups: [] }],
      ['iam.users.delete', { username: 'admin', confirm: 'admin' }],
    ] as const) {
      const before = await iamState();
      expect([name, await callStatus(name, input)]).toEqual([name, 409]);
      expect(await iamState()).toEqual(before);
    }
    const me = await t.http.get('/api/v1/auth/me').set(bearer(t.adminToken));
    expect(me.body).toMatchObject({ roles: [], groups: ['admins'], enabled: true });
    expect(me.body.permissions).toContain('iam.write');
    expect(await callStatus('iam.users.update', { username: 'admin', roles: ['Admin'], groups: [] })).toBe(200);
  });
});

describe('the last-Admin rule under concurrency', () => {
  const allPermissions = () => new Set(t.app.registry.permissions().map((p) => p.name));
  const admin = async (username: string): Promise<UserActor> => {
    const row = await t.app.db('users').where({ username }).first();
    return { kind: 'user', id: row.id, username, roles: ['Admin'], permissions: allPermissions() };
  };
  const sys = { actor: SYSTEM_ACTOR, face: 'cli' as const };
  const outcome = (p: Promise<unknown>) =>
    p.then(
      () => 200,
      (err) => statusOf(err),
    );
  const enabledAdmins = async () => {
    const users = (await t.app.call('iam.users.list', { limit: 1000 }, sys)) as {
      items: { username: string; enabled: boolean; roles: string[]; groups: string[] }[];
    };
    return users.items
      .filter((u) => u.enabled && (u.roles.includes('Admin') || u.groups.includes('admins')))
      .map((u) => u.username)
      .sort();
  };

  beforeAll(async () => {
    for (const u of ['duel-a', 'duel-b'])
      await t.app.call('iam.users.create', { username: u, password: `${u}-long-password`, roles: ['Admin'], enabled: false }, sys);
    // From here the two duellists are the only Admins that can be enabled.
    await t.app.call('iam.users.update', { username: 'duel-a', enabled: true }, sys);
    await t.app.call('iam.users.update', { username: 'admin', enabled: false }, sys);
  });
  afterAll(async () => {
    await t.app.call('iam.users.update', { username: 'admin', enabled: true }, sys);
  });

  test('two Admins disabling each other at once, 10 rounds: one Admin always remains, the loser gets 409', async () => {
    for (let round = 0; round < 10; round++) {
      await t.app.call('iam.users.update', { username: 'duel-a', enabled: true }, sys);
      await t.app.call('iam.users.update', { username: 'duel-b', enabled: true }, sys);
      const [a, b] = [await admin('duel-a'), await admin('duel-b')];
      const results = await Promise.all([
        outcome(t.app.call('iam.users.update', { username: 'duel-b', enabled: false }, { actor: a, face: 'api' })),
        outcome(t.app.call('iam.users.update', { username: 'duel-a', enabled: false }, { actor: b, face: 'api' })),
      ]);
      expect(results.sort()).toEqual([200, 409]);
      expect(await enabledAdmins()).toHaveLength(1);
    }
  });

  test('mixed paths at once (delete, demote, leave the Admin group), 6 rounds: one Admin always remains', async () => {
    const kinds = [
      (target: string) => ({ name: 'iam.users.update', input: { username: target, enabled: false } }),
      (target: string) => ({ name: 'iam.users.update', input: { username: target, roles: [], groups: [] } }),
      (target: string) => ({ name: 'iam.users.delete', input: { username: target, confirm: target } }),
    ];
    for (let round = 0; round < 6; round++) {
      for (const u of ['duel-a', 'duel-b']) {
        if (!(await t.app.db('users').where({ username: u }).first()))
          await t.app.call('iam.users.create', { username: u, password: `${u}-long-password`, roles: ['Admin'] }, sys);
        await t.app.call('iam.users.update', { username: u, enabled: true, roles: ['Admin'], groups: [] }, sys);
      }
      // In odd rounds duel-b is Admin only through the admins group.
      if (round % 2) await t.app.call('iam.users.update', { username: 'duel-b', roles: [], groups: ['admins'] }, sys);
      const [a, b] = [await admin('duel-a'), await admin('duel-b')];
      const first = kinds[round % 3]!('duel-b');
      const second = kinds[(round + 1) % 3]!('duel-a');
      const results = await Promise.all([
        outcome(t.app.call(first.name, first.input, { actor: a, face: 'api' })),
        outcome(t.app.call(second.name, second.input, { actor: b, face: 'api' })),
      ]);
      // The winner's change happens; the loser is refused (409, or 403 when the winner took its Admin role away first).
      expect(results.filter((s) => s === 200)).toHaveLength(1);
      expect(results.filter((s) => s === 409 || s === 403)).toHaveLength(1);
      expect(await enabledAdmins()).toHaveLength(1);
    }
  });
});
