/**
 * Object Storage: buckets (and a bucket's detail: settings, policy editor, lifecycle rules,
 * usage), users with their keys and policies, usage against quotas, and the service's status and
 * provider settings. A new key's secret is shown once, in a dialog, and never again; a feature the
 * provider lacks is a disabled key saying "not supported by this provider".
 */
import React, { useState } from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import type { Input } from '../../contracts/index.js';
import { RGW_UNIT, type ObjectBucket, type ObjectBucketDetail, type ObjectStatus, type ObjectUsage, type ObjectUser } from '../../contracts/objects.js';
import { useShell, type ShellApi } from '../context.js';
import { Table, useTable, type Column } from '../components/Table.js';
import { KeyValues, Notice, Tabs, tabBindings } from '../components/Panels.js';
import { useBindings, useQuery } from '../hooks/use-operation.js';
import type { KeyBinding } from '../keys.js';
import { bytes, count, dateTime, levelColor, percent, truncate } from '../format.js';

type LifecycleRule = Input<'objects.buckets.lifecycle'>['rules'][number];
type Quota = ObjectBucket['quota'];
type Feature = ObjectStatus['features'][number];

const TABS = [
  { id: 'buckets', label: 'Buckets' },
  { id: 'users', label: 'Users & keys' },
  { id: 'usage', label: 'Usage' },
  { id: 'service', label: 'Service' },
] as const;
type Tab = (typeof TABS)[number]['id'];

const NOT_SUPPORTED = 'not supported by this provider';
const VERSIONING_SHORT: Record<ObjectBucket['versioning'], string> = { enabled: 'on', suspended: 'susp', off: 'off' };

export function quotaText(q: Quota): string {
  const parts = [q.maxSizeBytes === null ? null : bytes(q.maxSizeBytes), q.maxObjects === null ? null : `${count(q.maxObjects)} objects`].filter(Boolean);
  return parts.length ? parts.join(', ') : 'none';
}

/** A lifecycle rule as one line of the editor: `id:expire/noncurrent/abort[:prefix]`, '-' for none. */
export function formatLifecycle(rules: readonly Omit<LifecycleRule, 'enabled'>[]): string {
  const n = (d: number | null | undefined) => (d === null || d === undefined ? '-' : String(d));
  return rules.map((r) => `${r.id}:${n(r.expireDays)}/${n(r.noncurrentExpireDays)}/${n(r.abortMultipartDays)}${r.prefix ? `:${r.prefix}` : ''}`).join('; ');
}

/** `tidy:90/30/7; logs:7/-/-:logs/` into rules; null names the part it cannot read. */
export function parseLifecycle(text: string): { rules: LifecycleRule[] } | { error: string } {
  const rules: LifecycleRule[] = [];
  for (const part of text
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([^:]+):(\d+|-)\/(\d+|-)\/(\d+|-)(?::(.*))?$/.exec(part);
    if (!m) return { error: `"${part}": write id:expire/noncurrent/abort days, e.g. tidy:90/30/7 ('-' for none)` };
    const d = (s: string) => (s === '-' ? null : Number(s));
    rules.push({ id: m[1]!.trim(), expireDays: d(m[2]!), noncurrentExpireDays: d(m[3]!), abortMultipartDays: d(m[4]!), prefix: m[5] ?? '', enabled: true });
  }
  return { rules };
}

function lacks(status: ObjectStatus | undefined, feature: Feature): string | undefined {
  return status && status.configured && !status.features.includes(feature) ? NOT_SUPPORTED : undefined;
}

export function ObjectsScreen(): React.ReactElement {
  const shell = useShell();
  const [tab, setTab] = useState<Tab>('buckets');
  const status = useQuery('objects.status', {}, { refreshOn: ['audit'] });
  const extra = tabBindings(TABS, tab, setTab);
  const s = status.data;
  return (
    <Box flexDirection="column" paddingX={1}>
      <Tabs tabs={[...TABS]} current={tab} theme={shell.theme} width={shell.width - 2} />
      {s && !s.configured && tab !== 'service' ? (
        <NotConfigured extra={extra} />
      ) : tab === 'buckets' ? (
        <BucketsTab extra={extra} status={s} />
      ) : tab === 'users' ? (
        <UsersTab extra={extra} status={s} />
      ) : tab === 'usage' ? (
        <UsageTab extra={extra} />
      ) : (
        <ServiceTab extra={extra} status={s} error={status.error} reload={status.reload} />
      )}
    </Box>
  );
}

