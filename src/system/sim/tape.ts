/**
 * The simulated appliance's tape libraries: a physical-looking HP MSL G3 (two LTO-8 drives, a
 * cleaning cartridge, a mail slot) and mhvtl's virtual libraries, built from /etc/mhvtl/device.conf
 * and library_contents.NNN when mhvtl.target starts. They answer lsscsi -g, sysfs reads, mtx
 * (status, inquiry, load, unload, transfer, inventory), tapeinfo, mt, sg_logs -p 0x2e, mktape and
 * systemctl for mhvtl.target in the real tools' formats, refuse what the real tools refuse with
 * their sentences and exit codes, take simulated time to move cartridges, ask for cleaning after
 * a number of loads, and take faults (a drive hardware error, a stuck slot) from `calypso sim`.
 * State lives in a JSON file on the simulated host, so a demo survives a restart.
 */
import type { HostFiles, RunResult } from '../host.js';
import { DEVICE_CONF, contentsPath, parseDeviceConf, parseLibraryContents, validateVtlFiles } from '../vtl/index.js';
import { BARCODE, LTO_GENERATIONS, isCleaningBarcode, type LtoGeneration } from '../../vocabulary/tape.js';

export const TAPE_SIM_STATE = '/var/lib/calypso-sim/tape.json';

export interface SimTapeSlot {
  full: boolean;
  /** null: a cartridge without a label (or an empty slot). */
  barcode: string | null;
  importExport: boolean;
}

export interface SimTapeDrive {
  vendor: string;
  product: string;
  revision: string;
  serial: string;
  generation: LtoGeneration;
  sg: string;
  st: number;
  hctl: [number, number, number, number];
  loaded: { barcode: string | null; source: number | null; threaded: boolean } | null;
  loadsSinceClean: number;
  cleaningRequired: boolean;
  hardwareError: boolean;
  expiredCleaning: boolean;
  fileNumber: number;
}

export interface SimTapeLibrary {
  /** The library's key in the simulator: 'msl' for the physical one, 'mhvtl-<id>' for a virtual one. */
  key: string;
  vendor: string;
  product: string;
  revision: string;
  serial: string;
  sg: string;
  /** /dev/sch node when the ch driver is bound (physical libraries), else null ("-" in lsscsi). */
  sch: string | null;
  hctl: [number, number, number, number];
  mhvtlId: number | null;
  drives: SimTapeDrive[];
  slots: SimTapeSlot[];
  /** Prints an empty padded VolumeTag on empty slots (some HP and Quantum firmware do). */
  blankTagsOnEmpty: boolean;
  moveMs: number;
  busyUntil: number;
  stuckSlots: number[];
  cleanAfterLoads: number;
  /** Cleaning loads left per cleaning cartridge. */
  cleaningUses: Record<string, number>;
}

export interface TapeSimState {
  libraries: SimTapeLibrary[];
  mhvtlRunning: boolean;
  /** Cartridges mktape made: barcode -> library, type, density, size. */
  media: Record<string, { library: number; type: 'data' | 'clean'; density: string; sizeMb: number; home: string }>;
}

export interface TapeSimContext {
  files: HostFiles;
  now: () => number;
  /** Waits a little (real time) while a move completes on the simulated clock. */
  tick?: () => Promise<void>;
}

const TOOLS = new Set(['lsscsi', 'mtx', 'tapeinfo', 'mt', 'sg_logs', 'mktape']);

function ok(stdout = '', stderr = ''): RunResult {
  return { code: 0, stdout, stderr };
}
function fail(stderr: string, code = 1, stdout = ''): RunResult {
  return { code, stdout, stderr: stderr.endsWith('\n') ? stderr : `${stderr}\n` };
}

const MHVTL_DEFAULT_DEVICE_CONF = `VERSION: 5

Library: 10 CHANNEL: 00 TARGET: 00 LUN: 00
 Vendor identification: STK
 Product identification: L700
 Product revision level: 0107
 Unit serial number: XYZZY_A
 NAA: 10:22:33:44:ab:00:00:00
 Home directory: /opt/mhvtl
 PERSIST: False
 Backoff: 400

Drive: 11 CHANNEL: 00 TARGET: 01 LUN: 00
 Library ID: 10 Slot: 01
 Vendor identification: IBM
 Product identification: ULT3580-TD8
 Product revision level: 0107
 Unit serial number: XYZZY_A1
 NAA: 10:22:33:44:ab:00:01:00
 Compression: factor 1 enabled 1
 Compression type: lzo
 Backoff: 400

Drive: 12 CHANNEL: 00 TARGET: 02 LUN: 00
 Library ID: 10 Slot: 02
 Vendor identification: IBM
 Product identification: ULT3580-TD8
 Product revision level: 0107
 Unit serial number: XYZZY_A2
 NAA: 10:22:33:44:ab:00:02:00
 Compression: factor 1 enabled 1
 Compression type: lzo
 Backoff: 400
`;

function defaultContents10(): string {
  const lines = ['VERSION: 2', '', 'Drive 1:', 'Drive 2:', '', 'Picker 1:', '', 'MAP 1:', 'MAP 2:', 'MAP 3:', 'MAP 4:', ''];
  for (let i = 1; i <= 20; i++) lines.push(i <= 10 ? `Slot ${i}: V0${String(i).padStart(4, '0')}L8` : i === 20 ? `Slot ${i}: CLNV01L1` : `Slot ${i}:`);
  return `${lines.join('\n')}\n`;
}

