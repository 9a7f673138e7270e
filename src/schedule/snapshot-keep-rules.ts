// Grandfather-father-son rotation for snapshot_create jobs: PVE's keep-last/hourly/daily/weekly/monthly/
// yearly (the retention engine that prunes backups) applied to the job's OWN snapshots of each VM, instead
// of only maxSnapshots. Periods are counted in the job's time zone (the one its cron fires in; the
// scheduler's local zone when the job names none), so "daily" means the job's days.
import type { SnapshotInfo } from '../core.js';
import type { SnapshotCreateParams } from '../history/job-records.js';
import { keepsAll, parseKeepOptions } from '../ops/retention/keep-options.js';
import { LocalClock } from '../ops/retention/local-periods.js';
import { markGroupTimes } from '../ops/retention/prune-marks.js';

/** A problem with a job's `retention` parameter, or undefined. */
export function snapshotRetentionProblem(retention: string): string | undefined {
  try {
    const keep = parseKeepOptions(retention);
    if (keepsAll(keep)) return 'keeps everything: give at least one positive keep option (keep-all=1 rotates nothing)';
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** What the rotation is called in run messages: "keep 3" or "keep-daily=7,keep-weekly=4". */
export function rotationRule(p: SnapshotCreateParams): string {
  return p.retention ?? `keep ${p.maxSnapshots}`;
}

const hostZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/**
 * The job's own snapshots of one VM (newest first) that rotation deletes. In a dry run the new snapshot
 * does not exist yet but counts (it is the newest and takes a slot).
 */
export function rotationExcess(own: SnapshotInfo[], p: SnapshotCreateParams, opts: { dryRun: boolean; now: number; timeZone?: string }): SnapshotInfo[] {
  if (p.retention === undefined) {
    const keep = p.maxSnapshots as number;
    return own.slice(opts.dryRun ? keep - 1 : keep);
  }
  const items = own.map((s) => ({ ctime: s.snaptime ?? 0 }));
  if (opts.dryRun) items.unshift({ ctime: Math.floor(opts.now / 1000) });
  const marks = markGroupTimes(items, { keep: parseKeepOptions(p.retention) }, { now: opts.now, clock: new LocalClock(opts.timeZone ?? hostZone()) });
  const offset = opts.dryRun ? 1 : 0;
  return own.filter((_, i) => marks[i + offset].mark === 'remove');
}
