// PVE worker tasks: a UPID per task, status `running` then `stopped` with an exitstatus, a log that ends in
// TASK OK / TASK WARNINGS: n / TASK ERROR: msg, VM locks held while the worker runs, and DELETE to stop one.
import { SimApiError, SimTaskError } from './api-error.js';
import { FlockTable, FlockTimeout, type FlockMode } from './flock.js';
import type { SimTaskRecord, SimVmRecord } from './model.js';

/** What a running worker may do. */
export interface TaskWorker {
  readonly task: SimTaskRecord;
  log(...lines: string[]): void;
  /** A `WARN:` line; a task with warnings ends `TASK WARNINGS: n`, which PVE counts as success. */
  warn(line: string): void;
  /** Simulated work; rejects when the task is stopped meanwhile. Default: the configured task duration. */
  sleep(ms?: number): Promise<void>;
  /** Sets the VM's config lock for as long as the task runs (or until unlock). */
  lock(vm: SimVmRecord, lock: string): void;
  unlock(vm: SimVmRecord): void;
  /** Runs `body` while holding a named exclusive lock (e.g. vzdump's per-node global lock). */
  exclusive<T>(key: string, onWait: () => void, body: () => Promise<T>): Promise<T>;
  /** As exclusive, but a wait longer than `timeoutMs` fails the task with `timeoutText` (a flock timeout). */
  exclusiveWithin<T>(key: string, timeoutMs: number, timeoutText: string, body: () => Promise<T>): Promise<T>;
  /**
   * Runs `body` holding a PVE lock file shared or exclusive (flock); a wait longer than PVE's `timeoutMs`
   * (scaled by the lockTimeoutScale fault) fails the task with `timeoutText`.
   */
  flock<T>(key: string, mode: FlockMode, timeoutMs: number, timeoutText: string, body: () => Promise<T>): Promise<T>;
}

export interface TaskSpec {
  node: string;
  type: string;
  id: string;
  user: string;
  tokenid?: string;
  /** Lock the VM carries while the task runs. */
  vm?: SimVmRecord;
  lock?: string;
  /** Overrides the configured task duration. */
  durationMs?: number;
  /** Runs when the task starts; an error fails the task at once (PVE checks most things inside workers). */
  begin?: () => void;
  /** Runs when the simulated work is done; an error becomes the exitstatus. Returns extra log lines. */
  finish?: () => string[] | void;
  /** A worker with several steps (vzdump, migrate); replaces the plain sleep-then-finish. */
  work?: (w: TaskWorker) => Promise<void>;
  /** Runs when the task ends with an error (also an injected or interrupted one): undo what the request set up. */
  onError?: () => void;
  /** Fault injection never fails this task (internal bookkeeping tasks). */
  noFaults?: boolean;
}

export interface TaskEngineDeps {
  taskDurationMs: () => number;
  taskFailureRate: () => number;
  /** Multiplies PVE's lock timeouts (1 = PVE's; tests with short tasks shrink them alike). */
  lockTimeoutScale?: () => number;
  rand: () => number;
  /** Called on every task state change (cache invalidation, persistence). */
  changed: () => void;
}

const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
const nowSec = () => Math.floor(Date.now() / 1000);
/** Finished tasks kept per node (PVE keeps an index file of recent tasks). */
export const TASK_HISTORY_LIMIT = 5000;

class TaskInterrupted extends Error {}

interface Running {
  task: SimTaskRecord;
  onError?: () => void;
  locks: Map<SimVmRecord, string>;
  timer?: NodeJS.Timeout;
  wake?: (err?: Error) => void;
  warnings: number;
}

export class TaskEngine {
  readonly tasks = new Map<string, SimTaskRecord>();
  private readonly byNode = new Map<string, SimTaskRecord[]>();
  private readonly running = new Map<string, Running>();
  private readonly exclusiveTails = new Map<string, Promise<void>>();
  /** Lock files (config, storage) held by running workers. */
  readonly flocks = new FlockTable();
  private nextPid = 0x1000;
  private closed = false;

  constructor(private readonly deps: TaskEngineDeps) {}

  start(spec: TaskSpec): SimTaskRecord {
    if (this.closed) throw new SimApiError(500, 'simulator is shutting down');
    const starttime = nowSec();
    const pid = this.nextPid++;
    const pstart = 0x0a000000 + pid;
    const userField = spec.tokenid ? `${spec.user}!${spec.tokenid}` : spec.user;
    const upid = `UPID:${spec.node}:${hex8(pid)}:${hex8(pstart)}:${hex8(starttime)}:${spec.type}:${spec.id}:${userField}:`;
    const task: SimTaskRecord = {
      upid,
      node: spec.node,
      pid,
      pstart,
      starttime,
      type: spec.type,
      id: spec.id,
      user: spec.user,
      tokenid: spec.tokenid,
      status: 'running',
      log: [],
    };
    this.remember(task);
    const run: Running = { task, locks: new Map(), warnings: 0, onError: spec.onError };
    this.running.set(upid, run);
    const worker = this.worker(run);

    try {
      spec.begin?.();
      if (spec.vm && spec.lock) worker.lock(spec.vm, spec.lock);
    } catch (err) {
      this.end(run, errorText(err));
      return task;
    }
    this.deps.changed();
    const fail = !spec.noFaults && this.deps.taskFailureRate() > 0 && this.deps.rand() < this.deps.taskFailureRate();
    void this.execute(run, worker, spec, fail);
    return task;
  }

