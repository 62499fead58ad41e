/** The create-pool wizard: a name, a layout, and free disks given a role each. */
import React, { useEffect, useRef, useState } from 'react';
import { Box, useInput } from 'ink';
import { Text } from '../components/Text.js';
import { ValidationError, errorMessage } from '../../contracts/errors.js';
import type { Input } from '../../contracts/index.js';
import { LAYOUTS, MIN_DISKS, type Disk, type LayoutType } from '../../contracts/storage.js';
import type { ShellApi } from '../context.js';
import { TextField } from '../components/TextField.js';
import { FieldLabel } from '../components/Form.js';
import { bytes, pad } from '../format.js';

const ROLES = ['', 'data', 'spare', 'log', 'cache'] as const;
type Role = (typeof ROLES)[number];

// The layouts and their minimum disk counts are the storage contract's (the daemon refuses the same).
const LAYOUT_TEXT: Record<LayoutType, string> = {
  mirror: 'copies on every disk of a vdev; survives all but one per vdev',
  raidz1: 'single parity; survives one disk per vdev',
  raidz2: 'double parity; survives two disks per vdev',
  raidz3: 'triple parity; survives three disks per vdev',
  stripe: 'no redundancy: losing any disk loses the pool',
  draid: 'distributed parity and spares; fast rebuilds on large pools',
};

