// The convention of the commands that run operations (`scheduler`, `jobs trigger`, the capability verbs): the
// first SIGINT or SIGTERM cancels (nothing new starts, running steps finish), each later one stops waiting for
// the running steps, and SIGHUP keeps its default effect. First the watch alone in a child process, then the
// built CLI against a simulator whose tasks outlast the test, checked against the simulator's state.
// (`moxxie scheduler`'s second signal is tested in scheduler.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHistory } from '../../src/history/store.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { cliEnvironment, startCli } from '../fixtures/cli-process.js';
import { writeDueJob } from '../fixtures/due-job.js';
import { builtModule, spawnScript } from '../fixtures/script-child.js';
import { tempDir } from '../fixtures/temp-dirs.js';
import { until } from '../fixtures/wait.js';

function watching() {
  return spawnScript(`
    import { watchRunSignals } from ${JSON.stringify(builtModule('cli/run-signals.js'))};
    setInterval(() => {}, 1000);
    watchRunSignals((s) => console.log('cancel ' + s), (s) => console.log('stop waiting ' + s));
    console.log('ready');
  `);
}

describe('the watch', () => {
  it('the first SIGINT or SIGTERM cancels and every later one stops waiting; the process goes on', async () => {
    const r = watching();
    await r.saw('ready');
    await r.signal('SIGTERM', 'cancel SIGTERM');
    await r.signal('SIGINT', 'stop waiting SIGINT');
    await r.signal('SIGTERM', 'stop waiting SIGTERM');
    expect(r.output()).toBe('ready\ncancel SIGTERM\nstop waiting SIGINT\nstop waiting SIGTERM\n');
    r.child.kill('SIGKILL');
    expect(await r.exited).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('a hang-up is not one of them: it ends the process as by default', async () => {
    const r = watching();
    await r.saw('ready');
    r.child.kill('SIGHUP');
    expect(await r.exited).toEqual({ code: null, signal: 'SIGHUP' });
    expect(r.output()).toBe('ready\n');
  });
});

describe('the built CLI', () => {
  let sim: Simulator;
  beforeAll(async () => {
    // One step at a time, each far longer than the test: the first VM's snapshot is still running when the
    // command ends, and the others never start.
    sim = await startSimulator({ vms: 30, taskDurationMs: 120_000 });
  });
  afterAll(async () => {
    await sim?.close();
  });
  const locked = (vmid: number) => () => sim.state.vm(vmid)!.lock === 'snapshot';
  const snapshotted = (vmids: number[], name: string) => vmids.filter((id) => sim.state.vm(id)!.snapshots.some((s) => s.name === name.replace('{vmid}', String(id))));

  it('a capability verb: Ctrl+C cancels, a second Ctrl+C stops waiting and leaves the running task on PVE', async () => {
    const stateDir = tempDir('run-signals');
    const run = startCli(['snapshot', 'create', 'id:8200-8203', '--name', 'sig-{vmid}', '--max-parallel', '1'], cliEnvironment(sim, stateDir));
    await until('the first snapshot to run', locked(8200));
    run.p.kill('SIGINT');
    await until('the cancel message', () => run.stderr().includes('again to stop waiting'));
    run.p.kill('SIGINT');
    const res = await run.done;
    const id = /^(op-\S+) /m.exec(res.err)![1];
    expect(res.err).toContain(`SIGINT: cancelling ${id}; nothing new starts, steps already running finish (Ctrl+C again to stop waiting)`);
    expect(res.err).toContain(`SIGINT: no longer waiting; tasks already running on PVE go on (moxxie ops show ${id})`);
    expect(res.code).not.toBe(0);
    expect(sim.state.vm(8200)!.lock).toBe('snapshot');
    expect(snapshotted([8201, 8202, 8203], 'sig-{vmid}')).toEqual([]);
    const history = await openHistory({ dir: `${stateDir}/env` });
    const op = (await history.getOperation(id))!;
    expect(op.targets.filter((t) => t.vmid !== 8200).map((t) => t.state)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    await history.close();
  });

  it('jobs trigger: SIGTERM cancels the run, a second SIGTERM stops waiting; the run is recorded cancelled', async () => {
    const stateDir = tempDir('run-signals');
    const store = await writeDueJob(stateDir, { name: 'sig', vmids: '8204-8207', parameters: { snapshotNamePattern: 'job-sig-{vmid}', maxParallel: 1 } });
    await store.close();
    const run = startCli(['jobs', 'trigger', 'sig'], cliEnvironment(sim, stateDir));
    await until('the first snapshot to run', locked(8204));
    run.p.kill('SIGTERM');
    await until('the cancel message', () => run.stderr().includes('cancelling the run'));
    run.p.kill('SIGTERM');
    const res = await run.done;
    expect(res.err).toContain('moxxie jobs: SIGTERM: cancelling the run; steps already running finish (again to stop waiting)');
    expect(res.code).toBe(1);
    expect(sim.state.vm(8204)!.lock).toBe('snapshot');
    expect(snapshotted([8205, 8206, 8207], 'job-sig-{vmid}')).toEqual([]);
    const history = await openHistory({ dir: `${stateDir}/env` });
    const [recorded] = await history.listJobRuns({ jobId: 'job-sig' });
    expect(recorded.status).toBe('cancelled');
    await history.close();
  });
});
