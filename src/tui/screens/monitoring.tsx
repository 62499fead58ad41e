/** Monitoring & Alerts: open alerts, alert history, rules, maintenance windows, notification channels, collector. */
import React, { useState } from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import type { Input } from '../../contracts/index.js';
import type { Alert, AlertRule, MaintenanceWindowView, NotificationChannel } from '../../contracts/monitoring.js';
import { useShell, type ShellApi } from '../context.js';
import { Table, useTable, type Column } from '../components/Table.js';
import { KeyValues, Notice, Tabs, tabBindings, readFailure } from '../components/Panels.js';
import { useBindings, useQuery } from '../hooks/use-operation.js';
import type { KeyBinding } from '../keys.js';
import { ago, dateTime } from '../format.js';

const TABS = [
  { id: 'alerts', label: 'Alerts' },
  { id: 'history', label: 'History' },
  { id: 'rules', label: 'Rules' },
  { id: 'maintenance', label: 'Maintenance' },
  { id: 'channels', label: 'Channels' },
  { id: 'collector', label: 'Collector' },
] as const;
type Tab = (typeof TABS)[number]['id'];

export function severityColor(severity: string): string {
  return severity === 'critical' ? 'red' : severity === 'warning' ? 'yellow' : 'cyan';
}

export function stateColor(state: string): string | undefined {
  return state === 'open' ? 'red' : state === 'acknowledged' || state === 'snoozed' ? 'yellow' : state === 'resolved' ? 'green' : 'gray';
}

/** Where a channel sends, without anything secret: a webhook's host only (its URL may hold a token). */
export function channelDestination(c: NotificationChannel): string {
  if (c.webhook) {
    try {
      return `POST ${new URL(c.webhook.url).host}`;
    } catch {
      return 'POST (invalid URL)';
    }
  }
  if (c.snmp) return `SNMP ${c.snmp.version === '3' ? `v3 ${c.snmp.user ?? ''}@` : 'v2c '}${c.snmp.manager}:${c.snmp.port}`;
  return c.email ? `${c.email.to.join(', ')} via ${c.email.host}:${c.email.port}` : '-';
}

export function formatSelector(selector: Record<string, string>): string {
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/** `pool=tank, disk=!sda` into labels. */
export function parseSelector(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => {
        const at = p.indexOf('=');
        return at < 0 ? [p, '*'] : [p.slice(0, at).trim(), p.slice(at + 1).trim()];
      }),
  );
}

const inHours = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();

export function MonitoringScreen(): React.ReactElement {
  const shell = useShell();
  const [tab, setTab] = useState<Tab>('alerts');
  const extra = tabBindings(TABS, tab, setTab);
  return (
    <Box flexDirection="column" paddingX={1}>
      <Tabs tabs={[...TABS]} current={tab} theme={shell.theme} width={shell.width - 2} />
      {tab === 'alerts' ? (
        <AlertsTab extra={extra} history={false} />
      ) : tab === 'history' ? (
        <AlertsTab extra={extra} history />
      ) : tab === 'rules' ? (
        <RulesTab extra={extra} />
      ) : tab === 'maintenance' ? (
        <MaintenanceTab extra={extra} />
      ) : tab === 'channels' ? (
        <ChannelsTab extra={extra} />
      ) : (
        <CollectorTab extra={extra} />
      )}
    </Box>
  );
}

function alertLines(a: Alert): string[] {
  const rows: [string, string | null][] = [
    ['severity', a.severity],
    ['state', a.state],
    ['source', a.source],
    ['message', a.message],
    ['labels', formatSelector(a.labels) || '-'],
    ['value', a.value === null ? null : String(a.value)],
    ['silenced', a.silenced ? 'yes, in a maintenance window' : null],
    ['opened', dateTime(a.openedAt)],
    ['acknowledged', a.acknowledgedAt ? `${dateTime(a.acknowledgedAt)} by ${a.acknowledgedBy ?? '?'}` : null],
    ['snoozed until', a.snoozeEndsAt ? dateTime(a.snoozeEndsAt) : null],
    ['dismissed', a.dismissedAt ? `${dateTime(a.dismissedAt)} by ${a.dismissedBy ?? '?'}` : null],
    ['resolved', a.resolvedAt ? dateTime(a.resolvedAt) : null],
  ];
  return rows.filter((r): r is [string, string] => r[1] !== null).map(([k, v]) => `${k.padEnd(14)} ${v}`);
}

