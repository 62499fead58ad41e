/**
 * One run of a periodic snapshot task: inside its window, unless nothing was written (when empty
 * snapshots are not wanted), take the snapshot named by the schema (atomically for the whole
 * tree), then apply retention over every task naming snapshots of these datasets: only what
 * matches a schema and is older than every such task's lifetime goes, never a held or cloned
 * snapshot nor one a replication still needs. What was destroyed and why goes to the run's log.
 */
import type { Knex } from 'knex';
import type { Host } from '../../system/host.js';
import { ZfsEndpoint } from '../../system/zfs/send-endpoint.js';
import { formatSnapshotName, wallTime } from '../../contracts/snapshot-naming.js';
import type { JobHandle } from '../core/jobs.js';
import { planRetention, taskCovers, type PlannedSnapshot, type RetentionTask } from './retention.js';
import { replicationNeeds } from './engine.js';
import { json, type SnapshotTaskRow } from './store.js';

export interface SnapshotRunOutcome {
  state: 'succeeded' | 'skipped';
  message: string;
  snapshot: string | null;
  destroyed: string[];
}

function inWindow(row: SnapshotTaskRow, nowMs: number, timeZone: string): boolean {
  if (!row.window_from || !row.window_to) return true;
  const w = wallTime(nowMs, timeZone);
  const m = w.hour * 60 + w.minute;
  const [fh, fm] = row.window_from.split(':').map(Number) as [number, number];
  const [th, tm] = row.window_to.split(':').map(Number) as [number, number];
  const from = fh * 60 + fm;
  const to = th * 60 + tm;
  return from <= to ? m >= from && m <= to : m >= from || m <= to;
}

export const toRetentionTask = (t: SnapshotTaskRow): RetentionTask => ({
  id: Number(t.id),
  dataset: t.dataset,
  recursive: Boolean(t.recursive),
  exclude: json(t.exclude),
  namingSchema: t.naming_schema,
  lifetimeSeconds: Number(t.lifetime_seconds),
});

/** The datasets a task snapshots. */
export async function taskDatasets(local: ZfsEndpoint, row: SnapshotTaskRow): Promise<string[]> {
  const all = row.recursive ? await local.tree(row.dataset) : [row.dataset];
  return all.filter((d) => taskCovers(toRetentionTask(row), d));
}

/** The retention plan for the snapshots of `datasets` under every snapshot task, with replication's needs. */
export async function retentionPlan(db: Knex, local: ZfsEndpoint, datasets: string[], nowMs: number, timeZone: string): Promise<PlannedSnapshot[]> {
  const tasks = ((await db('snapshot_tasks')) as SnapshotTaskRow[]).map(toRetentionTask);
  const out: PlannedSnapshot[] = [];
  const pools = new Set(datasets.map((d) => d.split('/')[0]!));
  const clones = new Map<string, string[]>();
  for (const p of pools) for (const [k, v] of await local.clones(p)) clones.set(k, v);
  for (const d of datasets) {
    const snaps = await local.snapshots(d);
    const needs = await replicationNeeds(db, d, snaps);
    out.push(
      ...planRetention(
        snaps.map((s) => ({ name: s.name, holds: s.holds, clones: clones.get(s.name) ?? [] })),
        tasks,
        nowMs,
        needs,
        timeZone,
      ),
    );
  }
  return out;
}

export async function runSnapshotTask(
  deps: { db: Knex; host: Host; now(): number; timeZone: string },
  row: SnapshotTaskRow,
  job: JobHandle,
): Promise<SnapshotRunOutcome> {
  const local = new ZfsEndpoint(deps.host, null);
  const now = deps.now();
  if (!inWindow(row, now, deps.timeZone)) {
    return { state: 'skipped', message: `Skipped: outside its hours (${row.window_from} to ${row.window_to})`, snapshot: null, destroyed: [] };
  }
  if (!(await local.exists(row.dataset))) throw new Error(`the dataset ${row.dataset} does not exist any more: change the task's dataset or delete the task`);
  const datasets = await taskDatasets(local, row);
  const short = formatSnapshotName(row.naming_schema, now, deps.timeZone);
  let snapshot: string | null = null;
  let skipped: string | null = null;
  if (!row.allow_empty) {
    const written = await Promise.all(datasets.map((d) => local.written(d)));
    const hasSnapshots = (await local.snapshots(row.dataset)).length > 0;
    if (hasSnapshots && written.every((w) => w === 0)) skipped = 'nothing was written since the last snapshot';
    if (written.some((w) => w === null)) await job.log('this ZFS cannot tell what was written (no written property): snapshotting anyway');
  }
  if (!skipped) {
    const existing = await local.snapshots(row.dataset);
    if (existing.some((s) => s.short === short)) {
      skipped = `${row.dataset}@${short} exists already (two runs in the same minute)`;
    } else {
      const exclude = json<string[]>(row.exclude);
      if (row.recursive && exclude.length === 0) await local.snapshot([`${row.dataset}@${short}`], true);
      else
        await local.snapshot(
          datasets.map((d) => `${d}@${short}`),
          false,
        );
      snapshot = `${row.dataset}@${short}`;
      await job.log(`took ${snapshot}${datasets.length > 1 ? ` and ${datasets.length - 1} child snapshot(s)` : ''}`);
    }
  }
  if (skipped) await job.log(`no snapshot: ${skipped}`);
  await job.progress(50, 'retention');
  const plan = await retentionPlan(deps.db, local, datasets, now, deps.timeZone);
  const destroyed: string[] = [];
  for (const p of plan) {
    if (p.action !== 'destroy') continue;
    try {
      await local.destroySnapshot(p.name);
      destroyed.push(p.name);
      await job.log(`retention destroyed ${p.name}: ${p.reason}`);
    } catch (err) {
      await job.log(`retention could not destroy ${p.name}: ${(err as Error).message}`);
    }
  }
  const kept = plan.filter((p) => p.action === 'keep' && p.expiresAtMs <= now);
  for (const k of kept) await job.log(`retention kept ${k.name}: ${k.reason}`);
  const tail = destroyed.length ? `; retention destroyed ${destroyed.length}` : '';
  const message = snapshot ? `Took ${snapshot}${tail}` : `Skipped: ${skipped}${tail}`;
  return { state: snapshot ? 'succeeded' : 'skipped', message, snapshot, destroyed };
}
