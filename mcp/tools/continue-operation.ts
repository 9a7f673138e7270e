// resume_operation and rollback_operation: finish an operation that was interrupted (its moxxie process
// died), failed or was cancelled, from PVE's real state — or undo what it did, in reverse order. Both show
// their plan first when what they continue or undo is destructive.
import { z } from 'zod';
import { needsConfirmation } from '../../src/ops/capabilities/index.js';
import type { Operation } from '../../src/ops/types.js';
import { confirmGate } from '../confirm-gate.js';
import { defineTool, type AnyToolSpec, type ToolExtra } from '../define-tool.js';
import { operationText, operationView, planFingerprint } from '../operation-view.js';
import { progressReporter } from '../progress.js';
import { OPERATION_LISTED_OUTPUT, bulkOutputShape, confirmInputShape } from '../schemas.js';
import type { ToolContext } from '../tool-context.js';
import { ToolInputError, ok } from '../tool-result.js';

type Mode = 'resume' | 'rollback';

async function continueOp(ctx: ToolContext, extra: ToolExtra, mode: Mode, args: { operationId: string; dryRun?: boolean; confirm?: string }) {
  const tool = `${mode}_operation`;
  if (ctx.readOnly && !args.dryRun) {
    throw new ToolInputError(`${tool} is refused: this MCP server is read-only. Preview with dryRun: true, or ask the operator to start moxxie mcp without --read-only.`);
  }
  const plan = await ctx.core.planContinuation(args.operationId, mode);
  if (args.dryRun) return ok(operationText(plan), { ...operationView(plan), needsConfirmation: false });
  // A rollback always changes what the operation did; a resume only when the operation itself was destructive.
  const gated = mode === 'rollback' || needsConfirmation(plan.kind, (plan.request ?? {}) as object, ctx.core.context);
  let confirmedVia: 'token' | 'elicitation' | undefined;
  if (gated) {
    const gate = await confirmGate(ctx, extra, {
      tool,
      request: { operationId: args.operationId },
      confirm: args.confirm,
      plan: async () => {
        const p = await ctx.core.planContinuation(args.operationId, mode);
        return { text: operationText(p), fingerprint: planFingerprint(p), affected: p.targets.filter((t) => t.state === 'planned').length, view: operationView(p) };
      },
    });
    if (!gate.proceed) return gate.result;
    confirmedVia = gate.via;
  } else if (args.confirm !== undefined) {
    throw new ToolInputError(`${tool} of this operation is not destructive and takes no confirm token; call it again without confirm`);
  }
  const progress = progressReporter(extra);
  const run = { frontEnd: 'mcp' as const, signal: extra.signal, onEvent: progress.listener };
  const op: Operation = mode === 'resume' ? await ctx.core.resume(args.operationId, run) : await ctx.core.rollback(args.operationId, run);
  await progress.flush();
  return ok(operationText(op), { ...operationView(op), needsConfirmation: false, ...(confirmedVia ? { confirmedVia } : {}) });
}

export function continuationTools(ctx: ToolContext): AnyToolSpec[] {
  const input = {
    operationId: z.string().describe('from list_operations'),
    dryRun: z.boolean().optional().describe('only show what would be done'),
    ...confirmInputShape,
  };
  const resume = defineTool({
    name: 'resume_operation',
    title: 'Resume an operation',
    description: 'Finish an interrupted, failed or cancelled operation from PVE\'s real state; steps already done are not repeated.',
    input,
    output: bulkOutputShape,
    listedOutput: OPERATION_LISTED_OUTPUT,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    run: (args, extra) => continueOp(ctx, extra, 'resume', args),
  });
  const rollback = defineTool({
    name: 'rollback_operation',
    title: 'Roll back an operation',
    description: 'Undo what an operation did, in reverse order; the plan says what cannot be undone.',
    input,
    output: bulkOutputShape,
    listedOutput: OPERATION_LISTED_OUTPUT,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    run: (args, extra) => continueOp(ctx, extra, 'rollback', args),
  });
  return [resume, rollback];
}
