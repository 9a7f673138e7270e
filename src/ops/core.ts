// createCore: the MoxxieCore every front end uses. Reads go straight to PVE (VMs located through one fresh
// inventory per call, or none when the caller passes the VMs it has); every bulk action goes through executeOperation, where read-only, safe mode, protection and
// always-on are enforced once for all front ends.
import { storageContent, storageRows } from '../inventory/storage-content.js';
import type { ContextInfo, MoxxieCore, VmRef, VmSnapshots } from '../core.js';
import { boundedMap } from './bounded-map.js';
import { fetchInventory } from '../inventory/inventory.js';
import type { Inventory, Vm } from '../inventory/model.js';
import { tagCounts, vmsWithTag } from '../inventory/summary.js';
import type { PveClient } from '../pve/client.js';
import { getClusterTasks } from '../pve/endpoints/cluster.js';
import { getGuestConfig, getGuestStatusCurrent, refOf } from '../pve/endpoints/guest.js';
import { CAPABILITIES } from './capabilities/index.js';
import { RequestError } from './errors.js';
import { planContinuation } from './continuation-plan.js';
import { continueOperation, executeOperation, resolveSelection, resumableTargets, type ExecutionDeps } from './execute-operation.js';
import type { CoreRecorder } from './recorder.js';
import { OperationStore } from './registry.js';
import { checkMigration } from './migration/precondition.js';
import { listSnapshots } from './snapshot-list.js';
import { listBackupsReport } from './backup-list.js';
import { listImageSources } from './image-sources.js';
import { readTaskLog } from './task-log.js';
import { previewRetention, retentionQuerySchema } from './retention/candidates.js';
import { parseRequest } from './request-schema.js';
import type { FrontEnd, Operation, OperationKind, RunOptions } from './types.js';
import { VmGate } from './vm-gate.js';
import type { VmidAllocator } from './vmid-allocator.js';
import { guestPool } from '../inventory/guest-pool.js';
import { planClusterOn } from './provisioning/plan-on-cluster.js';
import type { PlacementConfig } from './provisioning/placement.js';
import { listProvisioningOf, provisioningStatusOf } from './provisioning/provisioning-status.js';

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
  /** VM ids for create, clone and restore; give one with a directory so moxxie processes on this machine never collide (default: in-process only). */
  vmids?: VmidAllocator;
  /** The context's provisioning placement settings (config's `provisioning` and vmidRange). */
  placement?: PlacementConfig;
}

