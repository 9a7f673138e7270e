// `moxxie ops` after a crash: a real `moxxie snapshot create` process is killed with SIGKILL mid-operation,
// against a simulator this test runs (not --demo: killing the demo's process would take its simulator with
// it). Then, through the CLI's dispatcher in a driver process: `ops show` says which targets were interrupted and which phases
// ran, with their UPIDs; `ops resume` finishes the operation without doubling any snapshot or task; and
// `ops rollback --yes` removes what it made. Checked against the simulator's true state.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHistory, type HistoryStore } from '../../src/history/store.js';
import type { Operation } from '../../src/ops/types.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { operationText } from '../../mcp/operation-view.js';
import { CLI, cliEnvironment, startCli } from '../fixtures/cli-process.js';
import { cliDriverForFile } from '../fixtures/cli-driver.js';

const cli = CLI;
const VMIDS = [8200, 8201, 8202, 8203, 8204, 8205, 8206, 8207, 8208, 8209];
const SNAPSHOT = (vmid: number) => `crash-${vmid}`;

let sim: Simulator;
let state: string;
let env: Record<string, string>;
let store: HistoryStore | undefined;
let child: ChildProcess | undefined;

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (npm run build; the vitest global setup does it unless MOXXIE_SKIP_BUILD=1)`);
  // Slow tasks, so the operation is caught with some targets done, some running and some not started.
  sim = await startSimulator({ vms: 30, taskDurationMs: 800 });
  state = mkdtempSync(join(tmpdir(), 'moxxie-ops-cli-'));
  env = cliEnvironment(sim, state);
});
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await store?.close();
  await sim?.close();
  if (state) rmSync(state, { recursive: true, force: true });
});

const start = (args: string[]) => startCli(args, env);
// The command lines run through the CLI's dispatcher in one driver process (fixtures/cli-driver.ts).
const inDriver = cliDriverForFile();
const moxxie = (args: string[]) => inDriver(args, env);

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const snapshotsNamed = (vmid: number) => sim.state.vm(vmid)!.snapshots.filter((s) => s.name === SNAPSHOT(vmid));
const tasksOf = (type: string, vmid: number) => sim.state.tasks().filter((t) => t.type === type && t.id === String(vmid));

describe('moxxie ops after kill -9', { timeout: 180_000 }, () => {
  let id: string;
  let atKill: Operation;

  it('a snapshot create killed mid-operation is recorded phase by phase: ops show lists the interrupted targets with their UPIDs', async () => {
    child = undefined;
    const run = start(['snapshot', 'create', `id:${VMIDS[0]}-${VMIDS[VMIDS.length - 1]}`, '--name', 'crash-{vmid}', '--max-parallel', '2']);
    child = run.p;
    id = await until('the operation to start', () => /^(op-\S+) snapshot crash-\{vmid\}: started/m.exec(run.stderr())?.[1]);
    store = await openHistory({ dir: join(state, 'env') });
    // Wait, by polling the store the child journals into, until some targets are done and some phases run
    // with their PVE task started (its UPID journaled).
    const ready = (op: Operation | undefined) => op?.targets.some((t) => t.phases.some((p) => p.state === 'running' && p.upids.length)) && op.targets.some((t) => t.state === 'succeeded');
    atKill = await until('some targets done and some phases running in the history', async () => {
      if (!ready(await store!.getOperation(id))) return undefined;
      // Stopped, then read again: a stopped process writes nothing more, so this is what the kill leaves
      // (on a loaded machine it could otherwise finish a phase between the read and the kill).
      run.p.kill('SIGSTOP');
      const op = await store!.getOperation(id);
      if (ready(op)) return op;
      run.p.kill('SIGCONT');
      return undefined;
    });
    run.p.kill('SIGKILL');
    const killed = await run.done;
    expect(killed.code).toBeNull();
    expect(atKill.status).toBe('running');

    const show = await moxxie(['ops', 'show', id]);
    expect(show.code, show.err).toBe(0);
    // Read after `ops show` opened the store: the dead process's running targets are now interrupted.
    const recorded = (await store.getOperation(id))!;
    expect(recorded.status).toBe('interrupted');
    const interrupted = recorded.targets.filter((t) => t.state === 'interrupted');
    expect(interrupted.length).toBeGreaterThan(0);
    expect(interrupted.some((t) => t.phases.some((p) => p.state === 'interrupted' && p.upids.length))).toBe(true);
    expect(recorded.targets.filter((t) => t.state === 'succeeded').length).toBeGreaterThan(0);
    // A target that had started is interrupted (its effect may be on PVE) unless it finished before the kill
    // landed, never cancelled; one that had not started is cancelled ("not started").
    for (const t of atKill.targets) {
      const now = recorded.targets.find((r) => r.id === t.id)!;
      if (t.state === 'running' || t.phases.some((p) => p.state === 'running')) expect(['interrupted', 'succeeded'], `VM ${t.vmid}`).toContain(now.state);
      if (now.state === 'cancelled') expect(now.message).toMatch(/not started/);
    }
    expect(show.out).toMatch(new RegExp(`^${id}\\s+snapshot\\.create\\s+snapshot crash-\\{vmid\\}\\s+interrupted`, 'm'));
    for (const t of interrupted) {
      expect(show.out).toMatch(new RegExp(`^${t.vmid}\\s+\\S+\\s+pve\\d\\s+interrupted`, 'm'));
      // Each phase under its row: name, state and the UPIDs of the tasks it started.
      for (const p of t.phases) {
        expect(show.out).toMatch(new RegExp(`^ +· ${p.name}  ${p.state}${p.upids.length ? `  ${p.upids.join(', ').replace(/[$]/g, '\\$&')}` : ''}`, 'm'));
      }
    }
    // Phases that had started a task before the kill name it: PVE has exactly that task for the VM.
    for (const t of recorded.targets) {
      for (const upid of t.phases.flatMap((p) => p.upids)) expect(tasksOf('qmsnapshot', t.vmid).map((x) => x.upid)).toContain(upid);
    }
    expect(show.out).toContain(`moxxie ops resume ${id}`);
    // Each interrupted target says to check the VM, with the PVE task it had started; none is a cancel.
    for (const t of interrupted) {
      const upid = t.upid ?? t.phases.flatMap((p) => p.upids).at(-1);
      expect(t.message).toContain(`check the VM ${t.vmid}${upid ? ` and PVE task ${upid}` : ''}`);
      expect(show.out).toContain(`check the VM ${t.vmid}`);
    }
    expect(recorded.summary?.counts.interrupted).toBe(interrupted.length);
    // The MCP answer (get_operation's text) says the same: interrupted, each with its VM and UPID.
    const mcpText = operationText(recorded);
    expect(mcpText).toMatch(new RegExp(`^snapshot crash-\\{vmid\\} interrupted: .*${interrupted.length} interrupted`));
    for (const t of interrupted.slice(0, 5)) expect(mcpText).toContain(`Interrupted ${t.vmid} ${t.name}: interrupted while running`);
    // history list: the operation's status and its counts, interrupted apart from the not-started ones.
    const listed = await moxxie(['history']);
    expect(listed.out).toMatch(new RegExp(`^${id}\\s+.*snapshot\\.create\\s+interrupted\\s+cli\\s.*${interrupted.length} interrupted`, 'm'));
    // history show prints the same phases.
    const history = await moxxie(['history', 'show', id]);
    expect(history.code, history.err).toBe(0);
    for (const t of interrupted) for (const upid of t.phases.flatMap((p) => p.upids)) expect(history.out).toContain(upid);
  });

  it('ops resume finishes it from PVE\'s real state: one snapshot and one snapshot task per VM, nothing doubled', async () => {
    const res = await moxxie(['ops', 'resume', id]);
    expect(res.code, res.err).toBe(0);
    expect(res.out).toMatch(new RegExp(`^${id} snapshot crash-\\{vmid\\}: succeeded \\(${VMIDS.length} succeeded\\)`, 'm'));
    for (const vmid of VMIDS) {
      expect(snapshotsNamed(vmid), `VM ${vmid}`).toHaveLength(1);
      expect(tasksOf('qmsnapshot', vmid), `VM ${vmid}`).toHaveLength(1);
      expect(tasksOf('qmsnapshot', vmid)[0].exitstatus).toBe('OK');
    }
    const op = (await store!.getOperation(id))!;
    expect(op.status).toBe('succeeded');
    expect(op.continuations?.map((c) => c.action)).toEqual(['resume']);
    // A second resume has nothing left to do, and says so.
    const again = await moxxie(['ops', 'resume', id]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/nothing left to resume/);
  });

  it('ops rollback shows its plan and needs --yes; with --yes, in another process, it removes the snapshots', async () => {
    const plan = await moxxie(['ops', 'rollback', id]);
    expect(plan.code).toBe(2);
    expect(plan.err).toMatch(/run again with --yes/);
    expect(plan.out).toMatch(/^8200\s+\S+\s+pve\d\s+planned\s+undo snapshot/m);
    const readOnly = await moxxie(['ops', 'rollback', id, '--yes', '--read-only']);
    expect(readOnly.code).toBe(2);
    expect(readOnly.err).toMatch(/context 'env' is read-only/);
    for (const vmid of VMIDS) expect(snapshotsNamed(vmid)).toHaveLength(1);

    const res = await moxxie(['ops', 'rollback', id, '--yes']);
    expect(res.code, res.err).toBe(0);
    expect(res.out).toMatch(new RegExp(`^${id} snapshot crash-\\{vmid\\}: rolled-back \\(${VMIDS.length} rolled-back\\)`, 'm'));
    for (const vmid of VMIDS) {
      expect(snapshotsNamed(vmid), `VM ${vmid}`).toHaveLength(0);
      expect(tasksOf('qmdelsnapshot', vmid), `VM ${vmid}`).toHaveLength(1);
    }
    expect((await store!.getOperation(id))!.status).toBe('rolled-back');
  });

  it('refuses an unknown id, a bad subcommand and a flag that does not apply, with exit 2', async () => {
    const [unknown, sub, flag] = await Promise.all([
      moxxie(['ops', 'resume', 'op-nope']),
      moxxie(['ops', 'resme', id]),
      moxxie(['ops', 'show', id, '--yes']),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/no operation 'op-nope'/);
    expect(sub.code).toBe(2);
    expect(sub.err).toMatch(/unknown subcommand 'resme'; did you mean 'resume'\?/);
    expect(flag.code).toBe(2);
    expect(flag.err).toMatch(/--yes applies to ops resume and ops rollback only/);
  });
});
