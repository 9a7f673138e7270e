// One job run's attempts: run, and on failure retry only the VMs that failed, up to maxRetries, with
// retryDelaySeconds between attempts. The run record is updated in place as things happen.
import type { MoxxieCore } from '../core.js';
import { ReadOnlyError, RequestError } from '../ops/errors.js';
import type { FrontEnd, OperationTarget } from '../ops/types.js';
import { isPermanent } from '../ops/runner.js';
import { executeJob } from './job-executor.js';
import type { JobRecord, JobRunRecord, JobRunVm } from '../history/job-records.js';

export function upsertVm(rows: JobRunVm[], t: JobRunVm | OperationTarget): void {
  const row: JobRunVm = { vmid: t.vmid, name: t.name, state: t.state, message: t.message };
  const i = rows.findIndex((r) => r.vmid === t.vmid);
  if (i >= 0) rows[i] = row;
  else rows.push(row);
}

/** Errors that a retry cannot fix: the request itself is wrong, or the context refuses changes. */
const permanent = (err: unknown) =>
  err instanceof RequestError ||
  err instanceof ReadOnlyError ||
  isPermanent(err) ||
  (err instanceof Error && (err.name === 'SelectorError' || err.name === 'TagExpressionError'));

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

export async function runAttempts(core: MoxxieCore, job: JobRecord, run: JobRunRecord, opts: { dryRun: boolean; signal: AbortSignal; frontEnd: FrontEnd }): Promise<void> {
  let only: number[] | undefined;
  let resume: string | undefined;
  for (let attempt = 1; ; attempt++) {
    run.attempts = attempt;
    let retry = false;
    try {
      const res = await executeJob(core, job, {
        dryRun: opts.dryRun,
        signal: opts.signal,
        onlyVmids: only,
        resumeOperationId: resume,
        frontEnd: opts.frontEnd,
        runId: run.id,
        onOperation: (op) => {
          if (!run.operationIds.includes(op.id)) run.operationIds.push(op.id);
        },
        onTarget: (t) => upsertVm(run.vms, t),
      });
      for (const v of res.vms) upsertVm(run.vms, v);
      for (const id of res.operationIds) if (!run.operationIds.includes(id)) run.operationIds.push(id);
      run.vms.sort((a, b) => a.vmid - b.vmid);
      run.status = res.status;
      run.message = res.message;
      retry = (res.status === 'failed' || res.status === 'partial') && res.failedVmids.length > 0;
      only = res.failedVmids;
      resume = res.operationIds[0];
    } catch (err) {
      run.status = 'failed';
      run.message = (err as Error).message;
      retry = !permanent(err);
    }
    if (!retry || attempt > job.maxRetries || opts.signal.aborted) return;
    run.message = `${run.message ?? 'failed'}; attempt ${attempt + 1} of ${job.maxRetries + 1} in ${job.retryDelaySeconds} s${only?.length ? ` for ${only.join(', ')}` : ''}`;
    await pause(job.retryDelaySeconds * 1000, opts.signal);
    if (opts.signal.aborted) return;
  }
}
