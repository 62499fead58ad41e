/**
 * Schedules: periodic scrubs and SMART self-tests. The list (kind, target, schedule in words and
 * cron, next run, last result), a create/edit form with a picker (hourly, daily at HH:MM, weekly
 * on DAY at HH:MM, custom cron), enable/disable, run now and the history of runs.
 */
import React, { useRef, useState } from 'react';
import { Box, useInput } from 'ink';
import { Text } from '../components/Text.js';
import { ValidationError, errorMessage } from '../../contracts/errors.js';
import { cronOf, describeCron, WEEKDAYS, type CronPick } from '../../contracts/cron.js';
import type { Schedule } from '../../contracts/schedules.js';
import { useShell, type ShellApi } from '../context.js';
import { Table, useTable, type Column } from '../components/Table.js';
import { Notice, Title } from '../components/Panels.js';
import { TextField } from '../components/TextField.js';
import { FieldLabel } from '../components/Form.js';
import { useBindings, useQuery } from '../hooks/use-operation.js';
import { dateTime, dateTimeSeconds, pad } from '../format.js';
import { healthColor } from '../theme.js';

const KINDS = ['pool.scrub', 'disk.smart-test'] as const;
/** Each kind in the KIND column's five characters. */
const KIND_WORDS: Record<Schedule['kind'], string> = {
  'pool.scrub': 'scrub',
  'disk.smart-test': 'SMART',
  'snapshot.task': 'snap',
  'replication.task': 'repl',
  'config.export': 'conf',
};
const EVERY = ['hourly', 'daily', 'weekly', 'custom'] as const;
type Every = (typeof EVERY)[number];

const resultColor = (r: string | undefined) =>
  healthColor(r === 'succeeded' ? 'succeeded' : r === 'failed' || r === 'missed' ? 'failed' : r === 'running' ? 'running' : 'unknown');

