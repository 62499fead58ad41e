/** Snapshots: list and filter per dataset; take, destroy, roll back, clone, hold and release. */
import React, { useEffect, useState } from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import { errorMessage } from '../../contracts/errors.js';
import type { Snapshot } from '../../contracts/snapshots.js';
import { useShell } from '../context.js';
import { Table, useTable, type Column } from '../components/Table.js';
import { Notice, Title } from '../components/Panels.js';
import { useBindings, useQuery } from '../hooks/use-operation.js';
import { bytes, dateTime, exactBytes, humanAndRaw, pad } from '../format.js';

/** Rows the list loads at once; past that the filter searches on the appliance. */
const LOADED = 10_000;

/** A snapshot's detail view: each size and time in human form with its raw value. */
export function snapshotDetailLines(s: Snapshot): string[] {
  const size = (n: number | null) => (n === null ? '-' : humanAndRaw(bytes(n), exactBytes(n)));
  return [
    `${pad('dataset', 12)} ${s.dataset}`,
    `${pad('snapshot', 12)} ${s.snapshot}`,
    `${pad('created', 12)} ${s.createdAt ? humanAndRaw(dateTime(s.createdAt), s.createdAt) : '-'}`,
    `${pad('used', 12)} ${size(s.usedBytes)}`,
    `${pad('referenced', 12)} ${size(s.referencedBytes)}`,
    `${pad('holds', 12)} ${s.holds || 'none'}`,
  ];
}

