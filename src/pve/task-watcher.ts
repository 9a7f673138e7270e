// Follows many PVE tasks at once. It asks a node for its task list (source=all, since the oldest watched
// task on it started) when one of that node's tasks is due for a look, settles every task the list shows
// as finished from the exit status the list carries, and reads a task's own /status only when it finished
// without one or the list could not place it. At most one list call per node per round, shared by every
// task on that node: 500 running tasks on 8 nodes cost about 8 calls per round.
//
// When a task is due adapts to how long tasks of its type have been taking on its node (TaskDurations):
// the first look is at the time by which about 90% of them have ended; one still running then is
// looked at again soon (a twentieth of that time), then at gaps growing by half up to the interval. A task
// expected to run longer than the interval is also looked at before then, at gaps of at least the interval
// growing with the time waited, so one that ends early is seen at most a quarter of its run time late.
// With nothing learnt yet for a type the looks start 10 ms apart and spread out the same way, up to the
// interval. A 200 ms snapshot then costs about one list call, a 5-minute backup about 25 rather than 300.
import { PveError } from './errors.js';
import { TaskDurations } from './task-durations.js';
import { isTaskSuccess, parseUpid } from './upid.js';
import type { PveRequester, TaskResult, TaskStatus, WaitOptions } from './types.js';

interface NodeTaskListItem {
  upid: string;
  status?: string;
  endtime?: number;
}

interface Waiter {
  resolve: (r: TaskResult) => void;
  reject: (e: Error) => void;
  cleanup: () => void;
}

interface WatchedTask {
  upid: string;
  node: string;
  type: string;
  starttime: number;
  /** Several callers may wait for the same UPID; each gets the result. */
  waiters: Set<Waiter>;
  /** When the first caller began waiting (this process's monotonic clock, ms): what durations are measured from. */
  since: number;
  /** The longest this task goes unlooked-at once its expected end has passed (the interval). */
  maxGapMs: number;
  /** When its node's list should next be read for it. */
  due: number;
  /** The look at `due` is the one at the expected end, whose outcome teaches the estimate. */
  dueIsExpected: boolean;
  /** Looks at or after the expected end that found it still running. */
  overdue: number;
  /** It has taught the estimate once already (each task counts once). */
  learned: boolean;
  /** When (after `since`) a look last found it running. */
  lastRunningMs?: number;
}

export interface TaskWatcherOptions {
  /**
   * The longest a running task goes without a look once it is past the time such tasks usually take, or
   * while nothing is known about its type (default 1000 ms; PVE's own GUI polls about once a second).
   * Looks before the expected end are never closer together than this.
   */
  intervalMs?: number;
  /** The shortest gap between two looks at one task (default 10 ms, or the interval if that is shorter). */
  minIntervalMs?: number;
  /** Learnt durations; pass one to share what several watchers learn. */
  durations?: TaskDurations;
}

