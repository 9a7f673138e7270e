// `moxxie scheduler` (the built CLI, dist/) against a simulator, its state in a temp dir: --once runs through
// the CLI's dispatcher in one driver process; the lease and signal tests run real processes.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHistory } from '../../src/history/store.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { startCliDriver, type CliDriver } from '../fixtures/cli-driver.js';
import { cliEnvironment, startCli } from '../fixtures/cli-process.js';
import { writeDueJob } from '../fixtures/due-job.js';
import { tempDir } from '../fixtures/temp-dirs.js';

let sim: Simulator;

let driver: CliDriver | undefined;

beforeAll(async () => {
  [sim, driver] = await Promise.all([startSimulator({ vms: 30, taskDurationMs: 40 }), startCliDriver()]);
});
afterAll(async () => {
  await driver?.close();
  await sim.close();
});

/** `moxxie scheduler ARGS` as a process of its own (for signals, or two schedulers at once). */
const scheduler = (args: string[], env: Record<string, string>) => startCli(['scheduler', ...args], env);

/** `moxxie scheduler ARGS` through the CLI's dispatcher in the driver process. */
const once = (args: string[], env: Record<string, string>) => driver!.run(['scheduler', ...args], env);

const until = async (check: () => boolean) => {
  while (!check()) await new Promise((r) => setTimeout(r, 20));
};

/** A fresh state directory with one job that is due now (test/fixtures/due-job.ts). */
async function stateWithDueJob(name: string, vmids: string, parameters: Record<string, unknown>, taskType: 'snapshot_create' | 'power_schedule' = 'snapshot_create') {
  const stateDir = tempDir('headless');
  const store = await writeDueJob(stateDir, { name, vmids, parameters, taskType });
  return { stateDir, store, env: cliEnvironment(sim, stateDir) };
}

const vmLocked = (ids: number[]) => () => ids.some((id) => sim.state.vm(id)!.lock === 'snapshot');

