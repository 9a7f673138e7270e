// What PVE has now for the VM ids a provisioning run may have created: whether each exists and whether its
// description carries the mark the run wrote when it created it (the lifecycle create's `[moxxie-create
// token]` line, or provisionMarker's). The rollback decision is made from this, never from the journal alone
// (a crash, a lost answer or another operator may have changed things since).
import { fetchInventory } from '../../inventory/inventory.js';
import type { PveClient } from '../../pve/client.js';
import { getGuestConfig, type PveGuestType } from '../../pve/endpoints/guest.js';
import type { ObservedVm } from './rollback-decision.js';

export async function observeCreated(client: PveClient, expected: ReadonlyArray<{ vmid: number; marker: string; guestType?: PveGuestType }>): Promise<Map<number, ObservedVm>> {
  const inventory = await fetchInventory(client);
  // What the plan made with each id: a VM, or a container for a group made from an OS template.
  const types = new Map(expected.map((e) => [e.vmid, e.guestType ?? 'qemu']));
  const out = new Map<number, ObservedVm>();
  for (const { vmid, marker } of expected) {
    const vm = inventory.vms.find((v) => v.vmid === vmid);
    if (!vm) out.set(vmid, { exists: false, marked: false });
    // A guest of the other type with that id is certainly not one of ours.
    else if (vm.type !== (types.get(vmid) ?? 'qemu')) out.set(vmid, { exists: true, marked: false });
    else {
      try {
        const config = await getGuestConfig(client, { type: vm.type, node: vm.node, vmid });
        const lines = typeof config.description === 'string' ? config.description.split('\n') : [];
        out.set(vmid, { exists: true, marked: lines.some((l) => l.trim() === marker) });
      } catch (err) {
        // Its node is offline or does not answer: it may be ours, but unproved it is never deleted.
        out.set(vmid, { exists: true, marked: false, error: err instanceof Error ? err.message : String(err) });
      }
    }
  }
  return out;
}
