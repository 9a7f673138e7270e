// After a write whose answer was lost: find the task PVE started for it, if any. A candidate must be of the
// phase's type, carry the phase's id, have started since the request, run where PVE runs it (a clone: the
// source's node, under the source's id), be started by this client's own user or token (the UPID names it:
// another client's task of the same kind on the same guest is never adopted), and be known to no target of
// this operation. Then the phase's check decides.
import { getNodeTasks } from '../pve/endpoints/nodes.js';
import { parseUpid } from '../pve/upid.js';
import type { PveClient } from '../pve/client.js';
import type { Phase, PhaseTools } from './capability.js';
import { taskTypesOf } from './ha-power.js';
import type { Operation, OperationTarget } from './types.js';

/** Slack for the clocks of moxxie and the PVE node when looking for a task started "since the request". */
const CLOCK_SLACK_S = 5;

/** The user field of a UPID (`user@realm` or `user@realm!tokenid`); undefined when it does not parse. */
function upidUser(upid: string): string | undefined {
  try {
    return parseUpid(upid).user;
  } catch {
    return undefined;
  }
}

/** Did this client start the task? Unknown (a bare user name before any login) counts as no: never adopt on a guess. */
export function startedBy(client: PveClient, upid: string): boolean {
  const me = client.taskUser;
  return me !== undefined && upidUser(upid) === me;
}

/**
 * The task PVE started for the phase's lost write since `since` (ms), oldest first, HA requests before the
 * plain tasks beside them; undefined when there is none.
 */
export async function findLostTask(op: Operation, t: OperationTarget, phase: Phase, client: PveClient, since: number): Promise<string | undefined> {
  const known = new Set(op.targets.flatMap((x) => x.phases.flatMap((p) => p.upids)));
  const id = phase.taskId ?? String(t.vmid);
  // PVE's vmid filter takes only guest ids: a task of no guest (a download's file name) is matched by its id alone.
  const byGuest = /^\d+$/.test(id) ? { vmid: Number(id) } : {};
  // An HA-managed guest's start, stop or migrate is PVE's hastart/hastop/hamigrate instead (ha-power.ts).
  const types = phase.taskType ? taskTypesOf(phase.taskType) : undefined;
  const tasks = await getNodeTasks(client, phase.taskNode ?? t.node, { ...byGuest, since: Math.floor(since / 1000) - CLOCK_SLACK_S, source: 'all', ...(types?.length === 1 ? { typefilter: types[0] } : {}) });
  // An HA request is preferred: for an HA-managed guest PVE starts only that one for the write, and a plain task
  // beside it is the HA manager's own (its LRM acting on an earlier request), never the write's.
  const haFirst = (x: { type: string }) => (types && x.type !== types[0] ? 0 : 1);
  return tasks
    .filter((x) => !known.has(x.upid) && (!types || types.includes(x.type)) && x.id === id && startedBy(client, x.upid))
    .sort((a, b) => haFirst(a) - haFirst(b) || a.starttime - b.starttime)[0]?.upid;
}

/**
 * After a lost answer: the write's own task (findLostTask) is followed to its end and the phase's settle
 * (an HA request's move), then the phase's check decides. A message means the phase is done; undefined means PVE shows no sign of the write.
 */
export async function afterLostAnswer(op: Operation, t: OperationTarget, phase: Phase, tools: PhaseTools, since: number): Promise<string | undefined> {
  const mine = await findLostTask(op, t, phase, tools.client, since);
  if (mine) {
    await tools.awaitTask(mine);
    await phase.settle?.(tools, mine);
    const checked = phase.check ? await phase.check(tools) : undefined;
    if (checked !== undefined || !phase.check) return checked ?? `done by ${mine} (its answer was lost on the way)`;
    return undefined;
  }
  return phase.check ? phase.check(tools) : undefined;
}
