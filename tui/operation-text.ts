// How the TUI draws an operation's targets and phases, the same in every view: the ops and history lists,
// the operation view, the progress pane and the status line (its name: operation-name.ts). Free of the
// capability registry, so the first frame's layout can use it before the core has loaded.
import type { Operation, OperationTarget, PhaseRecord, PhaseState, TargetState } from '../src/ops/types.js';
import { elapsed } from './format.js';

/** 'resume' or 'rollback' when the operation was last continued by one, for the pane and the lists. */
export function continuation(op: Pick<Operation, 'continuations'>): 'resume' | 'rollback' | undefined {
  return op.continuations?.[op.continuations.length - 1]?.action;
}

/** A target's phases; old records have none. */
export function phasesOf(t: Pick<OperationTarget, 'phases'>): PhaseRecord[] {
  return t.phases ?? [];
}

/** A key that is unique within an operation (two targets may share a guest); old records have no id. */
export function targetKey(t: Pick<OperationTarget, 'id' | 'vmid'>): string {
  return t.id ?? String(t.vmid);
}

const GLYPH: Record<PhaseState, string> = {
  pending: '·',
  running: '…',
  succeeded: '✓',
  failed: '✗',
  cancelled: '⊘',
  interrupted: '!',
  undone: '↶',
};

export function phaseGlyph(state: PhaseState): string {
  return GLYPH[state] ?? '?';
}

/** `snapshot ✓ · verify ✗`: every phase of a target with its state at a glance. */
export function compactPhases(t: Pick<OperationTarget, 'phases'>): string {
  return phasesOf(t)
    .map((p) => `${p.name} ${phaseGlyph(p.state)}`)
    .join(' · ');
}

/** Outcomes in reading order: what needs attention first (failed, interrupted), then the rest. */
const OUTCOME_ORDER: Record<TargetState, number> = { failed: 0, interrupted: 1, running: 2, cancelled: 3, succeeded: 4, 'rolled-back': 5, planned: 6, skipped: 7 };
/** While an operation runs: what moves first, then what needs attention. */
const LIVE_ORDER: Record<TargetState, number> = { running: 0, failed: 1, interrupted: 2, planned: 3, cancelled: 4, 'rolled-back': 5, succeeded: 6, skipped: 7 };

/** Failures first (they are what one looks for), then by vmid. */
export function byOutcome(a: OperationTarget, b: OperationTarget): number {
  return (OUTCOME_ORDER[a.state] ?? 9) - (OUTCOME_ORDER[b.state] ?? 9) || a.vmid - b.vmid;
}

/** Running first, then failures, for the progress pane. */
export function byProgress(a: OperationTarget, b: OperationTarget): number {
  return (LIVE_ORDER[a.state] ?? 9) - (LIVE_ORDER[b.state] ?? 9) || a.vmid - b.vmid;
}

/** States in which a target's step is over (for a progress bar). */
export const ENDED_STATES: ReadonlySet<TargetState> = new Set<TargetState>(['succeeded', 'failed', 'cancelled', 'interrupted', 'rolled-back']);

/**
 * How far the operation is, as done/total over the targets it works on. A rollback works on the targets
 * it has something to undo on; one is done when rolled back, or when its undo failed or had nothing to do.
 */
export function progressOf(op: Operation): { done: number; total: number; active: OperationTarget[] } {
  if (continuation(op) === 'rollback') {
    const active = op.targets.filter((t) => phasesOf(t).some((p) => p.state === 'succeeded' || p.state === 'undone'));
    if (op.status !== 'running') return { done: active.length, total: active.length, active };
    const done = active.filter((t) => t.state === 'rolled-back' || phasesOf(t).some((p) => p.undo?.state === 'failed') || /cannot be undone/.test(t.message ?? '')).length;
    return { done, total: active.length, active };
  }
  const active = op.targets.filter((t) => t.state !== 'skipped');
  return { done: active.filter((t) => ENDED_STATES.has(t.state)).length, total: active.length, active };
}

/** "3 succeeded, 1 failed": the states its targets ended in, those with any, what needs a look first after what was done. */
export function finishCounts(op: Operation): string {
  const order: Array<[TargetState, string]> = [
    ['rolled-back', 'rolled back'],
    ['succeeded', 'succeeded'],
    ['failed', 'failed'],
    ['interrupted', 'interrupted'],
    ['cancelled', 'cancelled'],
    ['skipped', 'skipped'],
    ['running', 'running'],
    ['planned', 'not started'],
  ];
  const n = (s: TargetState) => op.summary?.counts[s] ?? op.targets.filter((t) => t.state === s).length;
  return (
    order
      .filter(([s]) => n(s) > 0)
      .map(([s, text]) => `${n(s)} ${text}`)
      .join(', ') || 'no VMs'
  );
}

/**
 * How long a target or phase took: up to now while it runs; one that ended with no end recorded (its
 * moxxie process died: interrupted) stops where its operation was found ended, not at now.
 */
export function tookOf(x: { state: string; startedAt?: number; finishedAt?: number }, op: { finishedAt?: number }, now = Date.now()): string {
  if (!x.startedAt) return '';
  const end = x.finishedAt ?? (x.state === 'running' ? now : op.finishedAt);
  return end === undefined ? '' : elapsed(end - x.startedAt);
}
