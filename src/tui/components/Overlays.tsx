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
        <Text dimColor>{lines.length > room ? `  ${top + 1}-${Math.min(lines.length, top + room)}/${lines.length} (j/k scroll)` : ''}  Esc close</Text>
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
  label: string;
  /** Screen, action or operation. */
  kind: string;
  disabledReason?: string | null;
  run: () => void;
}

/** Entries whose label holds every typed word; screens first, then prefix matches, disabled last. */
function rank(entries: PaletteEntry[], query: string): { e: PaletteEntry; score: number }[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return entries
    .map((e) => {
      const label = e.label.toLowerCase();
      if (!words.every((w) => label.includes(w))) return null;
      const score = (label.startsWith(words[0] ?? '') ? 0 : 1) + (e.kind === 'screen' ? 0 : 2) + (e.disabledReason ? 4 : 0);
      return { e, score };
    })
    .filter((x): x is { e: PaletteEntry; score: number } => x !== null)
    .sort((a, b) => a.score - b.score);
}

export function Palette({ entries, width, height, theme, onClose, initial = '' }: { entries: PaletteEntry[]; width: number; height: number; theme: Theme; onClose: () => void; initial?: string }): React.ReactElement {
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
        <Text bold color={theme.c('cyan')}>:</Text>
        <TextField value={query} focus onChange={(v) => { setQuery(v); setIndex(0); }} onSubmit={(typed) => (typed === query ? choose(scored, sel) : choose(rank(entries, typed), 0))} />
      </Box>
      <Text dimColor wrap="truncate">
        Go to a screen or run an action by name. Enter runs the highlighted one, Esc cancels.
      </Text>
      {scored.slice(start, start + room).map(({ e }, i) => (
        <Text key={`${e.kind}:${e.label}`} wrap="truncate" inverse={start + i === sel} dimColor={Boolean(e.disabledReason) && start + i !== sel}>
          {' '}
          {pad(e.kind, 10)} {e.label}
          {e.disabledReason ? `  (${e.disabledReason})` : ''}
        </Text>
      ))}
      {scored.length === 0 ? <Text dimColor> Nothing matches.</Text> : null}
    </Box>
  );
}
