/**
 * Naming schemas of periodic snapshot tasks: strftime-like patterns (`auto-%Y-%m-%d_%H-%M`) that
 * make a snapshot's name from its time and read the time back from a name. Retention works from
 * the time in the name (not the `creation` property), so a snapshot a task did not name is never
 * the task's to destroy. Pure functions: the contract, the service and the console share them.
 */

/** The fields a schema may use, with the digits each one takes. */
const FIELDS: Record<string, { digits: number | 'epoch'; part: keyof WallTime | 'epoch' | 'yday' | 'year2' }> = {
  Y: { digits: 4, part: 'year' },
  y: { digits: 2, part: 'year2' },
  m: { digits: 2, part: 'month' },
  d: { digits: 2, part: 'day' },
  j: { digits: 3, part: 'yday' },
  H: { digits: 2, part: 'hour' },
  M: { digits: 2, part: 'minute' },
  S: { digits: 2, part: 'second' },
  s: { digits: 'epoch', part: 'epoch' },
};

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

type Token = { literal: string } | { field: string };

/** Characters a ZFS snapshot name may hold besides the fields (and what `%%` stands for). */
const LITERAL = /^[A-Za-z0-9_.:-]*$/;

function tokens(schema: string): Token[] | string {
  const out: Token[] = [];
  let lit = '';
  for (let i = 0; i < schema.length; i++) {
    const c = schema[i]!;
    if (c !== '%') {
      lit += c;
      continue;
    }
    const f = schema[i + 1];
    if (f === undefined) return "ends with a lone '%'";
    i++;
    if (f === '%') return "'%%' would put a '%' in the name, which ZFS does not allow";
    if (!FIELDS[f]) return `'%${f}' is not a field Calypso knows (use %Y %y %m %d %j %H %M %S or %s)`;
    if (lit) out.push({ literal: lit });
    lit = '';
    out.push({ field: f });
  }
  if (lit) out.push({ literal: lit });
  return out;
}

/**
 * Why the schema cannot name snapshots, or null. It needs a time down to the minute (the year,
 * month or day of year, day, hour and minute; or %s), no two fields that run together without a
 * separator being ambiguous is fine since every field has a fixed width, and only characters a
 * snapshot name may hold.
 */
