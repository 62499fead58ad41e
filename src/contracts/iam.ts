/**
 * IAM (SRS-10): authentication (auth.*), the own profile, users, groups, roles and the
 * permission catalogue (iam.*), and the audit log (audit.*). Reading is iam.read; changing
 * users, groups and roles is iam.write (the handler also refuses granting more than the caller
 * holds); the audit log is audit.read, Admin's only.
 */
import { z } from 'zod';
import { AUTHENTICATED, PUBLIC, contractSet, defineContract, definePermissions } from './core.js';
import { listOf, listShape, noInput } from './list.js';
import { plainText } from './text.js';
import { isoTime } from './time.js';

export const iamPermissions = definePermissions([
  { name: 'iam.read', description: 'See users, groups, roles and permissions', level: 'read' },
  { name: 'iam.write', description: 'Create, change and delete users, groups and roles', level: 'admin' },
  { name: 'audit.read', description: 'Read the audit log', level: 'admin' },
]);

/** What a user name can be: the rule iam.users.create enforces. */
export const USER_NAME = /^[a-z_][a-z0-9_.-]{0,31}$/;

export const MIN_PASSWORD_LENGTH = 12;

export const passwordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(200, 'must be at most 200 characters')
  .refine((p) => new Set(p).size >= 5, 'must use at least 5 different characters')
  .describe(`Password: at least ${MIN_PASSWORD_LENGTH} characters`);

export const userSchema = z.object({
  id: z.number().int().describe('User id'),
  username: z.string().describe('Login name'),
  displayName: z.string().describe('Full name shown in the console'),
  email: z.string().describe('Email address for notifications'),
  enabled: z.boolean().describe('A disabled user cannot log in'),
  roles: z.array(z.string()).describe('Roles granted directly'),
  groups: z.array(z.string()).describe('Groups the user belongs to (they may grant more roles)'),
  createdAt: isoTime().describe('When the account was created'),
  lastLoginAt: isoTime().nullable().describe('Last successful login'),
});
export type User = z.infer<typeof userSchema>;

const username = z
  .string()
  .trim()
  .max(32, 'at most 32 characters')
  .regex(USER_NAME, 'lower-case letters, digits, _ . - ; start with a letter or _; at most 32 characters')
  .describe('Login name');
const roleName = z
  .string()
  .trim()
  .max(64, 'at most 64 characters')
  .regex(/^[A-Za-z][A-Za-z0-9_ -]{0,63}$/, 'letters, digits, space, _ and -; start with a letter')
  .describe('Role name');
const groupName = z
  .string()
  .trim()
  .max(64, 'at most 64 characters')
  .regex(/^[a-z_][a-z0-9_.-]{0,63}$/, 'lower-case letters, digits, _ . -; start with a letter or _')
  .describe('Group name');
const displayName = plainText().max(200).describe('Full name');
const email = z.union([z.literal(''), z.email().max(254, 'at most 254 characters')]).describe('Email address (may be empty)');

export const tokenPairSchema = z.object({
  accessToken: z.string().describe('JWT for the Authorization: Bearer header; lives 15 minutes'),
  refreshToken: z.string().describe('Exchange at /auth/refresh for a new pair; single use'),
  expiresInSeconds: z.number().describe('Seconds until the access token expires'),
  user: userSchema.describe('The logged-in user'),
});
export type TokenPair = z.infer<typeof tokenPairSchema>;

export const meSchema = userSchema.extend({
  permissions: z.array(z.string()).describe('Effective permissions from all roles'),
  preferences: z.record(z.string(), z.unknown()).describe('Console preferences'),
});
export type Me = z.infer<typeof meSchema>;

export const groupSchema = z.object({
  name: z.string().describe('Group name'),
  description: z.string().describe('What the group is for'),
  members: z.array(z.string()).describe('Usernames in the group'),
  roles: z.array(z.string()).describe('Roles every member receives'),
});
export type Group = z.infer<typeof groupSchema>;

export const roleSchema = z.object({
  name: z.string().describe('Role name'),
  description: z.string().describe('What the role is for'),
  builtin: z.boolean().describe('Built-in roles cannot be changed or deleted'),
  permissions: z.array(z.string()).describe('Permissions the role grants'),
});
export type Role = z.infer<typeof roleSchema>;

export const permissionInfoSchema = z.object({
  name: z.string().describe('Permission name'),
  description: z.string().describe('What it allows'),
  level: z.enum(['read', 'operate', 'admin']).describe('read: ReadOnly and up; operate: Operator and up; admin: Admin only'),
  operations: z.array(z.string()).describe('Operations that need it'),
});
export type PermissionInfo = z.infer<typeof permissionInfoSchema>;

