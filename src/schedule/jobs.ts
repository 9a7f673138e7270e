// Job management in the core: create, update, remove, enable, disable, trigger (disabled jobs too),
// dry-run, runs, preview. Jobs live in the history store, so every front end and scheduler sees the
// same ones; they are keyed by id, so a rename keeps the schedule and the runs attached.
import { randomUUID } from 'node:crypto';
import type { MoxxieCore } from '../core.js';
import { markRunInterrupted } from '../history/interrupted.js';
import { currentOwner, ownerGone } from '../history/process-owner.js';
import type { HistoryStore } from '../history/store.js';
import { ReadOnlyError, RequestError } from '../ops/errors.js';
import type { FrontEnd } from '../ops/types.js';
import { nextFireTimes, validateTimezone } from './cron.js';
import { runAttempts } from './job-attempts.js';
import type { JobRecord, JobRunRecord } from '../history/job-records.js';
import { isDestructiveJob, jobActionText, jobEffect } from './job-tasks.js';
import { checkJob, type JobConfirmation, type JobInput, type JobPatch } from './job-validation.js';

export type { JobConfirmation, JobInput, JobPatch } from './job-validation.js';

/** How a front end says the operator confirmed a change to a job whose runs are destructive. */
export interface JobChangeOptions {
  /** The operator confirmed it (MCP's confirm token or elicitation, the CLI's --yes, the TUI's typed confirmation). */
  confirmed?: boolean;
}

/** What a create or update would save, validated, and whether saving it needs confirmation. */
export interface JobChangePreview {
  job: JobRecord;
  /** The job as it is now (update only). */
  current?: JobRecord;
  needsConfirmation: boolean;
  /** Why, in one sentence (when it needs confirmation). */
  reason?: string;
}

/** A refusal because the change needs the operator's confirmation; the front end asks and calls again. */
export class JobConfirmationError extends RequestError {
  constructor(
    readonly job: JobRecord,
    reason: string,
  ) {
    super('confirmed', `${reason}; nothing was saved. Confirm it as you would trigger it, then save it again (MCP: the confirm token; moxxie jobs: --yes; the TUI asks)`);
    this.name = 'JobConfirmationError';
  }
}

/** Whether the job as stored may run on its own: not destructive, or confirmed for exactly what it does. */
export function isConfirmedToRun(job: JobRecord, policy?: { safeMode?: boolean }): boolean {
  return !isDestructiveJob(job, policy) || job.confirmation?.effect === jobEffect(job);
}

export interface TriggerOptions {
  dryRun?: boolean;
  trigger?: JobRunRecord['trigger'];
  scheduledAt?: number;
  /** Cancels the run; a string abort reason becomes the run's message. */
  signal?: AbortSignal;
  /** Called once the run is claimed and starts (not for a run skipped by the overlap rule). */
  onStart?: (run: JobRunRecord) => void;
}

export interface JobManagerOptions {
  /** Who makes job changes and manual runs, for the audit trail (default 'cli'). */
  frontEnd?: FrontEnd;
  /**
   * After a timeout or a cancel nothing new starts; steps already running get this long to finish
   * before the run is closed without them (default 60 s). They finish on PVE either way.
   */
  stepGraceMs?: number;
  /** A running run's per-VM rows are written at most this often (default 1 s); its operations at once. */
  runProgressMs?: number;
}

/** Calls `onAdd` after every push onto `list` (a hidden own `push`: copies and JSON do not carry it). */
function watchPushes<T>(list: T[], onAdd: () => void): T[] {
  Object.defineProperty(list, 'push', {
    value: (...items: T[]) => {
      const n = Array.prototype.push.apply(list, items);
      onAdd();
      return n;
    },
    enumerable: false,
    configurable: true,
    writable: true,
  });
  return list;
}

/**
 * Keeps a running run's record current in the store while it goes, so a run whose process dies still
 * links to its operations: each operation id is written as soon as the operation starts, the per-VM
 * rows (in the run's own file, not the index) at most every `everyMs`.
 */
class RunProgress {
  private writes: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private savedRows = '[]';

  constructor(
    private readonly store: HistoryStore,
    private readonly run: JobRunRecord,
    everyMs: number,
  ) {
    watchPushes(run.operationIds, () => this.linkOperations());
    this.timer = setInterval(() => this.saveRows(), everyMs);
    this.timer.unref();
  }

  private queue(write: () => Promise<unknown>): void {
    this.writes = this.writes.then(write).then(
      () => undefined,
      (err: Error) => this.store.reportError(new Error(`job run ${this.run.id}: its progress could not be recorded (${err.message})`)),
    );
  }

