// A job run's operations as one event stream, for progress notifications. The job manager takes no
// event listener, so this follows the core's registry (every operation of the process) and keeps the
// events of the operations the run lists as its own: its attempts and any snapshot rotation.
import type { OperationRegistry } from '../src/core.js';
import type { OperationEvent, OperationListener } from '../src/ops/types.js';
import type { JobManager } from '../src/schedule/jobs.js';
import type { JobRunRecord } from '../src/history/job-records.js';

export interface JobRunFollower {
  /** Pass as the trigger's onStart: from then on the run's operations are recognised. */
  onStart(run: JobRunRecord): void;
  stop(): void;
}

export function followJobRun(operations: OperationRegistry, jobs: JobManager, listener: OperationListener): JobRunFollower {
  let runId: string | undefined;
  const ours = new Set<string>();
  const foreign = new Set<string>();
  // An operation announces itself before the run records its id, so its start waits for its next event.
  const unclaimedStarts = new Map<string, OperationEvent>();

  const belongsToRun = (operationId: string): boolean => {
    if (ours.has(operationId)) return true;
    if (foreign.has(operationId) || runId === undefined) return false;
    const run = jobs.activeRuns().find((r) => r.id === runId);
    const mine = run?.operationIds.includes(operationId) ?? false;
    (mine ? ours : foreign).add(operationId);
    return mine;
  };

  const unsubscribe = operations.subscribe((event) => {
    if (event.type === 'operation-started') {
      if (runId !== undefined) unclaimedStarts.set(event.operation.id, event);
      return;
    }
    const operationId = event.type === 'operation-finished' ? event.operation.id : event.operationId;
    const start = unclaimedStarts.get(operationId);
    unclaimedStarts.delete(operationId);
    if (!belongsToRun(operationId)) return;
    if (start) listener(start);
    listener(event);
  });

  return {
    onStart: (run) => {
      runId = run.id;
    },
    stop: unsubscribe,
  };
}
