// One bulk action from request to result: read-only refusal (audited), request checks, a fresh inventory,
// selector resolution, the capability's plan, then — unless it is a dry run — the runner, with events to
// the caller, the registry and the recorder. Every front end's mutation comes through here.
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { ContextInfo } from '../core.js';
import { fetchInventory } from '../inventory/inventory.js';
import type { Inventory } from '../inventory/model.js';
import type { PveClient } from '../pve/client.js';
import { resolveSelectors, validateSelectors, type Resolved } from '../select/resolve.js';
import { parseSelectorLine, resolveSelectorLine, type ParsedSelectorLine } from '../select/selector-line.js';
import type { VmSelector } from '../select/types.js';
import { intInRange, optionalBoolean, ReadOnlyError, RequestError } from './errors.js';
import type { Plan, PlanInput } from './plan.js';
import type { AuditEntry, CoreRecorder } from './recorder.js';
import type { OperationStore } from './registry.js';
import { recordableRequest } from './request-record.js';
import { finalStatus, runPlan, summarise } from './runner.js';
import type { BulkOptions, FrontEnd, Operation, OperationEvent, OperationKind, RunOptions } from './types.js';
import type { VmGate } from './vm-gate.js';

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
}

export type Planner = (input: PlanInput) => Plan | Promise<Plan>;

/** The selectors, checked before any call: a bad request costs no PVE round trip. */
type Selection = { kind: 'list'; selectors: VmSelector[] } | { kind: 'line'; line: ParsedSelectorLine };

function checkSelection(value: unknown): Selection {
  if (value === undefined || value === null) {
    throw new RequestError('vmSelectors', 'required: which VMs, e.g. [{"type":"VM_IDS","value":"8200,8201"}] or a selector line such as "tag:(env-prod AND NOT always-on)"');
  }
  if (typeof value === 'string') return { kind: 'line', line: parseSelectorLine(value) };
  return { kind: 'list', selectors: validateSelectors(value) };
}

export function resolveSelection(inv: Inventory, selection: VmSelector[] | string): Resolved {
  return typeof selection === 'string' ? resolveSelectorLine(inv, selection) : resolveSelectors(inv, selection);
}

function operationId(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `op-${stamp}-${randomUUID().slice(0, 6)}`;
}

function actionName(kind: OperationKind, request: BulkOptions): string {
  if (kind === 'power') return `power ${String((request as { operation?: unknown }).operation)}`;
  if (kind === 'tags') return `tags ${String((request as { action?: unknown }).action)}`;
  return kind;
}

export async function executeOperation(deps: ExecutionDeps, kind: OperationKind, request: BulkOptions, planner: Planner, run: RunOptions = {}): Promise<Operation> {
  const { client, context, recorder, store } = deps;
  const frontEnd = run.frontEnd ?? deps.frontEnd;
  const dryRun = optionalBoolean(request?.dryRun, 'dryRun') === true;
  const action = actionName(kind, request);
  const recorded = recordableRequest(request);
  const record = (fn: (r: CoreRecorder) => void | Promise<void>) => {
    if (!recorder) return;
    try {
      void Promise.resolve(fn(recorder)).catch(() => {});
    } catch {
      // History is best effort from the core's side; the store reports its own failures.
    }
  };
  const audit = (e: Partial<AuditEntry>) => record((r) => r.audit({ at: Date.now(), context: context.name, frontEnd, action, request: recorded, allowed: true, dryRun, ...e }));

  if (context.readOnly && !dryRun) {
    const err = new ReadOnlyError(context.name, action);
    audit({ allowed: false, reason: err.message });
    throw err;
  }
  const maxParallel = intInRange(request.maxParallel, 'maxParallel', 1, 20, deps.defaults.maxParallel ?? 5);
  const maxPerNode = intInRange(request.maxPerNode, 'maxPerNode', 1, 20, deps.defaults.maxPerNode ?? 0) || undefined;
  const force = optionalBoolean(request.force, 'force') === true;
  const selection = checkSelection(request.vmSelectors);

  // A fresh inventory for every action: a migrated VM is found on its new node.
  const inv = await fetchInventory(client, { signal: run.signal });
  const resolved = selection.kind === 'line' ? resolveSelectorLine(inv, selection.line) : resolveSelectors(inv, selection.selectors);
  const plan = await planner({ client, inventory: inv, vms: resolved.vms, safeMode: context.safeMode, force });
  const startedAt = Date.now();
  const op: Operation = {
    id: operationId(new Date(startedAt)),
    kind,
    request: recorded,
    dryRun,
    status: dryRun ? 'planned' : 'running',
    targets: plan.targets,
    warnings: resolved.warnings.map((w) => w.message),
    frontEnd,
    context: context.name,
    startedAt,
  };

  if (dryRun) {
    op.finishedAt = startedAt;
    summarise(op);
    audit({ operationId: op.id });
    return op;
  }

  // Targets that cannot be attempted were asked for and will not be done: that is a failure, not a skip.
  for (const t of op.targets) {
    if (plan.blocked.has(t.vmid)) Object.assign(t, { state: 'failed', message: `${t.message ?? 'cannot be reached'}; not attempted`, finishedAt: startedAt });
  }
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
    if (event.type === 'target-updated') record((r) => r.targetUpdated(op));
  };

  const execute = async (): Promise<Operation> => {
    try {
      await runPlan(op, plan.steps, {
        maxParallel,
        maxPerNode,
        signal: cancel.signal,
        abandonSignal: abandon.signal,
        lockRetries: deps.lockRetries,
        lockRetryDelayMs: deps.lockRetryDelayMs,
        taskTimeoutMs: Math.min(plan.taskTimeoutMs, deps.taskTimeoutMs ?? Infinity),
        waitTask: (upid, opts) => client.waitForTask(upid, opts),
        gate: deps.gate,
        emit,
      });
    } finally {
      run.signal?.removeEventListener('abort', onCallerAbort);
      op.finishedAt = Date.now();
      summarise(op);
      op.status = finalStatus(op);
      store.finish(op.id);
      emit({ type: 'operation-finished', operation: op });
      record((r) => r.operationFinished(op));
    }
    return op;
  };

  summarise(op);
  audit({ operationId: op.id });
  // Registered before anything is announced, so a listener can look the operation up by id.
  let settle!: () => void;
  store.add(op, { cancel, abandon, done: new Promise<void>((r) => (settle = r)) });
  emit({ type: 'operation-started', operation: op });
  record((r) => r.operationStarted(op));
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
