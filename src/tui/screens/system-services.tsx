/**
 * System tabs for the appliance's services (state, start/stop/restart, boot, their log; reboot
 * and shutdown) and its logs (the journal and Calypso's own log, filtered, paged back, followed).
 */
import React, { useState } from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import type { Output } from '../../contracts/index.js';
import { useShell } from '../context.js';
import { Table, useTable, type Column } from '../components/Table.js';
import { Notice, readFailure } from '../components/Panels.js';
import { useBindings, useQuery } from '../hooks/use-operation.js';
import type { KeyBinding } from '../keys.js';
import { dateTime, dateTimeSeconds } from '../format.js';

type Service = Output<'appliance.services.list'>['items'][number];

const stateColor = (s: Service) =>
  s.activeState === 'active' ? 'green' : s.activeState === 'failed' ? 'red' : s.activeState === 'unknown' || !s.installed ? 'gray' : 'yellow';

export function ServicesTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('appliance.services.list', {}, { refreshOn: ['audit'], intervalMs: 10_000 });
  const columns: Column<Service>[] = [
    { key: 'name', title: 'SERVICE', width: 0, render: (s) => s.name },
    { key: 'state', title: 'STATE', width: 9, render: (s) => (s.installed ? s.activeState : 'absent'), color: (s) => theme.c(stateColor(s)) },
    { key: 'boot', title: 'BOOT', width: 4, render: (s) => (s.enabled === null ? '-' : s.enabled ? 'on' : 'off') },
    { key: 'unit', title: 'UNIT', width: 14, render: (s) => s.unit, minTableWidth: 70 },
    { key: 'since', title: 'SINCE', width: 16, render: (s) => (s.sinceAt ? dateTime(s.sinceAt) : '-'), minTableWidth: 90 },
  ];
  const table = useTable(q.data?.items ?? [], columns, (s) => s.unit);
  const s = table.selected;
  const simple = (action: 'start' | 'restart' | 'enable', key: string, description: string): KeyBinding[] =>
    s
      ? [
          {
            key,
            description,
            operation: `appliance.services.${action}`,
            action: () => void shell.act(`appliance.services.${action}`, { unit: s.unit }, { success: (r) => `${r.name}: ${r.text}` }).then(q.reload),
          },
        ]
      : [];
  const dangerous = (action: 'stop' | 'disable', key: string, description: string, detail: string): KeyBinding[] =>
    s
      ? [
          {
            key,
            description,
            operation: `appliance.services.${action}`,
            action: () =>
              shell.confirm({
                operation: `appliance.services.${action}`,
                input: { unit: s.unit },
                verb: action,
                details: [detail],
                success: (r) => `${r.name}: ${r.text}`,
                onDone: q.reload,
              }),
          },
        ]
      : [];
  const power = (action: 'reboot' | 'shutdown', key: string): KeyBinding => ({
    key,
    description: action === 'reboot' ? 'Reboot the appliance' : 'Shut the appliance down',
    operation: `appliance.power.${action}`,
    action: () =>
      shell.confirm({
        operation: `appliance.power.${action}`,
        input: { force: false },
        verb: `${action} the appliance`,
        details: ['Refused while jobs run (the answer names them). Every share, target and session is cut off.'],
        success: (r) => r.text,
      }),
  });
  const showLog = () => {
    if (!s) return;
    void shell.call('appliance.services.get', { unit: s.unit, lines: 200 }).then(
      (d) =>
        shell.showText(
          `${d.name} (${d.unit}): ${d.text}`,
          d.log === null
            ? ['(its log lines need the appliance.logs permission, which your roles do not grant)']
            : d.log.length
              ? d.log.map((l) => `${dateTimeSeconds(l.at)} ${l.message}`)
              : ['(no log lines)'],
        ),
      (err: unknown) => shell.toast(err instanceof Error ? err.message : String(err), 'error'),
    );
  };
  useBindings([
    ...extra,
    ...table.bindings({ prompt: shell.prompt, pageSize: Math.max(3, height - 6) }),
    ...(s ? [{ key: 'enter', description: 'Its log', action: showLog }] : []),
    ...simple('start', 's', 'Start'),
    ...simple('restart', 'R', 'Restart'),
    ...dangerous('stop', 'S', 'Stop', `${s?.name ?? ''}: its clients are cut off until it is started again.`),
    ...simple('enable', 'e', 'Start at boot'),
    ...dangerous('disable', 'd', 'Not at boot', `${s?.name ?? ''} will not start when the appliance boots.`),
    power('reboot', 'B'),
    power('shutdown', 'O'),
    { key: 'r', description: 'Refresh', hint: false, action: q.reload },
  ]);
  const failed = readFailure(q, theme);
  if (failed) return failed;
  return (
    <Box flexDirection="column">
      <Text dimColor wrap="truncate">
        {q.data?.manager === 'none'
          ? 'This machine has no systemd: states are unknown and nothing can be started here.'
          : s
            ? `${s.name}: ${s.text}${s.configuredBy ? ` (its settings: ${s.configuredBy})` : ''}`
            : ' '}
      </Text>
      <Table
        table={table}
        columns={columns}
        width={width - 2}
        height={Math.max(3, height - 4)}
        theme={theme}
        focused={active}
        emptyText={q.loading ? 'Loading...' : 'No services.'}
      />
    </Box>
  );
}

type JournalEntry = Output<'appliance.logs.journal'>['items'][number];
type CalypsoLine = Output<'appliance.logs.calypso'>['items'][number];
interface Row {
  key: string;
  at: string | null;
  level: string;
  source: string;
  message: string;
}