function NotConfigured({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const { theme } = useShell();
  useBindings(extra);
  return <Notice theme={theme}>No object store provider is configured. The Service tab (4) sets its endpoint and admin keys.</Notice>;
}

function errorNotice(theme: ReturnType<typeof useShell>['theme'], error: string): React.ReactElement {
  return (
    <Notice theme={theme} kind="error">
      {error}
    </Notice>
  );
}

// Buckets

function BucketsTab({ extra, status }: { extra: KeyBinding[]; status: ObjectStatus | undefined }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const [open, setOpen] = useState<string | null>(null);
  const q = useQuery('objects.buckets.list', { limit: 1000 }, { refreshOn: ['audit'] });
  const columns: Column<ObjectBucket>[] = [
    { key: 'name', title: 'BUCKET', width: 0, render: (b) => b.name },
    { key: 'owner', title: 'OWNER', width: 8, render: (b) => b.owner },
    { key: 'objects', title: 'OBJECTS', width: 7, align: 'right', render: (b) => count(b.objects, '0'), sortValue: (b) => b.objects },
    { key: 'size', title: 'SIZE', width: 8, align: 'right', render: (b) => bytes(b.sizeBytes), sortValue: (b) => b.sizeBytes },
    {
      key: 'quota',
      title: 'QUOTA',
      width: 5,
      align: 'right',
      render: (b) => (b.quotaUsedPercent === null ? '-' : percent(b.quotaUsedPercent)),
      sortValue: (b) => b.quotaUsedPercent ?? -1,
      color: (b) => (b.quotaUsedPercent === null ? undefined : levelColor(b.quotaUsedPercent)),
    },
    {
      key: 'versioning',
      title: 'VERS',
      width: 4,
      render: (b) => VERSIONING_SHORT[b.versioning],
      color: (b) => (b.versioning === 'enabled' ? 'green' : undefined),
    },
  ];
  const table = useTable(q.data?.items ?? [], columns, (b) => b.name);
  const b = table.selected;
  const listBindings: KeyBinding[] = [
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 4 }),
    ...(b ? [{ key: 'enter', description: 'Open bucket', action: () => setOpen(b.name) }] : []),
    {
      key: 'c',
      description: 'Create bucket',
      operation: 'objects.buckets.create',
      action: () =>
        shell.openForm({
          title: 'Create a bucket (object lock only now; COMPLIANCE needs an Admin)',
          operation: 'objects.buckets.create',
          fields: ['name', 'owner', 'versioning', 'objectLock.mode', 'objectLock.days', 'quota.maxSizeBytes', 'quota.maxObjects'],
          submitLabel: 'Create',
          success: (r) => `Created bucket ${r.name}`,
          onDone: q.reload,
        }),
    },
    ...(b ? bucketKeys(shell, b, status, q.reload, () => setOpen(null)) : []),
    { key: 'r', description: 'Refresh', hint: false, action: q.reload },
    ...extra,
  ];
  if (open) return <BucketDetail name={open} status={status} back={() => setOpen(null)} extra={extra} onChange={q.reload} />;
  return (
    <BucketList
      table={table}
      columns={columns}
      bindings={listBindings}
      error={q.error && !q.data ? q.error : null}
      loading={q.loading}
      theme={theme}
      width={width}
      height={height}
      active={active}
    />
  );
}

function BucketList(props: {
  table: ReturnType<typeof useTable<ObjectBucket>>;
  columns: Column<ObjectBucket>[];
  bindings: KeyBinding[];
  error: string | null;
  loading: boolean;
  theme: ReturnType<typeof useShell>['theme'];
  width: number;
  height: number;
  active: boolean;
}): React.ReactElement {
  useBindings(props.bindings);
  if (props.error) return errorNotice(props.theme, props.error);
  const b = props.table.selected;
  return (
    <Box flexDirection="column">
      <Table
        table={props.table}
        columns={props.columns}
        width={props.width - 2}
        height={props.height - 4}
        theme={props.theme}
        focused={props.active}
        emptyText={props.loading ? 'Loading...' : 'No buckets. c creates one.'}
      />
      <Text dimColor wrap="truncate">
        {b ? `${b.name}: quota ${quotaText(b.quota)}, created ${b.createdAt ? dateTime(b.createdAt) : '?'}; Enter opens it` : ' '}
      </Text>
    </Box>
  );
}

