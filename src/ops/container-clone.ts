// pct clone for vm.clone when the source is a container: the plan refuses what PVE refuses (a linked clone of a
// non-template, `storage` on a linked clone, a full clone of a running CT, another node with local volumes, a
// storage without container directories, cloud-init fields a container does not have), then per clone: clone
// under an id from the allocator (ownership: hostname and moxxie's marker), set cores/memory/tags (pct's config
// PUT is synchronous), grow rootfs, start, verify. Undo destroys only a CT that carries this target's marker.
import type { Inventory, Vm } from '../inventory/model.js';
import type { PveClient } from '../pve/client.js';
import { deleteGuest, getGuestConfig, getGuestStatusCurrent, postGuestStatus, postLxcClone, putGuestConfig, putGuestResize, type GuestRef } from '../pve/endpoints/guest.js';
import type { Phase, PhaseTools, PlanInput } from './capability.js';
import { RequestError } from './errors.js';
import { checkDescription, checkNode, checkPool, newGuestTargets, renderNames, tagList, type PveParams } from './guest-config.js';
import type { OperationTarget } from './types.js';
import { driveBytes } from './vm-configs.js';
import { locateContainer } from './new-container-phases.js';
import { createOwnedGuest } from './owned-guest-create.js';
import { netValues, nicBridgeProblem } from './node-bridges.js';
import { describeCreated, ownershipMarker } from './vmid-allocator.js';

const GiB = 1024 ** 3;
const VOLUME_KEY = /^(rootfs|mp\d+)$/;
/** vm.clone's fields that configure a VM through cloud-init: a container has none of them. */
const VM_ONLY_FIELDS = ['cloudInitUser', 'cloudInitPassword', 'sshKeys', 'nameservers', 'searchDomain', 'ipConfig', 'ipConfigs'] as const;

/** The part of vm.clone's request a container clone reads. */
export interface ContainerCloneRequest {
  sourceVmId: number;
  newVmId?: number;
  name?: string;
  targetNode?: string;
  description?: string;
  fullClone?: boolean;
  targetStorage?: string;
  pool?: string;
  tags?: string[] | string;
  start?: boolean;
  cores?: number;
  memoryMB?: number;
  diskSizeGB?: number;
  count?: number;
  [field: string]: unknown;
}

export interface ContainerCloneSpec {
  name: string;
  node: string;
  vmid?: number;
  token: string;
  source: number;
  sourceNode: string;
  full: boolean;
  storage?: string;
  settings: PveParams;
  /** Bytes rootfs grows to before the first start. */
  rootfsBytes?: number;
  start: boolean;
}

