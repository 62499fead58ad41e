/**
 * Backup > Setup: the JobDefs, FileSets, schedules, pools and repositories Calypso defines, in one list
 * (kind, name, what it does), created, edited and removed with forms built from their
 * contracts. A schedule's runs are typed one per line, cron-like: "Full 23:05 sun",
 * "Incremental 23:05 mon-sat", "Differential 01:30 daily"; each becomes a Run= line.
 */
import React, { useRef, useState } from 'react';
import { Box, useInput } from 'ink';
import { Text } from '../components/Text.js';
import { ValidationError, errorMessage } from '../../contracts/errors.js';
import type { Output } from '../../contracts/index.js';
import { useShell, type ShellApi } from '../context.js';
import { Table, useTable, type Column } from '../components/Table.js';
import { Title, readFailure } from '../components/Panels.js';
import { TextField } from '../components/TextField.js';
import { FieldLabel } from '../components/Form.js';
import { useBindings, useQuery } from '../hooks/use-operation.js';
import type { KeyBinding } from '../keys.js';
import { bytes } from '../format.js';

type FileSet = Output<'backup.filesets.list'>['items'][number];
type Schedule = Output<'backup.schedules.list'>['items'][number];
type Pool = Output<'backup.pools.list'>['items'][number];
type Repository = Output<'backup.repositories.list'>['items'][number];
type JobDefs = Output<'backup.jobdefs.list'>['items'][number];
type ScheduleRun = Schedule['runs'][number];

type Row =
  | { kind: 'FileSet'; name: string; text: string; item: FileSet }
  | { kind: 'Schedule'; name: string; text: string; item: Schedule }
  | { kind: 'Pool'; name: string; text: string; item: Pool }
  | { kind: 'Repository'; name: string; text: string; item: Repository }
  | { kind: 'JobDefs'; name: string; text: string; item: JobDefs };

const LEVELS = ['Full', 'Incremental', 'Differential'] as const;
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
type Day = (typeof DAYS)[number];

/** "mon-fri", "sun,wed", "daily" (or nothing): the weekdays, [] meaning every day. */
function daysOf(text: string): Day[] | null {
  const t = text.trim().toLowerCase();
  if (t === '' || t === 'daily') return [];
  const out = new Set<Day>();
  for (const part of t.split(',')) {
    const [a, b] = part
      .trim()
      .split('-')
      .map((x) => DAYS.indexOf(x.trim().slice(0, 3) as Day));
    if (a === undefined || a < 0 || (b !== undefined && b < 0)) return null;
    if (b === undefined) out.add(DAYS[a]!);
    else
      for (let i = a; ; i = (i + 1) % 7) {
        out.add(DAYS[i]!);
        if (i === b) break;
      }
  }
  return DAYS.filter((d) => out.has(d));
}

/** One typed run line, "Full 23:05 sun" / "Incremental 23:05 mon-sat", into a run (or the reason it is not one). */
export function parseRunLine(line: string): ScheduleRun | string {
  const m = /^\s*(\w+)\s+(\d{1,2}):(\d{2})\s*(.*)$/.exec(line);
  if (!m) return 'write a run as LEVEL HH:MM DAYS, e.g. Full 23:05 sun';
  const level = LEVELS.find((l) => l.toLowerCase().startsWith(m[1]!.toLowerCase()));
  if (!level) return `${m[1]} is not a level: Full, Incremental or Differential`;
  const hour = Number(m[2]);
  const minute = Number(m[3]);
  if (hour > 23 || minute > 59) return `${m[2]}:${m[3]} is not a time of day`;
  const days = daysOf(m[4]!);
  if (!days) return `${m[4]} is not a list of days: daily, mon-fri, sun,wed...`;
  return { level, hour, minute, days };
}

/** A run as it is typed back: "Full 23:05 sun", "Incremental 23:05 mon,tue". */
export function runLineOf(r: ScheduleRun): string {
  const at = `${String(r.hour).padStart(2, '0')}:${String(r.minute).padStart(2, '0')}`;
  return `${r.level} ${at} ${r.days.length ? r.days.join(',') : 'daily'}`;
}

const JOBDEFS_FIELDS = ['client', 'fileset', 'schedule', 'pool', 'storage', 'level', 'priority', 'maxRunSeconds'] as const;

function jobDefsText(d: JobDefs): string {
  const set = JOBDEFS_FIELDS.filter((k) => d[k] !== null).map((k) => `${k} ${String(d[k])}`);
  return set.length ? set.join(', ') : 'sets nothing yet';
}

