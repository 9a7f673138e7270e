import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { markInterrupted } from '../../src/history/interrupted.js';
import { HistoryDamagedError, HistoryStore, openHistory } from '../../src/history/store.js';
import { child, operation, phase, target, tmp, upid } from './fixtures.js';

const UPID_100 = 'UPID:pve1:00001234:00005674:65000004:qmsnapshot:100:root@pam:';
const UPID_101 = 'UPID:pve1:00001235:00005675:65000005:qmsnapshot:101:root@pam:';

describe('the operation journal', () => {
  it('after kill -9 shows which phases ran with their UPIDs, and the running target as interrupted', async () => {
    const dir = tmp('journal-kill');
    const w = child(['op', dir, 'op-killed']);
    await w.ready;
    // Another process reads it while it runs: the journal is applied to the record written at the start.
    const live = (await new HistoryStore({ dir }).getOperation('op-killed'))!;
    expect(live.status).toBe('running');
    expect(live.targets.map((t) => [t.state, t.phases.map((p) => `${p.name}:${p.state}`)])).toEqual([
      ['succeeded', ['snapshot:succeeded', 'verify:succeeded']],
      ['running', ['snapshot:running', 'verify:pending']],
      ['planned', ['snapshot:pending', 'verify:pending']],
    ]);
    w.p.kill('SIGKILL');
    await w.exited;

    // Before any process recovers it, the record already says what ran.
    const store = new HistoryStore({ dir });
    const crashed = (await store.getOperation('op-killed'))!;
    expect(crashed.targets[0].phases[0].upids).toEqual([UPID_100]);
    expect(crashed.targets[1].phases[0]).toMatchObject({ state: 'running', upids: [UPID_101] });

    // The next process to open the store marks it interrupted, keeping every UPID.
    const reopened = await openHistory({ dir });
    const op = (await reopened.getOperation('op-killed'))!;
    expect(op.status).toBe('interrupted');
    expect(op.finishedAt).toBeDefined();
    expect(op.targets.map((t) => t.state)).toEqual(['succeeded', 'interrupted', 'cancelled']);
    expect(op.targets[0]).toMatchObject({ message: 'snapshot pre-change created', upid: UPID_100 });
    expect(op.targets[1].phases[0]).toMatchObject({ state: 'interrupted', upids: [UPID_101] });
    expect(op.targets[1].phases[1].state).toBe('pending');
    expect(op.targets[1].message).toMatch(/interrupted while running: the moxxie process \(pid \d+\) died; check the VM \d+ and PVE task UPID:pve1:00001235/);
    expect(op.targets[2].message).toMatch(/^not started/);
    expect(op.targets[2].phases.map((p) => p.state)).toEqual(['pending', 'pending']);
    expect(op.summary?.counts).toEqual({ planned: 0, skipped: 0, running: 0, succeeded: 1, failed: 0, cancelled: 1, interrupted: 1, 'rolled-back': 0 });
    // The record now holds it all; the index says so too.
    expect(existsSync(reopened.layout.journal('op-killed'))).toBe(false);
    expect((await reopened.listOperationSummaries())[0]).toMatchObject({ id: 'op-killed', status: 'interrupted', summary: { counts: { interrupted: 1, cancelled: 1 } } });
    await reopened.close();
  }, 30_000);

  it('counts a target whose phases all succeeded as succeeded when only its end was not recorded', async () => {
    const dir = tmp('journal-done');
    const store = new HistoryStore({ dir });
    const op = operation('op-done', 'running', Date.now(), [target(100), target(101)]);
    await store.operationStarted(op);
    const [a, b] = op.targets;
    a.state = 'running';
    b.state = 'running';
    a.phases = [phase('snapshot', 'succeeded', [upid(100)]), phase('verify', 'succeeded')];
    b.phases = [phase('snapshot', 'succeeded', [upid(101)]), phase('verify', 'running')];
    await store.phaseChanged(op, a, a.phases[1]);
    await store.phaseChanged(op, b, b.phases[1]);
    await store.close();
    const seen = (await store.getOperation('op-done'))!;
    markInterrupted(seen);
    expect(seen.targets.map((t) => t.state)).toEqual(['succeeded', 'interrupted']);
    expect(seen.targets[0].message).toMatch(/every phase succeeded/);
    expect(seen.targets[1].phases.map((p) => p.state)).toEqual(['succeeded', 'interrupted']);
  });

  it('leaves out a last line cut off by a crash, and sets it aside before appending again', async () => {
    const dir = tmp('journal-torn');
    const store = new HistoryStore({ dir });
    const op = operation('op-torn', 'running', Date.now(), [target(100)]);
    await store.operationStarted(op);
    op.targets[0].phases[0] = phase('snapshot', 'running', [upid(100)]);
    await store.phaseChanged(op, op.targets[0], op.targets[0].phases[0]);
    await store.close();
    appendFileSync(store.layout.journal('op-torn'), '{"k":"phase","at":1,"target":{"id":"t1');
    expect((await store.getOperation('op-torn'))!.targets[0].phases[0].upids).toEqual([upid(100)]);

    // A resume in another store appends after the last whole line; the fragment is kept beside it.
    const again = new HistoryStore({ dir });
    op.targets[0].phases[0] = phase('snapshot', 'succeeded', [upid(100)]);
    await again.phaseChanged(op, op.targets[0], op.targets[0].phases[0]);
    expect((await again.getOperation('op-torn'))!.targets[0].phases[0].state).toBe('succeeded');
    await again.close();
  });

  it('reports a damaged journal line by file and place, never skipping it', async () => {
    const dir = tmp('journal-bad');
    const store = new HistoryStore({ dir });
    const op = operation('op-bad', 'running', Date.now(), [target(100)]);
    await store.operationStarted(op);
    await store.close();
    const file = store.layout.journal('op-bad');
    appendFileSync(file, 'garbage\n{"k":"target","at":1,"target":{"id":"t100"}}\n');
    const err = await store.getOperation('op-bad').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HistoryDamagedError);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toMatch(/line at byte \d+ is not valid JSON/);

    writeFileSync(file, readFileSync(file, 'utf8').replace('garbage\n', ''));
    await expect(store.getOperation('op-bad')).rejects.toThrow(/the line at byte \d+: target\.kind is missing/);
  });

  it('shares one write among lines queued together, and applies the compacted record plus later lines', async () => {
    const dir = tmp('journal-compact');
    const store = new HistoryStore({ dir, compactBytes: 2000 });
    const op = operation('op-c', 'running', Date.now(), Array.from({ length: 20 }, (_, i) => target(200 + i)));
    await store.operationStarted(op);
    // Twenty targets move at once (parallel steps): their lines are queued in one turn.
    await Promise.all(
      op.targets.map((t) => {
        t.state = 'running';
        t.phases[0] = phase('snapshot', 'running', [upid(t.vmid)]);
        return store.phaseChanged(op, t, t.phases[0]);
      }),
    );
    const record = JSON.parse(readFileSync(store.layout.operation('op-c'), 'utf8')) as { journal: { bytes: number } };
    // The journal outgrew compactBytes, so the record was rewritten with the lines folded in.
    expect(record.journal.bytes).toBeGreaterThan(2000);
    op.targets[3].phases[0] = phase('snapshot', 'failed', [upid(203)]);
    op.targets[3].state = 'failed';
    await store.phaseChanged(op, op.targets[3], op.targets[3].phases[0]);
    const seen = (await store.getOperation('op-c'))!;
    expect(seen.targets.map((t) => t.state).filter((s) => s === 'running')).toHaveLength(19);
    expect(seen.targets[3]).toMatchObject({ state: 'failed', phases: [{ state: 'failed', upids: [upid(203)] }, { state: 'pending' }] });
    await store.close();
  });
});
