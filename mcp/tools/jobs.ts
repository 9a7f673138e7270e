// Scheduler job tools: list, create and update (confirmation first when the job's runs would delete
// snapshots, stop VMs or force), delete (confirmation first), trigger (confirmation first when the job is
// destructive), runs. Jobs live in moxxie's history store, shared with the
// scheduler and the TUI.
import { z } from 'zod';
import { nextFireTimes } from '../../src/schedule/cron.js';
import { isDestructiveJob, jobEffect } from '../../src/schedule/job-tasks.js';
import { TASK_TYPES, type JobRecord, type JobRunRecord, type TaskType } from '../../src/history/job-records.js';
import type { JobChangePreview, JobInput, JobPatch } from '../../src/schedule/jobs.js';
import { executeJob } from '../../src/schedule/job-executor.js';
import { schedulerPresence } from '../../src/schedule/scheduler-presence.js';
import { confirmGate } from '../confirm-gate.js';
import { defineTool, READS_LOCAL, type AnyToolSpec } from '../define-tool.js';
import { followJobRun } from '../job-run-progress.js';
import { progressReporter } from '../progress.js';
import { confirmationShape, confirmInputShape, vmSelectorSchema } from '../schemas.js';
import type { ToolContext } from '../tool-context.js';
import { ToolInputError, ok } from '../tool-result.js';

const MAX_RUN_VMS = 50;

const jobSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().optional(),
  taskType: z.enum(TASK_TYPES as [TaskType, ...TaskType[]]),
  cronExpression: z.string(),
  timezone: z.string().optional(),
  enabled: z.boolean(),
  parameters: z.record(z.string(), z.unknown()),
  vmSelectors: z.array(vmSelectorSchema),
  maxRetries: z.number(),
  retryDelaySeconds: z.number(),
  timeoutSeconds: z.number(),
  allowSubMinute: z.boolean().optional().describe('the schedule may fire more than once a minute'),
  confirmed: z.object({ at: z.string(), frontEnd: z.string() }).optional().describe('a destructive job: when and through which front end it was confirmed'),
  nextRuns: z.array(z.string()).describe('the next fire times (enabled jobs), ISO 8601'),
});
type JobView = z.infer<typeof jobSchema>;

const runSchema = z.object({
  id: z.string(),
  jobName: z.string(),
  trigger: z.string(),
  dryRun: z.boolean(),
  status: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  attempts: z.number(),
  message: z.string().optional(),
  counts: z.record(z.string(), z.number()).describe('VMs by state'),
  vms: z.array(z.object({ vmid: z.number(), name: z.string(), state: z.string(), message: z.string().optional() })).describe(`per-VM rows, failures first, at most ${MAX_RUN_VMS}`),
  vmsOmitted: z.number(),
  operationIds: z.array(z.string()),
});
type RunView = z.infer<typeof runSchema>;

/** Whether the jobs fire at all: a scheduler runs for this context (its lease in the state directory) or not. */
const schedulerSchema = z.object({ running: z.boolean(), holder: z.string().optional(), note: z.string() });

/** A job's fields as types; create_job describes them (below), update_job takes the same and says so once. */
const jobFieldTypes = {
  description: z.string().optional(),
  taskType: z.enum(TASK_TYPES as [TaskType, ...TaskType[]]),
  cronExpression: z.string(),
  timezone: z.string().optional(),
  enabled: z.boolean().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  vmSelectors: z.array(vmSelectorSchema),
  maxRetries: z.number().int().min(0).max(10).optional(),
  retryDelaySeconds: z.number().int().min(0).max(86400).optional(),
  timeoutSeconds: z.number().int().min(10).max(86400).optional(),
  allowSubMinute: z.boolean().optional(),
};

