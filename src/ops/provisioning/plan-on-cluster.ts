// Plans a cluster spec against a live cluster: reads what the pure planner needs (one /cluster/resources,
// whether the cluster has HA rules only when they are asked for, and the content of a local storage only when an image
// sits there), takes the context's placement settings, and returns the plan. It changes nothing.
import { fetchInventory } from '../../inventory/inventory.js';
import type { Inventory } from '../../inventory/model.js';
import type { PveClient } from '../../pve/client.js';
import { getStorageContent } from '../../pve/endpoints/storage.js';
import type { ClusterSpec } from './cluster-spec.js';
import { haRulesState } from './ha-affinity-check.js';
import { nodeBridges } from '../node-bridges.js';
import { planCluster, type ClusterPlan, type PlacementConfig } from './placement.js';

const VM_DISK_RE = /^(?:\d+\/)?(?:base|vm)-\d+-disk-\d+/;

/** Which online nodes hold each image that is on non-shared storage and is no VM's disk. */
export async function lookUpLocalImages(client: PveClient, inv: Inventory, spec: ClusterSpec): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  const online = new Set(inv.nodes.filter((n) => n.status === 'online').map((n) => n.node));
  for (const volid of new Set(spec.nodeGroups.map((g) => g.template.imageSource))) {
    const storage = volid.slice(0, volid.indexOf(':'));
    if (VM_DISK_RE.test(volid.slice(storage.length + 1))) continue;
    const entries = inv.storages.filter((s) => s.storage === storage && !s.shared && online.has(s.node));
    if (!entries.length) continue;
    out[volid] = [];
    for (const e of entries) {
      const content = await getStorageContent(client, e.node, storage);
      if (content.some((c) => c.volid === volid)) out[volid].push(e.node);
    }
  }
  return out;
}

/** The bridges of every online node (placement rules out a node without a group's bridge). */
export const onlineNodeBridges = (client: PveClient, inv: Inventory): Promise<Record<string, string[]>> =>
  nodeBridges(client, inv.nodes.filter((n) => n.status === 'online').map((n) => n.node));

export async function planClusterOn(client: PveClient, spec: ClusterSpec, settings: PlacementConfig = {}): Promise<{ plan: ClusterPlan; inventory: Inventory }> {
  const inventory = await fetchInventory(client);
  const imageNodes = { ...(await lookUpLocalImages(client, inventory, spec)), ...(settings.imageNodes ?? {}) };
  // The run's own check (ha-affinity-check.ts): a cluster without HA rules makes options.haResourceAffinity a problem.
  const haRules = settings.haRules ?? (await haRulesState(client, spec));
  const nodeBridges = settings.nodeBridges ?? (await onlineNodeBridges(client, inventory));
  const plan = planCluster(spec, inventory, { ...settings, imageNodes, nodeBridges, ...(haRules ? { haRules } : {}) });
  return { plan, inventory };
}
