// The :storage view's rows after its `/` filter: the controller counts them, the component draws them.
import type { ContentItem } from '../src/inventory/storage-content.js';
import type { TuiState } from './store.js';
import { matchesWords } from './vm-order.js';

/** What a volume is, in the view's WHAT column. */
export function contentLabel(i: ContentItem): string {
  if (i.template) return `template ${i.vmid}`;
  if (i.content === 'images') return i.vmid !== undefined ? `disk of ${i.vmid}` : 'disk image';
  return { iso: 'ISO', vztmpl: 'CT template', import: 'import image', rootdir: 'CT volume', backup: 'backup' }[i.content] ?? i.content;
}

export function storageItemRows(s: Pick<TuiState, 'storageItems' | 'filters'>): ContentItem[] {
  return s.storageItems.filter((i) => matchesWords(`${i.volid} ${i.node} ${i.content} ${contentLabel(i)}`, s.filters.storage));
}
