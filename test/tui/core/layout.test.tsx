/**
 * Layouts that fit (issue 17): confirmations and status messages wrap and never cut off what will
 * be destroyed, the key bar keeps `? Help` and `q Quit` at 80 columns, a table's position never
 * overwrites a column header, and the live charts' axes, titles and series fit an 80x24 terminal.
 */
import React from 'react';
import { expect, jest, test } from '@jest/globals';
import { render } from 'ink-testing-library';
import { ConfirmDialog, confirmDetailWindow } from '../../../src/tui/components/Dialogs.js';
import { KeyHints, StatusLine, fitHints, statusMessageLines, statusRows } from '../../../src/tui/components/Chrome.js';
import { Table, useTable, type Column } from '../../../src/tui/components/Table.js';
import { wrapText } from '../../../src/tui/components/wrap.js';
import { chartTitle, networkSeries, yAxis } from '../../../src/tui/charts.js';
import type { Series } from '../../../src/tui/metrics.js';
import type { KeyBinding } from '../../../src/tui/keys.js';
import { makeTheme } from '../../../src/tui/theme.js';

const theme = makeTheme({ NO_COLOR: '1' });
const tick = () => new Promise((r) => setTimeout(r, 20));
async function waitFrame(r: { lastFrame: () => string | undefined }, test: (f: string) => boolean): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const f = r.lastFrame() ?? '';
    if (test(f)) return f;
    await tick();
  }
  throw new Error(`frame never matched:\n${r.lastFrame()}`);
}

test('a rollback confirmation shows every later snapshot, wrapped; a long list scrolls and says how many more', async () => {
  const names = Array.from({ length: 40 }, (_, i) => `daily-2024-05-${String(i + 1).padStart(2, '0')}-0300`);
  const detail = `The ${names.length} later snapshots are destroyed too: ${names.join(', ')}`;
  const run = jest.fn(async () => ({}));
  const r = render(
    <ConfirmDialog
      target="tank/data@daily-2024-04-30"
      verb="roll back to"
      title="Roll back: tank/data@daily-2024-04-30"
      details={[detail]}
      width={58}
      height={20}
      theme={theme}
      run={run}
      onDone={() => undefined}
      onCancel={() => undefined}
    />,
  );
  const frame = await waitFrame(r, (f) => f.includes('more line'));
  const seen = new Set<string>();
  const collect = (f: string) => {
    for (const n of names) if (f.includes(n)) seen.add(n);
  };
  collect(frame);
  // Nothing cut: no name is split with "~" and no line is wider than the dialog.
  expect(frame).not.toMatch(/daily-[0-9-]*~/);
  for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(58);
  for (let i = 0; i < 40 && seen.size < names.length; i++) {
    r.stdin.write('\x1b[B');
    await waitFrame(r, () => true);
    await tick();
    collect(r.lastFrame() ?? '');
  }
  expect(seen.size).toBe(names.length);
  expect(run).not.toHaveBeenCalled();
  r.unmount();
});

test('a short confirmation shows its details whole, with no scroll line', () => {
  const lines = wrapText('The 2 later snapshots are destroyed too: daily-2024-05-01-0300, daily-2024-05-02-0300', 40);
  expect(lines.join(' ')).toContain('daily-2024-05-01-0300, daily-2024-05-02-0300');
  for (const l of lines) expect(l.length).toBeLessThanOrEqual(40);
  expect(confirmDetailWindow(lines, 10, 0, true).more).toBeNull();
  const long = confirmDetailWindow(
    Array.from({ length: 30 }, (_, i) => `line ${i}`),
    10,
    0,
    true,
  );
  expect(long.shown).toHaveLength(9);
  expect(long.more).toContain('and 21 more lines');
});

test('a long status message wraps over the full width, every word kept', () => {
  const text =
    'Pool tank could not be created: device /dev/disk/by-id/ata-WDC_WD40EFRX-68N32N0_WD-WCC7K0123456 is part of exported pool backup; import or label it first, then try again';
  expect(statusRows(80, { text })).toBeGreaterThan(1);
  expect(statusRows(80, { text: 'Deleted share media' })).toBe(1);
  const lines = statusMessageLines(80, text);
  for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
  expect(lines.join(' ')).toBe(text);
  const r = render(<StatusLine width={80} theme={theme} message={{ text, kind: 'error' }} busy={false} jobs={[]} api="API http://127.0.0.1:8080" apiOk />);
  const frame = r.lastFrame() ?? '';
  expect(frame.replace(/\s+/g, ' ')).toContain('WD-WCC7K0123456 is part of exported pool backup; import or label it first, then try again');
  r.unmount();
});

test("at 80 columns the key bar keeps ? Help and q Quit, dropping a screen's less important hints first", () => {
  const screen: KeyBinding[] = [
    'Create dataset',
    'Destroy dataset',
    'Set properties',
    'Take snapshot',
    'Scrub pool',
    'Replace disk',
    'Export pool',
    'Filter',
  ].map((d, i) => ({ key: 'cdpsSrex/'[i], description: d, action: () => undefined }));
  const global: KeyBinding[] = [
    { key: '?', description: 'Help', priority: 100, action: () => undefined },
    { key: ':', description: 'Go to', priority: 50, action: () => undefined },
    { key: 'q', description: 'Quit', priority: 100, action: () => undefined },
  ];
  const kept = fitHints([...screen, ...global], 80, false);
  expect(kept.map((b) => b.description)).toEqual(expect.arrayContaining(['Help', 'Quit', 'Go to', 'Create dataset']));
  expect(kept.length).toBeLessThan(screen.length + global.length);
  const r = render(<KeyHints bindings={[...screen, ...global]} width={80} theme={theme} />);
  const frame = r.lastFrame() ?? '';
  expect(frame).toContain('? Help');
  expect(frame).toContain('q Quit');
  expect(frame.length).toBeLessThanOrEqual(80);
  r.unmount();
  // Even at 40 columns the two stay.
  expect(fitHints([...screen, ...global], 40, false).map((b) => b.key)).toEqual(expect.arrayContaining(['?', 'q']));
});

