// pct start|stop|shutdown|reboot|suspend|resume (pve-container API2/LXC/Status.pm): "already running" and
// "not running" are synchronous 500s, locks fail the worker; HA-managed CTs only file a request
// (hastart/hastop). Suspend freezes the CT (experimental in PVE); a frozen CT still reports `running`.
import { SimApiError, SimTaskError } from '../api-error.js';
import { haTaskType } from '../ha.js';
import type { SimVmRecord } from '../model.js';
import { bool, int, nowSec, type HandlerContext, type HandlerTable } from './context.js';
import { guestTask, haRequest, LXC_GUEST, overruleShutdown, powerTarget } from './guest.js';
import { assertBridges } from '../new-vm-config.js';
import { containerOf, ctLockCheck, ctMustRun, ctRunning } from './lxc-common.js';

const target = (ctx: HandlerContext): SimVmRecord => powerTarget(ctx, LXC_GUEST, ['skiplock', 'debug']);

function setState(ctx: HandlerContext, vm: SimVmRecord, state: 'running' | 'stopped' | 'paused'): void {
  if (state === 'running' && vm.state === 'stopped') vm.startedAt = nowSec();
  if (state === 'stopped') vm.startedAt = undefined;
  vm.state = state;
  ctx.sim.touch();
}

export const lxcPowerHandlers: HandlerTable = {
  'GET /nodes/{node}/lxc/{vmid}/status': (ctx) => {
    containerOf(ctx);
    return ['current', 'start', 'stop', 'shutdown', 'reboot', 'suspend', 'resume'].map((subdir) => ({ subdir }));
  },

  'POST /nodes/{node}/lxc/{vmid}/status/start': (ctx) => {
    const vm = target(ctx);
    if (ctRunning(vm)) throw new SimApiError(500, `CT ${vm.vmid} already running`);
    const skiplock = bool(ctx.params, 'skiplock');
    return guestTask(ctx, vm, haTaskType(ctx.sim, vm, 'vzstart'), {
      begin: () => {
        if (haRequest(ctx, vm, 'started')) return;
        ctLockCheck(vm, skiplock);
        if (vm.config.template) throw new SimTaskError("you can't start a CT if it's a template");
        // The veth is plugged into its bridge at start, as for a VM's tap device.
        assertBridges(ctx.sim, vm.node, vm.config);
      },
      finish: () => setState(ctx, vm, 'running'),
    });
  },

  'POST /nodes/{node}/lxc/{vmid}/status/stop': (ctx) => {
    const vm = target(ctx);
    ctMustRun(vm);
    const skiplock = bool(ctx.params, 'skiplock');
    overruleShutdown(ctx, vm, 'vzshutdown');
    return guestTask(ctx, vm, haTaskType(ctx.sim, vm, 'vzstop'), {
      begin: () => {
        if (!haRequest(ctx, vm, 'stopped')) ctLockCheck(vm, skiplock);
      },
      finish: () => setState(ctx, vm, 'stopped'),
    });
  },

  'POST /nodes/{node}/lxc/{vmid}/status/shutdown': (ctx) => {
    const vm = target(ctx);
    ctMustRun(vm);
    const forceStop = bool(ctx.params, 'forceStop');
    const timeout = int(ctx.params, 'timeout') ?? 60;
    const ignores = ctx.sim.ignoresShutdown.has(vm.vmid);
    return guestTask(ctx, vm, haTaskType(ctx.sim, vm, 'vzshutdown'), {
      begin: () => {
        if (!haRequest(ctx, vm, 'stopped')) ctLockCheck(vm);
      },
      work: async (w) => {
        await w.sleep(ignores ? timeout * 1000 : undefined);
        if (ignores) {
          // lxc-stop --timeout without --kill: the CT stays up and the task fails.
          if (!forceStop) throw new SimTaskError('shutdown timed out');
          w.log('forcing stop after shutdown timeout');
        }
        setState(ctx, vm, 'stopped');
      },
    });
  },

  'POST /nodes/{node}/lxc/{vmid}/status/reboot': (ctx) => {
    const vm = target(ctx);
    ctMustRun(vm);
    return guestTask(ctx, vm, 'vzreboot', {
      begin: () => ctLockCheck(vm),
      finish: () => {
        setState(ctx, vm, 'stopped');
        setState(ctx, vm, 'running');
      },
    });
  },

  'POST /nodes/{node}/lxc/{vmid}/status/suspend': (ctx) => {
    const vm = target(ctx);
    ctMustRun(vm);
    return guestTask(ctx, vm, 'vzsuspend', {
      begin: () => ctLockCheck(vm),
      finish: () => setState(ctx, vm, 'paused'),
    });
  },

  'POST /nodes/{node}/lxc/{vmid}/status/resume': (ctx) => {
    const vm = target(ctx);
    ctMustRun(vm);
    return guestTask(ctx, vm, 'vzresume', {
      begin: () => ctLockCheck(vm),
      finish: () => setState(ctx, vm, 'running'),
    });
  },
};
