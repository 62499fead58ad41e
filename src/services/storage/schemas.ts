/** Input vocabulary of the storage subsystem: names checked by ZFS's own rules before any command runs. */
import { z } from 'zod';
import { plainText } from '../../contracts/text.js';
import { validateZfsName, type ZfsNameKind } from '../../system/zfs/names.js';
import { ZFS_SIZE_MAX, ZVOL_SIZE_MAX, exactUnits, parseExactSize } from '../../system/zfs/size.js';

function zfsName(kind: ZfsNameKind, what: string) {
  return z
    .string()
    .min(1, `${what} is empty`)
    .max(255, `${what} is longer than 255 characters`)
    .superRefine((value, ctx) => {
      const problem = validateZfsName(value, kind);
      if (problem) ctx.addIssue({ code: 'custom', message: `invalid ${what} ${JSON.stringify(value.slice(0, 80))}: ${problem}` });
    });
}

export const poolName = zfsName('pool', 'pool name')
  .refine((n) => !/\s/.test(n), 'a pool name may not contain spaces (its mountpoint would)')
  .describe('Pool name');
export const datasetName = zfsName('dataset', 'dataset name').refine((n) => n.includes('/'), 'a dataset name has the form pool/name').describe('Dataset or zvol name, e.g. tank/backups');
export const anyDatasetName = zfsName('dataset', 'dataset name').describe('Dataset, zvol or pool root dataset name');
export const snapshotName = zfsName('snapshot', 'snapshot name').describe('Full snapshot name: dataset@snapshot');
/** The part after '@'. */
export const snapshotShortName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_.:-]+$/, "letters, digits, '_', '.', ':' and '-' only")
  .refine((s) => !s.startsWith('-'), "may not start with '-'")
  .describe("Snapshot name (the part after '@')");

/** A whole disk: a kernel name (sdb, nvme0n1) or a /dev path (by-id, by-path...). */
export const diskName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^(\/dev\/[A-Za-z0-9_./:+-]+|[A-Za-z0-9][A-Za-z0-9_:.+-]*)$/, 'a disk name such as sdb or a /dev/disk/by-id/... path')
  .refine((s) => !s.includes('..'), "may not contain '..'")
  .describe('Disk, e.g. sdb or /dev/disk/by-id/wwn-0x5000...');

/** Device as `zpool status` names it: a disk, a partition, a path or a GUID. */
export const deviceName = diskName.describe('Device as zpool status names it: disk, path or GUID');

/**
 * A size in bytes: a JSON number of bytes (exact up to 2^53), or a string of bytes or of a number
 * with a unit as ZFS reads them ("10G", "1.5T", "1E", "4KiB"). Parsed exactly (bigint): a value
 * that is not a whole number of bytes, or lies outside [min, max], is refused at the contract,
 * before any command. The value handed on is the exact byte count as decimal digits, which is
 * also what the audit row records and what goes on the zfs command line.
 */
export function exactBytes(opts: { min?: bigint; max: bigint; maxText: string; check?: (bytes: bigint) => string | null; none?: boolean }) {
  return z
    .union([z.number(), z.string().max(48)])
    .transform((v, ctx) => {
      if (opts.none && v === 'none') return 'none';
      const parsed = parseExactSize(v);
      const fail = (message: string) => {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      };
      if ('problem' in parsed) return fail(parsed.problem);
      if (parsed.bytes > opts.max) return fail(`${typeof v === 'string' ? v.trim() : v} is more than ZFS allows here (at most ${opts.maxText})`);
      if (opts.min !== undefined && parsed.bytes < opts.min) return fail(`at least ${exactUnits(opts.min)}`);
      const problem = opts.check?.(parsed.bytes);
      if (problem) return fail(problem);
      return parsed.bytes.toString();
    });
}

/** Bytes up to what a 64-bit ZFS size property holds (2^64 - 1). */
export const sizeValue = exactBytes({ max: ZFS_SIZE_MAX, maxText: '16E - 1 byte, 18446744073709551615 bytes' });

