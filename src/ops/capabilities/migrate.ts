// Migrate: the seed's VM migration, for one VM or a selection (bulk). Each guest: PVE's precondition (shown
// in the plan), then online when running and offline when stopped, the offline fallback when the request
// allows it, a verify on the target node and a restart if it was running before (see migration/phases.ts).
// A move holds both its nodes, so maxPerNode caps what one node sends and receives at once.
import { guestBridgeProblem, nodeBridges } from '../node-bridges.js';
import { z } from 'zod';
import type { Vm } from '../../inventory/model.js';
import { boundedMap } from '../bounded-map.js';
import { lazySchema } from '../lazy-schema.js';
import type { Capability } from '../capability.js';
import { migrateFields } from '../migration/fields.js';
import { moveResources, moveSpecOf, type MoveSpec } from '../migration/phases.js';
import { containerMoveAction, containerMoveProblem, guestMovePhases, guestPrecondition, restartModeSkip } from '../migration/container-move.js';
import { checkNode, checkTargetStorage, volumeContentFor, describeCheck, haStates, summarise, type MigrationCheck } from '../migration/precondition.js';
import { offlineNodesOf, PlanBuilder } from '../plan.js';
import { ALWAYS_ON_TAG, offlineReason, safeModeSkip, unsupportedReason } from '../safety.js';
import { bulkFields } from './bulk-fields.js';

const schema = lazySchema(() =>
  z.strictObject({ ...bulkFields, ...migrateFields }));
export type MigrateRequest = z.infer<ReturnType<typeof schema>>;

/** Parallel precondition reads while planning. */
const PLAN_READS = 8;

/** The PVE options every move of the request carries. */
export function transferParams(r: { bwlimit?: number; migrationType?: 'secure' | 'insecure'; migrationNetwork?: string; targetStorage?: string; force?: boolean }): MoveSpec['params'] {
  return {
    ...(r.bwlimit !== undefined ? { bwlimit: r.bwlimit } : {}),
    ...(r.migrationType ? { migration_type: r.migrationType } : {}),
    ...(r.migrationNetwork ? { migration_network: r.migrationNetwork } : {}),
    ...(r.targetStorage ? { targetstorage: r.targetStorage } : {}),
    ...(r.force ? { force: true } : {}),
  };
}

/** A container's move: restart mode or offline, no fallback (there is no live move to fall back from). */
function containerSpec(vm: Vm, check: MigrationCheck, req: MigrateRequest): Record<string, unknown> {
  const spec: MoveSpec = moveSpecOf(vm, { source: vm.node, target: req.targetNode }, check, transferParams(req), { allowOffline: false });
  return spec as unknown as Record<string, unknown>;
}

/** The plan's words for one move: where, how and what PVE's precondition said. */
export const moveAction = (check: MigrationCheck, extra = ''): string => `migrate to ${check.target} (${describeCheck(check)}${extra})`;

