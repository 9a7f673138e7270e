// Moving a container (pct migrate) for migrate, drain and undrain. A container cannot move live: PVE refuses
// `online` for a running CT ("lxc live migration is currently not implemented"), so a running CT moves in
// restart mode (`restart=1`: shut down, move, start on the target) and a stopped one offline. PVE 8.4 has no
// GET …/lxc/{vmid}/migrate, so the precondition is built from the cluster's own state: online nodes, and the
// CT's volumes on storage the target cannot see (they are copied). Phases keep migrate's names (precondition,
// migrate, verify, restart) so the history and a drain's re-placement read them alike.
import type { Inventory, Vm } from '../../inventory/model.js';
import { getClusterResources } from '../../pve/endpoints/cluster.js';
import { getGuestConfig, getGuestStatusCurrent, postGuestStatus, postLxcMigrate, type LxcMigrateParams } from '../../pve/endpoints/guest.js';
import { getMigratePrecondition, type MigratePrecondition } from '../../pve/endpoints/migrate.js';
import type { PveRequester } from '../../pve/types.js';
import type { Phase, PhaseTools } from '../capability.js';
import { StepFailure } from '../runner.js';
import type { OperationTarget } from '../types.js';
import { driveBytes } from '../vm-configs.js';
import { afterPowerTask } from '../ha-power.js';
import { followHaMove } from './ha-move.js';
import { movePhases, replacement, type MoveSpec } from './phases.js';
import { gib, type MigrationCheck } from './precondition.js';
import type { MigrationMode } from './record.js';
import { alwaysOnSkip, safeModeSkip, type SafetyPolicy } from '../safety.js';

/** Seconds a restart migration gives the CT to shut down (PVE's default 180). */
const RESTART_SHUTDOWN_S = 180;
const MINUTE = 60_000;
const SLOWEST_BYTES_PER_S = 32 * 1024 ** 2;

