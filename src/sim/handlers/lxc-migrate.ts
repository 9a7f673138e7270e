// pct migrate (pve-container API2/LXC.pm migrate_vm and PVE::LXC::Migrate): a running CT needs --restart
// (shut down, move, start again); --online is refused inside the task ("lxc live migration is currently
// not implemented"). Local volumes travel with it (storage_migrate). HA-managed CTs become hamigrate.
import { SimApiError, SimTaskError, paramError } from '../api-error.js';
import { haTaskType } from '../ha.js';
import { bool, int, nowSec, requirePriv, str, taskUser, type HandlerTable } from './context.js';
import { containerOf, ctLockCheck } from './lxc-common.js';

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
    const source = vm.node;
    const ha = sim.ha.managed(vm.vmid);
    return sim.startTask({
      node: source,
      type: haTaskType(sim, vm, 'vzmigrate'),
      id: String(vm.vmid),
      ...taskUser(ctx),
      vm: ha ? undefined : vm,
      lock: ha ? undefined : 'migrate',
      begin: () => {
        if (ha) return;
        ctLockCheck(vm);
        if (!sim.isOnline(target)) throw new SimTaskError(`migration aborted: target node '${target}' is not online`);
        if (vm.state !== 'stopped' && online) throw new SimTaskError('lxc live migration is currently not implemented');
      },
      work: async (w) => {
        w.log(`${stamp()} starting migration of CT ${vm.vmid} to node '${target}' (10.0.0.${[...sim.nodes.keys()].indexOf(target) + 11})`);
        if (wasRunning && restart) {
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
        if (wasRunning && restart) {
          w.log(`${stamp()} start container on target node`);
          vm.state = 'running';
          vm.startedAt = nowSec();
          sim.touch();
        }
        w.log(`${stamp()} migration finished successfully (duration 00:00:0${Math.max(1, Math.min(9, Math.round(timeout / 60)))})`);
      },
    }).upid;
  },
};
