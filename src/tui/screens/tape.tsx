/**
 * Tape & VTL: libraries (physical and mhvtl alike), one library's drives and slots with keys for
 * load, unload, transfer, import, export, inventory, clean and vault moves (each a job whose
 * progress shows here), the media inventory with filters, media pools, and the virtual library
 * editor (a form: the service's validation errors show inline). Works at 80x24.
 */
import React, { useState } from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import type { Input, Output } from '../../contracts/index.js';
import { useShell } from '../context.js';
import { Table, useTable, type Column } from '../components/Table.js';
import { Notice, Tabs, tabBindings, readFailure } from '../components/Panels.js';
import { useBindings, useQuery } from '../hooks/use-operation.js';
import type { KeyBinding } from '../keys.js';
import { ago, bar, truncate } from '../format.js';
import { DriftPanel, openDriftRepair } from './drift.js';

type Library = Output<'tape.libraries.list'>['items'][number];
type LibraryDetail = Output<'tape.libraries.get'>;
type Slot = LibraryDetail['slotList'][number];
type Drive = LibraryDetail['driveList'][number];
type Media = Output<'tape.media.list'>['items'][number];
type Pool = Output<'tape.pools.list'>['items'][number];
type Vtl = Output<'vtl.libraries.list'>['items'][number];
type ChangerOperation = 'tape.load' | 'tape.unload' | 'tape.transfer' | 'tape.import' | 'tape.export' | 'tape.inventory' | 'tape.clean' | 'tape.vault.move';
type JobStarted = Output<'tape.load'>;

const TABS = [
  { id: 'libraries', label: 'Libraries' },
  { id: 'media', label: 'Media' },
  { id: 'pools', label: 'Pools' },
  { id: 'vtl', label: 'VTLs' },
  { id: 'drift', label: 'VTL drift' },
] as const;
type Tab = (typeof TABS)[number]['id'];

export function TapeScreen(): React.ReactElement {
  const shell = useShell();
  const [tab, setTab] = useState<Tab>('libraries');
  const extra = tabBindings(TABS, tab, setTab);
  return (
    <Box flexDirection="column" paddingX={1}>
      <Tabs tabs={[...TABS]} current={tab} theme={shell.theme} width={shell.width - 2} />
      {tab === 'libraries' ? (
        <LibrariesTab extra={extra} />
      ) : tab === 'media' ? (
        <MediaTab extra={extra} />
      ) : tab === 'pools' ? (
        <PoolsTab extra={extra} />
      ) : tab === 'vtl' ? (
        <VtlTab extra={extra} />
      ) : (
        <VtlDriftTab extra={extra} />
      )}
    </Box>
  );
}

/** The list of libraries, or one library's view (each owns its key bindings). */
function LibrariesTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const [open, setOpen] = useState<string | null>(null);
  return open ? <LibraryView serial={open} onBack={() => setOpen(null)} /> : <LibraryList extra={extra} onOpen={setOpen} />;
}

function LibraryList({ extra, onOpen }: { extra: KeyBinding[]; onOpen: (serial: string) => void }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('tape.libraries.list', { limit: 100 }, { refreshOn: ['job', 'audit'] });
  const columns: Column<Library>[] = [
    { key: 'name', title: 'LIBRARY', width: 0, render: (l) => l.name },
    { key: 'kind', title: 'KIND', width: 7, render: (l) => (l.virtual ? 'virtual' : 'tape') },
    { key: 'drives', title: 'DRV', width: 3, align: 'right', render: (l) => String(l.drives) },
    { key: 'slots', title: 'SLOTS', width: 5, align: 'right', render: (l) => String(l.slots) },
    { key: 'mail', title: 'MAIL', width: 4, align: 'right', render: (l) => String(l.mailSlots) },
    { key: 'full', title: 'FULL', width: 4, align: 'right', render: (l) => String(l.full) },
    { key: 'state', title: 'STATE', width: 7, render: (l) => l.state, color: (l) => (l.state === 'online' ? 'green' : l.state === 'busy' ? 'yellow' : 'red') },
    { key: 'serial', title: 'SERIAL', width: 12, render: (l) => l.serial, minTableWidth: 90 },
  ];
  const table = useTable(q.data?.items ?? [], columns, (l) => l.serial);
  const l = table.selected;
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    ...(l ? [{ key: 'enter', description: 'Drives and slots', operation: 'tape.libraries.get', action: () => onOpen(l.serial) }] : []),
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
        height={Math.max(3, height - 4)}
        theme={theme}
        focused={active}
        emptyText={q.loading ? 'Loading...' : 'No tape library found (lsscsi -g shows no changer).'}
      />
      <Text dimColor wrap="truncate">
        {l ? `${l.vendor} ${l.model}  ${l.device}  ${l.stablePath ?? ''}${l.problem ? `  ${l.problem}` : ''}` : ' '}
      </Text>
    </Box>
  );
}

