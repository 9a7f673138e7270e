// The one path every mutating tool takes: read-only refusal, the confirm-token step for destructive
// requests, progress notifications, and returning at once with an operation id when asked.
import type { RunOptions } from '../src/ops/types.js';
import type { Operation, OperationEvent } from '../src/ops/types.js';
import { operationText, operationView } from './schemas.js';
import type { ToolContext } from './tool-context.js';
import { failure, ok, type ToolResult } from './tool-result.js';

export interface RequestExtra {
  _meta?: { progressToken?: string | number };
  sendNotification: (n: { method: 'notifications/progress'; params: { progressToken: string | number; progress: number; total?: number; message?: string } }) => Promise<void>;
  signal?: AbortSignal;
}

export interface MutationInput<R> {
  tool: string;
  request: R & { dryRun?: boolean };
  destructive: boolean;
  confirm?: string;
  /** false: answer as soon as the operation starts, with its id for get_operation. */
  wait?: boolean;
  execute: (request: R & { dryRun?: boolean }, run: RunOptions) => Promise<Operation>;
}

export async function runMutation<R>(ctx: ToolContext, extra: RequestExtra, input: MutationInput<R>): Promise<ToolResult> {
  if (ctx.readOnly && !input.request.dryRun) {
    return failure(new Error(`${input.tool} is refused: this MCP server runs read-only. Use dryRun: true to preview, or ask the operator to start it without --read-only.`));
  }
  if (input.destructive && !input.request.dryRun) {
    if (!input.confirm) {
      const plan = await input.execute({ ...input.request, dryRun: true }, { frontEnd: 'mcp' });
      const token = ctx.confirmations.issue(input.tool, input.request);
      const planned = plan.targets.filter((t) => t.state === 'planned').length;
      return ok(
        `${operationText(plan)}\nThis is destructive: ${planned} VM(s) would be affected. Nothing was changed. To proceed, call ${input.tool} again with the same arguments plus confirm: "${token}" (valid 5 minutes, once).`,
        { ...operationView(plan), needsConfirmation: true, confirmToken: token },
      );
    }
    const why = ctx.confirmations.redeem(input.tool, input.request, input.confirm);
    if (why) return failure(new Error(why));
  }

  const progressToken = extra._meta?.progressToken;
  let total = 0;
  let finished = 0;
  const onEvent = (e: OperationEvent) => {
    if (progressToken === undefined) return;
    if (e.type === 'operation-started') {
      total = e.operation.targets.filter((t) => t.state === 'planned').length;
      void extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress: 0, total, message: `${e.operation.kind}: ${total} VM(s)` } }).catch(() => {});
    } else if (e.type === 'target-updated' && ['succeeded', 'failed', 'cancelled'].includes(e.target.state)) {
      finished++;
      void extra
        .sendNotification({ method: 'notifications/progress', params: { progressToken, progress: finished, total, message: `${e.target.vmid} ${e.target.name}: ${e.target.state}` } })
        .catch(() => {});
    }
  };

  if (input.wait === false && !input.request.dryRun) {
    const started = await new Promise<Operation | Error>((resolve) => {
      input.execute(input.request, { frontEnd: 'mcp', onEvent, onStarted: (op) => resolve(op) }).then(
        (op) => resolve(op),
        (err: Error) => resolve(err),
      );
    });
    if (started instanceof Error) return failure(started);
    return ok(`${started.kind} started as operation ${started.id} on ${started.targets.filter((t) => t.state === 'planned' || t.state === 'running').length} VM(s); follow it with get_operation.`, {
      ...operationView(started),
      needsConfirmation: false,
    });
  }
  const op = await input.execute(input.request, { frontEnd: 'mcp', onEvent, signal: extra.signal });
  return ok(operationText(op), { ...operationView(op), needsConfirmation: false });
}
