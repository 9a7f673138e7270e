// The run of a phase that makes a guest under an id from the allocator (create, clone; qemu or lxc): each id
// tried is journaled before its request goes out, so a resume, a lost answer or an undo knows which guest to
// look at, and forgotten when its create certainly made nothing; afterwards the guest must be ours, else the id
// is forgotten (never undone: another client's guest holds it) and the phase fails naming whose it is.
import type { PhaseTools } from './capability.js';
import type { OperationTarget } from './types.js';
import { createWithVmid } from './vmid-allocator.js';

export interface OwnedGuestCreate {
  /** The operator's id, if given. */
  preferred?: number;
  /** Look for a free id above this one first. */
  after?: number;
  /** Never try these ids (a provisioning plan's ids for its other VMs). */
  avoid?: readonly number[];
  /** Mark the target's spec `assigned` once an id is tried (the create phases do; the CT clone does not). */
  markAssigned: boolean;
  /** Sends the request for `vmid` and awaits its task. */
  create(vmid: number): Promise<void>;
  /** Undefined when the guest now at `vmid` is the one this target made; else why not. */
  ownershipProblem(vmid: number): Promise<string | undefined>;
}

/** Makes the guest and answers its id, once it is known to be ours. */
export async function createOwnedGuest(tools: PhaseTools, target: OperationTarget, o: OwnedGuestCreate): Promise<number> {
  const shown = target.vmid;
  const vmid = await createWithVmid({
    client: tools.client,
    vmids: tools.vmids,
    preferred: o.preferred,
    after: o.after,
    avoid: o.avoid,
    // The id is journaled before the request goes out: a process killed before the UPID is recorded leaves the
    // id a resume or rollback must look at, never the planned one (which another target may have got).
    onTry: async (id) => {
      tools.data.vmid = id;
      target.vmid = id;
      if (o.markAssigned) (target.spec as Record<string, unknown>).assigned = true;
      await tools.record?.();
    },
    // The target shows the id it showed before (the planned one) again: the one it tried may be another's next.
    onNothingMade: async () => {
      delete tools.data.vmid;
      target.vmid = shown;
      await tools.record?.();
    },
    create: o.create,
  });
  const problem = await o.ownershipProblem(vmid);
  if (problem) {
    delete tools.data.vmid;
    throw new Error(problem);
  }
  return vmid;
}
