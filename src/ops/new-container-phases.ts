// The phases of a container still to be made (pct create from a template): make it under an id from the
// allocator (the next id on "already exists"), check it is ours (hostname and moxxie's marker), start it if
// asked, verify. Undo destroys only a CT that carries this target's marker. Every phase reads PVE first, so a
// resume or a lost answer never makes a second container. The qemu counterpart is new-guest-phases.ts.
import { getClusterResources } from '../pve/endpoints/cluster.js';
import { deleteGuest, getGuestConfig, getGuestStatusCurrent, postGuestStatus, type GuestRef } from '../pve/endpoints/guest.js';
import type { PveClient } from '../pve/client.js';
import type { Phase, PhaseTools } from './capability.js';
import type { PveParams } from './guest-config.js';
import type { NewGuestSpec } from './new-guest-phases.js';
import type { OperationTarget } from './types.js';
import { createOwnedGuest } from './owned-guest-create.js';
import { ownershipMarker } from './vmid-allocator.js';
import { afterPowerTask } from './ha-power.js';

const ctRef = (node: string, vmid: number): GuestRef => ({ type: 'lxc', node, vmid });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Where container `vmid` is now, if one exists (a VM with that id is not it). */
export async function locateContainer(client: PveClient, vmid: number): Promise<string | undefined> {
  const all = await getClusterResources(client, { type: 'vm' });
  return all.find((r) => r.vmid === vmid && r.type === 'lxc')?.node;
}

/** Undefined when CT `vmid` is the one this create made (its hostname and marker); else why not. */
export async function containerOwnershipProblem(client: PveClient, node: string, vmid: number, expect: { name: string; token: string }): Promise<string | undefined> {
  let config: Record<string, unknown>;
  try {
    config = await getGuestConfig(client, ctRef(node, vmid));
  } catch (err) {
    return `CT ${vmid} cannot be read on node ${node}: ${err instanceof Error ? err.message : String(err)}`;
  }
  const description = typeof config.description === 'string' ? config.description : '';
  if (!description.includes(ownershipMarker(expect.token))) return `CT ${vmid} on ${node} is not the one this operation created (moxxie's marker is missing from its description): another client took the id`;
  if (config.hostname !== expect.name) return `CT ${vmid} on ${node} carries this operation's marker but its hostname is '${String(config.hostname)}', not '${expect.name}'`;
  return undefined;
}

/** Waits while the create task still holds the CT's lock (bounded). */
async function settled(client: PveClient, node: string, vmid: number, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (String((await getGuestConfig(client, ctRef(node, vmid))).lock ?? '') === 'create' && Date.now() < until) await sleep(250);
}

/**
 * pct create: `send(vmid)` posts it and returns the `vzcreate` UPID. The id comes from the allocator (the
 * operator's if given); PVE's "already exists" moves to the next id; afterwards the CT must be ours.
 */
export function makeContainerPhase(target: OperationTarget, spec: NewGuestSpec, send: (client: PveClient, vmid: number) => Promise<string>, opts: { /** Look for a free id above this one first (a provisioning plan's id - 1), as makePhase does. */ after?: number; /** Never try these ids (the plan's ids for its other guests). */ avoid?: readonly number[] } = {}): Phase {
  return {
    name: 'create',
    taskType: 'vzcreate',
    check: async (tools) => {
      const vmid = tools.data.vmid as number | undefined;
      if (vmid === undefined) return undefined;
      const node = await locateContainer(tools.client, vmid);
      if (!node) return undefined;
      await settled(tools.client, node, vmid);
      const problem = await containerOwnershipProblem(tools.client, node, vmid, spec);
      return problem ? undefined : `created CT ${vmid} (${spec.name}) on ${node}`;
    },
    run: async (tools) => {
      const vmid = await createOwnedGuest(tools, target, {
        preferred: spec.vmid,
        after: opts.after,
        avoid: opts.avoid,
        markAssigned: true,
        create: async (id) => void (await tools.awaitTask(await send(tools.client, id))),
        ownershipProblem: (id) => containerOwnershipProblem(tools.client, spec.node, id, spec),
      });
      return `created CT ${vmid} (${spec.name}) on ${spec.node}`;
    },
    undo: async (tools) => {
      const vmid = tools.data.vmid as number | undefined;
      if (vmid === undefined) return 'nothing to remove';
      const node = await locateContainer(tools.client, vmid);
      if (!node) return `CT ${vmid} is already gone`;
      const problem = await containerOwnershipProblem(tools.client, node, vmid, spec);
      if (problem) throw new Error(`left CT ${vmid} alone: ${problem}`);
      if ((await getGuestStatusCurrent(tools.client, ctRef(node, vmid))).status !== 'stopped') await tools.awaitTask(await postGuestStatus(tools.client, ctRef(node, vmid), 'stop'));
      await tools.awaitTask(await deleteGuest(tools.client, ctRef(node, vmid), { purge: true, 'destroy-unreferenced-disks': true }));
      return `removed CT ${vmid} (${spec.name})`;
    },
  };
}

