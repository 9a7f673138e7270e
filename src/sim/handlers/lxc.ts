// Read-only LXC endpoints: containers appear in /cluster/resources; their list, config and status answer too.
import type { SimVmRecord } from '../model.js';
import { type HandlerContext, type HandlerTable } from './context.js';
import { containerOf } from './lxc-common.js';
import { containerDiskUsed, guestResource } from './resources.js';
import { pressureFields } from '../guest-status.js';
import { haStatus } from '../ha.js';

function statusView(ctx: HandlerContext, vm: SimVmRecord): Record<string, unknown> {
  const r = guestResource(ctx.sim, vm);
  return {
    vmid: vm.vmid,
    name: r.name,
    status: vm.state === 'stopped' ? 'stopped' : 'running',
    type: 'lxc',
    cpus: r.maxcpu,
    cpu: r.cpu,
    maxmem: r.maxmem,
    mem: r.mem,
    maxswap: 512 * 1024 ** 2,
    swap: 0,
    maxdisk: r.maxdisk,
    disk: containerDiskUsed(vm, Number(r.maxdisk ?? 0)),
    uptime: r.uptime,
    netin: r.netin,
    netout: r.netout,
    diskread: r.diskread,
    diskwrite: r.diskwrite,
    ...pressureFields(ctx.sim, vm, false),
    ...(vm.config.tags ? { tags: vm.config.tags } : {}),
    ...(vm.config.lock ? { lock: vm.config.lock } : {}),
  };
}

export const lxcHandlers: HandlerTable = {
  'GET /nodes/{node}/lxc': (ctx) => {
    const node = String(ctx.params.node);
    return [...ctx.sim.vms.values()].filter((v) => v.node === node && v.type === 'lxc').map((v) => statusView(ctx, v));
  },
  'GET /nodes/{node}/lxc/{vmid}/config': (ctx) => {
    const vm = containerOf(ctx);
    // PVE's config read keeps the file's `parent` (what the container derives from; pct config shows it).
    return { ...vm.config, digest: ctx.sim.vmDigest(vm), ...(vm.parent ? { parent: vm.parent } : {}) };
  },
  'GET /nodes/{node}/lxc/{vmid}/status/current': (ctx) => {
    const vm = containerOf(ctx);
    return { ...statusView(ctx, vm), ha: haStatus(ctx.sim, vm) };
  },
};
