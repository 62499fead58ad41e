/**
 * mhvtl's configuration: /etc/mhvtl/device.conf (every virtual library and drive) and one
 * library_contents.NNN per library (its drives, mail slots and the barcode in each slot).
 * Rendered from Calypso's definitions, parsed back (the simulated appliance and drift read them),
 * and validated across files before anything is written. The daemons are started with systemctl
 * (mhvtl.target: vtllibrary@ID and vtltape@ID units), media created with mktape.
 */
import type { Host } from '../host.js';
import { userArg } from '../host.js';
import { BARCODE, type LtoGeneration } from '../../vocabulary/tape.js';

export const MHVTL_CONF_DIR = '/etc/mhvtl';
export const DEVICE_CONF = `${MHVTL_CONF_DIR}/device.conf`;
export const contentsPath = (libraryId: number) => `${MHVTL_CONF_DIR}/library_contents.${libraryId}`;
export const MHVTL_UNIT = 'mhvtl.target';

/** Library emulations Calypso offers, as mhvtl answers INQUIRY for them. */
export const VTL_EMULATIONS = {
  'STK L700': { vendor: 'STK', product: 'L700', revision: '0107' },
  'IBM 03584L32': { vendor: 'IBM', product: '03584L32', revision: '0107' },
  'HP MSL': { vendor: 'HP', product: 'MSL G3 Series', revision: '0107' },
} as const;
export type VtlEmulation = keyof typeof VTL_EMULATIONS;

/** Drive product identification of each LTO generation (IBM's, which every backup tool knows). */
export const DRIVE_PRODUCTS: Record<LtoGeneration, string> = {
  LTO5: 'ULT3580-TD5',
  LTO6: 'ULT3580-TD6',
  LTO7: 'ULT3580-TD7',
  LTO8: 'ULT3580-TD8',
  LTO9: 'ULT3580-TD9',
};

export interface VtlDriveConf {
  id: number;
  generation: LtoGeneration;
  serial: string;
}

