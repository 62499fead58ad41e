/**
 * Parsers of the tape tools' output: mtx (status, inquiry), tapeinfo, mt-st (status),
 * sg_logs (TapeAlert page 0x2e) and lsscsi -g. Pure functions, tested on captured output
 * (test/fixtures/tape, with a README naming each sample's tool and version).
 */
import { ToolOutputError } from '../host.js';
import { isCleaningBarcode } from '../../vocabulary/tape.js';

export interface MtxDrive {
  /** Data transfer element number as mtx counts it: from 0. */
  index: number;
  full: boolean;
  /** The storage element the cartridge came from, or null (empty, or "Unknown Storage Element Loaded"). */
  sourceSlot: number | null;
  barcode: string | null;
}

export interface MtxSlot {
  /** Storage element number as mtx counts it: from 1, import/export elements included. */
  index: number;
  full: boolean;
  barcode: string | null;
  alternateBarcode: string | null;
  /** An import/export element (mail slot). */
  importExport: boolean;
  /** Holds a cleaning cartridge (barcode starting with CLN). */
  cleaning: boolean;
}

export interface MtxStatus {
  drives: MtxDrive[];
  slots: MtxSlot[];
}

const HEADER = /^\s*Storage Changer\s+(.*?):(\d+) Drives, (\d+) Slots \( (\d+) Import\/Export \)\s*$/;
const DRIVE = /^Data Transfer Element (\d+):(Full|Empty)(.*)$/;
const SLOT = /^\s*Storage Element (\d+)( IMPORT\/EXPORT)?:(Full|Empty)\s*(.*)$/;

/** The value of `:VolumeTag=...` / `:VolumeTag = ...` in the rest of a line, trimmed; null when absent or blank. */
function tag(rest: string, name: 'VolumeTag' | 'AlternateVolumeTag'): string | null {
  // A tag is right-padded to 32 bytes; the alternate tag (when printed) follows after ':'.
  const re = name === 'VolumeTag' ? /(?:^|:)VolumeTag\s?=\s?(.*?)(?=:AlternateVolumeTag|$)/ : /:AlternateVolumeTag\s?=\s?(.*)$/;
  const m = re.exec(rest);
  if (!m) return null;
  const value = m[1]!.trim();
  return value === '' ? null : value;
}

/**
 * `mtx -f /dev/sgN status`. Lines before the header (`mtx: Request Sense: ...`, `Mode sense ...
 * failed`) are skipped; a missing header or a count that disagrees with the elements listed is
 * a ToolOutputError.
 */
export function parseMtxStatus(text: string): MtxStatus {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => HEADER.test(l));
  if (start < 0) throw new ToolOutputError('mtx', 'no "Storage Changer" header in mtx status');
  const head = HEADER.exec(lines[start]!)!;
  const driveCount = Number(head[2]);
  const slotCount = Number(head[3]);
  const drives: MtxDrive[] = [];
  const slots: MtxSlot[] = [];
  for (const raw of lines.slice(start + 1)) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const d = DRIVE.exec(line);
    if (d) {
      const full = d[2] === 'Full';
      const rest = d[3]!;
      const src = /^ \(Storage Element (\d+) Loaded\)/.exec(rest);
      drives.push({ index: Number(d[1]), full, sourceSlot: full && src ? Number(src[1]) : null, barcode: full ? tag(rest, 'VolumeTag') : null });
      continue;
    }
    const s = SLOT.exec(line);
    if (s) {
      const full = s[3] === 'Full';
      const barcode = full ? tag(s[4]!, 'VolumeTag') : null;
      slots.push({
        index: Number(s[1]),
        full,
        barcode,
        alternateBarcode: full ? tag(s[4]!, 'AlternateVolumeTag') : null,
        importExport: s[2] !== undefined,
        cleaning: barcode !== null && isCleaningBarcode(barcode),
      });
    }
  }
  if (drives.length !== driveCount) throw new ToolOutputError('mtx', `the header says ${driveCount} drives, ${drives.length} are listed`);
  if (slots.length !== slotCount) throw new ToolOutputError('mtx', `the header says ${slotCount} slots, ${slots.length} are listed`);
  return { drives, slots };
}

