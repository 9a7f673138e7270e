// pct migrate (pve-container API2/LXC.pm migrate_vm and PVE::LXC::Migrate): a running CT needs --restart
// (shut down, move, start again); --online is refused inside the task ("lxc live migration is currently
// not implemented"). Local volumes travel with it (storage_migrate). An HA-managed CT's migrate is a hamigrate
// task that only files the request; the HA manager relocates it (ha-manager.ts).
import { SimApiError, SimTaskError, paramError } from '../api-error.js';
import type { SimCluster } from '../cluster.js';
import { haTaskType } from '../ha.js';
import type { SimVmRecord } from '../model.js';
import type { TaskSpec, TaskWorker } from '../task-engine.js';
import { bool, int, nowSec, requirePriv, str, taskUser, type HandlerTable } from './context.js';
import { containerOf, ctLockCheck } from './lxc-common.js';
import { haMigrateTask } from './guest.js';

const stamp = (): string => new Date().toISOString().replace('T', ' ').slice(0, 19);

export const lxcMigrateHandlers: HandlerTable = {
  'POST /nodes/{node}/lxc/{vmid}/migrate': (ctx) => {
    const { sim, params } = ctx;
    const vm = containerOf(ctx);
    requirePriv(ctx, `/vms/${vm.vmid}`, 'VM.Migrate');
    const target = String(params.target);
    if (target === vm.node) throw paramError({ target: 'target is local node.' });
    if (!sim.nodes.has(target)) throw new SimApiError(500, `no such cluster node '${target}'`);
    const online = bool(params, 'online');
    const restart = bool(params, 'restart');
    const wasRunning = vm.state !== 'stopped';
    if (wasRunning && !online && !restart) throw new SimApiError(500, "can't migrate running container without --online or --restart");
    const targetStorage = str(params, 'target-storage');
    if (targetStorage && targetStorage !== '1' && !targetStorage.includes(':')) sim.storage(targetStorage);
    const timeout = int(params, 'timeout') ?? 180;
    // HA-managed: the LRM relocates it (shut down first, then haLxcMigration's offline vzmigrate; started by its state).
    if (haTaskType(sim, vm, 'vzmigrate') === 'hamigrate') return haMigrateTask(ctx, vm, target);
    return sim.startTask({
      node: vm.node,
      type: 'vzmigrate',
      id: String(vm.vmid),
      ...taskUser(ctx),
      vm,
      lock: 'migrate',
      begin: () => {
        ctLockCheck(vm);
        if (!sim.isOnline(target)) throw new SimTaskError(`migration aborted: target node '${target}' is not online`);
        if (vm.state !== 'stopped' && online) throw new SimTaskError('lxc live migration is currently not implemented');
      },
      work: migrationWork(sim, vm, target, { restart: wasRunning && restart, timeout }),
    }).upid;
  },
};

/**
 * The HA manager's LRM's vzmigrate of `vm` (ha-manager.ts shuts the CT down first and runs this): offline, built
 * from the guest and target alone (pve-ha-manager's PVECT migrate passes no other option).
 */
export function haLxcMigration(sim: SimCluster, vm: SimVmRecord, target: string): Pick<TaskSpec, 'type' | 'begin' | 'work'> {
  return {
    type: 'vzmigrate',
    begin: () => {
      if (!sim.isOnline(target)) throw new SimTaskError(`migration aborted: target node '${target}' is not online`);
    },
    work: migrationWork(sim, vm, target, { restart: false, timeout: 180 }),
  };
}

/** The vzmigrate worker: a restart migration shuts the CT down first and starts it on the target after. */
function migrationWork(sim: SimCluster, vm: SimVmRecord, target: string, o: { restart: boolean; timeout: number }): (w: TaskWorker) => Promise<void> {
  const { restart, timeout } = o;
  return async (w) => {
    w.log(`${stamp()} starting migration of CT ${vm.vmid} to node '${target}' (10.0.0.${[...sim.nodes.keys()].indexOf(target) + 11})`);
    if (restart) {
      w.log(`${stamp()} shutdown CT ${vm.vmid} (timeout ${timeout})`);
      await w.sleep();
      vm.state = 'stopped';
      vm.startedAt = undefined;
      sim.touch();
    }
    const rootfs = String(vm.config.rootfs ?? '').split(',')[0];
    const storage = rootfs.slice(0, rootfs.indexOf(':'));
    if (!sim.storages.get(storage)?.shared) w.log(`${stamp()} found local volume '${rootfs}' (in current VM config)`, `${stamp()} volume '${rootfs}' is '${rootfs}' on the target`);
    await w.sleep();
    vm.node = target;
    sim.touch();
    if (restart) {
      w.log(`${stamp()} start container on target node`);
      vm.state = 'running';
      vm.startedAt = nowSec();
      sim.touch();
    }
    w.log(`${stamp()} migration finished successfully (duration 00:00:0${Math.max(1, Math.min(9, Math.round(timeout / 60)))})`);
  };
}