const isPowerOfTwo = (n: bigint) => n > 0n && (n & (n - 1n)) === 0n;
/** A power of two from min to max bytes (record and block sizes). */
export function powerOfTwoBytes(min: bigint, max: bigint) {
  return exactBytes({ min, max, maxText: exactUnits(max), check: (n) => (isPowerOfTwo(n) ? null : `a power of two from ${exactUnits(min)} to ${exactUnits(max)}`) });
}

/** A zvol size: at least 1M, below 2^63 (a block device's offsets are signed 64-bit). */
export const zvolSize = exactBytes({ min: 1n << 20n, max: ZVOL_SIZE_MAX, maxText: '8E - 1 byte, 9223372036854775807 bytes' });

const onOff = z.enum(['on', 'off']);
const sizeOrNone = exactBytes({ max: ZFS_SIZE_MAX, maxText: '16E - 1 byte, 18446744073709551615 bytes', none: true });
/** A quota of 0 is ZFS's "none" (zfs refuses quota=0 and asks for none). */
const quotaOrNone = sizeOrNone.transform((v) => (v === '0' ? 'none' : v));

export const COMPRESSION = ['on', 'off', 'lz4', 'zstd', 'zstd-fast', 'gzip', 'lzjb', 'zle', ...Array.from({ length: 19 }, (_, i) => `zstd-${i + 1}`), ...Array.from({ length: 9 }, (_, i) => `gzip-${i + 1}`)] as const;

/** Properties Calypso lets a user set, with ZFS's own value rules. */
export const datasetProperties = z
  .object({
    compression: z.enum(COMPRESSION).optional().describe('Compression algorithm'),
    quota: quotaOrNone.optional().describe('Limit on the dataset and its descendants (bytes, 10G, or none; at most 2^64 - 1 bytes)'),
    refquota: quotaOrNone.optional().describe('Limit on the dataset itself (bytes, 10G, or none; at most 2^64 - 1 bytes)'),
    reservation: sizeOrNone.optional().describe('Space guaranteed to the dataset and descendants (bytes, 10G, or none; at most 2^64 - 1 bytes)'),
    refreservation: sizeOrNone.optional().describe('Space guaranteed to the dataset itself (bytes, 10G, or none; at most 2^64 - 1 bytes)'),
    recordsize: powerOfTwoBytes(512n, 16n << 20n).optional().describe('Record size for filesystems (power of two, 512 B to 16 M)'),
    atime: onOff.optional().describe('Update access times'),
    sync: z.enum(['standard', 'always', 'disabled']).optional().describe('Synchronous write behaviour'),
    dedup: z.enum(['on', 'off', 'verify', 'sha256', 'sha256,verify', 'sha512', 'skein', 'blake3']).optional().describe('Deduplication'),
    readonly: onOff.optional().describe('Refuse writes'),
    comments: plainText().max(1024).optional().describe('Free text stored as the user property org.calypso:comments'),
  })
  .strict()
  .describe('ZFS properties');

export type DatasetProperties = z.infer<typeof datasetProperties>;

export const COMMENTS_PROPERTY = 'org.calypso:comments';

/** Property map as the adapter sends it to `zfs create -o` / `zfs set`. */
export function toZfsProperties(props: DatasetProperties): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined) continue;
    out[k === 'comments' ? COMMENTS_PROPERTY : k] = String(v);
  }
  return out;
}

export const LAYOUTS = ['stripe', 'mirror', 'raidz1', 'raidz2', 'raidz3', 'draid'] as const;
export type LayoutType = (typeof LAYOUTS)[number];

/** Smallest number of disks in one vdev of each layout. */
export const MIN_DISKS: Record<LayoutType, number> = { stripe: 1, mirror: 2, raidz1: 3, raidz2: 4, raidz3: 5, draid: 3 };
