// One exit-status convention for every command, checked on the built CLI as a user runs it: 0 done;
// 1 the action failed or the cluster did; 2 bad arguments or input, refusals and unknown names. Each row
// is a failure mode of one command (or its success), run against a simulator this test owns; a refusal is
// also checked against the simulator's state (nothing changed). Unknown options get moxxie's own message
// naming the valid ones, never Node's parseArgs text.
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { cliEnvironment, startCli, type Exit } from '../fixtures/cli-process.js';
import { tempDir } from '../fixtures/temp-dirs.js';

let sim: Simulator;
let failing: Simulator;
let env: Record<string, string>;
let failingEnv: Record<string, string>;
let unreachableEnv: Record<string, string>;

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  sim = await startSimulator({ vms: 12, taskDurationMs: 20 });
  // Every task this one starts ends in an error: the action fails on PVE.
  failing = await startSimulator({ vms: 12, taskDurationMs: 20, faults: { taskFailureRate: 1 } });
  env = cliEnvironment(sim, tempDir('exit-codes'));
  failingEnv = cliEnvironment(failing, tempDir('exit-codes-failing'));
  unreachableEnv = { ...cliEnvironment(sim, tempDir('exit-codes-unreachable')), PVE_URL: `https://127.0.0.1:${await closedPort()}` };
  // A config with one context, for config use/remove/test of unknown names.
  const configDir = tempDir('exit-codes-config');
  writeFileSync(join(configDir, 'config.json'), JSON.stringify({ current: 'lab', contexts: { lab: { url: sim.url, auth: { tokenId: sim.credentials.tokenId }, tls: { fingerprint: sim.fingerprint } } } }), { mode: 0o600 });
  env.MOXXIE_CONFIG_WITH_LAB = join(configDir, 'config.json');
}, 60_000);

afterAll(async () => {
  await sim?.close();
  await failing?.close();
});

const run = (args: string[], e: Record<string, string> = env): Promise<Exit> => startCli(args, e).done;

type Row = [what: string, args: string[], code: number, stderr?: RegExp];

const NODE_PARSE_ARGS_TEXT = /To specify a positional argument|Unknown option '|argument missing|does not take positional/;

