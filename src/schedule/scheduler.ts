// The scheduler loop: runs each enabled job at its fire times, catches up one missed fire inside a grace
// window (older ones are recorded as missed), never runs a job twice at once (JobManager's overlap rule),
// and keeps the history bounded. Jobs are re-read from the store on every pass, and the store's
// directory is watched, so a job created or edited by the TUI or the MCP server is picked up at once.
import { watch, type FSWatcher } from 'node:fs';
import { basename } from 'node:path';
import type { HistoryStore } from '../history/store.js';
import { firesIn } from './cron.js';
import type { JobRecord, JobRunRecord } from '../history/job-records.js';
import type { JobManager } from './jobs.js';

export interface SchedulerOptions {
  jobs: JobManager;
  store: HistoryStore;
  /** A fire missed by at most this much still runs (once) when the scheduler gets to it (default 5 min). */
  graceMs?: number;
  /** Longest sleep between passes (default 15 s). */
  maxSleepMs?: number;
  /** How often retention and interrupted-run recovery are applied (default hourly, and at start). */
  maintenanceEveryMs?: number;
  /** Wake up when the store file changes (default true). */
  watchStore?: boolean;
  log?: (event: SchedulerLogEvent) => void;
}

export type SchedulerLogEvent =
  | { event: 'run-start'; job: string; jobId: string; runId: string; trigger: JobRunRecord['trigger']; scheduledAt?: number; dryRun: boolean }
  | { event: 'run-end'; job: string; jobId: string; runId: string; status: JobRunRecord['status']; attempts: number; durationMs: number; counts: Record<string, number>; message?: string }
  | { event: 'skipped'; job: string; jobId: string; runId: string; scheduledAt?: number; message?: string }
  | { event: 'missed'; job: string; jobId: string; fires: number; message: string }
  | { event: 'maintenance'; removed: number; interrupted: number }
  | { event: 'info'; message: string }
  | { event: 'error'; message: string };

/** Later than this after its fire time a run is labelled a catch-up rather than on time. */
const ON_TIME_MS = 2000;

