// Every tool moxxie serves, in the order tools/list shows them: inspect, snapshots, power, tags, jobs, operations,
// task logs.
import type { AnyToolSpec } from './define-tool.js';
import type { ToolContext } from './tool-context.js';
import { jobTools } from './tools/jobs.js';
import { operationTools } from './tools/operations.js';
import { powerTools } from './tools/power.js';
import { snapshotTools } from './tools/snapshots.js';
import { tagTools } from './tools/tags.js';
import { taskTools } from './tools/tasks.js';
import { vmTools } from './tools/vms.js';

export function toolCatalog(ctx: ToolContext): AnyToolSpec[] {
  return [...vmTools(ctx), ...snapshotTools(ctx), ...powerTools(ctx), ...tagTools(ctx), ...jobTools(ctx), ...operationTools(ctx), ...taskTools(ctx)];
}
