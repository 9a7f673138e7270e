// Snapshot capability: list, bulk create with name templates and TTL, bulk delete by name/pattern/age/TTL,
// rollback. Plans say per VM what will happen or why it is skipped.
import picomatch from 'picomatch';
import type { SnapshotInfo } from '../core.js';
import type { Vm } from '../inventory/model.js';
import { PveError } from '../pve/errors.js';
import { deleteQemuSnapshot, getQemuSnapshots, postQemuSnapshot, postQemuSnapshotRollback } from '../pve/endpoints/qemu.js';
import type { PveRequester } from '../pve/types.js';
import { boundedMap } from './bounded-map.js';
import { intInRange, optionalBoolean, RequestError } from './errors.js';
import { offlineNodesOf, PlanBuilder, type Plan, type PlanInput } from './plan.js';
import { StepCancelled, StepFailure } from './runner.js';
import { alwaysOnSkip, checkProtection, offlineReason, PROTECTION_SKIP, safeModeSkip, unsupportedReason } from './safety.js';
import { describeSnapshot, expiresAt, isMoxxieMade, parseTtlHours } from './snapshot-marker.js';
import { nameClock, renderAll, validateTemplate } from './snapshot-names.js';
import type { BulkSnapshotCreateRequest, BulkSnapshotDeleteRequest, SnapshotRollbackRequest } from './types.js';

const HOUR_MS = 3600_000;
/** A snapshot task (RAM state included) can take long on a real cluster. */
const SNAPSHOT_TASK_TIMEOUT_MS = 60 * 60_000;
const LIST_READS = 8;

export async function listSnapshots(client: PveRequester, vm: Pick<Vm, 'node' | 'vmid'>): Promise<SnapshotInfo[]> {
  const raw = await getQemuSnapshots(client, vm.node, vm.vmid);
  return raw
    .filter((s) => s.name !== 'current')
    .map((s) => ({
      name: s.name,
      description: s.description ?? '',
      snaptime: s.snaptime,
      vmstate: Number(s.vmstate) === 1,
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
  const withRam = optionalBoolean(req.includeMemory, 'includeMemory') === true;
  const offline = offlineNodesOf(input.inventory);
  const skipWhy = (vm: Vm) => unsupportedReason(vm);
  // Names are rendered (and refused) before anything runs, for exactly the VMs that will get a step.
  const names = renderAll(template, input.vms.filter((vm) => !skipWhy(vm) && !offlineReason(vm, offline)), nameClock());
  const description = describeSnapshot(req.description, ttl);
  const plan = new PlanBuilder();
  for (const vm of input.vms) {
    const skip = skipWhy(vm);
    const blocked = offlineReason(vm, offline);
    if (skip) {
      plan.skip(vm, 'snapshot', skip);
      continue;
    }
    if (blocked) {
      plan.block(vm, 'snapshot', blocked);
      continue;
    }
    const snapname = names.get(vm.vmid)!;
    // PVE ignores vmstate on a stopped VM; the plan says so rather than promising RAM it will not save.
    const ram = withRam && vm.status === 'running';
    plan.add(vm, `snapshot ${snapname}${ram ? ' (with RAM)' : ''}${ttl ? `, expires in ${ttl}h` : ''}`, async (tools) => {
      await tools.awaitTask(await postQemuSnapshot(input.client, vm.node, vm.vmid, { snapname, description, vmstate: withRam ? true : undefined }));
      return `snapshot ${snapname} created`;
    });
  }
  return plan.build(SNAPSHOT_TASK_TIMEOUT_MS);
}

const GONE = /snapshot '[^']*' does not exist/;

export async function planSnapshotDelete(input: PlanInput, req: BulkSnapshotDeleteRequest): Promise<Plan> {
  if (req.snapshotName !== undefined && (typeof req.snapshotName !== 'string' || !req.snapshotName)) throw new RequestError('snapshotName', 'must be a snapshot name');
  if (req.namePattern !== undefined && (typeof req.namePattern !== 'string' || !req.namePattern)) throw new RequestError('namePattern', 'must be a glob such as "auto-*"');
  const olderThanHours = req.olderThanHours === undefined ? undefined : intInRange(req.olderThanHours, 'olderThanHours', 1, 87600, 1);
  const expiredOnly = optionalBoolean(req.expiredOnly, 'expiredOnly') === true;
  const moxxieOnly = optionalBoolean(req.moxxieOnly, 'moxxieOnly') !== false;
  if (!req.snapshotName && !req.namePattern && olderThanHours === undefined && !expiredOnly) {
    throw new RequestError('snapshotName', 'say which snapshots to delete: snapshotName (exact), namePattern (glob), olderThanHours or expiredOnly');
  }
  const pattern = req.namePattern ? picomatch(req.namePattern, { nocase: true, dot: true }) : undefined;
  const now = Date.now();
  const chosen = (s: SnapshotInfo) =>
    (!req.snapshotName || s.name === req.snapshotName) &&
    (!pattern || pattern(s.name)) &&
    (olderThanHours === undefined || (s.snaptime !== undefined && now - s.snaptime * 1000 >= olderThanHours * HOUR_MS)) &&
    (!expiredOnly || (s.expiresAt !== undefined && s.expiresAt * 1000 <= now));

  const offline = offlineNodesOf(input.inventory);
  const policy = { safeMode: input.safeMode, force: input.force };
  const label = 'delete snapshots';
  const skipWhy = (vm: Vm) => unsupportedReason(vm) ?? safeModeSkip(vm, policy);
  const candidates = input.vms.filter((vm) => !skipWhy(vm) && !offlineReason(vm, offline));
  const protection = input.force ? undefined : await checkProtection(input.client, candidates);
  const readable = candidates.filter((vm) => !protection?.protected.has(vm.vmid) && !protection?.unreadable.has(vm.vmid));
  const lists = new Map<number, SnapshotInfo[] | Error>();
  await boundedMap(readable, LIST_READS, async (vm) => {
    lists.set(vm.vmid, await listSnapshots(input.client, vm).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))));
  });

  const plan = new PlanBuilder();
  for (const vm of input.vms) {
    const skip = skipWhy(vm) ?? (protection?.protected.has(vm.vmid) ? PROTECTION_SKIP : undefined);
    const blocked = offlineReason(vm, offline) ?? protection?.unreadable.get(vm.vmid);
    const list = lists.get(vm.vmid);
    if (skip) plan.skip(vm, label, skip);
    else if (blocked) plan.block(vm, label, blocked);
    else if (list instanceof Error || list === undefined) plan.block(vm, label, `could not list its snapshots: ${list?.message ?? 'no answer'}`);
    else {
      const matching = list.filter(chosen);
      const allowed = moxxieOnly ? matching.filter((s) => s.moxxieMade) : matching;
      if (!allowed.length) {
        plan.skip(vm, label, matching.length ? `${matching.length} matching snapshot(s) not made by moxxie (set moxxieOnly: false to include them)` : 'no matching snapshots');
        continue;
      }
      const names = allowed.map((s) => s.name);
      const deleted: string[] = [];
      plan.add(vm, `delete ${names.join(', ')}`, async (tools) => {
        // One at a time, oldest first: PVE locks the VM for each delete. Retried from the top after a lock,
        // so what is already gone is not deleted twice.
        for (const name of names) {
          if (deleted.includes(name)) continue;
          if (tools.cancelled()) throw new StepCancelled(`cancelled before deleting ${names.filter((n) => !deleted.includes(n)).join(', ')}`);
          try {
            await tools.awaitTask(await deleteQemuSnapshot(input.client, vm.node, vm.vmid, name));
          } catch (err) {
            // Someone else deleted it meanwhile: the goal is reached.
            if (!((err instanceof StepFailure || (err instanceof PveError && err.kind === 'not-found')) && GONE.test(err.message))) throw err;
          }
          deleted.push(name);
          tools.progress(`deleted ${deleted.join(', ')}`);
        }
        return `deleted ${names.join(', ')}`;
      });
    }
  }
  return plan.build(SNAPSHOT_TASK_TIMEOUT_MS);
}

