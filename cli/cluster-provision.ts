// `moxxie cluster provision|status|list|cancel|resume|rollback`: cluster provisioning from the command line.
// `provision` reads the spec (the seed's JSON verbatim, or YAML), shows the plan and needs --yes (it creates
// many VMs and its rollback deletes them), then runs it through the core with a line per VM on stderr and
// prints the final status in the seed's shape (--json) or as a table. --no-wait hands the run to a detached
// moxxie process and prints the operation id at once. Status and list read live or recorded operations;
// cancel signals the process running it (which then applies the rollback strategy).
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { FlagError, parseFlags } from '../src/config/command-flags.js';
import { CONTEXT_FLAGS, contextChoiceProblem } from '../src/config/context-flags.js';
import { placementSettingsOf } from '../src/config/placement-settings.js';
import { HistoryDamagedError } from '../src/history/damaged.js';
import { ownerGone } from '../src/history/process-owner.js';
import { openMoxxie, type MoxxieSession } from '../src/open.js';
import type { ClusterSpec } from '../src/ops/provisioning/cluster-spec.js';
import { parseClusterSpecText } from '../src/ops/provisioning/cluster-spec-text.js';
import { planReport } from '../src/ops/provisioning/plan-report.js';
import { provisioningProgress, type ProvisioningProgress } from '../src/ops/provisioning/progress.js';
import { textTable } from '../src/text/table.js';
import { runFollowed } from './operation-run.js';
import { isRefusal } from './capability-verbs.js';
import { CAPABILITIES } from '../src/ops/capabilities/index.js';

const KIND = 'cluster.provision';
/** Set in the detached child of `provision --no-wait`: it prints the operation id, then nothing more. */
const DETACHED_ENV = 'MOXXIE_PROVISION_DETACHED';

const capability = CAPABILITIES[KIND];
const HELP = `moxxie cluster provision --file SPEC [--yes] [--json] [--no-wait] [--context NAME | --demo]
moxxie cluster status ID [--json]
moxxie cluster list [--json] [--limit N]
moxxie cluster cancel ID
moxxie cluster resume ID --yes [--json]
moxxie cluster rollback ID --yes [--json]

${capability.title}. ${capability.description}

provision  creates the VMs of a spec (the seed's POST /clusters/provision body: JSON verbatim, or YAML;
           --file - reads stdin). Without --yes it prints the plan (placement table, one row per VM)
           and changes nothing. With --yes it runs: a line per VM on stderr, Ctrl+C cancels (nothing new
           starts, then the spec's rollbackStrategy is applied), and the final status is printed.
           --json prints the final status in the seed's shape; --no-wait prints the operation id at
           once and leaves the run to a detached moxxie process (follow it with status).
status     a provisioning operation in the seed's shape: status, progress, each VM's phase and host;
           after a crash it shows which VM reached which phase.
list       provisioning operations, newest first (running and finished).
cancel     cancels a run in progress (in another moxxie process on this machine); the run then applies
           its rollback strategy. Waits for it to end and prints its status.
resume     finishes an interrupted, failed or cancelled run from PVE's real state (nothing is made twice).
rollback   removes every VM the operation made (checked by id and its marker; never by name).
Exit status: 0 done (COMPLETED, or ROLLED_BACK for rollback); 1 it did not end so, or the cluster or the
history failed; 2 bad arguments or spec (the message names the field), or no --yes (the plan is printed).
`;

const say = (text: string) => void process.stderr.write(`${text}\n`);
const print = (text: string) => void process.stdout.write(`${text}\n`);

/** The status as text: one line for the operation, a row per VM, and what a rollback did. */
export function statusText(p: ProvisioningProgress): string {
  const head = `${p.operationId} cluster ${p.clusterName}: ${p.status} ${p.progressPercentage}% — ${p.currentOperation} (${p.successfulNodes} ready, ${p.failedNodes} failed of ${p.totalNodes})`;
  const rows = p.nodeStates.map((n) => [n.name, n.nodeGroup, String(n.vmId), n.host, n.status, n.phase ?? '-', n.message ?? '']);
  return `${head}\n${textTable(['NAME', 'GROUP', 'VMID', 'HOST', 'STATUS', 'PHASE', 'MESSAGE'], rows)}`;
}