function rowsOf(f?: FileSet[], s?: Schedule[], p?: Pool[], r?: Repository[], d?: JobDefs[]): Row[] {
  return [
    ...(d ?? []).map((item): Row => ({ kind: 'JobDefs', name: item.name, item, text: jobDefsText(item) })),
    ...(f ?? []).map((item): Row => ({
      kind: 'FileSet',
      name: item.name,
      item,
      text: `${item.include.join(' ')}${item.exclude.length ? ` minus ${item.exclude.join(' ')}` : ''}`,
    })),
    ...(s ?? []).map((item): Row => ({ kind: 'Schedule', name: item.name, item, text: item.runs.map(runLineOf).join('; ') })),
    ...(p ?? [])
      .filter((item) => item.managed)
      .map((item): Row => ({
        kind: 'Pool',
        name: item.name,
        item,
        text: `${item.volumes} volumes, ${bytes(item.totalBytes)}; keep ${item.volumeRetentionDays} days${item.labelFormat ? `, labels ${item.labelFormat}` : ''}`,
      })),
    ...(r ?? []).map((item): Row => ({
      kind: 'Repository',
      name: item.name,
      item,
      text: `${item.dataset} at ${item.path}${item.availableBytes !== null ? `, ${bytes(item.availableBytes)} free` : ''}`,
    })),
  ];
}

