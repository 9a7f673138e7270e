// Where a drain puts each guest: first-fit decreasing by RAM onto the online node that is least loaded after
// the move (memory first, CPU second), never past a node's memory limit, never beside a guest that shares
// one of its anti-affinity tags. Pure: the plan and a re-placement during the run (a target went offline)
// both call it with what they know.
import type { Inventory, Vm } from '../../inventory/model.js';

export const DEFAULT_ANTI_AFFINITY = ['anti-affinity-*'];
export const DEFAULT_MAX_NODE_MEMORY_PERCENT = 90;

export interface NodeLoad {
  node: string;
  maxmem: number;
  /** RAM committed to running guests (or what PVE reports in use, if more). */
  mem: number;
  maxcpu: number;
  /** CPU in use, in cores. */
  cpu: number;
  /** Anti-affinity tags of the guests on it. */
  groups: Set<string>;
}

export interface GuestDemand {
  vmid: number;
  /** RAM it will use there (a stopped guest uses none). */
  mem: number;
  cpu: number;
  groups: string[];
  /** Nodes PVE allows (precondition) and the request permits. */
  allowed: string[];
}

/** Glob patterns (`*`, `?`) over tags. */
export function tagMatcher(patterns: readonly string[]): (tag: string) => boolean {
  const res = patterns.map((p) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i'));
  return (tag) => res.some((r) => r.test(tag));
}

export const groupsOf = (vm: Vm, isGroup: (tag: string) => boolean): string[] => vm.tags.filter(isGroup);

/** Each node's load as the inventory shows it, without the guests of `leaving` (they are the ones placed). */
export function nodeLoads(inv: Inventory, nodes: readonly string[], isGroup: (tag: string) => boolean, leaving: ReadonlySet<number> = new Set()): Map<string, NodeLoad> {
  const out = new Map<string, NodeLoad>();
  for (const name of nodes) {
    const n = inv.nodes.find((x) => x.node === name);
    if (!n) continue;
    const guests = inv.vms.filter((v) => v.node === name && !leaving.has(v.vmid));
    const committed = guests.filter((v) => v.status === 'running' || v.status === 'paused').reduce((s, v) => s + v.maxmem, 0);
    out.set(name, {
      node: name,
      maxmem: n.maxmem,
      mem: Math.max(n.mem, committed),
      maxcpu: n.maxcpu || 1,
      cpu: n.cpu * (n.maxcpu || 1),
      groups: new Set(guests.flatMap((v) => groupsOf(v, isGroup))),
    });
  }
  return out;
}

export function demandOf(vm: Vm, isGroup: (tag: string) => boolean, allowed: string[]): GuestDemand {
  const on = vm.status === 'running' || vm.status === 'paused';
  return { vmid: vm.vmid, mem: on ? vm.maxmem : 0, cpu: on ? vm.cpu * vm.maxcpu : 0, groups: groupsOf(vm, isGroup), allowed };
}

export interface Placement {
  to: Map<number, string>;
  /** Guests with no node, and why. */
  unplaced: Map<number, string>;
}

const GiB = 1024 ** 3;

/** Places the guests (largest RAM first) and updates `loads` as it goes. */
export function place(guests: readonly GuestDemand[], loads: Map<string, NodeLoad>, maxMemoryPercent = DEFAULT_MAX_NODE_MEMORY_PERCENT): Placement {
  const out: Placement = { to: new Map(), unplaced: new Map() };
  const order = [...guests].sort((a, b) => b.mem - a.mem || b.cpu - a.cpu || a.vmid - b.vmid);
  for (const g of order) {
    const nodes = g.allowed.map((n) => loads.get(n)).filter((n): n is NodeLoad => n !== undefined);
    if (!nodes.length) {
      out.unplaced.set(g.vmid, 'no online node to move it to (PVE allows none of them, or none is online)');
      continue;
    }
    const roomy = nodes.filter((n) => n.mem + g.mem <= (n.maxmem * maxMemoryPercent) / 100);
    const apart = roomy.filter((n) => !g.groups.some((t) => n.groups.has(t)));
    if (!roomy.length) {
      out.unplaced.set(g.vmid, `no node has room for its ${(g.mem / GiB).toFixed(1)} GiB RAM within ${maxMemoryPercent}% of its memory`);
      continue;
    }
    if (!apart.length) {
      out.unplaced.set(g.vmid, `anti-affinity: every node with room already hosts a guest tagged ${g.groups.join(' or ')}`);
      continue;
    }
    const score = (n: NodeLoad) => (n.mem + g.mem) / n.maxmem + 0.5 * ((n.cpu + g.cpu) / n.maxcpu);
    const best = apart.reduce((a, b) => (score(b) < score(a) || (score(b) === score(a) && b.node < a.node) ? b : a));
    best.mem += g.mem;
    best.cpu += g.cpu;
    for (const t of g.groups) best.groups.add(t);
    out.to.set(g.vmid, best.node);
  }
  return out;
}
