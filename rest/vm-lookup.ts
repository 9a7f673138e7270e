// The VM a path names (`/vms/{id}`), from one inventory read: an unknown id, or a container, is a 404.
import type { Vm } from '../src/inventory/model.js';
import { notFound } from './errors.js';
import type { InventoryReads } from './inventory-reads.js';

/** The VM from a fresh (possibly shared) inventory read; `notCached`: not the one that answered a moment ago. */
export async function requireVm(reads: InventoryReads, vmid: number, opts: { notCached?: boolean } = {}): Promise<Vm> {
  return checked((await reads.fresh(opts)).vms.find((v) => v.vmid === vmid), vmid);
}

export function checked(vm: Vm | undefined, vmid: number): Vm {
  if (!vm) throw notFound(`VM ${vmid} does not exist in this cluster`);
  if (vm.type !== 'qemu') throw notFound(`${vmid} is an ${vm.type} container, not a VM; /vms serves qemu VMs only`);
  return vm;
}

/** Config keys PVE reports that hold a secret (PVE masks cipassword, but it never belongs in an answer). */
const SECRET_CONFIG_KEYS = new Set(['cipassword']);

export function withoutSecrets(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).filter(([k]) => !SECRET_CONFIG_KEYS.has(k)));
}
