/** The frame around the working area: header, menu, status line and key hints. */
import React from 'react';
import { Box } from 'ink';
import { Text } from './Text.js';
import { clock, pad, truncate } from '../format.js';
import { displayKey, type KeyBinding } from '../keys.js';
import { safeText } from '../safe-text.js';
import { wrapText } from './wrap.js';
import type { Theme } from '../theme.js';

export interface HeaderProps {
  width: number;
  theme: Theme;
  hostname: string;
  simulated: boolean;
  user: string;
  roles: string[];
  /** Open alerts, or null when alerting is not in this build. */
  alerts: number | null;
  now: Date;
}

export function Header({ width, theme, hostname, simulated, user, roles, alerts, now }: HeaderProps): React.ReactElement {
  const right = ` ${clock(now)} `;
  const alertText = alerts === null ? 'alerts n/a' : `${alerts} alert${alerts === 1 ? '' : 's'}`;
  const userText = `${user} (${roles.join(',') || 'no role'})`;
  const badge = simulated ? ' SIMULATED ' : '';
  const fixed = 9 + badge.length + 2 + alertText.length + 2 + right.length + 2;
  const room = Math.max(8, width - fixed);
  const hostRoom = Math.max(4, Math.floor(room / 2));
  const host = truncate(hostname, hostRoom);
  const userShown = truncate(userText, Math.max(4, room - host.length - 1));
  const used = 9 + host.length + 1 + badge.length + 2 + userShown.length + 2 + alertText.length + right.length;
  const gap = Math.max(1, width - used);
  return (
    <Text wrap="truncate" inverse={!theme.color} backgroundColor={theme.c('blue')} color={theme.c('white')}>
      <Text bold> Calypso </Text>
      {host}{' '}
      {simulated ? (
        <Text bold backgroundColor={theme.c('yellow')} color={theme.c('black')}>
          {badge}
        </Text>
      ) : null}
      {'  '}
      {userShown}
      {'  '}
      <Text bold={Boolean(alerts)} color={alerts ? theme.c('redBright') : undefined}>
        {alertText}
      </Text>
      {' '.repeat(gap)}
      {right}
    </Text>
  );
}

export interface MenuItem {
  id: string;
  label: string;
  built: boolean;
}

export function Menu({
  items,
  current,
  highlighted,
  focused,
  width,
  height,
  theme,
}: {
  items: MenuItem[];
  current: string;
  highlighted: number;
  focused: boolean;
  width: number;
  height: number;
  theme: Theme;
}): React.ReactElement {
  const start = Math.max(0, Math.min(highlighted - height + 1, items.length - height));
  return (
    <Box flexDirection="column" width={width} height={height}>
      {items.slice(start, start + height).map((item, i) => {
        const at = start + i;
        const isHighlighted = at === highlighted;
        const isCurrent = item.id === current;
        return (
          <Text
            key={item.id}
            wrap="truncate"
            inverse={isHighlighted && focused}
            bold={isCurrent}
            dimColor={!item.built && !(isHighlighted && focused)}
            color={isCurrent && !focused ? theme.c('cyan') : undefined}
          >
            {isCurrent ? theme.pointer : ' '}
            {pad(item.label, width - 2)}
            {item.built ? ' ' : theme.glyphs === 'ascii' ? '-' : '·'}
          </Text>
        );
      })}
    </Box>
  );
}

/**
 * The hints that fit in `width`: bindings are kept by priority (then in their order), so
 * `? Help` and `q Quit` stay at 80 columns while a screen's less important keys go first;
 * what is kept is shown in the bindings' order.
 */
export function fitHints(bindings: KeyBinding[], width: number, ascii: boolean): KeyBinding[] {
  const shown = bindings.filter((b) => b.hint !== false);
  const cost = (b: KeyBinding) => `${displayKey(b.key, ascii)} ${b.description}`.length + 2;
  const order = shown.map((b, i) => ({ b, i })).sort((x, y) => (y.b.priority ?? 0) - (x.b.priority ?? 0) || x.i - y.i);
  const kept = new Set<number>();
  let used = 0;
  for (const { b, i } of order) {
    const c = cost(b);
    // The last hint needs no trailing gap.
    if (used + c - 2 > width) continue;
    used += c;
    kept.add(i);
  }
  return shown.filter((_, i) => kept.has(i));
}

