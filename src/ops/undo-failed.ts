// For capabilities that make something (a VM): a target that fails is undone at once, its completed phases in
// reverse, so what it made exists only if every phase succeeded. The target stays failed, and its message keeps
// the phase's own failure (PVE's text) followed by what the undo did.
import { runUndo, type StepEnvironment } from './runner.js';
import type { Operation } from './types.js';

export async function undoFailedTargets(op: Operation, env: StepEnvironment): Promise<void> {
  const failed = op.targets.filter((t) => t.state === 'failed' && t.phases.some((p) => p.state === 'succeeded'));
  if (!failed.length) return;
  const why = new Map(failed.map((t) => [t.id, t.message]));
  await runUndo({ ...op, targets: failed }, env);
  for (const t of failed) {
    const undone = t.message;
    Object.assign(t, { state: 'failed', message: `${why.get(t.id) ?? 'failed'}; undone: ${undone ?? 'nothing to undo'}`, finishedAt: Date.now() });
    env.emit({ type: 'target-updated', operationId: op.id, target: structuredClone(t) });
  }
}
