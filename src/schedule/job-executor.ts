// Runs one attempt of a job through the core (so read-only, safe mode, protection and always-on are
// enforced there, once), plus maxSnapshots rotation for snapshot_create.
import type { MoxxieCore } from '../core.js';
import type { FrontEnd, Operation, OperationTarget, RunOptions } from '../ops/types.js';
import type { VmSelector } from '../select/types.js';
import type { JobRecord, JobRunStatus, JobRunVm, SnapshotCreateParams } from '../history/job-records.js';
import { JOB_TASKS } from './job-tasks.js';
import { rotateSnapshots } from './snapshot-rotation.js';

export interface ExecutionResult {
  status: JobRunStatus;
  vms: JobRunVm[];
  operationIds: string[];
  message?: string;
  /** Targets that failed, for a retry limited to them. */
  failedVmids: number[];
}

function fromOperation(op: Operation): ExecutionResult {
  const status: JobRunStatus = op.status === 'planned' ? 'succeeded' : op.status === 'interrupted' || op.status === 'rolled-back' ? 'failed' : op.status;
  const failed = op.targets.filter((t) => t.state === 'failed');
  // Per-VM outcomes are in the rows; the message names what went wrong, briefly.
  const message = failed.length
    ? `${failed.length} failed: ${failed.slice(0, 3).map((t) => `${t.vmid}: ${t.message ?? 'failed'}`).join('; ')}${failed.length > 3 ? '; …' : ''}`
    : undefined;
  return {
    status,
    // A planned VM (a dry run) says what would happen to it.
    vms: op.targets.map((t) => ({ vmid: t.vmid, name: t.name, state: t.state, message: t.message ?? (t.state === 'planned' ? t.action : undefined) })),
    operationIds: [op.id],
    message,
    // A target whose error no retry can fix (credentials, permissions, a refused parameter) is not retried.
    failedVmids: failed.filter((t) => t.retryable !== false).map((t) => t.vmid),
  };
}

export interface ExecuteOptions {
  dryRun: boolean;
  signal?: AbortSignal;
  /** A retry: only these VMs. */
  onlyVmids?: number[];
  /**
   * A retry: resume this earlier attempt's operation instead of starting a new one — its failed targets go
   * on from the failed phase with the same names, and each phase first checks PVE, so a write that was
   * applied though its answer was lost is never made twice.
   */
  resumeOperationId?: string;
  frontEnd?: FrontEnd;
  /** The job run this is an attempt of: its operations and their audit entries name it. */
  runId?: string;
  /** Live progress: the operation once it starts, and each target as it changes. */
  onOperation?: (op: Operation) => void;
  onTarget?: (target: OperationTarget) => void;
}

export async function executeJob(core: MoxxieCore, job: JobRecord, opts: ExecuteOptions): Promise<ExecutionResult> {
  const vmSelectors: VmSelector[] = opts.onlyVmids ? [{ type: 'VM_IDS', value: opts.onlyVmids.join(',') }] : job.vmSelectors;
  const run: RunOptions = {
    signal: opts.signal,
    frontEnd: opts.frontEnd ?? 'scheduler',
    job: { id: job.id, name: job.name, ...(opts.runId ? { runId: opts.runId } : {}) },
    onStarted: (op) => opts.onOperation?.(op),
    onEvent: (e) => {
      if (e.type === 'target-updated') opts.onTarget?.(e.target);
    },
  };
  const task = JOB_TASKS[job.taskType];
  const op = opts.resumeOperationId && !opts.dryRun ? await core.resume(opts.resumeOperationId, run) : await core.run(task.kind, task.request(job, { vmSelectors, dryRun: opts.dryRun }), run);
  const result = fromOperation(op);
  const p = job.parameters as SnapshotCreateParams;
  if (job.taskType === 'snapshot_create' && (p.maxSnapshots !== undefined || p.retention !== undefined) && !opts.signal?.aborted) {
    const rotated = await rotateSnapshots(core, job, op, { dryRun: opts.dryRun, signal: opts.signal, frontEnd: run.frontEnd, origin: run.job });
    result.operationIds.push(...rotated.operationIds);
    result.message = [result.message, rotated.message].filter(Boolean).join('; ');
    if (rotated.failed && result.status === 'succeeded') result.status = 'partial';
  }
  return result;
}
