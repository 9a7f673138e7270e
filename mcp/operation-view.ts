// An Operation as a tool answer: counts, skip reasons, and a page of per-VM rows (failures first), so a
// 10,000-VM operation stays a few kilobytes. Also the one-paragraph text summary.
import type { z } from 'zod';
import { emptyCounts } from '../src/ops/runner.js';
import type { Operation, OperationTarget, PhaseRecord, TargetState } from '../src/ops/types.js';
import type { operationShape } from './schemas.js';

export type OperationView = z.infer<z.ZodObject<typeof operationShape>>;

export const DEFAULT_TARGET_ROWS = 50;

/** Rows an assistant most needs to see come first; the order is stable, so pages do not shift. */
const ROW_ORDER: TargetState[] = ['failed', 'interrupted', 'cancelled', 'running', 'planned', 'succeeded', 'rolled-back', 'skipped'];

export interface ViewOptions {
  limit?: number;
  offset?: number;
  state?: TargetState;
}

export function countTargets(targets: OperationTarget[]): Record<TargetState, number> {
  const counts = emptyCounts();
  for (const t of targets) counts[t.state]++;
  return counts;
}

export function skipReasons(targets: OperationTarget[]): Array<{ reason: string; count: number }> {
  const by = new Map<string, number>();
  for (const t of targets) if (t.state === 'skipped') by.set(t.message ?? 'skipped', (by.get(t.message ?? 'skipped') ?? 0) + 1);
  return [...by].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

function orderedTargets(targets: OperationTarget[], state?: TargetState): OperationTarget[] {
  if (state) return targets.filter((t) => t.state === state);
  return ROW_ORDER.flatMap((s) => targets.filter((t) => t.state === s));
}

export function operationView(op: Operation, opts: ViewOptions = {}): OperationView {
  const limit = opts.limit ?? DEFAULT_TARGET_ROWS;
  const offset = opts.offset ?? 0;
  const rows = orderedTargets(op.targets, opts.state);
  const page = rows.slice(offset, offset + limit);
  return {
    id: op.id,
    kind: op.kind,
    label: op.label ?? op.kind,
    status: op.status,
    dryRun: op.dryRun,
    frontEnd: op.frontEnd,
    ...(op.job ? { job: op.job } : {}),
    startedAt: new Date(op.startedAt).toISOString(),
    durationMs: (op.finishedAt ?? Date.now()) - op.startedAt,
    counts: countTargets(op.targets),
    skipReasons: skipReasons(op.targets),
    warnings: op.warnings,
    targetCount: op.targets.length,
    targets: page.map((t) => ({
      id: t.id ?? `vm-${t.vmid}`,
      vmid: t.vmid,
      name: t.name,
      node: t.node,
      ...(t.guestType ? { guestType: t.guestType } : {}),
      state: t.state,
      action: t.action,
      ...(t.message ? { message: t.message } : {}),
      ...(t.upid ? { upid: t.upid } : {}),
      ...(t.phases?.length ? { phases: t.phases.map(phaseRow) } : {}),
    })),
    targetsOmitted: op.targets.length - page.length,
  };
}

function phaseRow(p: PhaseRecord) {
  return {
    name: p.name,
    state: p.state,
    upids: p.upids,
    ...(p.message ? { message: p.message } : {}),
    ...(p.undo ? { undo: `${p.undo.state}${p.undo.message ? `: ${p.undo.message}` : ''}` } : {}),
  };
}

/** What the operation's planned targets would do: the part of a plan a confirmation is bound to. */
export function planFingerprint(op: Operation): string {
  return op.targets
    .filter((t) => t.state === 'planned')
    .map((t) => `${t.vmid}:${t.action}`)
    .sort()
    .join('|');
}

function countsText(counts: Record<TargetState, number>): string {
  const parts = (Object.entries(counts) as Array<[TargetState, number]>).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`);
  return parts.length ? parts.join(', ') : 'no VMs';
}

/** The capability's label ("shutdown", "stop (forced)"); older records have only their kind. */
function kindText(op: Operation): string {
  return op.label ?? op.kind;
}

/** Messages from PVE and the core may or may not end with a full stop; the summary adds its own. */
const bare = (s: string) => s.trim().replace(/[.\s]+$/, '');

/**
 * The question put to a person before a destructive operation: what will happen to which VMs, and which are
 * left alone and why — in plain words, without tool names, fields or "dry run".
 */
export function personQuestion(plan: Operation): string {
  const planned = plan.targets.filter((t) => t.state === 'planned');
  const names = planned.slice(0, 12).map((t) => `${t.name || 'VM'} (${t.vmid})`);
  const more = planned.length > names.length ? ` and ${planned.length - names.length} more` : '';
  const lines = [`This will ${kindText(plan)} ${planned.length} VM${planned.length === 1 ? '' : 's'}: ${names.join(', ')}${more}.`];
  for (const s of skipReasons(plan.targets)) lines.push(`${s.count} VM${s.count === 1 ? ' is' : 's are'} left alone: ${bare(s.reason)}.`);
  for (const w of plan.warnings.slice(0, 3)) lines.push(`Note: ${bare(w)}.`);
  lines.push('Go ahead?');
  return lines.join('\n');
}

/** A few lines: status, counts, why things were skipped, the first failures, warnings. */
export function operationText(op: Operation): string {
  const kind = kindText(op);
  const counts = countTargets(op.targets);
  const job = op.job ? `, a run of job ${op.job.name}` : '';
  const head = op.dryRun ? `Plan for ${kind} (dry run, nothing changed): ${countsText(counts)}.` : `${kind} ${op.status}: ${countsText(counts)} (operation ${op.id}${job}).`;
  const lines = [head];
  const planned = op.targets.filter((t) => t.state === 'planned');
  if (op.dryRun && planned.length) {
    const shown = planned.slice(0, 10).map((t) => `${t.vmid} ${t.name}: ${t.action}${t.guestType ? ` (${t.guestType})` : ''}`);
    lines.push(`Would act on: ${shown.join('; ')}${planned.length > shown.length ? `; and ${planned.length - shown.length} more` : ''}.`);
  }
  for (const s of skipReasons(op.targets)) lines.push(`Skipped ${s.count}: ${bare(s.reason)}.`);
  const failed = op.targets.filter((t) => t.state === 'failed');
  for (const t of failed.slice(0, 5)) lines.push(`Failed ${t.vmid} ${t.name}: ${bare(t.message ?? 'no message')}.`);
  if (failed.length > 5) lines.push(`…and ${failed.length - 5} more failures (get_operation with state "failed").`);
  // Running when its moxxie process died: PVE may have done it or not, so it is never a cancel.
  const interrupted = op.targets.filter((t) => t.state === 'interrupted');
  for (const t of interrupted.slice(0, 5)) lines.push(`Interrupted ${t.vmid} ${t.name}: ${bare(t.message ?? 'its moxxie process died while it ran; check the VM')}.`);
  if (interrupted.length > 5) lines.push(`…and ${interrupted.length - 5} more interrupted (get_operation with state "interrupted").`);
  if (interrupted.length) lines.push('resume_operation finishes them from PVE\'s real state; rollback_operation undoes what was done.');
  for (const w of op.warnings.slice(0, 5)) lines.push(`Warning: ${bare(w)}.`);
  return lines.join('\n');
}
