/** The shell's dialogs: typed confirmation, yes/no, a one-line prompt, and a scrollable text view. */
import React, { useState } from 'react';
import { Box, useInput } from 'ink';
import { Text } from './Text.js';
import { ValidationError, publicMessage } from '../../services/index.js';
import { truncate } from '../format.js';
import { expandTabs } from '../safe-text.js';
import type { Theme } from '../theme.js';
import { TextField } from './TextField.js';

export interface ConfirmDialogProps {
  /** The object's name the user must type. */
  target: string;
  verb: string;
  title: string;
  details?: string[];
  width: number;
  theme: Theme;
  run: (confirm: string) => Promise<unknown>;
  onDone: (result: unknown) => void;
  onCancel: () => void;
}

export function ConfirmDialog({ target, verb, title, details = [], width, theme, run, onDone, onCancel }: ConfirmDialogProps): React.ReactElement {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  useInput((_input, key) => {
    if (key.escape && !sending) onCancel();
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
      setError(err instanceof ValidationError ? err.message : publicMessage(err));
    }
  };
  return (
    <Box flexDirection="column" borderStyle={theme.border} borderColor={theme.c('red')} paddingX={1} width={Math.min(width, 76)}>
      <Text bold color={theme.c('red')} wrap="truncate">
        {title}
      </Text>
      {details.map((d, i) => (
        <Text key={i} wrap="truncate">
          {truncate(d, Math.min(width, 76) - 4)}
        </Text>
      ))}
      <Text wrap="wrap">
        Type <Text bold>{target}</Text> to {verb} it, or Esc to cancel.
      </Text>
      <Box>
        <Text>{'> '}</Text>
        <TextField value={typed} focus onChange={(v) => { if (!sending) { setTyped(v); setError(null); } }} onSubmit={(v) => void submit(v)} />
      </Box>
      {error ? <Text color={theme.c('red')} wrap="truncate">{error}</Text> : sending ? <Text color={theme.c('yellow')}>working...</Text> : null}
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
      <Text bold>y yes  n no</Text>
    </Box>
  );
}

export function PromptLine({ label, initial = '', onChange, onSubmit, onCancel }: { label: string; initial?: string; onChange?: (v: string) => void; onSubmit: (v: string) => void; onCancel: () => void }): React.ReactElement {
  const [value, setValue] = useState(initial);
  useInput((_input, key) => {
    if (key.escape) onCancel();
  });
  return (
    <Box>
      <Text bold>{label}</Text>
      <TextField value={value} focus onChange={(v) => { setValue(v); onChange?.(v); }} onSubmit={onSubmit} />
    </Box>
  );
}

export function TextView({ title, lines, width, height, theme, onClose }: { title: string; lines: string[]; width: number; height: number; theme: Theme; onClose: () => void }): React.ReactElement {
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
        <Text dimColor>{lines.length > room ? `  ${top + 1}-${Math.min(lines.length, top + room)}/${lines.length}` : ''}  Esc close</Text>
      </Text>
      {lines.slice(top, top + room).map((l, i) => (
        <Text key={top + i} wrap="truncate">
          {expandTabs(l) || ' '}
        </Text>
      ))}
    </Box>
  );
}
