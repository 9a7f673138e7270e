// One capability from request to result: read-only refusal (audited), the strict request schema, a fresh
// inventory, selector resolution, the capability's plan, then — unless it is a dry run — the runner, with
// events to the caller, the registry and the journal. Resume and rollback continue a recorded operation
// from PVE's real state. Every front end's mutation comes through here.
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { ContextInfo } from '../core.js';
import { fetchInventory } from '../inventory/inventory.js';
import type { Inventory } from '../inventory/model.js';
import type { PveClient } from '../pve/client.js';
import { resolveSelectors, validateSelectors, type Resolved } from '../select/resolve.js';
import { parseSelectorLine, resolveSelectorLine } from '../select/selector-line.js';
import type { VmSelector } from '../select/types.js';
import type { AnyCapability, TargetResources } from './capability.js';
import { ReadOnlyError } from './errors.js';
import type { AuditEntry, CoreRecorder } from './recorder.js';
import type { OperationStore } from './registry.js';
import { parseRequest } from './request-schema.js';
import { recordableRequest } from './request-record.js';
import { finalStatus, runPlan, runUndo, summarise, type RunnerOptions } from './runner.js';
import { undoFailedTargets } from './undo-failed.js';
import type { FrontEnd, Operation, OperationEvent, OperationTarget, PhaseRecord, RunOptions } from './types.js';
import type { VmGate } from './vm-gate.js';
import { inProcessVmids, type VmidAllocator } from './vmid-allocator.js';
import type { PlacementConfig } from './provisioning/placement.js';

export interface ExecutionDeps {
  client: PveClient;
  context: ContextInfo;
  frontEnd: FrontEnd;
  defaults: { maxParallel?: number; maxPerNode?: number };
  store: OperationStore;
  gate: VmGate;
  recorder?: CoreRecorder;
  lockRetries?: number;
  lockRetryDelayMs?: number;
  /** Caps every plan's task timeout (tests use it to make a task "hang"). */
  taskTimeoutMs?: number;
  /** VM ids for create, clone and restore (cross-process when the core was given a directory); in-process when absent. */
  vmids?: VmidAllocator;
  /** The context's provisioning placement settings, for the cluster planner. */
  placement?: PlacementConfig;
}

interface BulkRequest {
  /** Absent for capabilities that act on no existing guest (create, download, drain a node): they plan from the request alone. */
  vmSelectors?: VmSelector[] | string;
  maxParallel?: number;
  maxPerNode?: number;
  dryRun?: boolean;
  force?: boolean;
  onFailure?: 'continue' | 'stop';
}

export function resolveSelection(inv: Inventory, selection: VmSelector[] | string): Resolved {
  return typeof selection === 'string' ? resolveSelectorLine(inv, selection) : resolveSelectors(inv, selection);
}

function operationId(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `op-${stamp}-${randomUUID().slice(0, 6)}`;
}

function auditName(capability: AnyCapability, raw: object): string {
  try {
    return capability.auditName?.(raw) ?? capability.kind;
  } catch {
    return capability.kind;
  }
}

const defaultResources = (t: OperationTarget): TargetResources => ({ guests: [t.vmid], nodes: [t.node] });

/** Calls into the recorder never break an operation: history reports its own failures. */
function recorderOf(deps: ExecutionDeps) {
  const { recorder } = deps;
  return {
    fire(fn: (r: CoreRecorder) => void | Promise<void>): void {
      if (!recorder) return;
      try {
        void Promise.resolve(fn(recorder)).catch(() => {});
      } catch {
        // Best effort from the core's side.
      }
    },
    /** As fire, but resolves once the recorder has it (never rejects). */
    async settle(fn: (r: CoreRecorder) => void | Promise<void>): Promise<void> {
      if (!recorder) return;
      try {
        await fn(recorder);
      } catch {
        // The store reports its own failures.
      }
    },
    async journal(op: Operation, t: OperationTarget, phase: PhaseRecord): Promise<void> {
      if (!recorder) return;
      try {
        await recorder.phaseChanged(op, t, phase);
      } catch {
        // The store reports a failed append itself; the phase goes on (its outcome is still recorded at the end).
      }
    },
  };
}

