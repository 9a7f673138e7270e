// Delete the selected VMs (PVE's destroy): destructive, confirmed by every front end. A protected VM is
// refused (PVE refuses it too; force does not override PVE's own flag); a running VM is skipped unless
// `stopFirst`, which adds a hard stop before the delete. `purge` and `destroyUnreferencedDisks` are PVE's
// options. The delete's check asks PVE whether the VM is already gone, so a retry never deletes twice.
import { z } from 'zod';
import type { Vm } from '../../inventory/model.js';
import { PveError } from '../../pve/errors.js';
import { afterPowerTask } from '../ha-power.js';
import { deleteGuest, getGuestConfig, getGuestStatusCurrent, guestNoun, postGuestStatus, refOf, type GuestRef } from '../../pve/endpoints/guest.js';
import type { GuestType } from '../types.js';
import { lazySchema } from '../lazy-schema.js';
import type { Capability, PhaseTools } from '../capability.js';
import { offlineNodesOf, PlanBuilder } from '../plan.js';
import { boolField } from '../request-schema.js';
import { StepFailure } from '../runner.js';
import { alwaysOnSkip, offlineReason, safeModeSkip, unsupportedReason } from '../safety.js';
import { readConfigs } from '../vm-configs.js';
import { bulkFields, forceField } from './bulk-fields.js';

/** Destroying a VM with large disks on slow storage can take long. */
const DELETE_TASK_TIMEOUT_MS = 30 * 60_000;
export const DELETE_PROTECTED = "PVE protection is on: PVE refuses to delete it (unset 'protection' on the VM first)";

const schema = lazySchema(() =>
  z.strictObject({
    ...bulkFields,
    stopFirst: boolField().optional().describe('hard-stop a running VM first; otherwise it is skipped'),
    purge: boolField().optional().describe("also remove the id from backup jobs, replication, HA"),
    destroyUnreferencedDisks: boolField().optional().describe("also destroy this id's disks no config names"),
    force: forceField,
  }));
export type VmDeleteRequest = z.infer<ReturnType<typeof schema>>;

interface Spec {
  stop: boolean;
  purge: boolean;
  unreferenced: boolean;
}

const isGone = (err: unknown): boolean => err instanceof PveError && /does not exist/.test(err.message);

/** Whether the VM still exists on its node (a config read that says it does not is the answer). */
async function exists(t: PhaseTools, guest: GuestRef): Promise<boolean> {
  try {
    await getGuestConfig(t.client, guest);
    return true;
  } catch (err) {
    if (isGone(err)) return false;
    throw err;
  }
}

function deleteLabel(r: { stopFirst?: boolean; purge?: boolean; destroyUnreferencedDisks?: boolean }): string {
  const opts = [r.stopFirst ? 'stop first' : '', r.purge ? 'purge' : '', r.destroyUnreferencedDisks ? 'with unreferenced disks' : ''].filter(Boolean);
  return `delete${opts.length ? ` (${opts.join(', ')})` : ''}`;
}

const GUEST_TYPES: readonly GuestType[] = ['qemu', 'lxc'];