export interface ScsiInquiry {
  productType: string;
  vendor: string;
  product: string;
  revision: string;
  attachedChanger: boolean;
}

function quoted(text: string, key: string): string | null {
  const m = new RegExp(`^${key}: '(.*)'\\s*$`, 'm').exec(text);
  return m ? m[1]!.trim() : null;
}

/** `mtx -f /dev/sgN inquiry` (and the first lines of tapeinfo, which prints the same block). */
export function parseMtxInquiry(text: string): ScsiInquiry {
  const type = /^Product Type: (.*)$/m.exec(text);
  const vendor = quoted(text, 'Vendor ID');
  const product = quoted(text, 'Product ID');
  if (!type || vendor === null || product === null) throw new ToolOutputError('mtx', 'no Product Type / Vendor ID / Product ID in the inquiry');
  return {
    productType: type[1]!.trim(),
    vendor,
    product,
    revision: quoted(text, 'Revision') ?? '',
    attachedChanger: /^Attached Changer API: Yes/m.test(text),
  };
}

export interface TapeInfo extends ScsiInquiry {
  serial: string | null;
  /** TapeAlert flags set, by parameter code (tapeinfo prints `TapeAlert[20]: ...`). */
  tapeAlerts: number[];
  ready: boolean | null;
  /** null when no medium is loaded. */
  mediumType: string | null;
  densityCode: string | null;
  blockSize: number | null;
  compression: boolean | null;
  writeProtected: boolean;
  blockPosition: number | null;
}

/** `tapeinfo -f /dev/sgN`. */
export function parseTapeinfo(text: string): TapeInfo {
  const inquiry = parseMtxInquiry(text);
  const field = (key: string) => new RegExp(`^${key}: (.*)$`, 'm').exec(text)?.[1]?.trim() ?? null;
  const yesNo = (key: string) => {
    const v = field(key);
    return v === null ? null : v === 'yes';
  };
  const num = (key: string) => {
    const v = field(key);
    return v === null || !/^-?\d+$/.test(v) ? null : Number(v);
  };
  const medium = field('Medium Type');
  const tapeAlerts = [...text.matchAll(/^TapeAlert\[(\d+)\]:/gm)].map((m) => Number(m[1]));
  return {
    ...inquiry,
    serial: quoted(text, 'SerialNumber'),
    tapeAlerts,
    ready: yesNo('Ready'),
    mediumType: medium === null || medium === 'Not Loaded' ? null : medium,
    densityCode: field('Density Code'),
    blockSize: num('BlockSize'),
    compression: yesNo('DataCompEnabled'),
    writeProtected: yesNo('WriteProtect') === true,
    blockPosition: num('Block Position'),
  };
}

export interface MtStatus {
  driveType: string;
  fileNumber: number;
  blockNumber: number;
  partition: number;
  blockSize: number | null;
  densityCode: string | null;
  densityName: string | null;
  softErrors: number | null;
  /** The general status bits as mt-st names them: BOT, EOF, EOT, EOD, WR_PROT, ONLINE, DR_OPEN, IM_REP_EN, CLN... */
  bits: string[];
}