  private linkOperations(): void {
    const ids = [...this.run.operationIds];
    const attempts = this.run.attempts;
    this.queue(() =>
      this.store.update((data) => {
        const r = data.jobRuns.find((x) => x.id === this.run.id);
        // A run already closed (its final record written) is left as it is.
        if (!r || r.status !== 'running') return;
        r.operationIds = ids;
        r.attempts = attempts;
      }),
    );
  }

  private saveRows(): void {
    const rows = JSON.stringify(this.run.vms);
    if (rows === this.savedRows) return;
    this.savedRows = rows;
    this.queue(() => this.store.saveJobRunRows(this.run.id, JSON.parse(rows) as JobRunRecord['vms']));
  }

  /** Stops and waits for the writes already queued (before the final record is written). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.writes;
  }
}

/** A run going on in this process. */
interface ActiveRun {
  run: JobRunRecord;
  abort(reason: 'timeout' | 'cancelled'): void;
  /** Closes the run record now, without waiting for running steps (the scheduler is exiting). */
  closeNow(message: string): void;
  closed: Promise<void>;
}

export class JobManager {
  private readonly frontEnd: FrontEnd;
  private readonly stepGraceMs: number;
  private readonly runProgressMs: number;
  private readonly active = new Map<string, ActiveRun>();
  /** Jobs with a non-dry run still executing here (the overlap rule, in-process half). */
  private readonly busy = new Set<string>();

  constructor(
    private readonly store: HistoryStore,
    private readonly core: MoxxieCore,
    opts: JobManagerOptions = {},
  ) {
    this.frontEnd = opts.frontEnd ?? 'cli';
    this.stepGraceMs = opts.stepGraceMs ?? 60_000;
    this.runProgressMs = opts.runProgressMs ?? 1000;
  }

  async list(): Promise<JobRecord[]> {
    return this.store.listJobs();
  }

  async get(idOrName: string): Promise<JobRecord> {
    const jobs = await this.store.listJobs();
    const job = jobs.find((j) => j.id === idOrName) ?? jobs.find((j) => j.name === idOrName);
    if (!job) throw new RequestError('job', `no job with id or name '${idOrName}'; known: ${jobs.map((j) => j.name).join(', ') || '(none)'}`);
    return job;
  }

  /** Job changes are mutations: refused in a read-only context, and audited either way. */
  private async change<T>(action: string, request: unknown, fn: () => Promise<T>): Promise<T> {
    const entry = { at: Date.now(), context: this.core.context.name, frontEnd: this.frontEnd, action, request };
    if (this.core.context.readOnly) {
      const err = new ReadOnlyError(this.core.context.name, action);
      await this.store.audit({ ...entry, allowed: false, reason: err.message });
      throw err;
    }
    try {
      const result = await fn();
      await this.store.audit({ ...entry, allowed: true });
      return result;
    } catch (err) {
      await this.store.audit({ ...entry, allowed: false, reason: (err as Error).message });
      throw err;
    }
  }

  /**
   * Whether `next` needs confirmation to be saved: its runs are destructive, it is enabled (a disabled job is
   * confirmed when it is enabled; a manual trigger is confirmed on its own), and what its runs do is not
   * what was confirmed before.
   */
  private confirmationReason(next: JobRecord, current?: JobRecord): string | undefined {
    if (!next.enabled || !isDestructiveJob(next, this.core.context)) return undefined;
    if (current?.confirmation?.effect === jobEffect(next) && isDestructiveJob(current, this.core.context)) return undefined;
    const what = `job '${next.name}' (${next.taskType}) is destructive: each run would ${jobActionText(next)} on the VMs its selectors match`;
    return current ? `${what}; changing it ${current.confirmation ? 'changes what was confirmed' : 'needs confirmation (it was never confirmed)'}` : `${what}; creating it needs confirmation`;
  }

  /** The confirmation a saved job carries: kept while what its runs do is unchanged, set when confirmed now. */
  private confirmationFor(next: JobRecord, current: JobRecord | undefined, opts: JobChangeOptions): JobConfirmation | undefined {
    if (!isDestructiveJob(next, this.core.context)) return undefined;
    if (current?.confirmation?.effect === jobEffect(next)) return current.confirmation;
    return opts.confirmed ? { at: Date.now(), frontEnd: this.frontEnd, effect: jobEffect(next) } : undefined;
  }

  /** What create would save (validated, nothing saved) and whether it needs confirmation. */
  previewCreate(input: JobInput): JobChangePreview {
    const job = checkJob(input, `job-${randomUUID().slice(0, 8)}`, Date.now());
    const reason = this.confirmationReason(job);
    return { job, needsConfirmation: reason !== undefined, reason };
  }