/** What PVE's qemu precondition would say, for a container: every other online node, its local volumes. */
export async function containerPrecondition(client: PveRequester, inv: Inventory, vm: Vm): Promise<MigratePrecondition> {
  const config = (await getGuestConfig(client, { type: 'lxc', node: vm.node, vmid: vm.vmid })) as Record<string, unknown>;
  const shared = new Set(inv.storages.filter((s) => s.shared).map((s) => s.storage));
  const local_disks = Object.entries(config)
    .filter(([k, v]) => /^(rootfs|mp\d+)$/.test(k) && /^(volume=)?[^/][^,]*:/.test(String(v)))
    .map(([k, v]) => ({ volid: String(v).split(',')[0].replace(/^volume=/, ''), size: driveBytes(String(v)) ?? 0, drivename: k }))
    .filter((d) => !shared.has(d.volid.split(':')[0]));
  // Bind and device mount points pin a container to its node (PVE refuses to migrate them unless shared=1).
  const local_resources = Object.entries(config)
    .filter(([k, v]) => /^(mp\d+|dev\d+)$/.test(k) && (/^\//.test(String(v)) || k.startsWith('dev')) && !/(^|,)shared=1(,|$)/.test(String(v)))
    .map(([k]) => k);
  const online = inv.nodes.filter((n) => n.status === 'online' && n.node !== vm.node).map((n) => n.node);
  return {
    running: vm.status === 'stopped' ? 0 : 1,
    allowed_nodes: local_resources.length ? [] : online,
    not_allowed_nodes: local_resources.length ? Object.fromEntries(online.map((n) => [n, { local_resources }])) : {},
    local_disks,
    local_resources: [],
  };
}

/** pct migrate's parameters from migrate's transfer options: it has no migration_type/network nor force. */
export function containerMoveProblem(params: MoveSpec['params']): string | undefined {
  const unsupported = [params.migration_type ? 'migrationType' : '', params.migration_network ? 'migrationNetwork' : ''].filter(Boolean);
  return unsupported.length ? `a container: pct migrate has no ${unsupported.join(' or ')} (PVE uses the datacenter's migration settings); leave it out to move containers` : undefined;
}

function lxcParams(spec: MoveSpec, target: string, running: boolean): LxcMigrateParams {
  return {
    target,
    ...(running ? { restart: true, timeout: RESTART_SHUTDOWN_S } : {}),
    ...(spec.params.bwlimit !== undefined ? { bwlimit: spec.params.bwlimit } : {}),
    ...(spec.params.targetstorage ? { 'target-storage': spec.params.targetstorage } : {}),
  };
}

function timeoutMs(spec: MoveSpec): number {
  const rate = spec.params.bwlimit ? spec.params.bwlimit * 1024 : SLOWEST_BYTES_PER_S;
  return 10 * MINUTE + RESTART_SHUTDOWN_S * 1000 + Math.ceil((3 * spec.localDiskBytes * 1000) / rate);
}

async function locate(tools: PhaseTools, vmid: number): Promise<{ node: string; status: string }> {
  const row = (await getClusterResources(tools.client, { type: 'vm' })).find((r) => r.type === 'lxc' && Number(r.vmid) === vmid);
  if (!row?.node) throw new StepFailure(`CT ${vmid} no longer exists in the cluster`);
  return { node: row.node, status: String(row.status ?? 'unknown') };
}

const dataOf = (t: OperationTarget, phase: string): Record<string, unknown> => t.phases.find((p) => p.name === phase)?.data ?? {};
const targetOf = (t: OperationTarget): string => String(dataOf(t, 'precondition').target ?? (t.spec as unknown as MoveSpec).target);

export function containerMovePhases(t: OperationTarget): Phase[] {
  const spec = t.spec as unknown as MoveSpec;
  const vmid = t.vmid;
  // HA-managed: the hamigrate only filed it; the HA manager relocates it (shut down, moved, started by its state).
  const settleOn = (to: string) => (tools: PhaseTools, upid: string) => followHaMove(tools, { type: 'lxc', vmid }, upid, to, { taskTimeoutMs: timeoutMs(spec) });
  const move = async (tools: PhaseTools, to: string): Promise<string> => {
    const at = await locate(tools, vmid);
    if (at.node === to) return `already on ${to}`;
    const running = at.status !== 'stopped';
    try {
      const upid = await postLxcMigrate(tools.client, at.node, vmid, lxcParams(spec, to, running));
      await tools.awaitTask(upid, { timeoutMs: timeoutMs(spec) });
      await settleOn(to)(tools, upid);
    } catch (err) {
      // A restart migration that failed after the shutdown leaves the CT stopped where it is: start it again.
      if (running) {
        const now = await locate(tools, vmid).catch(() => undefined);
        if (now?.status === 'stopped') {
          await tools.awaitTask(await postGuestStatus(tools.client, { type: 'lxc', node: now.node, vmid }, 'start')).catch(() => undefined);
          throw new StepFailure(`the restart migration failed: ${err instanceof Error ? err.message : String(err)}; started it again on ${now.node}`);
        }
      }
      throw err;
    }
    return `${running ? 'restart mode (shut down, moved, started)' : 'offline'} to ${to}${spec.haState ? ' (by PVE HA)' : ''}`;
  };
  const precondition: Phase = {
    name: 'precondition',
    changesNothing: true,
    run: async (tools) => {
      let target = String(tools.data.target ?? spec.target);
      const at = await locate(tools, vmid);
      tools.data.before = at.status;
      tools.data.target = target;
      if (at.node === target) return `already on ${target}`;
      const online = (await getClusterResources(tools.client, { type: 'node' })).find((r) => r.node === target)?.status === 'online';
      if (!online) {
        // A drain re-places a guest whose target went offline, as it does a VM.
        const other = spec.replace ? await replacement(tools, spec, vmid, target) : undefined;
        if (!other) throw new StepFailure(`node ${target} is not online${spec.replace ? ' and no other node has room for it' : ''}`);
        tools.progress(`node ${target} went offline; placed on ${other} instead`);
        target = other;
        tools.data.target = target;
      }
      return `${at.status === 'stopped' ? 'stopped: offline' : 'running: restart mode (a container cannot move live)'} to ${target}`;
    },
  };
  const migrate: Phase = {
    name: 'migrate',
    taskType: spec.haState ? 'hamigrate' : 'vzmigrate',
    settle: (tools, upid) => settleOn(targetOf(t))(tools, upid),
    check: async (tools) => ((await locate(tools, vmid)).node === targetOf(t) ? `already on ${targetOf(t)}` : undefined),
    run: async (tools) => {
      const at = await locate(tools, vmid);
      tools.data.mode = (at.status === 'stopped' ? 'offline' : 'restart') satisfies MigrationMode;
      if (at.status !== 'stopped') tools.data.restart = true;
      return move(tools, targetOf(t));
    },
    undo: async (tools) => move(tools, spec.source).then((r) => (r.startsWith('already') ? r : `moved back to ${spec.source}`)),
  };
  const verify: Phase = {
    name: 'verify',
    changesNothing: true,
    run: async (tools) => {
      const target = targetOf(t);
      const at = await locate(tools, vmid);
      if (at.node !== target) throw new StepFailure(`the move ended OK but CT ${vmid} is on ${at.node}, not ${target}`);
      const status = await getGuestStatusCurrent(tools.client, { type: 'lxc', node: target, vmid });
      tools.data.after = status.status;
      return `${dataOf(t, 'migrate').restart ? 'moved in restart mode: ' : ''}on ${target}, ${status.status}`;
    },
  };
  const restart: Phase = {
    name: 'restart',
    taskType: 'vzstart',
    run: async (tools) => {
      const before = String(dataOf(t, 'precondition').before ?? spec.before);
      if (before === 'stopped' || dataOf(t, 'verify').after === 'running') return;
      const at = await locate(tools, vmid);
      if (at.status === 'running') return;
      const ref = { type: 'lxc' as const, node: at.node, vmid };
      const upid = await postGuestStatus(tools.client, ref, 'start');
      await tools.awaitTask(upid);
      // HA-managed: a hastart only asks; the HA manager starts it (after a relocation it does so on its own).
      await afterPowerTask(tools.client, ref, upid, 'running', tools.cancelled);
      tools.data.after = 'running';
      return `started on ${at.node}: it was running before the move`;
    },
    undo: async () => 'nothing to undo',
  };
  return [precondition, migrate, verify, restart];
}

/** PVE's precondition for a VM, the one built above for a container. */
export async function guestPrecondition(client: PveRequester, inv: Inventory, vm: Vm): Promise<MigratePrecondition> {
  return vm.type === 'lxc' ? containerPrecondition(client, inv, vm) : getMigratePrecondition(client, vm.node, vm.vmid);
}

/** The phases of a move: pct's for a container, qemu's otherwise. */
export const guestMovePhases = (t: OperationTarget): Phase[] => (t.guestType === 'lxc' ? containerMovePhases(t) : movePhases(t));

/**
 * Why a running container is not moved: restart mode takes it down, so always-on ones need force and safe
 * mode guards them as it guards the offline fallback. Undefined for VMs and stopped containers.
 */
export function restartModeSkip(vm: Vm, policy: SafetyPolicy): string | undefined {
  if (vm.type !== 'lxc' || vm.status === 'stopped') return undefined;
  return alwaysOnSkip(vm, policy, 'a container cannot move live and restart mode would stop it; not moved') ?? safeModeSkip(vm, policy);
}

/** The plan's words for a container's move. */
export function containerMoveAction(check: MigrationCheck, extra = ''): string {
  const disks = check.localDiskBytes ? `, local volumes ${gib(check.localDiskBytes)} copied` : '';
  const ha = check.haState ? `, HA-managed (${check.haState}): PVE's HA manager moves it` : '';
  return `migrate to ${check.target} (${check.mode !== 'offline' ? 'restart mode: shut down, move, start (a container cannot move live)' : 'offline'}${disks}${ha}${extra})`;
}
