/** Presentation: values in, strings out. No state, no I/O. */
import type { Theme } from './theme.js';

/**
 * Values people read (issue 17). Every screen formats through here, so a size, a time or a count
 * reads the same everywhere: sizes in IEC units (`10 GiB`, `1.50 MiB`, `512 B`), times as local
 * `YYYY-MM-DD HH:MM` (or `3 min ago` in lists of recent events), counts and limits as `none` or
 * `unlimited` where ZFS means that. The API keeps the raw values (`*Bytes`, `*At`); a detail view
 * shows both, through `humanAndRaw`.
 */
const IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** 10737418240 -> "10 GiB", 1572864 -> "1.50 MiB", 512 -> "512 B" (at most 8 characters below 1000 EiB). */
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-';
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1024 && i < IEC.length - 1) {
    v /= 1024;
    i++;
  }
  // Rounding up to 1024 of a unit shows the next unit ("1.00 GiB", not "1024 MiB").
  let digits = i === 0 || v >= 100 ? 0 : v >= 10 ? 1 : 2;
  if (Number(v.toFixed(digits)) >= 1024 && i < IEC.length - 1) {
    v /= 1024;
    i++;
    digits = 2;
  }
  const text = v.toFixed(digits);
  // Whole numbers read without decimals ("10 GiB", not "10.0 GiB").
  const shown = digits > 0 && Number(text) === Math.trunc(Number(text)) ? String(Math.trunc(Number(text))) : text;
  return `${n < 0 ? '-' : ''}${shown} ${IEC[i]}`;
}

/** The exact byte count with thousands separators: "10,737,418,240 bytes". */
export function exactBytes(n: number | string | null | undefined): string {
  if (n === null || n === undefined || n === '') return '-';
  const digits = String(n);
  return /^\d+$/.test(digits) ? `${digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')} bytes` : digits;
}

export function rate(n: number | null | undefined): string {
  return n === null || n === undefined ? '-' : `${bytes(n)}/s`;
}

export function percent(n: number | null | undefined, digits = 0): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '-' : `${n.toFixed(digits)}%`;
}

/** A horizontal bar `width` cells wide. */
export function bar(theme: Theme, pct: number | null | undefined, width: number): string {
  if (width <= 0) return '';
  const p = Math.max(0, Math.min(100, pct ?? 0));
  const full = Math.round((p / 100) * width);
  return theme.barFull.repeat(full) + theme.barEmpty.repeat(width - full);
}

/** Colour for a fill level: green, yellow from 80 %, red from 90 %. */
export function levelColor(pct: number | null | undefined): string {
  if (pct === null || pct === undefined) return 'gray';
  return pct >= 90 ? 'red' : pct >= 80 ? 'yellow' : 'green';
}

/** The last `width` values as one line of partial blocks, scaled to `max` (or the series' own maximum). */
export function sparkline(theme: Theme, values: number[], width: number, max?: number): string {
  const tail = values.slice(-width);
  const top = max ?? Math.max(1, ...tail);
  const steps = theme.spark.length - 1;
  const line = tail.map((v) => theme.spark[Math.max(0, Math.min(steps, Math.round((v / top) * steps)))]).join('');
  return line.padStart(width, ' ');
}

export function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  const t = text.length > width ? (width > 1 ? `${text.slice(0, width - 1)}~` : text.slice(0, width)) : text;
  return align === 'right' ? t.padStart(width) : t.padEnd(width);
}

