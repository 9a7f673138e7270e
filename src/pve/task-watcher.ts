// Follows many PVE tasks at once: each interval it asks every involved node for its task list once,
// and reads a task's own status only when the list cannot tell (so 500 tasks on 8 nodes cost about 8
// calls per interval, not 500).
import { PveError } from './errors.js';
import { isTaskSuccess, parseUpid } from './upid.js';
import type { PveRequester, TaskResult, TaskStatus, WaitOptions } from './types.js';

interface NodeTaskListItem {
  upid: string;
  status?: string;
  endtime?: number;
}

interface Pending {
  upid: string;
  node: string;
  starttime: number;
  deadline?: number;
  resolve: (r: TaskResult) => void;
  reject: (e: Error) => void;
  cleanup: () => void;
}

/** Consecutive failed polls of one node before its tasks are reported unreachable. */
const MAX_NODE_FAILURES = 5;

export class TaskWatcher {
  readonly stats = { listCalls: 0, statusCalls: 0 };
  private readonly pending = new Map<string, Pending>();
  private readonly nodeFailures = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private readonly intervalMs: number;

  constructor(
    private readonly client: PveRequester,
    opts: { intervalMs?: number } = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 1000;
  }

  watch(upid: string, opts: WaitOptions = {}): Promise<TaskResult> {
    const parsed = parseUpid(upid);
    return new Promise<TaskResult>((resolve, reject) => {
      if (opts.signal?.aborted) return reject(new PveError('cancelled', `waiting for ${parsed.type} on ${parsed.node} was cancelled`));
      const onAbort = () => {
        this.pending.delete(upid);
        reject(new PveError('cancelled', `waiting for ${parsed.type} ${parsed.id} on ${parsed.node} was cancelled; the task may still be running on PVE`));
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const entry: Pending = {
        upid,
        node: parsed.node,
        starttime: parsed.starttime,
        deadline: opts.timeoutMs !== undefined ? Date.now() + opts.timeoutMs : undefined,
        resolve,
        reject,
        cleanup: () => opts.signal?.removeEventListener('abort', onAbort),
      };
      this.pending.set(upid, entry);
      this.schedule(opts.intervalMs);
    });
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const p of this.pending.values()) {
      p.cleanup();
      p.reject(new PveError('cancelled', `stopped watching ${p.upid}: the client was closed`));
    }
    this.pending.clear();
  }

  private schedule(intervalMs?: number): void {
    if (this.timer || this.polling || this.pending.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, intervalMs ?? this.intervalMs);
  }

  private settle(p: Pending, result: TaskResult | Error): void {
    if (!this.pending.delete(p.upid)) return;
    p.cleanup();
    if (result instanceof Error) p.reject(result);
    else p.resolve(result);
  }

  private async poll(): Promise<void> {
    this.polling = true;
    try {
      const byNode = new Map<string, Pending[]>();
      for (const p of this.pending.values()) {
        if (p.deadline !== undefined && Date.now() > p.deadline) {
          this.settle(p, new PveError('timeout', `task ${p.upid} did not finish in time; it may still be running on PVE`, { hint: 'raise the timeout, or look at the task in the task list' }));
          continue;
        }
        const list = byNode.get(p.node) ?? [];
        list.push(p);
        byNode.set(p.node, list);
      }
      await Promise.all([...byNode].map(([node, tasks]) => this.pollNode(node, tasks)));
    } finally {
      this.polling = false;
      this.schedule();
    }
  }

  private async pollNode(node: string, tasks: Pending[]): Promise<void> {
    const since = Math.min(...tasks.map((t) => t.starttime)) - 1;
    let list: NodeTaskListItem[];
    try {
      this.stats.listCalls++;
      list = await this.client.get<NodeTaskListItem[]>(`/nodes/${encodeURIComponent(node)}/tasks`, { source: 'all', since, limit: Math.max(500, tasks.length * 4) });
      this.nodeFailures.set(node, 0);
    } catch (err) {
      const failures = (this.nodeFailures.get(node) ?? 0) + 1;
      this.nodeFailures.set(node, failures);
      if (failures >= MAX_NODE_FAILURES || (err instanceof PveError && (err.kind === 'auth' || err.kind === 'permission'))) {
        for (const t of tasks) this.settle(t, err instanceof Error ? err : new Error(String(err)));
      }
      return;
    }
    const byUpid = new Map(list.map((i) => [i.upid, i]));
    const unknown: Pending[] = [];
    for (const t of tasks) {
      const item = byUpid.get(t.upid);
      if (!item) unknown.push(t);
      // In a node's list a finished task's `status` is its exit status text.
      else if (item.endtime !== undefined && item.status && item.status !== 'RUNNING') {
        this.settle(t, { upid: t.upid, ok: isTaskSuccess(item.status), exitstatus: item.status });
      }
    }
    // Not in the list (older than the window, or a list limit): ask the task itself.
    await Promise.all(
      unknown.map(async (t) => {
        try {
          this.stats.statusCalls++;
          const s = await this.client.get<TaskStatus>(`/nodes/${encodeURIComponent(node)}/tasks/${encodeURIComponent(t.upid)}/status`);
          if (s.status === 'stopped') this.settle(t, { upid: t.upid, ok: isTaskSuccess(s.exitstatus), exitstatus: s.exitstatus ?? 'unexpected status' });
        } catch (err) {
          if (err instanceof PveError && (err.kind === 'parameter' || err.kind === 'not-found')) this.settle(t, err);
        }
      }),
    );
  }
}
