// Roll the selected VMs back to a snapshot, optionally starting them after. Destructive: everything since
// the snapshot is lost. A rollback cannot be undone; its check is its recorded task (a resume follows it).
import { z } from 'zod';
import type { Vm } from '../../inventory/model.js';
import { postGuestSnapshotRollback, refOf } from '../../pve/endpoints/guest.js';
import { lazySchema } from '../lazy-schema.js';
import type { Capability } from '../capability.js';
import { offlineNodesOf, PlanBuilder } from '../plan.js';
import { boolField } from '../request-schema.js';
import { existingSnapshotNameField } from '../snapshot-names.js';
import { alwaysOnSkip, checkProtection, offlineReason, PROTECTION_SKIP, safeModeSkip, unsupportedReason } from '../safety.js';
import { bulkFields, forceField } from './bulk-fields.js';
import { SNAPSHOT_TASK_TIMEOUT_MS } from './snapshot-create.js';
import type { GuestType } from '../types.js';

const GUEST_TYPES: readonly GuestType[] = ['qemu', 'lxc'];

const schema = lazySchema(() =>
  z.strictObject({
    ...bulkFields,
    snapshotName: existingSnapshotNameField('required: the snapshot to roll back to').describe('the snapshot to return to'),
    start: boolField().optional().describe('start the VM after the rollback'),
    force: forceField,
  }));
export type SnapshotRollbackRequest = z.infer<ReturnType<typeof schema>>;

export const snapshotRollback: Capability<SnapshotRollbackRequest> = {
  kind: 'snapshot.rollback',
  title: 'Roll back to a snapshot',
  description: 'Roll the selected VMs and containers back to a snapshot (everything since is lost), optionally starting them after.',
  get schema() {
    return schema();
  },
  guestTypes: GUEST_TYPES,
  label: (r) => `roll back to ${r.snapshotName}${r.start ? ' and start' : ''}`,
  destructive: () => true,
  taskTimeoutMs: () => SNAPSHOT_TASK_TIMEOUT_MS,
  names: { tool: 'rollback_snapshot', verb: ['snapshot', 'rollback'], cli: { aliases: { name: 'snapshotName' } } },
  hints: { destructive: true, idempotent: false },

  async plan(input, req) {
    const start = req.start === true;
    const offline = offlineNodesOf(input.inventory);
    const policy = { safeMode: input.safeMode, force: input.force };
    const action = `roll back to ${req.snapshotName}${start ? ' and start' : ''}`;
    const skipWhy = (vm: Vm) =>
      unsupportedReason(vm, { guestTypes: GUEST_TYPES }) ??
      safeModeSkip(vm, policy) ??
      // PVE stops a running VM or container before rolling it back.
      (vm.status === 'running' || vm.status === 'paused' ? alwaysOnSkip(vm, policy, 'a rollback would stop it; never done') : undefined);
    const candidates = input.vms.filter((vm) => !offlineReason(vm, offline) && !skipWhy(vm));
    const protection = input.force ? undefined : await checkProtection(input.client, candidates);
    const plan = new PlanBuilder();
    for (const vm of input.vms) {
      const skip = skipWhy(vm) ?? (protection?.protected.has(vm.vmid) ? PROTECTION_SKIP : undefined);
      const blocked = offlineReason(vm, offline) ?? protection?.unreadable.get(vm.vmid);
      if (skip) plan.skip(vm, action, skip);
      else if (blocked) plan.block(vm, action, blocked);
      else plan.add(vm, action, { snapshotName: req.snapshotName, start });
    }
    return plan.build();
  },

  phases(target) {
    const { snapshotName, start } = target.spec as { snapshotName: string; start: boolean };
    const guest = refOf(target);
    return [
      {
        name: 'rollback',
        taskType: guest.type === 'lxc' ? 'vzrollback' : 'qmrollback',
        run: async (t) => {
          await t.awaitTask(await postGuestSnapshotRollback(t.client, guest, snapshotName, { start: start ? true : undefined }));
          return `rolled back to ${snapshotName}${start ? ' and started' : ''}`;
        },
      },
    ];
  },
};
