// A plan: per target what will happen (a step) or why not. Every capability's planner builds one.
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
  /**
   * Targets that cannot be attempted (offline node, unreadable state). A dry run shows them skipped with
   * the reason; a real run reports them failed, because the operator asked for them and they were not done.
   */
  blocked: Set<number>;
  /** How long one PVE task of this operation may run before its target fails. */
  taskTimeoutMs: number;
}

/** Planners add targets in the resolver's (vmid) order. */
export class PlanBuilder {
  private readonly targets: OperationTarget[] = [];
  private readonly steps = new Map<number, Step>();
  private readonly blocked = new Set<number>();

  /** The VM gets a step. */
  add(vm: Vm, action: string, step: Step): void {
    this.targets.push({ vmid: vm.vmid, name: vm.name, node: vm.node, state: 'planned', action });
    this.steps.set(vm.vmid, step);
  }

  /** Deliberately left alone (policy, already in state, nothing to do). */
  skip(vm: Vm, action: string, reason: string): void {
    this.targets.push({ vmid: vm.vmid, name: vm.name, node: vm.node, state: 'skipped', action, message: reason });
  }

  /** Wanted but cannot be attempted: skipped in a dry run, failed in a real one. */
  block(vm: Vm, action: string, reason: string): void {
    this.skip(vm, action, reason);
    this.blocked.add(vm.vmid);
  }

  build(taskTimeoutMs: number): Plan {
    return { targets: this.targets, steps: this.steps, blocked: this.blocked, taskTimeoutMs };
  }
}

export function offlineNodesOf(inv: Inventory): Set<string> {
  return new Set(inv.nodes.filter((n) => n.status !== 'online').map((n) => n.node));
}
