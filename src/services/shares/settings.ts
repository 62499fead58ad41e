/**
 * Where the sharing tools' files live and how their daemons are run (deployment), and the SMB
 * service's own settings. Both are rows of the `settings` table; the deployment row is not
 * changed through the API (it names files Calypso overwrites), only by the installer or a test.
 */
import type { Knex } from 'knex';
import type { SmbEncryption, SmbMinProtocol, ServiceManager } from '../../system/samba/index.js';
import type { IscsiSettings } from '../../contracts/iscsi.js';
import { nowIso } from '../../contracts/time.js';

export interface ShareDeployment {
  smbConfPath: string;
  /** Extra [global] parameters: ports, interfaces, private/state/lock directories. */
  smbExtraGlobals: Record<string, string>;
  exportsPath: string;
  scstConfPath: string;
  serviceManager: ServiceManager;
}

export const DEFAULT_DEPLOYMENT: ShareDeployment = {
  smbConfPath: '/etc/samba/smb.conf',
  smbExtraGlobals: {},
  exportsPath: '/etc/exports.d/calypso.exports',
  scstConfPath: '/etc/scst.conf',
  serviceManager: 'systemctl',
};

export interface SmbSettings {
  enabled: boolean;
  workgroup: string;
  serverString: string;
  minProtocol: SmbMinProtocol;
  encryption: SmbEncryption;
}

export const DEFAULT_SMB_SETTINGS: SmbSettings = {
  enabled: true,
  workgroup: 'WORKGROUP',
  serverString: 'Calypso backup appliance',
  minProtocol: 'SMB2_10',
  encryption: 'if_required',
};

/** The iSCSI backend and tgtd's control port (null: the default instance); the type is the contract's. */
export const DEFAULT_ISCSI_SETTINGS: IscsiSettings = { backend: 'scst', tgtControlPort: null };

export async function readSetting<T extends object>(db: Knex, key: string, defaults: T): Promise<T> {
  const row = await db('settings').where({ key }).first();
  return row ? { ...defaults, ...(JSON.parse(row.value) as Partial<T>) } : { ...defaults };
}

export async function writeSetting<T extends object>(db: Knex, key: string, value: T): Promise<void> {
  await db('settings')
    .insert({ key, value: JSON.stringify(value), updated_at: nowIso() })
    .onConflict('key')
    .merge();
}

export const DEPLOYMENT_KEY = 'shares.deployment';
export const SMB_SETTINGS_KEY = 'shares.smb';
export const ISCSI_SETTINGS_KEY = 'iscsi.settings';

export const shareDeployment = (db: Knex) => readSetting(db, DEPLOYMENT_KEY, DEFAULT_DEPLOYMENT);

/** For the installer and tests: point the sharing tools at other files (never through the API). */
export async function setShareDeployment(db: Knex, patch: Partial<ShareDeployment>): Promise<ShareDeployment> {
  const next = { ...(await shareDeployment(db)), ...patch };
  await writeSetting(db, DEPLOYMENT_KEY, next);
  return next;
}
