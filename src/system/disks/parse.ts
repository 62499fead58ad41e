/** Pure parsers of `lsblk -J -b -O` (util-linux 2.37+) and `smartctl -j` (smartmontools 7.x). */
import { parseToolObject } from '../host.js';

export interface BlockDevice {
  name: string;
  kname: string;
  path: string;
  type: string;
  sizeBytes: number;
  rotational: boolean;
  model: string | null;
  serial: string | null;
  wwn: string | null;
  tran: string | null;
  vendor: string | null;
  fstype: string | null;
  /** Partition table type (gpt, dos), or null. */
  pttype: string | null;
  label: string | null;
  mountpoint: string | null;
  children: BlockDevice[];
}

function str(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t === '' ? null : t;
}

function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return Number(v.trim());
  return 0;
}

/** util-linux before 2.37 printed booleans as "0"/"1" strings. */
function bool(v: unknown): boolean {
  return v === true || v === 1 || v === '1';
}

function toDevice(raw: Record<string, unknown>): BlockDevice {
  const name = String(raw['name'] ?? '');
  const mountpoints = Array.isArray(raw['mountpoints']) ? (raw['mountpoints'] as unknown[]).map(str).filter((m): m is string => m !== null) : [];
  return {
    name,
    kname: str(raw['kname']) ?? name,
    path: str(raw['path']) ?? (name.startsWith('/') ? name : `/dev/${name}`),
    type: str(raw['type']) ?? 'unknown',
    sizeBytes: num(raw['size']),
    rotational: bool(raw['rota']),
    model: str(raw['model']),
    serial: str(raw['serial']),
    wwn: str(raw['wwn']),
    tran: str(raw['tran']),
    vendor: str(raw['vendor']),
    fstype: str(raw['fstype']),
    pttype: str(raw['pttype']),
    label: str(raw['label']),
    mountpoint: str(raw['mountpoint']) ?? mountpoints[0] ?? null,
    children: Array.isArray(raw['children']) ? (raw['children'] as Record<string, unknown>[]).map(toDevice) : [],
  };
}

export function parseLsblk(json: string): BlockDevice[] {
  const doc = parseToolObject('lsblk', json) as { blockdevices?: Record<string, unknown>[] };
  return (doc.blockdevices ?? []).map(toDevice);
}

export type SmartHealth = 'PASSED' | 'FAILED' | 'UNKNOWN';

export interface SmartInfo {
  device: string | null;
  protocol: string | null;
  model: string | null;
  serial: string | null;
  capacityBytes: number | null;
  rotationRate: number | null;
  health: SmartHealth;
  temperatureC: number | null;
  powerOnHours: number | null;
  /** smartctl's exit status bit mask (bit 1: could not open, bit 3: disk failing...). */
  exitStatus: number;
  messages: string[];
}

export function parseSmartctl(json: string): SmartInfo {
  const doc = parseToolObject('smartctl', json) as Record<string, any>;
  const passed = doc['smart_status']?.['passed'];
  const nvmeLog = doc['nvme_smart_health_information_log'];
  const temp = doc['temperature']?.['current'] ?? nvmeLog?.['temperature'];
  const hours = doc['power_on_time']?.['hours'] ?? nvmeLog?.['power_on_hours'];
  const capacity = doc['user_capacity']?.['bytes'] ?? doc['nvme_total_capacity'];
  return {
    device: doc['device']?.['name'] ?? null,
    protocol: doc['device']?.['protocol'] ?? null,
    model: str(doc['model_name']) ?? str(doc['scsi_model_name']),
    serial: str(doc['serial_number']),
    capacityBytes: typeof capacity === 'number' ? capacity : null,
    rotationRate: typeof doc['rotation_rate'] === 'number' ? doc['rotation_rate'] : null,
    health: passed === true ? 'PASSED' : passed === false ? 'FAILED' : 'UNKNOWN',
    temperatureC: typeof temp === 'number' ? temp : null,
    powerOnHours: typeof hours === 'number' ? hours : null,
    exitStatus: typeof doc['smartctl']?.['exit_status'] === 'number' ? doc['smartctl']['exit_status'] : 0,
    messages: Array.isArray(doc['smartctl']?.['messages']) ? doc['smartctl']['messages'].map((m: { string?: string }) => String(m.string ?? '')) : [],
  };
}

export interface SelfTestEntry {
  type: string;
  status: string;
  /** true: completed without error; false: failed; null: aborted, interrupted or unknown. */
  passed: boolean | null;
  /** Power-on hours when the test ended. */
  lifetimeHours: number | null;
  /** First failing LBA, when the drive reported one. */
  lba: number | null;
}

export interface SelfTestLog {
  /** The test running now, if any. */
  running: { type: string | null; remainingPercent: number | null; text: string } | null;
  entries: SelfTestEntry[];
}

/** `smartctl -j -c -l selftest` (smartmontools 7.x), ATA and NVMe. */
export function parseSelfTestLog(json: string): SelfTestLog {
  const doc = parseToolObject('smartctl', json) as Record<string, any>;
  const nvme = doc['nvme_self_test_log'];
  if (nvme && typeof nvme === 'object') {
    const op = nvme['current_self_test_operation'];
    const busy = typeof op?.['value'] === 'number' && op['value'] !== 0;
    const done = nvme['current_self_test_completion_percent'];
    const table: Record<string, any>[] = Array.isArray(nvme['table']) ? nvme['table'] : [];
    return {
      running: busy ? { type: str(op['string']), remainingPercent: typeof done === 'number' ? 100 - done : null, text: String(op['string'] ?? 'in progress') } : null,
      entries: table.map((e) => {
        const result = e['self_test_result'] ?? {};
        return {
          type: String(e['self_test_code']?.['string'] ?? 'unknown'),
          status: String(result['string'] ?? 'unknown'),
          passed: result['value'] === 0 ? true : typeof result['value'] === 'number' && result['value'] >= 5 ? false : null,
          lifetimeHours: typeof e['power_on_hours'] === 'number' ? e['power_on_hours'] : null,
          lba: typeof e['lba'] === 'number' ? e['lba'] : null,
        };
      }),
    };
  }
  const current = doc['ata_smart_data']?.['self_test']?.['status'];
  const value = typeof current?.['value'] === 'number' ? current['value'] : null;
  const standard = doc['ata_smart_self_test_log']?.['standard'];
  const table: Record<string, any>[] = Array.isArray(standard?.['table']) ? standard['table'] : [];
  return {
    // Status 0xF0-0xFF: a self-test is running (the low nibble is the remaining tenths).
    running: value !== null && value >= 0xf0 ? { type: null, remainingPercent: typeof current['remaining_percent'] === 'number' ? current['remaining_percent'] : (value & 0x0f) * 10, text: String(current['string'] ?? 'in progress') } : null,
    entries: table.map((e) => ({
      type: String(e['type']?.['string'] ?? 'unknown'),
      status: String(e['status']?.['string'] ?? 'unknown'),
      passed: typeof e['status']?.['passed'] === 'boolean' ? e['status']['passed'] : null,
      lifetimeHours: typeof e['lifetime_hours'] === 'number' ? e['lifetime_hours'] : null,
      lba: typeof e['lba'] === 'number' ? e['lba'] : null,
    })),
  };
}

/** One line per signature `wipefs -a` erased (util-linux 2.3x), as "gpt at 0x00000200". */
export function parseWipefs(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+): \d+ bytes? (?:were|was) erased at offset (0x[0-9a-f]+) \(([^)]+)\)/.exec(line);
    if (m) out.push(`${m[1]}: ${m[3]} at ${m[2]}`);
  }
  return out;
}
