/**
 * Data Protection: periodic snapshot tasks, replication tasks and SSH connections (keys 1, 2, 3).
 * Lists show the last run, the next run and the state in words; a form with the schedule picker
 * (hourly, daily at, weekly on, custom) creates snapshot tasks; R runs a task now and follows its
 * job (progress: bytes of the estimate, rate, time left; and the log); t shows a dataset's
 * timeline (snapshots, where each is replicated, what retention removes next).
 */
import React, { useRef, useState } from 'react';
import { Box, useInput } from 'ink';
import { Text } from '../components/Text.js';
import { ValidationError, errorMessage } from '../../contracts/errors.js';
import { cronOf, describeCron, WEEKDAYS, type CronPick } from '../../contracts/cron.js';
import { formatSnapshotName, namingSchemaProblem, parseLifetime } from '../../contracts/snapshot-naming.js';
import type { ReplicationTask, SnapshotTask, SshConnection } from '../../contracts/replication.js';
import { useShell, type ShellApi } from '../context.js';
import { Table, useTable, type Column } from '../components/Table.js';
import { Notice, Title } from '../components/Panels.js';
import { TextField } from '../components/TextField.js';
import { FieldLabel } from '../components/Form.js';
import { useBindings, useQuery } from '../hooks/use-operation.js';
import { bar, dateTime, dateTimeSeconds, pad } from '../format.js';
import { healthColor } from '../theme.js';

type View = 'snapshots' | 'replication' | 'connections';
const VIEWS: { key: string; view: View; title: string }[] = [
  { key: '1', view: 'snapshots', title: 'Snapshot tasks' },
  { key: '2', view: 'replication', title: 'Replication' },
  { key: '3', view: 'connections', title: 'SSH connections' },
];

const stateColor = (s: string | undefined) =>
  healthColor(s === 'succeeded' ? 'succeeded' : s === 'failed' ? 'failed' : s === 'waiting' ? 'degraded' : s === 'running' ? 'running' : 'unknown');

/** "hourly :00", "daily 03:00", "Mon 02:30", else the cron. */
export function shortSchedule(cron: string): string {
  const text = describeCron(cron);
  return text
    .replace(/^hourly at /, 'hourly ')
    .replace(/^daily at /, 'daily ')
    .replace(/^weekly on (\w{3})\w* at /, '$1 ')
    .replace(/^cron /, '');
}

export function ProtectionScreen(): React.ReactElement {
  const shell = useShell();
  const [view, setView] = useState<View>('snapshots');
  const tabs = VIEWS.map((v) => ({ key: v.key, description: v.title, hint: false, action: () => setView(v.view) }));
  return (
    <Box flexDirection="column" paddingX={1}>
      <Text wrap="truncate">
        {VIEWS.map((v) => (
          <Text key={v.key} inverse={v.view === view}>{` ${v.key} ${v.title} `}</Text>
        ))}
      </Text>
      {view === 'snapshots' ? (
        <SnapshotTasks shell={shell} tabs={tabs} />
      ) : view === 'replication' ? (
        <ReplicationTasks shell={shell} tabs={tabs} />
      ) : (
        <Connections shell={shell} tabs={tabs} />
      )}
    </Box>
  );
}

type Tabs = { key: string; description: string; hint: boolean; action: () => void }[];