export function startContainerPhase(target: OperationTarget): Phase {
  const status = async (tools: PhaseTools) => (await getGuestStatusCurrent(tools.client, ctRef(target.node, target.vmid))).status;
  return {
    name: 'start',
    taskType: 'vzstart',
    check: async (tools) => ((await status(tools)) === 'running' ? `CT ${target.vmid} is running` : undefined),
    run: async (tools) => {
      const upid = await postGuestStatus(tools.client, ctRef(target.node, target.vmid), 'start');
      await tools.awaitTask(upid);
      // An HA-managed CT (ha-managed, or an HA rule's member) starts after its hastart, when the HA manager acts.
      await afterPowerTask(tools.client, ctRef(target.node, target.vmid), upid, 'running', tools.cancelled);
      return `started CT ${target.vmid}`;
    },
    undo: async (tools) => {
      if ((await status(tools)) === 'stopped') return `CT ${target.vmid} is stopped`;
      const upid = await postGuestStatus(tools.client, ctRef(target.node, target.vmid), 'stop');
      await tools.awaitTask(upid);
      await afterPowerTask(tools.client, ctRef(target.node, target.vmid), upid, 'stopped', tools.cancelled);
      return `stopped CT ${target.vmid}`;
    },
  };
}

/** The parts of a `netN` value that must read back as sent (PVE adds hwaddr and type=veth). */
function netParts(value: string): Record<string, string> {
  return Object.fromEntries(value.split(',').map((p) => p.split('=', 2) as [string, string]).filter(([k]) => k !== 'hwaddr' && k !== 'type'));
}

/** Reads the CT back: on the node asked for, ours, running if asked, with the config the plan promised. */
export function verifyContainerPhase(target: OperationTarget, spec: NewGuestSpec, expect: { running: boolean; keys: PveParams; haManaged: boolean }): Phase {
  return {
    name: 'verify',
    changesNothing: true,
    run: async (tools) => {
      const { vmid, node } = target;
      if ((await locateContainer(tools.client, vmid)) !== spec.node) throw new Error(`CT ${vmid} is not on ${spec.node}`);
      const config = await getGuestConfig(tools.client, ctRef(node, vmid));
      if (!String(config.description ?? '').includes(ownershipMarker(spec.token))) throw new Error(`CT ${vmid} no longer carries this operation's marker`);
      for (const [k, v] of Object.entries(expect.keys)) {
        const got = String(config[k] ?? '');
        if (/^net\d+$/.test(k)) {
          const want = netParts(String(v));
          const have = netParts(got);
          const off = Object.keys(want).find((p) => have[p] !== want[p]);
          if (off) throw new Error(`CT ${vmid}: ${k} has ${off}=${have[off] ?? '(none)'}, expected ${off}=${want[off]}`);
        } else if (k === 'rootfs') {
          // Sent as STORAGE:SIZE_GiB; PVE stores STORAGE:VOLUME,size=NG.
          const [storage, size] = String(v).split(':');
          if (!got.startsWith(`${storage}:`) || !new RegExp(`(^|,)size=${size}G(,|$)`).test(got)) throw new Error(`CT ${vmid}: rootfs is '${got}', expected ${size} GiB on ${storage}`);
        } else if (got !== String(v)) throw new Error(`CT ${vmid}: ${k} is '${got}', expected '${String(v)}'`);
      }
      const status = await getGuestStatusCurrent(tools.client, ctRef(node, vmid));
      if (expect.running && status.status !== 'running') throw new Error(`CT ${vmid} is ${status.status}, not running`);
      if (expect.haManaged && Number(status.ha?.managed ?? 0) !== 1) throw new Error(`CT ${vmid} is not an HA resource, though ha-managed was asked`);
      return `CT ${vmid} (${spec.name}) on ${node}: ${status.status}${expect.haManaged ? ', HA-managed' : ''}`;
    },
  };
}
