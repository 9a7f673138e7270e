// Executes an operation's plan: a global parallelism cap, an optional per-node cap, one step per VM at a
// time (across operations, through the core's VmGate), bounded retries with backoff while a VM is locked,
// and cancellation that starts nothing new and reports every target's real outcome.
import { PveError, PveLockedError } from '../pve/errors.js';
import type { TaskResult, WaitOptions } from '../pve/types.js';
import type { Operation, OperationEvent, OperationStatus, OperationTarget, TargetState } from './types.js';
import { VmGate } from './vm-gate.js';

export interface StepTools {
  /** Awaits a PVE task and records its UPID on the target; throws StepFailure (or PveLockedError) unless it ends OK. */
  awaitTask(upid: string): Promise<TaskResult>;
  /** True once the operation is cancelled: a step with several tasks stops between them (throw StepCancelled). */
  cancelled(): boolean;
  /** What the step has done so far (e.g. "deleted a, b"); kept in the target's message if it then fails or is cancelled. */
  progress(done: string): void;
}

/** A step returns its success message. Retried from the top while the VM is locked: keep it idempotent. */
export type Step = (tools: StepTools) => Promise<string | void>;

/** A step failed with a message for the operator (PVE's own text where there is one). */
export class StepFailure extends Error {}

/** A step stopped part-way because the operation was cancelled; the message says what was done. */
export class StepCancelled extends Error {}

export interface RunnerOptions {
  maxParallel: number;
  maxPerNode?: number;
  /** Cancel: nothing new starts; running steps finish and report their real outcome. */
  signal?: AbortSignal;
  /** Stop following tasks at once (core shutdown): running targets are reported cancelled with their UPID. */
  abandonSignal?: AbortSignal;
  /** How often a locked VM is retried before its target fails, and the first back-off (doubling, capped). */
  lockRetries?: number;
  lockRetryDelayMs?: number;
  /** How long one task may run before its target fails. */
  taskTimeoutMs: number;
  waitTask: (upid: string, opts: WaitOptions) => Promise<TaskResult>;
  /** Shared by all operations of a core; a private one when absent. */
  gate?: VmGate;
  emit: (event: OperationEvent) => void;
}

export const DEFAULT_LOCK_RETRIES = 5;
export const DEFAULT_LOCK_RETRY_DELAY_MS = 1000;
const MAX_BACKOFF_FACTOR = 16;
const LOCKED_TEXT = /VM is locked \(([^)]+)\)/;

export function summarise(op: Operation): void {
  const counts: Record<TargetState, number> = { planned: 0, skipped: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
  for (const t of op.targets) counts[t.state]++;
  op.summary = { counts, durationMs: (op.finishedAt ?? Date.now()) - op.startedAt };
}

/** After a run: cancelled if anything was cancelled; else succeeded, partial or failed by the counts. */
export function finalStatus(op: Operation): OperationStatus {
  const c = op.summary!.counts;
  if (c.cancelled > 0) return 'cancelled';
  if (c.failed === 0) return 'succeeded';
  return c.succeeded > 0 ? 'partial' : 'failed';
}

/** Resolves true after `ms`, or false as soon as the signal aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function runPlan(op: Operation, steps: Map<number, Step>, opts: RunnerOptions): Promise<void> {
  const queue = op.targets.filter((t) => t.state === 'planned' && steps.has(t.vmid));
  const gate = opts.gate ?? new VmGate();
  const perNode = new Map<string, number>();
  let running = 0;
  const lockRetries = opts.lockRetries ?? DEFAULT_LOCK_RETRIES;
  const lockDelay = opts.lockRetryDelayMs ?? DEFAULT_LOCK_RETRY_DELAY_MS;

  const update = (t: OperationTarget, patch: Partial<OperationTarget>) => {
    Object.assign(t, patch);
    opts.emit({ type: 'target-updated', operationId: op.id, target: { ...t } });
  };
  const finish = (t: OperationTarget, state: TargetState, message: string) => update(t, { state, message, finishedAt: Date.now() });

  const runOne = async (t: OperationTarget): Promise<void> => {
    const step = steps.get(t.vmid)!;
    update(t, { state: 'running', startedAt: Date.now(), message: undefined });
    let done: string | undefined;
    const end = (state: TargetState, message: string) => finish(t, state, done ? `${done}; then ${message}` : message);
    const tools: StepTools = {
      cancelled: () => opts.signal?.aborted === true,
      progress: (text) => {
        done = text;
        update(t, { message: text });
      },
      awaitTask: async (upid) => {
        update(t, { upid });
        const result = await opts.waitTask(upid, { timeoutMs: opts.taskTimeoutMs, signal: opts.abandonSignal });
        if (!result.ok) {
          // Start, stop and snapshot check the lock inside the worker: a locked VM shows up as the task's exit status.
          const locked = LOCKED_TEXT.exec(result.exitstatus);
          if (locked) throw new PveLockedError(locked[1], result.exitstatus);
          throw new StepFailure(result.exitstatus);
        }
        return result;
      },
    };
    for (let attempt = 0; ; attempt++) {
      try {
        const message = await step(tools);
        finish(t, 'succeeded', message || 'done');
        return;
      } catch (err) {
        if (err instanceof PveLockedError && attempt < lockRetries) {
          if (opts.signal?.aborted) return end('cancelled', `cancelled while the VM was locked (${err.lock})`);
          update(t, { message: `${err.message}; retry ${attempt + 1} of ${lockRetries}` });
          const delay = lockDelay * Math.min(2 ** attempt, MAX_BACKOFF_FACTOR) * (0.75 + Math.random() * 0.5);
          if (!(await pause(delay, opts.signal))) return end('cancelled', `cancelled while waiting for the VM lock (${err.lock})`);
          continue;
        }
        if (err instanceof StepCancelled) return end('cancelled', err.message);
        // The wait was abandoned (core shutdown): the task itself may well finish on PVE.
        if (err instanceof PveError && err.kind === 'cancelled') return end('cancelled', `${err.message}${t.upid ? ` (${t.upid})` : ''}`);
        if (err instanceof PveLockedError) return end('failed', `${err.message} (gave up after ${lockRetries} retries)`);
        return end('failed', messageOf(err));
      }
    }
  };

  await new Promise<void>((resolve) => {
    let settled = false;
    const pump = () => {
      if (settled) return;
      if (opts.signal?.aborted) {
        for (const t of queue.splice(0)) finish(t, 'cancelled', 'cancelled before it started');
      }
      for (let i = 0; i < queue.length && running < opts.maxParallel; ) {
        const t = queue[i];
        const nodeCount = perNode.get(t.node) ?? 0;
        if ((opts.maxPerNode !== undefined && nodeCount >= opts.maxPerNode) || !gate.tryAcquire(t.vmid)) {
          i++;
          continue;
        }
        queue.splice(i, 1);
        running++;
        perNode.set(t.node, nodeCount + 1);
        void runOne(t)
          .catch((err: unknown) => finish(t, 'failed', `internal error: ${messageOf(err)}`))
          .finally(() => {
            running--;
            perNode.set(t.node, (perNode.get(t.node) ?? 1) - 1);
            gate.release(t.vmid); // wakes every runner waiting on a VM, this one included
            pump();
          });
      }
      if (running === 0 && queue.length === 0) {
        settled = true;
        stopListening();
        opts.signal?.removeEventListener('abort', pump);
        resolve();
      }
    };
    const stopListening = gate.onRelease(pump);
    opts.signal?.addEventListener('abort', pump, { once: true });
    pump();
  });
}
