// Snapshot capability: list, bulk create with name templates and TTL, bulk delete by name/pattern/age/TTL,
// rollback. Plans say per VM what will happen or why it is skipped.
import picomatch from 'picomatch';
import type { SnapshotInfo } from '../core.js';
import type { Vm } from '../inventory/model.js';
import { deleteQemuSnapshot, getQemuSnapshots, postQemuSnapshot, postQemuSnapshotRollback } from '../pve/endpoints/qemu.js';
import type { PveRequester } from '../pve/types.js';
import { intInRange, RequestError } from './errors.js';
import { offlineNodesOf, planned, skipped, type Plan, type PlanInput } from './plan.js';
import type { Step } from './runner.js';
import { protectedVmids, PROTECTION_SKIP, reachabilitySkip, safeModeSkip } from './safety.js';
import { describeSnapshot, expiresAt, isMoxxieMade, parseTtlHours } from './snapshot-marker.js';
import { nameClock, renderAll, validateTemplate } from './snapshot-names.js';
import type { BulkSnapshotCreateRequest, BulkSnapshotDeleteRequest, SnapshotRollbackRequest } from './types.js';

const HOUR = 3600_000;

export async function listSnapshots(client: PveRequester, vm: Pick<Vm, 'node' | 'vmid'>): Promise<SnapshotInfo[]> {
  const raw = await getQemuSnapshots(client, vm.node, vm.vmid);
  return raw
    .filter((s) => s.name !== 'current')
    .map((s) => ({
      name: s.name,
      description: s.description ?? '',
      snaptime: s.snaptime,
      vmstate: s.vmstate === 1,
      parent: s.parent,
      ttlHours: parseTtlHours(s.description),
      expiresAt: expiresAt(s.snaptime, s.description),
      moxxieMade: isMoxxieMade(s.description),
    }))
    .sort((a, b) => (a.snaptime ?? 0) - (b.snaptime ?? 0));
}

export function planSnapshotCreate(input: PlanInput, req: BulkSnapshotCreateRequest): Plan {
  const template = validateTemplate(req.snapshotName);
  const ttl = req.ttlHours === undefined ? undefined : intInRange(req.ttlHours, 'ttlHours', 1, 8760, 24);
  if (req.description !== undefined && typeof req.description !== 'string') throw new RequestError('description', 'must be a string');
  const offline = offlineNodesOf(input.inventory);
  const candidates = input.vms.filter((vm) => !reachabilitySkip(vm, offline));
  const names = renderAll(template, candidates, nameClock());
  const description = describeSnapshot(req.description, ttl);
  const steps = new Map<number, Step>();
  const targets = input.vms.map((vm) => {
    const skip = reachabilitySkip(vm, offline);
    if (skip) return skipped(vm, 'snapshot', skip);
    const snapname = names.get(vm.vmid)!;
    steps.set(vm.vmid, async (tools) => {
      const upid = await postQemuSnapshot(input.client, vm.node, vm.vmid, { snapname, description, vmstate: req.includeMemory ? true : undefined });
      await tools.awaitTask(upid);
      return `snapshot ${snapname} created`;
    });
    return planned(vm, `snapshot ${snapname}${req.includeMemory && vm.status === 'running' ? ' (with RAM)' : ''}${ttl ? `, expires in ${ttl}h` : ''}`);
  });
  return { targets, steps, taskTimeoutMs: 60 * 60_000 };
}

export async function planSnapshotDelete(input: PlanInput, req: BulkSnapshotDeleteRequest): Promise<Plan> {
  if (!req.snapshotName && !req.namePattern && req.olderThanHours === undefined && !req.expiredOnly) {
    throw new RequestError('snapshotName', 'say which snapshots to delete: snapshotName, namePattern, olderThanHours or expiredOnly');
  }
  if (req.olderThanHours !== undefined) intInRange(req.olderThanHours, 'olderThanHours', 1, 87600, 0);
  const moxxieOnly = req.moxxieOnly !== false;
  const pattern = req.namePattern ? picomatch(req.namePattern, { nocase: true, dot: true }) : undefined;
  const now = Date.now();
  const offline = offlineNodesOf(input.inventory);
  const policy = { safeMode: input.safeMode, force: input.force };
  const reachable = input.vms.filter((vm) => !reachabilitySkip(vm, offline) && !safeModeSkip(vm, policy));
  const guarded = input.force ? new Set<number>() : await protectedVmids(input.client, reachable);

  const steps = new Map<number, Step>();
  const targets = await Promise.all(
    input.vms.map(async (vm) => {
      const skip = reachabilitySkip(vm, offline) ?? safeModeSkip(vm, policy) ?? (guarded.has(vm.vmid) ? PROTECTION_SKIP : undefined);
      if (skip) return skipped(vm, 'delete snapshots', skip);
      const snaps = await listSnapshots(input.client, vm);
      const chosen = snaps.filter((s) => {
        if (req.snapshotName && s.name !== req.snapshotName) return false;
        if (pattern && !pattern(s.name)) return false;
        if (req.olderThanHours !== undefined && (s.snaptime === undefined || now - s.snaptime * 1000 < req.olderThanHours * HOUR)) return false;
        if (req.expiredOnly && (s.expiresAt === undefined || s.expiresAt * 1000 > now)) return false;
        return true;
      });
      const allowed = moxxieOnly ? chosen.filter((s) => s.moxxieMade) : chosen;
      if (!allowed.length) {
        const reason = chosen.length ? `${chosen.length} matching snapshot(s) were not made by moxxie (set moxxieOnly: false to include them)` : 'no matching snapshots';
        return skipped(vm, 'delete snapshots', reason);
      }
      const names = allowed.map((s) => s.name);
      steps.set(vm.vmid, async (tools) => {
        // One at a time: PVE locks the VM for each delete.
        for (const name of names) await tools.awaitTask(await deleteQemuSnapshot(input.client, vm.node, vm.vmid, name));
        return `deleted ${names.join(', ')}`;
      });
      return planned(vm, `delete ${names.join(', ')}`);
    }),
  );
  return { targets, steps, taskTimeoutMs: 60 * 60_000 };
}

export async function planSnapshotRollback(input: PlanInput, req: SnapshotRollbackRequest): Promise<Plan> {
  if (typeof req.snapshotName !== 'string' || !req.snapshotName) throw new RequestError('snapshotName', 'required: the snapshot to roll back to');
  const offline = offlineNodesOf(input.inventory);
  const policy = { safeMode: input.safeMode, force: input.force };
  const reachable = input.vms.filter((vm) => !reachabilitySkip(vm, offline) && !safeModeSkip(vm, policy));
  const guarded = input.force ? new Set<number>() : await protectedVmids(input.client, reachable);
  const steps = new Map<number, Step>();
  const action = `roll back to ${req.snapshotName}${req.start ? ' and start' : ''}`;
  const targets = input.vms.map((vm) => {
    const skip = reachabilitySkip(vm, offline) ?? safeModeSkip(vm, policy) ?? (guarded.has(vm.vmid) ? PROTECTION_SKIP : undefined);
    if (skip) return skipped(vm, action, skip);
    steps.set(vm.vmid, async (tools) => {
      await tools.awaitTask(await postQemuSnapshotRollback(input.client, vm.node, vm.vmid, req.snapshotName, { start: req.start ? true : undefined }));
      return `rolled back to ${req.snapshotName}`;
    });
    return planned(vm, action);
  });
  return { targets, steps, taskTimeoutMs: 60 * 60_000 };
}
