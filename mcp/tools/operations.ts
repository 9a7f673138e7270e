// Operation tools: what moxxie did or is doing — this process's live operations first, then history
// (shared by the TUI, the scheduler and other MCP servers of the same context) — and cancelling one that
// runs in this process.
import { z } from 'zod';
import { ownerGone } from '../../src/history/process-owner.js';
import { recentOperations } from '../../src/history/recent-operations.js';
import type { Operation, OperationEvent, OperationTarget, TargetState } from '../../src/ops/types.js';
import { defineTool, READS_LOCAL, type AnyToolSpec } from '../define-tool.js';
import { countTargets, operationText, operationView } from '../operation-view.js';
import { OPERATION_LISTED_OUTPUT, operationShape, operationStatusSchema, targetCountsSchema, targetStateSchema } from '../schemas.js';
import type { ToolContext } from '../tool-context.js';
import { ToolInputError, ok } from '../tool-result.js';


/** vmids listed per group of a cancel answer; the counts are always complete. */
const MAX_LISTED_VMIDS = 100;

const targetGroupSchema = z.object({ count: z.number(), vmids: z.array(z.number()).describe(`at most ${MAX_LISTED_VMIDS}, lowest first`) });

function targetGroup(targets: OperationTarget[], states: TargetState[]): z.infer<typeof targetGroupSchema> {
  const vmids = targets.filter((t) => states.includes(t.state)).map((t) => t.vmid).sort((a, b) => a - b);
  return { count: vmids.length, vmids: vmids.slice(0, MAX_LISTED_VMIDS) };
}

/** Once nothing is running the operation ends within a few ticks; this only guards against waiting forever. */
const SETTLE_TIMEOUT_MS = 2000;

