// Executes an operation's targets phase by phase: caps per kind of resource (maxParallel, maxPerNode
// counting both ends of a move, per storage, per template), one step per guest at a time across
// operations (the core's VmGate), bounded retries of the failed phase while a guest is locked, a failure
// policy, cancellation that starts nothing new, and a journal line before and after every PVE call.
// Rollback runs completed phases' undos in reverse, each awaited and recorded.
import { afterLostAnswer } from './lost-answer.js';
import { getNodeTasks } from '../pve/endpoints/nodes.js';
import { isAmbiguousWrite, PveError, PveLockedError } from '../pve/errors.js';
import type { TaskResult, WaitOptions } from '../pve/types.js';
import type { Phase, PhaseTools, TargetResources } from './capability.js';
import type { PveClient } from '../pve/client.js';
import { TARGET_STATES, type FailurePolicy, type Operation, type OperationEvent, type OperationStatus, type OperationTarget, type PhaseRecord, type TargetState } from './types.js';
import { VmGate } from './vm-gate.js';
import { inProcessVmids, type VmidAllocator } from './vmid-allocator.js';

/** A phase failed with a message for the operator (PVE's own text where there is one). */
export class StepFailure extends Error {}

/** A phase stopped part-way because the operation was cancelled; the message says what was done. */
export class StepCancelled extends Error {}

/** What running and undoing phases both need. */
export interface StepEnvironment {
  client: PveClient;
  maxParallel: number;
  taskTimeoutMs: number;
  waitTask: (upid: string, opts: WaitOptions) => Promise<TaskResult>;
  /** Shared by all operations of a core; a private one when absent. */
  gate?: VmGate;
  phasesOf: (target: OperationTarget) => Phase[];
  resourcesOf: (target: OperationTarget) => TargetResources;
  emit: (event: OperationEvent) => void;
  /** Durable record of a phase transition; awaited before and after each PVE call. */
  journal: (target: OperationTarget, phase: PhaseRecord) => Promise<void>;
  /** VM ids for phases that create guests; the process-wide in-process allocator when absent. */
  vmids?: VmidAllocator;
}

export interface RunnerOptions extends StepEnvironment {
  maxPerNode?: number;
  maxPerStorage?: number;
  maxPerTemplate?: number;
  failurePolicy?: FailurePolicy;
  /** Cancel: nothing new starts; running steps finish and report their real outcome. */
  signal?: AbortSignal;
  /** Stop following tasks at once (core shutdown): running targets are reported cancelled with their UPID. */
  abandonSignal?: AbortSignal;
  lockRetries?: number;
  lockRetryDelayMs?: number;
  /**
   * Resume: every unfinished phase first looks at PVE (its recorded task, then its check) so nothing is
   * done twice. A normal run checks only on a retry.
   */
  resume?: boolean;
}

export const DEFAULT_LOCK_RETRIES = 5;
export const DEFAULT_LOCK_RETRY_DELAY_MS = 1000;
const MAX_BACKOFF_FACTOR = 16;
const LOCKED_TEXT = /VM is locked \(([^)]+)\)/;
/** Clones of one template at once, and steps on one storage at once, unless a request says otherwise. */
export const DEFAULT_MAX_PER_TEMPLATE = 1;
export const DEFAULT_MAX_PER_STORAGE = 4;

export function emptyCounts(): Record<TargetState, number> {
  return Object.fromEntries(TARGET_STATES.map((s) => [s, 0])) as Record<TargetState, number>;
}

export function summarise(op: Operation): void {
  const counts = emptyCounts();
  for (const t of op.targets) counts[t.state]++;
  op.summary = { counts, durationMs: (op.finishedAt ?? Date.now()) - op.startedAt };
}

/**
 * After a run: cancelled if anything was cancelled; else interrupted if a target is still left as its dead
 * process left it (a rollback that could not undo it: never counted as cancelled, PVE may have done it);
 * else succeeded, partial or failed by the counts.
 */
