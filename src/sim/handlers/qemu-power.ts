// qemu status/start|stop|shutdown|reboot|reset|suspend|resume, with PVE's split between synchronous
// errors ("VM 100 not running") and errors inside the worker task ("VM 100 already running", locks).
import { assertBridges } from '../new-vm-config.js';
import { SimApiError, SimTaskError } from '../api-error.js';
import type { SimVmRecord } from '../model.js';
import { applyPending } from '../vm-config.js';
import { haHandles, haTaskType } from '../ha.js';
import { bool, int, nowSec, type HandlerContext, type HandlerTable } from './context.js';
import { guestTask, haRequest, overruleShutdown, powerTarget, QEMU_GUEST } from './guest.js';

const ROOT_ONLY = ['skiplock', 'keepActive', 'migratedfrom', 'stateuri', 'nocheck', 'machine', 'force-cpu', 'targetstorage', 'migration_type', 'migration_network'];
const target = (ctx: HandlerContext): SimVmRecord => powerTarget(ctx, QEMU_GUEST, ROOT_ONLY);
const lockCheck = (ctx: HandlerContext, vm: SimVmRecord): void => QEMU_GUEST.lockCheck(ctx, vm, bool(ctx.params, 'skiplock'));

function setRunning(ctx: HandlerContext, vm: SimVmRecord): void {
  if (vm.state === 'stopped') {
    // Pending changes take effect when the VM (re)starts.
    applyPending(vm);
    vm.startedAt = nowSec();
  }
  vm.state = 'running';
  ctx.sim.touch();
}

function setStopped(ctx: HandlerContext, vm: SimVmRecord): void {
  vm.state = 'stopped';
  vm.startedAt = undefined;
  ctx.sim.touch();
}

export const qemuPowerHandlers: HandlerTable = {
  'POST /nodes/{node}/qemu/{vmid}/status/start': (ctx) => {
    const vm = target(ctx);
    const fromDisk = () => vm.config.lock === 'suspended';
    return guestTask(ctx, vm, haTaskType(ctx.sim, vm, 'qmstart'), {
      begin: () => {
        // HA: the task only files the request (ha-manager set --state started); it cannot fail on the VM's state.
        if (haRequest(ctx, vm, 'started')) return;
        if (vm.config.template) throw new SimTaskError("you can't start a vm if it's a template");
        if (!fromDisk()) lockCheck(ctx, vm);
        if (vm.state !== 'stopped') throw new SimTaskError(`VM ${vm.vmid} already running`);
        assertBridges(ctx.sim, vm.node, vm.config);
      },
      finish: () => {
        const resumed = fromDisk();
        if (resumed) delete vm.config.lock;
        if (vm.state !== 'stopped') return [];
        setRunning(ctx, vm);
        return resumed ? [`resuming VM ${vm.vmid} from saved state`] : [];
      },
    });
  },

  'POST /nodes/{node}/qemu/{vmid}/status/stop': (ctx) => {
    const vm = target(ctx);
    overruleShutdown(ctx, vm, 'qmshutdown');
    return guestTask(ctx, vm, haTaskType(ctx.sim, vm, 'qmstop'), {
      begin: () => {
        if (!haRequest(ctx, vm, 'stopped')) lockCheck(ctx, vm);
      },
      finish: () => setStopped(ctx, vm),
    });
  },

  'POST /nodes/{node}/qemu/{vmid}/status/shutdown': (ctx) => {
    const vm = target(ctx);
    const forceStop = bool(ctx.params, 'forceStop');
    if (vm.state === 'paused' && !forceStop) throw new SimApiError(500, 'VM is paused - cannot shutdown');
    const timeout = int(ctx.params, 'timeout') ?? 60;
    const ignores = ctx.sim.ignoresShutdown.has(vm.vmid) && vm.state === 'running';
    return guestTask(ctx, vm, haTaskType(ctx.sim, vm, 'qmshutdown'), {
      begin: () => {
        if (!haRequest(ctx, vm, 'stopped')) lockCheck(ctx, vm);
      },
      work: async (w) => {
        if (vm.state === 'stopped') return;
        // A guest that ignores ACPI keeps the task waiting until the timeout.
        await w.sleep(ignores ? timeout * 1000 : undefined);
        if (ignores) {
          if (!forceStop) throw new SimTaskError('VM quit/powerdown failed - got timeout');
          w.log('VM still running - terminating now with SIGTERM');
        }
        setStopped(ctx, vm);
      },
    });
  },

  'POST /nodes/{node}/qemu/{vmid}/status/reboot': (ctx) => {
    const vm = target(ctx);
    if (vm.state === 'stopped') throw new SimApiError(500, `VM ${vm.vmid} not running`);
    if (vm.state === 'paused') throw new SimApiError(500, 'VM is paused - cannot shutdown');
    return guestTask(ctx, vm, 'qmreboot', {
      begin: () => lockCheck(ctx, vm),
      finish: () => {
        setStopped(ctx, vm);
        setRunning(ctx, vm);
      },
    });
  },

  'POST /nodes/{node}/qemu/{vmid}/status/reset': (ctx) => {
    const vm = target(ctx);
    if (vm.state === 'stopped') throw new SimApiError(500, `VM ${vm.vmid} not running`);
    return guestTask(ctx, vm, 'qmreset', {
      begin: () => lockCheck(ctx, vm),
      finish: () => {
        vm.startedAt = nowSec();
        ctx.sim.touch();
      },
    });
  },

  'POST /nodes/{node}/qemu/{vmid}/status/suspend': (ctx) => {
    const vm = target(ctx);
    if (vm.state === 'stopped') throw new SimApiError(500, `VM ${vm.vmid} not running`);
    const todisk = bool(ctx.params, 'todisk');
    // vm_is_ha_managed: an `ignored` resource may be hibernated.
    if (todisk && haHandles(ctx.sim, vm.vmid)) throw new SimApiError(500, 'Cannot suspend HA managed VM to disk');
    return guestTask(ctx, vm, todisk ? 'qmsuspend' : 'qmpause', {
      vm: todisk ? vm : undefined,
      lock: todisk ? 'suspending' : undefined,
      begin: () => lockCheck(ctx, vm),
      finish: () => {
        if (todisk) {
          setStopped(ctx, vm);
          vm.config.lock = 'suspended';
          ctx.sim.touch();
        } else {
          vm.state = 'paused';
          ctx.sim.touch();
        }
      },
    });
  },

  'POST /nodes/{node}/qemu/{vmid}/status/resume': (ctx) => {
    const vm = target(ctx);
    const fromDisk = vm.config.lock === 'suspended';
    if (vm.state === 'stopped' && !fromDisk) throw new SimApiError(500, `VM ${vm.vmid} not running`);
    return guestTask(ctx, vm, 'qmresume', {
      begin: () => {
        if (!fromDisk) lockCheck(ctx, vm);
      },
      finish: () => {
        if (fromDisk) {
          delete vm.config.lock;
          setRunning(ctx, vm);
        } else {
          vm.state = 'running';
          ctx.sim.touch();
        }
      },
    });
  },
};