function physicalLibrary(): SimTapeLibrary {
  const drive = (i: number, sg: string, st: number, serial: string): SimTapeDrive => ({
    vendor: 'IBM',
    product: 'ULT3580-TD8',
    revision: 'KAJ9',
    serial,
    generation: 'LTO8',
    sg,
    st,
    hctl: [6, 0, 2 + i, 0],
    loaded: null,
    loadsSinceClean: 0,
    cleaningRequired: false,
    hardwareError: false,
    expiredCleaning: false,
    fileNumber: -1,
  });
  const slots: SimTapeSlot[] = [];
  for (let i = 1; i <= 23; i++) {
    if (i === 23) slots.push({ full: true, barcode: 'CLN001CU', importExport: false });
    else if (i >= 17) slots.push({ full: false, barcode: null, importExport: false });
    else slots.push({ full: true, barcode: `E010${String(i).padStart(2, '0')}L8`, importExport: false });
  }
  slots.push({ full: false, barcode: null, importExport: true });
  return {
    key: 'msl',
    vendor: 'HP',
    product: 'MSL G3 Series',
    revision: 'E.00',
    serial: 'DEC1234567',
    sg: '/dev/sg3',
    sch: '/dev/sch0',
    hctl: [6, 0, 4, 1],
    mhvtlId: null,
    drives: [drive(0, '/dev/sg2', 0, '10WT036512'), drive(1, '/dev/sg4', 1, '10WT036513')],
    slots,
    blankTagsOnEmpty: true,
    moveMs: 1500,
    busyUntil: 0,
    stuckSlots: [],
    cleanAfterLoads: 5,
    cleaningUses: { CLN001CU: 50 },
  };
}

async function loadState(files: HostFiles): Promise<TapeSimState> {
  const text = await files.readIfExists(TAPE_SIM_STATE);
  if (text) return JSON.parse(text) as TapeSimState;
  // First start: the physical library, and mhvtl as its package installs it (one STK L700, running).
  if ((await files.readIfExists(DEVICE_CONF)) === null) {
    await files.writeAtomic(DEVICE_CONF, MHVTL_DEFAULT_DEVICE_CONF);
    await files.writeAtomic(contentsPath(10), defaultContents10());
  }
  const state: TapeSimState = { libraries: [physicalLibrary()], mhvtlRunning: false, media: {} };
  await startMhvtl(files, state);
  return state;
}

async function saveState(files: HostFiles, state: TapeSimState): Promise<void> {
  await files.writeAtomic(TAPE_SIM_STATE, JSON.stringify(state));
  // sysfs and udev's /dev/tape/by-id, as the kernel and udev would show these devices.
  for (const lib of state.libraries) {
    await sysfs(files, lib.sg, 8, lib.vendor, lib.product, lib.revision);
    await writeIfChanged(files, `/dev/tape/by-id/scsi-${lib.serial}`, `../../${lib.sg.slice(5)}\n`);
    for (const d of lib.drives) {
      await sysfs(files, d.sg, 1, d.vendor, d.product, d.revision);
      await writeIfChanged(files, `/dev/tape/by-id/scsi-${d.serial}`, `../../st${d.st}\n`);
      await writeIfChanged(files, `/dev/tape/by-id/scsi-${d.serial}-nst`, `../../nst${d.st}\n`);
    }
  }
}

async function sysfs(files: HostFiles, sg: string, type: number, vendor: string, model: string, rev: string): Promise<void> {
  const dir = `/sys/class/scsi_generic/${sg.slice(5)}/device`;
  const want: Record<string, string> = { type: `${type}\n`, vendor: `${vendor.padEnd(8)}\n`, model: `${model.padEnd(16)}\n`, rev: `${rev.padEnd(4)}\n` };
  for (const [name, value] of Object.entries(want)) await writeIfChanged(files, `${dir}/${name}`, value);
}

/** The kernel's and udev's files change only when the devices do: no write (and fsync) per command. */
async function writeIfChanged(files: HostFiles, path: string, content: string): Promise<void> {
  if ((await files.readIfExists(path)) !== content) await files.writeAtomic(path, content);
}