export function SetupTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const refreshOn = { refreshOn: ['audit' as const] };
  const f = useQuery('backup.filesets.list', { limit: 1000 }, refreshOn);
  const s = useQuery('backup.schedules.list', { limit: 1000 }, refreshOn);
  const p = useQuery('backup.pools.list', { limit: 1000 }, refreshOn);
  const r = useQuery('backup.repositories.list', { limit: 1000 }, refreshOn);
  const d = useQuery('backup.jobdefs.list', { limit: 1000 }, refreshOn);
  const reload = () => {
    d.reload();
    f.reload();
    s.reload();
    p.reload();
    r.reload();
  };
  const columns: Column<Row>[] = [
    { key: 'kind', title: 'KIND', width: 10, render: (x) => x.kind },
    { key: 'name', title: 'NAME', width: 14, render: (x) => x.name },
    { key: 'text', title: 'WHAT', width: 0, render: (x) => x.text },
  ];
  const table = useTable(rowsOf(f.data?.items, s.data?.items, p.data?.items, r.data?.items, d.data?.items), columns, (x) => `${x.kind}:${x.name}`);
  const x = table.selected;
  const scheduleForm = (existing?: Schedule) =>
    shell.openPanel((close) => (
      <BaculaScheduleForm
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
  const edit = (row: Row) => {
    switch (row.kind) {
      case 'FileSet':
        return shell.openForm({
          title: `Change FileSet ${row.name}`,
          operation: 'backup.filesets.update',
          fixed: { name: row.name },
          fields: ['include', 'exclude', 'compression', 'signature'],
          initial: { include: row.item.include, exclude: row.item.exclude, compression: row.item.compression, signature: row.item.signature },
          success: (out) => `Saved FileSet ${out.name}: the next run of its jobs is a Full`,
          onDone: reload,
        });
      case 'Schedule':
        return scheduleForm(row.item);
      case 'Pool':
        return shell.openForm({
          title: `Change pool ${row.name} (its volumes follow)`,
          operation: 'backup.pools.update',
          fixed: { name: row.name },
          fields: ['volumeRetentionDays', 'maxVolumeBytes', 'labelFormat', 'recycle', 'autoPrune'],
          initial: {
            volumeRetentionDays: row.item.volumeRetentionDays,
            maxVolumeBytes: row.item.maxVolumeBytes,
            labelFormat: row.item.labelFormat,
            recycle: row.item.recycle,
            autoPrune: row.item.autoPrune,
          },
          success: (out) => `Saved pool ${out.name}`,
          onDone: reload,
        });
      case 'JobDefs':
        return shell.openForm({
          title: `Change JobDefs ${row.name} (the jobs naming them follow)`,
          operation: 'backup.jobdefs.update',
          fixed: { name: row.name },
          fields: [...JOBDEFS_FIELDS],
          initial: Object.fromEntries(JOBDEFS_FIELDS.map((k) => [k, row.item[k]])),
          success: (out) => `Saved JobDefs ${out.name}`,
          onDone: reload,
        });
      case 'Repository':
        return shell.openForm({
          title: `Change repository ${row.name} (the storage daemon restarts)`,
          operation: 'backup.repositories.update',
          fixed: { name: row.name },
          fields: ['maxConcurrentJobs', 'mediaType', 'force'],
          initial: { maxConcurrentJobs: row.item.maxConcurrentJobs, mediaType: row.item.mediaType, force: false },
          success: (out) => `Saved repository ${out.name}`,
          onDone: reload,
        });
    }
  };
  const remove = (row: Row) => {
    const common = { verb: 'remove', onDone: reload };
    switch (row.kind) {
      case 'FileSet':
        return shell.confirm({ ...common, operation: 'backup.filesets.delete', input: { name: row.name } });
      case 'Schedule':
        return shell.confirm({ ...common, operation: 'backup.schedules.delete', input: { name: row.name } });
      case 'Pool':
        return shell.confirm({ ...common, operation: 'backup.pools.delete', input: { name: row.name }, details: ['Its volumes stay in the catalog.'] });
      case 'JobDefs':
        return shell.confirm({ ...common, operation: 'backup.jobdefs.delete', input: { name: row.name } });
      case 'Repository':
        return shell.confirm({
          ...common,
          operation: 'backup.repositories.delete',
          input: { name: row.name, force: false },
          details: ['The storage daemon restarts; its volumes stay on the dataset.'],
        });
    }
  };
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    {
      key: 'f',
      description: 'New FileSet',
      operation: 'backup.filesets.create',
      action: () =>
        shell.openForm({
          title: 'New FileSet',
          operation: 'backup.filesets.create',
          fields: ['name', 'include', 'exclude', 'compression', 'signature'],
          success: (out) => `Created FileSet ${out.name}`,
          onDone: reload,
        }),
    },
    { key: 'S', description: 'New schedule', operation: 'backup.schedules.create', action: () => scheduleForm() },
    {
      key: 'J',
      description: 'New JobDefs',
      operation: 'backup.jobdefs.create',
      action: () =>
        shell.openForm({
          title: 'New JobDefs (defaults jobs take what they do not set from)',
          operation: 'backup.jobdefs.create',
          fields: ['name', ...JOBDEFS_FIELDS],
          success: (out) => `Created JobDefs ${out.name}`,
          onDone: reload,
        }),
    },
    {
      key: 'p',
      description: 'New pool',
      operation: 'backup.pools.create',
      action: () =>
        shell.openForm({
          title: 'New pool',
          operation: 'backup.pools.create',
          fields: ['name', 'volumeRetentionDays', 'maxVolumeBytes', 'labelFormat', 'recycle', 'autoPrune'],
          success: (out) => `Created pool ${out.name}`,
          onDone: reload,
        }),
    },
    {
      key: 'n',
      description: 'New repository',
      operation: 'backup.repositories.create',
      action: () =>
        shell.openForm({
          title: 'New repository on a ZFS dataset (the storage daemon restarts)',
          operation: 'backup.repositories.create',
          fields: ['name', 'dataset', 'mediaType', 'maxConcurrentJobs', 'force'],
          success: (out) => `Created repository ${out.name} on ${out.dataset}`,
          onDone: reload,
        }),
    },
    ...(x
      ? [
          {
            key: 'e',
            description: `Change ${x.kind.toLowerCase()}`,
            operation: {
              FileSet: 'backup.filesets.update',
              Schedule: 'backup.schedules.update',
              Pool: 'backup.pools.update',
              Repository: 'backup.repositories.update',
              JobDefs: 'backup.jobdefs.update',
            }[x.kind] as 'backup.filesets.update',
            action: () => edit(x),
          },
          {
            key: 'D',
            description: `Remove ${x.kind.toLowerCase()}`,
            operation: {
              FileSet: 'backup.filesets.delete',
              Schedule: 'backup.schedules.delete',
              Pool: 'backup.pools.delete',
              Repository: 'backup.repositories.delete',
              JobDefs: 'backup.jobdefs.delete',
            }[x.kind] as 'backup.filesets.delete',
            action: () => remove(x),
          },
        ]
      : []),
    { key: 'r', description: 'Refresh', hint: false, action: reload },
    ...extra,
  ]);
  const failed = readFailure(d, theme) ?? readFailure(f, theme) ?? readFailure(s, theme) ?? readFailure(p, theme) ?? readFailure(r, theme);
  if (failed) return failed;
  const loading = d.loading || f.loading || s.loading || p.loading || r.loading;
  return (
    <Box flexDirection="column">
      <Table
        table={table}
        columns={columns}
        width={width - 2}
        height={height - 3}
        theme={theme}
        focused={active}
        emptyText={loading ? 'Loading...' : 'Nothing defined yet: J JobDefs, f FileSet, S schedule, p pool, n repository.'}
      />
      <Text dimColor wrap="truncate">
        {x ? `${x.kind} ${x.name}: ${x.text}` : ' '}
      </Text>
    </Box>
  );
}

