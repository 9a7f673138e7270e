// Derived views of an inventory: counts by status, tags with counts, lookups. Tag comparisons are
// case-insensitive, like PVE's.
import type { Inventory, Vm, VmStatus } from './model.js';

export function countByStatus(vms: readonly Vm[]): Record<VmStatus, number> {
  const out: Record<VmStatus, number> = { running: 0, stopped: 0, paused: 0, suspended: 0, unknown: 0 };
  for (const vm of vms) out[vm.status]++;
  return out;
}

/** Every tag in use with the number of VMs carrying it; most used first, then by name. */
export function tagCounts(inv: Inventory): Array<{ tag: string; count: number }> {
  const counts = new Map<string, number>();
  for (const vm of inv.vms) {
    for (const tag of new Set(vm.tags.map((t) => t.toLowerCase()))) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  }
  return [...counts].map(([tag, count]) => ({ tag, count })).sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag));
}

/** VMs carrying exactly this tag (case-insensitive), in inventory (vmid) order. */
export function vmsWithTag(inv: Inventory, tag: string): Vm[] {
  const want = tag.trim().toLowerCase();
  return inv.vms.filter((vm) => vm.tags.some((t) => t === want || t.toLowerCase() === want));
}

export function findVm(inv: Inventory, vmid: number): Vm | undefined {
  return inv.vms.find((v) => v.vmid === vmid);
}