/** A run's live progress and log: the job as the daemon reports it, re-read on every job event. */
function JobPanel({ shell, jobId, title, onClose }: { shell: ShellApi; jobId: number; title: string; onClose: () => void }): React.ReactElement {
  const { theme, width, height } = shell;
  const q = useQuery('jobs.get', { id: jobId }, { refreshOn: ['job'] });
  useInput((_input, key) => {
    if (key.escape || key.return) onClose();
  });
  const j = q.data;
  const logLines = (j?.log ?? []).slice(-(height - 7));
  return (
    <Box flexDirection="column" width={width} height={height} paddingX={1}>
      <Text bold color={theme.c('cyan')} wrap="truncate">{`${title} (job #${jobId})`}</Text>
      <Text dimColor>Esc or Enter closes; the run goes on (Jobs screen)</Text>
      <Text wrap="truncate">
        <Text color={theme.c(healthColor(j?.state ?? 'running'))}>{pad(j?.state ?? 'starting', 10)}</Text>
        {`${bar(theme, j?.progress ?? 0, 20)} ${String(j?.progress ?? 0).padStart(3)}%`}
      </Text>
      <Text wrap="truncate">{j?.error ? `error: ${j.error}` : (j?.progressText ?? ' ')}</Text>
      <Text dimColor>log:</Text>
      {logLines.length ? (
        logLines.map((l, i) => (
          <Text key={i} wrap="truncate">
            {`${dateTimeSeconds(l.at).slice(11)} ${l.line}`}
          </Text>
        ))
      ) : (
        <Text dimColor>(no lines yet)</Text>
      )}
    </Box>
  );
}

function follow(shell: ShellApi, jobId: number, title: string): void {
  shell.openPanel((close) => <JobPanel shell={shell} jobId={jobId} title={title} onClose={close} />);
}

function showTimeline(shell: ShellApi, dataset: string): void {
  void shell.call('replication.timeline', { dataset }).then(
    (t) =>
      shell.showText(`Timeline of ${dataset}`, [
        'SNAPSHOT, TAKEN, REPLICATED TO; then what retention does with it',
        ...(t.snapshots.length
          ? t.snapshots.flatMap((s) => [
              `${s.name}  ${dateTime(s.createdAt)}  ${s.replicatedTo.length ? `-> ${s.replicatedTo.join(', ')}` : 'not replicated'}${s.holds ? `  [${s.holds} hold]` : ''}`,
              `    ${s.retention}`,
            ])
          : ['(no snapshots yet)']),
      ]),
    (err) => shell.toast(errorMessage(err), 'error'),
  );
}

function SnapshotTasks({ shell, tabs }: { shell: ShellApi; tabs: Tabs }): React.ReactElement {
  const { theme, width, height, active } = shell;
  const q = useQuery('snapshots.tasks.list', { limit: 1000 }, { refreshOn: ['job', 'audit'] });
  const columns: Column<SnapshotTask>[] = [
    { key: 'id', title: 'ID', width: 3, align: 'right', render: (s) => String(s.id), sortValue: (s) => s.id },
    { key: 'dataset', title: 'DATASET', width: 0, render: (s) => `${s.dataset}${s.recursive ? ' (+children)' : ''}` },
    { key: 'when', title: 'SCHEDULE', width: 11, render: (s) => shortSchedule(s.cron) },
    { key: 'keep', title: 'KEEP', width: 8, render: (s) => s.keepFor },
    {
      key: 'next',
      title: 'NEXT RUN',
      width: 11,
      render: (s) => (s.enabled ? dateTime(s.nextRunAt).slice(5) : 'disabled'),
      color: (s) => (s.enabled ? undefined : 'gray'),
      minTableWidth: 76,
    },
    { key: 'last', title: 'LAST', width: 9, render: (s) => s.lastRun?.state ?? 'never', color: (s) => stateColor(s.lastRun?.state) },
  ];
  const table = useTable(q.data?.items ?? [], columns, (s) => String(s.id));
  const s = table.selected;
  const reload = q.reload;
  useBindings([
    ...tabs,
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 8 }),
    {
      key: 'c',
      description: 'Create task',
      operation: 'snapshots.tasks.create',
      action: () =>
        shell.openPanel((close) => (
          <SnapshotTaskForm
            shell={shell}
            onClose={close}
            onSaved={(text) => {
              close();
              shell.toast(text);
              reload();
            }}
          />
        )),
    },
    ...(s
      ? [
          {
            key: 'R',
            description: 'Run now',
            operation: 'snapshots.tasks.run',
            disabledReason: s.lastRun?.state === 'running' ? 'a run of it is going' : undefined,
            action: () =>
              void shell.act('snapshots.tasks.run', { id: s.id }).then((r) => {
                if (r) follow(shell, r.job.id, `Snapshot task ${s.id}: ${s.dataset}`);
                reload();
              }),
          },
          { key: 't', description: 'Timeline', operation: 'replication.timeline', action: () => showTimeline(shell, s.dataset) },
          {
            key: s.enabled ? 'd' : 'n',
            description: s.enabled ? 'Disable' : 'Enable',
            operation: 'snapshots.tasks.update',
            action: () =>
              void shell
                .act(
                  'snapshots.tasks.update',
                  { id: s.id, enabled: !s.enabled },
                  { success: () => `${s.enabled ? 'Disabled' : 'Enabled'} snapshot task ${s.id}` },
                )
                .then(reload),
          },
          {
            key: 'D',
            description: 'Delete task',
            operation: 'snapshots.tasks.delete',
            action: () =>
              void shell.act('snapshots.tasks.delete', { id: s.id }, { success: () => `Deleted snapshot task ${s.id} (its snapshots stay)` }).then(reload),
          },
        ]
      : []),
    { key: 'r', description: 'Refresh', hint: false, action: reload },
  ]);
  return (
    <>
      <Title text="Periodic snapshot tasks" theme={theme} right={q.data ? `${q.data.total}` : ''} />
      {q.error && !q.data ? (
        <Notice theme={theme} kind="error">
          {q.error}
        </Notice>
      ) : (
        <Table
          table={table}
          columns={columns}
          width={width - 2}
          height={height - 6}
          theme={theme}
          focused={active}
          emptyText={q.loading ? 'Loading...' : 'No snapshot tasks yet: c creates one (a schedule, a naming schema and a lifetime).'}
        />
      )}
      <Text wrap="truncate">{s ? `${s.cronText}${s.enabled ? `, next ${dateTime(s.nextRunAt)}` : ''}, names ${s.namingSchema}` : ' '}</Text>
      <Text dimColor wrap="truncate">
        {s ? s.state : ' '}
      </Text>
    </>
  );
}

