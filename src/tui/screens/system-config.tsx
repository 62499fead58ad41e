/**
 * System > Config: configuration backup and restore, and the support bundle (Admin's: the
 * operations answer 403 to others, and the keys say why). Export now (a passphrase typed as
 * stars seals the file and puts the secrets in it), write an export into the appliance's exports
 * directory, the exports kept there and their schedules, restore a file after its preview (typed
 * confirmation), and a support bundle written where the user says. Files are read and written by
 * the console for its user (src/tui/local-file.ts: absolute paths, no symbolic links, no overwrite).
 */
import React from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import type { Output } from '../../contracts/index.js';
import { MAX_CONFIG_FILE } from '../../contracts/appliance-config.js';
import { useShell, type ShellApi } from '../context.js';
import { Table, useTable, type Column } from '../components/Table.js';
import { readFailure } from '../components/Panels.js';
import { useBindings, useQuery } from '../hooks/use-operation.js';
import type { KeyBinding } from '../keys.js';
import { bytes, dateTime } from '../format.js';
import { readLocalFile, writeLocalFile } from '../local-file.js';

type ExportFile = Output<'appliance.config.exports'>['items'][number];
type Preview = Output<'appliance.config.preview'>;

const failed = (shell: ShellApi, err: unknown) => shell.toast(err instanceof Error ? err.message : String(err), 'error');

/** The preview as the confirmation's lines: the sentence, then each section that changes. */
export function previewLines(p: Preview): string[] {
  const names = (xs: string[]) => (xs.length > 3 ? `${xs.slice(0, 3).join(', ')} and ${xs.length - 3} more` : xs.join(', '));
  const lines = [
    `From ${p.header.hostname}, ${dateTime(p.header.createdAt)} (Calypso ${p.header.calypsoVersion}): ${p.text}.`,
    ...p.sections
      .filter((s) => s.added.length + s.changed.length + s.removed.length > 0)
      .map((s) =>
        [
          `${s.title}:`,
          s.added.length ? `add ${names(s.added)}` : '',
          s.changed.length ? `change ${names(s.changed)}` : '',
          s.removed.length ? `remove ${names(s.removed)}` : '',
        ]
          .filter(Boolean)
          .join(' '),
      ),
    ...p.warnings,
  ];
  return lines;
}

/** Whether a file says it is encrypted (its header; the service checks everything else). */
function sealed(text: string): boolean {
  try {
    return (JSON.parse(text) as { encrypted?: unknown }).encrypted === true;
  } catch {
    return false;
  }
}

