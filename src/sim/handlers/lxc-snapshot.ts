// pct snapshots (pve-container API2/LXC/Snapshot.pm over PVE::AbstractConfig): list with `current` last,
// create (vzsnapshot), delete (vzdelsnapshot), rollback (vzrollback, which stops a running CT first and
// starts it again only with start=1; a CT snapshot holds no RAM), snapshot config.
import { SimApiError, SimTaskError } from '../api-error.js';
import type { SimVmRecord } from '../model.js';
import { assertZfsRollbackPossible } from '../zfs-rollback.js';
import { bool, nowSec, requirePriv, str, taskUser, type HandlerContext, type HandlerTable } from './context.js';
import { containerOf, ctLockCheck } from './lxc-common.js';

function findSnapshot(vm: SimVmRecord, name: string) {
  const snap = vm.snapshots.find((s) => s.name === name);
  if (!snap) throw new SimApiError(500, `snapshot '${name}' does not exist`);
  return snap;
}

function target(ctx: HandlerContext, priv?: string): SimVmRecord {
  const vm = containerOf(ctx);
  if (priv) requirePriv(ctx, `/vms/${vm.vmid}`, priv);
  return vm;
}

export const lxcSnapshotHandlers: HandlerTable = {
  'GET /nodes/{node}/lxc/{vmid}/snapshot': (ctx) => {
    const vm = target(ctx);
    return [
      ...vm.snapshots.map((s) => ({ name: s.name, snaptime: s.snaptime, description: s.description, ...(s.parent ? { parent: s.parent } : {}) })),
      { name: 'current', digest: ctx.sim.vmDigest(vm), running: vm.state === 'stopped' ? 0 : 1, description: 'You are here!', ...(vm.parent ? { parent: vm.parent } : {}) },
    ];
  },

  'POST /nodes/{node}/lxc/{vmid}/snapshot': (ctx) => {
    const vm = target(ctx, 'VM.Snapshot');
    const name = String(ctx.params.snapname);
    if (name === 'current' || name === 'pending' || name === 'vzdump') throw new SimApiError(500, `unable to use snapshot name '${name}' (reserved name)`);
    const description = str(ctx.params, 'description') ?? '';
    return ctx.sim.startTask({
      node: vm.node,
      type: 'vzsnapshot',
      id: String(vm.vmid),
      ...taskUser(ctx),
      vm,
      lock: 'snapshot',
      begin: () => {
        ctLockCheck(vm);
        if (vm.config.template) throw new SimTaskError("you can't take a snapshot if it's a template");
        if (vm.snapshots.some((s) => s.name === name)) throw new SimTaskError(`snapshot name '${name}' already used`);
      },
      work: async (w) => {
        await w.sleep();
        const { lock: _lock, ...config } = vm.config;
        vm.snapshots.push({ name, description, snaptime: nowSec(), vmstate: false, parent: vm.parent, config });
        vm.parent = name;
        ctx.sim.touch();
        w.log(`create snapshot of rootfs (${String(vm.config.rootfs ?? '').split(',')[0]})`);
      },
    }).upid;
  },

  'DELETE /nodes/{node}/lxc/{vmid}/snapshot/{snapname}': (ctx) => {
    const vm = target(ctx, 'VM.Snapshot');
    const name = String(ctx.params.snapname);
    findSnapshot(vm, name);
    return ctx.sim.startTask({
      node: vm.node,
      type: 'vzdelsnapshot',
      id: String(vm.vmid),
      ...taskUser(ctx),
      vm,
      lock: 'snapshot-delete',
      begin: () => ctLockCheck(vm),
      finish: () => {
        const snap = findSnapshot(vm, name);
        for (const s of vm.snapshots) if (s.parent === name) s.parent = snap.parent;
        if (vm.parent === name) vm.parent = snap.parent;
        vm.snapshots = vm.snapshots.filter((s) => s.name !== name);
        ctx.sim.touch();
      },
    }).upid;
  },

  'POST /nodes/{node}/lxc/{vmid}/snapshot/{snapname}/rollback': (ctx) => {
    const vm = target(ctx, 'VM.Snapshot.Rollback');
    const name = String(ctx.params.snapname);
    findSnapshot(vm, name);
    const start = bool(ctx.params, 'start');
    return ctx.sim.startTask({
      node: vm.node,
      type: 'vzrollback',
      id: String(vm.vmid),
      ...taskUser(ctx),
      vm,
      lock: 'rollback',
      begin: () => {
        ctLockCheck(vm);
        assertZfsRollbackPossible(ctx.sim, vm, name);
      },
      work: async (w) => {
        if (vm.state !== 'stopped') w.log(`stopping CT ${vm.vmid} before the rollback`);
        await w.sleep();
        const snap = findSnapshot(vm, name);
        vm.config = { ...snap.config, lock: 'rollback' };
        vm.parent = name;
        vm.state = start ? 'running' : 'stopped';
        vm.startedAt = start ? nowSec() : undefined;
        ctx.sim.touch();
        if (start) w.log(`starting CT ${vm.vmid}`);
      },
    }).upid;
  },

  'GET /nodes/{node}/lxc/{vmid}/snapshot/{snapname}': (ctx) => {
    findSnapshot(target(ctx), String(ctx.params.snapname));
    return [{ subdir: 'config' }, { subdir: 'rollback' }];
  },

  'GET /nodes/{node}/lxc/{vmid}/snapshot/{snapname}/config': (ctx) => {
    const snap = findSnapshot(target(ctx), String(ctx.params.snapname));
    return { ...snap.config, description: snap.description, snaptime: snap.snaptime, ...(snap.parent ? { parent: snap.parent } : {}) };
  },

  'PUT /nodes/{node}/lxc/{vmid}/snapshot/{snapname}/config': (ctx) => {
    const vm = target(ctx, 'VM.Snapshot');
    const snap = findSnapshot(vm, String(ctx.params.snapname));
    snap.description = str(ctx.params, 'description') ?? '';
    ctx.sim.touch();
    return null;
  },
};
