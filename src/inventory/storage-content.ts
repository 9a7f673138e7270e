// Storages and what they hold, per node: disk images (template base disks marked), ISOs, container templates
// and importable images — what create, cloud-init and clone can use as a source. Storages come from the
// inventory's one /cluster/resources call; content is one call per storage and node (a shared storage is
// read once). An offline node or an unreadable storage degrades to a warning, never an empty answer.
import { getStorageContent, type StorageContentItem } from '../pve/endpoints/storage.js';
import type { PveRequester } from '../pve/types.js';
import type { Inventory } from './model.js';

export const CONTENT_KINDS = ['images', 'iso', 'vztmpl', 'import', 'rootdir', 'backup'] as const;
export type ContentKind = (typeof CONTENT_KINDS)[number];
/** What a content listing shows unless asked for one kind: sources for new VMs (backups have their own listing). */
export const DEFAULT_CONTENT: readonly ContentKind[] = ['images', 'iso', 'vztmpl', 'import'];
const READS = 4;

export interface StorageRow {
  storage: string;
  /** Where it is listed; a shared storage has one row per node, as PVE shows it. */
  node: string;
  type: string;
  content: string[];
  shared: boolean;
  status: string;
  used: number;
  total: number;
}

/** A volume as PVE lists it (without a backup's notes and protection: backups have their own listing), and where. */
export interface ContentItem extends Pick<StorageContentItem, 'volid' | 'content' | 'format' | 'size' | 'ctime' | 'vmid'> {
  storage: string;
  /** The node it was read on; for a shared storage any node sees it. */
  node: string;
  shared: boolean;
  /** A base disk of a VM template: a clone or `import-from` source. */
  template?: boolean;
}

export interface ContentQuery {
  storage?: string;
  node?: string;
  content?: ContentKind;
}

export function storageRows(inv: Inventory, q: Pick<ContentQuery, 'storage' | 'node'> = {}): StorageRow[] {
  return inv.storages
    .filter((s) => (!q.storage || s.storage === q.storage) && (!q.node || s.node === q.node))
    .map((s) => ({ storage: s.storage, node: s.node, type: s.plugintype, content: s.content, shared: s.shared, status: s.status, used: s.disk, total: s.maxdisk }))
    .sort((a, b) => a.storage.localeCompare(b.storage) || a.node.localeCompare(b.node));
}

export async function storageContent(client: PveRequester, inv: Inventory, q: ContentQuery = {}): Promise<{ items: ContentItem[]; warnings: string[] }> {
  const warnings: string[] = [];
  if (q.storage && !inv.storages.some((s) => s.storage === q.storage)) {
    throw new Error(`no storage '${q.storage}' (storages: ${[...new Set(inv.storages.map((s) => s.storage))].sort().join(', ')})`);
  }
  if (q.node && !inv.nodes.some((n) => n.node === q.node)) throw new Error(`no node '${q.node}' (nodes: ${inv.nodes.map((n) => n.node).join(', ')})`);
  const kinds = q.content ? [q.content] : DEFAULT_CONTENT;
  const online = new Set(inv.nodes.filter((n) => n.status === 'online').map((n) => n.node));
  const templates = new Set(inv.vms.filter((v) => v.template).map((v) => v.vmid));
  // One read per local storage and node, one per shared storage (on an online node that has it).
  const reads: Array<{ storage: string; node: string; shared: boolean }> = [];
  const sharedDone = new Set<string>();
  for (const row of storageRows(inv, q)) {
    if (!row.content.some((c) => kinds.includes(c as ContentKind))) continue;
    if (row.shared) {
      if (sharedDone.has(row.storage) || !online.has(row.node)) continue;
      sharedDone.add(row.storage);
    } else if (!online.has(row.node)) {
      warnings.push(`node ${row.node} is offline: ${row.storage} there not listed`);
      continue;
    }
    reads.push({ storage: row.storage, node: row.node, shared: row.shared });
  }
  const items: ContentItem[] = [];
  let next = 0;
  const worker = async () => {
    while (next < reads.length) {
      const r = reads[next++];
      try {
        for (const v of await getStorageContent(client, r.node, r.storage)) {
          if (!kinds.includes(v.content as ContentKind)) continue;
          const item: ContentItem = { storage: r.storage, node: r.node, shared: r.shared, volid: v.volid, content: v.content, format: v.format, size: Number(v.size ?? 0) };
          if (v.ctime) item.ctime = v.ctime;
          if (v.vmid !== undefined) item.vmid = Number(v.vmid);
          if (item.vmid !== undefined && templates.has(item.vmid) && v.content === 'images') item.template = true;
          items.push(item);
        }
      } catch (err) {
        warnings.push(`${r.storage} on ${r.node} could not be read: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READS, reads.length) }, worker));
  items.sort((a, b) => a.storage.localeCompare(b.storage) || a.node.localeCompare(b.node) || a.content.localeCompare(b.content) || a.volid.localeCompare(b.volid));
  return { items, warnings };
}