export function namingSchemaProblem(schema: string): string | null {
  if (schema.length === 0) return 'is empty';
  if (schema.length > 200) return 'is longer than 200 characters';
  if (schema.startsWith('-')) return "may not start with '-'";
  const t = tokens(schema);
  if (typeof t === 'string') return t;
  for (const tok of t) {
    if ('literal' in tok && !LITERAL.test(tok.literal))
      return `holds ${JSON.stringify(tok.literal)}: a snapshot name takes letters, digits, '_', '.', ':' and '-' besides the % fields`;
  }
  const fields = new Set(t.filter((x): x is { field: string } => 'field' in x).map((x) => x.field));
  for (const f of fields) if (t.filter((x) => 'field' in x && x.field === f).length > 1) return `uses %${f} twice`;
  if (fields.has('s')) return fields.size === 1 ? null : '%s (seconds since 1970) is the whole time: use it alone';
  if (fields.size === 0) return 'has no time field: add %Y, %m, %d, %H and %M (e.g. auto-%Y-%m-%d_%H-%M)';
  const missing = [
    !fields.has('Y') && !fields.has('y') ? '%Y' : null,
    !fields.has('j') && !fields.has('m') ? '%m' : null,
    !fields.has('j') && !fields.has('d') ? '%d' : null,
    !fields.has('H') ? '%H' : null,
    !fields.has('M') ? '%M' : null,
  ].filter((x): x is string => x !== null);
  if (missing.length) return `names two snapshots taken in the same minute alike: add ${missing.join(', ')} (e.g. auto-%Y-%m-%d_%H-%M)`;
  if (fields.has('j') && (fields.has('m') || fields.has('d'))) return 'uses %j (day of the year) with %m or %d: use one or the other';
  return null;
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** The wall-clock parts of `ms` in `timeZone` (an IANA name; UTC by default). */
export function wallTime(ms: number, timeZone = 'UTC'): WallTime {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour') % 24, minute: get('minute'), second: get('second') };
}

/** Epoch ms of a wall time in `timeZone` (for a time a DST change skips or repeats: the first match). */
export function fromWallTime(w: WallTime, timeZone = 'UTC'): number {
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  let guess = asUtc;
  for (let i = 0; i < 3; i++) {
    const seen = wallTime(guess, timeZone);
    const diff = asUtc - Date.UTC(seen.year, seen.month - 1, seen.day, seen.hour, seen.minute, seen.second);
    if (diff === 0) break;
    guess += diff;
  }
  return guess;
}

function dayOfYear(w: WallTime): number {
  return Math.round((Date.UTC(w.year, w.month - 1, w.day) - Date.UTC(w.year, 0, 1)) / 86_400_000) + 1;
}

/** The snapshot name (the part after '@') the schema gives a snapshot taken at `ms`. */
export function formatSnapshotName(schema: string, ms: number, timeZone = 'UTC'): string {
  const t = tokens(schema);
  if (typeof t === 'string') throw new Error(`naming schema ${schema} ${t}`);
  const w = wallTime(ms, timeZone);
  return t
    .map((tok) => {
      if ('literal' in tok) return tok.literal;
      switch (tok.field) {
        case 'Y':
          return pad(w.year, 4);
        case 'y':
          return pad(w.year % 100, 2);
        case 'm':
          return pad(w.month, 2);
        case 'd':
          return pad(w.day, 2);
        case 'j':
          return pad(dayOfYear(w), 3);
        case 'H':
          return pad(w.hour, 2);
        case 'M':
          return pad(w.minute, 2);
        case 'S':
          return pad(w.second, 2);
        default:
          return String(Math.floor(ms / 1000));
      }
    })
    .join('');
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The time (epoch ms) a snapshot name made by the schema stands for, or null when the name does
 * not match the schema (another task's, or made by hand). Calendar nonsense (month 13) is no match.
 */
export function parseSnapshotName(schema: string, name: string, timeZone = 'UTC'): number | null {
  const t = tokens(schema);
  if (typeof t === 'string') return null;
  const order: string[] = [];
  const re = t
    .map((tok) => {
      if ('literal' in tok) return escapeRe(tok.literal);
      order.push(tok.field);
      const d = FIELDS[tok.field]!.digits;
      return d === 'epoch' ? '(\\d{1,12})' : `(\\d{${d}})`;
    })
    .join('');
  const m = new RegExp(`^${re}$`).exec(name);
  if (!m) return null;
  const v: Record<string, number> = {};
  order.forEach((f, i) => (v[f] = Number(m[i + 1])));
  if (v['s'] !== undefined) return v['s'] * 1000;
  const year = v['Y'] ?? 2000 + (v['y'] ?? 0);
  let month = v['m'] ?? 1;
  let day = v['d'] ?? 1;
  if (v['j'] !== undefined) {
    const d = new Date(Date.UTC(year, 0, v['j']));
    if (v['j'] < 1 || d.getUTCFullYear() !== year) return null;
    month = d.getUTCMonth() + 1;
    day = d.getUTCDate();
  }
  const w: WallTime = { year, month, day, hour: v['H'] ?? 0, minute: v['M'] ?? 0, second: v['S'] ?? 0 };
  if (w.month < 1 || w.month > 12 || w.day < 1 || w.hour > 23 || w.minute > 59 || w.second > 59) return null;
  if (new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDate() !== w.day) return null;
  return fromWallTime(w, timeZone);
}

const UNITS: Record<string, number> = {
  m: 60,
  min: 60,
  minute: 60,
  h: 3600,
  hour: 3600,
  d: 86400,
  day: 86400,
  w: 7 * 86400,
  week: 7 * 86400,
  month: 30 * 86400,
  y: 365 * 86400,
  year: 365 * 86400,
};

/** "2 weeks", "12h", "1 month" (30 days), "1 year" (365 days) as seconds; null when unreadable. */
export function parseLifetime(text: string): number | null {
  const m = /^\s*(\d{1,5})\s*([a-z]+?)s?\s*$/i.exec(text);
  if (!m) return null;
  const unit = UNITS[m[2]!.toLowerCase()];
  const n = Number(m[1]);
  if (!unit || n <= 0) return null;
  return n * unit;
}

/** A lifetime in words ("2 weeks", "36 hours"): the largest unit that divides it. */
export function describeLifetime(seconds: number): string {
  const units: [string, number][] = [
    ['year', 365 * 86400],
    ['month', 30 * 86400],
    ['week', 7 * 86400],
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
  ];
  for (const [name, s] of units) if (seconds % s === 0) return `${seconds / s} ${name}${seconds / s === 1 ? '' : 's'}`;
  return `${seconds} seconds`;
}
