/**
 * Every subsystem of the appliance, in menu order. A screen lights up when its service's
 * operations are in the registry; until then it says what it will manage.
 */
import type React from 'react';
import type { Appliance } from '../appliance.js';
import { AboutScreen } from './about.js';
import { AuditScreen } from './audit.js';
import { BackupScreen } from './backup.js';
import { DashboardScreen } from './dashboard.js';
import { IscsiScreen } from './iscsi.js';
import { JobsScreen } from './jobs.js';
import { SchedulesScreen } from './schedules.js';
import { MonitoringScreen } from './monitoring.js';
import { ObjectsScreen } from './objects.js';
import { ProtectionScreen } from './protection.js';
import { SharesScreen } from './shares.js';
import { SnapshotsScreen } from './snapshots.js';
import { StorageScreen } from './storage.js';
import { TapeScreen } from './tape.js';
import { SystemScreen } from './system.js';
import { UsersScreen } from './users.js';

export interface ScreenDef {
  id: string;
  label: string;
  /** Label when the menu is narrow (80 columns). */
  short: string;
  /** What the subsystem manages, shown while it is not in this build. */
  manages: string;
  /** Operation name prefixes that belong to the subsystem. */
  prefixes: string[];
  /** The operation whose presence means the dedicated screen can work. */
  needs?: string;
  component?: React.ComponentType;
  /** Extra words the palette matches. */
  aliases?: string[];
}

