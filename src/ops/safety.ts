// The safety rules every front end gets, enforced once here: safe mode, PVE protection and always-on.
import type { Vm } from '../inventory/model.js';
import { getQemuConfig } from '../pve/endpoints/qemu.js';
import type { PveRequester } from '../pve/types.js';

export const SAFE_MODE_TAG = 'moxxie';
export const ALWAYS_ON_TAG = 'always-on';

export interface SafetyPolicy {
  safeMode: boolean;
  force: boolean;
}

/** Safe mode (Moxxie's): destructive actions only touch VMs tagged `moxxie`, unless forced. */
export function safeModeSkip(vm: Vm, policy: SafetyPolicy): string | undefined {
  if (!policy.safeMode || policy.force || vm.tags.includes(SAFE_MODE_TAG)) return undefined;
  return `safe mode: not tagged '${SAFE_MODE_TAG}' (tag it, or use force)`;
}

/** `always-on` guests are never stopped by a bulk action unless forced. */
export function alwaysOnSkip(vm: Vm, policy: SafetyPolicy): string | undefined {
  if (policy.force || !vm.tags.includes(ALWAYS_ON_TAG)) return undefined;
  return `tagged '${ALWAYS_ON_TAG}': never stopped unless forced`;
}

/** Reasons that hold for any action on a VM: offline node, template, unsupported guest type. */
export function reachabilitySkip(vm: Vm, offlineNodes: Set<string>, action: { allowTemplates?: boolean } = {}): string | undefined {
  if (offlineNodes.has(vm.node)) return `node ${vm.node} is offline`;
  if (vm.type !== 'qemu') return `${vm.type} guests are not handled by this action yet`;
  if (vm.template && !action.allowTemplates) return 'is a template';
  return undefined;
}

/**
 * PVE's protection flag lives in the VM config, not in /cluster/resources: read it only for the
 * targets of a destructive action that passed the other checks.
 */
export async function protectedVmids(client: PveRequester, vms: Vm[], concurrency = 8): Promise<Set<number>> {
  const out = new Set<number>();
  let next = 0;
  const worker = async () => {
    while (next < vms.length) {
      const vm = vms[next++];
      try {
        const cfg = await getQemuConfig(client, vm.node, vm.vmid);
        if (Number(cfg.protection) === 1) out.add(vm.vmid);
      } catch {
        // An unreadable config is judged when the step runs; PVE answers for itself then.
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, vms.length) }, worker));
  return out;
}

export const PROTECTION_SKIP = "PVE protection is on for this VM (unset 'protection' or use force)";