/** Keys that act on one bucket, in the list and in its detail. */
function bucketKeys(shell: ShellApi, b: ObjectBucket, status: ObjectStatus | undefined, reload: () => void, gone: () => void): KeyBinding[] {
  return [
    {
      key: 'v',
      description: b.versioning === 'enabled' ? 'Suspend versioning' : 'Enable versioning',
      operation: 'objects.buckets.versioning',
      disabledReason: lacks(status, 'versioning'),
      action: () =>
        void shell
          .act(
            'objects.buckets.versioning',
            { name: b.name, state: b.versioning === 'enabled' ? 'suspended' : 'enabled' },
            { success: (r) => `Versioning of ${r.name}: ${r.versioning}` },
          )
          .then(reload),
    },
    {
      key: 'Q',
      description: 'Quota',
      operation: 'objects.buckets.quota',
      disabledReason: lacks(status, 'bucketQuota'),
      action: () =>
        shell.openForm({
          title: `Quota of ${b.name} (empty: no limit)`,
          operation: 'objects.buckets.quota',
          fixed: { name: b.name },
          fields: ['maxSizeBytes', 'maxObjects'],
          initial: { maxSizeBytes: b.quota.maxSizeBytes ?? '', maxObjects: b.quota.maxObjects ?? '' },
          success: (r) => `Quota of ${r.name}: ${quotaText(r.quota)}`,
          onDone: reload,
        }),
    },
    {
      key: 'D',
      description: 'Delete bucket',
      operation: 'objects.buckets.delete',
      action: () =>
        shell.confirm({
          operation: 'objects.buckets.delete',
          input: { name: b.name, purgeObjects: b.objects > 0 },
          verb: b.objects > 0 ? 'delete it with all its objects' : 'delete',
          details:
            b.objects > 0
              ? [`Its ${count(b.objects)} objects (${bytes(b.sizeBytes)}), every version, are deleted too. This cannot be undone.`]
              : ['It is empty.'],
          success: () => `Deleted bucket ${b.name}`,
          onDone: () => {
            gone();
            reload();
          },
        }),
    },
  ];
}