/** One drive as a line: element, cartridge, status bits and TapeAlert flags. */
export function driveLine(d: Drive): string {
  const what = d.full ? `${d.barcode ?? '(no label)'}${d.sourceSlot ? ` from ${d.sourceSlot}` : ''}` : 'empty';
  const alerts = d.tapeAlerts.map((a) => a.name).join(', ');
  return `drive ${d.element ?? '?'} ${(d.device ?? d.genericDevice).padEnd(10)} ${what.padEnd(20)} ${d.status.join(' ')}${alerts ? `  ! ${alerts}` : ''}`;
}

function JobLine({ id, onEnd }: { id: number; onEnd: () => void }): React.ReactElement {
  const shell = useShell();
  const q = useQuery('jobs.get', { id }, { refreshOn: ['job'] });
  const j = q.data;
  const [ended, setEnded] = useState(false);
  if (j && j.state !== 'running' && !ended) {
    setEnded(true);
    queueMicrotask(onEnd);
  }
  if (!j) return <Text dimColor>{`job #${id} starting...`}</Text>;
  const color = j.state === 'succeeded' ? 'green' : j.state === 'running' ? 'yellow' : 'red';
  return (
    <Text wrap="truncate">
      <Text color={shell.theme.c(color)}>{`job #${j.id} ${j.state}`}</Text>
      {` ${bar(shell.theme, j.progress, 10)} ${String(j.progress).padStart(3)}% ${j.error ?? j.progressText ?? j.description}`}
    </Text>
  );
}

