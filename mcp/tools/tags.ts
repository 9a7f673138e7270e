// tag_vms: ADD, REMOVE or REPLACE tags on a selection; REMOVE and REPLACE need confirmation.
import { z } from 'zod';
import { runBulk } from '../bulk-operation.js';
import { defineTool, type AnyToolSpec } from '../define-tool.js';
import { bulkOptionsShape, bulkOutputShape, confirmInputShape, selectionOf, selectionShape, type SelectionArgs } from '../schemas.js';
import type { ToolContext } from '../tool-context.js';

export function tagTools(ctx: ToolContext): AnyToolSpec[] {
  const tagVms = defineTool({
    name: 'tag_vms',
    title: 'Tag VMs',
    description:
      'ADD, REMOVE or REPLACE tags on the selected VMs (PVE tag rules; other tags and concurrent edits are kept). REMOVE and REPLACE are destructive: the first call answers with the plan and a confirmation step.',
    input: {
      ...selectionShape,
      action: z.enum(['ADD', 'REMOVE', 'REPLACE']).describe('REPLACE sets exactly these tags'),
      tags: z.array(z.string()).describe('e.g. ["env-test","workshop"]; REPLACE with [] removes every tag'),
      force: z.boolean().optional().describe('override safe mode for REMOVE/REPLACE'),
      ...bulkOptionsShape,
      ...confirmInputShape,
    },
    output: bulkOutputShape,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    run: (args, extra) =>
      runBulk(ctx, extra, {
        tool: 'tag_vms',
        kind: 'tags',
        confirm: args.confirm,
        wait: args.wait,
        request: { vmSelectors: selectionOf(args as SelectionArgs), action: args.action, tags: args.tags, force: args.force, maxParallel: args.maxParallel, dryRun: args.dryRun },
        execute: (req, run) => ctx.core.applyTags(req, run),
      }),
  });
  return [tagVms];
}
