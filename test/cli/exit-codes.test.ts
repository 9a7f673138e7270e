// One exit-status convention for every command, checked on the built CLI as a user runs it: 0 done;
// 1 the action failed or the cluster did; 2 bad arguments or input, refusals and unknown names. Each row
// is a failure mode of one command (or its success), run against a simulator this test owns, and asserts
// the status AND the message (the field, or what would be valid); a refusal or failure is also checked
// against the simulator's state (nothing changed). Unknown options get moxxie's own message naming the
// valid ones, never Node's parseArgs text.
//
// The rows run through the real dispatcher (main of dist/src/cli.js) inside one child process
// (fixtures/cli-driver.ts): a process per row spent most of this file's minutes starting Node. The last
// test runs a few rows as processes of their own and checks that the real binary exits exactly as the
// driver reported (status and stderr), an error that reaches the entry point among them.
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { startCliDriver, type CliDriver } from '../fixtures/cli-driver.js';
import { cliEnvironment, startCli, type Exit } from '../fixtures/cli-process.js';
import { writeDueJob } from '../fixtures/due-job.js';
import { tempDir } from '../fixtures/temp-dirs.js';

let sim: Simulator;
let failing: Simulator;
let driver: CliDriver;
let env: Record<string, string>;
let failingEnv: Record<string, string>;
let unreachableEnv: Record<string, string>;
/** The environment without PVE_URL: with it, any context name is an ad-hoc context of the environment's cluster. */
let withoutPve: Record<string, string>;
/** A config file with one context, lab. */
let withLab: Record<string, string>;

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  [sim, failing, driver] = await Promise.all([
    startSimulator({ vms: 12, taskDurationMs: 20 }),
    // Every task this one starts ends in an error: the action fails on PVE.
    startSimulator({ vms: 12, taskDurationMs: 20, faults: { taskFailureRate: 1 } }),
    startCliDriver(),
  ]);
  env = cliEnvironment(sim, tempDir('exit-codes'));
  failingEnv = cliEnvironment(failing, tempDir('exit-codes-failing'));
  unreachableEnv = { ...cliEnvironment(sim, tempDir('exit-codes-unreachable')), PVE_URL: `https://127.0.0.1:${await closedPort()}` };
  withoutPve = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('PVE_')));
  const configDir = tempDir('exit-codes-config');
  writeFileSync(join(configDir, 'config.json'), JSON.stringify({ current: 'lab', contexts: { lab: { url: sim.url, auth: { tokenId: sim.credentials.tokenId }, tls: { fingerprint: sim.fingerprint } } } }), { mode: 0o600 });
  withLab = { ...withoutPve, MOXXIE_CONFIG: join(configDir, 'config.json') };
}, 60_000);

afterAll(async () => {
  await driver?.close();
  await sim?.close();
  await failing?.close();
});

const run = (args: string[], e: Record<string, string> = env, stdin?: string): Promise<Exit> => driver.run(args, e, stdin);

/** A failure row names its message: every failure says what was wrong and what would be valid. */
type Row = [what: string, args: string[], code: 0, stderr?: RegExp, stdin?: string] | [what: string, args: string[], code: 1 | 2, stderr: RegExp, stdin?: string];

const NODE_PARSE_ARGS_TEXT = /To specify a positional argument|Unknown option '|argument missing|does not take positional/;

const job = (fields: Record<string, unknown>) =>
  JSON.stringify({ name: 'ro-job', taskType: 'snapshot_create', cronExpression: '0 3 * * *', parameters: { snapshotNamePattern: 'ro-{vmid}' }, vmSelectors: [{ type: 'VM_IDS', value: '100' }], ...fields });

