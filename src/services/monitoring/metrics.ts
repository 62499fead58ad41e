/** Metric values, the catalogue of names Calypso collects, and label selectors. */
import { OBJECTSTORE_METRICS } from '../objects/metrics.js';

export type Labels = Record<string, string>;

export interface MetricValue {
  name: string;
  labels: Labels;
  value: number;
}

/** One collection: the payload of `{type: 'metric', sample}` on the event bus. */
export interface Sample {
  /** ISO-8601 time of the collection. */
  at: string;
  values: MetricValue[];
}

export interface MetricInfo {
  help: string;
  labels: string[];
  /** Prometheus type; a counter only grows (a reset means a restart), its name ends in _total. Default gauge. */
  type?: 'gauge' | 'counter';
  /**
   * A per-second rate the collector derives from this counter for the console's charts, the
   * history and the alert rules. Not exported to /metrics: Prometheus computes rates itself
   * (rate(counter[5m])) from the counter.
   */
  rateOf?: string;
}

/**
 * zpool iostat reports rates over an interval, not totals since import: the pool counters add up
 * each collection's measured rate over the time since the previous collection, from Calypso's start.
 */
const POOL_IO_HELP = (what: string) => `${what} since Calypso started (summed from zpool iostat rates between collections)`;

/** Every series the collector produces; the Prometheus export and the API's help come from here. */
export const METRICS: Record<string, MetricInfo> = {
  calypso_replication_last_success_timestamp_seconds: {
    help: 'When a replication task last brought its targets up to date (Unix time)',
    labels: ['task', 'name'],
  },
  calypso_replication_last_run_ok: { help: "1 when a replication task's last run succeeded, 0 when it failed or waits for someone", labels: ['task', 'name'] },
  calypso_replication_lag_seconds: {
    help: 'Age of the oldest of the newest replicas of a task (since its creation when nothing was replicated)',
    labels: ['task', 'name'],
  },
  calypso_replication_sent_bytes: { help: 'Bytes a replication task has sent since it was created', labels: ['task', 'name'] },
  calypso_replication_overdue_seconds: { help: "How far a replica is past its task's allowed lag (0: within it)", labels: ['task', 'name'] },
  calypso_cpu_usage_percent: { help: 'CPU busy percent since the last collection: total without the cpu label, per core with it', labels: ['cpu'] },
  calypso_load1: { help: 'Load average over 1 minute', labels: [] },
  calypso_load5: { help: 'Load average over 5 minutes', labels: [] },
  calypso_load15: { help: 'Load average over 15 minutes', labels: [] },
  calypso_memory_total_bytes: { help: 'Physical memory', labels: [] },
  calypso_memory_used_bytes: { help: 'Memory in use (total minus available)', labels: [] },
  calypso_memory_available_bytes: { help: 'Memory available to new work without swapping', labels: [] },
  calypso_memory_available_percent: { help: 'Available memory as a percent of the total', labels: [] },
  calypso_swap_total_bytes: { help: 'Swap space', labels: [] },
  calypso_swap_used_bytes: { help: 'Swap in use', labels: [] },
  calypso_network_receive_bytes_total: { help: 'Bytes received by an interface', labels: ['interface'], type: 'counter' },
  calypso_network_transmit_bytes_total: { help: 'Bytes sent by an interface', labels: ['interface'], type: 'counter' },
  calypso_network_receive_packets_total: { help: 'Packets received by an interface', labels: ['interface'], type: 'counter' },
  calypso_network_transmit_packets_total: { help: 'Packets sent by an interface', labels: ['interface'], type: 'counter' },
  calypso_network_receive_errors_total: { help: 'Receive errors of an interface', labels: ['interface'], type: 'counter' },
  calypso_network_transmit_errors_total: { help: 'Transmit errors of an interface', labels: ['interface'], type: 'counter' },
  calypso_network_receive_bytes_per_second: { help: 'Bytes received per second', labels: ['interface'], rateOf: 'calypso_network_receive_bytes_total' },
  calypso_network_transmit_bytes_per_second: { help: 'Bytes sent per second', labels: ['interface'], rateOf: 'calypso_network_transmit_bytes_total' },
  calypso_network_receive_packets_per_second: { help: 'Packets received per second', labels: ['interface'], rateOf: 'calypso_network_receive_packets_total' },
  calypso_network_transmit_packets_per_second: { help: 'Packets sent per second', labels: ['interface'], rateOf: 'calypso_network_transmit_packets_total' },
  calypso_network_receive_errors_per_second: { help: 'Receive errors per second', labels: ['interface'], rateOf: 'calypso_network_receive_errors_total' },
  calypso_network_transmit_errors_per_second: { help: 'Transmit errors per second', labels: ['interface'], rateOf: 'calypso_network_transmit_errors_total' },
  calypso_disk_read_bytes_total: { help: 'Bytes read from block devices', labels: [], type: 'counter' },
  calypso_disk_written_bytes_total: { help: 'Bytes written to block devices', labels: [], type: 'counter' },
  calypso_disk_read_bytes_per_second: { help: 'Bytes read from block devices per second', labels: [], rateOf: 'calypso_disk_read_bytes_total' },
  calypso_disk_write_bytes_per_second: { help: 'Bytes written to block devices per second', labels: [], rateOf: 'calypso_disk_written_bytes_total' },
  calypso_filesystem_used_percent: { help: 'Used percent of a mounted file system (ZFS excluded: see pools)', labels: ['mount'] },
  calypso_filesystem_size_bytes: { help: 'Size of a mounted file system', labels: ['mount'] },
  calypso_pool_capacity_percent: { help: 'Allocated percent of a ZFS pool', labels: ['pool'] },
  calypso_pool_size_bytes: { help: 'Raw size of a ZFS pool', labels: ['pool'] },
  calypso_pool_allocated_bytes: { help: 'Allocated bytes of a ZFS pool', labels: ['pool'] },
  calypso_pool_health: { help: 'Pool health: 0 ONLINE, 1 DEGRADED, 2 FAULTED, 3 SUSPENDED or UNAVAIL, 4 other', labels: ['pool'] },
  calypso_pool_fragmentation_percent: { help: 'Free-space fragmentation of a ZFS pool', labels: ['pool'] },
  calypso_pool_read_bytes_total: { help: POOL_IO_HELP('Bytes read from a pool'), labels: ['pool'], type: 'counter' },
  calypso_pool_written_bytes_total: { help: POOL_IO_HELP('Bytes written to a pool'), labels: ['pool'], type: 'counter' },
  calypso_pool_reads_completed_total: { help: POOL_IO_HELP('Read operations on a pool'), labels: ['pool'], type: 'counter' },
  calypso_pool_writes_completed_total: { help: POOL_IO_HELP('Write operations on a pool'), labels: ['pool'], type: 'counter' },
  calypso_pool_read_bytes_per_second: { help: 'Bytes read from a pool per second', labels: ['pool'], rateOf: 'calypso_pool_read_bytes_total' },
  calypso_pool_write_bytes_per_second: { help: 'Bytes written to a pool per second', labels: ['pool'], rateOf: 'calypso_pool_written_bytes_total' },
  calypso_pool_read_ops_per_second: { help: 'Read operations on a pool per second', labels: ['pool'], rateOf: 'calypso_pool_reads_completed_total' },
  calypso_pool_write_ops_per_second: { help: 'Write operations on a pool per second', labels: ['pool'], rateOf: 'calypso_pool_writes_completed_total' },
  calypso_pool_device_errors: { help: 'Read, write and checksum errors of a pool device since the last clear', labels: ['pool', 'device'] },
  calypso_pool_scrub_errors: { help: 'Errors the last scrub of a pool found', labels: ['pool'] },
  calypso_arc_size_bytes: { help: 'ZFS ARC size', labels: [] },
  calypso_arc_target_bytes: { help: 'ZFS ARC target size (c)', labels: [] },
  calypso_arc_max_bytes: { help: 'ZFS ARC maximum size (c_max)', labels: [] },
  calypso_arc_hit_ratio_percent: { help: 'ARC hits as a percent of accesses since the last collection', labels: [] },
  calypso_disk_smart_failed: { help: '1 when SMART says the disk is failing', labels: ['disk'] },
  calypso_disk_temperature_celsius: { help: 'Disk temperature from SMART', labels: ['disk'] },
  calypso_service_up: { help: '1 when a watched service is active', labels: ['service'] },
  calypso_backup_director_up: { help: '1 when the Bacula director answers bconsole', labels: [] },
  calypso_backup_job_last_status: { help: 'Last run of a backup job: 0 completed, 1 with warnings or cancelled, 2 failed', labels: ['job'] },
  calypso_backup_job_last_bytes: { help: 'Bytes the last run of a backup job wrote', labels: ['job'] },
  calypso_backup_job_last_duration_seconds: { help: 'How long the last run of a backup job took', labels: ['job'] },
  calypso_backup_job_last_success_age_seconds: { help: 'Seconds since the last successful run of a backup job ended', labels: ['job'] },
  calypso_ntp_synchronised: { help: '1 when chrony follows an NTP source, 0 when not synchronised', labels: [] },
  calypso_ntp_offset_seconds: { help: 'How far the system clock is from NTP time (absolute, seconds) while synchronised', labels: [] },
  calypso_probe_success: { help: '1 when the probe answered in time at the last collection', labels: ['probe'] },
  calypso_probe_duration_seconds: { help: 'How long the probe took at the last collection', labels: ['probe'] },
  calypso_collector_duration_seconds: { help: 'How long the last collection took', labels: [] },
  calypso_tape_library_up: { help: '1 when the tape library answers mtx status', labels: ['library'] },
  calypso_tape_slots_full: { help: 'Slots (mail slots included) holding a cartridge', labels: ['library'] },
  calypso_tape_slots: { help: 'Slots of the library, mail slots included', labels: ['library'] },
  calypso_tape_drive_loaded: { help: '1 when the drive holds a cartridge', labels: ['library', 'drive'] },
  calypso_tape_drive_cleaning_required: { help: '1 when the drive asks for cleaning (TapeAlert 20 or 21)', labels: ['library', 'drive'] },
  calypso_tape_drive_hardware_error: { help: '1 when the drive reports a hardware fault (TapeAlert 30, 31, 32 or 39)', labels: ['library', 'drive'] },
  calypso_tape_drive_media_error: { help: '1 when the drive reports a damaged or worn cartridge (TapeAlert 4-7, 13-15, 18)', labels: ['library', 'drive'] },
  calypso_tape_pool_writable: { help: 'Writable cartridges in the media pool', labels: ['pool'] },
  calypso_tape_pool_writable_shortfall: { help: "Writable cartridges missing to reach the pool's low-water mark", labels: ['pool'] },
  ...OBJECTSTORE_METRICS,
};

