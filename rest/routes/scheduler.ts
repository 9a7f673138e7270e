// Scheduled jobs through the JobManager every front end uses: list, create, show, update, delete, trigger.
// A REST caller's verb is its intent, so a destructive job is saved as confirmed by the 'api' front end.
import { z } from 'zod';
import { TASK_TYPES, type JobRecord, type JobRunRecord } from '../../src/history/job-records.js';
import { vmSelectorSchema } from '../../src/ops/capabilities/bulk-fields.js';
import { RequestError } from '../../src/ops/errors.js';
import { enumField, textField } from '../../src/ops/request-schema.js';
import { nextFireTimes } from '../../src/schedule/cron.js';
import { OUTPUT_ONLY_FIELDS, type JobInput, type JobPatch } from '../../src/schedule/job-validation.js';
import { notFound } from '../errors.js';
import type { Answer, HandlerRoute } from '../route-table.js';
import { controlQuery } from '../schemas.js';

const flagText = z.union([z.boolean(), z.enum(['true', 'false'])], { error: (iss) => `must be true or false (got ${JSON.stringify(iss.input)})` });
const countText = z.union([z.number(), z.string()], { error: (iss) => `must be a whole number (got ${JSON.stringify(iss.input)})` });

/** The seed's job fields; the fields moxxie sets itself are accepted and ignored, so a job read back can be sent back. */
const jobFields = {
  name: textField('required: the job name, e.g. "daily-snapshots"'),
  description: z.string({ error: 'must be a string' }).optional(),
  taskType: enumField(TASK_TYPES as unknown as [string, ...string[]]),
  cronExpression: textField('required: a Quartz cron expression, e.g. "0 0 2 * * ?" (daily at 02:00)'),
  timezone: z.string().optional().describe('IANA zone such as "Europe/Amsterdam"; default: the scheduler host\'s'),
  enabled: flagText.optional(),
  parameters: z.record(z.string(), z.unknown(), { error: 'must be an object of task parameters' }).optional(),
  vmSelectors: z.array(vmSelectorSchema, { error: 'required: a list of selectors, e.g. [{"type":"NAME_PATTERN","value":"workshop-*"}]' }),
  maxRetries: countText.optional(),
  retryDelaySeconds: countText.optional(),
  timeoutSeconds: countText.optional(),
  allowSubMinute: flagText.optional(),
  ...Object.fromEntries(OUTPUT_ONLY_FIELDS.map((f) => [f, z.unknown().optional().describe('set by moxxie; ignored')])),
};
const createBody = z.strictObject(jobFields);
const updateBody = createBody.partial();

const dropOutputOnly = <T extends object>(input: T): T => Object.fromEntries(Object.entries(input).filter(([k]) => !(OUTPUT_ONLY_FIELDS as readonly string[]).includes(k))) as T;

const jobView = (job: JobRecord) => {
  let nextRun: string | undefined;
  try {
    nextRun = job.enabled ? nextFireTimes(job.cronExpression, 1, { timezone: job.timezone })[0]?.toISOString() : undefined;
  } catch {
    nextRun = undefined;
  }
  return { ...job, ...(nextRun ? { nextRun } : {}) };
};

const jobSchema = z.looseObject({ id: z.string(), name: z.string(), taskType: z.string(), cronExpression: z.string(), enabled: z.boolean(), nextRun: z.string().optional() });
const runSchema = z.looseObject({ id: z.string(), jobId: z.string(), jobName: z.string(), status: z.string(), operationIds: z.array(z.string()) });

/** The JobManager names an unknown job in a RequestError on 'job': here that is a 404. */
async function known<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof RequestError && err.field === 'job') throw notFound(err.message.replace(/^job: /, ''));
    throw err;
  }
}

const jobParams = z.strictObject({ id: z.string().min(1).describe('a job id or its name') });
const dryRunQuery = z.strictObject({ dryRun: controlQuery.dryRun });

