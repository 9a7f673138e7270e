// /nodes/{node}/tasks: lists, status, log and stop.
import { SimApiError } from '../api-error.js';
import type { SimTaskRecord } from '../model.js';
import { bool, int, str, WithTotal, type HandlerTable } from './context.js';

const UPID_RE = /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;

function listItem(t: SimTaskRecord): Record<string, unknown> {
  return {
    upid: t.upid,
    node: t.node,
    pid: t.pid,
    pstart: t.pstart,
    starttime: t.starttime,
    type: t.type,
    id: t.id,
    user: t.user,
    ...(t.tokenid ? { tokenid: t.tokenid } : {}),
    ...(t.status === 'stopped' ? { endtime: t.endtime, status: t.exitstatus } : { status: 'RUNNING' }),
  };
}

export const taskHandlers: HandlerTable = {
  'GET /nodes/{node}/tasks': ({ sim, params }) => {
    const node = String(params.node);
    sim.node(node);
    const source = str(params, 'source') ?? 'archive';
    const vmid = int(params, 'vmid');
    const typefilter = str(params, 'typefilter');
    const userfilter = str(params, 'userfilter');
    const since = int(params, 'since');
    const until = int(params, 'until');
    const errorsOnly = bool(params, 'errors');
    const start = int(params, 'start') ?? 0;
    const limit = int(params, 'limit') ?? 50;
    const list = sim
      .nodeTasks(node)
      .filter((t) => {
        if (source === 'archive' && t.status === 'running') return false;
        if (source === 'active' && t.status !== 'running') return false;
        if (vmid !== undefined && t.id !== String(vmid)) return false;
        if (typefilter && t.type !== typefilter) return false;
        if (userfilter && !t.user.includes(userfilter)) return false;
        if (since !== undefined && t.starttime < since) return false;
        if (until !== undefined && t.starttime > until) return false;
        if (errorsOnly && (t.status === 'running' || t.exitstatus === 'OK')) return false;
        return true;
      })
      .reverse();
    return list.slice(start, start + limit).map(listItem);
  },

  'GET /nodes/{node}/tasks/{upid}/status': ({ sim, params }) => {
    const upid = String(params.upid);
    if (!UPID_RE.test(upid)) throw new SimApiError(400, 'Parameter verification failed.', { upid: 'unable to parse worker upid' });
    const t = sim.tasks.get(upid);
    if (!t || t.node !== params.node) throw new SimApiError(400, 'Parameter verification failed.', { upid: 'no such task' });
    return {
      upid: t.upid,
      node: t.node,
      pid: t.pid,
      pstart: t.pstart,
      starttime: t.starttime,
      type: t.type,
      id: t.id,
      user: t.user,
      ...(t.tokenid ? { tokenid: t.tokenid } : {}),
      status: t.status,
      ...(t.status === 'stopped' ? { exitstatus: t.exitstatus } : {}),
    };
  },

  'GET /nodes/{node}/tasks/{upid}/log': ({ sim, params }) => {
    const t = sim.tasks.get(String(params.upid));
    if (!t || t.node !== params.node) throw new SimApiError(400, 'Parameter verification failed.', { upid: 'no such task' });
    const start = int(params, 'start') ?? 0;
    const limit = int(params, 'limit') ?? 50;
    const lines = t.log.length ? t.log : ['no content'];
    const slice = limit === 0 ? lines.slice(start) : lines.slice(start, start + limit);
    return new WithTotal(slice.map((line, i) => ({ n: start + i + 1, t: line })), lines.length);
  },

  'DELETE /nodes/{node}/tasks/{upid}': ({ sim, params }) => {
    const t = sim.tasks.get(String(params.upid));
    if (!t || t.node !== params.node) throw new SimApiError(400, 'Parameter verification failed.', { upid: 'no such task' });
    sim.stopTask(t);
    return null;
  },
};
