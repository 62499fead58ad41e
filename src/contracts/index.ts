/**
 * Every contract and permission of the appliance: what the console and clients know of it
 * without loading a handler. The daemon's registry implements exactly these (a test checks).
 */
import type { AnyContract, PermissionDef } from './core.js';
import { iamContracts, iamPermissions } from './iam.js';
import { iscsiContracts, iscsiPermissions } from './iscsi.js';
import { jobContracts, jobPermissions } from './jobs.js';
import { monitoringContracts, monitoringPermissions } from './monitoring.js';
import { scheduleContracts, schedulePermissions } from './schedules.js';
import { sharesContracts, sharesPermissions } from './shares.js';
import { simContracts, simPermissions } from './sim.js';
import { snapshotContracts, snapshotPermissions } from './snapshots.js';
import { storageContracts, storagePermissions } from './storage.js';
import { systemContracts, systemPermissions } from './system.js';

const SETS: Record<string, AnyContract>[] = [
  iamContracts, jobContracts, monitoringContracts, storageContracts, snapshotContracts, simContracts, sharesContracts,
  iscsiContracts, scheduleContracts, systemContracts,
];

export const ALL_CONTRACTS: readonly AnyContract[] = SETS.flatMap((s) => Object.values(s));

export const ALL_PERMISSIONS: readonly PermissionDef[] = [
  ...iamPermissions, ...jobPermissions, ...monitoringPermissions, ...storagePermissions, ...snapshotPermissions, ...simPermissions,
  ...sharesPermissions, ...iscsiPermissions, ...schedulePermissions, ...systemPermissions,
];

const BY_NAME = new Map(ALL_CONTRACTS.map((c) => [c.name, c]));

export function contractNamed(name: string): AnyContract | undefined {
  return BY_NAME.get(name);
}
