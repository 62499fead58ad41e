/** Audit: who did what, from which face, with what result; filterable. */
import React from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import type { AuditEntry } from '../../contracts/iam.js';
import { useShell } from '../context.js';
import { Table, useTable, type Column } from '../components/Table.js';
import { Notice, Title } from '../components/Panels.js';
import { useBindings, useQuery } from '../hooks/use-operation.js';
import { ago, dateTimeSeconds } from '../format.js';

const LIMIT = 2000;

export function AuditScreen(): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('audit.list', { limit: LIMIT }, { refreshOn: ['audit'] });
  const columns: Column<AuditEntry>[] = [
    { key: 'at', title: 'WHEN', width: 16, render: (e) => ago(e.at), sortValue: (e) => e.id },
    { key: 'actor', title: 'WHO', width: 10, render: (e) => e.actor },
    { key: 'face', title: 'FACE', width: 7, render: (e) => e.face, minTableWidth: 80 },
    { key: 'operation', title: 'OPERATION', width: 0, render: (e) => e.operation },
    { key: 'target', title: 'TARGET', width: 14, render: (e) => e.target ?? '', minTableWidth: 72 },
    // attempted: the change started and no outcome was recorded (still running, or the process stopped).
    {
      key: 'result',
      title: 'RESULT',
      width: 9,
      render: (e) => e.result,
      color: (e) => (e.result === 'ok' ? 'green' : e.result === 'error' ? 'red' : e.result === 'attempted' ? 'magenta' : 'yellow'),
    },
  ];
  const table = useTable(q.data?.items ?? [], columns, (e) => String(e.id));
  const e = table.selected;
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    ...(e
      ? [
          {
            key: 'enter',
            description: 'Details',
            action: () =>
              shell.showText(`Audit entry ${e.id}`, [
                `time       ${dateTimeSeconds(e.at)} (${e.at})`,
                `who        ${e.actor} via ${e.face}${e.address ? ` from ${e.address}` : ''}`,
                `operation  ${e.operation}`,
                `target     ${e.target ?? '-'}`,
                `result     ${e.result === 'attempted' ? 'attempted (no outcome recorded: still running, or the process stopped before it answered)' : e.result}${e.error ? `: ${e.error}` : ''}`,
                '',
                'input (secrets redacted):',
                ...JSON.stringify(e.input, null, 2).split('\n'),
              ]),
          },
        ]
      : []),
    { key: 'r', description: 'Refresh', action: q.reload },
  ]);
  const total = q.data?.total ?? 0;
  return (
    <Box flexDirection="column" paddingX={1}>
      <Title
        text="Audit log"
        theme={theme}
        right={
          q.data
            ? `${total} entries${total > LIMIT ? `, newest ${LIMIT} shown` : ''}${table.filter ? `, ${table.view.length} match "${table.filter}"` : ''}`
            : ''
        }
      />
      {q.error && !q.data ? (
        <Notice theme={theme} kind="error">
          {q.error}
        </Notice>
      ) : (
        <Table
          table={table}
          columns={columns}
          width={width - 2}
          height={height - 3}
          theme={theme}
          focused={active}
          emptyText={q.loading ? 'Loading...' : 'No entries.'}
        />
      )}
      <Text dimColor wrap="truncate">
        {e?.error ? `error: ${e.error}` : e ? `${e.operation} ${e.target ?? ''}` : ' '}
      </Text>
    </Box>
  );
}