export function PoolWizard({
  shell,
  onClose,
  onCreated,
}: {
  shell: ShellApi;
  onClose: () => void;
  onCreated: (name: string, warnings: string[]) => void;
}): React.ReactElement {
  const { theme, width, height } = shell;
  const [disks, setDisks] = useState<Disk[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [layout, setLayout] = useState<LayoutType>('mirror');
  const [width2, setWidth2] = useState('');
  const [roles, setRoles] = useState<Record<string, Role>>({});
  const [focus, setFocusState] = useState(0);
  // Several keys can arrive before a re-render (Down then Space): move from the latest focus.
  const focusRef = useRef(0);
  const setFocus = (next: (f: number) => number) => {
    focusRef.current = next(focusRef.current);
    setFocusState(focusRef.current);
  };
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);

  useEffect(() => {
    shell.call('storage.disks.list', { limit: 1000, free: 'true' }).then(
      (r) => setDisks(r.items),
      (err) => setLoadError(errorMessage(err)),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps -- loads once when the wizard opens (`shell` is a new object each render)
  }, []);

  const free = disks ?? [];
  const fieldCount = 3 + free.length;
  const pick = (role: Role) => free.filter((d) => roles[d.name] === role).map((d) => d.name);
  const data = pick('data');

  const submit = async (typedName = name) => {
    if (sending) return;
    const name = typedName;
    if (!name) return setError('give the pool a name');
    if (data.length < MIN_DISKS[layout])
      return setError(`${layout} needs at least ${MIN_DISKS[layout]} data disks; ${data.length} chosen (Space on a disk cycles its role)`);
    setSending(true);
    setError(null);
    const input: Input<'storage.pools.create'> = { name, layout: { type: layout, disks: data, ...(width2 ? { width: Number(width2) } : {}) } };
    if (pick('spare').length) input.spares = pick('spare');
    if (pick('log').length) input.log = pick('log');
    if (pick('cache').length) input.cache = pick('cache');
    const result = await shell.run('storage.pools.create', input).catch((err) => {
      setError(err instanceof ValidationError ? `${err.message}: ${err.errors.map((e) => `${e.path} ${e.message}`).join('; ')}` : errorMessage(err));
      return undefined;
    });
    setSending(false);
    if (result) onCreated(name, result.warnings);
  };

  useInput((input, key) => {
    if (sending) return;
    const focus = focusRef.current;
    if (key.escape) return onClose();
    if (key.return) return void submit();
    if (key.downArrow || (key.tab && !key.shift)) return setFocus((f) => (f + 1) % fieldCount);
    if (key.upArrow || (key.tab && key.shift)) return setFocus((f) => (f - 1 + fieldCount) % fieldCount);
    if (focus === 1 && (key.rightArrow || key.leftArrow || input === ' ')) {
      const i = LAYOUTS.indexOf(layout);
      setLayout(LAYOUTS[(i + (key.leftArrow ? LAYOUTS.length - 1 : 1)) % LAYOUTS.length]);
    }
    if (focus >= 3 && (input === ' ' || key.rightArrow || key.leftArrow)) {
      const disk = free[focus - 3];
      const i = ROLES.indexOf(roles[disk.name] ?? '');
      setRoles((r) => ({ ...r, [disk.name]: ROLES[(i + (key.leftArrow ? ROLES.length - 1 : 1)) % ROLES.length] }));
    }
    if (focus >= 3 && input === 'a') {
      // Everything free becomes a data disk: the quick way to a pool on a fresh appliance.
      setRoles(Object.fromEntries(free.map((d) => [d.name, 'data' as Role])));
    }
  });

  const room = Math.max(3, height - 10);
  const diskFocus = Math.max(0, focus - 3);
  const start = Math.max(0, Math.min(diskFocus - room + 1, free.length - room));
  const label = (i: number, text: string) => <FieldLabel theme={theme} focused={focus === i} text={text} width={12} />;
  return (
    <Box flexDirection="column" width={width} height={height} paddingX={1}>
      <Text bold color={theme.c('cyan')}>
        Create a pool
      </Text>
      {error ? (
        <Text color={theme.c('red')} wrap="wrap">
          {error}
        </Text>
      ) : (
        <Text dimColor wrap="truncate">
          ↑↓ move Space/←→ change a all disks as data Enter create Esc cancel
        </Text>
      )}
      <Box>
        {label(0, 'Name')}
        <TextField
          value={name}
          focus={focus === 0}
          stillFocused={() => focusRef.current === 0}
          onChange={(v) => {
            if (!sending) {
              setName(v);
              setError(null);
            }
          }}
          onSubmit={(v) => void submit(v)}
          placeholder="e.g. tank"
        />
      </Box>
      <Text wrap="truncate">
        {label(1, 'Layout')}
        <Text inverse={focus === 1}>{`< ${layout} >`}</Text>
        <Text dimColor>{`  ${LAYOUT_TEXT[layout]}`}</Text>
      </Text>
      <Box>
        {label(2, 'Vdev width')}
        <TextField
          value={width2}
          focus={focus === 2}
          stillFocused={() => focusRef.current === 2}
          onChange={(v) => {
            if (!sending) setWidth2(v.replace(/\D/g, ''));
          }}
          onSubmit={() => void submit()}
          placeholder="blank: one vdev; 2 with 4 disks: two mirrors"
        />
      </Box>
      <Text bold wrap="truncate">
        {`  Free disks: ${data.length} data, ${pick('spare').length} spare, ${pick('log').length} log, ${pick('cache').length} cache`}
        <Text dimColor>{data.length ? `  raw ${bytes(free.filter((d) => data.includes(d.name)).reduce((s, d) => s + d.sizeBytes, 0))}` : ''}</Text>
      </Text>
      {loadError ? (
        <Text color={theme.c('red')}>{loadError}</Text>
      ) : disks === null ? (
        <Text dimColor> Loading disks...</Text>
      ) : free.length === 0 ? (
        <Text color={theme.c('yellow')}> No free disks: every disk is in a pool.</Text>
      ) : null}
      {free.slice(start, start + room).map((d, n) => {
        const i = start + n + 3;
        const role = roles[d.name] ?? '';
        return (
          <Text key={d.name} wrap="truncate" inverse={focus === i}>
            {focus === i ? theme.pointer : ' '} {pad(role ? `[${role}]` : '[    ]', 8)} {pad(d.name, 9)} {pad(d.type, 5)} {pad(bytes(d.sizeBytes), 8, 'right')}{' '}
            {pad(d.smartHealth, 7)} {d.stablePath ? d.stablePath.replace(/^\/dev\/disk\/by-id\//, '') : `${d.path} (no stable name)`}{' '}
            <Text dimColor>{d.model ?? ''}</Text>
          </Text>
        );
      })}
      {sending ? <Text color={theme.c('yellow')}>Creating...</Text> : null}
    </Box>
  );
}
