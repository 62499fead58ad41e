/** Storage: pools (health, capacity, vdev tree, scrub), datasets, zvols, disks and the ARC. */
import React, { useState } from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import { errorMessage } from '../../contracts/errors.js';
import type { Dataset, Disk, Pool, PoolDetail, PropertyValue, Vdev } from '../../contracts/storage.js';
import { useShell, type ShellApi } from '../context.js';
import { Table, useTable, type Column } from '../components/Table.js';
import { KeyValues, LevelBar, Notice, Tabs, tabBindings, readFailure } from '../components/Panels.js';
import { useBindings, useQuery } from '../hooks/use-operation.js';
import type { KeyBinding } from '../keys.js';
import { bytes, dateTime, duration, exactBytes, humanAndRaw, levelColor, pad, percent, bar, zfsValue } from '../format.js';
import { healthColor, type Theme } from '../theme.js';
import { PoolWizard } from './pool-wizard.js';
import { deviceBindings, deviceLabel, deviceLeaves, diskBindings, useDeviceSelection } from './storage-actions.js';

const TABS = [
  { id: 'pools', label: 'Pools' },
  { id: 'datasets', label: 'Datasets' },
  { id: 'zvols', label: 'Zvols' },
  { id: 'disks', label: 'Disks' },
  { id: 'arc', label: 'ARC' },
] as const;
type Tab = (typeof TABS)[number]['id'];

export function StorageScreen(): React.ReactElement {
  const shell = useShell();
  const [tab, setTab] = useState<Tab>('pools');
  const tabKeys = tabBindings(TABS, tab, setTab);
  return (
    <Box flexDirection="column" paddingX={1}>
      <Tabs tabs={[...TABS]} current={tab} theme={shell.theme} width={shell.width - 2} />
      {tab === 'pools' ? (
        <PoolsTab extra={tabKeys} />
      ) : tab === 'datasets' ? (
        <DatasetsTab extra={tabKeys} type="filesystem" />
      ) : tab === 'zvols' ? (
        <DatasetsTab extra={tabKeys} type="volume" />
      ) : tab === 'disks' ? (
        <DisksTab extra={tabKeys} />
      ) : (
        <ArcTab extra={tabKeys} />
      )}
    </Box>
  );
}

function vdevLines(
  theme: Theme,
  groups: [string, Vdev[]][],
  disks: Record<string, string> = {},
): { text: string; state: string; errors: string; note?: string; device?: string }[] {
  const out: { text: string; state: string; errors: string; note?: string; device?: string }[] = [];
  const walk = (vs: Vdev[], prefix: string) => {
    vs.forEach((v, n) => {
      const last = n === vs.length - 1;
      out.push({
        text: `${prefix}${last ? theme.tree.last : theme.tree.branch}${deviceLabel(v.name, disks[v.name])}`,
        state: v.state,
        errors: `${v.read}/${v.write}/${v.checksum}`,
        note: v.note,
        device: v.children.length ? undefined : v.name,
      });
      walk(v.children, prefix + (last ? '  ' : theme.tree.pipe));
    });
  };
  for (const [title, vs] of groups) {
    if (!vs.length) continue;
    out.push({ text: title, state: '', errors: '' });
    walk(vs, ' ');
  }
  return out;
}

function PoolsTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  // Pool health can change behind Calypso's back (a disk dies, another process acts): follow
  // alerts, and poll for scrub and resilver progress.
  const q = useQuery('storage.pools.list', { limit: 1000 }, { refreshOn: ['storage', 'job', 'alert'], intervalMs: 5000 });
  const capWidth = width >= 90 ? 20 : 10;
  const columns: Column<Pool>[] = [
    { key: 'name', title: 'POOL', width: 12, render: (p) => p.name },
    { key: 'health', title: 'HEALTH', width: 9, render: (p) => p.health, color: (p) => healthColor(p.health) },
    { key: 'size', title: 'SIZE', width: 8, align: 'right', render: (p) => bytes(p.sizeBytes), sortValue: (p) => p.sizeBytes ?? 0 },
    { key: 'free', title: 'FREE', width: 8, align: 'right', render: (p) => bytes(p.freeBytes), sortValue: (p) => p.freeBytes ?? 0 },
    {
      key: 'cap',
      title: 'CAPACITY',
      width: capWidth + 5,
      render: (p) => `${bar(theme, p.capacityPercent, capWidth)}${percent(p.capacityPercent).padStart(5)}`,
      sortValue: (p) => p.capacityPercent ?? 0,
      color: (p) => levelColor(p.capacityPercent),
    },
    { key: 'frag', title: 'FRAG', width: 5, align: 'right', render: (p) => percent(p.fragmentationPercent), minTableWidth: 72 },
    { key: 'dedup', title: 'DEDUP', width: 6, align: 'right', render: (p) => (p.dedupRatio === null ? '-' : `${p.dedupRatio.toFixed(2)}x`), minTableWidth: 80 },
  ];
  const table = useTable(q.data?.items ?? [], columns, (p) => p.name);
  const p = table.selected;
  const detail = useQuery('storage.pools.get', { name: p?.name ?? '' }, { enabled: Boolean(p), refreshOn: ['storage', 'job', 'alert'], intervalMs: 5000 });
  const listHeight = Math.min(Math.max(3, table.view.length + 1), Math.max(3, Math.floor((height - 2) / 3)));
  const scanning = detail.data?.scan?.state === 'scanning';
  // Device mode (v): the vdev tree has the selection, and the keys act on the selected device.
  const sel = useDeviceSelection();
  const shownDetail = detail.data && detail.data.name === p?.name ? detail.data : undefined;
  const leaves = shownDetail ? deviceLeaves(shownDetail) : [];
  useBindings(
    sel.on && p && shownDetail
      ? [
          ...deviceBindings(shell, p.name, leaves, sel, () => {
            detail.reload();
            q.reload();
          }),
          ...extra,
        ]
      : [
          ...table.bindings({ prompt: shell.prompt, pageSize: listHeight - 1 }),
          ...(p && shownDetail && leaves.length ? [{ key: 'v', description: 'Devices', priority: 1, action: () => sel.setOn(true) }] : []),
          { key: 'c', description: 'Create pool', operation: 'storage.pools.create', action: () => openWizard(shell, q.reload) },
          ...(p
            ? [
                {
                  key: 'i',
                  description: 'Details',
                  operation: 'storage.pools.get',
                  action: () => {
                    if (detail.data && detail.data.name === p.name) shell.showText(`Pool ${p.name}`, poolDetailLines(detail.data));
                  },
                },
                {
                  key: 's',
                  description: scanning ? 'Stop scrub' : 'Scrub',
                  operation: 'storage.pools.scrub',
                  action: () =>
                    void shell
                      .act(
                        'storage.pools.scrub',
                        { name: p.name, action: scanning ? 'stop' : 'start' },
                        { success: () => (scanning ? `Scrub of ${p.name} stopped` : `Scrub of ${p.name} started (see Jobs)`) },
                      )
                      .then(detail.reload),
                },
                {
                  key: 'D',
                  description: 'Destroy',
                  operation: 'storage.pools.destroy',
                  action: () =>
                    shell.confirm({
                      operation: 'storage.pools.destroy',
                      input: { name: p.name },
                      verb: 'destroy',
                      details: [`Every dataset, zvol and snapshot in ${p.name} (${bytes(p.allocatedBytes)} used) is lost.`],
                      success: () => `Destroyed pool ${p.name}`,
                      onDone: q.reload,
                    }),
                },
              ]
            : []),
          {
            key: 'r',
            description: 'Refresh',
            hint: false,
            action: () => {
              q.reload();
              detail.reload();
            },
          },
          ...extra,
        ],
  );
  const failed = readFailure(q, theme);
  if (failed) return failed;
  const d = detail.data && detail.data.name === p?.name ? detail.data : undefined;
  const tree = d
    ? vdevLines(
        theme,
        [
          ['data', d.vdevs],
          ['logs', d.logs],
          ['cache', d.cache],
          ['spares', d.spares],
          ['special', d.special],
          ['dedup', d.dedup],
        ],
        d.deviceDisks,
      )
    : [];
  const selectedDevice = sel.on ? leaves[Math.min(sel.index, leaves.length - 1)]?.name : undefined;
  const selectedLine = selectedDevice === undefined ? -1 : tree.findIndex((l) => l.device === selectedDevice);
  const room = Math.max(0, height - listHeight - 6 - (d?.status ? 1 : 0));
  const nameWidth = Math.max(16, Math.min(40, width - 40));
  return (
    <Box flexDirection="column">
      <Table
        table={table}
        columns={columns}
        width={width - 2}
        height={listHeight}
        theme={theme}
        focused={active}
        emptyText={q.loading ? 'Loading...' : 'No pools. c creates one from free disks.'}
      />
      {d ? (
        <Box flexDirection="column">
          <Text bold wrap="truncate">
            {d.name} <Text color={theme.c(healthColor(d.health))}>{d.health}</Text>
            <Text dimColor>{`  ${bytes(d.allocatedBytes)} of ${bytes(d.sizeBytes)} used; ${d.errors || 'no known data errors'}`}</Text>
          </Text>
          {d.status ? (
            <Text color={theme.c('yellow')} wrap="truncate">
              {d.status}
              {d.action ? ` ${d.action}` : ''}
            </Text>
          ) : null}
          <Text wrap="truncate" dimColor>
            {scanSummary(d.scan)}
          </Text>
          <Text bold wrap="truncate">
            {pad('DEVICE', nameWidth)} {pad('STATE', 9)} R/W/CKSUM
          </Text>
          {tree.slice(Math.max(0, selectedLine - room + 1), Math.max(0, selectedLine - room + 1) + room).map((l, n) => (
            <Text key={n} wrap="truncate" bold={!l.state} inverse={l.device !== undefined && l.device === selectedDevice}>
              {sel.on ? `${l.device !== undefined && l.device === selectedDevice ? theme.pointer : ' '}${pad(l.text, nameWidth - 1)}` : pad(l.text, nameWidth)}{' '}
              <Text color={theme.c(healthColor(l.state))}>{pad(l.state, 9)}</Text> {l.errors}
              {l.note ? <Text dimColor>{`  ${l.note}`}</Text> : null}
            </Text>
          ))}
          {tree.length > room ? <Text dimColor>{`... ${tree.length - room} more devices`}</Text> : null}
        </Box>
      ) : p && detail.error ? (
        <Notice theme={theme} kind="error">
          {detail.error}
        </Notice>
      ) : null}
    </Box>
  );
}

