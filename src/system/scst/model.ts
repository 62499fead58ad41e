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
