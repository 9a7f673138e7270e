// What the qemu and lxc endpoints share, parameterised by the guest type: the guest named in the path, the lock
// check with its type's message ("VM is locked (x)" / "CT is locked (x)"), a worker task of the guest, HA's
// start/stop requests, a volume's resize and a clone's first checks. What PVE does differently per type stays
// in the qemu-* and lxc-* handlers (or in the rules they hand to a shared table, as guest-snapshot.ts).
import { SimApiError, SimTaskError, paramError } from '../api-error.js';
import type { SimConfig, SimGuestType, SimSnapshotRecord, SimVmRecord } from '../model.js';
import type { TaskSpec } from '../task-engine.js';
import { driveSize, formatSize } from '../vm-config.js';
import { bool, requirePriv, rootOnly, str, taskUser, vmidOf, type HandlerContext } from './context.js';
import { containerOf, ctLockCheck } from './lxc-common.js';
import { haHandles } from '../ha.js';
import { haMigrateRequest } from '../ha-manager.js';

export interface GuestKind {
  readonly type: SimGuestType;
  /** PVE's word for the guest in messages: "VM" (qemu-server) or "CT" (pve-container). */
  readonly noun: 'VM' | 'CT';
  /** The guest named in the path, failing as PVE does when it lives elsewhere or is of the other type. */
  of(ctx: HandlerContext): SimVmRecord;
  /** Inside a worker: the config lock fails the task (unless skiplock), with the type's message. */
  lockCheck(ctx: HandlerContext, vm: SimVmRecord, skiplock?: boolean): void;
}

export const QEMU_GUEST: GuestKind = {
  type: 'qemu',
  noun: 'VM',
  of: (ctx) => ctx.sim.qemu(String(ctx.params.node), vmidOf(ctx.params)),
  lockCheck: (ctx, vm, skiplock = false) => {
    if (skiplock) return;
    const lock = ctx.sim.lockOf(vm);
    if (lock) throw new SimTaskError(`VM is locked (${lock})`);
  },
};

export const LXC_GUEST: GuestKind = {
  type: 'lxc',
  noun: 'CT',
  of: containerOf,
  lockCheck: (_ctx, vm, skiplock = false) => ctLockCheck(vm, skiplock),
};

/** What a guest's worker task adds to the guest's own node, id and the caller. */
export type GuestTaskSpec = Omit<TaskSpec, 'node' | 'type' | 'id' | 'user' | 'tokenid'>;

/** A worker task of `vm` (on its node, its vmid as the task id, run as the caller); answers the UPID. */
export function guestTask(ctx: HandlerContext, vm: SimVmRecord, type: string, spec: GuestTaskSpec): string {
  return ctx.sim.startTask({ node: vm.node, type, id: String(vm.vmid), ...taskUser(ctx), ...spec }).upid;
}

/** An HA-managed guest's start/stop only sets the HA resource's requested state; the HA stack acts on it. */
export function haRequest(ctx: HandlerContext, vm: SimVmRecord, state: 'started' | 'stopped'): boolean {
  const r = ctx.sim.ha.managed(vm.vmid);
  if (!r || !haHandles(ctx.sim, vm.vmid)) return false;
  r.state = state;
  ctx.sim.touch();
  return true;
}

/**
 * An HA-managed guest's migrate: a hamigrate task that only files the request (ha-manager migrate); a CRM round
 * later the HA manager's LRM runs its migrate task (haQemuMigration / haLxcMigration, as root@pam, on the guest's
 * node then), and the guest moves when that ends (ha-manager.ts).
 */
export function haMigrateTask(ctx: HandlerContext, vm: SimVmRecord, target: string): string {
  return ctx.sim.startTask({
    node: vm.node,
    type: 'hamigrate',
    id: String(vm.vmid),
    ...taskUser(ctx),
    finish: () => {
      haMigrateRequest(ctx.sim, vm.vmid, target);
      return [`Requesting HA migration for ${vm.type === 'lxc' ? 'CT' : 'VM'} ${vm.vmid} to node ${target}`];
    },
  }).upid;
}

