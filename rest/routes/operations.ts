// Operations of every kind, so a client can follow a long call: this process's live ones, then the history.
import { z } from 'zod';
import { recentOperations } from '../../src/history/recent-operations.js';
import { OPERATION_STATUSES, type OperationStatus } from '../../src/ops/types.js';
import { conflict, notFound } from '../errors.js';
import type { HandlerRoute } from '../route-table.js';
import { controlQuery, operationSchema, queryInt } from '../schemas.js';

const listQuery = z.strictObject({
  status: z.enum(OPERATION_STATUSES as unknown as [OperationStatus, ...OperationStatus[]], { error: (iss) => `'${String(iss.input)}' is not valid; use one of ${OPERATION_STATUSES.join(', ')}` }).optional(),
  limit: queryInt(1, 500).optional().describe('default 50'),
  offset: queryInt(0, 1_000_000).optional(),
});

const rowSchema = z.object({
  id: z.string(),
  kind: z.string(),
  label: z.string(),
  status: z.string(),
  dryRun: z.boolean(),
  frontEnd: z.string(),
  startedAt: z.number(),
  finishedAt: z.number().optional(),
  counts: z.record(z.string(), z.number()),
});

const listOperations: HandlerRoute<undefined, z.output<typeof listQuery>> = {
  method: 'GET',
  url: '/operations',
  summary: 'Recent operations from every front end, newest first',
  group: 'Operations',
  query: listQuery,
  response: z.array(rowSchema),
  async handle({ core, history }, { query }) {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const ops = await recentOperations(core.operations.list(), history, { status: query.status, limit, offset });
    return { body: ops.map(({ targetCount: _, ...row }) => row) };
  },
};

const opParams = z.strictObject({ id: z.string().min(1).max(100) });

const getOperation: HandlerRoute<{ id: string }> = {
  method: 'GET',
  url: '/operations/:id',
  summary: 'One operation with every target and phase',
  group: 'Operations',
  params: opParams,
  response: operationSchema,
  async handle({ core, history }, { params }) {
    const op = core.operations.get(params.id) ?? (await history.getOperation(params.id));
    if (!op) throw notFound(`no operation '${params.id}'; GET /api/v1/operations lists recent ids`);
    return { body: op };
  },
};

const cancelOperation: HandlerRoute<{ id: string }, { dryRun?: boolean }> = {
  method: 'POST',
  url: '/operations/:id/cancel',
  summary: 'Cancel a running operation of this server: nothing new starts; steps running at PVE finish and report (?dryRun=true: only check that it can be)',
  group: 'Operations',
  params: opParams,
  query: z.strictObject({ dryRun: controlQuery.dryRun }),
  response: operationSchema,
  async handle({ core, history }, { params, query }) {
    const live = core.operations.get(params.id);
    if (!live) {
      const stored = await history.getOperation(params.id);
      if (!stored) throw notFound(`no operation '${params.id}'`);
      if (stored.status === 'running') throw conflict(`operation ${params.id} runs in another moxxie process (${stored.frontEnd}); cancel it there`);
      throw conflict(`operation ${params.id} already ended (${stored.status}); there is nothing to cancel`);
    }
    if (live.finishedAt !== undefined) throw conflict(`operation ${params.id} already ended (${live.status}); there is nothing to cancel`);
    if (query.dryRun) return { body: live };
    core.operations.cancel(params.id);
    return { status: 202, body: core.operations.get(params.id) ?? live };
  },
};

export const operationRoutes = [listOperations, getOperation, cancelOperation];
