// The one path every bulk tool takes: read-only refusal, dry runs, the confirmation step for destructive
// requests, progress notifications, and answering at once with an operation id when asked (wait: false).
import { needsConfirmation } from '../src/ops/capabilities/index.js';
import type { BulkOptions, Operation, OperationKind, RunOptions } from '../src/ops/types.js';
import { confirmGate, type ConfirmationFields } from './confirm-gate.js';
import type { ToolExtra } from './define-tool.js';
import { operationText, operationView, planFingerprint, type OperationView } from './operation-view.js';
import { progressReporter } from './progress.js';
import type { ToolContext } from './tool-context.js';
import { ToolInputError, ok, type ToolResult } from './tool-result.js';

export type BulkOutput = OperationView & ConfirmationFields;

export interface BulkCall<R extends BulkOptions> {
  tool: string;
  kind: OperationKind;
  request: R;
  confirm?: string;
  /** false: answer as soon as the operation starts, with its id for get_operation. */
  wait?: boolean;
  execute: (request: R, run: RunOptions) => Promise<Operation>;
}

export async function runBulk<R extends BulkOptions>(ctx: ToolContext, extra: ToolExtra, call: BulkCall<R>): Promise<ToolResult<BulkOutput>> {
  const dryRun = call.request.dryRun === true;
  if (ctx.readOnly && !dryRun) {
    throw new ToolInputError(`${call.tool} is refused: this MCP server is read-only. Preview with dryRun: true, or ask the operator to start moxxie mcp without --read-only (and with a context that is not read-only).`);
  }
  if (dryRun) {
    const plan = await call.execute(call.request, { frontEnd: 'mcp', signal: extra.signal });
    return ok(operationText(plan), { ...operationView(plan), needsConfirmation: false });
  }

  let confirmedVia: 'token' | 'elicitation' | undefined;
  if (needsConfirmation(call.kind, call.request, ctx.core.context)) {
    const gate = await confirmGate(ctx, extra, {
      tool: call.tool,
      request: call.request,
      confirm: call.confirm,
      plan: async () => {
        const plan = await call.execute({ ...call.request, dryRun: true }, { frontEnd: 'mcp', signal: extra.signal });
        return { text: operationText(plan), fingerprint: planFingerprint(plan), affected: plan.targets.filter((t) => t.state === 'planned').length, view: operationView(plan) };
      },
    });
    if (!gate.proceed) return gate.result;
    confirmedVia = gate.via;
  } else if (call.confirm !== undefined) {
    throw new ToolInputError(`${call.tool} with these arguments is not destructive and takes no confirm token; call it again without confirm`);
  }

  if (call.wait === false) {
    // No progress notifications here: they belong to a request that has already been answered.
    const started = await new Promise<Operation | Error>((resolve) => {
      call.execute(call.request, { frontEnd: 'mcp', onStarted: resolve }).then(resolve, (err: unknown) => resolve(err instanceof Error ? err : new Error(String(err))));
    });
    if (started instanceof Error) throw started;
    const view = operationView(started);
    return ok(`${operationText(started)}\nStarted in the background: follow it with get_operation {"id":"${started.id}"}.`, { ...view, needsConfirmation: false, ...(confirmedVia ? { confirmedVia } : {}) });
  }

  const progress = progressReporter(extra);
  const op = await call.execute(call.request, { frontEnd: 'mcp', signal: extra.signal, onEvent: progress.listener });
  await progress.flush();
  return ok(operationText(op), { ...operationView(op), needsConfirmation: false, ...(confirmedVia ? { confirmedVia } : {}) });
}
