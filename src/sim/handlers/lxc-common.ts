// What every container (pct) endpoint shares: finding the CT on its node, pve-container's lock and running
// checks with their messages ("CT is locked (x)", "CT 300 not running").
import { SimApiError, SimTaskError, configMissing } from '../api-error.js';
import type { SimVmRecord } from '../model.js';
import { vmidOf, type HandlerContext } from './context.js';

/** The container named in the path, failing as PVE does when it lives elsewhere or is a VM. */
export function containerOf(ctx: HandlerContext): SimVmRecord {
  const node = String(ctx.params.node);
  const vm = ctx.sim.vms.get(vmidOf(ctx.params));
  if (!vm || vm.node !== node || vm.type !== 'lxc') throw configMissing(node, vmidOf(ctx.params), 'lxc');
  return vm;
}

/** PVE::LXC::Config->check_lock: the guest type is "CT". */
export function ctLockMessage(vm: SimVmRecord): string | undefined {
  const lock = vm.config.lock;
  return lock === undefined ? undefined : `CT is locked (${String(lock)})`;
}

/** Inside a worker: the lock check fails the task. */
export function ctLockCheck(vm: SimVmRecord, skiplock = false): void {
  const msg = skiplock ? undefined : ctLockMessage(vm);
  if (msg) throw new SimTaskError(msg);
}

/** Before a worker: the lock check is a synchronous 500. */
export function ctAssertUnlocked(vm: SimVmRecord): void {
  const msg = ctLockMessage(vm);
  if (msg) throw new SimApiError(500, msg);
}

export const ctRunning = (vm: SimVmRecord): boolean => vm.state !== 'stopped';

export function ctMustRun(vm: SimVmRecord): void {
  if (!ctRunning(vm)) throw new SimApiError(500, `CT ${vm.vmid} not running`);
}
