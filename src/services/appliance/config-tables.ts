/**
 * What a configuration export holds: the ONE list of the database's tables, each either in a
 * section of the export (configuration: the desired state Calypso renders and applies) or in
 * NOT_CONFIGURATION (data, history, live state, sessions). test/services/appliance/config-tables
 * fails when a migration adds a table that is in neither, so a new subsystem cannot be forgotten.
 *
 * Per table: its primary key (rows are matched by it on restore), the column that names a row in
 * the preview, its secret columns (only in encrypted exports) and its state columns (what this
 * appliance observed, e.g. a task's last run: never exported, kept as they are on restore).
 * Sections are listed parents first: a restore deletes in reverse order and inserts in this order.
 */

export interface ConfigTable {
  table: string;
  primaryKey: string[];
  /** The column that names a row in the preview (null: rows are counted, not named). */
  label: string | null;
  secrets?: string[];
  state?: string[];
  /** An integer `increments` id: PostgreSQL's sequence is moved past the restored ids. */
  serial?: boolean;
}

export interface ConfigSection {
  name: string;
  title: string;
  tables: ConfigTable[];
}

const LAST_RUN = ['last_run_at', 'last_state', 'last_message', 'last_job_id'];

export const CONFIG_SECTIONS: ConfigSection[] = [
  {
    name: 'iam',
    title: 'Users, groups and roles',
    tables: [
      { table: 'users', primaryKey: ['id'], label: 'username', secrets: ['password_hash'], state: ['last_login_at'], serial: true },
      { table: 'groups', primaryKey: ['id'], label: 'name', serial: true },
      { table: 'roles', primaryKey: ['id'], label: 'name', serial: true },
      { table: 'group_members', primaryKey: ['group_id', 'user_id'], label: null },
      { table: 'role_permissions', primaryKey: ['role_id', 'permission'], label: null },
      { table: 'user_roles', primaryKey: ['user_id', 'role_id'], label: null },
      { table: 'group_roles', primaryKey: ['group_id', 'role_id'], label: null },
    ],
  },
  // Only the keys of CONFIG_SETTINGS (below): deployment rows name this machine's files and stay.
  { name: 'settings', title: 'Appliance settings (SMB, iSCSI, NTP, SNMP, monitoring)', tables: [{ table: 'settings', primaryKey: ['key'], label: 'key' }] },
  {
    name: 'monitoring',
    title: 'Alert rules, maintenance windows and notification channels',
    tables: [
      { table: 'alert_rules', primaryKey: ['id'], label: 'name', serial: true },
      { table: 'maintenance_windows', primaryKey: ['id'], label: 'name', serial: true },
      { table: 'notification_channels', primaryKey: ['id'], label: 'name', secrets: ['secret'], serial: true },
    ],
  },
  {
    name: 'shares',
    title: 'SMB shares and NFS exports',
    tables: [
      { table: 'smb_shares', primaryKey: ['id'], label: 'name', serial: true },
      { table: 'smb_users', primaryKey: ['user_id'], label: null },
      { table: 'nfs_exports', primaryKey: ['id'], label: 'path', serial: true },
    ],
  },
  {
    name: 'iscsi',
    title: 'iSCSI targets',
    tables: [{ table: 'iscsi_targets', primaryKey: ['id'], label: 'name', secrets: ['chap_secret', 'mutual_secret'], serial: true }],
  },
  {
    name: 'tape',
    title: 'Tape media pools and virtual tape libraries',
    tables: [
      { table: 'tape_pools', primaryKey: ['name'], label: 'name' },
      { table: 'vtl_libraries', primaryKey: ['id'], label: 'name', serial: true },
    ],
  },
  {
    name: 'protection',
    title: 'Snapshot tasks, SSH connections and replication tasks',
    tables: [
      { table: 'snapshot_tasks', primaryKey: ['id'], label: 'dataset', state: LAST_RUN, serial: true },
      // The private key is a file of this appliance's data directory: a connection restored elsewhere needs a new key.
      { table: 'ssh_connections', primaryKey: ['id'], label: 'name', state: ['offered_host_key'], serial: true },
      { table: 'replication_tasks', primaryKey: ['id'], label: 'name', state: [...LAST_RUN, 'last_success_at'], serial: true },
    ],
  },
  {
    name: 'schedules',
    title: 'Schedules',
    tables: [
      {
        table: 'schedules',
        primaryKey: ['id'],
        label: 'description',
        state: ['next_run_at', 'last_run_at', 'last_result', 'last_message', 'last_job_id'],
        serial: true,
      },
    ],
  },
  {
    name: 'backup',
    title: 'Backup (Bacula) resources',
    tables: [{ table: 'backup_resources', primaryKey: ['id'], label: 'name', secrets: ['secret'], serial: true }],
  },
  {
    name: 'objects',
    title: 'Object storage provider',
    tables: [{ table: 'objectstore_settings', primaryKey: ['id'], label: 'endpoint', secrets: ['secret_key'] }],
  },
  { name: 'licenses', title: 'Feature licenses', tables: [{ table: 'licenses', primaryKey: ['id'], label: 'id' }] },
];

/** Tables that are not configuration, each with the reason. */
export const NOT_CONFIGURATION: Record<string, string> = {
  sessions: 'logins of this appliance',
  refresh_tokens: 'logins of this appliance (API tokens are never exported)',
  audit_log: 'history',
  jobs: 'history',
  job_logs: 'history',
  metric_series: 'metrics history',
  metric_rollups: 'metrics history',
  alerts: 'live state: raised again by the rules',
  notification_deliveries: 'history',
  schedule_runs: 'history',
  tape_media: 'inventory read from the libraries',
  tape_drive_map: 'observed from the libraries',
  replication_datasets: 'what the target holds: live state',
  knex_migrations: 'the schema itself',
  knex_migrations_lock: 'the schema itself',
  network_changes: 'history of network applies (and their revert timers)',
  terminal_sessions: 'history: who opened a shell and for how long',
};

/**
 * Rows of `settings` in an export. `secrets` are JSON paths of secret values inside the row
 * (`list[].field`): left out of unencrypted exports, taken from this appliance's row (the item of
 * the same `name`) on restore.
 */
export const CONFIG_SETTINGS: Record<string, { secrets?: { list: string; fields: string[] }[] }> = {
  'shares.smb': {},
  'iscsi.settings': {},
  'iscsi.export-disks': {},
  'monitoring.settings': {},
  'appliance.time': {},
  'appliance.snmp': {
    secrets: [
      { list: 'communities', fields: ['secret'] },
      { list: 'users', fields: ['authPassphrase', 'privPassphrase'] },
    ],
  },
};

/** Rows of `settings` that are not configuration, with the reason. */
export const NOT_CONFIGURATION_SETTINGS: Record<string, string> = {
  'shares.deployment': "this machine's file paths (the installer's)",
  'appliance.deployment': "this machine's file paths (the installer's)",
  'appliance.network.deployment': "this machine's file paths (the installer's)",
  'licenses.trial': "this install's trial",
  'monitoring.scrape_token': 'a token (never exported)',
  'appliance.network.config':
    "this machine's own addresses: a restore onto another appliance would take the first one's identity, and a network change goes through the apply-and-revert safety net (System > Network), never applied blind by a restore",
};

export const CONFIG_TABLES: ConfigTable[] = CONFIG_SECTIONS.flatMap((s) => s.tables);