describe('headless scheduler', () => {
  it('--once runs the due jobs, logs a JSON line for each start and end, and exits 0', async () => {
    const { store, env } = await stateWithDueJob('daily', '8200,8201', { snapshotNamePattern: 'once-{vmid}' });
    const res = await once(['--once', '--json'], env);
    expect(res.err).toBe('');
    expect(res.code).toBe(0);
    const lines = res.out.trim().split('\n').map((l) => JSON.parse(l) as { event: string; job: string; status?: string; counts?: Record<string, number>; message?: string });
    expect(lines.map((l) => l.event)).toEqual(['run-start', 'run-end', 'info']);
    expect(lines[2].message).toMatch(/^once: 1 run\(s\) started and finished \(1 enabled job\(s\)\)/);
    expect(lines[1]).toMatchObject({ job: 'daily', status: 'succeeded', counts: { succeeded: 2 } });
    for (const id of [8200, 8201]) expect(sim.state.vm(id)!.snapshots.some((s) => s.name === `once-${id}`)).toBe(true);
    const runs = await store.listJobRuns({ jobId: 'job-daily' });
    expect(runs.map((r) => r.status)).toEqual(['succeeded']);
    expect(runs[0].vms.map((v) => v.vmid)).toEqual([8200, 8201]);
    // The operation is in the history too, and no secret is anywhere in it.
    expect((await store.listOperations())[0]).toMatchObject({ frontEnd: 'scheduler', status: 'succeeded' });
    expect(JSON.stringify(await store.read())).not.toContain(sim.credentials.tokenSecret);
    // Nothing is due any more: one line says so.
    const again = await once(['--once', '--json'], env);
    expect(again.code).toBe(0);
    expect(again.out.trim().split('\n').map((l) => JSON.parse(l) as { event: string; message: string })).toEqual([expect.objectContaining({ event: 'info', message: expect.stringMatching(/^once: nothing was due \(1 enabled job\(s\)\)/) })]);
  });

  it('--once does not run a destructive job nobody confirmed (written into the store by hand): a refused run, the VM still running', async () => {
    const vm = sim.state.vms().find((v) => v.status === 'running' && v.vmid < 8200 && !v.template && !v.tags.includes('always-on'))!;
    const { store, env } = await stateWithDueJob('sneaky-stop', String(vm.vmid), { action: 'stop', force: true, timeoutSeconds: 300 }, 'power_schedule');
    const res = await once(['--once', '--json'], env);
    // A due run that did not succeed: exit 1, and the last line says so.
    expect(res.code, res.err).toBe(1);
    const lines = res.out.trim().split('\n').map((l) => JSON.parse(l) as { event: string; status?: string; message?: string });
    expect(lines.at(-1)).toMatchObject({ event: 'info', message: expect.stringMatching(/^once: 1 run\(s\) started and finished; 1 did not succeed/) });
    expect(lines.find((l) => l.event === 'run-end')).toMatchObject({ status: 'failed', message: expect.stringMatching(/^refused: job 'sneaky-stop' is destructive \(each run would stop \(forced\)\) and was never confirmed; nothing ran/) });
    // The simulator's true state: nothing was stopped.
    expect(sim.state.vm(vm.vmid)!.status).toBe('running');
    const runs = await store.listJobRuns({ jobId: 'job-sneaky-stop' });
    expect(runs).toMatchObject([{ status: 'failed', operationIds: [] }]);
    expect(runs[0].message).toMatch(/never confirmed/);
  });

  it('exits non-zero with the reason on bad configuration or arguments', async () => {
    const stateDir = tempDir('headless');
    const env = cliEnvironment(sim, stateDir);
    for (const k of ['PVE_URL', 'PVE_TOKEN_ID', 'PVE_TOKEN_SECRET', 'PVE_FINGERPRINT']) delete env[k];
    const noContext = await once(['--context', 'nope'], env);
    expect(noContext.code).toBe(2);
    expect(noContext.err).toMatch(/context 'nope'/);
    const badArg = await once(['--grace', 'soon'], cliEnvironment(sim, stateDir));
    expect(badArg.code).toBe(2);
    expect(badArg.err).toMatch(/--grace must be a whole number of seconds, got 'soon'/);
    // A read-only context: every run would be refused, so the scheduler does not start, and says why.
    const readOnly = await once(['--once'], { ...cliEnvironment(sim, stateDir), MOXXIE_READ_ONLY: '1' });
    expect(readOnly.code).toBe(2);
    expect(readOnly.err).toMatch(/context 'env' is read-only, so every job run would be refused/);
    expect(readOnly.out).toBe('');
  });

  it('refuses to start when its store cannot be read, rather than running with no jobs, and names the file', async () => {
    const { stateDir, env } = await stateWithDueJob('damaged', '8200', { snapshotNamePattern: 'dmg-{vmid}' });
    const index = join(stateDir, 'env', 'history.json');
    writeFileSync(index, JSON.stringify({ version: 2, jobs: { not: 'a list' } }));
    const res = await once(['--once'], env);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/refusing to start: history store .*history\.json is damaged/);
    expect(sim.state.vm(8200)!.snapshots.map((s) => s.name)).not.toContain('dmg-8200');
    // Nothing was thrown away: the damaged index is still there for a person to look at.
    expect(existsSync(index) || readdirSync(join(stateDir, 'env')).some((f) => f.startsWith('history.json.damaged-'))).toBe(true);
  });

  it('lets one scheduler hold the lease: a second exits with a clear message, or waits with --wait', async () => {
    const { env } = await stateWithDueJob('leased', '8202', { snapshotNamePattern: 'lease-{vmid}-{time}' });
    const first = scheduler([], env);
    await until(() => first.stdout().includes('scheduler started'));
    const second = await scheduler(['--once'], env).done;
    expect(second.code).toBe(3);
    expect(second.err).toMatch(/another moxxie scheduler \(pid \d+ on .*\) already runs jobs for .*; only one may per state directory/);
    const waiting = scheduler(['--once', '--wait', '--json'], env);
    await until(() => waiting.stdout().includes('waiting for the scheduler lease'));
    first.p.kill('SIGTERM');
    expect((await first.done).code).toBe(0);
    const res = await waiting.done;
    expect(res.code).toBe(0);
  });

  it('on SIGTERM during a run: starts nothing new, lets running steps finish, records the rest as cancelled, exits 0', async () => {
    sim.faults.set({ taskDurationMs: 1200 });
    try {
      const { store, env } = await stateWithDueJob('sigterm', '8203-8208', { snapshotNamePattern: 'term-{vmid}', maxParallel: 2 });
      const s = scheduler(['--json'], env);
      await until(vmLocked([8203, 8204, 8205, 8206, 8207, 8208]));
      s.p.kill('SIGTERM');
      const res = await s.done;
      expect(res.err).toBe('');
      expect(res.code).toBe(0);
      expect(res.out).toMatch(/"event":"run-end".*"status":"cancelled"/);
      const run = (await store.listJobRuns({ jobId: 'job-sigterm' }))[0];
      expect(run.status).toBe('cancelled');
      const done = run.vms.filter((v) => v.state === 'succeeded').map((v) => v.vmid);
      const cancelled = run.vms.filter((v) => v.state === 'cancelled').map((v) => v.vmid);
      expect(done).toHaveLength(2);
      expect(cancelled).toHaveLength(4);
      for (const id of done) expect(sim.state.vm(id)!.snapshots.some((sn) => sn.name === `term-${id}`)).toBe(true);
      for (const id of cancelled) expect(sim.state.vm(id)!.snapshots.some((sn) => sn.name === `term-${id}`)).toBe(false);
      expect((await store.listOperations())[0].status).toBe('cancelled');
    } finally {
      sim.faults.set({ taskDurationMs: 40 });
    }
  });

  it('with --stop-timeout 0, SIGTERM closes the run at once; its operation shows as interrupted afterwards', async () => {
    sim.faults.set({ taskDurationMs: 2000 });
    try {
      const { stateDir, env } = await stateWithDueJob('hasty', '8209', { snapshotNamePattern: 'hasty-{vmid}' });
      const s = scheduler(['--stop-timeout', '0'], env);
      await until(vmLocked([8209]));
      s.p.kill('SIGTERM');
      const res = await s.done;
      expect(res.code).toBe(0);
      expect(res.out).toMatch(/1 run\(s\) recorded as cancelled with steps still running on PVE/);
      const store = await openHistory({ dir: join(stateDir, 'env') });
      const run = (await store.listJobRuns({ jobId: 'job-hasty' }))[0];
      expect(run).toMatchObject({ status: 'cancelled' });
      expect(run.message).toMatch(/left to finish on PVE/);
      const op = (await store.listOperations())[0];
      expect(op.status).toBe('interrupted');
      expect(op.targets[0].message).toMatch(/interrupted while running.*UPID/);
    } finally {
      sim.faults.set({ taskDurationMs: 40 });
    }
  });

  it('a second SIGTERM stops waiting for the running steps: the run is recorded as cancelled, its step left on PVE', async () => {
    // The step outlasts the default 30 s stop timeout: only the second signal lets the scheduler end before it.
    sim.faults.set({ taskDurationMs: 120_000 });
    try {
      const { stateDir, env } = await stateWithDueJob('impatient', '8201', { snapshotNamePattern: 'impatient-{vmid}' });
      const s = scheduler([], env);
      await until(vmLocked([8201]));
      s.p.kill('SIGTERM');
      await until(() => s.stdout().includes('stopping: no new runs'));
      s.p.kill('SIGTERM');
      const res = await s.done;
      expect(res.code).toBe(0);
      expect(res.out).toMatch(/1 run\(s\) recorded as cancelled with steps still running on PVE/);
      const run = (await (await openHistory({ dir: join(stateDir, 'env') })).listJobRuns({ jobId: 'job-impatient' }))[0];
      expect(run.status).toBe('cancelled');
      // The snapshot task still runs on PVE: the scheduler stopped waiting, it did not stop the task.
      expect(sim.state.vm(8201)!.lock).toBe('snapshot');
    } finally {
      sim.faults.set({ taskDurationMs: 40 });
    }
  });
});
