// What the history store keeps: plain records, one file per context.
import type { AuditEntry } from '../ops/recorder.js';
import type { Operation } from '../ops/types.js';
import type { JobRecord, JobRunRecord } from '../schedule/job-types.js';

export interface OperationRecord extends Operation {
  /** The process that ran it: an operation still `running` whose owner is gone was interrupted. */
  owner: { pid: number; host: string };
}

export interface MigrationRecord {
  id: string;
  at: number;
  vmid: number;
  from: string;
  to: string;
  status: string;
  upid?: string;
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

export interface RetentionPolicy {
  /** Records older than this are dropped (default 90 days). */
  maxAgeDays: number;
  /** At most this many operations and job runs are kept (default 5000 each); audit keeps 4× that. */
  maxRecords: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { maxAgeDays: 90, maxRecords: 5000 };
