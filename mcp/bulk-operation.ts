// The one path every bulk tool takes: read-only refusal, dry runs, the confirmation step for destructive
// requests, progress notifications, and answering at once with an operation id when asked (wait: false).
import { CAPABILITIES, needsConfirmation } from '../src/ops/capabilities/index.js';
import type { BulkOptions, Operation, OperationKind, RunOptions } from '../src/ops/types.js';
import { confirmGate, type ConfirmationFields } from './confirm-gate.js';
import type { ToolExtra } from './define-tool.js';
import { operationText, operationView, personQuestion, planFingerprint, type OperationView } from './operation-view.js';
import { progressReporter } from './progress.js';
import { zeroMatchHints } from './selector-hints.js';
import type { VmSelector } from '../src/select/types.js';
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
    ctx.plans.keep(plan);
    return ok(await planText(ctx, call.request, plan), { ...operationView(plan), needsConfirmation: false });
  }

  let confirmedVia: 'token' | 'elicitation' | undefined;
  if (needsConfirmation(call.kind, call.request, ctx.core.context)) {
    const gate = await confirmGate(ctx, extra, {
      tool: call.tool,
      request: boundRequest(call.kind, call.request),
      confirm: call.confirm,
      plan: async () => {
        const plan = await call.execute({ ...call.request, dryRun: true }, { frontEnd: 'mcp', signal: extra.signal });
        ctx.plans.keep(plan);
        return { text: await planText(ctx, call.request, plan), question: personQuestion(plan), fingerprint: planFingerprint(plan), affected: plan.targets.filter((t) => t.state === 'planned').length, view: operationView(plan) };
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
  // A client's timeout must never cancel work: the call waits at most maxWaitMs, then answers with the
  // operation as it stands; the operation runs on. Only the user cancelling (or cancel_operation) cancels.
  const cancel = new AbortController();
  const onAbort = () => {
    if (!isClientTimeout(extra.signal.reason)) cancel.abort(extra.signal.reason);
  };
  extra.signal.addEventListener('abort', onAbort, { once: true });
  let current: Operation | undefined;
  let markStarted!: (op: Operation) => void;
  const started = new Promise<Operation>((resolve) => (markStarted = resolve));
  const finished = call.execute(call.request, {
    frontEnd: 'mcp',
    signal: cancel.signal,
    onStarted: (op) => {
      current = op;
      markStarted(op);
    },
    onEvent: (event) => {
      if (event.type === 'operation-started' || event.type === 'operation-finished') current = event.operation;
      progress.listener?.(event);
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    finished.then((op) => ({ op })),
    new Promise<{ timedOut: true }>((resolve) => (timer = setTimeout(() => resolve({ timedOut: true }), ctx.maxWaitMs ?? DEFAULT_MAX_WAIT_MS))),
  ]).finally(() => clearTimeout(timer));
  await progress.flush();
  const extraFields = { needsConfirmation: false, ...(confirmedVia ? { confirmedVia } : {}) };
  if ('op' in outcome) {
    extra.signal.removeEventListener('abort', onAbort);
    return ok(operationText(outcome.op), { ...operationView(outcome.op), ...extraFields });
  }
  // Still running: detach from this request (a late client cancellation no longer applies) and say how to follow it.
  extra.signal.removeEventListener('abort', onAbort);
  finished.catch(() => undefined);
  // Not started within the wait (planning a very large selection): the answer still needs its id.
  current ??= await Promise.race([started, finished]);
  const view = operationView(current);
  const waitedMs = ctx.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const seconds = (waitedMs / 1000).toFixed(waitedMs < 10_000 ? 1 : 0);
  return ok(
    `${operationText(current)}\nStill running after ${seconds} s; it goes on in the background (a client timeout never cancels it). Follow it with get_operation {"id":"${current.id}"}; stop starting new steps with cancel_operation.`,
    { ...view, ...extraFields },
  );
}

/** A plan's summary; a selection that matched no VM says why and what was probably meant. */
async function planText(ctx: ToolContext, request: BulkOptions, plan: Operation): Promise<string> {
  const selection = (request as { vmSelectors?: string | VmSelector[] }).vmSelectors;
  if (plan.targets.length || selection === undefined) return operationText(plan);
  const hints = zeroMatchHints(selection, (await ctx.core.resolve('all')).vms);
  return [`The selection matches no VM.`, ...hints, operationText(plan)].join('\n');
}

/**
 * What a confirm token is bound to: the request as the capability reads it (defaults filled in), without
 * dryRun — so `dryRun: false`, a default spelled out, or the key order does not invalidate a token, while any
 * change to what the request does does.
 */
export function boundRequest(kind: OperationKind, request: object): unknown {
  const parsed = CAPABILITIES[kind].schema.safeParse(request);
  const { dryRun: _dryRun, ...meaning } = (parsed.success ? parsed.data : request) as Record<string, unknown>;
  return meaning;
}

/** How long a waiting bulk call waits before it answers with the operation id (well under the SDK's 60 s default timeout). */
export const DEFAULT_MAX_WAIT_MS = 40_000;

/** The SDK's client cancels a request that timed out with the reason "Request timed out": that is not the user cancelling. */
function isClientTimeout(reason: unknown): boolean {
  const text = reason instanceof Error ? reason.message : String(reason ?? '');
  return /timed?[ -]?out/i.test(text);
}
