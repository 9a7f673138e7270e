// What PVE has now for the VM ids a provisioning run may have created: whether each exists and which
// operation's mark its description carries. The rollback decision is made from this, never from the journal
// alone (a crash, a lost answer or another operator may have changed things since).
import { fetchInventory } from '../../inventory/inventory.js';
import type { PveClient } from '../../pve/client.js';
import { getQemuConfig } from '../../pve/endpoints/qemu.js';
import { readProvisionMarker } from './provision-marker.js';
import type { ObservedVm } from './rollback-decision.js';

export async function observeCreated(client: PveClient, vmids: readonly number[]): Promise<Map<number, ObservedVm>> {
  const inventory = await fetchInventory(client);
  const out = new Map<number, ObservedVm>();
  for (const vmid of vmids) {
    const vm = inventory.vms.find((v) => v.vmid === vmid);
    if (!vm) {
      out.set(vmid, { exists: false });
      continue;
    }
    if (vm.type !== 'qemu') {
      out.set(vmid, { exists: true }); // a container with that id is certainly not one of ours
      continue;
    }
    const config = await getQemuConfig(client, vm.node, vmid);
    const mark = readProvisionMarker(typeof config.description === 'string' ? config.description : undefined);
    out.set(vmid, { exists: true, ...(mark ? { markedBy: mark.operationId } : {}) });
  }
  return out;
}
