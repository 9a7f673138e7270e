// Drain a node for maintenance: every guest on it moves to the other online nodes. The plan places each by
// free memory and CPU (never past a node's memory limit), keeps guests that share an anti-affinity tag
// apart, moves running guests live (always-on ones only live) and stopped ones offline, and lists what stays
// (templates, containers, pinned or locked guests) with the reason. A target that goes offline during the
// drain is replaced by another node. Confirmed, like every destructive request.
import { guestBridges, movedBridgeProblem, nodeBridges } from '../node-bridges.js';
import { z } from 'zod';
import type { Vm } from '../../inventory/model.js';
import type { MigratePrecondition } from '../../pve/endpoints/migrate.js';
import { boundedMap } from '../bounded-map.js';
import { lazySchema } from '../lazy-schema.js';
import type { Capability } from '../capability.js';
import { RequestError } from '../errors.js';
import { nodeMoveRunFields, transferFields } from '../migration/fields.js';
import { moveResources, moveSpecOf, type MoveSpec } from '../migration/phases.js';
import { containerMoveAction, containerMoveProblem, guestMovePhases, guestPrecondition, restartModeSkip } from '../migration/container-move.js';
import { DEFAULT_ANTI_AFFINITY, DEFAULT_MAX_NODE_MEMORY_PERCENT, demandOf, nodeLoads, place, tagMatcher } from '../migration/placement.js';
import { checkNode, haStates, summarise, type MigrationCheck } from '../migration/precondition.js';
import { PlanBuilder } from '../plan.js';
import { boolField, intField } from '../request-schema.js';
import { ALWAYS_ON_TAG, safeModeSkip } from '../safety.js';
import { moveAction, transferParams } from './migrate.js';

const NODE_HINT = "required: the node to drain, e.g. 'pve2'";

const schema = lazySchema(() =>
  z.strictObject({
    node: z.string({ error: () => NODE_HINT }).min(1, { error: () => NODE_HINT }).describe('the node to drain'),
    targetNodes: z.array(z.string().min(1)).min(1).optional().describe('default: every other online node'),
    allowOfflineMigration: boolField().optional().describe('a failed live move is retried offline (never always-on VMs)'),
    antiAffinityTags: z.array(z.string().min(1).max(64)).max(20).optional().describe(`tag patterns (* and ?) whose guests are kept on different nodes (default ${DEFAULT_ANTI_AFFINITY.join(', ')})`),
    maxNodeMemoryPercent: intField(50, 100).optional().describe(`a target node's memory in use after the drain, at most (default ${DEFAULT_MAX_NODE_MEMORY_PERCENT})`),
    ...transferFields,
    ...nodeMoveRunFields("1-20, default the context's"),
  }));
export type DrainRequest = z.infer<ReturnType<typeof schema>>;

const PLAN_READS = 8;

/** Why a guest of the node stays, before any placement. */
function staysWhy(vm: Vm): string | undefined {
  if (vm.template) return 'template: stays (linked clones on this node use its base disks)';
  if (vm.lock) return `locked (${vm.lock}): cannot move now`;
  if (vm.status === 'unknown') return 'its state is unknown';
  return undefined;
}

