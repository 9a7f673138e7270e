// Jobs and runs as plain JSON for `moxxie jobs … --json`: times as ISO 8601 strings, and nothing that
// only this machine understands (the process owner of a run).
import type { JobRecord, JobRunRecord, JobRunVm } from '../src/history/job-records.js';

const iso = (ms: number) => new Date(ms).toISOString();

export interface JobView extends Omit<JobRecord, 'createdAt' | 'updatedAt' | 'lastScheduledAt'> {
  createdAt: string;
  updatedAt: string;
  lastScheduledAt?: string;
}

export interface RunView {
  id: string;
  jobId: string;
  jobName: string;
  trigger: JobRunRecord['trigger'];
  dryRun: boolean;
  status: JobRunRecord['status'];
  scheduledAt?: string;
  startedAt: string;
  finishedAt?: string;
  attempts: number;
  message?: string;
  /** VMs by state. */
  counts: Record<string, number>;
  vms: JobRunVm[];
  operationIds: string[];
  missedFires?: number;
}

export function jobView(job: JobRecord): JobView {
  const { createdAt, updatedAt, lastScheduledAt, ...rest } = job;
  return { ...rest, createdAt: iso(createdAt), updatedAt: iso(updatedAt), ...(lastScheduledAt !== undefined ? { lastScheduledAt: iso(lastScheduledAt) } : {}) };
}

export function vmCounts(vms: JobRunVm[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of vms) counts[v.state] = (counts[v.state] ?? 0) + 1;
  return counts;
}

export function runView(run: JobRunRecord): RunView {
  return {
    id: run.id,
    jobId: run.jobId,
    jobName: run.jobName,
    trigger: run.trigger,
    dryRun: run.dryRun,
    status: run.status,
    ...(run.scheduledAt !== undefined ? { scheduledAt: iso(run.scheduledAt) } : {}),
    startedAt: iso(run.startedAt),
    ...(run.finishedAt !== undefined ? { finishedAt: iso(run.finishedAt) } : {}),
    attempts: run.attempts,
    ...(run.message ? { message: run.message } : {}),
    counts: vmCounts(run.vms),
    vms: run.vms.map((v) => ({ vmid: v.vmid, name: v.name, state: v.state, ...(v.message ? { message: v.message } : {}) })),
    operationIds: run.operationIds,
    ...(run.missedFires !== undefined ? { missedFires: run.missedFires } : {}),
  };
}

/** The latest real (not dry) run of each job, by job id: the "last result" an operator asks about. */
export function lastRuns(runs: JobRunRecord[]): Map<string, JobRunRecord> {
  const latest = new Map<string, JobRunRecord>();
  for (const r of runs) {
    if (r.dryRun) continue;
    const seen = latest.get(r.jobId);
    if (!seen || r.startedAt > seen.startedAt) latest.set(r.jobId, r);
  }
  return latest;
}
