// `moxxie scheduler`: runs due jobs until stopped (headless), or once with --once.
import { parseArgs } from 'node:util';
import { openMoxxie } from '../open.js';
import { acquireSchedulerLease, LeaseTakenError } from './lease.js';
import { Scheduler, type SchedulerLogEvent } from './scheduler.js';

const HELP = `moxxie scheduler [--context NAME | --demo] [--once] [--json] [--wait] [--grace SECONDS]

Runs scheduled jobs until SIGTERM/SIGINT. One log line per run start and end (JSON lines with --json).
  --once    run the jobs that are due now, wait for them, exit
  --wait    if another scheduler holds this state directory's lease, wait for it instead of exiting
  --grace   a fire missed while no scheduler ran still runs if it is at most this old (default 300)
`;

function formatLine(e: SchedulerLogEvent): string {
  const at = new Date().toISOString();
  switch (e.event) {
    case 'run-start':
      return `${at} start ${e.job} (${e.trigger}${e.scheduledAt ? `, scheduled ${new Date(e.scheduledAt).toISOString()}` : ''})`;
    case 'run-end': {
      const counts = e.run.vms.reduce<Record<string, number>>((a, v) => ((a[v.state] = (a[v.state] ?? 0) + 1), a), {});
      return `${at} end   ${e.job} ${e.run.status} in ${((e.run.finishedAt ?? Date.now()) - e.run.startedAt) / 1000}s ${JSON.stringify(counts)}${e.run.message ? ` — ${e.run.message}` : ''}`;
    }
    case 'missed':
      return `${at} missed ${e.job}: ${e.fires} fire(s)`;
    case 'info':
      return `${at} ${e.message}`;
    case 'error':
      return `${at} error ${e.message}`;
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      context: { type: 'string' },
      demo: { type: 'boolean' },
      once: { type: 'boolean' },
      json: { type: 'boolean' },
      wait: { type: 'boolean' },
      grace: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const grace = values.grace === undefined ? 300 : Number(values.grace);
  if (!Number.isInteger(grace) || grace < 0) throw new Error(`--grace must be a whole number of seconds, got '${values.grace}'`);
  const log = (e: SchedulerLogEvent) => process.stdout.write(`${values.json ? JSON.stringify({ at: new Date().toISOString(), ...e }) : formatLine(e)}\n`);

  const session = await openMoxxie({ name: values.context, demo: values.demo, frontEnd: 'scheduler' });
  let release: (() => Promise<void>) | undefined;
  try {
    try {
      release = await acquireSchedulerLease(session.context.stateDir, { wait: !!values.wait });
    } catch (err) {
      if (err instanceof LeaseTakenError) {
        process.stderr.write(`moxxie scheduler: ${err.message}\n`);
        return 3;
      }
      throw err;
    }
    const scheduler = new Scheduler({ jobs: session.jobs, store: session.history, graceMs: grace * 1000, log });
    if (values.once) {
      await scheduler.runOnce();
      return 0;
    }
    const jobs = await session.jobs.list();
    log({ event: 'info', message: `scheduler started for context ${session.context.info.name}: ${jobs.filter((j) => j.enabled).length} enabled job(s)` });
    scheduler.start();
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    // Stop starting runs; give running steps up to 30 s, then cancel and record what did not finish.
    await scheduler.stop(30_000);
    return 0;
  } finally {
    await release?.().catch(() => {});
    await session.close();
  }
}