function BucketDetail({
  name,
  status,
  back,
  extra,
  onChange,
}: {
  name: string;
  status: ObjectStatus | undefined;
  back: () => void;
  extra: KeyBinding[];
  onChange: () => void;
}): React.ReactElement {
  const shell = useShell();
  const { theme, width, height } = shell;
  const q = useQuery('objects.buckets.get', { name }, { refreshOn: ['audit'] });
  const b = q.data;
  const reload = () => {
    q.reload();
    onChange();
  };
  useBindings([
    { key: 'escape', description: 'Back to buckets', action: back },
    ...(b
      ? [
          {
            key: 'p',
            description: 'Policy',
            operation: 'objects.buckets.policy',
            disabledReason: lacks(status, 'bucketPolicy'),
            action: () => editPolicy(shell, b, reload),
          },
          {
            key: 'P',
            description: 'Whole policy',
            action: () =>
              shell.showText(
                `Policy of ${b.name}`,
                b.policy ? JSON.stringify(JSON.parse(b.policy), null, 2).split('\n') : ['No policy: only the owner has access.'],
              ),
          },
          {
            key: 'l',
            description: 'Lifecycle rules',
            operation: 'objects.buckets.lifecycle',
            disabledReason: lacks(status, 'lifecycle'),
            action: () =>
              shell.prompt({
                label: 'Rules id:expire/noncurrent/abort days[:prefix]; ... (- none, empty removes): ',
                initial: formatLifecycle(b.lifecycle),
                onSubmit: (v) => {
                  const parsed = parseLifecycle(v);
                  if ('error' in parsed) return shell.toast(parsed.error, 'error');
                  void shell
                    .act(
                      'objects.buckets.lifecycle',
                      { name: b.name, rules: parsed.rules },
                      { success: (r) => `${r.name}: ${r.lifecycle.length} lifecycle rule(s)` },
                    )
                    .then(reload);
                },
              }),
          },
          ...bucketKeys(shell, b, status, reload, back),
        ]
      : []),
    { key: 'r', description: 'Refresh', hint: false, action: q.reload },
    ...extra,
  ]);
  if (q.error && !b) return errorNotice(theme, q.error);
  if (!b) return <Text dimColor>Loading...</Text>;
  const lock = b.objectLock ? `${b.objectLock.mode}, ${b.objectLock.days ? `${b.objectLock.days} days` : `${b.objectLock.years} years`}` : 'off';
  const policyLines = b.policy ? policySummary(b.policy) : ['none: only the owner has access'];
  const room = Math.max(1, height - 13);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">{`Bucket ${b.name}  (Esc: back)`}</Text>
      <KeyValues
        keyWidth={12}
        rows={[
          ['owner', b.owner],
          ['usage', `${count(b.objects, '0')} objects, ${bytes(b.sizeBytes)}`],
          [
            'quota',
            <Text color={b.quotaUsedPercent === null ? undefined : theme.c(levelColor(b.quotaUsedPercent))}>
              {`${quotaText(b.quota)}${b.quotaUsedPercent === null ? '' : ` (${percent(b.quotaUsedPercent)} used)`}`}
            </Text>,
          ],
          ['versioning', b.versioning],
          ['object lock', lock],
          ['created', b.createdAt ? dateTime(b.createdAt) : '?'],
        ]}
      />
      <Text bold>Lifecycle (expire after)</Text>
      {b.lifecycle.length === 0 ? <Text dimColor> none: l adds rules</Text> : null}
      {b.lifecycle.slice(0, Math.max(1, Math.floor(room / 2))).map((r) => (
        <Text key={r.id} wrap="truncate" dimColor={!r.enabled}>
          {` ${truncate(r.id, 12)}${r.prefix ? ` (${truncate(r.prefix, 10)})` : ''}: current ${days(r.expireDays)}, noncurrent ${days(r.noncurrentExpireDays)}, uploads ${days(r.abortMultipartDays)}${r.enabled ? '' : ' (off)'}`}
        </Text>
      ))}
      <Text bold>Policy</Text>
      {policyLines.slice(0, Math.max(1, Math.ceil(room / 2))).map((line, i) => (
        <Text key={i} wrap="truncate">
          {` ${truncate(line, width - 4)}`}
        </Text>
      ))}
    </Box>
  );
}

const days = (d: number | null) => (d === null ? 'kept' : `${d}d`);

/** One line per statement: effect, who, what, on what. */
export function policySummary(text: string): string[] {
  try {
    const doc = JSON.parse(text) as { Statement: Record<string, unknown>[] | Record<string, unknown> };
    const list = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    const words = (v: unknown) => (v === undefined ? '' : Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v));
    return list.map(
      (s) =>
        `${String(s.Effect)} ${words(s.Principal ?? s.NotPrincipal) || '(user)'}: ${words(s.Action ?? s.NotAction)} on ${words(s.Resource ?? s.NotResource)}`,
    );
  } catch {
    return [text];
  }
}

function editPolicy(shell: ShellApi, b: ObjectBucketDetail, reload: () => void): void {
  shell.openForm({
    title: `Policy of ${b.name}: a preset, or custom JSON (allowing more needs an Admin)`,
    operation: 'objects.buckets.policy',
    fixed: { name: b.name },
    fields: ['preset', 'user', 'policy'],
    initial: { preset: b.policy ? 'custom' : 'private', policy: b.policy ?? '' },
    success: (r) => `Policy of ${r.name}: ${r.policy ? 'set' : 'none (private)'}`,
    onDone: reload,
  });
}

// Users and keys

