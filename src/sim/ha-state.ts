// The HA stack's part of the saved state. PVE keeps it in pmxcfs (/etc/pve/ha: resources.cfg, rules.cfg or
// groups.cfg, manager_status with the CRM's filed commands), so it outlives a restart of any service: the
// resources with their requested states, the placement policy, and the HA manager's filed migrations.
import type { SimCluster } from './cluster.js';
import type { SimHaGroup, SimHaResource, SimHaRule } from './ha.js';
import { haManagerStatus, restoreHaManager, type HaManagerStatus } from './ha-manager.js';
import type { PveProfileName } from './profile.js';

export interface SavedHa {
  /** The release it was saved as: 8.4 has groups, 9 rules, so another release's policy is not taken back. */
  pve: PveProfileName;
  resources: SimHaResource[];
  rules: SimHaRule[];
  groups: SimHaGroup[];
  groupsMigrated: boolean;
  manager: HaManagerStatus;
}

export function saveHa(sim: SimCluster): SavedHa {
  return {
    pve: sim.profile.name,
    resources: [...sim.ha.resources.values()],
    rules: sim.ha.rules,
    groups: sim.ha.groups,
    groupsMigrated: sim.ha.groupsMigrated,
    manager: haManagerStatus(sim),
  };
}

/** Takes a saved HA stack back (false when there is none for this release: the caller seeds the demo's). */
export function restoreHa(sim: SimCluster, saved: SavedHa | undefined): boolean {
  if (!saved || saved.pve !== sim.profile.name || !Array.isArray(saved.resources) || !saved.manager) return false;
  const ha = sim.ha;
  ha.resources.clear();
  // A guest left out of the restored cluster (its node is gone) takes its resource with it.
  for (const r of saved.resources) if (sim.vms.has(r.vmid)) ha.resources.set(r.vmid, r);
  ha.rules = saved.rules ?? [];
  ha.groups = saved.groups ?? [];
  ha.groupsMigrated = !!saved.groupsMigrated;
  restoreHaManager(sim, saved.manager);
  return true;
}