export async function planSnapshotRollback(input: PlanInput, req: SnapshotRollbackRequest): Promise<Plan> {
  if (typeof req.snapshotName !== 'string' || !req.snapshotName) throw new RequestError('snapshotName', 'required: the snapshot to roll back to');
  const start = optionalBoolean(req.start, 'start') === true;
  const offline = offlineNodesOf(input.inventory);
  const policy = { safeMode: input.safeMode, force: input.force };
  const action = `roll back to ${req.snapshotName}${start ? ' and start' : ''}`;
  const skipWhy = (vm: Vm) =>
    unsupportedReason(vm) ??
    safeModeSkip(vm, policy) ??
    // PVE stops a running VM before rolling it back.
    (vm.status === 'running' || vm.status === 'paused' ? alwaysOnSkip(vm, policy, 'a rollback would stop it; never done') : undefined);
  const candidates = input.vms.filter((vm) => !offlineReason(vm, offline) && !skipWhy(vm));
  const protection = input.force ? undefined : await checkProtection(input.client, candidates);
  const plan = new PlanBuilder();
  for (const vm of input.vms) {
    const skip = skipWhy(vm) ?? (protection?.protected.has(vm.vmid) ? PROTECTION_SKIP : undefined);
    const blocked = offlineReason(vm, offline) ?? protection?.unreadable.get(vm.vmid);
    if (skip) plan.skip(vm, action, skip);
    else if (blocked) plan.block(vm, action, blocked);
    else
      plan.add(vm, action, async (tools) => {
        await tools.awaitTask(await postQemuSnapshotRollback(input.client, vm.node, vm.vmid, req.snapshotName, { start: start ? true : undefined }));
        return `rolled back to ${req.snapshotName}${start ? ' and started' : ''}`;
      });
  }
  return plan.build(SNAPSHOT_TASK_TIMEOUT_MS);
}
