// `moxxie jobs`: manage scheduler jobs from a terminal. Every change goes through the core's JobManager,
// which validates (errors name the field), refuses changes in a read-only context and audits them.
import { parseFlags } from '../src/config/command-flags.js';
import { CONTEXT_FLAGS, contextChoiceProblem } from '../src/config/context-flags.js';
import { exitStatusOf } from '../src/config/exit-status.js';
import { ReadOnlyError, RequestError } from '../src/ops/errors.js';
import { openMoxxie, type MoxxieSession } from '../src/open.js';
import { isManualOnly } from '../src/schedule/cron.js';
import { isDestructiveJob } from '../src/schedule/job-tasks.js';
import { executeJob } from '../src/schedule/job-executor.js';
import { JobInputError, readJobInput, readJobPatch, STDIN } from './job-json-input.js';
import { formatTime } from '../src/text/time.js';
import { jobDetail, jobsTable, runReport, runsTable, type JobListRow } from './job-text.js';
import type { JobRecord, JobRunRecord } from '../src/history/job-records.js';
import type { JobInput, JobPatch } from '../src/schedule/job-validation.js';
import type { JobChangeOptions, JobChangePreview } from '../src/schedule/jobs.js';
import { jobView, lastRuns, runView } from './job-views.js';
import { watchRunSignals } from './run-signals.js';

type Flag = 'file' | 'yes' | 'dry-run' | 'limit';

interface Subcommand {
  usage: string;
  about: string;
  /** The job it acts on, by name or id (create and update may also take "-": the JSON on stdin). */
  takes: 'nothing' | 'job' | 'optional job';
  flags: Flag[];
}

const SUBCOMMANDS: Record<string, Subcommand> = {
  list: { usage: 'list [--json]', about: 'Every job: name, task type, cron, enabled, next fire and the last run\'s result.', takes: 'nothing', flags: [] },
  show: { usage: 'show NAME [--json]', about: 'One job: its fields, its next 5 fire times and its recent runs.', takes: 'job', flags: [] },
  create: {
    usage: 'create --file job.json | - [--yes]',
    about:
      'Create a job from JSON in the seed\'s shape (name, description, taskType, cronExpression, enabled,\nparameters, vmSelectors; also timezone, maxRetries, retryDelaySeconds, timeoutSeconds, allowSubMinute).\n"-" reads stdin. A job whose runs would be destructive (snapshot_delete; power_schedule with stop\nor force) is saved only with --yes; without it, what its runs would do is shown and nothing is saved.',
    takes: 'nothing',
    flags: ['file', 'yes'],
  },
  update: {
    usage: 'update NAME --file patch.json | - [--yes]',
    about: 'Change the fields the JSON names (a rename keeps the schedule and the runs). "-" reads stdin.\nMaking a job destructive, or changing what a destructive job does (task type, parameters, selectors),\nneeds --yes, as creating it would.',
    takes: 'job',
    flags: ['file', 'yes'],
  },
  delete: { usage: 'delete NAME --yes', about: 'Delete a job; its past runs stay in the history. Refused without --yes.', takes: 'job', flags: ['yes'] },
  enable: { usage: 'enable NAME [--yes]', about: 'Let the scheduler fire the job again; fires from before are not caught up.\nA destructive job never confirmed needs --yes.', takes: 'job', flags: ['yes'] },
  disable: { usage: 'disable NAME', about: 'Stop the scheduler firing the job; it can still be triggered.', takes: 'job', flags: [] },
  trigger: {
    usage: 'trigger NAME [--dry-run] [--yes] [--json]',
    about: 'Run the job now (disabled jobs too) with its retries and timeout, wait, and print one row per VM.\n--dry-run shows what it would do and changes nothing. Ctrl+C cancels: nothing new starts.\nA destructive job (snapshot_delete; power_schedule with stop or force) runs only with --yes;\nwithout it, its plan is shown and nothing runs. Exit status 1 unless the run succeeded.',
    takes: 'job',
    flags: ['dry-run', 'yes'],
  },
  runs: { usage: 'runs [NAME] [--limit N] [--json]', about: 'Recent runs, newest first, of one job or of all (default limit 20).', takes: 'optional job', flags: ['limit'] },
};