function UsersTab({ extra, status }: { extra: KeyBinding[]; status: ObjectStatus | undefined }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('objects.users.list', { limit: 1000 }, { refreshOn: ['audit'] });
  const columns: Column<ObjectUser>[] = [
    { key: 'uid', title: 'USER', width: 0, render: (u) => u.uid },
    { key: 'name', title: 'NAME', width: 0, render: (u) => u.displayName, minTableWidth: 70 },
    { key: 'keys', title: 'KEYS', width: 4, align: 'right', render: (u) => String(u.keys.length), sortValue: (u) => u.keys.length },
    { key: 'size', title: 'SIZE', width: 8, align: 'right', render: (u) => bytes(u.sizeBytes), sortValue: (u) => u.sizeBytes },
    { key: 'quota', title: 'QUOTA', width: 5, align: 'right', render: (u) => (u.quotaUsedPercent === null ? '-' : percent(u.quotaUsedPercent)) },
    {
      key: 'state',
      title: 'STATE',
      width: 9,
      render: (u) => (u.suspended ? 'suspended' : u.calypsoAdmin ? 'admin' : 'active'),
      color: (u) => (u.suspended ? 'yellow' : 'green'),
    },
  ];
  const table = useTable(q.data?.items ?? [], columns, (u) => u.uid);
  const u = table.selected;
  const protectedUser = u?.calypsoAdmin ? "Calypso's own admin user" : undefined;
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    {
      key: 'c',
      description: 'Create user',
      operation: 'objects.users.create',
      action: () =>
        shell.openForm({
          title: 'Create an object-store user (keys: n, by an Admin)',
          operation: 'objects.users.create',
          fields: ['uid', 'displayName', 'email', 'maxBuckets'],
          submitLabel: 'Create',
          success: (r) => `Created user ${r.uid}`,
          onDone: q.reload,
        }),
    },
    ...(u
      ? [
          {
            key: 'n',
            description: 'New access key',
            operation: 'objects.keys.create',
            action: () =>
              void shell
                .run('objects.keys.create', { uid: u.uid })
                .then((key) => {
                  shell.showText(`New access key of ${u.uid}`, [
                    `Access key id:  ${key.accessKeyId}`,
                    `Secret key:     ${key.secretKey}`,
                    '',
                    'Copy the secret now: it is never shown again.',
                    'To rotate: switch the clients to this key,',
                    'then revoke the old one (K).',
                  ]);
                  q.reload();
                })
                .catch((err: unknown) => shell.toast((err as Error).message, 'error')),
          },
          {
            key: 'K',
            description: 'Revoke key',
            operation: 'objects.keys.revoke',
            disabledReason: u.keys.length === 0 ? 'the user has no keys' : protectedUser,
            action: () =>
              shell.prompt({
                label: `Revoke which key (${u.keys.join(', ')}): `,
                initial: u.keys.length === 1 ? u.keys[0] : '',
                onSubmit: (v) => {
                  const id = v.trim();
                  if (!u.keys.includes(id)) return shell.toast(`${u.uid} has no key ${id}`, 'error');
                  shell.confirm({
                    operation: 'objects.keys.revoke',
                    input: { uid: u.uid, accessKeyId: id },
                    verb: 'revoke',
                    details: ['Clients using this key are refused at once.'],
                    success: () => `Revoked key ${id} of ${u.uid}`,
                    onDone: q.reload,
                  });
                },
              }),
          },
          u.suspended
            ? {
                key: 's',
                description: 'Enable user',
                operation: 'objects.users.enable',
                action: () => void shell.act('objects.users.enable', { uid: u.uid }, { success: (r) => `${r.uid} is enabled` }).then(q.reload),
              }
            : {
                key: 's',
                description: 'Suspend user',
                operation: 'objects.users.suspend',
                disabledReason: lacks(status, 'suspendUser') ?? protectedUser,
                action: () =>
                  void shell.act('objects.users.suspend', { uid: u.uid }, { success: (r) => `${r.uid} is suspended: its keys are refused` }).then(q.reload),
              },
          {
            key: 'Q',
            description: 'Quota',
            operation: 'objects.users.quota',
            disabledReason: lacks(status, 'userQuota'),
            action: () =>
              shell.openForm({
                title: `Quota of ${u.uid} (empty: no limit)`,
                operation: 'objects.users.quota',
                fixed: { uid: u.uid },
                fields: ['maxSizeBytes', 'maxObjects'],
                initial: { maxSizeBytes: u.quota.maxSizeBytes ?? '', maxObjects: u.quota.maxObjects ?? '' },
                success: (r) => `Quota of ${r.uid}: ${quotaText(r.quota)}`,
                onDone: q.reload,
              }),
          },
          {
            key: 'p',
            description: 'Policies',
            operation: 'objects.users.get',
            disabledReason: lacks(status, 'userPolicy'),
            action: () => void showPolicies(shell, u.uid),
          },
          {
            key: 'a',
            description: 'Attach policy',
            operation: 'objects.users.policies.put',
            disabledReason: lacks(status, 'userPolicy'),
            action: () =>
              shell.openForm({
                title: `Attach a policy to ${u.uid} (one that allows more needs an Admin)`,
                operation: 'objects.users.policies.put',
                fixed: { uid: u.uid },
                fields: ['policy', 'document'],
                success: (r) => `${r.uid} has ${r.policies.length} polic${r.policies.length === 1 ? 'y' : 'ies'}`,
                onDone: q.reload,
              }),
          },
          {
            key: 'D',
            description: 'Delete user',
            operation: 'objects.users.delete',
            disabledReason: protectedUser,
            action: () =>
              shell.confirm({
                operation: 'objects.users.delete',
                input: { uid: u.uid, purgeData: u.objects > 0 },
                verb: u.objects > 0 ? 'delete it with its buckets and objects' : 'delete',
                details:
                  u.objects > 0 ? [`Its buckets hold ${count(u.objects)} objects (${bytes(u.sizeBytes)}): they are deleted too.`] : ['Its keys stop working.'],
                success: () => `Deleted user ${u.uid}`,
                onDone: q.reload,
              }),
          },
        ]
      : []),
    { key: 'r', description: 'Refresh', hint: false, action: q.reload },
    ...extra,
  ]);
  if (q.error && !q.data) return errorNotice(theme, q.error);
  return (
    <Box flexDirection="column">
      <Table
        table={table}
        columns={columns}
        width={width - 2}
        height={height - 5}
        theme={theme}
        focused={active}
        emptyText={q.loading ? 'Loading...' : 'No users. c creates one.'}
      />
      <Text dimColor wrap="truncate">
        {u ? `${u.uid}: keys ${u.keys.join(', ') || 'none'}; ${count(u.objects, '0')} objects; quota ${quotaText(u.quota)}; max ${u.maxBuckets} buckets` : ' '}
      </Text>
    </Box>
  );
}

