// `moxxie cluster provision|status|list|resume|rollback` through the built CLI's dispatcher (real processes to kill -9) against a simulator this test runs:
// the seed's specs (JSON and YAML) provisioned, --json in the seed's shape, --no-wait with its id followed by
// status, the plan without --yes; then kill -9 mid-run: status shows which VM reached which phase, resume
// finishes it from PVE's state without a second clone, and a second run killed mid-way is rolled back.
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHistory, type HistoryStore } from '../../src/history/store.js';
import type { ProvisioningProgress } from '../../src/ops/provisioning/progress.js';
import type { Operation } from '../../src/ops/types.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { cliEnvironment, startCli } from '../fixtures/cli-process.js';
import { cliDriverForFile } from '../fixtures/cli-driver.js';
import { tempDir } from '../fixtures/temp-dirs.js';
import { until } from '../fixtures/wait.js';
import { seedSpecText } from '../ops/provisioning/seed-specs.js';

let sim: Simulator;
let state: string;
let env: Record<string, string>;
let store: HistoryStore | undefined;
const children: ChildProcess[] = [];
const file = (name: string, text: string) => {
  const path = join(state, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(async () => {
  sim = await startSimulator({ nodes: 4, vms: 40, seed: 7, taskDurationMs: 60 });
  state = tempDir('cluster-cli');
  env = cliEnvironment(sim, state);
});
afterAll(async () => {
  for (const p of children) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  await store?.close();
  await sim?.close();
});

const start = (args: string[]) => {
  const run = startCli(args, env);
  children.push(run.p);
  return run;
};
// The command lines run through the CLI's dispatcher in one driver process (fixtures/cli-driver.ts).
const inDriver = cliDriverForFile();
const moxxie = (args: string[]) => inDriver(args, env);
const named = (prefix: string) => sim.state.vms().filter((v) => String(v.config.name ?? '').startsWith(prefix));

describe('moxxie cluster', { timeout: 240_000 }, () => {
  it('provision without --yes prints the plan and creates nothing; with --yes --json prints the final status in the seed\'s shape', async () => {
    const spec = file('test-cluster.json', seedSpecText('seed-test-cluster.json'));
    const before = sim.state.vms().length;
    const plan = await moxxie(['cluster', 'provision', '--file', spec]);
    expect(plan.code, plan.err).toBe(2);
    expect(plan.out).toMatch(/Placement \(hosts x groups\)/);
    expect(plan.out).toMatch(/test-cluster-nodes-01/);
    expect(plan.err).toMatch(/run again with --yes/);
    expect(sim.state.vms().length).toBe(before);

    const res = await moxxie(['cluster', 'provision', '--file', spec, '--yes', '--json']);
    expect(res.code, res.err).toBe(0);
    const status = JSON.parse(res.out) as ProvisioningProgress;
    expect(status).toMatchObject({ clusterName: 'test-cluster', status: 'COMPLETED', progressPercentage: 100, totalNodes: 2, successfulNodes: 2, failedNodes: 0 });
    for (const n of status.nodeStates) {
      expect(n.status).toBe('READY');
      const vm = sim.state.vm(n.vmId)!;
      expect([vm.config.name, vm.node, vm.status]).toEqual([n.name, n.host, 'running']);
    }
    expect(res.out + res.err).not.toContain('changeme');
    expect(res.err).toMatch(/test-cluster-nodes-01.*succeeded|succeeded.*test-cluster-nodes-01/);
  });

  it('--no-wait prints the id at once; status follows the run to COMPLETED (a YAML spec); list shows it newest first', async () => {
    const spec = file('talos.yaml', seedSpecText('seed-talos-prod-01.yaml'));
    // A process of its own: --no-wait starts a detached moxxie from the running binary's path.
    const res = await start(['cluster', 'provision', '--file', spec, '--yes', '--no-wait']).done;
    expect(res.code, res.err).toBe(0);
    const id = res.out.trim();
    expect(id).toMatch(/^op-\S+$/);
    const done = await until('the detached run to end', async () => {
      const s = await moxxie(['cluster', 'status', id, '--json']);
      if (s.code !== 0) return undefined;
      const p = JSON.parse(s.out) as ProvisioningProgress;
      return ['COMPLETED', 'FAILED', 'ROLLED_BACK'].includes(p.status) ? p : undefined;
    }, 120_000, 200);
    expect(done.status).toBe('COMPLETED');
    expect(named('talos-prod-01-')).toHaveLength(6);
    const text = await moxxie(['cluster', 'status', id]);
    expect(text.out).toMatch(new RegExp(`^${id} cluster talos-prod-01: COMPLETED 100%`, 'm'));
    const list = await moxxie(['cluster', 'list', '--json']);
    const ops = (JSON.parse(list.out) as { operations: ProvisioningProgress[] }).operations;
    expect(ops.map((o) => [o.clusterName, o.status])).toEqual([['talos-prod-01', 'COMPLETED'], ['test-cluster', 'COMPLETED']]);
  });

  /** Starts a provisioning and SIGKILLs it once a VM is READY and another VM's phase has a task running. */
  async function killMidRun(spec: string): Promise<{ id: string; atKill: Operation }> {
    const run = start(['cluster', 'provision', '--file', spec, '--yes']);
    const id = await until('the operation to start', () => /^(op-\S+) provision cluster/m.exec(run.stderr())?.[1], 60_000);
    store ??= await openHistory({ dir: join(state, 'env') });
    const ready = (op: Operation | undefined) => op?.targets.some((t) => t.phases.some((p) => p.state === 'running' && p.upids.length)) && op.targets.some((t) => t.state === 'succeeded');
    const atKill = await until('a VM ready and a phase running in the history', async () => {
      if (!ready(await store!.getOperation(id))) return undefined;
      // Stopped, then read again: a stopped process writes nothing more, so this is what the kill leaves
      // (on a loaded machine it could otherwise start a VM's phase between the read and the kill).
      run.p.kill('SIGSTOP');
      const op = await store!.getOperation(id);
      if (ready(op)) return op;
      run.p.kill('SIGCONT');
      return undefined;
    }, 60_000, 10);
    run.p.kill('SIGKILL');
    expect((await run.done).code).toBeNull();
    // Tasks the dead process started go on at PVE; wait for them to end as a real cluster's would.
    // The rollback itself waits for tasks still running on its ids (the clone the dead process sent, UPID never
    // journaled); the test waits too, so what it asserts next is PVE's settled state.
    await until('PVE tasks to end', () => sim.state.tasks().every((t) => t.status !== 'running') && sim.state.vms().every((v) => !v.config.lock), 60_000);
    return { id, atKill };
  }

  it('kill -9 mid-run: status shows which VM reached which phase; resume finishes it from PVE\'s state, nothing made twice', async () => {
    sim.faults.set({ taskDurationMs: 250 });
    const body = JSON.parse(seedSpecText('seed-talos-prod-01.json')) as Record<string, any>;
    body.name = 'crash';
    const clonesBefore = sim.state.tasks().filter((t) => t.type === 'qmclone').length;
    const { id, atKill } = await killMidRun(file('crash.json', JSON.stringify(body)));
    sim.faults.set({ taskDurationMs: 60 });
    const s = await moxxie(['cluster', 'status', id, '--json']);
    expect(s.code, s.err).toBe(0);
    const status = JSON.parse(s.out) as ProvisioningProgress;
    expect(status.status).toBe('FAILED');
    expect(status.currentOperation).toMatch(/^Interrupted: \d+ of 6 ready; resume or roll back$/);
    expect(status.successfulNodes).toBeGreaterThan(0);
    const cut = status.nodeStates.filter((n) => n.status === 'FAILED');
    expect(cut.length).toBeGreaterThan(0);
    for (const n of cut) {
      // The phase it was in, and the UPIDs of the tasks it had started: PVE has exactly those.
      expect(n.phase).toBe(atKill.targets.find((t) => t.name === n.name)!.phases.filter((p) => p.state !== 'pending').at(-1)!.name);
      for (const upid of status.logs.find((l) => l.name === n.name)!.entries.flatMap((e) => e.upids)) expect(sim.state.tasks().map((t) => t.upid)).toContain(upid);
    }

    const resumed = await moxxie(['cluster', 'resume', id, '--yes', '--json']);
    expect(resumed.code, resumed.err).toBe(0);
    const after = JSON.parse(resumed.out) as ProvisioningProgress;
    expect(after).toMatchObject({ status: 'COMPLETED', successfulNodes: 6 });
    const vms = named('crash-');
    expect(vms).toHaveLength(6);
    for (const n of after.nodeStates) expect(sim.state.vm(n.vmId)!.node).toBe(n.host);
    // One clone per VM (a clone task carries the template's id): the resume found the clones the dead process had made.
    expect(sim.state.tasks().filter((t) => t.type === 'qmclone').length - clonesBefore).toBe(6);
  });

  it('a second run killed mid-way is rolled back: every VM it made is removed, the one whose clone was running included', async () => {
    sim.faults.set({ taskDurationMs: 250 });
    const body = JSON.parse(seedSpecText('seed-talos-prod-01.json')) as Record<string, any>;
    body.name = 'crash2';
    const { id } = await killMidRun(file('crash2.json', JSON.stringify(body)));
    sim.faults.set({ taskDurationMs: 60 });
    expect(named('crash2-').length).toBeGreaterThan(0);
    const refused = await moxxie(['cluster', 'rollback', id]);
    expect(refused.code).toBe(2);
    expect(named('crash2-').length).toBeGreaterThan(0);
    const rolled = await moxxie(['cluster', 'rollback', id, '--yes', '--json']);
    expect(rolled.code, rolled.err + rolled.out).toBe(0);
    expect((JSON.parse(rolled.out) as ProvisioningProgress).status).toBe('ROLLED_BACK');
    expect(named('crash2-')).toEqual([]);
    // The first cluster is untouched.
    expect(named('crash-')).toHaveLength(6);
  });
});
