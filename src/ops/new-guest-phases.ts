// The phases of a VM still to be made (create, cloud-init from an image, clone), shared by those capabilities:
// make it under an id from the allocator (the next id on "already exists"), check it is ours (name and marker),
// then move, configure, resize, start and verify. Undo destroys only a VM that carries this target's marker,
// wherever it is now. Every phase reads PVE first, so a resume or a lost answer never makes a second VM.
import { getClusterResources } from '../pve/endpoints/cluster.js';
import { deleteQemu, getQemuConfig, getQemuStatusCurrent, postQemuConfig, postQemuMigrate, postQemuStatus, putQemuResize } from '../pve/endpoints/qemu.js';
import type { PveClient } from '../pve/client.js';
import type { Phase, PhaseTools } from './capability.js';
import type { OperationTarget } from './types.js';
import { createOwnedGuest } from './owned-guest-create.js';
import { ownershipMarker, ownershipProblem } from './vmid-allocator.js';
import type { PveParams } from './guest-config.js';

/** What every new-guest target's spec carries (plain data: journaled, so a later process can resume or undo). */
export interface NewGuestSpec {
  name: string;
  /** The node the VM ends on. */
  node: string;
  /** The operator's id, if one was given (never swapped for another). */
  vmid?: number;
  /** This target's ownership token: `[moxxie-create <token>]` in the description. */
  token: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const GiB = 1024 ** 3;

/** Where VM `vmid` is now, if it exists. */
export async function locateVm(client: PveClient, vmid: number): Promise<string | undefined> {
  const all = await getClusterResources(client, { type: 'vm' });
  return all.find((r) => r.vmid === vmid && r.type === 'qemu')?.node;
}

/** Waits while a create, clone or migrate still holds the VM's config lock (bounded). */
async function settled(client: PveClient, node: string, vmid: number, timeoutMs = 120_000): Promise<Record<string, unknown>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const config = (await getQemuConfig(client, node, vmid)) as Record<string, unknown>;
    if (!['create', 'clone', 'migrate'].includes(String(config.lock ?? '')) || Date.now() > until) return config;
    await sleep(250);
  }
}

/**
 * Make the VM: `send(vmid)` posts the create or clone and returns its UPID. The id comes from the allocator
 * (the operator's if given); PVE's "already exists" moves to the next id; afterwards the VM must carry this
 * target's name and marker. The target shows the id as soon as it is chosen.
 */
export function makePhase(o: { name: string; target: OperationTarget; spec: NewGuestSpec; taskType: 'qmcreate' | 'qmclone'; send(client: PveClient, vmid: number): Promise<string>; what: string; /** The node the VM is made on (cloud-init imports where the image is). */ madeOn?: string; /** A clone's source: PVE runs a qmclone task on the source's node under the source's id, not the new one's. */ source?: { node: string; vmid: number }; /** Look for a free id above this one first (the plan's id - 1). */ after?: number; /** Never try these ids (the plan's ids for its other VMs). */ avoid?: readonly number[] }): Phase {
  const { target, spec } = o;
  const ours = async (tools: PhaseTools): Promise<string | undefined> => {
    const vmid = tools.data.vmid as number | undefined;
    if (vmid === undefined) return undefined;
    const node = await locateVm(tools.client, vmid);
    if (!node) return undefined;
    await settled(tools.client, node, vmid);
    const problem = await ownershipProblem(tools.client, node, vmid, { name: spec.name, token: spec.token });
    return problem ? undefined : `${o.what} VM ${vmid} (${spec.name}) on ${node}`;
  };
  return {
    name: o.name,
    taskType: o.taskType,
    // Where a lost answer's task is looked for: a clone's on its source, a create's where the VM is made.
    taskNode: o.source?.node ?? o.madeOn,
    taskId: o.source ? String(o.source.vmid) : undefined,
    check: ours,
    run: async (tools) => {
      const node = o.madeOn ?? spec.node;
      const vmid = await createOwnedGuest(tools, target, {
        preferred: spec.vmid,
        after: o.after,
        avoid: o.avoid,
        markAssigned: true,
        create: async (id) => void (await tools.awaitTask(await o.send(tools.client, id))),
        ownershipProblem: (id) => ownershipProblem(tools.client, node, id, { name: spec.name, token: spec.token }),
      });
      return `${o.what} VM ${vmid} (${spec.name}) on ${node}`;
    },
    undo: async (tools) => {
      const vmid = tools.data.vmid as number | undefined;
      if (vmid === undefined) return 'nothing to remove';
      const node = await locateVm(tools.client, vmid);
      if (!node) return `VM ${vmid} is already gone`;
      const problem = await ownershipProblem(tools.client, node, vmid, { name: spec.name, token: spec.token });
      if (problem) throw new Error(`left VM ${vmid} alone: ${problem}`);
      const status = await getQemuStatusCurrent(tools.client, node, vmid);
      if (status.status !== 'stopped') await tools.awaitTask(await postQemuStatus(tools.client, node, vmid, 'stop'));
      await tools.awaitTask(await deleteQemu(tools.client, node, vmid, { purge: true, 'destroy-unreferenced-disks': true }));
      return `removed VM ${vmid} (${spec.name})`;
    },
  };
}

/** The made VM: phases after make (and migrate) work on it on the target's node; a verify reads that back. */
async function where(_tools: PhaseTools, target: OperationTarget): Promise<{ vmid: number; node: string }> {
  return { vmid: target.vmid, node: target.node };
}

