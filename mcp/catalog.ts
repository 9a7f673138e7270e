// Every tool moxxie serves, in the order tools/list shows them: inspect, snapshots, one tool per capability
// of the core's registry, jobs, operations, task logs.
import { capabilityTools } from './capability-tools.js';
import type { AnyToolSpec } from './define-tool.js';
import type { ToolContext } from './tool-context.js';
import { backupTools } from './tools/backups.js';
import { clusterTools } from './tools/cluster.js';
import { clusterStatusTools } from './tools/cluster-status.js';
import { continuationTools } from './tools/continue-operation.js';
import { imageSourceTools } from './tools/image-sources.js';
import { jobTools } from './tools/jobs.js';
import { migrationTools } from './tools/migration.js';
import { operationTools } from './tools/operations.js';
import { retentionTools } from './tools/retention.js';
import { snapshotTools } from './tools/snapshots.js';
import { storageTools } from './tools/storage.js';
import { taskTools } from './tools/tasks.js';
import { vmTools } from './tools/vms.js';

export function toolCatalog(ctx: ToolContext): AnyToolSpec[] {
  return [...vmTools(ctx), ...imageSourceTools(ctx), ...storageTools(ctx), ...snapshotTools(ctx), ...backupTools(ctx), ...retentionTools(ctx), ...capabilityTools(ctx), ...migrationTools(ctx), ...jobTools(ctx), ...operationTools(ctx), ...continuationTools(ctx), ...taskTools(ctx), ...clusterTools(ctx), ...clusterStatusTools(ctx)];
}
