/**
 * Logs (issue 15): the system journal through journalctl, and Calypso's own log (pino's JSON
 * lines in the data directory) read backwards a page at a time, so a large log never sits in
 * memory. Reading them is appliance.logs (every built-in role; a custom role may leave it out: logs name users and addresses).
 */
import { applianceContracts as c } from '../../contracts/appliance.js';
import { readLinesBackward } from '../../system/logfile.js';
import { SystemdAdapter } from '../../system/systemd/index.js';
import { implement, type Registry } from '../core/registry.js';

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const LEVEL_NUMBER: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/** One pino line in words; a line that is not pino's JSON is shown as it is. */
export function readLine(offset: number, text: string) {
  try {
    const doc = JSON.parse(text) as Record<string, unknown>;
    const { level, time, msg, pid: _pid, hostname: _host, ...rest } = doc;
    void _pid;
    void _host;
    return {
      offset,
      at: typeof time === 'number' ? new Date(time).toISOString() : null,
      level: LEVELS[Number(level)] ?? String(level ?? 'info'),
      message: typeof msg === 'string' ? msg : '',
      detail: Object.keys(rest).length ? JSON.stringify(rest).slice(0, 4000) : '',
    };
  } catch {
    return { offset, at: null, level: 'info', message: text.slice(0, 4000), detail: '' };
  }
}

/** The paged read's and the stream's filter of Calypso's log lines: a level and above, a text (case-insensitive). */
export function calypsoLineFilter(level: string, text: string | undefined): (line: string) => boolean {
  const min = LEVEL_NUMBER[level] ?? 10;
  const needle = text?.toLowerCase();
  return (line: string) => {
    if (needle && !line.toLowerCase().includes(needle)) return false;
    if (min <= 10) return true;
    const found = /"level":(\d+)/.exec(line);
    return found ? Number(found[1]) >= min : true;
  };
}

export function registerLogs(registry: Registry, logFile: () => string | null): void {
  registry.add(
    implement(c['appliance.logs.calypso'], async (_ctx, i) => {
      const file = logFile();
      if (!file) return { items: [], nextBefore: null, file: null };
      const match = calypsoLineFilter(i.level, i.text);
      try {
        const page = await readLinesBackward(file, { before: i.before, limit: i.limit, match });
        return { items: page.lines.map((l) => readLine(l.offset, l.text)), nextBefore: page.nextBefore, file };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { items: [], nextBefore: null, file };
        throw err;
      }
    }),
  );
  registry.add(
    implement(c['appliance.logs.journal'], async (ctx, i) => {
      try {
        const entries = await new SystemdAdapter(ctx.host).query({
          unit: i.unit,
          priority: i.priority,
          sinceMs: i.sinceAt === undefined ? undefined : Date.parse(i.sinceAt),
          untilMs: i.untilAt === undefined ? undefined : Date.parse(i.untilAt),
          text: i.text,
          limit: i.limit,
        });
        return { items: entries, manager: 'systemd' as const };
      } catch (err) {
        if (SystemdAdapter.absent(err)) return { items: [], manager: 'none' as const };
        throw err;
      }
    }),
  );
}
