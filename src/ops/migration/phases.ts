// The phases of moving one guest, shared by migrate, drain and undrain (the seed's behaviours 1-5):
//   precondition  PVE's GET …/migrate on the node the guest is on now; the state before
//   migrate       online when running, offline when stopped; a failed live move ends the step, unless the
//                 request allows the offline fallback
//   stop → offline-migrate → start   the fallback (each "not needed" without it)
//   verify        the guest is on the target node; the state after
//   restart       started again if it was running before and is not now
// Each phase reads PVE before acting, so a resume or a retry never moves a guest twice; each task has a
// timeout of its own (a move's from what it carries and the bandwidth limit).
import { fetchInventory } from '../../inventory/inventory.js';
import { getClusterResources } from '../../pve/endpoints/cluster.js';
import { getMigratePrecondition, postMigrate, type MigrateParams } from '../../pve/endpoints/migrate.js';
import { deleteTask } from '../../pve/endpoints/nodes.js';
import { getQemuStatusCurrent, postQemuStatus } from '../../pve/endpoints/qemu.js';
import { PveError } from '../../pve/errors.js';
import { parseUpid } from '../../pve/upid.js';
import type { Phase, PhaseTools, TargetResources } from '../capability.js';
import { StepFailure } from '../runner.js';
import type { OperationTarget } from '../types.js';
import { followHaMove } from './ha-move.js';
import type { Vm } from '../../inventory/model.js';
import type { MigrationCheck } from './precondition.js';
import { demandOf, nodeLoads, place, tagMatcher } from './placement.js';
import type { MigrationMode } from './record.js';

export interface MoveSpec {
  source: string;
  target: string;
  /** The state the plan saw. */
  before: string;
  memoryBytes: number;
  localDiskBytes: number;
  /** The request's withLocalDisks; undefined: detected from PVE's local_disks when the move starts. */
  withLocalDisks?: boolean;
  /** The offline fallback is allowed. */
  allowOffline: boolean;
  /** Why the fallback is not allowed for this guest even though the request allows it (always-on, safe mode). */
  liveOnly?: string;
  params: Omit<MigrateParams, 'target' | 'online' | 'with-local-disks'>;
  haState?: string;
  /** A drain's (or undrain's) node: recorded in the history. */
  drainedNode?: string;
  /** A drain re-places a guest whose target went offline: where it may go instead. */
  replace?: { avoid: string[]; antiAffinity: string[]; maxMemoryPercent: number; nodes?: string[] };
}

/**
 * A move's spec as every planner starts it: the ends, the state the plan saw, PVE's precondition figures and
 * HA state, the transfer parameters; `own` adds the planner's part (the fallback, withLocalDisks, a drain's node).
 */
export function moveSpecOf(vm: Vm, ends: { source: string; target: string }, check: MigrationCheck, params: MoveSpec['params'], own: Pick<MoveSpec, 'allowOffline'> & Partial<MoveSpec>): MoveSpec {
  return { ...ends, before: vm.status, memoryBytes: check.memoryBytes, localDiskBytes: check.localDiskBytes, ...own, params, ...(check.haState ? { haState: check.haState } : {}) };
}

const MINUTE = 60_000;
/** A rate no healthy migration network is slower than, for the timeout when no bwlimit is given. */
const SLOWEST_BYTES_PER_S = 32 * 1024 ** 2;
const POWER_TIMEOUT_MS = 5 * MINUTE;
const SHUTDOWN_WAIT_S = 120;
/** How long an HA-managed guest may take to appear on its target after PVE's HA manager accepted the move. */
const HA_SETTLE_MS = 5 * MINUTE;
const HA_POLL_MS = 2000;

/**
 * Moves of one cluster differ in length by orders of magnitude (RAM and disks), so the typical duration the
 * task watcher learns says little about one move. With this floor its looks start 50 ms apart and grow
 * with the time waited (a quarter of it), so a move's end is seen at most a quarter of its run time late
 * and a five-minute move costs about forty looks (one task-list read per node, shared by its moves).
 */
const MOVE_POLL_MS = 50;

/** A move's task timeout: ten minutes plus three times what it carries at the limit (or a slow network). */
export function moveTimeoutMs(spec: MoveSpec, online: boolean, withDisks: boolean): number {
  const bytes = (online ? spec.memoryBytes : 0) + (!online || withDisks ? spec.localDiskBytes : 0);
  const rate = spec.params.bwlimit ? spec.params.bwlimit * 1024 : SLOWEST_BYTES_PER_S;
  return 10 * MINUTE + Math.ceil((3 * bytes * 1000) / rate);
}

