// The seed's provisioning status as a schema, declared once for the front ends that publish it (the MCP
// tool's output schema, the REST routes' response schema and OpenAPI). The values come from progress.ts.
import { z } from 'zod';
import { NODE_STATUSES, PROVISIONING_STATUSES } from './progress.js';

export const provisioningNodeStateSchema = z.object({
  name: z.string(),
  nodeGroup: z.string(),
  vmId: z.number(),
  host: z.string(),
  status: z.enum(NODE_STATUSES),
  phase: z.string().optional().describe('the phase it is in or failed in: clone, import, migrate, configure, resize, start, verify'),
  message: z.string().optional(),
});

/** The status fields, without the per-VM logs (REST serves those at their own link). */
export const provisioningStatusShape = {
  operationId: z.string(),
  clusterName: z.string(),
  status: z.enum(PROVISIONING_STATUSES),
  progressPercentage: z.number(),
  currentOperation: z.string(),
  totalNodes: z.number(),
  successfulNodes: z.number(),
  failedNodes: z.number(),
  nodeStates: z.array(provisioningNodeStateSchema),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
};