/** A dataset's properties for its detail view: the human value, and the raw one (as `zfs get -p` prints it) where they differ. */
export function datasetDetailLines(properties: Record<string, PropertyValue>): string[] {
  return Object.entries(properties)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${pad(k, 22)} ${pad(humanAndRaw(zfsValue(k, v.value), v.value), 32)} ${v.source}`);
}

/** One line about the last or running scan, in human form: "scrub finished 2026-11-29 12:45: no errors" (i shows the details). */
export function scanSummary(s: PoolDetail['scan']): string {
  if (!s) return 'never scrubbed';
  const parts = [
    s.state === 'scanning' && s.percentDone !== undefined ? `${s.percentDone.toFixed(1)}%` : '',
    s.state === 'scanning' && s.remainingSeconds !== undefined ? `${duration(s.remainingSeconds)} to go` : '',
    s.state === 'scanning' && s.startedAt ? `since ${dateTime(s.startedAt)}` : '',
    s.state !== 'scanning' && s.endedAt ? dateTime(s.endedAt) : '',
  ]
    .filter(Boolean)
    .join(', ');
  const outcome =
    s.state === 'finished' ? `: ${s.errors ? `${s.errors} errors` : 'no errors'}${s.repairedBytes ? `, ${bytes(s.repairedBytes)} repaired` : ''}` : '';
  const fallback = parts || outcome ? '' : `: ${s.text.split('\n')[0]}`;
  return `${s.function} ${s.state}${parts ? ` ${parts}` : ''}${outcome}${fallback}`;
}

/** A pool's detail view: each size and time in human form with its raw value. */
export function poolDetailLines(d: PoolDetail): string[] {
  const size = (label: string, n: number | null) => `${pad(label, 16)} ${n === null ? '-' : humanAndRaw(bytes(n), exactBytes(n))}`;
  const s = d.scan;
  return [
    `${pad('health', 16)} ${d.health}`,
    size('size', d.sizeBytes),
    size('allocated', d.allocatedBytes),
    size('free', d.freeBytes),
    `${pad('capacity', 16)} ${percent(d.capacityPercent)}`,
    `${pad('fragmentation', 16)} ${percent(d.fragmentationPercent)}`,
    `${pad('dedup ratio', 16)} ${d.dedupRatio === null ? '-' : `${d.dedupRatio.toFixed(2)}x`}`,
    `${pad('data errors', 16)} ${d.errors || 'none known'}`,
    ...(s
      ? [
          '',
          `${pad('last scan', 16)} ${s.function}, ${s.state}${s.percentDone !== undefined ? ` ${s.percentDone.toFixed(1)}%` : ''}`,
          ...(s.startedAt ? [`${pad('started', 16)} ${humanAndRaw(dateTime(s.startedAt), s.startedAt)}`] : []),
          ...(s.endedAt ? [`${pad('ended', 16)} ${humanAndRaw(dateTime(s.endedAt), s.endedAt)}`] : []),
          ...(s.remainingSeconds !== undefined ? [`${pad('to go', 16)} ${humanAndRaw(duration(s.remainingSeconds), `${s.remainingSeconds} s`)}`] : []),
          ...(s.durationSeconds !== undefined ? [`${pad('took', 16)} ${humanAndRaw(duration(s.durationSeconds), `${s.durationSeconds} s`)}`] : []),
          ...(s.repairedBytes !== undefined ? [size('repaired', s.repairedBytes)] : []),
          ...(s.errors !== undefined ? [`${pad('errors found', 16)} ${s.errors === 0 ? 'none' : s.errors}`] : []),
          ...s.text.split('\n').map((l) => `  ${l}`),
        ]
      : ['', `${pad('last scan', 16)} never scrubbed`]),
  ];
}

function openWizard(shell: ShellApi, reload: () => void): void {
  shell.openPanel((close) => (
    <PoolWizard
      shell={shell}
      onClose={close}
      onCreated={(name, warnings) => {
        close();
        shell.toast(`Creating pool ${name}${warnings.length ? ` (note: ${warnings.join('; ')})` : ''}`);
        reload();
      }}
    />
  ));
}

function DatasetsTab({ extra, type }: { extra: KeyBinding[]; type: 'filesystem' | 'volume' }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('storage.datasets.list', { limit: 10000, type }, { refreshOn: ['storage'] });
  const tree = type === 'filesystem';
  const columns: Column<Dataset>[] = [
    {
      key: 'name',
      title: 'NAME',
      width: 0,
      render: (d) => (tree ? `${'  '.repeat(d.depth)}${d.depth ? d.name.split('/').pop() : d.name}` : d.name),
      sortValue: (d) => d.name,
    },
    { key: 'used', title: 'USED', width: 8, align: 'right', render: (d) => bytes(d.usedBytes), sortValue: (d) => d.usedBytes ?? 0 },
    { key: 'avail', title: 'AVAIL', width: 8, align: 'right', render: (d) => bytes(d.availableBytes), sortValue: (d) => d.availableBytes ?? 0 },
    {
      key: 'refer',
      title: 'REFER',
      width: 8,
      align: 'right',
      render: (d) => bytes(d.referencedBytes),
      sortValue: (d) => d.referencedBytes ?? 0,
      minTableWidth: 70,
    },
    ...(tree
      ? [
          {
            key: 'quota',
            title: 'QUOTA',
            width: 8,
            align: 'right' as const,
            render: (d: Dataset) => (d.quotaBytes ? bytes(d.quotaBytes) : 'none'),
            sortValue: (d: Dataset) => d.quotaBytes ?? 0,
            minTableWidth: 80,
          },
          { key: 'mount', title: 'MOUNTPOINT', width: 20, render: (d: Dataset) => d.mountpoint ?? '-', minTableWidth: 95 },
        ]
      : [{ key: 'origin', title: 'ORIGIN', width: 20, render: (d: Dataset) => d.origin ?? '', minTableWidth: 80 }]),
  ];
  const table = useTable(q.data?.items ?? [], columns, (d) => d.name);
  const d = table.selected;
  const pools = useQuery('storage.pools.list', { limit: 1000 }, { enabled: !tree });
  const defaultParent = d ? (tree ? d.name : d.name.split('/').slice(0, -1).join('/')) : (pools.data?.items[0]?.name ?? '');
  const kind = tree ? 'dataset' : 'zvol';
  const destroy = (target: Dataset) => {
    void shell.call('storage.datasets.dependents', { name: target.name }).then(
      (deps) => {
        const details = [
          `${target.name} and its data (${bytes(target.usedBytes)}) are lost.`,
          ...(deps.children.length
            ? [`Also its ${deps.children.length} children: ${deps.children.slice(0, 4).join(', ')}${deps.children.length > 4 ? ', ...' : ''}`]
            : []),
          ...(deps.snapshots.length ? [`Also ${deps.snapshots.length} snapshots.`] : []),
          ...(deps.clones.length ? [`And clones elsewhere: ${deps.clones.join(', ')}`] : []),
          ...(deps.attachments.length ? [`It is used by ${deps.attachments.map((a) => `${a.kind} ${a.name}`).join(', ')}: those are removed first.`] : []),
        ];
        shell.confirm({
          operation: 'storage.datasets.destroy',
          input: {
            name: target.name,
            recursive: deps.children.length + deps.snapshots.length > 0,
            dependents: deps.clones.length > 0,
            removeAttachments: deps.attachments.length > 0,
          },
          verb: 'destroy',
          details,
          success: () => `Destroyed ${target.name}`,
          onDone: q.reload,
        });
      },
      (err) => shell.toast(errorMessage(err), 'error'),
    );
  };
  const showProperties = (target: Dataset) => {
    void shell.call('storage.datasets.get', { name: target.name }).then(
      (full) => shell.showText(`Properties of ${target.name}`, datasetDetailLines(full.properties)),
      (err) => shell.toast(errorMessage(err), 'error'),
    );
  };
  const editProperties = (target: Dataset) => {
    void shell.call('storage.datasets.get', { name: target.name }).then(
      (full) => {
        const initial: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(full.properties))
          if (v.source === 'local') initial[`properties.${k === 'org.calypso:comments' ? 'comments' : k}`] = v.value;
        shell.openForm({
          title: `Properties of ${target.name} (empty: leave as is)`,
          operation: 'storage.datasets.update',
          fixed: { name: target.name },
          hide: tree ? [] : ['properties.recordsize'],
          success: () => `Saved properties of ${target.name}`,
          onDone: q.reload,
          initial,
        });
      },
      (err) => shell.toast(errorMessage(err), 'error'),
    );
  };
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    tree
      ? {
          key: 'c',
          description: 'Create dataset',
          operation: 'storage.datasets.create',
          action: () =>
            shell.openForm({
              title: 'Create a dataset',
              operation: 'storage.datasets.create',
              initial: { name: defaultParent ? `${defaultParent}/` : '' },
              fields: [
                'name',
                'properties.compression',
                'properties.quota',
                'properties.recordsize',
                'properties.atime',
                'properties.sync',
                'properties.comments',
                'createParents',
              ],
              submitLabel: 'Create',
              success: (r) => `Created ${r.name}`,
              onDone: q.reload,
            }),
        }
      : {
          key: 'c',
          description: 'Create zvol',
          operation: 'storage.zvols.create',
          action: () =>
            shell.openForm({
              title: 'Create a zvol',
              operation: 'storage.zvols.create',
              initial: { name: defaultParent ? `${defaultParent}/` : '' },
              fields: ['name', 'size', 'volblocksize', 'sparse', 'properties.compression', 'properties.comments'],
              submitLabel: 'Create',
              success: (r) => `Created ${r.name}`,
              onDone: q.reload,
            }),
        },
    ...(d
      ? [
          { key: 'enter', description: 'Properties', operation: 'storage.datasets.get', action: () => showProperties(d) },
          { key: 'e', description: 'Edit properties', operation: 'storage.datasets.update', action: () => editProperties(d) },
          ...(tree
            ? []
            : [
                {
                  key: 'R',
                  description: 'Grow',
                  operation: 'storage.zvols.resize',
                  action: () =>
                    shell.openForm({
                      title: `Grow ${d.name}`,
                      operation: 'storage.zvols.resize',
                      fixed: { name: d.name },
                      submitLabel: 'Grow',
                      onDone: q.reload,
                    }),
                },
              ]),
          ...(shell.app.contract('snapshots.create')
            ? [
                {
                  key: 'S',
                  description: 'Snapshot',
                  operation: 'snapshots.create',
                  action: () =>
                    shell.openForm({
                      title: `Snapshot ${d.name}`,
                      operation: 'snapshots.create',
                      fixed: { dataset: d.name },
                      initial: { name: `manual-${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '')}` },
                      submitLabel: 'Take',
                      success: (r) => `Took ${r.name}`,
                    }),
                },
              ]
            : []),
          {
            key: 'D',
            description: 'Destroy',
            operation: 'storage.datasets.destroy',
            disabledReason: d.depth === 0 ? `${d.name} is a pool's root dataset: destroy the pool instead` : undefined,
            action: () => destroy(d),
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
        emptyText={q.loading ? 'Loading...' : `No ${kind}s. c creates one.`}
      />
      <Text dimColor wrap="truncate">
        {d
          ? `${d.name}${d.origin ? ` (clone of ${d.origin})` : ''}  ${bytes(d.usedBytes)} used, ${bytes(d.availableBytes)} available${d.mountpoint ? `, at ${d.mountpoint}` : ''}`
          : ' '}
      </Text>
    </Box>
  );
}

function DisksTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('storage.disks.list', { limit: 10000 }, { refreshOn: ['storage', 'alert'] });
  const columns: Column<Disk>[] = [
    { key: 'name', title: 'DISK', width: 8, render: (d) => d.name },
    { key: 'type', title: 'TYPE', width: 4, render: (d) => d.type },
    { key: 'size', title: 'SIZE', width: 8, align: 'right', render: (d) => bytes(d.sizeBytes), sortValue: (d) => d.sizeBytes },
    {
      key: 'temp',
      title: 'TEMP',
      width: 5,
      align: 'right',
      render: (d) => (d.temperatureC === null ? '-' : `${d.temperatureC}C`),
      sortValue: (d) => d.temperatureC ?? 0,
      color: (d) => (d.temperatureC === null ? undefined : d.temperatureC >= 55 ? 'red' : d.temperatureC >= 45 ? 'yellow' : 'green'),
    },
    { key: 'smart', title: 'SMART', width: 7, render: (d) => d.smartHealth, color: (d) => healthColor(d.smartHealth) },
    {
      key: 'use',
      title: 'IN USE',
      width: 0,
      render: (d) => (d.pool ? `${d.pool}/${d.vdev ?? ''}${d.role && d.role !== 'data' ? ` (${d.role})` : ''}` : 'free'),
      color: (d) => (d.pool ? undefined : 'green'),
    },
    {
      key: 'hours',
      title: 'POWER-ON',
      width: 9,
      align: 'right',
      render: (d) => duration(d.powerOnSeconds),
      sortValue: (d) => d.powerOnSeconds ?? 0,
      minTableWidth: 76,
    },
    { key: 'model', title: 'MODEL', width: 18, render: (d) => d.model ?? '-', minTableWidth: 96 },
    { key: 'serial', title: 'SERIAL', width: 14, render: (d) => d.serial ?? '-', minTableWidth: 112 },
  ];
  const table = useTable(q.data?.items ?? [], columns, (d) => d.name);
  const d = table.selected;
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    ...diskBindings(shell, d, q.reload),
    { key: 'r', description: 'Refresh', hint: false, action: q.reload },
    ...extra,
  ]);
  const failed = readFailure(q, theme);
  if (failed) return failed;
  const free = (q.data?.items ?? []).filter((x) => !x.inUse).length;
  return (
    <Box flexDirection="column">
      <Table
        table={table}
        columns={columns}
        width={width - 2}
        height={height - 3}
        theme={theme}
        focused={active}
        emptyText={q.loading ? 'Loading...' : 'No disks found.'}
      />
      <Text dimColor wrap="truncate">
        {d ? `${d.path}  ${d.model ?? ''} ${d.serial ?? ''}  ${d.rotational ? 'rotational' : 'solid state'}${d.state ? `, ${d.state} in ${d.pool}` : ''}` : ' '}
        {q.data ? `  (${free} free of ${q.data.total})` : ''}
      </Text>
    </Box>
  );
}

function ArcTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width } = shell;
  const q = useQuery('storage.arc.get', {}, { intervalMs: 2000 });
  useBindings([{ key: 'r', description: 'Refresh', action: q.reload }, ...extra]);
  const failed = readFailure(q, theme);
  if (failed) return failed;
  const a = q.data;
  if (!a) return <Notice theme={theme}>Loading...</Notice>;
  if (!a.available) return <Notice theme={theme}>This ZFS exposes no ARC statistics (no arcstats).</Notice>;
  const barWidth = Math.max(10, Math.min(40, width - 30));
  return (
    <Box flexDirection="column">
      <Text> </Text>
      <KeyValues
        rows={[
          [
            'Hit ratio',
            <LevelBar
              key="h"
              pct={a.hitRatioPercent}
              width={barWidth}
              theme={{ ...theme, c: (n: string) => theme.c(n === 'green' ? 'red' : n === 'red' ? 'green' : n) }}
            />,
          ],
          ['Size', `${bytes(a.sizeBytes)} (target ${bytes(a.targetBytes)}, max ${bytes(a.maxBytes)})`],
          ['Fill', <LevelBar key="f" pct={a.maxBytes ? (a.sizeBytes / a.maxBytes) * 100 : null} width={barWidth} theme={theme} />],
          ['MRU / MFU', `${bytes(a.mruBytes)} / ${bytes(a.mfuBytes)}`],
          ['Hits / misses', `${a.hits.toLocaleString('en')} / ${a.misses.toLocaleString('en')}`],
          ['L2ARC', a.l2SizeBytes ? `${bytes(a.l2SizeBytes)}, hit ratio ${percent(a.l2HitRatioPercent, 1)}` : 'none'],
        ]}
      />
      <Text> </Text>
      <Text dimColor>Refreshed every 2 s. A hit ratio near 100 % means reads are served from memory.</Text>
    </Box>
  );
}