const jobFields = {
  ...jobFieldTypes,
  cronExpression: jobFieldTypes.cronExpression.describe('Quartz 6-7 fields ("0 0 2 * * ?" daily 02:00, "0 0 0 1 1 ? 2099" manual only) or 5-field cron'),
  timezone: jobFieldTypes.timezone.describe('IANA zone; default: the scheduler host\'s'),
  enabled: jobFieldTypes.enabled.describe('default true'),
  // The listing shows the text before the dash; describe_tool the rest.
  parameters: jobFieldTypes.parameters.describe(
    'per taskType — snapshot_create: snapshotNamePattern (required), description, snapshotTTL (hours), maxSnapshots (rotation) or retention (PVE keep options over its own snapshots, e.g. keep-daily=7,keep-weekly=4), includeVmState; snapshot_delete: ageThresholdHours, namePattern, checkDescription (expired TTL), safeMode, dryRun; power_schedule: action start|shutdown|stop, force, timeoutSeconds; backup_create: storage (required), mode, compress, notes, ttlDays, removeOlder, protectBackup, mailNotification; backup_verify: node, storage, bootTimeoutSeconds; backup_prune: retentionPolicy (days:N, count:N, monthly:N or keep-* options), tags, storage, dryRun (vmSelectors VM_IDS or ALL). All: maxParallel',
  ),
  vmSelectors: jobFieldTypes.vmSelectors.describe('which VMs, resolved at each run'),
  maxRetries: jobFieldTypes.maxRetries.describe('default 0'),
  timeoutSeconds: jobFieldTypes.timeoutSeconds.describe('a run is stopped after this (default 3600)'),
  allowSubMinute: jobFieldTypes.allowSubMinute.describe('needed for a schedule firing more than once a minute'),
};

/** update_job's fields: create_job's, all optional; only parameters keeps its description (describe_tool details it). */
const PATCH_FIELDS = Object.fromEntries(
  Object.entries(jobFieldTypes).map(([k, v]) => [k, k === 'parameters' ? jobFields.parameters : v.optional()]),
) as { [K in keyof typeof jobFieldTypes]: z.ZodOptional<(typeof jobFieldTypes)[K]> };

const ROW_ORDER = ['failed', 'cancelled', 'running', 'planned', 'succeeded', 'skipped'];

function runView(r: JobRunRecord): RunView {
  const counts: Record<string, number> = {};
  for (const v of r.vms) counts[v.state] = (counts[v.state] ?? 0) + 1;
  const rank = (s: string) => (ROW_ORDER.includes(s) ? ROW_ORDER.indexOf(s) : ROW_ORDER.length);
  const vms = [...r.vms].sort((a, b) => rank(a.state) - rank(b.state)).slice(0, MAX_RUN_VMS);
  return {
    id: r.id,
    jobName: r.jobName,
    trigger: r.trigger,
    dryRun: r.dryRun,
    status: r.status,
    startedAt: new Date(r.startedAt).toISOString(),
    ...(r.finishedAt ? { finishedAt: new Date(r.finishedAt).toISOString() } : {}),
    attempts: r.attempts,
    ...(r.message ? { message: r.message } : {}),
    counts,
    vms: vms.map((v) => ({ vmid: v.vmid, name: v.name, state: v.state, ...(v.message ? { message: v.message } : {}) })),
    vmsOmitted: r.vms.length - vms.length,
    operationIds: r.operationIds,
  };
}

function runLine(r: RunView): string {
  const counts = Object.entries(r.counts).map(([k, n]) => `${n} ${k}`).join(', ');
  return `${r.startedAt} ${r.jobName}: ${r.status}${r.dryRun ? ' (dry run)' : ''}${counts ? `, ${counts}` : ''}${r.message ? ` — ${r.message}` : ''}`;
}