export function ConfigTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('appliance.config.exports', {}, { refreshOn: ['audit'] });
  const schedules = useQuery('schedules.list', { kind: 'config.export', limit: 100 }, { refreshOn: ['audit'] });
  const columns: Column<ExportFile>[] = [
    { key: 'name', title: 'EXPORT', width: 0, render: (f) => f.name },
    { key: 'size', title: 'SIZE', width: 9, render: (f) => bytes(f.sizeBytes) },
    { key: 'written', title: 'WRITTEN', width: 16, render: (f) => dateTime(f.modifiedAt), minTableWidth: 60 },
  ];
  const table = useTable(q.data?.items ?? [], columns, (f) => f.name);

  const askWhere = (what: string, write: (target: string) => void) =>
    shell.prompt({ label: `Write ${what} to (dir or new file): `, onSubmit: (t) => t.trim() && write(t.trim()) });

  const exportNow = () =>
    shell.prompt({
      label: 'Passphrase (Enter: none, no secrets): ',
      secret: true,
      onSubmit: (passphrase) => {
        if (passphrase && passphrase.length < 12) return shell.toast('a passphrase has at least 12 characters', 'error');
        askWhere('the export', (target) => {
          void shell.act('appliance.config.export', passphrase ? { passphrase } : {}).then((out) => {
            if (!out) return;
            try {
              const file = writeLocalFile(target, out.fileName, out.content);
              shell.toast(`${out.header.encrypted ? 'Encrypted, with the secrets' : 'No secrets in it'}: wrote ${file}`);
            } catch (err) {
              failed(shell, err);
            }
          });
        });
      },
    });

  const restore = () =>
    shell.prompt({
      label: 'File to restore (absolute path): ',
      onSubmit: (given) => {
        if (!given.trim()) return;
        let file: string;
        try {
          file = readLocalFile(given, MAX_CONFIG_FILE);
        } catch (err) {
          return failed(shell, err);
        }
        const check = (passphrase?: string) =>
          void shell.run('appliance.config.preview', passphrase ? { file, passphrase } : { file }).then(
            (p) =>
              shell.confirm({
                operation: 'appliance.config.restore',
                input: passphrase ? { file, passphrase } : { file },
                verb: 'restore',
                details: previewLines(p),
                success: (r) => `${r.text}${r.applied.length ? `; re-applied ${r.applied.join(', ')}` : ''}`,
                onDone: q.reload,
              }),
            (err: unknown) => failed(shell, err),
          );
        if (sealed(file)) shell.prompt({ label: 'Its passphrase: ', secret: true, onSubmit: (p) => check(p) });
        else check();
      },
    });

  const bundle = () =>
    askWhere('the support bundle', (target) => {
      void shell.act('appliance.support.bundle', {}).then((out) => {
        if (!out) return;
        try {
          const file = writeLocalFile(target, out.fileName, Buffer.from(out.contentBase64, 'base64'));
          shell.toast(`Support bundle, secrets redacted: wrote ${file} (${bytes(out.sizeBytes)})`);
        } catch (err) {
          failed(shell, err);
        }
      });
    });

  const schedule = () =>
    shell.prompt({
      label: 'Export at (cron, e.g. 0 3 * * *): ',
      onSubmit: (cron) => {
        if (!cron.trim()) return;
        void shell
          .act(
            'schedules.create',
            { kind: 'config.export', target: 'appliance', cron: cron.trim(), options: { keep: 10 } },
            { success: (s) => `Scheduled: configuration export ${s.cronText}` },
          )
          .then(schedules.reload);
      },
    });

  useBindings([
    ...extra,
    ...table.bindings({ prompt: shell.prompt, pageSize: Math.max(3, height - 8) }),
    { key: 'x', description: 'Export now', operation: 'appliance.config.export', action: exportNow },
    {
      key: 'w',
      description: 'Export to the exports directory',
      operation: 'appliance.config.exports.write',
      action: () =>
        void shell.act('appliance.config.exports.write', { keep: 1000 }, { success: (r) => `No secrets in it: wrote ${r.file.name}` }).then(q.reload),
    },
    { key: 'u', description: 'Restore a file', operation: 'appliance.config.restore', action: restore },
    { key: 'b', description: 'Support bundle', operation: 'appliance.support.bundle', action: bundle },
    { key: 'n', description: 'Schedule exports', operation: 'schedules.create', action: schedule },
    {
      key: 'r',
      description: 'Refresh',
      hint: false,
      action: () => {
        q.reload();
        schedules.reload();
      },
    },
  ]);
  const refused = readFailure(q, theme);
  if (refused) return refused;
  const planned = schedules.data?.items ?? [];
  return (
    <Box flexDirection="column">
      <Text dimColor wrap="truncate">
        {q.data?.directory ? `Exports kept in ${q.data.directory}` : 'This daemon keeps no exports (no data directory).'}
      </Text>
      <Text dimColor wrap="truncate">
        {planned.length
          ? `Scheduled: ${planned.map((s) => `${s.cronText}${s.enabled ? '' : ' (off)'}`).join('; ')}`
          : 'No scheduled export: n schedules one (Schedules screen to change it).'}
      </Text>
      <Table
        table={table}
        columns={columns}
        width={width - 2}
        height={Math.max(3, height - 6)}
        theme={theme}
        focused={active}
        emptyText={q.loading ? 'Loading...' : 'No export kept yet: w writes one, x exports to a file of yours.'}
      />
    </Box>
  );
}
