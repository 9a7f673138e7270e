// /nodes/{node}/tasks: lists (archive, active or all), status, log and stop.
import { paramError } from '../api-error.js';
import type { SimTaskRecord } from '../model.js';
import { bool, int, str, WithTotal, type HandlerContext, type HandlerTable } from './context.js';

const UPID_RE = /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;

/** A task list entry: finished tasks carry endtime and their exitstatus as `status`, active ones `RUNNING`. */
export function taskListItem(t: SimTaskRecord): Record<string, unknown> {
  const item: Record<string, unknown> = { upid: t.upid, node: t.node, pid: t.pid, pstart: t.pstart, starttime: t.starttime, type: t.type, id: t.id, user: t.user };
  if (t.tokenid) item.tokenid = t.tokenid;
  if (t.status === 'stopped') {
    item.endtime = t.endtime;
    item.status = t.exitstatus;
  } else item.status = 'RUNNING';
  return item;
}

/** PVE's `errors` filter drops only tasks that ended OK: warnings and running tasks stay (Tasks.pm, filter_task). */
function endedOk(t: SimTaskRecord): boolean {
  return t.status === 'stopped' && t.exitstatus === 'OK';
}

/** The status-filter class of a task, as the GUI's filter names them. */
function statusClass(t: SimTaskRecord): string {
  if (t.status === 'running') return 'running';
  if (t.exitstatus === 'OK') return 'ok';
  if (/^WARNINGS: \d+$/.test(t.exitstatus ?? '')) return 'warning';
  return 'error';
}

function taskOf(ctx: HandlerContext): SimTaskRecord {
  const upid = String(ctx.params.upid);
  if (!UPID_RE.test(upid)) throw paramError({ upid: 'unable to parse worker upid' });
  const t = ctx.sim.tasks.get(upid);
  if (!t || t.node !== ctx.params.node) throw paramError({ upid: 'no such task' });
  return t;
}

export const taskHandlers: HandlerTable = {
  'GET /nodes/{node}/tasks': ({ sim, params }) => {
    const node = String(params.node);
    const source = str(params, 'source') ?? 'archive';
    const vmid = int(params, 'vmid');
    const typefilter = str(params, 'typefilter');
    const userfilter = str(params, 'userfilter');
    const statusfilter = str(params, 'statusfilter')?.split(/[,;\s]+/).filter(Boolean);
    const since = int(params, 'since');
    const until = int(params, 'until');
    const errorsOnly = bool(params, 'errors');
    const start = int(params, 'start') ?? 0;
    const limit = int(params, 'limit') ?? 50;
    const tasks = sim.nodeTasks(node);
    const out: SimTaskRecord[] = [];
    // Newest first, as PVE's task index.
    for (let i = tasks.length - 1; i >= 0; i--) {
      const t = tasks[i];
      if (source === 'archive' && t.status === 'running') continue;
      if (source === 'active' && t.status !== 'running') continue;
      if (vmid !== undefined && t.id !== String(vmid)) continue;
      // Exact type; the user filter is a case-insensitive substring of the user part (not the token name).
      if (typefilter && t.type !== typefilter) continue;
      if (userfilter && !t.user.toLowerCase().includes(userfilter.toLowerCase())) continue;
      if (statusfilter?.length && !statusfilter.includes(statusClass(t))) continue;
      if (since !== undefined && t.starttime < since) continue;
      if (until !== undefined && t.starttime > until) continue;
      if (errorsOnly && endedOk(t)) continue;
      out.push(t);
    }
    const page = limit === 0 ? out.slice(start) : out.slice(start, start + limit);
    return new WithTotal(page.map(taskListItem), out.length);
  },

  'GET /nodes/{node}/tasks/{upid}': (ctx) => {
    taskOf(ctx);
    return [{ name: 'log' }, { name: 'status' }];
  },

  'GET /nodes/{node}/tasks/{upid}/status': (ctx) => {
    const t = taskOf(ctx);
    const out: Record<string, unknown> = { upid: t.upid, node: t.node, pid: t.pid, pstart: t.pstart, starttime: t.starttime, type: t.type, id: t.id, user: t.user };
    if (t.tokenid) out.tokenid = t.tokenid;
    out.status = t.status;
    if (t.status === 'stopped') out.exitstatus = t.exitstatus;
    return out;
  },

  'GET /nodes/{node}/tasks/{upid}/log': (ctx) => {
    const t = taskOf(ctx);
    const start = int(ctx.params, 'start') ?? 0;
    const limit = int(ctx.params, 'limit') ?? 50;
    const lines = t.log.length ? t.log : ['no content'];
    const slice = limit === 0 ? lines.slice(start) : lines.slice(start, start + limit);
    return new WithTotal(slice.map((line, i) => ({ n: start + i + 1, t: line })), lines.length);
  },

  'DELETE /nodes/{node}/tasks/{upid}': (ctx) => {
    ctx.sim.engine.stop(taskOf(ctx));
    return null;
  },
};