export function SnapshotsScreen(): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const [dataset, setDataset] = useState('');
  const [search, setSearch] = useState('');
  const q = useQuery(
    'snapshots.list',
    { limit: LOADED, ...(search ? { search } : {}), ...(dataset ? { dataset, recursive: 'true' } : {}) },
    { refreshOn: ['storage'] },
  );
  const columns: Column<Snapshot>[] = [
    { key: 'name', title: 'SNAPSHOT', width: 0, render: (s) => s.name },
    { key: 'used', title: 'USED', width: 8, align: 'right', render: (s) => bytes(s.usedBytes), sortValue: (s) => s.usedBytes ?? 0 },
    {
      key: 'refer',
      title: 'REFER',
      width: 8,
      align: 'right',
      render: (s) => bytes(s.referencedBytes),
      sortValue: (s) => s.referencedBytes ?? 0,
      minTableWidth: 70,
    },
    { key: 'created', title: 'CREATED', width: 16, render: (s) => dateTime(s.createdAt), sortValue: (s) => s.createdAt ?? '', minTableWidth: 64 },
    {
      key: 'holds',
      title: 'HOLDS',
      width: 5,
      align: 'right',
      render: (s) => (s.holds ? String(s.holds) : ''),
      sortValue: (s) => s.holds,
      color: (s) => (s.holds ? 'yellow' : undefined),
    },
  ];
  const table = useTable(q.data?.items ?? [], columns, (s) => s.name);
  const s = table.selected;
  // When the appliance has more snapshots than the list loads, the filter also asks the service,
  // which searches all of them (the table then filters what comes back).
  const truncated = Boolean(q.data && q.data.total > q.data.items.length);
  useEffect(() => {
    if (!truncated && !search) return undefined;
    const timer = setTimeout(() => setSearch(table.filter), 300);
    return () => clearTimeout(timer);
  }, [table.filter, truncated, search]);
  const rollback = (snap: Snapshot) => {
    const newer = (q.data?.items ?? []).filter((x) => x.dataset === snap.dataset && (x.createdAt ?? '') > (snap.createdAt ?? ''));
    shell.confirm({
      operation: 'snapshots.rollback',
      input: { name: snap.name, destroyNewer: newer.length > 0 },
      verb: 'roll back to',
      details: [
        `${snap.dataset} returns to its state at ${dateTime(snap.createdAt)}; changes made since are lost.`,
        ...(newer.length
          ? [`The ${newer.length} later snapshot${newer.length > 1 ? 's are' : ' is'} destroyed too: ${newer.map((x) => x.snapshot).join(', ')}`]
          : []),
      ],
      success: () => `Rolled ${snap.dataset} back to ${snap.snapshot}`,
      onDone: q.reload,
    });
  };
  const holds = (snap: Snapshot) => {
    shell.call('snapshots.holds', { name: snap.name }).then(
      (r) =>
        shell.showText(`Snapshot ${snap.name}`, [
          ...snapshotDetailLines(snap),
          '',
          ...(r.items.length
            ? ['holds:', ...r.items.map((h) => `  ${h.tag.padEnd(24)} since ${dateTime(h.placedAt)}`)]
            : ['No holds: the snapshot can be destroyed.']),
        ]),
      (err) => shell.toast(errorMessage(err), 'error'),
    );
  };
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    {
      key: 'd',
      description: 'Dataset',
      action: () => shell.prompt({ label: 'Only snapshots of dataset (empty: all): ', initial: dataset, onSubmit: (v) => setDataset(v.trim()) }),
    },
    {
      key: 'c',
      description: 'Take snapshot',
      operation: 'snapshots.create',
      action: () =>
        shell.openForm({
          title: 'Take a snapshot',
          operation: 'snapshots.create',
          initial: { dataset: dataset || s?.dataset || '', name: `manual-${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '')}` },
          submitLabel: 'Take',
          success: (r) => `Took ${r.name}`,
          onDone: q.reload,
        }),
    },
    ...(s
      ? [
          { key: 'enter', description: 'Details and holds', operation: 'snapshots.holds', action: () => holds(s) },
          {
            key: 'D',
            description: 'Destroy',
            operation: 'snapshots.destroy',
            disabledReason: s.holds ? `${s.name} is held (${s.holds}); release the hold first (U)` : undefined,
            action: () =>
              shell.confirm({
                operation: 'snapshots.destroy',
                input: { name: s.name },
                verb: 'destroy',
                details: [`${bytes(s.usedBytes)} held only by this snapshot is freed.`],
                success: () => `Destroyed ${s.name}`,
                onDone: q.reload,
              }),
          },
          { key: 'R', description: 'Roll back', operation: 'snapshots.rollback', action: () => rollback(s) },
          {
            key: 'C',
            description: 'Clone',
            operation: 'snapshots.clone',
            action: () =>
              shell.openForm({
                title: `Clone ${s.name} into a new dataset`,
                operation: 'snapshots.clone',
                fixed: { name: s.name },
                fields: ['target', 'properties.compression', 'properties.comments'],
                initial: { target: `${s.dataset}-${s.snapshot}`.replace(/[^A-Za-z0-9_./:-]/g, '-') },
                submitLabel: 'Clone',
                success: (r) => `Cloned into ${r.name}`,
              }),
          },
          {
            key: 'H',
            description: 'Hold',
            operation: 'snapshots.hold',
            action: () =>
              shell.openForm({
                title: `Hold ${s.name}`,
                operation: 'snapshots.hold',
                fixed: { name: s.name },
                initial: { tag: 'keep' },
                submitLabel: 'Hold',
                onDone: q.reload,
              }),
          },
          {
            key: 'U',
            description: 'Release',
            operation: 'snapshots.release',
            disabledReason: s.holds ? undefined : 'the snapshot has no holds',
            action: () =>
              shell.openForm({
                title: `Release a hold on ${s.name}`,
                operation: 'snapshots.release',
                fixed: { name: s.name },
                submitLabel: 'Release',
                onDone: q.reload,
              }),
          },
        ]
      : []),
    { key: 'r', description: 'Refresh', hint: false, action: q.reload },
  ]);
  return (
    <Box flexDirection="column" paddingX={1}>
      <Title
        text="Snapshots"
        theme={theme}
        right={`${dataset ? `of ${dataset} and below` : 'all datasets'}${q.data ? `, ${q.loading ? '...' : `${q.data.total}${search ? ` named *${search}*` : ''}`}` : ''}${truncated ? ` (${q.data!.items.length} loaded; / searches all)` : ''}${table.filter ? `, ${table.view.length} match "${table.filter}"` : ''}  (d: dataset)`}
      />
      {q.error && !q.data ? (
        <Notice theme={theme} kind="error">
          {q.error}
        </Notice>
      ) : (
        <Table
          table={table}
          columns={columns}
          width={width - 2}
          height={height - 3}
          theme={theme}
          focused={active}
          emptyText={q.loading ? 'Loading...' : 'No snapshots. c takes one.'}
        />
      )}
      <Text dimColor wrap="truncate">
        {s ? `${s.dataset} @ ${s.snapshot}${s.holds ? `, ${s.holds} hold(s)` : ''}` : ' '}
      </Text>
    </Box>
  );
}
