/** The `?` help generated from the keybinding table, and the `:` command palette. */
import React, { useState } from 'react';
import { Box, useInput } from 'ink';
import { Text } from './Text.js';
import { displayKey, type KeyBinding } from '../keys.js';
import { pad } from '../format.js';
import type { Theme } from '../theme.js';
import { TextField } from './TextField.js';

export interface HelpProps {
  sections: { title: string; bindings: KeyBinding[] }[];
  width: number;
  height: number;
  theme: Theme;
  onClose: () => void;
}

export function HelpOverlay({ sections, width, height, theme, onClose }: HelpProps): React.ReactElement {
  const ascii = theme.glyphs === 'ascii';
  type Line = { kind: 'title'; text: string } | { kind: 'key'; b: KeyBinding } | { kind: 'reason'; text: string };
  const lines: Line[] = [];
  for (const s of sections) {
    if (!s.bindings.length) continue;
    lines.push({ kind: 'title', text: s.title });
    for (const b of s.bindings) {
      lines.push({ kind: 'key', b });
      if (b.disabledReason) lines.push({ kind: 'reason', text: b.disabledReason });
    }
  }
  const [top, setTop] = useState(0);
  const room = Math.max(1, height - 2);
  const maxTop = Math.max(0, lines.length - room);
  useInput((input, key) => {
    if (key.escape || input === 'q' || input === '?' || key.return) onClose();
    else if (key.downArrow || input === 'j') setTop((t) => Math.min(maxTop, t + 1));
    else if (key.upArrow || input === 'k') setTop((t) => Math.max(0, t - 1));
    else if (key.pageDown || input === ' ') setTop((t) => Math.min(maxTop, t + room));
    else if (key.pageUp) setTop((t) => Math.max(0, t - room));
  });
  const keyWidth = 14;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold color={theme.c('cyan')} wrap="truncate">
        Keys
        <Text dimColor>{lines.length > room ? `  ${top + 1}-${Math.min(lines.length, top + room)}/${lines.length} (j/k scroll)` : ''} Esc close</Text>
      </Text>
      {lines.slice(top, top + room).map((l, i) =>
        l.kind === 'reason' ? (
          <Text key={top + i} wrap="truncate" color={theme.c('red')} dimColor={!theme.color}>
            {'      '}disabled: {l.text}
          </Text>
        ) : l.kind === 'title' ? (
          <Text key={top + i} bold underline wrap="truncate">
            {l.text}
          </Text>
        ) : (
          <Text key={top + i} wrap="truncate" dimColor={Boolean(l.b.disabledReason)}>
            {'  '}
            {pad([l.b.key, ...(l.b.aliases ?? [])].map((k) => displayKey(k, ascii)).join(' '), keyWidth)} {l.b.description}
          </Text>
        ),
      )}
    </Box>
  );
}

export interface PaletteEntry {
  /** What it is, in words: a screen's label, an operation's summary, a key's description. */
  label: string;
  /** Screen, action or operation. */
  kind: string;
  /** Shown dim beside the label and matched too (an operation's id, a key). */
  detail?: string;
  /** Other words that find it (a screen's aliases, a subsystem's description). */
  keywords?: string;
  disabledReason?: string | null;
  run: () => void;
}

const words = (text: string) =>
  text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);

/**
 * How well an entry matches the typed words (lower is better), or null when a word is found
 * nowhere. The first word decides the tier: the label starts with it (typing "replace" finds
 * "Replace a device"), a word of the label starts with it, the id starts with it or one of its
 * parts does, a keyword starts with it, then it is merely inside the text. Within a tier screens
 * come before keys and operations, and what the user may run before what they may not.
 */
export function paletteScore(e: PaletteEntry, query: string): number | null {
  const typed = query.toLowerCase().split(/\s+/).filter(Boolean);
  const label = e.label.toLowerCase();
  const detail = (e.detail ?? '').toLowerCase();
  const all = `${label} ${detail} ${(e.keywords ?? '').toLowerCase()}`;
  if (!typed.every((w) => all.includes(w))) return null;
  const first = typed[0] ?? '';
  let tier = 5;
  if (!first) tier = 0;
  else if (label.startsWith(first)) tier = 0;
  else if (words(label).some((w) => w.startsWith(first))) tier = 1;
  else if (detail.startsWith(first) || words(detail).some((w) => w.startsWith(first))) tier = 2;
  else if (words(e.keywords ?? '').some((w) => w.startsWith(first))) tier = 3;
  else if (label.includes(first)) tier = 4;
  const kind = e.kind === 'screen' ? 0 : e.kind === 'action' ? 1 : 2;
  return (e.disabledReason ? 100 : 0) + tier * 10 + kind;
}

function rank(entries: PaletteEntry[], query: string): { e: PaletteEntry; score: number }[] {
  return entries
    .map((e, i) => ({ e, i, score: paletteScore(e, query) }))
    .filter((x): x is { e: PaletteEntry; i: number; score: number } => x.score !== null)
    .sort((a, b) => a.score - b.score || a.i - b.i);
}

export function Palette({
  entries,
  width,
  height,
  theme,
  onClose,
  initial = '',
}: {
  entries: PaletteEntry[];
  width: number;
  height: number;
  theme: Theme;
  onClose: () => void;
  initial?: string;
}): React.ReactElement {
  const [query, setQuery] = useState(initial);
  const [index, setIndex] = useState(0);
  const scored = rank(entries, query);
  const room = Math.max(1, height - 2);
  const sel = Math.min(index, Math.max(0, scored.length - 1));
  const start = Math.max(0, sel - room + 1);
  const choose = (list: { e: PaletteEntry }[], i: number) => {
    const hit = list[i];
    if (!hit) return;
    onClose();
    hit.e.run();
  };
  useInput((_input, key) => {
    if (key.escape) onClose();
    else if (key.downArrow || key.tab) setIndex((i) => Math.min(scored.length - 1, i + 1));
    else if (key.upArrow) setIndex((i) => Math.max(0, i - 1));
  });
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box>
        <Text bold color={theme.c('cyan')}>
          :
        </Text>
        <TextField
          value={query}
          focus
          onChange={(v) => {
            setQuery(v);
            setIndex(0);
          }}
          onSubmit={(typed) => (typed === query ? choose(scored, sel) : choose(rank(entries, typed), 0))}
        />
      </Box>
      <Text dimColor wrap="truncate">
        Go to a screen or run an action by name. Enter runs the highlighted one, Esc cancels.
      </Text>
      {scored.slice(start, start + room).map(({ e }, i) => (
        <Text
          key={`${e.kind}:${e.label}:${e.detail ?? ''}`}
          wrap="truncate"
          inverse={start + i === sel}
          dimColor={Boolean(e.disabledReason) && start + i !== sel}
        >
          {' '}
          {pad(e.kind, 10)} {e.label}
          {e.detail ? <Text dimColor>{`  ${e.detail}`}</Text> : null}
          {e.disabledReason ? `  (${e.disabledReason})` : ''}
        </Text>
      ))}
      {scored.length === 0 ? <Text dimColor> Nothing matches.</Text> : null}
    </Box>
  );
}
