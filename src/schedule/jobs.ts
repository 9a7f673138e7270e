// Job management in the core: create, update, remove, enable, disable, trigger (also disabled jobs),
// dry-run, runs. Jobs live in the history store, so every front end and scheduler sees the same ones.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { MoxxieCore } from '../core.js';
import type { HistoryStore } from '../history/store.js';
import { RequestError } from '../ops/errors.js';
import { validateSelectors } from '../select/resolve.js';
import type { VmSelector } from '../select/types.js';
import { compileCron, nextFireTimes, validateTimezone } from './cron.js';
import { executeJob } from './job-executor.js';
import { TASK_TYPES, type JobRecord, type JobRunRecord, type TaskType } from './job-types.js';
import { parseJobParameters } from './params.js';

export interface JobInput {
  name: string;
  description?: string;
  taskType: TaskType;
  cronExpression: string;
  timezone?: string;
  enabled?: boolean;
  parameters?: Record<string, unknown>;
  vmSelectors: VmSelector[];
  maxRetries?: number;
  retryDelaySeconds?: number;
  timeoutSeconds?: number;
}

export type JobPatch = Partial<JobInput>;

function intField(v: unknown, field: string, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw new RequestError(field, `must be an integer from ${min} to ${max}`);
  return n;
}

/** Validates a whole job; every error names its field. */
function checkJob(input: JobInput, id: string, now: number, previous?: JobRecord): JobRecord {
  if (typeof input.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(input.name)) throw new RequestError('name', 'required: 1-64 letters, digits, . _ - (starting with a letter or digit)');
  if (!TASK_TYPES.includes(input.taskType)) throw new RequestError('taskType', `'${String(input.taskType)}' is not valid; use one of ${TASK_TYPES.join(', ')}`);
  const timezone = validateTimezone(input.timezone);
  if (typeof input.cronExpression !== 'string') throw new RequestError('cronExpression', 'required, e.g. "0 0 2 * * ?"');
  compileCron(input.cronExpression, timezone);
  let vmSelectors: VmSelector[];
  try {
    vmSelectors = validateSelectors(input.vmSelectors);
  } catch (err) {
    throw new RequestError('vmSelectors', (err as Error).message.replace(/^vmSelectors:?\s*/, ''));
  }
  return {
    id,
    name: input.name,
    description: input.description,
    taskType: input.taskType,
    cronExpression: input.cronExpression.trim(),
    timezone,
    enabled: input.enabled !== false,
    parameters: parseJobParameters(input.taskType, input.parameters),
    vmSelectors,
    maxRetries: intField(input.maxRetries, 'maxRetries', 0, 10, 0),
    retryDelaySeconds: intField(input.retryDelaySeconds, 'retryDelaySeconds', 0, 86400, 60),
    timeoutSeconds: intField(input.timeoutSeconds, 'timeoutSeconds', 10, 86400, 3600),
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
    // A new job starts counting fires from now: nothing is back-filled.
    lastScheduledAt: previous?.lastScheduledAt ?? now,
  };
}

export interface TriggerOptions {
  dryRun?: boolean;
  trigger?: JobRunRecord['trigger'];
  scheduledAt?: number;
  signal?: AbortSignal;
}