export function operationTools(ctx: ToolContext): AnyToolSpec[] {
  const listOperations = defineTool({
    name: 'list_operations',
    title: 'List operations',
    description: 'Recent operations from every front end (TUI, MCP, scheduler), newest first; get_operation shows one.',
    input: {
      status: operationStatusSchema.optional(),
      limit: z.number().int().min(1).max(100).optional().describe('default 20'),
      offset: z.number().int().min(0).optional(),
    },
    output: {
      operations: z.array(
        z.object({ id: z.string(), kind: z.string(), label: z.string(), status: z.string(), dryRun: z.boolean(), frontEnd: z.string(), startedAt: z.string(), targets: z.number(), counts: targetCountsSchema }),
      ),
    },
    annotations: READS_LOCAL,
    run: async ({ status, limit = 20, offset = 0 }) => {
      const ops = await recentOperations(ctx.core.operations.list(), ctx.history, { status, limit, offset });
      const rows = ops.map((o) => ({
        id: o.id,
        kind: o.kind,
        label: o.label,
        status: o.status,
        dryRun: o.dryRun,
        frontEnd: o.frontEnd,
        startedAt: new Date(o.startedAt).toISOString(),
        targets: o.targetCount,
        counts: { ...countTargets([]), ...o.counts },
      }));
      const newest = rows[0];
      const text = newest
        ? `${rows.length} operation(s), newest first (rows in structuredContent.operations); newest: ${newest.id} ${newest.label} ${newest.status}.`
        : status ? `No operation has status ${status}${offset ? ` past the first ${offset}` : ''}; list_operations without status lists them all.` : 'No operations yet.';
      return ok(text, { operations: rows });
    },
  });

  const getOperation = defineTool({
    name: 'get_operation',
    title: 'Get an operation',
    description: 'Follow an operation, or review a plan by its id before confirming it: counts, every skip reason, per-VM rows paged (failures first).',
    input: {
      id: z.string().describe("an operation's or a plan's id"),
      state: targetStateSchema.optional().describe('only rows in this state, e.g. "failed"'),
      offset: z.number().int().min(0).optional(),
      limit: z.number().int().min(1).max(500).optional().describe('rows (default 50)'),
    },
    output: operationShape,
    listedOutput: OPERATION_LISTED_OUTPUT,
    annotations: READS_LOCAL,
    run: async ({ id, state, offset, limit }) => {
      const op = ctx.plans.get(id) ?? ctx.core.operations.get(id) ?? (await ctx.history.getOperation(id));
      if (!op) throw new ToolInputError(`no operation or plan '${id}'; list_operations shows recent ids (plans are kept 30 minutes by this server)`);
      return ok(operationText(op), operationView(op, { state, offset, limit }));
    },
  });

  const cancelOperation = defineTool({
    name: 'cancel_operation',
    title: 'Cancel an operation',
    description: 'Stop a running operation from starting new steps. Undoes nothing: finished VMs stay done, steps running at PVE finish.',
    input: { operationId: z.string().describe("a running operation's id") },
    output: {
      id: z.string(),
      kind: z.string(),
      status: operationShape.status.describe('after the cancel: "running" while started steps finish, then "cancelled"'),
      alreadyCancelling: z.boolean().describe('true: a cancel had already been asked for (by an earlier call, the TUI or a client that went away); this call changed nothing'),
      counts: targetCountsSchema.describe('targets by state'),
      cancelled: targetGroupSchema.describe('targets that will not run: cancelled before their step started'),
      alreadyFinished: targetGroupSchema.describe('targets that finished before the cancel (succeeded or failed); what they did stays'),
      stillRunning: targetGroupSchema.describe('steps already running at PVE: they finish and report their real outcome'),
    },
    listedOutput: ['id', 'status', 'cancelled', 'stillRunning'],
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    run: async ({ operationId }) => {
      const live = ctx.core.operations.get(operationId);
      if (!live) throw new ToolInputError(await notCancellableHere(operationId));
      if (live.finishedAt !== undefined) throw new ToolInputError(alreadyFinished(live));

      let settled!: () => void;
      const finished = new Promise<void>((resolve) => (settled = resolve));
      const unsubscribe = ctx.core.operations.subscribe((event: OperationEvent) => {
        if (event.type === 'operation-finished' && event.operation.id === operationId) settled();
      });
      let alreadyCancelling: boolean;
      try {
        // Synchronous: targets still queued are marked cancelled before this returns.
        alreadyCancelling = !ctx.core.operations.cancel(operationId);
        // With no step running the operation is over; wait for it so the answer carries the final status.
        if (!live.targets.some((t) => t.state === 'running')) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, SETTLE_TIMEOUT_MS)))]);
          clearTimeout(timer);
        }
      } finally {
        unsubscribe();
      }

      const cancelled = targetGroup(live.targets, ['cancelled']);
      const alreadyDone = targetGroup(live.targets, ['succeeded', 'failed']);
      const stillRunning = targetGroup(live.targets, ['running']);
      const lines = [
        `${alreadyCancelling ? 'Operation was already being cancelled' : 'Cancelled operation'} ${live.id} (${live.kind}), now ${live.status}: ${cancelled.count} VM(s) cancelled, ${alreadyDone.count} had already finished, ${stillRunning.count} still running.`,
      ];
      if (stillRunning.count) lines.push(`Steps already running at PVE finish and report their real outcome: follow with get_operation {"id":"${live.id}"}.`);
      return ok(lines.join('\n'), {
        id: live.id,
        kind: live.kind,
        status: live.status,
        alreadyCancelling,
        counts: countTargets(live.targets),
        cancelled,
        alreadyFinished: alreadyDone,
        stillRunning,
      });
    },
  });

  /** Why an id this process does not run cannot be cancelled: unknown, finished, or run by another process. */
  const notCancellableHere = async (id: string): Promise<string> => {
    const stored = await ctx.history.getOperation(id);
    if (!stored) return `operationId: no operation '${id}'; give the id of a running operation (list_operations {"status":"running"} shows them)`;
    if (stored.status !== 'running') return alreadyFinished(stored);
    if (ownerGone(stored.owner)) return `operationId: operation ${id} is not running: the moxxie process that ran it (pid ${stored.owner.pid}) is gone, so nothing can be cancelled`;
    return `operationId: operation ${id} runs in another moxxie process (started from ${stored.frontEnd}, pid ${stored.owner.pid} on ${stored.owner.host}), not in this MCP server, so it cannot be cancelled from here; cancel it where it runs (c in the TUI; stopping the scheduler cancels its runs)`;
  };

  return [listOperations, getOperation, cancelOperation];
}

function alreadyFinished(op: Operation): string {
  if (op.dryRun) return `operationId: operation ${op.id} is a dry run: it only made a plan and ran nothing, so there is nothing to cancel`;
  const when = op.finishedAt !== undefined ? ` at ${new Date(op.finishedAt).toISOString()}` : '';
  return `operationId: operation ${op.id} already finished (${op.status}${when}); there is nothing to cancel. get_operation {"id":"${op.id}"} shows its outcome`;
}
