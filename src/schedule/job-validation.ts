// Validates a whole job at create/update time; every error names its field and what would be valid.
import { CAPABILITIES } from '../ops/capabilities/index.js';
import { RequestError } from '../ops/errors.js';
import { parseRequest, unknownFieldMessage } from '../ops/request-schema.js';
import { MAX_DESCRIPTION_BYTES } from '../ops/snapshot-marker.js';
import type { FrontEnd } from '../ops/types.js';
import { validateSelectors } from '../select/resolve.js';
import { compileTagExpression } from '../select/tag-expression.js';
import type { VmSelector } from '../select/types.js';
import { parseVmIds } from '../select/vm-ids.js';
import { CronError, subMinuteProblem, validateCron, validateTimezone } from './cron.js';
import { TASK_TYPES, type JobRecord, type TaskType } from '../history/job-records.js';
import { JOB_TASKS, jobRequest } from './job-tasks.js';
import { parseJobParameters } from './params.js';

/** Who confirmed a job whose runs are destructive, and what they confirmed. */
export interface JobConfirmation {
  at: number;
  frontEnd: FrontEnd;
  /** jobEffect() of the job as confirmed: a change to what its runs do needs confirming again. */
  effect: string;
}

// The stored job (src/history/job-records.ts) gains the fields this module validates and sets. They are
// optional, so jobs stored by an older moxxie read as they are.
declare module '../history/job-records.js' {
  interface JobRecord {
    /** The cron expression may fire more than once a minute (refused unless asked for). */
    allowSubMinute?: boolean;
    /** Set by the core when a destructive job is created or changed with confirmation; never taken from input. */
    confirmation?: JobConfirmation;
  }
}

/** Fields a job takes, in the seed's shape plus moxxie's additions. */
export const JOB_FIELDS = ['name', 'description', 'taskType', 'cronExpression', 'timezone', 'enabled', 'parameters', 'vmSelectors', 'maxRetries', 'retryDelaySeconds', 'timeoutSeconds', 'allowSubMinute'] as const;

/** Fields a stored job has that moxxie sets itself: accepted and ignored, so a shown job can be fed back. */
export const OUTPUT_ONLY_FIELDS = ['id', 'createdAt', 'updatedAt', 'lastScheduledAt', 'confirmation'] as const;

/** A misspelt field would silently change nothing: refused, naming the nearest valid one. */
export function refuseUnknownJobFields(input: object): void {
  const known: readonly string[] = [...JOB_FIELDS, ...OUTPUT_ONLY_FIELDS];
  const unknown = Object.keys(input).find((k) => !known.includes(k));
  if (unknown !== undefined) throw new RequestError(unknown, unknownFieldMessage(unknown, JOB_FIELDS));
}

/** What a caller gives to create a job (the seed's shape); update takes any part of it. */
export interface JobInput {
  name: string;
  description?: string;
  taskType: TaskType;
  cronExpression: string;
  /** IANA zone; default: the scheduler's local time. */
  timezone?: string;
  /** The seed sends booleans; "true"/"false" are accepted too. */
  enabled?: boolean | 'true' | 'false';
  parameters?: Record<string, unknown>;
  vmSelectors: VmSelector[];
  maxRetries?: number | string;
  retryDelaySeconds?: number | string;
  timeoutSeconds?: number | string;
  /** A cron expression that fires more than once a minute is refused unless this is true. */
  allowSubMinute?: boolean | 'true' | 'false';
}

export type JobPatch = Partial<JobInput>;

export const JOB_LIMITS = {
  maxRetries: { min: 0, max: 10, fallback: 0 },
  retryDelaySeconds: { min: 0, max: 86_400, fallback: 60 },
  timeoutSeconds: { min: 1, max: 86_400, fallback: 3600 },
} as const;

function intField(v: unknown, field: keyof typeof JOB_LIMITS): number {
  const { min, max, fallback } = JOB_LIMITS[field];
  if (v === undefined || v === null) return fallback;
  const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw new RequestError(field, `must be a whole number from ${min} to ${max} (got ${JSON.stringify(v)})`);
  return n;
}

