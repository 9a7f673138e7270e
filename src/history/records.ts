// What the history store keeps: plain records. See layout.ts for where each lives.
import type { MigrationEntry } from '../ops/migration/record.js';
import type { AuditEntry } from '../ops/recorder.js';
import { TARGET_STATES, type Operation, type OperationSummary, type OperationTarget, type TargetState } from '../ops/types.js';
import type { JobRecord, JobRunRecord, JobRunVm } from './job-records.js';
import type { ProcessOwner } from './process-owner.js';

export interface OperationRecord extends Operation {
  /** The process that ran it: an operation still `running` whose owner is gone was interrupted. */
  owner: ProcessOwner;
}

/** One operation as the index lists it: enough to list and filter without opening its own file. */
export interface OperationIndexEntry {
  id: string;
  kind: Operation['kind'];
  label: string;
  status: Operation['status'];
  frontEnd: Operation['frontEnd'];
  context: string;
  dryRun: boolean;
  startedAt: number;
  finishedAt?: number;
  /** Counts by target state as of the last write of the index (the start, the end, a recovery). */
  summary: OperationSummary;
  owner: ProcessOwner;
}

/** A job run in the index. Its per-VM rows live in runs/<id>.json; a `vms` given to update() is moved there. */
export type JobRunIndexEntry = Omit<JobRunRecord, 'vms'> & { vms?: JobRunVm[] };

/** One migration (see src/ops/migration/record.ts); older stores hold only its first fields. */
export type MigrationRecord = MigrationEntry;

/** history.json: what `HistoryStore.update` changes. */
export interface HistoryIndex {
  version: 2;
  operations: OperationIndexEntry[];
  jobRuns: JobRunIndexEntry[];
  migrations: MigrationRecord[];
  jobs: JobRecord[];
}

export const emptyIndex = (): HistoryIndex => ({ version: 2, operations: [], jobRuns: [], migrations: [], jobs: [] });

/** The journal an operation file already includes: lines of journal `id` up to byte `bytes`. */
export interface JournalMark {
  id: string;
  bytes: number;
}

/** operations/<id>.json */
export interface OperationShard {
  version: 2;
  journal?: JournalMark;
  operation: OperationRecord;
}

/** runs/<id>.json */
export interface JobRunRowsShard {
  version: 2;
  vms: JobRunVm[];
}

/** The old single-file store (history.json before the index), migrated on open. */
export interface LegacyHistory {
  operations: Array<Record<string, unknown>>;
  jobRuns: JobRunRecord[];
  audit: AuditEntry[];
  migrations: MigrationRecord[];
  jobs: JobRecord[];
}

export function stateCounts(targets: readonly Pick<OperationTarget, 'state'>[]): Record<TargetState, number> {
  const counts = Object.fromEntries(TARGET_STATES.map((s) => [s, 0])) as Record<TargetState, number>;
  for (const t of targets) counts[t.state]++;
  return counts;
}

/** Counts from the targets as they are now; the duration from the record once it has ended. */
export function summarise(op: Operation): OperationSummary {
  const durationMs = op.finishedAt !== undefined ? (op.summary?.durationMs ?? op.finishedAt - op.startedAt) : 0;
  return { counts: stateCounts(op.targets), durationMs };
}

export function indexEntry(op: OperationRecord): OperationIndexEntry {
  const entry: OperationIndexEntry = {
    id: op.id,
    kind: op.kind,
    label: op.label,
    status: op.status,
    frontEnd: op.frontEnd,
    context: op.context,
    dryRun: op.dryRun,
    startedAt: op.startedAt,
    summary: summarise(op),
    owner: op.owner,
  };
  if (op.finishedAt !== undefined) entry.finishedAt = op.finishedAt;
  return entry;
}

export interface RetentionPolicy {
  /** Records older than this are dropped (default 90 days). */
  maxAgeDays: number;
  /** At most this many operations and job runs are kept (default 5000 each); audit keeps 4× that. */
  maxRecords: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { maxAgeDays: 90, maxRecords: 5000 };