/** Stable identity of a label set: keys sorted. */
export function labelsKey(labels: Labels): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

export function seriesKey(name: string, labels: Labels): string {
  return `${name}${labelsKey(labels)}`;
}

/** A label selector: every listed label must be equal (value "*" only requires presence, "!x" excludes x). */
export function matches(selector: Labels, labels: Labels): boolean {
  for (const [k, want] of Object.entries(selector)) {
    const got = labels[k];
    if (want === '*') {
      if (got === undefined) return false;
    } else if (want.startsWith('!')) {
      if (got === want.slice(1)) return false;
    } else if (got !== want) {
      return false;
    }
  }
  return true;
}

/** "pool=tank,cpu=0" -> {pool: 'tank', cpu: '0'}; for query strings. */
export function parseSelector(text: string | undefined): Labels {
  const out: Labels = {};
  for (const part of (text ?? '').split(',')) {
    const t = part.trim();
    if (!t) continue;
    const eq = t.indexOf('=');
    if (eq <= 0) throw new Error(`label matcher ${JSON.stringify(t)} is not name=value`);
    out[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  }
  return out;
}

export const POOL_HEALTH_CODES: Record<string, number> = { ONLINE: 0, DEGRADED: 1, FAULTED: 2, SUSPENDED: 3, UNAVAIL: 3 };
export const POOL_HEALTH_NAMES = ['ONLINE', 'DEGRADED', 'FAULTED', 'SUSPENDED or UNAVAIL', 'OFFLINE, REMOVED or unknown'];

export function poolHealthCode(health: string): number {
  return POOL_HEALTH_CODES[health.toUpperCase()] ?? 4;
}
