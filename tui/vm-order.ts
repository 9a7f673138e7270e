// Sorting and text filtering of lists.
import type { Vm } from '../src/inventory/model.js';

export const SORT_KEYS = ['vmid', 'name', 'node', 'status', 'cpu', 'mem', 'uptime'] as const;
/** The words `:sort` takes, one per key (the id is `id`). */
export const SORT_WORDS: readonly string[] = SORT_KEYS.map((k) => (k === 'vmid' ? 'id' : k));
export type SortKey = (typeof SORT_KEYS)[number];

// Made on the first sort by text: a process's first collator loads ICU's collation data (about 8 ms), which
// the first frame (sorted by id) does not need.
let collator: Intl.Collator | undefined;
const textCollator = () => (collator ??= new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' }));

export function isSortKey(s: string): s is SortKey {
  return (SORT_KEYS as readonly string[]).includes(s);
}

export function sortVms(vms: readonly Vm[], key: SortKey, descending: boolean): Vm[] {
  const dir = descending ? -1 : 1;
  const out = [...vms];
  if (key === 'vmid') return out.sort((a, b) => (a.vmid - b.vmid) * dir);
  if (key === 'cpu' || key === 'mem' || key === 'uptime') return out.sort((a, b) => (a[key] - b[key]) * dir || a.vmid - b.vmid);
  const { compare } = textCollator();
  return out.sort((a, b) => compare(a[key], b[key]) * dir || a.vmid - b.vmid);
}

/** Every word of the filter must occur (case-insensitive) somewhere in the text. */
/** Every word of the filter must occur in the text; a word with a leading `!` must not (as in k9s). */
export function matchesWords(text: string, filter: string | undefined): boolean {
  if (!filter) return true;
  const hay = text.toLowerCase();
  return filter
    .toLowerCase()
    .split(/\s+/)
    .every((w) => {
      if (!w || w === '!') return true;
      return w.startsWith('!') ? !hay.includes(w.slice(1)) : hay.includes(w);
    });
}

/** The `/` filter of the VM list: id, name, node, status, tags and lock. */
export function filterVms(vms: Vm[], filter: string): Vm[] {
  if (!filter.trim()) return vms;
  return vms.filter((v) => matchesWords(`${v.vmid} ${v.name} ${v.node} ${v.status} ${v.tags.join(' ')} ${v.lock ?? ''}`, filter));
}