/** Builds mhvtl's libraries from its configuration files, as vtllibrary and vtltape do at start. Returns an error line, or null. */
async function startMhvtl(files: HostFiles, state: TapeSimState): Promise<string | null> {
  const conf = await files.readIfExists(DEVICE_CONF);
  state.libraries = state.libraries.filter((l) => l.mhvtlId === null);
  state.mhvtlRunning = false;
  if (conf === null) return `${DEVICE_CONF}: No such file or directory`;
  const parsed = parseDeviceConf(conf);
  const contents = new Map<number, string>();
  for (const l of parsed.devices.filter((d) => d.kind === 'Library')) {
    const text = await files.readIfExists(contentsPath(l.id));
    if (text !== null) contents.set(l.id, text);
  }
  const problems = validateVtlFiles(conf, contents);
  if (problems.length > 0) return problems.map((p) => `${p.file}: ${p.message}`).join('; ');
  let sg = 9;
  let st = 2;
  for (const l of parsed.devices.filter((d) => d.kind === 'Library')) {
    const c = parseLibraryContents(contents.get(l.id)!, contentsPath(l.id));
    const drives = parsed.devices.filter((d) => d.kind === 'Drive' && d.libraryId === l.id);
    const lib: SimTapeLibrary = {
      key: `mhvtl-${l.id}`,
      vendor: l.fields['Vendor identification'] ?? 'STK',
      product: l.fields['Product identification'] ?? 'L700',
      revision: l.fields['Product revision level'] ?? '0107',
      serial: l.fields['Unit serial number'] ?? `XYZZY_${l.id}`,
      sg: `/dev/sg${sg++}`,
      sch: null,
      hctl: [7, l.channel, l.target, l.lun],
      mhvtlId: l.id,
      drives: drives.map((d) => {
        const product = d.fields['Product identification'] ?? 'ULT3580-TD8';
        const gen = /TD([5-9])$/.exec(product);
        return {
          vendor: d.fields['Vendor identification'] ?? 'IBM',
          product,
          revision: d.fields['Product revision level'] ?? '0107',
          serial: d.fields['Unit serial number'] ?? `XYZZY_${d.id}`,
          generation: (gen ? `LTO${gen[1]}` : 'LTO8') as LtoGeneration,
          sg: `/dev/sg${sg++}`,
          st: st++,
          hctl: [7, d.channel, d.target, d.lun] as [number, number, number, number],
          loaded: null,
          loadsSinceClean: 0,
          cleaningRequired: false,
          hardwareError: false,
          expiredCleaning: false,
          fileNumber: -1,
        };
      }),
      slots: [
        ...c.slots.map((b) => ({ full: b !== null, barcode: b, importExport: false })),
        ...Array.from({ length: c.maps }, (_, i) => ({ full: c.mapContents[i] != null, barcode: c.mapContents[i] ?? null, importExport: true })),
      ],
      blankTagsOnEmpty: false,
      moveMs: 300,
      busyUntil: 0,
      stuckSlots: [],
      cleanAfterLoads: 20,
      // mktape gives a cleaning cartridge 20 loads.
      cleaningUses: Object.fromEntries([...c.slots, ...c.mapContents].filter((b): b is string => !!b && isCleaningBarcode(b)).map((b) => [b, 20])),
    };
    state.libraries.push(lib);
  }
  state.mhvtlRunning = true;
  return null;
}

/** simulateTapeTool for the simulated host: the answer, when it started (simulated clock) and how long it took (wall clock); null when the tool is not a tape tool. */
export async function simulateTapeCommand(
  tool: string,
  args: string[],
  files: HostFiles,
  now: () => number,
): Promise<{ result: RunResult; started: number; wallMs: number } | null> {
  const started = now();
  const wall = Date.now();
  const result = await simulateTapeTool(tool, args, { files, now });
  return result ? { result, started, wallMs: Date.now() - wall } : null;
}

const locks = new WeakMap<HostFiles, Promise<unknown>>();

/** One command at a time changes the tape state (a library's robot and its element status). */
function locked<T>(files: HostFiles, fn: () => Promise<T>): Promise<T> {
  const prev = locks.get(files) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  locks.set(
    files,
    next.catch(() => undefined),
  );
  return next;
}

interface Answer {
  result: RunResult;
  /** A move in progress: the command answers once the simulated clock reaches this time. */
  until?: number;
}

/**
 * Answers one command if it is a tape tool (null: not mine). systemctl is claimed only for
 * mhvtl's units.
 */
export async function simulateTapeTool(tool: string, args: string[], ctx: TapeSimContext): Promise<RunResult | null> {
  if (tool === 'systemctl' && !args.some((a) => a === 'mhvtl.target' || a === 'mhvtl')) return null;
  if (tool !== 'systemctl' && !TOOLS.has(tool)) return null;
  const answer = await locked(ctx.files, async () => {
    const state = await loadState(ctx.files);
    const before = JSON.stringify(state);
    const out = await answerTool(tool, args, ctx, state);
    if (JSON.stringify(state) !== before || !(await ctx.files.readIfExists(TAPE_SIM_STATE))) await saveState(ctx.files, state);
    return out;
  });
  if (answer.until !== undefined) {
    const tick = ctx.tick ?? (() => new Promise<void>((r) => setTimeout(r, 10)));
    while (ctx.now() < answer.until) await tick();
  }
  return answer.result;
}

async function answerTool(tool: string, args: string[], ctx: TapeSimContext, state: TapeSimState): Promise<Answer> {
  switch (tool) {
    case 'lsscsi':
      return { result: lsscsi(state, args) };
    case 'mtx':
      return mtx(state, args, ctx.now());
    case 'tapeinfo':
      return { result: tapeinfo(state, args) };
    case 'mt':
      return { result: mt(state, args) };
    case 'sg_logs':
      return { result: sgLogs(state, args) };
    case 'mktape':
      return { result: await mktape(state, args, ctx.files) };
    default:
      return { result: await systemctl(state, args, ctx.files) };
  }
}