const dataOf = (t: OperationTarget, phase: string): Record<string, unknown> => t.phases.find((p) => p.name === phase)?.data ?? {};
/** Where the guest goes: the plan's node, unless a drain re-placed it during the run. */
export const targetOf = (t: OperationTarget): string => String(dataOf(t, 'migrate').target ?? dataOf(t, 'precondition').target ?? (t.spec as unknown as MoveSpec).target);
const fallingBack = (t: OperationTarget): boolean => dataOf(t, 'migrate').fallback === true;
const stateBefore = (t: OperationTarget): string => String(dataOf(t, 'precondition').before ?? (t.spec as unknown as MoveSpec).before);

/** Where the guest is now, and whether `node` is online: one /cluster/resources read. */
async function locate(tools: PhaseTools, vmid: number, node?: string): Promise<{ node: string; status: string; nodeOnline?: boolean }> {
  const rows = await getClusterResources(tools.client, node ? {} : { type: 'vm' });
  const row = rows.find((r) => (r.type === 'qemu' || r.type === 'lxc') && Number(r.vmid) === vmid);
  if (!row?.node) throw new StepFailure(`VM ${vmid} no longer exists in the cluster`);
  const out = { node: row.node, status: String(row.status ?? 'unknown') };
  return node ? { ...out, nodeOnline: rows.some((r) => r.type === 'node' && r.node === node && r.status === 'online') } : out;
}

async function nodeOnline(tools: PhaseTools, node: string): Promise<boolean> {
  const row = (await getClusterResources(tools.client, { type: 'node' })).find((r) => r.node === node);
  return row?.status === 'online';
}

/** Follows a task with its own timeout; a task that overruns it is stopped (its VM lock goes with it). */
async function follow(tools: PhaseTools, upid: string, timeoutMs: number, what: string, intervalMs?: number): Promise<void> {
  try {
    await tools.awaitTask(upid, { timeoutMs, intervalMs });
  } catch (err) {
    if (!(err instanceof PveError) || err.kind !== 'timeout') throw err;
    await deleteTask(tools.client, parseUpid(upid).node, upid).catch(() => undefined);
    // The operation's own cap may be shorter than this task's timeout: PVE's watcher says which applied.
    throw new StepFailure(`${what} did not finish in time (${err.message}); its task ${upid} was stopped`);
  }
}

async function power(tools: PhaseTools, node: string, vmid: number, action: 'start' | 'shutdown'): Promise<void> {
  const params = action === 'shutdown' ? { timeout: SHUTDOWN_WAIT_S, forceStop: true } : {};
  await follow(tools, await postQemuStatus(tools.client, node, vmid, action, params), action === 'shutdown' ? (SHUTDOWN_WAIT_S + 60) * 1000 : POWER_TIMEOUT_MS, action);
}

/** A drain's new node for a guest whose target went offline; undefined when none fits. */
export async function replacement(tools: PhaseTools, spec: MoveSpec, vmid: number, failed: string): Promise<string | undefined> {
  const r = spec.replace;
  if (!r) return undefined;
  const inv = await fetchInventory(tools.client);
  const vm = inv.vms.find((v) => v.vmid === vmid);
  if (!vm) return undefined;
  const nodes = inv.nodes.filter((n) => n.status === 'online' && n.node !== failed && !r.avoid.includes(n.node) && (!r.nodes || r.nodes.includes(n.node))).map((n) => n.node);
  const isGroup = tagMatcher(r.antiAffinity);
  const loads = nodeLoads(inv, nodes, isGroup, new Set([vmid]));
  return place([demandOf(vm, isGroup, nodes)], loads, r.maxMemoryPercent).to.get(vmid);
}

/** The migrate POST for where the guest is and how it runs. */
function paramsFor(spec: MoveSpec, target: string, running: boolean, withDisks: boolean): MigrateParams {
  const p: MigrateParams = { target, ...spec.params };
  if (running) {
    p.online = true;
    if (withDisks) p['with-local-disks'] = true;
  }
  return p;
}

/** Moves it back where it came from (a rollback): live if it runs. */
async function moveBack(tools: PhaseTools, t: OperationTarget, spec: MoveSpec, vmid: number): Promise<string> {
  const at = await locate(tools, vmid);
  if (at.node === spec.source) return `already on ${spec.source}`;
  const running = at.status === 'running';
  const withDisks = spec.withLocalDisks ?? spec.localDiskBytes > 0;
  const upid = await postMigrate(tools.client, at.node, vmid, paramsFor(spec, spec.source, running, withDisks));
  await follow(tools, upid, moveTimeoutMs(spec, running, withDisks), 'the move back', MOVE_POLL_MS);
  await followHaMove(tools, { type: 'qemu', vmid }, upid, spec.source, { taskTimeoutMs: moveTimeoutMs(spec, running, true) });
  return `moved back to ${spec.source}`;
}