export function runEndEvent(run: JobRunRecord): Extract<SchedulerLogEvent, { event: 'run-end' }> {
  const counts: Record<string, number> = {};
  for (const v of run.vms) counts[v.state] = (counts[v.state] ?? 0) + 1;
  return { event: 'run-end', job: run.jobName, jobId: run.jobId, runId: run.id, status: run.status, attempts: run.attempts, durationMs: (run.finishedAt ?? Date.now()) - run.startedAt, counts, message: run.message };
}

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private watcher: FSWatcher | undefined;
  private stopped = true;
  private ticking = false;
  private wakeAgain = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  private lastMaintenance = 0;
  private readonly graceMs: number;
  private readonly maxSleepMs: number;
  private readonly maintenanceEveryMs: number;
  /** Aborted on stop: every run this scheduler started stops starting steps. */
  private readonly cancel = new AbortController();
  private hurryStop: (() => void) | undefined;

  constructor(private readonly opts: SchedulerOptions) {
    this.graceMs = opts.graceMs ?? 5 * 60_000;
    this.maxSleepMs = opts.maxSleepMs ?? 15_000;
    this.maintenanceEveryMs = opts.maintenanceEveryMs ?? 3600_000;
  }

  private log(e: SchedulerLogEvent): void {
    this.opts.log?.(e);
  }

  start(): void {
    this.stopped = false;
    if (this.opts.watchStore !== false) {
      try {
        const file = basename(this.opts.store.file);
        this.watcher = watch(this.opts.store.dir, (_event, name) => {
          if (name === file) this.wake();
        });
        this.watcher.on('error', () => this.watcher?.close());
      } catch {
        // No file watching here: the periodic pass picks changes up.
      }
    }
    void this.tick();
  }

  /** One pass: starts every due job (and maintenance); resolves when the runs it started have finished. */
  /** Runs what is due now and waits for it; says how many runs it started and when the next fire is. */
  async runOnce(): Promise<{ started: number; failed: number; errors: number; enabled: number; nextDueAt?: number }> {
    await this.maintain(true);
    const before = { started: this.runsStarted, failed: this.runsFailed, errors: this.jobErrors };
    const nextDue = await this.dispatchDue();
    await Promise.all([...this.inFlight]);
    const enabled = (await this.opts.jobs.list()).filter((j) => j.enabled).length;
    return {
      started: this.runsStarted - before.started,
      failed: this.runsFailed - before.failed,
      errors: this.jobErrors - before.errors,
      enabled,
      ...(Number.isFinite(nextDue) ? { nextDueAt: nextDue } : {}),
    };
  }

  /** Runs this scheduler started, those that did not succeed, and jobs it could not start (for runOnce's summary and exit status). */
  private runsStarted = 0;
  private runsFailed = 0;
  private jobErrors = 0;

  /**
   * Stops: no new runs; running runs start no new steps; steps already running get `boundMs` to finish
   * (or until hurry() is called). Whatever is still open then is recorded as cancelled.
   */
  async stop(boundMs = 30_000): Promise<{ unfinished: number }> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.watcher?.close();
    this.cancel.abort('cancelled: the scheduler was stopped; nothing new was started');
    const all = Promise.all([...this.inFlight]);
    const inTime = await Promise.race([
      all.then(() => true),
      new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), boundMs);
        t.unref();
        this.hurryStop = () => {
          clearTimeout(t);
          resolve(false);
        };
      }),
    ]);
    if (inTime) return { unfinished: 0 };
    const unfinished = await this.opts.jobs.abandonRunning('cancelled: the scheduler was stopped; steps still running were left to finish on PVE');
    await all;
    return { unfinished };
  }

  /** During stop(): give up waiting for running steps now (a second SIGTERM/SIGINT). */
  hurry(): void {
    this.hurryStop?.();
  }

  private wake(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.wakeAgain = true;
      return;
    }
    // Coalesce a burst of writes into one pass (never later than a pass already planned).
    this.planTick(Date.now() + 50);
  }

  private planTick(at: number): void {
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      void this.tick();
    }, Math.max(0, at - Date.now()));
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    if (this.ticking) {
      this.wakeAgain = true;
      return;
    }
    this.ticking = true;
    let next = Date.now() + this.maxSleepMs;
    try {
      await this.maintain(false);
      next = Math.min(next, await this.dispatchDue());
    } catch (err) {
      this.log({ event: 'error', message: (err as Error).message });
    } finally {
      this.ticking = false;
    }
    if (this.stopped) return;
    if (this.wakeAgain) {
      this.wakeAgain = false;
      next = Math.min(next, Date.now() + 50);
    }
    this.planTick(next);
  }

  private async maintain(force: boolean): Promise<void> {
    if (!force && Date.now() - this.lastMaintenance < this.maintenanceEveryMs) return;
    this.lastMaintenance = Date.now();
    const interrupted = await this.opts.store.recoverInterrupted();
    const { removed } = await this.opts.store.applyRetention();
    if (removed || interrupted) this.log({ event: 'maintenance', removed, interrupted });
  }

  /** Starts due jobs; returns when the next fire is due. */
  private async dispatchDue(): Promise<number> {
    let nextDue = Number.POSITIVE_INFINITY;
    const jobs = await this.opts.jobs.list();
    for (const job of jobs) {
      if (this.cancel.signal.aborted) break;
      if (!job.enabled) continue;
      try {
        const now = Date.now();
        const window = firesIn(job.cronExpression, new Date(job.lastScheduledAt ?? job.createdAt), new Date(now), job.timezone);
        if (window.latest) {
          await this.opts.jobs.markScheduled(job.id, window.latest.getTime());
          this.handleFires(job, window.fires.length + (window.truncated ? 1 : 0), window.latest.getTime(), window.truncated, now);
        }
        const upcoming = firesIn(job.cronExpression, new Date(now), new Date(now + this.maxSleepMs), job.timezone, 1).fires[0];
        if (upcoming) nextDue = Math.min(nextDue, upcoming.getTime());
      } catch (err) {
        this.jobErrors++;
        this.log({ event: 'error', message: `job ${job.name}: ${(err as Error).message}` });
      }
    }
    return nextDue;
  }

  private handleFires(job: JobRecord, fires: number, latest: number, truncated: boolean, now: number): void {
    const late = now - latest;
    const older = fires - 1;
    if (older > 0) {
      const message = `${truncated ? 'more than ' : ''}${older} fire(s) passed without a run (no scheduler was running, or it was busy)`;
      this.track(this.opts.jobs.recordMissed(job, [latest], message, older));
      this.log({ event: 'missed', job: job.name, jobId: job.id, fires: older, message });
    }
    if (late > this.graceMs) {
      const message = `fired ${Math.round(late / 1000)} s ago, outside the grace window of ${Math.round(this.graceMs / 1000)} s`;
      this.track(this.opts.jobs.recordMissed(job, [latest], message, 1));
      this.log({ event: 'missed', job: job.name, jobId: job.id, fires: 1, message });
      return;
    }
    const trigger = late > ON_TIME_MS ? 'catch-up' : 'schedule';
    this.runsStarted++;
    const p = this.opts.jobs
      .trigger(job.id, {
        trigger,
        scheduledAt: latest,
        signal: this.cancel.signal,
        onStart: (run) => this.log({ event: 'run-start', job: run.jobName, jobId: run.jobId, runId: run.id, trigger, scheduledAt: latest, dryRun: run.dryRun }),
      })
      .then(
        (run) => {
          if (run.status === 'skipped-overlap') this.log({ event: 'skipped', job: run.jobName, jobId: run.jobId, runId: run.id, scheduledAt: latest, message: run.message });
          else {
            // Partial, failed, timed out, cancelled: not done on every VM.
            if (run.status !== 'succeeded') this.runsFailed++;
            this.log(runEndEvent(run));
          }
        },
        (err: unknown) => {
          this.runsFailed++;
          throw err;
        },
      );
    this.track(p);
  }

  private track(p: Promise<unknown>): void {
    const guarded = p.catch((err: Error) => this.log({ event: 'error', message: err.message }));
    this.inFlight.add(guarded);
    void guarded.finally(() => this.inFlight.delete(guarded));
  }
}