  /** What update would save (validated, nothing saved) and whether it needs confirmation. */
  async previewUpdate(idOrName: string, patch: JobPatch): Promise<JobChangePreview & { current: JobRecord }> {
    const current = await this.get(idOrName);
    const job = checkJob(this.merged(current, patch), current.id, Date.now(), current);
    const reason = this.confirmationReason(job, current);
    return { job, current, needsConfirmation: reason !== undefined, reason };
  }

  private merged(current: JobRecord, patch: JobPatch): JobInput {
    return { ...current, ...patch, parameters: (patch.parameters ?? current.parameters) as Record<string, unknown> } as JobInput;
  }

  /**
   * Creates a job. One whose runs would be destructive (snapshot delete, power stop, anything forced) is
   * refused unless `confirmed`, as triggering it would be; the record keeps who confirmed it and what.
   */
  create(input: JobInput, opts: JobChangeOptions = {}): Promise<JobRecord> {
    return this.change('job.create', input, async () => {
      const job = checkJob(input, `job-${randomUUID().slice(0, 8)}`, Date.now());
      const reason = this.confirmationReason(job);
      if (reason && !opts.confirmed) throw new JobConfirmationError(job, reason);
      const confirmation = this.confirmationFor(job, undefined, opts);
      if (confirmation) job.confirmation = confirmation;
      return this.store.update((data) => {
        if (data.jobs.some((j) => j.name === job.name)) throw new RequestError('name', `a job named '${job.name}' already exists`);
        data.jobs.push(job);
        return job;
      });
    });
  }

  /** A rename keeps the id, so the schedule and the run history stay attached. */
  update(idOrName: string, patch: JobPatch, opts: JobChangeOptions = {}): Promise<JobRecord> {
    return this.change('job.update', { job: idOrName, patch }, async () => {
      const current = await this.get(idOrName);
      const now = Date.now();
      const next = checkJob(this.merged(current, patch), current.id, now, current);
      // Turning a harmless job into a destructive one, or changing what a confirmed one does, is confirmed
      // as creating it would be.
      const reason = this.confirmationReason(next, current);
      if (reason && !opts.confirmed) throw new JobConfirmationError(next, reason);
      const confirmation = this.confirmationFor(next, current, opts);
      if (confirmation) next.confirmation = confirmation;
      // A new schedule, or a job switched back on, counts fires from now: nothing from before is "missed".
      const rescheduled = next.cronExpression !== current.cronExpression || next.timezone !== current.timezone || (next.enabled && !current.enabled);
      if (rescheduled) next.lastScheduledAt = now;
      return this.store.update((data) => {
        if (data.jobs.some((j) => j.name === next.name && j.id !== next.id)) throw new RequestError('name', `a job named '${next.name}' already exists`);
        const i = data.jobs.findIndex((j) => j.id === current.id);
        if (i < 0) throw new RequestError('job', `job '${idOrName}' was removed meanwhile`);
        // Keep fire accounting done by a scheduler since we read the job.
        if (!rescheduled) next.lastScheduledAt = Math.max(next.lastScheduledAt ?? 0, data.jobs[i].lastScheduledAt ?? 0);
        data.jobs[i] = next;
        return next;
      });
    });
  }

  /** Removes the job; its past runs stay in the history. */
  remove(idOrName: string): Promise<JobRecord> {
    return this.change('job.remove', { job: idOrName }, async () => {
      const job = await this.get(idOrName);
      await this.store.update((data) => {
        data.jobs = data.jobs.filter((j) => j.id !== job.id);
      });
      return job;
    });
  }

  enable(idOrName: string, opts: JobChangeOptions = {}): Promise<JobRecord> {
    return this.update(idOrName, { enabled: true }, opts);
  }

  disable(idOrName: string): Promise<JobRecord> {
    return this.update(idOrName, { enabled: false });
  }

  /** Newest first, each with one row per VM. */
  async runs(idOrName?: string, opts: { limit?: number } = {}): Promise<JobRunRecord[]> {
    const jobId = idOrName ? (await this.get(idOrName)).id : undefined;
    return this.store.listJobRuns({ jobId, limit: opts.limit });
  }

  /** The next fire times of a job (by id or name) or of a cron expression. */
  async preview(idOrCron: string, count = 5, timezone?: string): Promise<Date[]> {
    const jobs = await this.store.listJobs();
    const job = jobs.find((j) => j.id === idOrCron || j.name === idOrCron);
    if (job) return nextFireTimes(job.cronExpression, count, { timezone: job.timezone });
    return nextFireTimes(idOrCron, count, { timezone: validateTimezone(timezone) });
  }

