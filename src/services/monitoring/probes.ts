/**
 * Probes: each asks one part of the machine for readings and turns them into metric values.
 * The collector runs them concurrently, each with a timeout; counters become per-second rates
 * here, against the collector's clock.
 */
import { DiskAdapter } from '../../system/disks/index.js';
import { HostCommandError, type Host } from '../../system/host.js';
import { poolIoRates, unitStates, type MachineProbe } from '../../system/metrics/index.js';
import { ZfsAdapter, leafVdevs } from '../../system/zfs/index.js';
import { poolHealthCode, type Labels, type MetricValue } from './metrics.js';

export interface Probe {
  name: string;
  /** Metric names this probe answers for: while it fails, alerts on them keep their state. */
  provides: string[];
  timeoutMs: number;
  /** Run at most this often (slow or intrusive probes, e.g. SMART); reuse the last values between runs. */
  everyMs?: number;
  collect(now: number): Promise<MetricValue[]>;
}

/** Turns monotonically increasing counters into per-second rates; a reset gives no value. */
export class RateTracker {
  private readonly last = new Map<string, { t: number; v: number }>();

  rate(key: string, counter: number, now: number): number | null {
    const prev = this.last.get(key);
    this.last.set(key, { t: now, v: counter });
    if (!prev || now <= prev.t || counter < prev.v) return null;
    return ((counter - prev.v) * 1000) / (now - prev.t);
  }
}

/** A tool that is not installed (no ZFS, no systemd on this machine) means nothing to report, not a failure. */
async function unlessAbsent<T>(fn: () => Promise<T[]>): Promise<T[]> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof HostCommandError && err.code === null && /not found/.test(err.message)) return [];
    throw err;
  }
}

const v = (name: string, value: number, labels: Labels = {}): MetricValue => ({ name, labels, value });

export function machineProbes(machine: MachineProbe): Probe[] {
  const rates = new RateTracker();
  return [
    {
      name: 'cpu',
      provides: ['calypso_cpu_usage_percent'],
      timeoutMs: 3000,
      collect: async () => {
        const cpu = await machine.cpu();
        return [v('calypso_cpu_usage_percent', cpu.totalPercent), ...cpu.perCorePercent.map((p, i) => v('calypso_cpu_usage_percent', p, { cpu: String(i) }))];
      },
    },
    {
      name: 'load',
      provides: ['calypso_load1', 'calypso_load5', 'calypso_load15'],
      timeoutMs: 3000,
      collect: async () => {
        const [a, b, c] = await machine.load();
        return [v('calypso_load1', a), v('calypso_load5', b), v('calypso_load15', c)];
      },
    },
    {
      name: 'memory',
      provides: [
        'calypso_memory_total_bytes',
        'calypso_memory_used_bytes',
        'calypso_memory_available_bytes',
        'calypso_memory_available_percent',
        'calypso_swap_total_bytes',
        'calypso_swap_used_bytes',
      ],
      timeoutMs: 3000,
      collect: async () => {
        const m = await machine.memory();
        return [
          v('calypso_memory_total_bytes', m.totalBytes),
          v('calypso_memory_used_bytes', m.usedBytes),
          v('calypso_memory_available_bytes', m.availableBytes),
          v('calypso_memory_available_percent', m.totalBytes > 0 ? (m.availableBytes / m.totalBytes) * 100 : 100),
          v('calypso_swap_total_bytes', m.swapTotalBytes),
          v('calypso_swap_used_bytes', m.swapUsedBytes),
        ];
      },
    },
    {
      name: 'network',
      provides: ['receive_bytes', 'transmit_bytes', 'receive_packets', 'transmit_packets', 'receive_errors', 'transmit_errors'].flatMap((m) => [
        `calypso_network_${m}_total`,
        `calypso_network_${m}_per_second`,
      ]),
      timeoutMs: 3000,
      collect: async (now) => {
        const out: MetricValue[] = [];
        for (const n of await machine.network()) {
          if (n.iface === 'lo') continue;
          const labels = { interface: n.iface };
          const pairs: [string, number][] = [
            ['receive_bytes', n.rxBytes],
            ['transmit_bytes', n.txBytes],
            ['receive_packets', n.rxPackets],
            ['transmit_packets', n.txPackets],
            ['receive_errors', n.rxErrors],
            ['transmit_errors', n.txErrors],
          ];
          for (const [m, counter] of pairs) {
            out.push(v(`calypso_network_${m}_total`, counter, labels));
            const r = rates.rate(`net:${n.iface}:${m}`, counter, now);
            if (r !== null) out.push(v(`calypso_network_${m}_per_second`, r, labels));
          }
        }
        return out;
      },
    },
    {
      name: 'disk-io',
      provides: [
        'calypso_disk_read_bytes_total',
        'calypso_disk_written_bytes_total',
        'calypso_disk_read_bytes_per_second',
        'calypso_disk_write_bytes_per_second',
      ],
      timeoutMs: 3000,
      collect: async (now) => {
        const io = await machine.diskIo();
        if (!io) return [];
        const r = rates.rate('disk:read', io.readBytes, now);
        const w = rates.rate('disk:write', io.writeBytes, now);
        return [
          v('calypso_disk_read_bytes_total', io.readBytes),
          v('calypso_disk_written_bytes_total', io.writeBytes),
          ...(r === null ? [] : [v('calypso_disk_read_bytes_per_second', r)]),
          ...(w === null ? [] : [v('calypso_disk_write_bytes_per_second', w)]),
        ];
      },
    },
    {
      name: 'filesystems',
      provides: ['calypso_filesystem_used_percent', 'calypso_filesystem_size_bytes'],
      timeoutMs: 5000,
      collect: async () =>
        (await machine.filesystems()).flatMap((f) => [
          v('calypso_filesystem_used_percent', f.usedPercent, { mount: f.mount }),
          v('calypso_filesystem_size_bytes', f.sizeBytes, { mount: f.mount }),
        ]),
    },
  ];
}

