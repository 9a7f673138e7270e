// Cluster provisioning: `POST /clusters/provision` (the seed's body verbatim, onto the cluster.provision
// capability; 202 with a Location), `GET /clusters/operations[/{id}[/logs]]` and
// `POST /clusters/operations/{id}/cancel`, answering the seed's status shape with its `links`.
import { z } from 'zod';
import type { MoxxieCore } from '../../src/core.js';
import { clusterProvision } from '../../src/ops/capabilities/cluster-provision.js';
import { RequestError } from '../../src/ops/errors.js';
import { PROVISIONING_STATUSES, provisioningProgress, type ProvisioningProgress } from '../../src/ops/provisioning/progress.js';
import { provisioningStatusShape } from '../../src/ops/provisioning/progress-schema.js';
import { conflict, notFound } from '../errors.js';
import type { CapabilityRoute, HandlerRoute, RouteInput } from '../route-table.js';
import { controlQuery, queryInt } from '../schemas.js';
import { TASK_LOG_MAX_LINES } from '../../src/ops/task-log.js';

const links = (base: string, id: string) => ({
  status: `${base}/clusters/operations/${id}`,
  cancel: `${base}/clusters/operations/${id}/cancel`,
  logs: `${base}/clusters/operations/${id}/logs`,
  // The seed links a cluster resource; moxxie has none (the VMs are the cluster), as the seed's example shows.
  cluster: null,
});

/** The seed's status object: the progress without its per-VM logs (those are at `links.logs`), with links. */
function statusBody(p: ProvisioningProgress, base: string) {
  const { logs: _logs, ...status } = p;
  return { ...status, links: links(base, p.operationId) };
}

const statusSchema = z.object({
  ...provisioningStatusShape,
  links: z.object({ status: z.string(), cancel: z.string(), logs: z.string(), cluster: z.null() }),
});

/** One PVE task's log text (its last lines), or why PVE could not give it. */
const taskTextSchema = z.object({
  upid: z.string(),
  status: z.string().optional(),
  exitstatus: z.string().optional(),
  /** Lines the log has in all; `lines` are the last ones of them. */
  totalLines: z.number(),
  lines: z.array(z.string()),
  truncated: z.boolean(),
  error: z.string().optional(),
});

const logsSchema = z.object({
  operationId: z.string(),
  clusterName: z.string(),
  status: z.enum(PROVISIONING_STATUSES),
  page: z.object({ offset: z.number(), limit: z.number(), totalVms: z.number() }),
  logs: z.array(
    z.object({
      name: z.string(),
      vmId: z.number(),
      entries: z.array(z.looseObject({ phase: z.string(), state: z.string(), upids: z.array(z.string()), message: z.string().optional(), tasks: z.array(taskTextSchema) })),
    }),
  ),
});

const logsQuery = z.strictObject({
  offset: queryInt(0, 1_000_000).optional().describe('the first VM of the page (default 0)'),
  limit: queryInt(1, 100).optional().describe('VMs per page (default 10)'),
  lines: queryInt(0, TASK_LOG_MAX_LINES).optional().describe("each PVE task log's last lines (default 50; 0 leaves the text out)"),
});
type LogsQuery = z.output<typeof logsQuery>;

/** Task log reads at once for one page (each is PVE's task status plus its log). */
const LOG_READS_AT_ONCE = 8;

