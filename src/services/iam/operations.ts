/** IAM (SRS-10): authentication, profile, users, groups, roles and the permission catalogue. */
import type { Knex } from 'knex';
import { iamContracts as c, iamPermissions, type Group, type Role } from '../../contracts/iam.js';
import { page } from '../../contracts/list.js';
import { nowIso } from '../../contracts/time.js';
import type { Ctx } from '../core/context.js';
import { Conflict, Forbidden, NotFound, ValidationError } from '../core/errors.js';
import { BUILTIN_ROLES, implement, type Registry } from '../core/registry.js';
import { isPostgres, isUniqueViolation } from '../db.js';
import { hashPassword } from './passwords.js';
import type { AuthEngine } from './sessions.js';
import { accessSnapshot, effectiveAccess, groupIds, loadUser, loadUsers, requireUserRow, roleIds, rolePermissions, type UserAccess } from './store.js';

function userActorId(ctx: Ctx): number {
  if (ctx.actor?.kind !== 'user') throw new Forbidden('only a logged-in user has a profile');
  return ctx.actor.id;
}

const ADMIN_ROLE = 'Admin';

const sameSet = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((x) => b.has(x));
const enabledAdmins = (m: Map<number, UserAccess>) => [...m.values()].filter((u) => u.enabled && u.roles.has(ADMIN_ROLE)).length;

/** One IAM change in progress: its transaction and the checks on what the caller may grant. */
interface IamTx {
  trx: Knex;
  /** The user is the object of the call (edit, reset, delete): checked even if their access does not change. */
  touch(userId: number): void;
  /** Refuses (403, naming what is missing) unless the caller holds every one of these permissions. */
  requireHolds(perms: Iterable<string>, what: string): void;
  /** Refuses (403) unless the caller holds the Admin role. */
  requireAdmin(what: string): void;
}

/**
 * Every change to users, groups and roles runs here (issue 19), in one transaction:
 * - on PostgreSQL the Admin role's row is locked first (SELECT ... FOR UPDATE), so IAM changes
 *   run one at a time and each sees the last one's result; SQLite serialises writers, and the
 *   checks below run inside the write transaction after the writes;
 * - the caller's own access is read inside the transaction, not from the actor cache;
 * - afterwards every user whose roles, permissions or enabled state changed (and every user the
 *   call is about) is checked: the caller must hold every permission that user held or now holds,
 *   and changing anyone who holds or would hold the Admin role needs the Admin role;
 * - a change that would leave no enabled Admin (directly or through a group) is refused with 409.
 * Any refusal rolls the whole transaction back; side effects outside it (the actor cache) belong
 * after it returns.
 */
