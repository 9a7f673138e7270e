// The capability verbs (`moxxie snapshot create|delete|rollback`, `moxxie power …`, `moxxie tags …`) through
// the built CLI's dispatcher (dist/), many command lines in one driver process (fixtures/cli-driver.ts; the
// real binary's exit path is checked in exit-codes.test.ts), against a simulator this test runs, checked
// against the simulator's true state. The context is the environment's (PVE_URL and a token), with safe
// mode on as for any context.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPABILITIES } from '../../src/ops/capabilities/index.js';
import { companionOf } from '../../cli/companion-commands.js';
import type { Operation } from '../../src/ops/types.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { startCliDriver, type CliDriver } from '../fixtures/cli-driver.js';
import { CLI, cliEnvironment, type Exit } from '../fixtures/cli-process.js';

const cli = CLI;
let sim: Simulator;
let state: string;
let env: Record<string, string>;
let driver: CliDriver;

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (npm run build; the vitest global setup does it unless MOXXIE_SKIP_BUILD=1)`);
  [sim, driver] = await Promise.all([startSimulator({ vms: 30, taskDurationMs: 30 }), startCliDriver()]);
  state = mkdtempSync(join(tmpdir(), 'moxxie-verbs-cli-'));
  env = cliEnvironment(sim, state);
});
afterAll(async () => {
  await driver?.close();
  await sim?.close();
  if (state) rmSync(state, { recursive: true, force: true });
});

const moxxie = (args: string[], stdin?: string): Promise<Exit> => driver.run(args, env, stdin);

/** Refused with exit 2 and a message matching `why` (the message is shown when the exit code is not 2). */
function expectRefused(res: Exit, why: RegExp): void {
  expect(res.code, res.err).toBe(2);
  expect(res.err).toMatch(why);
}

/** Each test runs several command lines against the simulator (its tasks take 30 ms each). */
const SLOW = { timeout: 60_000 };

const snapshotNames = (vmid: number) => sim.state.vm(vmid)!.snapshots.map((s) => s.name);
/** Everything a request could change: snapshots, tags, power states, and the tasks PVE ran. */
const trueState = () => JSON.stringify({ vms: sim.state.vms().map((v) => [v.vmid, v.status, v.tags, v.snapshots.map((s) => s.name)]), tasks: sim.state.tasks().length });

describe('capability verbs: help from the registry', SLOW, () => {
  it('lists one verb per capability in moxxie help, and each verb documents every field of its request', async () => {
    const help = await moxxie(['help']);
    expect(help.code, help.err).toBe(0);
    const version = await moxxie(['--version']);
    expect(version.code).toBe(0);
    expect(version.out).toMatch(/^moxxie \d+\.\d+\.\d+\n$/);
    const capabilities = Object.values(CAPABILITIES);
    const helps = await Promise.all(capabilities.map((c) => moxxie([...c.names.verb, '--help'])));
    for (const [i, c] of capabilities.entries()) {
      expect(help.out).toContain(`moxxie ${c.names.verb.join(' ')} `);
      const verbHelp = helps[i];
      expect(verbHelp.code, `${c.kind}: ${verbHelp.err}`).toBe(0);
      const text = verbHelp.out.replace(/\s+/g, ' ');
      expect(text).toContain(c.title);
      // A verb served by a hand-written command (cluster provision: a YAML or JSON spec file, --no-wait) has its own help.
      if (companionOf(c.names.verb[0], c.names.verb[1])) continue;
      const cli = c.names.cli ?? {};
      for (const [field, schema] of Object.entries((c.schema as unknown as z.ZodObject).shape as Record<string, z.ZodType>)) {
        if (field === 'vmSelectors' || field === cli.modeField || field === cli.restField || field === cli.positionalField) {
          expect(text).toContain(`[field ${field}`);
          continue;
        }
        const flag = `--${field.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`)}`;
        expect(text).toMatch(new RegExp(`${flag}[ ,]`));
        expect(text).toContain(`[field ${field}]`);
        if (schema.description) expect(text).toContain(schema.description);
      }
      for (const alias of Object.keys(cli.aliases ?? {})) expect(verbHelp.out).toContain(`--${alias}`);
    }
    const group = await moxxie(['snapshot', '--help']);
    expect(group.code, group.err).toBe(0);
    for (const verb of ['create', 'delete', 'rollback']) expect(group.out).toContain(`moxxie snapshot ${verb} SELECTOR`);
  });
});