  private async execute(run: Running, worker: TaskWorker, spec: TaskSpec, fail: boolean): Promise<void> {
    try {
      if (fail) {
        // An injected failure happens before the worker changes anything, so the true state stays consistent.
        await worker.sleep(spec.durationMs);
        throw new SimTaskError('simulated task failure (fault injection)');
      }
      if (spec.work) await spec.work(worker);
      else await worker.sleep(spec.durationMs);
      const lines = spec.finish?.() ?? [];
      worker.log(...lines);
      this.end(run);
    } catch (err) {
      if (!(err instanceof TaskInterrupted)) this.end(run, errorText(err));
    }
  }

  private worker(run: Running): TaskWorker {
    const engine = this;
    return {
      task: run.task,
      log: (...lines) => {
        run.task.log.push(...lines);
      },
      warn: (line) => {
        run.warnings++;
        run.task.log.push(`WARN: ${line}`);
      },
      sleep: (ms) =>
        new Promise<void>((resolve, reject) => {
          if (run.task.status !== 'running') return reject(new TaskInterrupted());
          run.wake = (err) => {
            run.wake = undefined;
            run.timer = undefined;
            if (err) reject(err);
            else resolve();
          };
          run.timer = setTimeout(() => run.wake?.(), Math.max(0, ms ?? engine.deps.taskDurationMs()));
        }),
      lock: (vm, lock) => {
        vm.config.lock = lock;
        run.locks.set(vm, lock);
        engine.deps.changed();
      },
      unlock: (vm) => {
        if (run.locks.get(vm) === vm.config.lock) delete vm.config.lock;
        run.locks.delete(vm);
        engine.deps.changed();
      },
      exclusive: async (key, onWait, body) => {
        const prev = engine.exclusiveTails.get(key);
        let release!: () => void;
        const mine = new Promise<void>((r) => (release = r));
        const tail = (prev ?? Promise.resolve()).then(() => mine);
        engine.exclusiveTails.set(key, tail);
        try {
          if (prev) {
            onWait();
            await prev;
          }
          if (run.task.status !== 'running') throw new TaskInterrupted();
          return await body();
        } finally {
          release();
          if (engine.exclusiveTails.get(key) === tail) engine.exclusiveTails.delete(key);
        }
      },
      exclusiveWithin: async (key, timeoutMs, timeoutText, body) => {
        // Waiters form a queue of holders; one that gives up leaves the queue without holding.
        const prev = engine.exclusiveTails.get(key);
        let release!: () => void;
        const mine = new Promise<void>((r) => (release = r));
        const tail = (prev ?? Promise.resolve()).then(() => mine);
        engine.exclusiveTails.set(key, tail);
        try {
          if (prev) {
            let timer: NodeJS.Timeout | undefined;
            const gaveUp = await Promise.race([
              prev.then(() => false),
              new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs))),
            ]);
            clearTimeout(timer);
            if (gaveUp) throw new SimTaskError(timeoutText);
          }
          if (run.task.status !== 'running') throw new TaskInterrupted();
          return await body();
        } finally {
          release();
          if (engine.exclusiveTails.get(key) === tail) engine.exclusiveTails.delete(key);
        }
      },
      flock: async (key, mode, timeoutMs, timeoutText, body) => {
        try {
          return await engine.flocks.with(key, mode, timeoutMs * (engine.deps.lockTimeoutScale?.() ?? 1), async () => {
            if (run.task.status !== 'running') throw new TaskInterrupted();
            return body();
          });
        } catch (err) {
          if (err instanceof FlockTimeout) throw new SimTaskError(timeoutText);
          throw err;
        }
      },
    };
  }

  private remember(task: SimTaskRecord): void {
    this.tasks.set(task.upid, task);
    let list = this.byNode.get(task.node);
    if (!list) this.byNode.set(task.node, (list = []));
    list.push(task);
    if (list.length > TASK_HISTORY_LIMIT) {
      const dropped = list.splice(0, list.length - TASK_HISTORY_LIMIT);
      for (const d of dropped) if (d.status === 'stopped') this.tasks.delete(d.upid);
    }
  }

  private end(run: Running, error?: string): void {
    const task = run.task;
    if (task.status === 'stopped') return;
    this.running.delete(task.upid);
    for (const [vm, lock] of run.locks) if (vm.config.lock === lock) delete vm.config.lock;
    run.locks.clear();
    task.status = 'stopped';
    task.endtime = nowSec();
    if (error) {
      try {
        run.onError?.();
      } catch {
        // Cleanup is best effort, as in PVE's workers.
      }
      task.exitstatus = error;
      task.log.push(`TASK ERROR: ${error}`);
    } else if (run.warnings > 0) {
      task.exitstatus = `WARNINGS: ${run.warnings}`;
      task.log.push(`TASK WARNINGS: ${run.warnings}`);
    } else {
      task.exitstatus = 'OK';
      task.log.push('TASK OK');
    }
    this.deps.changed();
  }

  /** DELETE /nodes/{node}/tasks/{upid}: the worker gets SIGTERM; its locks are released and its work undone. */
  stop(task: SimTaskRecord): void {
    const run = this.running.get(task.upid);
    if (!run) return;
    if (run.timer) clearTimeout(run.timer);
    const wake = run.wake;
    this.end(run, 'interrupted by signal');
    wake?.(new TaskInterrupted());
  }

  nodeTasks(node: string): SimTaskRecord[] {
    return this.byNode.get(node) ?? [];
  }

  close(): void {
    this.closed = true;
    for (const run of this.running.values()) if (run.timer) clearTimeout(run.timer);
    this.running.clear();
  }
}

function errorText(err: unknown): string {
  // PVE flattens a multi-line task error onto one line.
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\n+$/, '').replace(/\n/g, ' ');
}