  isRunning(jobId: string): boolean {
    return this.busy.has(jobId);
  }

  /** Runs going on in this process. */
  activeRuns(): JobRunRecord[] {
    return [...this.active.values()].map((a) => ({ ...a.run }));
  }

  /** Cancels this process's runs: nothing new starts, running steps finish, the rest is recorded as cancelled. */
  cancelAll(): void {
    for (const a of this.active.values()) a.abort('cancelled');
  }

  /** Closes every run still open here as cancelled, without waiting for their running steps. */
  async abandonRunning(message: string): Promise<number> {
    const open = [...this.active.values()];
    for (const a of open) a.closeNow(message);
    await Promise.all(open.map((a) => a.closed));
    return open.length;
  }

  /** Runs a job now (disabled jobs too), honouring the overlap rule, retries and the timeout. */
  async trigger(idOrName: string, opts: TriggerOptions = {}): Promise<JobRunRecord> {
    const job = await this.get(idOrName);
    const dryRun = !!opts.dryRun;
    const trigger = opts.trigger ?? 'manual';
    // Refused before a run exists: otherwise every step would be refused and the run recorded as failed.
    if (this.core.context.readOnly && !dryRun) {
      const err = new ReadOnlyError(this.core.context.name, 'job.trigger');
      await this.store.audit({ at: Date.now(), context: this.core.context.name, frontEnd: this.frontEnd, action: 'job.trigger', request: { job: job.id, trigger }, allowed: false, reason: err.message });
      throw err;
    }
    const run: JobRunRecord = {
      id: `run-${randomUUID().slice(0, 8)}`,
      jobId: job.id,
      jobName: job.name,
      trigger,
      dryRun,
      scheduledAt: opts.scheduledAt,
      startedAt: Date.now(),
      status: 'running',
      attempts: 0,
      vms: [],
      operationIds: [],
      owner: currentOwner(),
    };
    // The scheduler runs confirmed jobs only: a destructive job nobody confirmed (edited by hand in the
    // store, or saved by an older moxxie) is recorded as a refused run, and nothing runs. A manual trigger
    // is confirmed by its front end.
    if (trigger !== 'manual' && !dryRun && !isConfirmedToRun(job, this.core.context)) {
      const refused: JobRunRecord = {
        ...run,
        status: 'failed',
        finishedAt: Date.now(),
        message: `refused: job '${job.name}' is destructive (each run would ${jobActionText(job)}) and ${job.confirmation ? 'what it does changed since it was confirmed' : 'was never confirmed'}; nothing ran. Confirm it by saving it with confirmation: echo '{"enabled":true}' | moxxie jobs update ${job.name} - --yes, update_job with confirm, or enable it in the TUI`,
      };
      delete refused.owner;
      await this.store.update((data) => {
        data.jobRuns.push(refused);
      });
      await this.store.audit({ at: Date.now(), context: this.core.context.name, frontEnd: this.frontEnd, action: 'job.trigger', request: { job: job.id, trigger }, allowed: false, reason: refused.message });
      return refused;
    }
    // The overlap rule, checked and claimed under the store's lock so two processes cannot both start
    // the job. A dry run changes nothing, so it neither blocks nor is blocked.
    const skipped = await this.store.update((data) => {
      if (!dryRun) {
        const busyHere = this.busy.has(job.id);
        const busyElsewhere = data.jobRuns.some((r) => {
          if (r.jobId !== job.id || r.status !== 'running' || r.dryRun) return false;
          if (!ownerGone(r.owner)) return true;
          markRunInterrupted(r);
          return false;
        });
        if (busyHere || busyElsewhere) {
          const record: JobRunRecord = { ...run, status: 'skipped-overlap', finishedAt: Date.now(), message: 'skipped: the previous run of this job is still going' };
          data.jobRuns.push(record);
          return record;
        }
      }
      data.jobRuns.push(run);
      return undefined;
    });
    if (skipped) return skipped;
    // The front end that acted: the one the trigger came through, or the scheduler for a fire.
    await this.store.audit({ at: Date.now(), context: this.core.context.name, frontEnd: trigger === 'manual' ? this.frontEnd : 'scheduler', action: 'job.trigger', request: { job: job.id, trigger }, allowed: true, dryRun, job: { id: job.id, name: job.name, runId: run.id } });
    if (!dryRun) this.busy.add(job.id);
    opts.onStart?.({ ...run });
    return this.execute(job, run, opts);
  }

