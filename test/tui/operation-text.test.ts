// The TUI's pieces for engine-v2 operations: names from the registry's labels, phases at a glance, the new
// states ordered and counted, phase events folded into the store, and danger taken from the registry.
import { describe, expect, it } from 'vitest';
import type { MoxxieCore } from '../../src/core.js';
import { isDestructive } from '../../src/ops/capabilities/index.js';
import type { Operation, OperationListener, OperationTarget, PhaseRecord, TargetState } from '../../src/ops/types.js';
import { KEYMAP, keyIsDestructive } from '../../tui/keymap.js';
import { byOutcome, byProgress, compactPhases, finishCounts, progressOf } from '../../tui/operation-text.js';
import { opName } from '../../tui/operation-name.js';
import { createTuiStore } from '../../tui/store.js';
import { Sync } from '../../tui/sync.js';

const phase = (name: string, state: PhaseRecord['state'], upids: string[] = []): PhaseRecord => ({ name, state, upids });

function target(vmid: number, state: TargetState, phases: PhaseRecord[] = [], id = `t${vmid}`): OperationTarget {
  return { id, kind: 'guest', vmid, name: `vm${vmid}`, node: 'pve1', state, action: 'snapshot x', phases };
}

function operation(targets: OperationTarget[], patch: Partial<Operation> = {}): Operation {
  return { id: 'op-1', kind: 'snapshot.create', label: 'snapshot x-{vmid}', request: {}, dryRun: false, status: 'running', targets, warnings: [], frontEnd: 'tui', context: 'test', startedAt: 1, ...patch };
}

describe('operations in the TUI', () => {
  it('names an operation by its label, and an old record without one by its kind', () => {
    expect(opName(operation([]))).toBe('snapshot x-{vmid}');
    expect(opName({ kind: 'power', label: undefined as unknown as string })).toBe('power');
  });

  it('draws phases at a glance', () => {
    expect(compactPhases(target(1, 'failed', [phase('snapshot', 'succeeded'), phase('verify', 'failed')]))).toBe('snapshot ✓ · verify ✗');
    expect(compactPhases(target(1, 'interrupted', [phase('clone', 'undone'), phase('start', 'interrupted'), phase('verify', 'pending')]))).toBe('clone ↶ · start ! · verify ·');
    expect(compactPhases({ phases: undefined as unknown as PhaseRecord[] })).toBe('');
  });

  it('orders failures first (interrupted right after failed) and, while running, what moves first', () => {
    const states: TargetState[] = ['succeeded', 'skipped', 'rolled-back', 'planned', 'cancelled', 'interrupted', 'running', 'failed'];
    const ts = states.map((s, i) => target(100 + i, s));
    expect([...ts].sort(byOutcome).map((t) => t.state)).toEqual(['failed', 'interrupted', 'running', 'cancelled', 'succeeded', 'rolled-back', 'planned', 'skipped']);
    expect([...ts].sort(byProgress).map((t) => t.state).slice(0, 3)).toEqual(['running', 'failed', 'interrupted']);
  });

  it('counts the new states in the finish line, and a rollback’s progress over what it undoes', () => {
    const done = operation([target(1, 'rolled-back', [phase('snapshot', 'undone')]), target(2, 'interrupted'), target(3, 'skipped')], { status: 'partial' });
    expect(finishCounts(done)).toBe('1 rolled back, 1 interrupted, 1 skipped');
    const run = operation([target(1, 'succeeded'), target(2, 'failed'), target(3, 'interrupted'), target(4, 'running'), target(5, 'skipped')]);
    expect(progressOf(run)).toMatchObject({ done: 3, total: 4 });
    const rollback = operation([target(1, 'rolled-back', [phase('snapshot', 'undone')]), target(2, 'succeeded', [phase('snapshot', 'succeeded')]), target(3, 'failed', [phase('snapshot', 'failed')])], {
      continuations: [{ action: 'rollback', at: 2, frontEnd: 'tui' }],
    });
    expect(progressOf(rollback)).toMatchObject({ done: 1, total: 2 });
  });

  it('takes every VM action’s danger from the capability registry', () => {
    const flag = (id: string) => keyIsDestructive(KEYMAP.find((b) => b.id === id)!, isDestructive);
    expect(flag('power-stop')).toBe(isDestructive('power', { operation: 'STOP' }));
    expect(flag('power-shutdown')).toBe(isDestructive('power', { operation: 'SHUTDOWN' }));
    expect(flag('power-start')).toBe(isDestructive('power', { operation: 'START' }));
    expect(flag('tags-remove')).toBe(isDestructive('tags', { action: 'REMOVE' }));
    expect(flag('tags-add')).toBe(isDestructive('tags', { action: 'ADD' }));
    expect(flag('snapshot')).toBe(isDestructive('snapshot.create', {}));
    expect(flag('snapshot-delete')).toBe(isDestructive('snapshot.delete', {}));
    expect(flag('rollback')).toBe(isDestructive('snapshot.rollback', {}));
    // Undoing is destructive whatever the operation did; resuming asks only when the operation itself did.
    expect(flag('op-rollback')).toBe(true);
    expect(flag('op-resume')).toBe(false);
  });

  it('folds phase-changed events (which carry no operation) into the live operation, by target id', async () => {
    let listener: OperationListener = () => {};
    const core = { operations: { subscribe: (l: OperationListener) => ((listener = l), () => {}) } } as unknown as MoxxieCore;
    const store = createTuiStore({ name: 'test', url: 'x', readOnly: false, safeMode: false, demo: false });
    const sync = new Sync(store, { core }, 60_000);
    // Started on an inventory already at hand: nothing is asked of a cluster.
    await sync.start({ vms: [], nodes: [], storages: [], fetchedAt: Date.now() });
    // Two targets on one guest (two clones of one template, say): each is its own row.
    const op = operation([target(100, 'planned', [], 'a'), target(100, 'planned', [], 'b')]);
    listener({ type: 'operation-started', operation: op });
    expect(store.getState().paneOpId).toBe('op-1');
    listener({ type: 'phase-changed', operationId: 'op-1', targetId: 'b', phase: phase('clone', 'running', ['UPID:1']) });
    listener({ type: 'target-updated', operationId: 'op-1', target: { ...target(100, 'running', [phase('clone', 'running', ['UPID:0'])], 'a') } });
    listener({ type: 'phase-changed', operationId: 'op-1', targetId: 'a', phase: phase('clone', 'succeeded', ['UPID:0']) });
    listener({ type: 'phase-changed', operationId: 'op-1', targetId: 'a', phase: phase('start', 'running', ['UPID:2']) });
    sync.flush();
    const [a, b] = store.getState().liveOps[0].targets;
    expect(a.state).toBe('running');
    expect(compactPhases(a)).toBe('clone ✓ · start …');
    expect(a.phases[1].upids).toEqual(['UPID:2']);
    expect(b.state).toBe('planned');
    expect(compactPhases(b)).toBe('clone …');
    listener({ type: 'operation-finished', operation: { ...op, status: 'succeeded', label: 'clone 2', targets: [target(100, 'succeeded', [], 'a'), target(100, 'succeeded', [], 'b')] } });
    expect(store.getState().status).toEqual({ text: 'clone 2 succeeded: 2 succeeded', tone: 'ok' });
    sync.stop();
  });
});