const badArguments: Row[] = [
  ['an unknown command', ['frobnicate'], 2, /unknown command "frobnicate"; valid: sim, config, .*, help$/m],
  ['--pve beside --demo: an unknown release', ['vms', '--pve', '7', '--demo'], 2, /unknown PVE profile '7': use one of 9, 8\.4/],
  ['vms: an unknown option', ['vms', '--bogus'], 2, /moxxie vms: unknown option '--bogus' \(valid: --context NAME, --demo, --json, --ids, --help \(-h\)\)/],
  ['vms: a near miss', ['vms', '--jsn'], 2, /unknown option '--jsn'; did you mean '--json'\?/],
  ['vms: a bad selector', ['vms', 'tag:(a AND'], 2, /selector: .*tag expression: expected/],
  ['vms: a range that runs backwards', ['vms', 'id:200-100'], 2, /range '200-100' runs backwards; write 100-200/],
  ['vms: --json and --ids', ['vms', '--json', '--ids'], 2, /give --json or --ids, not both/],
  ['vms: --demo and --context', ['vms', '--demo', '--context', 'lab'], 2, /--demo|--context/],
  ['history: an unknown option', ['history', '--bogus'], 2, /unknown option '--bogus' \(valid: .*--status VALUE/],
  ['history: an unknown subcommand', ['history', 'frob'], 2, /unknown subcommand 'frob'; valid: list, show, audit, migrations/],
  ['history: a flag without its value', ['history', '--limit'], 2, /--limit needs a value/],
  ['history: a limit out of range', ['history', '--limit', '0'], 2, /--limit must be a whole number from 1 to 5000, got '0'/],
  ['history: a bad status', ['history', '--status', 'done'], 2, /--status must be one of planned, running, succeeded, .*; got 'done'/],
  ['history show: no id', ['history', 'show'], 2, /show needs one operation id/],
  ['ops: no subcommand', ['ops'], 2, /moxxie ops list .*\nmoxxie ops show ID/],
  ['ops: a near miss', ['ops', 'resum', 'op-x'], 2, /unknown subcommand 'resum'; did you mean 'resume'\? \(valid: list, show, resume, rollback\)/],
  ['ops show: no id', ['ops', 'show'], 2, /needs one operation id/],
  ['ops resume: no id', ['ops', 'resume'], 2, /ops resume needs one operation id/],
  ['ops show: an unknown option', ['ops', 'show', 'op-x', '--bogus'], 2, /unknown option '--bogus' \(valid: /],
  ['ops show: a flag of resume', ['ops', 'show', 'op-x', '--yes'], 2, /--yes applies to ops resume and ops rollback only/],
  ['jobs: no subcommand', ['jobs'], 2, /moxxie jobs list/],
  ['jobs: an unknown subcommand', ['jobs', 'frob'], 2, /unknown subcommand 'frob'/],
  ['jobs list: an unknown option', ['jobs', 'list', '--bogus'], 2, /unknown option '--bogus' \(valid: /],
  ['jobs create: an empty file', ['jobs', 'create', '--file', '/dev/null'], 2, /\/dev\/null is empty; give a JSON object such as \{"name":"nightly"/],
  ['jobs create: a bad cron expression', ['jobs', 'create', '-'], 2, /cronExpression: '0 3 \* \*' has 4 fields; use 6 or 7 Quartz fields/, job({ cronExpression: '0 3 * *' })],
  ['jobs create: an unknown field', ['jobs', 'create', '-'], 2, /cron: unknown field 'cron'/, job({ cron: '0 3 * * *' })],
  ['scheduler: an unknown option', ['scheduler', '--bogus'], 2, /unknown option '--bogus' \(valid: .*--once/],
  ['scheduler: a bad --grace', ['scheduler', '--grace', 'soon'], 2, /--grace must be a whole number of seconds, got 'soon'/],
  ['config: no subcommand', ['config'], 2, /moxxie config list\nmoxxie config use NAME/],
  ['config: an unknown subcommand', ['config', 'frob'], 2, /unknown subcommand 'frob'; valid: list, use, add, remove, test/],
  ['config list: an unknown option', ['config', 'list', '--bogus'], 2, /unknown option '--bogus'/],
  ['config use: no name', ['config', 'use'], 2, /usage: moxxie config use NAME/],
  ['config test: two contexts', ['config', 'test', 'a', 'b'], 2, /usage: moxxie config test \[NAME\] \(one context: a NAME or --context NAME\)/],
  ['config add: an unknown option', ['config', 'add', 'x', '--url', 'https://h:8006', '--bogus'], 2, /unknown option '--bogus' \(valid: --url VALUE/],
  ['config add: no --url', ['config', 'add', 'x', '--token-id', 'a@pam!b'], 2, /--url is required, e.g. --url https:\/\/pve1:8006/],
  ['config add: a token and a user', ['config', 'add', 'x', '--url', 'https://h:8006', '--token-id', 'a@pam!b', '--user', 'root'], 2, /give exactly one of --token-id USER@REALM!ID or --user USER/],
  ['config add: a bad --max-parallel', ['config', 'add', 'x', '--url', 'https://h:8006', '--token-id', 'a@pam!b', '--max-parallel', 'many'], 2, /--max-parallel must be a whole number from 1 to 20 \(got 'many'\)/],
  ['config add: the demo\'s name', ['config', 'add', 'demo', '--url', 'https://h:8006', '--token-id', 'a@pam!b'], 2, /'demo' is the built-in demo context; choose another name/],
  ['config remove: the demo', ['config', 'remove', 'demo'], 2, /'demo' is built in and cannot be removed/],
  ['sim: an unknown option', ['sim', '--bogus'], 2, /unknown option '--bogus' \(valid: --pve VALUE/],
  ['sim: no nodes', ['sim', '--nodes', '0'], 2, /--nodes must be an integer from 1 to 64, got '0'/],
  ['sim: an offline node it does not have', ['sim', '--offline', 'pve9'], 2, /--offline: 'pve9' is not a node of this cluster \(pve1\.\.pve4\)/],
  ['mcp: an unknown option', ['mcp', '--bogus'], 2, /unknown option '--bogus' \(valid: /],
  ['mcp: a bad port', ['mcp', '--http', '--port', 'x'], 2, /--port must be a number from 0 to 65535, got 'x'/],
  ['mcp: an unknown toolset', ['mcp', '--toolsets', 'nope'], 2, /--toolsets takes names from inventory, .* or all; unknown: nope/],
  ['serve: an unknown option', ['serve', '--bogus'], 2, /unknown option '--bogus' \(valid: /],
  ['serve: a bad port', ['serve', '--port', 'x'], 2, /--port must be a number from 0 to 65535, got 'x'/],
  ['serve: a public address without a token', ['serve', '--host', '0.0.0.0'], 2, /refusing to listen on 0\.0\.0\.0 without a bearer token.*--token-file F/],
  ['tui: an unknown option', ['--bogus'], 2, /unknown option '--bogus' \(valid: /],
  ['tui: a stray word', ['tui', 'extra'], 2, /unexpected argument 'extra': this command takes only options \(valid: --context NAME/],
  ['tui: no terminal', ['tui'], 2, /the TUI needs a terminal \(stdin and stdout must be a TTY\)/],
  ['snapshot create: an unknown option', ['snapshot', 'create', 'id:100', '--name', 'ok', '--bogus'], 2, /unknown option '--bogus' \(valid: .*--name/],
  ['snapshot create: a bad name', ['snapshot', 'create', 'id:100', '--name', 'a'], 2, /snapshotName \(--name\): .*at least 2 characters/],
  ['snapshot create: no name', ['snapshot', 'create', 'id:100'], 2, /snapshotName \(--name\): required/],
  ['snapshot: a near miss of a verb', ['snapshot', 'creat', 'id:100'], 2, /unknown verb 'moxxie snapshot creat'; did you mean 'create'\?/],
  ['power: no verb', ['power'], 2, /say what to do first: moxxie power start\|stop\|shutdown\|reboot\|suspend\|resume SELECTOR/],
  ['power: an unknown mode', ['power', 'frob', 'id:100'], 2, /operation: 'frob' is not valid \(use one of start, stop, shutdown, reboot, suspend, resume\)/],
  ['tags add: no selector', ['tags', 'add'], 2, /a SELECTOR is needed: which VMs, e\.g\. id:8200-8209/],
  ['backups list: an unknown option', ['backups', 'list', '--bogus'], 2, /unknown option '--bogus' \(valid: /],
  ['backups candidates: no policy', ['backups', 'candidates'], 2, /--policy is required: days:N, count:N, monthly:N/],
  ['migrate check: an unknown option', ['migrate', 'check', '--bogus'], 2, /unknown option '--bogus' \(valid: .*--to/],
  ['migrate check: no --to', ['migrate', 'check', '100'], 2, /--to NODE is required: the node to check/],
  ['storage content: an unknown option', ['storage', 'content', '--bogus'], 2, /unknown option '--bogus' \(valid: /],
  ['storage content: an unknown content type', ['storage', 'content', '--content', 'bogus'], 2, /--content 'bogus' is not valid; use one of images, iso, vztmpl/],
  ['vm show: an unknown option', ['vm', 'show', '100', '--bogus'], 2, /moxxie vm show: unknown option '--bogus' \(valid: --context NAME, --demo, --json, --help \(-h\)\)/],
  ['vm show: not an id', ['vm', 'show', 'abc'], 2, /give one VM or container id \(got 'abc'\)/],
  ['cluster plan: an unknown option', ['cluster', 'plan', '--bogus'], 2, /unknown option '--bogus' \(valid: /],
  ['cluster plan: no such file', ['cluster', 'plan', '--file', '/nonexistent/spec.yaml'], 2, /no file \/nonexistent\/spec\.yaml/],
  ['cluster provision: an unknown option', ['cluster', 'provision', '--bogus'], 2, /moxxie cluster provision: unknown option '--bogus' \(valid: .*--file VALUE/],
  ['cluster status: no id', ['cluster', 'status'], 2, /give one operation id \(moxxie cluster list shows them\)/],
];

const unknownContexts: Row[] = [
  ['vms: an unknown context', ['vms', '--context', 'nope'], 2, /context 'nope' is not in/],
  ['mcp: an unknown context', ['mcp', '--context', 'nope'], 2, /context 'nope' is not in/],
  ['serve: an unknown context', ['serve', '--context', 'nope'], 2, /context 'nope' is not in/],
  ['scheduler: an unknown context', ['scheduler', '--once', '--context', 'nope'], 2, /context 'nope' is not in/],
  ['snapshot create: an unknown context', ['snapshot', 'create', 'id:100', '--name', 'ok', '--context', 'nope'], 2, /context 'nope' is not in/],
  ['history: an unknown context', ['history', '--context', 'nope'], 2, /context 'nope' is not in/],
  ['jobs list: an unknown context', ['jobs', 'list', '--context', 'nope'], 2, /context 'nope' is not in/],
  ['ops resume: an unknown context', ['ops', 'resume', 'op-x', '--context', 'nope'], 2, /context 'nope' is not in/],
  ['vm show: an unknown context', ['vm', 'show', '100', '--context', 'nope'], 2, /context 'nope' is not in/],
  ['cluster list: an unknown context', ['cluster', 'list', '--context', 'nope'], 2, /context 'nope' is not in/],
];

const unknownNames: Row[] = [
  ['jobs show: an unknown job', ['jobs', 'show', 'nosuch'], 2, /no job with id or name 'nosuch'/],
  ['jobs trigger: an unknown job', ['jobs', 'trigger', 'nosuch'], 2, /no job with id or name 'nosuch'/],
  ['ops show: an unknown operation', ['ops', 'show', 'op-nosuch'], 2, /no operation 'op-nosuch'/],
  ['ops resume: an unknown operation', ['ops', 'resume', 'op-nosuch'], 2, /no operation 'op-nosuch'/],
  ['history show: an unknown operation', ['history', 'show', 'op-nosuch'], 2, /no operation 'op-nosuch' in this context's history \(moxxie history list shows the ids\)/],
  ['cluster status: an unknown operation', ['cluster', 'status', 'op-nosuch'], 2, /no operation 'op-nosuch' in this context/],
  ['cluster cancel: an unknown operation', ['cluster', 'cancel', 'op-nosuch'], 2, /no operation 'op-nosuch' in this context/],
  ['cluster resume: an unknown operation', ['cluster', 'resume', 'op-nosuch', '--yes'], 2, /no operation 'op-nosuch' in this context/],
  ['vm show: an unknown VM', ['vm', 'show', '99999'], 2, /no VM or container 99999 in this cluster/],
  ['migrate check: an unknown VM', ['migrate', 'check', '99999', '--to', 'pve2'], 2, /VM 99999 does not exist/],
  ['migrate check: an unknown node', ['migrate', 'check', '100', '--to', 'pve9'], 2, /no node 'pve9'/],
  ['storage content: an unknown storage', ['storage', 'content', 'nosuch'], 2, /no storage 'nosuch' \(storages: /],
  ['storage list: an unknown node', ['storage', 'list', '--node', 'pve9'], 2, /no node 'pve9' \(nodes: pve1, /],
  ['node drain: an unknown node', ['node', 'drain', 'pve9', '--yes'], 2, /no node 'pve9'/],
  ['backups restore: an unknown backup', ['backups', 'restore', '--volid', 'backup-nfs:backup/nosuch.vma.zst'], 2, /volid \(--volid\): no backup 'backup-nfs:backup\/nosuch\.vma\.zst'.*see 'moxxie backups list'/],
];

const JOB = job({});

const refusals: Row[] = [
  ['power stop without --yes', ['power', 'stop', 'id:101'], 2, /moxxie power: destructive: run again with --yes to do it; nothing was changed \(1 VM\(s\) would be affected\)/],
  // Safe mode: 100 has no moxxie tag, so its stop is skipped and --yes would not help.
  ['power stop of a VM safe mode skips', ['power', 'stop', 'id:100'], 2, /moxxie power: nothing to do: no VM would be affected \(the plan above says why\); nothing was changed/],
  ['snapshot create in a read-only context', ['snapshot', 'create', 'id:100', '--name', 'ro-refused', '--read-only'], 2, /read-only/],
  ['jobs create in a read-only context', ['jobs', 'create', '-', '--read-only'], 2, /read-only/, JOB],
  ['scheduler in a read-only context', ['scheduler', '--once'], 2, /context 'env' is read-only, so every job run would be refused/],
];

const successes: Row[] = [
  ['--version', ['--version'], 0],
  ['help', ['help'], 0],
  ['vms --ids', ['vms', '--ids'], 0],
  ['history list', ['history'], 0],
  ['jobs list', ['jobs', 'list'], 0],
  ['config list', ['config', 'list'], 0],
  ['a dry run of a destructive verb', ['power', 'stop', 'id:100', '--dry-run'], 0],
];

async function runRows(rows: Row[], e: Record<string, string> = env): Promise<Array<[Row, Exit]>> {
  const out: Array<[Row, Exit]> = [];
  for (const row of rows) out.push([row, await run(row[1], e, row[4])]);
  return out;
}

function check(results: Array<[Row, Exit]>): void {
  for (const [[what, , code, stderr], exit] of results) {
    expect(exit.code, `${what}: exit status (stderr: ${exit.err})`).toBe(code);
    if (stderr) expect(exit.err, what).toMatch(stderr);
    expect(exit.err, `${what}: Node's parseArgs text`).not.toMatch(NODE_PARSE_ARGS_TEXT);
  }
}

const snapshots = (s: Simulator, vmid: number) => s.state.vm(vmid)!.snapshots.map((x) => x.name);

describe('exit status, the same for every command', { timeout: 120_000 }, () => {
  it("2 for bad arguments and input, with moxxie's own message naming what is valid", async () => {
    check(await runRows(badArguments));
  });

  it('2 for unknown names: a context, a job, an operation, a VM, a node, a storage, a backup', async () => {
    check(await runRows(unknownNames));
    check(await runRows(unknownContexts, withoutPve));
    check(
      await runRows(
        [
          ['config use: an unknown context', ['config', 'use', 'nope'], 2, /context 'nope' is not configured in .*; known: lab, demo/],
          ['config remove: an unknown context', ['config', 'remove', 'nope'], 2, /context 'nope' is not configured in .*; known: lab/],
          ['config test: an unknown context', ['config', 'test', 'nope'], 2, /context 'nope'/],
          ['config add: an existing context without --force', ['config', 'add', 'lab', '--url', 'https://h:8006', '--token-id', 'a@pam!b'], 2, /context 'lab' already exists in .*; add --force to replace it/],
        ],
        withLab,
      ),
    );
  });

  it('2 for refusals, and nothing changed on the cluster', async () => {
    const before = sim.state.tasks().length;
    check(await runRows(refusals.slice(0, 4)));
    check(await runRows(refusals.slice(4), { ...env, MOXXIE_READ_ONLY: '1' }));
    for (const vmid of [100, 101]) expect(sim.state.vm(vmid)!.status).toBe('running');
    expect(snapshots(sim, 100)).not.toContain('ro-refused');
    expect(sim.state.tasks().length).toBe(before);
  });

  it('2 for ops resume of an operation with nothing left to do, and for a rollback without --yes; nothing undone', async () => {
    const made = await run(['snapshot', 'create', 'id:101', '--name', 'keep-me']);
    expect(made.code, made.err).toBe(0);
    const id = /^(op-\S+) snapshot keep-me: succeeded/m.exec(made.out)![1];
    check([
      [['ops resume: nothing left', ['ops', 'resume', id], 2, new RegExp(`operation ${id} has nothing left to resume: every target ended succeeded`)], await run(['ops', 'resume', id])],
      [['ops rollback without --yes', ['ops', 'rollback', id], 2, /a rollback changes what the operation did: run again with --yes to do it; nothing was changed \(1 VM\(s\) would be worked on\)/], await run(['ops', 'rollback', id])],
      [['ops rollback: an unknown operation', ['ops', 'rollback', 'op-nosuch', '--yes'], 2, /no operation 'op-nosuch' in this context's history/], await run(['ops', 'rollback', 'op-nosuch', '--yes'])],
    ]);
    expect(snapshots(sim, 101)).toContain('keep-me');
  });

  it('1 when the cluster cannot be reached', async () => {
    const port = new URL(unreachableEnv.PVE_URL).port;
    check(
      await runRows(
        [
          ['vms', ['vms'], 1, /cannot connect to https:\/\/127\.0\.0\.1:\d+/],
          // The hint names the URL's own port, not PVE's default 8006.
          ['config test', ['config', 'test'], 1, new RegExp(`hint: check the context url and that pveproxy is running on port ${port}`)],
          ['snapshot create', ['snapshot', 'create', 'id:100', '--name', 'never'], 1, /cannot connect/],
          ['power start', ['power', 'start', 'id:100'], 1, /cannot connect/],
          ['backups list', ['backups', 'list'], 1, /cannot connect/],
          ['backups candidates', ['backups', 'candidates', '--policy', 'days:30'], 1, /cannot connect/],
          ['storage content', ['storage', 'content'], 1, /cannot connect/],
          ['migrate check', ['migrate', 'check', '100', '--to', 'pve2'], 1, /cannot connect/],
          ['vm show', ['vm', 'show', '100'], 1, /cannot connect/],
        ],
        unreachableEnv,
      ),
    );
  });

  it('1 when the action fails on the cluster, and the failure is what PVE said; resuming it fails again', async () => {
    const res = await run(['snapshot', 'create', 'id:100', '--name', 'fails'], failingEnv);
    expect(res.code, res.err).toBe(1);
    expect(res.out).toMatch(/^100\s+\S+\s+\S+\s+failed\s+snapshot fails: simulated task failure/m);
    expect(res.err).toMatch(/100 \S+ \(pve\d\): failed — simulated task failure/);
    expect(snapshots(failing, 100)).not.toContain('fails');
    const id = /^(op-\S+) snapshot fails: failed/m.exec(res.out)![1];
    const resumed = await run(['ops', 'resume', id], failingEnv);
    expect(resumed.code, resumed.err).toBe(1);
    expect(resumed.out).toMatch(/failed/);
    expect(resumed.err).toMatch(/simulated task failure/);
    expect(snapshots(failing, 100)).not.toContain('fails');
  });

  it('1 when a triggered job run fails; 1 when a due run of scheduler --once fails, with its one summary line', async () => {
    const created = await run(['jobs', 'create', '-'], failingEnv, job({ name: 'fails-nightly', parameters: { snapshotNamePattern: 'nightly-{vmid}' }, vmSelectors: [{ type: 'VM_IDS', value: '101' }] }));
    expect(created.code, created.err).toBe(0);
    const triggered = await run(['jobs', 'trigger', 'fails-nightly'], failingEnv);
    expect(triggered.code, triggered.err).toBe(1);
    expect(triggered.out).toMatch(/^run-\S+ fails-nightly: failed in [\d.]+ s, 1 attempt\(s\): 1 failed — .*simulated task failure/m);
    expect(snapshots(failing, 101)).not.toContain('nightly-101');

    // A fresh state directory whose one job is due now.
    const stateDir = tempDir('exit-codes-due');
    const store = await writeDueJob(stateDir, { name: 'due', vmids: '102', parameters: { snapshotNamePattern: 'due-{vmid}' } });
    const once = await run(['scheduler', '--once', '--json'], { ...failingEnv, MOXXIE_STATE_DIR: stateDir });
    expect(once.code, once.err).toBe(1);
    const lines = once.out.trim().split('\n').map((l) => JSON.parse(l) as { event: string; status?: string; message?: string });
    expect(lines.map((l) => l.event)).toEqual(['run-start', 'run-end', 'info']);
    expect(lines[1]).toMatchObject({ status: 'failed' });
    expect(lines[2].message).toMatch(/^once: 1 run\(s\) started and finished; 1 did not succeed \(moxxie jobs runs shows why\) \(1 enabled job\(s\)\)/);
    expect((await store.listJobRuns({ jobId: 'job-due' })).map((r) => r.status)).toEqual(['failed']);
    expect(snapshots(failing, 102)).not.toContain('due-102');
    // Nothing is due now: one line says so, and the status is 0 again.
    const again = await run(['scheduler', '--once'], { ...failingEnv, MOXXIE_STATE_DIR: stateDir });
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/^\S+ once: nothing was due \(1 enabled job\(s\)\)/);
    expect(again.out.trim().split('\n')).toHaveLength(1);
  });

  it('1 for a restore onto a running VM (PVE never does it: stop it first), 2 without --yes; the VM untouched', async () => {
    const list = await run(['backups', 'list', 'id:100', '--json']);
    expect(list.code, list.err).toBe(0);
    const volid = (JSON.parse(list.out) as { backups: Array<{ volid: string }> }).backups[0].volid;
    const tasks = sim.state.tasks().length;
    const unconfirmed = await run(['backups', 'restore', '--volid', volid, '--vmid', '100', '--force']);
    expect(unconfirmed.code, unconfirmed.err).toBe(2);
    expect(unconfirmed.out).toMatch(/^100\s+\S+\s+pve\d\s+skipped\s+overwrite VM 100 .*VM 100 is running: PVE never restores onto a running guest; stop it first/m);
    expect(unconfirmed.err).toMatch(/moxxie backups restore: nothing to do: no VM would be affected \(the plan above says why\); nothing was changed/);
    // In a new state directory: the operation's first record (failed at once) is no "lost" history.
    const confirmed = await run(['backups', 'restore', '--volid', volid, '--vmid', '100', '--force', '--yes'], { ...env, MOXXIE_STATE_DIR: tempDir('exit-codes-restore') });
    expect(confirmed.code, confirmed.err).toBe(1);
    expect(confirmed.err).not.toMatch(/history write failed/);
    expect(confirmed.out).toMatch(/^100\s+\S+\s+pve\d\s+failed\s+.*VM 100 is running: PVE never restores onto a running guest; stop it first; not attempted/m);
    expect(sim.state.vm(100)!.status).toBe('running');
    expect(sim.state.tasks().length).toBe(tasks);
  });

  it('1 when migrate check answers no, with the reason', async () => {
    const node = sim.state.vm(100)!.node;
    const res = await run(['migrate', 'check', '100', '--to', node]);
    expect(res.code, res.err).toBe(1);
    expect(res.out).toMatch(new RegExp(`cannot move[\\s\\S]*✗ already on ${node}`));
  });

  it('1 when the history store is damaged: it is never read as empty', async () => {
    const stateDir = tempDir('exit-codes-damaged');
    await writeDueJob(stateDir, { name: 'damaged', vmids: '103', parameters: { snapshotNamePattern: 'damaged-{vmid}' } });
    writeFileSync(join(stateDir, 'env', 'history.json'), JSON.stringify({ version: 2, jobs: { not: 'a list' } }));
    const damaged = { ...env, MOXXIE_STATE_DIR: stateDir };
    check(
      await runRows(
        [
          ['history list', ['history'], 1, /history store .*history\.json is damaged/],
          ['jobs list', ['jobs', 'list'], 1, /history store .*history\.json is damaged/],
          ['snapshot create', ['snapshot', 'create', 'id:103', '--name', 'dmg'], 1, /history store .*history\.json is damaged/],
          ['scheduler --once', ['scheduler', '--once'], 1, /refusing to start: history store .*history\.json is damaged/],
        ],
        damaged,
      ),
    );
    expect(snapshots(sim, 103)).not.toContain('dmg');
  });

  it('0 when done', async () => {
    const results = await runRows(successes);
    check(results);
    const nothingDue = await run(['scheduler', '--once']);
    expect(nothingDue.code, nothingDue.err).toBe(0);
    expect(nothingDue.out).toMatch(/once: nothing was due \(0 enabled job\(s\)\)/);
  });

  it('every command and subcommand answers --help with 0 and its usage on stdout', async () => {
    const commands = [
      ['vms'], ['history'], ['history', 'audit'], ['ops'], ['ops', 'show'], ['ops', 'resume'], ['jobs'], ['jobs', 'trigger'], ['scheduler'], ['config'], ['config', 'add'],
      ['sim'], ['mcp'], ['serve'], ['tui'], ['snapshot', 'create'], ['power'], ['tags'], ['backups', 'list'], ['backups', 'candidates'], ['migrate', 'check'], ['storage', 'content'],
      ['storage', 'list'], ['vm', 'show'], ['cluster', 'plan'], ['cluster', 'provision'], ['node', 'drain'],
    ];
    const results = await runRows(commands.map((c): Row => [`${c.join(' ')} --help`, [...c, '--help'], 0]));
    check(results);
    for (const [[what], exit] of results) {
      expect(exit.out, what).toMatch(/moxxie/);
      expect(exit.err, what).toBe('');
    }
  });

  it('the real binary exits as the driver said: the same status and stderr from a process of its own', async () => {
    const rows: Array<[args: string[], e: Record<string, string>]> = [
      [['--version'], env],
      [['frobnicate'], env],
      [['vms', '--jsn'], env],
      // A ConfigError that reaches the entry point: classed there (exit-status.ts) as a refusal.
      [['serve', '--context', 'nope'], withoutPve],
      [['history', 'show', 'op-nosuch'], env],
      [['vms'], unreachableEnv],
    ];
    const spawned = await Promise.all(rows.map(([args, e]) => startCli(args, e).done));
    for (const [i, [args, e]] of rows.entries()) {
      const inDriver = await run(args, e);
      expect(spawned[i].code, `moxxie ${args.join(' ')}: ${spawned[i].err}`).toBe(inDriver.code);
      expect(spawned[i].err, `moxxie ${args.join(' ')}`).toBe(inDriver.err);
      expect(spawned[i].out, `moxxie ${args.join(' ')}`).toBe(inDriver.out);
    }
    expect(spawned.map((s) => s.code)).toEqual([0, 2, 2, 2, 2, 1]);
    expect(spawned[3].err).toMatch(/^moxxie: context 'nope' is not in /);
    // A failed action, through the process's exitCode: 1.
    const failed = await startCli(['snapshot', 'create', 'id:104', '--name', 'fails-too'], failingEnv).done;
    expect(failed.code, failed.err).toBe(1);
    expect(failed.out).toMatch(/^104\s+\S+\s+\S+\s+failed\s+snapshot fails-too: simulated task failure/m);
  });
});