export const nodeDrain: Capability<DrainRequest> = {
  kind: 'node.drain',
  title: 'Drain a node',
  description:
    'Move every guest off a node for maintenance to the other online nodes, by free memory and CPU, keeping guests that share an anti-affinity tag apart; running guests move live, stopped ones offline; guests that cannot move are listed with the reason. Success means every movable guest is on another node, running again if it was running.',
  get schema() {
    return schema();
  },
  guestTypes: ['qemu', 'lxc'],
  label: (r) => `drain ${r.node}`,
  destructive: () => true,
  auditName: (r) => `drain ${r.node}`,
  taskTimeoutMs: () => 24 * 3600_000,
  names: { tool: 'drain_node', verb: ['node', 'drain'], cli: { positionalField: 'node', aliases: { to: 'targetNodes' } } },
  hints: { destructive: true, idempotent: true },

  async plan(input, req) {
    const inv = input.inventory;
    checkNode(inv, req.node, 'node');
    for (const n of req.targetNodes ?? []) checkNode(inv, n, 'targetNodes');
    if (inv.nodes.find((n) => n.node === req.node)?.status !== 'online') throw new RequestError('node', `node ${req.node} is offline: its guests cannot be migrated from it (PVE HA recovers HA-managed ones)`);
    const patterns = req.antiAffinityTags ?? DEFAULT_ANTI_AFFINITY;
    const isGroup = tagMatcher(patterns);
    const pct = req.maxNodeMemoryPercent ?? DEFAULT_MAX_NODE_MEMORY_PERCENT;
    const targets = inv.nodes.filter((n) => n.node !== req.node && n.status === 'online' && (!req.targetNodes || req.targetNodes.includes(n.node))).map((n) => n.node);
    const guests = inv.vms.filter((v) => v.node === req.node).sort((a, b) => a.vmid - b.vmid);
    // A running container moves in restart mode (it cannot move live): always-on and safe mode guard it.
    const policy = { safeMode: input.safeMode, force: input.force };
    const ctProblem = containerMoveProblem(transferParams(req));
    const stays = (v: Vm): string | undefined => staysWhy(v) ?? (v.type === 'lxc' ? (ctProblem ?? restartModeSkip(v, policy)) : undefined);
    const movable = guests.filter((v) => !stays(v));
    const ha = movable.length ? await haStates(input.client) : new Map<number, string>();
    const pre = new Map<number, MigratePrecondition | string>();
    // Each target's bridges (read once) and each guest's: a node without a guest's bridge is not one of its targets.
    const targetBridges = movable.length ? await nodeBridges(input.client, targets) : {};
    const bridges = new Map<number, string[]>();
    await boundedMap(movable, PLAN_READS, async (vm) => {
      try {
        const [p, b] = await Promise.all([guestPrecondition(input.client, inv, vm), guestBridges(input.client, vm)]);
        pre.set(vm.vmid, p);
        bridges.set(vm.vmid, b);
      } catch (err) {
        pre.set(vm.vmid, `PVE's migration precondition failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
    // Each guest's nodes: the online targets PVE allows and that its local devices do not rule out.
    const allowed = new Map<number, string[]>();
    const refused = new Map<number, string>();
    for (const vm of movable) {
      const p = pre.get(vm.vmid);
      if (typeof p === 'string' || !p) {
        refused.set(vm.vmid, p ?? 'not checked');
        continue;
      }
      const bridgeProblem = (n: string) => movedBridgeProblem(n, bridges.get(vm.vmid) ?? [], targetBridges);
      const ok = targets.filter((n) => summarise(vm, n, p, { targetOnline: true, bridgeProblem: bridgeProblem(n) }).allowed);
      if (!ok.length) refused.set(vm.vmid, targets.length ? summarise(vm, targets[0], p, { targetOnline: true, bridgeProblem: bridgeProblem(targets[0]) }).reasons.join('; ') : 'no other online node');
      else allowed.set(vm.vmid, ok);
    }
    const leaving = new Set(guests.map((v) => v.vmid));
    const loads = nodeLoads(inv, targets, isGroup, leaving);
    const placement = place(
      movable.filter((v) => allowed.has(v.vmid)).map((v) => demandOf(v, isGroup, allowed.get(v.vmid)!)),
      loads,
      pct,
    );

    const plan = new PlanBuilder();
    const label = `drain ${req.node}`;
    for (const vm of guests) {
      const stay = stays(vm);
      const to = placement.to.get(vm.vmid);
      const p = pre.get(vm.vmid);
      if (stay) plan.skip(vm, label, stay);
      else if (refused.has(vm.vmid)) plan.block(vm, label, refused.get(vm.vmid)!);
      else if (!to || typeof p !== 'object') plan.block(vm, label, placement.unplaced.get(vm.vmid) ?? 'no node found');
      else {
        const check: MigrationCheck = summarise(vm, to, p, { targetOnline: true, haState: ha.get(vm.vmid) });
        const running = check.mode === 'online' && vm.type !== 'lxc';
        const liveOnly = !running || !req.allowOfflineMigration ? undefined : vm.tags.includes(ALWAYS_ON_TAG) ? `tagged '${ALWAYS_ON_TAG}': only moved live` : safeModeSkip(vm, input);
        const spec: MoveSpec = moveSpecOf(vm, { source: req.node, target: to }, check, transferParams(req), {
          allowOffline: req.allowOfflineMigration === true && vm.type !== 'lxc',
          ...(liveOnly ? { liveOnly } : {}),
          drainedNode: req.node,
          replace: { avoid: [req.node], antiAffinity: patterns, maxMemoryPercent: pct, ...(req.targetNodes ? { nodes: req.targetNodes } : {}) },
        });
        const groups = vm.tags.filter(isGroup);
        const fallback = !running ? '' : liveOnly ? `; no offline fallback: ${liveOnly}` : req.allowOfflineMigration ? '; offline fallback: stop, move, start' : '; live only';
        const notes = `${fallback}${groups.length ? `; apart from others tagged ${groups.join(', ')}` : ''}`;
        plan.add(vm, vm.type === 'lxc' ? containerMoveAction(check, notes) : moveAction(check, notes), spec as unknown as Record<string, unknown>);
      }
    }
    // Largest moves first: the runner starts targets in plan order, and a long move started last would
    // leave the other slots idle at the end.
    const built = plan.build();
    const size = (t: (typeof built.targets)[number]): number => {
      const s = t.spec as unknown as MoveSpec | undefined;
      return s ? s.localDiskBytes + (s.before === 'running' ? s.memoryBytes : 0) : -1;
    };
    built.targets.sort((a, b) => size(b) - size(a) || a.vmid - b.vmid);
    return built;
  },

  phases: (target) => guestMovePhases(target),
  resources: (target) => moveResources(target),
};

