// Derived views of an inventory: counts by state, tag counts, lookups.
import type { Inventory, Vm, VmStatus } from './model.js';

export function countByStatus(vms: Vm[]): Record<VmStatus, number> {
  const out: Record<VmStatus, number> = { running: 0, stopped: 0, paused: 0, suspended: 0, unknown: 0 };
  for (const vm of vms) out[vm.status]++;
  return out;
}

export function tagCounts(inv: Inventory): Array<{ tag: string; count: number }> {
  const counts = new Map<string, number>();
  for (const vm of inv.vms) for (const t of vm.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts].map(([tag, count]) => ({ tag, count })).sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag));
}

export function vmsWithTag(inv: Inventory, tag: string): Vm[] {
  const t = tag.toLowerCase();
  return inv.vms.filter((vm) => vm.tags.includes(t));
}

export function findVm(inv: Inventory, vmid: number): Vm | undefined {
  return inv.vms.find((v) => v.vmid === vmid);
}
