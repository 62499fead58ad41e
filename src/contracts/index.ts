/**
 * Every contract and permission of the appliance: what the console and clients know of it
 * without loading a handler. The daemon's registry implements exactly these (a test checks).
 */
import type { AnyContract, InputOf, OutputOf, PermissionDef } from './core.js';
import { applianceContracts, appliancePermissions } from './appliance.js';
import { backupContracts, backupPermissions } from './backup.js';
import { snmpContracts, snmpPermissions } from './appliance-snmp.js';
import { configContracts, configPermissions } from './appliance-config.js';
import { timeContracts, timePermissions } from './appliance-time.js';
import { networkContracts, networkPermissions } from './appliance-network.js';
import { terminalContracts, terminalPermissions } from './appliance-terminal.js';
import { iamContracts, iamPermissions } from './iam.js';
import { iscsiContracts, iscsiPermissions } from './iscsi.js';
import { jobContracts, jobPermissions } from './jobs.js';
import { monitoringContracts, monitoringPermissions } from './monitoring.js';
import { objectContracts, objectsPermissions } from './objects.js';
import { scheduleContracts, schedulePermissions } from './schedules.js';
import { sharesContracts, sharesPermissions } from './shares.js';
import { simContracts, simPermissions } from './sim.js';
import { snapshotContracts, snapshotPermissions } from './snapshots.js';
import { storageContracts, storagePermissions } from './storage.js';
import { systemContracts, systemPermissions } from './system.js';
import { tapeContracts, tapePermissions } from './tape.js';
import { replicationContracts, replicationPermissions } from './replication.js';

const SETS: Record<string, AnyContract>[] = [
  iamContracts,
  jobContracts,
  monitoringContracts,
  storageContracts,
  snapshotContracts,
  simContracts,
  sharesContracts,
  iscsiContracts,
  scheduleContracts,
  systemContracts,
  applianceContracts,
  tapeContracts,
  objectContracts,
  backupContracts,
  timeContracts,
  snmpContracts,
  configContracts,
  replicationContracts,
  networkContracts,
  terminalContracts,
];

export const ALL_CONTRACTS: readonly AnyContract[] = SETS.flatMap((s) => Object.values(s));

export const ALL_PERMISSIONS: readonly PermissionDef[] = [
  ...iamPermissions,
  ...jobPermissions,
  ...monitoringPermissions,
  ...storagePermissions,
  ...snapshotPermissions,
  ...simPermissions,
  ...sharesPermissions,
  ...iscsiPermissions,
  ...schedulePermissions,
  ...systemPermissions,
  ...appliancePermissions,
  ...tapePermissions,
  ...objectsPermissions,
  ...backupPermissions,
  ...timePermissions,
  ...snmpPermissions,
  ...configPermissions,
  ...replicationPermissions,
  ...networkPermissions,
  ...terminalPermissions,
];

const BY_NAME = new Map(ALL_CONTRACTS.map((c) => [c.name, c]));

export function contractNamed(name: string): AnyContract | undefined {
  return BY_NAME.get(name);
}

/** Every contract keyed by its name, typed: `Contracts['storage.pools.list']` is that contract with its schemas. */
export type Contracts = typeof iamContracts &
  typeof jobContracts &
  typeof monitoringContracts &
  typeof storageContracts &
  typeof snapshotContracts &
  typeof simContracts &
  typeof sharesContracts &
  typeof iscsiContracts &
  typeof scheduleContracts &
  typeof systemContracts &
  typeof applianceContracts &
  typeof tapeContracts &
  typeof objectContracts &
  typeof backupContracts &
  typeof timeContracts &
  typeof snmpContracts &
  typeof configContracts &
  typeof replicationContracts &
  typeof networkContracts &
  typeof terminalContracts;

/** The name of an operation of the appliance. */
export type OperationName = keyof Contracts & string;

/** What a caller sends to the operation named N (a dangerous one also takes `confirm`). */
export type Input<N extends OperationName> = InputOf<Contracts[N]>;

/** What the operation named N answers. */
export type Output<N extends OperationName> = OutputOf<Contracts[N]>;
