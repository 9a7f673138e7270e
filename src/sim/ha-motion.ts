// What PVE 9 tells a migration precondition about an HA-managed guest (pve-ha-manager's
// PVE::HA::Config::get_resource_motion_info): the HA resources in positive resource affinity with it, which move
// along, and per online node those in negative affinity that are there, which block it (cause
// 'resource-affinity', the schema's only one). An ignored resource is in neither: the CRM keeps no status for it.
// Node-affinity rules block nothing here.
import type { SimCluster } from './cluster.js';
import type { SimVmRecord } from './model.js';
import { haHandles, haSid } from './ha.js';
import { haManagerStatus } from './ha-manager.js';

export interface HaMotionInfo {
  dependent: string[];
  blocking: Record<string, Array<{ sid: string; cause: 'resource-affinity' }>>;
}

/** Undefined when the guest is not HA-managed (vm_is_ha_managed), or the release has no affinity rules. */
export function haMotionInfo(sim: SimCluster, vm: SimVmRecord): HaMotionInfo | undefined {
  if (sim.profile.ha !== 'rules' || !haHandles(sim, vm.vmid)) return undefined;
  const sid = haSid(vm);
  const together = new Set<string>();
  const separate = new Set<string>();
  for (const rule of sim.ha.rules) {
    if (rule.type !== 'resource-affinity' || !rule.resources.includes(sid)) continue;
    for (const other of rule.resources) if (other !== sid) (rule.affinity === 'positive' ? together : separate).add(other);
  }
  const managed = (s: string): SimVmRecord | undefined => {
    const other = sim.vms.get(Number(s.slice(s.indexOf(':') + 1)));
    return other && haHandles(sim, other.vmid) ? other : undefined;
  };
  const targets = new Map(haManagerStatus(sim).migrations.map((m) => [m.vmid, m.target]));
  const blocking: HaMotionInfo['blocking'] = {};
  for (const node of sim.nodes.keys()) {
    if (!sim.isOnline(node)) continue;
    for (const s of [...separate].sort()) {
      const other = managed(s);
      // A partner blocks the node it is on, unless it is already on its way elsewhere.
      if (!other || other.node !== node) continue;
      const target = targets.get(other.vmid);
      if (target && target !== node) continue;
      (blocking[node] ??= []).push({ sid: s, cause: 'resource-affinity' });
    }
  }
  return { dependent: [...together].sort().filter((s) => managed(s)), blocking };
}
