/**
 * System: the appliance's own settings, one tab each. The tabs are one array (SYSTEM_TABS): a
 * subsystem adds its tab there, and a tab shows only when its operation is in this build.
 * Licenses (features and their states, import a license by pasting its line, remove with the
 * typed id), Time & NTP (zone, sync state, servers and pools, client networks) and SNMP (the
 * agent, v2c communities and v3 users; secrets are typed into password fields and never shown),
 * Config (configuration export, restore and the support bundle: system-config.tsx).
 */
import React, { useState } from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import type { Output } from '../../contracts/index.js';
import type { NtpServer } from '../../contracts/appliance-time.js';
import { useShell, type ShellApi } from '../context.js';
import { Table, useTable, type Column } from '../components/Table.js';
import { KeyValues, Tabs, tabBindings, readFailure } from '../components/Panels.js';
import { useBindings, useQuery } from '../hooks/use-operation.js';
import type { KeyBinding } from '../keys.js';
import { dateTime, dateTimeSeconds } from '../format.js';
import { healthColor } from '../theme.js';
import { LogsTab, ServicesTab } from './system-services.js';
import { NetworkTab } from './system-network.js';
import { ConfigTab } from './system-config.js';

export interface SystemTab {
  id: string;
  label: string;
  /** The operation whose presence shows the tab. */
  needs: string;
  /** Receives the tab-switching keys to declare with its own. */
  component: React.ComponentType<{ extra: KeyBinding[] }>;
}

export const SYSTEM_TABS: SystemTab[] = [
  { id: 'licenses', label: 'Licenses', needs: 'appliance.licenses.list', component: LicensesTab },
  { id: 'time', label: 'Time', needs: 'appliance.time.get', component: TimeTab },
  { id: 'snmp', label: 'SNMP', needs: 'appliance.snmp.get', component: SnmpTab },
  { id: 'services', label: 'Services', needs: 'appliance.services.list', component: ServicesTab },
  { id: 'logs', label: 'Logs', needs: 'appliance.logs.journal', component: LogsTab },
  { id: 'network', label: 'Network', needs: 'appliance.network.get', component: NetworkTab },
  { id: 'config', label: 'Config', needs: 'appliance.config.exports', component: ConfigTab },
];

export function SystemScreen(): React.ReactElement {
  const shell = useShell();
  const tabs = SYSTEM_TABS.filter((t) => shell.app.contract(t.needs));
  const [tab, setTab] = useState(tabs[0]?.id ?? '');
  const current = tabs.find((t) => t.id === tab) ?? tabs[0];
  const extra = tabBindings(tabs, current?.id ?? '', setTab);
  const Body = current?.component;
  return (
    <Box flexDirection="column" paddingX={1}>
      <Tabs tabs={tabs} current={current?.id ?? ''} theme={shell.theme} width={shell.width - 2} />
      {Body ? <Body extra={extra} /> : <Text>No system settings in this build.</Text>}
    </Box>
  );
}

/* ---------------------------------------------------------------- Licenses */

type License = Output<'appliance.licenses.list'>['licenses'][number];
type Feature = Output<'appliance.licenses.list'>['features'][number];

const stateColor = (state: string) => healthColor(state === 'licensed' || state === 'trial' ? 'ONLINE' : state === 'grace' ? 'DEGRADED' : 'FAULTED');

function LicensesTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('appliance.licenses.list', {}, { refreshOn: ['audit'] });
  const features = q.data?.features ?? [];
  const columns: Column<License>[] = [
    { key: 'id', title: 'LICENSE', width: 14, render: (l) => l.id },
    { key: 'licensee', title: 'LICENSEE', width: 0, render: (l) => l.licensee },
    { key: 'features', title: 'FEATURES', width: 24, render: (l) => l.features.map((f) => f.feature).join(','), minTableWidth: 70 },
    { key: 'imported', title: 'IMPORTED', width: 16, render: (l) => dateTime(l.importedAt), minTableWidth: 84 },
  ];
  const table = useTable(q.data?.licenses ?? [], columns, (l) => l.id);
  const l = table.selected;
  const importLicense = () =>
    shell.prompt({
      label: 'License (paste its one line)',
      onSubmit: (text) => {
        const line = text.trim();
        if (line) void shell.act('appliance.licenses.import', { text: line }, { success: (x) => `Imported license ${x.id} (${x.licensee})` }).then(q.reload);
      },
    });
  useBindings([
    ...extra,
    ...table.bindings({ prompt: shell.prompt, pageSize: Math.max(3, height - features.length - 8) }),
    { key: 'i', description: 'Import license', operation: 'appliance.licenses.import', action: importLicense },
    ...(l
      ? [
          {
            key: 'D',
            description: 'Remove license',
            operation: 'appliance.licenses.remove',
            action: () =>
              shell.confirm({
                operation: 'appliance.licenses.remove',
                input: { id: l.id },
                verb: 'remove',
                details: [
                  `Licensee: ${l.licensee}. It grants: ${l.features.map((f) => `${f.feature} until ${dateTime(f.expiresAt)}`).join(', ')}.`,
                  'Its features stop unless another license or the trial grants them.',
                ],
                success: () => `Removed license ${l.id}`,
                onDone: q.reload,
              }),
          },
        ]
      : []),
    { key: 'r', description: 'Refresh', hint: false, action: q.reload },
  ]);
  const failed = readFailure(q, theme);
  if (failed) return failed;
  return (
    <Box flexDirection="column">
      <KeyValues
        rows={features.map((f: Feature): [string, React.ReactNode] => [f.name, <Text color={theme.c(stateColor(f.state))}>{`${f.state}: ${f.text}`}</Text>])}
      />
      <Text dimColor wrap="truncate">
        {q.data?.trialEndsAt ? `Trial until ${dateTime(q.data.trialEndsAt)}.` : 'No trial.'} Imported licenses:
      </Text>
      <Table
        table={table}
        columns={columns}
        width={width - 2}
        height={Math.max(3, height - features.length - 5)}
        theme={theme}
        focused={active}
        emptyText={q.loading ? 'Loading...' : 'No license imported: i imports one (paste its line).'}
      />
    </Box>
  );
}

/* ---------------------------------------------------------------- Time & NTP */

type NtpStatus = Output<'appliance.ntp.status'>;

function serverOptions(s: NtpServer): string {
  return [
    s.iburst ? 'iburst' : null,
    s.prefer ? 'prefer' : null,
    s.port !== null ? `port ${s.port}` : null,
    s.minpoll !== null ? `minpoll ${s.minpoll}` : null,
    s.maxpoll !== null ? `maxpoll ${s.maxpoll}` : null,
  ]
    .filter(Boolean)
    .join(' ');
}

/** The live state of a configured server, when chrony lists it by that address. */
function liveState(status: NtpStatus | undefined, s: NtpServer): string {
  const src = status?.sources.find((x) => x.address === s.host);
  if (src) return src.state;
  return s.kind === 'pool' ? `${status?.sources.length ?? 0} sources` : '-';
}

function offsetText(seconds: number): string {
  const abs = Math.abs(seconds);
  const sign = seconds < 0 ? '-' : '+';
  if (abs < 1e-3) return `${sign}${(abs * 1e6).toFixed(0)} µs`;
  if (abs < 1) return `${sign}${(abs * 1e3).toFixed(1)} ms`;
  return `${sign}${abs.toFixed(2)} s`;
}

function TimeTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('appliance.time.get', {}, { refreshOn: ['audit'] });
  const status = useQuery('appliance.ntp.status', {}, { refreshOn: ['audit'], intervalMs: 10_000 });
  const servers = q.data?.ntp.servers ?? [];
  const allow = q.data?.ntp.allowClients ?? [];
  const columns: Column<NtpServer>[] = [
    { key: 'host', title: 'SERVER', width: 0, render: (s) => s.host },
    { key: 'kind', title: 'KIND', width: 6, render: (s) => s.kind },
    { key: 'options', title: 'OPTIONS', width: 22, render: serverOptions, minTableWidth: 60 },
    {
      key: 'state',
      title: 'STATE',
      width: 12,
      render: (s) => liveState(status.data, s),
      color: (s) => healthColor(liveState(status.data, s) === 'synced' ? 'ONLINE' : liveState(status.data, s) === 'unreachable' ? 'FAULTED' : 'unknown'),
    },
  ];
  const table = useTable(servers, columns, (s) => s.host);
  const sel = table.selected;
  const reload = () => {
    q.reload();
    status.reload();
  };
  const save = (next: NtpServer[], allowClients = allow, done = 'Saved the NTP servers') =>
    void shell.act('appliance.ntp.update', { servers: next, allowClients }, { success: () => `${done}; chrony restarted` }).then(reload);
  const addServer = () =>
    shell.prompt({
      label: 'NTP server or pool (host name or IP; "pool NAME" for a pool)',
      onSubmit: (text) => {
        const words = text.trim().split(/\s+/);
        const pool = words[0] === 'pool' && words.length === 2;
        const host = pool ? words[1]! : text.trim();
        if (!host) return;
        save(
          [...servers, { host, kind: pool ? 'pool' : 'server', iburst: true, prefer: false, port: null, minpoll: null, maxpoll: null }],
          allow,
          `Added ${host}`,
        );
      },
    });
  const setClients = () =>
    shell.prompt({
      label: 'Networks that may sync from the appliance (CIDR, comma-separated; empty: none)',
      initial: allow.join(', '),
      onSubmit: (text) =>
        save(
          servers,
          text
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
          'Saved the client networks',
        ),
    });
  const showSources = () => {
    const s = status.data;
    if (!s) return shell.toast(status.error ?? 'No status yet', 'error');
    shell.showText('NTP sources (chronyc sources)', [
      'ADDRESS                STATE          STRATUM  POLL    LAST RX   OFFSET',
      ...(s.sources.length
        ? s.sources.map(
            (x) =>
              `${x.address.padEnd(22)} ${x.state.padEnd(14)} ${String(x.stratum).padStart(7)}  ${`${x.pollSeconds}s`.padStart(6)}  ${x.lastRxSeconds === null ? 'never'.padStart(7) : `${x.lastRxSeconds}s`.padStart(7)}   ${offsetText(x.offsetSeconds)}`,
          )
        : ['(no sources)']),
    ]);
  };
  useBindings([
    ...extra,
    ...table.bindings({ prompt: shell.prompt, pageSize: Math.max(3, height - 12) }),
    {
      key: 'z',
      description: 'Time zone',
      operation: 'appliance.time.update',
      action: () =>
        shell.openForm({
          title: 'Time zone of the appliance (IANA name, e.g. Europe/Paris)',
          operation: 'appliance.time.update',
          initial: { zone: q.data?.zone ?? '' },
          success: (x) => `Time zone set to ${x.zone}`,
          onDone: reload,
        }),
    },
    { key: 'a', description: 'Add server', operation: 'appliance.ntp.update', action: addServer },
    ...(sel
      ? [
          {
            key: 'x',
            description: 'Remove server',
            operation: 'appliance.ntp.update',
            action: () =>
              save(
                servers.filter((s) => s !== sel),
                allow,
                `Removed ${sel.host}`,
              ),
          },
          {
            key: 'p',
            description: sel.prefer ? 'Unprefer' : 'Prefer',
            operation: 'appliance.ntp.update',
            action: () =>
              save(
                servers.map((s) => (s === sel ? { ...s, prefer: !s.prefer } : s)),
                allow,
                `${sel.host} ${sel.prefer ? 'no longer preferred' : 'preferred'}`,
              ),
          },
        ]
      : []),
    { key: 'n', description: 'Client networks', operation: 'appliance.ntp.update', action: setClients },
    { key: 'enter', description: 'Sources', operation: 'appliance.ntp.status', action: showSources },
    { key: 'r', description: 'Refresh', hint: false, action: reload },
  ]);
  const failed = readFailure(q, theme);
  if (failed) return failed;
  const s = status.data;
  const sync = s ? (
    <Text color={theme.c(s.synchronised ? 'green' : 'red')}>
      {s.synchronised
        ? `synchronised to ${s.reference || s.referenceId}, stratum ${s.stratum}, offset ${offsetText(s.systemTimeOffsetSeconds)}`
        : `NOT synchronised (${s.leapStatus})`}
    </Text>
  ) : (
    <Text dimColor>{status.error ?? (status.loading ? 'Reading chronyc...' : '-')}</Text>
  );
  return (
    <Box flexDirection="column">
      <KeyValues
        rows={[
          ['Time zone', q.data?.zone ?? '-'],
          ['Appliance time', q.data ? `${dateTimeSeconds(q.data.hostTimeAt)} (${q.data.hostTimeAt})` : '-'],
          ['NTP', sync],
          ['Last update', s?.lastUpdateAt ? dateTimeSeconds(s.lastUpdateAt) : '-'],
          ['Serves clients', allow.length ? allow.join(', ') : 'no (n sets networks)'],
        ]}
      />
      <Table
        table={table}
        columns={columns}
        width={width - 2}
        height={Math.max(3, height - 9)}
        theme={theme}
        focused={active}
        emptyText={q.loading ? 'Loading...' : 'No NTP server: the clock runs free. a adds one.'}
      />
    </Box>
  );
}

/* ---------------------------------------------------------------- SNMP */

type SnmpSettings = Output<'appliance.snmp.get'>;
interface AccessRow {
  kind: 'v2c' | 'v3';
  name: string;
  detail: string;
  secret: boolean;
}

