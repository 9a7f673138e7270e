// What each job task type runs: a capability of the core's registry and the request its parameters make.
// The executor runs it, and its danger is the capability's own (no list of dangerous jobs of our own).
import type { JobRecord, PowerScheduleParams, SnapshotCreateParams, SnapshotDeleteParams, TaskType } from '../history/job-records.js';
import { needsConfirmation } from '../ops/capabilities/index.js';
import type { OperationKind } from '../ops/types.js';
import type { VmSelector } from '../select/types.js';
import { jobMarker } from './snapshot-rotation.js';

export interface JobTask {
  kind: OperationKind;
  request(job: Pick<JobRecord, 'id' | 'name' | 'parameters'>, run: { vmSelectors: VmSelector[]; dryRun: boolean }): object;
}

export const JOB_TASKS: { readonly [T in TaskType]: JobTask } = {
  snapshot_create: {
    kind: 'snapshot.create',
    request: (job, run) => {
      const p = job.parameters as SnapshotCreateParams;
      const description = `${p.description ?? `scheduled by moxxie job ${job.name}`} ${jobMarker(job.id)}`;
      return { vmSelectors: run.vmSelectors, snapshotName: p.snapshotNamePattern, description, ttlHours: p.snapshotTTL, includeMemory: p.includeVmState, maxParallel: p.maxParallel, dryRun: run.dryRun };
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
  },
  power_schedule: {
    kind: 'power',
    request: (job, run) => {
      const p = job.parameters as PowerScheduleParams;
      return { vmSelectors: run.vmSelectors, operation: p.action.toUpperCase(), force: p.force, timeoutSeconds: p.timeoutSeconds, maxParallel: p.maxParallel, dryRun: run.dryRun };
    },
  },
};

/**
 * Which jobs interrupt guests or lose data when run: those are confirmed before a manual trigger by every
 * front end (the TUI's typed count, MCP's confirm token, `moxxie jobs trigger --yes`). The capability decides.
 */
export function isDestructiveJob(job: Pick<JobRecord, 'id' | 'name' | 'taskType' | 'parameters' | 'vmSelectors'>): boolean {
  const task = JOB_TASKS[job.taskType];
  return needsConfirmation(task.kind, task.request(job, { vmSelectors: job.vmSelectors, dryRun: false }));
}