function ReplicationTasks({ shell, tabs }: { shell: ShellApi; tabs: Tabs }): React.ReactElement {
  const { theme, width, height, active } = shell;
  const q = useQuery('replication.tasks.list', { limit: 1000 }, { refreshOn: ['job', 'audit'] });
  const columns: Column<ReplicationTask>[] = [
    { key: 'id', title: 'ID', width: 3, align: 'right', render: (r) => String(r.id), sortValue: (r) => r.id },
    { key: 'name', title: 'NAME', width: 12, render: (r) => r.name },
    {
      key: 'route',
      title: 'FROM -> TO',
      width: 0,
      render: (r) => `${r.sources.join(',')} -> ${r.transport === 'ssh' ? `ssh:${r.connectionId}:` : ''}${r.target}`,
    },
    {
      key: 'last',
      title: 'LAST',
      width: 9,
      render: (r) => (r.enabled ? (r.lastRun?.state ?? 'never') : 'disabled'),
      color: (r) => stateColor(r.lastRun?.state),
    },
    { key: 'when', title: 'LAST RUN', width: 11, render: (r) => (r.lastRun ? dateTime(r.lastRun.at).slice(5) : '-'), minTableWidth: 70 },
  ];
  const table = useTable(q.data?.items ?? [], columns, (r) => String(r.id));
  const r = table.selected;
  const reload = q.reload;
  useBindings([
    ...tabs,
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 8 }),
    {
      key: 'c',
      description: 'Create task',
      operation: 'replication.tasks.create',
      action: () =>
        shell.openForm({
          title: 'Create a replication task',
          operation: 'replication.tasks.create',
          fields: [
            'name',
            'sources',
            'target',
            'transport',
            'connectionId',
            'snapshotTaskIds',
            'namingSchema',
            'trigger',
            'cron',
            'allowFromScratch',
            'targetRetention',
          ],
          success: (t) => `Created replication task ${t.id}: ${t.state}`,
          onDone: reload,
        }),
    },
    ...(r
      ? [
          {
            key: 'R',
            description: 'Run now',
            operation: 'replication.tasks.run',
            disabledReason: r.lastRun?.state === 'running' ? 'a run of it is going' : undefined,
            action: () =>
              void shell.act('replication.tasks.run', { id: r.id }).then((res) => {
                if (res) follow(shell, res.job.id, `Replication task ${r.id}: ${r.name}`);
                reload();
              }),
          },
          {
            key: 'enter',
            description: 'Last run log',
            operation: 'jobs.get',
            disabledReason: r.lastRun?.jobId ? undefined : 'it never ran',
            action: () => r.lastRun?.jobId && follow(shell, r.lastRun.jobId, `Replication task ${r.id}: ${r.name}`),
          },
          { key: 't', description: 'Timeline', operation: 'replication.timeline', action: () => showTimeline(shell, r.sources[0]!) },
          {
            key: 'D',
            description: 'Delete task',
            operation: 'replication.tasks.delete',
            action: () =>
              void shell
                .act('replication.tasks.delete', { id: r.id }, { success: () => `Deleted replication task ${r.id}; its holds were released` })
                .then(reload),
          },
        ]
      : []),
    { key: 'r', description: 'Refresh', hint: false, action: reload },
  ]);
  return (
    <>
      <Title text="Replication tasks" theme={theme} right={q.data ? `${q.data.total}` : ''} />
      {q.error && !q.data ? (
        <Notice theme={theme} kind="error">
          {q.error}
        </Notice>
      ) : (
        <Table
          table={table}
          columns={columns}
          width={width - 2}
          height={height - 6}
          theme={theme}
          focused={active}
          emptyText={q.loading ? 'Loading...' : 'No replication tasks yet: c creates one (local pool or SSH).'}
        />
      )}
      <Text wrap="truncate">
        {r
          ? `${r.trigger === 'schedule' ? (r.cronText ?? '') : `after snapshot task ${r.snapshotTaskIds.join(', ')}`}${r.lastSuccessAt ? `, last success ${dateTime(r.lastSuccessAt)}` : ''}`
          : ' '}
      </Text>
      <Text color={r?.lastRun?.state === 'failed' || r?.lastRun?.state === 'waiting' ? theme.c('yellow') : undefined} wrap="truncate">
        {r ? r.state : ' '}
      </Text>
    </>
  );
}

