/**
 * systemd's answers: `systemctl show -p P1,P2 -- UNIT...` (Key=Value lines, one block per unit,
 * blocks separated by an empty line, in the order the units were given) and
 * `journalctl -o json` (one JSON object per line; every value a string, or an array of bytes
 * for a field that is not valid UTF-8).
 */
import { ToolOutputError } from '../host.js';

export type UnitProperties = Record<string, string>;

/** One record per unit block; a property without "=" is refused as unreadable output. */
export function parseSystemctlShow(text: string): UnitProperties[] {
  const units: UnitProperties[] = [];
  let current: UnitProperties | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (!line.trim()) {
      if (current) units.push(current);
      current = null;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new ToolOutputError('systemctl', `a line of systemctl show is not Key=Value: ${JSON.stringify(line.slice(0, 80))}`);
    current ??= {};
    current[line.slice(0, eq)] = line.slice(eq + 1);
  }
  if (current) units.push(current);
  return units;
}

/**
 * systemd's timestamp ("Mon 2026-11-30 06:38:01 UTC", empty or "n/a" when it never happened)
 * as ISO time. Only UTC/GMT or a numeric offset can be placed on the time line; another zone's
 * abbreviation is ambiguous (CST), so the answer is null there and the text is kept beside it.
 */
export function systemdTime(text: string | undefined): string | null {
  if (!text || text === 'n/a' || text === '0') return null;
  const m = /^(?:[A-Z][a-z]{2} )?(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.\d+)? (UTC|GMT|[+-]\d{2}:?\d{2})$/.exec(text.trim());
  if (!m) return null;
  const zone = m[3] === 'UTC' || m[3] === 'GMT' ? 'Z' : m[3]!.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(`${m[1]}T${m[2]}${zone}`);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

export interface JournalEntry {
  /** ISO time the entry was logged. */
  at: string;
  /** syslog priority 0 (emerg) to 7 (debug). */
  priority: number;
  unit: string | null;
  message: string;
}

const text = (v: unknown): string | null => {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((b) => typeof b === 'number')) return Buffer.from(v as number[]).toString('utf8');
  return null;
};

/** `journalctl -o json` lines; a line that is not an entry is refused as unreadable output. */
export function parseJournalJson(out: string): JournalEntry[] {
  return readJournal(out).map(({ cursor: _cursor, ...e }) => e);
}

/** A journal entry with its `__CURSOR`: the position `--after-cursor` resumes after. */
export interface CursoredJournalEntry extends JournalEntry {
  cursor: string;
}

/** `journalctl -o json` lines with each entry's cursor (an entry without one is unreadable output here). */
export function parseJournalWithCursors(out: string): CursoredJournalEntry[] {
  return readJournal(out).map((e) => {
    if (e.cursor === null) throw new ToolOutputError('journalctl', 'an entry has no __CURSOR');
    return { ...e, cursor: e.cursor };
  });
}

function readJournal(out: string): (JournalEntry & { cursor: string | null })[] {
  const entries: (JournalEntry & { cursor: string | null })[] = [];
  for (const line of out.split('\n')) {
    if (!line.trim()) continue;
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new ToolOutputError('journalctl', `a line of journalctl -o json is not JSON: ${JSON.stringify(line.slice(0, 80))}`);
    }
    const usec = Number(text(doc.__REALTIME_TIMESTAMP));
    if (!Number.isFinite(usec)) throw new ToolOutputError('journalctl', 'an entry has no __REALTIME_TIMESTAMP');
    const priority = Number(text(doc.PRIORITY) ?? 6);
    entries.push({
      cursor: text(doc.__CURSOR),
      at: new Date(Math.floor(usec / 1000)).toISOString(),
      priority: Number.isInteger(priority) && priority >= 0 && priority <= 7 ? priority : 6,
      unit: text(doc._SYSTEMD_UNIT) ?? text(doc.UNIT) ?? null,
      message: text(doc.MESSAGE) ?? '',
    });
  }
  return entries;
}
