// The cluster as plain data, from ONE GET /cluster/resources (never one call per VM).
import { getClusterResources, type ClusterResource } from '../pve/endpoints/cluster.js';
import type { PveRequester } from '../pve/types.js';
import type { ClusterNode, Inventory, StorageInfo, Vm, VmStatus } from './model.js';
import { compareNatural } from '../text/natural-order.js';

/**
 * PVE stores tags `;`-joined but accepts `,` and whitespace too. Lower-cased as PVE stores them by
 * default (tag-style case-sensitive is off), de-duplicated, in PVE's order.
 */
export function parseTags(raw: string | undefined): string[] {
  if (!raw) return [];
  return [...new Set(String(raw).split(/[;,\s]+/).filter(Boolean).map((t) => t.toLowerCase()))];
}

const VM_STATUSES: VmStatus[] = ['running', 'stopped', 'paused', 'suspended'];

export function mapResources(resources: ClusterResource[], fetchedAt = Date.now()): Inventory {
  const nodes: ClusterNode[] = [];
  const storages: StorageInfo[] = [];
  const vms: Vm[] = [];
  for (const r of resources) {
    if (r.type === 'node' && r.node) {
      nodes.push({
        node: r.node,
        status: r.status === 'online' ? 'online' : r.status === 'offline' ? 'offline' : 'unknown',
        cpu: r.cpu ?? 0,
        maxcpu: r.maxcpu ?? 0,
        mem: r.mem ?? 0,
        maxmem: r.maxmem ?? 0,
        uptime: r.uptime ?? 0,
      });
    }
  }
  const offline = new Set(nodes.filter((n) => n.status !== 'online').map((n) => n.node));
  for (const r of resources) {
    if ((r.type === 'qemu' || r.type === 'lxc') && r.vmid !== undefined && r.node) {
      const known = VM_STATUSES.includes(r.status as VmStatus);
      vms.push({
        vmid: Number(r.vmid),
        name: r.name ?? '',
        node: r.node,
        type: r.type,
        // A guest on an offline node has no trustworthy state (PVE then also omits its name and stats).
        status: offline.has(r.node) || !known ? 'unknown' : (r.status as VmStatus),
        template: Number(r.template) === 1,
        tags: parseTags(r.tags),
        lock: r.lock || undefined,
        pool: r.pool || undefined,
        ...(r.hastate ? { hastate: r.hastate } : {}),
        cpu: r.cpu ?? 0,
        maxcpu: r.maxcpu ?? 0,
        mem: r.mem ?? 0,
        maxmem: r.maxmem ?? 0,
        disk: r.disk ?? 0,
        maxdisk: r.maxdisk ?? 0,
        uptime: r.uptime ?? 0,
      });
    } else if (r.type === 'storage' && r.storage && r.node) {
      storages.push({
        storage: r.storage,
        node: r.node,
        plugintype: r.plugintype ?? '',
        content: (r.content ?? '').split(',').filter(Boolean),
        shared: Number(r.shared) === 1,
        status: r.status ?? 'unknown',
        disk: r.disk ?? 0,
        maxdisk: r.maxdisk ?? 0,
      });
    }
  }
  vms.sort((a, b) => a.vmid - b.vmid);
  nodes.sort((a, b) => compareNatural(a.node, b.node));
  return { vms, nodes, storages, fetchedAt };
}

export async function fetchInventory(c: PveRequester, opts: { signal?: AbortSignal } = {}): Promise<Inventory> {
  const resources = await getClusterResources(c, {}, { signal: opts.signal });
  return mapResources(resources);
}
