// Power: START, STOP, SHUTDOWN, REBOOT, SUSPEND, RESUME. Two phases per guest: the PVE task, then a
// verify read — success means the guest reached the target state, not that PVE accepted the request.
// The task phase's check is the guest's current state, so a resume or a lost answer never acts twice.
import { z } from 'zod';
import type { Vm, VmStatus } from '../../inventory/model.js';
import { getGuestStatusCurrent, postGuestStatus, refOf, type GuestPowerAction as PveAction, type GuestRef } from '../../pve/endpoints/guest.js';
import type { Params } from '../../pve/types.js';
import { lazySchema } from '../lazy-schema.js';
import type { Capability, PhaseTools } from '../capability.js';
import { afterPowerTask, haRequestedState, haSettled } from '../ha-power.js';
import { offlineNodesOf, PlanBuilder } from '../plan.js';
import { boolField, enumField, intField } from '../request-schema.js';
import { StepFailure } from '../runner.js';
import { alwaysOnSkip, checkProtection, offlineReason, PROTECTION_SKIP, safeModeSkip, unsupportedReason } from '../safety.js';
import { bulkFields, forceField } from './bulk-fields.js';
import type { GuestType } from '../types.js';

const GUEST_TYPES: readonly GuestType[] = ['qemu', 'lxc'];

export const POWER_ACTIONS = ['START', 'STOP', 'SHUTDOWN', 'REBOOT', 'SUSPEND', 'RESUME'] as const;
export type PowerAction = (typeof POWER_ACTIONS)[number];
const TARGET: Record<PowerAction, VmStatus> = { START: 'running', STOP: 'stopped', SHUTDOWN: 'stopped', REBOOT: 'running', SUSPEND: 'paused', RESUME: 'running' };
const PVE_ACTION: Record<PowerAction, PveAction> = { START: 'start', STOP: 'stop', SHUTDOWN: 'shutdown', REBOOT: 'reboot', SUSPEND: 'suspend', RESUME: 'resume' };
/** A forced REBOOT is PVE's `status/reset`: a hard reset, not a guest reboot (the seed: force applies to stop and reboot). */
const pveAction = (op: PowerAction, force: boolean): PveAction => (op === 'REBOOT' && force ? 'reset' : PVE_ACTION[op]);
/** The task each action starts on PVE (a suspend to RAM is a 'qmpause'): after a lost answer, the task to look for. */
const TASK_TYPE: Record<PveAction, string> = { start: 'qmstart', stop: 'qmstop', shutdown: 'qmshutdown', reboot: 'qmreboot', reset: 'qmreset', suspend: 'qmpause', resume: 'qmresume' };
/** pct's tasks (a container's suspend is a freeze, `vzsuspend`). */
const CT_TASK_TYPE: Record<Exclude<PveAction, 'reset'>, string> = { start: 'vzstart', stop: 'vzstop', shutdown: 'vzshutdown', reboot: 'vzreboot', suspend: 'vzsuspend', resume: 'vzresume' };
/**
 * A frozen container still reports `running` (pct has no qmpstatus), so for containers neither the plan nor
 * a check can tell suspended from running: SUSPEND and RESUME always act, and their task ending OK is the proof.
 */
const CT_UNOBSERVABLE: PowerAction[] = ['SUSPEND', 'RESUME'];
/** What a rollback does to undo each action (a reboot cannot be undone). */
const UNDO: Partial<Record<PowerAction, PowerAction>> = { START: 'SHUTDOWN', STOP: 'START', SHUTDOWN: 'START', SUSPEND: 'RESUME', RESUME: 'SUSPEND' };
/** Actions that take a guest down: always-on guests are spared unless forced. */
const TAKES_DOWN: PowerAction[] = ['STOP', 'SHUTDOWN', 'SUSPEND'];
/** Actions safe mode and protection guard: a hard stop can lose data. */
const DESTRUCTIVE_POWER: PowerAction[] = ['STOP'];
const DEFAULT_TIMEOUT_S = 300;

const schema = lazySchema(() =>
  z.strictObject({
    ...bulkFields,
    operation: enumField(POWER_ACTIONS).describe('START, STOP (hard), SHUTDOWN (ACPI), REBOOT, SUSPEND or RESUME'),
    skipIfAlreadyInState: boolField().optional().describe('default true'),
    timeoutSeconds: intField(30, 3600).optional().describe('graceful timeout, 30-3600 (default 300)'),
    force: forceField,
  }));
