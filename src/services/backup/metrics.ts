/**
 * Backup metrics for monitoring (calypso_backup_*): per backup job, the outcome, bytes and
 * duration of its last run and the age of its last successful one, read from the catalog once a
 * minute; the built-in rules raise an alert on a failed run and on a job overdue for days.
 */
import type { Host } from '../../system/host.js';
import { BaculaAdapter, BaculaCommandError } from '../../system/bacula/index.js';
import type { MetricValue } from '../monitoring/metrics.js';
import type { Probe } from '../monitoring/probes.js';
import { backupPaths } from './resources.js';
import { outcomeOf, toRun } from './runs.js';

/** calypso_backup_job_last_status: 0 completed, 1 completed with warnings or cancelled by a user, 2 failed. */
export const BACKUP_STATUS_CODES: Record<string, number> = { ok: 0, warning: 1, cancelled: 1, failed: 2 };

export const BACKUP_METRIC_NAMES = [
  'calypso_backup_director_up',
  'calypso_backup_job_last_status',
  'calypso_backup_job_last_bytes',
  'calypso_backup_job_last_duration_seconds',
  'calypso_backup_job_last_success_age_seconds',
];

export function backupProbe(host: Host): Probe {
  return {
    name: 'backup',
    provides: BACKUP_METRIC_NAMES,
    timeoutMs: 20_000,
    everyMs: 60_000,
    collect: async (now) => {
      const paths = backupPaths();
      // No Bacula console configured on this machine: nothing to report (the simulated appliance always has one).
      if (host.kind !== 'sim' && !(await host.files.exists(paths.bconsoleConf))) return [];
      const bacula = new BaculaAdapter(host, paths, { timeoutMs: 15_000 });
      let jobs;
      try {
        jobs = (await bacula.jobs()).filter((j) => j.type === 'B');
      } catch (err) {
        if (err instanceof BaculaCommandError) return [{ name: 'calypso_backup_director_up', labels: {}, value: 0 }];
        throw err;
      }
      const out: MetricValue[] = [{ name: 'calypso_backup_director_up', labels: {}, value: 1 }];
      for (const name of [...new Set(jobs.map((j) => j.name))]) {
        const runs = jobs
          .filter((j) => j.name === name)
          .map((j) => toRun(j))
          .sort((a, b) => b.jobId - a.jobId);
        const last = runs.find((r) => r.outcome in BACKUP_STATUS_CODES);
        const labels = { job: name };
        if (last) {
          out.push({ name: 'calypso_backup_job_last_status', labels, value: BACKUP_STATUS_CODES[outcomeOf(last.status)]! });
          out.push({ name: 'calypso_backup_job_last_bytes', labels, value: last.jobBytes });
          if (last.durationSeconds !== null) out.push({ name: 'calypso_backup_job_last_duration_seconds', labels, value: last.durationSeconds });
        }
        const good = runs.find((r) => r.outcome === 'ok' && r.endedAt);
        if (good)
          out.push({ name: 'calypso_backup_job_last_success_age_seconds', labels, value: Math.max(0, Math.round((now - Date.parse(good.endedAt!)) / 1000)) });
      }
      return out;
    },
  };
}