function Connections({ shell, tabs }: { shell: ShellApi; tabs: Tabs }): React.ReactElement {
  const { theme, width, height, active } = shell;
  const q = useQuery('replication.connections.list', { limit: 1000 }, { refreshOn: ['audit'] });
  const columns: Column<SshConnection>[] = [
    { key: 'id', title: 'ID', width: 3, align: 'right', render: (x) => String(x.id) },
    { key: 'name', title: 'NAME', width: 12, render: (x) => x.name },
    { key: 'peer', title: 'PEER', width: 0, render: (x) => `${x.user}@${x.host}:${x.port}` },
    {
      key: 'key',
      title: 'HOST KEY',
      width: 10,
      render: (x) => (x.offeredFingerprint ? (x.hostKeyFingerprint ? 'CHANGED' : 'unconfirmed') : x.hostKeyFingerprint ? 'pinned' : 'none'),
    },
  ];
  const table = useTable(q.data?.items ?? [], columns, (x) => String(x.id));
  const x = table.selected;
  const reload = q.reload;
  useBindings([
    ...tabs,
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 8 }),
    {
      key: 'c',
      description: 'Create connection',
      operation: 'replication.connections.create',
      action: () =>
        shell.openForm({
          title: 'Create an SSH connection (Calypso makes an ed25519 key pair)',
          operation: 'replication.connections.create',
          fields: ['name', 'host', 'port', 'user'],
          success: (cn) => `Created connection ${cn.id}: ${cn.state}`,
          onDone: reload,
        }),
    },
    ...(x
      ? [
          {
            key: 'T',
            description: 'Trust offered key',
            operation: 'replication.connections.trust',
            disabledReason: x.offeredFingerprint ? undefined : 'no new host key is offered (s scans again)',
            action: () =>
              x.offeredFingerprint &&
              shell.confirm({
                operation: 'replication.connections.trust',
                input: { id: x.id, fingerprint: x.offeredFingerprint },
                verb: 'trust it',
                details: [`${x.host} offers ${x.offeredFingerprint}.`, "Compare it with the peer's own: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub"],
                success: (cn) => `Pinned ${cn.hostKeyFingerprint} for ${cn.host}`,
                onDone: reload,
              }),
          },
          {
            key: 's',
            description: 'Scan host key',
            operation: 'replication.connections.scan',
            action: () => void shell.act('replication.connections.scan', { id: x.id }, { success: (cn) => cn.state }).then(reload),
          },
          {
            key: 'x',
            description: 'Test',
            operation: 'replication.connections.test',
            action: () => void shell.act('replication.connections.test', { id: x.id }, { success: (t) => t.message }).then(reload),
          },
          {
            key: 'enter',
            description: 'Public key',
            hint: false,
            action: () => shell.showText(`Public key of ${x.name}`, [x.publicKey, '', "Add it to the peer's ~/.ssh/authorized_keys."]),
          },
        ]
      : []),
    { key: 'r', description: 'Refresh', hint: false, action: reload },
  ]);
  return (
    <>
      <Title text="SSH connections" theme={theme} right={q.data ? `${q.data.total}` : ''} />
      <Table
        table={table}
        columns={columns}
        width={width - 2}
        height={height - 6}
        theme={theme}
        focused={active}
        emptyText={q.loading ? 'Loading...' : 'No SSH connections yet: c creates one.'}
      />
      <Text wrap="truncate">{x ? (x.hostKeyFingerprint ?? 'no pinned host key') : ' '}</Text>
      <Text dimColor wrap="truncate">
        {x ? x.state : ' '}
      </Text>
    </>
  );
}

