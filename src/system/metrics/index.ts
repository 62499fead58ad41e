/**
 * Readings of the machine Calypso runs on: CPU, load, memory, network, disk I/O and file
 * systems through systeminformation (and /proc where it has no counter), and unit states
 * through systemctl on the host. Counters are returned raw (cumulative); rates are computed
 * by the caller, which owns the clock.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import si from 'systeminformation';
import { HostCommandError, userArg } from '../host.js';
import type { Host } from '../host.js';
import { parseZpoolIostat } from '../zfs/parse.js';
import type { IostatEntry } from '../zfs/parse.js';
import { parseIsActive, parseProcNetDev } from './parse.js';
import type { InterfaceCounters, UnitState } from './parse.js';

export * from './parse.js';

export interface CpuReading {
  /** Percent busy over all cores since the previous reading. */
  totalPercent: number;
  perCorePercent: number[];
}

export interface MemoryReading {
  totalBytes: number;
  usedBytes: number;
  availableBytes: number;
  freeBytes: number;
  swapTotalBytes: number;
  swapUsedBytes: number;
}

export interface DiskIoCounters {
  readBytes: number;
  writeBytes: number;
}

export interface FilesystemReading {
  mount: string;
  device: string;
  type: string;
  sizeBytes: number;
  usedBytes: number;
  usedPercent: number;
}

/** What the collector asks of the machine; each call is one probe with its own timeout. */
export interface MachineProbe {
  cpu(): Promise<CpuReading>;
  load(): Promise<[number, number, number]>;
  memory(): Promise<MemoryReading>;
  network(): Promise<InterfaceCounters[]>;
  diskIo(): Promise<DiskIoCounters | null>;
  filesystems(): Promise<FilesystemReading[]>;
}

/** File systems that say nothing about the appliance's storage (ZFS is watched per pool). */
const SKIPPED_FS = /^(tmpfs|devtmpfs|overlay|squashfs|zfs|proc|sysfs|cgroup2?|nsfs|fuse\..*|autofs|ramfs|efivarfs)$/;

/** The local machine through systeminformation. */
export class LocalMachineProbe implements MachineProbe {
  async cpu(): Promise<CpuReading> {
    const load = await si.currentLoad();
    return { totalPercent: load.currentLoad, perCorePercent: load.cpus.map((c) => c.load) };
  }

  async load(): Promise<[number, number, number]> {
    const [a, b, c] = os.loadavg();
    return [a ?? 0, b ?? 0, c ?? 0];
  }

  async memory(): Promise<MemoryReading> {
    const m = await si.mem();
    return {
      totalBytes: m.total,
      usedBytes: m.total - m.available,
      availableBytes: m.available,
      freeBytes: m.free,
      swapTotalBytes: m.swaptotal,
      swapUsedBytes: m.swapused,
    };
  }

  /** Packet counters are only in /proc/net/dev; elsewhere systeminformation's bytes and errors. */
  async network(): Promise<InterfaceCounters[]> {
    try {
      return parseProcNetDev(await readFile('/proc/net/dev', 'utf8'));
    } catch {
      const stats = await si.networkStats('*');
      return stats.map((s) => ({
        iface: s.iface,
        rxBytes: s.rx_bytes,
        txBytes: s.tx_bytes,
        rxErrors: s.rx_errors,
        txErrors: s.tx_errors,
        rxDropped: s.rx_dropped,
        txDropped: s.tx_dropped,
        rxPackets: 0,
        txPackets: 0,
      }));
    }
  }

  async diskIo(): Promise<DiskIoCounters | null> {
    const s = await si.fsStats();
    if (!s || typeof s.rx !== 'number') return null;
    return { readBytes: s.rx, writeBytes: s.wx };
  }

  async filesystems(): Promise<FilesystemReading[]> {
    const list = await si.fsSize();
    return list
      .filter((f) => !SKIPPED_FS.test(f.type) && f.size > 0)
      .map((f) => ({ mount: f.mount, device: f.fs, type: f.type, sizeBytes: f.size, usedBytes: f.used, usedPercent: f.use }));
  }
}

/**
 * Unit states through the host's systemctl. Returns null where there is no systemd
 * (the simulated appliance, containers), so the caller can tell "unsupported" from "down".
 */
export async function unitStates(host: Host, units: string[]): Promise<{ unit: string; state: UnitState }[] | null> {
  if (units.length === 0) return [];
  // is-active exits 3 when any unit is not active; the states are still printed.
  const okCodes = Array.from({ length: 256 }, (_, i) => i);
  let res;
  try {
    res = await host.run('systemctl', ['is-active', '--', ...units.map(userArg)], { okCodes, timeoutMs: 10_000 });
  } catch (err) {
    if (err instanceof HostCommandError && err.code === null && /not found/.test(err.message)) return null;
    throw err;
  }
  if (res.code === 127 || /not found|System has not been booted with systemd/i.test(res.stderr)) return null;
  return parseIsActive(units, res.stdout);
}

/**
 * Current pool throughput: `zpool iostat -Hpy SECONDS 1` prints one interval's rates
 * (-y drops the since-import averages). Takes SECONDS to answer: run it as a slow probe.
 */
export async function poolIoRates(host: Host, seconds: number): Promise<IostatEntry[]> {
  const interval = String(Math.max(1, Math.round(seconds)));
  return parseZpoolIostat((await host.run('zpool', ['iostat', '-H', '-p', '-y', interval, '1'], { timeoutMs: (seconds + 10) * 1000 })).stdout);
}