const listJobs: HandlerRoute = {
  method: 'GET',
  url: '/scheduler/jobs',
  summary: 'Every scheduled job',
  group: 'Scheduler',
  response: z.array(jobSchema),
  async handle({ jobs }) {
    return { body: (await jobs.list()).map(jobView) };
  },
};

const createJob: HandlerRoute<undefined, { dryRun?: boolean }, JobInput> = {
  method: 'POST',
  url: '/scheduler/jobs',
  summary: 'Create a job (201); ?dryRun=true answers the validated job without saving it',
  group: 'Scheduler',
  query: dryRunQuery,
  body: createBody,
  response: jobSchema,
  async handle({ jobs }, { query, body }) {
    const input = dropOutputOnly(body);
    if (query.dryRun) return { body: jobView(jobs.previewCreate(input).job) };
    return { status: 201, body: jobView(await jobs.create(input, { confirmed: true })) };
  },
};

const getJob: HandlerRoute<{ id: string }> = {
  method: 'GET',
  url: '/scheduler/jobs/:id',
  summary: 'One job by id or name',
  group: 'Scheduler',
  params: jobParams,
  response: jobSchema,
  async handle({ jobs }, { params }) {
    return { body: jobView(await known(() => jobs.get(params.id))) };
  },
};

const updateJob: HandlerRoute<{ id: string }, { dryRun?: boolean }, JobPatch> = {
  method: 'PUT',
  url: '/scheduler/jobs/:id',
  summary: 'Change any part of a job (a rename keeps its id and runs)',
  group: 'Scheduler',
  params: jobParams,
  query: dryRunQuery,
  body: updateBody,
  response: jobSchema,
  async handle({ jobs }, { params, query, body }) {
    const patch = dropOutputOnly(body);
    if (query.dryRun) return { body: jobView((await known(() => jobs.previewUpdate(params.id, patch))).job) };
    return { body: jobView(await known(() => jobs.update(params.id, patch, { confirmed: true }))) };
  },
};

const deleteJob: HandlerRoute<{ id: string }, { dryRun?: boolean }> = {
  method: 'DELETE',
  url: '/scheduler/jobs/:id',
  summary: 'Delete a job (its past runs stay in the history)',
  group: 'Scheduler',
  params: jobParams,
  query: dryRunQuery,
  response: z.object({ deleted: z.boolean(), dryRun: z.boolean(), job: jobSchema }),
  async handle({ jobs }, { params, query }) {
    if (query.dryRun) return { body: { deleted: false, dryRun: true, job: jobView(await known(() => jobs.get(params.id))) } };
    return { body: { deleted: true, dryRun: false, job: jobView(await known(() => jobs.remove(params.id))) } };
  },
};

const triggerJob: HandlerRoute<{ id: string }, { wait?: boolean; dryRun?: boolean }> = {
  method: 'POST',
  url: '/scheduler/jobs/:id/trigger',
  summary: 'Run a job now (disabled ones too): 202 with the run once it started, or 200 with its outcome when ?wait=true',
  group: 'Scheduler',
  params: jobParams,
  query: z.strictObject(controlQuery),
  response: runSchema,
  async handle({ jobs }, { params, query }): Promise<Answer> {
    await known(() => jobs.get(params.id));
    let onStart!: (run: JobRunRecord) => void;
    const started = new Promise<JobRunRecord>((resolve) => (onStart = resolve));
    const done = jobs.trigger(params.id, { dryRun: query.dryRun === true, onStart });
    if (query.wait || query.dryRun) return { body: await done };
    // A run refused before it starts (the overlap rule) ends at once: its record is the answer.
    const first = await Promise.race([started.then((run) => ({ run, finished: false })), done.then((run) => ({ run, finished: true }))]);
    // The run goes on; its outcome is in the history (and a failure to record it is reported there).
    done.catch(() => undefined);
    return first.finished ? { body: first.run } : { status: 202, body: { ...first.run } };
  },
};

export const schedulerRoutes = [listJobs, createJob, getJob, updateJob, deleteJob, triggerJob];