const EVERY = ['hourly', 'daily', 'weekly', 'custom'] as const;
type Every = (typeof EVERY)[number];

/** The snapshot task form: dataset, schedule picker, naming schema (with the name it makes now), lifetime. */
export function SnapshotTaskForm({ shell, onClose, onSaved }: { shell: ShellApi; onClose: () => void; onSaved: (text: string) => void }): React.ReactElement {
  const { theme, width, height } = shell;
  const [dataset, setDataset] = useState('');
  const [recursive, setRecursive] = useState(false);
  const [every, setEvery] = useState<Every>('hourly');
  const [day, setDay] = useState(0);
  const [time, setTime] = useState('00:00');
  const [custom, setCustom] = useState('');
  const [schema, setSchema] = useState('auto-%Y-%m-%d_%H-%M');
  const [lifetime, setLifetime] = useState('2 weeks');
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const sendingRef = useRef(false);
  const focusRef = useRef(0);
  const [focus, setFocusState] = useState(0);
  // Fields: 0 dataset, 1 recursive, 2 every, 3 day (weekly), 4 time, 5 cron (custom), 6 schema, 7 lifetime.
  const shown = (i: number) => (i === 3 ? every === 'weekly' : i === 4 ? every !== 'custom' : i === 5 ? every === 'custom' : true);
  const move = (dir: 1 | -1) => {
    let n = focusRef.current;
    for (let k = 0; k < 8; k++) {
      n = (n + dir + 8) % 8;
      if (shown(n)) break;
    }
    focusRef.current = n;
    setFocusState(n);
  };
  const cronNow = (): string | null => {
    if (every === 'custom') return custom.trim() || null;
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
    if (!dataset.trim()) return setError('name the dataset, e.g. tank/data');
    if (!cron) return setError('the time is HH:MM, e.g. 03:00');
    sendingRef.current = true;
    setSending(true);
    setError(null);
    const saved = await shell.run('snapshots.tasks.create', { dataset: dataset.trim(), recursive, cron, namingSchema: schema, lifetime }).catch((err) => {
      setError(err instanceof ValidationError && err.errors.length ? err.errors.map((e) => `${e.path}: ${e.message}`).join('; ') : errorMessage(err));
      return undefined;
    });
    sendingRef.current = false;
    setSending(false);
    if (saved) onSaved(`Created snapshot task ${saved.id}: ${saved.dataset}, ${saved.cronText}, kept ${saved.keepFor}`);
  };
  useInput((input, key) => {
    if (sendingRef.current) return;
    const f = focusRef.current;
    if (key.escape) return onClose();
    if (key.return) return void submit();
    if (key.downArrow || (key.tab && !key.shift)) return move(1);
    if (key.upArrow || (key.tab && key.shift)) return move(-1);
    const step = key.leftArrow ? -1 : key.rightArrow || input === ' ' ? 1 : 0;
    if (!step) return;
    if (f === 1) setRecursive((r) => !r);
    if (f === 2) setEvery((e) => EVERY[(EVERY.indexOf(e) + step + EVERY.length) % EVERY.length]!);
    if (f === 3) setDay((d) => (d + step + 7) % 7);
  });
  const label = (i: number, text: string) => <FieldLabel theme={theme} focused={focus === i} text={text} width={12} />;
  const field = (i: number, value: string, set: (v: string) => void, placeholder: string) => (
    <TextField
      value={value}
      focus={focus === i}
      stillFocused={() => focusRef.current === i}
      onChange={(v) => {
        if (!sendingRef.current) {
          set(v);
          setError(null);
        }
      }}
      onSubmit={() => void submit()}
      placeholder={placeholder}
    />
  );
  const cron = cronNow();
  const schemaProblem = namingSchemaProblem(schema);
  return (
    <Box flexDirection="column" width={width} height={height} paddingX={1}>
      <Text bold color={theme.c('cyan')}>
        Create a periodic snapshot task
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
      <Box>
        {label(0, 'Dataset')}
        {field(0, dataset, setDataset, 'e.g. tank/data')}
      </Box>
      <Text wrap="truncate">
        {label(1, 'Children')}
        <Text inverse={focus === 1}>{`< ${recursive ? 'yes, one atomic snapshot' : 'no'} >`}</Text>
      </Text>
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
          {field(4, time, (v) => setTime(v.replace(/[^\d:]/g, '').slice(-5)), '03:00')}
        </Box>
      ) : (
        <Box>
          {label(5, 'Cron')}
          {field(5, custom, (v) => setCustom(v.slice(0, 100)), 'minute hour day month weekday')}
        </Box>
      )}
      <Box>
        {label(6, 'Names')}
        {field(6, schema, (v) => setSchema(v.slice(0, 200)), 'auto-%Y-%m-%d_%H-%M')}
      </Box>
      <Box>
        {label(7, 'Keep for')}
        {field(7, lifetime, (v) => setLifetime(v.slice(0, 40)), '2 weeks')}
      </Box>
      <Text wrap="truncate">
        {'  '}
        {pad('Runs', 12)} {cron ? `${describeCron(cron)}  (cron ${cron})` : <Text color={theme.c('yellow')}>the time is HH:MM</Text>}
      </Text>
      <Text wrap="truncate">
        {'  '}
        {pad('Next name', 12)}{' '}
        {schemaProblem ? (
          <Text color={theme.c('yellow')}>{`the schema ${schemaProblem}`}</Text>
        ) : (
          `${dataset.trim() || 'dataset'}@${formatSnapshotName(schema, Date.now())}`
        )}
      </Text>
      <Text wrap="truncate">
        {'  '}
        {pad('Retention', 12)}{' '}
        {parseLifetime(lifetime) ? (
          `snapshots of this schema older than ${lifetime} go (never held ones or those replication needs)`
        ) : (
          <Text color={theme.c('yellow')}>a lifetime like "12 hours" or "2 weeks"</Text>
        )}
      </Text>
      {sending ? <Text color={theme.c('yellow')}>Saving...</Text> : null}
    </Box>
  );
}
