// What PVE has now for the VM ids a provisioning run may have created: whether each exists and whether its
// description carries the mark the run wrote when it created it (the lifecycle create's `[moxxie-create
// token]` line, or provisionMarker's). The rollback decision is made from this, never from the journal alone
// (a crash, a lost answer or another operator may have changed things since).
import { fetchInventory } from '../../inventory/inventory.js';
import type { PveClient } from '../../pve/client.js';
import { getGuestConfig, type PveGuestType } from '../../pve/endpoints/guest.js';
import type { ObservedVm } from './rollback-decision.js';

/**
 * Per target (keyed by its name): the id it may have used, read back against its own mark. Two targets of one
 * run can name one id (a target cut short before it journaled the id it tried shows its planned id, which an
 * earlier target may have got after its own was taken): a guest there carrying another target's mark is that
 * target's, and for this one nothing exists.
 */
export async function observeCreated(client: PveClient, expected: ReadonlyArray<{ name: string; vmid: number; marker: string; guestType?: PveGuestType }>): Promise<Map<string, ObservedVm>> {
  const inventory = await fetchInventory(client);
  const out = new Map<string, ObservedVm>();
  const configs = new Map<number, Promise<Record<string, unknown>>>();
  for (const { name, vmid, marker, guestType } of expected) {
    const vm = inventory.vms.find((v) => v.vmid === vmid);
    if (!vm) out.set(name, { exists: false, marked: false });
    // A guest of the other type with that id is certainly not one of ours (what the plan made: a VM, or a container for a group made from an OS template).
    else if (vm.type !== (guestType ?? 'qemu')) out.set(name, { exists: true, marked: false });
    else {
      try {
        if (!configs.has(vmid)) configs.set(vmid, getGuestConfig(client, { type: vm.type, node: vm.node, vmid }) as Promise<Record<string, unknown>>);
        const config = await configs.get(vmid)!;
        const lines = typeof config.description === 'string' ? config.description.split('\n').map((l) => l.trim()) : [];
        const sibling = expected.find((e) => e.name !== name && e.marker !== marker && lines.includes(e.marker));
        if (sibling) out.set(name, { exists: false, marked: false, takenBy: sibling.name });
        else out.set(name, { exists: true, marked: lines.includes(marker) });
      } catch (err) {
        // Its node is offline or does not answer: it may be ours, but unproved it is never deleted.
        out.set(name, { exists: true, marked: false, error: err instanceof Error ? err.message : String(err) });
      }
    }
  }
  return out;
}
