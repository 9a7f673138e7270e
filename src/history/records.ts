// What the history store keeps: plain records, one file per context.
import type { AuditEntry } from '../ops/recorder.js';
import type { Operation } from '../ops/types.js';
import type { JobRecord, JobRunRecord } from './job-records.js';
import type { ProcessOwner } from './process-owner.js';

export interface OperationRecord extends Operation {
  /** The process that ran it: an operation still `running` whose owner is gone was interrupted. */
  owner: ProcessOwner;
}

/** Reserved for the migration capability: the shape is kept so stores written now stay readable. */
export interface MigrationRecord {
  id: string;
  at: number;
  vmid: number;
  from: string;
  to: string;
  status: string;
  upid?: string;
  operationId?: string;
}

export interface HistoryData {
  version: 1;
  operations: OperationRecord[];
  jobRuns: JobRunRecord[];
  audit: AuditEntry[];
  migrations: MigrationRecord[];
  jobs: JobRecord[];
}

export const emptyHistory = (): HistoryData => ({ version: 1, operations: [], jobRuns: [], audit: [], migrations: [], jobs: [] });

/** Fills in what an older or hand-edited file lacks, so readers can rely on every list being there. */
export function normaliseHistory(raw: unknown): HistoryData {
  const base = emptyHistory();
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return base;
  const r = raw as Partial<Record<keyof HistoryData, unknown>>;
  const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
  return {
    version: 1,
    operations: list<OperationRecord>(r.operations),
    jobRuns: list<JobRunRecord>(r.jobRuns),
    audit: list<AuditEntry>(r.audit),
    migrations: list<MigrationRecord>(r.migrations),
    jobs: list<JobRecord>(r.jobs),
  };
}

export interface RetentionPolicy {
  /** Records older than this are dropped (default 90 days). */
  maxAgeDays: number;
  /** At most this many operations and job runs are kept (default 5000 each); audit keeps 4× that. */
  maxRecords: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { maxAgeDays: 90, maxRecords: 5000 };