/** One virtual library as Calypso renders it. */
export interface VtlLibraryConf {
  id: number;
  /** mhvtl's pseudo-HBA channel the library and its drives sit on (unique per library). */
  channel: number;
  emulation: VtlEmulation;
  serial: string;
  /** Where its media live (mhvtl's per-library home directory), on a dataset. */
  homeDirectory: string;
  drives: VtlDriveConf[];
  mailSlots: number;
  /** One entry per storage slot: the barcode in it, or null for an empty slot. */
  slots: (string | null)[];
  compression: boolean;
  compressionFactor: number;
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');
const two = (n: number) => String(n).padStart(2, '0');

/** device.conf for these libraries (VERSION 5, as mhvtl 1.6 and later read it). */
export function renderDeviceConf(libraries: VtlLibraryConf[]): string {
  const out: string[] = ['VERSION: 5', '', '# Written by Calypso: changes made here are reported as drift.', ''];
  for (const lib of [...libraries].sort((a, b) => a.id - b.id)) {
    const emu = VTL_EMULATIONS[lib.emulation];
    out.push(
      `Library: ${lib.id} CHANNEL: ${two(lib.channel)} TARGET: 00 LUN: 00`,
      ` Vendor identification: ${emu.vendor}`,
      ` Product identification: ${emu.product}`,
      ` Product revision level: ${emu.revision}`,
      ` Unit serial number: ${lib.serial}`,
      ` NAA: ${hex2(lib.id)}:22:33:44:ab:${hex2(lib.channel)}:00:00`,
      ` Home directory: ${lib.homeDirectory}`,
      ' PERSIST: False',
      ' Backoff: 400',
      '',
    );
    lib.drives.forEach((d, i) => {
      out.push(
        `Drive: ${d.id} CHANNEL: ${two(lib.channel)} TARGET: ${two(i + 1)} LUN: 00`,
        ` Library ID: ${lib.id} Slot: ${two(i + 1)}`,
        ' Vendor identification: IBM',
        ` Product identification: ${DRIVE_PRODUCTS[d.generation]}`,
        ` Product revision level: ${emu.revision}`,
        ` Unit serial number: ${d.serial}`,
        ` NAA: ${hex2(lib.id)}:22:33:44:ab:${hex2(lib.channel)}:${hex2(i + 1)}:00`,
        ` Compression: factor ${lib.compressionFactor} enabled ${lib.compression ? 1 : 0}`,
        ' Compression type: lzo',
        ' Backoff: 400',
        '',
      );
    });
  }
  return out.join('\n');
}

/** library_contents.NNN (VERSION 2): drives, picker, mail slots (MAP) and slots, in mhvtl's order. */
export function renderLibraryContents(lib: VtlLibraryConf): string {
  const out: string[] = ['VERSION: 2', '', '# Written by Calypso: changes made here are reported as drift.', ''];
  lib.drives.forEach((_, i) => out.push(`Drive ${i + 1}:`));
  out.push('', 'Picker 1:', '');
  for (let i = 1; i <= lib.mailSlots; i++) out.push(`MAP ${i}:`);
  out.push('');
  lib.slots.forEach((b, i) => out.push(b ? `Slot ${i + 1}: ${b}` : `Slot ${i + 1}:`));
  out.push('');
  return out.join('\n');
}

export interface ParsedDevice {
  kind: 'Library' | 'Drive';
  id: number;
  channel: number;
  target: number;
  lun: number;
  /** Line number of the record's first line (1-based). */
  line: number;
  fields: Record<string, string>;
  /** A drive's library and slot ("Library ID: 10 Slot: 01"). */
  libraryId: number | null;
  driveSlot: number | null;
}

export class VtlConfError extends Error {
  constructor(
    readonly file: string,
    readonly lineNo: number | null,
    detail: string,
  ) {
    super(`${file}${lineNo === null ? '' : ` line ${lineNo}`}: ${detail}`);
    this.name = 'VtlConfError';
  }
}

/** device.conf as mhvtl reads it: records start in column 1, their fields are indented. */
export function parseDeviceConf(text: string, file = DEVICE_CONF): { version: number | null; devices: ParsedDevice[] } {
  const devices: ParsedDevice[] = [];
  let version: number | null = null;
  let current: ParsedDevice | null = null;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    const v = /^VERSION:\s*(\d+)\s*$/.exec(line);
    if (v) {
      version = Number(v[1]);
      return;
    }
    const head = /^(Library|Drive):\s*(\d+)\s+CHANNEL:\s*(\d+)\s+TARGET:\s*(\d+)\s+LUN:\s*(\d+)\s*$/.exec(line);
    if (head) {
      current = {
        kind: head[1] as 'Library' | 'Drive',
        id: Number(head[2]),
        channel: Number(head[3]),
        target: Number(head[4]),
        lun: Number(head[5]),
        line: i + 1,
        fields: {},
        libraryId: null,
        driveSlot: null,
      };
      devices.push(current);
      return;
    }
    if (!/^\s/.test(line) || !current)
      throw new VtlConfError(file, i + 1, `not a Library:/Drive: record or an indented field: ${JSON.stringify(line.slice(0, 80))}`);
    const dev: ParsedDevice = current;
    const lib = /^\s+Library ID:\s*(\d+)\s+Slot:\s*(\d+)\s*$/.exec(line);
    if (lib) {
      dev.libraryId = Number(lib[1]);
      dev.driveSlot = Number(lib[2]);
      return;
    }
    const f = /^\s+([A-Za-z][A-Za-z ]*?):\s*(.*)$/.exec(line);
    if (!f) throw new VtlConfError(file, i + 1, `not a "Name: value" field: ${JSON.stringify(line.slice(0, 80))}`);
    dev.fields[f[1]!] = f[2]!.trim();
  });
  return { version, devices };
}

export interface ParsedContents {
  drives: number;
  pickers: number;
  maps: number;
  /** Barcode per slot (index 0 is slot 1), null when empty. */
  slots: (string | null)[];
  /** Barcodes in the mail slots (MAP n: BARCODE), null when empty. */
  mapContents: (string | null)[];
}

/** library_contents.NNN: `Drive n:`, `Picker n:`, `MAP n:`, `Slot n: [barcode]`. */
export function parseLibraryContents(text: string, file: string): ParsedContents {
  const out: ParsedContents = { drives: 0, pickers: 0, maps: 0, slots: [], mapContents: [] };
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#') || /^VERSION:/.test(line)) return;
    const m = /^(Drive|Picker|MAP|Slot)\s+(\d+):\s*(\S*)\s*$/.exec(line);
    if (!m) throw new VtlConfError(file, i + 1, `not a Drive/Picker/MAP/Slot line: ${JSON.stringify(line.slice(0, 80))}`);
    const n = Number(m[2]);
    const barcode = m[3] ? m[3] : null;
    if (m[1] === 'Drive') out.drives = Math.max(out.drives, n);
    else if (m[1] === 'Picker') out.pickers = Math.max(out.pickers, n);
    else if (m[1] === 'MAP') {
      out.maps = Math.max(out.maps, n);
      out.mapContents[n - 1] = barcode;
    } else {
      if (n !== out.slots.length + 1) throw new VtlConfError(file, i + 1, `slot ${n} out of order: slots are listed 1, 2, 3... without gaps`);
      out.slots.push(barcode);
    }
  });
  return out;
}

/** What a cross-file check found wrong, with the file it is in. */
export interface VtlProblem {
  file: string;
  message: string;
}