/** The made phase's data carries the id; later phases read it from the target (set by the make phase). */
export function migratePhase(target: OperationTarget, from: string, to: string): Phase {
  return {
    name: 'migrate',
    taskType: 'qmigrate',
    check: async (tools) => {
      const node = await locateVm(tools.client, target.vmid);
      return node === to ? `VM ${target.vmid} is on ${to}` : undefined;
    },
    run: async (tools) => {
      const vmid = target.vmid;
      const node = (await locateVm(tools.client, vmid)) ?? from;
      await tools.awaitTask(await postQemuMigrate(tools.client, node, vmid, { target: to }));
      return `moved VM ${vmid} from ${node} to ${to} (the image was imported on ${node}, which holds it)`;
    },
    // Undoing the make phase removes the VM wherever it is.
    changesNothing: true,
  };
}

/** Config set after the VM exists (clone: tags, cloud-init, cores/memory); `secret` adds what is never planned. */
export function configurePhase(target: OperationTarget, params: PveParams, secret: () => PveParams): Phase {
  const keys = Object.keys(params);
  return {
    name: 'configure',
    check: async (tools) => {
      const { vmid, node } = await where(tools, target);
      const config = (await getQemuConfig(tools.client, node, vmid)) as Record<string, unknown>;
      const done = keys.every((k) => k === 'sshkeys' ? decodeURIComponent(String(config[k] ?? '')).trim() === String(params[k]).trim() : String(config[k]) === String(params[k]));
      return done && !Object.keys(secret()).length ? `VM ${vmid} already configured` : undefined;
    },
    run: async (tools) => {
      const { vmid, node } = await where(tools, target);
      await tools.awaitTask(await postQemuConfigTask(tools.client, node, vmid, { ...params, ...secret() }));
      return `set ${[...keys, ...Object.keys(secret())].join(', ')} on VM ${vmid}`;
    },
    changesNothing: true,
  };
}

/** POST config answers a UPID (or null when nothing needed a task); wait for it either way. */
async function postQemuConfigTask(client: PveClient, node: string, vmid: number, params: PveParams): Promise<string> {
  const upid = await postQemuConfig(client, node, vmid, params);
  if (typeof upid === 'string' && upid.startsWith('UPID:')) return upid;
  throw new Error('PVE answered the config change without a task');
}

/** Grow `disk` to `sizeGB` (never shrink); nothing when it is that size already. */
export function resizePhase(target: OperationTarget, disk: string, sizeGB: number): Phase {
  const current = async (tools: PhaseTools) => {
    const { vmid, node } = await where(tools, target);
    const value = String(((await getQemuConfig(tools.client, node, vmid)) as Record<string, unknown>)[disk] ?? '');
    const m = /(?:^|,)size=(\d+(?:\.\d+)?)([KMGT]?)(?:,|$)/.exec(value);
    const unit: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: GiB, T: 1024 ** 4 };
    return { vmid, node, bytes: m ? Number(m[1]) * unit[m[2]] : 0 };
  };
  return {
    name: 'resize',
    taskType: 'resize',
    check: async (tools) => {
      const c = await current(tools);
      return c.bytes >= sizeGB * GiB ? `${disk} of VM ${c.vmid} is ${sizeGB} GiB` : undefined;
    },
    run: async (tools) => {
      const c = await current(tools);
      if (c.bytes >= sizeGB * GiB) return `${disk} of VM ${c.vmid} is already ${sizeGB} GiB or more`;
      const upid = await putQemuResize(tools.client, c.node, c.vmid, { disk, size: `${sizeGB}G` });
      if (typeof upid === 'string') await tools.awaitTask(upid);
      return `grew ${disk} of VM ${c.vmid} to ${sizeGB} GiB`;
    },
    changesNothing: true,
  };
}

export function startPhase(target: OperationTarget): Phase {
  const status = async (tools: PhaseTools) => {
    const { vmid, node } = await where(tools, target);
    return { vmid, node, status: (await getQemuStatusCurrent(tools.client, node, vmid)).status };
  };
  return {
    name: 'start',
    taskType: 'qmstart',
    check: async (tools) => {
      const s = await status(tools);
      return s.status === 'running' ? `VM ${s.vmid} is running` : undefined;
    },
    run: async (tools) => {
      const s = await status(tools);
      await tools.awaitTask(await postQemuStatus(tools.client, s.node, s.vmid, 'start'));
      return `started VM ${s.vmid}`;
    },
    undo: async (tools) => {
      const s = await status(tools);
      if (s.status === 'stopped') return `VM ${s.vmid} is stopped`;
      await tools.awaitTask(await postQemuStatus(tools.client, s.node, s.vmid, 'stop'));
      return `stopped VM ${s.vmid}`;
    },
  };
}

/** Reads the VM back: on the node asked for, ours, running if asked, with the keys the plan promised. */
export function verifyPhase(target: OperationTarget, spec: NewGuestSpec, expect: { running: boolean; keys: PveParams }): Phase {
  return {
    name: 'verify',
    changesNothing: true,
    run: async (tools) => {
      const { vmid, node } = await where(tools, target);
      if (node !== spec.node) throw new Error(`VM ${vmid} is on ${node}, not on ${spec.node}`);
      const config = (await getQemuConfig(tools.client, node, vmid)) as Record<string, unknown>;
      if (!String(config.description ?? '').includes(ownershipMarker(spec.token))) throw new Error(`VM ${vmid} no longer carries this operation's marker`);
      for (const [k, v] of Object.entries(expect.keys)) {
        const got = k === 'sshkeys' ? decodeURIComponent(String(config[k] ?? '')) : String(config[k] ?? '');
        if (got.trim() !== String(v).trim()) throw new Error(`VM ${vmid}: ${k} is '${got}', expected '${String(v)}'`);
      }
      const status = (await getQemuStatusCurrent(tools.client, node, vmid)).status;
      if (expect.running && status !== 'running') throw new Error(`VM ${vmid} is ${status}, not running`);
      return `VM ${vmid} (${spec.name}) on ${node}: ${status}`;
    },
  };
}
