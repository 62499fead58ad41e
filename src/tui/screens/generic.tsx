/**
 * Subsystems without a dedicated screen: "not in this build" when their service is absent,
 * and a list of their operations (each runnable through a generated form) once it lands.
 */
import React from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import type { AnyContract } from '../../contracts/core.js';
import { useShell } from '../context.js';
import { Table, useTable, type Column } from '../components/Table.js';
import { Notice, Title } from '../components/Panels.js';
import { useBindings } from '../hooks/use-operation.js';
import type { ScreenDef } from './catalogue.js';

export function UnbuiltScreen({ def }: { def: ScreenDef }): React.ReactElement {
  const { theme } = useShell();
  useBindings([]);
  return (
    <Box flexDirection="column" paddingX={1}>
      <Title text={def.label} theme={theme} />
      <Text> </Text>
      <Text wrap="wrap">{def.manages}</Text>
      <Text> </Text>
      <Notice theme={theme}>
        Not in this build: no {def.prefixes.map((p) => `${p}*`).join(' or ')} operations are registered, so there is nothing here to show or change yet. This
        screen lights up when the {def.label} service is installed.
      </Notice>
    </Box>
  );
}

export function OperationsScreen({ def, operations, run }: { def: ScreenDef; operations: AnyContract[]; run: (name: string) => void }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const columns: Column<AnyContract>[] = [
    { key: 'name', title: 'OPERATION', width: 28, render: (o) => o.name },
    { key: 'kind', title: 'KIND', width: 6, render: (o) => (o.dangerous ? 'danger' : o.mutating ? 'change' : 'read') },
    { key: 'summary', title: 'WHAT IT DOES', width: 0, render: (o) => o.summary },
    { key: 'perm', title: 'NEEDS', width: 16, render: (o) => o.permission, minTableWidth: 90, color: (o) => (shell.denial(o.name) ? 'red' : undefined) },
  ];
  const table = useTable(operations, columns, (o) => o.name);
  const selected = table.selected;
  useBindings([
    ...table.bindings({ prompt: shell.prompt, pageSize: height - 6 }),
    ...(selected ? [{ key: 'enter', description: selected.mutating ? 'Run' : 'Show', operation: selected.name, action: () => run(selected.name) }] : []),
  ]);
  return (
    <Box flexDirection="column" paddingX={1}>
      <Title text={def.label} theme={theme} right={`${operations.length} operations`} />
      <Text dimColor wrap="truncate">
        {def.manages} No dedicated screen yet: Enter runs an operation through a form.
      </Text>
      <Table table={table} columns={columns} width={width - 2} height={height - 4} theme={theme} focused={active} />
      <Text dimColor wrap="truncate">
        {selected ? `${selected.name}: ${selected.description ?? selected.summary}` : ''}
      </Text>
    </Box>
  );
}
