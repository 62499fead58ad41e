/**
 * Tape libraries and drives through the standard tools: lsscsi -g and sysfs to find changers
 * (SCSI type 8) and drives (type 1), tapeinfo for serial numbers, /dev/tape/by-id for stable
 * names, mtx for the changer, mt and sg_logs for the drives. Every value from a user is a number
 * here (slots, drive elements) or a device path Calypso found itself; userArg guards the rest.
 */
import type { Host } from '../host.js';
import { HostCommandError, userArg } from '../host.js';
import { refusalOf, type RefusalPattern } from '../tool-refusal.js';
import { DEVICE_CONF, parseDeviceConf } from '../vtl/index.js';
import {
  parseLsscsi,
  parseMtStatus,
  parseMtxInquiry,
  parseMtxStatus,
  parseSgLogsTapeAlert,
  parseTapeinfo,
  type LsscsiDevice,
  type MtStatus,
  type MtxStatus,
  type TapeAlertFlag,
  type TapeInfo,
} from './parse.js';

export * from './parse.js';

/** mtx's refusals that are the state of the library, not a failure of the appliance. */
const MTX_REFUSALS: RefusalPattern[] = [
  { pattern: /^mtx: Drive \d+ Full/, kind: 'conflict' },
  { pattern: /Already Full$/, kind: 'conflict' },
  { pattern: /is Empty$/, kind: 'conflict' },
  { pattern: /^mtx: No Source for tape in drive/, kind: 'conflict' },
  { pattern: /^mtx: (Invalid|illegal) /, kind: 'invalid' },
  { pattern: /^mtx: cannot open SCSI device/, kind: 'missing' },
  { pattern: /Sense Key=Not Ready/, kind: 'conflict' },
  { pattern: /^mtx: MOVE MEDIUM from Element Address \d+ to \d+ Failed/, kind: 'conflict' },
];

async function mtxRun<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw refusalOf(err, MTX_REFUSALS) ?? err;
  }
}

export interface DiscoveredDrive {
  /** Element number in the changer (mtx counts drives from 0), or null when not mapped. */
  element: number | null;
  /** How the element number is known: mhvtl's device.conf, or a guess from SCSI addresses (confirmed by the first load). */
  mapping: 'device.conf' | 'address-order' | 'none';
  sg: string;
  /** The non-rewinding node (/dev/nstN), or null when st is not bound. */
  nst: string | null;
  stablePath: string | null;
  vendor: string;
  model: string;
  revision: string;
  serial: string | null;
}

export interface DiscoveredLibrary {
  sg: string;
  stablePath: string | null;
  vendor: string;
  model: string;
  revision: string;
  serial: string;
  /** A virtual library of mhvtl (its library id), or null for a physical one. */
  mhvtlId: number | null;
  hctl: string;
  drives: DiscoveredDrive[];
}

const SYSFS = '/sys/class/scsi_generic';
const BY_ID = '/dev/tape/by-id';
/** mhvtl's vendor ids as its device.conf and INQUIRY give them: a changer named in device.conf is mhvtl's. */

export class TapeAdapter {
  constructor(private readonly host: Host) {}

  async lsscsi(): Promise<LsscsiDevice[]> {
    const r = await this.host.run('lsscsi', ['-g']);
    return parseLsscsi(r.stdout);
  }

  /** sysfs's view of a generic device: its SCSI type (8 changer, 1 tape) and inquiry strings. */
  async sysfs(sg: string): Promise<{ type: number; vendor: string; model: string; rev: string } | null> {
    const dir = `${SYSFS}/${sg.replace(/^\/dev\//, '')}/device`;
    const type = await this.host.files.readIfExists(`${dir}/type`);
    if (type === null) return null;
    const read = async (f: string) => ((await this.host.files.readIfExists(`${dir}/${f}`)) ?? '').trim();
    return { type: Number(type.trim()), vendor: await read('vendor'), model: await read('model'), rev: await read('rev') };
  }

  async tapeinfo(sg: string): Promise<TapeInfo> {
    const r = await this.host.run('tapeinfo', ['-f', userArg(sg)]);
    return parseTapeinfo(r.stdout);
  }

  async status(changer: string): Promise<MtxStatus> {
    const r = await mtxRun(() => this.host.run('mtx', ['-f', userArg(changer), 'status']));
    return parseMtxStatus(r.stdout);
  }

  async inquiry(changer: string) {
    const r = await mtxRun(() => this.host.run('mtx', ['-f', userArg(changer), 'inquiry']));
    return parseMtxInquiry(r.stdout);
  }

  /** `mtx load SLOT DRIVE`: slot -> drive element. */
  async load(changer: string, slot: number, drive: number, timeoutMs = 600_000): Promise<void> {
    await mtxRun(() => this.host.run('mtx', ['-f', userArg(changer), 'load', String(slot), String(drive)], { timeoutMs }));
  }

  /** `mtx unload SLOT DRIVE`: drive element -> slot. */
  async unload(changer: string, slot: number, drive: number, timeoutMs = 600_000): Promise<void> {
    await mtxRun(() => this.host.run('mtx', ['-f', userArg(changer), 'unload', String(slot), String(drive)], { timeoutMs }));
  }

  /** `mtx transfer FROM TO`: slot -> slot (mail slots are slots too). */
  async transfer(changer: string, from: number, to: number, timeoutMs = 600_000): Promise<void> {
    await mtxRun(() => this.host.run('mtx', ['-f', userArg(changer), 'transfer', String(from), String(to)], { timeoutMs }));
  }

