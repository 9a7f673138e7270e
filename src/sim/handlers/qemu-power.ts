// qemu status/start|stop|shutdown|reboot|reset|suspend|resume, with PVE's split between synchronous
// errors and errors inside the worker task.
import { SimApiError, SimTaskError } from '../api-error.js';
import type { SimVmRecord } from '../model.js';
import { bool, int, requirePriv, taskUser, vmidOf, type HandlerContext, type HandlerTable } from './context.js';

const nowSec = () => Math.floor(Date.now() / 1000);

function target(ctx: HandlerContext): SimVmRecord {
  const vm = ctx.sim.qemu(String(ctx.params.node), vmidOf(ctx.params));
  requirePriv(ctx, `/vms/${vm.vmid}`, 'VM.PowerMgmt');
  return vm;
}

function lockCheck(ctx: HandlerContext, vm: SimVmRecord): void {
  if (bool(ctx.params, 'skiplock')) return;
  const lock = ctx.sim.lockOf(vm);
  if (lock) throw new SimTaskError(`VM is locked (${lock})`);
}

function setState(ctx: HandlerContext, vm: SimVmRecord, state: SimVmRecord['state']): void {
  if (state === 'running' && vm.state === 'stopped') vm.startedAt = nowSec();
  vm.state = state;
  ctx.sim.touch();
}

export const qemuPowerHandlers: HandlerTable = {
  'POST /nodes/{node}/qemu/{vmid}/status/start': (ctx) => {
    const vm = target(ctx);
    return ctx.sim.startTask({
      node: vm.node,
      type: 'qmstart',
      id: String(vm.vmid),
      ...taskUser(ctx),
      begin: () => {
        if (vm.config.template) throw new SimTaskError("you can't start a vm if it's a template");
        if (vm.config.lock === 'suspended') {
          /* resume from disk */
        } else lockCheck(ctx, vm);
        if (vm.state !== 'stopped') throw new SimTaskError(`VM ${vm.vmid} already running`);
      },
      finish: () => {
        if (vm.config.lock === 'suspended') delete vm.config.lock;
        setState(ctx, vm, 'running');
        return [`starting VM ${vm.vmid}`];
      },
    }).upid;
  },

  'POST /nodes/{node}/qemu/{vmid}/status/stop': (ctx) => {
    const vm = target(ctx);
    return ctx.sim.startTask({
      node: vm.node,
      type: 'qmstop',
      id: String(vm.vmid),
      ...taskUser(ctx),
      begin: () => lockCheck(ctx, vm),
      finish: () => setState(ctx, vm, 'stopped'),
    }).upid;
  },

  'POST /nodes/{node}/qemu/{vmid}/status/shutdown': (ctx) => {
    const vm = target(ctx);
    const forceStop = bool(ctx.params, 'forceStop');
    if (vm.state === 'paused' && !forceStop) throw new SimApiError(500, 'VM is paused - cannot shutdown');
    const timeout = int(ctx.params, 'timeout') ?? 60;
    const ignores = ctx.sim.ignoresShutdown.has(vm.vmid) && vm.state === 'running';
    return ctx.sim.startTask({
      node: vm.node,
      type: 'qmshutdown',
      id: String(vm.vmid),
      ...taskUser(ctx),
      // A guest that ignores ACPI keeps the task running until the timeout.
      durationMs: ignores ? timeout * 1000 : undefined,
      begin: () => lockCheck(ctx, vm),
      finish: () => {
        if (ignores && !forceStop) throw new SimTaskError('VM quit/powerdown failed - got timeout');
        setState(ctx, vm, 'stopped');
        return ignores ? ['VM still running - terminating now with SIGTERM'] : [];
      },
    }).upid;
  },

  'POST /nodes/{node}/qemu/{vmid}/status/reboot': (ctx) => {
    const vm = target(ctx);
    if (vm.state === 'stopped') throw new SimApiError(500, `VM ${vm.vmid} not running`);
    if (vm.state === 'paused') throw new SimApiError(500, 'VM is paused - cannot shutdown');
    return ctx.sim.startTask({
      node: vm.node,
      type: 'qmreboot',
      id: String(vm.vmid),
      ...taskUser(ctx),
      begin: () => lockCheck(ctx, vm),
      finish: () => {
        vm.startedAt = nowSec();
        setState(ctx, vm, 'running');
      },
    }).upid;
  },

  'POST /nodes/{node}/qemu/{vmid}/status/reset': (ctx) => {
    const vm = target(ctx);
    if (vm.state === 'stopped') throw new SimApiError(500, `VM ${vm.vmid} not running`);
    return ctx.sim.startTask({ node: vm.node, type: 'qmreset', id: String(vm.vmid), ...taskUser(ctx), begin: () => lockCheck(ctx, vm) }).upid;
  },

  'POST /nodes/{node}/qemu/{vmid}/status/suspend': (ctx) => {
    const vm = target(ctx);
    if (vm.state === 'stopped') throw new SimApiError(500, `VM ${vm.vmid} not running`);
    const todisk = bool(ctx.params, 'todisk');
    return ctx.sim.startTask({
      node: vm.node,
      type: todisk ? 'qmsuspend' : 'qmpause',
      id: String(vm.vmid),
      ...taskUser(ctx),
      begin: () => lockCheck(ctx, vm),
      finish: () => {
        if (todisk) {
          setState(ctx, vm, 'stopped');
          vm.config.lock = 'suspended';
        } else setState(ctx, vm, 'paused');
      },
    }).upid;
  },

  'POST /nodes/{node}/qemu/{vmid}/status/resume': (ctx) => {
    const vm = target(ctx);
    const fromDisk = vm.config.lock === 'suspended';
    if (vm.state === 'stopped' && !fromDisk) throw new SimApiError(500, `VM ${vm.vmid} not running`);
    return ctx.sim.startTask({
      node: vm.node,
      type: 'qmresume',
      id: String(vm.vmid),
      ...taskUser(ctx),
      begin: () => {
        if (!fromDisk) lockCheck(ctx, vm);
      },
      finish: () => {
        if (fromDisk) delete vm.config.lock;
        setState(ctx, vm, 'running');
      },
    }).upid;
  },
};
