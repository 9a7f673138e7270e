// Snapshot tools: list, bulk create, bulk delete (destructive: confirm token), rollback (destructive).
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { runMutation, type RequestExtra } from '../mutation.js';
import { mutationShape, selectionOf, selectionShape } from '../schemas.js';
import type { ToolContext } from '../tool-context.js';
import { guarded, ok } from '../tool-result.js';
import type { VmSelector } from '../../src/select/types.js';

const common = {
  maxParallel: z.number().int().min(1).max(20).optional().describe('VMs at once (default 5)'),
  dryRun: z.boolean().optional().describe('only return the plan; change nothing'),
  wait: z.boolean().optional().describe('false: return at once with an operation id (see get_operation)'),
};
const confirmField = { confirm: z.string().optional().describe('the confirmToken from the plan answer; required to act') };

export function registerSnapshotTools(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'list_snapshots',
    {
      title: 'List snapshots',
      description: "A VM's snapshots (without PVE's `current` entry), with TTL and whether moxxie made them.",
      inputSchema: { vmid: z.number().int().min(100) },
      outputSchema: { vmid: z.number(), snapshots: z.array(z.object({ name: z.string(), description: z.string(), snaptime: z.number().optional(), vmstate: z.boolean(), ttlHours: z.number().optional(), expiresAt: z.number().optional(), moxxieMade: z.boolean() })) },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    ({ vmid }) =>
      guarded(async () => {
        const snaps = await ctx.core.listSnapshots(vmid);
        return ok(`${snaps.length} snapshot(s) on VM ${vmid}${snaps.length ? `: ${snaps.map((s) => s.name).join(', ')}` : ''}`, {
          vmid,
          snapshots: snaps.map((s) => ({ name: s.name, description: s.description, snaptime: s.snaptime, vmstate: s.vmstate, ttlHours: s.ttlHours, expiresAt: s.expiresAt, moxxieMade: s.moxxieMade })),
        });
      }),
  );

  server.registerTool(
    'create_snapshots',
    {
      title: 'Create snapshots',
      description:
        'Snapshot every selected VM. snapshotName may use {vm} {vmid} {date} {time} {datetime}; ttlHours marks the snapshot for TTL cleanup. Waits for every PVE task; sends progress notifications when given a progress token.',
      inputSchema: {
        ...selectionShape,
        snapshotName: z.string().describe('name or template, e.g. "maint-{vm}-{date}"'),
        description: z.string().optional(),
        ttlHours: z.number().int().min(1).max(8760).optional(),
        includeMemory: z.boolean().optional().describe('save RAM state (running VMs)'),
        ...common,
      },
      outputSchema: mutationShape,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    (args, extra) =>
      guarded(() =>
        runMutation(ctx, extra as unknown as RequestExtra, {
          tool: 'create_snapshots',
          destructive: false,
          wait: args.wait,
          request: { vmSelectors: selectionOf(args as { selector?: string; vmSelectors?: VmSelector[] }), snapshotName: args.snapshotName, description: args.description, ttlHours: args.ttlHours, includeMemory: args.includeMemory, maxParallel: args.maxParallel, dryRun: args.dryRun },
          execute: (req, run) => ctx.core.createSnapshots(req, run),
        }),
      ),
  );

  server.registerTool(
    'delete_snapshots',
    {
      title: 'Delete snapshots',
      description:
        'Delete snapshots on the selected VMs by exact name, name glob, age or expired TTL. Only snapshots moxxie made unless moxxieOnly is false. Destructive: the first call returns the plan and a confirmToken; call again with confirm to act.',
      inputSchema: {
        ...selectionShape,
        snapshotName: z.string().optional(),
        namePattern: z.string().optional().describe('glob over snapshot names'),
        olderThanHours: z.number().int().min(1).optional(),
        expiredOnly: z.boolean().optional().describe('only snapshots whose (TTL: Nh) has run out'),
        moxxieOnly: z.boolean().optional().describe('default true'),
        force: z.boolean().optional().describe('override safe mode and PVE protection'),
        ...common,
        ...confirmField,
      },
      outputSchema: mutationShape,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    },
    (args, extra) =>
      guarded(() =>
        runMutation(ctx, extra as unknown as RequestExtra, {
          tool: 'delete_snapshots',
          destructive: true,
          confirm: args.confirm,
          wait: args.wait,
          request: {
            vmSelectors: selectionOf(args as { selector?: string; vmSelectors?: VmSelector[] }),
            snapshotName: args.snapshotName,
            namePattern: args.namePattern,
            olderThanHours: args.olderThanHours,
            expiredOnly: args.expiredOnly,
            moxxieOnly: args.moxxieOnly,
            force: args.force,
            maxParallel: args.maxParallel,
            dryRun: args.dryRun,
          },
          execute: (req, run) => ctx.core.deleteSnapshots(req, run),
        }),
      ),
  );

  server.registerTool(
    'rollback_snapshot',
    {
      title: 'Roll back to a snapshot',
      description: 'Roll the selected VMs back to a snapshot (state since then is lost), optionally starting them. Destructive: the first call returns the plan and a confirmToken.',
      inputSchema: { ...selectionShape, snapshotName: z.string(), start: z.boolean().optional(), force: z.boolean().optional(), ...common, ...confirmField },
      outputSchema: mutationShape,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    (args, extra) =>
      guarded(() =>
        runMutation(ctx, extra as unknown as RequestExtra, {
          tool: 'rollback_snapshot',
          destructive: true,
          confirm: args.confirm,
          wait: args.wait,
          request: { vmSelectors: selectionOf(args as { selector?: string; vmSelectors?: VmSelector[] }), snapshotName: args.snapshotName, start: args.start, force: args.force, maxParallel: args.maxParallel, dryRun: args.dryRun },
          execute: (req, run) => ctx.core.rollbackSnapshot(req, run),
        }),
      ),
  );
}
