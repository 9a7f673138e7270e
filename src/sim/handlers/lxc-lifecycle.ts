// pct clone (vzclone) and destroy (vzdestroy), as pve-container's API2/LXC.pm: a linked clone needs a
// template, a running CT clones only from a snapshot, an HA resource is destroyed only with purge.
import { SimApiError, SimTaskError } from '../api-error.js';
import type { SimCluster } from '../cluster.js';
import type { SimConfig, SimVmRecord } from '../model.js';
import { bool, requirePriv, str, type HandlerTable } from './context.js';
import { cloneRequest, guestTask, LXC_GUEST } from './guest.js';
import { containerOf, ctAssertUnlocked, ctLockCheck } from './lxc-common.js';

/** rootfs and mpN volumes (bind mounts, which have no storage, are left alone). */
function mountVolumes(config: SimConfig): Array<[string, string]> {
  return Object.entries(config)
    .map(([k, v]) => [k, String(v)] as [string, string])
    .filter(([k, v]) => (k === 'rootfs' || /^mp\d+$/.test(k)) && /^(volume=)?[^/][^,]*:/.test(v));
}

const storageOf = (value: string): string => value.replace(/^volume=/, '').split(':')[0];

function removeCt(sim: SimCluster, vm: SimVmRecord): void {
  if (sim.vms.get(vm.vmid) === vm) sim.vms.delete(vm.vmid);
  sim.touch();
}

export const lxcLifecycleHandlers: HandlerTable = {
  'POST /nodes/{node}/lxc/{vmid}/clone': (ctx) => {
    const { sim, params } = ctx;
    const { src, newid, snapname, base, isTemplate, full, storage } = cloneRequest(ctx, LXC_GUEST);
    if (full && src.state !== 'stopped' && !snapname) throw new SimApiError(500, 'Cannot do full clones on a running container without snapshots');
    const targetNode = str(params, 'target') ?? src.node;
    if (!sim.nodes.has(targetNode)) throw new SimApiError(500, `no such cluster node '${targetNode}'`);
    if (targetNode !== src.node && mountVolumes(base).some(([, v]) => !sim.storages.get(storageOf(storage ? `${storage}:x` : v))?.shared)) {
      throw new SimApiError(500, `Can't clone to node '${targetNode}': ${storage ? `target storage '${storage}'` : 'source volumes'} not shared`);
    }
    if (storage) {
      const s = sim.storage(storage);
      if (!s.content.includes('rootdir')) throw new SimApiError(500, `storage '${storage}' does not support container directories`);
    }
    const pool = str(params, 'pool');
    if (pool && !sim.pools.has(pool)) throw new SimApiError(403, `Permission check failed (pool '${pool}' does not exist)`);
    ctAssertUnlocked(src);

    const { lock: _lock, template: _template, ...config } = base;
    const hostname = str(params, 'hostname');
    if (hostname !== undefined) config.hostname = hostname;
    const description = str(params, 'description');
    if (description !== undefined) config.description = description;
    const volumes = mountVolumes(config);
    let n = 0;
    for (const [k, v] of volumes) {
      const opts = v.split(',').slice(1);
      const from = v.split(',')[0].replace(/^volume=/, '');
      // Volume names follow the storage type, as at create: a ZFS subvolume, else a vm- disk (an RBD image).
      const dst = full ? (storage ?? storageOf(v)) : storageOf(from);
      const name = `${sim.storages.get(dst)?.type === 'zfspool' ? 'subvol' : 'vm'}-${newid}-disk-${n++}`;
      config[k] = [full ? `${dst}:${name}` : `${from}/${name}`, ...opts].join(',');
    }
    for (const [k, v] of Object.entries(config)) if (/^net\d+$/.test(k)) config[k] = String(v).replace(/hwaddr=[0-9A-Fa-f:]{17}/, `hwaddr=${sim.newMac()}`);
    config.lock = 'create';
    const vm: SimVmRecord = { vmid: newid, node: targetNode, type: 'lxc', state: 'stopped', config, snapshots: [], pool, cpuLoad: 0.05 + (newid % 7) / 20, memLoad: 0.3 + (newid % 5) / 10 };
    sim.vms.set(newid, vm);
    sim.touch();
    return guestTask(ctx, src, 'vzclone', {
      vm: src,
      lock: 'disk',
      onError: () => removeCt(sim, vm),
      work: async (w) => {
        for (const [k, v] of volumes) {
          if (!full && !isTemplate) throw new SimTaskError(`linked clone of mount point '${k}' needs a template (${v.split(',')[0]})`);
          w.log(`create ${full ? 'full' : 'linked'} clone of mount point ${k} (${v.split(',')[0]})`);
        }
        await w.sleep();
        delete vm.config.lock;
        sim.touch();
      },
    });
  },

  'DELETE /nodes/{node}/lxc/{vmid}': (ctx) => {
    const { sim, params } = ctx;
    const vm = containerOf(ctx);
    requirePriv(ctx, `/vms/${vm.vmid}`, 'VM.Allocate');
    const purge = bool(params, 'purge');
    if (!purge && sim.ha.managed(vm.vmid)) throw new SimApiError(500, `unable to remove CT ${vm.vmid} - used in HA resources and purge parameter not set.`);
    const runningError = `unable to destroy CT ${vm.vmid} - container is running`;
    if (vm.state !== 'stopped' && !bool(params, 'force')) throw new SimApiError(500, runningError);
    return guestTask(ctx, vm, 'vzdestroy', {
      begin: () => {
        ctLockCheck(vm);
        if (Number(vm.config.protection) === 1) throw new SimTaskError(`can't remove CT ${vm.vmid} - protection mode enabled`);
      },
      vm,
      lock: 'destroyed',
      work: async (w) => {
        if (vm.state !== 'stopped') {
          // force=1: stop it first.
          vm.state = 'stopped';
          vm.startedAt = undefined;
        }
        await w.sleep();
        for (const [, v] of mountVolumes(vm.config)) w.log(`removed volume '${v.split(',')[0].replace(/^volume=/, '')}'`);
        if (purge) {
          sim.ha.resources.delete(vm.vmid);
          w.log(`purging CT ${vm.vmid} from related configurations..`);
        }
        removeCt(sim, vm);
      },
    });
  },
};
