// power_vms: bulk power with the seed's fields; STOP is destructive and needs a confirm token.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { VmSelector } from '../../src/select/types.js';
import { runMutation, type RequestExtra } from '../mutation.js';
import { mutationShape, selectionOf, selectionShape } from '../schemas.js';
import type { ToolContext } from '../tool-context.js';
import { guarded } from '../tool-result.js';

export function registerPowerTools(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'power_vms',
    {
      title: 'Power VMs',
      description:
        'START, STOP, SHUTDOWN, REBOOT, SUSPEND or RESUME the selected VMs. Success means the VM reached the target state. always-on VMs are never stopped unless force. STOP (hard) is destructive: the first call returns the plan and a confirmToken.',
      inputSchema: {
        ...selectionShape,
        operation: z.enum(['START', 'STOP', 'SHUTDOWN', 'REBOOT', 'SUSPEND', 'RESUME']),
        skipIfAlreadyInState: z.boolean().optional().describe('default true'),
        force: z.boolean().optional().describe('SHUTDOWN falls back to stop after the timeout; overrides always-on, safe mode and protection'),
        timeoutSeconds: z.number().int().min(30).max(3600).optional().describe('graceful timeout (default 300)'),
        maxParallel: z.number().int().min(1).max(20).optional(),
        dryRun: z.boolean().optional(),
        wait: z.boolean().optional(),
        confirm: z.string().optional().describe('the confirmToken from the plan answer (STOP only)'),
      },
      outputSchema: mutationShape,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    (args, extra) =>
      guarded(() =>
        runMutation(ctx, extra as unknown as RequestExtra, {
          tool: 'power_vms',
          destructive: args.operation === 'STOP',
          confirm: args.confirm,
          wait: args.wait,
          request: {
            vmSelectors: selectionOf(args as { selector?: string; vmSelectors?: VmSelector[] }),
            operation: args.operation,
            skipIfAlreadyInState: args.skipIfAlreadyInState,
            force: args.force,
            timeoutSeconds: args.timeoutSeconds,
            maxParallel: args.maxParallel,
            dryRun: args.dryRun,
          },
          execute: (req, run) => ctx.core.power(req, run),
        }),
      ),
  );
}
