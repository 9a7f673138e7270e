// A job run records its operations as they start (and its per-VM rows as they change), so a run whose
// process dies still links to them. The core here is a stand-in that starts one operation and holds it,
// recording it through the store as the engine does; the store is the real one.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MoxxieCore } from '../../src/core.js';
import { HistoryStore, openHistory } from '../../src/history/store.js';
import type { Operation, OperationTarget, RunOptions } from '../../src/ops/types.js';
import { JobManager } from '../../src/schedule/jobs.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const DEAD = { pid: 2 ** 22 + 17, host: hostname() };

const target = (vmid: number): OperationTarget => ({ id: `t${vmid}`, kind: 'guest', vmid, name: `vm-${vmid}`, node: 'pve1', state: 'planned', action: 'snapshot n', phases: [{ name: 'snapshot', state: 'pending', upids: [] }] });

/** A core whose one operation starts, moves its first target onto PVE, then waits for `release`. */
function holdingCore(store: HistoryStore) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let moved!: (op: Operation) => void;
  const started = new Promise<Operation>((r) => (moved = r));
  const core = {
    context: { name: 'lab', url: 'https://pve.invalid:8006', readOnly: false, safeMode: false, demo: false },
    async run(_kind: string, _request: unknown, opts: RunOptions): Promise<Operation> {
      const op: Operation = { id: 'op-held', kind: 'snapshot.create', label: 'snapshot n', request: {}, dryRun: false, status: 'running', targets: [target(100), target(101)], warnings: [], frontEnd: opts.frontEnd ?? 'scheduler', context: 'lab', startedAt: Date.now() };
      await store.operationStarted(op);
      opts.onStarted?.(op);
      const t = op.targets[0];
      t.state = 'running';
      t.phases[0] = { name: 'snapshot', state: 'running', upids: ['UPID:pve1:1:1:1:qmsnapshot:100:root@pam:'] };
      await store.phaseChanged(op, t, t.phases[0]);
      opts.onEvent?.({ type: 'target-updated', operationId: op.id, target: t });
      moved(op);
      await released;
      for (const x of op.targets) x.state = 'succeeded';
      op.status = 'succeeded';
      op.finishedAt = Date.now();
      await store.operationFinished(op);
      return op;
    },
    async close() {},
  };
  return { core: core as unknown as MoxxieCore, started, release };
}

async function until<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('a job run records its operations as they start', () => {
  it('links the operation and writes the rows while the run goes on; a crash leaves a run that still links to them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moxxie-run-links-'));
    dirs.push(dir);
    const store = new HistoryStore({ dir });
    const { core, started, release } = holdingCore(store);
    const jobs = new JobManager(store, core, { runProgressMs: 10 });
    const job = await jobs.create({ name: 'nightly', taskType: 'snapshot_create', cronExpression: '0 0 2 * * ?', parameters: { snapshotNamePattern: 'n-{vmid}' }, vmSelectors: [{ type: 'VM_IDS', value: '100,101' }] });
    const finished = jobs.trigger(job.id);
    await started;

    // Another process reading the store sees the run linked to its operation, and its rows as they change.
    const reader = new HistoryStore({ dir });
    const linked = await until(async () => (await reader.listJobRuns())[0]?.operationIds.length ? (await reader.listJobRuns())[0] : undefined);
    expect(linked).toMatchObject({ status: 'running', operationIds: ['op-held'], attempts: 1 });
    const rows = await until(async () => ((await reader.listJobRuns())[0].vms.length ? (await reader.listJobRuns())[0].vms : undefined));
    expect(rows).toEqual([{ vmid: 100, name: 'vm-100', state: 'running' }]);

    // Now as if this process had been killed: the run and its operation belong to a process that is gone.
    const snapshot = structuredClone(await reader.read());
    const copy = mkdtempSync(join(tmpdir(), 'moxxie-run-crash-'));
    dirs.push(copy);
    snapshot.jobRuns[0].owner = DEAD;
    snapshot.operations[0].owner = DEAD;
    writeFileSync(join(copy, 'history.json'), JSON.stringify(snapshot));
    mkdirSync(join(copy, 'operations'));
    mkdirSync(join(copy, 'runs'));
    const record = JSON.parse(readFileSync(store.layout.operation('op-held'), 'utf8')) as { operation: { owner: unknown } };
    record.operation.owner = DEAD;
    writeFileSync(join(copy, 'operations', 'op-held.json'), JSON.stringify(record));
    copyFileSync(store.layout.journal('op-held'), join(copy, 'operations', 'op-held.journal'));
    copyFileSync(store.layout.runRows(linked.id), join(copy, 'runs', `${linked.id}.json`));

    const after = await openHistory({ dir: copy });
    const run = (await after.listJobRuns())[0];
    expect(run).toMatchObject({ status: 'interrupted', operationIds: ['op-held'] });
    expect(run.message).toMatch(/^interrupted: the moxxie process \(pid \d+\) died/);
    expect(run.vms.map((v) => [v.vmid, v.state])).toEqual([
      [100, 'interrupted'],
      [101, 'cancelled'],
    ]);
    const op = (await after.getOperation('op-held'))!;
    expect(op.targets[0].phases[0]).toMatchObject({ state: 'interrupted', upids: ['UPID:pve1:1:1:1:qmsnapshot:100:root@pam:'] });

    // In the process that did not die, the run ends normally and its final record replaces the progress.
    release();
    const final = await finished;
    expect(final).toMatchObject({ status: 'succeeded', operationIds: ['op-held'] });
    expect((await store.listJobRuns())[0]).toMatchObject({ status: 'succeeded', vms: [{ vmid: 100, state: 'succeeded' }, { vmid: 101, state: 'succeeded' }] });
    await store.close();
  });
});