export function SchedulesScreen(): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('schedules.list', { limit: 1000 }, { refreshOn: ['job', 'audit'] });
  const columns: Column<Schedule>[] = [
    { key: 'id', title: 'ID', width: 4, align: 'right', render: (s) => String(s.id), sortValue: (s) => s.id, minTableWidth: 90 },
    { key: 'kind', title: 'KIND', width: 5, render: (s) => KIND_WORDS[s.kind] },
    { key: 'target', title: 'TARGET', width: 8, render: (s) => s.target },
    { key: 'when', title: 'SCHEDULE', width: 0, render: (s) => (width >= 120 ? `${s.cronText} (${s.cron})` : shortWhen(s.cron)) },
    {
      key: 'next',
      title: 'NEXT RUN',
      width: 11,
      render: (s) => (s.enabled ? dateTime(s.nextRunAt).slice(5) : 'disabled'),
      sortValue: (s) => s.nextRunAt ?? '~',
      color: (s) => (s.enabled ? undefined : 'gray'),
    },
    {
      key: 'last',
      title: 'LAST',
      width: 9,
      render: (s) => (s.running ? 'running' : (s.lastRun?.result ?? 'never')),
      color: (s) => resultColor(s.running ? 'running' : s.lastRun?.result),
    },
  ];
  const table = useTable(q.data?.items ?? [], columns, (s) => String(s.id));
  const s = table.selected;
  const reload = q.reload;
  const openEditor = (existing?: Schedule) =>
    shell.openPanel((close) => (
      <ScheduleForm
        shell={shell}
        existing={existing}
        onClose={close}
        onSaved={(text) => {
          close();
          shell.toast(text);
          reload();
        }}
      />
    ));
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    { key: 'c', description: 'Create schedule', operation: 'schedules.create', action: () => openEditor() },
    ...(s
      ? [
          { key: 'e', description: 'Edit', operation: 'schedules.update', action: () => openEditor(s) },
          s.enabled
            ? {
                key: 'd',
                description: 'Disable',
                operation: 'schedules.disable',
                action: () => void shell.act('schedules.disable', { id: s.id }, { success: () => `Disabled schedule ${s.id}` }).then(reload),
              }
            : {
                key: 'n',
                description: 'Enable',
                operation: 'schedules.enable',
                action: () => void shell.act('schedules.enable', { id: s.id }, { success: () => `Enabled schedule ${s.id}` }).then(reload),
              },
          {
            key: 'R',
            description: 'Run now',
            operation: 'schedules.run',
            disabledReason: s.running ? 'a run of it is going' : undefined,
            action: () => void shell.act('schedules.run', { id: s.id }, { success: (r) => `Schedule ${s.id} started (job #${r.jobId ?? '-'})` }).then(reload),
          },
          {
            key: 'enter',
            description: 'History',
            operation: 'schedules.runs',
            action: () => {
              void shell.call('schedules.runs', { id: s.id, limit: 200 }).then(
                (h) =>
                  shell.showText(`Schedule ${s.id}: ${s.kind} ${s.target}, ${s.cronText}`, [
                    `${pad('STARTED', 19)} ${pad('TRIGGER', 8)} ${pad('RESULT', 9)} ${pad('JOB', 5)} MESSAGE`,
                    ...(h.items.length
                      ? h.items.map(
                          (r) =>
                            `${pad(dateTimeSeconds(r.startedAt), 19)} ${pad(r.trigger, 8)} ${pad(r.result, 9)} ${pad(r.jobId ? `#${r.jobId}` : '-', 5)} ${r.message ?? ''}`,
                        )
                      : ['(no runs yet)']),
                    ...(h.total > h.items.length ? [`... ${h.total} runs in all`] : []),
                  ]),
                (err) => shell.toast(errorMessage(err), 'error'),
              );
            },
          },
          {
            key: 'D',
            description: 'Delete',
            operation: 'schedules.delete',
            action: () => void shell.act('schedules.delete', { id: s.id }, { success: () => `Deleted schedule ${s.id}` }).then(reload),
          },
        ]
      : []),
    { key: 'r', description: 'Refresh', hint: false, action: reload },
  ]);
  return (
    <Box flexDirection="column" paddingX={1}>
      <Title text="Schedules" theme={theme} right={q.data ? `${q.data.total} ${q.data.total === 1 ? 'schedule' : 'schedules'}` : ''} />
      {q.error && !q.data ? (
        <Notice theme={theme} kind="error">
          {q.error}
        </Notice>
      ) : (
        <Table
          table={table}
          columns={columns}
          width={width - 2}
          height={height - 4}
          theme={theme}
          focused={active}
          emptyText={q.loading ? 'Loading...' : 'No schedules yet: c creates a periodic scrub or SMART self-test.'}
        />
      )}
      <Text wrap="truncate">{s ? `${s.cronText} (cron ${s.cron})${s.enabled ? `, next ${dateTime(s.nextRunAt)}` : ', disabled'}` : ' '}</Text>
      <Text dimColor wrap="truncate">
        {s ? (s.lastRun ? `last ${s.lastRun.result} ${dateTime(s.lastRun.at)}${s.lastRun.message ? `: ${s.lastRun.message}` : ''}` : 'never ran') : ' '}
      </Text>
    </Box>
  );
}

/** The schedule in a few characters for the list: "Mon 02:30", "daily 03:00", "hourly :15", else the cron. */
function shortWhen(cron: string): string {
  const p = pickOf(cron);
  if (p.every === 'hourly') return `hourly :${p.time.slice(3)}`;
  if (p.every === 'daily') return `daily ${p.time}`;
  if (p.every === 'weekly') return `${WEEKDAYS[p.day]!.slice(0, 3)} ${p.time}`;
  return cron;
}

/** Reads a cron back into the picker when it has one of the picker's shapes. */
function pickOf(cron: string): { every: Every; day: number; time: string; custom: string } {
  const [min, hour, dom, mon, dow] = cron.split(' ');
  const two = (n: string | undefined) => (n ?? '0').padStart(2, '0');
  const num = (x: string | undefined) => x !== undefined && /^\d{1,2}$/.test(x);
  if (num(min) && hour === '*' && dom === '*' && mon === '*' && dow === '*') return { every: 'hourly', day: 0, time: `00:${two(min)}`, custom: cron };
  if (num(min) && num(hour) && dom === '*' && mon === '*' && dow === '*') return { every: 'daily', day: 0, time: `${two(hour)}:${two(min)}`, custom: cron };
  if (num(min) && num(hour) && dom === '*' && mon === '*' && /^[0-6]$/.test(dow ?? ''))
    return { every: 'weekly', day: Number(dow), time: `${two(hour)}:${two(min)}`, custom: cron };
  return { every: 'custom', day: 0, time: '03:00', custom: cron };
}