const PRIORITIES = [7, 4, 3] as const;
const PRIORITY_WORDS: Record<number, string> = { 0: 'emerg', 1: 'alert', 2: 'crit', 3: 'error', 4: 'warn', 5: 'notice', 6: 'info', 7: 'debug' };
const LEVEL_OF_PRIORITY: Record<number, 'trace' | 'warn' | 'error'> = { 7: 'trace', 4: 'warn', 3: 'error' };

export function LogsTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const [source, setSource] = useState<'journal' | 'calypso'>('journal');
  const [text, setText] = useState('');
  const [priority, setPriority] = useState<(typeof PRIORITIES)[number]>(7);
  const [follow, setFollow] = useState(false);
  // Paging back: the journal by time (the oldest shown), Calypso's log by byte offset.
  const [untilAt, setUntilAt] = useState<string | undefined>(undefined);
  const [before, setBefore] = useState<number | undefined>(undefined);
  const limit = Math.max(20, height * 2);
  const journal = useQuery(
    'appliance.logs.journal',
    { priority, limit, ...(text ? { text } : {}), ...(untilAt ? { untilAt } : {}) },
    { enabled: source === 'journal', intervalMs: follow && !untilAt ? 2000 : undefined },
  );
  const own = useQuery(
    'appliance.logs.calypso',
    { limit, level: LEVEL_OF_PRIORITY[priority] ?? 'trace', ...(text ? { text } : {}), ...(before !== undefined ? { before } : {}) },
    { enabled: source === 'calypso', intervalMs: follow && before === undefined ? 2000 : undefined },
  );
  const q = source === 'journal' ? journal : own;
  const rows: Row[] =
    source === 'journal'
      ? (journal.data?.items ?? []).map((e: JournalEntry, i) => ({
          key: `${e.at}#${i}`,
          at: e.at,
          level: PRIORITY_WORDS[e.priority] ?? String(e.priority),
          source: e.unit?.replace(/\.service$/, '') ?? 'kernel',
          message: e.message,
        }))
      : (own.data?.items ?? []).map((l: CalypsoLine) => ({
          key: String(l.offset),
          at: l.at,
          level: l.level,
          source: 'calypso',
          message: l.detail ? `${l.message} ${l.detail}` : l.message,
        }));
  const columns: Column<Row>[] = [
    { key: 'at', title: 'TIME', width: 19, render: (r) => (r.at ? dateTimeSeconds(r.at) : '-') },
    {
      key: 'level',
      title: 'LEVEL',
      width: 6,
      render: (r) => r.level,
      color: (r) => theme.c(/err|crit|alert|emerg|fatal/.test(r.level) ? 'red' : r.level.startsWith('warn') ? 'yellow' : 'white'),
    },
    { key: 'source', title: 'SOURCE', width: 12, render: (r) => r.source, minTableWidth: 70 },
    { key: 'message', title: 'MESSAGE', width: 0, render: (r) => r.message },
  ];
  const table = useTable(rows, columns, (r) => r.key);
  const newest = () => {
    setUntilAt(undefined);
    setBefore(undefined);
  };
  const older = () => {
    if (source === 'journal') {
      const oldest = journal.data?.items[journal.data.items.length - 1];
      if (oldest) setUntilAt(new Date(Date.parse(oldest.at) - 1).toISOString());
    } else if (own.data?.nextBefore !== null && own.data?.nextBefore !== undefined) setBefore(own.data.nextBefore);
  };
  useBindings([
    ...extra,
    ...table.bindings({ prompt: shell.prompt, pageSize: Math.max(3, height - 6) }),
    {
      key: 'c',
      description: source === 'journal' ? "Calypso's log" : 'System journal',
      action: () => {
        newest();
        setSource((x) => (x === 'journal' ? 'calypso' : 'journal'));
      },
    },
    {
      key: 'T',
      description: 'Lines with text',
      action: () =>
        shell.prompt({
          label: 'Only lines containing (empty: all)',
          initial: text,
          onSubmit: (v) => {
            newest();
            setText(v.trim());
          },
        }),
    },
    {
      key: 'p',
      description: 'Level',
      action: () => {
        newest();
        setPriority((p) => PRIORITIES[(PRIORITIES.indexOf(p) + 1) % PRIORITIES.length]!);
      },
    },
    { key: 'n', description: 'Older', action: older },
    { key: 'g', description: 'Newest', action: newest },
    { key: 'f', description: follow ? 'Stop following' : 'Follow', action: () => (newest(), setFollow((f) => !f)) },
    {
      key: 'enter',
      description: 'Whole line',
      action: () => table.selected && shell.showText(`${table.selected.source} ${table.selected.at ?? ''}`, [table.selected.message]),
    },
  ]);
  const where = untilAt || before !== undefined ? 'older lines (g: newest)' : follow ? 'following (f: stop)' : 'newest first';
  return (
    <Box flexDirection="column">
      <Text dimColor wrap="truncate">
        {source === 'journal' ? 'System journal' : `Calypso's log${own.data?.file ? ` (${own.data.file})` : ''}`},{' '}
        {priority === 7 ? 'every level' : priority === 4 ? 'warnings and errors' : 'errors'}
        {text ? `, containing "${text}"` : ''}: {where}
      </Text>
      {q.error && !q.data ? (
        <Notice theme={theme} kind="error">
          {q.error}
        </Notice>
      ) : source === 'journal' && journal.data?.manager === 'none' ? (
        <Notice theme={theme}>This machine has no systemd journal to read; c shows Calypso's own log.</Notice>
      ) : (
        <Table
          table={table}
          columns={columns}
          width={width - 2}
          height={Math.max(3, height - 4)}
          theme={theme}
          focused={active}
          emptyText={q.loading ? 'Loading...' : 'No lines.'}
        />
      )}
    </Box>
  );
}
