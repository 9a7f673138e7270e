// The scheduler loop: runs each enabled job at its fire times, catches up one missed fire inside a grace
// window (older ones are recorded as missed), never runs a job twice at once, and applies retention.
import type { HistoryStore } from '../history/store.js';
import { firesBetween } from './cron.js';
import type { JobRecord, JobRunRecord } from './job-types.js';
import type { JobManager } from './jobs.js';

export interface SchedulerOptions {
  jobs: JobManager;
  store: HistoryStore;
  /** A missed fire younger than this runs once at start; older ones are recorded as missed (default 5 min). */
  graceMs?: number;
  /** Longest sleep between looks at the store, so jobs edited elsewhere are picked up (default 15 s). */
  maxSleepMs?: number;
  log?: (event: SchedulerLogEvent) => void;
  now?: () => number;
}

export type SchedulerLogEvent =
  | { event: 'run-start'; job: string; runId?: string; scheduledAt?: number; trigger: string }
  | { event: 'run-end'; job: string; run: JobRunRecord }
  | { event: 'missed'; job: string; fires: number }
  | { event: 'info'; message: string }
  | { event: 'error'; message: string };

const RETENTION_EVERY_MS = 3600_000;

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  private lastRetention = 0;
  private readonly graceMs: number;
  private readonly maxSleepMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: SchedulerOptions) {
    this.graceMs = opts.graceMs ?? 5 * 60_000;
    this.maxSleepMs = opts.maxSleepMs ?? 15_000;
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    this.stopped = false;
    void this.tick();
  }

  /** One pass: start every due job; resolves when the runs it started have finished. */
  async runOnce(): Promise<void> {
    await this.dispatchDue();
    await Promise.all([...this.inFlight]);
  }

  /** Stops starting runs; running ones are cancelled after `boundMs` (nothing new starts meanwhile). */
  async stop(boundMs = 30_000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const all = Promise.all([...this.inFlight]);
    const bound = new Promise<void>((r) => setTimeout(r, boundMs).unref());
    await Promise.race([all, bound]);
    this.opts.jobs.cancelAll();
    await all;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    let next = this.now() + this.maxSleepMs;
    try {
      next = Math.min(next, await this.dispatchDue());
      if (this.now() - this.lastRetention > RETENTION_EVERY_MS) {
        this.lastRetention = this.now();
        await this.opts.store.applyRetention();
      }
    } catch (err) {
      this.opts.log?.({ event: 'error', message: (err as Error).message });
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), Math.max(0, next - this.now()));
  }

  /** Starts due jobs; returns when the next fire is due. */
  private async dispatchDue(): Promise<number> {
    const now = this.now();
    let nextDue = Number.POSITIVE_INFINITY;
    const jobs = await this.opts.jobs.list();
    for (const job of jobs) {
      if (!job.enabled) continue;
      const fires = firesBetween(job.cronExpression, new Date(job.lastScheduledAt ?? job.createdAt), new Date(now), job.timezone).map((d) => d.getTime());
      if (fires.length) {
        await this.opts.jobs.markScheduled(job.id, fires.at(-1)!);
        this.handleFires(job, fires, now);
      }
      const upcoming = firesBetween(job.cronExpression, new Date(now), new Date(now + this.maxSleepMs), job.timezone, 1)[0];
      if (upcoming) nextDue = Math.min(nextDue, upcoming.getTime());
    }
    return nextDue;
  }

  private handleFires(job: JobRecord, fires: number[], now: number): void {
    const latest = fires.at(-1)!;
    const late = now - latest;
    const older = fires.slice(0, -1);
    if (older.length) {
      this.track(this.opts.jobs.recordMissed(job, older, `${older.length} fire(s) passed while no scheduler ran`));
      this.opts.log?.({ event: 'missed', job: job.name, fires: older.length });
    }
    // A fire is "on time" within a second or two; beyond that it is a catch-up, allowed inside the grace window.
    if (late > this.graceMs) {
      this.track(this.opts.jobs.recordMissed(job, [latest], `fired ${Math.round(late / 1000)} s ago, outside the grace window of ${Math.round(this.graceMs / 1000)} s`));
      this.opts.log?.({ event: 'missed', job: job.name, fires: 1 });
      return;
    }
    const trigger = late > 2000 ? 'catch-up' : 'schedule';
    this.opts.log?.({ event: 'run-start', job: job.name, scheduledAt: latest, trigger });
    const p = this.opts.jobs
      .trigger(job.id, { trigger, scheduledAt: latest })
      .then((run) => this.opts.log?.({ event: 'run-end', job: job.name, run }))
      .catch((err: Error) => this.opts.log?.({ event: 'error', message: `${job.name}: ${err.message}` }));
    this.track(p);
  }

  private track(p: Promise<unknown>): void {
    const guarded = p.catch((err: Error) => this.opts.log?.({ event: 'error', message: err.message }));
    this.inFlight.add(guarded);
    void guarded.finally(() => this.inFlight.delete(guarded));
  }
}