const USAGE_LINES = Object.values(SUBCOMMANDS).map((s) => `  moxxie jobs ${s.usage}`).join('\n');

const COMMON = `Options for every subcommand:
  --context NAME   the cluster context (see moxxie config list); default: the current one
  --demo           the built-in simulated cluster
  --read-only      refuse every change; show, list, runs and trigger --dry-run still work
  --json           print JSON on stdout instead of text
  -h, --help       this help, or one subcommand's (moxxie jobs trigger --help)
`;

const HELP = `moxxie jobs SUBCOMMAND [--context NAME | --demo] [--read-only]

${USAGE_LINES}

Jobs live in the context's history file, shared with \`moxxie scheduler\`, the TUI and the MCP server.
NAME is a job's name or id.

${COMMON}
Exit status: 0 done; 1 a triggered run did not succeed, or the cluster or history failed;
2 bad arguments or input, an unknown job, or a refusal (read-only; delete, a destructive trigger, or saving
a destructive job, without --yes).
`;

const subcommandHelp = (s: Subcommand) => `moxxie jobs ${s.usage} [--context NAME | --demo] [--read-only]\n\n${s.about}\n\n${COMMON}`;

/** A bad command line; `sub` is the subcommand it was for, when known, to show just its usage. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly sub?: string,
  ) {
    super(message);
  }
}

function usageHint(sub: string | undefined): string {
  const spec = sub ? SUBCOMMANDS[sub] : undefined;
  return spec ? `usage: moxxie jobs ${spec.usage}   (moxxie jobs ${sub} --help for more)` : `usage:\n${USAGE_LINES}\n(moxxie jobs --help for more)`;
}

interface JobsArgs {
  sub: string;
  job?: string;
  /** create/update: a file path, or "-" for stdin. */
  source?: string;
  context?: string;
  demo: boolean;
  readOnly: boolean;
  json: boolean;
  yes: boolean;
  dryRun: boolean;
  limit: number;
  help: boolean;
}

