/**
 * Backup (Bacula): jobs and their runs, what is running or waiting (with the reason and the fix),
 * the history with each run's log, volumes, clients, and the restore file browser.
 */
import React, { useState } from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import type { Output } from '../../contracts/index.js';
import { useShell } from '../context.js';
import { Table, useTable, type Column } from '../components/Table.js';
import { Tabs, tabBindings, readFailure } from '../components/Panels.js';
import { useBindings, useQuery } from '../hooks/use-operation.js';
import type { KeyBinding } from '../keys.js';
import { bytes, dateTime, duration, truncate } from '../format.js';
import { RestoreBrowser } from './backup-restore.js';
import { SetupTab } from './backup-setup.js';

type JobRow = Output<'backup.jobs.list'>['items'][number];
type RunRow = Output<'backup.history.list'>['items'][number];
type RunningRow = Output<'backup.status'>['running'][number];
type VolumeRow = Output<'backup.volumes.list'>['items'][number];
type ClientRow = Output<'backup.clients.list'>['items'][number];

const TABS = [
  { id: 'jobs', label: 'Jobs' },
  { id: 'running', label: 'Running' },
  { id: 'history', label: 'History' },
  { id: 'volumes', label: 'Volumes' },
  { id: 'clients', label: 'Clients' },
  { id: 'setup', label: 'Setup' },
] as const;
type Tab = (typeof TABS)[number]['id'];

const OUTCOME_COLOR: Record<string, string | undefined> = {
  ok: 'green',
  warning: 'yellow',
  failed: 'red',
  cancelled: 'gray',
  running: 'cyan',
  waiting: 'yellow',
};

/** One line of a running job: its progress, or what it waits for. */
export function runningLine(r: RunningRow): string {
  if (r.waiting) return `${r.waiting.reason}: ${r.waiting.action}`;
  const p = r.progress;
  if (!p) return r.statusText;
  const left = p.remainingSeconds !== null ? `, about ${duration(p.remainingSeconds)} left` : '';
  const pct = p.percent !== null ? `${p.percent}% ` : '';
  return `${pct}${p.files} files, ${bytes(p.doneBytes)} at ${bytes(p.rateBytes)}/s${left}`;
}

export function BackupScreen(): React.ReactElement {
  const shell = useShell();
  const [tab, setTab] = useState<Tab>('jobs');
  const [browsing, setBrowsing] = useState<RunRow | null>(null);
  const extra = tabBindings(TABS, tab, setTab);
  if (browsing) return <RestoreBrowser run={browsing} onClose={() => setBrowsing(null)} />;
  return (
    <Box flexDirection="column" paddingX={1}>
      <Tabs tabs={[...TABS]} current={tab} theme={shell.theme} width={shell.width - 2} />
      {tab === 'jobs' ? (
        <JobsTab extra={extra} />
      ) : tab === 'running' ? (
        <RunningTab extra={extra} />
      ) : tab === 'history' ? (
        <HistoryTab extra={extra} onBrowse={setBrowsing} />
      ) : tab === 'volumes' ? (
        <VolumesTab extra={extra} />
      ) : tab === 'clients' ? (
        <ClientsTab extra={extra} />
      ) : (
        <SetupTab extra={extra} />
      )}
    </Box>
  );
}

function JobsTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('backup.jobs.list', { limit: 1000 }, { refreshOn: ['audit', 'job'] });
  const columns: Column<JobRow>[] = [
    { key: 'name', title: 'JOB', width: 0, render: (j) => j.name },
    { key: 'client', title: 'CLIENT', width: 12, render: (j) => j.client, minTableWidth: 56 },
    { key: 'level', title: 'LEVEL', width: 11, render: (j) => j.level, minTableWidth: 70 },
    { key: 'on', title: 'ON', width: 3, render: (j) => (j.enabled ? 'on' : 'off') },
    {
      key: 'last',
      title: 'LAST RUN',
      width: 21,
      render: (j) => (j.lastRun ? `${truncate(j.lastRun.status, 9)} ${j.lastRun.at ? dateTime(j.lastRun.at).slice(5) : ''}` : 'never'),
      color: (j) => (j.lastRun ? (j.lastRun.ok ? 'green' : 'red') : undefined),
    },
  ];
  const table = useTable(q.data?.items ?? [], columns, (j) => j.name);
  const j = table.selected;
  const run = (level: 'Full' | 'Incremental' | 'Differential' | undefined) => {
    if (!j) return;
    void shell.act('backup.jobs.run', { name: j.name, level }, { success: (r) => `Started ${j.name}: JobId ${r.jobId} (Running tab shows its progress)` });
  };
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    ...(j
      ? [
          { key: 'R', description: 'Run now', operation: 'backup.jobs.run', action: () => run(undefined) },
          { key: 'F', description: 'Run Full', operation: 'backup.jobs.run', action: () => run('Full') },
          {
            key: 'e',
            description: j.enabled ? 'Disable' : 'Enable',
            operation: 'backup.jobs.update',
            disabledReason: j.managed ? undefined : "defined in the director's own configuration",
            action: () =>
              void shell
                .act('backup.jobs.update', { name: j.name, enabled: !j.enabled }, { success: () => `${j.name} ${j.enabled ? 'disabled' : 'enabled'}` })
                .then(q.reload),
          },
          {
            key: 'D',
            description: 'Delete',
            operation: 'backup.jobs.delete',
            disabledReason: j.managed ? undefined : "defined in the director's own configuration",
            action: () =>
              shell.confirm({
                operation: 'backup.jobs.delete',
                input: { name: j.name },
                verb: 'delete',
                details: ['Its history stays in the catalog.'],
                onDone: q.reload,
              }),
          },
        ]
      : []),
    {
      key: 'c',
      description: 'New job',
      operation: 'backup.jobs.create',
      action: () =>
        shell.openForm({
          title: 'New backup job',
          operation: 'backup.jobs.create',
          fields: ['name', 'jobDefs', 'client', 'fileset', 'pool', 'storage', 'level', 'schedule'],
          success: (r) => `Created job ${r.name}`,
          onDone: q.reload,
        }),
    },
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
        emptyText={q.loading ? 'Loading...' : 'No backup jobs. c defines one.'}
      />
      <Text dimColor wrap="truncate">
        {j
          ? `${j.name}: ${j.client} / ${j.fileset || '?'} -> pool ${j.pool}${j.schedule ? `, schedule ${j.schedule}` : ', by hand'}${j.managed ? '' : ' (director config)'}`
          : ' '}
      </Text>
    </Box>
  );
}

function RunningTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('backup.status', {}, { refreshOn: ['audit', 'job'] });
  const columns: Column<RunningRow>[] = [
    { key: 'id', title: 'JOBID', width: 6, align: 'right', render: (r) => String(r.jobId), sortValue: (r) => r.jobId },
    { key: 'name', title: 'JOB', width: 16, render: (r) => r.name },
    { key: 'level', title: 'LEVEL', width: 5, render: (r) => r.levelText.slice(0, 4) },
    { key: 'state', title: 'PROGRESS / WAITING FOR', width: 0, render: runningLine, color: (r) => (r.waiting ? 'yellow' : 'cyan') },
  ];
  const table = useTable(q.data?.running ?? [], columns, (r) => String(r.jobId));
  const r = table.selected;
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    ...(r
      ? [
          {
            key: 'x',
            description: 'Cancel job',
            operation: 'backup.runs.cancel',
            action: () => void shell.act('backup.runs.cancel', { jobId: r.jobId }, { success: () => `Cancelled JobId ${r.jobId}` }).then(q.reload),
          },
        ]
      : []),
    { key: 'r', description: 'Refresh', action: q.reload },
    ...extra,
  ]);
  const failed = readFailure(q, theme);
  if (failed) return failed;
  return (
    <Box flexDirection="column">
      <Text dimColor wrap="truncate">
        {q.data ? `${q.data.name} ${q.data.version}` : ' '}
      </Text>
      <Table
        table={table}
        columns={columns}
        width={width - 2}
        height={height - 4}
        theme={theme}
        focused={active}
        emptyText={q.loading ? 'Loading...' : 'No jobs running or waiting.'}
      />
      <Text wrap="wrap">{r ? runningLine(r) : ' '}</Text>
    </Box>
  );
}

