/**
 * The restore file browser: the folders and files of a backup (its Full and the jobs after it,
 * read with BVFS), a tree walked with Enter and Backspace, `Space` to select, `/` to filter, `R`
 * to restore what is selected to the original location, the restore folder, or (Admin) a folder.
 */
import React, { useEffect, useMemo, useState } from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import type { Output } from '../../contracts/index.js';
import { useShell } from '../context.js';
import { Notice } from '../components/Panels.js';
import { useBindings } from '../hooks/use-operation.js';
import { bytes, dateTime, pad, truncate } from '../format.js';

type RunRow = Output<'backup.history.list'>['items'][number];
type Entry = Output<'backup.restore.browse'>['entries'][number];

/** The folder above `path` ('/srv/data/' -> '/srv/', '/' -> '', '' stays ''). */
export function parentPath(path: string): string {
  if (path === '' || path === '/') return '';
  const trimmed = path.replace(/\/$/, '');
  return trimmed.slice(0, trimmed.lastIndexOf('/') + 1) || '/';
}

const keyOf = (e: Entry) => `${e.isDir ? 'd' : 'f'}:${e.id}`;

export function RestoreBrowser({ run, onClose }: { run: RunRow; onClose: () => void }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height } = shell;
  const [path, setPath] = useState('');
  const [data, setData] = useState<Output<'backup.restore.browse'> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [index, setIndex] = useState(0);
  const [filter, setFilter] = useState('');
  const [selected, setSelected] = useState<Map<string, Entry>>(new Map());

  useEffect(() => {
    let live = true;
    setLoading(true);
    shell.call('backup.restore.browse', { jobId: run.jobId, path }).then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(null);
        setLoading(false);
        setIndex(0);
      },
      (err: Error) => {
        if (!live) return;
        setError(err.message);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- shell changes identity on every render; the listing depends on the job and the folder only
  }, [run.jobId, path]);

  const entries = useMemo(() => (data?.entries ?? []).filter((e) => !filter || e.name.toLowerCase().includes(filter.toLowerCase())), [data, filter]);
  const current = entries[Math.min(index, entries.length - 1)];
  const open = (e: Entry | undefined) => {
    if (!e?.isDir) return;
    setFilter('');
    setPath(e.path);
  };
  const up = () => {
    setFilter('');
    if (path === '') onClose();
    else setPath(parentPath(path));
  };
  const toggle = (e: Entry | undefined) => {
    if (!e) return;
    setSelected((prev) => {
      const next = new Map(prev);
      if (next.has(keyOf(e))) next.delete(keyOf(e));
      else next.set(keyOf(e), e);
      return next;
    });
    setIndex((i) => Math.min(entries.length - 1, i + 1));
  };
  const restore = () => {
    const picked = [...selected.values()];
    shell.prompt({
      label: 'Restore to (original, restore-folder, or /a/folder for an Admin): ',
      initial: 'restore-folder',
      onSubmit: (where) =>
        void shell.act(
          'backup.restore.run',
          {
            jobId: run.jobId,
            files: picked.filter((e) => !e.isDir).map((e) => e.id),
            dirs: picked.filter((e) => e.isDir).map((e) => e.id),
            where: where.trim() || 'restore-folder',
          },
          { success: (r) => `Restore started: JobId ${r.jobId} (${picked.length} selected)` },
        ),
    });
  };
  const listHeight = Math.max(3, height - 5);
  useBindings([
    { key: 'down', aliases: ['j'], description: 'Down', hint: false, action: () => setIndex((i) => Math.min(entries.length - 1, i + 1)) },
    { key: 'up', aliases: ['k'], description: 'Up', hint: false, action: () => setIndex((i) => Math.max(0, i - 1)) },
    { key: 'pagedown', description: 'Page down', hint: false, action: () => setIndex((i) => Math.min(entries.length - 1, i + listHeight)) },
    { key: 'pageup', description: 'Page up', hint: false, action: () => setIndex((i) => Math.max(0, i - listHeight)) },
    { key: 'enter', aliases: ['right', 'l'], description: 'Open', action: () => open(current) },
    { key: 'backspace', aliases: ['left', 'h'], description: 'Up', action: up },
    { key: 'space', description: 'Select', action: () => toggle(current) },
    {
      key: '/',
      description: 'Filter',
      priority: 1,
      action: () => shell.prompt({ label: 'Filter: ', initial: filter, onChange: setFilter, onSubmit: setFilter, onCancel: () => setFilter('') }),
    },
    {
      key: 'R',
      description: 'Restore',
      priority: 2,
      operation: 'backup.restore.run',
      disabledReason: selected.size ? undefined : 'select files or folders with Space first',
      action: restore,
    },
    { key: 'escape', description: 'Close the browser', hint: false, action: onClose },
  ]);

  const start = Math.max(0, Math.min(index - Math.floor(listHeight / 2), entries.length - listHeight));
  const shown = entries.slice(start, start + listHeight);
  const nameWidth = Math.max(10, width - 2 - 4 - 10 - 17);
  return (
    <Box flexDirection="column" paddingX={1}>
      <Text bold wrap="truncate">
        Restore from JobId {run.jobId} {run.name} ({run.levelText}, {run.startedAt ? dateTime(run.startedAt) : '?'})
      </Text>
      <Text dimColor wrap="truncate">
        {path || '(roots)'}
        {filter ? `  filter: ${filter}` : ''}
        {data ? `  jobs ${data.jobIds.join(',')}` : ''}
      </Text>
      {error ? (
        <Notice theme={theme} kind="error">
          {error}
        </Notice>
      ) : (
        <Box flexDirection="column" height={listHeight}>
          {loading && !data ? <Text dimColor>Reading the catalog...</Text> : null}
          {!loading && entries.length === 0 ? <Text dimColor>{filter ? 'Nothing matches the filter.' : 'Empty folder.'}</Text> : null}
          {shown.map((e) => {
            const isCurrent = e === current;
            const mark = selected.has(keyOf(e)) ? '[x]' : '[ ]';
            return (
              <Text key={keyOf(e)} inverse={isCurrent} color={e.isDir ? 'cyan' : undefined} wrap="truncate">
                {`${mark} ${pad(truncate(e.name, nameWidth), nameWidth)} ${pad(e.isDir ? '' : bytes(e.sizeBytes), 9, 'right')} ${e.modifiedAt ? dateTime(e.modifiedAt) : ''}`}
              </Text>
            );
          })}
        </Box>
      )}
      <Text wrap="truncate">
        {selected.size} selected{selected.size ? `: ${truncate([...selected.values()].map((e) => e.path).join(', '), Math.max(10, width - 20))}` : ''}
      </Text>
    </Box>
  );
}
