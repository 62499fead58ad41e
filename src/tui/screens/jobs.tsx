/** Jobs: running and recent long operations, with progress bars and logs. */
import React from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import type { Job } from '../../contracts/jobs.js';
import { useShell } from '../context.js';
import { Table, useTable, type Column } from '../components/Table.js';
import { Notice, Title } from '../components/Panels.js';
import { useBindings, useQuery } from '../hooks/use-operation.js';
import { ago, bar, dateTimeSeconds } from '../format.js';
import { healthColor } from '../theme.js';

export function JobsScreen(): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('jobs.list', { limit: 500 }, { refreshOn: ['job'] });
  const columns: Column<Job>[] = [
    { key: 'id', title: 'ID', width: 5, align: 'right', render: (j) => String(j.id), sortValue: (j) => j.id },
    { key: 'state', title: 'STATE', width: 11, render: (j) => j.state, color: (j) => healthColor(j.state) },
    {
      key: 'progress',
      title: 'PROGRESS',
      width: 15,
      render: (j) => `${bar(theme, j.progress, 10)}${String(j.progress).padStart(4)}%`,
      sortValue: (j) => j.progress,
    },
    { key: 'description', title: 'DESCRIPTION', width: 0, render: (j) => j.description },
    { key: 'owner', title: 'OWNER', width: 8, render: (j) => j.owner, minTableWidth: 84 },
    { key: 'created', title: 'STARTED', width: 16, render: (j) => ago(j.createdAt), sortValue: (j) => j.createdAt, minTableWidth: 90 },
  ];
  const table = useTable(q.data?.items ?? [], columns, (j) => String(j.id));
  const j = table.selected;
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    ...(j
      ? [
          {
            key: 'enter',
            description: 'Log',
            operation: 'jobs.get',
            action: () => {
              void shell.call('jobs.get', { id: j.id }).then(
                (full) =>
                  shell.showText(`Job #${full.id}: ${full.description}`, [
                    `state     ${full.state} ${full.progress}%${full.progressText ? ` (${full.progressText})` : ''}`,
                    `owner     ${full.owner}${full.target ? `, target ${full.target}` : ''}`,
                    `started   ${dateTimeSeconds(full.createdAt)}${full.finishedAt ? `, ended ${dateTimeSeconds(full.finishedAt)}` : ''}`,
                    ...(full.error ? [`error     ${full.error}`] : []),
                    '',
                    'log:',
                    ...(full.log.length ? full.log.map((l) => `${dateTimeSeconds(l.at)}  ${l.line}`) : ['(no log lines)']),
                  ]),
                (err) => shell.toast((err as Error).message, 'error'),
              );
            },
          },
          {
            key: 'x',
            description: 'Cancel job',
            operation: 'jobs.cancel',
            disabledReason: j.state !== 'running' ? 'the job is not running' : !j.cancellable ? 'this job cannot be cancelled' : undefined,
            action: () => void shell.act('jobs.cancel', { id: j.id }, { success: () => `Cancelled job #${j.id}` }),
          },
        ]
      : []),
    { key: 'r', description: 'Refresh', action: q.reload },
  ]);
  const running = (q.data?.items ?? []).filter((x) => x.state === 'running').length;
  return (
    <Box flexDirection="column" paddingX={1}>
      <Title text="Jobs" theme={theme} right={q.data ? `${running} running, ${q.data.total} in all` : ''} />
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
          emptyText={q.loading ? 'Loading...' : 'No jobs yet. Scrubs, pool creation, replication and backups run as jobs.'}
        />
      )}
      <Text dimColor wrap="truncate">
        {j ? (j.error ? `error: ${j.error}` : (j.progressText ?? j.type)) : ' '}
      </Text>
    </Box>
  );
}