function LibraryView({ serial, onBack }: { serial: string; onBack: () => void }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('tape.libraries.get', { library: serial }, { refreshOn: ['audit'] });
  const [job, setJob] = useState<number | null>(null);
  const lib = q.data;
  const columns: Column<Slot>[] = [
    { key: 'index', title: 'SLOT', width: 4, align: 'right', render: (s) => String(s.index), sortValue: (s) => s.index },
    { key: 'kind', title: 'KIND', width: 8, render: (s) => (s.mailSlot ? 'mail' : s.cleaning ? 'cleaning' : 'storage') },
    { key: 'barcode', title: 'BARCODE', width: 10, render: (s) => (s.full ? (s.barcode ?? '(no label)') : '-'), color: (s) => (s.full ? undefined : 'gray') },
    { key: 'pool', title: 'POOL', width: 10, render: (s) => s.pool ?? '' },
    { key: 'state', title: 'STATE', width: 0, render: (s) => s.state ?? '' },
  ];
  const table = useTable(lib?.slotList ?? [], columns, (s) => String(s.index));
  const s = table.selected;
  /** Starts a changer job on this library and follows it on the job line. */
  const start = <N extends ChangerOperation>(op: N, input: Omit<Input<N>, 'library'>, what: string) =>
    void shell.act(op, { ...input, library: serial } as Input<N>, { success: (r) => `${what}: job #${(r as JobStarted).job.id}` }).then((r) => {
      if (r) setJob((r as JobStarted).job.id);
    });
  const askDrive = (label: string, then: (drive: number) => void) =>
    shell.prompt({
      label,
      initial: '0',
      onSubmit: (v) => (/^\d+$/.test(v.trim()) ? then(Number(v.trim())) : shell.toast('A drive number (0, 1, ...)', 'error')),
    });
  const busy = lib?.state === 'busy' ? `busy: ${lib.busyWith ?? 'a job runs'}` : undefined;
  useBindings([
    { key: 'escape', description: 'Back to libraries', priority: 2, action: onBack },
    ...table.bindings({ prompt: shell.prompt, pageSize: 5 }),
    ...(lib
      ? [
          {
            key: 'l',
            description: 'Load',
            operation: 'tape.load',
            disabledReason: busy ?? (!s?.full ? 'select a full slot' : s.mailSlot ? 'import it first' : undefined),
            action: () =>
              askDrive(`Load slot ${s!.index} (${s!.barcode ?? 'no label'}) into drive: `, (drive) => start('tape.load', { slot: s!.index, drive }, 'Loading')),
          },
          {
            key: 'u',
            description: 'Unload',
            operation: 'tape.unload',
            disabledReason: busy ?? (lib.driveList.some((d) => d.full) ? undefined : 'every drive is empty'),
            action: () => askDrive('Unload drive: ', (drive) => start('tape.unload', { drive }, 'Unloading')),
          },
          {
            key: 't',
            description: 'Transfer',
            operation: 'tape.transfer',
            disabledReason: busy ?? (!s?.full ? 'select a full slot' : undefined),
            action: () =>
              shell.prompt({
                label: `Move slot ${s!.index} to slot: `,
                onSubmit: (v) =>
                  /^\d+$/.test(v.trim()) ? start('tape.transfer', { from: s!.index, to: Number(v.trim()) }, 'Moving') : shell.toast('A slot number', 'error'),
              }),
          },
          {
            key: 'i',
            description: 'Import',
            operation: 'tape.import',
            disabledReason: busy ?? (lib.slotList.some((x) => x.mailSlot && x.full) ? undefined : 'the mail slots are empty'),
            action: () => start('tape.import', {}, 'Importing'),
          },
          {
            key: 'e',
            description: 'Export',
            operation: 'tape.export',
            disabledReason: busy ?? (!s?.full || !s.barcode ? 'select a labelled cartridge' : s.mailSlot ? 'it is in a mail slot already' : undefined),
            action: () => start('tape.export', { barcodes: [s!.barcode!] }, `Exporting ${s!.barcode}`),
          },
          {
            key: 'v',
            description: 'Send to vault',
            operation: 'tape.vault.move',
            disabledReason: busy ?? (!s?.full || !s.barcode || s.mailSlot ? 'select a labelled cartridge in a slot' : undefined),
            action: () =>
              shell.prompt({
                label: `Vault for ${s!.barcode}: `,
                onSubmit: (vault) => start('tape.vault.move', { barcodes: [s!.barcode!], vault: vault.trim() }, `Sending ${s!.barcode} to ${vault.trim()}`),
              }),
          },
          { key: 'I', description: 'Inventory', operation: 'tape.inventory', disabledReason: busy, action: () => start('tape.inventory', {}, 'Inventory') },
          {
            key: 'c',
            description: 'Clean drive',
            operation: 'tape.clean',
            disabledReason: busy,
            action: () => askDrive('Clean drive: ', (drive) => start('tape.clean', { drive }, 'Cleaning')),
          },
        ]
      : []),
    { key: 'r', description: 'Refresh', hint: false, action: q.reload },
  ]);
  if (q.error && !lib)
    return (
      <Notice theme={theme} kind="error">
        {q.error}
      </Notice>
    );
  if (!lib) return <Text dimColor>Loading...</Text>;
  const drivesShown = lib.driveList.slice(0, 4);
  const slotsHeight = Math.max(3, height - drivesShown.length - 5);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        {`${lib.name}  ${lib.drives} drives, ${lib.slots} slots, ${lib.mailSlots} mail  `}
        <Text color={theme.c(lib.state === 'online' ? 'green' : 'yellow')}>{lib.state}</Text>
      </Text>
      {drivesShown.map((d) => (
        <Text key={String(d.element)} wrap="truncate" color={d.tapeAlerts.length ? theme.c('yellow') : undefined}>
          {truncate(driveLine(d), width - 2)}
        </Text>
      ))}
      {lib.driveList.length > drivesShown.length ? <Text dimColor>{`... ${lib.driveList.length - drivesShown.length} more drives`}</Text> : null}
      <Table table={table} columns={columns} width={width - 2} height={slotsHeight} theme={theme} focused={active} emptyText="No slots." />
      {job !== null ? (
        <JobLine id={job} onEnd={q.reload} />
      ) : (
        <Text dimColor wrap="truncate">
          {busy ?? 'l load  u unload  t transfer  i import  e export  v vault  I inventory  c clean'}
        </Text>
      )}
    </Box>
  );
}

const MEDIA_STATES = ['all', 'writable', 'full', 'damaged', 'retired', 'cleaning'] as const;
const LOCATIONS = ['all', 'slot', 'drive', 'mailslot', 'vault', 'unknown'] as const;

function MediaTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const [state, setState] = useState<(typeof MEDIA_STATES)[number]>('all');
  const [location, setLocation] = useState<(typeof LOCATIONS)[number]>('all');
  const [pool, setPool] = useState<string>('');
  const q = useQuery(
    'tape.media.list',
    { limit: 5000, ...(state !== 'all' ? { state } : {}), ...(location !== 'all' ? { location } : {}), ...(pool ? { pool } : {}) },
    { refreshOn: ['job', 'audit'] },
  );
  const columns: Column<Media>[] = [
    { key: 'barcode', title: 'BARCODE', width: 9, render: (m) => m.barcode },
    { key: 'type', title: 'TYPE', width: 4, render: (m) => m.mediaType ?? '?' },
    {
      key: 'where',
      title: 'LOCATION',
      width: 0,
      render: (m) =>
        m.locationKind === 'vault'
          ? `vault ${m.vault ?? ''}`
          : m.locationKind === 'unknown'
            ? 'unknown (taken out)'
            : `${m.locationKind === 'drive' ? `drive ${m.drive}` : `${m.locationKind === 'mailslot' ? 'mail' : 'slot'} ${m.slot}`} ${m.libraryName ?? m.library}`,
    },
    { key: 'pool', title: 'POOL', width: 8, render: (m) => m.pool ?? '' },
    {
      key: 'state',
      title: 'STATE',
      width: 12,
      render: (m) => (m.state === 'cleaning' ? `cleaning ${m.cleaningUsesLeft ?? '?'}` : m.state),
      color: (m) => (m.state === 'damaged' || m.state === 'retired' ? 'red' : m.state === 'writable' ? 'green' : undefined),
    },
    { key: 'seen', title: 'SEEN', width: 10, render: (m) => ago(m.lastSeenAt), minTableWidth: 90 },
  ];
  const table = useTable(q.data?.items ?? [], columns, (m) => m.barcode);
  const m = table.selected;
  const cycle = <T extends string>(list: readonly T[], current: T, set: (v: T) => void) => set(list[(list.indexOf(current) + 1) % list.length]!);
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    { key: 's', description: `State: ${state}`, action: () => cycle(MEDIA_STATES, state, setState) },
    { key: 'w', description: `Where: ${location}`, action: () => cycle(LOCATIONS, location, setLocation) },
    {
      key: 'p',
      description: `Pool: ${pool || 'all'}`,
      action: () => shell.prompt({ label: 'Only pool (empty: all): ', initial: pool, onSubmit: (v) => setPool(v.trim()) }),
    },
    ...(m
      ? [
          {
            key: 'P',
            description: 'Set pool',
            operation: 'tape.media.update',
            disabledReason: m.state === 'cleaning' ? 'a cleaning cartridge belongs to no pool' : undefined,
            action: () =>
              shell.prompt({
                label: `Pool of ${m.barcode} (empty: none): `,
                initial: m.pool ?? '',
                onSubmit: (v) =>
                  void shell
                    .act('tape.media.update', { barcode: m.barcode, pool: v.trim() || null }, { success: (r) => `${r.barcode} is in ${r.pool ?? 'no pool'}` })
                    .then(q.reload),
              }),
          },
          {
            key: 'D',
            description: 'Mark damaged',
            operation: 'tape.media.mark',
            disabledReason: m.state === 'cleaning' ? 'a cleaning cartridge' : m.state === 'damaged' ? 'already damaged' : undefined,
            action: () =>
              shell.confirm({
                operation: 'tape.media.mark',
                input: { barcode: m.barcode, state: 'damaged' },
                verb: 'mark damaged',
                details: ['It is never written again.'],
                success: () => `${m.barcode} is marked damaged`,
                onDone: q.reload,
              }),
          },
          {
            key: 'R',
            description: 'Retire',
            operation: 'tape.media.mark',
            disabledReason: m.state === 'cleaning' ? 'a cleaning cartridge' : m.state === 'retired' ? 'already retired' : undefined,
            action: () =>
              shell.confirm({
                operation: 'tape.media.mark',
                input: { barcode: m.barcode, state: 'retired' },
                verb: 'retire',
                details: ['It is never written again; its data stays readable.'],
                success: () => `${m.barcode} is retired`,
                onDone: q.reload,
              }),
          },
        ]
      : []),
    { key: 'r', description: 'Refresh', hint: false, action: q.reload },
    ...extra,
  ]);
  return (
    <Box flexDirection="column">
      <Text
        dimColor
        wrap="truncate"
      >{`state ${state} (s)  where ${location} (w)  pool ${pool || 'all'} (p)  ${q.data && !q.error ? `${q.data.total} cartridges` : ''}`}</Text>
      {q.error ? (
        <Notice theme={theme} kind="error">
          {q.error}
        </Notice>
      ) : (
        <Table
          table={table}
          columns={columns}
          width={width - 2}
          height={Math.max(3, height - 4)}
          theme={theme}
          focused={active}
          emptyText={q.loading ? 'Loading...' : 'No cartridges match. Open a library to read its barcodes.'}
        />
      )}
    </Box>
  );
}

function PoolsTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('tape.pools.list', { limit: 1000 }, { refreshOn: ['audit'] });
  const columns: Column<Pool>[] = [
    { key: 'name', title: 'POOL', width: 12, render: (p) => p.name },
    { key: 'media', title: 'MEDIA', width: 5, align: 'right', render: (p) => String(p.media) },
    {
      key: 'writable',
      title: 'WRITABLE',
      width: 8,
      align: 'right',
      render: (p) => String(p.writable),
      color: (p) => (p.writable < p.lowWritable ? 'red' : 'green'),
    },
    { key: 'low', title: 'LOW', width: 4, align: 'right', render: (p) => String(p.lowWritable) },
    { key: 'ret', title: 'RETENTION', width: 9, render: (p) => `${Math.round(p.retentionSeconds / 86400)} days` },
    { key: 'alloc', title: 'ALLOCATION', width: 12, render: (p) => p.allocation },
    { key: 'desc', title: 'DESCRIPTION', width: 0, render: (p) => p.description, minTableWidth: 90 },
  ];
  const table = useTable(q.data?.items ?? [], columns, (p) => p.name);
  const p = table.selected;
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    {
      key: 'c',
      description: 'Create pool',
      operation: 'tape.pools.create',
      action: () =>
        shell.openForm({ title: 'Create a media pool', operation: 'tape.pools.create', success: (r) => `Created pool ${r.name}`, onDone: q.reload }),
    },
    ...(p
      ? [
          {
            key: 'e',
            description: 'Edit',
            operation: 'tape.pools.update',
            action: () =>
              shell.openForm({
                title: `Edit pool ${p.name}`,
                operation: 'tape.pools.update',
                fixed: { name: p.name },
                initial: { description: p.description, retentionSeconds: p.retentionSeconds, allocation: p.allocation, lowWritable: p.lowWritable },
                success: () => `Saved pool ${p.name}`,
                onDone: q.reload,
              }),
          },
          {
            key: 'D',
            description: 'Delete',
            operation: 'tape.pools.delete',
            action: () =>
              shell.confirm({
                operation: 'tape.pools.delete',
                input: { name: p.name },
                verb: 'delete',
                details: [`Its ${p.media} cartridges keep their data and belong to no pool.`],
                success: () => `Deleted pool ${p.name}`,
                onDone: q.reload,
              }),
          },
        ]
      : []),
    { key: 'r', description: 'Refresh', hint: false, action: q.reload },
    ...extra,
  ]);
  return (
    <Table
      table={table}
      columns={columns}
      width={width - 2}
      height={Math.max(3, height - 3)}
      theme={theme}
      focused={active}
      emptyText={q.loading ? 'Loading...' : (q.error ?? 'No media pools. c creates one.')}
    />
  );
}

function VtlTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('vtl.libraries.list', { limit: 100 }, { refreshOn: ['audit'] });
  const daemons = useQuery('vtl.daemons.status', {}, { refreshOn: ['audit'] });
  const columns: Column<Vtl>[] = [
    { key: 'name', title: 'NAME', width: 10, render: (v) => v.name },
    { key: 'emu', title: 'EMULATES', width: 12, render: (v) => v.emulation },
    { key: 'drives', title: 'DRIVES', width: 9, render: (v) => `${v.driveCount}x${v.driveGeneration}` },
    { key: 'slots', title: 'SLOTS', width: 5, align: 'right', render: (v) => String(v.slots) },
    { key: 'mail', title: 'MAIL', width: 4, align: 'right', render: (v) => String(v.mailSlots) },
    { key: 'tapes', title: 'TAPES', width: 5, align: 'right', render: (v) => String(v.cartridges) },
    { key: 'ds', title: 'DATASET', width: 0, render: (v) => v.backingDataset },
  ];
  const table = useTable(q.data?.items ?? [], columns, (v) => v.name);
  const v = table.selected;
  const reload = () => {
    q.reload();
    daemons.reload();
  };
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    {
      key: 'c',
      description: 'Create virtual library',
      operation: 'vtl.libraries.create',
      action: () =>
        shell.openForm({
          title: 'Create a virtual tape library (mhvtl)',
          operation: 'vtl.libraries.create',
          fields: ['name', 'emulation', 'driveCount', 'driveGeneration', 'slots', 'mailSlots', 'barcodePrefix', 'cartridges', 'backingDataset'],
          initial: { emulation: 'STK L700', driveCount: 2, driveGeneration: 'LTO8', slots: 20, mailSlots: 4, barcodePrefix: 'V', cartridges: 10 },
          submitLabel: 'Create',
          success: (r) => `Created virtual library ${r.name} (mhvtl library ${r.libraryId})`,
          onDone: reload,
        }),
    },
    ...(v
      ? [
          {
            key: 'e',
            description: 'Change',
            operation: 'vtl.libraries.update',
            action: () =>
              shell.openForm({
                title: `Change ${v.name}`,
                operation: 'vtl.libraries.update',
                fixed: { name: v.name },
                fields: ['driveCount', 'slots', 'mailSlots', 'cartridges', 'compression'],
                initial: { driveCount: v.driveCount, slots: v.slots, mailSlots: v.mailSlots, cartridges: v.cartridges, compression: String(v.compression) },
                success: () => `Saved ${v.name}`,
                onDone: reload,
              }),
          },
          {
            key: 'D',
            description: 'Delete',
            operation: 'vtl.libraries.delete',
            action: () =>
              shell.confirm({
                operation: 'vtl.libraries.delete',
                input: { name: v.name },
                verb: 'delete',
                details: [`Its cartridges stay in ${v.homeDirectory}.`],
                success: () => `Deleted virtual library ${v.name}`,
                onDone: reload,
              }),
          },
        ]
      : []),
    {
      key: 'S',
      description: 'Restart mhvtl',
      operation: 'vtl.daemons.control',
      action: () =>
        void shell.act('vtl.daemons.control', { action: 'restart' }, { success: (r) => (r.active ? 'mhvtl restarted' : 'mhvtl is not running') }).then(reload),
    },
    { key: 'r', description: 'Refresh', hint: false, action: reload },
    ...extra,
  ]);
  return (
    <Box flexDirection="column">
      <Text
        dimColor
        wrap="truncate"
      >{`mhvtl ${daemons.data ? (daemons.data.active ? 'running' : 'stopped') : '...'}  ${v ? `${v.name}: ${v.homeDirectory}, ${Math.round(v.capacityBytes / 1e9)} GB cartridges, compression ${v.compression ? 'on' : 'off'}` : ''}`}</Text>
      <Table
        table={table}
        columns={columns}
        width={width - 2}
        height={Math.max(3, height - 4)}
        theme={theme}
        focused={active}
        emptyText={q.loading ? 'Loading...' : (q.error ?? 'No virtual libraries. c creates one.')}
      />
    </Box>
  );
}

function VtlDriftTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, height } = shell;
  const q = useQuery('vtl.drift', {}, { refreshOn: ['audit'] });
  const d = q.data;
  useBindings([
    { key: 'enter', description: 'Whole difference', action: () => shell.showText('VTL drift', d?.changes.length ? d.changes : ['No differences.']) },
    {
      key: 'o',
      description: 'Overwrite with Calypso\u2019s',
      operation: 'vtl.drift.resolve',
      disabledReason: d?.inSync ? 'the mhvtl files are in sync' : undefined,
      action: () =>
        openDriftRepair(shell, {
          operation: 'vtl.drift.resolve',
          action: 'overwrite',
          file: d?.file ?? '/etc/mhvtl/device.conf',
          title: "Write Calypso's virtual libraries to mhvtl's files and restart it",
          onDone: q.reload,
        }),
    },
    { key: 'r', description: 'Refresh', hint: false, action: q.reload },
    ...extra,
  ]);
  return <DriftPanel title="mhvtl" drift={d} error={q.error} rows={height - 2} theme={theme} />;
}
