// Follows many PVE tasks at once. Each interval it asks every involved node for its task list once
// (source=all, since the oldest watched task started), settles the tasks the list shows as finished
// from the exit status the list carries, and reads a task's own /status only when it finished without
// one or the list could not place it. So 500 running tasks on 8 nodes cost about 8 calls per interval.
import { PveError } from './errors.js';
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
  starttime: number;
  /** Several callers may wait for the same UPID; each gets the result. */
  waiters: Set<Waiter>;
}

export interface TaskWatcherOptions {
  /** Poll interval; PVE's own GUI polls about once a second. */
  intervalMs?: number;
}

/** Consecutive failed polls of one node before its tasks are reported unreachable. */
const MAX_NODE_FAILURES = 5;
/** Task list window per node: generous, so tasks other users start meanwhile do not push ours out. */
const MIN_LIST_LIMIT = 500;

export class TaskWatcher {
  /** rounds: poll intervals so far; listCalls: one per involved node per round; statusCalls: the exceptions. */
  readonly stats = { rounds: 0, listCalls: 0, statusCalls: 0 };
  private readonly watched = new Map<string, WatchedTask>();
  private readonly nodeFailures = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private readonly intervalMs: number;

  constructor(
    private readonly client: PveRequester,
    opts: TaskWatcherOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 1000;
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
      let entry = this.watched.get(upid);
      if (!entry) {
        entry = { upid, node: parsed.node, starttime: parsed.starttime, waiters: new Set() };
        this.watched.set(upid, entry);
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
      this.schedule(opts.intervalMs);
    });
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const task of [...this.watched.values()]) this.settle(task, new PveError('cancelled', `stopped watching ${task.upid}: the client was closed`));
  }

  private schedule(intervalMs?: number): void {
    if (this.timer || this.polling || this.watched.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, intervalMs ?? this.intervalMs);
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

  private async poll(): Promise<void> {
    this.polling = true;
    this.stats.rounds++;
    try {
      const byNode = new Map<string, WatchedTask[]>();
      for (const task of this.watched.values()) {
        const list = byNode.get(task.node) ?? [];
        list.push(task);
        byNode.set(task.node, list);
      }
      await Promise.all([...byNode].map(([node, tasks]) => this.pollNode(node, tasks)));
    } finally {
      this.polling = false;
      this.schedule();
    }
  }

  private async pollNode(node: string, tasks: WatchedTask[]): Promise<void> {
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
      // a single failed poll does not, the next interval tries again.
      if (failures >= MAX_NODE_FAILURES || (err instanceof PveError && (err.kind === 'auth' || err.kind === 'permission'))) {
        for (const t of tasks) this.settle(t, err instanceof Error ? err : new Error(String(err)));
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
        continue;
      } else if (item.status) {
        // In a node's list a finished task's `status` is its exit status text.
        this.settle(t, { upid: t.upid, ok: isTaskSuccess(item.status), exitstatus: item.status });
      } else {
        // Finished, but the list did not say how.
        needStatus.push(t);
      }
    }
    await Promise.all(needStatus.map((t) => this.readStatus(node, t)));
  }

  private async readStatus(node: string, task: WatchedTask): Promise<void> {
    try {
      this.stats.statusCalls++;
      const s = await this.client.get<TaskStatus>(`/nodes/${encodeURIComponent(node)}/tasks/${encodeURIComponent(task.upid)}/status`);
      if (s.status === 'stopped') this.settle(task, { upid: task.upid, ok: isTaskSuccess(s.exitstatus), exitstatus: s.exitstatus ?? 'unexpected status' });
    } catch (err) {
      // "no such task": waiting longer will not make it appear.
      if (err instanceof PveError && (err.kind === 'parameter' || err.kind === 'not-found')) this.settle(task, err);
    }
  }
}
