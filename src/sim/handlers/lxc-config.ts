// pct config (PUT, synchronous as pve-container's update_vm) and resize of rootfs/mpN (a `resize` task).
// Values are typed as the profile's schema types them; tags are normalised as PVE stores them.
import { SimApiError, paramError } from '../api-error.js';
import type { SimCluster } from '../cluster.js';
import type { SimConfigValue } from '../model.js';
import { routeTable } from '../schema/routes.js';
import { formatSize, normaliseTags } from '../vm-config.js';
import { bool, requirePriv, str, type HandlerTable } from './context.js';
import { guestTask, resizeVolume } from './guest.js';
import { containerOf, ctAssertUnlocked, ctLockCheck } from './lxc-common.js';

const CONTROL = new Set(['node', 'vmid', 'digest', 'delete', 'revert']);
/** Options a CT cannot lose (pve-container: rootfs holds the CT; hostname/ostype are re-derived). */
const REQUIRED = new Set(['rootfs']);

function valueFor(sim: SimCluster, key: string, raw: unknown): SimConfigValue {
  const props = routeTable(sim.profile.name).match(['nodes', 'n', 'lxc', '100', 'config'])?.entry.info.PUT?.parameters?.properties ?? {};
  const type = (props[key] ?? props[key.replace(/\d+$/, '[n]')])?.type;
  if (key === 'tags') return normaliseTags(String(raw));
  if (raw === true) return 1;
  if (raw === false) return 0;
  if ((type === 'integer' || type === 'boolean' || type === 'number') && Number.isFinite(Number(raw))) return Number(raw);
  return String(raw);
}

function privFor(key: string): string {
  if (key === 'rootfs' || /^mp\d+$/.test(key)) return 'VM.Config.Disk';
  if (key === 'memory' || key === 'swap') return 'VM.Config.Memory';
  if (key === 'cores' || key === 'cpulimit' || key === 'cpuunits') return 'VM.Config.CPU';
  if (/^net\d+$/.test(key)) return 'VM.Config.Network';
  return 'VM.Config.Options';
}

export const lxcConfigHandlers: HandlerTable = {
  'GET /nodes/{node}/lxc/{vmid}': (ctx) => {
    containerOf(ctx);
    return ['config', 'status', 'vncproxy', 'termproxy', 'vncwebsocket', 'spiceproxy', 'migrate', 'clone', 'resize', 'move_volume', 'rrd', 'rrddata', 'firewall', 'snapshot', 'pending'].map((subdir) => ({ subdir }));
  },

  'PUT /nodes/{node}/lxc/{vmid}/config': (ctx) => {
    const { sim, params } = ctx;
    const vm = containerOf(ctx);
    const del = params.delete === undefined ? [] : String(params.delete).split(/[,;\s]+/).filter(Boolean);
    const keys = Object.keys(params).filter((k) => !CONTROL.has(k));
    for (const k of [...keys, ...del]) requirePriv(ctx, `/vms/${vm.vmid}`, privFor(k));
    for (const k of del) {
      if (params[k] !== undefined) throw paramError({ delete: `you can't use '-${k}' and -delete ${k}' at the same time` });
      if (REQUIRED.has(k)) throw new SimApiError(500, `unable to delete required option '${k}'`);
    }
    if (!keys.length && !del.length && params.revert === undefined) throw new SimApiError(500, 'no options specified');
    if (params.digest !== undefined && String(params.digest) !== sim.vmDigest(vm)) throw new SimApiError(500, 'detected modified configuration - file changed by other user? Try again.');
    ctAssertUnlocked(vm);
    for (const k of del) delete vm.config[k];
    for (const k of keys) vm.config[k] = valueFor(sim, k, params[k]);
    sim.touch();
    return null;
  },

  'PUT /nodes/{node}/lxc/{vmid}/resize': (ctx) => {
    const { sim, params } = ctx;
    const vm = containerOf(ctx);
    requirePriv(ctx, `/vms/${vm.vmid}`, 'VM.Config.Disk');
    const disk = String(params.disk);
    const size = String(params.size);
    const digest = str(params, 'digest');
    if (digest !== undefined && digest !== sim.vmDigest(vm)) throw new SimApiError(500, 'detected modified configuration - file changed by other user? Try again.');
    if (vm.config[disk] === undefined) throw new SimApiError(500, `unable to resize '${disk}' - no such mount point`);
    return guestTask(ctx, vm, 'resize', {
      begin: () => ctLockCheck(vm, bool(params, 'skiplock')),
      finish: () => {
        const volume = String(vm.config[disk]).split(',')[0];
        // pve-container Resize: "unable to shrink disk size"
        const next = resizeVolume(ctx, vm, disk, size, 'unable to shrink disk size');
        return next === undefined ? [] : [`Resizing image '${volume}' to ${formatSize(next)}`];
      },
    });
  },
};
