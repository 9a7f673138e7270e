// Scheduler job tools: list, create, update, delete (confirm token), trigger (or dry-run), runs.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { JobRecord, JobRunRecord } from '../../src/schedule/job-types.js';
import type { JobInput } from '../../src/schedule/jobs.js';
import type { VmSelector } from '../../src/select/types.js';
import { vmSelectorSchema } from '../schemas.js';
import type { ToolContext } from '../tool-context.js';
import { failure, guarded, ok } from '../tool-result.js';

const jobRow = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().optional(),
  taskType: z.string(),
  cronExpression: z.string(),
  timezone: z.string().optional(),
  enabled: z.boolean(),
  parameters: z.record(z.string(), z.unknown()),
  vmSelectors: z.array(vmSelectorSchema),
  maxRetries: z.number(),
  retryDelaySeconds: z.number(),
  timeoutSeconds: z.number(),
  nextRuns: z.array(z.string()),
});
const runRow = z.object({
  id: z.string(),
  jobName: z.string(),
  trigger: z.string(),
  dryRun: z.boolean(),
  status: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  attempts: z.number(),
  message: z.string().optional(),
  vms: z.array(z.object({ vmid: z.number(), name: z.string(), state: z.string(), message: z.string().optional() })),
});

const jobFields = {
  description: z.string().optional(),
  taskType: z.enum(['snapshot_create', 'snapshot_delete', 'power_schedule']),
  cronExpression: z.string().describe('Quartz ("0 0 2 * * ?", "0 0/15 * * * ?", "0 0 0 1 1 ? 2099" = manual only) or 5-field cron'),
  timezone: z.string().optional().describe('IANA zone; default the scheduler host’s'),
  enabled: z.boolean().optional(),
  parameters: z.record(z.string(), z.unknown()).optional().describe('per task type, e.g. {"snapshotNamePattern":"auto-{vm}-{date}","maxSnapshots":7}'),
  vmSelectors: z.array(vmSelectorSchema),
  maxRetries: z.number().int().min(0).max(10).optional(),
  retryDelaySeconds: z.number().int().min(0).optional(),
  timeoutSeconds: z.number().int().min(10).optional(),
};

async function jobView(ctx: ToolContext, j: JobRecord): Promise<Record<string, unknown>> {
  const next = j.enabled ? (await ctx.jobs.preview(j.id, 3)).map((d) => d.toISOString()) : [];
  const { createdAt: _c, updatedAt: _u, lastScheduledAt: _l, ...rest } = j;
  return { ...rest, parameters: { ...j.parameters }, nextRuns: next };
}

function runView(r: JobRunRecord): Record<string, unknown> {
  return {
    id: r.id,
    jobName: r.jobName,
    trigger: r.trigger,
    dryRun: r.dryRun,
    status: r.status,
    startedAt: new Date(r.startedAt).toISOString(),
    finishedAt: r.finishedAt ? new Date(r.finishedAt).toISOString() : undefined,
    attempts: r.attempts,
    message: r.message,
    vms: r.vms.slice(0, 200),
  };
}

const LOCAL_READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

