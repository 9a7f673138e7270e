import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { currentOwner } from '../../src/history/process-owner.js';
import { HistoryStore, openHistory } from '../../src/history/store.js';
import { ageLocks, builtStore, child, operation, phase, target, tmp, upid } from './fixtures.js';

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);
const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock'));

describe('history store across processes', () => {
  it('has the compiled store the child processes import (built by the test setup)', () => {
    expect(existsSync(builtStore)).toBe(true);
  });

  it('loses no record when three processes write 1,000 audit records each at the same time', async () => {
    const dir = tmp('hist');
    const writers = ['a', 'b', 'c'].map((t) => child(['audit', dir, t, '1000']));
    const results = await Promise.all(writers.map((w) => w.exited));
    expect(results.map((r) => r.err)).toEqual(['', '', '']);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    const audit = (await new HistoryStore({ dir }).listAudit(5000)).reverse();
    expect(audit).toHaveLength(3000);
    for (const t of ['a', 'b', 'c']) {
      const mine = audit.filter((e) => e.action.startsWith(`${t}-`)).map((e) => e.action);
      // Each writer's records are all there, in the order it wrote them.
      expect(mine).toEqual(Array.from({ length: 1000 }, (_, i) => `${t}-${i}`));
    }
    expect(leftovers(dir)).toEqual([]);
  }, 180_000);

  it('loses no record when three processes change the index 200 times each at the same time', async () => {
    const dir = tmp('hist-index');
    const writers = ['a', 'b', 'c'].map((t) => child(['index', dir, t, '200']));
    const results = await Promise.all(writers.map((w) => w.exited));
    expect(results.map((r) => r.err)).toEqual(['', '', '']);
    const store = new HistoryStore({ dir });
    const runs = await store.listJobRuns({ limit: 1000 });
    expect(runs).toHaveLength(600);
    expect(runs.find((r) => r.id === 'b-7')?.vms).toEqual([{ vmid: 102, name: 'vm', state: 'succeeded' }]);
    expect(await store.listAudit(1000)).toHaveLength(600);
    expect(leftovers(dir)).toEqual([]);
  }, 180_000);

  it('leaves a valid store when a writer is killed mid-write, and the next writer takes over its locks', async () => {
    const dir = tmp('kill');
    const w = child(['index', dir, 'k', '1000000'], { SIGNAL_AFTER: '30' });
    await w.ready;
    w.p.kill('SIGKILL');
    await w.exited;
    const before = new HistoryStore({ dir });
    const runs = (await before.listJobRuns({ limit: 1_000_000 })).map((r) => r.id);
    const audit = (await before.listAudit(1_000_000)).map((e) => e.action).reverse();
    expect(runs.length).toBeGreaterThanOrEqual(31);
    expect(audit.length).toBeGreaterThanOrEqual(31);
    expect(audit).toEqual(Array.from({ length: audit.length }, (_, i) => `k-${i}`));
    // A lock or a temp file the killed writer left behind does not stop the next process.
    ageLocks(dir);
    const store = await openHistory({ dir });
    await store.audit({ at: Date.now(), context: 'x', frontEnd: 'cli', action: 'after-kill', request: {}, allowed: true });
    await store.update((d) => void d.jobs.splice(0));
    expect(store.lastError).toBeUndefined();
    expect((await store.listAudit(1))[0].action).toBe('after-kill');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 60_000);
});

describe('history store', () => {
  it('records an operation in its own files: the index only at start and end, progress in the journal', async () => {
    const dir = tmp('rec');
    const store = new HistoryStore({ dir });
    const op = operation('op-1', 'running', Date.now(), [target(100), target(101)]);
    await store.operationStarted(op);
    const indexBefore = statSync(store.file, { bigint: true });
    expect((await store.listOperationSummaries())[0]).toMatchObject({ id: 'op-1', status: 'running', label: 'snapshot x', owner: { pid: process.pid } });

    // Ten phase transitions with their target updates, as the engine makes them.
    for (const t of op.targets) {
      t.state = 'running';
      for (const [i, state, upids] of [
        [0, 'running', []],
        [0, 'running', [upid(t.vmid)]],
        [0, 'succeeded', [upid(t.vmid)]],
        [1, 'running', []],
        [1, 'succeeded', []],
      ] as const) {
        t.phases[i] = { ...t.phases[i], state, upids: [...upids] };
        if (i === 1 && state === 'succeeded') t.state = 'succeeded';
        await store.phaseChanged(op, t, t.phases[i]);
        await store.targetUpdated(op);
      }
    }
    // The index was not rewritten; one journal line per transition (the target update added nothing new).
    const indexAfter = statSync(store.file, { bigint: true });
    expect([indexAfter.ino, indexAfter.mtimeNs]).toEqual([indexBefore.ino, indexBefore.mtimeNs]);
    const journal = lines(store.layout.journal('op-1')).map((l) => JSON.parse(l) as { k: string });
    expect(journal.map((l) => l.k)).toEqual(['begin', ...Array(10).fill('phase')]);

    const mid = (await store.getOperation('op-1'))!;
    expect(mid.targets.map((t) => [t.state, t.phases.map((p) => p.state), t.phases[0].upids])).toEqual([
      ['succeeded', ['succeeded', 'succeeded'], [upid(100)]],
      ['succeeded', ['succeeded', 'succeeded'], [upid(101)]],
    ]);

    // Told which target changed, the store compares only that one.
    op.targets[0].message = 'snapshot x created';
    await store.targetUpdated(op, op.targets[0]);
    expect(lines(store.layout.journal('op-1')).slice(-1).map((l) => (JSON.parse(l) as { k: string; target: { message?: string } }).target.message)).toEqual(['snapshot x created']);

    op.status = 'succeeded';
    op.finishedAt = Date.now();
    await store.operationFinished(op);
    // A late progress call never overwrites the final record.
    await store.targetUpdated({ ...op, status: 'running', targets: [target(100, 'failed')] });
    await store.flush();
    expect(existsSync(store.layout.journal('op-1'))).toBe(false);
    const final = (await store.getOperation('op-1'))!;
    expect(final.status).toBe('succeeded');
    expect(final.targets.map((t) => t.state)).toEqual(['succeeded', 'succeeded']);
    expect(await store.listOperations({ status: 'succeeded' })).toHaveLength(1);
    expect((await store.listOperationSummaries())[0].summary.counts).toEqual({ planned: 0, skipped: 0, running: 0, succeeded: 2, failed: 0, cancelled: 0, interrupted: 0, 'rolled-back': 0 });
  });

  it('treats a reused pid with another start time as a dead owner, and leaves live owners alone', async () => {
    const dir = tmp('pid');
    const store = new HistoryStore({ dir });
    await store.operationStarted(operation('op-alive'));
    await store.operationStarted(operation('op-reused'));
    await store.flush();
    const me = currentOwner();
    // The record of op-reused says another process (same pid, other start) ran it.
    const file = store.layout.operation('op-reused');
    const shard = JSON.parse(readFileSync(file, 'utf8')) as { operation: { owner: unknown } };
    const other = { ...me, start: `${me.start ?? '1'}9` };
    shard.operation.owner = other;
    writeFileSync(file, JSON.stringify(shard));
    await store.update((d) => {
      d.operations[1].owner = other;
    });
    const reopened = await openHistory({ dir });
    expect((await reopened.getOperation('op-alive'))!.status).toBe('running');
    expect((await reopened.getOperation('op-reused'))!.status).toBe(me.start === undefined ? 'running' : 'interrupted');
  });

  it('applies retention by age and count, deleting the files of what it drops, never running operations', async () => {
    const dir = tmp('ret');
    const store = new HistoryStore({ dir, retention: { maxAgeDays: 1, maxRecords: 3 } });
    const day = 86_400_000;
    await store.operationFinished(operation('op-old', 'succeeded', Date.now() - 3 * day));
    await store.operationStarted(operation('op-old-running', 'running', Date.now() - 3 * day));
    for (let i = 0; i < 5; i++) await store.operationFinished(operation(`op-n${i}`, 'succeeded', Date.now() - 1000 + i));
    await store.update((d) => {
      for (let i = 0; i < 5; i++) d.jobRuns.push({ id: `run-${i}`, jobId: 'j', jobName: 'j', trigger: 'manual', dryRun: false, startedAt: Date.now() - 1000 + i, status: 'succeeded', attempts: 1, operationIds: [], vms: [{ vmid: 100, name: 'a', state: 'succeeded' }] });
    });
    await store.audit({ at: Date.now() - 2 * day, context: 't', frontEnd: 'cli', action: 'old', request: {}, allowed: true });
    await store.audit({ at: Date.now(), context: 't', frontEnd: 'cli', action: 'new', request: {}, allowed: true });
    await store.flush();
    expect(existsSync(store.layout.operation('op-n0'))).toBe(true);
    expect(existsSync(store.layout.runRows('run-0'))).toBe(true);

    const { removed } = await store.applyRetention();
    const data = await store.read();
    expect(data.operations.map((o) => o.id).sort()).toEqual(['op-n2', 'op-n3', 'op-n4', 'op-old-running']);
    expect(data.jobRuns.map((r) => r.id).sort()).toEqual(['run-2', 'run-3', 'run-4']);
    expect((await store.listAudit()).map((a) => a.action)).toEqual(['new']);
    expect(removed).toBe(6);
    const files = readdirSync(store.layout.operationsDir).sort();
    expect(files).toEqual(['op-n2.json', 'op-n3.json', 'op-n4.json', 'op-old-running.journal', 'op-old-running.json']);
    expect(readdirSync(store.layout.runsDir).sort()).toEqual(['run-2.json', 'run-3.json', 'run-4.json']);
  });

  it('keeps a run\'s per-VM rows in its own file, and gives them back with the run', async () => {
    const dir = tmp('runs');
    const store = new HistoryStore({ dir });
    const run = { id: 'run-1', jobId: 'j', jobName: 'j', trigger: 'manual' as const, dryRun: false, startedAt: Date.now(), status: 'running' as const, attempts: 1, operationIds: ['op-1'], vms: [{ vmid: 100, name: 'a', state: 'running' }] };
    await store.update((d) => void d.jobRuns.push(run));
    // The caller's object keeps its rows; the index does not hold them.
    expect(run.vms).toHaveLength(1);
    expect(JSON.parse(readFileSync(store.file, 'utf8')).jobRuns[0]).not.toHaveProperty('vms');
    await store.saveJobRunRows('run-1', [{ vmid: 100, name: 'a', state: 'succeeded' }]);
    expect((await store.listJobRuns())[0]).toMatchObject({ id: 'run-1', operationIds: ['op-1'], vms: [{ vmid: 100, state: 'succeeded' }] });
  });

  it('tells a migration record apart and keeps it', async () => {
    const store = new HistoryStore({ dir: tmp('mig') });
    await store.recordMigration({ id: 'm1', at: Date.now(), vmid: 100, from: 'pve1', to: 'pve2', status: 'succeeded' });
    expect(await store.listMigrations()).toMatchObject([{ id: 'm1', to: 'pve2' }]);
  });

  it('writes the journal of an operation it did not start here after a record, so the lines have one to apply to', async () => {
    const store = new HistoryStore({ dir: tmp('nostart') });
    const op = operation('op-late');
    op.targets[1].phases[0] = phase('snapshot', 'running', [upid(101)]);
    await store.phaseChanged(op, op.targets[1], op.targets[1].phases[0]);
    await store.flush();
    expect((await store.getOperation('op-late'))!.targets[1].phases[0].upids).toEqual([upid(101)]);
  });
});
