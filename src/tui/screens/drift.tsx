/** How a live configuration file differs from what Calypso would write (shares and iSCSI). */
import React from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import type { Drift } from '../../contracts/drift.js';
import type { OperationName } from '../../contracts/index.js';
import type { Theme } from '../theme.js';
import type { ShellApi } from '../context.js';

/** The repair operations of the drift pairs (`<subsystem>.drift.resolve`). */
type DriftRepair = Extract<OperationName, `${string}.drift.resolve`>;

/** One line of the verdict: in sync, missing, or how many lines differ. */
export function driftVerdict(d: Drift): string {
  if (d.inSync) return 'in sync';
  if (d.missing) return `${d.file ?? 'the live configuration'} does not exist`;
  return `${d.changes.length} line${d.changes.length === 1 ? '' : 's'} differ`;
}

/** "- line" is what Calypso would write, "+ line" what is live. */
export function driftLineColor(line: string): string | undefined {
  return line.startsWith('-') ? 'red' : line.startsWith('+') ? 'green' : undefined;
}

/**
 * The confirmation form of a drift repair (the `<subsystem>.drift.resolve` operations); the status
 * line then says what was adopted or overwritten, and what adopting dropped.
 */
export function openDriftRepair(
  shell: ShellApi,
  spec: { operation: DriftRepair; action: 'adopt' | 'overwrite'; file: string; title: string; onDone: () => void },
): void {
  shell.openForm({
    title: spec.title,
    operation: spec.operation,
    fixed: { action: spec.action },
    fields: [],
    submitLabel: spec.action === 'adopt' ? 'Adopt' : 'Overwrite',
    success: (r) => {
      const ignored = r.ignored;
      return `${spec.file}: ${spec.action === 'adopt' ? 'adopted' : 'overwritten'}${ignored.length ? `; not managed by Calypso and dropped: ${ignored.join(', ')}` : ''}`;
    },
    onDone: spec.onDone,
  });
}

export function DriftPanel({
  title,
  drift,
  error,
  rows,
  theme,
}: {
  title: string;
  drift: Drift | undefined;
  error: string | null;
  rows: number;
  theme: Theme;
}): React.ReactElement {
  const changes = drift?.changes ?? [];
  const room = Math.max(0, rows - 2);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        {title}
        {drift ? <Text color={theme.c(drift.inSync ? 'green' : 'yellow')}>{`  ${driftVerdict(drift)}`}</Text> : null}
        {drift?.file ? <Text dimColor>{`  ${drift.file}`}</Text> : null}
      </Text>
      {error && !drift ? (
        <Text color={theme.c('red')} wrap="truncate">
          {error}
        </Text>
      ) : null}
      {changes.slice(0, room).map((l, i) => (
        <Text key={i} wrap="truncate" color={theme.c(driftLineColor(l) ?? '')}>
          {l || ' '}
        </Text>
      ))}
      {changes.length > room ? <Text dimColor>{`... ${changes.length - room} more lines (Enter shows all)`}</Text> : null}
      {drift && !drift.inSync && changes.length ? (
        <Text dimColor wrap="truncate">
          - what Calypso would write, + what is live
        </Text>
      ) : null}
    </Box>
  );
}