/**
 * `overrule-shutdown`: a stop first ends the guest's running shutdown task (`shutdownType`). An HA-managed guest's
 * stop is the HA manager's, so PVE refuses the option for it (vm_stop in qemu-server and pve-container; an
 * `ignored` resource is not HA-managed there).
 */
export function overruleShutdown(ctx: HandlerContext, vm: SimVmRecord, shutdownType: string): void {
  if (!bool(ctx.params, 'overrule-shutdown')) return;
  if (haHandles(ctx.sim, vm.vmid)) throw paramError({ 'overrule-shutdown': 'Not applicable for HA resources.' });
  for (const t of ctx.sim.nodeTasks(vm.node)) if (t.status === 'running' && t.type === shutdownType && t.id === String(vm.vmid)) ctx.sim.engine.stop(t);
}

export function findSnapshot(vm: SimVmRecord, name: string): SimSnapshotRecord {
  const snap = vm.snapshots.find((s) => s.name === name);
  if (!snap) throw new SimApiError(500, `snapshot '${name}' does not exist`);
  return snap;
}

/**
 * Applies `+10G` (grow by) or `40G` (absolute; no unit means bytes) to a volume's size. A smaller size fails
 * the task with `shrinkError` (each type words it its own way). Answers the new size in bytes, undefined when
 * it stays the same.
 */
export function resizeVolume(ctx: HandlerContext, vm: SimVmRecord, disk: string, size: string, shrinkError: string): number | undefined {
  const value = String(vm.config[disk]);
  const current = driveSize(value);
  const m = /^(\+)?(\d+(?:\.\d+)?)([KMGT])?$/.exec(size);
  if (!m) throw new SimTaskError(`invalid size '${size}'`);
  const unit: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };
  const bytes = Math.round(Number(m[2]) * (m[3] ? unit[m[3]] : 1));
  const next = m[1] ? current + bytes : bytes;
  if (next < current) throw new SimTaskError(shrinkError);
  if (next === current) return undefined;
  vm.config[disk] = /(?:^|,)size=/.test(value) ? value.replace(/size=[^,]+/, `size=${formatSize(next)}`) : `${value},size=${formatSize(next)}`;
  ctx.sim.touch();
  return next;
}

/** A clone request after the checks qm clone and pct clone make alike, in the order they make them. */
export interface CloneRequest {
  src: SimVmRecord;
  newid: number;
  snapname?: string;
  /** The config cloned: the source's, or its snapshot's. */
  base: SimConfig;
  isTemplate: boolean;
  full: boolean;
  storage?: string;
}

/** The clone's source (VM.Clone on it), its free new id, the snapshot, full or linked and a linked clone's refused storage. */
export function cloneRequest(ctx: HandlerContext, guest: GuestKind): CloneRequest {
  const { sim, params } = ctx;
  const src = guest.of(ctx);
  requirePriv(ctx, `/vms/${src.vmid}`, 'VM.Clone');
  const newid = Number(params.newid);
  if (sim.vms.has(newid)) throw new SimApiError(500, `unable to create ${guest.noun} ${newid}: config file already exists`);
  const snapname = str(params, 'snapname');
  const base = snapname ? src.snapshots.find((s) => s.name === snapname)?.config : src.config;
  if (!base) throw new SimApiError(500, `snapshot '${snapname}' does not exist`);
  const isTemplate = !!src.config.template;
  const full = params.full === undefined ? !isTemplate : bool(params, 'full');
  const storage = str(params, 'storage');
  if (!full && storage) throw new SimApiError(500, "parameter 'storage' not allowed for linked clones");
  return { src, newid, snapname, base, isTemplate, full, storage };
}

/** A power request's guest: VM.PowerMgmt on it, and the type's root-only options refused to anyone else. */
export function powerTarget(ctx: HandlerContext, guest: GuestKind, rootOnlyOptions: readonly string[]): SimVmRecord {
  const vm = guest.of(ctx);
  requirePriv(ctx, `/vms/${vm.vmid}`, 'VM.PowerMgmt');
  rootOnly(ctx, ...rootOnlyOptions);
  return vm;
}
