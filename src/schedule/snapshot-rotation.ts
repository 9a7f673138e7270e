// maxSnapshots rotation for snapshot_create jobs. A snapshot is the job's own only when its name is one
// the job's pattern produces for that VM AND its description carries the job's marker — so neither a
// hand-made snapshot with a similar name nor another job using the same pattern is ever touched.
import type { MoxxieCore, SnapshotInfo } from '../core.js';
import { templateMatcher } from '../ops/snapshot-names.js';
import type { FrontEnd, JobOrigin, Operation } from '../ops/types.js';
import type { JobRecord, SnapshotCreateParams } from '../history/job-records.js';
import { rotationExcess, rotationRule } from './snapshot-keep-rules.js';

/** Written into each snapshot's description by the job that made it. */
export const jobMarker = (jobId: string) => `[job ${jobId}]`;

/**
 * The names a pattern can produce for one VM, as an exact-match test: literal parts and the VM's own
 * name/id are fixed, only the time stamps vary. The renderer's own pieces, so it always agrees with it
 * (the 's' in front, a cut tail, a shortened {vm} with or without its '-<vmid>').
 */
export function ownSnapshotMatcher(pattern: string, vm: { vmid: number; name: string }): (name: string) => boolean {
  return templateMatcher(pattern, vm);
}

export interface RotationResult {
  operationIds: string[];
  /** e.g. "rotation (keep 3) deleted: 8200/auto-web-20261101" */
  message: string;
  failed: boolean;
}

const newestFirst = (a: SnapshotInfo, b: SnapshotInfo) => (b.snaptime ?? 0) - (a.snaptime ?? 0) || b.name.localeCompare(a.name);

/**
 * Keeps the newest maxSnapshots of this job's own snapshots on each VM the run snapshotted, the new one
 * counted, or those its keep-* retention keeps (snapshot-keep-rules.ts).
 */
export async function rotateSnapshots(core: MoxxieCore, job: JobRecord, created: Operation, opts: { dryRun: boolean; signal?: AbortSignal; frontEnd?: FrontEnd; origin?: JobOrigin }): Promise<RotationResult> {
  const p = job.parameters as SnapshotCreateParams;
  const marker = jobMarker(job.id);
  const operationIds: string[] = [];
  const done: string[] = [];
  const problems: string[] = [];
  const targets = created.targets.filter((t) => (opts.dryRun ? t.state === 'planned' : t.state === 'succeeded'));
  // Every target's list in one call, located by the operation's own targets (no inventory read per VM).
  const lists = new Map((targets.length ? await core.listSnapshotsOf(targets.map((t) => ({ vmid: t.vmid, node: t.node, type: t.guestType }))) : []).map((l) => [l.vmid, l]));
  for (const t of targets) {
    if (opts.signal?.aborted) break;
    const mine = ownSnapshotMatcher(p.snapshotNamePattern, t);
    const list = lists.get(t.vmid);
    if (!list || list.error !== undefined) {
      problems.push(`${t.vmid}: its snapshots could not be read (${list?.error ?? 'no answer'})`);
      continue;
    }
    const own = list.snapshots.filter((s) => mine(s.name) && s.description.includes(marker) && s.moxxieMade).sort(newestFirst);
    // In a dry run the new snapshot does not exist yet, but it will count.
    const excess = rotationExcess(own, p, { dryRun: opts.dryRun, now: Date.now(), timeZone: job.timezone });
    for (const s of excess) {
      if (opts.dryRun) {
        done.push(`${t.vmid}/${s.name}`);
        continue;
      }
      if (opts.signal?.aborted) break;
      // One delete at a time, each awaited: PVE locks the VM for it. The core's safety rules apply.
      const del = await core.deleteSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: String(t.vmid) }], snapshotName: s.name, moxxieOnly: true }, { frontEnd: opts.frontEnd ?? 'scheduler', ...(opts.origin ? { job: opts.origin } : {}) });
      operationIds.push(del.id);
      const target = del.targets[0];
      if (del.status === 'succeeded' && target?.state === 'succeeded') done.push(`${t.vmid}/${s.name}`);
      else problems.push(`${t.vmid}/${s.name}: ${target?.message ?? del.status}`);
    }
  }
  const verb = opts.dryRun ? 'would delete' : 'deleted';
  const parts = [done.length ? `${verb}: ${done.join(', ')}` : 'nothing to delete'];
  if (problems.length) parts.push(`not deleted: ${problems.join('; ')}`);
  return { operationIds, failed: problems.length > 0, message: `rotation (${rotationRule(p)}) ${parts.join('; ')}` };
}
