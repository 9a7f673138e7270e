// Jobs and their runs as the history stores them (the seed's job shape plus timezone, retries and timeout).
// The scheduler (src/schedule) defines what they do; it reads and writes them through the store.
import type { ProcessOwner } from './process-owner.js';
import type { VmSelector } from '../select/types.js';

export type TaskType = 'snapshot_create' | 'snapshot_delete' | 'power_schedule' | 'backup_create' | 'backup_verify' | 'backup_prune';
export const TASK_TYPES: TaskType[] = ['snapshot_create', 'snapshot_delete', 'power_schedule', 'backup_create', 'backup_verify', 'backup_prune'];

export interface SnapshotCreateParams {
  /** Placeholders as for bulk snapshots: {vm} {vmid} {date} {time} {datetime}. */
  snapshotNamePattern: string;
  description?: string;
  includeVmState: boolean;
  /** Hours; written as the ` (TTL: Nh)` marker that cleanup jobs read. */
  snapshotTTL?: number;
  /** Keep at most this many of this job's own snapshots per VM, the new one included. */
  maxSnapshots?: number;
  /** PVE's keep options over this job's own snapshots per VM ("keep-daily=7,keep-weekly=4"), instead of maxSnapshots. */
  retention?: string;
  maxParallel?: number;
}

export interface SnapshotDeleteParams {
  ageThresholdHours?: number;
  /** A glob over snapshot names. */
  namePattern?: string;
  /** Only snapshots whose ` (TTL: Nh)` marker has run out. */
  checkDescription: boolean;
  /** Only snapshots moxxie made (default true). */
  safeMode: boolean;
  dryRun: boolean;
  maxParallel?: number;
}

export interface PowerScheduleParams {
  action: 'start' | 'shutdown' | 'stop';
  /** Also act on `always-on` VMs (and past safe mode). */
  force: boolean;
  timeoutSeconds: number;
  maxParallel?: number;
}

/** The bulk backup's fields (the seed's /backups/bulk body without the selection). */
export interface BackupCreateParams {
  storage: string;
  mode?: 'snapshot' | 'suspend' | 'stop';
  compress?: 'zstd' | 'gzip' | 'lzo' | '0';
  notes?: string;
  ttlDays?: number;
  removeOlder?: number;
  protectBackup?: boolean;
  mailNotification?: 'always' | 'failure';
  maxParallel?: number;
}

/** A restore drill's fields. */
export interface BackupVerifyParams {
  node?: string;
  storage?: string;
  bootTimeoutSeconds?: number;
  maxParallel?: number;
}

/** backup_prune: a retention policy over the backups of the job's guests (selected by VM_IDS or ALL). */
export interface BackupPruneParams {
  /** days:N, count:N, monthly:N or PVE's keep options. */
  retentionPolicy: string;
  tags?: string[];
  storage?: string;
  maxParallel?: number;
  dryRun: boolean;
}

export type JobParameters = SnapshotCreateParams | SnapshotDeleteParams | PowerScheduleParams | BackupCreateParams | BackupVerifyParams | BackupPruneParams;

export interface JobRecord {
  /** Stable across renames: the schedule and the runs hang on it. */
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
  /** One row per VM: its last attempt's outcome. */
  vms: JobRunVm[];
  operationIds: string[];
  /** For `missed` records: how many fires this record stands for. */
  missedFires?: number;
  owner?: ProcessOwner;
}