function HistoryTab({ extra, onBrowse }: { extra: KeyBinding[]; onBrowse: (run: RunRow) => void }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('backup.history.list', { limit: 1000 }, { refreshOn: ['audit', 'job'] });
  const columns: Column<RunRow>[] = [
    { key: 'id', title: 'JOBID', width: 5, align: 'right', render: (r) => String(r.jobId), sortValue: (r) => r.jobId },
    { key: 'name', title: 'JOB', width: 0, render: (r) => r.name },
    { key: 'level', title: 'LVL', width: 4, render: (r) => r.levelText.slice(0, 4) },
    { key: 'status', title: 'STATUS', width: 11, render: (r) => truncate(r.statusText, 11), color: (r) => OUTCOME_COLOR[r.outcome] },
    { key: 'files', title: 'FILES', width: 7, align: 'right', render: (r) => String(r.files), sortValue: (r) => r.files, minTableWidth: 76 },
    { key: 'bytes', title: 'BYTES', width: 8, align: 'right', render: (r) => bytes(r.jobBytes), sortValue: (r) => r.jobBytes },
    {
      key: 'took',
      title: 'TOOK',
      width: 7,
      align: 'right',
      render: (r) => duration(r.durationSeconds),
      sortValue: (r) => r.durationSeconds ?? 0,
      minTableWidth: 90,
    },
    { key: 'at', title: 'STARTED', width: 11, render: (r) => (r.startedAt ? dateTime(r.startedAt).slice(5) : '-') },
  ];
  const table = useTable(q.data?.items ?? [], columns, (r) => String(r.jobId));
  const r = table.selected;
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    ...(r
      ? [
          {
            key: 'enter',
            description: 'Job log',
            operation: 'backup.history.get',
            action: () =>
              void shell.call('backup.history.get', { jobId: r.jobId }).then(
                (d) =>
                  shell.showText(
                    `JobId ${r.jobId} ${r.name}: ${r.statusText}`,
                    d.log.flatMap((l) => `${l.at ? dateTime(l.at) : ''} ${l.text}`.split('\n')),
                  ),
                (err: Error) => shell.toast(err.message, 'error'),
              ),
          },
          {
            key: 'b',
            description: 'Browse & restore',
            operation: 'backup.restore.browse',
            disabledReason:
              r.type === 'B' && r.outcome !== 'failed' && r.outcome !== 'cancelled' ? undefined : 'only a backup that ended well has files to restore',
            action: () => onBrowse(r),
          },
          {
            key: 'a',
            description: 'Run again',
            operation: 'backup.runs.rerun',
            disabledReason: r.type === 'B' ? undefined : 'only backups are run again',
            action: () =>
              void shell.act('backup.runs.rerun', { jobId: r.jobId }, { success: (x) => `Started ${r.name} again: JobId ${x.jobId}` }).then(q.reload),
          },
        ]
      : []),
    {
      key: 't',
      description: 'Restore from a point in time',
      operation: 'backup.restore.point',
      action: () =>
        shell.openForm({
          title: 'Restore a client as it was at a point in time',
          operation: 'backup.restore.point',
          fields: ['client', 'at'],
          // Starts from the selected run's client and time; the user types the point in time they want.
          initial: { client: r?.client ?? '', at: r?.endedAt ?? r?.startedAt ?? '' },
          submitLabel: 'Browse',
          success: (p) =>
            `Browsing JobId ${p.run.jobId} (${p.run.levelText}, ${p.run.endedAt ? dateTime(p.run.endedAt) : ''}) and the ${p.jobIds.length} job(s) it needs`,
          onDone: (p) => onBrowse(p.run),
        }),
    },
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
        emptyText={q.loading ? 'Loading...' : 'No jobs in the catalog yet.'}
      />
      <Text dimColor wrap="truncate">
        {r
          ? `${r.client ?? ''} pool ${r.pool ?? '-'}  ${r.files} files ${bytes(r.jobBytes)}  ${r.rateBytes !== null ? `${bytes(r.rateBytes)}/s` : ''}  errors ${r.errors}`
          : ' '}
      </Text>
    </Box>
  );
}

function VolumesTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('backup.volumes.list', { limit: 1000 }, { refreshOn: ['audit'] });
  const columns: Column<VolumeRow>[] = [
    { key: 'name', title: 'VOLUME', width: 0, render: (v) => v.name },
    { key: 'pool', title: 'POOL', width: 12, render: (v) => v.pool ?? '-' },
    {
      key: 'status',
      title: 'STATUS',
      width: 10,
      render: (v) => v.status,
      color: (v) => (v.status === 'Append' ? 'green' : v.status === 'Error' ? 'red' : undefined),
    },
    { key: 'bytes', title: 'BYTES', width: 9, align: 'right', render: (v) => bytes(v.usedBytes), sortValue: (v) => v.usedBytes },
    { key: 'last', title: 'LAST WRITTEN', width: 16, render: (v) => (v.lastWrittenAt ? dateTime(v.lastWrittenAt) : 'never'), minTableWidth: 70 },
  ];
  const table = useTable(q.data?.items ?? [], columns, (v) => v.name);
  const v = table.selected;
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    {
      key: 'l',
      description: 'Label volume',
      operation: 'backup.volumes.label',
      action: () =>
        shell.openForm({
          title: 'Label a new volume',
          operation: 'backup.volumes.label',
          fields: ['pool', 'storage', 'name'],
          initial: { pool: v?.pool ?? 'Default', storage: 'File1' },
          submitLabel: 'Label',
          success: (r) => `Labelled ${r.name} in pool ${r.pool ?? ''}`,
          onDone: q.reload,
        }),
    },
    ...(v
      ? [
          {
            key: 's',
            description: 'Status / pool',
            operation: 'backup.volumes.update',
            action: () =>
              shell.openForm({
                title: `Change ${v.name}`,
                operation: 'backup.volumes.update',
                fixed: { name: v.name },
                fields: ['status', 'pool'],
                success: (r) => `${r.name}: ${r.status} in ${r.pool ?? '-'}`,
                onDone: q.reload,
              }),
          },
          {
            key: 'p',
            description: 'Prune',
            operation: 'backup.volumes.prune',
            action: () =>
              shell.confirm({
                operation: 'backup.volumes.prune',
                input: { name: v.name },
                verb: 'prune',
                details: ['Jobs and files past their retention are forgotten.'],
                onDone: q.reload,
              }),
          },
          {
            key: 'P',
            description: 'Purge',
            operation: 'backup.volumes.purge',
            action: () =>
              shell.confirm({
                operation: 'backup.volumes.purge',
                input: { name: v.name },
                verb: 'purge',
                details: ['Every job and file on it is forgotten now, whatever the retention: its backups can no longer be restored.'],
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
    <Table
      table={table}
      columns={columns}
      width={width - 2}
      height={height - 2}
      theme={theme}
      focused={active}
      emptyText={q.loading ? 'Loading...' : 'No volumes. l labels one.'}
    />
  );
}

function ClientsTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('backup.clients.list', { limit: 1000 }, { refreshOn: ['audit'] });
  const columns: Column<ClientRow>[] = [
    { key: 'name', title: 'CLIENT', width: 0, render: (c) => c.name },
    { key: 'address', title: 'ADDRESS', width: 20, render: (c) => c.address || '(director config)', minTableWidth: 70 },
    {
      key: 'state',
      title: 'STATE',
      width: 12,
      render: (c) => (c.reachable === null ? '?' : c.reachable ? 'reachable' : 'unreachable'),
      color: (c) => (c.reachable ? 'green' : c.reachable === false ? 'red' : undefined),
    },
    { key: 'version', title: 'VERSION', width: 8, render: (c) => c.version ?? '-' },
  ];
  const table = useTable(q.data?.items ?? [], columns, (c) => c.name);
  const c = table.selected;
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    {
      key: 'c',
      description: 'Add client',
      operation: 'backup.clients.create',
      action: () =>
        shell.openForm({
          title: 'Add a backup client (the password is never shown again)',
          operation: 'backup.clients.create',
          fields: ['name', 'address', 'port', 'password'],
          success: (r) => `Added client ${r.name}`,
          onDone: q.reload,
        }),
    },
    ...(c
      ? [
          {
            key: 't',
            description: 'Test connection',
            operation: 'backup.clients.test',
            disabledReason: c.managed ? undefined : "defined in the director's own configuration",
            action: () =>
              void shell
                .act(
                  'backup.clients.test',
                  { name: c.name },
                  { success: (r) => (r.reachable ? `${r.name} answers: version ${r.version ?? '?'}` : `${r.name} does not answer: ${r.error ?? ''}`) },
                )
                .then(q.reload),
          },
          {
            key: 'D',
            description: 'Remove',
            operation: 'backup.clients.delete',
            disabledReason: c.managed ? undefined : "defined in the director's own configuration",
            action: () => shell.confirm({ operation: 'backup.clients.delete', input: { name: c.name }, verb: 'remove', onDone: q.reload }),
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
        emptyText={q.loading ? 'Asking the clients...' : 'No clients. c adds one.'}
      />
      <Text dimColor wrap="truncate">
        {c?.error ?? ' '}
      </Text>
    </Box>
  );
}