export const SCREENS: ScreenDef[] = [
  {
    id: 'dashboard',
    label: 'Dashboard',
    short: 'Dashboard',
    manages: 'Live charts of CPU, memory, network, pools and ARC.',
    prefixes: ['metrics.'],
    component: DashboardScreen,
    aliases: ['charts', 'home'],
  },
  {
    id: 'storage',
    label: 'Storage',
    short: 'Storage',
    manages: 'Disks, pools and vdevs, datasets, zvols and the ARC (ZFS).',
    prefixes: ['storage.'],
    needs: 'storage.pools.list',
    component: StorageScreen,
    aliases: ['zfs', 'pools', 'datasets', 'disks'],
  },
  {
    id: 'snapshots',
    label: 'Snapshots & Replication',
    short: 'Snapshots & Repl.',
    manages: 'ZFS snapshots (create, destroy, rollback, clone, hold), periodic snapshot tasks and replication to other appliances.',
    prefixes: ['snapshots.', 'replication.'],
    needs: 'snapshots.list',
    component: SnapshotsScreen,
    aliases: ['replication'],
  },
  {
    id: 'protection',
    label: 'Data Protection',
    short: 'Data Protection',
    manages: 'Periodic snapshot tasks with retention, replication to a local pool or over SSH, SSH connections and per-dataset timelines.',
    prefixes: ['snapshots.tasks.', 'replication.'],
    needs: 'replication.tasks.list',
    component: ProtectionScreen,
    aliases: ['replication', 'snapshot tasks', 'ssh', 'retention', 'protection'],
  },
  {
    id: 'shares',
    label: 'Shares',
    short: 'Shares',
    manages: 'SMB and NFS shares on datasets: paths, access lists and guest access, rendered to smb.conf and /etc/exports and reloaded.',
    prefixes: ['shares.', 'smb.', 'nfs.'],
    needs: 'shares.smb.list',
    component: SharesScreen,
    aliases: ['smb', 'nfs', 'samba'],
  },
  {
    id: 'iscsi',
    label: 'iSCSI',
    short: 'iSCSI',
    manages: 'iSCSI targets, LUNs on zvols, portals, initiator access lists and CHAP.',
    prefixes: ['iscsi.'],
    needs: 'iscsi.targets.list',
    component: IscsiScreen,
    aliases: ['targets', 'luns'],
  },
  {
    id: 'tape',
    label: 'Tape & VTL',
    short: 'Tape & VTL',
    manages: 'Tape libraries and drives, slots, barcodes and inventory, and virtual tape libraries on disk.',
    prefixes: ['tape.', 'vtl.'],
    needs: 'tape.libraries.list',
    component: TapeScreen,
    aliases: ['library', 'vtl'],
  },
  {
    id: 'backup',
    label: 'Backup',
    short: 'Backup',
    manages: 'Bacula/Bareos: clients, jobs, schedules, pools and volumes, job runs and restores.',
    prefixes: ['backup.', 'bacula.'],
    needs: 'backup.jobs.list',
    component: BackupScreen,
    aliases: ['bacula', 'bareos', 'restore'],
  },
  {
    id: 'objects',
    label: 'Object Storage',
    short: 'Object Storage',
    manages: 'S3-compatible object storage: buckets, access keys and quotas.',
    prefixes: ['s3.', 'objects.', 'objectstore.'],
    needs: 'objects.status',
    component: ObjectsScreen,
    aliases: ['s3', 'buckets'],
  },
  {
    id: 'monitoring',
    label: 'Monitoring & Alerts',
    short: 'Monitoring',
    manages: 'Metric history, alert rules, open alerts and notifications (mail, SNMP traps).',
    prefixes: ['alerts.', 'monitoring.', 'metrics.'],
    needs: 'alerts.list',
    component: MonitoringScreen,
    aliases: ['alerts', 'metrics'],
  },
  {
    id: 'system',
    label: 'System',
    short: 'System',
    manages: 'Network, services, NTP, SNMP, logs, terminal, licenses, configuration backup and the support bundle of the appliance.',
    prefixes: ['appliance.', 'system.'],
    needs: 'appliance.licenses.list',
    component: SystemScreen,
    aliases: ['network', 'ntp', 'snmp', 'services', 'licenses', 'time', 'config', 'support'],
  },
  {
    id: 'users',
    label: 'Users & Access',
    short: 'Users & Access',
    manages: 'Users, groups, roles and permissions.',
    prefixes: ['iam.'],
    needs: 'iam.users.list',
    component: UsersScreen,
    aliases: ['iam', 'roles', 'groups', 'password'],
  },
  {
    id: 'audit',
    label: 'Audit',
    short: 'Audit',
    manages: 'Who did what, from which face, and with what result.',
    prefixes: ['audit.'],
    needs: 'audit.list',
    component: AuditScreen,
    aliases: ['log'],
  },
  {
    id: 'jobs',
    label: 'Jobs',
    short: 'Jobs',
    manages: 'Running and recent long operations with progress and logs.',
    prefixes: ['jobs.'],
    needs: 'jobs.list',
    component: JobsScreen,
    aliases: ['tasks', 'progress'],
  },
  {
    id: 'schedules',
    label: 'Schedules',
    short: 'Schedules',
    manages: 'Periodic work: pool scrubs and SMART self-tests, with their next run and the history of runs.',
    prefixes: ['schedules.'],
    needs: 'schedules.list',
    component: SchedulesScreen,
    aliases: ['scrub', 'smart', 'cron', 'periodic'],
  },
  {
    id: 'about',
    label: 'About',
    short: 'About',
    manages: 'Version, host, database and API address.',
    prefixes: [],
    component: AboutScreen,
    aliases: ['version'],
  },
];

/** Operations of a subsystem present in the registry (and on this kind of host). */
export function operationsOf(app: Appliance, def: ScreenDef) {
  return app
    .contracts()
    .filter((op) => def.prefixes.some((p) => op.name.startsWith(p)))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** How a screen shows up now: its own screen, the generic operations screen, or "not in this build". */
export function screenMode(app: Appliance, def: ScreenDef): 'screen' | 'operations' | 'unbuilt' {
  if (def.component && (!def.needs || app.contract(def.needs))) return 'screen';
  return operationsOf(app, def).length ? 'operations' : 'unbuilt';
}
