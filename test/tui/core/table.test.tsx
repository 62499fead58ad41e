/** The list component: virtual scrolling keeps 10,000 rows cheap; filter and sort. */
import React from 'react';
import { expect, test } from '@jest/globals';
import { render } from 'ink-testing-library';
import { Text, useInput } from 'ink';
import { Table, useTable, type Column } from '../../../src/tui/components/Table.js';
import { makeTheme } from '../../../src/tui/theme.js';
import { buildInput, type Field } from '../../../src/tui/schema-fields.js';

interface Row {
  id: number;
  name: string;
}
const makeRows = (n: number): Row[] => Array.from({ length: n }, (_, i) => ({ id: i + 1, name: `dataset-${String(i + 1).padStart(5, '0')}` }));

/** The table's columns, counting every cell they render: the work of drawing, independent of the clock. */
function countingColumns(): { columns: Column<Row>[]; cells: () => number } {
  let cells = 0;
  return {
    cells: () => cells,
    columns: [
      { key: 'id', title: 'ID', width: 6, align: 'right', render: (r) => (cells++, String(r.id)), sortValue: (r) => r.id },
      { key: 'name', title: 'NAME', width: 0, render: (r) => (cells++, r.name) },
    ],
  };
}

function Harness({ rows, columns }: { rows: Row[]; columns: Column<Row>[] }): React.ReactElement {
  const table = useTable(rows, columns, (r) => String(r.id));
  const keys = table.bindings({ prompt: () => undefined, pageSize: 10 });
  useInput((input, key) => {
    const name = key.downArrow ? 'down' : key.pageDown ? 'pagedown' : input;
    if (name === 'f') return table.setFilter('09999');
    keys.find((b) => b.key === name || b.aliases?.includes(name))?.action();
  });
  return (
    <>
      <Table table={table} columns={columns} width={60} height={12} theme={makeTheme({ NO_COLOR: '1' })} focused />
      <Text>
        selected {table.selected?.name ?? 'none'} of {table.view.length}
      </Text>
    </>
  );
}

const wait = async (get: () => string | undefined, text: string) => {
  const deadline = Date.now() + 5000;
  while (!(get() ?? '').includes(text)) {
    if (Date.now() > deadline) throw new Error(`no "${text}" in:\n${get()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** Cells drawn for the first frame and for jumping to the last row (G), with `n` rows. */
async function cellsDrawn(n: number): Promise<{ first: number; jump: number; lines: number }> {
  const { columns, cells } = countingColumns();
  const r = render(<Harness rows={makeRows(n)} columns={columns} />);
  await wait(r.lastFrame, `selected dataset-00001 of ${n}`);
  const first = cells();
  const lines = r.lastFrame()!.split('\n').length;
  r.stdin.write('G');
  await wait(r.lastFrame, `selected dataset-${String(n).padStart(5, '0')}`);
  expect(r.lastFrame()).toContain(`${n}/${n}`);
  const jump = cells() - first;
  r.unmount();
  return { first, jump, lines };
}

test('10,000 rows: only the visible rows are drawn, so the first frame and jumping to the end cost what they cost at 100 rows', async () => {
  const small = await cellsDrawn(100);
  const large = await cellsDrawn(10_000);
  expect(large.lines).toBeLessThanOrEqual(13);
  // Work counted, not time: the cells rendered do not grow with the rows. Today one render of the
  // ten visible rows (20 cells) each time; the bound allows a second render of a 12-line table.
  expect(small.first).toBeGreaterThan(0);
  expect(small.jump).toBeGreaterThan(0);
  expect(large).toEqual(small);
  expect(large.jump).toBeLessThanOrEqual(2 * 2 * 12);
});

test('10,000 rows: sort and filter', async () => {
  const { columns } = countingColumns();
  const r = render(<Harness rows={makeRows(10_000)} columns={columns} />);
  await wait(r.lastFrame, 'selected dataset-00001 of 10000');
  r.stdin.write('o');
  r.stdin.write('o');
  await wait(r.lastFrame, 'IDv');
  expect(r.lastFrame()).toContain('dataset-10000');
  r.stdin.write('f');
  await wait(r.lastFrame, 'of 1');
  expect(r.lastFrame()).toContain('dataset-09999');
  r.unmount();
});

test('form values become the operation input: empty is omitted, lists split, nested paths nest', () => {
  const fields: Field[] = [
    { path: 'name', label: 'name', description: '', kind: 'text', required: true },
    { path: 'properties.quota', label: 'quota', description: '', kind: 'text', required: false },
    { path: 'roles', label: 'roles', description: '', kind: 'list', required: false },
    { path: 'enabled', label: 'enabled', description: '', kind: 'boolean', required: false },
    { path: 'limit', label: 'limit', description: '', kind: 'number', required: false },
  ];
  expect(buildInput(fields, { name: 'tank/a', 'properties.quota': '10G', roles: 'Admin, ReadOnly', enabled: 'false', limit: '' }, { fixed: 1 })).toEqual({
    name: 'tank/a',
    properties: { quota: '10G' },
    roles: ['Admin', 'ReadOnly'],
    enabled: false,
    fixed: 1,
  });
});
