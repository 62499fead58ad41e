/**
 * A keyboard table with selection, sort, filter and virtual scrolling: only the rows that
 * fit are rendered, so 10,000 rows cost the same to draw as twenty.
 */
import React, { useMemo, useRef, useState } from 'react';
import { Box } from 'ink';
import { Text } from './Text.js';
import type { KeyBinding } from '../keys.js';
import { pad } from '../format.js';
import { safeText } from '../safe-text.js';
import type { Theme } from '../theme.js';

export interface Column<T> {
  /** Stable id, used for sorting. */
  key: string;
  title: string;
  /** Cells wide; 0 takes a share of what is left. */
  width: number;
  align?: 'left' | 'right';
  render: (row: T) => string;
  /** What to sort by (default: the rendered text). */
  sortValue?: (row: T) => string | number;
  color?: (row: T) => string | undefined;
  /** Drop this column when the table is narrower than this. */
  minTableWidth?: number;
}

export interface TableState<T> {
  rows: T[];
  /** Rows after filter and sort. */
  view: T[];
  index: number;
  selected: T | undefined;
  filter: string;
  sort: { key: string; desc: boolean } | null;
  setFilter(text: string): void;
  move(delta: number): void;
  moveTo(index: number): void;
  cycleSort(): void;
  /** Keys for moving, filtering and sorting, to merge into a screen's bindings. */
  bindings(opts: {
    prompt: (spec: { label: string; initial: string; onChange: (v: string) => void; onSubmit: (v: string) => void; onCancel: () => void }) => void;
    pageSize: number;
  }): KeyBinding[];
}

export function useTable<T>(rows: T[], columns: Column<T>[], rowKey: (row: T) => string): TableState<T> {
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<{ key: string; desc: boolean } | null>(null);
  const [selectedKey, setSelectedKey] = useState<string | null>(null);
  const [fallbackIndex, setFallbackIndex] = useState(0);
  // Screens pass a new rowKey function on every render; the row index must not be rebuilt for that.
  const rowKeyRef = useRef(rowKey);
  rowKeyRef.current = rowKey;
  // Every row's rendered text, lower-cased, made once per data load: typing a filter character then
  // costs a substring search per row, not rendering every column of every row again.
  const haystackRef = useRef<{ rows: T[]; text: string[] } | null>(null);

  const view = useMemo(() => {
    let out = rows;
    if (filter) {
      const needle = filter.toLowerCase();
      if (haystackRef.current?.rows !== rows)
        haystackRef.current = {
          rows,
          text: rows.map((r) =>
            columns
              .map((c) => c.render(r))
              .join('\u0000')
              .toLowerCase(),
          ),
        };
      const text = haystackRef.current.text;
      out = out.filter((_, i) => text[i]!.includes(needle));
    }
    if (sort) {
      const col = columns.find((c) => c.key === sort.key);
      if (col) {
        const value = col.sortValue ?? col.render;
        out = [...out].sort((a, b) => {
          const va = value(a);
          const vb = value(b);
          const cmp = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
          return sort.desc ? -cmp : cmp;
        });
      }
    }
    return out;
    // eslint-disable-next-line react-hooks/exhaustive-deps -- columns are declared per render; their identity does not matter for the view
  }, [rows, filter, sort]);

  const keyed = useMemo(() => new Map(view.map((r, i) => [rowKeyRef.current(r), i])), [view]);
  const found = selectedKey === null ? undefined : keyed.get(selectedKey);
  const index = view.length === 0 ? 0 : Math.min(found ?? fallbackIndex, view.length - 1);
  const selected = view[index];

  // Where the cursor is meant to be, moved by every key at once (two keys can arrive before one render). While the
  // table is still loading (no rows yet) the moves are kept, not dropped: `2jjj` typed fast lands on the fourth row.
  const cursor = useRef(index);
  cursor.current = view.length ? index : fallbackIndex;
  const moveTo = (i: number) => {
    const next = Math.max(0, view.length ? Math.min(view.length - 1, i) : i);
    cursor.current = next;
    setFallbackIndex(next);
    setSelectedKey(view.length ? rowKey(view[next]) : null);
  };
  const moveBy = (delta: number) => moveTo(cursor.current + delta);
  const last = () => moveTo(view.length ? view.length - 1 : Number.MAX_SAFE_INTEGER);
  const sortable = columns.map((c) => c.key);
  const state: TableState<T> = {
    rows,
    view,
    index,
    selected,
    filter,
    sort,
    setFilter: (text) => {
      setFilter(text);
      setFallbackIndex(0);
    },
    move: moveBy,
    moveTo,
    cycleSort: () =>
      // none -> col1 asc -> col1 desc -> col2 asc ... -> none
      setSort((s) => {
        if (!s) return { key: sortable[0], desc: false };
        if (!s.desc) return { ...s, desc: true };
        const next = sortable.indexOf(s.key) + 1;
        return next < sortable.length ? { key: sortable[next], desc: false } : null;
      }),
    bindings: ({ prompt, pageSize }) => [
      { key: 'j', aliases: ['down'], description: 'Next row', hint: false, group: 'Lists', action: () => moveBy(1) },
      { key: 'k', aliases: ['up'], description: 'Previous row', hint: false, group: 'Lists', action: () => moveBy(-1) },
      { key: 'pagedown', aliases: ['ctrl+f', 'ctrl+d'], description: 'Page down', hint: false, group: 'Lists', action: () => moveBy(pageSize) },
      { key: 'pageup', aliases: ['ctrl+b', 'ctrl+u'], description: 'Page up', hint: false, group: 'Lists', action: () => moveBy(-pageSize) },
      { key: 'g', aliases: ['home'], description: 'First row', hint: false, group: 'Lists', action: () => moveTo(0) },
      { key: 'G', aliases: ['end'], description: 'Last row', hint: false, group: 'Lists', action: last },
      {
        // `/` starts a new filter (never appends to the last one); Esc clears it.
        key: '/',
        description: 'Filter',
        group: 'Lists',
        action: () => {
          state.setFilter('');
          prompt({ label: '/', initial: '', onChange: (v) => state.setFilter(v), onSubmit: (v) => state.setFilter(v), onCancel: () => state.setFilter('') });
        },
      },
      ...(filter ? [{ key: 'escape', description: 'Clear the filter', hint: false, group: 'Lists', action: () => state.setFilter('') }] : []),
      { key: 'o', description: 'Sort by next column', hint: false, group: 'Lists', action: () => state.cycleSort() },
    ],
  };
  return state;
}

