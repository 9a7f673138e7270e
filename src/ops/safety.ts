// The safety rules every front end gets, enforced once here: safe mode, PVE protection and always-on,
// plus the reasons a VM cannot be acted on at all (offline node, guest type, template).
import type { Vm } from '../inventory/model.js';
import { getGuestConfig, refOf } from '../pve/endpoints/guest.js';
import type { GuestType } from './types.js';
import type { PveRequester } from '../pve/types.js';
import { boundedMap } from './bounded-map.js';

export const SAFE_MODE_TAG = 'moxxie';
export const ALWAYS_ON_TAG = 'always-on';
/** Parallel config reads while planning; the client's connection pool bounds it further. */
const PLAN_READS = 8;

export interface SafetyPolicy {
  safeMode: boolean;
  force: boolean;
}

/** Safe mode (Moxxie's): destructive actions only touch VMs tagged `moxxie`, unless forced. */
export function safeModeSkip(vm: Vm, policy: SafetyPolicy): string | undefined {
  if (!policy.safeMode || policy.force || vm.tags.includes(SAFE_MODE_TAG)) return undefined;
  return `safe mode: not tagged '${SAFE_MODE_TAG}' (tag it, or use force)`;
}

/** `always-on` guests are never taken down by a bulk action unless forced. */
export function alwaysOnSkip(vm: Vm, policy: SafetyPolicy, what = 'never stopped'): string | undefined {
  if (policy.force || !vm.tags.includes(ALWAYS_ON_TAG)) return undefined;
  return `tagged '${ALWAYS_ON_TAG}': ${what} unless forced`;
}

/** The VM's node is offline: the target cannot be attempted (blocked, not skipped). */
export function offlineReason(vm: Vm, offlineNodes: Set<string>): string | undefined {
  return offlineNodes.has(vm.node) ? `node ${vm.node} is offline` : undefined;
}

/**
 * Guests this action does not handle: a type outside its `guestTypes` (default qemu only), and templates
 * unless the action allows them.
 */
export function unsupportedReason(vm: Vm, action: { allowTemplates?: boolean; guestTypes?: readonly GuestType[] } = {}): string | undefined {
  const types = action.guestTypes ?? ['qemu'];
  if (!types.includes(vm.type as GuestType)) return vm.type === 'lxc' ? 'a container (lxc): this action handles VMs only' : `${vm.type} guests are not handled by this action`;
  if (vm.template && !action.allowTemplates) return 'is a template';
  return undefined;
}

export const PROTECTION_SKIP = "PVE protection is on for this VM (unset 'protection' or use force)";

export interface ProtectionCheck {
  protected: Set<number>;
  /** Configs that could not be read: a destructive step must not run blind (fails closed). */
  unreadable: Map<number, string>;
}

/**
 * PVE's protection flag lives in the VM config, not in /cluster/resources: read it only for the
 * targets of a destructive action that passed the other checks, never for a plain list.
 */
export async function checkProtection(client: PveRequester, vms: Vm[]): Promise<ProtectionCheck> {
  const out: ProtectionCheck = { protected: new Set(), unreadable: new Map() };
  await boundedMap(vms, PLAN_READS, async (vm) => {
    try {
      const cfg = await getGuestConfig(client, refOf(vm));
      if (Number(cfg.protection) === 1) out.protected.add(vm.vmid);
    } catch (err) {
      out.unreadable.set(vm.vmid, `could not read the config to check PVE protection: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  return out;
}
