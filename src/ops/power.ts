// Power capability: START, STOP, SHUTDOWN, REBOOT, SUSPEND, RESUME. Success means the VM reached the
// target state, checked with status/current after the task, not that PVE accepted the request.
import type { Vm, VmStatus } from '../inventory/model.js';
import { getQemuStatusCurrent, postQemuStatus, type PowerAction as PveAction } from '../pve/endpoints/qemu.js';
import type { Params } from '../pve/types.js';
import { intInRange, optionalBoolean, RequestError } from './errors.js';
import { offlineNodesOf, PlanBuilder, type Plan, type PlanInput } from './plan.js';
import { StepFailure } from './runner.js';
import { alwaysOnSkip, checkProtection, offlineReason, PROTECTION_SKIP, safeModeSkip, unsupportedReason } from './safety.js';
import type { BulkPowerRequest, PowerAction } from './types.js';

export const POWER_ACTIONS: PowerAction[] = ['START', 'STOP', 'SHUTDOWN', 'REBOOT', 'SUSPEND', 'RESUME'];
const TARGET: Record<PowerAction, VmStatus> = { START: 'running', STOP: 'stopped', SHUTDOWN: 'stopped', REBOOT: 'running', SUSPEND: 'paused', RESUME: 'running' };
const PVE_ACTION: Record<PowerAction, PveAction> = { START: 'start', STOP: 'stop', SHUTDOWN: 'shutdown', REBOOT: 'reboot', SUSPEND: 'suspend', RESUME: 'resume' };
/** Actions that take a guest down: always-on guests are spared unless forced. */
const TAKES_DOWN: PowerAction[] = ['STOP', 'SHUTDOWN', 'SUSPEND'];
/** Actions safe mode and protection guard: a hard stop can lose data. */
export const DESTRUCTIVE_POWER: PowerAction[] = ['STOP'];

function alreadyThere(vm: Vm, op: PowerAction): string | undefined {
  if ((op === 'START' || op === 'RESUME') && vm.status === 'running') return 'already running';
  if ((op === 'STOP' || op === 'SHUTDOWN') && vm.status === 'stopped') return 'already stopped';
  if (op === 'SUSPEND' && vm.status === 'paused') return 'already suspended';
  return undefined;
}

/** States in which PVE would refuse the action outright; saying so in the plan beats a failed task. */
function cannot(vm: Vm, op: PowerAction, force: boolean): string | undefined {
  if (vm.status === 'stopped' && (op === 'REBOOT' || op === 'SUSPEND' || op === 'RESUME')) return `is stopped: nothing to ${op.toLowerCase()}`;
  if (vm.status === 'paused' && op === 'START') return 'is paused: use RESUME';
  if (vm.status === 'paused' && op === 'REBOOT') return 'is paused: PVE cannot reboot a paused VM (RESUME it first)';
  if (vm.status === 'paused' && op === 'SHUTDOWN' && !force) return 'is paused: PVE cannot shut it down (RESUME it first, use STOP, or force)';
  return undefined;
}

function stateOf(status: { status: string; qmpstatus?: string }): VmStatus {
  if (status.status === 'stopped') return 'stopped';
  return status.qmpstatus === 'paused' ? 'paused' : 'running';
}

export async function planPower(input: PlanInput, req: BulkPowerRequest): Promise<Plan> {
  if (!POWER_ACTIONS.includes(req.operation)) throw new RequestError('operation', `'${String(req.operation)}' is not valid; use one of ${POWER_ACTIONS.join(', ')}`);
  const op = req.operation;
  const timeout = intInRange(req.timeoutSeconds, 'timeoutSeconds', 30, 3600, 300);
  const skipIfThere = optionalBoolean(req.skipIfAlreadyInState, 'skipIfAlreadyInState') !== false;
  const offline = offlineNodesOf(input.inventory);
  const policy = { safeMode: input.safeMode, force: input.force };
  const destructive = DESTRUCTIVE_POWER.includes(op);
  const skipWhy = (vm: Vm): string | undefined =>
    unsupportedReason(vm) ??
    (skipIfThere ? alreadyThere(vm, op) : undefined) ??
    cannot(vm, op, input.force) ??
    (TAKES_DOWN.includes(op) ? alwaysOnSkip(vm, policy, op === 'SUSPEND' ? 'never suspended' : 'never stopped') : undefined) ??
    (destructive ? safeModeSkip(vm, policy) : undefined);
  const candidates = input.vms.filter((vm) => !skipWhy(vm) && !offlineReason(vm, offline));
  const protection = destructive && !input.force ? await checkProtection(input.client, candidates) : undefined;

  // A forced shutdown is PVE's forceStop: a hard stop once the graceful timeout has passed.
  const label = op === 'SHUTDOWN' && input.force ? `shutdown (stop after ${timeout}s)` : op.toLowerCase();
  const params: Params =
    op === 'SHUTDOWN' ? { timeout, forceStop: input.force ? true : undefined } : op === 'STOP' || op === 'START' || op === 'REBOOT' ? { timeout } : {};
  const plan = new PlanBuilder();
  for (const vm of input.vms) {
    const skip = skipWhy(vm) ?? (protection?.protected.has(vm.vmid) ? PROTECTION_SKIP : undefined);
    const blocked = offlineReason(vm, offline) ?? protection?.unreadable.get(vm.vmid);
    if (skip) plan.skip(vm, label, skip);
    else if (blocked) plan.block(vm, label, blocked);
    else
      plan.add(vm, label, async (tools) => {
        await tools.awaitTask(await postQemuStatus(input.client, vm.node, vm.vmid, PVE_ACTION[op], params));
        const now = stateOf(await getQemuStatusCurrent(input.client, vm.node, vm.vmid));
        if (now !== TARGET[op]) throw new StepFailure(`the ${op.toLowerCase()} task ended OK but the VM is ${now}, not ${TARGET[op]}`);
        return now;
      });
  }
  // A graceful shutdown may take its whole timeout, and then the forced stop.
  return plan.build((timeout + 120) * 1000);
}
