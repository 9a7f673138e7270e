// Convert the selected VMs to templates (PVE's template: disks become base volumes). It cannot be undone
// through the API, and the VM can no longer be started, so it is destructive. PVE converts only a stopped
// VM without snapshots; the plan says so per VM rather than leaving PVE to refuse.
import { z } from 'zod';
import type { Vm } from '../../inventory/model.js';
import { getQemuConfig, getQemuSnapshots, postQemuTemplate } from '../../pve/endpoints/qemu.js';
import { lazySchema } from '../lazy-schema.js';
import type { Capability } from '../capability.js';
import { boundedMap } from '../bounded-map.js';
import { offlineNodesOf, PlanBuilder } from '../plan.js';
import { StepFailure } from '../runner.js';
import { offlineReason, safeModeSkip, unsupportedReason } from '../safety.js';
import { bulkFields, forceField } from './bulk-fields.js';

const TEMPLATE_TASK_TIMEOUT_MS = 10 * 60_000;

const schema = lazySchema(() =>
  z.strictObject({ ...bulkFields, force: forceField }));
export type VmTemplateRequest = z.infer<ReturnType<typeof schema>>;

export const vmTemplate: Capability<VmTemplateRequest> = {
  kind: 'vm.template',
  title: 'Convert to template',
  description: 'Convert the selected stopped VMs (without snapshots) to templates: they can then be cloned but not started. Cannot be undone.',
  get schema() {
    return schema();
  },
  guestTypes: ['qemu'],
  label: () => 'convert to template',
  destructive: () => true,
  taskTimeoutMs: () => TEMPLATE_TASK_TIMEOUT_MS,
  names: { tool: 'convert_to_template', verb: ['vm', 'template'] },
  hints: { destructive: true, idempotent: true },

  async plan(input) {
    const offline = offlineNodesOf(input.inventory);
    const policy = { safeMode: input.safeMode, force: input.force };
    const action = 'convert to template (cannot be undone)';
    const skipWhy = (vm: Vm): string | undefined =>
      (vm.template ? 'is already a template' : undefined) ??
      unsupportedReason(vm) ??
      safeModeSkip(vm, policy) ??
      (vm.status !== 'stopped' ? `is ${vm.status}: PVE converts only a stopped VM (stop it first)` : undefined);
    const candidates = input.vms.filter((vm) => !skipWhy(vm) && !offlineReason(vm, offline));
    // PVE refuses a VM with snapshots; the list holds 'current' besides real ones.
    const snapshots = new Map<number, number | string>();
    await boundedMap(candidates, 8, async (vm) => {
      try {
        snapshots.set(vm.vmid, (await getQemuSnapshots(input.client, vm.node, vm.vmid)).filter((s) => s.name !== 'current').length);
      } catch (err) {
        snapshots.set(vm.vmid, `could not read its snapshots: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
    const plan = new PlanBuilder();
    for (const vm of input.vms) {
      const n = snapshots.get(vm.vmid);
      const skip = skipWhy(vm) ?? (typeof n === 'number' && n > 0 ? `has ${n} snapshot${n === 1 ? '' : 's'}: PVE converts only a VM without snapshots` : undefined);
      const blocked = offlineReason(vm, offline) ?? (typeof n === 'string' ? n : undefined);
      if (skip) plan.skip(vm, action, skip);
      else if (blocked) plan.block(vm, action, blocked);
      else plan.add(vm, action, {});
    }
    return plan.build();
  },

  phases(target) {
    const { node, vmid } = target;
    const isTemplate = async (client: Parameters<typeof getQemuConfig>[0]) => Number((await getQemuConfig(client, node, vmid)).template) === 1;
    return [
      {
        name: 'template',
        taskType: 'qmtemplate',
        check: async (t) => ((await isTemplate(t.client)) ? 'already a template' : undefined),
        run: async (t) => {
          await t.awaitTask(await postQemuTemplate(t.client, node, vmid));
          return 'converted to template';
        },
      },
      {
        name: 'verify',
        changesNothing: true,
        run: async (t) => {
          if (!(await isTemplate(t.client))) throw new StepFailure('the template task ended OK but the VM is not a template');
          return 'template';
        },
      },
    ];
  },
};
