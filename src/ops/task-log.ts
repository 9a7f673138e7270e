// A PVE task's log and state for the front ends: the tail by default, because a long task (a backup, a
// migration) logs thousands of lines and the end is what tells what happened.
import type { TaskLog } from '../core.js';
import type { PveClient } from '../pve/client.js';
import { getTaskStatus } from '../pve/endpoints/nodes.js';
import { PveError } from '../pve/errors.js';
import { parseUpid } from '../pve/upid.js';
import { RequestError } from './errors.js';

export const TASK_LOG_MAX_LINES = 5000;
const TASK_LOG_DEFAULT_LINES = 500;

export async function readTaskLog(client: PveClient, upid: string, opts: { limit?: number; start?: number } = {}): Promise<TaskLog> {
  let node: string;
  try {
    ({ node } = parseUpid(upid));
  } catch (err) {
    throw new RequestError('upid', `${(err as Error).message}; a UPID looks like UPID:pve1:0000A1B2:00C3D4E5:656F7A80:qmsnapshot:100:root@pam:`);
  }
  const limit = opts.limit ?? TASK_LOG_DEFAULT_LINES;
  if (!Number.isInteger(limit) || limit < 1 || limit > TASK_LOG_MAX_LINES) throw new RequestError('limit', `must be a whole number from 1 to ${TASK_LOG_MAX_LINES} (got ${limit})`);
  if (opts.start !== undefined && (!Number.isInteger(opts.start) || opts.start < 0)) throw new RequestError('start', `must be a whole number of 0 or more (got ${opts.start})`);
  const status = await getTaskStatus(client, node, upid).catch((err: unknown) => {
    // PVE forgets a task with its node's task list: a UPID from before a restart (the demo cluster starts
    // empty each time) or from another cluster is well formed but gone, which is not a parameter to fix.
    if (err instanceof PveError && err.errors?.upid === 'no such task') {
      throw new RequestError('upid', `${node} answers 'no such task' for ${upid}: PVE does not know it (a task from before the cluster or the demo restarted, or from another cluster, is gone); recent UPIDs come from get_vm and get_operation`);
    }
    throw err;
  });
  // PVE counts lines from 0 and reports the total. For the tail, the first page is the whole log when the
  // log is short (the usual case); only a longer one needs a second read from total - limit.
  let start = opts.start ?? 0;
  let log = await client.taskLog(upid, { start, limit });
  if (opts.start === undefined && log.total > limit) {
    start = log.total - limit;
    log = await client.taskLog(upid, { start, limit });
  }
  return {
    upid,
    node,
    status: status.status,
    exitstatus: status.exitstatus,
    type: status.type,
    id: status.id,
    starttime: status.starttime,
    start,
    total: log.total,
    lines: log.lines.map((l) => l.t),
  };
}