function checkSelectors(raw: unknown): VmSelector[] {
  try {
    const selectors = validateSelectors(raw);
    // Compile what resolution would compile, so a typo is refused now rather than at 2 AM.
    selectors.forEach((s, i) => {
      const at = (part: string, fn: () => unknown) => {
        try {
          fn();
        } catch (err) {
          throw new Error(`vmSelectors[${i}].${part}: ${(err as Error).message}`);
        }
      };
      if (s.type === 'TAG_EXPRESSION') at('value', () => compileTagExpression(s.value ?? ''));
      if (s.type === 'VM_IDS') at('value', () => parseVmIds(s.value ?? ''));
      if (s.exclude) at('exclude', () => compileTagExpression(s.exclude as string));
    });
    return selectors;
  } catch (err) {
    throw new RequestError('vmSelectors', (err as Error).message.replace(/^vmSelectors:?\s*/, ''));
  }
}

function boolish(v: unknown, field: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new RequestError(field, `must be true or false (got ${JSON.stringify(v)})`);
}

/**
 * The request a run would make, checked against the capability's own strict schema: every limit a front
 * end's request has (name template, description size, ranges) applies to the job when it is saved, not
 * only when it runs. A refusal names the job's field.
 */
function checkRunRequest(job: JobRecord): void {
  const task = JOB_TASKS[job.taskType];
  try {
    parseRequest(CAPABILITIES[task.kind].schema, jobRequest(job));
  } catch (err) {
    if (!(err instanceof RequestError)) throw err;
    const [head] = err.field.split(/[.[]/);
    const mapped = task.fields[head];
    const message = err.message.slice(err.field.length + 2);
    throw mapped ? new RequestError(`${mapped}${err.field.slice(head.length)}`, message) : err;
  }
}

function asRequestError(err: unknown): never {
  if (err instanceof CronError) {
    const [field, ...rest] = err.message.split(': ');
    throw new RequestError(field, rest.join(': '));
  }
  throw err;
}

export function checkJob(input: JobInput, id: string, now: number, previous?: JobRecord): JobRecord {
  if (typeof input !== 'object' || input === null) throw new RequestError('job', 'must be an object with name, taskType, cronExpression, parameters and vmSelectors');
  refuseUnknownJobFields(input);
  if (typeof input.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(input.name)) {
    throw new RequestError('name', `${input.name === undefined ? 'required' : `'${String(input.name)}' is not valid`}: 1-64 letters, digits, . _ - starting with a letter or digit`);
  }
  if (input.description !== undefined && typeof input.description !== 'string') throw new RequestError('description', 'must be a string');
  if (input.description !== undefined && Buffer.byteLength(input.description, 'utf8') > MAX_DESCRIPTION_BYTES) {
    throw new RequestError('description', `at most ${MAX_DESCRIPTION_BYTES} bytes (got ${Buffer.byteLength(input.description, 'utf8')})`);
  }
  if (!TASK_TYPES.includes(input.taskType)) throw new RequestError('taskType', `'${String(input.taskType)}' is not valid; use one of ${TASK_TYPES.join(', ')}`);
  if (input.enabled !== undefined && typeof input.enabled !== 'boolean' && input.enabled !== 'true' && input.enabled !== 'false') {
    throw new RequestError('enabled', 'must be true or false');
  }
  const allowSubMinute = boolish(input.allowSubMinute, 'allowSubMinute') === true;
  let timezone: string | undefined;
  try {
    timezone = validateTimezone(input.timezone);
    if (typeof input.cronExpression !== 'string') throw new CronError('cronExpression: required, e.g. "0 0 2 * * ?" (2 AM daily)');
    validateCron(input.cronExpression, timezone, new Date(now));
    const tooOften = allowSubMinute ? undefined : subMinuteProblem(input.cronExpression);
    if (tooOften) throw new CronError(`cronExpression: ${tooOften}`);
  } catch (err) {
    asRequestError(err);
  }
  const enabled = input.enabled === undefined ? true : input.enabled === true || input.enabled === 'true';
  const job: JobRecord = {
    id,
    name: input.name,
    description: input.description,
    taskType: input.taskType,
    cronExpression: input.cronExpression.trim().replace(/\s+/g, ' '),
    timezone,
    enabled,
    parameters: parseJobParameters(input.taskType, input.parameters),
    vmSelectors: checkSelectors(input.vmSelectors),
    maxRetries: intField(input.maxRetries, 'maxRetries'),
    retryDelaySeconds: intField(input.retryDelaySeconds, 'retryDelaySeconds'),
    timeoutSeconds: intField(input.timeoutSeconds, 'timeoutSeconds'),
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
    // Fires are counted from here: a new job back-fills nothing.
    lastScheduledAt: previous?.lastScheduledAt ?? now,
    ...(allowSubMinute ? { allowSubMinute: true } : {}),
  };
  checkRunRequest(job);
  return job;
}