export async function executeOperation(deps: ExecutionDeps, capability: AnyCapability, raw: object, run: RunOptions = {}): Promise<Operation> {
  const { client, context } = deps;
  const frontEnd = run.frontEnd ?? deps.frontEnd;
  const rawDry = (raw as { dryRun?: unknown } | null)?.dryRun === true;
  const action = auditName(capability, raw ?? {});
  const recorded = recordableRequest(raw);
  const rec = recorderOf(deps);
  const audit = (e: Partial<AuditEntry>) => rec.fire((r) => r.audit({ at: Date.now(), context: context.name, frontEnd, action, request: recorded, allowed: true, dryRun: rawDry, ...(run.job ? { job: run.job } : {}), ...e }));

  if (context.readOnly && !rawDry) {
    const err = new ReadOnlyError(context.name, action);
    audit({ allowed: false, reason: err.message });
    throw err;
  }
  const request = parseRequest(capability.schema, raw) as BulkRequest;
  const dryRun = request.dryRun === true;
  const maxParallel = capability.maxParallel?.(request) ?? request.maxParallel ?? deps.defaults.maxParallel ?? 5;
  const maxPerNode = request.maxPerNode ?? deps.defaults.maxPerNode;
  const force = request.force === true;
  // The selection is checked before any call: a bad request costs no PVE round trip.
  const selection = request.vmSelectors;
  const line = typeof selection === 'string' ? parseSelectorLine(selection) : undefined;
  if (selection !== undefined && !line) validateSelectors(selection as VmSelector[]);

  // A fresh inventory for every action: a migrated VM is found on its new node.
  const inv = await fetchInventory(client, { signal: run.signal });
  const resolved: Resolved =
    selection === undefined ? { vms: [], warnings: [] } : line ? resolveSelectorLine(inv, line) : resolveSelectors(inv, selection as VmSelector[]);
  const migrations = deps.recorder?.listMigrations ? { list: deps.recorder.listMigrations.bind(deps.recorder) } : undefined;
  const plan = await capability.plan({ client, inventory: inv, vms: resolved.vms, safeMode: context.safeMode, force, vmids: deps.vmids ?? inProcessVmids(), migrations, placement: deps.placement }, request);
  const startedAt = Date.now();
  const op: Operation = {
    id: operationId(new Date(startedAt)),
    kind: capability.kind,
    label: capability.label(request),
    request: recorded,
    dryRun,
    status: dryRun ? 'planned' : 'running',
    targets: plan.targets,
    warnings: resolved.warnings.map((w) => w.message),
    frontEnd,
    context: context.name,
    startedAt,
    failurePolicy: request.onFailure ?? 'continue',
    ...(run.job ? { job: run.job } : {}),
  };
  if (dryRun) {
    op.finishedAt = startedAt;
    summarise(op);
    audit({ operationId: op.id });
    return op;
  }
  // Targets that cannot be attempted were asked for and will not be done: that is a failure, not a skip.
  for (const t of op.targets) {
    if (plan.blocked.has(t.id)) Object.assign(t, { state: 'failed', message: `${t.message ?? 'cannot be reached'}; not attempted`, finishedAt: startedAt });
  }
  audit({ operationId: op.id });
  return drive(deps, capability, op, request, run, 'run', { maxParallel, maxPerNode });
}

/** Resume (finish what is unfinished, from PVE's real state) or roll back a recorded operation. */
export async function continueOperation(deps: ExecutionDeps, capability: AnyCapability, op: Operation, mode: 'resume' | 'rollback', run: RunOptions = {}): Promise<Operation> {
  const frontEnd = run.frontEnd ?? deps.frontEnd;
  const rec = recorderOf(deps);
  const action = `${mode} ${op.id}`;
  const audit = (e: Partial<AuditEntry>) =>
    rec.fire((r) => r.audit({ at: Date.now(), context: deps.context.name, frontEnd, action, request: { operationId: op.id }, allowed: true, operationId: op.id, ...(run.job ? { job: run.job } : {}), ...e }));
  if (deps.context.readOnly) {
    const err = new ReadOnlyError(deps.context.name, action);
    audit({ allowed: false, reason: err.message });
    throw err;
  }
  const request = (op.request ?? {}) as BulkRequest;
  op.continuations = [...(op.continuations ?? []), { action: mode, at: Date.now(), frontEnd }];
  op.status = 'running';
  op.finishedAt = undefined;
  audit({});
  return drive(deps, capability, op, request, run, mode, { maxParallel: capability.maxParallel?.(request) ?? request.maxParallel ?? deps.defaults.maxParallel ?? 5, maxPerNode: request.maxPerNode ?? deps.defaults.maxPerNode });
}

/** Targets a resume works on: those with phases to run that did not end done, skipped or rolled back. */
export function resumableTargets(op: Operation): OperationTarget[] {
  return op.targets.filter((t) => t.spec !== undefined && !['succeeded', 'skipped', 'rolled-back'].includes(t.state));
}