export type PowerRequest = z.infer<ReturnType<typeof schema>>;

function alreadyThere(vm: Vm, op: PowerAction): string | undefined {
  if (vm.type === 'lxc' && CT_UNOBSERVABLE.includes(op)) return undefined;
  if ((op === 'START' || op === 'RESUME') && vm.status === 'running') return 'already running';
  if ((op === 'STOP' || op === 'SHUTDOWN') && vm.status === 'stopped') return 'already stopped';
  if (op === 'SUSPEND' && vm.status === 'paused') return 'already suspended';
  return undefined;
}

/** States in which PVE would refuse the action outright; saying so in the plan beats a failed task. */
function cannot(vm: Vm, op: PowerAction, force: boolean): string | undefined {
  // pct has no status/reset: a forced reboot (a hard reset) does not exist for a container.
  if (vm.type === 'lxc' && op === 'REBOOT' && force) return 'a container has no hard reset (PVE has no pct reset): reboot it without force, or STOP then START';
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

function paramsFor(op: PowerAction, timeout: number, force: boolean, type: GuestType = 'qemu'): Params {
  // A forced shutdown is PVE's forceStop: a hard stop once the graceful timeout has passed.
  if (op === 'SHUTDOWN') return { timeout, forceStop: force ? true : undefined };
  // pct start and stop take no timeout; pct reboot does.
  if (type === 'lxc') return op === 'REBOOT' ? { timeout } : {};
  // PVE's reset takes no timeout.
  if (op === 'REBOOT' && force) return {};
  return op === 'STOP' || op === 'START' || op === 'REBOOT' ? { timeout } : {};
}

async function act(t: PhaseTools, guest: GuestRef, op: PowerAction, params: Params, force = false): Promise<VmStatus> {
  const upid = await postGuestStatus(t.client, guest, pveAction(op, force), params);
  await t.awaitTask(upid);
  // An HA-managed guest's hastart/hastop only asked the HA manager: the guest changes state after it.
  if (TARGET[op] === 'running' || TARGET[op] === 'stopped') await afterPowerTask(t.client, guest, upid, TARGET[op], t.cancelled);
  return TARGET[op];
}

/** The HA resource state a START, STOP or SHUTDOWN of an HA-managed guest requests. */
const HA_REQUEST: Partial<Record<PowerAction, string>> = { START: 'started', STOP: 'stopped', SHUTDOWN: 'stopped' };

/** "stop (forced)", "reboot (forced: reset)": what the operation does, for every front end. */
function powerLabel(op: PowerAction, force: boolean): string {
  if (!force) return op.toLowerCase();
  return op === 'REBOOT' ? 'reboot (forced: reset)' : `${op.toLowerCase()} (forced)`;
}

export const power: Capability<PowerRequest> = {
  kind: 'power',
  title: 'Power VMs and containers',
  description:
    'START, STOP, SHUTDOWN, REBOOT, SUSPEND or RESUME the selected VMs and containers (a container suspend is PVE\'s experimental freeze). Success means the guest reached the target state. Guests already there are skipped; always-on VMs are never stopped unless force.',
  get schema() {
    return schema();
  },
  guestTypes: GUEST_TYPES,
  label: (r) => powerLabel(r.operation, r.force === true),
  // A forced reboot is a hard reset: it can lose data as a stop can.
  destructive: (r) => DESTRUCTIVE_POWER.includes(r.operation) || (r.operation === 'REBOOT' && r.force === true),
  auditName: (r) => `power ${r.operation}`,
  // A graceful shutdown may take its whole timeout, and then the forced stop.
  taskTimeoutMs: (r) => ((r.timeoutSeconds ?? DEFAULT_TIMEOUT_S) + 120) * 1000,
  names: { tool: 'power_vms', verb: ['power'], cli: { modeField: 'operation', aliases: { timeout: 'timeoutSeconds' } } },
  hints: { destructive: true, idempotent: false },

  async plan(input, req) {
    const op = req.operation;
    const timeout = req.timeoutSeconds ?? DEFAULT_TIMEOUT_S;
    const skipIfThere = req.skipIfAlreadyInState !== false;
    const offline = offlineNodesOf(input.inventory);
    const policy = { safeMode: input.safeMode, force: input.force };
    const destructive = DESTRUCTIVE_POWER.includes(op);
    const skipWhy = (vm: Vm): string | undefined =>
      unsupportedReason(vm, { guestTypes: GUEST_TYPES }) ??
      (skipIfThere ? alreadyThere(vm, op) : undefined) ??
      cannot(vm, op, input.force) ??
      (TAKES_DOWN.includes(op) ? alwaysOnSkip(vm, policy, op === 'SUSPEND' ? 'never suspended' : 'never stopped') : undefined) ??
      (destructive ? safeModeSkip(vm, policy) : undefined);
    const candidates = input.vms.filter((vm) => !skipWhy(vm) && !offlineReason(vm, offline));
    const protection = destructive && !input.force ? await checkProtection(input.client, candidates) : undefined;
    const label = op === 'SHUTDOWN' && input.force ? `shutdown (stop after ${timeout}s)` : op === 'REBOOT' && input.force ? powerLabel(op, true) : op.toLowerCase();
    const plan = new PlanBuilder();
    for (const vm of input.vms) {
      const skip = skipWhy(vm) ?? (protection?.protected.has(vm.vmid) ? PROTECTION_SKIP : undefined);
      const blocked = offlineReason(vm, offline) ?? protection?.unreadable.get(vm.vmid);
      if (skip) plan.skip(vm, label, skip);
      else if (blocked) plan.block(vm, label, blocked);
      else plan.add(vm, label, { operation: op, timeout, force: input.force, before: vm.status });
    }
    return plan.build();
  },

  phases(target) {
    const spec = target.spec as { operation: PowerAction; timeout: number; force: boolean; before?: VmStatus };
    const op = spec.operation;
    const guest = refOf(target);
    const ct = guest.type === 'lxc';
    const current = async (t: PhaseTools) => stateOf(await getGuestStatusCurrent(t.client, guest));
    // What the verify read may see: a frozen container reports running.
    const expected = (o: PowerAction): VmStatus => (ct && o === 'SUSPEND' ? 'running' : TARGET[o]);
    const undoOp = UNDO[op];
    const action = pveAction(op, spec.force);
    return [
      {
        name: op.toLowerCase(),
        taskType: ct && action !== 'reset' ? CT_TASK_TYPE[action] : TASK_TYPE[action],
        // A reboot leaves the state as it was, so only its task can tell it ran (so does a container's freeze or thaw).
        check:
          op === 'REBOOT' || (ct && CT_UNOBSERVABLE.includes(op))
            ? undefined
            : async (t) => {
                const status = await getGuestStatusCurrent(t.client, guest);
                if (stateOf(status) === TARGET[op]) return `already ${TARGET[op]}`;
                // HA-managed and already requested (a lost answer's hastart/hastop): the HA manager acts on it shortly.
                const asked = HA_REQUEST[op];
                if (!asked || Number(status.ha?.managed ?? 0) !== 1 || (await haRequestedState(t.client, guest)) !== asked) return undefined;
                const still = await haSettled(t.client, guest, TARGET[op] as 'running' | 'stopped', { cancelled: t.cancelled });
                return still === undefined ? `${TARGET[op]} (the HA manager acted on the ${asked} request)` : undefined;
              },
        run: async (t) => {
          await act(t, guest, op, paramsFor(op, spec.timeout, spec.force, guest.type), spec.force);
          if (op === 'REBOOT' && spec.force) return 'reset (forced reboot)';
        },
        undo:
          undoOp && spec.before && spec.before !== TARGET[op]
            ? async (t) => {
                if (!(ct && CT_UNOBSERVABLE.includes(undoOp)) && (await current(t)) === TARGET[undoOp]) return `already ${TARGET[undoOp]}`;
                await act(t, guest, undoOp, paramsFor(undoOp, spec.timeout, false, guest.type));
                return `${undoOp.toLowerCase()} (undo of ${op.toLowerCase()})`;
              }
            : undefined,
      },
      {
        name: 'verify',
        changesNothing: true,
        run: async (t) => {
          const now = await current(t);
          if (now !== expected(op)) throw new StepFailure(`the ${op.toLowerCase()} task ended OK but the ${ct ? 'container' : 'VM'} is ${now}, not ${expected(op)}`);
          if (ct && op === 'SUSPEND') return 'frozen (a frozen container reports running)';
          return now;
        },
      },
    ];
  },
};
