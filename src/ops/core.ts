// createCore: the MoxxieCore every front end uses. It resolves selectors on a fresh inventory, plans,
// enforces read-only mode, runs the plan and tells the registry, the caller and the recorder.
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { ContextInfo, MoxxieCore, Resolution } from '../core.js';
import { fetchInventory } from '../inventory/inventory.js';
import type { Inventory } from '../inventory/model.js';
import { tagCounts, vmsWithTag } from '../inventory/summary.js';
import type { PveClient } from '../pve/client.js';
import { getQemuConfig } from '../pve/endpoints/qemu.js';
import { getClusterTasks } from '../pve/endpoints/cluster.js';
import { resolveSelectors } from '../select/resolve.js';
import { resolveSelectorLine } from '../select/selector-line.js';
import type { VmSelector } from '../select/types.js';
import { intInRange, ReadOnlyError, RequestError } from './errors.js';
import type { Plan, PlanInput } from './plan.js';
import { DESTRUCTIVE_POWER, planPower } from './power.js';
import type { AuditEntry, CoreRecorder } from './recorder.js';
import { OperationStore } from './registry.js';
import { finalStatus, runPlan, summarise } from './runner.js';
import { listSnapshots, planSnapshotCreate, planSnapshotDelete, planSnapshotRollback } from './snapshots.js';
import { planTags } from './tags.js';
import type { BulkOptions, FrontEnd, Operation, OperationEvent, OperationKind, RunOptions } from './types.js';

export interface CoreOptions {
  context: ContextInfo;
  client: PveClient;
  defaults?: { maxParallel?: number; maxPerNode?: number };
  recorder?: CoreRecorder;
  frontEnd?: FrontEnd;
  /** Lock-retry tuning (tests shorten it). */
  lockRetries?: number;
  lockRetryDelayMs?: number;
}

export type CoreRunOptions = RunOptions;

export function isDestructive(kind: OperationKind, request: unknown): boolean {
  const r = request as { operation?: string; action?: string };
  if (kind === 'snapshot.delete' || kind === 'snapshot.rollback') return true;
  if (kind === 'power') return DESTRUCTIVE_POWER.includes(r.operation as never);
  if (kind === 'tags') return r.action === 'REMOVE' || r.action === 'REPLACE';
  return false;
}

function opId(): string {
  const d = new Date();
  const stamp = `${d.getFullYear()}${String(d.getMonth() + 1).padStart(2, '0')}${String(d.getDate()).padStart(2, '0')}-${String(d.getHours()).padStart(2, '0')}${String(d.getMinutes()).padStart(2, '0')}${String(d.getSeconds()).padStart(2, '0')}`;
  return `op-${stamp}-${randomUUID().slice(0, 6)}`;
}

