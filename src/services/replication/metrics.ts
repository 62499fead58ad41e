/**
 * calypso_replication_* for the monitoring collector: per replication task, when it last brought
 * its target up to date, how old the newest replica is, how many bytes it has sent, and how far
 * past its allowed lag it is (the built-in replication-lag rule alerts on that).
 */
import type { Knex } from 'knex';
import type { MetricValue } from '../monitoring/metrics.js';
import type { Probe } from '../monitoring/probes.js';
import type { ReplicatedDatasetRow, ReplicationTaskRow } from './store.js';

export const REPLICATION_METRICS = [
  'calypso_replication_last_success_timestamp_seconds',
  'calypso_replication_last_run_ok',
  'calypso_replication_lag_seconds',
  'calypso_replication_sent_bytes',
  'calypso_replication_overdue_seconds',
];

/** `db` may be given late (a getter): the monitoring is built before the services hand it out. */
export function replicationProbe(database: Knex | (() => Knex)): Probe {
  const knex = () => (typeof database === 'function' && !('schema' in database) ? (database as () => Knex)() : (database as Knex));
  return {
    name: 'replication',
    provides: REPLICATION_METRICS,
    timeoutMs: 5000,
    async collect(now) {
      const db = knex();
      const tasks: ReplicationTaskRow[] = await db('replication_tasks').where({ enabled: true });
      const states: ReplicatedDatasetRow[] = tasks.length
        ? await db('replication_datasets').whereIn(
            'task_id',
            tasks.map((t) => t.id),
          )
        : [];
      const out: MetricValue[] = [];
      for (const t of tasks) {
        const labels = { task: String(t.id), name: t.name };
        const mine = states.filter((s) => Number(s.task_id) === Number(t.id));
        if (t.last_success_at) out.push({ name: 'calypso_replication_last_success_timestamp_seconds', labels, value: Date.parse(t.last_success_at) / 1000 });
        if (t.last_state && t.last_state !== 'running')
          out.push({ name: 'calypso_replication_last_run_ok', labels, value: t.last_state === 'succeeded' ? 1 : 0 });
        out.push({ name: 'calypso_replication_sent_bytes', labels, value: mine.reduce((n, s) => n + Number(s.total_bytes), 0) });
        const created = mine.map((s) => (s.snapshot_created_at ? Date.parse(s.snapshot_created_at) : null));
        // Never replicated: the lag is counted from the task's creation.
        const oldest = created.length && created.every((c) => c !== null) ? Math.min(...(created as number[])) : Date.parse(t.created_at);
        const lag = Math.max(0, (now - oldest) / 1000);
        out.push({ name: 'calypso_replication_lag_seconds', labels, value: Math.round(lag) });
        if (t.lag_alert_seconds !== null)
          out.push({ name: 'calypso_replication_overdue_seconds', labels, value: Math.max(0, Math.round(lag - Number(t.lag_alert_seconds))) });
      }
      return out;
    },
  };
}