  private async execute(job: JobRecord, run: JobRunRecord, opts: TriggerOptions): Promise<JobRunRecord> {
    const controller = new AbortController();
    let reason: 'timeout' | 'cancelled' | undefined;
    const abort = (why: 'timeout' | 'cancelled') => {
      reason ??= why;
      controller.abort();
    };
    const onOuter = () => abort('cancelled');
    if (opts.signal?.aborted) abort('cancelled');
    opts.signal?.addEventListener('abort', onOuter, { once: true });
    const timer = setTimeout(() => abort('timeout'), job.timeoutSeconds * 1000);

    let forced: string | undefined;
    let force!: () => void;
    const forcedClose = new Promise<void>((resolve) => (force = resolve));
    let markClosed!: () => void;
    const closed = new Promise<void>((resolve) => (markClosed = resolve));
    this.active.set(run.id, {
      run,
      abort,
      closeNow: (message) => {
        forced ??= message;
        abort('cancelled');
        force();
      },
      closed,
    });

    const frontEnd: FrontEnd = run.trigger === 'manual' ? this.frontEnd : 'scheduler';
    const progress = new RunProgress(this.store, run, this.runProgressMs);
    const execution = runAttempts(this.core, job, run, { dryRun: run.dryRun, signal: controller.signal, frontEnd });
    let finished = false;
    const done = execution.then(
      () => {
        finished = true;
      },
      (err: Error) => {
        finished = true;
        run.status = 'failed';
        run.message = err.message;
      },
    );
    // Once aborted, running steps get stepGraceMs; the scheduler may also close the run at once.
    const graceAfterAbort = new Promise<void>((resolve) => {
      const start = () => setTimeout(resolve, this.stepGraceMs).unref();
      if (controller.signal.aborted) start();
      else controller.signal.addEventListener('abort', start, { once: true });
    });
    await Promise.race([done, graceAfterAbort, forcedClose]);
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onOuter);

    if (reason === 'timeout' && (run.status !== 'succeeded' || !finished)) {
      run.status = 'timeout';
      run.message = `stopped after timeoutSeconds=${job.timeoutSeconds}: nothing new was started${finished ? '; steps already running were finished' : `; steps still running after ${Math.round(this.stepGraceMs / 1000)} s were left to finish on PVE`}${run.message ? ` (${run.message})` : ''}`;
    } else if (reason === 'cancelled' && (run.status !== 'succeeded' || !finished)) {
      run.status = 'cancelled';
      const asked = typeof opts.signal?.reason === 'string' ? opts.signal.reason : undefined;
      run.message = `${forced ?? asked ?? 'cancelled'}${finished ? '' : '; steps still running were left to finish on PVE'}${run.message ? ` (${run.message})` : ''}`;
    }
    if (!finished) {
      for (const v of run.vms) if (v.state === 'planned') Object.assign(v, { state: 'cancelled', message: 'not started: the run was closed' });
    }
    run.finishedAt = Date.now();
    const final = structuredClone(run);
    try {
      await progress.stop();
      await this.store.update((data) => {
        const i = data.jobRuns.findIndex((r) => r.id === final.id);
        if (i >= 0) data.jobRuns[i] = final;
        else data.jobRuns.push(final);
      });
    } finally {
      this.active.delete(run.id);
      markClosed();
      if (finished) this.busy.delete(job.id);
      // Steps left running keep the job busy here until they really end, so it never runs twice at once.
      else void done.finally(() => this.busy.delete(job.id));
    }
    return final;
  }

  /** Records fires that did not run (passed while no scheduler ran, or outside the grace window). */
  async recordMissed(job: JobRecord, fires: number[], message: string, count = fires.length): Promise<void> {
    const now = Date.now();
    await this.store.update((data) => {
      data.jobRuns.push({
        id: `run-${randomUUID().slice(0, 8)}`,
        jobId: job.id,
        jobName: job.name,
        trigger: 'schedule',
        dryRun: false,
        scheduledAt: fires.at(-1),
        startedAt: now,
        finishedAt: now,
        status: 'missed',
        attempts: 0,
        vms: [],
        operationIds: [],
        missedFires: count,
        message,
      });
    });
  }

  /** Notes that fires up to `at` have been handled, so no scheduler handles them again. */
  async markScheduled(jobId: string, at: number): Promise<void> {
    await this.store.update((data) => {
      const j = data.jobs.find((x) => x.id === jobId);
      if (j && (j.lastScheduledAt ?? 0) < at) j.lastScheduledAt = at;
    });
  }
}