const LIST_TASKS_DEFAULT = 100;
/** Snapshot lists read at once for one call; the client's connection pool bounds it further. */
const SNAPSHOT_LIST_READS = 8;

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
    vmids: opts.vmids,
    placement: opts.placement,
  };

  const inventory = (o: { signal?: AbortSignal } = {}): Promise<Inventory> => fetchInventory(client, o);
  const findIn = (inv: Inventory, vmid: number): Vm => {
    if (!Number.isInteger(vmid) || vmid < 1) throw new RequestError('vmid', `must be a positive integer (got ${JSON.stringify(vmid)})`);
    const vm = inv.vms.find((v) => v.vmid === vmid);
    if (!vm) throw new RequestError('vmid', `VM ${vmid} does not exist in this cluster`);
    return vm;
  };
  /** VMs and containers by id (one inventory read for all of them, only if any is an id) or as given (a ref without a type is a VM). */
  const locateAll = async (refs: ReadonlyArray<number | VmRef>): Promise<VmRef[]> => {
    const inv = refs.some((r) => typeof r === 'number') ? await inventory() : undefined;
    return refs.map((r) => (typeof r === 'number' ? findIn(inv as Inventory, r) : r));
  };
  const locate = async (ref: number | VmRef): Promise<VmRef> => (await locateAll([ref]))[0];

  const runKind = (kind: OperationKind, request: object, run?: RunOptions): Promise<Operation> => {
    const capability = CAPABILITIES[kind];
    if (!capability) throw new RequestError('kind', `'${String(kind)}' is not a capability; use one of ${Object.keys(CAPABILITIES).join(', ')}`);
    return executeOperation(deps, capability, request, run);
  };

  /** An operation to resume or roll back: finished (in this process or recorded by another) and not a dry run. */
  const recordedOperation = async (id: string, what: 'resume' | 'rollback'): Promise<Operation> => {
    if (typeof id !== 'string' || !id) throw new RequestError('id', 'required: an operation id such as op-20261205-101500-a1b2c3');
    if (store.isRunning(id)) throw new RequestError('id', `operation ${id} is still running in this process; cancel it first, then ${what} it`);
    const op = store.get(id) ?? (await opts.recorder?.getOperation?.(id));
    if (!op) throw new RequestError('id', `no operation '${id}' in this context's history (moxxie history list shows them)`);
    if (op.dryRun) throw new RequestError('id', `operation ${id} is a dry run: nothing ran, so there is nothing to ${what}`);
    if (op.status === 'running') throw new RequestError('id', `operation ${id} is still running in another moxxie process; it can be resumed or rolled back once it has ended or its process has died`);
    if (!CAPABILITIES[op.kind]) throw new RequestError('id', `operation ${id} is a '${op.kind}' operation, which this moxxie cannot continue`);
    return structuredClone(op);
  };

  return {
    context,
    operations: store,
    inventory,
    resolve: async (selectors) => resolveSelection(await inventory(), selectors),
    getVmConfig: async (ref) => {
      const vm = await locate(ref);
      return { ...(await getGuestConfig(client, refOf(vm))) };
    },
    getVmStatus: async (ref) => getGuestStatusCurrent(client, refOf(ref)),
    listSnapshots: async (ref) => listSnapshots(client, await locate(ref)),
    listSnapshotsOf: async (refs) => {
      const vms = await locateAll(refs);
      return boundedMap(vms, SNAPSHOT_LIST_READS, async (vm): Promise<VmSnapshots> => {
        try {
          return { vmid: vm.vmid, snapshots: await listSnapshots(client, vm) };
        } catch (err) {
          return { vmid: vm.vmid, snapshots: [], error: err instanceof Error ? err.message : String(err) };
        }
      });
    },
    listTasks: async (o = {}) => {
      const tasks = await getClusterTasks(client);
      return tasks.slice(0, o.limit ?? LIST_TASKS_DEFAULT).map((t) => ({ upid: t.upid, node: t.node, type: t.type, id: t.id, user: t.user, starttime: t.starttime, endtime: t.endtime, status: t.status }));
    },
    taskLog: (upid, o) => readTaskLog(client, upid, o),
    guestPool: (vmid) => guestPool(client, vmid),
    listTags: async () => tagCounts(await inventory()),
    listBackups: async (filter, o = {}) => listBackupsReport(client, await inventory(o), filter),
    planCluster: async (spec, settings) => (await planClusterOn(client, spec, settings)).plan,
    checkMigration: async (vmid, target, o) => checkMigration(client, await inventory(), vmid, target, o),
    listImageSources: async () => listImageSources(client, await inventory()),
    vmsWithTag: async (tag) => vmsWithTag(await inventory(), tag),
    retentionCandidates: async (query) => previewRetention(client, await inventory(), parseRequest(retentionQuerySchema, query)),
    listStorages: async (q = {}) => storageRows(await inventory(), q),
    storageContent: async (q = {}) => storageContent(client, await inventory(), q),
    createSnapshots: (req, run) => runKind('snapshot.create', req, run),
    deleteSnapshots: (req, run) => runKind('snapshot.delete', req, run),
    rollbackSnapshot: (req, run) => runKind('snapshot.rollback', req, run),
    power: (req, run) => runKind('power', req, run),
    applyTags: (req, run) => runKind('tags', req, run),
    run: runKind,
    planContinuation: async (id, mode) => {
      const op = await recordedOperation(id, mode);
      return planContinuation(op, CAPABILITIES[op.kind], mode);
    },
    resume: async (id, run) => {
      const op = await recordedOperation(id, 'resume');
      if (!resumableTargets(op).length) throw new RequestError('id', `operation ${id} has nothing left to resume: every target ended ${[...new Set(op.targets.map((t) => t.state))].join(' or ')}`);
      return continueOperation(deps, CAPABILITIES[op.kind], op, 'resume', run);
    },
    rollback: async (id, run) => {
      const op = await recordedOperation(id, 'rollback');
      if (op.status === 'rolled-back') throw new RequestError('id', `operation ${id} is already rolled back`);
      return continueOperation(deps, CAPABILITIES[op.kind], op, 'rollback', run);
    },
    provisioningStatus: (id) => provisioningStatusOf(store, opts.recorder, id),
    listProvisioning: (o) => listProvisioningOf(store, opts.recorder, o),
    close: () => store.shutdown(opts.closeGraceMs ?? 5000),
  };
}
