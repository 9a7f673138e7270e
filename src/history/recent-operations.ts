// A context's recent operations as the front ends list them (MCP list_operations, REST GET /operations): this
// process's live ones as they are now, then the history's index (one small summary each, not whole records).
// A live entry wins, since the history may lag a coalesced write behind; newest first, paged.
import type { HistoryStore } from './store.js';
import type { FrontEnd, Operation, OperationKind, OperationStatus, TargetState } from '../ops/types.js';

export interface RecentOperation {
  id: string;
  kind: OperationKind;
  label: string;
  status: OperationStatus;
  dryRun: boolean;
  frontEnd: FrontEnd;
  startedAt: number;
  finishedAt?: number;
  /** Targets by state: a live operation's only the states some target is in; a stored one's as its summary has them. */
  counts: Partial<Record<TargetState, number>>;
  targetCount: number;
}

export async function recentOperations(live: readonly Operation[], history: Pick<HistoryStore, 'listOperationSummaries'>, q: { status?: OperationStatus; limit: number; offset: number }): Promise<RecentOperation[]> {
  const row = (o: Omit<RecentOperation, 'targetCount' | 'counts'>, counts: RecentOperation['counts'], targetCount: number): RecentOperation => ({
    id: o.id,
    kind: o.kind,
    label: o.label ?? o.kind,
    status: o.status,
    dryRun: o.dryRun,
    frontEnd: o.frontEnd,
    startedAt: o.startedAt,
    finishedAt: o.finishedAt,
    counts,
    targetCount,
  });
  const now = live.map((o) => {
    const counts: Partial<Record<TargetState, number>> = {};
    for (const t of o.targets) counts[t.state] = (counts[t.state] ?? 0) + 1;
    return row(o, counts, o.targets.length);
  });
  const stored = (await history.listOperationSummaries({ status: q.status, limit: q.limit + q.offset + now.length })).map((o) =>
    row(o, { ...o.summary.counts }, Object.values(o.summary.counts).reduce((a, b) => a + b, 0)),
  );
  const merged = new Map<string, RecentOperation>();
  for (const op of [...now, ...stored]) if (!merged.has(op.id) && (!q.status || op.status === q.status)) merged.set(op.id, op);
  return [...merged.values()].sort((a, b) => b.startedAt - a.startedAt).slice(q.offset, q.offset + q.limit);
}
