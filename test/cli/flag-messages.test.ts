// `moxxie vm show` and `moxxie cluster provision|status|list|…` read their flags through parseFlags like
// every other command: an unknown option gets moxxie's own message (the option, the nearest valid one, all
// the valid ones) and exit 2, never Node's parseArgs text. Run on the built CLI against a simulator; a
// refused command line changes nothing on it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { cliEnvironment, startCli } from '../fixtures/cli-process.js';
import { tempDir } from '../fixtures/temp-dirs.js';

let sim: Simulator;
let env: Record<string, string>;

beforeAll(async () => {
  sim = await startSimulator({ vms: 6, taskDurationMs: 20 });
  env = cliEnvironment(sim, tempDir('flag-messages'));
}, 60_000);

afterAll(async () => {
  await sim?.close();
});

const NODE_PARSE_ARGS_TEXT = /To specify a positional argument|Unknown option '|argument missing|does not take positional/;

describe('unknown options: moxxie\'s message and exit 2', () => {
  it('vm show', async () => {
    const res = await startCli(['vm', 'show', '100', '--bogus'], env).done;
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/^moxxie vm show: unknown option '--bogus' \(valid: --context NAME, --demo, --json, --help \(-h\)\)/);
    expect(res.err).not.toMatch(NODE_PARSE_ARGS_TEXT);
    expect(res.out).toBe('');
  });

  it('vm show: a near miss names the nearest option, and the right spelling works', async () => {
    const [miss, ok] = await Promise.all([startCli(['vm', 'show', '100', '--jsn'], env).done, startCli(['vm', 'show', '100', '--json'], env).done]);
    expect(miss.code).toBe(2);
    expect(miss.err).toMatch(/unknown option '--jsn'; did you mean '--json'\?/);
    expect(ok.code, ok.err).toBe(0);
    expect((JSON.parse(ok.out) as { vm: { vmid: number; name: string } }).vm.name).toBe(sim.state.vm(100)!.name);
  });

  it('cluster provision, status and list', async () => {
    const before = sim.state.vms().length;
    const lines = [['cluster', 'provision', '--file', '-', '--yes', '--bogus'], ['cluster', 'status', 'op-x', '--bogus'], ['cluster', 'list', '--bogus']];
    // Side by side: each is a process of its own.
    const results = await Promise.all(lines.map((args) => startCli(args, env).done));
    for (const [i, args] of lines.entries()) {
      const res = results[i];
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.err).toMatch(new RegExp(`^moxxie ${args[0]} ${args[1]}: unknown option '--bogus' \\(valid: --context NAME, --demo, --file VALUE \\(-f\\), --json, --yes \\(-y\\), --no-wait, --read-only, --limit VALUE, --help \\(-h\\)\\)`));
      expect(res.err).not.toMatch(NODE_PARSE_ARGS_TEXT);
    }
    // A flag that needs a value, and a near miss.
    const [missing, near] = await Promise.all([startCli(['cluster', 'list', '--limit'], env).done, startCli(['cluster', 'provision', '--fil', 'x.yaml'], env).done]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--limit needs a value, e\.g\. --limit VALUE/);
    expect(near.code).toBe(2);
    expect(near.err).toMatch(/unknown option '--fil'; did you mean '--file'\?/);
    // Nothing was provisioned by the refused command lines.
    expect(sim.state.vms().length).toBe(before);
  });
});
