/** The shell's dialogs: typed confirmation, yes/no, a one-line prompt, and a scrollable text view. */
import React, { useState } from 'react';
import { Box, useInput, useStdout } from 'ink';
import { Text } from './Text.js';
import { ValidationError, errorMessage } from '../../contracts/errors.js';
import { expandTabs } from '../safe-text.js';
import type { Theme } from '../theme.js';
import { TextField } from './TextField.js';
import { wrapText } from './wrap.js';

export interface ConfirmDialogProps {
  /** The object's name the user must type. */
  target: string;
  verb: string;
  title: string;
  details?: string[];
  width: number;
  /** Rows the dialog may take (default: the terminal's, less the console's chrome). */
  height?: number;
  theme: Theme;
  run: (confirm: string) => Promise<unknown>;
  onDone: (result: unknown) => void;
  onCancel: () => void;
}

/**
 * What a confirmation shows of its details: every line wrapped to the dialog, all of them when
 * they fit, else a window of `room` rows whose last row says how many more there are and how to
 * scroll to them. Nothing that will be destroyed is ever cut off a line.
 */
export function confirmDetailWindow(lines: string[], room: number, top: number, ascii: boolean): { shown: string[]; top: number; more: string | null } {
  if (lines.length <= room) return { shown: lines, top: 0, more: null };
  const rows = Math.max(1, room - 1);
  const maxTop = Math.max(0, lines.length - rows);
  const at = Math.max(0, Math.min(top, maxTop));
  const below = lines.length - at - rows;
  const keys = ascii ? 'Up/Down' : '↑/↓';
  const more =
    below > 0 ? `... and ${below} more line${below === 1 ? '' : 's'} (${keys} to scroll)` : `(${keys} to scroll, ${at} line${at === 1 ? '' : 's'} above)`;
  return { shown: lines.slice(at, at + rows), top: at, more };
}

export function ConfirmDialog({ target, verb, title, details = [], width, height, theme, run, onDone, onCancel }: ConfirmDialogProps): React.ReactElement {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [top, setTop] = useState(0);
  const { stdout } = useStdout();
  const boxWidth = Math.min(width, 76);
  const inner = Math.max(10, boxWidth - 4);
  const titleLines = wrapText(title, inner);
  const detailLines = details.flatMap((d) => wrapText(d, inner));
  const askLines = wrapText(`Type ${target} to ${verb} it, or Esc to cancel.`, inner).length;
  const rows = height ?? Math.max(10, (stdout?.rows ?? 24) - 4);
  // Border (2), title, the "Type ..." lines, the input line and the error/working line.
  const room = Math.max(2, rows - 2 - titleLines.length - askLines - 2);
  const view = confirmDetailWindow(detailLines, room, top, theme.glyphs === 'ascii');
  const scrollBy = (n: number) => setTop(() => Math.max(0, Math.min(detailLines.length - Math.max(1, room - 1), view.top + n)));
  useInput((_input, key) => {
    if (key.escape && !sending) onCancel();
    else if (view.more && key.downArrow) scrollBy(1);
    else if (view.more && key.upArrow) scrollBy(-1);
    else if (view.more && key.pageDown) scrollBy(room - 1);
    else if (view.more && key.pageUp) scrollBy(-(room - 1));
  });
  const submit = async (value: string) => {
    if (sending) return;
    if (value !== target) {
      setError(value ? `"${value}" is not "${target}"` : `type ${target} exactly`);
      return;
    }
    setSending(true);
    try {
      onDone(await run(value));
    } catch (err) {
      setSending(false);
      setError(err instanceof ValidationError ? err.message : errorMessage(err));
    }
  };
  return (
    <Box flexDirection="column" borderStyle={theme.border} borderColor={theme.c('red')} paddingX={1} width={boxWidth}>
      {titleLines.map((l, i) => (
        <Text key={`t${i}`} bold color={theme.c('red')} wrap="truncate">
          {l}
        </Text>
      ))}
      {view.shown.map((d, i) => (
        <Text key={`d${view.top + i}`} wrap="truncate">
          {d || ' '}
        </Text>
      ))}
      {view.more ? (
        <Text dimColor wrap="truncate">
          {view.more}
        </Text>
      ) : null}
      <Text wrap="wrap">
        Type <Text bold>{target}</Text> to {verb} it, or Esc to cancel.
      </Text>
      <Box>
        <Text>{'> '}</Text>
        <TextField
          value={typed}
          focus
          onChange={(v) => {
            if (!sending) {
              setTyped(v);
              setError(null);
            }
          }}
          onSubmit={(v) => void submit(v)}
        />
      </Box>
      {error ? (
        <Text color={theme.c('red')} wrap="wrap">
          {error}
        </Text>
      ) : sending ? (
        <Text color={theme.c('yellow')}>working...</Text>
      ) : null}
    </Box>
  );
}

export function Question({ text, theme, onYes, onNo }: { text: string; theme: Theme; onYes: () => void; onNo: () => void }): React.ReactElement {
  useInput((input, key) => {
    if (input === 'y' || input === 'Y') onYes();
    else if (input === 'n' || input === 'N' || key.escape || key.return) onNo();
  });
  return (
    <Box flexDirection="column" borderStyle={theme.border} borderColor={theme.c('yellow')} paddingX={1}>
      <Text wrap="wrap">{text}</Text>
      <Text bold>y yes n no</Text>
    </Box>
  );
}

export function PromptLine({
  label,
  initial = '',
  onChange,
  onSubmit,
  onCancel,
  secret = false,
}: {
  label: string;
  initial?: string;
  onChange?: (v: string) => void;
  onSubmit: (v: string) => void;
  onCancel: () => void;
  /** Shown as stars, as the login's password (a passphrase). */
  secret?: boolean;
}): React.ReactElement {
  const [value, setValue] = useState(initial);
  useInput((_input, key) => {
    if (key.escape) onCancel();
  });
  return (
    <Box>
      <Text bold>{label}</Text>
      <TextField
        value={value}
        focus
        mask={secret ? '*' : undefined}
        onChange={(v) => {
          setValue(v);
          onChange?.(v);
        }}
        onSubmit={onSubmit}
      />
    </Box>
  );
}

export function TextView({
  title,
  lines,
  width,
  height,
  theme,
  onClose,
}: {
  title: string;
  lines: string[];
  width: number;
  height: number;
  theme: Theme;
  onClose: () => void;
}): React.ReactElement {
  const [top, setTop] = useState(0);
  const room = Math.max(1, height - 2);
  const maxTop = Math.max(0, lines.length - room);
  useInput((input, key) => {
    if (key.escape || input === 'q' || key.return) onClose();
    else if (key.downArrow || input === 'j') setTop((t) => Math.min(maxTop, t + 1));
    else if (key.upArrow || input === 'k') setTop((t) => Math.max(0, t - 1));
    else if (key.pageDown || input === ' ') setTop((t) => Math.min(maxTop, t + room));
    else if (key.pageUp) setTop((t) => Math.max(0, t - room));
  });
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold color={theme.c('cyan')} wrap="truncate">
        {title}
        <Text dimColor>{lines.length > room ? `  ${top + 1}-${Math.min(lines.length, top + room)}/${lines.length}` : ''} Esc close</Text>
      </Text>
      {lines.slice(top, top + room).map((l, i) => (
        <Text key={top + i} wrap="truncate">
          {expandTabs(l) || ' '}
        </Text>
      ))}
    </Box>
  );
}
