// The seed's progress shape mapped from moxxie's Operation, and the rollback strategies as decisions. The
// rollback's view of PVE is read back from the simulator: VMs made there with and without this operation's
// mark, so only what carries both the journal's id and the mark is ever deleted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postQemu } from '../../../src/pve/endpoints/qemu.js';
import { observeCreated } from '../../../src/ops/provisioning/observe-created.js';
import { provisioningProgress } from '../../../src/ops/provisioning/progress.js';
import { provisionMarker, readProvisionMarker } from '../../../src/ops/provisioning/provision-marker.js';
import { decideRollback, FAILED_TAG, rollbackCandidates, type RollbackCandidate } from '../../../src/ops/provisioning/rollback-decision.js';
import type { Operation, OperationTarget, PhaseRecord, PhaseState, TargetState } from '../../../src/ops/types.js';
import { startCluster, type TestCluster } from '../../fixtures/cluster.js';

// The lifecycle capability's phases of a new guest.
const PHASES = ['make', 'migrate', 'configure', 'resize', 'start', 'verify'];

/** A provisioning target whose phases up to `reached` succeeded and `reached` is in `at`. */
function target(name: string, vmid: number, group: string, state: TargetState, reached?: string, at: PhaseState = 'running', upids: string[] = []): OperationTarget {
  const stop = reached ? PHASES.indexOf(reached) : -1;
  const phases: PhaseRecord[] = PHASES.map((p, i) => ({
    name: p,
    state: i < stop ? 'succeeded' : i === stop ? at : 'pending',
    upids: i <= stop ? upids.map((u) => `${u}:${p}`) : [],
  }));
  if (state === 'succeeded') for (const p of phases) p.state = 'succeeded';
  return { id: name, kind: 'new-guest', vmid, name, node: 'pve1', state, action: 'clone', phases, spec: { cluster: 'talos-prod-01', group } };
}

function operation(status: Operation['status'], targets: OperationTarget[], extra: Partial<Operation> = {}): Operation {
  return { id: 'op-12345678', kind: 'snapshot.create', label: 'provision talos-prod-01', request: { name: 'talos-prod-01' }, dryRun: false, status, targets, warnings: [], frontEnd: 'cli', context: 'demo', startedAt: Date.UTC(2026, 11, 5, 11, 0), ...extra };
}

