/** Pure parsers of kernel counters that systeminformation does not expose. */

export interface InterfaceCounters {
  iface: string;
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDropped: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDropped: number;
}

/**
 * /proc/net/dev (Linux 2.6+): two header lines, then "iface: 8 receive counters 8 transmit
 * counters". Old kernels print no space after the colon when the byte count is wide.
 */
export function parseProcNetDev(text: string): InterfaceCounters[] {
  const out: InterfaceCounters[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([^\s:]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const f = m[2]!.trim().split(/\s+/).map(Number);
    if (f.length < 16 || f.some((n) => !Number.isFinite(n))) continue;
    out.push({
      iface: m[1]!,
      rxBytes: f[0]!,
      rxPackets: f[1]!,
      rxErrors: f[2]!,
      rxDropped: f[3]!,
      txBytes: f[8]!,
      txPackets: f[9]!,
      txErrors: f[10]!,
      txDropped: f[11]!,
    });
  }
  return out;
}

export type UnitState = 'active' | 'inactive' | 'failed' | 'activating' | 'deactivating' | 'reloading' | 'unknown';

/** `systemctl is-active UNIT...`: one state per line, in the order the units were given. */
export function parseIsActive(units: string[], text: string): { unit: string; state: UnitState }[] {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const known: UnitState[] = ['active', 'inactive', 'failed', 'activating', 'deactivating', 'reloading'];
  return units.map((unit, i) => {
    const s = lines[i] as UnitState | undefined;
    return { unit, state: s && known.includes(s) ? s : 'unknown' };
  });
}
