// After an HA-managed guest's migrate: PVE answers with a `hamigrate` task that only files the request, and the
// HA manager's LRM runs the real migration on the guest's node a CRM round later (a VM: qmigrate; a CT: shut
// down, then vzmigrate), as root@pam. The guest is on its target only when that task ends. So the move is
// followed to there: the LRM's task is recorded with the phase and its failure is the step's; a request the HA
// manager never acts on ends the step after a timeout, saying so.
import { getClusterResources } from '../../pve/endpoints/cluster.js';
import { getNodeTasks } from '../../pve/endpoints/nodes.js';
import { parseUpid } from '../../pve/upid.js';
import type { PhaseTools } from '../capability.js';
import { StepFailure } from '../runner.js';

/** How long the HA manager may take to start the migration it accepted (its CRM round is 10 s; a busy LRM queues). */
export const HA_MOVE_SETTLE_MS = 5 * 60_000;
const FIRST_LOOK_MS = 100;
const MAX_LOOK_MS = 2000;

export interface HaMoveOptions {
  /** The LRM's migration task may run this long (what it carries at the slowest rate). */
  taskTimeoutMs: number;
  /** How long to wait for the HA manager to start it (default HA_MOVE_SETTLE_MS). */
  settleMs?: number;
}

async function nodeOf(tools: PhaseTools, vmid: number): Promise<string | undefined> {
  const row = (await getClusterResources(tools.client, { type: 'vm' })).find((r) => (r.type === 'qemu' || r.type === 'lxc') && Number(r.vmid) === vmid);
  return row?.node;
}

/**
 * Waits, after `requestUpid` ended OK, until the guest is on `target`; nothing to do unless it is a hamigrate.
 * Throws a StepFailure naming the LRM's task when its migration fails, or the wait when nothing happens.
 */
export async function followHaMove(tools: PhaseTools, guest: { type: 'qemu' | 'lxc'; vmid: number }, requestUpid: string, target: string, o: HaMoveOptions): Promise<void> {
  const request = parseUpid(requestUpid);
  if (request.type !== 'hamigrate') return;
  const noun = guest.type === 'lxc' ? 'CT' : 'VM';
  const settleMs = o.settleMs ?? HA_MOVE_SETTLE_MS;
  const deadline = Date.now() + settleMs;
  for (let wait = FIRST_LOOK_MS; ; wait = Math.min(wait * 1.5, MAX_LOOK_MS)) {
    // An HA-managed guest's migrate through the API is always a hamigrate: a plain one on its node since the
    // request is the LRM's.
    const [tasks, node] = await Promise.all([
      getNodeTasks(tools.client, request.node, { vmid: guest.vmid, typefilter: guest.type === 'lxc' ? 'vzmigrate' : 'qmigrate', since: request.starttime, source: 'all' }),
      nodeOf(tools, guest.vmid),
    ]);
    const lrm = tasks.filter((x) => x.starttime >= request.starttime).sort((a, b) => a.starttime - b.starttime)[0];
    if (lrm) {
      try {
        await tools.awaitTask(lrm.upid, { timeoutMs: o.taskTimeoutMs });
      } catch (err) {
        if (err instanceof StepFailure) throw new StepFailure(`PVE's HA manager could not move ${noun} ${guest.vmid} to ${target}: ${err.message} (its task ${lrm.upid})`);
        throw err;
      }
      break;
    }
    if (node === undefined) throw new StepFailure(`${noun} ${guest.vmid} no longer exists in the cluster`);
    if (node === target) return;
    if (Date.now() >= deadline) {
      throw new StepFailure(`PVE's HA manager accepted the move of ${noun} ${guest.vmid} to ${target} (${requestUpid} ended OK) but did not move it within ${Math.max(1, Math.round(settleMs / 1000))} s: it is still on ${node}; see ha-manager status`);
    }
    await new Promise((r) => setTimeout(r, wait));
  }
  const now = await nodeOf(tools, guest.vmid);
  if (now !== target) throw new StepFailure(`PVE's HA manager's migration of ${noun} ${guest.vmid} ended OK, but it is on ${now ?? 'no node'}, not ${target}`);
}