describe('progress in the seed\'s shape', () => {
  it('maps a running operation: statuses per phase, counts, percentage, the current operation, logs with UPIDs', () => {
    const op = operation('running', [
      target('talos-prod-01-control-plane-01', 201, 'control-plane', 'succeeded'),
      target('talos-prod-01-control-plane-02', 202, 'control-plane', 'running', 'configure'),
      target('talos-prod-01-control-plane-03', 203, 'control-plane', 'running', 'start'),
      target('talos-prod-01-worker-01', 204, 'worker', 'running', 'make', 'running', ['UPID:pve1:0001']),
      target('talos-prod-01-worker-02', 205, 'worker', 'failed', 'migrate', 'failed', ['UPID:pve1:0002']),
      target('talos-prod-01-worker-03', 206, 'worker', 'planned'),
    ]);
    const p = provisioningProgress(op);
    expect(p).toMatchObject({ operationId: 'op-12345678', clusterName: 'talos-prod-01', status: 'PROVISIONING', totalNodes: 6, successfulNodes: 1, failedNodes: 1 });
    expect(p.nodeStates.map((n) => [n.name, n.nodeGroup, n.vmId, n.host, n.status])).toEqual([
      ['talos-prod-01-control-plane-01', 'control-plane', 201, 'pve1', 'READY'],
      ['talos-prod-01-control-plane-02', 'control-plane', 202, 'pve1', 'CONFIGURING'],
      ['talos-prod-01-control-plane-03', 'control-plane', 203, 'pve1', 'STARTING'],
      ['talos-prod-01-worker-01', 'worker', 204, 'pve1', 'CREATING_VM'],
      ['talos-prod-01-worker-02', 'worker', 205, 'pve1', 'FAILED'],
      ['talos-prod-01-worker-03', 'worker', 206, 'pve1', 'PENDING'],
    ]);
    expect(p.currentOperation).toBe('Configuring control-plane nodes; Starting control-plane nodes; Creating worker nodes');
    // 1 + (2.5 + 4.5 + 0.5)/6 + 1 (failed is done) + 0 over 6 targets
    expect(p.progressPercentage).toBe(Math.floor((100 * (1 + 2.5 / 6 + 4.5 / 6 + 0.5 / 6 + 1)) / 6));
    expect(p.logs[3]).toEqual({ name: 'talos-prod-01-worker-01', vmId: 204, entries: [{ phase: 'make', state: 'running', upids: ['UPID:pve1:0001:make'] }] });
    expect(p.logs[4].entries.map((e) => [e.phase, e.state, e.upids])).toEqual([
      ['make', 'succeeded', ['UPID:pve1:0002:make']],
      ['migrate', 'failed', ['UPID:pve1:0002:migrate']],
    ]);
    expect(p.nodeStates[4]).toMatchObject({ status: 'FAILED', phase: 'migrate' });
    expect(p.logs[5].entries).toEqual([]);
  });

  it('maps the operation\'s end states', () => {
    const done = [target('a', 1, 'g', 'succeeded'), target('b', 2, 'g', 'succeeded')];
    expect(provisioningProgress(operation('succeeded', done))).toMatchObject({ status: 'COMPLETED', progressPercentage: 100, currentOperation: 'Provisioned 2 nodes' });
    expect(provisioningProgress(operation('partial', [done[0], target('b', 2, 'g', 'failed', 'start', 'failed')]))).toMatchObject({ status: 'FAILED', currentOperation: 'Failed: 1 of 2 nodes failed' });
    expect(provisioningProgress(operation('interrupted', [done[0], target('b', 2, 'g', 'interrupted', 'configure', 'interrupted')]))).toMatchObject({ status: 'FAILED', currentOperation: 'Interrupted: 1 of 2 ready; resume or roll back' });
    const rolled = provisioningProgress(operation('rolled-back', [target('a', 1, 'g', 'rolled-back', 'verify', 'undone'), target('b', 2, 'g', 'cancelled')]));
    expect(rolled.nodeStates.map((n) => n.status)).toEqual(['ROLLED_BACK', 'PENDING']);
    expect(rolled.status).toBe('ROLLED_BACK');
    expect(provisioningProgress(operation('cancelled', [done[0], target('b', 2, 'g', 'cancelled', 'make', 'cancelled')])).status).toBe('CANCELLED');
    const undoing = target('a', 1, 'g', 'running', 'configure', 'undone');
    undoing.phases[1].undo = { state: 'running', upids: ['UPID:pve1:destroy'], at: 1 };
    expect(provisioningProgress(operation('running', [undoing])).status).toBe('ROLLING_BACK');
    expect(provisioningProgress(operation('planned', [target('a', 1, 'g', 'planned')]))).toMatchObject({ status: 'PENDING', progressPercentage: 0 });
  });
});