export interface HostProbeOptions {
  /** How often SMART is read (it can wake sleeping disks). */
  smartEveryMs: number;
  /** Length of the pool I/O measurement; 0 skips it. */
  poolIoSeconds: number;
  /** systemd units watched for the service-down alert. */
  watchedServices: () => string[];
}

/** Pools, ARC, SMART and services, through the host (real or simulated). */
export function hostProbes(host: Host, opts: HostProbeOptions): Probe[] {
  const zfs = new ZfsAdapter(host);
  const disks = new DiskAdapter(host);
  const arcRates = new RateTracker();
  const probes: Probe[] = [
    {
      name: 'pools',
      provides: [
        'calypso_pool_capacity_percent',
        'calypso_pool_size_bytes',
        'calypso_pool_allocated_bytes',
        'calypso_pool_health',
        'calypso_pool_fragmentation_percent',
        'calypso_pool_device_errors',
        'calypso_pool_scrub_errors',
      ],
      timeoutMs: 10_000,
      collect: () =>
        unlessAbsent(async () => {
          const [list, status] = await Promise.all([zfs.listPools(), zfs.poolStatus()]);
          const out: MetricValue[] = [];
          for (const p of list) {
            const labels = { pool: p.name };
            out.push(v('calypso_pool_health', poolHealthCode(p.health), labels));
            if (p.capacity !== null) out.push(v('calypso_pool_capacity_percent', p.capacity, labels));
            if (p.size !== null) out.push(v('calypso_pool_size_bytes', p.size, labels));
            if (p.allocated !== null) out.push(v('calypso_pool_allocated_bytes', p.allocated, labels));
            if (p.fragmentation !== null) out.push(v('calypso_pool_fragmentation_percent', p.fragmentation, labels));
          }
          for (const s of status) {
            for (const { vdev } of leafVdevs(s)) {
              out.push(v('calypso_pool_device_errors', vdev.read + vdev.write + vdev.checksum, { pool: s.name, device: vdev.name }));
            }
            if (s.scan?.function === 'scrub' && s.scan.state === 'finished') out.push(v('calypso_pool_scrub_errors', s.scan.errors ?? 0, { pool: s.name }));
          }
          return out;
        }),
    },
    {
      name: 'arc',
      provides: ['calypso_arc_size_bytes', 'calypso_arc_target_bytes', 'calypso_arc_max_bytes', 'calypso_arc_hit_ratio_percent'],
      timeoutMs: 3000,
      collect: async (now) => {
        const arc = await zfs.arcStats();
        if (!arc) return [];
        const hits = arcRates.rate('hits', arc.hits, now);
        const misses = arcRates.rate('misses', arc.misses, now);
        const recent = hits !== null && misses !== null && hits + misses > 0 ? (hits / (hits + misses)) * 100 : null;
        const ratio = recent ?? (arc.hitRatio === null ? null : arc.hitRatio * 100);
        return [
          v('calypso_arc_size_bytes', arc.size),
          v('calypso_arc_target_bytes', arc.target),
          v('calypso_arc_max_bytes', arc.max),
          ...(ratio === null ? [] : [v('calypso_arc_hit_ratio_percent', ratio)]),
        ];
      },
    },
    {
      name: 'smart',
      provides: ['calypso_disk_smart_failed', 'calypso_disk_temperature_celsius'],
      timeoutMs: 60_000,
      everyMs: opts.smartEveryMs,
      collect: () =>
        unlessAbsent(async () =>
          (await disks.list({ smart: true })).flatMap((d) => [
            ...(d.smartHealth === 'UNKNOWN' ? [] : [v('calypso_disk_smart_failed', d.smartHealth === 'FAILED' ? 1 : 0, { disk: d.name })]),
            ...(d.temperatureC === null ? [] : [v('calypso_disk_temperature_celsius', d.temperatureC, { disk: d.name })]),
          ]),
        ),
    },
    {
      name: 'services',
      provides: ['calypso_service_up'],
      timeoutMs: 10_000,
      collect: async () => {
        const states = await unitStates(host, opts.watchedServices());
        return (states ?? []).map((s) => v('calypso_service_up', s.state === 'active' || s.state === 'reloading' ? 1 : 0, { service: s.unit }));
      },
    },
  ];
  if (opts.poolIoSeconds > 0) {
    // zpool iostat gives rates over its interval; the counters add each rate up over the time since
    // the previous collection (from Calypso's start: a restart is a counter reset, as Prometheus expects).
    const totals = new Map<string, number>();
    let lastAt: number | null = null;
    const counted = (name: string, pool: string, rate: number, seconds: number) => {
      const key = `${name}\0${pool}`;
      const total = (totals.get(key) ?? 0) + Math.max(0, rate) * seconds;
      totals.set(key, total);
      return v(name, Math.round(total), { pool });
    };
    probes.push({
      name: 'pool-io',
      provides: [
        'calypso_pool_read_bytes_per_second',
        'calypso_pool_write_bytes_per_second',
        'calypso_pool_read_ops_per_second',
        'calypso_pool_write_ops_per_second',
        'calypso_pool_read_bytes_total',
        'calypso_pool_written_bytes_total',
        'calypso_pool_reads_completed_total',
        'calypso_pool_writes_completed_total',
      ],
      timeoutMs: opts.poolIoSeconds * 1000 + 5000,
      collect: (now) =>
        unlessAbsent(async () => {
          if ((await zfs.dialect()) === 'zfs-fuse') return [];
          const seconds = lastAt === null ? opts.poolIoSeconds : Math.max(0, (now - lastAt) / 1000);
          lastAt = now;
          return (await poolIoRates(host, opts.poolIoSeconds)).flatMap((e) => [
            v('calypso_pool_read_bytes_per_second', e.readBytes, { pool: e.name }),
            v('calypso_pool_write_bytes_per_second', e.writeBytes, { pool: e.name }),
            v('calypso_pool_read_ops_per_second', e.readOps, { pool: e.name }),
            v('calypso_pool_write_ops_per_second', e.writeOps, { pool: e.name }),
            counted('calypso_pool_read_bytes_total', e.name, e.readBytes, seconds),
            counted('calypso_pool_written_bytes_total', e.name, e.writeBytes, seconds),
            counted('calypso_pool_reads_completed_total', e.name, e.readOps, seconds),
            counted('calypso_pool_writes_completed_total', e.name, e.writeOps, seconds),
          ]);
        }),
    });
  }
  return probes;
}