function lsscsi(state: TapeSimState, args: string[]): RunResult {
  if (args.some((a) => a !== '-g')) return fail(`lsscsi: unrecognized option '${args.find((a) => a !== '-g')}'`, 1);
  type Row = { hctl: number[]; type: string; vendor: string; model: string; rev: string; dev: string; sg: string };
  const rows: Row[] = [];
  for (const l of state.libraries) {
    rows.push({ hctl: l.hctl, type: 'mediumx', vendor: l.vendor, model: l.product, rev: l.revision, dev: l.sch ?? '-', sg: l.sg });
    for (const d of l.drives) rows.push({ hctl: d.hctl, type: 'tape', vendor: d.vendor, model: d.product, rev: d.revision, dev: `/dev/st${d.st}`, sg: d.sg });
  }
  rows.sort((a, b) => a.hctl.join(':').localeCompare(b.hctl.join(':'), undefined, { numeric: true }));
  const line = (r: Row) =>
    `${`[${r.hctl.join(':')}]`.padEnd(13)}${r.type.padEnd(8)}${r.vendor.slice(0, 8).padEnd(9)}${r.model.slice(0, 16).padEnd(17)}${r.rev.slice(0, 4).padEnd(6)}${r.dev.padEnd(11)}${r.sg} `;
  return ok(rows.map(line).join('\n') + (rows.length ? '\n' : ''));
}

function findChanger(state: TapeSimState, dev: string): SimTapeLibrary | undefined {
  const byId = /^\/dev\/tape\/by-id\/scsi-(.+)$/.exec(dev);
  return state.libraries.find((l) => l.sg === dev || l.sch === dev || (byId && byId[1] === l.serial));
}

function findDrive(state: TapeSimState, dev: string): { lib: SimTapeLibrary; drive: SimTapeDrive } | undefined {
  const byId = /^\/dev\/tape\/by-id\/scsi-(.+?)(-nst)?$/.exec(dev);
  const st = /^\/dev\/n?st(\d+)$/.exec(dev);
  for (const lib of state.libraries)
    for (const drive of lib.drives) if (drive.sg === dev || (st && Number(st[1]) === drive.st) || (byId && byId[1] === drive.serial)) return { lib, drive };
  return undefined;
}

const tag32 = (t: string) => t.padEnd(32);

/** Element addresses as an SMC library reports them (mtx prints them in MOVE MEDIUM failures). */
const slotAddress = (lib: SimTapeLibrary, index: number) =>
  lib.slots[index - 1]?.importExport ? 10 + index - lib.slots.filter((s) => !s.importExport).length - 1 : 1000 + index - 1;
const driveAddress = (d: number) => 500 + d;

function requestSense(key: string, asc: number, ascq: number): string {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');
  return [
    'mtx: Request Sense: Long Report=yes',
    'mtx: Request Sense: Valid Residual=no',
    'mtx: Request Sense: Error Code=70 (Current)',
    `mtx: Request Sense: Sense Key=${key}`,
    'mtx: Request Sense: FileMark=no',
    'mtx: Request Sense: EOM=no',
    'mtx: Request Sense: ILI=no',
    `mtx: Request Sense: Additional Sense Code = ${hex(asc)}`,
    `mtx: Request Sense: Additional Sense Qualifier = ${hex(ascq)}`,
    'mtx: Request Sense: BPV=no',
    'mtx: Request Sense: Error in CDB=no',
    'mtx: Request Sense: SKSV=no',
  ].join('\n');
}

function mtxStatus(lib: SimTapeLibrary): string {
  const out = [
    `  Storage Changer ${lib.sg}:${lib.drives.length} Drives, ${lib.slots.length} Slots ( ${lib.slots.filter((s) => s.importExport).length} Import/Export )`,
  ];
  lib.drives.forEach((d, i) => {
    if (!d.loaded) out.push(`Data Transfer Element ${i}:Empty`);
    else {
      const src = d.loaded.source === null ? 'Unknown Storage Element Loaded' : `Storage Element ${d.loaded.source} Loaded`;
      out.push(`Data Transfer Element ${i}:Full (${src})${d.loaded.barcode ? `:VolumeTag = ${tag32(d.loaded.barcode)}` : ''}`);
    }
  });
  lib.slots.forEach((s, i) => {
    const head = `      Storage Element ${i + 1}${s.importExport ? ' IMPORT/EXPORT' : ''}:${s.full ? 'Full ' : 'Empty'}`;
    const t = s.full && s.barcode ? `:VolumeTag=${tag32(s.barcode)}` : !s.full && lib.blankTagsOnEmpty ? `:VolumeTag=${tag32('')}` : '';
    out.push(head + t);
  });
  return `${out.join('\n')}\n`;
}

