/** Users & Access: users, groups, roles and their permissions; change your own password. */
import React, { useState } from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import type { Group, Role, User } from '../../contracts/iam.js';
import { useShell } from '../context.js';
import { Table, useTable, type Column } from '../components/Table.js';
import { Tabs, tabBindings, readFailure } from '../components/Panels.js';
import { useBindings, useQuery } from '../hooks/use-operation.js';
import type { KeyBinding } from '../keys.js';
import { ago, truncate } from '../format.js';

const TABS = [
  { id: 'users', label: 'Users' },
  { id: 'groups', label: 'Groups' },
  { id: 'roles', label: 'Roles' },
] as const;
type Tab = (typeof TABS)[number]['id'];

export function UsersScreen(): React.ReactElement {
  const shell = useShell();
  const [tab, setTab] = useState<Tab>('users');
  const tabKeys: KeyBinding[] = [
    ...tabBindings(TABS, tab, setTab),
    {
      key: 'P',
      description: 'Change my password',
      operation: 'auth.me.password',
      action: () =>
        shell.openForm({
          title: 'Change my password',
          operation: 'auth.me.password',
          submitLabel: 'Change',
          success: () => 'Password changed; your other sessions were ended. Log in again with the new password.',
        }),
    },
  ];
  return (
    <Box flexDirection="column" paddingX={1}>
      <Tabs tabs={[...TABS]} current={tab} theme={shell.theme} width={shell.width - 2} />
      {tab === 'users' ? <UsersTab extra={tabKeys} /> : tab === 'groups' ? <GroupsTab extra={tabKeys} /> : <RolesTab extra={tabKeys} />}
    </Box>
  );
}

function UsersTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('iam.users.list', { limit: 10000 }, { refreshOn: ['audit'] });
  const columns: Column<User>[] = [
    { key: 'username', title: 'USERNAME', width: 16, render: (u) => u.username },
    { key: 'name', title: 'NAME', width: 0, render: (u) => u.displayName },
    { key: 'enabled', title: 'LOGIN', width: 8, render: (u) => (u.enabled ? 'enabled' : 'disabled'), color: (u) => (u.enabled ? undefined : 'red') },
    { key: 'roles', title: 'ROLES', width: 16, render: (u) => u.roles.join(',') },
    {
      key: 'last',
      title: 'LAST LOGIN',
      width: 16,
      render: (u) => (u.lastLoginAt ? ago(u.lastLoginAt) : 'never'),
      sortValue: (u) => u.lastLoginAt ?? '',
      minTableWidth: 84,
    },
  ];
  const table = useTable(q.data?.items ?? [], columns, (u) => u.username);
  const u = table.selected;
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 8 }),
    {
      key: 'c',
      description: 'Create user',
      operation: 'iam.users.create',
      action: () =>
        shell.openForm({
          title: 'Create a user',
          operation: 'iam.users.create',
          initial: { roles: 'ReadOnly' },
          submitLabel: 'Create',
          success: (r) => `Created user ${r.username}`,
          onDone: q.reload,
        }),
    },
    ...(u
      ? [
          {
            key: 'e',
            description: 'Edit',
            operation: 'iam.users.update',
            action: () =>
              shell.openForm({
                title: `Edit user ${u.username}`,
                operation: 'iam.users.update',
                fixed: { username: u.username },
                initial: { displayName: u.displayName, email: u.email, enabled: String(u.enabled), roles: u.roles, groups: u.groups },
                success: () => `Saved ${u.username}`,
                onDone: q.reload,
              }),
          },
          {
            key: 'p',
            description: 'Reset password',
            operation: 'iam.users.password',
            action: () =>
              shell.openForm({
                title: `New password for ${u.username}`,
                operation: 'iam.users.password',
                fixed: { username: u.username },
                submitLabel: 'Set',
                success: () => `Password of ${u.username} reset; their sessions were ended`,
                onDone: q.reload,
              }),
          },
          {
            key: 'D',
            description: 'Delete',
            operation: 'iam.users.delete',
            action: () =>
              shell.confirm({
                operation: 'iam.users.delete',
                input: { username: u.username },
                verb: 'delete',
                details: ['The user is removed and their sessions end. Their audit history stays.'],
                success: () => `Deleted user ${u.username}`,
                onDone: q.reload,
              }),
          },
        ]
      : []),
    { key: 'r', description: 'Refresh', hint: false, action: q.reload },
    ...extra,
  ]);
  const failed = readFailure(q, theme);
  if (failed) return failed;
  return (
    <Box flexDirection="column">
      <Table
        table={table}
        columns={columns}
        width={width - 2}
        height={height - 5}
        theme={theme}
        focused={active}
        emptyText={q.loading ? 'Loading...' : 'No users.'}
      />
      <Text dimColor wrap="truncate">
        {u ? `${u.username}: ${u.email || 'no email'}; groups ${u.groups.join(', ') || 'none'}; roles ${u.roles.join(', ') || 'none'}` : ' '}
      </Text>
    </Box>
  );
}

function GroupsTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('iam.groups.list', { limit: 10000 }, { refreshOn: ['audit'] });
  const columns: Column<Group>[] = [
    { key: 'name', title: 'GROUP', width: 16, render: (g) => g.name },
    { key: 'description', title: 'DESCRIPTION', width: 0, render: (g) => g.description },
    { key: 'members', title: 'MEMBERS', width: 7, align: 'right', render: (g) => String(g.members.length), sortValue: (g) => g.members.length },
    { key: 'roles', title: 'ROLES', width: 16, render: (g) => g.roles.join(',') },
  ];
  const table = useTable(q.data?.items ?? [], columns, (g) => g.name);
  const g = table.selected;
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 8 }),
    {
      key: 'c',
      description: 'Create group',
      operation: 'iam.groups.create',
      action: () =>
        shell.openForm({
          title: 'Create a group',
          operation: 'iam.groups.create',
          submitLabel: 'Create',
          success: (r) => `Created group ${r.name}`,
          onDone: q.reload,
        }),
    },
    ...(g
      ? [
          {
            key: 'e',
            description: 'Edit',
            operation: 'iam.groups.update',
            action: () =>
              shell.openForm({
                title: `Edit group ${g.name}`,
                operation: 'iam.groups.update',
                fixed: { name: g.name },
                initial: { description: g.description, members: g.members, roles: g.roles },
                success: () => `Saved ${g.name}`,
                onDone: q.reload,
              }),
          },
          {
            key: 'D',
            description: 'Delete',
            operation: 'iam.groups.delete',
            action: () =>
              shell.confirm({
                operation: 'iam.groups.delete',
                input: { name: g.name },
                verb: 'delete',
                details: [`Members lose the roles the group gives: ${g.roles.join(', ') || 'none'}.`],
                onDone: q.reload,
              }),
          },
        ]
      : []),
    { key: 'r', description: 'Refresh', hint: false, action: q.reload },
    ...extra,
  ]);
  const failed = readFailure(q, theme);
  if (failed) return failed;
  return (
    <Box flexDirection="column">
      <Table
        table={table}
        columns={columns}
        width={width - 2}
        height={height - 5}
        theme={theme}
        focused={active}
        emptyText={q.loading ? 'Loading...' : 'No groups yet: c creates one.'}
      />
      <Text dimColor wrap="truncate">
        {g ? `members: ${g.members.join(', ') || 'none'}` : ' '}
      </Text>
    </Box>
  );
}

function RolesTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const permissionText = (name: string) => shell.app.permissions().find((p) => p.name === name)?.description ?? '';
  const { theme, width, height, active } = shell;
  const q = useQuery('iam.roles.list', { limit: 10000 }, { refreshOn: ['audit'] });
  const columns: Column<Role>[] = [
    { key: 'name', title: 'ROLE', width: 14, render: (r) => r.name },
    { key: 'kind', title: 'KIND', width: 8, render: (r) => (r.builtin ? 'built-in' : 'custom') },
    { key: 'perms', title: 'PERMS', width: 5, align: 'right', render: (r) => String(r.permissions.length), sortValue: (r) => r.permissions.length },
    { key: 'description', title: 'DESCRIPTION', width: 0, render: (r) => r.description },
  ];
  const listHeight = Math.max(5, Math.floor((height - 3) / 2));
  const table = useTable(q.data?.items ?? [], columns, (r) => r.name);
  const r = table.selected;
  const editable = r && !r.builtin;
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: listHeight - 2 }),
    {
      key: 'c',
      description: 'Create role',
      operation: 'iam.roles.create',
      action: () => shell.openForm({ title: 'Create a custom role', operation: 'iam.roles.create', submitLabel: 'Create', onDone: q.reload }),
    },
    ...(r
      ? [
          {
            key: 'e',
            description: 'Edit',
            operation: 'iam.roles.update',
            disabledReason: editable ? undefined : `${r.name} is built in; create a custom role instead`,
            action: () =>
              shell.openForm({
                title: `Edit role ${r.name}`,
                operation: 'iam.roles.update',
                fixed: { name: r.name },
                initial: { description: r.description, permissions: r.permissions },
                onDone: q.reload,
              }),
          },
          {
            key: 'D',
            description: 'Delete',
            operation: 'iam.roles.delete',
            disabledReason: editable ? undefined : `${r.name} is built in and cannot be deleted`,
            action: () => shell.confirm({ operation: 'iam.roles.delete', input: { name: r.name }, verb: 'delete', onDone: q.reload }),
          },
        ]
      : []),
    ...(r
      ? [
          {
            key: 'enter',
            description: 'All permissions',
            action: () =>
              shell.showText(
                `Permissions of ${r.name}`,
                r.permissions.map((p) => `${p.padEnd(22)} ${permissionText(p)}`),
              ),
          },
        ]
      : []),
    { key: 'r', description: 'Refresh', hint: false, action: q.reload },
    ...extra,
  ]);
  const failed = readFailure(q, theme);
  if (failed) return failed;
  const perms = r?.permissions ?? [];
  const perLine = Math.max(1, Math.floor((width - 2) / 20));
  const lines: string[] = [];
  for (let i = 0; i < perms.length; i += perLine)
    lines.push(
      perms
        .slice(i, i + perLine)
        .map((p) => p.padEnd(19))
        .join(' '),
    );
  const room = Math.max(1, height - listHeight - 3);
  return (
    <Box flexDirection="column">
      <Table
        table={table}
        columns={columns}
        width={width - 2}
        height={listHeight}
        theme={theme}
        focused={active}
        emptyText={q.loading ? 'Loading...' : 'No roles.'}
      />
      <Text bold wrap="truncate">
        {r ? `Permissions of ${r.name} (${perms.length})` : ' '}
      </Text>
      {lines.slice(0, room).map((l, i) => (
        <Text key={i} wrap="truncate">
          {truncate(l, width - 2)}
        </Text>
      ))}
      {lines.length > room ? <Text dimColor>... {perms.length} in all: Enter lists them</Text> : null}
    </Box>
  );
}