const OPTIONS = {
  ...CONTEXT_FLAGS,
  'read-only': { type: 'boolean' },
  json: { type: 'boolean' },
  file: { type: 'string' },
  yes: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  limit: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse(argv: string[]): JobsArgs {
  let parsed;
  try {
    parsed = parseFlags({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (err) {
    // node's messages name the option ("Unknown option '--bogus'").
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const [sub = 'help', ...rest] = positionals;
  const help = !!values.help || sub === 'help';
  const args: JobsArgs = { sub, context: values.context, demo: !!values.demo, readOnly: !!values['read-only'], json: !!values.json, yes: !!values.yes, dryRun: !!values['dry-run'], limit: 20, help };
  // `moxxie jobs help trigger` is `moxxie jobs trigger --help`.
  if (sub === 'help') return SUBCOMMANDS[rest[0]] ? { ...args, sub: rest[0] } : args;
  const spec = SUBCOMMANDS[sub];
  if (!spec) throw new UsageError(`unknown subcommand '${sub}'; valid: ${Object.keys(SUBCOMMANDS).join(', ')}`);
  if (help) return args;
  for (const flag of ['file', 'yes', 'dry-run', 'limit'] as const) {
    if (values[flag] === undefined || spec.flags.includes(flag)) continue;
    const owners = Object.entries(SUBCOMMANDS).filter(([, s]) => s.flags.includes(flag)).map(([n]) => n);
    const named = owners.map((n) => `jobs ${n}`);
    const list = named.length > 1 ? `${named.slice(0, -1).join(', ')} and ${named.at(-1)}` : named[0];
    throw new UsageError(`--${flag} applies to ${list} only, not jobs ${sub}`, sub);
  }
  const contextProblem = contextChoiceProblem(values);
  if (contextProblem) throw new UsageError(contextProblem, sub);

  let extra = rest;
  if (spec.takes === 'job' || spec.takes === 'optional job') {
    [args.job, ...extra] = rest;
    if (spec.takes === 'job' && !args.job) throw new UsageError(`jobs ${sub} needs a job: its name or id`, sub);
  }
  if (spec.flags.includes('file')) {
    // The JSON comes from --file PATH, --file -, or a bare "-".
    const bareStdin = extra[0] === STDIN;
    if (bareStdin) extra = extra.slice(1);
    if (bareStdin && values.file !== undefined) throw new UsageError('give the JSON once: --file PATH, or - for stdin', sub);
    args.source = bareStdin ? STDIN : values.file;
    if (!args.source) throw new UsageError(`jobs ${sub} needs JSON: --file ${sub === 'create' ? 'job' : 'patch'}.json, or - to read stdin`, sub);
  }
  if (extra.length) throw new UsageError(`unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((a) => `'${a}'`).join(' ')}`, sub);
  if (values.limit !== undefined) {
    const n = Number(values.limit);
    if (!/^\d+$/.test(values.limit) || n < 1 || n > 1000) throw new UsageError(`--limit must be a whole number from 1 to 1000, got '${values.limit}'`, sub);
    args.limit = n;
  }
  return args;
}

const print = (text: string) => void process.stdout.write(`${text}\n`);
const printJson = (value: unknown) => print(JSON.stringify(value, null, 2));

async function listRow(session: MoxxieSession, job: JobRecord, lastRun: JobRunRecord | undefined): Promise<JobListRow> {
  const manualOnly = isManualOnly(job.cronExpression, { timezone: job.timezone });
  const nextFire = job.enabled ? (await session.jobs.preview(job.id, 1))[0] : undefined;
  return { job, nextFire, manualOnly, lastRun };
}

async function list(session: MoxxieSession, args: JobsArgs): Promise<number> {
  const [jobs, runs] = await Promise.all([session.jobs.list(), session.jobs.runs(undefined, { limit: 1000 })]);
  const latest = lastRuns(runs);
  const rows = await Promise.all(jobs.map((j) => listRow(session, j, latest.get(j.id))));
  if (!args.json) {
    print(jobsTable(rows));
    return 0;
  }
  printJson({
    jobs: rows.map((r) => ({
      ...jobView(r.job),
      nextRun: r.nextFire?.toISOString() ?? null,
      manualOnly: r.manualOnly,
      lastRun: r.lastRun ? { id: r.lastRun.id, status: r.lastRun.status, startedAt: new Date(r.lastRun.startedAt).toISOString(), ...(r.lastRun.finishedAt ? { finishedAt: new Date(r.lastRun.finishedAt).toISOString() } : {}) } : null,
    })),
  });
  return 0;
}

async function show(session: MoxxieSession, args: JobsArgs): Promise<number> {
  const job = await session.jobs.get(args.job!);
  const [fires, runs] = await Promise.all([session.jobs.preview(job.id, 5), session.jobs.runs(job.id, { limit: 10 })]);
  const manualOnly = isManualOnly(job.cronExpression, { timezone: job.timezone });
  if (args.json) printJson({ job: jobView(job), nextRuns: fires.map((d) => d.toISOString()), manualOnly, runs: runs.map(runView) });
  else print(jobDetail(job, fires, runs, manualOnly));
  return 0;
}

/** After a change: the job as JSON, or one line with its next fire. */
async function printChanged(session: MoxxieSession, args: JobsArgs, verb: string, job: JobRecord): Promise<number> {
  if (args.json) {
    printJson({ job: jobView(job) });
    return 0;
  }
  const row = await listRow(session, job, undefined);
  const when = !job.enabled ? 'disabled' : row.manualOnly ? 'manual only' : row.nextFire ? `next fire ${formatTime(row.nextFire, job.timezone)}` : 'never fires';
  print(`${verb} job ${job.name} (${job.id}): ${job.taskType}, cron "${job.cronExpression}"${job.timezone ? ` ${job.timezone}` : ''}, ${when}`);
  return 0;
}

/**
 * Saves a create, update or enable. A job whose runs would be destructive is confirmed as a trigger is:
 * without --yes, what its runs would do (and to which VMs now) is printed and nothing is saved.
 */
async function save(session: MoxxieSession, args: JobsArgs, verb: string, preview: JobChangePreview, commit: (opts: JobChangeOptions) => Promise<JobRecord>): Promise<number> {
  if (preview.needsConfirmation && !args.yes && !session.core.context.readOnly) {
    const job = preview.job;
    let planned: number | undefined;
    try {
      // The executor's dry run: which VMs a run would act on now (nothing is changed or recorded as a run).
      const plan = await executeJob(session.core, job, { dryRun: true });
      planned = plan.vms.filter((v) => v.state === 'planned').length;
      if (!args.json) print(runReport({ id: 'plan', jobId: job.id, jobName: job.name, trigger: 'manual', dryRun: true, startedAt: Date.now(), finishedAt: Date.now(), status: plan.status, attempts: 0, message: plan.message, vms: plan.vms, operationIds: [] }));
    } catch (err) {
      if (!args.json) print(`(which VMs a run would act on now could not be read: ${(err as Error).message})`);
    }
    throw new RequestError('--yes', `${preview.reason}${planned !== undefined ? ` (${planned} VM(s) now)` : ''}; nothing was saved. Run it again with --yes to save it`);
  }
  return printChanged(session, args, verb, await commit({ confirmed: args.yes }));
}

async function remove(session: MoxxieSession, args: JobsArgs): Promise<number> {
  const job = await session.jobs.get(args.job!);
  if (!args.yes) {
    process.stderr.write(`moxxie jobs delete: refusing to delete job ${job.name} (${job.id}, ${job.taskType}, cron "${job.cronExpression}") without --yes; nothing was changed. Run again with --yes to delete it (its past runs stay in the history).\n`);
    return 2;
  }
  await session.jobs.remove(job.id);
  if (args.json) printJson({ deleted: true, job: jobView(job) });
  else print(`Deleted job ${job.name} (${job.id}); its past runs stay in \`moxxie jobs runs\`.`);
  return 0;
}

/** Ctrl+C or SIGTERM cancels the run (nothing new starts); a second one stops waiting for running steps. */
function cancelOnSignals(session: MoxxieSession): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const signals = watchRunSignals(
    (name) => {
      process.stderr.write(`moxxie jobs: ${name}: cancelling the run; steps already running finish (again to stop waiting)\n`);
      controller.abort(`cancelled by ${name}`);
    },
    (name) => void session.jobs.abandonRunning(`stopped by a second ${name}`),
  );
  return { signal: controller.signal, dispose: () => signals.dispose() };
}

async function trigger(session: MoxxieSession, args: JobsArgs): Promise<number> {
  const job = await session.jobs.get(args.job!);
  if (!args.dryRun && !args.yes && isDestructiveJob(job, session.core.context) && !session.core.context.readOnly) {
    // The executor's dry run, not trigger's: a plan shown for confirmation is not a run of the job.
    const plan = await executeJob(session.core, job, { dryRun: true });
    const planned = plan.vms.filter((v) => v.state === 'planned');
    if (!args.json) print(runReport({ id: 'plan', jobId: job.id, jobName: job.name, trigger: 'manual', dryRun: true, startedAt: Date.now(), finishedAt: Date.now(), status: plan.status, attempts: 0, message: plan.message, vms: plan.vms, operationIds: [] }));
    throw new RequestError('--yes', `job ${job.name} (${job.taskType}) is destructive and would act on ${planned.length} VM(s); nothing ran. Run it with --yes, or look first with --dry-run`);
  }
  const cancel = cancelOnSignals(session);
  let run: JobRunRecord;
  try {
    run = await session.jobs.trigger(job.id, {
      dryRun: args.dryRun,
      signal: cancel.signal,
      onStart: (r) => {
        if (!args.json) print(`${r.id} ${job.name}: started${r.dryRun ? ' (dry run: nothing will change)' : ''}`);
      },
    });
  } finally {
    cancel.dispose();
  }
  if (args.json) printJson({ run: runView(run) });
  else print(runReport(run));
  return run.status === 'succeeded' ? 0 : 1;
}

async function runs(session: MoxxieSession, args: JobsArgs): Promise<number> {
  const found = await session.jobs.runs(args.job, { limit: args.limit });
  if (args.json) printJson({ runs: found.map(runView) });
  else print(runsTable(found));
  return 0;
}

async function dispatch(session: MoxxieSession, args: JobsArgs, input: JobInput | JobPatch | undefined): Promise<number> {
  switch (args.sub) {
    case 'list':
      return list(session, args);
    case 'show':
      return show(session, args);
    case 'create':
      return save(session, args, 'Created', session.jobs.previewCreate(input as JobInput), (opts) => session.jobs.create(input as JobInput, opts));
    case 'update': {
      const preview = await session.jobs.previewUpdate(args.job!, input as JobPatch);
      return save(session, args, 'Updated', preview, (opts) => session.jobs.update(preview.current.id, input as JobPatch, opts));
    }
    case 'delete':
      return remove(session, args);
    case 'enable': {
      const preview = await session.jobs.previewUpdate(args.job!, { enabled: true });
      return save(session, args, 'Enabled', preview, (opts) => session.jobs.enable(preview.current.id, opts));
    }
    case 'disable':
      return printChanged(session, args, 'Disabled', await session.jobs.disable(args.job!));
    case 'trigger':
      return trigger(session, args);
    case 'runs':
      return runs(session, args);
    default:
      throw new UsageError(`unknown subcommand '${args.sub}'`);
  }
}

/** The caller's mistake or a refusal (exit 2), as opposed to a failure of the cluster or the store. */
const isRefusal = (err: unknown) => err instanceof RequestError || err instanceof ReadOnlyError || err instanceof JobInputError;

export async function run(argv: string[]): Promise<number> {
  let args: JobsArgs;
  try {
    args = parse(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`moxxie jobs: ${err.message}\n${usageHint(err.sub)}\n`);
    return 2;
  }
  if (args.help) {
    const spec = SUBCOMMANDS[args.sub];
    // `moxxie jobs` alone is a missing subcommand (exit 2, as for every command); --help is asked for.
    const asked = argv.some((a) => a === '--help' || a === '-h' || a === 'help');
    (asked ? process.stdout : process.stderr).write(spec ? subcommandHelp(spec) : HELP);
    return asked ? 0 : 2;
  }

  // Read and shape-check the JSON before connecting, so a bad file fails fast.
  let input: JobInput | JobPatch | undefined;
  try {
    if (args.source !== undefined) input = args.sub === 'create' ? await readJobInput(args.source) : await readJobPatch(args.source);
  } catch (err) {
    if (!isRefusal(err)) throw err;
    process.stderr.write(`moxxie jobs ${args.sub}: ${(err as Error).message}\n`);
    return 2;
  }

  let session: MoxxieSession;
  try {
    session = await openMoxxie({ name: args.context, demo: args.demo, readOnly: args.readOnly, frontEnd: 'cli' });
  } catch (err) {
    // A context that cannot be opened is a configuration problem; a damaged history store is a failure.
    process.stderr.write(`moxxie jobs: ${(err as Error).message}\n`);
    return exitStatusOf(err);
  }
  try {
    return await dispatch(session, args, input);
  } catch (err) {
    process.stderr.write(`moxxie jobs ${args.sub}: ${(err as Error).message}\n`);
    return isRefusal(err) ? 2 : 1;
  } finally {
    await session.close();
  }
}