function listText(list: ProvisioningProgress[]): string {
  if (!list.length) return 'no provisioning operations';
  return textTable(
    ['OPERATION', 'CLUSTER', 'STATUS', 'PROGRESS', 'READY', 'FAILED', 'NODES', 'STARTED'],
    list.map((p) => [p.operationId, p.clusterName, p.status, `${p.progressPercentage}%`, String(p.successfulNodes), String(p.failedNodes), String(p.totalNodes), p.startedAt]),
  );
}

async function readSpecText(file: string): Promise<string> {
  if (file !== '-') return readFile(file, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

type Values = { context?: string; demo?: boolean; file?: string; json?: boolean; yes?: boolean; 'no-wait'?: boolean; limit?: string; help?: boolean; 'read-only'?: boolean };

async function withSession(words: string, values: Values, body: (s: MoxxieSession) => Promise<number>): Promise<number> {
  let session: MoxxieSession;
  try {
    session = await openMoxxie({ name: values.context, demo: values.demo, readOnly: values['read-only'], frontEnd: 'cli' });
  } catch (err) {
    say(`moxxie ${words}: ${(err as Error).message}`);
    return err instanceof HistoryDamagedError ? 1 : 2;
  }
  try {
    return await body(session);
  } catch (err) {
    say(`moxxie ${words}: ${(err as Error).message}`);
    return isRefusal(err) ? 2 : 1;
  } finally {
    await session.close();
  }
}

const finalText = (p: ProvisioningProgress, json: boolean) => (json ? JSON.stringify(p, null, 2) : statusText(p));

async function provision(words: string, values: Values): Promise<number> {
  if (!values.file) throw new UsageProblem('give --file SPEC (a .yaml, .yml or .json file; - for stdin)');
  let text: string;
  let spec: ClusterSpec;
  try {
    text = await readSpecText(values.file);
    spec = parseClusterSpecText(text, values.file === '-' ? 'stdin' : values.file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    say(`moxxie ${words}: ${e.code === 'ENOENT' ? `no file ${values.file}` : e.message}`);
    return 2;
  }
  if (values.yes && values['no-wait'] && process.env[DETACHED_ENV] !== '1') return detach(words, values, text);
  return withSession(words, values, async (session) => {
    const core = session.core;
    if (!values.yes) {
      // The plan, as `cluster plan` shows it; the provisioning's own dry run refuses what it would refuse.
      await core.run(KIND, { ...spec, dryRun: true }, { frontEnd: 'cli' });
      const plan = await core.planCluster(spec, session.context.info.demo ? {} : placementSettingsOf(session.context.info.name));
      print(values.json ? JSON.stringify(plan, null, 2) : planReport(plan));
      say(`moxxie ${words}: creates ${plan.vms.length} VMs (rollbackStrategy ${spec.options.rollbackStrategy} deletes them after a failure): run again with --yes to do it; nothing was changed`);
      return 2;
    }
    const detached = process.env[DETACHED_ENV] === '1';
    const op = await runFollowed(
      session,
      `moxxie ${words}`,
      (run) =>
        core.run(KIND, spec, {
          ...run,
          onStarted: (o) => {
            run.onStarted?.(o);
            // The parent of a --no-wait run reads this one line, then stops listening.
            if (detached) process.stdout.write(`${o.id}\n`);
          },
        }),
      (o) => `${o.id} ${o.label}: started`,
    );
    const p = provisioningProgress(op);
    if (!detached) print(finalText(p, values.json === true));
    return p.status === 'COMPLETED' ? 0 : 1;
  });
}

/** --no-wait: a detached moxxie runs it (the spec through its stdin, never on a command line); its first line is the id. */
async function detach(words: string, values: Values, text: string): Promise<number> {
  const args = [process.argv[1], 'cluster', 'provision', '--file', '-', '--yes', ...(values.context ? ['--context', values.context] : []), ...(values.demo ? ['--demo'] : [])];
  const child = spawn(process.execPath, args, { env: { ...process.env, [DETACHED_ENV]: '1' }, detached: true, stdio: ['pipe', 'pipe', 'ignore'] });
  child.stdin.end(text);
  const id = await new Promise<string | undefined>((resolve) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += String(d);
      const m = /^(op-\S+)\n/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', () => resolve(undefined));
  });
  child.stdout.destroy();
  child.unref();
  if (!id) {
    say(`moxxie ${words}: the run did not start (run it without --no-wait to see why)`);
    return 1;
  }
  print(values.json ? JSON.stringify({ operationId: id }) : id);
  return 0;
}

class UsageProblem extends Error {}

async function cancel(words: string, values: Values, id: string): Promise<number> {
  return withSession(words, values, async (session) => {
    const core = session.core;
    await core.provisioningStatus(id); // a provisioning operation, known here
    if (core.operations.cancel(id)) return 0;
    const entry = (await session.history.listOperationSummaries({ limit: 5000 })).find((o) => o.id === id);
    if (!entry || entry.status !== 'running') {
      say(`moxxie ${words}: operation ${id} is not running (${entry?.status ?? 'unknown'}); nothing to cancel`);
      return 2;
    }
    if (entry.owner.host !== hostname()) {
      say(`moxxie ${words}: operation ${id} runs on host ${entry.owner.host}; cancel it there`);
      return 2;
    }
    if (ownerGone(entry.owner)) {
      say(`moxxie ${words}: the process that ran ${id} is gone; moxxie cluster resume ${id} --yes or rollback ${id} --yes`);
      return 2;
    }
    // The running moxxie cancels on SIGTERM: nothing new starts, then its rollback strategy is applied.
    process.kill(entry.owner.pid, 'SIGTERM');
    say(`moxxie ${words}: asked process ${entry.owner.pid} to cancel ${id}; waiting for it to end`);
    for (;;) {
      const p = await core.provisioningStatus(id);
      if (!['PENDING', 'PROVISIONING', 'ROLLING_BACK'].includes(p.status)) {
        print(finalText(p, values.json === true));
        return p.status === 'CANCELLED' ? 0 : 1;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  });
}

async function continueRun(words: string, values: Values, id: string, mode: 'resume' | 'rollback'): Promise<number> {
  return withSession(words, values, async (session) => {
    const core = session.core;
    const before = await core.provisioningStatus(id);
    if (!values.yes) {
      print(values.json ? JSON.stringify(before, null, 2) : statusText(before));
      say(`moxxie ${words}: ${mode === 'rollback' ? 'removes every VM this operation made' : 'finishes the VMs not READY (and applies the rollback strategy if one fails)'}: run again with --yes to do it; nothing was changed`);
      return 2;
    }
    const op = await runFollowed(session, `moxxie ${words}`, (run) => (mode === 'resume' ? core.resume(id, run) : core.rollback(id, run)), (o) => `${o.id} ${mode}: started`);
    const p = provisioningProgress(op);
    print(finalText(p, values.json === true));
    return p.status === (mode === 'resume' ? 'COMPLETED' : 'ROLLED_BACK') ? 0 : 1;
  });
}

export async function run(argv: string[], words = 'cluster provision'): Promise<number> {
  const verb = words.split(' ')[1];
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseFlags({
      args: argv,
      allowPositionals: true,
      options: {
        ...CONTEXT_FLAGS,
        file: { type: 'string', short: 'f' },
        json: { type: 'boolean' },
        yes: { type: 'boolean', short: 'y' },
        'no-wait': { type: 'boolean' },
        'read-only': { type: 'boolean' },
        limit: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
    const problem = contextChoiceProblem(values);
    if (problem) throw new UsageProblem(problem);
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const needsId = ['status', 'cancel', 'resume', 'rollback'].includes(verb);
    if (needsId && positionals.length !== 1) throw new UsageProblem(`give one operation id (moxxie cluster list shows them)`);
    if (!needsId && positionals.length) throw new UsageProblem(`unexpected '${positionals[0]}'`);
    if (values.limit !== undefined && !/^[1-9]\d*$/.test(values.limit)) throw new UsageProblem(`--limit must be a positive number (got '${values.limit}')`);
    switch (verb) {
      case 'provision':
        return await provision(words, values);
      case 'status':
        return await withSession(words, values, async (s) => {
          print(finalText(await s.core.provisioningStatus(positionals[0]), values.json === true));
          return 0;
        });
      case 'list':
        return await withSession(words, values, async (s) => {
          const list = await s.core.listProvisioning({ limit: values.limit ? Number(values.limit) : 50 });
          print(values.json ? JSON.stringify({ operations: list }, null, 2) : listText(list));
          return 0;
        });
      case 'cancel':
        return await cancel(words, values, positionals[0]);
      case 'resume':
      case 'rollback':
        return await continueRun(words, values, positionals[0], verb);
      default:
        throw new UsageProblem(`unknown verb '${verb}'`);
    }
  } catch (err) {
    if (!(err instanceof UsageProblem) && !(err instanceof FlagError)) throw err;
    say(`moxxie ${words}: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
}
