// createCore: the MoxxieCore every front end uses. Reads go straight to PVE (VMs located through a fresh
// inventory); every bulk action goes through executeOperation, where read-only, safe mode, protection and
// always-on are enforced once for all front ends.
import type { ContextInfo, MoxxieCore } from '../core.js';
import { fetchInventory } from '../inventory/inventory.js';
import type { Inventory, Vm } from '../inventory/model.js';
import { tagCounts, vmsWithTag } from '../inventory/summary.js';
import type { PveClient } from '../pve/client.js';
import { getClusterTasks } from '../pve/endpoints/cluster.js';
import { getQemuConfig } from '../pve/endpoints/qemu.js';
import { RequestError } from './errors.js';
import { executeOperation, resolveSelection, type ExecutionDeps } from './execute-operation.js';
import { DESTRUCTIVE_POWER, planPower } from './power.js';
import type { CoreRecorder } from './recorder.js';
import { OperationStore } from './registry.js';
import { listSnapshots, planSnapshotCreate, planSnapshotDelete, planSnapshotRollback } from './snapshots.js';
import { planTags } from './tags.js';
import { readTaskLog } from './task-log.js';
import type { FrontEnd, OperationKind } from './types.js';
import { VmGate } from './vm-gate.js';

export interface CoreOptions {
  context: ContextInfo;
  client: PveClient;
  defaults?: { maxParallel?: number; maxPerNode?: number };
  recorder?: CoreRecorder;
  frontEnd?: FrontEnd;
  /** Lock-retry tuning: retries before a locked VM's target fails (default 5), first back-off (default 1000 ms, doubling). */
  lockRetries?: number;
  lockRetryDelayMs?: number;
  /** Caps the per-task timeout of every plan (default: the plan's own, e.g. 1 h for snapshots). */
  taskTimeoutMs?: number;
  /** close(): how long running steps may finish before their tasks are abandoned (default 5000 ms). */
  closeGraceMs?: number;
}

/** Destructive as safe mode and confirmations understand it: stop, snapshot delete, rollback, tag removal/replace. */
export function isDestructive(kind: OperationKind, request: unknown): boolean {
  const r = (request ?? {}) as { operation?: unknown; action?: unknown };
  if (kind === 'snapshot.delete' || kind === 'snapshot.rollback') return true;
  if (kind === 'power') return DESTRUCTIVE_POWER.some((a) => a === r.operation);
  if (kind === 'tags') return r.action === 'REMOVE' || r.action === 'REPLACE';
  return false;
}

const LIST_TASKS_DEFAULT = 100;

export function createCore(opts: CoreOptions): MoxxieCore & { readonly operations: OperationStore } {
  const { client, context } = opts;
  const store = new OperationStore();
  const deps: ExecutionDeps = {
    client,
    context,
    frontEnd: opts.frontEnd ?? 'cli',
    defaults: opts.defaults ?? {},
    store,
    gate: new VmGate(),
    recorder: opts.recorder,
    lockRetries: opts.lockRetries,
    lockRetryDelayMs: opts.lockRetryDelayMs,
    taskTimeoutMs: opts.taskTimeoutMs,
  };

  const inventory = (o: { signal?: AbortSignal } = {}): Promise<Inventory> => fetchInventory(client, o);
  const locate = async (vmid: number): Promise<Vm> => {
    if (!Number.isInteger(vmid) || vmid < 1) throw new RequestError('vmid', `must be a positive integer (got ${JSON.stringify(vmid)})`);
    const vm = (await inventory()).vms.find((v) => v.vmid === vmid);
    if (!vm) throw new RequestError('vmid', `VM ${vmid} does not exist in this cluster`);
    if (vm.type !== 'qemu') throw new RequestError('vmid', `${vmid} is an ${vm.type} guest; only qemu VMs are handled here`);
    return vm;
  };

  return {
    context,
    operations: store,
    inventory,
    resolve: async (selectors) => resolveSelection(await inventory(), selectors),
    getVmConfig: async (vmid) => {
      const vm = await locate(vmid);
      return { ...(await getQemuConfig(client, vm.node, vmid)) };
    },
    listSnapshots: async (vmid) => listSnapshots(client, await locate(vmid)),
    listTasks: async (o = {}) => {
      const tasks = await getClusterTasks(client);
      return tasks.slice(0, o.limit ?? LIST_TASKS_DEFAULT).map((t) => ({ upid: t.upid, node: t.node, type: t.type, id: t.id, user: t.user, starttime: t.starttime, endtime: t.endtime, status: t.status }));
    },
    taskLog: (upid, o) => readTaskLog(client, upid, o),
    listTags: async () => tagCounts(await inventory()),
    vmsWithTag: async (tag) => vmsWithTag(await inventory(), tag),
    createSnapshots: (req, run) => executeOperation(deps, 'snapshot.create', req, (input) => planSnapshotCreate(input, req), run),
    deleteSnapshots: (req, run) => executeOperation(deps, 'snapshot.delete', req, (input) => planSnapshotDelete(input, req), run),
    rollbackSnapshot: (req, run) => executeOperation(deps, 'snapshot.rollback', req, (input) => planSnapshotRollback(input, req), run),
    power: (req, run) => executeOperation(deps, 'power', req, (input) => planPower(input, req), run),
    applyTags: (req, run) => executeOperation(deps, 'tags', req, (input) => planTags(input, req), run),
    close: () => store.shutdown(opts.closeGraceMs ?? 5000),
  };
}
