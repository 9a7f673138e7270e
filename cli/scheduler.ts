// `moxxie scheduler`: runs due jobs until SIGTERM/SIGINT (headless), or once with --once.
import { parseFlags } from '../src/config/command-flags.js';
import { CONTEXT_FLAGS, contextChoiceProblem } from '../src/config/context-flags.js';
import { loadConfig } from '../src/config/contexts.js';
import { openContext, type OpenedContext } from '../src/config/open-context.js';
import { configFile } from '../src/config/paths.js';
import { HistoryDamagedError } from '../src/history/damaged.js';
import { openHistory } from '../src/history/store.js';
import type { RetentionPolicy } from '../src/history/records.js';
import { createCore } from '../src/ops/core.js';
import { JobManager } from '../src/schedule/jobs.js';
import { acquireSchedulerLease, LeaseTakenError, type Lease } from '../src/schedule/lease.js';
import { jsonLine, textLine } from './scheduler-log.js';
import { watchRunSignals } from './run-signals.js';
import { Scheduler, type SchedulerLogEvent } from '../src/schedule/scheduler.js';
import { contextVmids } from '../src/ops/vmid-allocator.js';

const HELP = `moxxie scheduler [--context NAME | --demo] [--once] [--json] [--wait]
                 [--grace SECONDS] [--stop-timeout SECONDS]

Runs the context's scheduled jobs until SIGTERM or SIGINT. One log line per run start and end
(a JSON object per line with --json).
  --once           run the jobs that are due now, wait for them, exit
  --wait           if another scheduler holds this state directory's lease, wait for it to stop
                   (default: exit with status 3)
  --grace S        a fire missed while no scheduler ran still runs (once) if at most S seconds
                   old; older ones are recorded as missed (default 300)
  --stop-timeout S on SIGTERM/SIGINT no new run or step starts; steps already running get S seconds
                   to finish, the rest is recorded as cancelled (default 30; a second signal: now)
Exit status: 0 stopped cleanly (--once: every due run succeeded, or nothing was due); 1 --once: a due
run did not succeed on every VM or a job could not be started (moxxie jobs runs shows why), or the
history store cannot be read; 2 bad arguments or configuration (a read-only context, an unknown
context too); 3 another scheduler runs.
`;

class UsageError extends Error {}

function seconds(v: string | undefined, flag: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new UsageError(`${flag} must be a whole number of seconds, got '${v}'`);
  return n;
}

/** The config file's `history` section, if any (retention is applied by the scheduler). */
function retentionFromConfig(): Partial<RetentionPolicy> {
  const history = loadConfig(configFile()).history;
  return { ...(history?.retentionDays ? { maxAgeDays: history.retentionDays } : {}), ...(history?.maxOperations ? { maxRecords: history.maxOperations } : {}) };
}

