// The read-only true state of the simulated cluster, for tests to assert on what really happened.
// Every call returns fresh copies; mutating them changes nothing.
import type { SimCluster } from './cluster.js';
import { haManagerStatus } from './ha-manager.js';
import type { SimNode, SimTask, SimVm, SimVmRecord, SimVolume } from './model.js';

export interface SimStateView {
  vms(): SimVm[];
  vm(vmid: number): SimVm | undefined;
  nodes(): SimNode[];
  tasks(): SimTask[];
  storageContent(storage: string): SimVolume[];
  /** The HA stack: resources (by sid), rules (PVE 9), and the migrations the HA manager has filed and not yet carried out. */
  ha(): {
    resources: Array<{ sid: string; state: string; comment?: string }>;
    rules: Array<{ rule: string; type: string; resources: string[]; affinity?: string; comment?: string }>;
    migrations: Array<{ vmid: number; target: string }>;
  };
  /** Everything above at once (the control endpoint's GET /_sim/state). */
  snapshot(): { vms: SimVm[]; nodes: SimNode[]; tasks: number; pools: Array<{ poolid: string; comment?: string; storage?: string[] }> };
}

function vmView(sim: SimCluster, vm: SimVmRecord): SimVm {
  const view: SimVm = {
    vmid: vm.vmid,
    name: sim.nameOf(vm),
    node: vm.node,
    type: vm.type,
    status: vm.state,
    template: !!vm.config.template,
    tags: sim.tagsOf(vm),
    lock: vm.config.lock === undefined ? undefined : String(vm.config.lock),
    protection: Number(vm.config.protection) === 1,
    pool: vm.pool,
    config: structuredClone(vm.config),
    snapshots: vm.snapshots.map((s) => ({ name: s.name, description: s.description, snaptime: s.snaptime, vmstate: s.vmstate, parent: s.parent })),
  };
  if (vm.parent) view.parent = vm.parent;
  if (vm.pending) view.pending = structuredClone(vm.pending);
  if (vm.pendingDelete?.length) view.pendingDelete = [...vm.pendingDelete];
  return view;
}

export function trueState(sim: SimCluster): SimStateView {
  const view: SimStateView = {
    ha: () => ({
      resources: [...sim.ha.resources.values()].map((r) => ({ sid: `${sim.vms.get(r.vmid)?.type === 'lxc' ? 'ct' : 'vm'}:${r.vmid}`, state: r.state, ...(r.comment ? { comment: r.comment } : {}) })),
      rules: structuredClone(sim.ha.rules),
      migrations: haManagerStatus(sim).migrations,
    }),
    vms: () => [...sim.vms.values()].sort((a, b) => a.vmid - b.vmid).map((v) => vmView(sim, v)),
    vm: (vmid) => {
      const v = sim.vms.get(vmid);
      return v ? vmView(sim, v) : undefined;
    },
    nodes: () => [...sim.nodes.values()].map((n) => ({ node: n.node, online: sim.isOnline(n.node) })),
    tasks: () =>
      [...sim.tasks.values()].map((t) => ({
        upid: t.upid,
        node: t.node,
        type: t.type,
        id: t.id,
        user: t.user,
        tokenid: t.tokenid,
        starttime: t.starttime,
        endtime: t.endtime,
        status: t.status,
        exitstatus: t.exitstatus,
        log: [...t.log],
      })),
    storageContent: (storage) =>
      [...sim.volumes.values()]
        .filter((v) => v.storage === storage)
        .map((v) => ({ volid: v.volid, storage: v.storage, node: v.node, content: v.content, vmid: v.vmid, notes: v.notes, protected: !!v.protected, size: v.size, ctime: v.ctime })),
    snapshot: () => ({ vms: view.vms(), nodes: view.nodes(), tasks: sim.tasks.size, pools: [...sim.pools.values()].map((p) => structuredClone(p)) }),
  };
  return view;
}
