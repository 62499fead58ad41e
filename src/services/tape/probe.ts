/**
 * The tape probe: per library whether mtx answers and how full it is, per drive whether it holds
 * a cartridge and its TapeAlert flags (cleaning, hardware, media), and per media pool how many
 * writable cartridges it has against its low-water mark. The built-in alert rules on these
 * series live in src/services/monitoring/rules.ts.
 */
import type { Knex } from 'knex';
import { HostCommandError, type Host } from '../../system/host.js';
import { TapeAdapter } from '../../system/tape/index.js';
import type { MetricValue } from '../monitoring/metrics.js';
import type { Probe } from '../monitoring/probes.js';

/** TapeAlert codes that say the drive wants cleaning, the drive is broken, or the cartridge is. */
export const CLEANING_FLAGS = [0x14, 0x15];
export const HARDWARE_FLAGS = [0x1e, 0x1f, 0x20, 0x27];
export const MEDIA_FLAGS = [0x04, 0x05, 0x06, 0x07, 0x0d, 0x0e, 0x0f, 0x12];

export const TAPE_METRICS = [
  'calypso_tape_library_up',
  'calypso_tape_slots_full',
  'calypso_tape_slots',
  'calypso_tape_drive_loaded',
  'calypso_tape_drive_cleaning_required',
  'calypso_tape_drive_hardware_error',
  'calypso_tape_drive_media_error',
  'calypso_tape_pool_writable',
  'calypso_tape_pool_writable_shortfall',
];

export function tapeProbe(host: Host, db: Knex): Probe {
  const tape = new TapeAdapter(host);
  return {
    name: 'tape',
    provides: TAPE_METRICS,
    timeoutMs: 60_000,
    everyMs: 60_000,
    collect: async () => {
      const out: MetricValue[] = [];
      const v = (name: string, value: number, labels: Record<string, string>) => out.push({ name, labels, value });
      let libraries: Awaited<ReturnType<TapeAdapter['discover']>> = [];
      try {
        libraries = await tape.discover();
      } catch (err) {
        // No SCSI tape tools on this machine: nothing to report.
        if (!(err instanceof HostCommandError && (err.code === null || err.code === 127))) throw err;
      }
      for (const lib of libraries) {
        const library = lib.serial;
        const st = await tape.status(lib.sg).catch(() => null);
        v('calypso_tape_library_up', st ? 1 : 0, { library });
        if (!st) continue;
        v('calypso_tape_slots_full', st.slots.filter((s) => s.full).length, { library });
        v('calypso_tape_slots', st.slots.length, { library });
        for (const d of lib.drives) {
          if (d.element === null) continue;
          const drive = String(d.element);
          v('calypso_tape_drive_loaded', st.drives.find((x) => x.index === d.element)?.full ? 1 : 0, { library, drive });
          const set = new Set((await tape.tapeAlerts(d.sg).catch(() => [])).filter((f) => f.set).map((f) => f.code));
          const any = (codes: number[]) => (codes.some((c) => set.has(c)) ? 1 : 0);
          v('calypso_tape_drive_cleaning_required', any(CLEANING_FLAGS), { library, drive });
          v('calypso_tape_drive_hardware_error', any(HARDWARE_FLAGS), { library, drive });
          v('calypso_tape_drive_media_error', any(MEDIA_FLAGS), { library, drive });
        }
      }
      const pools = await db('tape_pools').select('name', 'low_writable');
      const writable = await db('tape_media').where({ state: 'writable' }).whereNotNull('pool').select('pool');
      for (const p of pools) {
        const n = writable.filter((m: { pool: string }) => m.pool === p.name).length;
        v('calypso_tape_pool_writable', n, { pool: String(p.name) });
        v('calypso_tape_pool_writable_shortfall', Math.max(0, Number(p.low_writable) - n), { pool: String(p.name) });
      }
      return out;
    },
  };
}
