// What a provisioning run's rollback strategy does once it failed or was cancelled, decided purely from the
// targets' outcomes and what PVE has now (read back per VM id: does it exist, does it carry the mark this
// operation wrote). A VM is deleted or tagged only when the journal says this operation created that id AND
// PVE shows the mark on it: never by name, never a VM someone else made with the same id.
import type { OperationTarget } from '../types.js';
import type { RollbackStrategy } from './cluster-spec.js';
import { nodeStatusOf, phaseStatus, type NodeStatus } from './progress.js';

/** The tag MARK_FAILED puts on the failed VMs it keeps. */
export const FAILED_TAG = 'moxxie-failed';

export interface RollbackCandidate {
  name: string;
  vmid: number;
  status: NodeStatus;
  /** This operation's create phase started for this id (the VM may exist, whole or partly). */
  mayHaveCreated: boolean;
}

/** What PVE shows for a VM id now. */
export interface ObservedVm {
  exists: boolean;
  /** Its description carries the mark this operation wrote on the VM it created with this id. */
  marked: boolean;
  /** Its config could not be read (its node is offline): it may be ours, but that cannot be proved now. */
  error?: string;
  /** The guest at the id carries another target's mark (of this run): it is that target's, this one made nothing there. */
  takenBy?: string;
}

export type RollbackActionKind = 'delete' | 'tag-failed' | 'keep' | 'leave';

export interface RollbackAction {
  name: string;
  vmid: number;
  action: RollbackActionKind;
  reason: string;
}

export interface RollbackDecision {
  /** Whether the strategy applies at all (something failed, or the run was cancelled). */
  triggered: boolean;
  /** In the order to carry them out: deletes in reverse creation order. */
  actions: RollbackAction[];
  summary: string;
}

/** Whether a target's make phase (create or clone; lifecycle's) started: from then on a VM with its id may exist. */
export function mayHaveCreated(t: OperationTarget): boolean {
  return t.phases.some((p) => p.state !== 'pending' && p.name !== 'allocate' && phaseStatus(p.name) === 'CREATING_VM');
}

/** The candidates of an operation's provisioning targets, in creation (target) order. */
export function rollbackCandidates(targets: readonly OperationTarget[]): RollbackCandidate[] {
  return targets.filter((t) => t.kind === 'new-guest').map((t) => ({ name: t.name, vmid: t.vmid, status: nodeStatusOf(t).status, mayHaveCreated: mayHaveCreated(t) }));
}

export function decideRollback(input: {
  strategy: RollbackStrategy;
  /** In creation order. */
  candidates: readonly RollbackCandidate[];
  /** Per candidate, by its name. */
  observed: ReadonlyMap<string, ObservedVm>;
  cancelled?: boolean;
}): RollbackDecision {
  const { strategy, candidates, observed } = input;
  const failed = candidates.filter((c) => c.status === 'FAILED').length;
  const triggered = failed > 0 || input.cancelled === true;
  const actions: RollbackAction[] = [];
  for (const c of [...candidates].reverse()) {
    const seen = observed.get(c.name);
    const ours = c.mayHaveCreated && seen?.exists === true && seen.marked;
    const ready = c.status === 'READY';
    let action: RollbackActionKind;
    let reason: string;
    if (!c.mayHaveCreated) [action, reason] = ['leave', 'never created by this operation'];
    else if (seen?.takenBy) [action, reason] = ['leave', `made nothing: VM ${c.vmid} is ${seen.takenBy}'s`];
    else if (!seen?.exists) [action, reason] = ['leave', 'does not exist (nothing to undo)'];
    else if (!ours && seen.error) [action, reason] = ['leave', `its config cannot be read (${seen.error}): not deleted; roll back again once it can be read`];
    else if (!ours) [action, reason] = ['leave', "does not carry this operation's mark: someone else's VM has the id, not deleted"];
    else if (!triggered) [action, reason] = ['keep', 'nothing failed'];
    else if (strategy === 'NONE') [action, reason] = ['keep', 'rollbackStrategy NONE leaves everything'];
    else if (strategy === 'FULL') [action, reason] = ['delete', `rollbackStrategy FULL: ${input.cancelled ? 'the run was cancelled' : `${failed} VM${failed === 1 ? '' : 's'} failed`}`];
    else if (ready) [action, reason] = ['keep', `rollbackStrategy ${strategy} keeps the VMs that are READY`];
    else if (strategy === 'PARTIAL') [action, reason] = ['delete', `rollbackStrategy PARTIAL removes what did not become READY (${c.status})`];
    else [action, reason] = ['tag-failed', `rollbackStrategy MARK_FAILED keeps it and tags it ${FAILED_TAG} (${c.status})`];
    actions.push({ name: c.name, vmid: c.vmid, action, reason });
  }
  // Deletes in reverse creation order (the order above); the rest after them, in creation order.
  const deletes = actions.filter((a) => a.action === 'delete');
  const others = actions.filter((a) => a.action !== 'delete').reverse();
  const n = (k: RollbackActionKind) => actions.filter((a) => a.action === k).length;
  const summary = triggered
    ? `${strategy}: ${n('delete')} to delete, ${n('tag-failed')} to tag ${FAILED_TAG}, ${n('keep')} kept, ${n('leave')} left alone`
    : 'nothing failed: nothing to roll back';
  return { triggered, actions: [...deletes, ...others], summary };
}