describe('rollback strategies', () => {
  const OP = 'op-rb-1';
  let c: TestCluster;
  let ids: number[];
  beforeAll(async () => {
    c = await startCluster({ nodes: 2, vms: 20 });
    const used = new Set(c.sim.state.vms().map((v) => v.vmid));
    ids = [];
    for (let id = 100; ids.length < 5; id++) if (!used.has(id)) ids.push(id);
    // ids[0..2]: made by this operation (its mark); ids[3]: same id range, made by someone else; ids[4]: never made.
    const make = async (vmid: number, description?: string) => c.client.waitForTask(await postQemu(c.client, 'pve1', { vmid, name: `t-${vmid}`, memory: 512, ...(description ? { description } : {}) }));
    for (const vmid of ids.slice(0, 3)) await make(vmid, `Talos node\n${provisionMarker(OP, 'talos-prod-01')}`);
    await make(ids[3], 'made by hand');
  });
  afterAll(async () => c.close());

  const candidates = (): RollbackCandidate[] => [
    { name: 'n1', vmid: ids[0], status: 'READY', mayHaveCreated: true },
    { name: 'n2', vmid: ids[1], status: 'FAILED', mayHaveCreated: true },
    { name: 'n3', vmid: ids[2], status: 'CONFIGURING', mayHaveCreated: true },
    { name: 'n4', vmid: ids[3], status: 'FAILED', mayHaveCreated: true }, // its id was taken by someone else meanwhile
    { name: 'n5', vmid: ids[4], status: 'PENDING', mayHaveCreated: false },
  ];

  const MARK = provisionMarker(OP, 'talos-prod-01');
  const observe = (marker = MARK) => observeCreated(c.client, ids.map((vmid, i) => ({ name: `n${i + 1}`, vmid, marker })));

  it('reads the mark back from PVE', async () => {
    const observed = await observe();
    expect([...observed.values()]).toEqual([{ exists: true, marked: true }, { exists: true, marked: true }, { exists: true, marked: true }, { exists: true, marked: false }, { exists: false, marked: false }]);
    expect(readProvisionMarker(c.sim.state.vm(ids[0])!.config.description as string)).toEqual({ operationId: OP, cluster: 'talos-prod-01' });
  });

  it('FULL deletes every VM this operation created, in reverse order; never one without its mark', async () => {
    const d = decideRollback({ strategy: 'FULL', candidates: candidates(), observed: await observe() });
    expect(d.triggered).toBe(true);
    expect(d.actions.map((a) => [a.vmid, a.action])).toEqual([
      [ids[2], 'delete'],
      [ids[1], 'delete'],
      [ids[0], 'delete'],
      [ids[3], 'leave'],
      [ids[4], 'leave'],
    ]);
    expect(d.actions.find((a) => a.vmid === ids[3])!.reason).toBe("does not carry this operation's mark: someone else's VM has the id, not deleted");
  });

  it('PARTIAL keeps READY VMs and removes the rest it made; NONE leaves all; MARK_FAILED tags the failed', async () => {
    const observed = await observe();
    const act = (strategy: 'PARTIAL' | 'NONE' | 'MARK_FAILED') => Object.fromEntries(decideRollback({ strategy, candidates: candidates(), observed }).actions.map((a) => [a.name, a.action]));
    expect(act('PARTIAL')).toEqual({ n1: 'keep', n2: 'delete', n3: 'delete', n4: 'leave', n5: 'leave' });
    expect(act('NONE')).toEqual({ n1: 'keep', n2: 'keep', n3: 'keep', n4: 'leave', n5: 'leave' });
    expect(act('MARK_FAILED')).toEqual({ n1: 'keep', n2: 'tag-failed', n3: 'tag-failed', n4: 'leave', n5: 'leave' });
    expect(FAILED_TAG).toBe('moxxie-failed');
  });

  it('does nothing when nothing failed, and applies the strategy on cancel', async () => {
    const observed = await observe();
    const ok = candidates().map((x) => ({ ...x, status: x.mayHaveCreated ? ('READY' as const) : x.status }));
    const none = decideRollback({ strategy: 'FULL', candidates: ok.slice(0, 3), observed });
    expect(none.triggered).toBe(false);
    expect(none.actions.every((a) => a.action === 'keep')).toBe(true);
    const cancelled = decideRollback({ strategy: 'FULL', candidates: ok.slice(0, 3), observed, cancelled: true });
    expect(cancelled.actions.map((a) => a.action)).toEqual(['delete', 'delete', 'delete']);
    // For another operation (another mark) none of these VMs is its own, though they carry a provisioning mark.
    const other = decideRollback({ strategy: 'FULL', candidates: candidates(), observed: await observe(provisionMarker('op-other', 'talos-prod-01')) });
    expect(other.actions.filter((a) => a.action === 'delete')).toEqual([]);
  });

  it('derives the candidates from the operation\'s targets: created once its make phase started', () => {
    const list = rollbackCandidates([target('a', 1, 'g', 'succeeded'), target('b', 2, 'g', 'cancelled'), target('c', 3, 'g', 'planned'), target('d', 4, 'g', 'failed', 'make', 'failed')]);
    expect(list).toEqual([
      { name: 'a', vmid: 1, status: 'READY', mayHaveCreated: true },
      { name: 'b', vmid: 2, status: 'PENDING', mayHaveCreated: false }, // cancelled before its first phase
      { name: 'c', vmid: 3, status: 'PENDING', mayHaveCreated: false },
      { name: 'd', vmid: 4, status: 'FAILED', mayHaveCreated: true },
    ]);
  });
});