const badArguments: Row[] = [
  ['an unknown command', ['frobnicate'], 2, /unknown command "frobnicate"; valid: /],
  ['vms: an unknown option', ['vms', '--bogus'], 2, /moxxie vms: unknown option '--bogus' \(valid: --context NAME, --demo, --json, --ids, --help \(-h\)\)/],
  ['vms: a near miss', ['vms', '--jsn'], 2, /unknown option '--jsn'; did you mean '--json'\?/],
  ['vms: a bad selector', ['vms', 'tag:(a AND'], 2, /selector: /],
  ['vms: --json and --ids', ['vms', '--json', '--ids'], 2, /give --json or --ids, not both/],
  ['history: an unknown option', ['history', '--bogus'], 2, /unknown option '--bogus' \(valid: .*--status VALUE/],
  ['history: a flag without its value', ['history', '--limit'], 2, /--limit needs a value/],
  ['history: a bad status', ['history', '--status', 'done'], 2, /--status must be one of/],
  ['ops: no subcommand', ['ops'], 2],
  ['ops show: no id', ['ops', 'show'], 2, /needs one operation id/],
  ['ops show: an unknown option', ['ops', 'show', 'op-x', '--bogus'], 2, /unknown option '--bogus' \(valid: /],
  ['jobs: no subcommand', ['jobs'], 2],
  ['jobs: an unknown subcommand', ['jobs', 'frob'], 2, /unknown subcommand 'frob'/],
  ['jobs list: an unknown option', ['jobs', 'list', '--bogus'], 2, /unknown option '--bogus' \(valid: /],
  ['jobs create: a file that is not JSON', ['jobs', 'create', '--file', '/dev/null'], 2],
  ['scheduler: an unknown option', ['scheduler', '--bogus'], 2, /unknown option '--bogus' \(valid: .*--once/],
  ['scheduler: a bad --grace', ['scheduler', '--grace', 'soon'], 2, /--grace must be a whole number/],
  ['config: no subcommand', ['config'], 2],
  ['config list: an unknown option', ['config', 'list', '--bogus'], 2, /unknown option '--bogus'/],
  ['config add: an unknown option', ['config', 'add', 'x', '--url', 'https://h:8006', '--bogus'], 2, /unknown option '--bogus' \(valid: --url VALUE/],
  ['config add: no --url', ['config', 'add', 'x', '--token-id', 'a@pam!b'], 2, /--url is required/],
  ['sim: an unknown option', ['sim', '--bogus'], 2, /unknown option '--bogus' \(valid: --pve VALUE/],
  ['mcp: an unknown option', ['mcp', '--bogus'], 2, /unknown option '--bogus' \(valid: /],
  ['serve: an unknown option', ['serve', '--bogus'], 2, /unknown option '--bogus' \(valid: /],
  ['tui: an unknown option', ['--bogus'], 2, /unknown option '--bogus' \(valid: /],
  ['snapshot create: an unknown option', ['snapshot', 'create', 'id:100', '--name', 'ok', '--bogus'], 2, /unknown option '--bogus' \(valid: .*--name/],
  ['snapshot create: a bad name', ['snapshot', 'create', 'id:100', '--name', 'a'], 2, /at least 2 characters/],
  ['power: no verb', ['power'], 2],
  ['power: an unknown mode', ['power', 'frob', 'id:100'], 2],
  ['tags add: no selector', ['tags', 'add'], 2],
  ['backups list: an unknown option', ['backups', 'list', '--bogus'], 2, /unknown option '--bogus' \(valid: /],
  ['migrate check: an unknown option', ['migrate', 'check', '--bogus'], 2, /unknown option '--bogus' \(valid: .*--to/],
  ['storage content: an unknown option', ['storage', 'content', '--bogus'], 2, /unknown option '--bogus' \(valid: /],
  ['cluster plan: an unknown option', ['cluster', 'plan', '--bogus'], 2, /unknown option '--bogus' \(valid: /],
];

/** Run without PVE_URL: with it, any context name is an ad-hoc context of the environment's cluster. */
const unknownContexts: Row[] = [
  ['vms: an unknown context', ['vms', '--context', 'nope'], 2, /context 'nope' is not in/],
  ['mcp: an unknown context', ['mcp', '--context', 'nope'], 2, /context 'nope' is not in/],
  ['serve: an unknown context', ['serve', '--context', 'nope'], 2, /context 'nope' is not in/],
  ['scheduler: an unknown context', ['scheduler', '--once', '--context', 'nope'], 2, /context 'nope' is not in/],
  ['snapshot create: an unknown context', ['snapshot', 'create', 'id:100', '--name', 'ok', '--context', 'nope'], 2, /context 'nope' is not in/],
  ['history: an unknown context', ['history', '--context', 'nope'], 2, /context 'nope' is not in/],
];

const unknownNames: Row[] = [
  ['jobs show: an unknown job', ['jobs', 'show', 'nosuch'], 2, /no job with id or name 'nosuch'/],
  ['jobs trigger: an unknown job', ['jobs', 'trigger', 'nosuch'], 2, /no job with id or name 'nosuch'/],
  ['ops show: an unknown operation', ['ops', 'show', 'op-nosuch'], 2, /no operation 'op-nosuch'/],
  ['ops resume: an unknown operation', ['ops', 'resume', 'op-nosuch'], 2, /no operation 'op-nosuch'/],
  ['history show: an unknown operation', ['history', 'show', 'op-nosuch'], 2, /no operation 'op-nosuch'/],
  ['migrate check: an unknown VM', ['migrate', 'check', '99999', '--to', 'pve2'], 2, /VM 99999 does not exist/],
  ['migrate check: an unknown node', ['migrate', 'check', '100', '--to', 'pve9'], 2, /no node 'pve9'/],
  ['storage content: an unknown storage', ['storage', 'content', 'nosuch'], 2, /no storage 'nosuch'/],
  ['node drain: an unknown node', ['node', 'drain', 'pve9', '--yes'], 2, /no node 'pve9'/],
];

const refusals: Row[] = [
  ['power stop without --yes', ['power', 'stop', 'id:100'], 2, /run again with --yes/],
  ['snapshot create in a read-only context', ['snapshot', 'create', 'id:100', '--name', 'ro-refused', '--read-only'], 2, /read-only/],
  ['jobs create in a read-only context', ['jobs', 'create', '-', '--read-only'], 2, /read-only/],
];

const successes: Row[] = [
  ['--version', ['--version'], 0],
  ['help', ['help'], 0],
  ['vms --ids', ['vms', '--ids'], 0],
  ['history list', ['history'], 0],
  ['jobs list', ['jobs', 'list'], 0],
  ['config list', ['config', 'list'], 0],
  ['scheduler --once with nothing due', ['scheduler', '--once'], 0],
];

const JOB = JSON.stringify({ name: 'ro-job', taskType: 'snapshot_create', cronExpression: '0 3 * * *', parameters: { snapshotNamePattern: 'ro-{vmid}' }, vmSelectors: [{ type: 'VM_IDS', value: '100' }] });

/** A few at a time: each row is a process of its own, on a 2-core machine. */
async function runRows(rows: Row[], e: Record<string, string> = env): Promise<Array<[Row, Exit]>> {
  const out: Array<[Row, Exit]> = [];
  for (let i = 0; i < rows.length; i += 4) {
    const batch = rows.slice(i, i + 4);
    const exits = await Promise.all(batch.map(([, args]) => startCli(args, e, args.includes('-') ? JOB : undefined).done));
    batch.forEach((row, j) => out.push([row, exits[j]]));
  }
  return out;
}

function check(results: Array<[Row, Exit]>): void {
  for (const [[what, , code, stderr], exit] of results) {
    expect(exit.code, `${what}: exit status (stderr: ${exit.err})`).toBe(code);
    if (stderr) expect(exit.err, what).toMatch(stderr);
    expect(exit.err, `${what}: Node's parseArgs text`).not.toMatch(NODE_PARSE_ARGS_TEXT);
  }
}

// Each row is a process of its own (node's start-up dominates): generous timeouts for a loaded CI machine.
describe('exit status, the same for every command', { timeout: 600_000 }, () => {
  it('2 for bad arguments and input, with moxxie\'s own message for an unknown option (the valid ones named)', async () => {
    check(await runRows(badArguments));
  });

  it('2 for unknown names: a context, a job, an operation, a VM, a node, a storage', async () => {
    check(await runRows(unknownNames));
    const withoutPve = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('PVE_')));
    check(await runRows(unknownContexts, withoutPve));
    const withLab = { ...withoutPve, MOXXIE_CONFIG: env.MOXXIE_CONFIG_WITH_LAB };
    check(
      await runRows(
        [
          ['config use: an unknown context', ['config', 'use', 'nope'], 2, /context 'nope' is not configured/],
          ['config remove: an unknown context', ['config', 'remove', 'nope'], 2, /context 'nope' is not configured/],
          ['config test: an unknown context', ['config', 'test', 'nope'], 2, /context 'nope'/],
        ],
        withLab,
      ),
    );
  });

  it('2 for refusals, and nothing changed on the cluster', async () => {
    check(await runRows(refusals));
    expect(sim.state.vm(100)!.status).toBe('running');
    expect(sim.state.vm(100)!.snapshots.map((s) => s.name)).not.toContain('ro-refused');
  });

  it('1 when the cluster cannot be reached', async () => {
    check(
      await runRows(
        [
          ['vms', ['vms'], 1, /cannot connect to https:\/\/127\.0\.0\.1:\d+/],
          ['config test', ['config', 'test'], 1, /hint: check the context url and that pveproxy is running on port \d+/],
          ['snapshot create', ['snapshot', 'create', 'id:100', '--name', 'never'], 1, /cannot connect/],
          ['backups list', ['backups', 'list'], 1, /cannot connect/],
          ['storage content', ['storage', 'content'], 1, /cannot connect/],
          ['migrate check', ['migrate', 'check', '100', '--to', 'pve2'], 1, /cannot connect/],
        ],
        unreachableEnv,
      ),
    );
    // The hint names the URL's own port, not PVE's default 8006.
    const port = new URL(unreachableEnv.PVE_URL).port;
    expect((await run(['config', 'test'], unreachableEnv)).err).toContain(`running on port ${port}`);
  });

  it('1 when the action fails on the cluster, and the failure is what PVE said', async () => {
    const res = await run(['snapshot', 'create', 'id:100', '--name', 'fails'], failingEnv);
    expect(res.code, res.err).toBe(1);
    expect(res.out).toMatch(/^100\s+\S+\s+\S+\s+failed/m);
    expect(failing.state.vm(100)!.snapshots.map((s) => s.name)).not.toContain('fails');
  });

  it('0 when done', async () => {
    check(await runRows(successes));
  });

  it('every command and subcommand answers --help with 0 and its usage on stdout', async () => {
    const commands = [
      ['vms'], ['history'], ['history', 'audit'], ['ops'], ['ops', 'show'], ['jobs'], ['jobs', 'trigger'], ['scheduler'], ['config'], ['config', 'add'],
      ['sim'], ['mcp'], ['serve'], ['tui'], ['snapshot', 'create'], ['power'], ['tags'], ['backups', 'list'], ['migrate', 'check'], ['storage', 'content'], ['cluster', 'plan'], ['node', 'drain'],
    ];
    const rows: Row[] = commands.map((c) => [`${c.join(' ')} --help`, [...c, '--help'], 0]);
    const results = await runRows(rows);
    check(results);
    for (const [[what], exit] of results) expect(exit.out, what).toMatch(/moxxie/);
  });
});
