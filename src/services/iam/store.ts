/** Reading users with their roles, groups and effective permissions. */
import type { Knex } from 'knex';
import { z } from 'zod';
import { NotFound } from '../core/errors.js';

export const userSchema = z.object({
  id: z.number().int().describe('User id'),
  username: z.string().describe('Login name'),
  displayName: z.string().describe('Full name shown in the console'),
  email: z.string().describe('Email address for notifications'),
  enabled: z.boolean().describe('A disabled user cannot log in'),
  roles: z.array(z.string()).describe('Roles granted directly'),
  groups: z.array(z.string()).describe('Groups the user belongs to (they may grant more roles)'),
  createdAt: z.string().describe('When the account was created'),
  lastLoginAt: z.string().nullable().describe('Last successful login'),
});
export type User = z.infer<typeof userSchema>;

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
  if (filter.search) q.where((w) => w.where('username', 'like', `%${filter.search}%`).orWhere('display_name', 'like', `%${filter.search}%`));
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
  const viaGroups = db('group_roles').join('group_members', 'group_members.group_id', 'group_roles.group_id').where('group_members.user_id', userId).select('group_roles.role_id');
  const roles: { id: number; name: string }[] = await db('roles').whereIn('id', direct).orWhereIn('id', viaGroups).select('id', 'name').orderBy('name');
  const perms: { permission: string }[] = roles.length
    ? await db('role_permissions').whereIn('role_id', roles.map((r) => r.id)).distinct('permission')
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
