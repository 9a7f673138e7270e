// Bounded growth: drop records past the retention age, then keep only the newest N of each kind.
// Running operations and runs are never dropped (they are still being written), nor are jobs.
import type { HistoryData, RetentionPolicy } from './records.js';

const DAY = 86_400_000;

export function applyRetentionTo(data: HistoryData, policy: RetentionPolicy, now: number): number {
  const cutoff = now - policy.maxAgeDays * DAY;
  const max = policy.maxRecords;
  const before = data.operations.length + data.jobRuns.length + data.audit.length + data.migrations.length;
  const newest = <T>(list: T[], at: (x: T) => number, keep: number, pinned: (x: T) => boolean = () => false): T[] => {
    const young = list.filter((x) => pinned(x) || at(x) >= cutoff);
    const unpinned = young.filter((x) => !pinned(x));
    if (unpinned.length <= keep) return young;
    const kept = new Set(unpinned.sort((a, b) => at(b) - at(a)).slice(0, keep));
    return young.filter((x) => pinned(x) || kept.has(x));
  };
  data.operations = newest(data.operations, (o) => o.startedAt, max, (o) => o.status === 'running');
  data.jobRuns = newest(data.jobRuns, (r) => r.startedAt, max, (r) => r.status === 'running');
  data.audit = newest(data.audit, (a) => a.at, max * 4);
  data.migrations = newest(data.migrations, (m) => m.at, max);
  return before - (data.operations.length + data.jobRuns.length + data.audit.length + data.migrations.length);
}
