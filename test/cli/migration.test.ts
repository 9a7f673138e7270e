// The migration commands through the built CLI's dispatcher (one driver process) against a simulator this test runs: migrate (with the seed's
// body from stdin), migrate check, node drain (confirmed) and undrain, history migrations; checked against
// the simulator's true state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { cliEnvironment, type Exit } from '../fixtures/cli-process.js';
import { cliDriverForFile } from '../fixtures/cli-driver.js';
import { tempDir } from '../fixtures/temp-dirs.js';

let sim: Simulator;
let env: Record<string, string>;
beforeAll(async () => {
  sim = await startSimulator({ vms: 30, taskDurationMs: 10, faults: { migrationMsPerGiB: 0.2 } });
  env = cliEnvironment(sim, tempDir('migration-cli'));
});
afterAll(() => sim.close());

// The command lines run through the CLI's dispatcher in one driver process (fixtures/cli-driver.ts).
const inDriver = cliDriverForFile();
const moxxie = (args: string[], stdin?: string): Promise<Exit> => inDriver(args, env, stdin);
const SLOW = { timeout: 120_000 };

describe('migration from the command line', SLOW, () => {
  it('migrate check, then migrate with the seed body on stdin, then the history shows the move', async () => {
    const check = await moxxie(['migrate', 'check', '8200', '--to', 'pve2']);
    expect(check.code, check.err).toBe(0);
    expect(check.out).toMatch(/VM 8200 workshop-wk-01 on pve1 \(running\) → pve2: can move/);
    expect(check.out).toMatch(/local disk local-zfs:vm-8200-disk-0/);
    const bad = await moxxie(['migrate', 'check', '8200', '--to', 'hv2']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/no node 'hv2'/);

    // The seed's second example: the offline fallback may stop the VM, so without --yes only the plan.
    const body = JSON.stringify({ targetNode: 'pve2', allowOfflineMigration: true });
    const refused = await moxxie(['migrate', 'id:8200', '--file', '-'], body);
    expect(refused.code).toBe(2);
    expect(refused.out).toMatch(/migrate to pve2 \(online, .*offline fallback: stop, move, start\)/);
    expect(sim.state.vm(8200)!.node).toBe('pve1');
    const done = await moxxie(['migrate', 'id:8200', '--file', '-', '--yes', '--json'], body);
    expect(done.code, done.err).toBe(0);
    expect(JSON.parse(done.out).status).toBe('succeeded');
    expect(sim.state.vm(8200)).toMatchObject({ node: 'pve2', status: 'running' });

    const hist = await moxxie(['history', 'migrations', '8200', '--json']);
    expect(hist.code, hist.err).toBe(0);
    const { migrations } = JSON.parse(hist.out) as { migrations: Array<Record<string, unknown>> };
    expect(migrations).toHaveLength(1);
    expect(migrations[0]).toMatchObject({ vmid: 8200, from: 'pve1', to: 'pve2', mode: 'online', status: 'succeeded', frontEnd: 'cli' });
  });

  it('node drain NODE needs --yes, moves every VM off; node undrain brings them back', async () => {
    const before = sim.state.vms().filter((v) => v.node === 'pve3' && v.type === 'qemu' && !v.template).map((v) => v.vmid);
    expect(before.length).toBeGreaterThan(0);
    const plan = await moxxie(['node', 'drain', 'pve3']);
    expect(plan.code).toBe(2);
    expect(plan.err).toMatch(/destructive: run again with --yes/);
    const drained = await moxxie(['node', 'drain', 'pve3', '--yes']);
    expect(drained.code, drained.err).toBe(0);
    for (const id of before) expect(sim.state.vm(id)!.node).not.toBe('pve3');
    const back = await moxxie(['node', 'undrain', 'pve3']);
    expect(back.code, back.err).toBe(0);
    for (const id of before) expect(sim.state.vm(id)!.node).toBe('pve3');
    const words = await moxxie(['node', 'drain', 'pve3', '--node', 'pve2']);
    expect(words.code).toBe(2);
    expect(words.err).toMatch(/node is given twice and they disagree/);
  });
});