async function drive(
  deps: ExecutionDeps,
  capability: AnyCapability,
  op: Operation,
  request: BulkRequest,
  run: RunOptions,
  mode: 'run' | 'resume' | 'rollback',
  caps: { maxParallel: number; maxPerNode?: number },
): Promise<Operation> {
  const { client, store } = deps;
  const rec = recorderOf(deps);
  const cancel = new AbortController();
  const abandon = new AbortController();
  // Every running step's task wait listens on these.
  setMaxListeners(0, cancel.signal);
  setMaxListeners(0, abandon.signal);
  const onCallerAbort = () => cancel.abort();
  if (run.signal?.aborted) cancel.abort();
  run.signal?.addEventListener('abort', onCallerAbort, { once: true });

  const emit = (event: OperationEvent) => {
    if (event.type === 'target-updated') summarise(op);
    store.emit(event);
    try {
      run.onEvent?.(event);
    } catch {
      // The caller's listener must not break the operation.
    }
    if (event.type === 'target-updated') rec.fire((r) => r.targetUpdated(op, event.target));
  };
  const shared = {
    client,
    gate: deps.gate,
    taskTimeoutMs: Math.min(capability.taskTimeoutMs(request), deps.taskTimeoutMs ?? Infinity),
    waitTask: (upid: string, o: Parameters<PveClient['waitForTask']>[1]) => client.waitForTask(upid, o),
    phasesOf: (t: OperationTarget) => capability.phases(t, request),
    resourcesOf: (t: OperationTarget) => capability.resources?.(t, request) ?? defaultResources(t),
    emit,
    journal: (t: OperationTarget, phase: PhaseRecord) => rec.journal(op, t, phase),
    vmids: deps.vmids,
    maxParallel: caps.maxParallel,
  };

  let settled: Operation['status'] | undefined;
  const execute = async (): Promise<Operation> => {
    await recorded;
    try {
      if (mode === 'rollback' && capability.rollback) settled = await capability.rollback({ op, request, env: shared, cancelled: false });
      else if (mode === 'rollback') await runUndo(op, shared);
      else {
        const targets = mode === 'resume' ? resumableTargets(op) : op.targets.filter((t) => t.state === 'planned');
        if (mode === 'resume') for (const t of targets) Object.assign(t, { state: 'planned', message: undefined });
        const runner = {
          ...shared,
          maxPerNode: caps.maxPerNode,
          failurePolicy: op.failurePolicy,
          signal: cancel.signal,
          abandonSignal: abandon.signal,
          lockRetries: deps.lockRetries,
          lockRetryDelayMs: deps.lockRetryDelayMs,
          resume: mode === 'resume',
        };
        await runInWaves(op, targets, runner, capability.waveOf ? (t) => capability.waveOf!(t, request) : undefined);
        if (capability.afterRun) settled = await capability.afterRun({ op, request, env: shared, cancelled: cancel.signal.aborted });
        else if (capability.undoFailed && !cancel.signal.aborted) await undoFailedTargets(op, shared);
      }
    } finally {
      run.signal?.removeEventListener('abort', onCallerAbort);
      op.finishedAt = Date.now();
      summarise(op);
      op.status = settled ?? (mode === 'rollback' ? rollbackStatus(op) : finalStatus(op));
      store.finish(op.id);
      emit({ type: 'operation-finished', operation: op });
      rec.fire((r) => r.operationFinished(op));
    }
    return op;
  };

  summarise(op);
  // Registered before anything is announced, so a listener can look the operation up by id.
  let settle!: () => void;
  store.add(op, { cancel, abandon, done: new Promise<void>((r) => (settle = r)) });
  emit({ type: 'operation-started', operation: op });
  // Awaited before the first PVE call (in execute): a process killed mid-run leaves its operation listed
  // in the history, not only its record and journal on disk.
  const recorded = rec.settle((r) => r.operationStarted(op));
  try {
    run.onStarted?.(op);
  } catch {
    // As with listeners: the caller's callback does not decide the operation's fate.
  }
  const done = execute().finally(settle);
  if (run.detach) {
    done.catch(() => {});
    return op;
  }
  return done;
}

/**
 * The runner once per wave, lowest first (one wave when the capability declares none): a wave starts only
 * when every target of the waves before it succeeded; otherwise its targets are not started.
 */
async function runInWaves(op: Operation, targets: OperationTarget[], opts: RunnerOptions, waveOf?: (t: OperationTarget) => number): Promise<void> {
  if (!waveOf) return runPlan(op, targets, opts);
  const waves = [...new Set(targets.map(waveOf))].sort((a, b) => a - b);
  for (const w of waves) {
    const these = targets.filter((t) => waveOf(t) === w);
    const earlier = op.targets.filter((t) => waveOf(t) < w);
    const blocker = earlier.find((t) => t.state !== 'succeeded');
    if (blocker || opts.signal?.aborted) {
      const why = opts.signal?.aborted ? 'cancelled before it started' : `not started: ${blocker!.name} of an earlier wave did not succeed (${blocker!.state})`;
      for (const t of these) {
        Object.assign(t, { state: 'cancelled', message: why, finishedAt: Date.now() });
        opts.emit({ type: 'target-updated', operationId: op.id, target: structuredClone(t) });
      }
      continue;
    }
    await runPlan(op, these, opts);
  }
}

/** Rolled back when nothing it did is left in place; otherwise what the counts say. */
function rollbackStatus(op: Operation): Operation['status'] {
  const left = op.targets.some((t) => t.phases.some((p) => p.state === 'succeeded'));
  return left ? finalStatus(op) : 'rolled-back';
}

