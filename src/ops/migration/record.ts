// One migration as moxxie records it (the seed's migration history): made by the core from a finished
// target of a migrate, drain or undrain operation, kept by the history store, read back by undrain and the
// front ends. The shape keeps the older record's fields (id, at, vmid, from, to, status, upid, operationId).
import type { FrontEnd, Operation, OperationKind, OperationTarget, TargetState } from '../types.js';

/** `restart`: a running container's move (shut down, moved, started on the target; it cannot move live). */
export type MigrationMode = 'online' | 'offline' | 'online, then offline' | 'restart';

export interface MigrationEntry {
  /** `<operation id>/<target id>`: a resumed target replaces its record. */
  id: string;
  /** When the move started (epoch ms). */
  at: number;
  vmid: number;
  name?: string;
  from: string;
  to: string;
  /** The target's outcome: succeeded, failed, cancelled, interrupted. */
  status: string;
  /** The last PVE task. */
  upid?: string;
  operationId?: string;
  operationKind?: OperationKind;
  /** A drain's or undrain's node. */
  drainedNode?: string;
  mode?: MigrationMode;
  /** Its live migration failed and it was moved offline (stopped, moved, started again). */
  fallback?: boolean;
  stateBefore?: string;
  stateAfter?: string;
  finishedAt?: number;
  durationMs?: number;
  /** Every PVE task of the move, in order. */
  upids?: string[];
  error?: string;
  frontEnd?: FrontEnd;
  context?: string;
}

export interface MigrationQuery {
  vmid?: number;
  /** Migrations of drains (or undrains) of this node. */
  drainedNode?: string;
  operationKind?: OperationKind;
  limit?: number;
}

/** What a planner may read of the history. */
export interface MigrationHistoryReader {
  list(query?: MigrationQuery): Promise<MigrationEntry[]>;
}

export const MIGRATION_KINDS: readonly OperationKind[] = ['migrate', 'node.drain', 'node.undrain'];
const FINAL: TargetState[] = ['succeeded', 'failed', 'cancelled', 'interrupted', 'rolled-back'];

/** The phase data the migration phases keep (see phases.ts). */
interface MoveData {
  before?: string;
  after?: string;
  target?: string;
  mode?: MigrationMode;
  fallback?: boolean;
}

/**
 * The record of one finished target of a migration operation, or undefined (another kind, a target that
 * never ran, one still running).
 */
export function migrationEntryOf(op: Operation, t: OperationTarget): MigrationEntry | undefined {
  if (!MIGRATION_KINDS.includes(op.kind) || !FINAL.includes(t.state) || !t.phases.length || !t.spec) return undefined;
  const spec = t.spec as { source?: string; target?: string; drainedNode?: string };
  const data: MoveData = Object.assign({}, ...t.phases.map((p) => p.data ?? {})) as MoveData;
  const upids = t.phases.flatMap((p) => p.upids);
  const started = t.startedAt ?? op.startedAt;
  const failedPhase = t.phases.find((p) => p.state === 'failed');
  return {
    id: `${op.id}/${t.id}`,
    at: started,
    vmid: t.vmid,
    name: t.name,
    from: spec.source ?? t.node,
    to: data.target ?? spec.target ?? '',
    status: t.state,
    upid: upids.at(-1),
    operationId: op.id,
    operationKind: op.kind,
    ...(spec.drainedNode ? { drainedNode: spec.drainedNode } : {}),
    ...(data.mode ? { mode: data.mode } : {}),
    ...(data.fallback ? { fallback: true } : {}),
    ...(data.before ? { stateBefore: data.before } : {}),
    ...(data.after ? { stateAfter: data.after } : {}),
    finishedAt: t.finishedAt,
    durationMs: t.finishedAt !== undefined ? t.finishedAt - started : undefined,
    upids,
    ...(t.state !== 'succeeded' ? { error: failedPhase?.message ?? t.message } : {}),
    frontEnd: op.frontEnd,
    context: op.context,
  };
}
