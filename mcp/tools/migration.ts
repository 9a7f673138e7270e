// Migration reads: PVE's precondition for a VM and a target (check_migration, the seed's
// GET /vms/{id}/migrate/check) and the migration history (migration_history, GET /vms/{id}/migrate/history).
// The moves themselves are the generated migrate_vms, drain_node and undrain_node tools.
import { z } from 'zod';
import { defineTool, READS_CLUSTER, READS_LOCAL, type AnyToolSpec } from '../define-tool.js';
import type { ToolContext } from '../tool-context.js';
import { ok } from '../tool-result.js';

const MAX_RECORDS = 500;

const checkShape = {
  vmid: z.number(),
  name: z.string(),
  node: z.string(),
  target: z.string(),
  status: z.string(),
  allowed: z.boolean().describe('whether migrate_vms would start the move'),
  reasons: z.array(z.string()).describe('why not, when not allowed'),
  mode: z.enum(['online', 'offline', 'restart']).describe('restart: a running container (shut down, moved, started; it cannot move live)'),
  localDisks: z.array(z.object({ volid: z.string(), size: z.number(), drivename: z.string().optional(), cdrom: z.boolean().optional() })),
  localDiskBytes: z.number(),
  withLocalDisks: z.boolean().describe('what migrate_vms would send (detected when not given)'),
  localResources: z.array(z.string()),
  memoryBytes: z.number(),
  targetOnline: z.boolean(),
  haState: z.string().optional().describe("PVE HA's state when HA manages the VM: PVE's HA manager then does the move"),
};

const recordShape = z.object({
  id: z.string(),
  at: z.string(),
  vmid: z.number(),
  name: z.string().optional(),
  from: z.string(),
  to: z.string(),
  status: z.string().describe('succeeded, failed, cancelled, interrupted'),
  mode: z.string().optional().describe("online, offline, 'online, then offline' (the fallback), or restart (a running container: shut down, moved, started)"),
  stateBefore: z.string().optional(),
  stateAfter: z.string().optional(),
  durationMs: z.number().optional(),
  upids: z.array(z.string()).optional(),
  error: z.string().optional(),
  frontEnd: z.string().optional(),
  operationId: z.string().optional(),
  operationKind: z.string().optional(),
  drainedNode: z.string().optional(),
});

export function migrationTools(ctx: ToolContext): AnyToolSpec[] {
  const check = defineTool({
    name: 'check_migration',
    title: 'Check a migration',
    description: 'Whether a VM can move to a node, from PVE\'s precondition (local disks, devices, allowed nodes, HA). Changes nothing.',
    input: {
      vmid: z.number().int().min(100).describe('the VM'),
      target: z.string().min(1).describe('the node to check, e.g. pve2'),
      force: z.boolean().optional().describe('as migrate_vms force: local devices would not block'),
    },
    output: checkShape,
    annotations: READS_CLUSTER,
    run: async ({ vmid, target, force }) => {
      const c = await ctx.core.checkMigration(vmid, target, { force });
      const text = `VM ${c.vmid} ${c.name} on ${c.node} (${c.status}) to ${c.target}: ${c.allowed ? `can move ${c.mode}` : `cannot move: ${c.reasons.join('; ')}`}; local disks ${c.localDisks.length}${c.haState ? `; HA-managed (${c.haState})` : ''}`;
      return ok(text, { ...c });
    },
  });

  const history = defineTool({
    name: 'migration_history',
    title: 'Migration history',
    description: 'Recorded migrations (migrate_vms, drain_node, undrain_node), newest first; narrow by vmid or drained node.',
    input: {
      vmid: z.number().int().min(100).optional().describe('only this VM'),
      drainedNode: z.string().min(1).optional().describe('only moves of drains and undrains of this node'),
      limit: z.number().int().min(1).max(MAX_RECORDS).optional().describe('default 50'),
    },
    output: { total: z.number().describe('records returned'), migrations: z.array(recordShape) },
    annotations: READS_LOCAL,
    run: async ({ vmid, drainedNode, limit = 50 }) => {
      const records = await ctx.history.listMigrations({ vmid, drainedNode, limit });
      const rows = records.map((m) => ({
        id: m.id,
        at: new Date(m.at).toISOString(),
        vmid: m.vmid,
        name: m.name,
        from: m.from,
        to: m.to,
        status: m.status,
        mode: m.mode,
        stateBefore: m.stateBefore,
        stateAfter: m.stateAfter,
        durationMs: m.durationMs,
        upids: m.upids,
        error: m.error,
        frontEnd: m.frontEnd,
        operationId: m.operationId,
        operationKind: m.operationKind,
        drainedNode: m.drainedNode,
      }));
      const failed = rows.filter((m) => m.status !== 'succeeded').length;
      const text = rows.length ? `${rows.length} migration(s), newest first${failed ? `, ${failed} not succeeded` : ''} (rows in structuredContent.migrations).` : 'no migrations recorded';
      return ok(text, { total: rows.length, migrations: rows });
    },
  });
  return [check, history];
}
