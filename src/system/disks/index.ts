import { HostCommandError, ToolOutputError, userArg } from '../host.js';
import type { Host } from '../host.js';
import { leafVdevs } from '../zfs/parse.js';
import type { ZpoolStatus } from '../zfs/parse.js';
import { parseLsblk, parseSelfTestLog, parseSmartctl, parseWipefs } from './parse.js';
import type { BlockDevice, SmartHealth } from './parse.js';

export * from './parse.js';

export interface DiskInfo {
  name: string;
  path: string;
  model: string | null;
  serial: string | null;
  wwn: string | null;
  sizeBytes: number;
  rotational: boolean;
  type: 'hdd' | 'ssd' | 'nvme';
  temperatureC: number | null;
  smartHealth: SmartHealth;
  powerOnHours: number | null;
  /** Partition names (sdb1, nvme0n1p1). */
  partitions: string[];
}

export interface DiskUsage {
  pool: string;
  /** 'data', 'logs', 'cache', 'spares', 'special' or 'dedup'. */
  section: string;
  /** Top-level vdev name (raidz2-0, mirror-1, or the disk itself). */
  vdev: string;
  state: string;
}

function diskType(d: BlockDevice): 'hdd' | 'ssd' | 'nvme' {
  if (d.tran === 'nvme' || d.name.startsWith('nvme')) return 'nvme';
  return d.rotational ? 'hdd' : 'ssd';
}

/**
 * The /dev/disk/by-id name udev gives a disk, from its WWN (wwn-0x5000...; NVMe: nvme-eui....),
 * or null when lsblk reports no WWN (then the disk has no name that survives a reboot for sure).
 */
export function byIdPath(disk: { name: string; wwn: string | null; type?: string; tran?: string | null }): string | null {
  if (!disk.wwn || !/^[A-Za-z0-9._:-]+$/.test(disk.wwn)) return null;
  const nvme = disk.type === 'nvme' || disk.tran === 'nvme' || disk.name.startsWith('nvme');
  return nvme ? `/dev/disk/by-id/nvme-${disk.wwn}` : `/dev/disk/by-id/wwn-${disk.wwn}`;
}

/** Whether a device name as zpool status prints it (sdb, sdb1, wwn-0x...-part1, a path) is on this disk. */
export function deviceOnDisk(vdevName: string, disk: DiskInfo): boolean {
  return matchesDisk(vdevName, disk, byIdNames(disk));
}