export function finalStatus(op: Operation): OperationStatus {
  const c = op.summary!.counts;
  if (c.cancelled > 0) return 'cancelled';
  if (c.interrupted > 0) return 'interrupted';
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

/** The phase records of a target, one per phase, in order (kept when they exist: a resume). */
export function phaseRecords(t: OperationTarget, phases: Phase[]): PhaseRecord[] {
  const byName = new Map(t.phases.map((p) => [p.name, p]));
  t.phases = phases.map((p) => byName.get(p.name) ?? { name: p.name, state: 'pending', upids: [] });
  return t.phases;
}

/** Per-resource counters for the caps. */
class Usage {
  private readonly counts = new Map<string, number>();
  fits(keys: string[], cap: number | undefined): boolean {
    return cap === undefined || keys.every((k) => (this.counts.get(k) ?? 0) < cap);
  }
  take(keys: string[]): void {
    for (const k of keys) this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }
  give(keys: string[]): void {
    for (const k of keys) this.counts.set(k, (this.counts.get(k) ?? 1) - 1);
  }
}

export async function runPlan(op: Operation, targets: OperationTarget[], opts: RunnerOptions): Promise<void> {
  const queue = [...targets];
  const gate = opts.gate ?? new VmGate();
  const nodes = new Usage();
  const storages = new Usage();
  const templates = new Usage();
  const exclusives = new Usage();
  let running = 0;
  let stopped = false;
  const lockRetries = opts.lockRetries ?? DEFAULT_LOCK_RETRIES;
  const lockDelay = opts.lockRetryDelayMs ?? DEFAULT_LOCK_RETRY_DELAY_MS;
  const maxPerStorage = opts.maxPerStorage ?? DEFAULT_MAX_PER_STORAGE;
  const maxPerTemplate = opts.maxPerTemplate ?? DEFAULT_MAX_PER_TEMPLATE;

  const update = (t: OperationTarget, patch: Partial<OperationTarget>) => {
    Object.assign(t, patch);
    opts.emit({ type: 'target-updated', operationId: op.id, target: structuredClone(t) });
  };
  const finish = (t: OperationTarget, state: TargetState, message: string) => update(t, { state, message, finishedAt: Date.now() });
  const phaseMoved = async (t: OperationTarget, rec: PhaseRecord, patch: Partial<PhaseRecord>) => {
    Object.assign(rec, patch);
    opts.emit({ type: 'phase-changed', operationId: op.id, targetId: t.id, phase: structuredClone(rec) });
    await opts.journal(t, rec);
  };

  const runOne = async (t: OperationTarget, phaseEnded?: (name: string) => void): Promise<void> => {
    const phases = opts.phasesOf(t);
    const records = phaseRecords(t, phases);
    update(t, { state: 'running', startedAt: t.startedAt ?? Date.now(), message: undefined, finishedAt: undefined, retryable: undefined });
    let done: string | undefined;
    const end = (state: TargetState, message: string) => finish(t, state, done ? `${done}; then ${message}` : message);
    let last = '';

    for (let i = 0; i < phases.length; i++) {
      const phase = phases[i];
      const rec = records[i];
      if (rec.state === 'succeeded') {
        phaseEnded?.(phase.name);
        continue;
      }
      if (opts.signal?.aborted && i > 0) return end('cancelled', `cancelled before phase ${phase.name}`);
      const mustLook = opts.resume === true || rec.state !== 'pending';
      rec.data ??= {};
      const tools: PhaseTools = {
        client: opts.client,
        data: rec.data,
        vmids: opts.vmids ?? inProcessVmids(),
        cancelled: () => opts.signal?.aborted === true,
        record: () => phaseMoved(t, rec, {}),
        progress: (text) => {
          done = text;
          update(t, { message: text });
        },
        awaitTask: async (upid, o) => {
          await phaseMoved(t, rec, { upids: [...rec.upids, upid] });
          update(t, { upid });
          const result = await opts.waitTask(upid, { timeoutMs: Math.min(o?.timeoutMs ?? Infinity, opts.taskTimeoutMs), intervalMs: o?.intervalMs, signal: opts.abandonSignal }).catch((err: unknown) => {
            // The node went away (or stopped answering) while its task ran: say the task started and that its end is unknown.
            if (err instanceof PveError && (err.kind === 'unreachable' || err.kind === 'network')) {
              throw new StepFailure(`task ${upid} started, but its outcome could not be read: ${err.message}; resume the operation once the node is back`);
            }
            throw err;
          });
          if (!result.ok) {
            // Start, stop and snapshot check the lock inside the worker: a locked VM shows up as the task's exit status.
            const locked = LOCKED_TEXT.exec(result.exitstatus);
            if (locked) throw new PveLockedError(locked[1], result.exitstatus);
            throw new StepFailure(result.exitstatus);
          }
          return result;
        },
      };
      let lostAnswers = 0;
      let failedReads = 0;
      for (let attempt = 0; ; attempt++) {
        const attemptAt = Date.now();
        try {
          await phaseMoved(t, rec, { state: 'running', startedAt: rec.startedAt ?? attemptAt, finishedAt: undefined, message: undefined });
          let message: string | void | undefined;
          if (mustLook || attempt > 0) message = await lookFirst(phase, rec, tools, opts, t);
          if (message === undefined) {
            try {
              message = await phase.run(tools);
            } catch (err) {
              // A write PVE may have applied though its answer was lost: find out before anything else.
              if (!isAmbiguousWrite(err) || lostAnswers >= lockRetries) throw err;
              lostAnswers++;
              const found = await afterLostAnswer(op, t, phase, tools, attemptAt);
              if (found === undefined) {
                update(t, { message: `${messageOf(err)}; PVE shows no sign it was applied: retry ${lostAnswers} of ${lockRetries}` });
                if (!(await pause(lockDelay * (0.75 + Math.random() * 0.5), opts.signal))) throw new StepCancelled(`cancelled after a lost answer (${messageOf(err)}); PVE showed no sign of it`);
                continue;
              }
              message = found;
            }
          }
          last = message || last;
          await phaseMoved(t, rec, { state: 'succeeded', message: message || undefined, finishedAt: Date.now() });
          phaseEnded?.(phase.name);
          break;
        } catch (err) {
          // A read that failed after its retries (a verify, a check) does not turn a done task into a failure: read again.
          if (isFailedRead(err) && failedReads < lockRetries && !opts.signal?.aborted) {
            failedReads++;
            update(t, { message: `${messageOf(err)}; reading again (${failedReads} of ${lockRetries})` });
            if (await pause(lockDelay * Math.min(2 ** (failedReads - 1), MAX_BACKOFF_FACTOR) * (0.75 + Math.random() * 0.5), opts.signal)) continue;
          }
          if (err instanceof PveLockedError && attempt < lockRetries) {
            if (opts.signal?.aborted) {
              await phaseMoved(t, rec, { state: 'cancelled', message: 'cancelled while the VM was locked', finishedAt: Date.now() });
              return end('cancelled', `cancelled while the VM was locked (${err.lock})`);
            }
            update(t, { message: `${err.message}; retry ${attempt + 1} of ${lockRetries}` });
            const delay = lockDelay * Math.min(2 ** attempt, MAX_BACKOFF_FACTOR) * (0.75 + Math.random() * 0.5);
            if (!(await pause(delay, opts.signal))) {
              await phaseMoved(t, rec, { state: 'cancelled', message: 'cancelled while waiting for the VM lock', finishedAt: Date.now() });
              return end('cancelled', `cancelled while waiting for the VM lock (${err.lock})`);
            }
            continue;
          }
          const abandoned = err instanceof PveError && err.kind === 'cancelled';
          const cancelled = err instanceof StepCancelled || abandoned;
          const message =
            err instanceof PveLockedError ? `${err.message} (gave up after ${lockRetries} retries)` : abandoned ? `${err.message}${t.upid ? ` (${t.upid})` : ''}` : messageOf(err);
          await phaseMoved(t, rec, { state: cancelled ? 'cancelled' : 'failed', message, finishedAt: Date.now() }).catch(() => {});
          if (!cancelled && isPermanent(err)) t.retryable = false;
          // The failed phase is in the target's phases; the message stays PVE's own words.
          return end(cancelled ? 'cancelled' : 'failed', message);
        }
      }
    }
    finish(t, 'succeeded', last || 'done');
  };

  await new Promise<void>((resolve) => {
    let settled = false;
    const pump = () => {
      if (settled) return;
      if (opts.signal?.aborted || stopped) {
        const why = stopped ? 'not started: an earlier target failed (onFailure: stop)' : 'cancelled before it started';
        for (const t of queue.splice(0)) finish(t, 'cancelled', why);
      }
      for (let i = 0; i < queue.length && running < opts.maxParallel; ) {
        const t = queue[i];
        const r = opts.resourcesOf(t);
        const storageKeys = r.storages ?? [];
        const templateKeys = r.template === undefined ? [] : [String(r.template)];
        const exclusiveKeys = r.exclusive ?? [];
        if (!nodes.fits(r.nodes, opts.maxPerNode) || !storages.fits(storageKeys, maxPerStorage) || !templates.fits(templateKeys, maxPerTemplate) || !exclusives.fits(exclusiveKeys, 1) || !gate.tryAcquireAll(r.guests)) {
          i++;
          continue;
        }
        queue.splice(i, 1);
        running++;
        nodes.take(r.nodes);
        storages.take(storageKeys);
        templates.take(templateKeys);
        exclusives.take(exclusiveKeys);
        let holdsTemplate = true;
        const giveTemplate = () => {
          if (!holdsTemplate) return false;
          holdsTemplate = false;
          templates.give(templateKeys);
          return true;
        };
        // A template held only for its clone is given back when that phase ends; the next clone may start.
        void runOne(t, (name) => name === r.templateUntil && giveTemplate() && pump())
          .catch((err: unknown) => finish(t, 'failed', `internal error: ${messageOf(err)}`))
          .finally(() => {
            running--;
            nodes.give(r.nodes);
            storages.give(storageKeys);
            giveTemplate();
            exclusives.give(exclusiveKeys);
            if (t.state === 'failed' && opts.failurePolicy === 'stop') stopped = true;
            gate.releaseAll(r.guests); // wakes every runner waiting on a guest, this one included
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

/** A read that still failed after the client's own retries, for a reason another try may not have. */
function isFailedRead(err: unknown): boolean {
  if (!(err instanceof PveError) || err.method !== 'GET') return false;
  return err.kind === 'network' || err.kind === 'timeout' || (err.kind === 'server' && (err.status ?? 0) >= 500);
}

/** Errors no retry can fix: the credentials, the permissions, or a parameter PVE refused. */
export function isPermanent(err: unknown): boolean {
  return err instanceof PveError && (err.kind === 'auth' || err.kind === 'permission' || err.kind === 'parameter' || err.kind === 'tls');
}

/**
 * Before (re)running a phase: a task it already started is followed to its end, and its check asks PVE
 * whether the effect is there. A message means the phase is done without acting again.
 */
async function lookFirst(phase: Phase, rec: PhaseRecord, tools: PhaseTools, opts: RunnerOptions, target: OperationTarget): Promise<string | undefined> {
  const lastUpid = rec.upids.at(-1);
  if (!lastUpid && opts.resume && phase.taskType) {
    // The process that ran this phase may have died after PVE started its task and before the UPID was
    // journaled. Such a task is waited for, so the check sees what it did (a snapshot PVE still lists as
    // being prepared, say); it is never taken as the phase's own, since it may be anyone's.
    const running = await getNodeTasks(opts.client, target.node, { source: 'active', vmid: target.vmid, typefilter: phase.taskType }).catch(() => []);
    for (const task of running) await opts.waitTask(task.upid, { timeoutMs: opts.taskTimeoutMs, signal: opts.abandonSignal }).catch(() => undefined);
  }
  if (lastUpid) {
    const result = await opts.waitTask(lastUpid, { timeoutMs: opts.taskTimeoutMs, signal: opts.abandonSignal }).catch(() => undefined);
    // A task that ended OK did the phase's work, unless the phase runs more than one task: then its check decides.
    if (result?.ok && !phase.check) return `already done by ${lastUpid}`;
  }
  return phase.check ? phase.check(tools) : undefined;
}

/**
 * Rollback: undoes completed phases in reverse order — the last target to finish first, each target's
 * phases last to first — each undo an awaited, journaled step. A target whose completed work has no undo
 * keeps its state and says so.
 */
export async function runUndo(op: Operation, opts: StepEnvironment): Promise<void> {
  const touched = op.targets
    .filter((t) => t.phases.some((p) => p.state === 'succeeded' || (p.state === 'undone' && p.undo?.state !== 'succeeded')))
    .sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0));
  const gate = opts.gate ?? new VmGate();
  const update = (t: OperationTarget, patch: Partial<OperationTarget>) => {
    Object.assign(t, patch);
    opts.emit({ type: 'target-updated', operationId: op.id, target: structuredClone(t) });
  };
  const undoOne = async (t: OperationTarget) => {
    const phases = opts.phasesOf(t);
    const records = phaseRecords(t, phases);
    const notUndoable: string[] = [];
    const undone: string[] = [];
    update(t, { message: 'rolling back' });
    for (let i = phases.length - 1; i >= 0; i--) {
      const phase = phases[i];
      const rec = records[i];
      if (rec.state !== 'succeeded') continue;
      if (phase.changesNothing) {
        rec.state = 'undone';
        continue;
      }
      if (!phase.undo) {
        notUndoable.push(phase.name);
        continue;
      }
      rec.data ??= {};
      const upids: string[] = [];
      const tools: PhaseTools = {
        client: opts.client,
        data: rec.data,
        vmids: opts.vmids ?? inProcessVmids(),
        cancelled: () => false,
        progress: (text) => update(t, { message: text }),
        awaitTask: async (upid, o) => {
          upids.push(upid);
          rec.undo = { state: 'running', upids: [...upids], at: Date.now() };
          await opts.journal(t, rec);
          const result = await opts.waitTask(upid, { timeoutMs: Math.min(o?.timeoutMs ?? Infinity, opts.taskTimeoutMs) });
          if (!result.ok) throw new StepFailure(result.exitstatus);
          return result;
        },
      };
      rec.undo = { state: 'running', upids, at: Date.now() };
      await opts.journal(t, rec);
      try {
        const message = await phase.undo(tools);
        rec.undo = { state: 'succeeded', upids, message: message || undefined, at: Date.now() };
        rec.state = 'undone';
        undone.push(message || `undid ${phase.name}`);
        await opts.journal(t, rec);
        opts.emit({ type: 'phase-changed', operationId: op.id, targetId: t.id, phase: structuredClone(rec) });
      } catch (err) {
        rec.undo = { state: 'failed', upids, message: messageOf(err), at: Date.now() };
        await opts.journal(t, rec).catch(() => {});
        update(t, { message: `rollback of ${phase.name} failed: ${messageOf(err)}` });
        return;
      }
    }
    if (notUndoable.length && !undone.length) update(t, { message: `${t.message && t.message !== 'rolling back' ? `${t.message}; ` : ''}cannot be undone (${notUndoable.join(', ')} has no undo)` });
    else if (notUndoable.length) update(t, { message: `${undone.join('; ')}; ${notUndoable.join(', ')} cannot be undone` });
    else update(t, { state: 'rolled-back', message: undone.join('; ') || 'nothing to undo', finishedAt: Date.now() });
  };
  // Reverse order matters within a guest; different guests may be undone side by side up to maxParallel.
  const queue = [...touched];
  const running = new Set<Promise<void>>();
  while (queue.length || running.size) {
    while (queue.length && running.size < opts.maxParallel) {
      const i = queue.findIndex((t) => {
        const guests = opts.resourcesOf(t).guests;
        return gate.tryAcquireAll(guests);
      });
      if (i < 0) break;
      const [t] = queue.splice(i, 1);
      const guests = opts.resourcesOf(t).guests;
      const p: Promise<void> = undoOne(t)
        .catch((err: unknown) => update(t, { message: `rollback failed: ${messageOf(err)}` }))
        .finally(() => {
          gate.releaseAll(guests);
          running.delete(p);
        });
      running.add(p);
    }
    if (running.size) await Promise.race(running);
    else if (queue.length) await new Promise<void>((r) => { const stop = gate.onRelease(() => { stop(); r(); }); });
  }
}
