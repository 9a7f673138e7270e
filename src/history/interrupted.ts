// An operation or job run left `running` by a process that has died is shown as interrupted, keeping
// what had completed: finished targets stay as they were, the rest say what is known about them.
import type { HistoryData } from './records.js';
import { ownerGone, type ProcessOwner } from './process-owner.js';

export function markInterrupted(data: HistoryData, gone: (owner: ProcessOwner | undefined) => boolean = ownerGone, now = Date.now()): number {
  let n = 0;
  for (const op of data.operations) {
    if (op.status !== 'running' || !gone(op.owner)) continue;
    op.status = 'interrupted';
    op.finishedAt ??= now;
    for (const t of op.targets) {
      if (t.state === 'running') {
        t.state = 'cancelled';
        t.message = `interrupted while running: the moxxie process (pid ${op.owner.pid}) died; check the VM${t.upid ? ` and PVE task ${t.upid}` : ''}`;
      } else if (t.state === 'planned') {
        t.state = 'cancelled';
        t.message = `not started: the moxxie process (pid ${op.owner.pid}) died first`;
      }
    }
    const counts = { planned: 0, skipped: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
    for (const t of op.targets) counts[t.state]++;
    op.summary = { counts, durationMs: op.finishedAt - op.startedAt };
    n++;
  }
  for (const run of data.jobRuns) {
    if (run.status !== 'running' || !gone(run.owner)) continue;
    run.status = 'interrupted';
    run.finishedAt ??= now;
    run.message = `interrupted: the moxxie process (pid ${run.owner?.pid}) died while the run was going`;
    n++;
  }
  return n;
}