export function jobTools(ctx: ToolContext): AnyToolSpec[] {
  const jobView = async (j: JobRecord): Promise<JobView> => ({
    id: j.id,
    name: j.name,
    ...(j.description !== undefined ? { description: j.description } : {}),
    taskType: j.taskType,
    cronExpression: j.cronExpression,
    ...(j.timezone !== undefined ? { timezone: j.timezone } : {}),
    enabled: j.enabled,
    parameters: { ...j.parameters },
    vmSelectors: j.vmSelectors,
    maxRetries: j.maxRetries,
    retryDelaySeconds: j.retryDelaySeconds,
    timeoutSeconds: j.timeoutSeconds,
    ...(j.allowSubMinute ? { allowSubMinute: true } : {}),
    ...(j.confirmation ? { confirmed: { at: new Date(j.confirmation.at).toISOString(), frontEnd: j.confirmation.frontEnd } } : {}),
    // From the job itself, so a job not saved yet (a plan awaiting confirmation) has them too.
    nextRuns: j.enabled ? nextFireTimes(j.cronExpression, 3, { timezone: j.timezone }).map((d) => d.toISOString()) : [],
  });

  /**
   * A create or update of a job whose runs would be destructive goes through the confirmation gate as
   * trigger_job does: the plan is the job and what its runs would do (and to which VMs right now).
   */
  const gateJobChange = async (tool: 'create_job' | 'update_job', request: object, confirm: string | undefined, preview: JobChangePreview, extra: Parameters<typeof confirmGate>[1]) => {
    if (!preview.needsConfirmation || ctx.readOnly) {
      // A read-only server: the core refuses the change itself.
      if (confirm !== undefined && !ctx.readOnly) throw new ToolInputError(`job ${preview.job.name} is not destructive, so ${tool} takes no confirm token; call it again without confirm`);
      return { proceed: true as const, via: undefined };
    }
    const job = preview.job;
    return confirmGate(ctx, extra, {
      tool,
      request,
      confirm,
      plan: async () => {
        let now: string;
        try {
          const dry = await executeJob(ctx.core, job, { dryRun: true, signal: extra.signal });
          const planned = dry.vms.filter((v) => v.state === 'planned');
          now = `right now that is ${planned.length} VM(s)${planned.length ? `: ${planned.slice(0, 10).map((v) => `${v.vmid} ${v.name}`).join(', ')}${planned.length > 10 ? ', …' : ''}` : ''}`;
        } catch (err) {
          now = `which VMs it would act on right now could not be read (${(err as Error).message})`;
        }
        const view = await jobView(job);
        // A job not saved yet has no id to show.
        const line = tool === 'create_job' ? jobLine(view).replace(` (${view.id})`, '') : jobLine(view);
        return {
          text: `${tool === 'create_job' ? 'Creating' : 'Changing'} job ${line}: ${preview.reason}; ${now}. Once saved, the scheduler runs it on its schedule without asking again.`,
          // What the runs would do, and the job as it was (an update): a change meanwhile means a new plan.
          fingerprint: `${jobEffect(job)}:${job.enabled}:${preview.current ? `${preview.current.id}@${preview.current.updatedAt}` : 'new'}`,
          affected: 1,
          view: { job: view },
        };
      },
    });
  };
  const schedulerNow = () => schedulerPresence(ctx.history.dir);
  const jobLine = (j: JobView) => `${j.name} (${j.id}): ${j.taskType}, cron "${j.cronExpression}"${j.enabled ? (j.nextRuns[0] ? `, next ${j.nextRuns[0]}` : '') : ', disabled'}`;

  const listJobs = defineTool({
    name: 'list_jobs',
    title: 'List scheduler jobs',
    description: 'Scheduler jobs with schedule, parameters and next fire times, and whether a scheduler is running for this context.',
    input: { taskType: z.enum(TASK_TYPES as [TaskType, ...TaskType[]]).optional().describe('only jobs of this type') },
    output: { total: z.number(), jobs: z.array(jobSchema), scheduler: schedulerSchema },
    annotations: READS_LOCAL,
    run: async ({ taskType }) => {
      const jobs = await Promise.all((await ctx.jobs.list()).filter((j) => !taskType || j.taskType === taskType).map(jobView));
      const scheduler = await schedulerNow();
      return ok(`${jobs.length ? [`${jobs.length} job(s):`, ...jobs.map(jobLine)].join('\n') : 'No jobs yet; create_job makes one.'}\nScheduler: ${scheduler.note}.`, { total: jobs.length, jobs, scheduler });
    },
  });

  const createJob = defineTool({
    name: 'create_job',
    title: 'Create a scheduler job',
    description: 'Create a recurring job (name, taskType, cronExpression, parameters, vmSelectors); checked now. Destructive jobs are confirmed first. It fires only while a scheduler runs for this context; the answer says whether one does.',
    input: { name: z.string().describe('unique: letters, digits, . _ -'), ...jobFields, ...confirmInputShape },
    output: { job: jobSchema, scheduler: schedulerSchema.optional(), ...confirmationShape },
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    run: async ({ confirm, ...input }, extra) => {
      // Validated first (errors name the field); a destructive job is then confirmed as trigger_job is.
      const preview = ctx.jobs.previewCreate(input as JobInput);
      const gate = await gateJobChange('create_job', input, confirm, preview, extra);
      if (!gate.proceed) return gate.result;
      const job = await ctx.jobs.create(input as JobInput, { confirmed: gate.via !== undefined });
      const view = await jobView(job);
      const scheduler = await schedulerNow();
      return ok(`Created ${jobLine(view)}.${view.nextRuns.length ? ` Next runs: ${view.nextRuns.join(', ')}.` : ''}\nScheduler: ${scheduler.note}.`, { job: view, scheduler, needsConfirmation: false, ...(gate.via ? { confirmedVia: gate.via } : {}) });
    },
  });

  const updateJob = defineTool({
    name: 'update_job',
    title: 'Update a scheduler job',
    description: 'Change a job (by id or name): any create_job field, or enabled false/true to pause/resume. A change that makes it destructive is confirmed first.',
    input: { job: z.string().describe('job id or name'), name: z.string().optional().describe('a new name'), ...PATCH_FIELDS, ...confirmInputShape },
    output: { job: jobSchema, scheduler: schedulerSchema.optional(), ...confirmationShape },
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    run: async (args, extra) => {
      const { job: which, confirm, ...patch } = args;
      if (!Object.values(patch).some((v) => v !== undefined)) throw new ToolInputError('nothing to change: give at least one field, e.g. enabled: false or cronExpression');
      const preview = await ctx.jobs.previewUpdate(which, patch as JobPatch);
      const gate = await gateJobChange('update_job', { job: preview.current.id, ...patch }, confirm, preview, extra);
      if (!gate.proceed) return gate.result;
      const job = await ctx.jobs.update(preview.current.id, patch as JobPatch, { confirmed: gate.via !== undefined });
      const view = await jobView(job);
      const scheduler = await schedulerNow();
      return ok(`Updated ${jobLine(view)}.\nScheduler: ${scheduler.note}.`, { job: view, scheduler, needsConfirmation: false, ...(gate.via ? { confirmedVia: gate.via } : {}) });
    },
  });

  const deleteJob = defineTool({
    name: 'delete_job',
    title: 'Delete a scheduler job',
    description: 'Delete a job; its past runs stay in history. Confirmed first.',
    input: { job: z.string().describe('job id or name'), ...confirmInputShape },
    output: { deleted: z.boolean(), job: jobSchema, ...confirmationShape },
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    run: async ({ job, confirm }, extra) => {
      const found = await ctx.jobs.get(job);
      const view = await jobView(found);
      const gate = await confirmGate(ctx, extra, {
        tool: 'delete_job',
        request: { job: found.id },
        confirm,
        plan: async () => ({ text: `Would delete job ${jobLine(view)}.`, fingerprint: `${found.id}@${found.updatedAt}`, affected: 1, view: { deleted: false, job: view } }),
      });
      if (!gate.proceed) return gate.result;
      await ctx.jobs.remove(found.id);
      return ok(`Deleted job ${found.name}; its past runs stay in list_job_runs.`, { deleted: true, job: view, needsConfirmation: false, confirmedVia: gate.via });
    },
  });

  const triggerJob = defineTool({
    name: 'trigger_job',
    title: 'Run a job now',
    description: 'Run a job now (disabled ones too), with its retries and timeout; destructive jobs are confirmed first.',
    input: {
      job: z.string().describe('job id or name'),
      dryRun: z.boolean().optional(),
      wait: z.boolean().optional().describe('false: answer as soon as the run starts; list_job_runs follows it (default true)'),
      ...confirmInputShape,
    },
    output: { run: runSchema, ...confirmationShape },
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    run: async ({ job, dryRun, wait, confirm }, extra) => {
      if (ctx.readOnly && !dryRun) throw new ToolInputError('trigger_job is refused: this MCP server is read-only. Use dryRun: true to preview the run.');
      const found = await ctx.jobs.get(job);
      let confirmedVia: 'token' | 'elicitation' | undefined;
      if (!dryRun && isDestructiveJob(found, ctx.core.context)) {
        const gate = await confirmGate(ctx, extra, {
          tool: 'trigger_job',
          request: { job: found.id },
          confirm,
          plan: async () => {
            // The executor's dry run, not trigger's: a plan shown for confirmation is not a run of the job.
            const preview = await executeJob(ctx.core, found, { dryRun: true, signal: extra.signal });
            const planned = preview.vms.filter((v) => v.state === 'planned');
            return {
              text: `Running job ${found.name} (${found.taskType}) now would act on ${planned.length} VM(s)${planned.length ? `: ${planned.slice(0, 10).map((v) => `${v.vmid} ${v.name}`).join(', ')}${planned.length > 10 ? ', …' : ''}` : ''}.`,
              fingerprint: `${found.id}@${found.updatedAt}:${planned.map((v) => v.vmid).sort((a, b) => a - b).join(',')}`,
              affected: planned.length,
              view: { run: runView({ id: 'plan', jobId: found.id, jobName: found.name, trigger: 'manual', dryRun: true, startedAt: Date.now(), finishedAt: Date.now(), status: preview.status, attempts: 0, message: preview.message, vms: preview.vms, operationIds: [] }) },
            };
          },
        });
        if (!gate.proceed) return gate.result;
        confirmedVia = gate.via;
      } else if (confirm !== undefined && !dryRun) {
        throw new ToolInputError(`job ${found.name} (${found.taskType}) is not destructive and takes no confirm token; call trigger_job again without confirm`);
      }
      const via = confirmedVia ? { confirmedVia } : {};
      if (wait === false && !dryRun) {
        // Answered once the run is claimed; a run skipped by the overlap rule answers when it is recorded.
        const started = await new Promise<JobRunRecord | Error>((resolve) => {
          ctx.jobs.trigger(found.id, { onStart: resolve }).then(resolve, (err: unknown) => resolve(err instanceof Error ? err : new Error(String(err))));
        });
        if (started instanceof Error) throw started;
        const run = runView(started);
        return ok(`${runLine(run)}\nRunning in the background: follow it with list_job_runs {"job":"${found.name}"}.`, { run, needsConfirmation: false, ...via });
      }
      const progress = progressReporter(extra);
      // A dry run starts no operation that reports progress.
      const follower = progress.listener && !dryRun ? followJobRun(ctx.core.operations, ctx.jobs, progress.listener) : undefined;
      let finished: JobRunRecord;
      try {
        // A client that cancels the request cancels the run, as with the bulk tools: nothing new starts.
        finished = await ctx.jobs.trigger(found.id, { dryRun, onStart: follower?.onStart, signal: extra.signal });
      } finally {
        follower?.stop();
      }
      await progress.flush();
      const run = runView(finished);
      return ok(runLine(run), { run, needsConfirmation: false, ...via });
    },
  });

  const listJobRuns = defineTool({
    name: 'list_job_runs',
    title: 'List job runs',
    description: 'Recent runs of one job or all, newest first; get_operation shows a run\'s operations.',
    input: { job: z.string().optional().describe('job id or name; all jobs when left out'), limit: z.number().int().min(1).max(100).optional().describe('default 10') },
    output: { runs: z.array(runSchema.omit({ vms: true, vmsOmitted: true })) },
    annotations: READS_LOCAL,
    run: async ({ job, limit }) => {
      const runs = (await ctx.jobs.runs(job, { limit: limit ?? 10 })).map(runView).map(({ vms: _vms, vmsOmitted: _omitted, ...rest }) => rest);
      return ok(runs.length ? runs.map((r) => runLine({ ...r, vms: [], vmsOmitted: 0 })).join('\n') : 'No runs yet.', { runs });
    },
  });

  return [listJobs, createJob, updateJob, deleteJob, triggerJob, listJobRuns];
}
