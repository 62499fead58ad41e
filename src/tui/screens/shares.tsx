/** Shares: SMB shares, NFS exports, the SMB service and its users, and configuration drift. */
import React, { useState } from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import type { NfsExport, SmbSessions, SmbShare, SmbUser } from '../../contracts/shares.js';
import { useShell } from '../context.js';
import { Table, useTable, type Column } from '../components/Table.js';
import { KeyValues, Notice, Tabs, tabBindings, readFailure } from '../components/Panels.js';
import { useBindings, useQuery } from '../hooks/use-operation.js';
import type { KeyBinding } from '../keys.js';
import { dateTime } from '../format.js';
import { DriftPanel, openDriftRepair } from './drift.js';
import { NfsForm, type NfsClient } from './nfs-form.js';

type SmbSession = SmbSessions['sessions'][number];

const TABS = [
  { id: 'smb', label: 'SMB shares' },
  { id: 'nfs', label: 'NFS exports' },
  { id: 'service', label: 'SMB service' },
  { id: 'users', label: 'SMB users' },
  { id: 'drift', label: 'Drift' },
] as const;
type Tab = (typeof TABS)[number]['id'];

const SQUASH = ['root_squash', 'all_squash', 'no_root_squash'];

/** Client rules in exports(5) style, e.g. `10.0.0.0/24(rw,no_root_squash) *(ro)`. */
export function formatClients(clients: Partial<NfsClient>[]): string {
  return clients
    .map((c) => {
      const sec = (c.sec ?? ['sys']).join(':');
      const opts = [
        c.access ?? 'ro',
        ...(c.squash && c.squash !== 'root_squash' ? [c.squash] : []),
        ...(sec !== 'sys' ? [`sec=${sec}`] : []),
        ...(c.anonuid != null ? [`anonuid=${c.anonuid}`] : []),
        ...(c.anongid != null ? [`anongid=${c.anongid}`] : []),
      ];
      return `${c.host ?? '?'}(${opts.join(',')})`;
    })
    .join(' ');
}

/** The reverse of formatClients; options it does not know come back in `unknown`. */
export function parseClients(text: string): { clients: Record<string, unknown>[]; unknown: string[] } {
  const unknown: string[] = [];
  const clients = [...text.matchAll(/([^\s(]+)(?:\(([^)]*)\))?/g)].map(([, host, opts = '']) => {
    const client: Record<string, unknown> = { host, access: 'ro' };
    for (const opt of opts
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean)) {
      const [k, v] = opt.split('=');
      if (k === 'ro' || k === 'rw') client.access = k;
      else if (SQUASH.includes(k)) client.squash = k;
      else if (k === 'sec' && v) client.sec = v.split(':');
      else if ((k === 'anonuid' || k === 'anongid') && v && /^\d+$/.test(v)) client[k] = Number(v);
      else unknown.push(opt);
    }
    return client;
  });
  return { clients, unknown };
}

const flag = (on: boolean) => (on ? 'yes' : '-');

export function SharesScreen(): React.ReactElement {
  const shell = useShell();
  const [tab, setTab] = useState<Tab>('smb');
  const extra = tabBindings(TABS, tab, setTab);
  return (
    <Box flexDirection="column" paddingX={1}>
      <Tabs tabs={[...TABS]} current={tab} theme={shell.theme} width={shell.width - 2} />
      {tab === 'smb' ? (
        <SmbTab extra={extra} />
      ) : tab === 'nfs' ? (
        <NfsTab extra={extra} />
      ) : tab === 'service' ? (
        <ServiceTab extra={extra} />
      ) : tab === 'users' ? (
        <UsersTab extra={extra} />
      ) : (
        <DriftTab extra={extra} />
      )}
    </Box>
  );
}

function SmbTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('shares.smb.list', { limit: 10000 }, { refreshOn: ['audit'] });
  const columns: Column<SmbShare>[] = [
    { key: 'name', title: 'SHARE', width: 16, render: (s) => s.name },
    { key: 'path', title: 'PATH', width: 0, render: (s) => s.path },
    { key: 'ro', title: 'RO', width: 3, render: (s) => flag(s.readOnly), color: (s) => (s.readOnly ? 'yellow' : undefined) },
    { key: 'guest', title: 'GUEST', width: 5, render: (s) => flag(s.guestOk), color: (s) => (s.guestOk ? 'yellow' : undefined) },
    { key: 'browse', title: 'BROWSE', width: 6, render: (s) => flag(s.browseable) },
    { key: 'on', title: 'STATE', width: 8, render: (s) => (s.enabled ? 'on' : 'off'), color: (s) => (s.enabled ? 'green' : 'gray') },
    { key: 'comment', title: 'COMMENT', width: 18, render: (s) => s.comment, minTableWidth: 96 },
  ];
  const table = useTable(q.data?.items ?? [], columns, (s) => s.name);
  const s = table.selected;
  const editable = [
    'comment',
    'path',
    'enabled',
    'readOnly',
    'browseable',
    'guestOk',
    'validUsers',
    'validGroups',
    'hostsAllow',
    'hostsDeny',
    'shadowCopy',
    'shadowFormat',
    'recycleBin',
    'timeMachine',
  ] as const;
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    {
      key: 'c',
      description: 'Create share',
      operation: 'shares.smb.create',
      action: () =>
        shell.openForm({
          title: 'Create an SMB share',
          operation: 'shares.smb.create',
          submitLabel: 'Create',
          success: (r) => `Created SMB share ${r.name}`,
          onDone: q.reload,
        }),
    },
    ...(s
      ? [
          { key: 'enter', description: 'Details', action: () => shell.showText(`SMB share ${s.name}`, smbDetails(s)) },
          {
            key: 'e',
            description: 'Edit',
            operation: 'shares.smb.update',
            action: () =>
              shell.openForm({
                title: `Edit SMB share ${s.name}`,
                operation: 'shares.smb.update',
                fixed: { name: s.name },
                fields: [...editable],
                initial: Object.fromEntries(editable.map((k) => [k, typeof s[k] === 'boolean' ? String(s[k]) : s[k]])),
                success: () => `Saved SMB share ${s.name}`,
                onDone: q.reload,
              }),
          },
          {
            key: 'D',
            description: 'Delete',
            operation: 'shares.smb.delete',
            action: () =>
              shell.confirm({
                operation: 'shares.smb.delete',
                input: { name: s.name },
                verb: 'delete',
                details: [`Clients lose \\\\server\\${s.name}; the files in ${s.path} stay.`],
                success: () => `Deleted SMB share ${s.name}`,
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
        height={height - 3}
        theme={theme}
        focused={active}
        emptyText={q.loading ? 'Loading...' : 'No SMB shares. c creates one.'}
      />
      <Text dimColor wrap="truncate">
        {s
          ? `${s.dataset}; users ${s.validUsers.join(',') || 'any'}; hosts ${s.hostsAllow.join(',') || 'any'}${s.shadowCopy ? '; previous versions' : ''}${s.recycleBin ? '; recycle bin' : ''}${s.timeMachine ? '; Time Machine' : ''}`
          : ' '}
      </Text>
    </Box>
  );
}

function smbDetails(s: SmbShare): string[] {
  const rows: [string, string][] = [
    ['path', s.path],
    ['dataset', s.dataset],
    ['comment', s.comment || '-'],
    ['enabled', String(s.enabled)],
    ['read only', String(s.readOnly)],
    ['browseable', String(s.browseable)],
    ['guest access', String(s.guestOk)],
    ['valid users', s.validUsers.join(', ') || 'anyone who authenticates'],
    ['valid groups', s.validGroups.join(', ') || '-'],
    ['hosts allow', s.hostsAllow.join(', ') || 'any'],
    ['hosts deny', s.hostsDeny.join(', ') || '-'],
    ['previous versions', s.shadowCopy ? s.shadowFormat : 'off'],
    ['recycle bin', String(s.recycleBin)],
    ['Time Machine', String(s.timeMachine)],
  ];
  return rows.map(([k, v]) => `${k.padEnd(18)} ${v}`);
}

function NfsTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('shares.nfs.list', { limit: 10000 }, { refreshOn: ['audit'] });
  const columns: Column<NfsExport>[] = [
    { key: 'path', title: 'PATH', width: 24, render: (e) => e.path },
    { key: 'clients', title: 'CLIENTS', width: 0, render: (e) => formatClients(e.clients) },
    { key: 'on', title: 'STATE', width: 5, render: (e) => (e.enabled ? 'on' : 'off'), color: (e) => (e.enabled ? 'green' : 'gray') },
    { key: 'comment', title: 'COMMENT', width: 16, render: (e) => e.comment, minTableWidth: 96 },
  ];
  const table = useTable(q.data?.items ?? [], columns, (e) => e.path);
  const x = table.selected;
  // Path first, then the clients as a list: each host and its options edited on its own.
  const openNfsForm = (existing?: NfsExport) =>
    shell.openPanel((close) => (
      <NfsForm
        shell={shell}
        existing={existing}
        onClose={close}
        onSaved={(path) => {
          close();
          shell.toast(existing ? `Saved the export of ${path}` : `Exported ${path}`);
          q.reload();
        }}
      />
    ));
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    {
      key: 'c',
      description: 'Create export',
      operation: 'shares.nfs.create',
      action: () => openNfsForm(),
    },
    ...(x
      ? [
          {
            key: 'e',
            description: 'Edit',
            operation: 'shares.nfs.update',
            action: () => openNfsForm(x),
          },
          {
            key: 'D',
            description: 'Delete',
            operation: 'shares.nfs.delete',
            action: () =>
              shell.confirm({
                operation: 'shares.nfs.delete',
                input: { path: x.path },
                verb: 'stop exporting',
                details: [`NFS clients (${formatClients(x.clients)}) lose the mount; the files stay.`],
                success: () => `Stopped exporting ${x.path}`,
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
        height={height - 3}
        theme={theme}
        focused={active}
        emptyText={q.loading ? 'Loading...' : 'No NFS exports. c creates one.'}
      />
      <Text dimColor wrap="truncate">
        {x ? `${x.dataset}: ${formatClients(x.clients)}` : ' '}
      </Text>
    </Box>
  );
}

function ServiceTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const svc = useQuery('shares.smb.service.get', {}, { refreshOn: ['audit'] });
  const sessions = useQuery('shares.smb.sessions', {}, { refreshOn: ['audit'], intervalMs: 15_000 });
  const columns: Column<SmbSession>[] = [
    { key: 'user', title: 'USER', width: 14, render: (x) => x.username },
    { key: 'machine', title: 'CLIENT', width: 16, render: (x) => x.remoteMachine },
    { key: 'dialect', title: 'DIALECT', width: 8, render: (x) => x.dialect },
    { key: 'shares', title: 'SHARES', width: 0, render: (x) => x.shares.map((s) => s.share).join(', ') },
    { key: 'enc', title: 'ENCRYPTION', width: 10, render: (x) => x.encryption, minTableWidth: 90 },
  ];
  const table = useTable(sessions.data?.sessions ?? [], columns, (x) => x.sessionId);
  const d = svc.data;
  const reload = () => {
    svc.reload();
    sessions.reload();
  };
  const run = (operation: 'shares.smb.service.enable' | 'shares.smb.service.disable' | 'shares.smb.service.reload', success: string) =>
    void shell.act(operation, {}, { success: () => success }).then(reload);
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: 5 }),
    ...(d
      ? [
          {
            key: 'e',
            description: 'Edit globals',
            operation: 'shares.smb.service.update',
            action: () =>
              shell.openForm({
                title: 'SMB global settings',
                operation: 'shares.smb.service.update',
                initial: { workgroup: d.workgroup, serverString: d.serverString, minProtocol: d.minProtocol, encryption: d.encryption },
                success: () => 'Saved the SMB settings',
                onDone: reload,
              }),
          },
          d.enabled
            ? {
                key: 's',
                description: 'Stop service',
                operation: 'shares.smb.service.disable',
                action: () => run('shares.smb.service.disable', 'SMB service stopped'),
              }
            : {
                key: 's',
                description: 'Start service',
                operation: 'shares.smb.service.enable',
                action: () => run('shares.smb.service.enable', 'SMB service started'),
              },
          {
            key: 'R',
            description: 'Reload',
            operation: 'shares.smb.service.reload',
            disabledReason: d.enabled ? undefined : 'the SMB service is stopped',
            action: () => run('shares.smb.service.reload', 'smb.conf rewritten and reloaded'),
          },
        ]
      : []),
    { key: 'r', description: 'Refresh', hint: false, action: reload },
    ...extra,
  ]);
  if (svc.error && !d)
    return (
      <Notice theme={theme} kind="error">
        {svc.error}
      </Notice>
    );
  const state = !d ? '...' : !d.enabled ? 'disabled' : d.running === null ? 'enabled, state unknown' : d.running ? 'running' : 'enabled, not running';
  return (
    <Box flexDirection="column">
      <KeyValues
        rows={[
          ['service', <Text color={theme.c(!d ? '' : !d.enabled ? 'gray' : d.running ? 'green' : 'yellow')}>{state}</Text>],
          ['workgroup', d?.workgroup ?? ''],
          ['server string', d?.serverString ?? ''],
          ['min protocol', d?.minProtocol ?? ''],
          ['encryption', d?.encryption ?? ''],
          ['config file', d?.configPath ?? ''],
        ]}
      />
      <Text
        bold
        wrap="truncate"
      >{`Sessions (smbstatus)${sessions.data ? `: ${sessions.data.sessions.length}, ${sessions.data.openFiles.length} open files` : ''}`}</Text>
      {sessions.error && !sessions.data ? (
        <Notice theme={theme} kind="error">
          {sessions.error}
        </Notice>
      ) : (
        <Table
          table={table}
          columns={columns}
          width={width - 2}
          height={Math.max(2, height - 10)}
          theme={theme}
          focused={active}
          emptyText={sessions.loading ? 'Loading...' : d && !d.enabled ? 'The service is stopped.' : 'No clients connected.'}
        />
      )}
    </Box>
  );
}

function UsersTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('shares.smb.users.list', { limit: 10000 }, { refreshOn: ['audit'] });
  const columns: Column<SmbUser>[] = [
    { key: 'user', title: 'USER', width: 0, render: (u) => u.username },
    { key: 'since', title: 'SMB PASSWORD SINCE', width: 19, render: (u) => dateTime(u.enabledAt), sortValue: (u) => u.enabledAt },
  ];
  const table = useTable(q.data?.items ?? [], columns, (u) => u.username);
  const u = table.selected;
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    {
      key: 'p',
      description: 'Set SMB password',
      operation: 'shares.smb.users.set',
      action: () =>
        shell.openForm({
          title: 'Set the SMB password of a Calypso user',
          operation: 'shares.smb.users.set',
          initial: { username: u?.username ?? '' },
          submitLabel: 'Set',
          success: (r) => `${r.username} may use SMB`,
          onDone: q.reload,
        }),
    },
    ...(u
      ? [
          {
            key: 'D',
            description: 'Remove',
            operation: 'shares.smb.users.remove',
            action: () =>
              shell.confirm({
                operation: 'shares.smb.users.remove',
                input: { username: u.username },
                verb: 'remove the SMB password of',
                details: [`${u.username} can no longer connect over SMB; their Calypso login stays.`],
                success: () => `Removed ${u.username} from SMB`,
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
        height={height - 3}
        theme={theme}
        focused={active}
        emptyText={q.loading ? 'Loading...' : 'No user has an SMB password. p sets one.'}
      />
      <Text dimColor wrap="truncate">
        SMB passwords are kept by Samba only; Calypso never stores or shows them.
      </Text>
    </Box>
  );
}

function DriftTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, height } = shell;
  const [which, setWhich] = useState<'smb' | 'nfs'>('smb');
  const smb = useQuery('shares.smb.drift', {}, { refreshOn: ['audit'] });
  const nfs = useQuery('shares.nfs.drift', {}, { refreshOn: ['audit'] });
  const current = which === 'smb' ? smb : nfs;
  const file = which === 'smb' ? 'smb.conf' : 'the exports file';
  const operation = `shares.${which}.drift.resolve` as const;
  const resolve = (action: 'adopt' | 'overwrite') =>
    openDriftRepair(shell, {
      operation,
      action,
      file,
      title:
        action === 'adopt'
          ? `Adopt the live ${file}: Calypso's ${which === 'smb' ? 'shares and settings' : 'exports'} become what it says`
          : `Overwrite the live ${file} with what Calypso would write`,
      onDone: () => {
        smb.reload();
        nfs.reload();
      },
    });
  const inSync = current.data?.inSync ?? true;
  useBindings([
    {
      key: 'j',
      description: `Select ${which === 'smb' ? 'NFS' : 'SMB'}`,
      aliases: ['k', 'down', 'up'],
      action: () => setWhich((w) => (w === 'smb' ? 'nfs' : 'smb')),
    },
    {
      key: 'enter',
      description: 'Whole difference',
      action: () => shell.showText(`Drift of ${current.data?.file ?? file}`, current.data?.changes.length ? current.data.changes : ['No differences.']),
    },
    { key: 'a', description: 'Adopt live file', operation, disabledReason: inSync ? `${file} is in sync` : undefined, action: () => resolve('adopt') },
    {
      key: 'o',
      description: 'Overwrite live file',
      operation,
      disabledReason: inSync && !current.data?.missing ? `${file} is in sync` : undefined,
      action: () => resolve('overwrite'),
    },
    {
      key: 'r',
      description: 'Refresh',
      hint: false,
      action: () => {
        smb.reload();
        nfs.reload();
      },
    },
    ...extra,
  ]);
  const half = Math.max(3, Math.floor((height - 2) / 2));
  const mark = (w: 'smb' | 'nfs') => (which === w ? `${theme.pointer} ` : '  ');
  return (
    <Box flexDirection="column">
      <DriftPanel title={`${mark('smb')}SMB (smb.conf)`} drift={smb.data} error={smb.error} rows={half} theme={theme} />
      <DriftPanel title={`${mark('nfs')}NFS (exports)`} drift={nfs.data} error={nfs.error} rows={half} theme={theme} />
    </Box>
  );
}
