// qemu list, VM index, config GET/POST/PUT (digest, delete/revert, pending while running), pending list,
// status/current.
import { SimApiError } from '../api-error.js';
import type { SimConfig, SimVmRecord } from '../model.js';
import { effectiveConfig, updateVmConfig } from '../vm-config.js';
import { awaitBriefly, bool, int, isRootUser, requirePriv, str, taskUser, vmidOf, type HandlerContext, type HandlerTable } from './context.js';
import { guestResource } from './resources.js';
import { memhostField, pressureFields, runningQemuStatus } from '../guest-status.js';
import { haStatus } from '../ha.js';

function configView(digest: string, config: SimConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config, digest };
  if (out.cipassword !== undefined) out.cipassword = '**********';
  return out;
}

function qemuOf(ctx: HandlerContext): SimVmRecord {
  return ctx.sim.qemu(String(ctx.params.node), vmidOf(ctx.params));
}

export const qemuConfigHandlers: HandlerTable = {
  'GET /nodes/{node}/qemu': ({ sim, params }) => {
    const node = String(params.node);
    const out: unknown[] = [];
    for (const vm of sim.vms.values()) {
      if (vm.node !== node || vm.type !== 'qemu') continue;
      const r = guestResource(sim, vm);
      out.push({
        vmid: vm.vmid,
        name: r.name,
        // The node-local list reports the VM state, not the QMP status.
        status: vm.state === 'stopped' ? 'stopped' : 'running',
        cpus: r.maxcpu,
        maxmem: r.maxmem,
        mem: r.mem,
        maxdisk: r.maxdisk,
        disk: 0,
        uptime: r.uptime,
        cpu: r.cpu,
        netin: r.netin,
        netout: r.netout,
        diskread: r.diskread,
        diskwrite: r.diskwrite,
        ...memhostField(sim, vm, Number(r.mem ?? 0)),
        ...pressureFields(sim, vm, true),
        ...(vm.config.tags ? { tags: vm.config.tags } : {}),
        ...(vm.config.lock ? { lock: vm.config.lock } : {}),
        ...(vm.config.template ? { template: 1 } : {}),
      });
    }
    return out;
  },

  'GET /nodes/{node}/qemu/{vmid}': (ctx) => {
    qemuOf(ctx);
    return ['config', 'pending', 'status', 'snapshot', 'clone', 'migrate', 'resize', 'agent', 'firewall', 'rrd', 'rrddata'].map((subdir) => ({ subdir }));
  },

  'GET /nodes/{node}/qemu/{vmid}/config': (ctx) => {
    const vm = qemuOf(ctx);
    const snapname = str(ctx.params, 'snapshot');
    const current = bool(ctx.params, 'current');
    if (snapname && current) throw new SimApiError(400, 'Parameter verification failed.', { current: "option 'current' and 'snapshot' are mutually exclusive" });
    if (snapname) {
      const snap = vm.snapshots.find((s) => s.name === snapname);
      if (!snap) throw new SimApiError(500, `snapshot '${snapname}' does not exist`);
      return configView(ctx.sim.digest(snap.config), snap.config);
    }
    // PVE's config read keeps the file's `parent` (what the VM derives from; qm config shows it).
    return { ...configView(ctx.sim.vmDigest(vm), current ? vm.config : effectiveConfig(vm)), ...(vm.parent ? { parent: vm.parent } : {}) };
  },

  'GET /nodes/{node}/qemu/{vmid}/pending': (ctx) => {
    const vm = qemuOf(ctx);
    const keys = new Set([...Object.keys(vm.config), ...Object.keys(vm.pending ?? {}), ...(vm.pendingDelete ?? [])]);
    return [...keys].sort().map((key) => {
      const entry: Record<string, unknown> = { key };
      const mask = (v: unknown) => (key === 'cipassword' ? '**********' : v);
      if (vm.config[key] !== undefined) entry.value = mask(vm.config[key]);
      if (vm.pending?.[key] !== undefined) entry.pending = mask(vm.pending[key]);
      if (vm.pendingDelete?.includes(key)) entry.delete = 1;
      return entry;
    });
  },

  'PUT /nodes/{node}/qemu/{vmid}/config': (ctx) => {
    const vm = qemuOf(ctx);
    requirePriv(ctx, `/vms/${vm.vmid}`, 'VM.Config.Options');
    updateVmConfig({ sim: ctx.sim, vm, params: ctx.params, rootUser: isRootUser(ctx) });
    return null;
  },

  'POST /nodes/{node}/qemu/{vmid}/config': async (ctx) => {
    const vm = qemuOf(ctx);
    requirePriv(ctx, `/vms/${vm.vmid}`, 'VM.Config.Options');
    // Checked and written under the config lock before the worker forks, as PVE does; the worker applies.
    const result = updateVmConfig({ sim: ctx.sim, vm, params: ctx.params, rootUser: isRootUser(ctx) });
    const task = ctx.sim.startTask({
      node: vm.node,
      type: 'qmconfig',
      id: String(vm.vmid),
      ...taskUser(ctx),
      durationMs: Math.min(ctx.sim.faults.taskDurationMs, 20),
      noFaults: true,
      work: async (w) => {
        w.log(`update VM ${vm.vmid}: ${result.changes.map((c) => `-${c}`).join(' ')}`);
        for (const warning of result.warnings) w.warn(warning);
        await w.sleep(Math.min(ctx.sim.faults.taskDurationMs, 20));
      },
    });
    return awaitBriefly(ctx, task.upid, int(ctx.params, 'background_delay'), `failed to update VM ${vm.vmid}: `);
  },

  'GET /nodes/{node}/qemu/{vmid}/status': (ctx) => {
    qemuOf(ctx);
    return ['current', 'start', 'stop', 'reset', 'shutdown', 'suspend', 'reboot', 'resume'].map((subdir) => ({ subdir }));
  },

  'GET /nodes/{node}/qemu/{vmid}/status/current': (ctx) => {
    const vm = qemuOf(ctx);
    const r = guestResource(ctx.sim, vm);
    const running = vm.state !== 'stopped';
    return {
      vmid: vm.vmid,
      status: running ? 'running' : 'stopped',
      qmpstatus: vm.state === 'paused' ? 'paused' : running ? 'running' : 'stopped',
      name: ctx.sim.nameOf(vm),
      cpus: r.maxcpu,
      cpu: r.cpu,
      maxmem: r.maxmem,
      mem: r.mem,
      maxdisk: r.maxdisk,
      disk: 0,
      uptime: r.uptime,
      netin: r.netin,
      netout: r.netout,
      diskread: r.diskread,
      diskwrite: r.diskwrite,
      ha: haStatus(ctx.sim, vm),
      ...memhostField(ctx.sim, vm, Number(r.mem ?? 0)),
      ...pressureFields(ctx.sim, vm, true),
      ...runningQemuStatus(vm, Number(r.maxmem ?? 0), Number(r.mem ?? 0)),
      ...(running ? { pid: 100000 + vm.vmid, 'running-machine': 'pc-i440fx-9.0+pve0', 'running-qemu': '9.0.2' } : {}),
      ...(vm.config.lock ? { lock: vm.config.lock } : {}),
      ...(vm.config.tags ? { tags: vm.config.tags } : {}),
      ...(vm.config.template ? { template: 1 } : {}),
      ...(/^(enabled=)?1/.test(String(vm.config.agent ?? '')) ? { agent: 1 } : {}),
    };
  },
};
