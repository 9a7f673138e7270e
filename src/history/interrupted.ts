// An operation or job run left `running` by a process that has died is shown as interrupted, keeping what
// had completed. A target that had started (running, or any phase past pending) is `interrupted`, its
// running phase too, with every UPID it had, unless every phase had succeeded (then it is `succeeded`: only
// its end was not recorded); one that never started is `cancelled` ("not started"); a finished target
// stays as it was.
import type { OperationTarget } from '../ops/types.js';
import type { JobRunIndexEntry, OperationRecord } from './records.js';
import type { JobRunVm } from './job-records.js';
import { stateCounts } from './records.js';

const started = (t: OperationTarget) => t.state === 'running' || (t.state === 'planned' && t.phases.some((p) => p.state !== 'pending'));

/** Marks one operation whose process died as interrupted (in place). */
export function markInterrupted(op: OperationRecord, now = Date.now()): void {
  const who = `the moxxie process (pid ${op.owner.pid})`;
  op.status = 'interrupted';
  op.finishedAt ??= now;
  for (const t of op.targets) {
    if (started(t) && t.phases.length && t.phases.every((p) => p.state === 'succeeded')) {
      // Every phase ran and was verified; only the target's own end was not recorded before the process died.
      t.state = 'succeeded';
      t.message ??= 'done (every phase succeeded; the moxxie process died before it recorded the end)';
    } else if (started(t)) {
      t.state = 'interrupted';
      // Its time stops where the operation was found ended (not counting on up to whenever it is read).
      t.finishedAt ??= op.finishedAt;
      for (const p of t.phases) {
        if (p.state !== 'running') continue;
        p.state = 'interrupted';
        p.finishedAt ??= op.finishedAt;
        p.message = `${who} died while this phase ran${p.upids.length ? `; check PVE task ${p.upids.at(-1)}` : ''}`;
      }
      const upid = t.upid ?? t.phases.flatMap((p) => p.upids).at(-1);
      const what = t.kind === 'node' ? `the node ${t.node}` : t.kind === 'volume' ? `the volume of VM ${t.vmid}` : `the VM ${t.vmid}`;
      t.message = `interrupted while running: ${who} died; check ${what}${upid ? ` and PVE task ${upid}` : ''}, then moxxie ops resume or rollback`;
    } else if (t.state === 'planned') {
      t.state = 'cancelled';
      t.message = `not started: ${who} died first`;
    }
  }
  op.summary = { counts: stateCounts(op.targets), durationMs: op.finishedAt - op.startedAt };
}

/** Marks a job run whose process died as interrupted (in place). */
export function markRunInterrupted(run: Pick<JobRunIndexEntry, 'status' | 'finishedAt' | 'message' | 'owner'>, now = Date.now()): void {
  run.status = 'interrupted';
  run.finishedAt ??= now;
  run.message = `interrupted: the moxxie process (pid ${run.owner?.pid}) died while the run was going`;
}

/** A run's per-VM rows brought up to date from its operations (later operations, i.e. retries, win). */
export function rowsFromOperations(rows: readonly JobRunVm[], ops: readonly OperationRecord[]): JobRunVm[] {
  const byVm = new Map(rows.map((r) => [r.vmid, r]));
  for (const op of ops) {
    for (const t of op.targets) {
      const row: JobRunVm = { vmid: t.vmid, name: t.name, state: t.state };
      if (t.message !== undefined) row.message = t.message;
      byVm.set(t.vmid, row);
    }
  }
  return [...byVm.values()].sort((a, b) => a.vmid - b.vmid);
}