/** PVE's text of each task (GET /nodes/{node}/tasks/{upid}/log, its last `lines`); a task PVE forgot says so. */
async function taskTexts(core: MoxxieCore, upids: string[], lines: number): Promise<Map<string, z.infer<typeof taskTextSchema>>> {
  const out = new Map<string, z.infer<typeof taskTextSchema>>();
  if (lines === 0) return out;
  let next = 0;
  const worker = async () => {
    while (next < upids.length) {
      const upid = upids[next++];
      try {
        const log = await core.taskLog(upid, { limit: lines });
        out.set(upid, { upid, status: log.status, ...(log.exitstatus ? { exitstatus: log.exitstatus } : {}), totalLines: log.total, lines: log.lines, truncated: log.total > log.lines.length });
      } catch (err) {
        out.set(upid, { upid, totalLines: 0, lines: [], truncated: false, error: err instanceof Error ? err.message : String(err) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOG_READS_AT_ONCE, upids.length) }, worker));
  return out;
}

/** A provisioning operation's progress; an unknown id, or another kind's, is a 404. */
async function progressOf(core: MoxxieCore, id: string): Promise<ProvisioningProgress> {
  try {
    return await core.provisioningStatus(id);
  } catch (err) {
    if (err instanceof RequestError && err.field === 'operationId') throw notFound(`${err.message}; GET /api/v1/clusters/operations lists them`);
    throw err;
  }
}

const provision: CapabilityRoute<undefined, unknown, object> = {
  method: 'POST',
  url: '/clusters/provision',
  summary:
    'Provision a cluster from the seed body (nodeGroups, placement antiAffinity, networkTopology, globalCloudInit, options): 202 with the status and a Location to follow; dryRun answers the plan',
  group: 'Cluster provisioning',
  kind: 'cluster.provision',
  long: true,
  body: clusterProvision.schema,
  response: statusSchema,
  request: ({ body }) => body,
  async present(op, base) {
    const p = provisioningProgress(op);
    const failed = p.status === 'COMPLETED' || p.status === 'PROVISIONING' || p.status === 'PENDING' ? undefined : `cluster ${p.clusterName}: ${p.status} (${p.currentOperation})`;
    return { body: statusBody(p, base), location: `${base}/clusters/operations/${op.id}`, ...(failed ? { failed } : {}) };
  },
};

const opParams = z.strictObject({ id: z.string().min(1).max(100) });

const listOperations: HandlerRoute<undefined, { limit?: number }> = {
  method: 'GET',
  url: '/clusters/operations',
  summary: 'Provisioning operations, newest first (running ones and the history)',
  group: 'Cluster provisioning',
  query: z.strictObject({ limit: queryInt(1, 500).optional().describe('default 50') }),
  response: z.array(statusSchema),
  async handle({ core }, { query, base }) {
    return { body: (await core.listProvisioning({ limit: query.limit ?? 50 })).map((p) => statusBody(p, base)) };
  },
};

const getOperation: HandlerRoute<{ id: string }> = {
  method: 'GET',
  url: '/clusters/operations/:id',
  summary: "A provisioning operation's status: overall and per VM (group, id, host, status), with links",
  group: 'Cluster provisioning',
  params: opParams,
  response: statusSchema,
  async handle({ core }, { params, base }: RouteInput<{ id: string }>) {
    return { body: statusBody(await progressOf(core, params.id), base) };
  },
};

const getLogs: HandlerRoute<{ id: string }, LogsQuery> = {
  method: 'GET',
  url: '/clusters/operations/:id/logs',
  summary:
    "A provisioning operation's log, a page of VMs at a time: per VM every phase with its state, message and PVE tasks — each task's UPID and PVE's log text (its last lines) — and its undo in a rollback",
  group: 'Cluster provisioning',
  params: opParams,
  query: logsQuery,
  response: logsSchema,
  async handle({ core }, { params, query }) {
    const p = await progressOf(core, params.id);
    const offset = query.offset ?? 0;
    const limit = query.limit ?? 10;
    const page = p.logs.slice(offset, offset + limit);
    const upids = page.flatMap((l) => l.entries.flatMap((e) => [...e.upids, ...(e.undo?.upids ?? [])]));
    const texts = await taskTexts(core, upids, query.lines ?? 50);
    const withText = (list: string[]) => list.flatMap((u) => texts.get(u) ?? []);
    const logs = page.map((l) => ({
      ...l,
      entries: l.entries.map((e) => ({ ...e, tasks: withText(e.upids), ...(e.undo ? { undo: { ...e.undo, tasks: withText(e.undo.upids) } } : {}) })),
    }));
    return { body: { operationId: p.operationId, clusterName: p.clusterName, status: p.status, page: { offset, limit, totalVms: p.logs.length }, logs } };
  },
};

const cancel: HandlerRoute<{ id: string }, { dryRun?: boolean }> = {
  method: 'POST',
  url: '/clusters/operations/:id/cancel',
  summary: "Cancel a running provisioning: no new VM is started, then the spec's rollbackStrategy applies to what it made (202 with the status)",
  group: 'Cluster provisioning',
  params: opParams,
  query: z.strictObject({ dryRun: controlQuery.dryRun }),
  response: statusSchema,
  async handle({ core }, { params, query, base }) {
    const p = await progressOf(core, params.id);
    const live = core.operations.get(params.id);
    if (!live) {
      if (p.status === 'PROVISIONING' || p.status === 'PENDING') throw conflict(`operation ${params.id} runs in another moxxie process; cancel it there`);
      throw conflict(`operation ${params.id} already ended (${p.status}); there is nothing to cancel`);
    }
    if (live.finishedAt !== undefined) throw conflict(`operation ${params.id} already ended (${p.status}); there is nothing to cancel`);
    // A dry run: it is running here, so a cancel would be taken; nothing is cancelled.
    if (query.dryRun) return { body: statusBody(p, base) };
    if (!core.operations.cancel(params.id)) throw conflict(`operation ${params.id} already ended (${p.status}); there is nothing to cancel`);
    return { status: 202, body: statusBody(await progressOf(core, params.id), base) };
  },
};

export const provisioningRoutes = [provision, listOperations, getOperation, getLogs, cancel];