export const auditEntrySchema = z.object({
  id: z.number().describe('Row id'),
  at: isoTime().describe('When'),
  actor: z.string().describe('Who (username, anonymous or system)'),
  face: z.string().describe('api, console, cli or system'),
  address: z.string().nullable().describe('Client address'),
  requestId: z.string().nullable().describe('Request id (API)'),
  operation: z.string().describe('Operation name'),
  target: z.string().nullable().describe('The object acted on'),
  input: z.unknown().describe('The input, secrets redacted'),
  result: z.string().describe('attempted, ok, denied, invalid or error'),
  error: z.string().nullable().describe('Why it failed'),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

const ok = z.object({ ok: z.literal(true).describe('The operation succeeded') });

const permissionList = z.array(z.string().max(100)).describe('Permission names from the catalogue (GET /permissions)');

const groupInput = {
  description: plainText().max(500).optional().describe('What the group is for'),
  members: z.array(username).max(1000).optional().describe('Replace the members (usernames)'),
  roles: z.array(roleName).max(50).optional().describe('Replace the roles members receive'),
};
const roleInput = {
  description: plainText().max(500).optional().describe('What the role is for'),
  permissions: permissionList.max(500).optional(),
};

export const iamContracts = contractSet([
  defineContract({
    name: 'auth.login',
    summary: 'Log in',
    permission: PUBLIC,
    mutating: true,
    input: z.object({ username: z.string().max(64).describe('Login name'), password: z.string().max(200).describe('Password') }),
    // No target here: the daemon names a failed login's user without ever showing a password
    // typed as the user name, keyed with the appliance's secret (AuthEngine.auditName).
    output: tokenPairSchema,
    http: { method: 'POST', path: '/auth/login' },
  }),
  defineContract({
    name: 'auth.refresh',
    summary: 'Exchange a refresh token for a new token pair',
    permission: PUBLIC,
    mutating: true,
    input: z.object({ refreshToken: z.string().max(200).describe('The refresh token from login or the last refresh') }),
    output: tokenPairSchema,
    http: { method: 'POST', path: '/auth/refresh' },
  }),
  defineContract({
    name: 'auth.logout',
    summary: 'Log out (end this session)',
    permission: AUTHENTICATED,
    mutating: true,
    input: noInput,
    output: ok,
    http: { method: 'POST', path: '/auth/logout' },
  }),
  defineContract({
    name: 'auth.me',
    summary: 'Who am I',
    permission: AUTHENTICATED,
    mutating: false,
    input: noInput,
    output: meSchema,
    http: { method: 'GET', path: '/auth/me' },
  }),
  defineContract({
    name: 'auth.me.update',
    summary: 'Edit my profile',
    permission: AUTHENTICATED,
    mutating: true,
    input: z.object({
      displayName: displayName.optional(),
      email: email.optional(),
      preferences: z
        .record(z.string().max(64), z.union([z.string().max(200), z.number(), z.boolean()]))
        .optional()
        .describe('Console preferences (theme, idle lock minutes...)'),
    }),
    output: ok,
    http: { method: 'PATCH', path: '/auth/me' },
  }),
  defineContract({
    name: 'auth.me.password',
    summary: 'Change my password',
    permission: AUTHENTICATED,
    mutating: true,
    input: z.object({ currentPassword: z.string().max(200).describe('The password now in use'), newPassword: passwordSchema }),
    output: ok,
    http: { method: 'POST', path: '/auth/me/password' },
  }),

  defineContract({
    name: 'iam.users.list',
    summary: 'List users',
    permission: 'iam.read',
    mutating: false,
    input: z.object({ ...listShape, search: z.string().max(64).optional().describe('Part of the username or display name') }),
    output: listOf(userSchema),
    http: { method: 'GET', path: '/users' },
  }),
  defineContract({
    name: 'iam.users.get',
    summary: 'Show a user',
    permission: 'iam.read',
    mutating: false,
    input: z.object({ username }),
    output: userSchema,
    http: { method: 'GET', path: '/users/:username' },
  }),
  defineContract({
    name: 'iam.users.create',
    summary: 'Create a user',
    permission: 'iam.write',
    mutating: true,
    input: z.object({
      username,
      password: passwordSchema,
      displayName: displayName.default(''),
      email: email.default(''),
      roles: z.array(roleName).max(50).default([]).describe('Roles granted directly'),
      groups: z.array(groupName).max(50).default([]).describe('Groups to join'),
      enabled: z.boolean().default(true).describe('Whether the user can log in'),
    }),
    output: userSchema,
    target: (i) => i.username,
    http: { method: 'POST', path: '/users' },
  }),
  defineContract({
    name: 'iam.users.update',
    summary: 'Edit a user',
    permission: 'iam.write',
    mutating: true,
    input: z.object({
      username,
      displayName: displayName.optional(),
      email: email.optional(),
      enabled: z.boolean().optional().describe('Disable to block logins and end sessions'),
      roles: z.array(roleName).max(50).optional().describe('Replace the directly granted roles'),
      groups: z.array(groupName).max(50).optional().describe('Replace the group memberships'),
    }),
    output: userSchema,
    target: (i) => i.username,
    http: { method: 'PATCH', path: '/users/:username' },
  }),
  defineContract({
    name: 'iam.users.password',
    summary: "Reset a user's password",
    permission: 'iam.write',
    mutating: true,
    input: z.object({ username, password: passwordSchema }),
    output: ok,
    target: (i) => i.username,
    http: { method: 'POST', path: '/users/:username/password' },
  }),
  defineContract({
    name: 'iam.users.delete',
    summary: 'Delete a user',
    permission: 'iam.write',
    mutating: true,
    dangerous: true,
    input: z.object({ username }),
    output: ok,
    target: (i) => i.username,
    http: { method: 'DELETE', path: '/users/:username' },
  }),

  defineContract({
    name: 'iam.groups.list',
    summary: 'List groups',
    permission: 'iam.read',
    mutating: false,
    input: z.object({ ...listShape }),
    output: listOf(groupSchema),
    http: { method: 'GET', path: '/groups' },
  }),
  defineContract({
    name: 'iam.groups.create',
    summary: 'Create a group',
    permission: 'iam.write',
    mutating: true,
    input: z.object({ name: groupName, ...groupInput }),
    output: groupSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/groups' },
  }),
  defineContract({
    name: 'iam.groups.update',
    summary: 'Edit a group',
    permission: 'iam.write',
    mutating: true,
    input: z.object({ name: groupName, ...groupInput }),
    output: groupSchema,
    target: (i) => i.name,
    http: { method: 'PATCH', path: '/groups/:name' },
  }),
  defineContract({
    name: 'iam.groups.delete',
    summary: 'Delete a group',
    permission: 'iam.write',
    mutating: true,
    dangerous: true,
    input: z.object({ name: groupName }),
    output: ok,
    target: (i) => i.name,
    http: { method: 'DELETE', path: '/groups/:name' },
  }),

  defineContract({
    name: 'iam.permissions.list',
    summary: 'List the permission catalogue',
    permission: 'iam.read',
    mutating: false,
    input: noInput,
    output: listOf(permissionInfoSchema),
    http: { method: 'GET', path: '/permissions' },
  }),
  defineContract({
    name: 'iam.roles.list',
    summary: 'List roles',
    permission: 'iam.read',
    mutating: false,
    input: z.object({ ...listShape }),
    output: listOf(roleSchema),
    http: { method: 'GET', path: '/roles' },
  }),
  defineContract({
    name: 'iam.roles.create',
    summary: 'Create a custom role',
    permission: 'iam.write',
    mutating: true,
    input: z.object({ name: roleName, ...roleInput }),
    output: roleSchema,
    target: (i) => i.name,
    http: { method: 'POST', path: '/roles' },
  }),
  defineContract({
    name: 'iam.roles.update',
    summary: 'Edit a custom role',
    permission: 'iam.write',
    mutating: true,
    input: z.object({ name: roleName, ...roleInput }),
    output: roleSchema,
    target: (i) => i.name,
    http: { method: 'PATCH', path: '/roles/:name' },
  }),
  defineContract({
    name: 'iam.roles.delete',
    summary: 'Delete a custom role',
    permission: 'iam.write',
    mutating: true,
    dangerous: true,
    input: z.object({ name: roleName }),
    output: ok,
    target: (i) => i.name,
    http: { method: 'DELETE', path: '/roles/:name' },
  }),

  defineContract({
    name: 'audit.list',
    summary: 'Read the audit log',
    permission: 'audit.read',
    mutating: false,
    input: z.object({
      ...listShape,
      actor: z.string().max(64).optional().describe('Only calls by this username'),
      operation: z.string().max(100).optional().describe('Only this operation, or a prefix ending in "." (e.g. "iam.")'),
      result: z
        .enum(['attempted', 'ok', 'denied', 'invalid', 'error'])
        .optional()
        .describe('Only this outcome (attempted: the change started and no outcome was recorded yet: in progress, or the process stopped)'),
      face: z.enum(['api', 'console', 'cli', 'system']).optional().describe('Only calls from this face'),
      from: z.iso.datetime().max(40).optional().describe('From this time (ISO-8601)'),
      to: z.iso.datetime().max(40).optional().describe('Up to this time (ISO-8601)'),
      search: z.string().max(100).optional().describe('Text in the target'),
    }),
    output: listOf(auditEntrySchema),
    http: { method: 'GET', path: '/audit' },
  }),
]);
