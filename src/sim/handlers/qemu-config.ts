// qemu list, config GET/POST/PUT (digest, delete, tags normalisation, sshkeys kept URL-encoded), status/current.
import { SimApiError } from '../api-error.js';
import type { SimCluster } from '../cluster.js';
import type { SimConfig, SimVmRecord } from '../model.js';
import { splitList } from '../schema/validate.js';
import { guestResource } from './cluster.js';
import { int, str, taskUser, vmidOf, requirePriv, type HandlerContext, type HandlerTable } from './context.js';

/** Keys that are request controls, not config. */
const CONTROL_KEYS = new Set(['node', 'vmid', 'digest', 'delete', 'revert', 'force', 'skiplock', 'background_delay', 'import-working-storage']);

export function normaliseTags(value: string): string {
  return [...new Set(splitList(value).map((t) => t.toLowerCase()))].sort().join(';');
}

let macCounter = 0x100000;
export function withMac(value: string): string {
  // net[n] without a MAC gets one with PVE's BC:24:11 prefix.
  const m = /^(virtio|e1000|rtl8139|vmxnet3)(=[^,]*)?(,.*)?$/.exec(value);
  if (!m || m[2]) return value;
  const n = (macCounter++).toString(16).toUpperCase().padStart(6, '0');
  return `${m[1]}=BC:24:11:${n.slice(0, 2)}:${n.slice(2, 4)}:${n.slice(4, 6)}${m[3] ?? ''}`;
}

/** Applies config parameters the way update_vm does (all changes applied directly: the simulator has no pending section). */
export function applyConfig(sim: SimCluster, vm: SimVmRecord, params: Record<string, unknown>): void {
  const del = params.delete === undefined ? [] : splitList(String(params.delete));
  for (const k of del) {
    if (!/^[a-z][a-z0-9_-]*$/i.test(k)) throw new SimApiError(400, 'Parameter verification failed.', { delete: `unknown option '${k}'` });
    if (params[k] !== undefined) throw new SimApiError(400, 'Parameter verification failed.', { delete: `you can't use '-${k}' and -delete ${k}' at the same time` });
  }
  const changes = Object.keys(params).filter((k) => !CONTROL_KEYS.has(k));
  if (!changes.length && !del.length) throw new SimApiError(500, 'no options specified');
  if (params.digest !== undefined && params.digest !== sim.digest(vm.config)) {
    throw new SimApiError(500, 'checksum mismatch (file change by other user?)');
  }
  if (!(params.skiplock === '1' || params.skiplock === 1 || params.skiplock === true)) sim.assertUnlocked(vm);
  for (const k of del) delete vm.config[k];
  for (const k of changes) {
    const rawValue = params[k];
    let v = rawValue === true ? '1' : rawValue === false ? '0' : String(rawValue);
    if (k === 'tags') v = normaliseTags(v);
    if (/^net\d+$/.test(k)) v = withMac(v);
    if (k === 'protection' || k === 'onboot' || k === 'template' || k === 'cores' || k === 'sockets') vm.config[k] = Number(v);
    else vm.config[k] = v;
  }
  sim.touch();
}

export function configView(sim: SimCluster, config: SimConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config, digest: sim.digest(config) };
  if (out.cipassword !== undefined) out.cipassword = '**********';
  return out;
}

function qemuOf(ctx: HandlerContext): SimVmRecord {
  return ctx.sim.qemu(String(ctx.params.node), vmidOf(ctx.params));
}

export const qemuConfigHandlers: HandlerTable = {
  'GET /nodes/{node}/qemu': ({ sim, params }) => {
    const node = String(params.node);
    sim.node(node);
    return [...sim.vms.values()]
      .filter((vm) => vm.node === node && vm.type === 'qemu')
      .map((vm) => {
        const r = guestResource(sim, vm);
        return { vmid: vm.vmid, name: r.name, status: vm.state === 'paused' ? 'running' : vm.state, cpus: r.maxcpu, maxmem: r.maxmem, mem: r.mem, maxdisk: r.maxdisk, disk: 0, uptime: r.uptime, cpu: r.cpu, tags: vm.config.tags, lock: vm.config.lock, template: vm.config.template ? 1 : undefined };
      });
  },

  'GET /nodes/{node}/qemu/{vmid}/config': (ctx) => {
    const vm = qemuOf(ctx);
    const snapname = str(ctx.params, 'snapshot');
    if (snapname) {
      const snap = vm.snapshots.find((s) => s.name === snapname);
      if (!snap) throw new SimApiError(500, `snapshot '${snapname}' does not exist`);
      return configView(ctx.sim, snap.config);
    }
    return configView(ctx.sim, vm.config);
  },

  'PUT /nodes/{node}/qemu/{vmid}/config': (ctx) => {
    const vm = qemuOf(ctx);
    requirePriv(ctx, `/vms/${vm.vmid}`, 'VM.Config.Options');
    applyConfig(ctx.sim, vm, ctx.params);
    return null;
  },

  'POST /nodes/{node}/qemu/{vmid}/config': (ctx) => {
    const vm = qemuOf(ctx);
    requirePriv(ctx, `/vms/${vm.vmid}`, 'VM.Config.Options');
    // Checked synchronously under the config lock before the worker forks, as PVE does.
    applyConfig(ctx.sim, vm, ctx.params);
    const task = ctx.sim.startTask({ node: vm.node, type: 'qmconfig', id: String(vm.vmid), ...taskUser(ctx), durationMs: Math.min(ctx.sim.faults.taskDurationMs, 20), noFaults: true });
    const delay = int(ctx.params, 'background_delay');
    return delay ? null : task.upid;
  },

  'GET /nodes/{node}/qemu/{vmid}/status/current': (ctx) => {
    const vm = qemuOf(ctx);
    const r = guestResource(ctx.sim, vm);
    return {
      vmid: vm.vmid,
      status: vm.state === 'stopped' ? 'stopped' : 'running',
      qmpstatus: vm.state === 'paused' ? 'paused' : vm.state,
      name: r.name,
      cpus: r.maxcpu,
      cpu: r.cpu,
      maxmem: r.maxmem,
      mem: r.mem,
      maxdisk: r.maxdisk,
      disk: 0,
      uptime: r.uptime,
      netin: r.netin,
      netout: r.netout,
      diskread: 0,
      diskwrite: 0,
      ha: { managed: 0 },
      ...(vm.config.lock ? { lock: vm.config.lock } : {}),
      ...(vm.config.tags ? { tags: vm.config.tags } : {}),
      ...(vm.config.template ? { template: 1 } : {}),
      ...(vm.config.agent ? { agent: 1 } : {}),
    };
  },
};