interface Filters {
  severity: string;
  state: string;
  source: string;
}

function AlertsTab({ extra, history }: { extra: KeyBinding[]; history: boolean }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const [filters, setFilters] = useState<Filters>({ severity: '', state: '', source: '' });
  const input: Input<'alerts.list'> = history
    ? { limit: 1000, ...Object.fromEntries(Object.entries(filters).filter(([, v]) => v)) }
    : { limit: 1000, active: 'true' };
  const q = useQuery('alerts.list', input, { refreshOn: ['alert'] });
  const columns: Column<Alert>[] = [
    {
      key: 'sev',
      title: 'SEVERITY',
      width: 8,
      render: (a) => a.severity,
      color: (a) => severityColor(a.severity),
      sortValue: (a) => ['info', 'warning', 'critical'].indexOf(a.severity),
    },
    { key: 'state', title: 'STATE', width: 12, render: (a) => `${a.state}${a.silenced ? '*' : ''}`, color: (a) => stateColor(a.state) },
    { key: 'source', title: 'SOURCE', width: 10, render: (a) => a.source, minTableWidth: 70 },
    { key: 'title', title: 'ALERT', width: 0, render: (a) => a.title },
    { key: 'opened', title: 'OPENED', width: 16, render: (a) => ago(a.openedAt), sortValue: (a) => a.openedAt, minTableWidth: 84 },
  ];
  const table = useTable(q.data?.items ?? [], columns, (a) => String(a.id));
  const a = table.selected;
  const closed = a ? ['resolved', 'dismissed'].includes(a.state) : true;
  const filterKey = (key: string, field: keyof Filters, label: string, choices: string): KeyBinding => ({
    key,
    description: `Filter ${field}`,
    action: () =>
      shell.prompt({
        label: `${label} (${choices}; comma-separated, empty: all): `,
        initial: filters[field],
        onSubmit: (v) => setFilters((f) => ({ ...f, [field]: v.trim() })),
      }),
  });
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    ...(a
      ? [
          { key: 'enter', description: 'Details', action: () => shell.showText(`Alert ${a.id}: ${a.title}`, alertLines(a)) },
          {
            key: 'a',
            description: 'Acknowledge',
            operation: 'alerts.acknowledge',
            disabledReason: closed ? `the alert is ${a.state}` : a.state === 'acknowledged' ? 'already acknowledged' : undefined,
            action: () => void shell.act('alerts.acknowledge', { id: a.id }, { success: () => `Acknowledged: ${a.title}` }).then(q.reload),
          },
          {
            key: 'x',
            description: 'Dismiss',
            operation: 'alerts.dismiss',
            disabledReason: closed ? `the alert is ${a.state}` : undefined,
            action: () => void shell.act('alerts.dismiss', { id: a.id }, { success: () => `Dismissed: ${a.title}` }).then(q.reload),
          },
          {
            key: 'z',
            description: 'Snooze',
            operation: 'alerts.snooze',
            disabledReason: closed ? `the alert is ${a.state}` : undefined,
            action: () =>
              shell.openForm({
                title: `Snooze: ${a.title}`,
                operation: 'alerts.snooze',
                fixed: { id: a.id },
                initial: { until: inHours(1) },
                submitLabel: 'Snooze',
                success: (r) => `Snoozed until ${dateTime(r.snoozeEndsAt)}`,
                onDone: q.reload,
              }),
          },
        ]
      : []),
    ...(history
      ? [
          filterKey('v', 'severity', 'Severity', 'info, warning, critical'),
          filterKey('t', 'state', 'State', 'open, acknowledged, snoozed, resolved, dismissed'),
          filterKey('u', 'source', 'Source', 'pool, disk, system, service, job, monitoring, rule'),
          { key: 'F', description: 'Clear filters', action: () => setFilters({ severity: '', state: '', source: '' }) },
        ]
      : []),
    { key: 'r', description: 'Refresh', hint: false, action: q.reload },
    ...extra,
  ]);
  const failed = readFailure(q, theme);
  if (failed) return failed;
  const filterText = Object.entries(filters)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}=${v}`)
    .join('  ');
  return (
    <Box flexDirection="column">
      {history ? (
        <Text dimColor wrap="truncate">
          {q.error ? (
            <Text color={theme.c('red')}>{q.error}</Text>
          ) : (
            `Filters: ${filterText || 'none'}  (v severity, t state, u source, F clear)${q.data ? `; ${q.data.total} alerts` : ''}`
          )}
        </Text>
      ) : null}
      <Table
        table={table}
        columns={columns}
        width={width - 2}
        height={height - (history ? 4 : 3)}
        theme={theme}
        focused={active}
        emptyText={q.loading ? 'Loading...' : history ? 'No alerts match.' : 'No open alerts.'}
      />
      <Text dimColor wrap="truncate">
        {a ? `${a.message}${a.silenced ? '  (* silenced by a maintenance window)' : ''}` : ' '}
      </Text>
    </Box>
  );
}

const BUILTIN_EDITABLE = ['threshold', 'criticalThreshold', 'forSeconds', 'severity', 'message', 'enabled'];

function RulesTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('alerts.rules.list', {}, { refreshOn: ['audit'] });
  const columns: Column<AlertRule>[] = [
    { key: 'id', title: 'ID', width: 3, align: 'right', render: (r) => String(r.id), sortValue: (r) => r.id },
    { key: 'name', title: 'RULE', width: 0, render: (r) => r.name },
    {
      key: 'when',
      title: 'FIRES WHEN',
      width: 24,
      render: (r) => (r.kind === 'threshold' ? `${r.metric ?? ''} ${r.operator} ${r.threshold}` : 'a job fails'),
      minTableWidth: 72,
    },
    { key: 'for', title: 'FOR', width: 5, align: 'right', render: (r) => `${r.forSeconds}s`, sortValue: (r) => r.forSeconds, minTableWidth: 90 },
    { key: 'sev', title: 'SEVERITY', width: 8, render: (r) => r.severity, color: (r) => severityColor(r.severity) },
    { key: 'on', title: 'STATE', width: 8, render: (r) => (r.enabled ? 'enabled' : 'disabled'), color: (r) => (r.enabled ? 'green' : 'gray') },
    { key: 'kind', title: 'KIND', width: 8, render: (r) => (r.builtin ? 'built-in' : 'custom'), minTableWidth: 100 },
  ];
  const table = useTable(q.data?.items ?? [], columns, (r) => String(r.id));
  const r = table.selected;
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    {
      key: 'c',
      description: 'Create rule',
      operation: 'alerts.rules.create',
      action: () =>
        shell.openForm({
          title: 'Create a threshold rule (metric names: Dashboard or metrics.catalogue)',
          operation: 'alerts.rules.create',
          submitLabel: 'Create',
          success: (x) => `Created rule ${x.name}`,
          onDone: q.reload,
        }),
    },
    ...(r
      ? [
          {
            key: 'e',
            description: 'Edit',
            operation: 'alerts.rules.update',
            action: () =>
              shell.openForm({
                title: `Edit rule ${r.id}: ${r.name}${r.builtin ? ' (built-in: only its terms)' : ''}`,
                operation: 'alerts.rules.update',
                fixed: { id: r.id },
                hide: ['selector'],
                ...(r.builtin ? { fields: BUILTIN_EDITABLE } : {}),
                initial: {
                  name: r.name,
                  metric: r.metric ?? '',
                  operator: r.operator,
                  threshold: r.threshold,
                  criticalThreshold: r.criticalThreshold ?? '',
                  forSeconds: r.forSeconds,
                  severity: r.severity,
                  message: r.message,
                  enabled: String(r.enabled),
                },
                success: () => `Saved rule ${r.name}`,
                onDone: q.reload,
              }),
          },
          {
            key: 'space',
            description: r.enabled ? 'Disable' : 'Enable',
            operation: 'alerts.rules.update',
            action: () =>
              void shell
                .act('alerts.rules.update', { id: r.id, enabled: !r.enabled }, { success: () => `${r.enabled ? 'Disabled' : 'Enabled'} rule ${r.name}` })
                .then(q.reload),
          },
          {
            key: 'S',
            description: 'Label selector',
            operation: 'alerts.rules.update',
            disabledReason: r.builtin ? "a built-in rule's selector is fixed" : undefined,
            action: () =>
              shell.prompt({
                label: 'Only series with labels, e.g. pool=tank, disk=!sda (empty: all): ',
                initial: formatSelector(r.selector),
                onSubmit: (v) =>
                  void shell
                    .act('alerts.rules.update', { id: r.id, selector: parseSelector(v) }, { success: () => `Saved the selector of ${r.name}` })
                    .then(q.reload),
              }),
          },
          {
            key: 'D',
            description: 'Delete',
            operation: 'alerts.rules.delete',
            disabledReason: r.builtin ? `${r.name} is built in: disable it instead` : undefined,
            action: () =>
              shell.confirm({
                operation: 'alerts.rules.delete',
                input: { id: r.id },
                verb: 'delete',
                details: [`Rule "${r.name}" is deleted; its open alerts resolve.`],
                success: () => `Deleted rule ${r.name}`,
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
        emptyText={q.loading ? 'Loading...' : 'No rules.'}
      />
      <Text dimColor wrap="truncate">
        {r
          ? `${r.selector && Object.keys(r.selector).length ? `labels ${formatSelector(r.selector)}; ` : ''}${r.criticalThreshold !== null ? `critical past ${r.criticalThreshold}; ` : ''}${r.message}`
          : ' '}
      </Text>
    </Box>
  );
}

function MaintenanceTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('alerts.maintenance.list', { limit: 1000 }, { refreshOn: ['audit'], intervalMs: 60_000 });
  const columns: Column<MaintenanceWindowView>[] = [
    { key: 'id', title: 'ID', width: 3, align: 'right', render: (w) => String(w.id), sortValue: (w) => w.id },
    { key: 'name', title: 'WINDOW', width: 0, render: (w) => w.name },
    { key: 'start', title: 'STARTS', width: 16, render: (w) => dateTime(w.startsAt), sortValue: (w) => w.startsAt },
    { key: 'end', title: 'ENDS', width: 16, render: (w) => dateTime(w.endsAt), sortValue: (w) => w.endsAt, minTableWidth: 76 },
    { key: 'active', title: 'NOW', width: 6, render: (w) => (w.active ? 'active' : ''), color: (w) => (w.active ? 'yellow' : undefined) },
  ];
  const table = useTable(q.data?.items ?? [], columns, (w) => String(w.id));
  const w = table.selected;
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    {
      key: 'c',
      description: 'Schedule window',
      operation: 'alerts.maintenance.create',
      action: () =>
        shell.openForm({
          title: 'Schedule a maintenance window (alerts inside it send no notifications)',
          operation: 'alerts.maintenance.create',
          initial: { startsAt: inHours(0), endsAt: inHours(2) },
          submitLabel: 'Schedule',
          success: (x) => `Scheduled ${x.name}`,
          onDone: q.reload,
        }),
    },
    ...(w
      ? [
          {
            key: 'e',
            description: 'Edit',
            operation: 'alerts.maintenance.update',
            action: () =>
              shell.openForm({
                title: `Edit window ${w.id}`,
                operation: 'alerts.maintenance.update',
                fixed: { id: w.id },
                initial: { name: w.name, description: w.description, startsAt: w.startsAt, endsAt: w.endsAt, sources: w.sources },
                success: () => `Saved window ${w.name}`,
                onDone: q.reload,
              }),
          },
          {
            key: 'E',
            description: 'End now',
            operation: 'alerts.maintenance.update',
            disabledReason: w.active ? undefined : 'the window is not in force',
            action: () =>
              void shell
                .act('alerts.maintenance.update', { id: w.id, endsAt: new Date().toISOString() }, { success: () => `Window ${w.name} ended` })
                .then(q.reload),
          },
          {
            key: 'D',
            description: 'Delete',
            operation: 'alerts.maintenance.delete',
            action: () =>
              shell.confirm({
                operation: 'alerts.maintenance.delete',
                input: { id: w.id },
                verb: 'delete',
                details: [`Window "${w.name}" (${dateTime(w.startsAt)} to ${dateTime(w.endsAt)}) is deleted.`],
                success: () => `Deleted window ${w.name}`,
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
        emptyText={q.loading ? 'Loading...' : 'No maintenance windows. c schedules one.'}
      />
      <Text dimColor wrap="truncate">
        {w
          ? `${w.description || 'no description'}; by ${w.createdBy}; sources ${w.sources.join(',') || 'all'}; labels ${formatSelector(w.selector) || 'all'}`
          : ' '}
      </Text>
    </Box>
  );
}

const CHANNEL_COMMON = ['name', 'enabled', 'severities', 'notifyResolved'];
const WEBHOOK_FIELDS = [...CHANNEL_COMMON, 'webhook.url', 'webhook.timeoutMs', 'secret'];
const EMAIL_FIELDS = [
  ...CHANNEL_COMMON,
  'email.host',
  'email.port',
  'email.secure',
  'email.requireTls',
  'email.username',
  'email.from',
  'email.to',
  'email.timeoutMs',
  'secret',
];
const SNMP_FIELDS = [...CHANNEL_COMMON, 'snmp.manager', 'snmp.port', 'snmp.version', 'snmp.user', 'snmp.authProtocol', 'secret', 'privSecret'];
const fieldsOf = (type: string) => (type === 'webhook' ? WEBHOOK_FIELDS : type === 'snmp' ? SNMP_FIELDS : EMAIL_FIELDS);

function editChannel(shell: ShellApi, c: NotificationChannel, reload: () => void): void {
  const initial: Record<string, unknown> = { name: c.name, enabled: String(c.enabled), severities: c.severities, notifyResolved: String(c.notifyResolved) };
  if (c.webhook) Object.assign(initial, { 'webhook.url': c.webhook.url, 'webhook.timeoutMs': c.webhook.timeoutMs });
  if (c.email) for (const [k, v] of Object.entries(c.email)) initial[`email.${k}`] = typeof v === 'boolean' ? String(v) : v;
  if (c.snmp) for (const [k, v] of Object.entries(c.snmp)) if (v !== null && k !== 'engineId' && k !== 'privProtocol') initial[`snmp.${k}`] = v;
  shell.openForm({
    title: `Edit channel ${c.name} (secret: ${c.hasSecret ? 'set; empty keeps it' : 'not set'})`,
    operation: 'alerts.channels.update',
    fixed: { id: c.id },
    fields: fieldsOf(c.type),
    initial,
    success: () => `Saved channel ${c.name}`,
    onDone: reload,
  });
}

function ChannelsTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('alerts.channels.list', {}, { refreshOn: ['audit'] });
  const columns: Column<NotificationChannel>[] = [
    { key: 'id', title: 'ID', width: 3, align: 'right', render: (c) => String(c.id), sortValue: (c) => c.id },
    { key: 'name', title: 'CHANNEL', width: 14, render: (c) => c.name },
    { key: 'type', title: 'TYPE', width: 7, render: (c) => c.type },
    { key: 'on', title: 'STATE', width: 8, render: (c) => (c.enabled ? 'enabled' : 'disabled'), color: (c) => (c.enabled ? 'green' : 'gray') },
    { key: 'dest', title: 'SENDS TO', width: 0, render: channelDestination },
    { key: 'sev', title: 'SEVERITIES', width: 16, render: (c) => c.severities.join(','), minTableWidth: 84 },
    { key: 'secret', title: 'SECRET', width: 7, render: (c) => (c.hasSecret ? 'set' : 'not set'), minTableWidth: 96 },
  ];
  const table = useTable(q.data?.items ?? [], columns, (c) => String(c.id));
  const c = table.selected;
  const create = (type: 'webhook' | 'email' | 'snmp') =>
    shell.openForm({
      title:
        type === 'snmp'
          ? 'Add an SNMP trap channel (secret: the v2c community or the v3 auth passphrase; write-only)'
          : `Add ${type === 'webhook' ? 'a webhook' : 'an email'} channel (the secret is write-only)`,
      operation: 'alerts.channels.create',
      fields: fieldsOf(type),
      submitLabel: 'Add',
      success: (x) => `Added channel ${x.name}`,
      onDone: q.reload,
    });
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    { key: 'w', description: 'Add webhook', operation: 'alerts.channels.create', action: () => create('webhook') },
    { key: 'm', description: 'Add email', operation: 'alerts.channels.create', action: () => create('email') },
    { key: 's', description: 'Add SNMP trap', operation: 'alerts.channels.create', action: () => create('snmp') },
    ...(c
      ? [
          { key: 'e', description: 'Edit', operation: 'alerts.channels.update', action: () => editChannel(shell, c, q.reload) },
          {
            key: 't',
            description: 'Send test',
            operation: 'alerts.channels.test',
            action: () =>
              void shell.act(
                'alerts.channels.test',
                { id: c.id },
                {
                  success: (d) =>
                    d.status === 'sent'
                      ? `Test sent through ${c.name}`
                      : `Test through ${c.name} failed after ${d.attempts} attempt(s): ${d.error ?? 'unknown error'}`,
                },
              ),
          },
          {
            key: 'D',
            description: 'Delete',
            operation: 'alerts.channels.delete',
            action: () =>
              shell.confirm({
                operation: 'alerts.channels.delete',
                input: { id: c.id },
                verb: 'delete',
                details: [`Channel "${c.name}" stops receiving alerts.`],
                success: () => `Deleted channel ${c.name}`,
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
        emptyText={q.loading ? 'Loading...' : 'No notification channels. w adds a webhook, m an email channel.'}
      />
      <Text dimColor wrap="truncate">
        {c ? `${c.severities.join(', ')}${c.notifyResolved ? ' and resolutions' : ''}; secret ${c.hasSecret ? 'set' : 'not set'}` : ' '}
      </Text>
    </Box>
  );
}

function CollectorTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme } = shell;
  const q = useQuery('monitoring.settings.get', {}, { refreshOn: ['audit'] });
  const s = q.data;
  useBindings([
    ...(s
      ? [
          {
            key: 'e',
            description: 'Edit',
            operation: 'monitoring.settings.update',
            action: () =>
              shell.openForm({
                title: 'Collector settings',
                operation: 'monitoring.settings.update',
                initial: { intervalSeconds: s.intervalSeconds, smartIntervalSeconds: s.smartIntervalSeconds, watchedServices: s.watchedServices },
                success: () => 'Saved the collector settings',
                onDone: q.reload,
              }),
          },
        ]
      : []),
    { key: 'r', description: 'Refresh', hint: false, action: q.reload },
    ...extra,
  ]);
  if (q.error && !s)
    return (
      <Notice theme={theme} kind="error">
        {q.error}
      </Notice>
    );
  return (
    <KeyValues
      keyWidth={20}
      rows={[
        ['collection interval', s ? `${s.intervalSeconds} s` : '...'],
        ['SMART interval', s ? `${s.smartIntervalSeconds} s` : ''],
        ['watched services', s ? s.watchedServices.join(', ') || 'none' : ''],
        ['Prometheus token', s ? (s.scrapeTokenConfigured ? `set (since ${dateTime(s.scrapeTokenCreatedAt)})` : 'not set') : ''],
      ]}
    />
  );
}
