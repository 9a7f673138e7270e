// qemu status/start|stop|shutdown|reboot|reset|suspend|resume, with PVE's split between synchronous
// errors ("VM 100 not running") and errors inside the worker task ("VM 100 already running", locks).
import { assertBridges } from '../new-vm-config.js';
import { SimApiError, SimTaskError } from '../api-error.js';
import type { SimVmRecord } from '../model.js';
import { applyPending } from '../vm-config.js';
import { haTaskType } from '../ha.js';
import { bool, int, nowSec, requirePriv, rootOnly, taskUser, vmidOf, type HandlerContext, type HandlerTable } from './context.js';

function target(ctx: HandlerContext): SimVmRecord {
  const vm = ctx.sim.qemu(String(ctx.params.node), vmidOf(ctx.params));
  requirePriv(ctx, `/vms/${vm.vmid}`, 'VM.PowerMgmt');
  rootOnly(ctx, 'skiplock', 'keepActive', 'migratedfrom', 'stateuri', 'nocheck', 'machine', 'force-cpu', 'targetstorage', 'migration_type', 'migration_network');
  return vm;
}

function lockCheck(ctx: HandlerContext, vm: SimVmRecord): void {
  if (bool(ctx.params, 'skiplock')) return;
  const lock = ctx.sim.lockOf(vm);
  if (lock) throw new SimTaskError(`VM is locked (${lock})`);
}

/** An HA-managed guest's start/stop only sets the HA resource's requested state; the HA stack acts on it. */
function haRequest(ctx: HandlerContext, vm: SimVmRecord, state: 'started' | 'stopped'): boolean {
  const r = ctx.sim.ha.managed(vm.vmid);
  if (!r) return false;
  r.state = state;
  ctx.sim.touch();
  return true;
}

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
    return ctx.sim.startTask({
      node: vm.node,
      type: haTaskType(ctx.sim, vm, 'qmstart'),
      id: String(vm.vmid),
      ...taskUser(ctx),
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
    }).upid;
  },

  'POST /nodes/{node}/qemu/{vmid}/status/stop': (ctx) => {
    const vm = target(ctx);
    if (bool(ctx.params, 'overrule-shutdown')) {
      for (const t of ctx.sim.nodeTasks(vm.node)) if (t.status === 'running' && t.type === 'qmshutdown' && t.id === String(vm.vmid)) ctx.sim.engine.stop(t);
    }
    return ctx.sim.startTask({
      node: vm.node,
      type: haTaskType(ctx.sim, vm, 'qmstop'),
      id: String(vm.vmid),
      ...taskUser(ctx),
      begin: () => {
        if (!haRequest(ctx, vm, 'stopped')) lockCheck(ctx, vm);
      },
      finish: () => setStopped(ctx, vm),
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
      type: haTaskType(ctx.sim, vm, 'qmshutdown'),
      id: String(vm.vmid),
      ...taskUser(ctx),
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
        setStopped(ctx, vm);
        setRunning(ctx, vm);
      },
    }).upid;
  },

  'POST /nodes/{node}/qemu/{vmid}/status/reset': (ctx) => {
    const vm = target(ctx);
    if (vm.state === 'stopped') throw new SimApiError(500, `VM ${vm.vmid} not running`);
    return ctx.sim.startTask({
      node: vm.node,
      type: 'qmreset',
      id: String(vm.vmid),
      ...taskUser(ctx),
      begin: () => lockCheck(ctx, vm),
      finish: () => {
        vm.startedAt = nowSec();
        ctx.sim.touch();
      },
    }).upid;
  },

  'POST /nodes/{node}/qemu/{vmid}/status/suspend': (ctx) => {
    const vm = target(ctx);
    if (vm.state === 'stopped') throw new SimApiError(500, `VM ${vm.vmid} not running`);
    const todisk = bool(ctx.params, 'todisk');
    if (todisk && ctx.sim.ha.managed(vm.vmid)) throw new SimApiError(500, 'Cannot suspend HA managed VM to disk');
    return ctx.sim.startTask({
      node: vm.node,
      type: todisk ? 'qmsuspend' : 'qmpause',
      id: String(vm.vmid),
      ...taskUser(ctx),
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
        if (fromDisk) {
          delete vm.config.lock;
          setRunning(ctx, vm);
        } else {
          vm.state = 'running';
          ctx.sim.touch();
        }
      },
    }).upid;
  },
};
