/**
 * Alerts as SNMP traps: the notification OIDs and varbinds of docs/CALYPSO-MIB.txt. Calypso has
 * no IANA enterprise number yet, so its tree sits in Net-SNMP's playground for local use
 * (netSnmpPlaypen, 1.3.6.1.4.1.8072.9999.9999), branch 42; docs/snmp.md says so.
 */
import type { Alert } from '../../contracts/monitoring.js';
import type { Trap, TrapAuth } from '../../system/snmp/index.js';
import type { NotifyEvent } from './alerts.js';

export const CALYPSO_OID = '1.3.6.1.4.1.8072.9999.9999.42';
export const TRAP_OIDS = {
  firing: `${CALYPSO_OID}.0.1`,
  resolved: `${CALYPSO_OID}.0.2`,
  test: `${CALYPSO_OID}.0.3`,
} as const;
export const VARBIND_OIDS = {
  alertId: `${CALYPSO_OID}.1.1`,
  severity: `${CALYPSO_OID}.1.2`,
  source: `${CALYPSO_OID}.1.3`,
  title: `${CALYPSO_OID}.1.4`,
  message: `${CALYPSO_OID}.1.5`,
  openedAt: `${CALYPSO_OID}.1.6`,
} as const;
/** calypsoAlertSeverity's INTEGER values. */
export const SEVERITY_CODES = { info: 1, warning: 2, critical: 3 } as const;

/** What sends a trap (the daemon's machine runs snmptrap; tests may record instead). */
export interface TrapSender {
  send(trap: Trap, auth: TrapAuth): Promise<void>;
}

export function alertTrap(manager: string, port: number, event: NotifyEvent | 'test', alert: Alert): Trap {
  return {
    manager,
    port,
    oid: TRAP_OIDS[event === 'resolved' ? 'resolved' : event === 'test' ? 'test' : 'firing'],
    varbinds: [
      { oid: VARBIND_OIDS.alertId, type: 'u', value: Math.max(0, alert.id) },
      { oid: VARBIND_OIDS.severity, type: 'i', value: SEVERITY_CODES[alert.severity] },
      { oid: VARBIND_OIDS.source, type: 's', value: alert.source },
      { oid: VARBIND_OIDS.title, type: 's', value: alert.title },
      { oid: VARBIND_OIDS.message, type: 's', value: alert.message },
      { oid: VARBIND_OIDS.openedAt, type: 's', value: alert.openedAt },
    ],
  };
}