export function movePhases(t: OperationTarget): Phase[] {
  const spec = t.spec as unknown as MoveSpec;
  const vmid = t.vmid;
  const notNeeded = 'not needed';
  const undoMove = async (tools: PhaseTools) => moveBack(tools, t, spec, vmid);

  const precondition: Phase = {
    name: 'precondition',
    changesNothing: true,
    run: async (tools) => {
      let target = String(tools.data.target ?? spec.target);
      const at = await locate(tools, vmid, spec.replace ? target : undefined);
      tools.data.before = at.status;
      if (at.node === target) {
        tools.data.target = target;
        return `already on ${target}`;
      }
      if (spec.replace && !at.nodeOnline) {
        const other = await replacement(tools, spec, vmid, target);
        if (!other) throw new StepFailure(`node ${target} went offline and no other node has room for it`);
        tools.progress(`node ${target} went offline; placed on ${other} instead`);
        target = other;
      }
      tools.data.target = target;
      const pre = await getMigratePrecondition(tools.client, at.node, vmid);
      if (!(pre.allowed_nodes ?? []).includes(target)) throw new StepFailure(`PVE does not allow ${target}: ${JSON.stringify(pre.not_allowed_nodes?.[target] ?? {})}`);
      const moving = (pre.local_disks ?? []).filter((d) => !d.cdrom);
      tools.data.withLocalDisks = spec.withLocalDisks ?? moving.length > 0;
      const running = Number(pre.running) === 1;
      return `${running ? 'running: online' : 'stopped: offline'} to ${target}${moving.length ? `, ${moving.length} local disk(s)` : ''}`;
    },
  };

  // HA-managed: the hamigrate only filed it; the HA manager's own migration moves it (PVE passes with-local-disks).
  const settle = (tools: PhaseTools, upid: string) => followHaMove(tools, { type: 'qemu', vmid }, upid, targetOf(t), { taskTimeoutMs: moveTimeoutMs(spec, true, true) });
  const migrate: Phase = {
    name: 'migrate',
    taskType: spec.haState ? 'hamigrate' : 'qmigrate',
    settle,
    check: async (tools) => {
      const at = await locate(tools, vmid);
      return at.node === targetOf(t) ? `already on ${at.node}` : undefined;
    },
    run: async (tools) => {
      for (let attempt = 0; ; attempt++) {
        const target = targetOf(t);
        const at = await locate(tools, vmid);
        if (at.node === target) return `already on ${target}`;
        const running = at.status === 'running' || at.status === 'paused';
        const withDisks = dataOf(t, 'precondition').withLocalDisks === true;
        const mode: MigrationMode = running ? 'online' : 'offline';
        tools.data.mode = mode;
        try {
          const upid = await postMigrate(tools.client, at.node, vmid, paramsFor(spec, target, running, withDisks));
          await follow(tools, upid, moveTimeoutMs(spec, running, withDisks), `the ${mode} migration`, MOVE_POLL_MS);
          await settle(tools, upid);
          return `${mode} to ${target}${spec.haState ? ' (by PVE HA)' : ''}`;
        } catch (err) {
          if (!(err instanceof StepFailure)) throw err;
          // A drain's target that went offline: another node, once or twice, before any fallback.
          if (spec.replace && attempt < 2 && !(await nodeOnline(tools, target))) {
            const other = await replacement(tools, spec, vmid, target);
            if (other) {
              tools.data.target = other;
              tools.progress(`node ${target} went offline during the move (${err.message}); trying ${other}`);
              continue;
            }
          }
          if (!running) throw err;
          if (!spec.allowOffline || spec.liveOnly || spec.haState) {
            const why = spec.liveOnly ?? (spec.haState ? 'HA-managed: its state is left to PVE HA' : 'allowOfflineMigration is off');
            throw new StepFailure(`online migration failed: ${err.message} (${why}; it stays where it is)`);
          }
          tools.data.fallback = true;
          tools.data.onlineError = err.message;
          tools.data.mode = 'online, then offline' satisfies MigrationMode;
          return `online migration failed (${err.message}); moving it offline`;
        }
      }
    },
    undo: undoMove,
  };

  const stop: Phase = {
    name: 'stop',
    taskType: 'qmshutdown',
    run: async (tools) => {
      if (!fallingBack(t)) return notNeeded;
      const at = await locate(tools, vmid);
      if (at.node === targetOf(t)) return `${notNeeded}: already on ${at.node}`;
      if (at.status === 'stopped') return 'already stopped';
      await power(tools, at.node, vmid, 'shutdown');
      return `stopped on ${at.node} for the offline move`;
    },
    undo: async () => 'nothing to undo (restart follows the move back)',
  };

  const offline: Phase = {
    name: 'offline-migrate',
    taskType: 'qmigrate',
    check: async (tools) => {
      if (!fallingBack(t)) return notNeeded;
      const at = await locate(tools, vmid);
      return at.node === targetOf(t) ? `already on ${at.node}` : undefined;
    },
    run: async (tools) => {
      if (!fallingBack(t)) return notNeeded;
      const target = targetOf(t);
      const at = await locate(tools, vmid);
      if (at.node === target) return `already on ${target}`;
      try {
        await follow(tools, await postMigrate(tools.client, at.node, vmid, paramsFor(spec, target, false, false)), moveTimeoutMs(spec, false, true), 'the offline migration', MOVE_POLL_MS);
      } catch (err) {
        // State recovery (behaviour 4): it was running before the fallback stopped it; it runs again where it is.
        if (stateBefore(t) === 'running') {
          const now = await locate(tools, vmid).catch(() => undefined);
          if (now && now.status === 'stopped') {
            await power(tools, now.node, vmid, 'start').catch(() => undefined);
            throw new StepFailure(`offline migration failed: ${(err as Error).message}; started it again on ${now.node}`);
          }
        }
        throw err;
      }
      return `offline to ${target}`;
    },
    undo: undoMove,
  };

  const start: Phase = {
    name: 'start',
    taskType: 'qmstart',
    run: async (tools) => {
      if (!fallingBack(t)) return notNeeded;
      if (stateBefore(t) !== 'running') return `${notNeeded}: it was ${stateBefore(t)}`;
      const at = await locate(tools, vmid);
      if (at.status === 'running') return 'already running';
      await power(tools, at.node, vmid, 'start');
      return `started on ${at.node}`;
    },
    undo: async () => 'nothing to undo',
  };

  const verify: Phase = {
    name: 'verify',
    changesNothing: true,
    run: async (tools) => {
      const target = targetOf(t);
      // PVE's HA manager moves an HA-managed guest some time after it accepted the request.
      const deadline = Date.now() + (spec.haState ? HA_SETTLE_MS : 0);
      for (;;) {
        // PVE answers a guest's status only on the node that holds its config: one read tells both.
        const status = await getQemuStatusCurrent(tools.client, target, vmid).catch((err: unknown) => {
          if (err instanceof PveError && err.kind !== 'network' && err.kind !== 'unreachable' && err.kind !== 'timeout') return undefined;
          throw err;
        });
        const at = status ? { node: target } : await locate(tools, vmid);
        if (status && at.node === target) {
          tools.data.after = status.status === 'running' && status.qmpstatus === 'paused' ? 'paused' : status.status;
          const mode = dataOf(t, 'migrate').mode;
          return `${mode ? `moved ${String(mode)}: ` : ''}on ${target}, ${String(tools.data.after)}`;
        }
        if (Date.now() >= deadline) throw new StepFailure(`the move ended OK but VM ${vmid} is on ${at.node}, not ${target}`);
        await new Promise((r) => setTimeout(r, HA_POLL_MS));
      }
    },
  };

  const restart: Phase = {
    name: 'restart',
    taskType: 'qmstart',
    run: async (tools) => {
      const before = stateBefore(t);
      // Nothing to say when nothing was needed: the verify's words stay the step's outcome. The verify just
      // read the state on the target, so no second read then.
      if (before !== 'running' || dataOf(t, 'verify').after === 'running') return;
      const at = await locate(tools, vmid);
      if (at.status === 'running') return;
      await power(tools, at.node, vmid, 'start');
      tools.data.after = 'running';
      return `started on ${at.node}: it was running before the move`;
    },
    undo: async () => 'nothing to undo',
  };

  return [precondition, migrate, stop, offline, start, verify, restart];
}

/** Both ends of a move are loaded by it. */
export function moveResources(t: OperationTarget): TargetResources {
  const spec = t.spec as unknown as MoveSpec;
  return { guests: [t.vmid], nodes: [...new Set([spec.source, spec.target])] };
}