interface Row {
  name: string;
  quota: string;
}
const rows: Row[] = Array.from({ length: 309 }, (_, i) => ({ name: `tank/home/user${String(i).padStart(3, '0')}`, quota: '10 GiB' }));
const columns: Column<Row>[] = [
  { key: 'name', title: 'NAME', width: 0, render: (r) => r.name },
  { key: 'quota', title: 'QUOTA', width: 8, align: 'right', render: (r) => r.quota },
];
function TableHarness({ width }: { width: number }): React.ReactElement {
  const table = useTable(rows, columns, (r) => r.name);
  return <Table table={table} columns={columns} width={width} height={12} theme={theme} focused />;
}

test('a long table shows its position in a footer: the header keeps every column title', () => {
  for (const width of [40, 58, 80]) {
    const r = render(<TableHarness width={width} />);
    const lines = (r.lastFrame() ?? '').split('\n');
    expect(lines[0]).toContain('QUOTA');
    expect(lines[0]).not.toContain('/309');
    expect(lines[lines.length - 1]).toContain('1/309');
    expect(lines).toHaveLength(12);
    r.unmount();
  }
});

/** Where blessed-contrib's line chart draws a value: its pixel row on a canvas `rows` rows tall. */
function pixelRow(rows: number, maxY: number, v: number): number {
  const plot = rows * 4 - 8 - 11;
  return plot - (plot / maxY) * v - 2;
}

test('chart axes at 80x24: one label per row, round steps, and a 95.9 % ARC hit ratio inside the plot', () => {
  for (const rows of [8, 13, 20]) {
    const { maxY, numYLabels } = yAxis(rows, 95.9, 100);
    const step = maxY / numYLabels;
    // Labels on distinct text rows (4 pixels each): digits never overwrite each other.
    const labelRows = Array.from({ length: numYLabels }, (_, i) => Math.floor(pixelRow(rows, maxY, i * step) / 4));
    expect(new Set(labelRows).size).toBe(numYLabels);
    // The highest possible percentage is drawn inside the canvas (blessed drops negative rows).
    expect(pixelRow(rows, maxY, 100)).toBeGreaterThanOrEqual(0);
    expect(pixelRow(rows, maxY, 95.9)).toBeGreaterThanOrEqual(0);
    expect(Number.isInteger(step)).toBe(true);
  }
  // Idle network: an axis, not a division by zero.
  const idle = yAxis(8, 0);
  expect(idle.maxY).toBeGreaterThan(0);
});

test('chart titles fit their panel (they wrapped into the plot), naming every series when values do not fit', () => {
  const width = 40;
  const io = chartTitle('Pool I/O MiB/s', ['tank in 5.52 MiB/s', 'tank out 12.9 MiB/s', 'backup in 0 B/s', 'backup out 0 B/s'], width, [
    'tank',
    'tank',
    'backup',
    'backup',
  ]);
  expect(io.length).toBeLessThanOrEqual(width - 4);
  expect(io).toContain('tank');
  expect(io).toContain('backup');
  expect(chartTitle('Pool capacity %', ['tank 27%', 'backup 8%'], 44, ['tank', 'backup'])).toBe(' Pool capacity %: tank 27%, backup 8% ');
  expect(chartTitle('Pool capacity %', ['tank 27%', 'backup 8%'], width, ['tank', 'backup'])).toBe(' Pool capacity %: tank, backup ');
  const many = chartTitle(
    'Network MiB/s',
    Array.from({ length: 12 }, (_, i) => `if${i} in 0 B/s`),
    width,
  );
  expect(many.length).toBeLessThanOrEqual(width - 4);
  expect(many).toMatch(/\+\d+ more/);
});

test('the network chart draws every interface the dashboard lists, idle ones included', () => {
  const s = (name: string, iface: string, points: number[]): Series => ({
    id: `${name}{interface=${iface}}`,
    name,
    labels: { interface: iface },
    points,
    last: points[points.length - 1],
  });
  const rx = [
    s('calypso_network_receive_bytes_per_second', 'eth0', [0, 0]),
    s('calypso_network_receive_bytes_per_second', 'ifb0', [0, 0]),
    s('calypso_network_receive_bytes_per_second', 'ifb1', [5, 9]),
  ];
  const tx = [s('calypso_network_transmit_bytes_per_second', 'eth0', [0, 0]), s('calypso_network_transmit_bytes_per_second', 'ifb1', [1, 2])];
  const drawn = networkSeries(rx, tx);
  expect([...new Set(drawn.map((x) => x.labels.interface))]).toEqual(['eth0', 'ifb0', 'ifb1']);
  expect(drawn).toHaveLength(5);
});
