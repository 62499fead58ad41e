/** Presentation: values in, strings out. No state, no I/O. */
import type { Theme } from './theme.js';

const UNITS = ['B', 'K', 'M', 'G', 'T', 'P', 'E'];

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-';
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v.toFixed(0) : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)}${UNITS[i]}`;
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

/** 2024-05-01T12:34:56.789Z -> 2024-05-01 12:34:56 (local time). */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function clock(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function hours(n: number | null | undefined): string {
  if (n === null || n === undefined) return '-';
  return n >= 24 * 365 ? `${(n / (24 * 365)).toFixed(1)}y` : n >= 24 ? `${Math.round(n / 24)}d` : `${n}h`;
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