export function createCore(opts: CoreOptions): MoxxieCore & { readonly operations: OperationStore } {
  const { client, context } = opts;
  const store = new OperationStore();
  const frontEndDefault = opts.frontEnd ?? 'cli';
  const recorder = opts.recorder;

  const record = (fn: (r: CoreRecorder) => void | Promise<void>) => {
    if (!recorder) return;
    try {
      void Promise.resolve(fn(recorder)).catch(() => {});
    } catch {
      // History is best effort from the core's side; the store reports its own failures.
    }
  };

  const inventory = (o: { signal?: AbortSignal } = {}): Promise<Inventory> => fetchInventory(client, o);

  const resolveOn = (inv: Inventory, selectors: VmSelector[] | string): Resolution =>
    typeof selectors === 'string' ? resolveSelectorLine(inv, selectors) : resolveSelectors(inv, selectors);

  async function execute(kind: OperationKind, request: BulkOptions, planner: (input: PlanInput) => Plan | Promise<Plan>, run: CoreRunOptions = {}): Promise<Operation> {
    const frontEnd = run.frontEnd ?? frontEndDefault;
    const dryRun = request.dryRun === true;
    const action = kind === 'power' ? `power ${(request as { operation?: string }).operation}` : kind === 'tags' ? `tags ${(request as { action?: string }).action}` : kind;
    const audit = (e: Partial<AuditEntry>) => record((r) => r.audit({ at: Date.now(), context: context.name, frontEnd, action, request, allowed: true, dryRun, ...e }));

    if (context.readOnly && !dryRun) {
      const err = new ReadOnlyError(context.name, action);
      audit({ allowed: false, reason: err.message });
      throw err;
    }
    const maxParallel = intInRange(request.maxParallel, 'maxParallel', 1, 20, opts.defaults?.maxParallel ?? 5);
    const maxPerNode = request.maxPerNode === undefined ? opts.defaults?.maxPerNode : intInRange(request.maxPerNode, 'maxPerNode', 1, 20, 1);
    if (request.vmSelectors === undefined) throw new RequestError('vmSelectors', 'required: which VMs, e.g. [{"type":"VM_IDS","value":"8200,8201"}] or a selector line');

    // A fresh inventory for every action: a migrated VM is found on its new node.
    const inv = await inventory({ signal: run.signal });
    const resolved = resolveOn(inv, request.vmSelectors as VmSelector[] | string);
    const plan = await planner({ client, inventory: inv, vms: resolved.vms, safeMode: context.safeMode, force: request.force === true });

    const op: Operation = {
      id: opId(),
      kind,
      request,
      dryRun,
      status: dryRun ? 'planned' : 'running',
      targets: plan.targets,
      warnings: resolved.warnings.map((w) => w.message),
      frontEnd,
      context: context.name,
      startedAt: Date.now(),
    };
    if (dryRun) {
      op.finishedAt = op.startedAt;
      summarise(op);
      audit({ operationId: op.id });
      return op;
    }

    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    const onOuterAbort = () => controller.abort();
    run.signal?.addEventListener('abort', onOuterAbort, { once: true });
    store.add(op, controller);
    audit({ operationId: op.id });
    const emit = (event: OperationEvent) => {
      store.emit(event);
      run.onEvent?.(event);
      if (event.type === 'target-updated') record((r) => r.targetUpdated(op));
    };
    emit({ type: 'operation-started', operation: op });
    record((r) => r.operationStarted(op));
    run.onStarted?.(op);
    try {
      await runPlan(op, plan.steps, {
        maxParallel,
        maxPerNode,
        signal: controller.signal,
        lockRetries: opts.lockRetries,
        lockRetryDelayMs: opts.lockRetryDelayMs,
        waitTask: (upid, signal) => client.waitForTask(upid, { timeoutMs: plan.taskTimeoutMs, signal }),
        emit,
      });
    } finally {
      run.signal?.removeEventListener('abort', onOuterAbort);
      op.finishedAt = Date.now();
      summarise(op);
      op.status = finalStatus(op, controller.signal.aborted);
      store.finish(op.id);
      emit({ type: 'operation-finished', operation: op });
      record((r) => r.operationFinished(op));
    }
    return op;
  }

  return {
    context,
    operations: store,
    inventory,
    resolve: async (selectors) => resolveOn(await inventory(), selectors),
    getVmConfig: async (vmid) => {
      const vm = (await inventory()).vms.find((v) => v.vmid === vmid);
      if (!vm) throw new RequestError('vmid', `VM ${vmid} does not exist in this cluster`);
      const cfg = await getQemuConfig(client, vm.node, vmid);
      return { ...cfg };
    },
    listSnapshots: async (vmid) => {
      const vm = (await inventory()).vms.find((v) => v.vmid === vmid);
      if (!vm) throw new RequestError('vmid', `VM ${vmid} does not exist in this cluster`);
      return listSnapshots(client, vm);
    },
    listTasks: async (o = {}) => {
      const tasks = await getClusterTasks(client);
      return tasks.slice(0, o.limit ?? 100).map((t) => ({ upid: t.upid, node: t.node, type: t.type, id: t.id, user: t.user, starttime: t.starttime, endtime: t.endtime, status: t.status }));
    },
    listTags: async () => tagCounts(await inventory()),
    vmsWithTag: async (tag) => vmsWithTag(await inventory(), tag),
    createSnapshots: (req, run) => execute('snapshot.create', req, (input) => planSnapshotCreate(input, req), run),
    deleteSnapshots: (req, run) => execute('snapshot.delete', req, (input) => planSnapshotDelete(input, req), run),
    rollbackSnapshot: (req, run) => execute('snapshot.rollback', req, (input) => planSnapshotRollback(input, req), run),
    power: (req, run) => execute('power', req, (input) => planPower(input, req), run),
    applyTags: (req, run) => execute('tags', req, (input) => planTags(input, req), run),
    close: async () => {
      for (const op of store.list()) store.cancel(op.id);
    },
  };
}
