/** Small building blocks of screens: tabs, titled sections, key/value lists, bars. */
import React from 'react';
import { Box } from 'ink';
import { Text } from './Text.js';
import { bar, levelColor, pad, percent } from '../format.js';
import type { KeyBinding } from '../keys.js';
import type { Theme } from '../theme.js';

/**
 * The tab bar. Given the width it has, tabs that would not fit are drawn closer together, and
 * if that is still too wide the other tabs' labels are cut to the longest length that fits
 * ("6 Net"), down to their number alone (the current one keeps its whole label), so the last
 * tab's key is never cut off and each tab still says what it is where there is room.
 */
export function Tabs({
  tabs,
  current,
  theme,
  width,
}: {
  tabs: { id: string; label: string }[];
  current: string;
  theme: Theme;
  width?: number;
}): React.ReactElement {
  const full = tabs.reduce((n, t, i) => n + ` ${i + 1} ${t.label} `.length + 1, 0);
  const cut = (t: { id: string; label: string }, i: number, keep: number) => {
    const label = t.id === current ? t.label : t.label.slice(0, keep);
    return label ? `${i + 1} ${label}` : `${i + 1}`;
  };
  const widthAt = (keep: number) => tabs.reduce((n, t, i) => n + cut(t, i, keep).length + 1, 0);
  let keep = Math.max(0, ...tabs.map((t) => t.label.length));
  if (width !== undefined) while (keep > 0 && widthAt(keep) > width) keep--;
  const text = (t: { id: string; label: string }, i: number) => (width === undefined || full <= width ? ` ${i + 1} ${t.label} ` : cut(t, i, keep));
  return (
    <Text wrap="truncate">
      {tabs.map((t, i) => (
        <Text key={t.id}>
          <Text inverse={t.id === current} bold={t.id === current} color={t.id === current ? theme.c('cyan') : undefined}>
            {text(t, i)}
          </Text>{' '}
        </Text>
      ))}
    </Text>
  );
}

export function Title({ text, theme, right }: { text: string; theme: Theme; right?: string }): React.ReactElement {
  return (
    <Text bold color={theme.c('cyan')} wrap="truncate">
      {text}
      {right ? <Text dimColor>{`  ${right}`}</Text> : null}
    </Text>
  );
}

export function KeyValues({ rows, keyWidth = 16 }: { rows: [string, React.ReactNode][]; keyWidth?: number }): React.ReactElement {
  return (
    <Box flexDirection="column">
      {rows.map(([k, v]) => (
        <Text key={k} wrap="truncate">
          <Text dimColor>{pad(k, keyWidth)}</Text> {v}
        </Text>
      ))}
    </Box>
  );
}

/** A fill bar with its percentage, coloured by level. */
export function LevelBar({ pct, width, theme }: { pct: number | null | undefined; width: number; theme: Theme }): React.ReactElement {
  return (
    <Text>
      <Text color={theme.c(levelColor(pct))}>{bar(theme, pct, width)}</Text> {percent(pct).padStart(4)}
    </Text>
  );
}

/** Where a screen says why it has nothing to show. */
export function Notice({ children, theme, kind = 'info' }: { children: React.ReactNode; theme: Theme; kind?: 'info' | 'error' }): React.ReactElement {
  return (
    <Text color={kind === 'error' ? theme.c('red') : undefined} dimColor={kind === 'info'} wrap="wrap">
      {children}
    </Text>
  );
}

/**
 * What a screen shows when its list could not be read at all: the reason, or null once there is
 * data (a failed reload keeps the last rows on screen). `if (q.error && !q.data) return ...` in one place.
 */
export function readFailure(q: { error: string | null; data: unknown }, theme: Theme): React.ReactElement | null {
  return q.error && !q.data ? (
    <Notice theme={theme} kind="error">
      {q.error}
    </Notice>
  ) : null;
}

/** Keys of a tabbed screen: 1..n jump to a tab, ] and [ step through them. */
export function tabBindings<T extends string>(tabs: readonly { id: T; label: string }[], current: T, select: (id: T) => void): KeyBinding[] {
  const i = Math.max(
    0,
    tabs.findIndex((t) => t.id === current),
  );
  return [
    ...tabs.map((t, n) => ({ key: String(n + 1), description: `${t.label} tab`, hint: false, action: () => select(t.id) })),
    { key: ']', description: 'Next tab', hint: false, action: () => select(tabs[(i + 1) % tabs.length].id) },
    { key: '[', description: 'Previous tab', hint: false, action: () => select(tabs[(i + tabs.length - 1) % tabs.length].id) },
  ];
}
