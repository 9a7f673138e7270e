// `moxxie ops`: the operations moxxie ran, and finishing or undoing one — after a crash (`kill -9`), a
// failure or a cancel. `list` is `moxxie history list`; `show` reads the local store without connecting
// (each target's phases and UPIDs say what ran); `resume` and `rollback` show the core's plan first, then
// work from PVE's real state: every unfinished phase checks whether its effect is already there.
import { parseFlags } from '../src/config/command-flags.js';
import { CONTEXT_FLAGS, contextChoiceProblem } from '../src/config/context-flags.js';
import { contextStateDir } from '../src/config/paths.js';
import { HistoryDamagedError } from '../src/history/damaged.js';
import { openHistory, type HistoryStore } from '../src/history/store.js';
import { needsConfirmation } from '../src/ops/capabilities/index.js';
import { nearestName } from '../src/text/nearest-name.js';
import type { Operation, OperationStatus } from '../src/ops/types.js';
import { openMoxxie, type MoxxieSession } from '../src/open.js';
import { isRefusal } from './capability-verbs.js';
import { contextName, run as historyRun } from './history.js';
import { operationDetail, operationReport } from './operation-text.js';
import { runFollowed } from './operation-run.js';
import { UsageError } from './request-flags.js';

const HELP = `moxxie ops list [--status S] [--limit N] [--json]
moxxie ops show ID [--json]
moxxie ops resume ID [--yes] [--dry-run] [--json]
moxxie ops rollback ID [--yes] [--dry-run] [--json]

The operations moxxie ran in a context (snapshots, power, tags, …), and finishing or undoing one:
  list      newest first, as \`moxxie history list\` (same flags)
  show      one operation from the local history, no cluster needed: a row per VM with its phases
            (name, state, UPIDs) under it. After a crash (kill -9), running targets show as interrupted
            and their phases say what ran.
  resume    finish an interrupted, failed or cancelled operation from PVE's real state: each unfinished
            phase first checks whether its effect is already there, so nothing is done twice. Shows the
            plan first; resuming a destructive (or forced) operation needs --yes.
  rollback  undo what the operation did, in reverse order, each undo an awaited, recorded step; what
            cannot be undone is said in the plan. Always shows the plan and needs --yes.

Options:
  --context NAME   the cluster context (default: the current one); --demo for the built-in demo
  --read-only      refuse every change (resume/rollback --dry-run still work)
  --yes            do the resume or rollback (see above)
  --dry-run        only show what resume or rollback would do
  --json           JSON on stdout: the Operation (list: {"operations": [...]})
Ctrl+C during resume or rollback cancels it (nothing new starts; again to stop waiting).
Exit status: 0 done; 1 the resume or rollback did not succeed everywhere, or the cluster or history failed;
2 bad arguments, an unknown id, nothing to resume, still running, read-only, or no --yes (the plan is printed).
`;

type Sub = 'list' | 'show' | 'resume' | 'rollback';
const SUBS: Sub[] = ['list', 'show', 'resume', 'rollback'];

interface OpsArgs {
  sub: Exclude<Sub, 'list'>;
  id: string;
  context?: string;
  demo: boolean;
  readOnly: boolean;
  yes: boolean;
  dryRun: boolean;
  json: boolean;
}

