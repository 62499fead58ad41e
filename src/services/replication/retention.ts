/**
 * Retention of periodic snapshot tasks, as a pure plan: which snapshots to destroy and, for every
 * snapshot a task manages, why it is kept. A snapshot belongs to a task when it lies in the task's
 * datasets and its name parses with the task's naming schema; several tasks may name the same
 * snapshots (an hourly and a daily task with one schema): it is kept while any of them keeps it.
 * A snapshot no task names is never touched. Never destroyed, whatever its age: a held snapshot,
 * one with a dependent clone, and one a replication task still needs.
 */
import { parseSnapshotName } from '../../contracts/snapshot-naming.js';

export interface RetentionSnapshot {
  /** dataset@name */
  name: string;
  holds: number;
  /** Datasets cloned from it. */
  clones: string[];
}

export interface RetentionTask {
  id: number;
  dataset: string;
  recursive: boolean;
  exclude: string[];
  namingSchema: string;
  lifetimeSeconds: number;
}

export interface PlannedSnapshot {
  name: string;
  /** When the newest-lived task that names it lets it go (epoch ms). */
  expiresAtMs: number;
  /** The tasks that name it. */
  tasks: number[];
  action: 'destroy' | 'keep';
  reason: string;
}

/** Whether `dataset` is one the task snapshots. */
export function taskCovers(task: Pick<RetentionTask, 'dataset' | 'recursive' | 'exclude'>, dataset: string): boolean {
  const inside = dataset === task.dataset || (task.recursive && dataset.startsWith(`${task.dataset}/`));
  if (!inside) return false;
  return !task.exclude.some((x) => dataset === x || dataset.startsWith(`${x}/`));
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');

/**
 * The plan for `snapshots` under `tasks` at `nowMs`. `needed` maps a snapshot name to why a
 * replication still needs it (the last common snapshot with a target, or one not yet sent).
 * Entries come out in the input order; snapshots no task names are left out.
 */
export function planRetention(
  snapshots: RetentionSnapshot[],
  tasks: RetentionTask[],
  nowMs: number,
  needed: ReadonlyMap<string, string> = new Map(),
  timeZone = 'UTC',
): PlannedSnapshot[] {
  const plan: PlannedSnapshot[] = [];
  for (const s of snapshots) {
    const at = s.name.indexOf('@');
    if (at < 0) continue;
    const dataset = s.name.slice(0, at);
    const short = s.name.slice(at + 1);
    let expiresAtMs = -Infinity;
    const owners: number[] = [];
    for (const t of tasks) {
      if (!taskCovers(t, dataset)) continue;
      const taken = parseSnapshotName(t.namingSchema, short, timeZone);
      if (taken === null) continue;
      owners.push(t.id);
      expiresAtMs = Math.max(expiresAtMs, taken + t.lifetimeSeconds * 1000);
    }
    if (owners.length === 0) continue;
    const entry = (action: 'destroy' | 'keep', reason: string): PlannedSnapshot => ({ name: s.name, expiresAtMs, tasks: owners, action, reason });
    if (expiresAtMs > nowMs) {
      plan.push(entry('keep', `within its lifetime (expires ${iso(expiresAtMs)})`));
    } else if (s.holds > 0) {
      plan.push(entry('keep', `expired at ${iso(expiresAtMs)} but held (${s.holds} hold${s.holds === 1 ? '' : 's'})`));
    } else if (s.clones.length > 0) {
      plan.push(entry('keep', `expired at ${iso(expiresAtMs)} but ${s.clones.join(', ')} ${s.clones.length === 1 ? 'is a clone' : 'are clones'} of it`));
    } else if (needed.has(s.name)) {
      plan.push(entry('keep', `expired at ${iso(expiresAtMs)} but ${needed.get(s.name)}`));
    } else {
      plan.push(entry('destroy', `expired at ${iso(expiresAtMs)} (lifetime of task${owners.length === 1 ? '' : 's'} ${owners.join(', ')})`));
    }
  }
  return plan;
}