export function ScheduleForm({
  shell,
  existing,
  onClose,
  onSaved,
}: {
  shell: ShellApi;
  existing?: Schedule;
  onClose: () => void;
  onSaved: (text: string) => void;
}): React.ReactElement {
  const { theme, width, height } = shell;
  const start = pickOf(existing?.cron ?? '0 3 * * 0');
  const [kind, setKind] = useState<(typeof KINDS)[number]>(existing?.kind === 'disk.smart-test' ? 'disk.smart-test' : 'pool.scrub');
  const [target, setTarget] = useState(existing?.target ?? '');
  const [every, setEvery] = useState<Every>(existing ? start.every : 'weekly');
  const [day, setDay] = useState(start.day);
  const [time, setTime] = useState(start.time);
  const [custom, setCustom] = useState(existing ? start.custom : '');
  const [minDays, setMinDays] = useState(String(existing?.options.minDaysSinceLast ?? 0));
  const [testType, setTestType] = useState<'short' | 'long'>((existing?.options.testType as 'short' | 'long') ?? 'short');
  const [error, setError] = useState<string | null>(null);
  const [sending, setSendingState] = useState(false);
  // Enter reaches both the text field and this form: the ref keeps it to one call.
  const sendingRef = useRef(false);
  const setSending = (v: boolean) => {
    sendingRef.current = v;
    setSendingState(v);
  };
  const [focus, setFocusState] = useState(existing ? 2 : 0);
  const focusRef = useRef(existing ? 2 : 0);
  const setFocus = (next: (f: number) => number) => {
    focusRef.current = next(focusRef.current);
    setFocusState(focusRef.current);
  };
  // Fields: 0 kind, 1 target (create only), 2 every, 3 day (weekly), 4 time, 5 cron (custom), 6 option.
  const shown = (i: number) => (i <= 1 ? !existing : i === 3 ? every === 'weekly' : i === 4 ? every !== 'custom' : i === 5 ? every === 'custom' : true);
  const move = (dir: 1 | -1) =>
    setFocus((f) => {
      let n = f;
      for (let k = 0; k < 7; k++) {
        n = (n + dir + 7) % 7;
        if (shown(n)) return n;
      }
      return f;
    });

  const cronNow = (): string | null => {
    if (every === 'custom') return custom.trim();
    const m = /^(\d{1,2}):(\d{2})$/.exec(time.trim());
    if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) return null;
    const pick: CronPick =
      every === 'hourly'
        ? { every, minute: Number(m[2]) }
        : every === 'daily'
          ? { every, hour: Number(m[1]), minute: Number(m[2]) }
          : { every: 'weekly', day, hour: Number(m[1]), minute: Number(m[2]) };
    return cronOf(pick);
  };

  const submit = async () => {
    if (sendingRef.current) return;
    const cron = cronNow();
    if (!cron) return setError('the time is HH:MM, e.g. 03:00');
    if (!existing && !target.trim()) return setError(kind === 'pool.scrub' ? 'name the pool' : 'name the disk');
    setSending(true);
    const options = kind === 'pool.scrub' ? { minDaysSinceLast: Number(minDays || 0) } : { testType };
    setError(null);
    const op = existing ? 'schedules.update' : 'schedules.create';
    const input = existing ? { id: existing.id, cron, options } : { kind, target: target.trim(), cron, options };
    const saved = await shell.run(op, input).catch((err) => {
      setError(err instanceof ValidationError && err.errors.length ? `${err.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}` : errorMessage(err));
      return undefined;
    });
    setSending(false);
    if (saved) onSaved(`${existing ? 'Saved' : 'Created'} schedule ${saved.id}: ${saved.kind} ${saved.target}, ${saved.cronText}`);
  };

  useInput((input, key) => {
    if (sending) return;
    const f = focusRef.current;
    if (key.escape) return onClose();
    if (key.return) return void submit();
    if (key.downArrow || (key.tab && !key.shift)) return move(1);
    if (key.upArrow || (key.tab && key.shift)) return move(-1);
    const step = key.leftArrow ? -1 : key.rightArrow || input === ' ' ? 1 : 0;
    if (!step) return;
    const cycle = <T,>(list: readonly T[], now: T) => list[(list.indexOf(now) + step + list.length) % list.length]!;
    if (f === 0) setKind((k) => cycle(KINDS, k));
    if (f === 2) setEvery((e) => cycle(EVERY, e));
    if (f === 3) setDay((d) => (d + step + 7) % 7);
    if (f === 6 && kind === 'disk.smart-test') setTestType((t) => (t === 'short' ? 'long' : 'short'));
  });

  const label = (i: number, text: string) => <FieldLabel theme={theme} focused={focus === i} text={text} width={12} />;
  const cron = cronNow();
  return (
    <Box flexDirection="column" width={width} height={height} paddingX={1}>
      <Text bold color={theme.c('cyan')}>
        {existing ? `Edit schedule ${existing.id}: ${existing.kind} ${existing.target}` : 'Create a schedule'}
      </Text>
      {error ? (
        <Text color={theme.c('red')} wrap="wrap">
          {error}
        </Text>
      ) : (
        <Text dimColor wrap="truncate">
          ↑↓ move Space/←→ change Enter save Esc cancel
        </Text>
      )}
      {!existing ? (
        <>
          <Text wrap="truncate">
            {label(0, 'Kind')}
            <Text inverse={focus === 0}>{`< ${kind} >`}</Text>
            <Text dimColor>{kind === 'pool.scrub' ? '  scrub a pool' : '  SMART self-test of a disk'}</Text>
          </Text>
          <Box>
            {label(1, kind === 'pool.scrub' ? 'Pool' : 'Disk')}
            <TextField
              value={target}
              focus={focus === 1}
              stillFocused={() => focusRef.current === 1}
              onChange={(v) => {
                if (!sending) {
                  setTarget(v);
                  setError(null);
                }
              }}
              onSubmit={() => void submit()}
              placeholder={kind === 'pool.scrub' ? 'e.g. tank' : 'e.g. sdb'}
            />
          </Box>
        </>
      ) : null}
      <Text wrap="truncate">
        {label(2, 'Every')}
        <Text inverse={focus === 2}>{`< ${every} >`}</Text>
      </Text>
      {every === 'weekly' ? (
        <Text wrap="truncate">
          {label(3, 'Day')}
          <Text inverse={focus === 3}>{`< ${WEEKDAYS[day]} >`}</Text>
        </Text>
      ) : null}
      {every !== 'custom' ? (
        <Box>
          {label(4, every === 'hourly' ? 'At (:MM)' : 'At (HH:MM)')}
          <TextField
            value={time}
            focus={focus === 4}
            stillFocused={() => focusRef.current === 4}
            onChange={(v) => {
              if (!sending) {
                setTime(v.replace(/[^\d:]/g, '').slice(-5));
                /* typing over the prefilled 03:00 keeps the newest HH:MM */ setError(null);
              }
            }}
            onSubmit={() => void submit()}
            placeholder="03:00"
          />
        </Box>
      ) : (
        <Box>
          {label(5, 'Cron')}
          <TextField
            value={custom}
            focus={focus === 5}
            stillFocused={() => focusRef.current === 5}
            onChange={(v) => {
              if (!sending) {
                setCustom(v.slice(0, 100));
                setError(null);
              }
            }}
            onSubmit={() => void submit()}
            placeholder="minute hour day month weekday"
          />
        </Box>
      )}
      {kind === 'pool.scrub' ? (
        <Box>
          {label(6, 'Min days')}
          <TextField
            value={minDays}
            focus={focus === 6}
            stillFocused={() => focusRef.current === 6}
            onChange={(v) => {
              if (!sending) setMinDays(v.replace(/\D/g, '').slice(0, 3));
            }}
            onSubmit={() => void submit()}
            placeholder="0: scrub every time; 7: skip if a scrub ended in the last 7 days"
          />
        </Box>
      ) : (
        <Text wrap="truncate">
          {label(6, 'Test')}
          <Text inverse={focus === 6}>{`< ${testType} >`}</Text>
          <Text dimColor>{testType === 'short' ? '  minutes' : '  the whole surface: hours'}</Text>
        </Text>
      )}
      <Text wrap="truncate">
        {'  '}
        {pad('Runs', 12)} {cron ? `${describeCron(cron)}  (cron ${cron})` : <Text color={theme.c('yellow')}>the time is HH:MM</Text>}
      </Text>
      {sending ? <Text color={theme.c('yellow')}>Saving...</Text> : null}
    </Box>
  );
}