const OPTIONS = {
  ...CONTEXT_FLAGS,
  'read-only': { type: 'boolean' },
  yes: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse(sub: Exclude<Sub, 'list'>, argv: string[]): OpsArgs | 'help' {
  let parsed;
  try {
    parsed = parseFlags({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new UsageError(`ops ${sub} needs one operation id (moxxie ops list shows them)${positionals.length > 1 ? `; got ${positionals.map((p) => `'${p}'`).join(' ')}` : ''}`);
  const problem = contextChoiceProblem(values);
  if (problem) throw new UsageError(problem);
  if (sub === 'show') {
    for (const flag of ['yes', 'dry-run', 'read-only'] as const) if (values[flag]) throw new UsageError(`--${flag} applies to ops resume and ops rollback only`);
  }
  return { sub, id: positionals[0], context: values.context, demo: !!values.demo, readOnly: !!values['read-only'], yes: !!values.yes, dryRun: !!values['dry-run'], json: !!values.json };
}

const print = (text: string) => void process.stdout.write(`${text}\n`);

const CONTINUABLE: OperationStatus[] = ['interrupted', 'failed', 'partial', 'cancelled'];

async function show(args: OpsArgs): Promise<number> {
  let store: HistoryStore | undefined;
  try {
    store = await openHistory({ dir: contextStateDir(contextName(args)) });
    const op = await store.getOperation(args.id);
    if (!op) throw new UsageError(`no operation '${args.id}' in this context's history (moxxie ops list shows the ids)`);
    if (args.json) print(JSON.stringify(op, null, 2));
    else {
      print(operationDetail(op));
      if (!op.dryRun && CONTINUABLE.includes(op.status)) print(`\nmoxxie ops resume ${op.id} finishes it; moxxie ops rollback ${op.id} --yes undoes what it did.`);
    }
    return 0;
  } finally {
    await store?.close();
  }
}

async function continueOp(session: MoxxieSession, args: OpsArgs & { sub: 'resume' | 'rollback' }): Promise<number> {
  const mode = args.sub;
  const name = `moxxie ops ${mode}`;
  const core = session.core;
  const plan = await core.planContinuation(args.id, mode);
  // A rollback always changes what the operation did; a resume only needs --yes when the operation itself did.
  const gated = mode === 'rollback' || needsConfirmation(plan.kind, (plan.request ?? {}) as object, core.context);
  const toDo = plan.targets.filter((t) => t.state === 'planned').length;
  if (args.dryRun || (gated && !args.yes)) {
    print(args.json ? JSON.stringify(plan, null, 2) : operationReport(plan));
    if (args.dryRun) return 0;
    if (core.context.readOnly) {
      // The core would refuse it anyway; say so rather than ask for --yes.
      process.stderr.write(`${name}: context '${core.context.name}' is read-only: nothing can be changed\n`);
      return 2;
    }
    process.stderr.write(`${name}: ${mode === 'rollback' ? 'a rollback changes what the operation did' : 'destructive'}: run again with --yes to do it; nothing was changed (${toDo} VM(s) would be worked on)\n`);
    return 2;
  }
  if (!args.json) print(operationReport(plan));
  const started = (op: Operation) => `${op.id} ${op.label ?? op.kind}: ${mode === 'resume' ? 'resuming' : 'rolling back'} ${toDo} VM(s)`;
  const op = await runFollowed(session, name, (run) => (mode === 'resume' ? core.resume(args.id, run) : core.rollback(args.id, run)), started);
  print(args.json ? JSON.stringify(op, null, 2) : `\n${operationReport(op, { phases: true })}`);
  const ok: OperationStatus[] = mode === 'resume' ? ['succeeded'] : ['rolled-back', 'succeeded'];
  return ok.includes(op.status) ? 0 : 1;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
    (sub === undefined ? process.stderr : process.stdout).write(HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'list') return historyRun(['list', ...rest]);
  if (!(SUBS as string[]).includes(sub)) {
    const near = nearestName(sub, SUBS);
    process.stderr.write(`moxxie ops: unknown subcommand '${sub}'${near ? `; did you mean '${near}'?` : ''} (valid: ${SUBS.join(', ')})\n`);
    return 2;
  }
  let args: OpsArgs | 'help';
  try {
    args = parse(sub as Exclude<Sub, 'list'>, rest);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`moxxie ops ${sub}: ${err.message}\n(moxxie ops --help for more)\n`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const name = `moxxie ops ${args.sub}`;
  if (args.sub === 'show') {
    try {
      return await show(args);
    } catch (err) {
      process.stderr.write(`${name}: ${(err as Error).message}\n`);
      return isRefusal(err) ? 2 : 1;
    }
  }
  let session: MoxxieSession;
  try {
    session = await openMoxxie({ name: args.context, demo: args.demo, readOnly: args.readOnly, frontEnd: 'cli' });
  } catch (err) {
    process.stderr.write(`${name}: ${(err as Error).message}\n`);
    return err instanceof HistoryDamagedError ? 1 : 2;
  }
  try {
    return await continueOp(session, args as OpsArgs & { sub: 'resume' | 'rollback' });
  } catch (err) {
    process.stderr.write(`${name}: ${(err as Error).message}\n`);
    return isRefusal(err) ? 2 : 1;
  } finally {
    await session.close();
  }
}