export class JobManager {
  /** Jobs running in this process (the overlap rule; other processes are seen through the store). */
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly store: HistoryStore,
    private readonly core: MoxxieCore,
  ) {}

  async list(): Promise<JobRecord[]> {
    return this.store.listJobs();
  }

  async get(idOrName: string): Promise<JobRecord> {
    const jobs = await this.store.listJobs();
    const job = jobs.find((j) => j.id === idOrName) ?? jobs.find((j) => j.name === idOrName);
    if (!job) throw new RequestError('job', `no job with id or name '${idOrName}'; known: ${jobs.map((j) => j.name).join(', ') || '(none)'}`);
    return job;
  }

  async create(input: JobInput): Promise<JobRecord> {
    const job = checkJob(input, `job-${randomUUID().slice(0, 8)}`, Date.now());
    return this.store.update((data) => {
      if (data.jobs.some((j) => j.name === job.name)) throw new RequestError('name', `a job named '${job.name}' already exists`);
      data.jobs.push(job);
      return job;
    });
  }

  /** A rename keeps the id, so the schedule and the run history stay attached. */
  async update(idOrName: string, patch: JobPatch): Promise<JobRecord> {
    const current = await this.get(idOrName);
    const merged: JobInput = { ...current, ...patch, parameters: (patch.parameters ?? current.parameters) as Record<string, unknown> };
    const next = checkJob(merged, current.id, Date.now(), current);
    if (patch.cronExpression !== undefined || patch.timezone !== undefined) next.lastScheduledAt = Date.now();
    return this.store.update((data) => {
      if (data.jobs.some((j) => j.name === next.name && j.id !== next.id)) throw new RequestError('name', `a job named '${next.name}' already exists`);
      const i = data.jobs.findIndex((j) => j.id === current.id);
      if (i < 0) throw new RequestError('job', `job '${idOrName}' was removed meanwhile`);
      data.jobs[i] = next;
      return next;
    });
  }

  async remove(idOrName: string): Promise<JobRecord> {
    const job = await this.get(idOrName);
    await this.store.update((data) => {
      data.jobs = data.jobs.filter((j) => j.id !== job.id);
    });
    return job;
  }

  enable(idOrName: string): Promise<JobRecord> {
    return this.update(idOrName, { enabled: true });
  }

  disable(idOrName: string): Promise<JobRecord> {
    return this.update(idOrName, { enabled: false });
  }

  async runs(idOrName?: string, opts: { limit?: number } = {}): Promise<JobRunRecord[]> {
    const jobId = idOrName ? (await this.get(idOrName)).id : undefined;
    return this.store.listJobRuns({ jobId, limit: opts.limit });
  }

  async preview(idOrCron: string, count = 5, timezone?: string): Promise<Date[]> {
    const jobs = await this.store.listJobs();
    const job = jobs.find((j) => j.id === idOrCron || j.name === idOrCron);
    return nextFireTimes(job ? job.cronExpression : idOrCron, count, { timezone: job ? job.timezone : timezone });
  }

  isRunning(jobId: string): boolean {
    return this.running.has(jobId);
  }

  /** Cancels running jobs of this process; their runs are recorded as cancelled. */
  cancelAll(): void {
    for (const c of this.running.values()) c.abort();
  }

  /** Runs a job now (disabled jobs too), honouring the overlap rule, retries and the timeout. */
  async trigger(idOrName: string, opts: TriggerOptions = {}): Promise<JobRunRecord> {
    const job = await this.get(idOrName);
    const owner = { pid: process.pid, host: hostname() };
    const base: JobRunRecord = {
      id: `run-${randomUUID().slice(0, 8)}`,
      jobId: job.id,
      jobName: job.name,
      trigger: opts.trigger ?? 'manual',
      dryRun: !!opts.dryRun,
      scheduledAt: opts.scheduledAt,
      startedAt: Date.now(),
      status: 'running',
      attempts: 0,
      vms: [],
      operationIds: [],
      owner,
    };
    // The overlap rule: checked and claimed under the store's lock, so two processes cannot both start it.
    const claimed = await this.store.update((data) => {
      const busy = this.running.has(job.id) || data.jobRuns.some((r) => r.jobId === job.id && r.status === 'running' && !r.dryRun);
      if (busy && !opts.dryRun) {
        const skipped: JobRunRecord = { ...base, status: 'skipped-overlap', finishedAt: Date.now(), message: 'the previous run of this job is still going' };
        data.jobRuns.push(skipped);
        return skipped;
      }
      data.jobRuns.push(base);
      return undefined;
    });
    if (claimed) return claimed;

    const controller = new AbortController();
    if (!opts.dryRun) this.running.set(job.id, controller);
    const onOuter = () => controller.abort();
    opts.signal?.addEventListener('abort', onOuter, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, job.timeoutSeconds * 1000);
    const run = { ...base };
    try {
      let only: number[] | undefined;
      for (let attempt = 1; ; attempt++) {
        run.attempts = attempt;
        try {
          const res = await executeJob(this.core, job, { dryRun: !!opts.dryRun, signal: controller.signal, onlyVmids: only });
          run.vms = mergeVms(run.vms, res.vms);
          run.operationIds.push(...res.operationIds);
          run.status = res.status;
          run.message = res.message;
          if ((res.status === 'failed' || res.status === 'partial') && attempt <= job.maxRetries && !controller.signal.aborted && res.failedVmids.length) {
            only = res.failedVmids;
            await sleep(job.retryDelaySeconds * 1000, controller.signal);
            continue;
          }
        } catch (err) {
          run.status = 'failed';
          run.message = (err as Error).message;
          if (attempt <= job.maxRetries && !controller.signal.aborted) {
            await sleep(job.retryDelaySeconds * 1000, controller.signal);
            continue;
          }
        }
        break;
      }
      if (timedOut) {
        run.status = 'timeout';
        run.message = `stopped after timeoutSeconds=${job.timeoutSeconds}; steps already running were finished`;
      } else if (controller.signal.aborted && run.status !== 'succeeded') {
        run.status = 'cancelled';
      }
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onOuter);
      this.running.delete(job.id);
      run.finishedAt = Date.now();
      await this.store.update((data) => {
        const i = data.jobRuns.findIndex((r) => r.id === run.id);
        if (i >= 0) data.jobRuns[i] = run;
      });
    }
    return run;
  }

  /** Records a fire that did not run (missed while no scheduler ran). */
  async recordMissed(job: JobRecord, fires: number[], message: string): Promise<void> {
    await this.store.update((data) => {
      data.jobRuns.push({ id: `run-${randomUUID().slice(0, 8)}`, jobId: job.id, jobName: job.name, trigger: 'schedule', dryRun: false, scheduledAt: fires.at(-1), startedAt: Date.now(), finishedAt: Date.now(), status: 'missed', attempts: 0, vms: [], operationIds: [], message });
    });
  }

  async markScheduled(jobId: string, at: number): Promise<void> {
    await this.store.update((data) => {
      const j = data.jobs.find((x) => x.id === jobId);
      if (j && (j.lastScheduledAt ?? 0) < at) j.lastScheduledAt = at;
    });
  }
}

function mergeVms(prev: JobRunRecord['vms'], next: JobRunRecord['vms']): JobRunRecord['vms'] {
  const map = new Map(prev.map((v) => [v.vmid, v]));
  for (const v of next) map.set(v.vmid, v);
  return [...map.values()].sort((a, b) => a.vmid - b.vmid);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
