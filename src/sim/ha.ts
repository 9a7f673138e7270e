// The simulated HA stack: which guests are HA resources, and the placement policy around them — rules
// (node-affinity, resource-affinity) on PVE 9, groups on 8.4. A 9 cluster upgraded from 8 has its groups
// migrated to rules, and then /cluster/ha/groups answers 500 (pve-ha-manager, API2/HA/Groups.pm).
import type { SimCluster } from './cluster.js';
import type { SimVmRecord } from './model.js';
import type { PveProfile } from './profile.js';
import { crmServiceState } from './ha-manager.js';

export type SimHaState = 'started' | 'stopped' | 'disabled' | 'ignored';

export interface SimHaResource {
  vmid: number;
  state: SimHaState;
  maxRestart: number;
  maxRelocate: number;
  /** PVE 9: follow the node-affinity rule's priorities back (default on). */
  failback: boolean;
  /** PVE 8.4: the HA group. */
  group?: string;
  comment?: string;
}

export interface SimHaRule {
  rule: string;
  type: 'node-affinity' | 'resource-affinity';
  resources: string[];
  /** node-affinity: node[:priority] list. */
  nodes?: string;
  strict?: boolean;
  /** resource-affinity: keep together or apart. */
  affinity?: 'positive' | 'negative';
  comment?: string;
}

export interface SimHaGroup {
  group: string;
  nodes: string;
  restricted: boolean;
  nofailback: boolean;
  comment?: string;
}

export class SimHa {
  readonly resources = new Map<number, SimHaResource>();
  rules: SimHaRule[] = [];
  groups: SimHaGroup[] = [];
  /** PVE 9 after the 8 → 9 upgrade: the groups became rules. */
  groupsMigrated = false;

  managed(vmid: number): SimHaResource | undefined {
    return this.resources.get(vmid);
  }
}

/** PVE's vm_is_ha_managed: an HA resource whose state is not `ignored` (an ignored one is run directly, as if unmanaged). */
export function haHandles(sim: SimCluster, vmid: number): boolean {
  const r = sim.ha.managed(vmid);
  return r !== undefined && r.state !== 'ignored';
}

export function haSid(vm: Pick<SimVmRecord, 'type' | 'vmid'>): string {
  return `${vm.type === 'lxc' ? 'ct' : 'vm'}:${vm.vmid}`;
}

/** What an HA-managed guest's power and migrate calls become: a request to the HA manager. */
export function haTaskType(sim: SimCluster, vm: SimVmRecord, plain: string): string {
  if (!haHandles(sim, vm.vmid)) return plain;
  if (/start$/.test(plain)) return 'hastart';
  if (/(stop|shutdown)$/.test(plain)) return 'hastop';
  if (/migrate$/.test(plain)) return 'hamigrate';
  return plain;
}

/**
 * Demo HA: production mail servers (tags mail and env-prod) and guests tagged `ha` are HA resources; the
 * policy follows the profile. Deterministic for a seed.
 */
export function seedHa(sim: SimCluster, profile: PveProfile): void {
  const ha = sim.ha;
  ha.resources.clear();
  const nodes = [...sim.nodes.keys()];
  const picked: SimVmRecord[] = [];
  for (const vm of sim.vms.values()) {
    if (vm.config.template) continue;
    const tags = sim.tagsOf(vm);
    const prodService = tags.includes('env-prod') && tags.includes('mail');
    if (prodService || tags.includes('ha')) picked.push(vm);
  }
  for (const vm of picked) {
    ha.resources.set(vm.vmid, {
      vmid: vm.vmid,
      state: vm.state === 'stopped' ? 'stopped' : 'started',
      maxRestart: 1,
      maxRelocate: 1,
      failback: true,
      ...(profile.ha === 'groups' ? { group: 'prod' } : {}),
    });
  }
  const nodeList = nodes.slice(0, 3).map((n, i) => `${n}:${3 - i}`).join(',');
  const sids = picked.map(haSid);
  if (profile.ha === 'rules') {
    ha.groups = [];
    ha.groupsMigrated = true;
    ha.rules = sids.length
      ? [
          { rule: 'prod-nodes', type: 'node-affinity', resources: sids, nodes: nodeList, strict: false, comment: 'migrated from HA group prod' },
          ...(sids.length >= 2 ? [{ rule: 'prod-spread', type: 'resource-affinity' as const, resources: sids.slice(0, 2), affinity: 'negative' as const, comment: 'keep the first two apart' }] : []),
        ]
      : [];
  } else {
    ha.rules = [];
    ha.groupsMigrated = false;
    ha.groups = [{ group: 'prod', nodes: nodeList, restricted: false, nofailback: false, comment: 'production services' }];
  }
}

/**
 * The `ha` object of a guest's status/current (PVE::HA::Config::get_service_status: `ignored` is not managed;
 * `state` is the CRM's state of the service, not the one asked for).
 */
export function haStatus(sim: SimCluster, vm: SimVmRecord): Record<string, unknown> {
  const r = sim.ha.managed(vm.vmid);
  if (!r || !haHandles(sim, vm.vmid)) return { managed: 0 };
  return { managed: 1, state: crmServiceState(sim, vm), ...(r.group ? { group: r.group } : {}) };
}