export function KeyHints({ bindings, width, theme }: { bindings: KeyBinding[]; width: number; theme: Theme }): React.ReactElement {
  const ascii = theme.glyphs === 'ascii';
  const kept = fitHints(bindings, width, ascii);
  return (
    <Text wrap="truncate">
      {kept.map((b, n) => (
        <Text key={`${b.key}-${b.description}`} dimColor={Boolean(b.disabledReason)} strikethrough={Boolean(b.disabledReason) && !theme.color}>
          <Text bold inverse={!b.disabledReason} color={b.disabledReason ? undefined : theme.c('cyan')}>
            {displayKey(b.key, ascii)}
          </Text>{' '}
          {b.description}
          {n < kept.length - 1 ? '  ' : ''}
        </Text>
      ))}
    </Text>
  );
}

export interface StatusProps {
  width: number;
  theme: Theme;
  message: { text: string; kind: 'info' | 'error' } | null;
  busy: boolean;
  jobs: { id: number; description: string; progress: number; progressText: string | null }[];
  api: string;
  apiOk: boolean;
}

/** Most rows a status message takes; a longer one says how many lines are left out rather than being cut silently. */
export const MAX_STATUS_ROWS = 4;

/** The lines of a status message too long for the one status line: wrapped to the full width, the API address dropped. */
export function statusMessageLines(width: number, text: string): string[] {
  const lines = wrapText(safeText(text), Math.max(10, width - 1));
  if (lines.length <= MAX_STATUS_ROWS) return lines;
  const kept = lines.slice(0, MAX_STATUS_ROWS);
  const more = ` ... (${lines.length - MAX_STATUS_ROWS} more lines)`;
  kept[MAX_STATUS_ROWS - 1] = `${truncate(kept[MAX_STATUS_ROWS - 1], Math.max(10, width - 1) - more.length)}${more}`;
  return kept;
}

/** Whether a message fits on the status line beside the API address. */
function fitsBeside(width: number, text: string): boolean {
  return text.length + 2 + Math.max(10, Math.floor(width / 3)) <= width;
}

/** How many rows the status line needs for this message (the shell gives the rest to the screen). */
export function statusRows(width: number, message: { text: string } | null): number {
  if (!message) return 1;
  return fitsBeside(width, message.text) ? 1 : statusMessageLines(width, message.text).length;
}

export function StatusLine({ width, theme, message, busy, jobs, api, apiOk }: StatusProps): React.ReactElement {
  const right = truncate(api, Math.max(10, Math.floor(width / 3)));
  const leftWidth = Math.max(0, width - right.length - 2);
  let left: React.ReactElement;
  const wrapped = message && !fitsBeside(width, message.text) ? statusMessageLines(width, message.text) : null;
  if (message && wrapped && wrapped.length > 1) {
    // A long message wraps over the width it needs: it is what the user must read now.
    return (
      <Box flexDirection="column" width={width}>
        {wrapped.map((l, i) => (
          <Text key={i} wrap="truncate" color={theme.c(message.kind === 'error' ? 'red' : 'green')} bold={message.kind === 'error'}>
            {l}
          </Text>
        ))}
      </Box>
    );
  }
  if (message) {
    left = (
      <Text color={theme.c(message.kind === 'error' ? 'red' : 'green')} bold={message.kind === 'error'}>
        {pad(message.text, leftWidth)}
      </Text>
    );
  } else if (jobs.length) {
    const j = jobs[0];
    const barWidth = Math.min(20, Math.max(5, Math.floor(leftWidth / 4)));
    const full = Math.round((j.progress / 100) * barWidth);
    const label = `#${j.id} ${j.description}${j.progressText ? `: ${j.progressText}` : ''}${jobs.length > 1 ? ` (+${jobs.length - 1} more)` : ''}`;
    left = (
      <Text>
        <Text color={theme.c('cyan')}>{theme.barFull.repeat(full)}</Text>
        <Text dimColor>{theme.barEmpty.repeat(barWidth - full)}</Text>
        {pad(` ${String(j.progress).padStart(3)}% ${label}`, leftWidth - barWidth)}
      </Text>
    );
  } else {
    left = <Text dimColor>{pad(busy ? 'working...' : 'ready', leftWidth)}</Text>;
  }
  return (
    <Text wrap="truncate">
      {left}
      {'  '}
      <Text color={apiOk ? undefined : theme.c('red')} dimColor={apiOk}>
        {right}
      </Text>
    </Text>
  );
}