/**
 * The checks mhvtl would fail on (or worse, silently misbehave with), across device.conf and every
 * library_contents file: ids unique, drives belong to a library that exists, each library's
 * contents file exists and lists as many drives as device.conf gives it, the slots and mail slots
 * Calypso means, barcodes well-formed and unique across all libraries, home directories absolute.
 */
export function validateVtlFiles(
  deviceConf: string,
  contents: Map<number, string>,
  expected?: Map<number, { slots: number; mailSlots: number }>,
): VtlProblem[] {
  const problems: VtlProblem[] = [];
  const add = (file: string, message: string) => problems.push({ file, message });
  let parsed: ReturnType<typeof parseDeviceConf>;
  try {
    parsed = parseDeviceConf(deviceConf);
  } catch (err) {
    return [{ file: DEVICE_CONF, message: (err as Error).message }];
  }
  const ids = new Map<number, ParsedDevice>();
  const addresses = new Map<string, ParsedDevice>();
  for (const d of parsed.devices) {
    const other = ids.get(d.id);
    if (other) add(DEVICE_CONF, `id ${d.id} is used twice (lines ${other.line} and ${d.line})`);
    ids.set(d.id, d);
    const addr = `${d.channel}:${d.target}:${d.lun}`;
    const at = addresses.get(addr);
    if (at) add(DEVICE_CONF, `CHANNEL/TARGET/LUN ${addr} is used by ${at.kind} ${at.id} and ${d.kind} ${d.id}`);
    addresses.set(addr, d);
  }
  const libraries = parsed.devices.filter((d) => d.kind === 'Library');
  for (const d of parsed.devices.filter((x) => x.kind === 'Drive')) {
    if (d.libraryId === null) add(DEVICE_CONF, `drive ${d.id} names no library (Library ID: ... Slot: ...)`);
    else if (!libraries.some((l) => l.id === d.libraryId))
      add(DEVICE_CONF, `drive ${d.id} belongs to library ${d.libraryId}, which device.conf does not define`);
  }
  const owner = new Map<string, string>();
  for (const lib of libraries) {
    const file = contentsPath(lib.id);
    const home = lib.fields['Home directory'];
    if (home !== undefined && (!home.startsWith('/') || home.includes('..') || /\s/.test(home)))
      add(DEVICE_CONF, `library ${lib.id}: home directory ${JSON.stringify(home)} is not an absolute path`);
    const text = contents.get(lib.id);
    if (text === undefined) {
      add(file, `library ${lib.id} has no contents file`);
      continue;
    }
    let c: ParsedContents;
    try {
      c = parseLibraryContents(text, file);
    } catch (err) {
      add(file, (err as Error).message);
      continue;
    }
    const drives = parsed.devices.filter((d) => d.kind === 'Drive' && d.libraryId === lib.id).length;
    if (c.drives !== drives) add(file, `lists ${c.drives} drives; device.conf gives library ${lib.id} ${drives}`);
    const want = expected?.get(lib.id);
    if (want && c.slots.length !== want.slots) add(file, `lists ${c.slots.length} slots; the library has ${want.slots}`);
    if (want && c.maps !== want.mailSlots) add(file, `lists ${c.maps} mail slots (MAP); the library has ${want.mailSlots}`);
    for (const b of [...c.slots, ...c.mapContents]) {
      if (b === null) continue;
      if (!BARCODE.test(b)) add(file, `barcode ${JSON.stringify(b)} is not 1 to 16 upper-case letters and digits`);
      const where = owner.get(b);
      if (where) add(file, `barcode ${b} is also in ${where}`);
      owner.set(b, file);
    }
  }
  for (const id of contents.keys())
    if (!libraries.some((l) => l.id === id)) add(contentsPath(id), `contents of library ${id}, which device.conf does not define`);
  return problems;
}

/** mhvtl's tools: mktape creates a cartridge in a library's home directory; systemctl runs the daemons. */
export class MhvtlAdapter {
  constructor(private readonly host: Host) {}

  /** `mktape -l LIB -m PCL -s MB -t data|clean -d LTOn -H HOME`: one cartridge (a cleaning one takes 20 loads). */
  async mktape(libraryId: number, barcode: string, sizeMb: number, type: 'data' | 'clean', density: LtoGeneration, home: string): Promise<void> {
    await this.host.run('mktape', ['-l', String(libraryId), '-m', userArg(barcode), '-s', String(sizeMb), '-t', type, '-d', density, '-H', userArg(home)]);
  }

  /** start, stop or restart every library's daemons (mhvtl.target). */
  async daemons(action: 'start' | 'stop' | 'restart'): Promise<void> {
    await this.host.run('systemctl', [action, MHVTL_UNIT]);
  }

  async active(): Promise<boolean> {
    const r = await this.host.run('systemctl', ['is-active', MHVTL_UNIT], { okCodes: [0, 3] });
    return r.stdout.trim() === 'active';
  }
}
