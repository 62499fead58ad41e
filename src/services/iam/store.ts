/** Reading users with their roles, groups and effective permissions. */
import type { Knex } from 'knex';
import { NotFound } from '../core/errors.js';
import type { User } from '../../contracts/iam.js';

export interface UserRow {
  id: number;
  username: string;
  display_name: string;
  email: string;
  password_hash: string;
  enabled: boolean | number;
  preferences: string;
  created_at: string;
  last_login_at: string | null;
  password_changed_at: string;
}

export async function findUserRow(db: Knex, username: string): Promise<UserRow | undefined> {
  return db('users').where({ username }).first();
}

export async function requireUserRow(db: Knex, username: string): Promise<UserRow> {
  const row = await findUserRow(db, username);
  if (!row) throw new NotFound(`user ${username} does not exist`);
  return row;
}

/** Users with their direct roles and groups, in two queries regardless of count. */
export async function loadUsers(db: Knex, filter: { username?: string; search?: string } = {}): Promise<User[]> {
  const q = db('users').orderBy('username');
  if (filter.username) q.where('username', filter.username);
  if (filter.search) {
    q.where((w) => {
      w.where('username', 'like', `%${filter.search}%`).orWhere('display_name', 'like', `%${filter.search}%`);
    });
  }
  const rows: UserRow[] = await q;
  const ids = rows.map((r) => r.id);
  const roleRows: { user_id: number; name: string }[] = ids.length
    ? await db('user_roles').join('roles', 'roles.id', 'user_roles.role_id').whereIn('user_id', ids).select('user_id', 'name').orderBy('name')
    : [];
  const groupRows: { user_id: number; name: string }[] = ids.length
    ? await db('group_members').join('groups', 'groups.id', 'group_members.group_id').whereIn('user_id', ids).select('user_id', 'name').orderBy('name')
    : [];
  return rows.map((r) => ({
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    email: r.email,
    enabled: Boolean(r.enabled),
    roles: roleRows.filter((x) => x.user_id === r.id).map((x) => x.name),
    groups: groupRows.filter((x) => x.user_id === r.id).map((x) => x.name),
    createdAt: r.created_at,
    lastLoginAt: r.last_login_at,
  }));
}

export async function loadUser(db: Knex, username: string): Promise<User> {
  const [user] = await loadUsers(db, { username });
  if (!user) throw new NotFound(`user ${username} does not exist`);
  return user;
}

/** Role names held directly or through groups, and the union of their permissions. */
export async function effectiveAccess(db: Knex, userId: number): Promise<{ roles: string[]; permissions: Set<string> }> {
  const direct = db('user_roles').where('user_id', userId).select('role_id');
  const viaGroups = db('group_roles')
    .join('group_members', 'group_members.group_id', 'group_roles.group_id')
    .where('group_members.user_id', userId)
    .select('group_roles.role_id');
  const roles: { id: number; name: string }[] = await db('roles').whereIn('id', direct).orWhereIn('id', viaGroups).select('id', 'name').orderBy('name');
  const perms: { permission: string }[] = roles.length
    ? await db('role_permissions')
        .whereIn(
          'role_id',
          roles.map((r) => r.id),
        )
        .distinct('permission')
    : [];
  return { roles: roles.map((r) => r.name), permissions: new Set(perms.map((p) => p.permission)) };
}

export async function roleIds(db: Knex, names: string[]): Promise<number[]> {
  if (names.length === 0) return [];
  const rows: { id: number; name: string }[] = await db('roles').whereIn('name', names).select('id', 'name');
  const missing = names.filter((n) => !rows.some((r) => r.name === n));
  if (missing.length) throw new NotFound(`no such role: ${missing.join(', ')}`);
  return rows.map((r) => r.id);
}

export async function groupIds(db: Knex, names: string[]): Promise<number[]> {
  if (names.length === 0) return [];
  const rows: { id: number; name: string }[] = await db('groups').whereIn('name', names).select('id', 'name');
  const missing = names.filter((n) => !rows.some((r) => r.name === n));
  if (missing.length) throw new NotFound(`no such group: ${missing.join(', ')}`);
  return rows.map((r) => r.id);
}

/** What one user holds, for comparing before and after an IAM change. */
export interface UserAccess {
  id: number;
  username: string;
  enabled: boolean;
  roles: Set<string>;
  permissions: Set<string>;
}

/**
 * Every user's effective roles (direct and through groups) and permissions, in five queries.
 * An appliance has tens of users, so IAM changes compare the whole picture before and after.
 */
export async function accessSnapshot(db: Knex): Promise<Map<number, UserAccess>> {
  const users: { id: number; username: string; enabled: boolean | number }[] = await db('users').select('id', 'username', 'enabled');
  const roles: { id: number; name: string }[] = await db('roles').select('id', 'name');
  const rolePerms: { role_id: number; permission: string }[] = await db('role_permissions').select('role_id', 'permission');
  const direct: { user_id: number; role_id: number }[] = await db('user_roles').select('user_id', 'role_id');
  const viaGroups: { user_id: number; role_id: number }[] = await db('group_members')
    .join('group_roles', 'group_roles.group_id', 'group_members.group_id')
    .select('group_members.user_id as user_id', 'group_roles.role_id as role_id');
  const roleName = new Map(roles.map((r) => [Number(r.id), r.name]));
  const permsOf = new Map<number, string[]>();
  for (const p of rolePerms) permsOf.set(Number(p.role_id), [...(permsOf.get(Number(p.role_id)) ?? []), p.permission]);
  const out = new Map<number, UserAccess>();
  for (const u of users)
    out.set(Number(u.id), { id: Number(u.id), username: u.username, enabled: Boolean(u.enabled), roles: new Set(), permissions: new Set() });
  for (const link of [...direct, ...viaGroups]) {
    const user = out.get(Number(link.user_id));
    const name = roleName.get(Number(link.role_id));
    if (!user || name === undefined) continue;
    user.roles.add(name);
    for (const p of permsOf.get(Number(link.role_id)) ?? []) user.permissions.add(p);
  }
  return out;
}

/** Permissions the roles with these ids carry, by role name. */
export async function rolePermissions(db: Knex, ids: number[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (ids.length === 0) return out;
  const roles: { id: number; name: string }[] = await db('roles').whereIn('id', ids).select('id', 'name');
  const perms: { role_id: number; permission: string }[] = await db('role_permissions').whereIn('role_id', ids).select('role_id', 'permission');
  for (const r of roles)
    out.set(
      r.name,
      perms.filter((p) => Number(p.role_id) === Number(r.id)).map((p) => p.permission),
    );
  return out;
}