export const vmDelete: Capability<VmDeleteRequest> = {
  kind: 'vm.delete',
  title: 'Delete VMs',
  description:
    'Delete the selected VMs and containers (pct destroy) and their disks (cannot be undone). A protected VM is refused; a running VM is skipped unless stopFirst. Success means the VM no longer exists.',
  get schema() {
    return schema();
  },
  guestTypes: GUEST_TYPES,
  label: deleteLabel,
  destructive: () => true,
  taskTimeoutMs: () => DELETE_TASK_TIMEOUT_MS,
  names: { tool: 'delete_vms', verb: ['vm', 'delete'], cli: { aliases: { stop: 'stopFirst' } } },
  hints: { destructive: true, idempotent: true },

  async plan(input, req) {
    const offline = offlineNodesOf(input.inventory);
    const policy = { safeMode: input.safeMode, force: input.force };
    const stopFirst = req.stopFirst === true;
    const up = (vm: Vm) => vm.status === 'running' || vm.status === 'paused';
    const policySkip = (vm: Vm): string | undefined => unsupportedReason(vm, { allowTemplates: true, guestTypes: GUEST_TYPES }) ?? safeModeSkip(vm, policy);
    // In PVE's order: protection, then running.
    const stateSkip = (vm: Vm): string | undefined =>
      (up(vm) && !stopFirst ? `is ${vm.status}: PVE refuses to delete a running VM (use stopFirst to stop it first)` : undefined) ??
      (up(vm) ? alwaysOnSkip(vm, policy, 'never stopped to be deleted') : undefined);
    const candidates = input.vms.filter((vm) => !policySkip(vm) && !offlineReason(vm, offline));
    const configs = await readConfigs(input.client, candidates);
    const plan = new PlanBuilder();
    for (const vm of input.vms) {
      const read = configs.get(vm.vmid);
      const cfg = read && 'config' in read ? read.config : undefined;
      const skip = policySkip(vm) ?? (Number(cfg?.protection) === 1 ? DELETE_PROTECTED : undefined) ?? (read && 'error' in read ? undefined : stateSkip(vm));
      const blocked = offlineReason(vm, offline) ?? (read && 'error' in read ? read.error : undefined);
      const stop = up(vm) && stopFirst;
      const action = `${stop ? 'stop, then ' : ''}${deleteLabel(req)} (cannot be undone)`;
      if (skip) plan.skip(vm, action, skip);
      else if (blocked) plan.block(vm, action, blocked);
      else plan.add(vm, action, { stop, purge: req.purge === true, unreferenced: req.destroyUnreferencedDisks === true } satisfies Spec);
    }
    return plan.build();
  },

  phases(target) {
    const spec = target.spec as unknown as Spec;
    const guest = refOf(target);
    const { vmid } = guest;
    const ct = guest.type === 'lxc';
    const stop = {
      name: 'stop',
      taskType: ct ? 'vzstop' : 'qmstop',
      check: async (t: PhaseTools) => ((await getGuestStatusCurrent(t.client, guest)).status === 'stopped' ? 'already stopped' : undefined),
      run: async (t: PhaseTools) => {
        const upid = await postGuestStatus(t.client, guest, 'stop', {});
        await t.awaitTask(upid);
        await afterPowerTask(t.client, guest, upid, 'stopped', t.cancelled); // an HA-managed guest stops after its hastop
        return 'stopped';
      },
      // A rollback after a failed delete brings the VM back up as it was.
      undo: async (t: PhaseTools) => {
        if (!(await exists(t, guest))) return `the ${ct ? 'container' : 'VM'} is gone: nothing to start`;
        if ((await getGuestStatusCurrent(t.client, guest)).status === 'running') return 'already running';
        const upid = await postGuestStatus(t.client, guest, 'start', {});
        await t.awaitTask(upid);
        await afterPowerTask(t.client, guest, upid, 'running', t.cancelled);
        return 'started again (undo of stop)';
      },
    };
    return [
      ...(spec.stop ? [stop] : []),
      {
        name: 'delete',
        taskType: ct ? 'vzdestroy' : 'qmdestroy',
        check: async (t) => ((await exists(t, guest)) ? undefined : 'already deleted'),
        run: async (t) => {
          const params: { purge?: boolean; 'destroy-unreferenced-disks'?: boolean } = {};
          if (spec.purge) params.purge = true;
          if (spec.unreferenced) params['destroy-unreferenced-disks'] = true;
          await t.awaitTask(await deleteGuest(t.client, guest, params));
          return `deleted ${guestNoun(guest.type)} ${vmid}`;
        },
      },
      {
        name: 'verify',
        changesNothing: true,
        run: async (t) => {
          if (await exists(t, guest)) throw new StepFailure(`the delete task ended OK but ${guestNoun(guest.type)} ${vmid} still exists`);
          return 'gone';
        },
      },
    ];
  },
};
