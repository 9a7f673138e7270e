// Bounded growth: drop records past the retention age, then keep only the newest N of each kind.
// Running operations and runs are never dropped (they are still being written), nor are jobs.
import type { HistoryIndex, RetentionPolicy } from './records.js';

const DAY = 86_400_000;

export function retentionCutoff(policy: RetentionPolicy, now: number): number {
  return now - policy.maxAgeDays * DAY;
}

/** The newest `keep` of `list` younger than `cutoff`, plus every pinned one, in their original order. */
export function newest<T>(list: T[], at: (x: T) => number, cutoff: number, keep: number, pinned: (x: T) => boolean = () => false): T[] {
  const young = list.filter((x) => pinned(x) || at(x) >= cutoff);
  const unpinned = young.filter((x) => !pinned(x));
  if (unpinned.length <= keep) return young;
  const kept = new Set([...unpinned].sort((a, b) => at(b) - at(a)).slice(0, keep));
  return young.filter((x) => pinned(x) || kept.has(x));
}

/** Applies the policy to the index; returns the ids of the operations and runs it dropped (their files go too). */
export function applyRetentionTo(data: HistoryIndex, policy: RetentionPolicy, now: number): { operations: string[]; jobRuns: string[]; migrations: number } {
  const cutoff = retentionCutoff(policy, now);
  const max = policy.maxRecords;
  const ops = newest(data.operations, (o) => o.startedAt, cutoff, max, (o) => o.status === 'running');
  const runs = newest(data.jobRuns, (r) => r.startedAt, cutoff, max, (r) => r.status === 'running');
  const migrations = newest(data.migrations, (m) => m.at, cutoff, max);
  const keptOps = new Set(ops);
  const keptRuns = new Set(runs);
  const dropped = {
    operations: data.operations.filter((o) => !keptOps.has(o)).map((o) => o.id),
    jobRuns: data.jobRuns.filter((r) => !keptRuns.has(r)).map((r) => r.id),
    migrations: data.migrations.length - migrations.length,
  };
  data.operations = ops;
  data.jobRuns = runs;
  data.migrations = migrations;
  return dropped;
}