describe('capability verbs against the simulator', SLOW, () => {
  it('snapshot create makes the snapshots (with the TTL marker), prints a row per VM, the label, counts and the id', async () => {
    const res = await moxxie(['snapshot', 'create', 'id:8200-8202', '--name', 'cli-{vmid}', '--ttl', '24', '--description', 'before the upgrade']);
    expect(res.err).toMatch(/op-\S+ snapshot cli-\{vmid\}: started on 3 VM\(s\)/);
    expect(res.code, res.err).toBe(0);
    for (const vmid of [8200, 8201, 8202]) {
      expect(res.out).toMatch(new RegExp(`^${vmid}\\s+workshop-wk-\\d+\\s+pve\\d\\s+succeeded\\s+snapshot cli-${vmid} created`, 'm'));
      const snap = sim.state.vm(vmid)!.snapshots.find((s) => s.name === `cli-${vmid}`);
      expect(snap?.description).toMatch(/before the upgrade.*TTL: 24h/);
    }
    expect(res.out).toMatch(/^op-\S+ snapshot cli-\{vmid\}: succeeded \(3 succeeded\) in [\d.]+ s$/m);
  });

  it('--dry-run shows the plan, changes nothing and exits 0; --json prints the Operation', async () => {
    const before = trueState();
    const res = await moxxie(['snapshot', 'create', 'id:8203,8204', '--name', 'dry-{vmid}', '--dry-run']);
    expect(res.code, res.err).toBe(0);
    expect(res.out).toMatch(/^8203\s+\S+\s+pve\d\s+planned\s+snapshot dry-8203/m);
    expect(res.out).toMatch(/plan of snapshot dry-\{vmid\}: nothing was changed \(2 planned\)/);
    const json = await moxxie(['power', 'stop', 'id:8203', '--dry-run', '--json']);
    expect(json.code, json.err).toBe(0);
    const op = JSON.parse(json.out) as Operation;
    expect(op).toMatchObject({ kind: 'power', label: 'stop', dryRun: true, status: 'planned' });
    expect(op.targets.map((t) => [t.vmid, t.state])).toEqual([[8203, 'planned']]);
    expect(trueState()).toBe(before);
  });

  it('power shutdown stops the VMs (the mode word in any case); power stop, destructive, needs --yes', async () => {
    expect(sim.state.vm(8203)!.status).toBe('running');
    const res = await moxxie(['power', 'SHUTDOWN', 'id:8203,8204', '--timeout', '30']);
    expect(res.code, res.err).toBe(0);
    expect(res.out).toMatch(/^op-\S+ shutdown: succeeded \(2 succeeded\)/m);
    for (const vmid of [8203, 8204]) expect(sim.state.vm(vmid)!.status).toBe('stopped');

    const refused = await moxxie(['power', 'stop', 'id:8205']);
    expectRefused(refused, /destructive: run again with --yes to do it/);
    expect(refused.out).toMatch(/^8205\s+\S+\s+pve\d\s+planned\s+stop/m);
    expect(sim.state.vm(8205)!.status).toBe('running');
    const stopped = await moxxie(['power', 'stop', 'id:8205', '--yes']);
    expect(stopped.code, stopped.err).toBe(0);
    expect(sim.state.vm(8205)!.status).toBe('stopped');
  });

  it('tags add puts the tags on (TAG… words after the selector); --json prints the Operation', async () => {
    const res = await moxxie(['tags', 'add', 'id:8206,8207', 'cli-a', 'cli-b', '--json']);
    expect(res.code, res.err).toBe(0);
    const op = JSON.parse(res.out) as Operation;
    expect(op).toMatchObject({ kind: 'tags', label: 'add tags cli-a, cli-b', status: 'succeeded', request: { action: 'ADD', tags: ['cli-a', 'cli-b'], vmSelectors: 'id:8206,8207' } });
    for (const vmid of [8206, 8207]) expect(sim.state.vm(vmid)!.tags).toEqual(expect.arrayContaining(['cli-a', 'cli-b']));
  });

  it('tags add moxxie (safe mode\'s own tag) needs --yes while safe mode is on (issue 11)', async () => {
    const vmid = sim.state.vms().find((v) => v.vmid < 8200 && v.type === 'qemu' && !v.template && !v.tags.includes('moxxie'))!.vmid;
    const refused = await moxxie(['tags', 'add', `id:${vmid}`, 'moxxie']);
    expectRefused(refused, /moxxie tags: destructive: run again with --yes to do it; nothing was changed \(1 VM\(s\) would be affected\)/);
    expect(refused.out).toMatch(/lets safe mode's destructive actions touch the VM/);
    expect(sim.state.vm(vmid)!.tags).not.toContain('moxxie');
    const done = await moxxie(['tags', 'add', `id:${vmid}`, 'moxxie', '--yes']);
    expect(done.code, done.err).toBe(0);
    expect(sim.state.vm(vmid)!.tags).toContain('moxxie');
  });

  it('snapshot delete without --yes prints the plan, changes nothing and exits 2; with --yes it deletes', async () => {
    const before = trueState();
    const refused = await moxxie(['snapshot', 'delete', 'id:8200-8202', '--pattern', 'cli-*']);
    expectRefused(refused, /moxxie snapshot delete: destructive: run again with --yes to do it; nothing was changed \(3 VM\(s\) would be affected\)/);
    expect(refused.out).toMatch(/^8200\s+\S+\s+pve\d\s+planned\s+delete cli-8200/m);
    expect(trueState()).toBe(before);
    for (const vmid of [8200, 8201, 8202]) expect(snapshotNames(vmid)).toContain(`cli-${vmid}`);

    const done = await moxxie(['snapshot', 'delete', 'id:8200-8202', '--pattern', 'cli-*', '--yes']);
    expect(done.code, done.err).toBe(0);
    expect(done.out).toMatch(/delete snapshots cli-\*: succeeded \(3 succeeded\)/);
    for (const vmid of [8200, 8201, 8202]) expect(snapshotNames(vmid)).not.toContain(`cli-${vmid}`);
  });

  it('takes the request from --file (or stdin), merges the command line over it, and refuses a disagreement', async () => {
    const file = join(state, 'request.json');
    writeFileSync(file, JSON.stringify({ vmSelectors: [{ type: 'VM_IDS', value: '8208' }], snapshotName: 'file-{vmid}', ttlHours: 2 }));
    const fromFile = await moxxie(['snapshot', 'create', '--file', file]);
    expect(fromFile.code, fromFile.err).toBe(0);
    expect(snapshotNames(8208)).toContain('file-8208');
    const fromStdin = await moxxie(['power', 'start', '--file', '-'], JSON.stringify({ vmSelectors: 'id:8203' }));
    expect(fromStdin.code, fromStdin.err).toBe(0);
    expect(sim.state.vm(8203)!.status).toBe('running');
    const before = trueState();
    const clash = await moxxie(['snapshot', 'create', '--file', file, '--name', 'other-{vmid}']);
    expectRefused(clash, /snapshotName is given twice and they disagree: "file-\{vmid\}" in --file, "other-\{vmid\}" from --name/);
    expect(trueState()).toBe(before);
  });
});

describe('capability verbs: strict input', SLOW, () => {
  it('refuses an unknown or misspelt flag naming the nearest, and an unknown field in --file naming the nearest; nothing changes', async () => {
    const before = trueState();
    const file = join(state, 'typo.json');
    writeFileSync(file, JSON.stringify({ dry_run: true }));
    // Independent refusals: none of them may change anything.
    const cases: Array<[string[], RegExp, string?]> = [
      [['snapshot', 'delete', 'id:8200-8209', '--pattern', 'auto-*', '--dry_run', '--yes'], /unknown option '--dry_run'; did you mean '--dry-run'\?/],
      [['power', 'stop', 'id:8200', '--yes', '--forse'], /unknown option '--forse'; did you mean '--force'\?/],
      [['power', 'stop', 'id:8200', '--file', file, '--yes'], /dry_run: unknown field 'dry_run'; did you mean 'dryRun'\?/],
      [['tags', 'add', '--file', '-'], /vmSelectors\[0\]\.exlude: unknown field 'exlude'; did you mean 'exclude'\?/, JSON.stringify({ vmSelectors: [{ type: 'ALL', exlude: 'always-on' }], tags: ['x'] })],
      [['power', 'shutdwn', 'id:8200'], /operation: 'shutdwn' is not valid; did you mean 'shutdown'\?/],
      [['power', 'start', 'id:8200', '--on-failure', 'maybe'], /--on-failure: 'maybe' is not valid \(use one of continue, stop\)/],
      [['snapshot', 'create', 'id:8200', '--name', 'x', '--max-parallel', '50'], /maxParallel \(--max-parallel\): must be an integer from 1 to 20 \(got 50\)/],
      [['snapshot', 'create', 'id:8200'], /snapshotName \(--name\): required/],
      [['snapshot', 'create', '--name', 'x'], /a SELECTOR is needed/],
      [['snapshot', 'create', 'id:8200', 'id:8201', '--name', 'x'], /unexpected argument 'id:8201'/],
      [['snapshot', 'creat', 'id:8200', '--name', 'x'], /unknown verb 'moxxie snapshot creat'; did you mean 'create'\?/],
      [['tags', 'add', 'id:8200', 'ro', '--read-only'], /context 'env' is read-only/],
      // A two-character name: 'x' alone is itself refused since issue 11.
      [['snapshot', 'create', 'tag:(', '--name', 'xy'], /selector: .*tag expression/],
    ];
    const results = await Promise.all(cases.map(([args, , stdin]) => moxxie(args, stdin)));
    results.forEach((res, i) => expectRefused(res, cases[i][1]));
    expect(trueState()).toBe(before);
  });

  it('reads boolean flags as --x, --x=true|false, --x true|false and --no-x', async () => {
    const before = trueState();
    const on = [['--dry-run'], ['--dry-run=true'], ['--dry-run', 'true']];
    // Not a dry run: the destructive stop then asks for --yes.
    const off = [['--dry-run=false'], ['--no-dry-run'], ['--dry-run', 'false']];
    const [dry, notDry, bad] = await Promise.all([
      Promise.all(on.map((args) => moxxie(['power', 'stop', 'id:8200', ...args, '--json']))),
      Promise.all(off.map((args) => moxxie(['power', 'stop', 'id:8200', ...args]))),
      moxxie(['power', 'stop', 'id:8200', '--dry-run=maybe']),
    ]);
    for (const res of dry) {
      expect(res.code, res.err).toBe(0);
      expect((JSON.parse(res.out) as Operation).dryRun).toBe(true);
    }
    for (const res of notDry) expectRefused(res, /run again with --yes/);
    expectRefused(bad, /--dry-run takes true or false, got 'maybe'/);
    expect(trueState()).toBe(before);
  });
});