/** `mt -f /dev/nstN status` (mt-st). */
export function parseMtStatus(text: string): MtStatus {
  const pos = /File number=(-?\d+), block number=(-?\d+), partition=(-?\d+)\./.exec(text);
  if (!pos) throw new ToolOutputError('mt', 'no "File number=..., block number=..." line in mt status');
  const first = text.split('\n').find((l) => l.trim() !== '') ?? '';
  const block = /Tape block size (\d+) bytes\. Density code (0x[0-9a-fA-F]+)(?: \((.*)\))?\./.exec(text);
  const soft = /Soft error count since last status=(\d+)/.exec(text);
  const bitsAt = text.split('\n').findIndex((l) => /^General status bits on/.test(l));
  const bits = bitsAt >= 0 ? (text.split('\n')[bitsAt + 1] ?? '').trim().split(/\s+/).filter(Boolean) : [];
  return {
    driveType: first.replace(/:\s*$/, '').trim(),
    fileNumber: Number(pos[1]),
    blockNumber: Number(pos[2]),
    partition: Number(pos[3]),
    blockSize: block ? Number(block[1]) : null,
    densityCode: block ? block[2]!.toLowerCase() : null,
    densityName: block?.[3] ?? null,
    softErrors: soft ? Number(soft[1]) : null,
    bits,
  };
}

/**
 * TapeAlert flags (SSC-3 Annex A, parameter codes 01h-40h). Calypso's own names; sg_logs's
 * names differ between sg3_utils versions ("Clean now" became "Cleaning required"), so the
 * parser decodes by parameter code and these are what the faces show.
 */
export const TAPE_ALERT_NAMES: Record<number, string> = {
  0x01: 'Read warning',
  0x02: 'Write warning',
  0x03: 'Hard error',
  0x04: 'Media',
  0x05: 'Read failure',
  0x06: 'Write failure',
  0x07: 'Media life',
  0x08: 'Not data grade',
  0x09: 'Write protect',
  0x0a: 'No removal',
  0x0b: 'Cleaning media',
  0x0c: 'Unsupported format',
  0x0d: 'Recoverable mechanical cartridge failure',
  0x0e: 'Unrecoverable mechanical cartridge failure',
  0x0f: 'Memory chip in cartridge failure',
  0x10: 'Forced eject',
  0x11: 'Read only format',
  0x12: 'Tape directory corrupted on load',
  0x13: 'Nearing media life',
  0x14: 'Cleaning required',
  0x15: 'Cleaning requested',
  0x16: 'Expired cleaning media',
  0x17: 'Invalid cleaning tape',
  0x18: 'Retension requested',
  0x19: 'Dual port interface error',
  0x1a: 'Cooling fan failing',
  0x1b: 'Power supply failure',
  0x1c: 'Power consumption',
  0x1d: 'Drive maintenance',
  0x1e: 'Hardware A',
  0x1f: 'Hardware B',
  0x20: 'Interface',
  0x21: 'Eject media',
  0x22: 'Microcode update fail',
  0x23: 'Drive humidity',
  0x24: 'Drive temperature',
  0x25: 'Drive voltage',
  0x26: 'Predictive failure',
  0x27: 'Diagnostics required',
  0x32: 'Lost statistics',
  0x33: 'Tape directory invalid at unload',
  0x34: 'Tape system area write failure',
  0x35: 'Tape system area read failure',
  0x36: 'No start of data',
  0x37: 'Loading failure',
  0x38: 'Unrecoverable unload failure',
  0x39: 'Automation interface failure',
  0x3a: 'Firmware failure',
  0x3b: 'WORM medium - integrity check failed',
  0x3c: 'WORM medium - overwrite attempted',
};

/** Names older and newer sg3_utils print for the same codes (lower case), beyond TAPE_ALERT_NAMES. */
const OTHER_NAMES: Record<string, number> = {
  'clean now': 0x14,
  'clean periodic': 0x15,
  'download fail': 0x22,
  'diagnostics required.': 0x27,
  'loader hardware a': 0x28,
  'loader stray tape': 0x29,
  'loader hardware b': 0x2a,
  'loader door': 0x2b,
  'loader hardware c': 0x2c,
  'loader magazine': 0x2d,
  'loader predictive failure': 0x2e,
};
const BY_NAME = new Map<string, number>([
  ...Object.entries(TAPE_ALERT_NAMES).map(([k, v]) => [v.toLowerCase(), Number(k)] as const),
  ...Object.entries(OTHER_NAMES),
]);