export const migrate: Capability<MigrateRequest> = {
  kind: 'migrate',
  title: 'Migrate VMs and containers',
  description:
    "Move the selected VMs to targetNode: online when running, offline when stopped; the plan shows PVE's precondition (local disks and devices, allowed nodes). Success means the VM is on the target node, running again if it was running before. VMs already there are skipped. A running container moves in restart mode (shut down, move, start): PVE cannot move one live.",
  get schema() {
    return schema();
  },
  guestTypes: ['qemu', 'lxc'],
  label: (r) => `migrate to ${r.targetNode}${r.allowOfflineMigration ? ' (offline fallback)' : ''}`,
  // The offline fallback stops running VMs; forcing past local devices is confirmed through `force`.
  destructive: (r) => r.allowOfflineMigration === true,
  auditName: (r) => `migrate to ${r.targetNode}`,
  // Each phase sets its own task timeout (a move's from its size and bwlimit); this is the ceiling.
  taskTimeoutMs: () => 24 * 3600_000,
  names: { tool: 'migrate_vms', verb: ['migrate'], cli: { aliases: { to: 'targetNode' } } },
  hints: { destructive: true, idempotent: true },

  async plan(input, req) {
    const inv = input.inventory;
    checkNode(inv, req.targetNode, 'targetNode');
    checkTargetStorage(inv, req.targetStorage, 'targetStorage', volumeContentFor(input.vms));
    const offline = offlineNodesOf(inv);
    const targetOnline = !offline.has(req.targetNode);
    const label = `migrate to ${req.targetNode}`;
    const policy = { safeMode: input.safeMode, force: input.force };
    const ctProblem = containerMoveProblem(transferParams(req));
    const skipWhy = (vm: Vm): string | undefined =>
      unsupportedReason(vm, { allowTemplates: true, guestTypes: migrate.guestTypes }) ??
      (vm.node === req.targetNode ? `already on ${req.targetNode}` : undefined) ??
      (vm.type === 'lxc' ? (ctProblem ?? restartModeSkip(vm, policy)) : undefined);
    const candidates = input.vms.filter((vm) => !skipWhy(vm) && !offlineReason(vm, offline));
    const ha = candidates.length ? await haStates(input.client) : new Map<number, string>();
    const checks = new Map<number, MigrationCheck | string>();
    // The target's bridges, read once: a guest whose NIC names a bridge the target lacks is refused, naming it.
    const targetBridges = candidates.length && targetOnline ? await nodeBridges(input.client, [req.targetNode]) : {};
    await boundedMap(candidates, PLAN_READS, async (vm) => {
      try {
        const [pre, bridgeProblem] = await Promise.all([guestPrecondition(input.client, inv, vm), guestBridgeProblem(input.client, vm, req.targetNode, targetBridges)]);
        checks.set(vm.vmid, summarise(vm, req.targetNode, pre, { targetOnline, force: req.force, withLocalDisks: req.withLocalDisks, haState: ha.get(vm.vmid), bridgeProblem }));
      } catch (err) {
        checks.set(vm.vmid, `PVE's migration precondition failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
    const plan = new PlanBuilder();
    for (const vm of input.vms) {
      const skip = skipWhy(vm);
      const check = checks.get(vm.vmid);
      if (skip) plan.skip(vm, label, skip);
      else if (offlineReason(vm, offline)) plan.block(vm, label, offlineReason(vm, offline)!);
      else if (typeof check === 'string' || !check) plan.block(vm, label, check ?? 'not checked');
      else if (!check.allowed) plan.block(vm, vm.type === 'lxc' ? containerMoveAction(check) : moveAction(check), check.reasons.join('; '));
      else if (vm.type === 'lxc') plan.add(vm, containerMoveAction(check), containerSpec(vm, check, req));
      else {
        const running = check.mode === 'online';
        // The fallback stops the VM: never for always-on VMs, and in safe mode only for moxxie's own.
        const liveOnly = !running || !req.allowOfflineMigration ? undefined : vm.tags.includes(ALWAYS_ON_TAG) && !input.force ? `tagged '${ALWAYS_ON_TAG}': only moved live` : safeModeSkip(vm, input);
        const spec: MoveSpec = moveSpecOf(vm, { source: vm.node, target: req.targetNode }, check, transferParams(req), {
          ...(req.withLocalDisks !== undefined ? { withLocalDisks: req.withLocalDisks } : {}),
          allowOffline: req.allowOfflineMigration === true,
          ...(liveOnly ? { liveOnly } : {}),
        });
        const fallback = running && req.allowOfflineMigration ? (liveOnly ? `; no offline fallback: ${liveOnly}` : '; offline fallback: stop, move, start') : '';
        plan.add(vm, moveAction(check, fallback), spec as unknown as Record<string, unknown>);
      }
    }
    return plan.build();
  },

  phases: (target) => guestMovePhases(target),
  resources: (target) => moveResources(target),
};