const RUN_FIELDS = 4;

/** A schedule's name and up to four run lines, each "LEVEL HH:MM DAYS". */
export function BaculaScheduleForm({
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
  const { theme, width } = shell;
  const [name, setName] = useState(existing?.name ?? '');
  const [lines, setLines] = useState<string[]>(() => Array.from({ length: RUN_FIELDS }, (_, i) => (existing?.runs[i] ? runLineOf(existing.runs[i]!) : '')));
  const linesRef = useRef(lines);
  const nameRef = useRef(name);
  const [error, setError] = useState<string | null>(null);
  const sendingRef = useRef(false);
  const first = existing ? 1 : 0;
  const [focus, setFocusState] = useState(first);
  const focusRef = useRef(first);
  const setFocus = (n: number) => {
    focusRef.current = n;
    setFocusState(n);
  };
  const setLine = (i: number, v: string) => {
    linesRef.current = linesRef.current.map((l, k) => (k === i ? v : l));
    setLines(linesRef.current);
  };
  const submit = async () => {
    if (sendingRef.current) return;
    const runs: ScheduleRun[] = [];
    for (const [i, line] of linesRef.current.entries()) {
      if (!line.trim()) continue;
      const run = parseRunLine(line);
      if (typeof run === 'string') return setError(`run ${i + 1}: ${run}`);
      runs.push(run);
    }
    if (!runs.length) return setError('write at least one run, e.g. Full 23:05 sun');
    sendingRef.current = true;
    setError(null);
    const saved = await (
      existing
        ? shell.run('backup.schedules.update', { name: existing.name, runs })
        : shell.run('backup.schedules.create', { name: nameRef.current.trim(), runs })
    ).catch((err) => {
      setError(err instanceof ValidationError && err.errors.length ? err.errors.map((e) => `${e.path}: ${e.message}`).join('; ') : errorMessage(err));
      return undefined;
    });
    sendingRef.current = false;
    if (saved) onSaved(`${existing ? 'Saved' : 'Created'} schedule ${saved.name}: ${saved.runs.length} run${saved.runs.length === 1 ? '' : 's'}`);
  };
  useInput((_input, key) => {
    if (key.escape) return onClose();
    if (key.return) return void submit();
    const n = RUN_FIELDS + 1;
    if (key.downArrow || (key.tab && !key.shift)) return setFocus(Math.max(first, (focusRef.current + 1) % n));
    if (key.upArrow || (key.tab && key.shift)) {
      const prev = (focusRef.current - 1 + n) % n;
      return setFocus(prev < first ? n - 1 : prev);
    }
  });
  const LABEL = 10;
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} width={Math.min(width, 76)}>
      <Title text={existing ? `Change schedule ${existing.name}` : 'New backup schedule'} theme={theme} />
      <Text dimColor wrap="wrap">
        One run a line: level, time, days. Full 23:05 sun / Incremental 23:05 mon-sat / Differential 01:30 daily
      </Text>
      {existing ? null : (
        <Box>
          <FieldLabel theme={theme} focused={focus === 0} text="Name" width={LABEL} />
          <TextField
            value={name}
            focus={focus === 0}
            stillFocused={() => focusRef.current === 0}
            onChange={(v) => {
              nameRef.current = v;
              setName(v);
            }}
            placeholder="nightly"
          />
        </Box>
      )}
      {lines.map((l, i) => (
        <Box key={i}>
          <FieldLabel theme={theme} focused={focus === i + 1} text={`Run ${i + 1}`} width={LABEL} />
          <TextField value={l} focus={focus === i + 1} stillFocused={() => focusRef.current === i + 1} onChange={(v) => setLine(i, v)} />
        </Box>
      ))}
      {error ? (
        <Text color={theme.c('red')} wrap="wrap">
          {error}
        </Text>
      ) : null}
      <Text dimColor>Enter saves, Esc cancels, Tab moves</Text>
    </Box>
  );
}
