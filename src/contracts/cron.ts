/**
 * Cron expressions of schedules: five fields (minute hour day-of-month month day-of-week), so a
 * schedule runs at most once a minute; a six-field (seconds) pattern is refused. Evaluated with
 * croner in the appliance's time zone (or the one the scheduler was given).
 */
import { Cron } from 'croner';

const FIELD = /^[0-9A-Za-z*/,\-?LW#]+$/;
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Why the expression is not a usable schedule, or null. */
export function cronProblem(expr: string, timezone?: string): string | null {
  const fields = expr.trim().split(/\s+/);
  if (fields.length === 6) return 'runs more often than once a minute (a seconds field); use five fields: minute hour day month weekday';
  if (fields.length !== 5) return 'five fields are needed: minute hour day-of-month month day-of-week (e.g. "0 3 * * 0")';
  if (!fields.every((f) => FIELD.test(f))) return 'a field holds a character cron does not use';
  try {
    const next = new Cron(fields.join(' '), { paused: true, timezone }).nextRun();
    if (!next) return 'never runs (no date matches it)';
  } catch (err) {
    return (err as Error).message.replace(/^CronPattern: /, '');
  }
  return null;
}

/** The normalised expression (single spaces). */
export function normaliseCron(expr: string): string {
  return expr.trim().split(/\s+/).join(' ');
}

/** The first run strictly after `afterMs`, or null when none. */
export function nextRunAfter(expr: string, afterMs: number, timezone?: string): number | null {
  const next = new Cron(expr, { paused: true, timezone }).nextRun(new Date(afterMs));
  return next ? next.getTime() : null;
}

const two = (n: string) => n.padStart(2, '0');

/** The schedule in words for the common shapes ("daily at 03:00"), else the expression itself. */
export function describeCron(expr: string): string {
  const [min, hour, dom, mon, dow] = normaliseCron(expr).split(' ');
  const num = (s: string | undefined) => s !== undefined && /^\d{1,2}$/.test(s);
  if (num(min) && hour === '*' && dom === '*' && mon === '*' && dow === '*') return min === '0' ? 'hourly' : `hourly at :${two(min!)}`;
  if (num(min) && num(hour) && dom === '*' && mon === '*') {
    const at = `${two(hour!)}:${two(min!)}`;
    if (dow === '*') return `daily at ${at}`;
    if (/^[0-7]$/.test(dow!)) return `weekly on ${DAYS[Number(dow) % 7]} at ${at}`;
  }
  if (num(min) && num(hour) && num(dom) && mon === '*' && dow === '*') return `monthly on day ${dom} at ${two(hour!)}:${two(min!)}`;
  return `cron ${normaliseCron(expr)}`;
}

/** Builds the expression for the console's picker. */
export type CronPick =
  | { every: 'hourly'; minute: number }
  | { every: 'daily'; hour: number; minute: number }
  | { every: 'weekly'; day: number; hour: number; minute: number }
  | { every: 'custom'; cron: string };

export function cronOf(p: CronPick): string {
  switch (p.every) {
    case 'hourly':
      return `${p.minute} * * * *`;
    case 'daily':
      return `${p.minute} ${p.hour} * * *`;
    case 'weekly':
      return `${p.minute} ${p.hour} * * ${p.day}`;
    case 'custom':
      return normaliseCron(p.cron);
  }
}

export const WEEKDAYS = DAYS;
