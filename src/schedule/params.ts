// Job parameters, typed and validated per task type when a job is created or updated. The seed sends
// strings ("7", "true"); they are coerced here, at the boundary, and stored typed.
import { z } from 'zod';
import { unknownFieldMessage } from '../ops/request-schema.js';
import { RequestError } from '../ops/errors.js';
import { templateProblem } from '../ops/snapshot-names.js';
import type { BackupCreateParams, BackupVerifyParams, JobParameters, PowerScheduleParams, SnapshotCreateParams, SnapshotDeleteParams, TaskType } from '../history/job-records.js';
import { backupPruneParams } from './backup-prune-job.js';
import { snapshotRetentionProblem } from './snapshot-keep-rules.js';

const TRUE = ['true', '1', 'yes'];
const FALSE = ['false', '0', 'no'];
/** A boolean, or the seed's "true"/"false"; `fallback` when absent. */
const boolish = <F extends boolean | undefined>(fallback: F) =>
  z.unknown().optional().transform((v, ctx): boolean | F => {
    if (v === undefined) return fallback;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string' && TRUE.includes(v.toLowerCase())) return true;
    if (typeof v === 'string' && FALSE.includes(v.toLowerCase())) return false;
    ctx.addIssue({ code: 'custom', message: `must be true or false (got ${JSON.stringify(v)})` });
    return z.NEVER;
  });
const intish = (min: number, max: number) =>
  z
    .union([z.number(), z.string().regex(/^\s*\d+\s*$/, `must be a whole number from ${min} to ${max}`)])
    .transform((v) => Number(v))
    .pipe(z.number().int(`must be a whole number from ${min} to ${max}`).min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
const maxParallel = intish(1, 20).optional();

const snapshotCreate = z
  .object({
    snapshotNamePattern: z.string({ message: 'required, e.g. "auto-{vm}-{date}"' }).min(1, 'required, e.g. "auto-{vm}-{date}"'),
    description: z.string().optional(),
    includeVmState: boolish(false),
    snapshotTTL: intish(1, 8760).optional(),
    maxSnapshots: intish(1, 1000).optional().describe("keep at most this many of the job's own snapshots per VM, the new one included (1-1000)"),
    retention: z.string().optional().describe('keep rules instead of maxSnapshots, e.g. keep-daily=7,keep-weekly=4'),
    maxParallel,
  })
  .strict()
  .transform((p, ctx): SnapshotCreateParams => {
    const keepProblem = p.retention === undefined ? undefined : p.maxSnapshots !== undefined ? 'use either maxSnapshots or retention, not both' : snapshotRetentionProblem(p.retention);
    if (keepProblem) {
      ctx.addIssue({ code: 'custom', path: ['retention'], message: `${keepProblem} (e.g. "keep-daily=7,keep-weekly=4")` });
      return z.NEVER;
    }
    // An issue, not a throw: an unknown field next to it is reported first.
    const problem = templateProblem(p.snapshotNamePattern);
    if (problem) {
      ctx.addIssue({ code: 'custom', path: ['snapshotNamePattern'], message: problem });
      return z.NEVER;
    }
    return stripUndefined(p);
  });

const snapshotDelete = z
  .object({
    ageThresholdHours: intish(1, 87600).optional(),
    namePattern: z.string().min(1, 'must not be empty (a glob such as "auto-*")').optional(),
    checkDescription: boolish(undefined),
    safeMode: boolish(true),
    dryRun: boolish(false),
    maxParallel,
  })
  .strict()
  // Without another criterion the job deletes expired TTL snapshots (the seed's cleanup job); with one,
  // the TTL check applies only when asked for.
  .transform((p): SnapshotDeleteParams => stripUndefined({ ...p, checkDescription: p.checkDescription ?? (p.ageThresholdHours === undefined && p.namePattern === undefined) }))
  .refine((p) => p.ageThresholdHours !== undefined || p.namePattern !== undefined || p.checkDescription, {
    message: 'say what to delete: ageThresholdHours, namePattern or checkDescription=true (expired TTL)',
  });

const ACTIONS = ['start', 'shutdown', 'stop'] as const;
const powerSchedule = z
  .object({
    action: z.string().optional().describe('start, shutdown or stop'),
    /** The bulk power request's name for the same thing. */
    operation: z.string().optional(),
    force: boolish(false),
    timeoutSeconds: intish(30, 3600).default(300),
    maxParallel,
  })
  .strict()
  .transform((p, ctx): PowerScheduleParams => {
    const raw = (p.action ?? p.operation ?? '').toLowerCase();
    if (!(ACTIONS as readonly string[]).includes(raw)) {
      ctx.addIssue({ code: 'custom', path: ['action'], message: `${raw ? `'${raw}' is not valid; ` : 'required; '}use one of ${ACTIONS.join(', ')}` });
      return z.NEVER;
    }
    return stripUndefined({ action: raw as PowerScheduleParams['action'], force: p.force, timeoutSeconds: p.timeoutSeconds, maxParallel: p.maxParallel });
  });

// The bulk backup's own fields; the capability's schema checks them again (notes variables, ranges) at save.
const backupCreate = z
  .object({
    storage: z.string({ message: "required: the storage to back up to, e.g. 'local'" }).min(1, "required: the storage to back up to, e.g. 'local'"),
    mode: z.enum(['snapshot', 'suspend', 'stop']).optional(),
    compress: z.enum(['zstd', 'gzip', 'lzo', '0']).optional(),
    notes: z.string().optional(),
    ttlDays: intish(1, 3653).optional(),
    removeOlder: intish(0, 365).optional(),
    protectBackup: boolish(undefined),
    mailNotification: z.enum(['always', 'failure']).optional(),
    maxParallel,
  })
  .strict()
  .transform((p): BackupCreateParams => stripUndefined(p));

const backupVerify = z
  .object({
    node: z.string().min(1, 'must be a node name').optional(),
    storage: z.string().min(1, 'must be a storage id').optional(),
    bootTimeoutSeconds: intish(10, 3600).optional(),
    maxParallel,
  })
  .strict()
  .transform((p): BackupVerifyParams => stripUndefined(p));

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const SCHEMAS: Record<TaskType, z.ZodType<JobParameters, unknown>> = {
  snapshot_create: snapshotCreate,
  snapshot_delete: snapshotDelete,
  power_schedule: powerSchedule,
  backup_create: backupCreate,
  backup_verify: backupVerify,
  backup_prune: backupPruneParams,
};

/** The parameters a task type takes, by name: each schema is a strict object piped into a transform, whose input side lists them. */
export function jobParameterShape(taskType: TaskType): Record<string, z.ZodType> {
  return (SCHEMAS[taskType] as unknown as { in: { shape: Record<string, z.ZodType> } }).in.shape;
}

export function parseJobParameters(taskType: TaskType, raw: unknown): JobParameters {
  if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
    throw new RequestError('parameters', `must be an object of ${taskType} parameters`);
  }
  // A bad name template throws its own RequestError (naming the field) from inside the transform.
  const res = SCHEMAS[taskType].safeParse(raw ?? {});
  if (!res.success) {
    const issue = res.error.issues[0];
    const field = `parameters${issue.path.length ? `.${issue.path.map(String).join('.')}` : ''}`;
    if (issue.code === 'unrecognized_keys') {
      const valid = Object.keys(jobParameterShape(taskType));
      throw new RequestError(`parameters.${issue.keys[0]}`, `${unknownFieldMessage(issue.keys[0], valid)} for task type ${taskType}`);
    }
    throw new RequestError(field, `${issue.message} (task type ${taskType})`);
  }
  return res.data;
}