function mtx(state: TapeSimState, args: string[], now: number): Answer {
  const usage =
    'Usage:\n  mtx --version\n  mtx [ -f <loader-dev> ] noattach <more commands>\n  mtx [ -f <loader-dev> ] inquiry | inventory\n  mtx [ -f <loader-dev> ] [altres] [nobarcode] status\n  mtx [ -f <loader-dev> ] [altres] first [<drive#>]\n  mtx [ -f <loader-dev> ] [altres] load <storage-element-number> [<drive#>]\n  mtx [ -f <loader-dev> ] [altres] unload [<storage-element-number>][<drive#>]\n  mtx [ -f <loader-dev> ] [altres] transfer <storage-element-number> <storage-element-number>';
  if (args[0] !== '-f' || !args[1]) return { result: fail(usage, 1) };
  const dev = args[1];
  const lib = findChanger(state, dev);
  const [cmd, a1, a2] = args.slice(2);
  const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : -1);
  if (!lib) {
    if (findDrive(state, dev)) return { result: fail(`${requestSense('Illegal Request', 0x20, 0)}\nmtx: READ ELEMENT STATUS Command Failed`) };
    return { result: fail(`mtx: cannot open SCSI device '${dev}' - No such file or directory`) };
  }
  const busy = (from: number, to: number): Answer => ({
    result: fail(`${requestSense('Not Ready', 0x04, 0x01)}\nmtx: MOVE MEDIUM from Element Address ${from} to ${to} Failed`),
  });
  /** A MOVE MEDIUM between elements (slot numbers, or a drive as { drive }); refused while the robot moves or when a slot is stuck. */
  const move = (from: number | { drive: number }, to: number | { drive: number }, apply: () => void): Answer => {
    const address = (e: number | { drive: number }) => (typeof e === 'number' ? slotAddress(lib, e) : driveAddress(e.drive));
    if (now < lib.busyUntil) return busy(address(from), address(to));
    for (const e of [from, to])
      if (typeof e === 'number' && lib.stuckSlots.includes(e)) {
        return {
          result: fail(`${requestSense('Hardware Error', 0x15, 0x01)}\nmtx: MOVE MEDIUM from Element Address ${address(from)} to ${address(to)} Failed`),
        };
      }
    apply();
    lib.busyUntil = now + lib.moveMs;
    return { result: ok(), until: lib.busyUntil };
  };
  switch (cmd) {
    case 'status':
    case undefined:
      return { result: ok(mtxStatus(lib)) };
    case 'inquiry':
      return {
        result: ok(
          `Product Type: Medium Changer\nVendor ID: '${lib.vendor.padEnd(8)}'\nProduct ID: '${lib.product.padEnd(16)}'\nRevision: '${lib.revision.padEnd(4)}'\nAttached Changer API: No\n`,
        ),
      };
    case 'inventory': {
      if (now < lib.busyUntil) return busy(0, 0);
      lib.busyUntil = now + lib.moveMs * 2;
      return { result: ok(), until: lib.busyUntil };
    }
    case 'load': {
      const slot = num(a1);
      const d = a2 === undefined ? 0 : num(a2);
      if (slot < 1) return { result: fail('mtx: No source specified') };
      if (slot > lib.slots.length) return { result: fail(`mtx: Invalid <storage-element-number> argument '${slot}' to 'load' command`) };
      if (d < 0 || d >= lib.drives.length) return { result: fail(`mtx: illegal <drive-number> argument '${d}' to 'load' command`) };
      const drive = lib.drives[d]!;
      if (drive.loaded) return { result: fail(`mtx: Drive ${d} Full (Storage Element ${drive.loaded.source ?? 0} loaded)`) };
      const s = lib.slots[slot - 1]!;
      if (!s.full)
        return {
          result: fail(`mtx: Source Element Address ${slotAddress(lib, slot)} is Empty`, 1, `Loading media from Storage Element ${slot} into drive ${d}...`),
        };
      const answer = move(slot, { drive: d }, () => {
        drive.loaded = { barcode: s.barcode, source: slot, threaded: true };
        s.full = false;
        s.barcode = null;
        drive.fileNumber = 0;
        if (drive.loaded.barcode && isCleaningBarcode(drive.loaded.barcode)) {
          const left = lib.cleaningUses[drive.loaded.barcode] ?? 0;
          if (left > 0) {
            lib.cleaningUses[drive.loaded.barcode] = left - 1;
            drive.cleaningRequired = false;
            drive.expiredCleaning = false;
            drive.loadsSinceClean = 0;
          } else drive.expiredCleaning = true;
        } else {
          drive.loadsSinceClean += 1;
          if (drive.loadsSinceClean >= lib.cleanAfterLoads) drive.cleaningRequired = true;
        }
      });
      if (answer.result.code === 0) answer.result = ok(`Loading media from Storage Element ${slot} into drive ${d}...done\n`);
      return answer;
    }
    case 'unload': {
      // "unload [<storage-element-number>] [<drive#>]": one number is the slot, as mtx reads it.
      let slot = num(a1);
      const d = a2 === undefined ? 0 : num(a2);
      if (d < 0 || d >= lib.drives.length) return { result: fail(`mtx: illegal <drive-number> argument '${d}' to 'unload' command`) };
      const drive = lib.drives[d]!;
      if (slot < 0) {
        if (!drive.loaded) return { result: fail(`mtx: Data Transfer Element ${d} is Empty`) };
        if (drive.loaded.source === null) return { result: fail(`mtx: No Source for tape in drive ${d}!`) };
        slot = drive.loaded.source;
      }
      if (slot < 1 || slot > lib.slots.length) return { result: fail(`mtx: illegal <storage-element-number> argument '${slot}' to 'unload' command`) };
      if (!drive.loaded) return { result: fail(`mtx: Data Transfer Element ${d} is Empty`) };
      const s = lib.slots[slot - 1]!;
      if (s.full) return { result: fail(`mtx: Storage Element ${slot} is Already Full`) };
      const loaded = drive.loaded;
      const answer = move({ drive: d }, slot, () => {
        s.full = true;
        s.barcode = loaded.barcode;
        drive.loaded = null;
        drive.fileNumber = -1;
      });
      if (answer.result.code === 0) answer.result = ok(`Unloading drive ${d} into Storage Element ${slot}...done\n`);
      return answer;
    }
    case 'transfer': {
      const from = num(a1);
      const to = num(a2);
      if (from < 1) return { result: fail('mtx: No source specified') };
      if (to < 1) return { result: fail('mtx: No destination specified') };
      if (from > lib.slots.length) return { result: fail('mtx: Invalid source') };
      if (to > lib.slots.length) return { result: fail('mtx: Invalid destination') };
      const src = lib.slots[from - 1]!;
      const dst = lib.slots[to - 1]!;
      if (!src.full) return { result: fail(`mtx: Source Element Address ${slotAddress(lib, from)} is Empty`) };
      if (dst.full) return { result: fail(`mtx: Destination Element Address ${slotAddress(lib, to)} is Already Full`) };
      return move(from, to, () => {
        dst.full = true;
        dst.barcode = src.barcode;
        src.full = false;
        src.barcode = null;
      });
    }
    default:
      return { result: fail(usage, 1) };
  }
}

