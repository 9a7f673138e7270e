// Provisioning status for an assistant: `get_cluster_status` (one operation in the seed's shape, live or from
// history, so after a crash it says which VM reached which phase) and `list_cluster_operations` (newest
// first). Provision is the generated `provision_cluster` tool; cancel, resume and rollback are the operation
// tools (cancel_operation: the run then applies its rollback strategy).
import { z } from 'zod';
import { type ProvisioningProgress } from '../../src/ops/provisioning/progress.js';
import { provisioningStatusShape } from '../../src/ops/provisioning/progress-schema.js';
import { defineTool, READS_LOCAL, type AnyToolSpec } from '../define-tool.js';
import type { ToolContext } from '../tool-context.js';
import { ok, ToolInputError } from '../tool-result.js';
import { RequestError } from '../../src/ops/errors.js';

const progressShape = {
  ...provisioningStatusShape,
  logs: z
    .array(z.object({ name: z.string(), vmId: z.number(), entries: z.array(z.object({ phase: z.string(), state: z.string(), upids: z.array(z.string()), message: z.string().optional(), startedAt: z.number().optional(), finishedAt: z.number().optional(), undo: z.object({ state: z.string(), upids: z.array(z.string()), message: z.string().optional() }).optional() })) }))
    .describe('per VM, each phase with the UPIDs of its PVE tasks (and its undo in a rollback)'),
};

const line = (p: ProvisioningProgress) => `${p.operationId} ${p.clusterName}: ${p.status} ${p.progressPercentage}% (${p.successfulNodes} ready, ${p.failedNodes} failed of ${p.totalNodes}) — ${p.currentOperation}`;

export function clusterStatusTools(ctx: ToolContext): AnyToolSpec[] {
  const status = defineTool({
    name: 'get_cluster_status',
    title: 'Get a cluster provisioning status',
    description:
      "A provisioning operation in the seed's shape: status, progressPercentage, currentOperation and per VM its host, id, status, phase and task UPIDs. Follow a provision_cluster until status is no longer PENDING, PROVISIONING or ROLLING_BACK. After a crash it shows which VM reached which phase (resume_operation or rollback_operation continue it).",
    input: { operationId: z.string().describe('from provision_cluster or list_cluster_operations') },
    output: progressShape,
    annotations: READS_LOCAL,
    run: async ({ operationId }) => {
      try {
        const p = await ctx.core.provisioningStatus(operationId);
        const rows = p.nodeStates.map((n) => `  ${n.name} ${n.vmId} on ${n.host}: ${n.status}${n.phase ? ` (${n.phase})` : ''}${n.message ? ` — ${n.message}` : ''}`);
        return ok([line(p), ...rows].join('\n'), { ...p });
      } catch (err) {
        if (err instanceof RequestError) throw new ToolInputError(err.message);
        throw err;
      }
    },
  });
  const list = defineTool({
    name: 'list_cluster_operations',
    title: 'List cluster provisioning operations',
    description: "Provisioning operations of this context, newest first (running ones and finished ones from history), each in the seed's status shape.",
    input: { limit: z.number().int().min(1).max(500).optional().describe('how many (default 50)') },
    output: { operations: z.array(z.object(progressShape)) },
    annotations: READS_LOCAL,
    run: async ({ limit }) => {
      const operations = await ctx.core.listProvisioning({ limit: limit ?? 50 });
      return ok(operations.length ? operations.map(line).join('\n') : 'No provisioning operations yet.', { operations: operations.map((p) => ({ ...p })) });
    },
  });
  return [status, list];
}
