// Building a plan: per target what will happen (plain data its phases are rebuilt from) or why not.
// Every capability's planner uses PlanBuilder; the targets it makes are what every front end shows.
import type { Inventory, Vm } from '../inventory/model.js';
import type { Plan } from './capability.js';
import type { GuestType, OperationTarget, TargetKind } from './types.js';

export type { Plan, PlanInput } from './capability.js';

/** The target id of an existing guest. */
export const guestTargetId = (vmid: number): string => `vm-${vmid}`;

/** Planners add targets in the resolver's (vmid) order. */
export class PlanBuilder {
  private readonly targets: OperationTarget[] = [];
  private readonly blocked = new Set<string>();

  private target(vm: Vm, action: string, kind: TargetKind, id?: string): OperationTarget {
    return { id: id ?? guestTargetId(vm.vmid), kind, vmid: vm.vmid, guestType: vm.type as GuestType, name: vm.name, node: vm.node, state: 'planned', action, phases: [] };
  }

  /** The guest gets a step; `spec` is the plain data its phases are built from. */
  add(vm: Vm, action: string, spec: Record<string, unknown> = {}, opts: { id?: string; kind?: TargetKind } = {}): void {
    this.targets.push({ ...this.target(vm, action, opts.kind ?? 'guest', opts.id), spec });
  }

  /** Deliberately left alone (policy, already in state, nothing to do). */
  skip(vm: Vm, action: string, reason: string): void {
    this.targets.push({ ...this.target(vm, action, 'guest'), state: 'skipped', message: reason });
  }

  /** Wanted but cannot be attempted: skipped in a dry run, failed in a real one. */
  block(vm: Vm, action: string, reason: string): void {
    this.skip(vm, action, reason);
    this.blocked.add(guestTargetId(vm.vmid));
  }

  build(): Plan {
    return { targets: this.targets, blocked: this.blocked };
  }
}

export function offlineNodesOf(inv: Inventory): Set<string> {
  return new Set(inv.nodes.filter((n) => n.status !== 'online').map((n) => n.node));
}
