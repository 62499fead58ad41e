/**
 * The NFS export form: path first, then the clients as a list (add, edit, remove one client: its
 * host and its options). A host is checked by the operation's own contract as soon as the client
 * is saved, so "bad host(rw" is refused there, never split into hosts. An export that gives root to
 * many hosts comes back asking for `confirm`: the typed-confirmation dialog asks for the path and
 * resends with it.
 */
import React, { useRef, useState } from 'react';
import { Box, useInput } from 'ink';
import { Text } from '../components/Text.js';
import { TextField } from '../components/TextField.js';
import { FieldLabel } from '../components/Form.js';
import { ConfirmDialog } from '../components/Dialogs.js';
import { ValidationError, errorMessage } from '../../contracts/errors.js';
import type { Input } from '../../contracts/index.js';
import type { NfsExport } from '../../contracts/shares.js';
import type { ShellApi } from '../context.js';
import { pad } from '../format.js';

/** A client rule as an export answers it; the form edits these and sends them back. */
export type NfsClient = NfsExport['clients'][number];
/** A client rule as the operations take it: squash and sec from the contract's lists. */
type NfsClientInput = Input<'shares.nfs.create'>['clients'][number];

const SQUASH = ['root_squash', 'all_squash', 'no_root_squash'] as const;
const SQUASH_TEXT: Record<string, string> = { root_squash: 'root becomes nobody', all_squash: 'everyone becomes nobody', no_root_squash: 'root stays root' };
const SEC = ['sys', 'krb5', 'krb5i', 'krb5p', 'krb5p:krb5i:krb5'] as const;

/** One client's options in words, e.g. "read-write, root stays root, sec=krb5p". */
export function clientOptionsText(c: NfsClient): string {
  return [
    c.access === 'rw' ? 'read-write' : 'read-only',
    SQUASH_TEXT[c.squash] ?? c.squash,
    ...(c.sec.join(':') !== 'sys' ? [`sec=${c.sec.join(':')}`] : []),
    ...(c.anonuid !== null ? [`anonuid=${c.anonuid}`] : []),
    ...(c.anongid !== null ? [`anongid=${c.anongid}`] : []),
  ].join(', ');
}

const blankClient = (): NfsClient => ({ host: '', access: 'ro', squash: 'root_squash', sec: ['sys'], anonuid: null, anongid: null });

/** The contract's own verdict on one client (host and options), or null when it is fine. */
function clientProblem(shell: ShellApi, operation: string, client: NfsClient): string | null {
  const op = shell.app.contract(operation);
  if (!op) return null;
  const parsed = op.input.safeParse({ path: '/x', clients: [client] });
  if (parsed.success) return null;
  const issues = parsed.error.issues.filter((i) => i.path[0] === 'clients');
  return issues.length ? issues.map((i) => `${i.path.slice(2).join('.') || 'client'}: ${i.message}`).join('; ') : null;
}

interface Props {
  shell: ShellApi;
  /** The export being edited; a new one when absent. */
  existing?: NfsExport;
  onClose: () => void;
  onSaved: (path: string) => void;
}

/** Fields of the client editor. */
const CLIENT_FIELDS = ['Host', 'Access', 'Root', 'Security', 'Anon uid', 'Anon gid'] as const;

