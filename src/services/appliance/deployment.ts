/**
 * Where the appliance's NTP and SNMP tools keep their files and how their daemons are run
 * (deployment). A row of the `settings` table, never changed through the API (it names files
 * Calypso overwrites): only by the installer or a test, as shares' deployment is.
 */
import type { Knex } from 'knex';
import { DEFAULT_CHRONY_BASE, type ChronycTarget } from '../../system/chrony/index.js';
import { readSetting, writeSetting } from '../shares/settings.js';

export interface ApplianceDeployment {
  chronyConfPath: string;
  /** The lines of chrony.conf besides the sources and clients (drift file, ports in tests...). */
  chronyBase: string[];
  /** Where chronyc finds chronyd's command port (null: its default). */
  chronyc: ChronycTarget;
  chronyUnit: string;
  snmpdConfPath: string;
  /** Extra snmpd.conf lines (tests: nothing here). */
  snmpdExtra: string[];
  snmpdUnit: string;
  /** systemctl: restart units after an apply; none: the caller runs the daemons (tests). */
  serviceManager: 'systemctl' | 'none';
  /** timedatectl sets the zone; none: the zone is only stored (a machine without systemd). */
  timezoneManager: 'timedatectl' | 'none';
}

export const DEFAULT_APPLIANCE_DEPLOYMENT: ApplianceDeployment = {
  chronyConfPath: '/etc/chrony/chrony.conf',
  chronyBase: DEFAULT_CHRONY_BASE,
  chronyc: { host: null, port: null },
  chronyUnit: 'chrony',
  snmpdConfPath: '/etc/snmp/snmpd.conf',
  snmpdExtra: [],
  snmpdUnit: 'snmpd',
  serviceManager: 'systemctl',
  timezoneManager: 'timedatectl',
};

export const APPLIANCE_DEPLOYMENT_KEY = 'appliance.deployment';

export const applianceDeployment = (db: Knex) => readSetting(db, APPLIANCE_DEPLOYMENT_KEY, DEFAULT_APPLIANCE_DEPLOYMENT);

/** For the installer and tests: point chrony and snmpd at other files and ports (never through the API). */
export async function setApplianceDeployment(db: Knex, patch: Partial<ApplianceDeployment>): Promise<ApplianceDeployment> {
  const next = { ...(await applianceDeployment(db)), ...patch };
  await writeSetting(db, APPLIANCE_DEPLOYMENT_KEY, next);
  return next;
}
