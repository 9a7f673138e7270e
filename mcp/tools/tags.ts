// tag_vms: ADD, REMOVE or REPLACE tags on a selection; removal and replacement need a confirm token.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { VmSelector } from '../../src/select/types.js';
import { runMutation, type RequestExtra } from '../mutation.js';
import { mutationShape, selectionOf, selectionShape } from '../schemas.js';
import type { ToolContext } from '../tool-context.js';
import { guarded } from '../tool-result.js';

export function registerTagTools(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'tag_vms',
    {
      title: 'Tag VMs',
      description: 'ADD, REMOVE or REPLACE tags on the selected VMs (PVE tag rules; concurrent edits are not lost). REMOVE and REPLACE are destructive: the first call returns the plan and a confirmToken.',
      inputSchema: {
        ...selectionShape,
        action: z.enum(['ADD', 'REMOVE', 'REPLACE']),
        tags: z.array(z.string()).describe('e.g. ["env-test","workshop"]'),
        force: z.boolean().optional().describe('override safe mode for REMOVE/REPLACE'),
        maxParallel: z.number().int().min(1).max(20).optional(),
        dryRun: z.boolean().optional(),
        wait: z.boolean().optional(),
        confirm: z.string().optional(),
      },
      outputSchema: mutationShape,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    },
    (args, extra) =>
      guarded(() =>
        runMutation(ctx, extra as unknown as RequestExtra, {
          tool: 'tag_vms',
          destructive: args.action !== 'ADD',
          confirm: args.confirm,
          wait: args.wait,
          request: { vmSelectors: selectionOf(args as { selector?: string; vmSelectors?: VmSelector[] }), action: args.action, tags: args.tags, force: args.force, maxParallel: args.maxParallel, dryRun: args.dryRun },
          execute: (req, run) => ctx.core.applyTags(req, run),
        }),
      ),
  );
}
