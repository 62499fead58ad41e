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

/** The member at `keys` of nested JSON objects, or undefined where one is missing or not an object. */
function at(v: unknown, ...keys: string[]): unknown {
  let node = v;
  for (const k of keys) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[k];
  }
  return node;
}

const numberOrNull = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const stringOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function parseSmartctl(json: string): SmartInfo {
  const doc = parseToolObject('smartctl', json);
  const passed = at(doc, 'smart_status', 'passed');
  const nvmeLog = at(doc, 'nvme_smart_health_information_log');
  const temp = at(doc, 'temperature', 'current') ?? at(nvmeLog, 'temperature');
  const hours = at(doc, 'power_on_time', 'hours') ?? at(nvmeLog, 'power_on_hours');
  const capacity = at(doc, 'user_capacity', 'bytes') ?? at(doc, 'nvme_total_capacity');
  const messages = at(doc, 'smartctl', 'messages');
  return {
    device: stringOrNull(at(doc, 'device', 'name')),
    protocol: stringOrNull(at(doc, 'device', 'protocol')),
    model: str(doc['model_name']) ?? str(doc['scsi_model_name']),
    serial: str(doc['serial_number']),
    capacityBytes: numberOrNull(capacity),
    rotationRate: numberOrNull(doc['rotation_rate']),
    health: passed === true ? 'PASSED' : passed === false ? 'FAILED' : 'UNKNOWN',
    temperatureC: numberOrNull(temp),
    powerOnHours: numberOrNull(hours),
    exitStatus: numberOrNull(at(doc, 'smartctl', 'exit_status')) ?? 0,
    messages: Array.isArray(messages) ? messages.map((m) => String(at(m, 'string') ?? '')) : [],
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
  const doc = parseToolObject('smartctl', json);
  const nvme = doc['nvme_self_test_log'];
  if (nvme && typeof nvme === 'object') {
    const op = at(nvme, 'current_self_test_operation');
    const opValue = at(op, 'value');
    const busy = typeof opValue === 'number' && opValue !== 0;
    const done = at(nvme, 'current_self_test_completion_percent');
    const table = at(nvme, 'table');
    return {
      running: busy
        ? { type: str(at(op, 'string')), remainingPercent: typeof done === 'number' ? 100 - done : null, text: String(at(op, 'string') ?? 'in progress') }
        : null,
      entries: (Array.isArray(table) ? (table as unknown[]) : []).map((e) => {
        const result = at(e, 'self_test_result');
        const value = at(result, 'value');
        return {
          type: String(at(e, 'self_test_code', 'string') ?? 'unknown'),
          status: String(at(result, 'string') ?? 'unknown'),
          passed: value === 0 ? true : typeof value === 'number' && value >= 5 ? false : null,
          lifetimeHours: numberOrNull(at(e, 'power_on_hours')),
          lba: numberOrNull(at(e, 'lba')),
        };
      }),
    };
  }
  const current = at(doc, 'ata_smart_data', 'self_test', 'status');
  const value = numberOrNull(at(current, 'value'));
  const table = at(doc, 'ata_smart_self_test_log', 'standard', 'table');
  return {
    // Status 0xF0-0xFF: a self-test is running (the low nibble is the remaining tenths).
    running:
      value !== null && value >= 0xf0
        ? {
            type: null,
            remainingPercent: numberOrNull(at(current, 'remaining_percent')) ?? (value & 0x0f) * 10,
            text: String(at(current, 'string') ?? 'in progress'),
          }
        : null,
    entries: (Array.isArray(table) ? (table as unknown[]) : []).map((e) => {
      const passed = at(e, 'status', 'passed');
      return {
        type: String(at(e, 'type', 'string') ?? 'unknown'),
        status: String(at(e, 'status', 'string') ?? 'unknown'),
        passed: typeof passed === 'boolean' ? passed : null,
        lifetimeHours: numberOrNull(at(e, 'lifetime_hours')),
        lba: numberOrNull(at(e, 'lba')),
      };
    }),
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
