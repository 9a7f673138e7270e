// The VM a path names (`/vms/{id}`), from one inventory read: an unknown id, or a container, is a 404.
import type { MoxxieCore } from '../src/core.js';
import type { Vm } from '../src/inventory/model.js';
import { notFound } from './errors.js';

export async function requireVm(core: MoxxieCore, vmid: number): Promise<Vm> {
  const vm = (await core.inventory()).vms.find((v) => v.vmid === vmid);
  if (!vm) throw notFound(`VM ${vmid} does not exist in this cluster`);
  if (vm.type !== 'qemu') throw notFound(`${vmid} is an ${vm.type} container, not a VM; /vms serves qemu VMs only`);
  return vm;
}

/** Config keys PVE reports that hold a secret (PVE masks cipassword, but it never belongs in an answer). */
const SECRET_CONFIG_KEYS = new Set(['cipassword']);

export function withoutSecrets(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).filter(([k]) => !SECRET_CONFIG_KEYS.has(k)));
}
