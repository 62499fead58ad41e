/**
 * Tape's vocabulary: barcodes (volume tags), media types from the barcode suffix, and the names
 * Calypso accepts for virtual libraries. One copy for the contracts (what a caller may send), the
 * mhvtl renderer (what it agrees to write) and the parsers.
 */

/**
 * A barcode Calypso accepts: 1 to 16 upper-case letters and digits (SMC volume identifiers are
 * up to 32 bytes, labels on LTO media are 8: six characters and the media suffix).
 */
export const BARCODE = /^[A-Z0-9]{1,16}$/;

/** A cleaning cartridge's barcode starts with CLN (LTO labels and mhvtl alike). */
export function isCleaningBarcode(barcode: string): boolean {
  return barcode.startsWith('CLN');
}

export const LTO_GENERATIONS = ['LTO5', 'LTO6', 'LTO7', 'LTO8', 'LTO9'] as const;
export type LtoGeneration = (typeof LTO_GENERATIONS)[number];

/** Native capacity in MB of each LTO generation (the manufacturers' figures, 10^6 bytes). */
export const LTO_NATIVE_MB: Record<LtoGeneration, number> = { LTO5: 1_500_000, LTO6: 2_500_000, LTO7: 6_000_000, LTO8: 12_000_000, LTO9: 18_000_000 };

/** The media type a barcode's suffix says (L5..L9, M8 for LTO-7 Type M, CU for a universal cleaning cartridge), or null. */
export function mediaTypeOf(barcode: string): string | null {
  const m = /(L[1-9]|LT|LU|LV|LW|LX|LY|M8|CU)$/.exec(barcode);
  if (!m || barcode.length < 8) return null;
  return m[1]!;
}

/** The LTO generation a media type is written by ("L8" -> LTO8), or null. */
export function generationOf(mediaType: string | null): LtoGeneration | null {
  if (!mediaType) return null;
  const m = /^L([5-9])$/.exec(mediaType);
  if (m) return `LTO${m[1]}` as LtoGeneration;
  if (mediaType === 'M8') return 'LTO7';
  return null;
}

/** Names of virtual libraries (Calypso's own name; mhvtl knows them by number). */
export const VTL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

/** Vault (offsite) location names. */
export const VAULT_NAME = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/;

/** Media pool names. */
export const POOL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