async function showPolicies(shell: ShellApi, uid: string): Promise<void> {
  try {
    const u = await shell.run('objects.users.get', { uid });
    shell.showText(
      `Policies of ${uid}`,
      u.policies.length ? u.policies.flatMap((p) => [`${p.name}:`, ...policySummary(p.document).map((l) => `  ${l}`)]) : ['No user policies.'],
    );
  } catch (err) {
    shell.toast((err as Error).message, 'error');
  }
}

// Usage

type UsageRow = (ObjectUsage['buckets'][number] | ObjectUsage['users'][number]) & { kind: 'bucket' | 'user' };

function UsageTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('objects.usage', {}, { refreshOn: ['audit'], intervalMs: 30_000 });
  const rows: UsageRow[] = [
    ...(q.data?.buckets ?? []).map((b) => ({ ...b, kind: 'bucket' as const })),
    ...(q.data?.users ?? []).map((u) => ({ ...u, kind: 'user' as const })),
  ];
  const columns: Column<UsageRow>[] = [
    { key: 'kind', title: 'KIND', width: 6, render: (r) => r.kind },
    { key: 'name', title: 'NAME', width: 0, render: (r) => r.name },
    { key: 'objects', title: 'OBJECTS', width: 7, align: 'right', render: (r) => count(r.objects, '0'), sortValue: (r) => r.objects },
    { key: 'size', title: 'SIZE', width: 8, align: 'right', render: (r) => bytes(r.sizeBytes), sortValue: (r) => r.sizeBytes },
    { key: 'quota', title: 'QUOTA', width: 16, render: (r) => quotaText(r.quota), minTableWidth: 76 },
    {
      key: 'used',
      title: 'USED',
      width: 5,
      align: 'right',
      render: (r) => (r.quotaUsedPercent === null ? '-' : percent(r.quotaUsedPercent)),
      sortValue: (r) => r.quotaUsedPercent ?? -1,
      color: (r) => (r.quotaUsedPercent === null ? undefined : levelColor(r.quotaUsedPercent)),
    },
  ];
  const table = useTable(rows, columns, (r) => `${r.kind}:${r.name}`);
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 4 }),
    { key: 'r', description: 'Refresh', hint: false, action: q.reload },
    ...extra,
  ]);
  if (q.error && !q.data) return errorNotice(theme, q.error);
  return (
    <Table
      table={table}
      columns={columns}
      width={width - 2}
      height={height - 3}
      theme={theme}
      focused={active}
      emptyText={q.loading ? 'Loading...' : 'No buckets or users.'}
    />
  );
}

