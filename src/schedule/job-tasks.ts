// What each job task type runs: a capability of the core's registry and the request its parameters make.
// The executor runs it, and its danger is the capability's own (no list of dangerous jobs of our own).
import { createHash } from 'node:crypto';
import type { BackupCreateParams, BackupPruneParams, BackupVerifyParams, JobRecord, PowerScheduleParams, SnapshotCreateParams, SnapshotDeleteParams, TaskType } from '../history/job-records.js';
import { pruneVmIds } from './backup-prune-job.js';
import type { DangerPolicy } from '../ops/capability.js';
import { labelOf, needsConfirmation } from '../ops/capabilities/index.js';
import type { OperationKind } from '../ops/types.js';
import type { VmSelector } from '../select/types.js';
import { jobMarker } from './snapshot-rotation.js';

export interface JobTask {
  kind: OperationKind;
  request(job: Pick<JobRecord, 'id' | 'name' | 'parameters'>, run: { vmSelectors: VmSelector[]; dryRun: boolean }): object;
  /** The job's name for each request field, so a refusal of the request names the field the job has. */
  fields: Readonly<Record<string, string>>;
}

export const JOB_TASKS: { readonly [T in TaskType]: JobTask } = {
  snapshot_create: {
    kind: 'snapshot.create',
    request: (job, run) => {
      const p = job.parameters as SnapshotCreateParams;
      const description = `${p.description ?? `scheduled by moxxie job ${job.name}`} ${jobMarker(job.id)}`;
      return { vmSelectors: run.vmSelectors, snapshotName: p.snapshotNamePattern, description, ttlHours: p.snapshotTTL, includeMemory: p.includeVmState, maxParallel: p.maxParallel, dryRun: run.dryRun };
    },
    fields: {
      snapshotName: 'parameters.snapshotNamePattern',
      description: 'parameters.description',
      ttlHours: 'parameters.snapshotTTL',
      includeMemory: 'parameters.includeVmState',
      maxParallel: 'parameters.maxParallel',
    },
  },
  snapshot_delete: {
    kind: 'snapshot.delete',
    request: (job, run) => {
      const p = job.parameters as SnapshotDeleteParams;
      return {
        vmSelectors: run.vmSelectors,
        olderThanHours: p.ageThresholdHours,
        namePattern: p.namePattern,
        expiredOnly: p.checkDescription,
        moxxieOnly: p.safeMode,
        maxParallel: p.maxParallel,
        dryRun: run.dryRun || p.dryRun,
      };
    },
    fields: {
      olderThanHours: 'parameters.ageThresholdHours',
      namePattern: 'parameters.namePattern',
      expiredOnly: 'parameters.checkDescription',
      moxxieOnly: 'parameters.safeMode',
      maxParallel: 'parameters.maxParallel',
      dryRun: 'parameters.dryRun',
    },
  },
  power_schedule: {
    kind: 'power',
    request: (job, run) => {
      const p = job.parameters as PowerScheduleParams;
      return { vmSelectors: run.vmSelectors, operation: p.action.toUpperCase(), force: p.force, timeoutSeconds: p.timeoutSeconds, maxParallel: p.maxParallel, dryRun: run.dryRun };
    },
    fields: {
      operation: 'parameters.action',
      force: 'parameters.force',
      timeoutSeconds: 'parameters.timeoutSeconds',
      maxParallel: 'parameters.maxParallel',
    },
  },
  backup_create: {
    kind: 'backup.create',
    request: (job, run) => ({ ...(job.parameters as BackupCreateParams), vmSelectors: run.vmSelectors, dryRun: run.dryRun }),
    fields: {
      storage: 'parameters.storage',
      mode: 'parameters.mode',
      compress: 'parameters.compress',
      notes: 'parameters.notes',
      ttlDays: 'parameters.ttlDays',
      removeOlder: 'parameters.removeOlder',
      protectBackup: 'parameters.protectBackup',
      mailNotification: 'parameters.mailNotification',
      maxParallel: 'parameters.maxParallel',
    },
  },
  backup_verify: {
    kind: 'backup.verify',
    request: (job, run) => ({ ...(job.parameters as BackupVerifyParams), vmSelectors: run.vmSelectors, dryRun: run.dryRun }),
    fields: { node: 'parameters.node', storage: 'parameters.storage', bootTimeoutSeconds: 'parameters.bootTimeoutSeconds', maxParallel: 'parameters.maxParallel' },
  },
  backup_prune: {
    kind: 'backup.prune',
    request: (job, run) => {
      const p = job.parameters as BackupPruneParams;
      const vmIds = pruneVmIds(run.vmSelectors);
      return { retentionPolicy: p.retentionPolicy, tags: p.tags, vmIds, storage: p.storage, maxParallel: p.maxParallel, dryRun: run.dryRun || p.dryRun };
    },
    fields: {
      retentionPolicy: 'parameters.retentionPolicy',
      tags: 'parameters.tags',
      vmIds: 'vmSelectors',
      storage: 'parameters.storage',
      maxParallel: 'parameters.maxParallel',
      dryRun: 'parameters.dryRun',
    },
  },
};

type JobShape = Pick<JobRecord, 'id' | 'name' | 'taskType' | 'parameters' | 'vmSelectors'>;

/** The request a run of the job makes (not a dry run), with the job's own selectors. */
export function jobRequest(job: JobShape): object {
  return JOB_TASKS[job.taskType].request(job, { vmSelectors: job.vmSelectors, dryRun: false });
}

/**
 * Which jobs interrupt guests or lose data when run: those are confirmed when created or changed, and before
 * a manual trigger, by every front end (the TUI's typed confirmation, MCP's confirm token, `--yes`). The
 * capability decides; `policy` is the context's safe mode (without it, safe mode counts as on).
 */
export function isDestructiveJob(job: JobShape, policy?: DangerPolicy): boolean {
  return needsConfirmation(JOB_TASKS[job.taskType].kind, jobRequest(job), policy);
}

/** What each run of the job does, in the capability's words: "stop (forced)", "delete snapshots past their TTL". */
export function jobActionText(job: JobShape): string {
  return labelOf(JOB_TASKS[job.taskType].kind, jobRequest(job));
}

/**
 * A fingerprint of what the job's runs do (task type, parameters, selectors): a confirmation is of this, so
 * a change to any of them (or a hand edit of the store) needs confirming again. Name, schedule, retries and
 * enabled do not change what a run does.
 */
export function jobEffect(job: Pick<JobRecord, 'taskType' | 'parameters' | 'vmSelectors'>): string {
  return createHash('sha256').update(canonical({ taskType: job.taskType, parameters: job.parameters, vmSelectors: job.vmSelectors })).digest('hex').slice(0, 16);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
