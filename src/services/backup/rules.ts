/** The built-in alert rules of backups (monitoring's BUILTIN_RULES includes them). */
import type { BuiltinRule } from '../monitoring/rules.js';

const DAY = 86_400;

export const BACKUP_RULES: BuiltinRule[] = [
  {
    key: 'backup-job-failed',
    name: 'Backup job failed',
    kind: 'threshold',
    source: 'job',
    metric: 'calypso_backup_job_last_status',
    selector: {},
    operator: '>=',
    threshold: 2,
    criticalThreshold: null,
    forSeconds: 0,
    severity: 'warning',
    message: 'The last run of backup job {{job}} failed: see its log (Backup > History) and run it again',
  },
  {
    key: 'backup-job-overdue',
    name: 'Backup job overdue',
    kind: 'threshold',
    source: 'job',
    metric: 'calypso_backup_job_last_success_age_seconds',
    selector: {},
    operator: '>=',
    threshold: 2 * DAY,
    criticalThreshold: 7 * DAY,
    forSeconds: 0,
    severity: 'warning',
    message: 'Backup job {{job}} has not completed for {{value}} seconds (warning after 2 days, critical after 7)',
  },
  {
    key: 'backup-director-down',
    name: 'Backup director down',
    kind: 'threshold',
    source: 'service',
    metric: 'calypso_backup_director_up',
    selector: {},
    operator: '<',
    threshold: 1,
    criticalThreshold: null,
    forSeconds: 120,
    severity: 'critical',
    message: 'The Bacula director does not answer bconsole: no backup runs or restores until it does',
  },
];