export function NfsForm({ shell, existing, onClose, onSaved }: Props): React.ReactElement {
  const { theme, width, height } = shell;
  const operation = existing ? 'shares.nfs.update' : 'shares.nfs.create';
  const [path, setPath] = useState(existing?.path ?? '');
  const [comment, setComment] = useState(existing?.comment ?? '');
  const [enabled, setEnabled] = useState(existing?.enabled ?? true);
  const [clients, setClients] = useState<NfsClient[]>(existing?.clients.map((c) => ({ ...c })) ?? []);
  const [error, setError] = useState<string | null>(null);
  const [rowErrors, setRowErrors] = useState<Record<number, string>>({});
  const [sending, setSending] = useState(false);
  const [confirming, setConfirming] = useState<{ input: Input<'shares.nfs.create'>; details: string[] } | null>(null);
  // Focus: 0 path, 1 comment, 2 enabled, 3.. clients, then "add a client", then "save".
  const [focus, setFocusState] = useState(existing ? 3 : 0);
  const focusRef = useRef(focus);
  const fieldCount = 3 + clients.length + 2;
  const setFocus = (f: number) => {
    focusRef.current = ((f % fieldCount) + fieldCount) % fieldCount;
    setFocusState(focusRef.current);
  };
  // The client being edited: its index (clients.length for a new one) and a draft.
  const [editing, setEditing] = useState<{ index: number; draft: NfsClient; field: number; uid: string; gid: string; error: string | null } | null>(null);
  const editRef = useRef(editing);
  editRef.current = editing;
  const setEdit = (next: typeof editing) => {
    editRef.current = next;
    setEditing(next);
  };

  const addIndex = 3 + clients.length;
  const saveIndex = addIndex + 1;
  // A text field's Enter (or a pasted line ending in one) acts once: whichever of the field and
  // the form sees the key first acts, the other sees the mark (or that focus moved) and stays still.
  const enterTaken = useRef(false);
  const fieldEnter = (field: number) => {
    if (field === 0) setFocus(3 + clients.length);
    else if (field === 1) setFocus(2);
  };
  const takeEnter = (act: () => void) => {
    enterTaken.current = true;
    act();
  };

  const submit = async () => {
    if (sending) return;
    if (!path) {
      setFocus(0);
      return setError('Path: required, e.g. /tank/shares/backups');
    }
    if (!clients.length) {
      setFocus(addIndex);
      return setError('Clients: add at least one client (a on the list)');
    }
    // The answer types squash and sec as plain strings, the input as the contract's lists: the
    // daemon checks every client again (each edited one was checked against the contract already).
    const input = { path, clients: clients as NfsClientInput[], comment, enabled };
    setSending(true);
    setError(null);
    setRowErrors({});
    try {
      await shell.run(operation, input);
      setSending(false);
      onSaved(path);
    } catch (err) {
      setSending(false);
      if (err instanceof ValidationError && err.errors.some((e) => e.path === 'confirm')) {
        // Root for many hosts (issue 19): an Admin types the path to confirm; Esc keeps the form as it was.
        setConfirming({ input, details: [err.message.replace(/: confirm by sending.*$/, '.')] });
        return;
      }
      if (err instanceof ValidationError) {
        const rows: Record<number, string> = {};
        for (const e of err.errors) {
          const m = /^clients\.(\d+)(?:\.(.*))?$/.exec(e.path);
          if (m) rows[Number(m[1])] = `${m[2] ?? 'client'}: ${e.message}`;
        }
        setRowErrors(rows);
      }
      setError(errorMessage(err));
    }
  };

  const saveClient = () => {
    const e = editRef.current;
    if (!e) return;
    const num = (v: string): number | null => (v === '' ? null : Number(v));
    const draft: NfsClient = { ...e.draft, host: e.draft.host.trim(), anonuid: num(e.uid), anongid: num(e.gid) };
    const problem = clientProblem(shell, operation, draft);
    if (problem) return setEdit({ ...e, error: problem, field: /^host/.test(problem) ? 0 : e.field });
    if (clients.some((c, i) => i !== e.index && c.host === draft.host)) return setEdit({ ...e, error: `host: ${draft.host} is already in the list`, field: 0 });
    const next = [...clients];
    next[e.index] = draft;
    setClients(next);
    setRowErrors({});
    setError(null);
    setEdit(null);
    focusRef.current = 3 + e.index;
    setFocusState(3 + e.index);
  };

  const startEdit = (index: number) => {
    const c = index < clients.length ? clients[index] : blankClient();
    setEdit({
      index,
      draft: { ...c, sec: [...c.sec] },
      field: 0,
      uid: c.anonuid === null ? '' : String(c.anonuid),
      gid: c.anongid === null ? '' : String(c.anongid),
      error: null,
    });
  };

  useInput((input, key) => {
    if (sending || confirming) return;
    const enter = key.return || input.includes('\r');
    if (enter && enterTaken.current) {
      enterTaken.current = false;
      return;
    }
    const e = editRef.current;
    if (e) {
      if (key.escape) return setEdit(null);
      if (enter) return saveClient();
      if (key.downArrow || (key.tab && !key.shift)) return setEdit({ ...e, field: (e.field + 1) % CLIENT_FIELDS.length });
      if (key.upArrow || (key.tab && key.shift)) return setEdit({ ...e, field: (e.field + CLIENT_FIELDS.length - 1) % CLIENT_FIELDS.length });
      const cycle = <T,>(list: readonly T[], current: T): T => list[(list.indexOf(current) + (key.leftArrow ? list.length - 1 : 1)) % list.length];
      if (input === ' ' || key.leftArrow || key.rightArrow) {
        if (e.field === 1) return setEdit({ ...e, error: null, draft: { ...e.draft, access: e.draft.access === 'ro' ? 'rw' : 'ro' } });
        if (e.field === 2) return setEdit({ ...e, error: null, draft: { ...e.draft, squash: cycle(SQUASH, e.draft.squash as (typeof SQUASH)[number]) } });
        if (e.field === 3)
          return setEdit({ ...e, error: null, draft: { ...e.draft, sec: cycle(SEC, e.draft.sec.join(':') as (typeof SEC)[number]).split(':') } });
      }
      return;
    }
    const f = focusRef.current;
    if (key.escape) return onClose();
    if (enter && (f === 0 || f === 1)) return fieldEnter(f);
    if (key.downArrow || (key.tab && !key.shift)) return setFocus(f + 1);
    if (key.upArrow || (key.tab && key.shift)) return setFocus(f - 1);
    if (f === 2 && (input === ' ' || key.leftArrow || key.rightArrow)) return setEnabled((v) => !v);
    const onClient = f >= 3 && f < addIndex;
    if (onClient && (input === 'x' || key.delete)) {
      const next = clients.filter((_, i) => i !== f - 3);
      setClients(next);
      setRowErrors({});
      focusRef.current = Math.min(f, 3 + next.length);
      setFocusState(focusRef.current);
      return;
    }
    if ((onClient || f === addIndex || f === saveIndex) && input === 'a') return startEdit(clients.length);
    if (onClient && (key.return || input === 'e')) return startEdit(f - 3);
    if (f === addIndex && key.return) return startEdit(clients.length);
    if (key.return && (f === saveIndex || f === 2)) return void submit();
  });

  const label = (i: number, text: string, required = false) => (
    <FieldLabel theme={theme} focused={focus === i} text={`${text}${required ? ' *' : ''}`} width={10} />
  );
  const hostWidth = Math.max(16, Math.min(28, Math.floor((width - 8) / 3)));
  const room = Math.max(2, height - 12);
  const start = Math.max(0, Math.min(focus - 3 - room + 1, clients.length - room));

  if (confirming) {
    return (
      <ConfirmDialog
        title={`${existing ? 'Change' : 'Create'} the NFS export of ${path}`}
        target={path}
        verb="give root to many hosts through"
        details={confirming.details}
        width={width}
        theme={theme}
        run={(typed) => shell.run(operation, { ...confirming.input, confirm: typed })}
        onDone={() => {
          setConfirming(null);
          onSaved(path);
        }}
        onCancel={() => setConfirming(null)}
      />
    );
  }

  if (editing) {
    const e = editing;
    const fieldLabel = (n: number) => <FieldLabel theme={theme} focused={e.field === n} text={`${CLIENT_FIELDS[n]}${n === 0 ? ' *' : ''}`} width={10} />;
    const choice = (n: number, text: string, note = '') => (
      <Text wrap="truncate">
        {fieldLabel(n)}
        <Text inverse={e.field === n}>{`< ${text} >`}</Text>
        <Text dimColor>{note ? `  ${note}` : ''}</Text>
      </Text>
    );
    return (
      <Box flexDirection="column" width={width} paddingX={1}>
        <Text bold color={theme.c('cyan')} wrap="truncate">
          {e.index < clients.length ? `Client ${clients[e.index].host} of ${path || 'the export'}` : `A new client of ${path || 'the export'}`}
        </Text>
        <Text dimColor wrap="truncate">
          ↑↓ move Space/←→ change Enter keep this client Esc back to the list
        </Text>
        <Box>
          {fieldLabel(0)}
          <TextField
            value={e.draft.host}
            focus={e.field === 0}
            stillFocused={() => editRef.current?.field === 0}
            onChange={(v) => {
              const cur = editRef.current;
              if (cur) setEdit({ ...cur, error: null, draft: { ...cur.draft, host: v } });
            }}
            onSubmit={() => takeEnter(saveClient)}
            placeholder="10.0.0.0/24, backup1.example.com, @netgroup, *.example.com"
          />
        </Box>
        {choice(1, e.draft.access === 'rw' ? 'read-write' : 'read-only')}
        {choice(2, e.draft.squash, SQUASH_TEXT[e.draft.squash])}
        {choice(3, e.draft.sec.join(':'), 'security flavours')}
        <Box>
          {fieldLabel(4)}
          <TextField
            value={e.uid}
            focus={e.field === 4}
            stillFocused={() => editRef.current?.field === 4}
            onChange={(v) => {
              const cur = editRef.current;
              if (cur) setEdit({ ...cur, error: null, uid: v.replace(/\D/g, '') });
            }}
            onSubmit={() => takeEnter(saveClient)}
            placeholder="blank: nobody"
          />
        </Box>
        <Box>
          {fieldLabel(5)}
          <TextField
            value={e.gid}
            focus={e.field === 5}
            stillFocused={() => editRef.current?.field === 5}
            onChange={(v) => {
              const cur = editRef.current;
              if (cur) setEdit({ ...cur, error: null, gid: v.replace(/\D/g, '') });
            }}
            onSubmit={() => takeEnter(saveClient)}
            placeholder="blank: nogroup"
          />
        </Box>
        {e.error ? (
          <Text color={theme.c('red')} wrap="wrap">
            {e.error}
          </Text>
        ) : null}
      </Box>
    );
  }

  return (
    <Box flexDirection="column" width={width} paddingX={1}>
      <Text bold color={theme.c('cyan')} wrap="truncate">
        {existing ? `Edit the export of ${existing.path}` : 'Export a directory over NFS'}
      </Text>
      {error ? (
        <Text color={theme.c('red')} wrap="wrap">
          {error}
        </Text>
      ) : (
        <Text dimColor wrap="truncate">
          ↑↓ move a add client Enter edit x remove Esc cancel (* required)
        </Text>
      )}
      <Box>
        {label(0, 'Path', true)}
        {existing ? (
          <Text>{path}</Text>
        ) : (
          <TextField
            value={path}
            focus={focus === 0}
            stillFocused={() => focusRef.current === 0}
            onChange={(v) => {
              if (!sending) {
                setPath(v);
                setError(null);
              }
            }}
            onSubmit={() => takeEnter(() => fieldEnter(0))}
            placeholder="/tank/shares/backups"
          />
        )}
      </Box>
      <Box>
        {label(1, 'Comment')}
        <TextField
          value={comment}
          focus={focus === 1}
          stillFocused={() => focusRef.current === 1}
          onChange={(v) => {
            if (!sending) setComment(v);
          }}
          onSubmit={() => takeEnter(() => fieldEnter(1))}
          placeholder="what it is for"
        />
      </Box>
      <Text wrap="truncate">
        {label(2, 'Exported')}
        <Text inverse={focus === 2}>{`< ${enabled ? 'yes' : 'no'} >`}</Text>
      </Text>
      <Text bold wrap="truncate">{`  Clients * (${clients.length})`}</Text>
      <Text wrap="truncate">
        {'    '}
        <Text dimColor>{`${pad('HOST', hostWidth)} OPTIONS`}</Text>
      </Text>
      {clients.slice(start, start + room).map((c, n) => {
        const i = start + n;
        const at = 3 + i;
        return (
          <Box key={`${i}-${c.host}`} flexDirection="column">
            <Text wrap="truncate" inverse={focus === at}>
              {focus === at ? theme.pointer : ' '} {pad(c.host, hostWidth)} {clientOptionsText(c)}
            </Text>
            {rowErrors[i] ? <Text color={theme.c('red')} wrap="truncate">{`    ${rowErrors[i]}`}</Text> : null}
          </Box>
        );
      })}
      {clients.length > room ? <Text dimColor>{`    ${clients.length - room} more (↑↓ scroll)`}</Text> : null}
      <Text inverse={focus === addIndex} wrap="truncate">
        {focus === addIndex ? theme.pointer : ' '} + add a client
      </Text>
      <Text inverse={focus === saveIndex} bold wrap="truncate">
        {focus === saveIndex ? theme.pointer : ' '} [ {existing ? 'Save' : 'Export'} ]
      </Text>
      {sending ? <Text color={theme.c('yellow')}>Saving...</Text> : null}
    </Box>
  );
}
