// `moxxie history`: what moxxie did, read from the local history store without connecting to the cluster
// (so it works when the cluster is down, which is often when it is wanted). Opening the store also marks
// operations whose process died as interrupted.
import { parseFlags } from '../src/config/command-flags.js';
import { CONTEXT_FLAGS, contextChoiceProblem } from '../src/config/context-flags.js';
import { loadConfig, selectContextName } from '../src/config/contexts.js';
import { DEMO_CONTEXT } from '../src/config/env-flags.js';
import { configFile, contextStateDir } from '../src/config/paths.js';
import { ConfigError } from '../src/config/secrets.js';
import type { AuditEntry } from '../src/ops/recorder.js';
import type { FrontEnd, OperationStatus } from '../src/ops/types.js';
import { stateCountsText } from '../src/text/state-counts.js';
import { textTable } from '../src/text/table.js';
import { formatTime } from '../src/text/time.js';
import type { OperationRecord } from '../src/history/records.js';
import { openHistory, type HistoryStore } from '../src/history/store.js';
import { migrationsText } from './migration-text.js';
import { operationDetail } from './operation-text.js';

const STATUSES: OperationStatus[] = ['planned', 'running', 'succeeded', 'partial', 'failed', 'cancelled', 'interrupted', 'rolled-back'];
const FRONT_ENDS: FrontEnd[] = ['tui', 'mcp', 'scheduler', 'cli', 'api'];
const MAX_LIMIT = 5000;

const HELP = `moxxie history [list] [--status S] [--front-end F] [--limit N] [--json]
moxxie history show OPERATION_ID [--json]
moxxie history audit [--refused] [--limit N] [--json]
moxxie history migrations [VMID] [--limit N] [--json]

What moxxie did in a context, from its local history (no cluster connection needed):
  list     operations, newest first: id, start, kind, status, front end, counts by state
  show     one operation: its request, warnings and one row per VM (state, UPID, message), each VM's
           phases under its row (name, state, UPIDs): after a crash, what ran and what did not
  audit    every mutation attempt, allowed or refused, newest first (--refused: refusals only)
  migrations  every migration (migrate, drain, undrain), newest first: VM, from, to, online or offline,
           state before and after, outcome, duration, front end, UPIDs (--json); of one VM with VMID

Options:
  --context NAME   whose history (default: the current context); --demo for the built-in demo's
  --status S       ${STATUSES.join(', ')}
  --front-end F    ${FRONT_ENDS.join(', ')}
  --limit N        1 to ${MAX_LIMIT} (default 20)
  --json           JSON on stdout instead of text
Exit status: 0 done; 1 the history store cannot be read (damaged); 2 bad arguments, an unknown
operation id, or no context.
`;

class UsageError extends Error {}

interface HistoryArgs {
  sub: 'list' | 'show' | 'audit' | 'migrations';
  id?: string;
  context?: string;
  demo: boolean;
  status?: OperationStatus;
  frontEnd?: FrontEnd;
  refused: boolean;
  limit: number;
  json: boolean;
}