  /** `mtx inventory`: the library scans its barcodes again. */
  async inventory(changer: string, timeoutMs = 1_800_000): Promise<void> {
    await mtxRun(() => this.host.run('mtx', ['-f', userArg(changer), 'inventory'], { timeoutMs }));
  }

  async mtStatus(nst: string): Promise<MtStatus> {
    const r = await this.host.run('mt', ['-f', userArg(nst), 'status'], { okCodes: [0, 1, 2] });
    return parseMtStatus(r.stdout);
  }

  /** `mt offline`: rewind and unthread, as a library wants before it takes the cartridge out. */
  async offline(nst: string): Promise<void> {
    await this.host.run('mt', ['-f', userArg(nst), 'offline']);
  }

  async tapeAlerts(sg: string): Promise<TapeAlertFlag[]> {
    const r = await this.host.run('sg_logs', ['--page=0x2e', userArg(sg)]);
    return parseSgLogsTapeAlert(r.stdout);
  }

  /** The names under /dev/tape/by-id (udev's scsi-<ID_SERIAL>[-nst]), or none. */
  private async byIdNames(): Promise<string[]> {
    return this.host.files.list(BY_ID).catch(() => []);
  }

  /**
   * Every changer with its drives. A drive belongs to a changer when mhvtl's device.conf says so
   * (Library ID / Slot), else when it sits on the same SCSI host and channel; its element number
   * is then a guess in SCSI address order, which the services confirm at the first load.
   */
  async discover(): Promise<DiscoveredLibrary[]> {
    let devices: LsscsiDevice[];
    try {
      devices = await this.lsscsi();
    } catch (err) {
      if (err instanceof HostCommandError && err.code === null) return [];
      throw err;
    }
    const byId = await this.byIdNames();
    const stable = (serial: string | null, suffix: string) => {
      if (!serial) return null;
      const name = byId.find((n) => n.endsWith(`${serial}${suffix}`) && (suffix !== '' || !n.endsWith('-nst')));
      return name ? `${BY_ID}/${name}` : null;
    };
    const mhvtl = await this.mhvtlMap();
    const typed = async (d: LsscsiDevice) => (d.sg ? ((await this.sysfs(d.sg))?.type ?? (d.type === 'mediumx' ? 8 : d.type === 'tape' ? 1 : -1)) : -1);
    const changers: LsscsiDevice[] = [];
    const tapes: LsscsiDevice[] = [];
    for (const d of devices) {
      const t = await typed(d);
      if (t === 8) changers.push(d);
      else if (t === 1) tapes.push(d);
    }
    const driveInfo = new Map<string, TapeInfo | null>();
    for (const t of tapes) driveInfo.set(t.sg!, await this.tapeinfo(t.sg!).catch(() => null));
    const out: DiscoveredLibrary[] = [];
    for (const c of changers) {
      const info = await this.tapeinfo(c.sg!).catch(() => null);
      const serial = info?.serial ?? `${c.host}:${c.channel}:${c.target}:${c.lun}`;
      const lib = mhvtl.libraries.get(serial) ?? null;
      const mine = tapes.filter((t) => {
        const s = driveInfo.get(t.sg!)?.serial ?? null;
        const owner = s ? mhvtl.drives.get(s) : undefined;
        if (owner) return owner.library === lib;
        return t.host === c.host && t.channel === c.channel && !mhvtl.drives.has(s ?? '');
      });
      mine.sort((a, b) => a.target - b.target || a.lun - b.lun);
      out.push({
        sg: c.sg!,
        stablePath: stable(serial, ''),
        vendor: c.vendor,
        model: c.model,
        revision: c.revision,
        serial,
        mhvtlId: lib,
        hctl: `${c.host}:${c.channel}:${c.target}:${c.lun}`,
        drives: mine.map((t, i) => {
          const ti = driveInfo.get(t.sg!) ?? null;
          const s = ti?.serial ?? null;
          const conf = s ? mhvtl.drives.get(s) : undefined;
          return {
            element: conf ? conf.slot - 1 : i,
            mapping: conf ? 'device.conf' : 'address-order',
            sg: t.sg!,
            nst: t.device ? t.device.replace(/\/st(\d+)$/, '/nst$1') : null,
            stablePath: stable(s, '-nst'),
            vendor: t.vendor,
            model: t.model,
            revision: t.revision,
            serial: s,
          } satisfies DiscoveredDrive;
        }),
      });
    }
    return out;
  }

  /** mhvtl's device.conf: which library serial is which library id, and which drive serial sits in which library slot. */
  private async mhvtlMap(): Promise<{ libraries: Map<string, number>; drives: Map<string, { library: number; slot: number }> }> {
    const libraries = new Map<string, number>();
    const drives = new Map<string, { library: number; slot: number }>();
    const text = await this.host.files.readIfExists(DEVICE_CONF).catch(() => null);
    if (!text) return { libraries, drives };
    try {
      for (const d of parseDeviceConf(text).devices) {
        const serial = d.fields['Unit serial number'];
        if (!serial) continue;
        if (d.kind === 'Library') libraries.set(serial, d.id);
        else if (d.libraryId !== null && d.driveSlot !== null) drives.set(serial, { library: d.libraryId, slot: d.driveSlot });
      }
    } catch {
      // A hand-broken device.conf: its libraries are still found, as physical ones.
    }
    return { libraries, drives };
  }
}
