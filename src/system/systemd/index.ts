/**
 * The appliance's services through systemd: state from `systemctl show`, control with
 * `systemctl start|stop|restart|enable|disable`, recent log lines from `journalctl -o json`.
 * Units come from Calypso's own catalogue, never free text, and still pass userArg.
 */
import { HostCommandError, userArg, type Host } from '../host.js';
import { parseJournalJson, parseJournalWithCursors, parseSystemctlShow, systemdTime, type CursoredJournalEntry, type JournalEntry } from './parse.js';

export const SHOW_PROPERTIES = [
  'Id',
  'Description',
  'LoadState',
  'ActiveState',
  'SubState',
  'UnitFileState',
  'ActiveEnterTimestamp',
  'InactiveEnterTimestamp',
  'MainPID',
  'Result',
] as const;

export interface UnitState {
  unit: string;
  description: string;
  /** loaded, not-found, masked... */
  loadState: string;
  /** active, inactive, failed, activating, deactivating, reloading */
  activeState: string;
  /** running, exited, dead, failed... */
  subState: string;
  /** enabled, disabled, static, masked... ('' when not installed) */
  unitFileState: string;
  /** ISO time of the last change into the current state, when known. */
  since: string | null;
  sinceText: string;
  mainPid: number | null;
  /** success, exit-code, signal, timeout, core-dump... */
  result: string;
}

export type UnitAction = 'start' | 'stop' | 'restart' | 'enable' | 'disable';

export class SystemdAdapter {
  constructor(private readonly host: Host) {}

  /** The units' states, in the order asked. */
  async show(units: string[]): Promise<UnitState[]> {
    if (!units.length) return [];
    const r = await this.host.run('systemctl', ['show', '--no-pager', '-p', SHOW_PROPERTIES.join(','), ...units.map(userArg)], {
      timeoutMs: 15_000,
    });
    const blocks = parseSystemctlShow(r.stdout);
    return units.map((unit, i) => {
      const p = blocks[i] ?? {};
      const active = p.ActiveState ?? 'unknown';
      const sinceText = (active === 'active' || active === 'reloading' ? p.ActiveEnterTimestamp : p.InactiveEnterTimestamp) ?? '';
      const pid = Number(p.MainPID);
      return {
        unit,
        description: p.Description ?? '',
        loadState: p.LoadState ?? 'unknown',
        activeState: active,
        subState: p.SubState ?? 'unknown',
        unitFileState: p.UnitFileState ?? '',
        since: systemdTime(sinceText),
        sinceText,
        mainPid: Number.isInteger(pid) && pid > 0 ? pid : null,
        result: p.Result ?? '',
      };
    });
  }

  async act(unit: string, action: UnitAction): Promise<void> {
    await this.host.run('systemctl', [action, userArg(unit)], { timeoutMs: 120_000 });
  }

  /** The unit's newest `lines` journal entries, oldest first. */
  async journal(unit: string, lines: number): Promise<JournalEntry[]> {
    const r = await this.host.run(
      'journalctl',
      ['--no-pager', '-o', 'json', '-n', String(Math.max(1, Math.min(1000, Math.floor(lines)))), '-u', userArg(unit)],
      {
        timeoutMs: 15_000,
      },
    );
    return parseJournalJson(r.stdout);
  }

  /**
   * The journal, newest first: `journalctl -o json -r`, filtered by unit, priority, time and text.
   * The text is matched literally (every other character escaped for journalctl's PCRE2 grep) and
   * in lower case, which journalctl matches case-insensitively.
   */
  async query(q: { unit?: string; priority: number; sinceMs?: number; untilMs?: number; text?: string; limit: number }): Promise<JournalEntry[]> {
    const args = ['--no-pager', '-o', 'json', '-r', '-n', String(Math.max(1, Math.min(1000, Math.floor(q.limit)))), '-p', String(q.priority)];
    if (q.unit) args.push('-u', userArg(q.unit));
    if (q.sinceMs !== undefined) args.push('--since', journalTime(q.sinceMs));
    if (q.untilMs !== undefined) args.push('--until', journalTime(q.untilMs));
    if (q.text) args.push('-g', userArg(literalPattern(q.text.toLowerCase())));
    const r = await this.host.run('journalctl', args, { timeoutMs: 30_000, okCodes: [0, 1] });
    // journalctl exits 1 when --grep matched nothing.
    return r.code === 1 && !r.stdout.trim() ? [] : parseJournalJson(r.stdout);
  }

  /**
   * Following the journal: the entries after `afterCursor`, oldest first, filtered like query
   * (`journalctl -o json --after-cursor=CURSOR`). Without a cursor: only the newest entry of the
   * whole journal (unfiltered), whose cursor is where following starts. At most `limit` entries a
   * call (journalctl's -n keeps the newest of them).
   */
  async follow(q: { afterCursor?: string; unit?: string; priority: number; text?: string; limit: number }): Promise<CursoredJournalEntry[]> {
    if (q.afterCursor === undefined) {
      const r = await this.host.run('journalctl', ['--no-pager', '-o', 'json', '-n', '1'], { timeoutMs: 30_000 });
      return parseJournalWithCursors(r.stdout);
    }
    const args = ['--no-pager', '-o', 'json', `--after-cursor=${journalCursor(q.afterCursor)}`, '-n', String(Math.max(1, Math.min(1000, Math.floor(q.limit))))];
    args.push('-p', String(q.priority));
    if (q.unit) args.push('-u', userArg(q.unit));
    if (q.text) args.push('-g', userArg(literalPattern(q.text.toLowerCase())));
    const r = await this.host.run('journalctl', args, { timeoutMs: 30_000, okCodes: [0, 1] });
    // A cursor of another journal (rotated away, another machine): journalctl cannot seek to it.
    if (r.code === 1 && /seek to cursor/i.test(r.stderr)) throw new JournalCursorError(q.afterCursor);
    return r.code === 1 && !r.stdout.trim() ? [] : parseJournalWithCursors(r.stdout);
  }

  /** True when this host has no systemd to ask (a container, a development machine). */
  static absent(err: unknown): boolean {
    return (
      err instanceof HostCommandError &&
      (err.code === null ||
        err.code === 127 ||
        /System has not been booted with systemd|Failed to connect to bus|not found|ENOENT/i.test(`${err.stderr} ${err.message}`))
    );
  }
}

/** journalctl's time argument, in UTC with microseconds ("2026-11-30 07:02:13.000000 UTC"). */
export function journalTime(ms: number): string {
  return `${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')}000 UTC`;
}

/** Text as a PCRE2 pattern that matches it literally: ASCII punctuation escaped (a backslash before it is always literal). */
export function literalPattern(text: string): string {
  return text.replace(/[!-/:-@[-`{-~]/g, (c) => `\\${c}`);
}

/** A journal cursor ("s=...;i=...;b=...;m=...;t=...;x=..."): key=hex fields, nothing else reaches journalctl. */
export const JOURNAL_CURSOR = /^[a-z]=[0-9a-zA-Z]{1,64}(?:;[a-z]=[0-9a-zA-Z]{1,64}){0,9}$/;

export function journalCursor(cursor: string): string {
  if (!JOURNAL_CURSOR.test(cursor)) throw new Error(`not a journal cursor: ${JSON.stringify(cursor.slice(0, 80))}`);
  return cursor;
}

/** journalctl cannot seek to this cursor: following must start again from the end. */
export class JournalCursorError extends Error {
  constructor(readonly cursor: string) {
    super('the journal has no entry at this cursor');
  }
}
