// power_vms: bulk power with the seed's fields. STOP (a hard stop) and anything forced past always-on,
// safe mode or protection need confirmation.
import { z } from 'zod';
import { runBulk } from '../bulk-operation.js';
import { defineTool, type AnyToolSpec } from '../define-tool.js';
import { bulkOptionsShape, bulkOutputShape, confirmInputShape, selectionOf, selectionShape, type SelectionArgs } from '../schemas.js';
import type { ToolContext } from '../tool-context.js';

export function powerTools(ctx: ToolContext): AnyToolSpec[] {
  const powerVms = defineTool({
    name: 'power_vms',
    title: 'Power VMs',
    description:
      'START, STOP, SHUTDOWN, REBOOT, SUSPEND or RESUME the selected VMs. Success means the VM reached the target state. VMs already there are skipped (skipIfAlreadyInState, default true); always-on VMs are never stopped unless force. STOP, and any call with force, is destructive: the first call answers with the plan and a confirmation step.',
    input: {
      ...selectionShape,
      operation: z.enum(['START', 'STOP', 'SHUTDOWN', 'REBOOT', 'SUSPEND', 'RESUME']),
      skipIfAlreadyInState: z.boolean().optional().describe('default true'),
      force: z.boolean().optional().describe('SHUTDOWN stops hard after the timeout; overrides always-on, safe mode and PVE protection (needs confirmation)'),
      timeoutSeconds: z.number().int().min(30).max(3600).optional().describe('graceful timeout, 30-3600 (default 300)'),
      ...bulkOptionsShape,
      ...confirmInputShape,
    },
    output: bulkOutputShape,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    run: (args, extra) =>
      runBulk(ctx, extra, {
        tool: 'power_vms',
        kind: 'power',
        confirm: args.confirm,
        wait: args.wait,
        request: {
          vmSelectors: selectionOf(args as SelectionArgs),
          operation: args.operation,
          skipIfAlreadyInState: args.skipIfAlreadyInState,
          force: args.force,
          timeoutSeconds: args.timeoutSeconds,
          maxParallel: args.maxParallel,
          dryRun: args.dryRun,
        },
        execute: (req, run) => ctx.core.power(req, run),
      }),
  });
  return [powerVms];
}
