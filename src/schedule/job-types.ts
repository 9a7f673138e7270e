// Scheduler job and run records (the seed's job shape plus timezone, retries and timeout).
import type { VmSelector } from '../select/types.js';

export type TaskType = 'snapshot_create' | 'snapshot_delete' | 'power_schedule';
export const TASK_TYPES: TaskType[] = ['snapshot_create', 'snapshot_delete', 'power_schedule'];

export interface SnapshotCreateParams {
  snapshotNamePattern: string;
  description?: string;
  includeVmState: boolean;
  snapshotTTL?: number;
  maxSnapshots?: number;
}

export interface SnapshotDeleteParams {
  ageThresholdHours?: number;
  namePattern?: string;
  checkDescription: boolean;
  safeMode: boolean;
  dryRun: boolean;
}

export interface PowerScheduleParams {
  action: 'start' | 'shutdown' | 'stop';
  force: boolean;
  timeoutSeconds: number;
}

export type JobParameters = SnapshotCreateParams | SnapshotDeleteParams | PowerScheduleParams;

export interface JobRecord {
  id: string;
  name: string;
  description?: string;
  taskType: TaskType;
  cronExpression: string;
  /** IANA zone; undefined means the scheduler's local time. */
  timezone?: string;
  enabled: boolean;
  parameters: JobParameters;
  vmSelectors: VmSelector[];
  maxRetries: number;
  retryDelaySeconds: number;
  timeoutSeconds: number;
  createdAt: number;
  updatedAt: number;
  /** The last fire time already handled (run, skipped or recorded as missed). */
  lastScheduledAt?: number;
}

export type JobRunStatus = 'running' | 'succeeded' | 'partial' | 'failed' | 'cancelled' | 'timeout' | 'skipped-overlap' | 'missed' | 'interrupted';

export interface JobRunVm {
  vmid: number;
  name: string;
  state: string;
  message?: string;
}

export interface JobRunRecord {
  id: string;
  jobId: string;
  jobName: string;
  trigger: 'schedule' | 'manual' | 'catch-up';
  dryRun: boolean;
  scheduledAt?: number;
  startedAt: number;
  finishedAt?: number;
  status: JobRunStatus;
  attempts: number;
  message?: string;
  vms: JobRunVm[];
  operationIds: string[];
  owner?: { pid: number; host: string };
}
