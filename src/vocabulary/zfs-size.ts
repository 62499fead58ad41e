/**
 * Exact byte counts for ZFS sizes. ZFS keeps sizes as 64-bit unsigned integers and reads
 * "10G", "1.5T", "1E", "512", "4KiB" (zfs_nicestrtonum: base 1024, a unit letter optionally
 * followed by B or iB). JavaScript numbers lose precision past 2^53 and print 1e21 and up in
 * exponent notation, which zfs refuses: sizes are parsed and carried as bigint, and reach a
 * command line as plain decimal digits. One copy for the contracts (what a caller may send) and
 * src/system (what reaches the tool).
 */

/** The largest value a 64-bit ZFS size property holds (quota, refquota, reservation, refreservation). */
export const ZFS_SIZE_MAX = (1n << 64n) - 1n;
/**
 * The largest volsize Calypso asks for: the kernel addresses a block device's bytes with a signed
 * 64-bit offset (Linux MAX_LFS_FILESIZE), so a zvol stays below 2^63.
 */
export const ZVOL_SIZE_MAX = (1n << 63n) - 1n;

const SHIFTS: Record<string, bigint> = { '': 0n, B: 0n, K: 10n, M: 20n, G: 30n, T: 40n, P: 50n, E: 60n, Z: 70n };
const SIZE_TEXT = /^(\d{1,40})(?:\.(\d{1,30}))?(?:([KMGTPEZ])(?:B|IB)?|B)?$/;

export type ExactSize = { bytes: bigint } | { problem: string };

/** A size as a user writes it (bytes, or a number with a unit), exactly; or why it is not one. */
export function parseExactSize(input: string | number | bigint): ExactSize {
  if (typeof input === 'bigint') return input < 0n ? { problem: 'a size is not negative' } : { bytes: input };
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) return { problem: 'a size is a number of bytes, 0 or more' };
    if (!Number.isInteger(input)) return { problem: 'a size is a whole number of bytes' };
    if (!Number.isSafeInteger(input))
      return { problem: 'sizes above 2^53 bytes lose precision as JSON numbers: send them as a string, e.g. "8E" or "9223372036854775807"' };
    return { bytes: BigInt(input) };
  }
  const text = input.trim().toUpperCase();
  const m = SIZE_TEXT.exec(text);
  if (!m) return { problem: `not a size: ${JSON.stringify(input.slice(0, 40))} (use bytes or a number with a unit, e.g. 10G or 1.5T)` };
  const [, whole, fraction = '', unit = ''] = m;
  const shift = SHIFTS[unit]!;
  const scaled = BigInt(whole! + fraction) << shift;
  const denominator = 10n ** BigInt(fraction.length);
  if (scaled % denominator !== 0n) return { problem: `${input.trim()} is not a whole number of bytes` };
  return { bytes: scaled / denominator };
}

/** A byte count as it goes on a zfs command line: decimal digits, never exponent notation. */
export function sizeArgument(value: bigint | number | string): string {
  if (typeof value === 'bigint') {
    if (value < 0n) throw new RangeError(`negative size ${value}`);
    return value.toString();
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`size ${value} is not an exact byte count`);
    return String(value);
  }
  const parsed = parseExactSize(value);
  if ('problem' in parsed) throw new RangeError(parsed.problem);
  return value.trim();
}

/** How a number of bytes reads for a person: exact when it is a whole number of a unit ("16E", "1536M"). */
export function exactUnits(bytes: bigint): string {
  for (const unit of ['E', 'P', 'T', 'G', 'M', 'K']) {
    const size = 1n << SHIFTS[unit]!;
    if (bytes >= size && bytes % size === 0n) return `${bytes / size}${unit}`;
  }
  return `${bytes} bytes`;
}