export function registerJobTools(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'list_jobs',
    { title: 'List scheduler jobs', description: 'Every scheduler job with its schedule, parameters and next fire times.', inputSchema: {}, outputSchema: { jobs: z.array(jobRow) }, annotations: LOCAL_READ },
    () =>
      guarded(async () => {
        const jobs = await Promise.all((await ctx.jobs.list()).map((j) => jobView(ctx, j)));
        return ok(jobs.length ? jobs.map((j) => `${String(j.name)} (${String(j.taskType)}, ${String(j.cronExpression)}${j.enabled ? '' : ', disabled'})`).join('\n') : 'no jobs', { jobs });
      }),
  );

  server.registerTool(
      'create_job',
      {
        title: 'Create a scheduler job',
        description: 'Create a recurring job (seed shape). Cron, parameters and selectors are validated now; errors name the field.',
        inputSchema: { name: z.string(), ...jobFields },
        outputSchema: { job: jobRow },
        annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
      },
      (args) =>
        guarded(async () => {
          const job = await ctx.jobs.create({ ...args, vmSelectors: args.vmSelectors as VmSelector[] } as JobInput);
          const view = await jobView(ctx, job);
          return ok(`created job ${job.name} (${job.id}); next runs: ${(view.nextRuns as string[]).join(', ') || 'none'}`, { job: view });
        }),
  );

  server.registerTool(
      'update_job',
      {
        title: 'Update a scheduler job',
        description: 'Change a job (by id or name): any field, including name (the schedule and run history stay attached) and enabled.',
        inputSchema: { job: z.string().describe('id or name'), name: z.string().optional(), ...Object.fromEntries(Object.entries(jobFields).map(([k, v]) => [k, v.optional()])) },
        outputSchema: { job: jobRow },
        annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
      },
      (args) =>
        guarded(async () => {
          const { job: which, ...patch } = args as Record<string, unknown> & { job: string };
          const job = await ctx.jobs.update(which, patch as Partial<JobInput>);
          return ok(`updated job ${job.name}`, { job: await jobView(ctx, job) });
        }),
  );

  server.registerTool(
      'delete_job',
      {
        title: 'Delete a scheduler job',
        description: 'Delete a job (its past runs stay in history). Destructive: the first call answers with a confirmToken; call again with confirm.',
        inputSchema: { job: z.string().describe('id or name'), confirm: z.string().optional() },
        outputSchema: { deleted: z.boolean(), needsConfirmation: z.boolean(), confirmToken: z.string().optional(), job: jobRow.optional() },
        annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
      },
      ({ job, confirm }) =>
        guarded(async () => {
          const found = await ctx.jobs.get(job);
          const request = { job: found.id };
          if (!confirm) {
            const token = ctx.confirmations.issue('delete_job', request);
            return ok(`Would delete job ${found.name} (${found.taskType}, ${found.cronExpression}). Call delete_job again with confirm: "${token}".`, { deleted: false, needsConfirmation: true, confirmToken: token, job: await jobView(ctx, found) });
          }
          const why = ctx.confirmations.redeem('delete_job', request, confirm);
          if (why) return failure(new Error(why));
          await ctx.jobs.remove(found.id);
          return ok(`deleted job ${found.name}`, { deleted: true, needsConfirmation: false });
        }),
  );

  server.registerTool(
      'trigger_job',
      {
        title: 'Run a job now',
        description: 'Run a job immediately (disabled jobs too), or with dryRun show what it would do. Follows the job’s retries and timeout; a job never runs twice at once.',
        inputSchema: { job: z.string().describe('id or name'), dryRun: z.boolean().optional() },
        outputSchema: { run: runRow },
        annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
      },
      ({ job, dryRun }) =>
        guarded(async () => {
          if (ctx.readOnly && !dryRun) throw new Error('trigger_job is refused: this MCP server runs read-only; use dryRun: true to preview');
          const run = await ctx.jobs.trigger(job, { dryRun });
          return ok(`${run.jobName}: ${run.status}${run.dryRun ? ' (dry run)' : ''}, ${run.vms.length} VM(s)${run.message ? ` — ${run.message}` : ''}`, { run: runView(run) });
        }),
  );

  server.registerTool(
    'list_job_runs',
    {
      title: 'List job runs',
      description: 'Recent runs of one job (or all jobs), newest first, with per-VM rows.',
      inputSchema: { job: z.string().optional().describe('id or name'), limit: z.number().int().min(1).max(100).optional() },
      outputSchema: { runs: z.array(runRow) },
      annotations: LOCAL_READ,
    },
    ({ job, limit }) =>
      guarded(async () => {
        const runs = await ctx.jobs.runs(job, { limit: limit ?? 20 });
        return ok(runs.length ? runs.map((r) => `${new Date(r.startedAt).toISOString()} ${r.jobName}: ${r.status}`).join('\n') : 'no runs', { runs: runs.map(runView) });
      }),
  );
}
