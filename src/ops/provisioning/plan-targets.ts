// A cluster plan as the engine's targets: one 'new-guest' target per planned VM, carrying everything its
// phases (clone or import -> configure -> resize -> start -> verify, from the VM lifecycle capability) need
// in its plain `spec`, so a later process can resume or undo it from the journal alone.
import type { OperationTarget } from '../types.js';
import type { ClusterPlan, PlannedVm } from './placement.js';

/** What a provisioning target's phases are rebuilt from. */
export interface ProvisionTargetSpec extends Record<string, unknown> {
  cluster: string;
  group: string;
  role: string;
  index: number;
  wave: number;
  /** The id the plan showed; the run reserves it or, when it is taken, the next free one that no other target planned (idSearchOf). */
  plannedVmid: number;
  /** Every id of the plan (absent in journals written before it): a target whose own id is taken passes over the others' ids. */
  clusterVmids?: number[];
  storage: string;
  cores: number;
  memoryMB: number;
  disks: PlannedVm['disks'];
  nets: string[];
  ipconfig: string[];
  route: PlannedVm['route'];
  source: PlannedVm['source'];
  tags: string[];
  cloudInit: PlannedVm['cloudInit'];
  startAfterCreation: boolean;
}

export function targetSpecOf(plan: ClusterPlan, vm: PlannedVm): ProvisionTargetSpec {
  return {
    cluster: plan.cluster,
    group: vm.group,
    role: vm.role,
    index: vm.index,
    wave: vm.wave,
    plannedVmid: vm.vmid,
    clusterVmids: plan.vms.map((v) => v.vmid),
    storage: vm.storage,
    cores: vm.cores,
    memoryMB: vm.memoryMB,
    disks: vm.disks,
    nets: vm.nets,
    ipconfig: vm.ipconfig,
    route: vm.route,
    source: vm.source,
    tags: vm.tags,
    cloudInit: vm.cloudInit,
    startAfterCreation: plan.options.startAfterCreation,
  };
}

/**
 * Where a target's id search starts and what it passes over: its planned id first; when that is taken (another
 * client made a guest there meanwhile), a fresh one that is no other target's planned id, so the others keep
 * theirs and two targets never show one id.
 */
export function idSearchOf(spec: Pick<ProvisionTargetSpec, 'plannedVmid' | 'clusterVmids'>): { after: number; avoid: number[] } {
  return { after: spec.plannedVmid - 1, avoid: (spec.clusterVmids ?? []).filter((id) => id !== spec.plannedVmid) };
}

const actionOf = (vm: PlannedVm): string =>
  vm.route === 'container'
    ? `container (pct create) from ${vm.source.volid} -> ${vm.cores} cores, ${vm.memoryMB} MiB, rootfs ${vm.disks[0].sizeGB} GiB${vm.ipconfig.length ? `, ${vm.ipconfig.join(' ')}` : ''}`
    : `${vm.route === 'import' ? `import ${vm.source.volid}` : `clone ${vm.source.templateVmid}${vm.route === 'clone+migrate' ? ` on ${vm.source.node}, migrate` : ''}`} -> ${vm.cores} cores, ${vm.memoryMB} MiB${vm.ipconfig.length ? `, ${vm.ipconfig.join(' ')}` : ''}`;

export function planTargets(plan: ClusterPlan): OperationTarget[] {
  return plan.vms.map((vm) => ({
    id: vm.name,
    kind: 'new-guest',
    vmid: vm.vmid,
    // The plan says which guests are containers (a group whose imageSource is an OS template).
    guestType: vm.route === 'container' ? 'lxc' : 'qemu',
    name: vm.name,
    node: vm.host,
    state: 'planned',
    action: actionOf(vm),
    phases: [],
    spec: targetSpecOf(plan, vm),
  }));
}
