// What a resume or a rollback of a recorded operation would do, as a plan every front end can show and
// confirm: per target, the phases it would run again, or undo, or why it is left alone.
import type { AnyCapability } from './capability.js';
import { resumableTargets } from './execute-operation.js';
import { phaseRecords, summarise } from './runner.js';
import type { Operation, OperationTarget } from './types.js';

function resumeAction(t: OperationTarget, capability: AnyCapability, request: object): string {
  const records = phaseRecords(structuredClone(t), capability.phases(t, request));
  const left = records.filter((p) => p.state !== 'succeeded').map((p) => p.name);
  return `resume: ${left.join(' → ') || 'verify'} (each phase first checks PVE)`;
}

function rollbackAction(t: OperationTarget, capability: AnyCapability, request: object): { action: string; undoable: boolean } {
  const phases = capability.phases(t, request);
  const records = phaseRecords(structuredClone(t), phases);
  const done = phases.map((p, i) => ({ p, r: records[i] })).filter(({ r }) => r.state === 'succeeded');
  const undoable = done.filter(({ p }) => p.undo).map(({ p }) => p.name);
  const stuck = done.filter(({ p }) => !p.undo && !p.changesNothing).map(({ p }) => p.name);
  if (!undoable.length) return { action: stuck.length ? `cannot be undone (${stuck.join(', ')})` : 'nothing to undo', undoable: false };
  return { action: `undo ${undoable.reverse().join(' ← ')}${stuck.length ? `; ${stuck.join(', ')} cannot be undone` : ''}`, undoable: true };
}

/** The plan of a resume or a rollback: planned targets are the ones it would work on. */
export function planContinuation(op: Operation, capability: AnyCapability, mode: 'resume' | 'rollback'): Operation {
  const request = (op.request ?? {}) as object;
  const resumable = new Set(resumableTargets(op).map((t) => t.id));
  const targets = op.targets.map((t): OperationTarget => {
    const copy: OperationTarget = { ...structuredClone(t), upid: undefined };
    if (mode === 'resume') {
      return resumable.has(t.id)
        ? { ...copy, state: 'planned', action: resumeAction(t, capability, request), message: t.message }
        : { ...copy, state: 'skipped', message: `already ${t.state}` };
    }
    // A capability with its own rollback (provisioning) removes what PVE shows it made, whatever phase it reached.
    if (capability.rollback) {
      const started = t.state !== 'rolled-back' && t.phases.some((p) => p.state !== 'pending' && p.state !== 'undone');
      return started ? { ...copy, state: 'planned', action: `remove VM ${t.vmid} (${t.name}) if PVE shows this operation's marker on it` } : { ...copy, state: 'skipped', message: t.state === 'rolled-back' ? 'already rolled back' : 'never started: nothing to undo' };
    }
    const r = rollbackAction(t, capability, request);
    return r.undoable ? { ...copy, state: 'planned', action: r.action } : { ...copy, state: 'skipped', message: r.action };
  });
  const plan: Operation = { ...structuredClone(op), label: `${mode} ${op.label ?? op.kind}`, dryRun: true, status: 'planned', targets, finishedAt: op.startedAt };
  summarise(plan);
  return plan;
}
