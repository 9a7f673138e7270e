// Building blocks shared by every capability's planner.
import type { Inventory, Vm } from '../inventory/model.js';
import type { PveClient } from '../pve/client.js';
import type { Step } from './runner.js';
import type { OperationTarget } from './types.js';

export interface PlanInput {
  client: PveClient;
  inventory: Inventory;
  vms: Vm[];
  safeMode: boolean;
  force: boolean;
}

export interface Plan {
  targets: OperationTarget[];
  steps: Map<number, Step>;
  /** How long one PVE task of this operation may run before its target fails. */
  taskTimeoutMs: number;
}

export function offlineNodesOf(inv: Inventory): Set<string> {
  return new Set(inv.nodes.filter((n) => n.status !== 'online').map((n) => n.node));
}

export function planned(vm: Vm, action: string): OperationTarget {
  return { vmid: vm.vmid, name: vm.name, node: vm.node, state: 'planned', action };
}

export function skipped(vm: Vm, action: string, reason: string): OperationTarget {
  return { vmid: vm.vmid, name: vm.name, node: vm.node, state: 'skipped', action, message: reason };
}