/** Undefined when the CT is the one this clone made (its hostname and marker); else why not. */
async function ownershipProblem(client: PveClient, ref: GuestRef, expect: { name: string; token: string }): Promise<string | undefined> {
  let config: Record<string, unknown>;
  try {
    config = await getGuestConfig(client, ref);
  } catch (err) {
    return `CT ${ref.vmid} cannot be read on node ${ref.node}: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (!String(config.description ?? '').includes(ownershipMarker(expect.token))) return `CT ${ref.vmid} on ${ref.node} is not the one this operation cloned (moxxie's marker is missing): another client took the id`;
  if (config.hostname !== expect.name) return `CT ${ref.vmid} on ${ref.node} carries this operation's marker but its hostname is '${String(config.hostname)}', not '${expect.name}'`;
  return undefined;
}

function storagesOf(config: Record<string, unknown>): string[] {
  const out = Object.entries(config)
    .filter(([k, v]) => VOLUME_KEY.test(k) && /^(volume=)?[^/][^,]*:/.test(String(v)))
    .map(([, v]) => String(v).replace(/^volume=/, '').split(':')[0]);
  return [...new Set(out)];
}

export async function planContainerClone(input: PlanInput, req: ContainerCloneRequest, src: Vm): Promise<OperationTarget[]> {
  const inv: Inventory = input.inventory;
  for (const f of VM_ONLY_FIELDS) if (req[f] !== undefined) throw new RequestError(f, `CT ${src.vmid} is a container: it has no cloud-init, so ${f} does not apply (set it inside the container)`);
  checkNode(inv, src.node, 'sourceVmId');
  const targetNode = req.targetNode ?? src.node;
  checkNode(inv, targetNode, 'targetNode');
  const count = req.count ?? 1;
  if (req.newVmId !== undefined && count > 1) throw new RequestError('newVmId', 'give no newVmId when count > 1: every clone takes the next free id');
  if (req.newVmId !== undefined && inv.vms.some((v) => v.vmid === req.newVmId)) throw new RequestError('newVmId', `${req.newVmId} already exists (PVE: "unable to create CT ${req.newVmId}: config file already exists"); choose another or leave it out`);
  checkDescription(req.description);
  await checkPool(input.client, req.pool);

  const config = (await getGuestConfig(input.client, { type: 'lxc', node: src.node, vmid: src.vmid })) as Record<string, unknown>;
  const full = req.fullClone ?? true;
  if (!full && !src.template) throw new RequestError('fullClone', `a linked clone needs a template, and CT ${src.vmid} (${src.name}) is not one; use fullClone: true`);
  // pve-container: "Cannot do full clones on a running container without snapshots".
  if (full && src.status !== 'stopped' && !src.template) throw new RequestError('sourceVmId', `CT ${src.vmid} (${src.name}) is ${src.status}: PVE cannot full-clone a running container ("Cannot do full clones on a running container without snapshots"); stop it first`);
  const used = storagesOf(config);
  if (!full && req.targetStorage !== undefined) throw new RequestError('targetStorage', `a linked clone stays on the template's storage (${used.join(', ')}); PVE refuses storage for linked clones ("parameter 'storage' not allowed for linked clones")`);
  const storage = req.targetStorage;
  if (storage !== undefined) {
    const s = inv.storages.find((x) => x.storage === storage && x.node === targetNode);
    const fit = inv.storages.filter((x) => x.node === targetNode && x.content.includes('rootdir')).map((x) => x.storage);
    if (!s) throw new RequestError('targetStorage', `no storage '${storage}' on node ${targetNode}; storages for containers there: ${fit.join(', ') || 'none'}`);
    if (!s.content.includes('rootdir')) throw new RequestError('targetStorage', `storage '${storage}' does not support container directories (PVE's words); use one of ${fit.join(', ') || 'none'}`);
  }
  if (targetNode !== src.node) {
    const local = (storage ? [storage] : used).filter((s) => !inv.storages.some((x) => x.storage === s && x.shared));
    if (local.length) throw new RequestError('targetNode', `CT ${src.vmid} would need shared storage to be cloned onto ${targetNode} (${local.join(', ')} is local; PVE: "Can't clone to node '${targetNode}': ... not shared")`);
    // A clone keeps the source's NICs: on a node without one of their bridges it could never start.
    const bad = await nicBridgeProblem(input.client, targetNode, netValues(config));
    if (bad) throw new RequestError('targetNode', `${bad.problem} (CT ${src.vmid}'s ${bad.nic} names it)`);
  }
  const settings: PveParams = {};
  if (req.cores !== undefined) settings.cores = req.cores;
  if (req.memoryMB !== undefined) settings.memory = req.memoryMB;
  const tags = tagList(req.tags);
  if (tags.length) settings.tags = tags.join(';');
  let rootfsBytes: number | undefined;
  if (req.diskSizeGB !== undefined) {
    const bytes = driveBytes(String(config.rootfs ?? '')) ?? 0;
    if (req.diskSizeGB * GiB < bytes) throw new RequestError('diskSizeGB', `${req.diskSizeGB} GiB is smaller than rootfs of CT ${src.vmid} (${Math.ceil(bytes / GiB)} GiB); volumes are never shrunk`);
    if (req.diskSizeGB * GiB > bytes) rootfsBytes = req.diskSizeGB * GiB;
  }
  const defaultName = `copy-of-${String(config.hostname ?? `ct${src.vmid}`)}`;
  const names = req.name !== undefined ? renderNames(req.name, count) : count > 1 ? renderNames(`${defaultName}-{index}`, count) : renderNames(defaultName, 1);
  const what = `${full ? 'full' : 'linked'} clone of CT ${src.vmid} (${src.name})${targetNode !== src.node ? ` onto ${targetNode}` : ''}${storage ? ` on ${storage}` : ''}`;
  const extras = [...(Object.keys(settings).length ? [`set ${Object.keys(settings).join(', ')}`] : []), ...(rootfsBytes ? [`grow rootfs to ${req.diskSizeGB} GiB`] : []), ...(req.start ? ['start'] : [])];
  return newGuestTargets<ContainerCloneSpec>(
    inv,
    names,
    { guestType: 'lxc', vmid: req.newVmId, node: targetNode },
    (name) => `${name}: ${what}${extras.length ? `, then ${extras.join(', ')}` : ''}${req.newVmId === undefined ? ', next free id' : ''}`,
    () => ({ source: src.vmid, sourceNode: src.node, full, storage, settings, rootfsBytes, start: req.start === true }),
  );
}

export function containerClonePhases(target: OperationTarget, description: string | undefined, pool: string | undefined): Phase[] {
  const spec = target.spec as unknown as ContainerCloneSpec;
  const ref = (): GuestRef => ({ type: 'lxc', node: target.node, vmid: target.vmid });
  const clone: Phase = {
    name: 'clone',
    taskType: 'vzclone',
    // PVE runs the clone's task on the source's node under the source's id.
    taskNode: spec.sourceNode,
    taskId: String(spec.source),
    check: async (t) => {
      const vmid = t.data.vmid as number | undefined;
      if (vmid === undefined) return undefined;
      const node = await locateContainer(t.client, vmid);
      if (!node || (await ownershipProblem(t.client, { type: 'lxc', node, vmid }, spec))) return undefined;
      return `cloned ${spec.source} as CT ${vmid} (${spec.name}) on ${node}`;
    },
    run: async (t) => {
      const vmid = await createOwnedGuest(t, target, {
        preferred: spec.vmid,
        markAssigned: false,
        create: async (id) =>
          void (await t.awaitTask(
            await postLxcClone(t.client, spec.sourceNode, spec.source, {
              newid: id,
              hostname: spec.name,
              description: describeCreated(description, spec.token),
              full: spec.full,
              ...(spec.node !== spec.sourceNode ? { target: spec.node } : {}),
              ...(spec.storage ? { storage: spec.storage } : {}),
              ...(pool ? { pool } : {}),
            }),
          )),
        ownershipProblem: (id) => ownershipProblem(t.client, { type: 'lxc', node: spec.node, vmid: id }, spec),
      });
      return `cloned ${spec.source} as CT ${vmid} (${spec.name}) on ${spec.node}`;
    },
    undo: async (t) => {
      const vmid = t.data.vmid as number | undefined;
      if (vmid === undefined) return 'nothing to remove';
      const node = await locateContainer(t.client, vmid);
      if (!node) return `CT ${vmid} is already gone`;
      const g: GuestRef = { type: 'lxc', node, vmid };
      const problem = await ownershipProblem(t.client, g, spec);
      if (problem) throw new Error(`left CT ${vmid} alone: ${problem}`);
      if ((await getGuestStatusCurrent(t.client, g)).status !== 'stopped') await t.awaitTask(await postGuestStatus(t.client, g, 'stop'));
      await t.awaitTask(await deleteGuest(t.client, g, { purge: true }));
      return `removed CT ${vmid} (${spec.name})`;
    },
  };
  const keys = Object.keys(spec.settings);
  const configure: Phase = {
    name: 'configure',
    changesNothing: true,
    check: async (t) => {
      const config = (await getGuestConfig(t.client, ref())) as Record<string, unknown>;
      return keys.every((k) => String(config[k]) === String(spec.settings[k])) ? `CT ${target.vmid} already configured` : undefined;
    },
    run: async (t) => {
      await putGuestConfig(t.client, ref(), { ...spec.settings });
      return `set ${keys.join(', ')} on CT ${target.vmid}`;
    },
  };
  const sizeNow = async (t: PhaseTools) => driveBytes(String(((await getGuestConfig(t.client, ref())) as Record<string, unknown>).rootfs ?? '')) ?? 0;
  const resize: Phase = {
    name: 'resize',
    taskType: 'resize',
    changesNothing: true,
    check: async (t) => ((await sizeNow(t)) >= (spec.rootfsBytes ?? 0) ? `rootfs of CT ${target.vmid} is big enough` : undefined),
    run: async (t) => {
      const upid = await putGuestResize(t.client, ref(), { disk: 'rootfs', size: `${Math.round((spec.rootfsBytes ?? 0) / GiB)}G` });
      if (typeof upid === 'string') await t.awaitTask(upid);
      return `grew rootfs of CT ${target.vmid} to ${Math.round((spec.rootfsBytes ?? 0) / GiB)} GiB`;
    },
  };
  const start: Phase = {
    name: 'start',
    taskType: 'vzstart',
    check: async (t) => ((await getGuestStatusCurrent(t.client, ref())).status === 'running' ? `CT ${target.vmid} is running` : undefined),
    run: async (t) => {
      await t.awaitTask(await postGuestStatus(t.client, ref(), 'start'));
      return `started CT ${target.vmid}`;
    },
    undo: async (t) => {
      if ((await getGuestStatusCurrent(t.client, ref())).status === 'stopped') return `CT ${target.vmid} is stopped`;
      await t.awaitTask(await postGuestStatus(t.client, ref(), 'stop'));
      return `stopped CT ${target.vmid}`;
    },
  };
  const verify: Phase = {
    name: 'verify',
    changesNothing: true,
    run: async (t) => {
      const node = await locateContainer(t.client, target.vmid);
      if (node !== spec.node) throw new Error(`CT ${target.vmid} is on ${node ?? 'no node'}, not on ${spec.node}`);
      const problem = await ownershipProblem(t.client, ref(), spec);
      if (problem) throw new Error(problem);
      const config = (await getGuestConfig(t.client, ref())) as Record<string, unknown>;
      for (const k of keys) if (String(config[k]) !== String(spec.settings[k])) throw new Error(`CT ${target.vmid}: ${k} is '${String(config[k])}', expected '${String(spec.settings[k])}'`);
      const status = (await getGuestStatusCurrent(t.client, ref())).status;
      if (spec.start && status !== 'running') throw new Error(`CT ${target.vmid} is ${status}, not running`);
      return `CT ${target.vmid} (${spec.name}) on ${spec.node}: ${status}`;
    },
  };
  return [clone, ...(keys.length ? [configure] : []), ...(spec.rootfsBytes ? [resize] : []), ...(spec.start ? [start] : []), verify];
}