export interface TapeAlertFlag {
  code: number;
  name: string;
  set: boolean;
}

/**
 * `sg_logs -p 0x2e DEVICE` (or with --brief, which lists only the flags set). Each flag line is
 * `  <name>: 0|1`, `  Obsolete (28h): 0`, `  Reserved (2Fh): 0` or `  Reserved parameter code 0x3d,
 * flag: 0`. A full page lists the 64 parameters in code order, so the n-th flag is code n whatever
 * this version calls it; in a partial listing the name is looked up among every version's names.
 * Returns the flags listed, by parameter code.
 */
export function parseSgLogsTapeAlert(text: string): TapeAlertFlag[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^Tape alert page/i.test(l.trim()));
  if (start < 0) throw new ToolOutputError('sg_logs', 'no "Tape alert page" in the output');
  const entries: { name: string; code: number | null; set: boolean }[] = [];
  for (const raw of lines.slice(start + 1)) {
    const line = raw.trim();
    if (line === '') continue;
    if (/^[A-Z].*\[0x[0-9a-f]+\]$/i.test(line) && !/:\s*[01]$/.test(line)) break; // the next page
    let m = /^Reserved parameter code 0x([0-9a-f]+), flag: (\d+)$/i.exec(line);
    if (m) {
      entries.push({ name: `Reserved ${m[1]}`, code: parseInt(m[1]!, 16), set: m[2] !== '0' });
      continue;
    }
    m = /^(.*?)\s*\(([0-9A-F]+)h\): (\d+)$/i.exec(line);
    if (m) {
      entries.push({ name: m[1]!, code: parseInt(m[2]!, 16), set: m[3] !== '0' });
      continue;
    }
    m = /^(.+?): (\d+)$/.exec(line);
    if (m) entries.push({ name: m[1]!, code: BY_NAME.get(m[1]!.toLowerCase()) ?? null, set: m[2] !== '0' });
  }
  const full = entries.length === 64 && entries.every((e, i) => e.code === null || e.code === i + 1);
  const out: TapeAlertFlag[] = [];
  for (const [i, e] of entries.entries()) {
    const code = full ? i + 1 : e.code;
    if (code === null) throw new ToolOutputError('sg_logs', `TapeAlert flag "${e.name}" has no known parameter code`);
    out.push({ code, name: TAPE_ALERT_NAMES[code] ?? e.name, set: e.set });
  }
  return out;
}

export interface LsscsiDevice {
  host: number;
  channel: number;
  target: number;
  lun: number;
  /** lsscsi's type: disk, tape, mediumx, cd/dvd, enclosu, process... */
  type: string;
  vendor: string;
  model: string;
  revision: string;
  /** The primary device node (/dev/st0, /dev/sch0) or null ("-"). */
  device: string | null;
  /** The SCSI generic node (/dev/sg3) or null. */
  sg: string | null;
}

/** `lsscsi -g`: fixed columns (vendor 8, model 16, revision 4) after the [H:C:T:L] and type fields. */
export function parseLsscsi(text: string): LsscsiDevice[] {
  const out: LsscsiDevice[] = [];
  for (const line of text.split('\n')) {
    const m = /^\[(\d+):(\d+):(\d+):(\d+)\]\s+(\S+)\s+/.exec(line);
    if (!m) continue;
    const rest = line.slice(m[0].length);
    const vendor = rest.slice(0, 8).trim();
    const model = rest.slice(9, 25).trim();
    const revision = rest.slice(26, 30).trim();
    const nodes = rest.slice(30).trim().split(/\s+/);
    const node = (v: string | undefined) => (v && v !== '-' ? v : null);
    out.push({
      host: Number(m[1]),
      channel: Number(m[2]),
      target: Number(m[3]),
      lun: Number(m[4]),
      type: m[5]!,
      vendor,
      model,
      revision,
      device: node(nodes[0]),
      sg: node(nodes[1]),
    });
  }
  return out;
}