export async function run(argv: string[]): Promise<number> {
  let values;
  let grace: number;
  let stopTimeout: number;
  try {
    ({ values } = parseFlags({
      args: argv,
      options: {
        ...CONTEXT_FLAGS,
        once: { type: 'boolean' },
        json: { type: 'boolean' },
        wait: { type: 'boolean' },
        grace: { type: 'string' },
        'stop-timeout': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
    const contextProblem = contextChoiceProblem(values);
    if (contextProblem) throw new UsageError(contextProblem);
    grace = seconds(values.grace, '--grace', 300);
    stopTimeout = seconds(values['stop-timeout'], '--stop-timeout', 30);
  } catch (err) {
    process.stderr.write(`moxxie scheduler: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const log = (e: SchedulerLogEvent) => process.stdout.write(`${values.json ? jsonLine(e) : textLine(e)}\n`);

  // Signals: the first stops gracefully, a second stops waiting for running steps. A lost lease counts as one
  // too, so the count is kept here and the watch hands every signal, first or not, to it.
  let signalled = 0;
  let onSignal: (() => void) | undefined;
  const stopRequested = new Promise<void>((resolve) => {
    onSignal = () => {
      signalled++;
      if (signalled === 1) resolve();
      else scheduler?.hurry();
    };
  });
  const signals = watchRunSignals(onSignal!, onSignal!);

  let context: OpenedContext | undefined;
  let lease: Lease | undefined;
  let scheduler: Scheduler | undefined;
  let core: ReturnType<typeof createCore> | undefined;
  let history: Awaited<ReturnType<typeof openHistory>> | undefined;
  let unfinished = 0;
  try {
    let retention: Partial<RetentionPolicy>;
    try {
      retention = retentionFromConfig();
      context = await openContext({ name: values.context, demo: values.demo });
    } catch (err) {
      process.stderr.write(`moxxie scheduler: ${(err as Error).message}\n`);
      return 2;
    }
    // Every job changes the cluster; in a read-only context each fire would only be refused.
    if (context.info.readOnly) {
      process.stderr.write(`moxxie scheduler: context '${context.info.name}' is read-only, so every job run would be refused; run the scheduler on a writable context (readOnly in the config file, or MOXXIE_READ_ONLY)\n`);
      return 2;
    }
    const waitAbort = new AbortController();
    void stopRequested.then(() => waitAbort.abort());
    try {
      lease = await acquireSchedulerLease(context.stateDir, {
        wait: !!values.wait,
        signal: waitAbort.signal,
        onWaiting: (holder) => log({ event: 'info', message: `waiting for the scheduler lease held by ${holder}` }),
        onLost: (err) => {
          log({ event: 'error', message: `lost the scheduler lease (${err.message}); stopping so two schedulers never run the same jobs` });
          onSignal?.();
        },
      });
    } catch (err) {
      if (!(err instanceof LeaseTakenError)) throw err;
      process.stderr.write(`moxxie scheduler: ${err.message}\n`);
      return signalled ? 0 : 3;
    }
    try {
      history = await openHistory({ dir: context.stateDir, retention, onError: (err) => log({ event: 'error', message: `history: ${err.message}` }) });
    } catch (err) {
      // A damaged store is never read as empty: with no jobs the scheduler would run nothing, silently.
      if (!(err instanceof HistoryDamagedError)) throw err;
      process.stderr.write(`moxxie scheduler: refusing to start: ${err.message}\n`);
      return 1;
    }
    core = createCore({ context: context.info, client: context.client, defaults: context.defaults, recorder: history, frontEnd: 'scheduler', vmids: contextVmids(context.stateDir, context.defaults.vmidRange) });
    const jobs = new JobManager(history, core, { frontEnd: 'scheduler', stepGraceMs: Math.max(stopTimeout, 60) * 1000 });
    scheduler = new Scheduler({ jobs, store: history, graceMs: grace * 1000, log });

    if (values.once) {
      const pass = scheduler.runOnce();
      await Promise.race([pass, stopRequested]);
      if (signalled) ({ unfinished } = await scheduler.stop(stopTimeout * 1000));
      const done = await pass;
      // One line even when nothing was due, so a cron wrapper's log says the pass happened.
      const next = done.nextDueAt !== undefined ? `; next fire ${new Date(done.nextDueAt).toISOString()}` : '';
      const notDone = [done.failed ? `${done.failed} did not succeed (moxxie jobs runs shows why)` : '', done.errors ? `${done.errors} job(s) could not be started` : ''].filter(Boolean).join(', ');
      log({ event: 'info', message: `once: ${done.started ? `${done.started} run(s) started and finished` : 'nothing was due'}${notDone ? `; ${notDone}` : ''} (${done.enabled} enabled job(s))${next}` });
      return notDone ? 1 : 0;
    }
    const all = await jobs.list();
    log({ event: 'info', message: `scheduler started for context ${context.info.name} (${history.file}): ${all.filter((j) => j.enabled).length} enabled job(s) of ${all.length}` });
    scheduler.start();
    await stopRequested;
    log({ event: 'info', message: `stopping: no new runs; running steps get up to ${stopTimeout} s` });
    ({ unfinished } = await scheduler.stop(stopTimeout * 1000));
    log({ event: 'info', message: unfinished ? `stopped; ${unfinished} run(s) recorded as cancelled with steps still running on PVE` : 'stopped' });
    return 0;
  } finally {
    signals.dispose();
    await history?.flush().catch(() => {});
    await lease?.release();
    const closing = (async () => {
      await core?.close().catch(() => {});
      await context?.close().catch(() => {});
    })();
    if (unfinished) {
      // Steps left running still hold connections to PVE: close what closes within a second, then exit.
      // Their operations show as interrupted to whoever opens the store next.
      await Promise.race([closing, new Promise((r) => setTimeout(r, 1000).unref())]);
      setTimeout(() => process.exit(process.exitCode ?? 0), 50).unref();
    } else {
      await closing;
    }
  }
}
