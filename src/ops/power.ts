// Power capability: START, STOP, SHUTDOWN, REBOOT, SUSPEND, RESUME. Success means the VM reached the
// target state, checked after the task, not that PVE accepted the request.
import type { Vm, VmStatus } from '../inventory/model.js';
import { getQemuStatusCurrent, postQemuStatus, type PowerAction as PveAction } from '../pve/endpoints/qemu.js';
import { intInRange, RequestError } from './errors.js';
import { offlineNodesOf, planned, skipped, type Plan, type PlanInput } from './plan.js';
import type { Step } from './runner.js';
import { StepFailure } from './runner.js';
import { alwaysOnSkip, protectedVmids, PROTECTION_SKIP, reachabilitySkip, safeModeSkip } from './safety.js';
import type { BulkPowerRequest, PowerAction } from './types.js';

export const POWER_ACTIONS: PowerAction[] = ['START', 'STOP', 'SHUTDOWN', 'REBOOT', 'SUSPEND', 'RESUME'];

const TARGET: Record<PowerAction, VmStatus> = { START: 'running', STOP: 'stopped', SHUTDOWN: 'stopped', REBOOT: 'running', SUSPEND: 'paused', RESUME: 'running' };
const PVE_ACTION: Record<PowerAction, PveAction> = { START: 'start', STOP: 'stop', SHUTDOWN: 'shutdown', REBOOT: 'reboot', SUSPEND: 'suspend', RESUME: 'resume' };
/** Actions that take a guest down: always-on guests are spared unless forced. */
const STOPPING: PowerAction[] = ['STOP', 'SHUTDOWN', 'SUSPEND'];
/** Actions safe mode and protection guard (a hard stop can lose data). */
export const DESTRUCTIVE_POWER: PowerAction[] = ['STOP'];

function alreadyThere(vm: Vm, op: PowerAction): string | undefined {
  if ((op === 'START' || op === 'RESUME') && vm.status === 'running') return 'already running';
  if ((op === 'STOP' || op === 'SHUTDOWN') && vm.status === 'stopped') return 'already stopped';
  if (op === 'SUSPEND' && vm.status === 'paused') return 'already suspended';
  return undefined;
}

function cannot(vm: Vm, op: PowerAction): string | undefined {
  if ((op === 'REBOOT' || op === 'SUSPEND') && vm.status === 'stopped') return `is stopped: cannot ${op.toLowerCase()}`;
  if (op === 'RESUME' && vm.status === 'stopped') return 'is stopped: nothing to resume';
  return undefined;
}

export async function planPower(input: PlanInput, req: BulkPowerRequest): Promise<Plan> {
  if (!POWER_ACTIONS.includes(req.operation)) throw new RequestError('operation', `'${String(req.operation)}' is not valid; use one of ${POWER_ACTIONS.join(', ')}`);
  const op = req.operation;
  const timeout = intInRange(req.timeoutSeconds, 'timeoutSeconds', 30, 3600, 300);
  const skipIfThere = req.skipIfAlreadyInState !== false;
  const offline = offlineNodesOf(input.inventory);
  const policy = { safeMode: input.safeMode, force: input.force };
  const destructive = DESTRUCTIVE_POWER.includes(op);

  const firstSkip = (vm: Vm): string | undefined =>
    reachabilitySkip(vm, offline) ??
    (skipIfThere ? alreadyThere(vm, op) : undefined) ??
    cannot(vm, op) ??
    (STOPPING.includes(op) ? alwaysOnSkip(vm, policy) : undefined) ??
    (destructive ? safeModeSkip(vm, policy) : undefined);
  const guarded = destructive && !input.force ? await protectedVmids(input.client, input.vms.filter((vm) => !firstSkip(vm))) : new Set<number>();

  const steps = new Map<number, Step>();
  const label = op === 'SHUTDOWN' && input.force ? `shutdown (stop after ${timeout}s)` : op.toLowerCase();
  const targets = input.vms.map((vm) => {
    const skip = firstSkip(vm) ?? (guarded.has(vm.vmid) ? PROTECTION_SKIP : undefined);
    if (skip) return skipped(vm, label, skip);
    steps.set(vm.vmid, async (tools) => {
      const params = op === 'SHUTDOWN' ? { timeout, forceStop: input.force ? true : undefined } : op === 'STOP' || op === 'START' || op === 'REBOOT' ? { timeout } : {};
      await tools.awaitTask(await postQemuStatus(input.client, vm.node, vm.vmid, PVE_ACTION[op], params));
      const status = await getQemuStatusCurrent(input.client, vm.node, vm.vmid);
      const now: VmStatus = status.status === 'stopped' ? 'stopped' : status.qmpstatus === 'paused' ? 'paused' : 'running';
      if (now !== TARGET[op]) throw new StepFailure(`task ended OK but the VM is ${now}, not ${TARGET[op]}`);
      return `${now}`;
    });
    return planned(vm, label);
  });
  // A graceful shutdown may take its whole timeout, and then the forced stop.
  return { targets, steps, taskTimeoutMs: (timeout + 120) * 1000 };
}
