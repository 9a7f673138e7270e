// Undrain: moves back what a drain of the node moved, from the migration history (the latest drain of the
// node, or the one named). Running guests move live, stopped ones offline; a guest already back, gone, or
// one the drain did not move is left alone and said so.
import { z } from 'zod';
import type { Vm } from '../../inventory/model.js';
import { boundedMap } from '../bounded-map.js';
import { lazySchema } from '../lazy-schema.js';
import type { Capability } from '../capability.js';
import { RequestError } from '../errors.js';
import { nodeMoveRunFields, transferFields } from '../migration/fields.js';
import { moveResources, type MoveSpec } from '../migration/phases.js';
import { containerMoveAction, guestMovePhases, guestPrecondition } from '../migration/container-move.js';
import { checkNode, haStates, summarise, type MigrationCheck } from '../migration/precondition.js';
import type { MigrationEntry } from '../migration/record.js';
import { guestBridgeProblem, nodeBridges } from '../node-bridges.js';
import { offlineNodesOf, PlanBuilder } from '../plan.js';
import { moveAction, transferParams } from './migrate.js';

const NODE_HINT = "required: the node a drain emptied, e.g. 'pve2'";

const schema = lazySchema(() =>
  z.strictObject({
    node: z.string({ error: () => NODE_HINT }).min(1, { error: () => NODE_HINT }).describe('the node to move guests back to'),
    operationId: z.string().min(1).optional().describe("the drain to undo (default: the node's latest drain)"),
    ...transferFields,
    ...nodeMoveRunFields('guests moved at once (1-20)'),
  }));
export type UndrainRequest = z.infer<ReturnType<typeof schema>>;

const PLAN_READS = 8;

export const nodeUndrain: Capability<UndrainRequest> = {
  kind: 'node.undrain',
  title: 'Undrain a node',
  description:
    "Move back to a node the guests its latest drain (or the drain operationId names) moved away, from moxxie's migration history: running ones live, stopped ones offline. Guests already back or gone are skipped. Success means each is on the node again, in the state it had.",
  get schema() {
    return schema();
  },
  guestTypes: ['qemu', 'lxc'],
  label: (r) => `undrain ${r.node}`,
  destructive: () => false,
  auditName: (r) => `undrain ${r.node}`,
  taskTimeoutMs: () => 24 * 3600_000,
  names: { tool: 'undrain_node', verb: ['node', 'undrain'], cli: { positionalField: 'node' } },
  hints: { destructive: false, idempotent: true },

  async plan(input, req) {
    const inv = input.inventory;
    checkNode(inv, req.node, 'node');
    if (!input.migrations) throw new RequestError('node', 'undrain moves back what a drain recorded, and this session keeps no migration history');
    const offline = offlineNodesOf(inv);
    if (offline.has(req.node)) throw new RequestError('node', `node ${req.node} is offline: nothing can move back to it yet`);
    const drains = await input.migrations.list({ drainedNode: req.node, operationKind: 'node.drain', limit: 10_000 });
    const drainId = req.operationId ?? drains[0]?.operationId;
    if (!drainId) throw new RequestError('node', `no drain of ${req.node} in the migration history (moxxie history migrations lists them)`);
    const moved = new Map<number, MigrationEntry>();
    for (const m of drains) if (m.operationId === drainId && m.status === 'succeeded' && m.from !== m.to && !moved.has(m.vmid)) moved.set(m.vmid, m);
    if (req.operationId && !drains.some((m) => m.operationId === req.operationId)) throw new RequestError('operationId', `operation ${req.operationId} is not a drain of ${req.node} in the migration history`);

    const label = `undrain ${req.node}`;
    const vms: Array<{ vm: Vm; entry: MigrationEntry }> = [];
    for (const entry of [...moved.values()].sort((a, b) => a.vmid - b.vmid)) {
      const vm = inv.vms.find((v) => v.vmid === entry.vmid);
      if (vm) vms.push({ vm, entry });
    }
    const candidates = vms.filter(({ vm }) => vm.node !== req.node && !offline.has(vm.node));
    const ha = candidates.length ? await haStates(input.client) : new Map<number, string>();
    // The node's bridges, read once: a guest whose NICs name one it lacks now (changed while it was away) stays, naming it.
    const nodeBridgeList = candidates.length ? await nodeBridges(input.client, [req.node]) : {};
    const checks = new Map<number, MigrationCheck | string>();
    await boundedMap(candidates, PLAN_READS, async ({ vm }) => {
      try {
        const [pre, bridgeProblem] = await Promise.all([guestPrecondition(input.client, inv, vm), guestBridgeProblem(input.client, vm, req.node, nodeBridgeList)]);
        checks.set(vm.vmid, summarise(vm, req.node, pre, { targetOnline: true, haState: ha.get(vm.vmid), bridgeProblem }));
      } catch (err) {
        checks.set(vm.vmid, `PVE's migration precondition failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
    const plan = new PlanBuilder();
    for (const { vm, entry } of vms) {
      const check = checks.get(vm.vmid);
      if (vm.node === req.node) plan.skip(vm, label, `already on ${req.node}`);
      else if (offline.has(vm.node)) plan.block(vm, label, `node ${vm.node} is offline`);
      else if (typeof check !== 'object') plan.block(vm, label, check ?? 'not checked');
      else if (!check.allowed) plan.block(vm, moveAction(check), check.reasons.join('; '));
      else {
        const spec: MoveSpec = {
          source: vm.node,
          target: req.node,
          before: vm.status,
          memoryBytes: check.memoryBytes,
          localDiskBytes: check.localDiskBytes,
          allowOffline: false,
          params: transferParams(req),
          ...(check.haState ? { haState: check.haState } : {}),
          drainedNode: req.node,
        };
        const moreover = entry.to !== vm.node ? `; the drain put it on ${entry.to}, it is on ${vm.node} now` : '';
        plan.add(vm, (vm.type === 'lxc' ? containerMoveAction : moveAction)(check, `; back from drain ${drainId}${moreover}`), spec as unknown as Record<string, unknown>);
      }
    }
    return plan.build();
  },

  phases: (target) => guestMovePhases(target),
  resources: (target) => moveResources(target),
};
