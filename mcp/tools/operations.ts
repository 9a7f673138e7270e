// Operation tools: what moxxie did or is doing — this process's live operations first, then history
// (shared by the TUI, the scheduler and other MCP servers of the same context).
import { z } from 'zod';
import type { Operation } from '../../src/ops/types.js';
import { defineTool, READS_LOCAL, type AnyToolSpec } from '../define-tool.js';
import { countTargets, operationText, operationView } from '../operation-view.js';
import { operationShape, targetCountsSchema } from '../schemas.js';
import type { ToolContext } from '../tool-context.js';
import { ToolInputError, ok } from '../tool-result.js';

const STATUSES = ['running', 'succeeded', 'partial', 'failed', 'cancelled', 'interrupted'] as const;
const TARGET_STATES = ['planned', 'skipped', 'running', 'succeeded', 'failed', 'cancelled'] as const;

export function operationTools(ctx: ToolContext): AnyToolSpec[] {
  const listOperations = defineTool({
    name: 'list_operations',
    title: 'List operations',
    description: 'Recent operations from any moxxie front end (TUI, MCP, scheduler), newest first: id, kind, status and counts. get_operation shows one in detail.',
    input: {
      status: z.enum(STATUSES).optional(),
      limit: z.number().int().min(1).max(100).optional().describe('default 20'),
      offset: z.number().int().min(0).optional(),
    },
    output: {
      operations: z.array(
        z.object({ id: z.string(), kind: z.string(), status: z.string(), dryRun: z.boolean(), frontEnd: z.string(), startedAt: z.string(), targets: z.number(), counts: targetCountsSchema }),
      ),
    },
    annotations: READS_LOCAL,
    run: async ({ status, limit = 20, offset = 0 }) => {
      const live = ctx.core.operations.list();
      const stored = await ctx.history.listOperations({ status, limit: limit + offset + live.length });
      const merged = new Map<string, Operation>();
      // Live entries win: history may lag behind by a coalesced write.
      for (const op of [...live, ...stored]) if (!merged.has(op.id) && (!status || op.status === status)) merged.set(op.id, op);
      const ops = [...merged.values()].sort((a, b) => b.startedAt - a.startedAt).slice(offset, offset + limit);
      const rows = ops.map((o) => ({
        id: o.id,
        kind: o.kind,
        status: o.status,
        dryRun: o.dryRun,
        frontEnd: o.frontEnd,
        startedAt: new Date(o.startedAt).toISOString(),
        targets: o.targets.length,
        counts: countTargets(o.targets),
      }));
      const text = rows.length ? rows.map((r) => `${r.id} ${r.kind} ${r.status} via ${r.frontEnd}, ${r.targets} VM(s), started ${r.startedAt}`).join('\n') : 'No operations yet.';
      return ok(text, { operations: rows });
    },
  });

  const getOperation = defineTool({
    name: 'get_operation',
    title: 'Get an operation',
    description: 'One operation with counts, skip reasons and per-VM rows (failures first, paged); follow an operation started with wait: false until its status is no longer running.',
    input: {
      id: z.string().describe('operation id, e.g. from a bulk tool or list_operations'),
      state: z.enum(TARGET_STATES).optional().describe('only rows in this state, e.g. "failed"'),
      offset: z.number().int().min(0).optional(),
      limit: z.number().int().min(1).max(500).optional().describe('rows (default 50)'),
    },
    output: operationShape,
    annotations: READS_LOCAL,
    run: async ({ id, state, offset, limit }) => {
      const op = ctx.core.operations.get(id) ?? (await ctx.history.getOperation(id));
      if (!op) throw new ToolInputError(`no operation '${id}'; list_operations shows recent ids`);
      return ok(operationText(op), operationView(op, { state, offset, limit }));
    },
  });

  return [listOperations, getOperation];
}
