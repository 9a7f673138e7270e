// Backups as moxxie shows them, read from PVE's storage content (content=backup) across the cluster:
// every archive once (a shared storage is read from one node only), the guest's name from the inventory,
// and the TTL moxxie's ` (TTL: Nd)` notes marker carries. An offline node costs only its local backups:
// the list says what it could not read (listBackupsReport) instead of coming back blank.
import type { Inventory, StorageInfo } from '../inventory/model.js';
import type { PveClient } from '../pve/client.js';
import { getStorageContent, type StorageContentItem } from '../pve/endpoints/storage.js';

export interface BackupEntry {
  volid: string;
  vmid: number;
  guestType: 'qemu' | 'lxc';
  name?: string;
  /** The node it was read from (for a shared storage: any node that sees it, the guest's own when online). */
  node: string;
  storage: string;
  shared: boolean;
  size: number;
  /** Epoch seconds. */
  ctime: number;
  /** PVE lists only the first line of the notes. */
  notes?: string;
  protected: boolean;
  /** PVE's format: vma.zst, tar.gz, pbs-vm … */
  format: string;
  /** zst, gz, lzo; absent when the archive is not compressed (or PBS, which compresses by itself). */
  compression?: string;
  ttlDays?: number;
  /** Epoch ms when the TTL runs out. */
  expiresAt?: number;
}

export interface BackupFilter {
  vmids?: number[];
  storage?: string;
}

export interface BackupListReport {
  backups: BackupEntry[];
  /** What could not be read: "node pve3 is offline: its local backups on local are not listed". */
  warnings: string[];
}

const TTL_RE = / ?\(TTL: (\d+)d\)/;
const DAY_MS = 86_400_000;

/** Moxxie's TTL marker, appended to a backup's notes (the same form Moxxie wrote). */
export function ttlMarker(days: number): string {
  return ` (TTL: ${days}d)`;
}

export function parseTtl(notes: string | undefined): number | undefined {
  const m = TTL_RE.exec(notes ?? '');
  return m ? Number(m[1]) : undefined;
}

/** The archive's compression from PVE's format (vma.zst → zst); PBS formats and plain archives have none. */
export function compressionOf(format: string): string | undefined {
  const dot = format.lastIndexOf('.');
  return dot < 0 ? undefined : format.slice(dot + 1);
}

function guestTypeOf(item: StorageContentItem & { subtype?: string }): 'qemu' | 'lxc' {
  if (item.subtype === 'lxc' || item.subtype === 'qemu') return item.subtype;
  return /vzdump-lxc-|\/ct\/|pbs-ct/.test(`${item.volid} ${item.format}`) ? 'lxc' : 'qemu';
}

/** The vmid PVE gives, or the one in the archive name (vzdump-qemu-100-…, backup/vm/100/…). */
function vmidOf(item: StorageContentItem): number | undefined {
  if (typeof item.vmid === 'number') return item.vmid;
  const m = /vzdump-(?:qemu|lxc|openvz)-(\d+)-|backup\/(?:vm|ct)\/(\d+)\//.exec(item.volid);
  return m ? Number(m[1] ?? m[2]) : undefined;
}

interface Source {
  storage: string;
  shared: boolean;
  /** Nodes to read it from, in order of preference (a shared storage: the first that answers). */
  nodes: string[];
}

function sourcesOf(inventory: Inventory, filter: BackupFilter | undefined, warnings: string[]): Source[] {
  const online = new Set(inventory.nodes.filter((n) => n.status === 'online').map((n) => n.node));
  const byStorage = new Map<string, StorageInfo[]>();
  for (const s of inventory.storages) {
    if (!s.content.includes('backup')) continue;
    if (filter?.storage !== undefined && s.storage !== filter.storage) continue;
    byStorage.set(s.storage, [...(byStorage.get(s.storage) ?? []), s]);
  }
  const sources: Source[] = [];
  for (const [storage, entries] of byStorage) {
    const shared = entries.some((e) => e.shared);
    const reachable = entries.filter((e) => online.has(e.node)).map((e) => e.node);
    const unreachable = entries.filter((e) => !online.has(e.node)).map((e) => e.node);
    if (shared) {
      if (reachable.length) sources.push({ storage, shared, nodes: reachable });
      else warnings.push(`shared storage ${storage}: no online node to read it from`);
    } else {
      for (const node of reachable) sources.push({ storage, shared, nodes: [node] });
      for (const node of unreachable) warnings.push(`node ${node} is offline: its backups on ${storage} are not listed`);
    }
  }
  return sources;
}

function entryOf(item: StorageContentItem & { subtype?: string }, source: Source, node: string, names: Map<number, string>): BackupEntry | undefined {
  const vmid = vmidOf(item);
  if (vmid === undefined) return undefined;
  const ttlDays = parseTtl(item.notes);
  const ctime = item.ctime ?? 0;
  const entry: BackupEntry = {
    volid: item.volid,
    vmid,
    guestType: guestTypeOf(item),
    node,
    storage: source.storage,
    shared: source.shared,
    size: item.size,
    ctime,
    protected: Number(item.protected ?? 0) === 1,
    format: item.format,
  };
  const name = names.get(vmid);
  if (name !== undefined) entry.name = name;
  if (item.notes) entry.notes = item.notes;
  const compression = compressionOf(item.format);
  if (compression) entry.compression = compression;
  if (ttlDays !== undefined) {
    entry.ttlDays = ttlDays;
    entry.expiresAt = ctime * 1000 + ttlDays * DAY_MS;
  }
  return entry;
}

/** Every backup once, with what could not be read; newest first within a VM, VMs in id order. */
export async function listBackupsReport(client: PveClient, inventory: Inventory, filter?: BackupFilter): Promise<BackupListReport> {
  const warnings: string[] = [];
  const names = new Map(inventory.vms.map((vm) => [vm.vmid, vm.name]));
  const wanted = filter?.vmids ? new Set(filter.vmids) : undefined;
  // PVE's own vmid filter only when one VM is asked for; otherwise one read per storage and node.
  const vmidParam = filter?.vmids?.length === 1 ? filter.vmids[0] : undefined;
  const sources = sourcesOf(inventory, filter, warnings);
  const lists = await Promise.all(
    sources.map(async (source) => {
      const failures: string[] = [];
      for (const node of source.nodes) {
        try {
          const items = await getStorageContent(client, node, source.storage, { content: 'backup', vmid: vmidParam });
          return items.map((item) => entryOf(item, source, node, names)).filter((e): e is BackupEntry => e !== undefined);
        } catch (err) {
          failures.push(`${node}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      warnings.push(`storage ${source.storage} could not be read (${failures.join('; ')})`);
      return [];
    }),
  );
  const seen = new Set<string>();
  const backups: BackupEntry[] = [];
  for (const entry of lists.flat()) {
    if (seen.has(entry.volid)) continue;
    if (wanted && !wanted.has(entry.vmid)) continue;
    seen.add(entry.volid);
    backups.push(entry);
  }
  backups.sort((a, b) => a.vmid - b.vmid || b.ctime - a.ctime || a.volid.localeCompare(b.volid));
  return { backups, warnings };
}

export async function listBackups(client: PveClient, inventory: Inventory, filter?: { vmids?: number[]; storage?: string }): Promise<BackupEntry[]> {
  return (await listBackupsReport(client, inventory, filter)).backups;
}
