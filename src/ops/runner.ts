// Executes an operation's plan: a global parallelism cap, an optional per-node cap, one step per VM at a
// time, bounded retries while a VM is locked, cancellation that starts nothing new and reports everything.
import { setMaxListeners } from 'node:events';
import { PveError, PveLockedError } from '../pve/errors.js';
import type { TaskResult } from '../pve/types.js';
import type { Operation, OperationEvent, OperationStatus, OperationTarget, TargetState } from './types.js';

export interface StepTools {
  /** Awaits a PVE task and records its UPID on the target; throws StepFailure when it does not end OK. */
  awaitTask(upid: string): Promise<TaskResult>;
  /** Not the operation's cancel signal: a running step finishes so its real outcome is reported. */
  signal: AbortSignal;
}

/** A step returns its success message. */
export type Step = (tools: StepTools) => Promise<string | void>;

/** A step failed with a message for the operator (PVE's own text where there is one). */
export class StepFailure extends Error {}

export interface RunnerOptions {
  maxParallel: number;
  maxPerNode?: number;
  signal?: AbortSignal;
  /** How often a locked VM is retried before its target fails, and the first back-off. */
  lockRetries?: number;
  lockRetryDelayMs?: number;
  waitTask: (upid: string, signal: AbortSignal) => Promise<TaskResult>;
  emit: (event: OperationEvent) => void;
}

export function summarise(op: Operation): void {
  const counts: Record<TargetState, number> = { planned: 0, skipped: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
  for (const t of op.targets) counts[t.state]++;
  op.summary = { counts, durationMs: (op.finishedAt ?? Date.now()) - op.startedAt };
}

export function finalStatus(op: Operation, cancelled: boolean): OperationStatus {
  const c = op.summary!.counts;
  if (cancelled || c.cancelled > 0) return 'cancelled';
  if (c.failed === 0) return 'succeeded';
  return c.succeeded > 0 ? 'partial' : 'failed';
}

const LOCKED_TEXT = /VM is locked \(([^)]+)\)/;

export async function runPlan(op: Operation, steps: Map<number, Step>, opts: RunnerOptions): Promise<void> {
  const queue = op.targets.filter((t) => t.state === 'planned' && steps.has(t.vmid));
  const perNode = new Map<string, number>();
  const busyVms = new Set<number>();
  let running = 0;
  const lockRetries = opts.lockRetries ?? 5;
  const lockDelay = opts.lockRetryDelayMs ?? 1000;
  const stepAbort = new AbortController();
  // Every running step's task wait listens on this one signal.
  setMaxListeners(0, stepAbort.signal);

  const update = (t: OperationTarget, patch: Partial<OperationTarget>) => {
    Object.assign(t, patch);
    opts.emit({ type: 'target-updated', operationId: op.id, target: { ...t } });
  };

  const runOne = async (t: OperationTarget): Promise<void> => {
    const step = steps.get(t.vmid)!;
    update(t, { state: 'running', startedAt: Date.now(), message: undefined });
    for (let attempt = 0; ; attempt++) {
      try {
        const message = await step({
          signal: stepAbort.signal,
          awaitTask: async (upid) => {
            update(t, { upid });
            const result = await opts.waitTask(upid, stepAbort.signal);
            if (!result.ok) {
              const locked = LOCKED_TEXT.exec(result.exitstatus);
              if (locked) throw new PveLockedError(locked[1], result.exitstatus);
              throw new StepFailure(result.exitstatus);
            }
            return result;
          },
        });
        update(t, { state: 'succeeded', finishedAt: Date.now(), message: message || 'done' });
        return;
      } catch (err) {
        if (err instanceof PveLockedError && attempt < lockRetries && !opts.signal?.aborted) {
          update(t, { message: `VM is locked (${err.lock}); retry ${attempt + 1}/${lockRetries}` });
          await sleep(lockDelay * 2 ** Math.min(attempt, 4) * (0.75 + Math.random() * 0.5));
          continue;
        }
        const text = err instanceof PveError || err instanceof StepFailure ? err.message : err instanceof Error ? err.message : String(err);
        update(t, { state: 'failed', finishedAt: Date.now(), message: err instanceof PveLockedError ? `${text} (gave up after ${lockRetries} retries)` : text });
        return;
      }
    }
  };

  await new Promise<void>((resolve) => {
    const pump = () => {
      if (opts.signal?.aborted) {
        for (const t of queue.splice(0)) update(t, { state: 'cancelled', finishedAt: Date.now(), message: 'cancelled before it started' });
      }
      for (let i = 0; i < queue.length && running < opts.maxParallel; ) {
        const t = queue[i];
        const nodeCount = perNode.get(t.node) ?? 0;
        if (busyVms.has(t.vmid) || (opts.maxPerNode !== undefined && nodeCount >= opts.maxPerNode)) {
          i++;
          continue;
        }
        queue.splice(i, 1);
        running++;
        busyVms.add(t.vmid);
        perNode.set(t.node, nodeCount + 1);
        void runOne(t).finally(() => {
          running--;
          busyVms.delete(t.vmid);
          perNode.set(t.node, (perNode.get(t.node) ?? 1) - 1);
          pump();
        });
      }
      if (running === 0 && queue.length === 0) resolve();
    };
    opts.signal?.addEventListener('abort', pump, { once: true });
    pump();
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
