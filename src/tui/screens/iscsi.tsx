/** iSCSI: targets with their LUNs, portals, initiator groups and CHAP; the backend and its sessions; drift. */
import React, { useState } from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import type { Input } from '../../contracts/index.js';
import type { ExportDisk, IscsiLun, IscsiSession, IscsiTarget } from '../../contracts/iscsi.js';
import { useShell, type ShellApi } from '../context.js';
import { Table, useTable, type Column } from '../components/Table.js';
import { KeyValues, Notice, Tabs, tabBindings, readFailure } from '../components/Panels.js';
import { useBindings, useQuery } from '../hooks/use-operation.js';
import type { KeyBinding } from '../keys.js';
import { bytes, dateTime, truncate } from '../format.js';
import { typedConfirm } from './storage-actions.js';
import { DriftPanel, openDriftRepair } from './drift.js';

/** What iscsi.targets.update changes of a target (lists given replace the current ones). */
type TargetPatch = Omit<Input<'iscsi.targets.update'>, 'name' | 'confirm'>;
type PortalInput = NonNullable<TargetPatch['portals']>[number];
type LunInput = NonNullable<TargetPatch['luns']>[number];
type InitiatorGroup = IscsiTarget['groups'][number];

const TABS = [
  { id: 'targets', label: 'Targets' },
  { id: 'disks', label: 'Disks' },
  { id: 'settings', label: 'Backend & sessions' },
  { id: 'drift', label: 'Drift' },
] as const;
type Tab = (typeof TABS)[number]['id'];

/** CHAP as the console shows it: whether it is set, never a secret. */
export function chapText(t: Pick<IscsiTarget, 'chap' | 'mutualChap'>): string {
  if (!t.chap) return 'not set';
  return `set (${t.chap.user})${t.mutualChap ? `, mutual set (${t.mutualChap.user})` : ''}`;
}

export function formatPortals(portals: IscsiTarget['portals']): string {
  return portals.map((p) => `${p.ip.includes(':') ? `[${p.ip}]` : p.ip}:${p.port}`).join(' ');
}

/** `10.0.0.1:3260 [fd00::1]:3261 10.0.0.2` into portals (the port defaults to 3260). */
export function parsePortals(text: string): PortalInput[] {
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((word) => {
      const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(word) ?? (word.split(':').length === 2 ? /^([^:]+):(\d+)$/.exec(word) : null);
      if (!m) return { ip: word };
      return m[2] ? { ip: m[1], port: Number(m[2]) } : { ip: m[1] };
    });
}

export function formatGroups(groups: InitiatorGroup[]): string {
  return groups.map((g) => `${g.name}=${g.initiators.join(',')}`).join('; ');
}

/** `esx=iqn.a,iqn.b; backup=iqn.c` into initiator groups. */
export function parseGroups(text: string): InitiatorGroup[] {
  return text
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [name, list = ''] = part.split('=');
      return { name: name.trim(), initiators: list.split(/[\s,]+/).filter(Boolean) };
    });
}

