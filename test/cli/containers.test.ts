// Containers from the CLI, through the built CLI's dispatcher (one driver process) against a simulator: `moxxie vm show` on a
// container, and a bulk plan that says qemu or lxc per row (TYPE column) and then acts on both.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { cliEnvironment, type Exit } from '../fixtures/cli-process.js';
import { cliDriverForFile } from '../fixtures/cli-driver.js';

let sim: Simulator;
let state: string;
let env: Record<string, string>;
beforeAll(async () => {
  sim = await startSimulator({ vms: 30, taskDurationMs: 30 });
  state = mkdtempSync(join(tmpdir(), 'moxxie-ct-cli-'));
  env = cliEnvironment(sim, state);
});
afterAll(async () => {
  await sim?.close();
  if (state) rmSync(state, { recursive: true, force: true });
});

// The command lines run through the CLI's dispatcher in one driver process (fixtures/cli-driver.ts).
const inDriver = cliDriverForFile();
const moxxie = (args: string[]): Promise<Exit> => inDriver(args, env);
const SLOW = { timeout: 120_000 };

describe('containers in the CLI', () => {
  it('vm show 300: a container with its config, snapshots and tasks; an unknown id exits 2', SLOW, async () => {
    const res = await moxxie(['vm', 'show', '300']);
    expect(res.code, res.err).toBe(0);
    const ct = sim.state.vm(300)!;
    expect(res.out).toMatch(new RegExp(`^300 ${ct.name}: container \\(lxc\\) on ${ct.node}, running$`, 'm'));
    expect(res.out).toMatch(/^ {2}rootfs: local-zfs:subvol-300-disk-0,size=8G$/m);
    expect(res.out).toMatch(/no snapshots|SNAPSHOT/);
    const json = await moxxie(['vm', 'show', '300', '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ vm: { vmid: 300, type: 'lxc' }, config: { hostname: ct.name } });
    const missing = await moxxie(['vm', 'show', '299']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no VM or container 299/);
  });

  it('a bulk snapshot plan shows TYPE per row; the run snapshots the VM and the container (safe mode: --force)', SLOW, async () => {
    const dry = await moxxie(['snapshot', 'create', 'id:100,300', '--name', 'cli-both-{vmid}', '--dry-run']);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toMatch(/^VMID\s+NAME\s+NODE\s+STATE\s+WHAT \/ WHY\s+TYPE$/m);
    expect(dry.out).toMatch(/^100\s+\S+\s+pve\d\s+planned\s+snapshot cli-both-100\s+qemu$/m);
    expect(dry.out).toMatch(/^300\s+\S+\s+pve\d\s+planned\s+snapshot cli-both-300\s+lxc$/m);
    const run = await moxxie(['snapshot', 'create', 'id:100,300', '--name', 'cli-both-{vmid}']);
    expect(run.code, run.err).toBe(0);
    expect(sim.state.vm(300)!.snapshots.map((s) => s.name)).toContain('cli-both-300');
    expect(sim.state.vm(100)!.snapshots.map((s) => s.name)).toContain('cli-both-100');
  });
});
