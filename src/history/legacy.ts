// The single-file store of earlier moxxie versions (history.json holding every operation whole, the job
// runs with their rows, the audit and the jobs), brought into the sharded layout. Nothing is dropped: the
// fields the new shape adds are filled in (a target's id and kind, its phases, the operation's label,
// every state in the counts) and unknown fields are kept.
import type { Operation, OperationTarget, TargetKind } from '../ops/types.js';
import { checkShape, legacyShape, notAnObject } from './record-shapes.js';
import { HistoryDamagedError } from './damaged.js';
import type { JobRecord, JobRunRecord } from './job-records.js';
import type { LegacyHistory, MigrationRecord, OperationRecord } from './records.js';
import { summarise } from './records.js';
import type { AuditEntry } from '../ops/recorder.js';

/** True for the old layout: an object without a version, or version 1. */
export function isLegacy(value: unknown): boolean {
  if (notAnObject(value)) return false;
  const v = (value as { version?: unknown }).version;
  return v === undefined || v === 1;
}

/** The old file's records, checked (a wrongly shaped one throws HistoryDamagedError naming `file`). */
export function readLegacy(value: unknown, file: string): LegacyHistory {
  const wrong = notAnObject(value);
  if (wrong) throw new HistoryDamagedError(file, wrong);
  const data = checkShape(legacyShape, value, file);
  return {
    operations: (data.operations ?? []) as Array<Record<string, unknown>>,
    jobRuns: (data.jobRuns ?? []) as unknown as JobRunRecord[],
    audit: (data.audit ?? []) as AuditEntry[],
    migrations: (data.migrations ?? []) as MigrationRecord[],
    jobs: (data.jobs ?? []) as unknown as JobRecord[],
  };
}

/** One old operation record in today's shape. */
export function upgradeOperation(raw: Record<string, unknown>): OperationRecord {
  const op = structuredClone(raw) as unknown as OperationRecord & { targets: Array<Partial<OperationTarget> & Pick<OperationTarget, 'vmid' | 'state' | 'action'>> };
  const used = new Set<string>();
  op.targets = op.targets.map((t) => {
    let id = t.id ?? String(t.vmid);
    for (let n = 2; used.has(id); n++) id = `${t.id ?? t.vmid}-${n}`;
    used.add(id);
    return { ...t, id, kind: t.kind ?? ('guest' as TargetKind), phases: t.phases ?? [] } as OperationTarget;
  }) as OperationTarget[];
  op.label ??= op.targets[0]?.action ?? op.kind;
  op.dryRun ??= false;
  op.warnings ??= [];
  op.owner ??= { pid: 0, host: '' };
  if (op.summary) op.summary = { ...summarise(op as Operation), durationMs: op.summary.durationMs };
  return op as OperationRecord;
}