/** A LUN as the update operation takes it back. */
function lunInput(l: IscsiLun): LunInput {
  const backing: LunInput['backing'] =
    l.type === 'zvol' ? { type: 'zvol', zvol: l.dataset ?? l.path.replace(/^\/dev\/zvol\//, '') } : { type: l.type, path: l.path };
  return { lun: l.lun, backing, group: l.group, readOnly: l.readOnly, enabled: l.enabled };
}

/** `1 tank/vms/vm1 [group] [ro]`: a zvol, a file (/path) or a disk (/dev/...). */
export function parseLun(text: string): LunInput | null {
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (words.length < 2 || !/^\d+$/.test(words[0])) return null;
  const [num, where, ...rest] = words;
  const backing: LunInput['backing'] = where.startsWith('/dev/')
    ? { type: 'disk', path: where }
    : where.startsWith('/')
      ? { type: 'file', path: where }
      : { type: 'zvol', zvol: where };
  const readOnly = rest.includes('ro');
  const group = rest.find((w) => w !== 'ro') ?? null;
  return { lun: Number(num), backing, group, readOnly, enabled: true };
}

export function IscsiScreen(): React.ReactElement {
  const shell = useShell();
  const [tab, setTab] = useState<Tab>('targets');
  const extra = tabBindings(TABS, tab, setTab);
  return (
    <Box flexDirection="column" paddingX={1}>
      <Tabs tabs={[...TABS]} current={tab} theme={shell.theme} width={shell.width - 2} />
      {tab === 'targets' ? (
        <TargetsTab extra={extra} />
      ) : tab === 'disks' ? (
        <DisksTab extra={extra} />
      ) : tab === 'settings' ? (
        <SettingsTab extra={extra} />
      ) : (
        <DriftTab extra={extra} />
      )}
    </Box>
  );
}

/** Whole disks for raw-disk LUNs (issue 19): their state and why not, and an Admin's export marks. */
function DisksTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('iscsi.disks.list', { limit: 1000 }, { refreshOn: ['audit', 'storage'] });
  const state = (d: ExportDisk) => (d.usedBy.length ? 'exported' : d.exportable ? 'marked' : d.marked ? 'marked, blocked' : 'not marked');
  const columns: Column<ExportDisk>[] = [
    { key: 'name', title: 'DISK', width: 8, render: (d) => d.name },
    { key: 'size', title: 'SIZE', width: 8, align: 'right', render: (d) => bytes(d.sizeBytes), sortValue: (d) => d.sizeBytes },
    { key: 'state', title: 'STATE', width: 15, render: (d) => state(d), color: (d) => (d.usedBy.length ? 'cyan' : d.exportable ? 'green' : undefined) },
    { key: 'why', title: 'WHY NOT / USED BY', width: 0, render: (d) => (d.usedBy.length ? d.usedBy.join(', ') : (d.reason ?? 'a disk LUN may use it')) },
    { key: 'id', title: 'STABLE NAME', width: 28, render: (d) => d.path?.replace(/^\/dev\/disk\/by-id\//, '') ?? '-', minTableWidth: 100 },
  ];
  const table = useTable(q.data?.items ?? [], columns, (d) => d.name);
  const d = table.selected;
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    ...(d
      ? [
          d.marked
            ? {
                key: 'u',
                description: 'Unmark',
                operation: 'iscsi.disks.unmark-export',
                disabledReason: d.usedBy.length ? `exported by ${d.usedBy.join(', ')}: remove those LUNs first` : undefined,
                action: () =>
                  void shell
                    .act('iscsi.disks.unmark-export', { disk: d.wwn ?? d.name }, { success: () => `${d.name} is no longer marked for export` })
                    .then(q.reload),
              }
            : {
                key: 'm',
                description: 'Mark for export',
                operation: 'iscsi.disks.mark-export',
                disabledReason: d.reason && d.reason !== 'not marked for export' ? d.reason : undefined,
                action: () =>
                  typedConfirm(shell, {
                    title: `Mark ${d.name} for export over iSCSI`,
                    target: d.name,
                    verb: 'mark',
                    details: [
                      `${d.name} (${d.model ?? 'unknown model'}, ${bytes(d.sizeBytes)}) may then be handed whole to an initiator as a LUN: every block of it.`,
                    ],
                    run: () => shell.run('iscsi.disks.mark-export', { disk: d.name }),
                    success: `${d.name} is marked for export`,
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
        emptyText={q.loading ? 'Loading...' : 'No whole disks found.'}
      />
      <Text dimColor wrap="truncate">
        {d
          ? `${d.path ?? 'no stable name'}${d.marked ? `  marked by ${d.markedBy ?? '?'} ${d.markedAt ? dateTime(d.markedAt) : ''}` : ''}${d.signatures.length ? `  holds ${d.signatures.join(', ')}` : ''}`
          : ' '}
      </Text>
    </Box>
  );
}

function update(shell: ShellApi, name: string, patch: TargetPatch, success: string, reload: () => void): void {
  void shell.act('iscsi.targets.update', { name, ...patch }, { success: () => success }).then(reload);
}

function TargetsTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('iscsi.targets.list', { limit: 10000 }, { refreshOn: ['audit'] });
  const columns: Column<IscsiTarget>[] = [
    { key: 'name', title: 'TARGET', width: 0, render: (t) => t.name },
    { key: 'alias', title: 'ALIAS', width: 12, render: (t) => t.alias, minTableWidth: 80 },
    { key: 'on', title: 'STATE', width: 5, render: (t) => (t.enabled ? 'on' : 'off'), color: (t) => (t.enabled ? 'green' : 'gray') },
    { key: 'luns', title: 'LUNS', width: 4, align: 'right', render: (t) => String(t.luns.length), sortValue: (t) => t.luns.length },
    { key: 'groups', title: 'GROUPS', width: 6, align: 'right', render: (t) => String(t.groups.length), sortValue: (t) => t.groups.length, minTableWidth: 70 },
    { key: 'chap', title: 'CHAP', width: 7, render: (t) => (t.chap ? 'set' : 'not set'), color: (t) => (t.chap ? 'green' : 'yellow') },
  ];
  const table = useTable(q.data?.items ?? [], columns, (t) => t.name);
  const t = table.selected;
  const listHeight = Math.min(Math.max(3, table.view.length + 1), Math.max(3, Math.floor((height - 2) / 2)));
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: listHeight - 1 }),
    {
      key: 'c',
      description: 'Create target',
      operation: 'iscsi.targets.create',
      action: () =>
        shell.openForm({
          title: 'Create an iSCSI target',
          operation: 'iscsi.targets.create',
          fields: ['name', 'alias', 'enabled', 'chap.user', 'chap.secret'],
          initial: { name: 'iqn.2005-10.org.calypso:' },
          submitLabel: 'Create',
          success: (r) => `Created target ${r.name}`,
          onDone: q.reload,
        }),
    },
    ...(t
      ? [
          {
            key: 'e',
            description: 'Edit',
            operation: 'iscsi.targets.update',
            action: () =>
              shell.openForm({
                title: `Edit ${t.name}`,
                operation: 'iscsi.targets.update',
                fixed: { name: t.name },
                fields: ['alias', 'enabled'],
                initial: { alias: t.alias, enabled: String(t.enabled) },
                success: () => `Saved ${t.name}`,
                onDone: q.reload,
              }),
          },
          { key: 'L', description: 'Add LUN', operation: 'iscsi.targets.update', action: () => addLun(shell, t, q.reload) },
          {
            key: 'X',
            description: 'Remove LUN',
            operation: 'iscsi.luns.delete',
            disabledReason: t.luns.length ? undefined : 'the target has no LUNs',
            action: () => removeLun(shell, t, q.reload),
          },
          {
            key: 'p',
            description: 'Portals',
            operation: 'iscsi.targets.update',
            action: () =>
              shell.prompt({
                label: 'Portals, e.g. 10.0.0.1:3260 [fd00::1] (empty: every address): ',
                initial: formatPortals(t.portals),
                onSubmit: (v) => update(shell, t.name, { portals: parsePortals(v) }, `Saved the portals of ${t.name}`, q.reload),
              }),
          },
          {
            key: 'i',
            description: 'Initiator groups',
            operation: 'iscsi.targets.update',
            action: () =>
              shell.prompt({
                label: 'Groups, e.g. esx=iqn.1998-01.com.vmware:h1,iqn...; other=iqn...: ',
                initial: formatGroups(t.groups),
                onSubmit: (v) => update(shell, t.name, { groups: parseGroups(v) }, `Saved the initiator groups of ${t.name}`, q.reload),
              }),
          },
          {
            key: 'C',
            description: 'Set CHAP',
            operation: 'iscsi.targets.update',
            action: () =>
              shell.openForm({
                title: `CHAP of ${t.name} (secrets are never shown again)`,
                operation: 'iscsi.targets.update',
                fixed: { name: t.name },
                fields: ['chap.user', 'chap.secret', 'mutualChap.user', 'mutualChap.secret'],
                initial: { 'chap.user': t.chap?.user ?? '', 'mutualChap.user': t.mutualChap?.user ?? '' },
                success: () => `Saved CHAP of ${t.name}`,
                onDone: q.reload,
              }),
          },
          {
            key: 'U',
            description: 'Clear CHAP',
            operation: 'iscsi.targets.update',
            disabledReason: t.chap ? undefined : 'CHAP is not set',
            action: () =>
              update(shell, t.name, { chap: null, mutualChap: null }, `CHAP of ${t.name} cleared: initiators connect without authentication`, q.reload),
          },
          {
            key: 'D',
            description: 'Delete',
            operation: 'iscsi.targets.delete',
            action: () =>
              shell.confirm({
                operation: 'iscsi.targets.delete',
                input: { name: t.name },
                verb: 'delete',
                details: [`Initiators lose its ${t.luns.length} LUN(s); the zvols and files stay.`],
                success: () => `Deleted target ${t.name}`,
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
  const room = Math.max(0, height - listHeight - 8);
  return (
    <Box flexDirection="column">
      <Table
        table={table}
        columns={columns}
        width={width - 2}
        height={listHeight}
        theme={theme}
        focused={active}
        emptyText={q.loading ? 'Loading...' : 'No iSCSI targets. c creates one.'}
      />
      {t ? (
        <Box flexDirection="column">
          <Text bold wrap="truncate">
            {t.name}
            {t.alias ? <Text dimColor>{`  (${t.alias})`}</Text> : null}
          </Text>
          <KeyValues
            keyWidth={10}
            rows={[
              ['portals', formatPortals(t.portals) || 'every address, port 3260'],
              ['groups', truncate(formatGroups(t.groups) || 'none: every initiator may log in', width - 14)],
              ['CHAP', <Text color={theme.c(t.chap ? 'green' : 'yellow')}>{chapText(t)}</Text>],
            ]}
          />
          <Text bold wrap="truncate">{`LUN  TYPE  BACKING${' '.repeat(Math.max(1, width - 50))}GROUP      FLAGS`}</Text>
          {t.luns.length === 0 ? <Text dimColor> none: L adds one</Text> : null}
          {t.luns.slice(0, room).map((l) => (
            <Text key={l.lun} wrap="truncate" dimColor={!l.enabled}>
              {String(l.lun).padStart(3)} {l.type.padEnd(4)} {truncate(l.path, Math.max(8, width - 44)).padEnd(Math.max(8, width - 43))}
              {(l.group ?? 'all').padEnd(10)} {[l.readOnly ? 'ro' : 'rw', l.enabled ? '' : 'off'].filter(Boolean).join(',')}
            </Text>
          ))}
          {t.luns.length > room ? <Text dimColor>{`... ${t.luns.length - room} more LUNs`}</Text> : null}
        </Box>
      ) : null}
    </Box>
  );
}

function addLun(shell: ShellApi, t: IscsiTarget, reload: () => void): void {
  const next = Math.max(t.luns.length ? -1 : 0, ...t.luns.map((l) => l.lun)) + 1;
  shell.prompt({
    label: 'LUN: number, then a zvol, /file or /dev/disk, then a group and ro if wanted: ',
    initial: `${next} `,
    onSubmit: (v) => {
      const lun = parseLun(v);
      if (!lun) return shell.toast('Give a LUN number and its backing, e.g. "1 tank/vms/vm1"', 'error');
      update(shell, t.name, { luns: [...t.luns.map(lunInput), lun] }, `Added LUN ${String(lun.lun)} to ${t.name}`, reload);
    },
  });
}

function removeLun(shell: ShellApi, t: IscsiTarget, reload: () => void): void {
  shell.prompt({
    label: `Remove LUN number (${t.luns.map((l) => l.lun).join(', ')}): `,
    initial: t.luns.length === 1 ? String(t.luns[0].lun) : '',
    onSubmit: (v) => {
      const lun = t.luns.find((l) => String(l.lun) === v.trim());
      if (!lun) return shell.toast(`${t.name} has no LUN ${v.trim()}`, 'error');
      shell.confirm({
        operation: 'iscsi.luns.delete',
        input: { name: t.name, lun: lun.lun },
        verb: 'remove',
        details: [`Initiators lose ${lun.path}; the ${lun.type} itself stays.`],
        success: () => `Removed LUN ${lun.lun} from ${t.name}`,
        onDone: reload,
      });
    },
  });
}

function SettingsTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const settings = useQuery('iscsi.settings.get', {}, { refreshOn: ['audit'] });
  const sessions = useQuery('iscsi.sessions.list', {}, { refreshOn: ['audit'], intervalMs: 15_000 });
  const columns: Column<IscsiSession>[] = [
    { key: 'target', title: 'TARGET', width: 0, render: (s) => s.target },
    { key: 'initiator', title: 'INITIATOR', width: 0, render: (s) => s.initiator },
    { key: 'addr', title: 'ADDRESSES', width: 18, render: (s) => s.addresses.join(', '), minTableWidth: 80 },
  ];
  const table = useTable(sessions.data?.items ?? [], columns, (s) => `${s.target} ${s.initiator}`);
  const s = settings.data;
  const reload = () => {
    settings.reload();
    sessions.reload();
  };
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: 5 }),
    ...(s
      ? [
          {
            key: 'e',
            description: 'Change backend',
            operation: 'iscsi.settings.update',
            action: () =>
              shell.openForm({
                title: 'iSCSI backend (every target is applied to it)',
                operation: 'iscsi.settings.update',
                initial: { backend: s.backend, tgtControlPort: s.tgtControlPort ?? '' },
                success: (r) => `iSCSI now runs on ${r.backend}`,
                onDone: reload,
              }),
          },
        ]
      : []),
    { key: 'r', description: 'Refresh', hint: false, action: reload },
    ...extra,
  ]);
  if (settings.error && !s)
    return (
      <Notice theme={theme} kind="error">
        {settings.error}
      </Notice>
    );
  return (
    <Box flexDirection="column">
      <KeyValues
        rows={[
          ['backend', s ? (s.backend === 'scst' ? 'scst (kernel SCST, /etc/scst.conf)' : 'tgt (user-space tgtd)') : '...'],
          ['tgt control port', s ? (s.tgtControlPort === null ? 'default' : String(s.tgtControlPort)) : ''],
        ]}
      />
      <Text bold>Sessions</Text>
      {sessions.data && !sessions.data.available ? (
        <Notice theme={theme}>The {s?.backend ?? 'current'} backend does not report sessions yet.</Notice>
      ) : (
        <Table
          table={table}
          columns={columns}
          width={width - 2}
          height={Math.max(2, height - 6)}
          theme={theme}
          focused={active}
          emptyText={sessions.loading ? 'Loading...' : (sessions.error ?? 'No initiator is logged in.')}
        />
      )}
    </Box>
  );
}

function DriftTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, height } = shell;
  const q = useQuery('iscsi.drift', {}, { refreshOn: ['audit'] });
  const d = q.data;
  useBindings([
    {
      key: 'enter',
      description: 'Whole difference',
      action: () => shell.showText(`iSCSI drift${d?.file ? ` of ${d.file}` : ''}`, d?.changes.length ? d.changes : ['No differences.']),
    },
    {
      key: 'a',
      description: 'Adopt live scst.conf',
      operation: 'iscsi.drift.resolve',
      disabledReason: d?.inSync
        ? 'the live configuration is in sync'
        : d && !d.file
          ? 'the tgt backend has no file to adopt: overwrite instead'
          : d?.missing
            ? `${d.file} does not exist: there is nothing to adopt`
            : undefined,
      action: () =>
        openDriftRepair(shell, {
          operation: 'iscsi.drift.resolve',
          action: 'adopt',
          file: d?.file ?? 'scst.conf',
          title: `Adopt the live ${d?.file ?? 'scst.conf'}: Calypso's targets become what it says`,
          onDone: q.reload,
        }),
    },
    {
      key: 'o',
      description: 'Overwrite live configuration',
      operation: 'iscsi.drift.resolve',
      disabledReason: d?.inSync ? 'the live configuration is in sync' : undefined,
      action: () =>
        openDriftRepair(shell, {
          operation: 'iscsi.drift.resolve',
          action: 'overwrite',
          file: d?.file ?? 'the iSCSI configuration',
          title: 'Apply what Calypso says to the live iSCSI configuration',
          onDone: q.reload,
        }),
    },
    { key: 'r', description: 'Refresh', hint: false, action: q.reload },
    ...extra,
  ]);
  return <DriftPanel title="iSCSI" drift={d} error={q.error} rows={height - 2} theme={theme} />;
}
