/** The iSCSI configuration Calypso owns, as both target backends (SCST and tgt) take it. */

export type LunBackingType = 'zvol' | 'file' | 'disk';

export interface IscsiLunConf {
  lun: number;
  /** Unique device name (SCST's DEVICE); stable for the LUN's life. */
  device: string;
  backingType: LunBackingType;
  /** /dev/zvol/..., a file path or a /dev disk path. */
  backingPath: string;
  readOnly: boolean;
  /** The initiator group it is mapped to; null: every initiator allowed on the target. */
  group: string | null;
  enabled: boolean;
}

export interface IscsiTargetConf {
  name: string;
  alias: string;
  enabled: boolean;
  /** SCST's rel_tgt_id: unique and stable per target. */
  relTgtId: number;
  portals: { ip: string; port: number }[];
  chap: { user: string; secret: string } | null;
  mutualChap: { user: string; secret: string } | null;
  groups: { name: string; initiators: string[] }[];
  luns: IscsiLunConf[];
}

/** RFC 3720 iqn. names (after stringprep: lower case), and the eui. and naa. forms (RFC 3980). */
export const IQN = /^iqn\.(19|20)\d\d-(0[1-9]|1[0-2])\.[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[a-z0-9.:_-]+)?$/;
export const EUI = /^eui\.[0-9A-F]{16}$/;
export const NAA = /^naa\.([0-9A-F]{16}|[0-9A-F]{32})$/;

export function iscsiNameProblem(name: string): string | null {
  if (Buffer.byteLength(name) > 223) return 'an iSCSI name is at most 223 bytes';
  if (IQN.test(name) || EUI.test(name) || NAA.test(name)) return null;
  if (/^iqn\./i.test(name) && name !== name.toLowerCase()) return 'an iqn. name is lower case';
  return 'not an iSCSI name: use iqn.YYYY-MM.reversed.domain[:identifier] (RFC 3720), eui.<16 hex> or naa.<16 or 32 hex>';
}

/** CHAP secrets: 12 to 16 printable characters, none that would need quoting in a config file. */
export const CHAP_SECRET = /^[A-Za-z0-9!#$%&()*+,./:;<=>?@^_|~-]{12,16}$/;
export const CHAP_USER = /^[A-Za-z0-9._@:-]{1,64}$/;
/** SCST device and group names. */
export const SCST_NAME = /^[A-Za-z0-9_.-]{1,50}$/;