async function iamChange<T>(ctx: Ctx, change: (tx: IamTx) => Promise<T>): Promise<T> {
  try {
    return await ctx.db.transaction(async (trx) => {
      if (isPostgres(trx)) await trx('roles').where({ name: ADMIN_ROLE }).forUpdate().first();
      const actor = ctx.actor;
      let admin = actor?.kind === 'system';
      let has: (p: string) => boolean = () => admin;
      if (actor?.kind === 'user') {
        const fresh = await effectiveAccess(trx, actor.id);
        admin = fresh.roles.includes(ADMIN_ROLE) && actor.roles.includes(ADMIN_ROLE);
        has = (p) => fresh.permissions.has(p) && actor.permissions.has(p);
      }
      const touched = new Set<number>();
      const tx: IamTx = {
        trx,
        touch: (id) => void touched.add(Number(id)),
        requireHolds: (perms, what) => {
          if (admin) return;
          const missing = [...new Set(perms)].filter((p) => !has(p)).sort();
          if (missing.length === 0) return;
          const shown = missing.length > 8 ? `${missing.slice(0, 8).join(', ')} and ${missing.length - 8} more` : missing.join(', ');
          throw new Forbidden(`${what} needs permissions your roles do not grant: ${shown}`);
        },
        requireAdmin: (what) => {
          if (!admin) throw new Forbidden(`${what} needs the Admin role`);
        },
      };
      const before = await accessSnapshot(trx);
      const result = await change(tx);
      const after = await accessSnapshot(trx);
      for (const id of new Set([...before.keys(), ...after.keys()])) {
        const b = before.get(id);
        const a = after.get(id);
        const changed = touched.has(id) || !b || !a || b.enabled !== a.enabled || !sameSet(b.roles, a.roles) || !sameSet(b.permissions, a.permissions);
        if (!changed) continue;
        const name = (a ?? b)!.username;
        if (b?.roles.has(ADMIN_ROLE) || a?.roles.has(ADMIN_ROLE)) tx.requireAdmin(`changing user ${name}, who holds or would hold the Admin role,`);
        tx.requireHolds([...(b?.permissions ?? []), ...(a?.permissions ?? [])], `changing user ${name}`);
      }
      if (enabledAdmins(before) > 0 && enabledAdmins(after) === 0) throw new Conflict('this change would leave no enabled Admin');
      return result;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict('that name is already taken (names are compared without regard to case)');
    throw err;
  }
}

/** Refuses granting roles that carry permissions the caller lacks, or the Admin role to a non-Admin. */
async function requireMayGrant(tx: IamTx, roleIdList: number[], what: (role: string) => string): Promise<void> {
  for (const [role, perms] of await rolePermissions(tx.trx, roleIdList)) {
    if (role === ADMIN_ROLE) tx.requireAdmin(what(role));
    tx.requireHolds(perms, what(role));
  }
}

async function setMemberships(tx: IamTx, userId: number, roles?: string[], groups?: string[]): Promise<void> {
  const { trx } = tx;
  if (roles) {
    const ids = await roleIds(trx, roles);
    const had = new Set((await trx('user_roles').where({ user_id: userId }).select('role_id')).map((r: { role_id: number }) => Number(r.role_id)));
    await requireMayGrant(
      tx,
      ids.filter((id) => !had.has(Number(id))),
      (role) => `granting role ${role}`,
    );
    await trx('user_roles').where({ user_id: userId }).delete();
    if (ids.length) await trx('user_roles').insert(ids.map((role_id) => ({ user_id: userId, role_id })));
  }
  if (groups) {
    const ids = await groupIds(trx, groups);
    const had = new Set((await trx('group_members').where({ user_id: userId }).select('group_id')).map((r: { group_id: number }) => Number(r.group_id)));
    const joining = ids.filter((id) => !had.has(Number(id)));
    if (joining.length) {
      const carried: { role_id: number }[] = await trx('group_roles').whereIn('group_id', joining).select('role_id');
      await requireMayGrant(
        tx,
        carried.map((r) => Number(r.role_id)),
        (role) => `joining a group that grants role ${role}`,
      );
    }
    await trx('group_members').where({ user_id: userId }).delete();
    if (ids.length) await trx('group_members').insert(ids.map((group_id) => ({ user_id: userId, group_id })));
  }
}

/** Ends a user's sessions inside the change's transaction, so a refused change ends none. */
async function endSessions(trx: Knex, userId: number, reason: string): Promise<void> {
  await trx('sessions').where({ user_id: userId }).whereNull('revoked_at').update({ revoked_at: nowIso(), revoked_reason: reason });
}

async function loadGroups(db: Knex): Promise<Group[]> {
  const groups: { id: number; name: string; description: string }[] = await db('groups').orderBy('name');
  const members: { group_id: number; username: string }[] = await db('group_members')
    .join('users', 'users.id', 'group_members.user_id')
    .select('group_id', 'username')
    .orderBy('username');
  const roles: { group_id: number; name: string }[] = await db('group_roles')
    .join('roles', 'roles.id', 'group_roles.role_id')
    .select('group_id', 'name')
    .orderBy('name');
  return groups.map((g) => ({
    name: g.name,
    description: g.description,
    members: members.filter((m) => m.group_id === g.id).map((m) => m.username),
    roles: roles.filter((r) => r.group_id === g.id).map((r) => r.name),
  }));
}

async function loadRoles(db: Knex): Promise<Role[]> {
  const roles: { id: number; name: string; description: string; builtin: boolean | number }[] = await db('roles').orderBy('id');
  const perms: { role_id: number; permission: string }[] = await db('role_permissions').orderBy('permission');
  return roles.map((r) => ({
    name: r.name,
    description: r.description,
    builtin: Boolean(r.builtin),
    permissions: perms.filter((p) => p.role_id === r.id).map((p) => p.permission),
  }));
}

/**
 * An actor's permissions as `auth.me` lists them, sorted once per set (the actor cache keeps one
 * set per actor until it changes: a new set, a new sort). A copy per answer: callers may keep it.
 */
const sortedPermissionSets = new WeakMap<ReadonlySet<string>, readonly string[]>();
function sortedPermissions(set: ReadonlySet<string>): string[] {
  let sorted = sortedPermissionSets.get(set);
  if (!sorted || sorted.length !== set.size) sortedPermissionSets.set(set, (sorted = [...set].sort()));
  return sorted.slice();
}

export function registerIam(registry: Registry, auth: AuthEngine): void {
  registry.addPermissions(iamPermissions);
  const permissionNames = () => new Set(registry.permissions().map((p) => p.name));

  registry.add({
    ...implement(c['auth.login'], (ctx, i) => auth.login(i.username, i.password, ctx.face, ctx.address)),
    // A failed login's row never shows a password typed as the user name (see AuthEngine.auditName);
    // it takes the appliance's secret, so the target is the daemon's, not the contract's.
    target: (i) => auth.auditName(i.username),
  });
  registry.add(implement(c['auth.refresh'], (_ctx, i) => auth.refresh(i.refreshToken)));
  registry.add(
    implement(c['auth.logout'], async (ctx) => {
      if (ctx.actor?.kind === 'user' && ctx.actor.sessionId) await auth.logout(ctx.actor.sessionId);
      return { ok: true as const };
    }),
  );
  registry.add(
    implement(c['auth.me'], async (ctx) => {
      const id = userActorId(ctx);
      // The user's row from memory while nothing changed (AuthEngine.profile); the permissions are the actor's, per request.
      const { user, preferences } = await auth.profile(id, async () => {
        const row = await ctx.db('users').where({ id }).first();
        return { user: await loadUser(ctx.db, row.username), preferences: row.preferences as string };
      });
      const perms = ctx.actor?.kind === 'user' ? sortedPermissions(ctx.actor.permissions) : [];
      // Object.assign: a literal spreading an object and adding fields costs ~3.7 us in V8 against 0.8 (bench/README.md perf5).
      return Object.assign({}, user, { permissions: perms, preferences: JSON.parse(preferences) as Record<string, unknown> });
    }),
  );
  registry.add(
    implement(c['auth.me.update'], async (ctx, i) => {
      const id = userActorId(ctx);
      const patch: Record<string, unknown> = { updated_at: nowIso() };
      if (i.displayName !== undefined) patch.display_name = i.displayName;
      if (i.email !== undefined) patch.email = i.email;
      if (i.preferences !== undefined) patch.preferences = JSON.stringify(i.preferences);
      await ctx.db('users').where({ id }).update(patch);
      return { ok: true as const };
    }),
  );
  registry.add(
    implement(c['auth.me.password'], async (ctx, i) => {
      const id = userActorId(ctx);
      const row = await ctx.db('users').where({ id }).first();
      await auth.checkCurrentPassword(id, i.currentPassword, row.password_hash, ctx.face);
      const now = nowIso();
      await ctx
        .db('users')
        .where({ id })
        .update({ password_hash: await hashPassword(i.newPassword), password_changed_at: now, updated_at: now });
      await auth.revokeUser(id, 'password changed');
      return { ok: true as const };
    }),
  );

  registry.add(implement(c['iam.users.list'], async (ctx, i) => page(await loadUsers(ctx.db, { search: i.search }), i)));
  registry.add(implement(c['iam.users.get'], (ctx, i) => loadUser(ctx.db, i.username)));
  registry.add(
    implement(c['iam.users.create'], async (ctx, i) => {
      const hash = await hashPassword(i.password);
      await iamChange(ctx, async (tx) => {
        const { trx } = tx;
        if (await trx('users').whereRaw('lower(username) = ?', [i.username.toLowerCase()]).first()) throw new Conflict(`user ${i.username} already exists`);
        const now = nowIso();
        const [row] = await trx('users')
          .insert({
            username: i.username,
            display_name: i.displayName,
            email: i.email,
            password_hash: hash,
            enabled: i.enabled,
            created_at: now,
            updated_at: now,
            password_changed_at: now,
          })
          .returning('id');
        await setMemberships(tx, Number(row.id ?? row), i.roles, i.groups);
      });
      return loadUser(ctx.db, i.username);
    }),
  );
  registry.add(
    implement(c['iam.users.update'], async (ctx, i) => {
      const userId = await iamChange(ctx, async (tx) => {
        const { trx } = tx;
        const row = await requireUserRow(trx, i.username);
        tx.touch(row.id);
        const patch: Record<string, unknown> = { updated_at: nowIso() };
        if (i.displayName !== undefined) patch.display_name = i.displayName;
        if (i.email !== undefined) patch.email = i.email;
        if (i.enabled !== undefined) patch.enabled = i.enabled;
        await trx('users').where({ id: row.id }).update(patch);
        await setMemberships(tx, row.id, i.roles, i.groups);
        if (i.enabled === false) await endSessions(trx, row.id, 'user disabled');
        return row.id;
      });
      auth.forgetUser(userId);
      return loadUser(ctx.db, i.username);
    }),
  );
  registry.add(
    implement(c['iam.users.password'], async (ctx, i) => {
      // Resetting the password of someone who holds more than you is taking their account: iamChange refuses it.
      await requireUserRow(ctx.db, i.username);
      const hash = await hashPassword(i.password);
      const userId = await iamChange(ctx, async (tx) => {
        const row = await requireUserRow(tx.trx, i.username);
        tx.touch(row.id);
        const now = nowIso();
        await tx.trx('users').where({ id: row.id }).update({ password_hash: hash, password_changed_at: now, updated_at: now });
        await endSessions(tx.trx, row.id, 'password reset');
        return row.id;
      });
      auth.forgetUser(userId);
      return { ok: true as const };
    }),
  );
  registry.add(
    implement(c['iam.users.delete'], async (ctx, i) => {
      // Sessions go with the row (ON DELETE CASCADE), inside the transaction: a refused delete ends none.
      const userId = await iamChange(ctx, async (tx) => {
        const row = await requireUserRow(tx.trx, i.username);
        if (ctx.actor?.kind === 'user' && ctx.actor.id === row.id) throw new Conflict('you cannot delete yourself');
        tx.touch(row.id);
        await endSessions(tx.trx, row.id, 'user deleted');
        await tx.trx('users').where({ id: row.id }).delete();
        return row.id;
      });
      auth.forgetUser(userId);
      return { ok: true as const };
    }),
  );

  registry.add(implement(c['iam.groups.list'], async (ctx, i) => page(await loadGroups(ctx.db), i)));
  const saveGroup = async (ctx: Ctx, name: string, i: { description?: string; members?: string[]; roles?: string[] }, create: boolean) => {
    await iamChange(ctx, async (tx) => {
      const { trx } = tx;
      let group = await trx('groups').where({ name }).first();
      if (create) {
        if (group || (await trx('groups').whereRaw('lower(name) = ?', [name.toLowerCase()]).first())) throw new Conflict(`group ${name} already exists`);
        const [row] = await trx('groups')
          .insert({ name, description: i.description ?? '', created_at: nowIso() })
          .returning('id');
        group = { id: Number(row.id ?? row) };
      } else {
        if (!group) throw new NotFound(`group ${name} does not exist`);
        // A group that grants more than you hold is not yours to change, even its description.
        const current: { role_id: number }[] = await trx('group_roles').where({ group_id: group.id }).select('role_id');
        await requireMayGrant(
          tx,
          current.map((r) => Number(r.role_id)),
          (role) => `changing group ${name}, which grants role ${role},`,
        );
        if (i.description !== undefined) await trx('groups').where({ id: group.id }).update({ description: i.description });
      }
      if (i.members) {
        const users: { id: number; username: string }[] = await trx('users').whereIn('username', i.members).select('id', 'username');
        const missing = i.members.filter((m) => !users.some((u) => u.username === m));
        if (missing.length) throw new NotFound(`no such user: ${missing.join(', ')}`);
        await trx('group_members').where({ group_id: group.id }).delete();
        if (users.length) await trx('group_members').insert(users.map((u) => ({ group_id: group.id, user_id: u.id })));
      }
      if (i.roles) {
        const ids = await roleIds(trx, i.roles);
        await requireMayGrant(tx, ids, (role) => `giving group ${name} role ${role}`);
        await trx('group_roles').where({ group_id: group.id }).delete();
        if (ids.length) await trx('group_roles').insert(ids.map((role_id) => ({ group_id: group.id, role_id })));
      }
    });
    auth.forgetAll();
    return (await loadGroups(ctx.db)).find((g) => g.name === name)!;
  };
  registry.add(implement(c['iam.groups.create'], (ctx, i) => saveGroup(ctx, i.name, i, true)));
  registry.add(implement(c['iam.groups.update'], (ctx, i) => saveGroup(ctx, i.name, i, false)));
  registry.add(
    implement(c['iam.groups.delete'], async (ctx, i) => {
      await iamChange(ctx, async (tx) => {
        const group = await tx.trx('groups').where({ name: i.name }).first();
        if (!group) throw new NotFound(`group ${i.name} does not exist`);
        const current: { role_id: number }[] = await tx.trx('group_roles').where({ group_id: group.id }).select('role_id');
        await requireMayGrant(
          tx,
          current.map((r) => Number(r.role_id)),
          (role) => `deleting group ${i.name}, which grants role ${role},`,
        );
        await tx.trx('groups').where({ id: group.id }).delete();
      });
      auth.forgetAll();
      return { ok: true as const };
    }),
  );

  registry.add(
    implement(c['iam.permissions.list'], async () => {
      const items = registry.permissions().map((p) => ({
        ...p,
        operations: registry
          .all()
          .filter((o) => o.permission === p.name)
          .map((o) => o.name),
      }));
      return { items, total: items.length };
    }),
  );
  registry.add(implement(c['iam.roles.list'], async (ctx, i) => page(await loadRoles(ctx.db), i)));
  const checkPermissions = (perms: string[]) => {
    const known = permissionNames();
    const unknown = perms.filter((p) => !known.has(p));
    if (unknown.length)
      throw new ValidationError(`unknown permission: ${unknown.join(', ')}`, [{ path: 'permissions', message: `unknown: ${unknown.join(', ')}` }]);
  };
  const saveRole = async (ctx: Ctx, i: { name: string; description?: string; permissions?: string[] }, create: boolean) => {
    if (i.permissions) checkPermissions(i.permissions);
    await iamChange(ctx, async (tx) => {
      const { trx } = tx;
      let role = await trx('roles').where({ name: i.name }).first();
      if (create) {
        const clash = role ?? (await trx('roles').whereRaw('lower(name) = ?', [i.name.toLowerCase()]).first());
        if (clash) throw new Conflict(`role ${clash.name} already exists (role names are compared without regard to case)`);
        const [row] = await trx('roles')
          .insert({ name: i.name, description: i.description ?? '', builtin: false, created_at: nowIso() })
          .returning('id');
        role = { id: Number(row.id ?? row) };
      } else {
        if (!role) throw new NotFound(`role ${i.name} does not exist`);
        if (role.builtin) throw new Conflict(`${i.name} is built in and cannot be changed; make a custom role instead`);
        // A role that carries more than you hold is not yours to change; its holders are checked by iamChange.
        await requireMayGrant(tx, [Number(role.id)], (name) => `changing role ${name}`);
        if (i.description !== undefined) await trx('roles').where({ id: role.id }).update({ description: i.description });
      }
      if (i.permissions) {
        tx.requireHolds(i.permissions, `a role with these permissions`);
        await trx('role_permissions').where({ role_id: role.id }).delete();
        const unique = [...new Set(i.permissions)];
        if (unique.length) await trx('role_permissions').insert(unique.map((permission) => ({ role_id: role.id, permission })));
      }
    });
    auth.forgetAll();
    return (await loadRoles(ctx.db)).find((r) => r.name === i.name)!;
  };
  registry.add(implement(c['iam.roles.create'], (ctx, i) => saveRole(ctx, i, true)));
  registry.add(implement(c['iam.roles.update'], (ctx, i) => saveRole(ctx, i, false)));
  registry.add(
    implement(c['iam.roles.delete'], async (ctx, i) => {
      await iamChange(ctx, async (tx) => {
        const role = await tx.trx('roles').where({ name: i.name }).first();
        if (!role) throw new NotFound(`role ${i.name} does not exist`);
        if (role.builtin) throw new Conflict(`${i.name} is built in and cannot be deleted`);
        await requireMayGrant(tx, [Number(role.id)], (name) => `deleting role ${name}`);
        await tx.trx('roles').where({ id: role.id }).delete();
      });
      auth.forgetAll();
      return { ok: true as const };
    }),
  );

  registry.add(
    implement(c['audit.list'], async (ctx, i) => {
      const q = ctx.db('audit_log');
      if (i.actor) q.where('actor_name', i.actor);
      if (i.operation) {
        if (i.operation.endsWith('.')) q.where('operation', 'like', `${i.operation}%`);
        else q.where('operation', i.operation);
      }
      if (i.result) q.where('result', i.result);
      if (i.face) q.where('face', i.face);
      if (i.from) q.where('at', '>=', i.from);
      if (i.to) q.where('at', '<=', i.to);
      if (i.search) q.where('target', 'like', `%${i.search}%`);
      const [{ n }] = await q.clone().count({ n: '*' });
      const rows = await q.orderBy('id', 'desc').limit(i.limit).offset(i.offset);
      return {
        total: Number(n),
        items: rows.map((r: Record<string, unknown>) => ({
          id: Number(r.id),
          at: String(r.at),
          actor: String(r.actor_name),
          face: String(r.face),
          address: (r.address as string) ?? null,
          requestId: (r.request_id as string) ?? null,
          operation: String(r.operation),
          target: (r.target as string) ?? null,
          input: JSON.parse(String(r.input)),
          result: String(r.result),
          error: (r.error as string) ?? null,
        })),
      };
    }),
  );
}

/** Keeps the built-in roles' rows equal to what the catalogue says they hold. */
export async function syncBuiltinRoles(db: Knex, registry: Registry): Promise<void> {
  await db.transaction(async (trx) => {
    for (const def of BUILTIN_ROLES) {
      let role = await trx('roles').where({ name: def.name }).first();
      if (!role) {
        const [row] = await trx('roles').insert({ name: def.name, description: def.description, builtin: true, created_at: nowIso() }).returning('id');
        role = { id: Number(row.id ?? row) };
      } else if (role.description !== def.description) {
        await trx('roles').where({ id: role.id }).update({ description: def.description });
      }
      await trx('role_permissions').where({ role_id: role.id }).delete();
      const perms = registry.permissionsAtLevels(def.levels);
      if (perms.length) await trx('role_permissions').insert(perms.map((permission) => ({ role_id: role.id, permission })));
    }
  });
}