/** Consecutive failed polls of one node before its tasks are reported unreachable. */
const MAX_NODE_FAILURES = 5;
/** Task list window per node: generous, so tasks other users start meanwhile do not push ours out. */
const MIN_LIST_LIMIT = 500;
const DEFAULT_MIN_INTERVAL_MS = 10;
/** With nothing learnt, each gap is this fraction of the time waited so far: looks at 10, 12.5, 15.6 ... ms, the end seen at most 25% late. */
const COLD_GROWTH = 0.25;
/** Before the expected end of a task longer than the interval, likewise (but never more often than the interval). */
const EARLY_GROWTH = 0.25;
/** After a look past the expected end found it running: the next after this fraction of the expected duration ... */
const OVERDUE_FIRST_FRACTION = 0.05;
/** ... and each further gap this much longer (up to the interval). */
const OVERDUE_GROWTH = 1.5;
/** Timers fire a little early or late; a task due within this many ms counts as due. */
const DUE_SLACK_MS = 2;

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export class TaskWatcher {
  /** rounds: timer firings that read at least one list; listCalls: at most one per node per round; statusCalls: the exceptions. */
  readonly stats = { rounds: 0, listCalls: 0, statusCalls: 0 };
  /** What the watcher has learnt about task durations (shared with whoever passed it in). */
  readonly durations: TaskDurations;
  private readonly watched = new Map<string, WatchedTask>();
  private readonly nodeFailures = new Map<string, number>();
  /** Nodes whose list call is under way: none of their tasks is due again until it answers. */
  private readonly inFlight = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private readonly intervalMs: number;
  private readonly minIntervalMs: number;

  constructor(
    private readonly client: PveRequester,
    opts: TaskWatcherOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 1000;
    this.minIntervalMs = opts.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
    this.durations = opts.durations ?? new TaskDurations();
  }

  /** Tasks currently followed (for progress displays and tests). */
  get size(): number {
    return this.watched.size;
  }

  /** Resolves when the task stops, with ok=false and PVE's text when it failed; rejects only on timeout, cancel or an unreachable node. */
  watch(upid: string, opts: WaitOptions = {}): Promise<TaskResult> {
    const parsed = parseUpid(upid);
    const what = `${parsed.type}${parsed.id ? ` ${parsed.id}` : ''} on ${parsed.node}`;
    return new Promise<TaskResult>((resolve, reject) => {
      if (opts.signal?.aborted) return reject(new PveError('cancelled', `waiting for ${what} was cancelled; the task may still be running on PVE`));
      const now = performance.now();
      let entry = this.watched.get(upid);
      if (!entry) {
        entry = {
          upid,
          node: parsed.node,
          type: parsed.type,
          starttime: parsed.starttime,
          waiters: new Set(),
          since: now,
          maxGapMs: opts.intervalMs ?? this.intervalMs,
          due: now,
          dueIsExpected: false,
          overdue: 0,
          learned: false,
        };
        this.watched.set(upid, entry);
        this.plan(entry, now);
      } else if (opts.intervalMs !== undefined && opts.intervalMs < entry.maxGapMs) {
        // A caller that wants closer looks gets them from now on.
        entry.maxGapMs = opts.intervalMs;
        if (entry.due > now + opts.intervalMs) Object.assign(entry, { due: now + opts.intervalMs, dueIsExpected: false });
      }
      const task = entry;
      let timeout: NodeJS.Timeout | undefined;
      const drop = (err: PveError) => {
        waiter.cleanup();
        task.waiters.delete(waiter);
        if (task.waiters.size === 0 && this.watched.get(upid) === task) this.watched.delete(upid);
        reject(err);
      };
      const onAbort = () => drop(new PveError('cancelled', `waiting for ${what} was cancelled; the task may still be running on PVE`));
      const waiter: Waiter = {
        resolve,
        reject,
        cleanup: () => {
          if (timeout) clearTimeout(timeout);
          opts.signal?.removeEventListener('abort', onAbort);
        },
      };
      if (opts.timeoutMs !== undefined) {
        timeout = setTimeout(
          () =>
            drop(
              new PveError('timeout', `${what} did not finish within ${opts.timeoutMs} ms; it may still be running on PVE`, {
                hint: 'raise the timeout, or follow the task in the task list (its UPID is in the message log)',
              }),
            ),
          opts.timeoutMs,
        );
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      task.waiters.add(waiter);
      this.schedule();
    });
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    for (const task of [...this.watched.values()]) this.settle(task, new PveError('cancelled', `stopped watching ${task.upid}: the client was closed`));
  }

  /** Sets when a task still running at `now` is looked at next. */
  private plan(task: WatchedTask, now: number): void {
    const expected = this.durations.expected(task.node, task.type);
    const elapsed = now - task.since;
    const minGap = Math.min(this.minIntervalMs, task.maxGapMs);
    task.dueIsExpected = false;
    if (expected === undefined) {
      // Nothing learnt yet: gaps grow with the time waited, so the end is seen at most a quarter late.
      task.due = now + clamp(elapsed * COLD_GROWTH, minGap, task.maxGapMs);
    } else if (task.overdue === 0 && elapsed + DUE_SLACK_MS < expected) {
      // Before the expected end: look then. A long task is looked at meanwhile, no more often than the
      // interval and at gaps growing with the time waited, so one that ends early is seen at most a
      // quarter of its run time (or the interval) late.
      const end = task.since + expected;
      const gap = Math.max(task.maxGapMs, elapsed * EARLY_GROWTH);
      task.dueIsExpected = end <= now + gap;
      task.due = task.dueIsExpected ? end : now + gap;
    } else if (task.overdue === 0) {
      // Its expected end passed before its first look there (the estimate shrank meanwhile): look now.
      task.due = now;
      task.dueIsExpected = true;
    } else {
      // Still running after its expected end: look again soon, then less often, up to the interval.
      task.due = now + clamp(expected * OVERDUE_FIRST_FRACTION * OVERDUE_GROWTH ** (task.overdue - 1), minGap, task.maxGapMs);
    }
  }

  /** One timer, for the earliest due task whose node is not being read already. */
  private schedule(): void {
    let next = Infinity;
    for (const t of this.watched.values()) if (t.due < next && !this.inFlight.has(t.node)) next = t.due;
    if (next === Infinity) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAt = Infinity;
      return;
    }
    if (this.timer && this.timerAt <= next) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.round();
    }, Math.max(0, next - performance.now()));
  }

  /** Reads the list of every node with a task due, once each, and looks at all of that node's tasks in it. */
  private round(): void {
    const now = performance.now();
    const byNode = new Map<string, WatchedTask[]>();
    for (const task of this.watched.values()) {
      if (this.inFlight.has(task.node)) continue;
      const list = byNode.get(task.node) ?? [];
      list.push(task);
      byNode.set(task.node, list);
    }
    let polled = 0;
    for (const [node, tasks] of byNode) {
      if (!tasks.some((t) => t.due <= now + DUE_SLACK_MS)) continue;
      polled++;
      this.inFlight.add(node);
      void this.pollNode(node, tasks, now).finally(() => {
        this.inFlight.delete(node);
        this.schedule();
      });
    }
    if (polled > 0) this.stats.rounds++;
    this.schedule();
  }

  private settle(task: WatchedTask, result: TaskResult | Error): void {
    if (this.watched.get(task.upid) !== task) return;
    this.watched.delete(task.upid);
    for (const w of task.waiters) {
      w.cleanup();
      if (result instanceof Error) w.reject(result);
      else w.resolve(result);
    }
    task.waiters.clear();
  }

  /**
   * What one look at a task taught, at `sentAt`: each task teaches the estimate once, by its look at the
   * expected end, or by any look that settles the question (ended before it, still running after it).
   */
  private learn(task: WatchedTask, sentAt: number, ended: boolean): void {
    if (task.learned) return;
    const offset = sentAt - task.since;
    const expected = this.durations.expected(task.node, task.type);
    const atExpected = task.dueIsExpected && sentAt + DUE_SLACK_MS >= task.due;
    if (expected === undefined) {
      if (!ended) return;
      // It ended between the last look that saw it running and this one: the middle of that span.
      this.durations.seed(task.node, task.type, task.lastRunningMs === undefined ? offset : (task.lastRunningMs + offset) / 2);
    } else if (atExpected || (ended ? offset <= expected : offset >= expected)) {
      this.durations.update(task.node, task.type, ended);
    } else return;
    task.learned = true;
  }

  /**
   * A look found the task still running. A look it was due for sets its next one; so does any look at it
   * once its expected end has passed (or while nothing is learnt): the tasks of a node share each look, so
   * a node with many tasks is not read at the union of their schedules. A look before the expected end that
   * another task of the node was due for leaves its look at the expected end where it was.
   */
  private stillRunning(task: WatchedTask, sentAt: number): void {
    this.learn(task, sentAt, false);
    if (this.watched.get(task.upid) !== task) return;
    task.lastRunningMs = sentAt - task.since;
    const expected = this.durations.expected(task.node, task.type);
    const pastExpected = expected !== undefined && sentAt - task.since >= expected;
    const due = task.due <= sentAt + DUE_SLACK_MS;
    if (!due && expected !== undefined && !pastExpected && task.overdue === 0) return;
    // Once overdue, every look that finds it running lengthens the gap (even if the estimate has since grown past it).
    if ((due && task.dueIsExpected) || pastExpected || task.overdue > 0) task.overdue++;
    this.plan(task, performance.now());
  }

  private async pollNode(node: string, tasks: WatchedTask[], sentAt: number): Promise<void> {
    // PVE filters `since` on the start time; one second of slack for clock rounding.
    const since = Math.min(...tasks.map((t) => t.starttime)) - 1;
    let list: NodeTaskListItem[];
    try {
      this.stats.listCalls++;
      list = await this.client.get<NodeTaskListItem[]>(`/nodes/${encodeURIComponent(node)}/tasks`, {
        source: 'all',
        since,
        limit: Math.max(MIN_LIST_LIMIT, tasks.length * 4),
      });
      this.nodeFailures.set(node, 0);
    } catch (err) {
      const failures = (this.nodeFailures.get(node) ?? 0) + 1;
      this.nodeFailures.set(node, failures);
      // A node that keeps failing (offline: 595) or credentials that stopped working end the wait;
      // a single failed poll does not, the node is asked again after the interval.
      if (failures >= MAX_NODE_FAILURES || (err instanceof PveError && (err.kind === 'auth' || err.kind === 'permission'))) {
        for (const t of tasks) this.settle(t, err instanceof Error ? err : new Error(String(err)));
      } else {
        const now = performance.now();
        for (const t of tasks) if (t.due <= sentAt + DUE_SLACK_MS) Object.assign(t, { due: now + t.maxGapMs, dueIsExpected: false });
      }
      return;
    }
    const byUpid = new Map(list.map((i) => [i.upid, i]));
    const needStatus: WatchedTask[] = [];
    for (const t of tasks) {
      const item = byUpid.get(t.upid);
      if (!item) {
        // Not in the window (list limit, or the node's index rotated): ask the task itself.
        needStatus.push(t);
      } else if (item.status === 'RUNNING' || (item.endtime === undefined && !item.status)) {
        this.stillRunning(t, sentAt);
      } else if (item.status) {
        // In a node's list a finished task's `status` is its exit status text.
        this.learn(t, sentAt, true);
        this.settle(t, { upid: t.upid, ok: isTaskSuccess(item.status), exitstatus: item.status });
      } else {
        // Finished, but the list did not say how.
        this.learn(t, sentAt, true);
        needStatus.push(t);
      }
    }
    await Promise.all(needStatus.map((t) => this.readStatus(node, t, sentAt)));
  }

  private async readStatus(node: string, task: WatchedTask, sentAt: number): Promise<void> {
    try {
      this.stats.statusCalls++;
      const s = await this.client.get<TaskStatus>(`/nodes/${encodeURIComponent(node)}/tasks/${encodeURIComponent(task.upid)}/status`);
      if (s.status === 'stopped') this.settle(task, { upid: task.upid, ok: isTaskSuccess(s.exitstatus), exitstatus: s.exitstatus ?? 'unexpected status' });
      else this.stillRunning(task, sentAt);
    } catch (err) {
      // "no such task": waiting longer will not make it appear.
      if (err instanceof PveError && (err.kind === 'parameter' || err.kind === 'not-found')) this.settle(task, err);
      else if (this.watched.get(task.upid) === task && task.due <= sentAt + DUE_SLACK_MS) Object.assign(task, { due: performance.now() + task.maxGapMs, dueIsExpected: false });
    }
  }
}