/** Names a vdev path can take for a disk: sdb, /dev/sdb, sdb1, by-id links with -partN. */
function matchesDisk(vdevName: string, disk: DiskInfo, byId: string[]): boolean {
  const n = vdevName.replace(/^\/dev\//, '');
  if (n === disk.name || disk.partitions.includes(n)) return true;
  // The partition may be newer than the inventory (a pool created since lsblk ran).
  const partitionOf = /\d$/.test(disk.name) ? new RegExp(`^${disk.name}p\\d+$`) : new RegExp(`^${disk.name}\\d+$`);
  if (partitionOf.test(n)) return true;
  const id = n.replace(/^disk\/by-[a-z]+\//, '').replace(/-part\d+$/, '');
  if (byId.includes(id)) return true;
  if (disk.wwn && (id === `wwn-${disk.wwn}` || id === `nvme-${disk.wwn}` || id === disk.wwn)) return true;
  return false;
}

function byIdNames(disk: DiskInfo): string[] {
  const names: string[] = [];
  if (disk.model && disk.serial) {
    const m = disk.model.replace(/ /g, '_');
    names.push(`ata-${m}_${disk.serial}`, `nvme-${m}_${disk.serial}`, `scsi-SATA_${m}_${disk.serial}`);
  }
  return names;
}

/**
 * Which pool and vdev use each disk, from parsed `zpool status` (short names, -P paths,
 * partitions, by-id links). Disks that no pool uses are absent from the map.
 */
export function diskUsage(disks: DiskInfo[], pools: ZpoolStatus[]): Map<string, DiskUsage> {
  const out = new Map<string, DiskUsage>();
  for (const pool of pools) {
    for (const { vdev, section, topLevel } of leafVdevs(pool)) {
      const candidates = [vdev.name, ...(vdev.note?.startsWith('was ') ? [vdev.note.slice(4)] : [])];
      const disk = disks.find((d) => candidates.some((c) => matchesDisk(c, d, byIdNames(d))));
      if (disk && !out.has(disk.name)) out.set(disk.name, { pool: pool.name, section, vdev: topLevel, state: vdev.state });
    }
  }
  return out;
}

/** Disk inventory from lsblk, with SMART health from smartctl. */
export class DiskAdapter {
  constructor(private readonly host: Host) {}

  async blockDevices(): Promise<BlockDevice[]> {
    return parseLsblk((await this.host.run('lsblk', ['-J', '-b', '-O'])).stdout);
  }

  async list(opts: { smart?: boolean } = {}): Promise<DiskInfo[]> {
    const devices = (await this.blockDevices()).filter((d) => d.type === 'disk' && d.sizeBytes > 0 && !/^(zram|loop|ram)/.test(d.name));
    const disks = devices.map<DiskInfo>((d) => ({
      name: d.name,
      path: d.path,
      model: d.model,
      serial: d.serial,
      wwn: d.wwn,
      sizeBytes: d.sizeBytes,
      rotational: d.rotational,
      type: diskType(d),
      temperatureC: null,
      smartHealth: 'UNKNOWN',
      powerOnHours: null,
      partitions: d.children.map((c) => c.name),
    }));
    if (opts.smart ?? true) {
      await Promise.all(
        disks.map(async (disk) => {
          const smart = await this.smart(disk.path);
          if (!smart) return;
          disk.smartHealth = smart.health;
          disk.temperatureC = smart.temperatureC;
          disk.powerOnHours = smart.powerOnHours;
        }),
      );
    }
    return disks;
  }

  /** Starts a SMART self-test (`smartctl -t short|long`); the drive runs it in the background. */
  async startSelfTest(devicePath: string, type: 'short' | 'long'): Promise<string> {
    // Bit 2 (4): the drive refused the command, e.g. a test is already running; its words are on stdout.
    const { code, stdout } = await this.host.run('smartctl', ['-t', type, userArg(devicePath)], { okCodes: [0, 4] });
    if (code === 4)
      throw new SelfTestRefused(
        stdout
          .split('\n')
          .filter((l) => /abort|Can't|failed/i.test(l))
          .join(' ')
          .trim() || `smartctl could not start a ${type} self-test on ${devicePath}`,
      );
    return stdout;
  }

  /** The self-test log and the test running now (`smartctl -j -c -l selftest`). */
  async selfTestLog(devicePath: string): Promise<ReturnType<typeof parseSelfTestLog> | null> {
    const { stdout } = await this.host.run('smartctl', ['-j', '-c', '-l', 'selftest', userArg(devicePath)], {
      okCodes: Array.from({ length: 256 }, (_, i) => i),
    });
    return stdout.trim().startsWith('{') ? parseSelfTestLog(stdout) : null;
  }

  /** `wipefs -a` on each partition, then on the disk: every signature erased; returns what was. */
  async wipe(devicePaths: string[]): Promise<string[]> {
    const erased: string[] = [];
    for (const p of devicePaths) erased.push(...parseWipefs((await this.host.run('wipefs', ['-a', userArg(p)])).stdout));
    return erased;
  }

  /** smartctl exits with a bit mask even when it printed a full report: any code is read. */
  async smart(devicePath: string): Promise<ReturnType<typeof parseSmartctl> | null> {
    try {
      const { stdout } = await this.host.run('smartctl', ['-j', '-a', userArg(devicePath)], { okCodes: Array.from({ length: 256 }, (_, i) => i) });
      return stdout.trim().startsWith('{') ? parseSmartctl(stdout) : null;
    } catch (err) {
      // A disk whose SMART cannot be read (no answer, or unreadable output) shows UNKNOWN health.
      if ((err instanceof HostCommandError && err.code === null) || err instanceof ToolOutputError) return null;
      throw err;
    }
  }
}

/** The drive would not start a self-test (one is already running): its own words. */
export class SelfTestRefused extends Error {}