function driveArg(state: TapeSimState, args: string[], tool: string): { lib: SimTapeLibrary; drive: SimTapeDrive } | RunResult {
  const i = args.indexOf('-f');
  const dev = i >= 0 ? args[i + 1] : args[args.length - 1];
  if (!dev) return fail(`Usage: ${tool} -f <generic-device>`);
  const found = findDrive(state, dev);
  if (found) return found;
  if (tool === 'tapeinfo' && findChanger(state, dev)) return { lib: findChanger(state, dev)!, drive: null as unknown as SimTapeDrive };
  if (tool === 'mt') return fail(`/dev/${dev.split('/').pop()}: No such file or directory`, 1);
  if (tool === 'sg_logs') return fail(`sg_logs: error opening file: ${dev}: No such file or directory`, 15);
  return fail(`tapeinfo: cannot open SCSI device '${dev}' - No such file or directory`);
}

const DENSITY: Record<LtoGeneration, [string, string]> = {
  LTO5: ['0x58', 'LTO-5'],
  LTO6: ['0x5a', 'LTO-6'],
  LTO7: ['0x5c', 'LTO-7'],
  LTO8: ['0x5e', 'LTO-8'],
  LTO9: ['0x60', 'LTO-9'],
};

function alertsOf(d: SimTapeDrive): number[] {
  const out: number[] = [];
  if (d.cleaningRequired) out.push(0x14);
  if (d.expiredCleaning) out.push(0x16);
  if (d.hardwareError) out.push(0x1e);
  return out;
}

const TAPEINFO_ALERT: Record<number, string> = {
  0x14: '    Clean Now: The tape drive neads cleaning NOW',
  0x16: 'Cleaning Media:Cannot clean because cleaning cartridge used up, insert new cleaning cartridge to clean the drive',
  0x1e: '   Hardware A: Tape drive has a problem not read/write related',
};

function tapeinfo(state: TapeSimState, args: string[]): RunResult {
  const found = driveArg(state, args, 'tapeinfo');
  if ('code' in found) return found;
  const { lib, drive } = found;
  if (!drive)
    return ok(
      `Product Type: Medium Changer\nVendor ID: '${lib.vendor.padEnd(8)}'\nProduct ID: '${lib.product.padEnd(16)}'\nRevision: '${lib.revision.padEnd(4)}'\nAttached Changer API: No\nSerialNumber: '${lib.serial}'\nSCSI ID: ${lib.hctl[2]}\nSCSI LUN: ${lib.hctl[3]}\nReady: yes\n`,
    );
  const loaded = drive.loaded !== null && !(drive.loaded.barcode && isCleaningBarcode(drive.loaded.barcode));
  const lines = [
    'Product Type: Tape Drive',
    `Vendor ID: '${drive.vendor.padEnd(8)}'`,
    `Product ID: '${drive.product.padEnd(16)}'`,
    `Revision: '${drive.revision.padEnd(4)}'`,
    'Attached Changer API: No',
    `SerialNumber: '${drive.serial}'`,
    ...alertsOf(drive).map((c) => `TapeAlert[${c}]: ${TAPEINFO_ALERT[c]}.`),
    'MinBlock: 1',
    'MaxBlock: 8388608',
    `SCSI ID: ${drive.hctl[2]}`,
    `SCSI LUN: ${drive.hctl[3]}`,
    `Ready: ${loaded ? 'yes' : 'no'}`,
    'BufferedMode: yes',
    `Medium Type: ${loaded ? '0x78' : 'Not Loaded'}`,
    `Density Code: ${loaded ? DENSITY[drive.generation][0] : '0x0'}`,
    'BlockSize: 0',
    'DataCompEnabled: yes',
    'DataCompCapable: yes',
    'DataDeCompEnabled: yes',
    'CompType: 0x1',
    'DeCompType: 0x1',
    ...(loaded && drive.fileNumber === 0 ? ['BOP: yes'] : []),
    `Block Position: 0`,
    'ActivePartition: 0',
    'EarlyWarningSize: 0',
    'NumPartitions: 0',
    'MaxPartitions: 3',
  ];
  return ok(`${lines.join('\n')}\n`);
}