function accessRows(s: SnmpSettings | undefined): AccessRow[] {
  if (!s) return [];
  return [
    ...s.communities.map((c): AccessRow => ({ kind: 'v2c', name: c.name, detail: `from ${c.sources.join(', ')}`, secret: c.secretSet })),
    ...s.users.map((u): AccessRow => ({ kind: 'v3', name: u.name, detail: `authPriv ${u.authProtocol}/${u.privProtocol}`, secret: u.secretsSet })),
  ];
}

function editAgent(shell: ShellApi, s: SnmpSettings, reload: () => void): void {
  shell.openForm({
    title: 'SNMP agent',
    operation: 'appliance.snmp.update',
    fields: ['enabled', 'listenAddress', 'port', 'location', 'contact'],
    initial: { enabled: String(s.enabled), listenAddress: s.listenAddress, port: s.port, location: s.location, contact: s.contact },
    success: (x) => `SNMP agent ${x.enabled ? `on ${x.listenAddress}:${x.port}` : 'disabled'}`,
    onDone: reload,
  });
}

function SnmpTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('appliance.snmp.get', {}, { refreshOn: ['audit'] });
  const rows = accessRows(q.data);
  const columns: Column<AccessRow>[] = [
    { key: 'kind', title: 'TYPE', width: 4, render: (r) => r.kind },
    { key: 'name', title: 'NAME', width: 16, render: (r) => r.name },
    { key: 'detail', title: 'ACCESS', width: 0, render: (r) => r.detail },
    { key: 'secret', title: 'SECRET', width: 7, render: (r) => (r.secret ? 'set' : 'missing'), color: (r) => (r.secret ? undefined : 'red') },
  ];
  const table = useTable(rows, columns, (r) => `${r.kind}:${r.name}`);
  const sel = table.selected;
  const addCommunity = () =>
    shell.openForm({
      title: 'v2c community: a label, its secret (write-only) and the networks that may read',
      operation: 'appliance.snmp.communities.set',
      success: (x) => `Saved; ${x.communities.length} communities`,
      onDone: q.reload,
    });
  const addUser = () =>
    shell.openForm({
      title: 'SNMPv3 user (authPriv; passphrases are write-only)',
      operation: 'appliance.snmp.users.set',
      success: (x) => `Saved; ${x.users.length} users`,
      onDone: q.reload,
    });
  useBindings([
    ...extra,
    ...table.bindings({ prompt: shell.prompt, pageSize: Math.max(3, height - 10) }),
    ...(q.data ? [{ key: 'e', description: 'Edit agent', operation: 'appliance.snmp.update', action: () => editAgent(shell, q.data!, q.reload) }] : []),
    { key: 'c', description: 'Add community', operation: 'appliance.snmp.communities.set', action: addCommunity },
    { key: 'u', description: 'Add v3 user', operation: 'appliance.snmp.users.set', action: addUser },
    ...(sel
      ? [
          sel.kind === 'v2c'
            ? {
                key: 'x',
                description: 'Remove community',
                operation: 'appliance.snmp.communities.remove',
                action: () =>
                  void shell.act('appliance.snmp.communities.remove', { name: sel.name }, { success: () => `Removed community ${sel.name}` }).then(q.reload),
              }
            : {
                key: 'x',
                description: 'Remove user',
                operation: 'appliance.snmp.users.remove',
                action: () => void shell.act('appliance.snmp.users.remove', { name: sel.name }, { success: () => `Removed user ${sel.name}` }).then(q.reload),
              },
        ]
      : []),
    { key: 'r', description: 'Refresh', hint: false, action: q.reload },
  ]);
  const failed = readFailure(q, theme);
  if (failed) return failed;
  const s = q.data;
  return (
    <Box flexDirection="column">
      <KeyValues
        rows={[
          [
            'Agent',
            s ? <Text color={theme.c(s.enabled ? 'green' : 'gray')}>{s.enabled ? `enabled on ${s.listenAddress} UDP ${s.port}` : 'disabled'}</Text> : '-',
          ],
          ['sysLocation', s?.location || '-'],
          ['sysContact', s?.contact || '-'],
          ['Traps', 'sent by notification channels of type SNMP trap (Monitoring, Channels)'],
        ]}
      />
      <Table
        table={table}
        columns={columns}
        width={width - 2}
        height={Math.max(3, height - 8)}
        theme={theme}
        focused={active}
        emptyText={q.loading ? 'Loading...' : 'No community and no v3 user: nobody can read the agent. c adds a community, u a v3 user.'}
      />
    </Box>
  );
}