export interface TableProps<T> {
  table: TableState<T>;
  columns: Column<T>[];
  width: number;
  /** Rows available, header included. */
  height: number;
  theme: Theme;
  /** Highlight the selection strongly (the table has the keyboard). */
  focused: boolean;
  emptyText?: string;
}

export function Table<T>({ table, columns, width, height, theme, focused, emptyText = 'Nothing here.' }: TableProps<T>): React.ReactElement {
  const offsetRef = useRef(0);
  // A list longer than the table gets a footer line with the position; the header line is never
  // written over (a counter there once turned "QUOTA" into "~ 1/309").
  const scrolls = table.view.length > Math.max(1, height - 1);
  const visible = Math.max(1, height - (scrolls ? 2 : 1));
  const cols = columns.filter((c) => !c.minTableWidth || width >= c.minTableWidth);
  const fixed = cols.reduce((s, c) => s + (c.width || 0) + 1, 0);
  const flexCount = cols.filter((c) => !c.width).length;
  const flexWidth = flexCount ? Math.max(6, Math.floor((width - fixed - 1) / flexCount)) : 0;
  const widths = cols.map((c) => c.width || flexWidth);

  const { view, index } = table;
  let offset = offsetRef.current;
  if (index < offset) offset = index;
  if (index >= offset + visible) offset = index - visible + 1;
  offset = Math.max(0, Math.min(offset, Math.max(0, view.length - visible)));
  offsetRef.current = offset;
  const slice = view.slice(offset, offset + visible);

  const arrow = (c: Column<T>) => (table.sort?.key === c.key ? (table.sort.desc ? 'v' : '^') : '');
  const header = cols.map((c, i) => pad(c.title + arrow(c), widths[i], c.align)).join(' ');
  const position = scrolls ? `${index + 1}/${view.length}${table.filter ? ` matching "${safeText(table.filter)}"` : ''}` : '';
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate">
        {pad(` ${header}`, width)}
      </Text>
      {slice.length === 0 ? (
        <Text dimColor wrap="truncate">
          {' '}
          {table.filter ? `No rows match "${table.filter}".` : emptyText}
        </Text>
      ) : (
        slice.map((row, i) => {
          const isSel = offset + i === index;
          return (
            <Text key={offset + i} wrap="truncate" inverse={isSel && focused} bold={isSel && !focused} underline={isSel && !focused && !theme.color}>
              {isSel ? (theme.glyphs === 'ascii' ? '>' : theme.pointer) : ' '}
              {cols.map((c, ci) => (
                <Text key={c.key} color={isSel && focused ? undefined : theme.c(c.color?.(row) ?? '')}>
                  {pad(safeText(c.render(row)), widths[ci], c.align)}
                  {ci < cols.length - 1 ? ' ' : ''}
                </Text>
              ))}
            </Text>
          );
        })
      )}
      {scrolls ? (
        <>
          <Box flexGrow={1} />
          <Text dimColor wrap="truncate">
            {pad(`${position} `, width, 'right')}
          </Text>
        </>
      ) : null}
    </Box>
  );
}