function mt(state: TapeSimState, args: string[]): RunResult {
  const found = driveArg(state, args, 'mt');
  if ('code' in found) return found;
  const { drive } = found;
  const op = args.filter((a, i) => a !== '-f' && args[i - 1] !== '-f')[0] ?? 'status';
  const loaded = drive.loaded !== null && drive.loaded.threaded;
  const dev = `/dev/nst${drive.st}`;
  if (op === 'status') {
    const [code, name] = loaded ? DENSITY[drive.generation] : ['0x0', 'default'];
    const bits = loaded ? (drive.fileNumber === 0 ? ' BOT ONLINE IM_REP_EN' : ' ONLINE IM_REP_EN') : ' DR_OPEN IM_REP_EN';
    const word = loaded ? (drive.fileNumber === 0 ? '41010000' : '1010000') : '50000';
    return ok(
      `SCSI 2 tape drive:\nFile number=${loaded ? drive.fileNumber : -1}, block number=${loaded ? 0 : -1}, partition=0.\nTape block size 0 bytes. Density code ${code} (${name}).\nSoft error count since last status=0\nGeneral status bits on (${word}):\n${bits}\n`,
    );
  }
  if (op === 'offline' || op === 'eject' || op === 'rewoffl') {
    if (!drive.loaded) return fail(`${dev}: No medium found`, 2);
    drive.loaded.threaded = false;
    drive.fileNumber = -1;
    return ok();
  }
  if (op === 'rewind') {
    if (!loaded) return fail(`${dev}: No medium found`, 2);
    drive.fileNumber = 0;
    return ok();
  }
  return fail(`mt: unknown command "${op}"`, 1);
}

function sgLogs(state: TapeSimState, args: string[]): RunResult {
  const pageArg = args.find((a) => a.startsWith('--page=')) ?? (args.includes('-p') ? `--page=${args[args.indexOf('-p') + 1]}` : null);
  if (!pageArg || pageArg.toLowerCase() !== '--page=0x2e') return fail('sg_logs: the simulated appliance answers only the TapeAlert page (-p 0x2e)', 1);
  const found = driveArg(state, args, 'sg_logs');
  if ('code' in found) return found;
  const { drive } = found;
  if (!drive) return fail('Log sense command not supported', 5);
  const set = new Set(alertsOf(drive));
  const names = SG_LOGS_146_NAMES;
  const lines = [`    ${drive.vendor.padEnd(8)}  ${drive.product.padEnd(16)}  ${drive.revision}`, 'Tape alert page (ssc-3) [0x2e]'];
  for (let code = 1; code <= 0x40; code++) {
    const flag = set.has(code) ? 1 : 0;
    const name = names[code];
    if (name) lines.push(`  ${name}: ${flag}`);
    else if (code >= 0x28 && code <= 0x2e) lines.push(`  Obsolete (${code.toString(16).toUpperCase()}h): ${flag}`);
    else if (code <= 0x31) lines.push(`  Reserved (${code.toString(16).toUpperCase()}h): ${flag}`);
    else lines.push(`  Reserved parameter code 0x${code.toString(16)}, flag: ${flag}`);
  }
  return ok(`${lines.join('\n')}\n`);
}

/** The flag names sg_logs 1.81 (sg3-utils 1.46) prints, by parameter code. */
const SG_LOGS_146_NAMES: Record<number, string> = {
  1: 'Read warning',
  2: 'Write warning',
  3: 'Hard error',
  4: 'Media',
  5: 'Read failure',
  6: 'Write failure',
  7: 'Media life',
  8: 'Not data grade',
  9: 'Write protect',
  10: 'No removal',
  11: 'Cleaning media',
  12: 'Unsupported format',
  13: 'Recoverable mechanical cartridge failure',
  14: 'Unrecoverable mechanical cartridge failure',
  15: 'Memory chip in cartridge failure',
  16: 'Forced eject',
  17: 'Read only format',
  18: 'Tape directory corrupted on load',
  19: 'Nearing media life',
  20: 'Cleaning required',
  21: 'Cleaning requested',
  22: 'Expired cleaning media',
  23: 'Invalid cleaning tape',
  24: 'Retension requested',
  25: 'Dual port interface error',
  26: 'Cooling fan failing',
  27: 'Power supply failure',
  28: 'Power consumption',
  29: 'Drive maintenance',
  30: 'Hardware A',
  31: 'Hardware B',
  32: 'Interface',
  33: 'Eject media',
  34: 'Microcode update fail',
  35: 'Drive humidity',
  36: 'Drive temperature',
  37: 'Drive voltage',
  38: 'Predictive failure',
  39: 'Diagnostics required',
  50: 'Lost statistics',
  51: 'Tape directory invalid at unload',
  52: 'Tape system area write failure',
  53: 'Tape system area read failure',
  54: 'No start of data',
  55: 'Loading failure',
  56: 'Unrecoverable unload failure',
  57: 'Automation interface failure',
  58: 'Firmware failure',
  59: 'WORM medium - integrity check failed',
  60: 'WORM medium - overwrite attempted',
};

