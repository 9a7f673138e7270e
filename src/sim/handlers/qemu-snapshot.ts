// qemu snapshots: list (with `current` last), create, delete, rollback, snapshot config.
import { SimApiError, SimTaskError } from '../api-error.js';
import type { SimVmRecord } from '../model.js';
import { assertZfsRollbackPossible } from '../zfs-rollback.js';
import { bool, nowSec, requirePriv, str, taskUser, vmidOf, type HandlerContext, type HandlerTable } from './context.js';

function target(ctx: HandlerContext): SimVmRecord {
  return ctx.sim.qemu(String(ctx.params.node), vmidOf(ctx.params));
}

function lockCheck(ctx: HandlerContext, vm: SimVmRecord): void {
  const lock = ctx.sim.lockOf(vm);
  if (lock) throw new SimTaskError(`VM is locked (${lock})`);
}

function findSnapshot(vm: SimVmRecord, name: string) {
  const snap = vm.snapshots.find((s) => s.name === name);
  if (!snap) throw new SimApiError(500, `snapshot '${name}' does not exist`);
  return snap;
}

export const qemuSnapshotHandlers: HandlerTable = {
  'GET /nodes/{node}/qemu/{vmid}/snapshot': (ctx) => {
    const vm = target(ctx);
    return [
      ...vm.snapshots.map((s) => ({
        name: s.name,
        snaptime: s.snaptime,
        vmstate: s.vmstate ? 1 : 0,
        description: s.description,
        ...(s.parent ? { parent: s.parent } : {}),
      })),
      { name: 'current', digest: ctx.sim.vmDigest(vm), running: vm.state === 'stopped' ? 0 : 1, description: 'You are here!', ...(vm.parent ? { parent: vm.parent } : {}) },
    ];
  },

  'POST /nodes/{node}/qemu/{vmid}/snapshot': (ctx) => {
    const vm = target(ctx);
    requirePriv(ctx, `/vms/${vm.vmid}`, 'VM.Snapshot');
    const name = String(ctx.params.snapname);
    if (name === 'current' || name === 'pending') throw new SimApiError(500, `unable to use snapshot name '${name}' (reserved name)`);
    const vmstate = bool(ctx.params, 'vmstate') && vm.state !== 'stopped';
    const description = str(ctx.params, 'description') ?? '';
    return ctx.sim.startTask({
      node: vm.node,
      type: 'qmsnapshot',
      id: String(vm.vmid),
      ...taskUser(ctx),
      vm,
      lock: 'snapshot',
      begin: () => {
        lockCheck(ctx, vm);
        if (vm.config.template) throw new SimTaskError("you can't take a snapshot if it's a template");
        if (vm.snapshots.some((s) => s.name === name)) throw new SimTaskError(`snapshot name '${name}' already used`);
      },
      work: async (w) => {
        if (vmstate) w.log(`saving VM state and RAM using storage '${String(vm.config.vmstatestorage ?? 'local-zfs')}'`);
        await w.sleep();
        const { lock: _lock, ...config } = vm.config;
        vm.snapshots.push({ name, description, snaptime: nowSec(), vmstate, parent: vm.parent, config });
        vm.parent = name;
        ctx.sim.touch();
        w.log(`snapshotting 'drive-scsi0' (${String(vm.config.scsi0 ?? '').split(',')[0]})`);
      },
    }).upid;
  },

  'DELETE /nodes/{node}/qemu/{vmid}/snapshot/{snapname}': (ctx) => {
    const vm = target(ctx);
    requirePriv(ctx, `/vms/${vm.vmid}`, 'VM.Snapshot');
    const name = String(ctx.params.snapname);
    findSnapshot(vm, name);
    return ctx.sim.startTask({
      node: vm.node,
      type: 'qmdelsnapshot',
      id: String(vm.vmid),
      ...taskUser(ctx),
      vm,
      lock: 'snapshot-delete',
      begin: () => lockCheck(ctx, vm),
      finish: () => {
        const snap = findSnapshot(vm, name);
        // Children are re-parented onto the deleted snapshot's parent, as PVE does.
        for (const s of vm.snapshots) if (s.parent === name) s.parent = snap.parent;
        if (vm.parent === name) vm.parent = snap.parent;
        vm.snapshots = vm.snapshots.filter((s) => s.name !== name);
        ctx.sim.touch();
      },
    }).upid;
  },

  'POST /nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback': (ctx) => {
    const vm = target(ctx);
    requirePriv(ctx, `/vms/${vm.vmid}`, 'VM.Snapshot.Rollback');
    const name = String(ctx.params.snapname);
    findSnapshot(vm, name);
    if (vm.config.template) throw new SimApiError(500, "you can't rollback if vm is a template");
    const start = bool(ctx.params, 'start');
    return ctx.sim.startTask({
      node: vm.node,
      type: 'qmrollback',
      id: String(vm.vmid),
      ...taskUser(ctx),
      vm,
      lock: 'rollback',
      begin: () => {
        lockCheck(ctx, vm);
        assertZfsRollbackPossible(ctx.sim, vm, name);
      },
      work: async (w) => {
        if (vm.state !== 'stopped') w.log(`VM ${vm.vmid} is running - stopping it before the rollback`);
        await w.sleep();
        const snap = findSnapshot(vm, name);
        // The rollback replaces the config (and drops pending changes); the task still holds its lock.
        vm.config = { ...snap.config, lock: 'rollback' };
        delete vm.pending;
        delete vm.pendingDelete;
        vm.parent = name;
        const run = snap.vmstate || start;
        vm.startedAt = run ? nowSec() : undefined;
        vm.state = run ? 'running' : 'stopped';
        ctx.sim.touch();
        if (start && !snap.vmstate) w.log(`starting VM ${vm.vmid}`);
      },
    }).upid;
  },

  'GET /nodes/{node}/qemu/{vmid}/snapshot/{snapname}': (ctx) => {
    findSnapshot(target(ctx), String(ctx.params.snapname));
    return [{ subdir: 'config' }, { subdir: 'rollback' }];
  },

  'GET /nodes/{node}/qemu/{vmid}/snapshot/{snapname}/config': (ctx) => {
    const snap = findSnapshot(target(ctx), String(ctx.params.snapname));
    return { ...snap.config, description: snap.description, snaptime: snap.snaptime, ...(snap.parent ? { parent: snap.parent } : {}) };
  },

  'PUT /nodes/{node}/qemu/{vmid}/snapshot/{snapname}/config': (ctx) => {
    const vm = target(ctx);
    requirePriv(ctx, `/vms/${vm.vmid}`, 'VM.Snapshot');
    const snap = findSnapshot(vm, String(ctx.params.snapname));
    snap.description = str(ctx.params, 'description') ?? '';
    ctx.sim.touch();
    return null;
  },
};