// Service

function ServiceTab({
  extra,
  status,
  error,
  reload,
}: {
  extra: KeyBinding[];
  status: ObjectStatus | undefined;
  error: string | null;
  reload: () => void;
}): React.ReactElement {
  const shell = useShell();
  const { theme } = shell;
  const settings = useQuery('objects.settings.get', {}, { refreshOn: ['audit'] });
  const s = settings.data;
  // The gateway is an appliance service: started, stopped and restarted through the appliance's service control.
  const unit = RGW_UNIT;
  const service = useQuery('appliance.services.get', { unit, lines: 1 }, { refreshOn: ['audit'] });
  const done = () => {
    service.reload();
    reload();
  };
  useBindings([
    {
      key: 'e',
      description: 'Provider settings',
      operation: 'objects.settings.update',
      action: () =>
        shell.openForm({
          title: 'Object store provider (the secret key is write-only: leave it empty to keep it)',
          operation: 'objects.settings.update',
          fields: ['endpoint', 'region', 'accessKeyId', 'secretKey', 'tlsVerify'],
          initial: {
            endpoint: s?.endpoint ?? '',
            region: s?.region ?? 'us-east-1',
            accessKeyId: s?.accessKeyId ?? '',
            tlsVerify: String(s?.tlsVerify ?? true),
          },
          fixed: { provider: 'rgw' },
          success: (r) => `Object store provider: ${r.endpoint ?? 'none'}`,
          onDone: () => {
            settings.reload();
            reload();
          },
        }),
    },
    {
      key: 's',
      description: 'Start the gateway',
      operation: 'appliance.services.start',
      action: () => void shell.act('appliance.services.start', { unit }, { success: (r) => `${r.name}: ${r.text}` }).then(done),
    },
    {
      key: 'R',
      description: 'Restart the gateway',
      operation: 'appliance.services.restart',
      action: () => void shell.act('appliance.services.restart', { unit }, { success: (r) => `${r.name}: ${r.text}` }).then(done),
    },
    {
      key: 'S',
      description: 'Stop the gateway',
      operation: 'appliance.services.stop',
      action: () =>
        shell.confirm({
          operation: 'appliance.services.stop',
          input: { unit },
          verb: 'stop',
          details: ['Every S3 client is cut off until the gateway is started again.'],
          success: (r) => `${r.name}: ${r.text}`,
          onDone: done,
        }),
    },
    {
      key: 'r',
      description: 'Refresh',
      hint: false,
      action: () => {
        settings.reload();
        reload();
      },
    },
    ...extra,
  ]);
  if (error && !status) return errorNotice(theme, error);
  const up = status?.up;
  return (
    <Box flexDirection="column">
      <KeyValues
        keyWidth={14}
        rows={[
          ['provider', status?.provider ?? 'none configured'],
          ['endpoint', status?.endpoint ?? '-'],
          ['state', <Text color={theme.c(up ? 'green' : 'red')}>{status ? (up ? 'up' : `down${status.detail ? `: ${status.detail}` : ''}`) : '...'}</Text>],
          ['version', status?.version ?? 'not reported'],
          ['contents', status ? `${count(status.buckets, '0')} buckets, ${count(status.objects, '0')} objects, ${bytes(status.sizeBytes)}` : ''],
          ['features', status?.features.join(', ') || '-'],
          ['admin key', s?.accessKeyId ? `${s.accessKeyId} (secret ${s.secretKeySet ? 'set' : 'not set'})` : s?.provider === null ? 'not set' : '-'],
          ['TLS', s ? (s.tlsVerify ? 'certificate checked' : 'certificate NOT checked') : ''],
          ['service', service.data ? `${unit}: ${service.data.text}` : service.error ? `${unit}: ${service.error}` : unit],
        ]}
      />
    </Box>
  );
}