export function truncate(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}~` : text;
}

const two = (n: number) => String(n).padStart(2, '0');

function parseTime(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** 2026-11-29T12:45:56.789Z -> "2026-11-29 12:45" (local time). Not a time: shown as it is. */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '-';
  const d = parseTime(iso);
  if (!d) return iso;
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** With seconds, for log lines and audit details: "2026-11-29 12:45:56" (local time). */
export function dateTimeSeconds(iso: string | null | undefined): string {
  const d = parseTime(iso);
  return d ? `${dateTime(iso)}:${two(d.getSeconds())}` : dateTime(iso);
}

/**
 * For lists of recent events: "just now", "45 s ago", "3 min ago", "5 h ago" within a day (and
 * "in 3 min" ahead), the date and time beyond. `now` is injectable for tests. At most 16 characters.
 */
export function ago(iso: string | null | undefined, now: number = Date.now()): string {
  const d = parseTime(iso);
  if (!d) return dateTime(iso);
  const s = Math.round((now - d.getTime()) / 1000);
  const abs = Math.abs(s);
  if (abs >= 86_400) return dateTime(iso);
  if (abs < 5) return 'just now';
  const text = abs < 60 ? `${abs} s` : abs < 3600 ? `${Math.floor(abs / 60)} min` : `${Math.floor(abs / 3600)} h`;
  return s > 0 ? `${text} ago` : `in ${text}`;
}

/** A duration in seconds: "45 s", "12 min", "3 h 5 min", "14 d 3 h", "2 y 41 d". */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  const days = Math.floor(s / 86_400);
  if (s < 86_400) {
    const m = Math.floor((s % 3600) / 60);
    return `${Math.floor(s / 3600)} h${m ? ` ${m} min` : ''}`;
  }
  if (days < 365) {
    const h = Math.floor((s % 86_400) / 3600);
    return `${days} d${h ? ` ${h} h` : ''}`;
  }
  const rest = days % 365;
  return `${Math.floor(days / 365)} y${rest ? ` ${rest} d` : ''}`;
}

/** 2^64 - 1: what `zfs get -p` prints for a limit or count that is not set. */
const ZFS_NONE = '18446744073709551615';

/** A count or limit: `none` where ZFS says there is none (unset, 2^64 - 1, "-"), else the number. */
export function count(value: number | string | null | undefined, none = 'none'): string {
  if (value === null || value === undefined || value === '' || value === '-' || value === 'none' || String(value) === ZFS_NONE) return none;
  const n = Number(value);
  return Number.isFinite(n) && n < 2 ** 63 ? n.toLocaleString('en') : String(value);
}

/** ZFS properties whose value is a size in bytes (as `zfs get -p` prints it). */
const ZFS_SIZES = new Set([
  'used',
  'available',
  'referenced',
  'quota',
  'refquota',
  'reservation',
  'refreservation',
  'volsize',
  'volblocksize',
  'recordsize',
  'usedbysnapshots',
  'usedbydataset',
  'usedbychildren',
  'usedbyrefreservation',
  'logicalused',
  'logicalreferenced',
  'written',
  'special_small_blocks',
  'size',
  'allocated',
  'free',
  'freeing',
  'leaked',
  'expandsize',
  'checkpoint',
  'dnodesize',
]);
/** Sizes where 0 means there is none (no quota, no reservation). */
const ZFS_ZERO_IS_NONE = new Set(['quota', 'refquota', 'reservation', 'refreservation', 'special_small_blocks']);
const ZFS_TIMES = new Set(['creation']);
const ZFS_COUNTS = new Set(['filesystem_count', 'filesystem_limit', 'snapshot_count', 'snapshot_limit', 'userrefs', 'copies']);
const ZFS_RATIOS = new Set(['compressratio', 'refcompressratio', 'dedupratio']);

/**
 * A ZFS property's raw value (as `zfs get -p` prints it) in human form: `available 10 GiB`,
 * `creation 2026-11-29 12:45`, `filesystem_count none`, `quota none`, `compressratio 1.52x`.
 * Anything else (on, lz4, a path) is shown as it is.
 */
export function zfsValue(property: string, raw: string | null | undefined): string {
  if (raw === null || raw === undefined || raw === '' || raw === '-') return '-';
  const digits = /^\d+$/.test(raw);
  if (ZFS_SIZES.has(property) && digits) return raw === '0' && ZFS_ZERO_IS_NONE.has(property) ? 'none' : raw === ZFS_NONE ? 'none' : bytes(Number(raw));
  if (ZFS_TIMES.has(property) && digits) return dateTime(new Date(Number(raw) * 1000).toISOString());
  if (ZFS_COUNTS.has(property) && (digits || raw === 'none')) return count(raw);
  if (ZFS_RATIOS.has(property) && /^\d+(\.\d+)?x?$/.test(raw)) return `${Number(raw.replace(/x$/, '')).toFixed(2)}x`;
  return raw;
}

/** For detail views: the human value, and the raw one beside it when they differ. */
export function humanAndRaw(human: string, raw: string | number | null | undefined): string {
  // An ISO time's zero milliseconds say nothing: "2026-11-29T12:45:56Z".
  const r = raw === null || raw === undefined ? '-' : String(raw).replace(/^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.000Z$/, '$1Z');
  return human === r ? human : `${human}  (${r})`;
}

export function clock(d: Date): string {
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** A column chart as text rows (top first), for terminals that cannot draw braille. */
export function columnChart(theme: Theme, values: number[], width: number, height: number, max?: number): string[] {
  const tail = values.slice(-width);
  const top = max ?? Math.max(1, ...tail);
  const rows: string[] = [];
  for (let r = 0; r < height; r++) {
    const level = height - r;
    const line = tail.map((v) => ((v / top) * height >= level - 0.5 ? theme.barFull : r === height - 1 ? '_' : ' ')).join('');
    rows.push(line.padStart(width, ' '));
  }
  return rows;
}
