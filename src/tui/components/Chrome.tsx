/** The frame around the working area: header, menu, status line and key hints. */
import React from 'react';
import { Box } from 'ink';
import { Text } from './Text.js';
import { clock, pad, truncate } from '../format.js';
import { displayKey, type KeyBinding } from '../keys.js';
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

export function Menu({ items, current, highlighted, focused, width, height, theme }: { items: MenuItem[]; current: string; highlighted: number; focused: boolean; width: number; height: number; theme: Theme }): React.ReactElement {
  const start = Math.max(0, Math.min(highlighted - height + 1, items.length - height));
  return (
    <Box flexDirection="column" width={width} height={height}>
      {items.slice(start, start + height).map((item, i) => {
        const at = start + i;
        const isHighlighted = at === highlighted;
        const isCurrent = item.id === current;
        return (
          <Text key={item.id} wrap="truncate" inverse={isHighlighted && focused} bold={isCurrent} dimColor={!item.built && !(isHighlighted && focused)} color={isCurrent && !focused ? theme.c('cyan') : undefined}>
            {isCurrent ? theme.pointer : ' '}
            {pad(item.label, width - 2)}
            {item.built ? ' ' : theme.glyphs === 'ascii' ? '-' : '·'}
          </Text>
        );
      })}
    </Box>
  );
}

export function KeyHints({ bindings, width, theme }: { bindings: KeyBinding[]; width: number; theme: Theme }): React.ReactElement {
  const ascii = theme.glyphs === 'ascii';
  const parts: React.ReactElement[] = [];
  let used = 0;
  for (const b of bindings) {
    if (b.hint === false) continue;
    const k = displayKey(b.key, ascii);
    const text = `${k} ${b.description}`;
    if (used + text.length + 2 > width) break;
    used += text.length + 2;
    parts.push(
      <Text key={`${b.key}-${b.description}`} dimColor={Boolean(b.disabledReason)} strikethrough={Boolean(b.disabledReason) && !theme.color}>
        <Text bold inverse={!b.disabledReason} color={b.disabledReason ? undefined : theme.c('cyan')}>
          {k}
        </Text>{' '}
        {b.description}
        {'  '}
      </Text>,
    );
  }
  return <Text wrap="truncate">{parts}</Text>;
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

export function StatusLine({ width, theme, message, busy, jobs, api, apiOk }: StatusProps): React.ReactElement {
  const right = truncate(api, Math.max(10, Math.floor(width / 3)));
  const leftWidth = Math.max(0, width - right.length - 2);
  let left: React.ReactElement;
  if (message) {
    left = <Text color={theme.c(message.kind === 'error' ? 'red' : 'green')} bold={message.kind === 'error'}>{pad(message.text, leftWidth)}</Text>;
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