async function mktape(state: TapeSimState, args: string[], files: HostFiles): Promise<RunResult> {
  const opt = (letter: string) => {
    const i = args.indexOf(`-${letter}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const pcl = opt('m');
  if (!pcl) return fail('error: Please supply a barcode (-m barcode)');
  if (!opt('s')) return fail('error: Please supply media capacity (-s xx)');
  const type = opt('t');
  if (!type) return fail('error: Please supply cart type (-t data|clean|WORM|NULL)');
  const lib = Number(opt('l') ?? '0');
  if (!opt('l')) return fail('error: Please supply Library number (-l xx)');
  const density = opt('d');
  if (!density) return fail('error: Please supply media density (-d xx)');
  if (!lib) return fail('error: Invalid library number');
  if (pcl.length > 16) return fail('error: Max barcode length (16) exceeded');
  if (!BARCODE.test(pcl)) return fail(`error: Invalid barcode ${pcl}`);
  if (!(LTO_GENERATIONS as readonly string[]).includes(density)) return fail(`Unknown density ${density}`);
  let home = opt('H');
  if (!home) {
    const conf = parseDeviceConf((await files.readIfExists(DEVICE_CONF)) ?? '');
    home = conf.devices.find((d) => d.kind === 'Library' && d.id === lib)?.fields['Home directory'] ?? '/opt/mhvtl';
  }
  if (state.media[pcl]) return fail(`error: Failed to create media ${home}/${pcl}: File exists`);
  state.media[pcl] = { library: lib, type: type === 'clean' ? 'clean' : 'data', density, sizeMb: Number(opt('s')) || 8000, home };
  await files.writeAtomic(`${home}/${pcl}/meta`, `${pcl} ${density} ${type}\n`);
  return ok();
}

async function systemctl(state: TapeSimState, args: string[], files: HostFiles): Promise<RunResult> {
  const action = args[0];
  if (action === 'is-active') return state.mhvtlRunning ? ok('active\n') : { code: 3, stdout: 'inactive\n', stderr: '' };
  if (action === 'stop') {
    if (state.libraries.some((l) => l.mhvtlId !== null && l.drives.some((d) => d.loaded))) {
      // vtltape unloads on shutdown; the cartridges go back to their slots.
      for (const l of state.libraries.filter((x) => x.mhvtlId !== null))
        for (const d of l.drives)
          if (d.loaded && d.loaded.source !== null && !l.slots[d.loaded.source - 1]!.full) {
            l.slots[d.loaded.source - 1] = { full: true, barcode: d.loaded.barcode, importExport: false };
            d.loaded = null;
          }
    }
    state.libraries = state.libraries.filter((l) => l.mhvtlId === null);
    state.mhvtlRunning = false;
    return ok();
  }
  if (action === 'start' || action === 'restart') {
    const problem = await startMhvtl(files, state);
    if (problem)
      return fail(
        `Job for mhvtl.target failed because the control process exited with error code.\nSee "systemctl status mhvtl.target" and "journalctl -xeu mhvtl.target" for details.\n${problem}`,
      );
    return ok();
  }
  return fail(`Unknown command verb ${action}.`);
}

/** Faults for demos and tests (`calypso sim tape-fault`). */
export type TapeFault =
  | { kind: 'drive-error'; library: string; drive: number }
  | { kind: 'stuck-slot'; library: string; slot: number }
  | { kind: 'needs-cleaning'; library: string; drive: number }
  | { kind: 'clear'; library: string };

/** Applies a fault to a simulated library; throws "no simulated ..." for an unknown one. */
export async function applyTapeFault(files: HostFiles, fault: TapeFault): Promise<void> {
  await locked(files, async () => {
    const state = await loadState(files);
    const lib = state.libraries.find((l) => l.key === fault.library || l.serial === fault.library);
    if (!lib) throw new Error(`no simulated tape library ${fault.library} (one of: ${state.libraries.map((l) => l.key).join(', ')})`);
    const drive = (i: number) => {
      const d = lib.drives[i];
      if (!d) throw new Error(`no simulated drive ${i} in ${lib.key}`);
      return d;
    };
    if (fault.kind === 'drive-error') drive(fault.drive).hardwareError = true;
    else if (fault.kind === 'needs-cleaning') drive(fault.drive).cleaningRequired = true;
    else if (fault.kind === 'stuck-slot') {
      if (fault.slot < 1 || fault.slot > lib.slots.length) throw new Error(`no simulated slot ${fault.slot} in ${lib.key}`);
      lib.stuckSlots.push(fault.slot);
    } else {
      lib.stuckSlots = [];
      for (const d of lib.drives) {
        d.hardwareError = false;
        d.cleaningRequired = false;
        d.expiredCleaning = false;
      }
    }
    await saveState(files, state);
  });
}

/** Back to the default libraries (calypso sim reset): the next tape command builds them again from mhvtl's files. */
export async function resetTapeLibraries(files: HostFiles): Promise<void> {
  await locked(files, () => files.writeAtomic(TAPE_SIM_STATE, ''));
}

/** Cartridges put into a mail slot from outside (an operator at the library), for demos and tests. */
export async function insertIntoMailSlot(files: HostFiles, library: string, barcode: string): Promise<void> {
  await locked(files, async () => {
    const state = await loadState(files);
    const lib = state.libraries.find((l) => l.key === library);
    if (!lib) throw new Error(`no simulated tape library ${library}`);
    const slot = lib.slots.find((s) => s.importExport && !s.full);
    if (!slot) throw new Error(`no simulated empty mail slot in ${library}`);
    slot.full = true;
    slot.barcode = barcode;
    await saveState(files, state);
  });
}
