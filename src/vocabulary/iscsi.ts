/**
 * iSCSI's vocabulary: node names (RFC 3720 iqn., RFC 3980 eui. and naa.), CHAP credentials and
 * SCST device and group names. One copy for the contracts (what a caller may send) and the
 * scst.conf and tgt renderers in src/system (what they agree to write).
 */

/** RFC 3720 iqn. names (after stringprep: lower case), and the eui. and naa. forms (RFC 3980). */
export const IQN = /^iqn\.(19|20)\d\d-(0[1-9]|1[0-2])\.[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[a-z0-9.:_-]+)?$/;
export const EUI = /^eui\.[0-9A-F]{16}$/;
export const NAA = /^naa\.([0-9A-F]{16}|[0-9A-F]{32})$/;

/** Why `name` is not an iSCSI name (IQN, EUI or NAA), or null. */
export function iscsiNameProblem(name: string): string | null {
  // UTF-8 bytes, a lone surrogate counting as the 3 bytes of U+FFFD (as Buffer.byteLength counts it).
  if (new TextEncoder().encode(name).length > 223) return 'an iSCSI name is at most 223 bytes';
  if (IQN.test(name) || EUI.test(name) || NAA.test(name)) return null;
  if (/^iqn\./i.test(name) && name !== name.toLowerCase()) return 'an iqn. name is lower case';
  return 'not an iSCSI name: use iqn.YYYY-MM.reversed.domain[:identifier] (RFC 3720), eui.<16 hex> or naa.<16 or 32 hex>';
}

/** CHAP secrets: 12 to 16 printable characters, none that would need quoting in a config file. */
export const CHAP_SECRET = /^[A-Za-z0-9!#$%&()*+,./:;<=>?@^_|~-]{12,16}$/;
export const CHAP_USER = /^[A-Za-z0-9._@:-]{1,64}$/;
/** SCST device and group names. */
export const SCST_NAME = /^[A-Za-z0-9_.-]{1,50}$/;
/** Target aliases, as scst.conf takes them unquoted. */
export const ISCSI_ALIAS = /^[A-Za-z0-9 ._:-]{0,64}$/;
/** Paths of LUN backing files and devices, as scst.conf takes them unquoted. */
export const BACKING_PATH = /^\/[A-Za-z0-9._@+\-/]*$/;
