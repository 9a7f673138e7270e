// Operation tools: what moxxie did or is doing (this process's live operations, then history).
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Operation } from '../../src/ops/types.js';
import { operationShape, operationText, operationView } from '../schemas.js';
import type { ToolContext } from '../tool-context.js';
import { guarded, ok } from '../tool-result.js';

const LOCAL_READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

export function registerOperationTools(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'list_operations',
    {
      title: 'List operations',
      description: 'Recent operations from any moxxie front end (TUI, MCP, scheduler), newest first: id, kind, status, counts.',
      inputSchema: { limit: z.number().int().min(1).max(100).optional(), offset: z.number().int().min(0).optional() },
      outputSchema: { operations: z.array(z.object({ id: z.string(), kind: z.string(), status: z.string(), dryRun: z.boolean(), frontEnd: z.string(), startedAt: z.string(), targets: z.number(), counts: z.record(z.string(), z.number()) })) },
      annotations: LOCAL_READ,
    },
    ({ limit, offset }) =>
      guarded(async () => {
        const live = ctx.core.operations.list();
        const stored = await ctx.history.listOperations({ limit: (limit ?? 20) + (offset ?? 0) + live.length });
        const merged = new Map<string, Operation>();
        for (const op of [...live, ...stored]) if (!merged.has(op.id)) merged.set(op.id, op);
        const ops = [...merged.values()].sort((a, b) => b.startedAt - a.startedAt).slice(offset ?? 0, (offset ?? 0) + (limit ?? 20));
        const rows = ops.map((o) => ({
          id: o.id,
          kind: o.kind,
          status: o.status,
          dryRun: o.dryRun,
          frontEnd: o.frontEnd,
          startedAt: new Date(o.startedAt).toISOString(),
          targets: o.targets.length,
          counts: o.targets.reduce<Record<string, number>>((a, t) => ((a[t.state] = (a[t.state] ?? 0) + 1), a), {}),
        }));
        return ok(rows.length ? rows.map((r) => `${r.id} ${r.kind} ${r.status} (${r.targets} VMs)`).join('\n') : 'no operations yet', { operations: rows });
      }),
  );

  server.registerTool(
    'get_operation',
    {
      title: 'Get an operation',
      description: 'One operation with per-VM rows; use it to follow an operation started with wait: false.',
      inputSchema: { id: z.string() },
      outputSchema: operationShape,
      annotations: LOCAL_READ,
    },
    ({ id }) =>
      guarded(async () => {
        const op = ctx.core.operations.get(id) ?? (await ctx.history.getOperation(id));
        if (!op) throw new Error(`no operation '${id}'; list_operations shows recent ids`);
        return ok(operationText(op), operationView(op));
      }),
  );
}
