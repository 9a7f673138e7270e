// Job parameters, typed and validated per task type when a job is created or updated. The seed sends
// strings ("7", "true"); they are coerced here, at the boundary, and stored typed.
import { z } from 'zod';
import { RequestError } from '../ops/errors.js';
import type { JobParameters, TaskType } from './job-types.js';

const boolish = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])]).transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');
const intish = (min: number, max: number) =>
  z.union([z.number(), z.string().regex(/^\d+$/, 'must be a whole number')]).transform((v) => Number(v)).pipe(z.number().int().min(min).max(max));

const snapshotCreate = z
  .object({
    snapshotNamePattern: z.string().min(1, 'required, e.g. "auto-{vm}-{date}"'),
    description: z.string().optional(),
    includeVmState: boolish.default(false),
    snapshotTTL: intish(1, 8760).optional(),
    maxSnapshots: intish(1, 1000).optional(),
  })
  .strict();

const snapshotDelete = z
  .object({
    ageThresholdHours: intish(1, 87600).optional(),
    namePattern: z.string().min(1).optional(),
    checkDescription: boolish.default(true),
    safeMode: boolish.default(true),
    dryRun: boolish.default(false),
  })
  .strict()
  .refine((p) => p.ageThresholdHours !== undefined || p.namePattern !== undefined || p.checkDescription, { message: 'say what to delete: ageThresholdHours, namePattern or checkDescription=true (expired TTL)' });

const powerSchedule = z
  .object({
    action: z.enum(['start', 'shutdown', 'stop', 'START', 'SHUTDOWN', 'STOP']).transform((a) => a.toLowerCase() as 'start' | 'shutdown' | 'stop'),
    force: boolish.default(false),
    timeoutSeconds: intish(30, 3600).default(300),
  })
  .strict();

const SCHEMAS: Record<TaskType, z.ZodType<JobParameters>> = {
  snapshot_create: snapshotCreate as unknown as z.ZodType<JobParameters>,
  snapshot_delete: snapshotDelete as unknown as z.ZodType<JobParameters>,
  power_schedule: powerSchedule as unknown as z.ZodType<JobParameters>,
};

export function parseJobParameters(taskType: TaskType, raw: unknown): JobParameters {
  const res = SCHEMAS[taskType].safeParse(raw ?? {});
  if (!res.success) {
    const issue = res.error.issues[0];
    throw new RequestError(`parameters${issue.path.length ? `.${issue.path.join('.')}` : ''}`, `${issue.message} (task type ${taskType})`);
  }
  return res.data;
}
