// Sorting and text filtering of the VM list.
import type { Vm } from '../src/inventory/model.js';

export const SORT_KEYS = ['vmid', 'name', 'node', 'status', 'cpu', 'mem'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export function sortVms(vms: Vm[], key: SortKey, descending: boolean): Vm[] {
  const dir = descending ? -1 : 1;
  const value = (v: Vm): number | string => (key === 'cpu' ? v.cpu : key === 'mem' ? v.mem : v[key]);
  return [...vms].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
    return c * dir || a.vmid - b.vmid;
  });
}

/** The `/` filter: every word must appear in the vmid, name, node, status or a tag. */
export function filterVms(vms: Vm[], text: string): Vm[] {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return vms;
  return vms.filter((v) => {
    const hay = `${v.vmid} ${v.name.toLowerCase()} ${v.node} ${v.status} ${v.tags.join(' ')}`;
    return words.every((w) => hay.includes(w));
  });
}