function oneOf<T extends string>(value: string | undefined, valid: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(valid as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${valid.join(', ')}; got '${value}'`);
  return value as T;
}

function parse(argv: string[]): HistoryArgs | 'help' {
  let parsed;
  try {
    parsed = parseFlags({
      args: argv,
      allowPositionals: true,
      options: {
        ...CONTEXT_FLAGS,
        status: { type: 'string' },
        'front-end': { type: 'string' },
        refused: { type: 'boolean' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals[0] === 'help') return 'help';
  const [sub = 'list', ...rest] = positionals;
  if (sub !== 'list' && sub !== 'show' && sub !== 'audit' && sub !== 'migrations') throw new UsageError(`unknown subcommand '${sub}'; valid: list, show, audit, migrations`);
  if (sub === 'migrations' && (rest.length > 1 || (rest[0] !== undefined && !/^\d+$/.test(rest[0])))) throw new UsageError(`migrations takes at most one VM id; got '${rest.join(' ')}'`);
  if (sub === 'show' && rest.length !== 1) throw new UsageError('show needs one operation id (moxxie history list shows them)');
  if (sub !== 'show' && sub !== 'migrations' && rest.length) throw new UsageError(`${sub} takes no argument; got '${rest.join(' ')}'`);
  const contextProblem = contextChoiceProblem(values);
  if (contextProblem) throw new UsageError(contextProblem);
  if (sub !== 'list' && (values.status || values['front-end'])) throw new UsageError('--status and --front-end apply to history list only');
  if (sub !== 'audit' && values.refused) throw new UsageError('--refused applies to history audit only');
  let limit = 20;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!/^\d+$/.test(values.limit) || limit < 1 || limit > MAX_LIMIT) throw new UsageError(`--limit must be a whole number from 1 to ${MAX_LIMIT}, got '${values.limit}'`);
  }
  return {
    sub,
    id: rest[0],
    context: values.context,
    demo: !!values.demo,
    status: oneOf(values.status, STATUSES, '--status'),
    frontEnd: oneOf(values['front-end'], FRONT_ENDS, '--front-end'),
    refused: !!values.refused,
    limit,
    json: !!values.json,
  };
}

/** The context whose store to read; the store lives under the context's name, so no connection is made. */
export function contextName(args: { demo: boolean; context?: string }): string {
  if (args.demo) return DEMO_CONTEXT;
  const path = configFile();
  const config = loadConfig(path);
  const name = selectContextName(args.context, config, process.env);
  if (!name) throw new ConfigError(`no context selected and none configured in ${path}; use --context NAME or --demo`);
  // A mistyped name would otherwise read (and create) an empty store and say "no operations".
  if (name !== DEMO_CONTEXT && name !== 'env' && !config.contexts[name]) {
    const known = Object.keys(config.contexts);
    throw new ConfigError(`context '${name}' is not in ${path}; known: ${known.length ? known.join(', ') : '(none)'}, plus the built-in demo`);
  }
  return name;
}

const counts = (op: OperationRecord): string => stateCountsText(op.targets);

/** Who acted: the front end, and the job when a job's run did (`scheduler job nightly`, `cli job nightly`). */
const actor = (e: { frontEnd: string; job?: { name: string } }): string => (e.job ? `${e.frontEnd} job ${e.job.name}` : e.frontEnd);

function took(op: OperationRecord): string {
  return op.finishedAt ? `${((op.finishedAt - op.startedAt) / 1000).toFixed(1)} s` : '-';
}

function operationsText(ops: OperationRecord[]): string {
  if (!ops.length) return 'no operations recorded';
  return textTable(
    ['ID', 'STARTED', 'KIND', 'STATUS', 'BY', 'TOOK', 'VMS'],
    ops.map((o) => [o.id, formatTime(o.startedAt), o.kind, `${o.status}${o.dryRun ? ' (dry)' : ''}`, actor(o), took(o), counts(o)]),
  );
}

/**
 * A filter that matched nothing says what there is instead: `no operation has status failed (of 7
 * recorded: 5 succeeded, 2 partial; partial means some VMs failed: --status partial)`.
 */
async function noneMatch(store: HistoryStore, args: HistoryArgs): Promise<string> {
  const filters = [args.status ? `status ${args.status}` : '', args.frontEnd ? `front end ${args.frontEnd}` : ''].filter(Boolean).join(' and ');
  const all = await store.listOperationSummaries({ limit: Number.MAX_SAFE_INTEGER });
  if (!all.length) return `no operation has ${filters}: none is recorded in this context`;
  const by = (pick: (o: (typeof all)[number]) => string) => stateCountsText(all.map((o) => ({ state: pick(o) })));
  const partial = args.status === 'failed' && all.some((o) => o.status === 'partial') ? '; partial means some VMs failed and others succeeded: --status partial lists them' : '';
  return `no operation has ${filters} (of ${all.length} recorded: ${args.status ? by((o) => o.status) : by((o) => o.frontEnd)}${partial})`;
}

/** One operation: its request, warnings and a row per VM with its phases (name, state, UPIDs) under it. */
const operationText = (op: OperationRecord): string => operationDetail(op);

function auditText(entries: AuditEntry[]): string {
  if (!entries.length) return 'no audit entries';
  return textTable(
    ['AT', 'BY', 'ACTION', 'RESULT', 'OPERATION', 'REASON'],
    entries.map((a) => [formatTime(a.at), actor(a), `${a.action}${a.dryRun ? ' (dry)' : ''}`, a.allowed ? 'allowed' : 'REFUSED', a.operationId ?? '', a.reason ?? '']),
  );
}

async function answer(store: HistoryStore, args: HistoryArgs): Promise<unknown> {
  switch (args.sub) {
    case 'list': {
      const operations = await store.listOperations({ status: args.status, frontEnd: args.frontEnd, limit: args.limit });
      if (args.json) return { operations };
      const filtered = args.status !== undefined || args.frontEnd !== undefined;
      return operations.length || !filtered ? operationsText(operations) : await noneMatch(store, args);
    }
    case 'show': {
      const operation = await store.getOperation(args.id!);
      if (!operation) throw new UsageError(`no operation '${args.id}' in this context's history (moxxie history list shows the ids)`);
      return args.json ? { operation } : operationText(operation);
    }
    case 'audit': {
      // Refusals are rarer than allowed entries: read more, then keep `limit` of them.
      const all = await store.listAudit(args.refused ? MAX_LIMIT * 4 : args.limit);
      const audit = (args.refused ? all.filter((a) => !a.allowed) : all).slice(0, args.limit);
      return args.json ? { audit } : auditText(audit);
    }
    case 'migrations': {
      const migrations = await store.listMigrations({ vmid: args.id === undefined ? undefined : Number(args.id), limit: args.limit });
      return args.json ? { migrations } : migrationsText(migrations);
    }
  }
}

export async function run(argv: string[]): Promise<number> {
  let args: HistoryArgs | 'help';
  try {
    args = parse(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`moxxie history: ${err.message}\n\n${HELP}`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  let store: HistoryStore | undefined;
  try {
    store = await openHistory({ dir: contextStateDir(contextName(args)) });
    const out = await answer(store, args);
    process.stdout.write(typeof out === 'string' ? `${out}\n` : `${JSON.stringify(out, null, 2)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`moxxie history: ${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    await store?.close();
  }
}
